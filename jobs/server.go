package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/left4me/left4me"
)

// Lifecycle is what the server jobs need from the host library (host.Host).
// Each method is idempotent: starting a running instance, stopping a stopped
// one, resetting or deleting a missing one succeed.
type Lifecycle interface {
	// Start initializes the instance from spec if needed, stages its
	// configs and starts it.
	Start(ctx context.Context, spec left4me.InstanceSpec) error
	// Stop stops the instance.
	Stop(ctx context.Context, name string) error
	// Restart restarts the instance with spec.
	Restart(ctx context.Context, spec left4me.InstanceSpec) error
	// Reset stops the instance and removes its runtime and instance dirs.
	Reset(ctx context.Context, name string) error
	// Delete purges the instance like Reset, tolerating half-initialized ones.
	Delete(ctx context.Context, name string) error
}

// OverlayDir is where overlay id's files live under the data directory root:
// root/overlays/<id>.
func OverlayDir(root string, id int64) string {
	return filepath.Join(root, "overlays", strconv.FormatInt(id, 10))
}

// ServerJobs runs the server lifecycle jobs (left4me.JobServerStart, Stop,
// Restart, Reset, Delete; the job's Target is the server name).
type ServerJobs struct {
	Servers    left4me.ServerService
	Blueprints left4me.BlueprintService
	Lifecycle  Lifecycle
	// Root is the data directory, an absolute path; overlay files are under
	// OverlayDir(Root, id).
	Root string
	// HostSteps is optional; set it to host.WithStepFunc so the host
	// library's own steps (initialize, stage configs, enable, unmount, ...)
	// appear in the job's log while a lifecycle call runs.
	HostSteps func(ctx context.Context, fn func(step string)) context.Context
}

// hostCtx starts the job step name and returns the context for the
// lifecycle call that implements it.
func (s *ServerJobs) hostCtx(ctx context.Context, r *Reporter, name string) context.Context {
	r.Step(name)
	if s.HostSteps == nil {
		return ctx
	}
	return s.HostSteps(ctx, func(step string) { r.Logf("%s: %s", name, step) })
}

// Handlers returns the handlers for Config.Handlers, keyed by job type.
func (s *ServerJobs) Handlers() map[string]Handler {
	return map[string]Handler{
		left4me.JobServerStart:   s.start,
		left4me.JobServerStop:    s.stop,
		left4me.JobServerRestart: s.restart,
		left4me.JobServerReset:   s.reset,
		left4me.JobServerDelete:  s.delete,
	}
}

func (s *ServerJobs) start(ctx context.Context, job *left4me.Job, r *Reporter) error {
	srv, spec, err := s.load(ctx, job.Target, r)
	if err != nil {
		return err
	}
	if err := s.setDesired(ctx, srv, left4me.DesiredRunning, r); err != nil {
		return err
	}
	if err := s.Lifecycle.Start(s.hostCtx(ctx, r, "start instance"), spec); err != nil {
		return fmt.Errorf("start instance %q: %w", srv.Name, err)
	}
	r.Logf("server %s started on port %d", srv.Name, srv.Port)
	return nil
}

func (s *ServerJobs) restart(ctx context.Context, job *left4me.Job, r *Reporter) error {
	srv, spec, err := s.load(ctx, job.Target, r)
	if err != nil {
		return err
	}
	if err := s.setDesired(ctx, srv, left4me.DesiredRunning, r); err != nil {
		return err
	}
	if err := s.Lifecycle.Restart(s.hostCtx(ctx, r, "restart instance"), spec); err != nil {
		return fmt.Errorf("restart instance %q: %w", srv.Name, err)
	}
	r.Logf("server %s restarted on port %d", srv.Name, srv.Port)
	return nil
}

