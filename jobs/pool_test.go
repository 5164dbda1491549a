package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/internal/testutil"
	"github.com/left4me/left4me/jobs"
	"github.com/left4me/left4me/sqlite"
)

// waitLimit only guards against a hung test; the tests do not measure time.
const waitLimit = 20 * time.Second

// mustOpenDB opens a fresh database file in a temp dir.
func mustOpenDB(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "left4me.db")
	}
	db, err := sqlite.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// mustStartPool starts a pool with the given handlers. The fallback poll is
// an hour, so a job that runs at all was picked up by Enqueue's wake-up.
func mustStartPool(tb testing.TB, db *sqlite.DB, workers int, handlers map[string]jobs.Handler) (*jobs.Pool, *testutil.SyncBuffer) {
	tb.Helper()
	logs := &testutil.SyncBuffer{}
	pool := jobs.New(jobs.Config{
		Workers:      workers,
		Jobs:         sqlite.NewJobService(db),
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
		Handlers:     handlers,
		PollInterval: time.Hour,
	})
	if err := pool.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pool.Close() })
	return pool, logs
}

// collect reads a subscription until it closes and returns every state seen.
func collect(tb testing.TB, ch <-chan *left4me.Job) []*left4me.Job {
	tb.Helper()
	var seen []*left4me.Job
	timeout := time.After(waitLimit)
	for {
		select {
		case j, ok := <-ch:
			if !ok {
				return seen
			}
			seen = append(seen, j)
		case <-timeout:
			tb.Fatalf("subscription not closed; states so far: %d", len(seen))
		}
	}
}

