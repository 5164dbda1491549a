// Package jobs runs left4me's long operations: a pool of workers takes
// queued jobs from the store, runs the handler for each job's type, and
// records and publishes the job's steps, progress and log as it goes, so the
// web panel can stream them (Server-Sent Events) while they happen.
//
// Wiring:
//
//	pool := jobs.New(jobs.Config{Workers: n, Jobs: jobService, Logger: log,
//		Handlers: (&jobs.ServerJobs{...}).Handlers()})
//	if err := pool.Start(ctx); err != nil { ... } // fails interrupted jobs first
//	defer pool.Close()
//	job, err := pool.Enqueue(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"})
//	updates, cancel := pool.Subscribe(job.ID)
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/left4me/left4me"
)

// Handler runs one job. It reports named steps, progress and log lines
// through r and returns nil on success. A returned *left4me.Error's message
// is shown to users; any other error is logged and shown as a generic message.
// ctx is cancelled when the pool closes.
type Handler func(ctx context.Context, job *left4me.Job, r *Reporter) error

// InterruptedReason is the error recorded on jobs that were running when the
// panel stopped (found at the next Start, or cancelled by Close).
const InterruptedReason = "interrupted: the panel stopped while this job was running"

// DefaultPollInterval is how often idle workers look for jobs that were
// queued without Enqueue (e.g. by another process). Enqueue wakes them at once.
const DefaultPollInterval = 5 * time.Second

// Config configures a Pool.
type Config struct {
	// Workers is how many jobs run at once (JOB_WORKER_THREADS); at least 1.
	Workers int
	// Jobs stores the jobs.
	Jobs left4me.JobService
	// Logger receives internal errors; slog.Default() when nil.
	Logger *slog.Logger
	// Handlers maps a job type to its handler. A job of another type fails.
	Handlers map[string]Handler
	// PollInterval is the fallback poll; DefaultPollInterval when 0.
	PollInterval time.Duration
}

// Pool is a worker pool over a JobService. Its methods are safe for
// concurrent use.
type Pool struct {
	cfg    Config
	log    *slog.Logger
	notify chan struct{}

	mu   sync.Mutex
	subs map[int64]map[*subscriber]bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a pool; call Start to run it.
func New(cfg Config) *Pool {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Pool{
		cfg:    cfg,
		log:    log,
		notify: make(chan struct{}, cfg.Workers),
		subs:   map[int64]map[*subscriber]bool{},
	}
}

// Start fails every job left running by a previous process (it was
// interrupted: InterruptedReason) and then starts the workers. Call it once.
func (p *Pool) Start(ctx context.Context) error {
	n, err := p.cfg.Jobs.FailRunningJobs(ctx, InterruptedReason)
	if err != nil {
		return fmt.Errorf("fail interrupted jobs: %w", err)
	}
	if n > 0 {
		p.log.Warn("failed jobs interrupted by a previous stop", "count", n)
	}
	ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for range p.cfg.Workers {
		p.wg.Add(1)
		go p.work(ctx)
	}
	p.wake()
	return nil
}

// Close cancels running handlers (their jobs fail with InterruptedReason),
// waits for the workers to stop, and closes every subscription.
func (p *Pool) Close() error {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, set := range p.subs {
		for s := range set {
			s.close()
		}
		delete(p.subs, id)
	}
	return nil
}

// Enqueue creates the job (see left4me.JobService.CreateJob: ErrJobActive for
// a second lifecycle job of a server, the existing job for an idempotent
// type) and wakes a worker at once. It returns the stored job.
func (p *Pool) Enqueue(ctx context.Context, j *left4me.Job) (*left4me.Job, error) {
	job, err := p.cfg.Jobs.CreateJob(ctx, j)
	if err != nil {
		return nil, err
	}
	p.wake()
	return job, nil
}

// wake nudges one idle worker without blocking.
func (p *Pool) wake() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// work claims and runs jobs until ctx is cancelled.
func (p *Pool) work(ctx context.Context) {
	defer p.wg.Done()
	timer := time.NewTimer(p.cfg.PollInterval)
	defer timer.Stop()
	for ctx.Err() == nil {
		job, err := p.cfg.Jobs.ClaimJob(ctx)
		if err != nil && ctx.Err() == nil {
			p.log.Error("claim job", "err", err)
		}
		if job != nil {
			p.wake() // another idle worker may take the next queued job
			p.run(ctx, job)
			continue
		}
		timer.Reset(p.cfg.PollInterval)
		select {
		case <-ctx.Done():
		case <-p.notify:
		case <-timer.C:
		}
	}
}

// run runs job's handler and records the outcome.
func (p *Pool) run(ctx context.Context, job *left4me.Job) {
	r := &Reporter{pool: p, job: job}
	r.publish()
	err := p.callHandler(ctx, job, r)
	r.finish(ctx, err)
}

// callHandler runs the handler for job, turning a panic into an error.
func (p *Pool) callHandler(ctx context.Context, job *left4me.Job, r *Reporter) (err error) {
	h := p.cfg.Handlers[job.Type]
	if h == nil {
		return left4me.Errorf(left4me.ENOTIMPLEMENTED, "no handler for job type %q", job.Type)
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("handler panic: %v\n%s", v, debug.Stack())
		}
	}()
	return h(ctx, copyJob(job), r)
}

// safeMessage is what a job's Error says for err: the *left4me.Error message,
// the interruption reason, or a generic text (the details go to the log).
func (p *Pool) safeMessage(ctx context.Context, job *left4me.Job, err error) string {
	var e *left4me.Error
	switch {
	case errors.As(err, &e):
		return e.Message
	case ctx.Err() != nil:
		return InterruptedReason
	}
	p.log.Error("job failed", "job", job.ID, "type", job.Type, "target", job.Target, "err", err)
	return "internal error: the details are in the panel's log"
}