func (s *ServerJobs) stop(ctx context.Context, job *left4me.Job, r *Reporter) error {
	srv, err := s.loadServer(ctx, job.Target, r)
	if err != nil {
		return err
	}
	if err := s.setDesired(ctx, srv, left4me.DesiredStopped, r); err != nil {
		return err
	}
	if err := s.Lifecycle.Stop(s.hostCtx(ctx, r, "stop instance"), srv.Name); err != nil {
		return fmt.Errorf("stop instance %q: %w", srv.Name, err)
	}
	r.Logf("server %s stopped", srv.Name)
	return nil
}

func (s *ServerJobs) reset(ctx context.Context, job *left4me.Job, r *Reporter) error {
	srv, err := s.loadServer(ctx, job.Target, r)
	if err != nil {
		return err
	}
	if err := s.setDesired(ctx, srv, left4me.DesiredStopped, r); err != nil {
		return err
	}
	if err := s.Lifecycle.Reset(s.hostCtx(ctx, r, "reset instance"), srv.Name); err != nil {
		return fmt.Errorf("reset instance %q: %w", srv.Name, err)
	}
	r.Logf("server %s reset: the next start re-initializes it from its blueprint", srv.Name)
	return nil
}

func (s *ServerJobs) delete(ctx context.Context, job *left4me.Job, r *Reporter) error {
	srv, err := s.loadServer(ctx, job.Target, r)
	if err != nil {
		return err
	}
	if err := s.setDesired(ctx, srv, left4me.DesiredStopped, r); err != nil {
		return err
	}
	if err := s.Lifecycle.Delete(s.hostCtx(ctx, r, "delete instance"), srv.Name); err != nil {
		return fmt.Errorf("delete instance %q: %w", srv.Name, err)
	}
	// The row goes only after the purge, so a failed purge leaves a server
	// the user can see and delete again.
	r.Step("delete server record")
	if err := s.Servers.DeleteServer(ctx, srv.ID); err != nil {
		return fmt.Errorf("delete server %q: %w", srv.Name, err)
	}
	r.Logf("server %s deleted", srv.Name)
	return nil
}

// loadServer is the "load server" step for jobs that need no blueprint.
func (s *ServerJobs) loadServer(ctx context.Context, name string, r *Reporter) (*left4me.Server, error) {
	r.Step("load server")
	srv, err := s.Servers.FindServerByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("load server %q: %w", name, err)
	}
	return srv, nil
}

// load is the "load server" step that also builds the instance spec from
// the server's blueprint, validated before anything on the host is touched.
func (s *ServerJobs) load(ctx context.Context, name string, r *Reporter) (*left4me.Server, left4me.InstanceSpec, error) {
	srv, err := s.loadServer(ctx, name, r)
	if err != nil {
		return nil, left4me.InstanceSpec{}, err
	}
	if !filepath.IsAbs(s.Root) {
		return nil, left4me.InstanceSpec{}, fmt.Errorf("server jobs: data directory %q is not absolute", s.Root)
	}
	bp, err := s.Blueprints.FindBlueprintByID(ctx, srv.BlueprintID)
	if err != nil {
		return nil, left4me.InstanceSpec{}, fmt.Errorf("load blueprint %d of server %q: %w", srv.BlueprintID, name, err)
	}
	spec := left4me.NewInstanceSpec(srv, bp, func(id int64) string { return OverlayDir(s.Root, id) })
	if err := spec.Validate(); err != nil {
		return nil, left4me.InstanceSpec{}, err
	}
	r.Logf("server %s: port %d, blueprint %q with %d overlays", srv.Name, srv.Port, bp.Name, len(bp.Overlays))
	return srv, spec, nil
}

// setDesired records what the user asked for before acting on it, so the
// dashboard and a later reconcile know the intent even if the action fails.
func (s *ServerJobs) setDesired(ctx context.Context, srv *left4me.Server, state string, r *Reporter) error {
	if srv.DesiredState == state {
		return nil
	}
	r.Step("save desired state")
	srv.DesiredState = state
	if err := s.Servers.UpdateServer(ctx, srv); err != nil {
		return fmt.Errorf("set desired state of %q: %w", srv.Name, err)
	}
	return nil
}
