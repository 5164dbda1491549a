// Package systemd is left4me's production runtime: each server is the
// template unit left4me-server@NAME.service, driven through the root
// helpers (left4me-systemctl, left4me-journalctl, left4me-overlay,
// left4me-script-sandbox) with `sudo -n`. It implements host.Runtime and
// host.Mounter without importing host, so adapters stay independent.
//
// The unprivileged service user can do nothing else as root: sudoers allows
// exactly these helpers and verbs, and the helpers check every argument
// again. Failures of sudo itself (rules or helpers not installed, a sandbox
// forbidding privilege gain) come back as clear *left4me.Error sentinels.
package systemd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/left4me/left4me"
)

// DefaultHelperDir is where deploy/install.sh puts the helpers.
const DefaultHelperDir = "/usr/local/libexec/left4me"

// Helper names, as installed and as matched by the sudoers rules.
const (
	HelperOverlay    = "left4me-overlay"
	HelperSystemctl  = "left4me-systemctl"
	HelperJournalctl = "left4me-journalctl"
	HelperSandbox    = "left4me-script-sandbox"
)

// Config configures a Runtime. The zero value is production.
type Config struct {
	HelperDir string       // default DefaultHelperDir
	Sudo      string       // sudo binary; default "sudo" from PATH
	Logger    *slog.Logger // default: discard
	// StopGrace is how long a cancelled helper (a followed log) gets after
	// SIGTERM before it is killed; default 5s.
	StopGrace time.Duration
}

// Runtime runs servers as systemd units through sudo and the helpers. It
// is safe for concurrent use.
type Runtime struct {
	helperDir string
	sudo      string
	logger    *slog.Logger
	grace     time.Duration
}

// New returns a Runtime for cfg.
func New(cfg Config) *Runtime {
	r := &Runtime{helperDir: cfg.HelperDir, sudo: cfg.Sudo, logger: cfg.Logger, grace: cfg.StopGrace}
	if r.helperDir == "" {
		r.helperDir = DefaultHelperDir
	}
	if r.sudo == "" {
		r.sudo = "sudo"
	}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	if r.grace <= 0 {
		r.grace = 5 * time.Second
	}
	return r
}

// Enable runs `systemctl enable --now` on the instance's unit: the server
// starts now and after every reboot. Idempotent. The instance must be
// initialized (instance.env present) or the helper refuses.
func (r *Runtime) Enable(ctx context.Context, name string) error {
	_, err := r.call(ctx, HelperSystemctl, "enable", name)
	return err
}

// Disable runs `systemctl disable --now`: the server stops (SIGINT, then a
// kill after TimeoutStopSec) and the unit's ExecStopPost unmounts.
// Idempotent; unknown names succeed.
func (r *Runtime) Disable(ctx context.Context, name string) error {
	_, err := r.call(ctx, HelperSystemctl, "disable", name)
	return err
}

// Status reports the unit's ActiveState and SubState; a unit systemd has
// never heard of is inactive (dead).
func (r *Runtime) Status(ctx context.Context, name string) (left4me.UnitStatus, error) {
	out, err := r.call(ctx, HelperSystemctl, "show", name)
	if err != nil {
		return left4me.UnitStatus{}, err
	}
	return ParseShow(out)
}

// Mount mounts the instance's overlay in PID 1's mount namespace (the
// helper re-runs itself there when called from a sandboxed unit). Mounting
// a mounted instance succeeds; invalid input wraps overlayfs.ErrRefused.
func (r *Runtime) Mount(ctx context.Context, name string) error {
	_, err := r.call(ctx, HelperOverlay, "mount", name)
	return err
}

// Unmount unmounts the instance's overlay; not mounted succeeds.
func (r *Runtime) Unmount(ctx context.Context, name string) error {
	_, err := r.call(ctx, HelperOverlay, "umount", name)
	return err
}

// ParseShow parses `systemctl show -p ActiveState -p SubState` output.
func ParseShow(out []byte) (left4me.UnitStatus, error) {
	var s left4me.UnitStatus
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "ActiveState":
			s.ActiveState = v
		case "SubState":
			s.SubState = v
		}
	}
	if s.ActiveState == "" {
		return s, fmt.Errorf("systemctl show printed no ActiveState: %q", truncate(string(out), 200))
	}
	return s, nil
}

// call runs `TOOL VERB NAME` to completion and returns its stdout. The
// name is checked here too, so a bad one never reaches sudo.
func (r *Runtime) call(ctx context.Context, tool, verb, name string) ([]byte, error) {
	if err := left4me.ValidateName(name); err != nil {
		return nil, err
	}
	args := []string{verb, name}
	var stdout, stderr bytes.Buffer
	cmd := r.command(ctx, tool, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &limitedBuffer{max: 64 << 10, buf: &stderr}
	err := cmd.Run()
	if err := r.classify(ctx, tool, args, err, stderr.String()); err != nil {
		return nil, err
	}
	return stdout.Bytes(), nil
}

// command builds `sudo -n -- HELPER ARGS...`. Cancelling ctx sends SIGTERM,
// which sudo relays to the helper and the helper to its tool, so a followed
// journalctl stops too; after StopGrace it is killed.
func (r *Runtime) command(ctx context.Context, tool string, args ...string) *exec.Cmd {
	argv := append([]string{"-n", "--", filepath.Join(r.helperDir, tool)}, args...)
	cmd := exec.CommandContext(ctx, r.sudo, argv...)
	// sudo's messages are classified by their English text.
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = r.grace
	r.logger.Debug("helper", "tool", tool, "args", args)
	return cmd
}

// exitStatus returns the exit code of a finished command, -1 when it did
// not run or was killed by a signal.
func exitStatus(err error) int {
	var ee *exec.ExitError
	if err == nil {
		return 0
	} else if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// limitedBuffer keeps the first max bytes written and drops the rest, so a
// chatty failure cannot grow memory without bound.
type limitedBuffer struct {
	max int
	buf *bytes.Buffer
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
