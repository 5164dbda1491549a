// Package helper implements left4me's root helpers: the few privileged verbs
// the unprivileged service user may run through verb-constrained sudo.
//
// One binary (cmd/left4me-helper) is installed under several names and
// dispatches on the name it was invoked under:
//
//	left4me-overlay mount|umount NAME
//	left4me-systemctl enable|disable|show NAME
//	left4me-journalctl NAME --lines N --follow|--no-follow
//	left4me-script-sandbox OVERLAY-ID SCRIPT
//
// The caller is not trusted: every argument is validated before anything is
// touched, anything unexpected exits 2 with a usage line, and the data root
// comes only from root-owned configuration (Config.HostEnv), never from the
// environment or the command line. Its imports are part of its security:
// the standard library, golang.org/x/sys, overlayfs and the root package.
package helper

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Exit codes shared by every verb.
const (
	ExitOK      = 0 // done
	ExitFailure = 1 // the arguments were fine, the work failed
	ExitUsage   = 2 // refused: bad or unexpected arguments or input; nothing was touched
)

// Names the binary is installed under, and its own name for tests and
// manual use (left4me-helper TOOL ARGS...).
const (
	NameOverlay    = "left4me-overlay"
	NameSystemctl  = "left4me-systemctl"
	NameJournalctl = "left4me-journalctl"
	NameSandbox    = "left4me-script-sandbox"
	NameHelper     = "left4me-helper"
)

// DefaultRoot is the data root when host.env does not set LEFT4ME_ROOT.
const DefaultRoot = "/var/lib/left4me"

// UnitName is the systemd unit of an instance.
func UnitName(name string) string { return "left4me-server@" + name + ".service" }

// Config is fixed by cmd/left4me-helper at build time; only tests build
// other values. Nothing in it may come from the caller.
type Config struct {
	HostEnv    string // root-owned env file with LEFT4ME_ROOT, e.g. /etc/left4me/host.env
	Systemctl  string // absolute path of systemctl
	Journalctl string // absolute path of journalctl
	SystemdRun string // absolute path of systemd-run
	// MountNS is the mount namespace the overlay verbs must act in
	// (/proc/1/ns/mnt); "" means wherever the helper runs (tests).
	MountNS string
	Sandbox SandboxConfig
	Stdout  io.Writer
	Stderr  io.Writer
}

// DefaultConfig is the production configuration.
func DefaultConfig() Config {
	return Config{
		HostEnv:    "/etc/left4me/host.env",
		Systemctl:  "/usr/bin/systemctl",
		Journalctl: "/usr/bin/journalctl",
		SystemdRun: "/usr/bin/systemd-run",
		MountNS:    "/proc/1/ns/mnt",
		Sandbox:    DefaultSandboxConfig(),
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
	}
}

// usageError is a refusal: the helper prints it with the verb's usage line
// and exits ExitUsage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// tool is one verb family: its usage line and its implementation.
type tool struct {
	usage string
	run   func(cfg *Config, args []string) (int, error)
}

var tools = map[string]tool{
	NameOverlay:    {"left4me-overlay mount|umount NAME", runOverlay},
	NameSystemctl:  {"left4me-systemctl enable|disable|show NAME", runSystemctl},
	NameJournalctl: {"left4me-journalctl NAME --lines N --follow|--no-follow", runJournalctl},
	NameSandbox:    {"left4me-script-sandbox OVERLAY-ID SCRIPT", runSandbox},
}

// Main runs the helper named by filepath.Base(argv[0]) (or, when that is
// left4me-helper, by argv[1]) and returns the process exit code: 0 on
// success, 2 when the arguments or input are refused, 1 when the work
// failed; left4me-script-sandbox returns the script's own exit code.
func Main(cfg Config, argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(cfg.Stderr, "left4me-helper: no program name")
		return ExitUsage
	}
	name, args := filepath.Base(argv[0]), argv[1:]
	if name == NameHelper {
		if len(args) == 0 {
			return usageAll(cfg.Stderr, "missing tool name")
		}
		name, args = args[0], args[1:]
	}
	t, ok := tools[name]
	if !ok {
		return usageAll(cfg.Stderr, fmt.Sprintf("unknown tool %q", name))
	}
	code, err := t.run(&cfg, args)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(cfg.Stderr, "%s: %s\nusage: %s\n", name, ue.msg, t.usage)
		return ExitUsage
	case err != nil:
		fmt.Fprintf(cfg.Stderr, "%s: %v\n", name, err)
		return ExitFailure
	}
	return code
}

func usageAll(w io.Writer, msg string) int {
	fmt.Fprintf(w, "left4me-helper: %s\nusage:\n", msg)
	for _, n := range []string{NameOverlay, NameSystemctl, NameJournalctl, NameSandbox} {
		fmt.Fprintf(w, "  %s\n", tools[n].usage)
	}
	return ExitUsage
}
