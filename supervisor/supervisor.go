// Package supervisor is the "process" runtime: an in-process supervisor with
// the semantics of the left4me-server@ systemd unit, for left4me demo and for
// hosts without systemd. Per instance it mounts the overlay, runs
// merged/srcds_run with the instance.env variables, restarts it on failure
// with a growing delay, gives up after 5 failures in 60 seconds, stops it
// with SIGINT and then SIGKILL, unmounts after every exit and keeps the last
// output lines for Logs. Servers die with the supervising process
// (Pdeathsig), as units die with their cgroup.
package supervisor

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/overlayfs"
)

var _ host.Runtime = (*Supervisor)(nil)

// Defaults, taken from the unit (TimeoutStopSec, StartLimitBurst...).
const (
	DefaultStopTimeout     = 15 * time.Second
	DefaultRestartDelay    = 1 * time.Second
	DefaultMaxRestartDelay = 30 * time.Second
	DefaultBurstLimit      = 5
	DefaultBurstInterval   = 60 * time.Second
	DefaultLogLines        = 2000
)

// Supervisor implements host.Runtime in-process. Zero fields take the
// defaults above; set them before the first Enable. Mounting needs root
// unless Mounter goes through the helper.
type Supervisor struct {
	Root            string       // LEFT4ME_ROOT
	Mounter         host.Mounter // nil: overlayfs.Mounter{Root: Root}, in-process
	Logger          *slog.Logger
	Now             func() time.Time
	Env             []string      // base environment of servers; nil: PATH, HOME, LANG, TZ of this process
	StopTimeout     time.Duration // SIGINT, then SIGKILL after this long
	RestartDelay    time.Duration // delay before a restart, doubled per recent failure
	MaxRestartDelay time.Duration
	BurstLimit      int           // give up after this many failures ...
	BurstInterval   time.Duration // ... within this interval
	LogLines        int           // output lines kept per instance

	mu    sync.Mutex
	units map[string]*unit
}

// New returns a Supervisor for root with the default settings.
func New(root string, logger *slog.Logger) *Supervisor {
	return &Supervisor{Root: root, Logger: logger}
}

// unit is the state of one instance; logs survive restarts and stops.
type unit struct {
	status left4me.UnitStatus
	logs   *logBuffer
	run    *run // nil when never enabled
}

// run is one Enable..Disable cycle of the supervision loop.
type run struct {
	stop     chan struct{} // closed by Disable
	stopOnce sync.Once
	done     chan struct{} // closed when the loop has exited and unmounted
}

func (r *run) requestStop() { r.stopOnce.Do(func() { close(r.stop) }) }

func (r *run) stopping() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

func (r *run) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// Enable starts supervising name. Enabling a supervised instance succeeds
// without a restart; a failed or exited one is started again.
func (s *Supervisor) Enable(ctx context.Context, name string) error {
	if err := left4me.ValidateName(name); err != nil {
		return err
	}
	for {
		s.mu.Lock()
		u := s.unitLocked(name)
		r := u.run
		if r == nil || r.finished() {
			r = &run{stop: make(chan struct{}), done: make(chan struct{})}
			u.run = r
			u.status = left4me.UnitStatus{ActiveState: "activating", SubState: "start-pre"}
			s.mu.Unlock()
			go s.loop(name, u, r)
			return nil
		}
		s.mu.Unlock()
		if !r.stopping() {
			return nil
		}
		// A Disable is in progress: let it finish, then start afresh.
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Disable stops the server (SIGINT, SIGKILL after StopTimeout), waits for
// the unmount and leaves the instance inactive. Unknown names succeed.
func (s *Supervisor) Disable(ctx context.Context, name string) error {
	if err := left4me.ValidateName(name); err != nil {
		return err
	}
	s.mu.Lock()
	u := s.units[name]
	var r *run
	if u != nil {
		r = u.run
	}
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	r.requestStop()
	s.mu.Lock()
	if u.status.ActiveState == "active" {
		u.status = left4me.UnitStatus{ActiveState: "deactivating", SubState: "stop-sigterm"}
	}
	s.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.setStatus(u, "inactive", "dead")
	return nil
}

// Status reports the instance's state in systemd's terms; never-enabled
// instances are inactive (dead).
func (s *Supervisor) Status(ctx context.Context, name string) (left4me.UnitStatus, error) {
	if err := left4me.ValidateName(name); err != nil {
		return left4me.UnitStatus{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.units[name]; u != nil {
		return u.status, nil
	}
	return left4me.UnitStatus{ActiveState: "inactive", SubState: "dead"}, nil
}

// Logs writes the last lines of output (server output and the supervisor's
// own notes) to w; with follow it then writes new lines until ctx is done.
func (s *Supervisor) Logs(ctx context.Context, name string, lines int, follow bool, w io.Writer) error {
	if err := left4me.ValidateName(name); err != nil {
		return err
	}
	s.mu.Lock()
	u := s.unitLocked(name)
	s.mu.Unlock()
	return u.logs.copyTo(ctx, lines, follow, w)
}

// Close stops every supervised server and waits for their unmounts.
func (s *Supervisor) Close(ctx context.Context) error {
	s.mu.Lock()
	names := make([]string, 0, len(s.units))
	for n := range s.units {
		names = append(names, n)
	}
	s.mu.Unlock()
	var errs []error
	for _, n := range names {
		errs = append(errs, s.Disable(ctx, n))
	}
	return errors.Join(errs...)
}

func (s *Supervisor) unitLocked(name string) *unit {
	if s.units == nil {
		s.units = map[string]*unit{}
	}
	u := s.units[name]
	if u == nil {
		u = &unit{
			status: left4me.UnitStatus{ActiveState: "inactive", SubState: "dead"},
			logs:   newLogBuffer(orDefault(s.LogLines, DefaultLogLines)),
		}
		s.units[name] = u
	}
	return u
}

func (s *Supervisor) setStatus(u *unit, active, sub string) {
	s.mu.Lock()
	u.status = left4me.UnitStatus{ActiveState: active, SubState: sub}
	s.mu.Unlock()
}

func (s *Supervisor) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Supervisor) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Supervisor) mounter() host.Mounter {
	if s.Mounter == nil {
		return overlayfs.Mounter{Root: s.Root}
	}
	return s.Mounter
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// baseEnv is what servers inherit besides instance.env: never the panel's
// own secrets (SECRET_KEY, DATABASE_URL...), as systemd would not pass them.
func (s *Supervisor) baseEnv() []string {
	if s.Env != nil {
		return s.Env
	}
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	for _, k := range []string{"HOME", "LANG", "TZ", "USER"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
