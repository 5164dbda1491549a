// Command left4me is the left4me web panel and its admin CLI:
//
//	left4me serve                       production panel (env config, systemd runtime)
//	left4me demo [--listen ADDR] [--data DIR]
//	                                    everything on one machine: process runtime,
//	                                    srcds-sim as the game, example data
//	left4me user create NAME [--admin]  password from LEFT4ME_ADMIN_PASSWORD or a prompt
//	left4me token create NAME           prints a new API token for user NAME
//	left4me migrate                     applies database migrations
//	left4me srcds-sim ARGS...           the game simulator (used by demo installations)
//
// Configuration comes from the environment (DATABASE_URL, LEFT4ME_ROOT,
// SECRET_KEY, SESSION_COOKIE_SECURE, LEFT4ME_PORT_RANGE_START/END,
// JOB_WORKER_THREADS, LISTEN, LEFT4ME_RUNTIME); main only wires the pieces.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sim"
)

// Exit codes: 0 success, 1 failure, 2 bad usage or bad input.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usage = `usage:
  left4me serve
  left4me demo [--listen ADDR] [--data DIR]
  left4me user create NAME [--admin]
  left4me token create NAME
  left4me migrate
  left4me srcds-sim ARGS...
`

func main() {
	if len(os.Args) > 1 && os.Args[1] == "srcds-sim" {
		// The simulator handles its own signals and exit codes.
		os.Exit(sim.Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// env is the process's outside world, injected so tests can run commands
// in-process.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// errUsage marks bad command lines: exit code 2 and the usage text.
var errUsage = errors.New("bad usage")

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = cmdServe(ctx, rest, e)
	case "demo":
		err = cmdDemo(ctx, rest, e)
	case "user":
		err = cmdUser(ctx, rest, e)
	case "token":
		err = cmdToken(ctx, rest, e)
	case "migrate":
		err = cmdMigrate(ctx, rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	return report(err, e.stderr)
}

// report prints err for a person and picks the exit code.
func report(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "left4me: %v\n%s", err, usage)
		return exitUsage
	case left4me.ErrorCode(err) == left4me.EINVALID:
		fmt.Fprintf(stderr, "left4me: %s\n", left4me.ErrorMessage(err))
		return exitUsage
	}
	var le *left4me.Error
	if errors.As(err, &le) {
		fmt.Fprintf(stderr, "left4me: %s\n", le.Message)
	} else {
		fmt.Fprintf(stderr, "left4me: %v\n", err)
	}
	return exitFailure
}
