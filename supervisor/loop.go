package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/left4me/left4me/overlayfs"
)

// errStopped reports that the server exited because it was asked to stop.
var errStopped = errors.New("stopped")

// loop supervises one Enable..Disable cycle, like systemd's Restart=on-failure
// with StartLimitBurst/StartLimitIntervalSec. The restart delay doubles
// with each failure and starts over once the failures have aged out.
func (s *Supervisor) loop(name string, u *unit, r *run) {
	defer close(r.done)
	log := s.logger().With("name", name)
	interval := orDefault(s.BurstInterval, DefaultBurstInterval)
	var failures []time.Time
	for {
		s.setStatus(u, "activating", "start-pre")
		err := s.runOnce(name, r.stop, u.logs, func(pid int) {
			s.setStatus(u, "active", "running")
			u.logs.note("started srcds_run (pid %d)", pid)
			log.Info("server started", "pid", pid)
		})
		if errors.Is(err, errStopped) || r.stopping() || err == nil {
			if err == nil && !r.stopping() {
				u.logs.note("srcds_run exited cleanly; not restarting")
			} else {
				u.logs.note("stopped")
			}
			s.setStatus(u, "inactive", "dead")
			return
		}
		now := s.now()
		failures = recent(append(failures, now), now, interval)
		log.Warn("server failed", "err", err, "recent_failures", len(failures))
		if limit := orDefault(s.BurstLimit, DefaultBurstLimit); len(failures) >= limit {
			u.logs.note("%v; %d failures within %s, giving up", err, len(failures), interval)
			s.setStatus(u, "failed", "failed")
			return
		}
		delay := s.restartDelay(len(failures))
		u.logs.note("%v; restarting in %s", err, delay)
		s.setStatus(u, "activating", "auto-restart")
		select {
		case <-r.stop:
			s.setStatus(u, "inactive", "dead")
			return
		case <-time.After(delay):
		}
	}
}

// restartDelay is RestartDelay doubled for each recent failure but the
// first, capped at MaxRestartDelay.
func (s *Supervisor) restartDelay(recentFailures int) time.Duration {
	d, limit := orDefault(s.RestartDelay, DefaultRestartDelay), orDefault(s.MaxRestartDelay, DefaultMaxRestartDelay)
	for i := 1; i < recentFailures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// recent keeps the times within interval before now.
func recent(ts []time.Time, now time.Time, interval time.Duration) []time.Time {
	out := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < interval {
			out = append(out, t)
		}
	}
	return out
}

// Run mounts name, runs its server in the foreground with all output to out
// until it exits or ctx is done (then SIGINT, SIGKILL after StopTimeout) and
// unmounts. It is l4d2ctl run: no restarts. Interruption through ctx is
// success; a server exiting non-zero on its own is an error.
func (s *Supervisor) Run(ctx context.Context, name string, out io.Writer) error {
	err := s.runOnce(name, ctx.Done(), out, func(int) {})
	if errors.Is(err, errStopped) {
		return nil
	}
	return err
}

// runOnce is one start of the unit: ExecStartPre (mount), ExecStart, and
// ExecStopPost (unmount) whatever happened.
func (s *Supervisor) runOnce(name string, stop <-chan struct{}, out io.Writer, started func(pid int)) (err error) {
	ctx := context.Background()
	if err := s.mounter().Mount(ctx, name); err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	defer func() {
		if uerr := s.mounter().Unmount(ctx, name); uerr != nil {
			s.logger().Error("unmount after exit", "name", name, "err", uerr)
			if err == nil || errors.Is(err, errStopped) {
				err = fmt.Errorf("unmount: %w", uerr)
			}
		}
	}()
	cmd, err := s.command(name)
	if err != nil {
		return err
	}
	return runProcess(cmd, out, stop, orDefault(s.StopTimeout, DefaultStopTimeout), started)
}

// command builds the unit's ExecStart: merged/srcds_run -game left4dead2
// +ip 0.0.0.0 +hostport $L4D2_PORT $L4D2_ARGS, run in merged with the
// variables of instance.env added to the base environment.
func (s *Supervisor) command(name string) (*exec.Cmd, error) {
	root, err := filepath.Abs(s.Root)
	if err != nil {
		return nil, err
	}
	vars, err := overlayfs.ReadEnvFile(overlayfs.EnvPath(root, name))
	if err != nil {
		return nil, fmt.Errorf("read instance env: %w", err)
	}
	env, err := overlayfs.DecodeInstanceEnv(vars)
	if err != nil {
		return nil, fmt.Errorf("read instance env: %w", err)
	}
	merged := overlayfs.MergedDir(root, name)
	args := append([]string{"-game", "left4dead2", "+ip", "0.0.0.0", "+hostport", fmt.Sprint(env.Port)}, env.Args...)
	cmd := exec.Command(filepath.Join(merged, "srcds_run"), args...)
	cmd.Dir = merged
	cmd.Env = append([]string(nil), s.baseEnv()...)
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+vars[k])
	}
	return cmd, nil
}

// exitError describes how the server ended, like systemd's "Main process
// exited, code=exited, status=1".
func exitError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("srcds_run exited: %s", ee.ProcessState)
	}
	return err
}
