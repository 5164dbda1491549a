package sim_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me/internal/testutil"
	"github.com/left4me/left4me/rcon"
	"github.com/left4me/left4me/sim"
)

// TestMain lets the test binary run as srcds-sim itself, so the
// process-level tests (signals, exit codes, working directory) exercise
// the real Main without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("SRCDS_SIM_AS_MAIN") == "1" {
		os.Exit(sim.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// gameRoot creates a game root holding files (paths relative to
// left4dead2/), e.g. "cfg/server.cfg".
func gameRoot(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		gameRootAdd(t, root, name, content)
	}
	return root
}

func gameRootAdd(t testing.TB, root, name, content string) {
	t.Helper()
	p := filepath.Join(root, "left4dead2", filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const password = "s3cret"

// basicCfg is a server.cfg with the RCON password the tests use.
func basicCfg(extra ...string) map[string]string {
	return map[string]string{"cfg/server.cfg": "hostname \"Sim Test\"\nrcon_password " + password + "\n" + strings.Join(extra, "\n") + "\n"}
}

type simOpt func(*sim.Config)

// fixedClock makes status and player times reproducible.
func fixedClock(c *sim.Config) {
	at := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return at }
}

// startSim runs an in-process sim on a free loopback port, with the
// srcds_run command line args plus the test's root and address.
func startSim(t testing.TB, root string, args []string, opts ...simOpt) (*sim.Server, *testutil.SyncBuffer) {
	t.Helper()
	full := append([]string{"-game", "left4dead2", "+ip", "127.0.0.1", "+hostport", "0", "-simroot", root}, args...)
	cfg, err := sim.ParseArgs(full)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(&cfg)
	}
	out := &testutil.SyncBuffer{}
	srv, err := sim.Start(context.Background(), cfg, out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, out
}

func dialSim(t testing.TB, srv *sim.Server) *rcon.Client {
	t.Helper()
	c, err := rcon.Dial(context.Background(), srv.Addr(), password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func run(t testing.TB, c *rcon.Client, cmd string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := c.Exec(ctx, cmd)
	if err != nil {
		t.Fatalf("rcon %q: %v", cmd, err)
	}
	return out
}
