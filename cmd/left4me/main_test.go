package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/internal/testutil"
)

// binary is the left4me command built once for all tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "left4me-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "left4me")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build left4me: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: servers run over overlayfs mounts")
	}
}

// panel is a running `left4me demo` process.
type panel struct {
	t      testing.TB
	cmd    *exec.Cmd
	url    string
	data   string
	port   int // the one game port of its range
	stderr *testutil.SyncBuffer
	done   chan struct{}
}

const adminPassword = "e2e-admin-password"

var listenRE = regexp.MustCompile(`left4me: listening on (http://\S+)`)

// startDemo runs `left4me demo` on port 0 over data and waits for its URL.
// The game port range is one free port, so servers never collide with
// anything else on the machine.
func startDemo(t testing.TB, data string, port int, extra ...string) *panel {
	t.Helper()
	return startDemoRange(t, data, port, port, extra...)
}

// startDemoRange is startDemo with a game port range of start..end.
func startDemoRange(t testing.TB, data string, port, end int, extra ...string) *panel {
	t.Helper()
	args := append([]string{"demo", "--listen", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "LEFT4ME_ADMIN_PASSWORD="+adminPassword,
		fmt.Sprintf("LEFT4ME_PORT_RANGE_START=%d", port), fmt.Sprintf("LEFT4ME_PORT_RANGE_END=%d", end))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &panel{t: t, cmd: cmd, data: data, port: port, stderr: &testutil.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case p.url = <-urls:
	case <-p.done:
		t.Fatalf("demo exited before listening: %s", p.stderr)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("demo did not print its URL: %s", p.stderr)
	}
	t.Cleanup(p.stop)
	return p
}

// stop ends the demo like an operator would (SIGTERM): it stops its
// servers and unmounts them.
func (p *panel) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		p.t.Errorf("demo did not stop on SIGTERM: %s", p.stderr)
	}
}

// token creates an API token for admin with the CLI, as a user would.
func (p *panel) token() string {
	p.t.Helper()
	out, err := exec.Command(binary, "token", "create", "admin", "--data", p.data).Output()
	if err != nil {
		p.t.Fatalf("token create: %v", err)
	}
	tok := strings.TrimSpace(string(out))
	if !strings.HasPrefix(tok, "l4m_") {
		p.t.Fatalf("token create printed %q", out)
	}
	return tok
}

// api does one JSON API call and decodes the answer into out.
func (p *panel) api(tok, method, path string, body, out any) int {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	return p.send(req, out)
}

func (p *panel) send(req *http.Request, out any) int {
	p.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s %s: %q: %v", req.Method, req.URL.Path, raw, err)
		}
	}
	return resp.StatusCode
}

// upload puts one file into a files overlay through the multipart endpoint.
func (p *panel) upload(tok string, overlay int64, path, content string) int {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("path", path)
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/overlays/%d/files", p.url, overlay), &buf)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return p.send(req, nil)
}

// serverJob asks for a lifecycle action and returns the job id.
func (p *panel) serverJob(tok, method, path string) int64 {
	p.t.Helper()
	var r struct {
		JobID int64 `json:"job_id"`
	}
	if st := p.api(tok, method, path, nil, &r); st != http.StatusAccepted || r.JobID == 0 {
		p.t.Fatalf("%s %s: status %d", method, path, st)
	}
	return r.JobID
}

// waitJob polls a job until it is done and returns it.
func (p *panel) waitJob(tok string, id int64) *left4me.Job {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var j left4me.Job
		p.api(tok, "GET", fmt.Sprintf("/api/v1/jobs/%d", id), nil, &j)
		if j.Done() {
			return &j
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("job %d did not finish: %s", id, p.stderr)
	return nil
}

// freePort finds a port free for TCP and UDP on all addresses, as the
// game binds both.
func freePort(t testing.TB) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("0.0.0.0:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// mountsUnder lists mount points below dir, to prove nothing stays mounted.
func mountsUnder(t testing.TB, dir string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir) {
			out = append(out, f[4])
		}
	}
	return out
}

func withTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
