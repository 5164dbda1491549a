package helper

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
)

// toolEnv is the whole environment of every program the helpers run: sudo's
// env_reset already clears most of the caller's, but the helper relies on
// nothing it did not set itself.
var toolEnv = []string{
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"LANG=C.UTF-8",
	"SYSTEMD_PAGER=",
	"SYSTEMD_COLORS=0",
}

// runTool runs path with args, stdin from /dev/null and output to the
// configured writers, and returns its exit code. SIGINT, SIGTERM and SIGHUP
// sent to the helper (sudo relays them) are passed on, so stopping a
// `journalctl --follow` through sudo stops journalctl too.
func (cfg *Config) runTool(path string, args ...string) (int, error) {
	return cfg.runToolInput(nil, path, args...)
}

// runToolInput is runTool with stdin read from in (nil: /dev/null).
func (cfg *Config) runToolInput(in io.Reader, path string, args ...string) (int, error) {
	if err := toolPath(path); err != nil {
		return 0, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = toolEnv
	cmd.Stdin = in
	cmd.Stdout, cmd.Stderr = cfg.Stdout, cfg.Stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("run %s: %w", path, err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	return exitCode(cmd.Wait())
}

// exitCode maps a finished command to the helper's exit code: the child's
// own code, 128+signal when it was killed.
func exitCode(err error) (int, error) {
	var ee *exec.ExitError
	if err == nil {
		return ExitOK, nil
	} else if !errors.As(err, &ee) {
		return 0, err
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ee.ExitCode(), nil
}

// toolPath checks a configured tool path: fixed absolute paths only, so
// nothing the caller sets (PATH) picks the binary.
func toolPath(p string) error {
	if !filepath.IsAbs(p) {
		return fmt.Errorf("tool path %q is not absolute", p)
	}
	return nil
}
