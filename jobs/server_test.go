package jobs_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/jobs"
	"github.com/left4me/left4me/sqlite"
)

// serverFixture is a database with one blueprint (two overlays, the lower
// one's server.cfg exposed) and one server "vs1", and a pool running the
// server jobs against a fake host.
type serverFixture struct {
	db      *sqlite.DB
	pool    *jobs.Pool
	host    *fakeLifecycle
	root    string
	servers *sqlite.ServerService
	bp      *left4me.Blueprint
	srv     *left4me.Server
}

func newServerFixture(t *testing.T) *serverFixture {
	t.Helper()
	ctx := context.Background()
	f := &serverFixture{db: mustOpenDB(t, ""), host: newFakeLifecycle(), root: t.TempDir()}
	f.servers = sqlite.NewServerService(f.db)
	overlays := sqlite.NewOverlayService(f.db)
	upper, lower := &left4me.Overlay{Kind: left4me.OverlayFiles, Name: "upper"}, &left4me.Overlay{Kind: left4me.OverlayFiles, Name: "lower"}
	for _, o := range []*left4me.Overlay{upper, lower} {
		if err := overlays.CreateOverlay(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	f.bp = &left4me.Blueprint{Name: "coop", Config: "hostname \"Coop\"\n", Args: []string{"+map", "c1m1_hotel"},
		Overlays: []left4me.BlueprintOverlay{{OverlayID: upper.ID}, {OverlayID: lower.ID, ExposeServerCfg: true}}}
	if err := sqlite.NewBlueprintService(f.db).CreateBlueprint(ctx, f.bp); err != nil {
		t.Fatal(err)
	}
	f.srv = &left4me.Server{Name: "vs1", BlueprintID: f.bp.ID}
	if err := f.servers.CreateServer(ctx, f.srv); err != nil {
		t.Fatal(err)
	}
	sj := &jobs.ServerJobs{Servers: f.servers, Blueprints: sqlite.NewBlueprintService(f.db), Lifecycle: f.host, Root: f.root, HostSteps: withSteps}
	f.pool, _ = mustStartPool(t, f.db, 2, sj.Handlers())
	return f
}

// run enqueues a lifecycle job for vs1 and waits for it to finish.
func (f *serverFixture) run(t *testing.T, typ string) *left4me.Job {
	t.Helper()
	job, err := f.pool.Enqueue(context.Background(), &left4me.Job{Type: typ, Target: "vs1"})
	if err != nil {
		t.Fatal(err)
	}
	return waitJob(t, f.pool, f.db, job.ID)
}

func (f *serverFixture) desired(t *testing.T) string {
	t.Helper()
	srv, err := f.servers.FindServerByName(context.Background(), "vs1")
	if err != nil {
		t.Fatal(err)
	}
	return srv.DesiredState
}

func TestServerLifecycleJobs(t *testing.T) {
	f := newServerFixture(t)

	job := f.run(t, left4me.JobServerStart)
	if job.State != left4me.JobSucceeded {
		t.Fatalf("start: %s (%s)", job.State, job.Error)
	}
	if got := stepNames(job); got != "load server:succeeded,save desired state:succeeded,start instance:succeeded" {
		t.Fatalf("start steps = %s", got)
	}
	if !strings.Contains(job.Log, "start instance: initialize\nstart instance: enable\n") {
		t.Fatalf("host steps missing from the log:\n%s", job.Log)
	}
	inst := f.host.instance("vs1")
	if inst == nil || !inst.Running || f.desired(t) != left4me.DesiredRunning {
		t.Fatalf("after start: instance %+v, desired %s", inst, f.desired(t))
	}
	upperDir := filepath.Join(f.root, "overlays", fmt.Sprint(f.bp.Overlays[0].OverlayID))
	lowerID := f.bp.Overlays[1].OverlayID
	want := left4me.InstanceSpec{
		Name: "vs1", Port: f.srv.Port, Args: []string{"+map", "c1m1_hotel"},
		Config: fmt.Sprintf("exec server_overlay_%d\nhostname \"Coop\"\n", lowerID),
		Overlays: []left4me.OverlayRef{
			{Path: upperDir},
			{Path: jobs.OverlayDir(f.root, lowerID), Alias: fmt.Sprintf("overlay_%d", lowerID)},
		},
	}
	if fmt.Sprint(inst.Spec) != fmt.Sprint(want) {
		t.Fatalf("started spec =\n%+v\nwant\n%+v", inst.Spec, want)
	}

	if job := f.run(t, left4me.JobServerRestart); job.State != left4me.JobSucceeded || f.host.instance("vs1").Restarts != 1 {
		t.Fatalf("restart: %s (%s), restarts %d", job.State, job.Error, f.host.instance("vs1").Restarts)
	}
	if job := f.run(t, left4me.JobServerStop); job.State != left4me.JobSucceeded || f.host.instance("vs1").Running || f.desired(t) != left4me.DesiredStopped {
		t.Fatalf("stop: %s (%s), desired %s", job.State, job.Error, f.desired(t))
	}
	if job := f.run(t, left4me.JobServerReset); job.State != left4me.JobSucceeded || f.host.instance("vs1") != nil {
		t.Fatalf("reset: %s (%s), instance %+v", job.State, job.Error, f.host.instance("vs1"))
	}
	// Reset keeps the row: the server starts again from its blueprint.
	if job := f.run(t, left4me.JobServerStart); job.State != left4me.JobSucceeded || !f.host.instance("vs1").Running {
		t.Fatalf("start after reset: %s (%s)", job.State, job.Error)
	}

	job = f.run(t, left4me.JobServerDelete)
	if job.State != left4me.JobSucceeded || f.host.instance("vs1") != nil {
		t.Fatalf("delete: %s (%s)", job.State, job.Error)
	}
	if got := stepNames(job); got != "load server:succeeded,save desired state:succeeded,delete instance:succeeded,delete server record:succeeded" {
		t.Fatalf("delete steps = %s", got)
	}
	if _, err := f.servers.FindServerByName(context.Background(), "vs1"); left4me.ErrorCode(err) != left4me.ENOTFOUND {
		t.Fatalf("server row after delete: %v", err)
	}
	if fmt.Sprint(f.host.purged) != "[vs1 vs1]" {
		t.Fatalf("purged = %v, want reset and delete", f.host.purged)
	}

	// A job for a server that no longer exists fails with a clear message.
	if job := f.run(t, left4me.JobServerStart); job.State != left4me.JobFailed || job.Error != `server "vs1" not found` {
		t.Fatalf("start of a deleted server: %s (%q)", job.State, job.Error)
	}
}

func TestServerJobFailures(t *testing.T) {
	t.Run("HostErrorShownSafely", func(t *testing.T) {
		f := newServerFixture(t)
		f.host.setFail("Start", left4me.Errorf(left4me.ECONFLICT, "port 27015 is in use by another process"))
		job := f.run(t, left4me.JobServerStart)
		if job.State != left4me.JobFailed || job.Error != "port 27015 is in use by another process" ||
			stepNames(job) != "load server:succeeded,save desired state:succeeded,start instance:failed" {
			t.Fatalf("failed start = %s %q %s", job.State, job.Error, stepNames(job))
		}
		if inst := f.host.instance("vs1"); inst != nil && inst.Running {
			t.Fatal("instance running after a failed start")
		}
	})
	t.Run("FailedPurgeKeepsRow", func(t *testing.T) {
		f := newServerFixture(t)
		f.host.setFail("Delete", fmt.Errorf("remove runtime dir: device busy"))
		job := f.run(t, left4me.JobServerDelete)
		if job.State != left4me.JobFailed || job.Error != "internal error: the details are in the panel's log" {
			t.Fatalf("failed delete = %s %q", job.State, job.Error)
		}
		if _, err := f.servers.FindServerByName(context.Background(), "vs1"); err != nil {
			t.Fatalf("row removed although the purge failed: %v", err)
		}
		f.host.setFail("Delete", nil)
		if job := f.run(t, left4me.JobServerDelete); job.State != left4me.JobSucceeded {
			t.Fatalf("delete retry: %s (%s)", job.State, job.Error)
		}
	})
	t.Run("RelativeRootRefused", func(t *testing.T) {
		f := newServerFixture(t)
		sj := &jobs.ServerJobs{Servers: f.servers, Blueprints: sqlite.NewBlueprintService(f.db), Lifecycle: f.host, Root: "data"}
		r := sj.Handlers()[left4me.JobServerStart]
		err := r(context.Background(), &left4me.Job{Type: left4me.JobServerStart, Target: "vs1"}, nil)
		if err == nil || f.host.instance("vs1") != nil {
			t.Fatalf("start with relative root: %v", err)
		}
	})
}
