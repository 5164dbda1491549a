package main_test

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/a2s"
	"github.com/left4me/left4me/rcon"
)

const rconPassword = "e2e-rcon"

// setupServer creates, through the API, a files overlay carrying a
// server.cfg, a blueprint exposing it and a server of that blueprint.
// It returns the overlay id.
func setupServer(t *testing.T, p *panel, tok, name string) int64 {
	t.Helper()
	var o left4me.Overlay
	if st := p.api(tok, "POST", "/api/v1/overlays", map[string]any{"kind": "files", "name": "e2e-" + name}, &o); st != http.StatusCreated {
		t.Fatalf("create overlay: %d", st)
	}
	// The overlay sets a hostname the blueprint overrides: if the
	// overlay's cfg ran after the blueprint's lines, A2S would show it.
	if st := p.upload(tok, o.ID, "left4dead2/cfg/server.cfg", "hostname \"from-overlay\"\nsv_e2e_overlay 1\n"); st != http.StatusCreated {
		t.Fatalf("upload server.cfg: %d", st)
	}
	var bp struct {
		ID        int64
		ExecLines []string `json:"exec_lines"`
	}
	body := map[string]any{"name": "e2e-" + name, "args": []string{"+map", "c2m1_highway"},
		"config":   "hostname \"e2e-" + name + "\"\nrcon_password \"" + rconPassword + "\"\n",
		"overlays": []map[string]any{{"overlay_id": o.ID, "expose_server_cfg": true}}}
	if st := p.api(tok, "POST", "/api/v1/blueprints", body, &bp); st != http.StatusCreated {
		t.Fatalf("create blueprint: %d", st)
	}
	if want := []string{fmt.Sprintf("exec server_overlay_%d", o.ID)}; !slices.Equal(bp.ExecLines, want) {
		t.Fatalf("blueprint preview %q, want %q", bp.ExecLines, want)
	}
	var srv struct{ Port int }
	if st := p.api(tok, "POST", "/api/v1/servers", map[string]any{"name": name, "blueprint_id": bp.ID}, &srv); st != http.StatusCreated {
		t.Fatalf("create server: %d", st)
	}
	if srv.Port != p.port {
		t.Fatalf("server got port %d, want %d (the only one of the range)", srv.Port, p.port)
	}
	return o.ID
}

// checkGame asks the running game over A2S and RCON what it loaded.
func checkGame(t *testing.T, p *panel, name string, overlay int64) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", p.port)
	var info a2s.Info
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if info, err = a2s.QueryInfo(withTimeout(t, 2*time.Second), addr); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("A2S INFO %s: %v\n%s", addr, err, p.stderr)
	}
	if info.Name != "e2e-"+name || info.Map != "c2m1_highway" {
		t.Errorf("A2S name %q map %q: want the blueprint's hostname and map", info.Name, info.Map)
	}
	c, err := rcon.Dial(withTimeout(t, 5*time.Second), addr, rconPassword)
	if err != nil {
		t.Fatalf("rcon: %v", err)
	}
	defer c.Close()
	out, err := c.Exec(withTimeout(t, 5*time.Second), "sim_execd")
	if err != nil {
		t.Fatalf("rcon sim_execd: %v", err)
	}
	execd := strings.Fields(out)
	t.Logf("A2S name %q; sim_execd %q", info.Name, execd)
	overlayCfg := fmt.Sprintf("server_overlay_%d.cfg", overlay)
	i, j := slices.IndexFunc(execd, func(s string) bool { return strings.HasSuffix(s, "server.cfg") }),
		slices.IndexFunc(execd, func(s string) bool { return strings.HasSuffix(s, overlayCfg) })
	// server.cfg starts with the exec line, so the overlay's cfg runs
	// inside it, before the blueprint's own lines; the hostname above
	// proves the order of the lines.
	if i < 0 || j < 0 || j < i {
		t.Errorf("sim_execd %q: want server.cfg, then %s", execd, overlayCfg)
	}
}

