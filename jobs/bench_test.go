package jobs_test

import (
	"context"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/jobs"
)

// BenchmarkEnqueueToDone measures one job from Enqueue until a subscriber
// sees it finish, with a handler that reports two steps: the panel's
// overhead around a lifecycle operation.
func BenchmarkEnqueueToDone(b *testing.B) {
	db := mustOpenDB(b, "")
	pool, _ := mustStartPool(b, db, 2, map[string]jobs.Handler{"bench.noop": func(ctx context.Context, job *left4me.Job, r *jobs.Reporter) error {
		r.Step("one")
		r.Step("two")
		return nil
	}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		job, err := pool.Enqueue(ctx, &left4me.Job{Type: "bench.noop"})
		if err != nil {
			b.Fatal(err)
		}
		ch, cancel := pool.Subscribe(job.ID)
		var last *left4me.Job
		for j := range ch {
			last = j
		}
		cancel()
		if last == nil || last.State != left4me.JobSucceeded {
			b.Fatalf("job ended %+v", last)
		}
	}
}
