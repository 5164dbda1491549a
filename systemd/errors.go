package systemd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/overlayfs"
)

// Errors for a host where left4me's privileged side is not usable. Their
// messages say what to do; test for them with errors.Is.
var (
	// ErrSudoMissing: the sudo binary is not installed.
	ErrSudoMissing = &left4me.Error{Code: left4me.ENOTIMPLEMENTED, Message: "sudo is not installed: apt-get install sudo, then run left4me's installer (deploy/install.sh)"}
	// ErrSudoRules: sudo wants a password, i.e. no rule lets this user run
	// the helper with these arguments.
	ErrSudoRules = &left4me.Error{Code: left4me.ENOTIMPLEMENTED, Message: "left4me's sudo rules are not installed: run the installer (deploy/install.sh) and call left4me as its service user"}
	// ErrHelpersMissing: the helper binaries are not where the runtime looks.
	ErrHelpersMissing = &left4me.Error{Code: left4me.ENOTIMPLEMENTED, Message: "left4me's root helpers are not installed: run the installer (deploy/install.sh)"}
	// ErrNoPrivileges: sudo cannot become root in this process (the unit
	// sets NoNewPrivileges=, or sudo is on a nosuid mount).
	ErrNoPrivileges = &left4me.Error{Code: left4me.ENOTIMPLEMENTED, Message: "sudo cannot gain root here (NoNewPrivileges= or a nosuid mount): run left4me from its own unit, left4me-web.service"}
)

// RefusedError is a helper's refusal (exit 2) of invalid input: nothing was
// touched. It is an EINVALID *left4me.Error (errors.As) carrying the
// helper's reason and wraps overlayfs.ErrRefused (errors.Is).
type RefusedError struct {
	Tool   string
	Reason string
}

// Error implements error.
func (e *RefusedError) Error() string { return e.Tool + " refused: " + e.Reason }

// Unwrap exposes the user-facing error and the refusal sentinel.
func (e *RefusedError) Unwrap() []error {
	return []error{left4me.Errorf(left4me.EINVALID, "%s", e.Reason), overlayfs.ErrRefused}
}

// classify turns a finished helper call into nil or a clear error.
func (r *Runtime) classify(ctx context.Context, tool string, args []string, err error, stderr string) error {
	if err == nil {
		return nil
	}
	what := tool + " " + strings.Join(args, " ")
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", what, ErrSudoMissing)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
	if serr := sudoError(stderr); serr != nil {
		return fmt.Errorf("%s (%s): %w", what, firstLine(stderr), serr)
	}
	if exitStatus(err) == 2 {
		return &RefusedError{Tool: tool, Reason: helperReason(tool, stderr)}
	}
	if msg := helperReason(tool, stderr); msg != "" {
		return fmt.Errorf("%s: %s", what, msg)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// sudoError recognises sudo's own failures, which come before the helper
// runs and start with "sudo:".
func sudoError(stderr string) error {
	line := firstLine(stderr)
	if !strings.HasPrefix(line, "sudo:") {
		return nil
	}
	switch {
	case strings.Contains(line, "a password is required"),
		strings.Contains(line, "is not in the sudoers file"),
		strings.Contains(line, "is not allowed to execute"),
		strings.Contains(line, "may not run sudo"),
		strings.Contains(line, "a terminal is required"):
		return ErrSudoRules
	case strings.Contains(line, "command not found"):
		return ErrHelpersMissing
	case strings.Contains(line, "no new privileges"),
		strings.Contains(line, "effective uid is not 0"):
		return ErrNoPrivileges
	}
	return nil
}

// helperReason is the helper's message without its "TOOL: " prefix and the
// usage line.
func helperReason(tool, stderr string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(l, "usage: ") {
			continue
		}
		lines = append(lines, strings.TrimPrefix(l, tool+": "))
	}
	return truncate(strings.Join(lines, "; "), 1000)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