// waitJob waits for job id to finish and returns its stored final state.
func waitJob(tb testing.TB, pool *jobs.Pool, db *sqlite.DB, id int64) *left4me.Job {
	tb.Helper()
	ch, cancel := pool.Subscribe(id)
	defer cancel()
	seen := collect(tb, ch)
	if len(seen) == 0 || !seen[len(seen)-1].Done() {
		tb.Fatalf("job %d: subscription closed before the job finished", id)
	}
	j, err := sqlite.NewJobService(db).FindJobByID(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return j
}

func stepNames(j *left4me.Job) string {
	var names []string
	for _, s := range j.Steps {
		names = append(names, s.Name+":"+s.State)
	}
	return strings.Join(names, ",")
}

// gate is a handler that reports, then waits until released (or cancelled).
type gate struct {
	started chan int64
	release chan struct{}
}

func newGate() *gate { return &gate{started: make(chan int64, 10), release: make(chan struct{})} }

func (g *gate) handler(ctx context.Context, job *left4me.Job, r *jobs.Reporter) error {
	r.Step("prepare")
	r.Logf("preparing %s", job.Target)
	r.Step("download")
	r.Progress(0.5)
	g.started <- job.ID
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.Progress(1)
	r.Logf("done")
	return nil
}

func (g *gate) waitStarted(tb testing.TB) int64 {
	tb.Helper()
	select {
	case id := <-g.started:
		return id
	case <-time.After(waitLimit):
		tb.Fatal("handler never started: the job was not picked up")
		return 0
	}
}

func TestEnqueuePicksUpAtOnce(t *testing.T) {
	db := mustOpenDB(t, "")
	g := newGate()
	close(g.release)
	pool, _ := mustStartPool(t, db, 2, map[string]jobs.Handler{left4me.JobServerStart: g.handler})
	// Several jobs in a row: each must be woken without the hour-long poll.
	for _, target := range []string{"a", "b", "c"} {
		job, err := pool.Enqueue(context.Background(), &left4me.Job{Type: left4me.JobServerStart, Target: target})
		if err != nil {
			t.Fatal(err)
		}
		got := waitJob(t, pool, db, job.ID)
		if got.State != left4me.JobSucceeded || got.StartedAt == nil || got.FinishedAt == nil {
			t.Fatalf("job %s = %+v", target, got)
		}
		if stepNames(got) != "prepare:succeeded,download:succeeded" || got.Log != "preparing "+target+"\ndone\n" {
			t.Fatalf("stored steps %s, log %q", stepNames(got), got.Log)
		}
	}
}

func TestSubscribeStreamsProgress(t *testing.T) {
	db := mustOpenDB(t, "")
	g := newGate()
	pool, _ := mustStartPool(t, db, 1, map[string]jobs.Handler{left4me.JobServerStart: g.handler})
	job, err := pool.Enqueue(context.Background(), &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"})
	if err != nil {
		t.Fatal(err)
	}
	g.waitStarted(t)
	ch, cancel := pool.Subscribe(job.ID)
	defer cancel()

	// The first value is the current state: running, mid-download.
	first := <-ch
	if first.State != left4me.JobRunning || stepNames(first) != "prepare:succeeded,download:running" ||
		first.Steps[1].Progress != 0.5 || first.Log != "preparing vs1\n" {
		t.Fatalf("first state = %+v", first)
	}
	// A second subscriber sees the same stream.
	ch2, cancel2 := pool.Subscribe(job.ID)
	defer cancel2()
	close(g.release)
	rest := collect(t, ch)
	rest2 := collect(t, ch2)
	if len(rest) < 3 {
		t.Fatalf("got %d updates after release, want progress, log and final", len(rest))
	}
	var sawFull bool
	for _, j := range rest {
		sawFull = sawFull || (len(j.Steps) == 2 && j.Steps[1].Progress == 1 && j.State == left4me.JobRunning)
	}
	last := rest[len(rest)-1]
	if !sawFull || last.State != left4me.JobSucceeded || last.Log != "preparing vs1\ndone\n" || stepNames(last) != "prepare:succeeded,download:succeeded" {
		t.Fatalf("streamed states: sawFull=%v last=%+v", sawFull, last)
	}
	if final := rest2[len(rest2)-1]; final.State != left4me.JobSucceeded {
		t.Fatalf("second subscriber's last state = %s", final.State)
	}

	t.Run("DoneJobSendsOnceAndCloses", func(t *testing.T) {
		ch, cancel := pool.Subscribe(job.ID)
		defer cancel()
		seen := collect(t, ch)
		if len(seen) != 1 || seen[0].State != left4me.JobSucceeded {
			t.Fatalf("subscription to a finished job = %d values", len(seen))
		}
	})
	t.Run("MissingJobCloses", func(t *testing.T) {
		ch, cancel := pool.Subscribe(9999)
		defer cancel()
		if seen := collect(t, ch); len(seen) != 0 {
			t.Fatalf("subscription to a missing job sent %d values", len(seen))
		}
	})
}

func TestEnqueueRules(t *testing.T) {
	db := mustOpenDB(t, "")
	g := newGate()
	pool, _ := mustStartPool(t, db, 2, map[string]jobs.Handler{
		left4me.JobServerStart:     g.handler,
		left4me.JobServerStop:      g.handler,
		left4me.JobWorkshopRefresh: g.handler,
	})
	ctx := context.Background()
	start, err := pool.Enqueue(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"})
	if err != nil {
		t.Fatal(err)
	}
	g.waitStarted(t)

	t.Run("SecondLifecycleJobRefused", func(t *testing.T) {
		_, err := pool.Enqueue(ctx, &left4me.Job{Type: left4me.JobServerStop, Target: "vs1"})
		if !errors.Is(err, left4me.ErrJobActive) {
			t.Fatalf("Enqueue stop while start runs: %v, want ErrJobActive", err)
		}
	})
	t.Run("IdempotentReturnsExisting", func(t *testing.T) {
		first, err := pool.Enqueue(ctx, &left4me.Job{Type: left4me.JobWorkshopRefresh})
		if err != nil {
			t.Fatal(err)
		}
		again, err := pool.Enqueue(ctx, &left4me.Job{Type: left4me.JobWorkshopRefresh})
		if err != nil || again.ID != first.ID {
			t.Fatalf("second refresh = %+v, %v; want job %d", again, err, first.ID)
		}
	})
	t.Run("CancelClosesSubscription", func(t *testing.T) {
		ch, cancel := pool.Subscribe(start.ID)
		if first := <-ch; first.State != left4me.JobRunning {
			t.Fatalf("first state %s", first.State)
		}
		cancel()
		cancel()       // twice is fine
		collect(t, ch) // the job is still blocked: only cancel can close ch
	})
	close(g.release)
	waitJob(t, pool, db, start.ID)
	if _, err := pool.Enqueue(ctx, &left4me.Job{Type: left4me.JobServerStop, Target: "vs1"}); err != nil {
		t.Fatalf("Enqueue after the start finished: %v", err)
	}
}

func TestFailingHandler(t *testing.T) {
	db := mustOpenDB(t, "")
	pool, logs := mustStartPool(t, db, 1, map[string]jobs.Handler{
		"test.user-error": func(ctx context.Context, job *left4me.Job, r *jobs.Reporter) error {
			r.Step("check")
			return left4me.Errorf(left4me.EINVALID, "the map c9m9 does not exist")
		},
		"test.internal-error": func(ctx context.Context, job *left4me.Job, r *jobs.Reporter) error {
			r.Step("connect")
			return errors.New("dial unix /secret/socket: permission denied")
		},
		"test.panic": func(ctx context.Context, job *left4me.Job, r *jobs.Reporter) error {
			panic("boom")
		},
	})
	for _, tc := range []struct {
		typ, wantError, wantSteps, wantLogged string
	}{
		{"test.user-error", "the map c9m9 does not exist", "check:failed", ""},
		{"test.internal-error", "internal error: the details are in the panel's log", "connect:failed", "/secret/socket"},
		{"test.panic", "internal error: the details are in the panel's log", "", "boom"},
		{"test.unknown", `no handler for job type "test.unknown"`, "", ""},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			job, err := pool.Enqueue(context.Background(), &left4me.Job{Type: tc.typ})
			if err != nil {
				t.Fatal(err)
			}
			got := waitJob(t, pool, db, job.ID)
			if got.State != left4me.JobFailed || got.Error != tc.wantError || stepNames(got) != tc.wantSteps {
				t.Fatalf("job = state %s error %q steps %s", got.State, got.Error, stepNames(got))
			}
			if !strings.HasSuffix(got.Log, "failed: "+tc.wantError+"\n") {
				t.Fatalf("log %q does not end with the failure", got.Log)
			}
			if strings.Contains(got.Error+got.Log, "/secret") {
				t.Fatal("internal error details shown to users")
			}
			if tc.wantLogged != "" && !strings.Contains(logs.String(), tc.wantLogged) {
				t.Fatalf("panel log lacks %q:\n%s", tc.wantLogged, logs.String())
			}
		})
	}
}

// TestCrashRecovery: a job left running by a killed process is failed with
// a reason when the next pool starts, and the server takes new jobs.
func TestCrashRecovery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "left4me.db")
	ctx := context.Background()
	crashed := mustOpenDB(t, path)
	js := sqlite.NewJobService(crashed)
	job, err := js.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"})
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := js.ClaimJob(ctx)
	if err != nil || claimed.ID != job.ID {
		t.Fatalf("ClaimJob = %+v, %v", claimed, err)
	}
	claimed.Steps = []left4me.JobStep{{Name: "start instance", State: left4me.JobRunning, Progress: -1}}
	if err := js.UpdateJob(ctx, claimed); err != nil {
		t.Fatal(err)
	}
	// The "crash": nothing else happens to that process's jobs.

	db := mustOpenDB(t, path)
	g := newGate()
	close(g.release)
	pool, _ := mustStartPool(t, db, 1, map[string]jobs.Handler{left4me.JobServerStart: g.handler})
	got, err := sqlite.NewJobService(db).FindJobByID(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != left4me.JobFailed || got.Error != jobs.InterruptedReason || got.FinishedAt == nil || stepNames(got) != "start instance:failed" {
		t.Fatalf("interrupted job after restart = %+v", got)
	}
	again, err := pool.Enqueue(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"})
	if err != nil {
		t.Fatalf("Enqueue after recovery: %v", err)
	}
	if got := waitJob(t, pool, db, again.ID); got.State != left4me.JobSucceeded {
		t.Fatalf("start after recovery = %s (%s)", got.State, got.Error)
	}
}

// TestQueuedJobsSurviveRestart: queued jobs are not failed at start; the
// new pool runs them without waiting for the fallback poll.
func TestQueuedJobsSurviveRestart(t *testing.T) {
	db := mustOpenDB(t, "")
	job, err := sqlite.NewJobService(db).CreateJob(context.Background(), &left4me.Job{Type: left4me.JobServerStop, Target: "vs1"})
	if err != nil {
		t.Fatal(err)
	}
	g := newGate()
	close(g.release)
	pool, _ := mustStartPool(t, db, 1, map[string]jobs.Handler{left4me.JobServerStop: g.handler})
	if got := waitJob(t, pool, db, job.ID); got.State != left4me.JobSucceeded {
		t.Fatalf("queued job after start = %s", got.State)
	}
}

func TestCloseInterruptsRunningJob(t *testing.T) {
	db := mustOpenDB(t, "")
	g := newGate()
	pool, _ := mustStartPool(t, db, 1, map[string]jobs.Handler{left4me.JobServerStart: g.handler})
	job, err := pool.Enqueue(context.Background(), &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"})
	if err != nil {
		t.Fatal(err)
	}
	g.waitStarted(t)
	ch, cancel := pool.Subscribe(job.ID)
	defer cancel()
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	collect(t, ch) // closed by Close
	got, _ := sqlite.NewJobService(db).FindJobByID(context.Background(), job.ID)
	if got.State != left4me.JobFailed || got.Error != jobs.InterruptedReason || stepNames(got) != "prepare:succeeded,download:failed" {
		t.Fatalf("job after Close = %+v", got)
	}
}

func TestLogIsBounded(t *testing.T) {
	db := mustOpenDB(t, "")
	line := strings.Repeat("x", 1000)
	pool, _ := mustStartPool(t, db, 1, map[string]jobs.Handler{"test.chatty": func(ctx context.Context, job *left4me.Job, r *jobs.Reporter) error {
		for i := range 100 {
			r.Logf("%03d %s", i, line)
		}
		return nil
	}})
	job, err := pool.Enqueue(context.Background(), &left4me.Job{Type: "test.chatty"})
	if err != nil {
		t.Fatal(err)
	}
	got := waitJob(t, pool, db, job.ID)
	if len(got.Log) > jobs.MaxLogBytes || !strings.HasPrefix(got.Log, "0") || !strings.HasSuffix(got.Log, "099 "+line+"\n") {
		t.Fatalf("log is %d bytes, starts %q", len(got.Log), got.Log[:10])
	}
}