func TestEndToEndAPI(t *testing.T) {
	requireRoot(t)
	data := t.TempDir()
	p := startDemo(t, data, freePort(t))
	tok := p.token()
	overlay := setupServer(t, p, tok, "alpha")

	if j := p.waitJob(tok, p.serverJob(tok, "POST", "/api/v1/servers/alpha/start")); j.State != left4me.JobSucceeded {
		t.Fatalf("start job %s: %s\n%s", j.State, j.Error, j.Log)
	}
	var srv struct {
		State   string
		Running bool
	}
	p.api(tok, "GET", "/api/v1/servers/alpha", nil, &srv)
	if !srv.Running || srv.State != "active (running)" {
		t.Errorf("server after start: %+v", srv)
	}
	checkGame(t, p, "alpha", overlay)
	checkLogStream(t, p, tok, "alpha", fmt.Sprintf("Execing config: server_overlay_%d", overlay))

	if j := p.waitJob(tok, p.serverJob(tok, "POST", "/api/v1/servers/alpha/stop")); j.State != left4me.JobSucceeded {
		t.Fatalf("stop job %s: %s", j.State, j.Error)
	}
	p.api(tok, "GET", "/api/v1/servers/alpha", nil, &srv)
	if srv.Running {
		t.Errorf("server running after stop: %+v", srv)
	}
	if _, err := a2s.QueryInfo(withTimeout(t, time.Second), fmt.Sprintf("127.0.0.1:%d", p.port)); err == nil {
		t.Error("the game still answers after stop")
	}
	if m := mountsUnder(t, data); len(m) != 0 {
		t.Errorf("mounts left after stop: %v", m)
	}

	if j := p.waitJob(tok, p.serverJob(tok, "POST", "/api/v1/servers/alpha/reset")); j.State != left4me.JobSucceeded {
		t.Fatalf("reset job %s: %s", j.State, j.Error)
	}
	for _, d := range []string{"instances/alpha", "runtime/alpha"} {
		if _, err := os.Stat(filepath.Join(data, d)); !os.IsNotExist(err) {
			t.Errorf("%s after reset: %v", d, err)
		}
	}
	if j := p.waitJob(tok, p.serverJob(tok, "DELETE", "/api/v1/servers/alpha")); j.State != left4me.JobSucceeded {
		t.Fatalf("delete job %s: %s", j.State, j.Error)
	}
	if st := p.api(tok, "GET", "/api/v1/servers/alpha", nil, nil); st != http.StatusNotFound {
		t.Errorf("server after delete: status %d", st)
	}
}

func TestCrashDuringStart(t *testing.T) {
	requireRoot(t)
	data, port := t.TempDir(), freePort(t)
	p := startDemo(t, data, port, "--fault-start-delay", "5m")
	tok := p.token()
	overlay := setupServer(t, p, tok, "crashy")
	id := p.serverJob(tok, "POST", "/api/v1/servers/crashy/start")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var j left4me.Job
		p.api(tok, "GET", fmt.Sprintf("/api/v1/jobs/%d", id), nil, &j)
		if j.State == left4me.JobRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("start job never ran: %+v", j)
		}
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done

	p2 := startDemo(t, data, port)
	var j left4me.Job
	p2.api(tok, "GET", fmt.Sprintf("/api/v1/jobs/%d", id), nil, &j)
	if j.State != left4me.JobFailed || !strings.Contains(j.Error, "interrupted") {
		t.Fatalf("job after the crash: state %q error %q: want failed with the reason", j.State, j.Error)
	}
	if j := p2.waitJob(tok, p2.serverJob(tok, "POST", "/api/v1/servers/crashy/start")); j.State != left4me.JobSucceeded {
		t.Fatalf("start after the crash: %s %s", j.State, j.Error)
	}
	checkGame(t, p2, "crashy", overlay)
	if j := p2.waitJob(tok, p2.serverJob(tok, "DELETE", "/api/v1/servers/crashy")); j.State != left4me.JobSucceeded {
		t.Fatalf("delete: %s %s", j.State, j.Error)
	}
	if m := mountsUnder(t, data); len(m) != 0 {
		t.Errorf("mounts left: %v", m)
	}
}

func TestServeRefusesBadSecretKey(t *testing.T) {
	for _, tc := range []struct{ name, key, want string }{
		{"missing", "", "SECRET_KEY is not set"},
		{"dev", "dev", "development value"},
		{"short", "0123456789", "at least 32"},
		{"example", "change-me-to-at-least-32-random-characters", "example value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			cmd := exec.Command(binary, "serve")
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LEFT4ME_ROOT=" + root, "LISTEN=127.0.0.1:0",
				"LEFT4ME_RUNTIME=process", "SECRET_KEY=" + tc.key}
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
				t.Fatalf("serve with SECRET_KEY=%q: %v (want exit 2)\n%s", tc.key, err, out)
			}
			if !strings.Contains(string(out), tc.want) || strings.Contains(string(out), "listening") {
				t.Errorf("output %q: want %q and no listener", out, tc.want)
			}
			if ents, _ := os.ReadDir(root); len(ents) != 0 {
				t.Errorf("serve wrote %d entries before refusing", len(ents))
			}
		})
	}
}

// checkLogStream reads the server's live output stream until want shows up.
func checkLogStream(t *testing.T, p *panel, tok, name, want string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(withTimeout(t, 10*time.Second), "GET", p.url+"/api/v1/servers/"+name+"/logs/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), want) {
			return
		}
	}
	t.Errorf("log stream ended (%v) without %q", sc.Err(), want)
}
