package main_test

import (
	"bufio"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runCLI runs the binary with extra environment and returns its output and
// exit code.
func runCLI(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func TestCLI(t *testing.T) {
	data := t.TempDir()
	pw := []string{"LEFT4ME_ADMIN_PASSWORD=a-long-password"}
	for _, tc := range []struct {
		name    string
		env     []string
		args    []string
		code    int
		out     string // in stdout
		errText string // in stderr
	}{
		{"no command", nil, nil, 2, "", "usage:"},
		{"unknown command", nil, []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"migrate", nil, []string{"migrate", "--data", data}, 0, "schema version", ""},
		{"user create", pw, []string{"user", "create", "bob", "--data", data}, 0, "created user bob (admin: false)", ""},
		{"user create admin", pw, []string{"user", "create", "root", "--admin", "--data", data}, 0, "(admin: true)", ""},
		{"duplicate user", pw, []string{"user", "create", "bob", "--data", data}, 1, "", "bob"},
		{"bad user name", pw, []string{"user", "create", "b o b", "--data", data}, 2, "", "invalid user name"},
		{"short password", []string{"LEFT4ME_ADMIN_PASSWORD=short"}, []string{"user", "create", "carol", "--data", data}, 2, "", "at least 8"},
		{"token", nil, []string{"token", "create", "bob", "--data", data}, 0, "l4m_", ""},
		{"token for nobody", nil, []string{"token", "create", "nobody", "--data", data}, 1, "", "nobody"},
		{"bad port range", []string{"LEFT4ME_PORT_RANGE_START=x"}, []string{"demo", "--data", data}, 2, "", "LEFT4ME_PORT_RANGE_START"},
		{"demo usage", nil, []string{"demo", "extra"}, 2, "", "demo [--listen ADDR] [--data DIR]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errText) {
				t.Errorf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tc.code, out, tc.out, errOut, tc.errText)
			}
		})
	}
}

// TestServe runs the production command (with the process runtime, as on a
// host without systemd): it serves, its session cookie is Secure by default,
// and it stops cleanly on SIGTERM.
func TestServe(t *testing.T) {
	root := t.TempDir()
	env := []string{"LEFT4ME_ROOT=" + root, "LEFT4ME_RUNTIME=process", "LISTEN=127.0.0.1:0",
		"SECRET_KEY=" + strings.Repeat("k", 40), "LEFT4ME_ADMIN_PASSWORD=a-long-password"}
	if _, errOut, code := runCLI(t, env, "user", "create", "ops"); code != 0 {
		t.Fatalf("user create: %d %s", code, errOut)
	}
	cmd := exec.Command(binary, "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := listenRE.FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("serve printed %q (%v): %s", line, err, stderr.String())
	}
	resp, err := http.Get(m[1] + "/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = c.PostForm(m[1]+"/login", url.Values{"name": {"ops"}, "password": {"a-long-password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cs := resp.Cookies(); resp.StatusCode != http.StatusSeeOther || len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly {
		t.Errorf("login: status %d, cookies %+v: want one Secure HttpOnly session cookie", resp.StatusCode, cs)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v: %s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}
