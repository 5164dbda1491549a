package sim

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Exit codes of Main.
const (
	ExitOK      = 0
	ExitFailure = 1
	// ExitCrash is what a shell reports for a process killed by SIGSEGV,
	// which is how srcds usually dies.
	ExitCrash = 139
)

// Main runs the simulator with a srcds_run command line (args without the
// program name) until SIGINT or SIGTERM (exit 0), `quit` (exit 0), a
// simulated crash (ExitCrash) or a start failure (ExitFailure).
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdout, stderr)
}

// Run is Main with the stop signal given as ctx, for callers that handle
// signals themselves and for tests.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := ParseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "srcds-sim: %v\n", err)
		return ExitFailure
	}
	srv, err := Start(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "srcds-sim: %v\n", err)
		return ExitFailure
	}
	var crash <-chan time.Time
	if cfg.CrashAt > 0 {
		t := time.NewTimer(cfg.CrashAt)
		defer t.Stop()
		crash = t.C
	}
	select {
	case <-ctx.Done():
	case <-srv.Done():
	case <-crash:
		srv.Close()
		fmt.Fprintf(stderr, "srcds-sim: %v after %s: Segmentation fault\n", ErrCrashed, cfg.CrashAt)
		return ExitCrash
	}
	srv.Close()
	return ExitOK
}
