package sim_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/left4me/left4me/rcon"
	"github.com/left4me/left4me/sim"
)

// simProcess is this test binary running sim.Main in dir, as the srcds_run
// wrapper would start srcds-sim there.
type simProcess struct {
	cmd  *exec.Cmd
	addr string
	out  chan string
	exit chan error
}

func startProcess(t *testing.T, dir string, args ...string) *simProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-game", "left4dead2", "+ip", "127.0.0.1", "+hostport", "0"}, args...)...)
	cmd.Dir = dir
	// GORACE: under -race the runtime otherwise sleeps 1 s before exiting.
	cmd.Env = append(os.Environ(), "SRCDS_SIM_AS_MAIN=1", "GORACE=atexit_sleep_ms=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &simProcess{cmd: cmd, out: make(chan string, 100), exit: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.out <- sc.Text()
		}
		close(p.out)
		p.exit <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		for range p.out {
		}
	})
	return p
}

// waitLine waits for a console line containing s and returns it.
func (p *simProcess) waitLine(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case line, ok := <-p.out:
			if !ok {
				t.Fatalf("process ended before printing %q", s)
			}
			if strings.Contains(line, s) {
				return line
			}
		case <-timeout:
			t.Fatalf("no %q line", s)
		}
	}
}

// ready waits until the server is up and returns its address.
func (p *simProcess) ready(t *testing.T) string {
	t.Helper()
	var ip string
	var port int
	line := p.waitLine(t, "Network: IP ")
	if _, err := fmt.Sscanf(line, "Network: IP %s mode MP, dedicated Yes, ports %d SV", &ip, &port); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	p.waitLine(t, "VAC secure mode is activated.")
	return fmt.Sprintf("%s:%d", strings.TrimSuffix(ip, ","), port)
}

func (p *simProcess) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	for range p.out {
	}
	select {
	case err := <-p.exit:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("process still running after %v", within)
		return -1
	}
}

func TestProcessStopsOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			// The game root is the working directory, as under srcds_run.
			root := gameRoot(t, basicCfg())
			p := startProcess(t, root, "+map", "c1m2_streets", "-simplayers", "1")
			addr := p.ready(t)
			c, err := rcon.Dial(context.Background(), addr, password)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := run(t, c, "sim_execd"); got != "server.cfg\n" {
				t.Fatalf("sim_execd = %q", got)
			}
			start := time.Now()
			p.cmd.Process.Signal(sig)
			if code := p.wait(t, 2*time.Second); code != sim.ExitOK {
				t.Fatalf("exit code %d after %v", code, sig)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("took %v to stop", d)
			}
		})
	}
}

func TestProcessFailureFlags(t *testing.T) {
	root := gameRoot(t, basicCfg())
	p := startProcess(t, root, "-simcrashafter", "200ms")
	p.ready(t)
	if code := p.wait(t, 3*time.Second); code != sim.ExitCrash {
		t.Fatalf("crash: exit code %d, want %d", code, sim.ExitCrash)
	}
	p = startProcess(t, root, "-simfailstart")
	var all []string
	for line := range p.out {
		all = append(all, line)
	}
	if code := p.wait(t, 3*time.Second); code != sim.ExitFailure {
		t.Fatalf("failstart: exit code %d, want %d", code, sim.ExitFailure)
	}
	if strings.Contains(strings.Join(all, "\n"), "Network: IP") {
		t.Fatalf("failed start still bound the port:\n%s", strings.Join(all, "\n"))
	}
}

func TestQuitCommandEndsProcess(t *testing.T) {
	p := startProcess(t, gameRoot(t, basicCfg()))
	c, err := rcon.Dial(context.Background(), p.ready(t), password)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Exec(context.Background(), "quit") // the connection may die with the server
	if code := p.wait(t, 2*time.Second); code != sim.ExitOK {
		t.Fatalf("exit code %d after quit", code)
	}
}
