package jobs

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/left4me/left4me"
)

// MaxLogBytes bounds a job's stored log; older lines are dropped first.
const MaxLogBytes = 64 << 10

// Reporter records a running job's steps, progress and log. Every call saves
// the job and publishes it to subscribers; a failure to save is logged, not
// returned, so reporting never breaks the work itself. Safe for concurrent
// use. A nil *Reporter discards everything, so a handler can be called
// directly (e.g. from a command-line tool) without a pool.
type Reporter struct {
	pool *Pool

	mu  sync.Mutex
	job *left4me.Job
}

// Step finishes the current step (succeeded) and starts a step called name
// with unknown progress.
func (r *Reporter) Step(name string) {
	r.update(func(j *left4me.Job) {
		finishStep(j, left4me.JobSucceeded)
		j.Steps = append(j.Steps, left4me.JobStep{Name: name, State: left4me.JobRunning, Progress: -1})
	})
}

// Progress sets the current step's progress, clamped to 0..1. Without a
// current step it starts one named "working".
func (r *Reporter) Progress(fraction float64) {
	r.update(func(j *left4me.Job) {
		if len(j.Steps) == 0 || j.Steps[len(j.Steps)-1].State != left4me.JobRunning {
			j.Steps = append(j.Steps, left4me.JobStep{Name: "working", State: left4me.JobRunning})
		}
		j.Steps[len(j.Steps)-1].Progress = min(max(fraction, 0), 1)
	})
}

// Logf appends one line to the job's log. Log lines are shown to users:
// never log secrets.
func (r *Reporter) Logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	r.update(func(j *left4me.Job) { appendLog(j, line) })
}

// update applies fn to the job, saves and publishes it.
func (r *Reporter) update(fn func(*left4me.Job)) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.job)
	r.save(context.Background())
}

// finish records the handler's outcome: succeeded, or failed with a safe message.
func (r *Reporter) finish(ctx context.Context, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := r.job
	if err == nil {
		finishStep(j, left4me.JobSucceeded)
		j.State = left4me.JobSucceeded
	} else {
		msg := r.pool.safeMessage(ctx, j, err)
		finishStep(j, left4me.JobFailed)
		j.State, j.Error = left4me.JobFailed, msg
		appendLog(j, "failed: "+msg)
	}
	r.save(context.Background())
}

// save persists the job (even while the pool shuts down) and publishes it.
func (r *Reporter) save(ctx context.Context) {
	if err := r.pool.cfg.Jobs.UpdateJob(ctx, r.job); err != nil {
		r.pool.log.Error("save job", "job", r.job.ID, "err", err)
	}
	r.pool.publish(copyJob(r.job))
}

// publish sends the job's current state without saving it.
func (r *Reporter) publish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pool.publish(copyJob(r.job))
}

// finishStep ends the last step if it is still running.
func finishStep(j *left4me.Job, state string) {
	if n := len(j.Steps); n > 0 && j.Steps[n-1].State == left4me.JobRunning {
		j.Steps[n-1].State = state
		if state == left4me.JobSucceeded {
			j.Steps[n-1].Progress = 1
		}
	}
}

// appendLog adds a line, keeping the log under MaxLogBytes by dropping
// whole lines from the front.
func appendLog(j *left4me.Job, line string) {
	j.Log += strings.TrimRight(line, "\n") + "\n"
	if len(j.Log) <= MaxLogBytes {
		return
	}
	cut := len(j.Log) - MaxLogBytes
	if i := strings.IndexByte(j.Log[cut:], '\n'); i >= 0 {
		cut += i + 1
	}
	j.Log = j.Log[cut:]
}

// copyJob copies j so subscribers and handlers never share its step slice.
func copyJob(j *left4me.Job) *left4me.Job {
	c := *j
	c.Steps = append([]left4me.JobStep{}, j.Steps...)
	return &c
}
