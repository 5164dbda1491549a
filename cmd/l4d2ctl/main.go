// Command l4d2ctl manages one left4me instance on this host:
//
//	l4d2ctl [--root DIR] [--runtime systemd|process] COMMAND NAME [flags]
//
// Commands: init --spec FILE, start [--spec FILE], stop, restart [--spec
// FILE], reset, delete, status, logs [--lines N] [--follow], and run [--spec
// FILE] (initialize, stage, mount and run the server in the foreground until
// it exits or is interrupted, then unmount). LEFT4ME_ROOT and LEFT4ME_RUNTIME
// are honoured as well as the flags. Exit status: 0 success, 2 bad usage or
// bad input, 1 failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/overlayfs"
)

const usage = `usage: l4d2ctl [--root DIR] [--runtime systemd|process] COMMAND NAME [flags]

commands:
  init NAME --spec FILE       create the instance from an instance spec (JSON)
  start NAME [--spec FILE]    (re)initialize, stage cfgs and enable the server
  stop NAME                   disable the server and unmount
  restart NAME [--spec FILE]  stop, then start
  reset NAME                  stop and remove the instance's files
  delete NAME                 the same purge, for a server being deleted
  status NAME                 print the unit state, e.g. "active (running)"
  logs NAME [--lines N] [--follow]
  run NAME [--spec FILE]      run the server in the foreground (no systemd)

--root defaults to $LEFT4ME_ROOT, then /var/lib/left4me;
--runtime defaults to $LEFT4ME_RUNTIME, then systemd.
`

// config is everything main reads from flags and the environment.
type config struct {
	Root    string
	Runtime string // systemd or process
	Command string
	Name    string
	Spec    string // --spec FILE
	Lines   int
	Follow  bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: tests call it in-process.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cfg, err := parseArgs(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "l4d2ctl: %v\n\n%s", err, usage)
		return 2
	}
	if err := left4me.ValidateName(cfg.Name); err != nil {
		fmt.Fprintf(stderr, "l4d2ctl: %s\n", left4me.ErrorMessage(err))
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	err = execute(ctx, cfg, stdout, logger)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "l4d2ctl %s %s: %s\n", cfg.Command, cfg.Name, describe(err))
	return exitCode(err)
}

// exitCode is 2 for invalid input (including overlay refusals and a missing
// instance) and 1 for everything else.
func exitCode(err error) int {
	var u usageError
	switch {
	case errors.As(err, &u), errors.Is(err, overlayfs.ErrRefused):
		return 2
	case left4me.ErrorCode(err) == left4me.EINVALID, left4me.ErrorCode(err) == left4me.ENOTFOUND:
		return 2
	}
	return 1
}

// describe prints a domain error's safe message and anything else as is:
// the operator at this terminal may see internal details.
func describe(err error) string {
	var u usageError
	if errors.As(err, &u) {
		return u.msg
	}
	var e *left4me.Error
	if errors.As(err, &e) && !errors.Is(err, overlayfs.ErrRefused) {
		return e.Message
	}
	return err.Error()
}

// usageError is bad usage detected after parsing, e.g. a missing spec.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// newHost builds the host library over the selected runtime.
func newHost(cfg config, logger *slog.Logger) (*host.Host, error) {
	rt, mounter, err := newRuntime(cfg, logger)
	if err != nil {
		return nil, err
	}
	return &host.Host{Root: cfg.Root, Runtime: rt, Mounter: mounter, Logger: logger}, nil
}
