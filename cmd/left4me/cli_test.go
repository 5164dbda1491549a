package main_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
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
