package sim_test

// Independent clients nobody here wrote must accept the simulator:
// gamedig and rcon-srcds (npm, test/peers) and qstat (Debian). They are
// installed by ./scripts/test; a missing one fails the test, it never skips.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me/a2s"
	"github.com/left4me/left4me/srcdsstatus"
)

// peersDir is test/peers, with its npm packages installed.
func peersDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "test", "peers"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: the peer tests need Node.js (Debian package nodejs); ./scripts/test installs the peers")
	}
	for _, mod := range []string{"gamedig", "rcon-srcds"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", mod)); err != nil {
			t.Fatalf("npm package %s missing in %s: run `npm ci` there (./scripts/test does)", mod, dir)
		}
	}
	return dir
}

// runPeer runs a peer client with a deadline, so a hanging peer fails the
// test instead of blocking it.
func runPeer(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), errors.Join(err, errors.New(stderr.String()))
	}
	return string(out), nil
}

func playerNames(t *testing.T, addr string) []string {
	t.Helper()
	players, err := a2s.QueryPlayers(ctx(t), addr)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range players {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

func TestPeerGamedig(t *testing.T) {
	dir := peersDir(t)
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"+map", "c2m1_highway", "-simplayers", "3", "-simchurn", "0"})
	out, err := runPeer(t, dir, "node", "gamedig.mjs", "127.0.0.1", strconv.Itoa(srv.Port()))
	if err != nil {
		t.Fatalf("gamedig: %v\n%s", err, out)
	}
	var got struct {
		Name       string
		Map        string
		NumPlayers int
		MaxPlayers int
		Players    []string
		AppID      int
		Folder     string
		Rules      map[string]string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("gamedig output %q: %v", out, err)
	}
	slices.Sort(got.Players)
	if got.Name != "Sim Test" || got.Map != "c2m1_highway" || got.NumPlayers != 3 || got.MaxPlayers != 8 ||
		got.AppID != 550 || got.Folder != "left4dead2" || !slices.Equal(got.Players, playerNames(t, srv.Addr())) || got.Rules["hostname"] != "Sim Test" {
		t.Fatalf("gamedig saw %+v", got)
	}
}

func TestPeerQstat(t *testing.T) {
	if _, err := exec.LookPath("quakestat"); err != nil {
		t.Fatal("quakestat is not installed: install the Debian package qstat (./scripts/test does)")
	}
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"+map", "c3m1_plankcountry", "-simplayers", "2", "-simchurn", "0"})
	// -raw with a tab: server line "A2S addr name map max players ping retries", then one line per player.
	out, err := runPeer(t, t.TempDir(), "quakestat", "-a2s", srv.Addr(), "-P", "-raw", "\t")
	if err != nil {
		t.Fatalf("quakestat: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	f := strings.Split(lines[0], "\t")
	if len(f) < 6 || f[0] != "A2S" || f[1] != srv.Addr() || f[2] != "Sim Test" || f[3] != "c3m1_plankcountry" || f[4] != "8" || f[5] != "2" {
		t.Fatalf("quakestat server line %q", lines[0])
	}
	var names []string
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			names = append(names, strings.Split(l, "\t")[0])
		}
	}
	slices.Sort(names)
	if want := playerNames(t, srv.Addr()); !slices.Equal(names, want) {
		t.Fatalf("quakestat players %q, want %q\n%s", names, want, out)
	}
}

// TestPeerRconSrcds: rcon-srcds 2.1.1 decodes only the first packet of each
// TCP read. srcds sends an empty RESPONSE_VALUE before the AUTH_RESPONSE,
// and when both arrive in one read authenticate() never resolves — a known
// peer bug (EnriqCG/rcon-srcds#9, reported against CS:GO). The sim is run in
// its documented mode that omits the empty packet, which REFERENCE.md lists
// as real server behaviour; our own client is tested against both modes.
// Output is kept below one packet: the peer's multi-packet handling relies
// on packet sizes, not on the protocol's terminator.
func TestPeerRconSrcds(t *testing.T) {
	dir := peersDir(t)
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"-simplayers", "2", "-simchurn", "0", "-simrconauthempty", "0"})
	port := strconv.Itoa(srv.Port())
	out, err := runPeer(t, dir, "node", "rcon.mjs", "127.0.0.1", port, password, "status")
	if err != nil {
		t.Fatalf("rcon-srcds: %v\n%s", err, out)
	}
	st, err := srcdsstatus.Parse(out)
	if err != nil || st.Hostname != "Sim Test" || st.Humans != 2 || len(st.Players) != 4 {
		t.Fatalf("rcon-srcds status %+v, %v:\n%s", st, err, out)
	}
	_, err = runPeer(t, dir, "node", "rcon.mjs", "127.0.0.1", port, "wrong", "status")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("wrong password: %v, want exit code 2 (refused)", err)
	}
}
