package helper

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/overlayfs"
)

// runSystemctl is left4me-systemctl enable|disable|show NAME: enable and
// disable also start and stop (--now), so an enabled server is a running
// one and comes back after a reboot.
func runSystemctl(cfg *Config, args []string) (int, error) {
	if len(args) != 2 {
		return 0, usagef("expected 2 arguments, got %d", len(args))
	}
	verb, name := args[0], args[1]
	if err := left4me.ValidateName(name); err != nil {
		return 0, usagef("%s", left4me.ErrorMessage(err))
	}
	var sargs []string
	switch verb {
	case "enable":
		if err := checkInitialized(cfg, name); err != nil {
			return 0, err
		}
		sargs = []string{"enable", "--now", "--quiet", UnitName(name)}
	case "disable":
		sargs = []string{"disable", "--now", "--quiet", UnitName(name)}
	case "show":
		sargs = []string{"show", "-p", "ActiveState", "-p", "SubState", UnitName(name)}
	default:
		return 0, usagef("unknown verb %q", verb)
	}
	return failureOnNonZero(cfg.runTool(cfg.Systemctl, sargs...))
}

// failureOnNonZero keeps a tool's non-zero exit from reading as the
// helper's own refusal (2): any failure of the tool is ExitFailure.
func failureOnNonZero(code int, err error) (int, error) {
	if err == nil && code != ExitOK {
		code = ExitFailure
	}
	return code, err
}

// checkInitialized refuses to enable a unit whose instance.env is missing:
// the unit would only fail in ExecStartPre with a less helpful message.
func checkInitialized(cfg *Config, name string) error {
	root, err := cfg.dataRoot()
	if err != nil {
		return err
	}
	_, err = os.Lstat(overlayfs.EnvPath(root, name))
	if errors.Is(err, fs.ErrNotExist) {
		return usagef("instance %q is not initialized: %s does not exist", name, overlayfs.EnvPath(root, name))
	}
	return err
}

// MaxLogLines bounds left4me-journalctl --lines.
const MaxLogLines = 10000

// runJournalctl is left4me-journalctl NAME --lines N --follow|--no-follow.
func runJournalctl(cfg *Config, args []string) (int, error) {
	if len(args) != 4 {
		return 0, usagef("expected 4 arguments, got %d", len(args))
	}
	name, flag, n, follow := args[0], args[1], args[2], args[3]
	if err := left4me.ValidateName(name); err != nil {
		return 0, usagef("%s", left4me.ErrorMessage(err))
	}
	if flag != "--lines" {
		return 0, usagef("expected --lines, got %q", flag)
	}
	lines, err := parseBounded(n, MaxLogLines)
	if err != nil {
		return 0, usagef("--lines %q: %v", n, err)
	}
	jargs := []string{"--unit", UnitName(name), "--lines", strconv.Itoa(lines), "--no-pager", "--output", "short-iso", "--quiet"}
	switch follow {
	case "--follow":
		jargs = append(jargs, "--follow")
	case "--no-follow":
	default:
		return 0, usagef("expected --follow or --no-follow, got %q", follow)
	}
	return failureOnNonZero(cfg.runTool(cfg.Journalctl, jargs...))
}

// parseBounded parses a plain decimal 0..max: no sign, no leading zeros, no
// spaces, so the value the tool sees is exactly the one that was checked.
func parseBounded(s string, max int) (int, error) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("not a number from 0 to %d", max)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a number from 0 to %d", max)
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v > max {
		return 0, fmt.Errorf("not a number from 0 to %d", max)
	}
	return v, nil
}
