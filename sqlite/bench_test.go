package sqlite_test

import (
	"context"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sqlite"
)

// BenchmarkFindServers100 reads the dashboard's server list (100 servers)
// and their blueprints, as one page view does.
func BenchmarkFindServers100(b *testing.B) {
	ctx := context.Background()
	db := MustOpenDB(b)
	db.PortRangeStart, db.PortRangeEnd = 27015, 27214
	bp := mustCreateBlueprint(b, db, "coop")
	servers := sqlite.NewServerService(db)
	for i := range 100 {
		if err := servers.CreateServer(ctx, &left4me.Server{Name: "s" + itoa(int64(i)), BlueprintID: bp.ID}); err != nil {
			b.Fatal(err)
		}
	}
	blueprints := sqlite.NewBlueprintService(db)
	b.ReportAllocs()
	for b.Loop() {
		all, err := servers.FindServers(ctx)
		if err != nil || len(all) != 100 {
			b.Fatalf("%d servers, %v", len(all), err)
		}
		if _, err := blueprints.FindBlueprints(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJobRoundTrip is the store's share of one job: create, claim,
// three progress saves and the final save.
func BenchmarkJobRoundTrip(b *testing.B) {
	ctx := context.Background()
	s := sqlite.NewJobService(MustOpenDB(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.CreateJob(ctx, &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"}); err != nil {
			b.Fatal(err)
		}
		j, err := s.ClaimJob(ctx)
		if err != nil || j == nil {
			b.Fatalf("claim: %v", err)
		}
		for _, name := range []string{"load server", "save desired state", "start instance"} {
			j.Steps = append(j.Steps, left4me.JobStep{Name: name, State: left4me.JobRunning, Progress: -1})
			if err := s.UpdateJob(ctx, j); err != nil {
				b.Fatal(err)
			}
		}
		j.State = left4me.JobSucceeded
		if err := s.UpdateJob(ctx, j); err != nil {
			b.Fatal(err)
		}
	}
}
