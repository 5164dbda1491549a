package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sqlite"
)

func TestJobService(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := sqlite.NewJobService(db)

	start, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"})
	if err != nil {
		t.Fatal(err)
	}
	if start.ID == 0 || start.State != left4me.JobQueued || !start.CreatedAt.Equal(db.Now()) {
		t.Fatalf("created job = %+v", start)
	}

	t.Run("OneLifecycleJobPerServer", func(t *testing.T) {
		_, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStop, Target: "vs1"})
		if !errors.Is(err, left4me.ErrJobActive) || left4me.ErrorCode(err) != left4me.ECONFLICT {
			t.Fatalf("second lifecycle job: %v, want ErrJobActive", err)
		}
		// Another server is independent.
		other, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "vs2"})
		if err != nil {
			t.Fatal(err)
		}
		other.State = left4me.JobSucceeded
		if err := s.UpdateJob(ctx, other); err != nil {
			t.Fatal(err)
		}
		// Once the job is done, the server takes a new one.
		again, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStop, Target: "vs2"})
		if err != nil || again.ID == other.ID {
			t.Fatalf("job after a finished one: %+v, %v", again, err)
		}
		again.State = left4me.JobCancelled
		if err := s.UpdateJob(ctx, again); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("IdempotentReturnsExisting", func(t *testing.T) {
		first, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobWorkshopRefresh})
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobWorkshopRefresh})
		if err != nil || second.ID != first.ID {
			t.Fatalf("second idempotent enqueue = %+v, %v; want job %d", second, err, first.ID)
		}
		n, _ := s.FindJobs(ctx, left4me.JobFilter{State: left4me.JobQueued})
		if len(n) != 2 { // vs1 start + refresh
			t.Fatalf("%d queued jobs, want 2", len(n))
		}
	})
	t.Run("Refuses", func(t *testing.T) {
		_, err := s.CreateJob(ctx, &left4me.Job{})
		wantCode(t, err, left4me.EINVALID)
		_, err = s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStart})
		wantCode(t, err, left4me.EINVALID)
		_, err = s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "../etc"})
		wantCode(t, err, left4me.EINVALID)
	})
	t.Run("ClaimOldestThenNone", func(t *testing.T) {
		j, err := s.ClaimJob(ctx)
		if err != nil || j == nil || j.ID != start.ID || j.State != left4me.JobRunning || j.StartedAt == nil {
			t.Fatalf("ClaimJob = %+v, %v; want job %d running", j, err, start.ID)
		}
		// A running lifecycle job still blocks its server.
		_, err = s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStop, Target: "vs1"})
		if !errors.Is(err, left4me.ErrJobActive) {
			t.Fatalf("lifecycle job while one runs: %v", err)
		}
		refresh, err := s.ClaimJob(ctx)
		if err != nil || refresh == nil || refresh.Type != left4me.JobWorkshopRefresh {
			t.Fatalf("second ClaimJob = %+v, %v", refresh, err)
		}
		// Running idempotent jobs are returned too.
		dup, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobWorkshopRefresh})
		if err != nil || dup.ID != refresh.ID || dup.State != left4me.JobRunning {
			t.Fatalf("enqueue while running = %+v, %v", dup, err)
		}
		none, err := s.ClaimJob(ctx)
		if err != nil || none != nil {
			t.Fatalf("ClaimJob with nothing queued = %+v, %v", none, err)
		}
	})
	t.Run("UpdatePersistsStepsAndLog", func(t *testing.T) {
		j, _ := s.FindJobByID(ctx, start.ID)
		j.Steps = append(j.Steps, left4me.JobStep{Name: "load server", State: left4me.JobSucceeded, Progress: 1}, left4me.JobStep{Name: "start instance", State: left4me.JobRunning, Progress: 0.5})
		j.Log = "starting\n"
		if err := s.UpdateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		got, _ := s.FindJobByID(ctx, start.ID)
		if len(got.Steps) != 2 || got.Steps[1] != j.Steps[1] || got.Log != "starting\n" || got.FinishedAt != nil {
			t.Fatalf("after UpdateJob = %+v", got)
		}
		wantCode(t, s.UpdateJob(ctx, &left4me.Job{ID: 999, State: left4me.JobRunning}), left4me.ENOTFOUND)
	})
	t.Run("FailRunningJobs", func(t *testing.T) {
		n, err := s.FailRunningJobs(ctx, "interrupted: test")
		if err != nil || n != 2 {
			t.Fatalf("FailRunningJobs = %d, %v; want 2", n, err)
		}
		got, _ := s.FindJobByID(ctx, start.ID)
		if got.State != left4me.JobFailed || got.Error != "interrupted: test" || got.FinishedAt == nil ||
			got.Steps[0].State != left4me.JobSucceeded || got.Steps[1].State != left4me.JobFailed ||
			got.Log != "starting\nfailed: interrupted: test\n" {
			t.Fatalf("after FailRunningJobs = %+v", got)
		}
		// The server is free for a new lifecycle job.
		if _, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.FailRunningJobs(ctx, "again"); n != 0 {
			t.Fatalf("second FailRunningJobs failed %d jobs, want 0", n)
		}
	})
	t.Run("FindJobsFilter", func(t *testing.T) {
		vs1, err := s.FindJobs(ctx, left4me.JobFilter{Target: "vs1"})
		if err != nil || len(vs1) != 2 || vs1[0].ID < vs1[1].ID {
			t.Fatalf("FindJobs(target vs1) = %d jobs, %v; want 2 newest first", len(vs1), err)
		}
		last, _ := s.FindJobs(ctx, left4me.JobFilter{Limit: 1})
		if len(last) != 1 || last[0].ID != vs1[0].ID {
			t.Fatalf("FindJobs(limit 1) = %+v", last)
		}
		_, err = s.FindJobByID(ctx, 999)
		wantCode(t, err, left4me.ENOTFOUND)
	})
}

// TestClaimJobConcurrent proves two workers never claim the same job.
func TestClaimJobConcurrent(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := sqlite.NewJobService(db)
	const n = 20
	for i := range n {
		if _, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "s" + itoa(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	claimed := make(chan int64, n)
	done := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				j, err := s.ClaimJob(ctx)
				if err != nil || j == nil {
					done <- err
					return
				}
				claimed <- j.ID
			}
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	close(claimed)
	seen := map[int64]bool{}
	for id := range claimed {
		if seen[id] {
			t.Fatalf("job %d claimed twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Fatalf("%d jobs claimed, want %d", len(seen), n)
	}
}

// TestCreateJobConcurrent proves the one-lifecycle-job rule holds under races.
func TestCreateJobConcurrent(t *testing.T) {
	ctx := context.Background()
	s := sqlite.NewJobService(MustOpenDB(t))
	results := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerRestart, Target: "vs1"})
			results <- err
		}()
	}
	ok := 0
	for range 8 {
		err := <-results
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, left4me.ErrJobActive):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent lifecycle jobs created, want 1", ok)
	}
}
