package systemd_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/overlayfs"
	"github.com/left4me/left4me/systemd"
)

// The systemd runtime is what host drives in production.
var (
	_ host.Runtime = (*systemd.Runtime)(nil)
	_ host.Mounter = (*systemd.Runtime)(nil)
)

func TestEnableStatusDisable(t *testing.T) {
	h := newFakeHost(t)
	r := h.runtime()
	ctx := context.Background()
	h.initialize(t, "alpha")

	assertStatus(t, r, "alpha", "inactive", "dead")
	for range 2 { // idempotent
		if err := r.Enable(ctx, "alpha"); err != nil {
			t.Fatal(err)
		}
	}
	if !h.has("alpha", "enabled") {
		t.Fatal("alpha not enabled")
	}
	st := assertStatus(t, r, "alpha", "active", "running")
	if !st.Running() {
		t.Error("Running() false for active (running)")
	}
	for range 2 {
		if err := r.Disable(ctx, "alpha"); err != nil {
			t.Fatal(err)
		}
	}
	if h.has("alpha", "enabled") || h.has("alpha", "mounted") {
		t.Fatal("alpha still enabled or mounted after Disable")
	}
	assertStatus(t, r, "alpha", "inactive", "dead")
}

func TestMountUnmount(t *testing.T) {
	h := newFakeHost(t)
	r := h.runtime()
	ctx := context.Background()
	if err := r.Mount(ctx, "beta"); err != nil || !h.has("beta", "mounted") {
		t.Fatalf("Mount: %v, mounted=%v", err, h.has("beta", "mounted"))
	}
	if err := r.Unmount(ctx, "beta"); err != nil || h.has("beta", "mounted") {
		t.Fatalf("Unmount: %v, mounted=%v", err, h.has("beta", "mounted"))
	}
}

func TestInvalidNameNeverReachesSudo(t *testing.T) {
	h := newFakeHost(t)
	h.setSudoMode(t, "nopass") // any sudo call would fail differently
	r := h.runtime()
	ctx := context.Background()
	for _, name := range []string{"../x", "", "Alpha", "a b"} {
		for _, err := range []error{
			r.Enable(ctx, name), r.Disable(ctx, name), r.Mount(ctx, name), r.Unmount(ctx, name),
			r.Logs(ctx, name, 1, false, &bytes.Buffer{}),
		} {
			if left4me.ErrorCode(err) != left4me.EINVALID {
				t.Errorf("%q: %v, want EINVALID", name, err)
			}
		}
	}
}

func TestHelperRefusalIsInvalidAndRefused(t *testing.T) {
	h := newFakeHost(t)
	err := h.runtime().Enable(context.Background(), "ghost")
	if !errors.Is(err, overlayfs.ErrRefused) {
		t.Fatalf("err = %v, want it to wrap overlayfs.ErrRefused", err)
	}
	if left4me.ErrorCode(err) != left4me.EINVALID || left4me.ErrorMessage(err) != `instance "ghost" is not initialized` {
		t.Fatalf("code %q message %q", left4me.ErrorCode(err), left4me.ErrorMessage(err))
	}
	var re *systemd.RefusedError
	if !errors.As(err, &re) || re.Tool != systemd.HelperSystemctl {
		t.Fatalf("not a RefusedError from left4me-systemctl: %#v", err)
	}
}

func TestSudoFailuresBecomeClearErrors(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, h *fakeHost, cfg *systemd.Config)
		want  error
	}{
		{"password required", func(t *testing.T, h *fakeHost, cfg *systemd.Config) { h.setSudoMode(t, "nopass") }, systemd.ErrSudoRules},
		{"no new privileges", func(t *testing.T, h *fakeHost, cfg *systemd.Config) { h.setSudoMode(t, "nnp") }, systemd.ErrNoPrivileges},
		{"helpers missing", func(t *testing.T, h *fakeHost, cfg *systemd.Config) { cfg.HelperDir = t.TempDir() }, systemd.ErrHelpersMissing},
		{"sudo missing", func(t *testing.T, h *fakeHost, cfg *systemd.Config) { cfg.Sudo = h.dir + "/no/sudo" }, systemd.ErrSudoMissing},
		{"sudo not on PATH", func(t *testing.T, h *fakeHost, cfg *systemd.Config) {
			t.Setenv("PATH", t.TempDir())
			cfg.Sudo = ""
		}, systemd.ErrSudoMissing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHost(t)
			h.initialize(t, "alpha")
			cfg := systemd.Config{HelperDir: h.helpers, Sudo: h.sudo}
			tc.setup(t, h, &cfg)
			r := systemd.New(cfg)
			_, statusErr := r.Status(context.Background(), "alpha")
			for _, err := range []error{r.Enable(context.Background(), "alpha"), statusErr} {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if left4me.ErrorMessage(err) != tc.want.(*left4me.Error).Message {
					t.Errorf("user sees %q", left4me.ErrorMessage(err))
				}
			}
			if h.has("alpha", "enabled") {
				t.Error("enabled despite the failure")
			}
		})
	}
}

func TestLogs(t *testing.T) {
	h := newFakeHost(t)
	r := h.runtime()
	var out bytes.Buffer
	if err := r.Logs(context.Background(), "alpha", 3, false, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "line 1\nline 2\nline 3\n" {
		t.Errorf("logs = %q", out.String())
	}
	for _, n := range []int{-1, systemd.MaxLogLines + 1} {
		if err := r.Logs(context.Background(), "alpha", n, false, &out); left4me.ErrorCode(err) != left4me.EINVALID {
			t.Errorf("lines %d: %v, want EINVALID", n, err)
		}
	}
}

func TestLogsFollowStopsHelperOnCancel(t *testing.T) {
	h := newFakeHost(t)
	r := h.runtime()
	ctx, cancel := context.WithCancel(context.Background())
	w := &notifyWriter{seen: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- r.Logs(ctx, "alpha", 2, true, w) }()
	select {
	case <-w.seen:
	case <-time.After(10 * time.Second):
		t.Fatal("no log lines within 10s")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Logs after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Logs did not return within 10s of cancel")
	}
	// The helper got SIGTERM (and could clean up), it was not just killed.
	deadline := time.Now().Add(5 * time.Second)
	for h.read(t, "alpha.follow") != "stopped" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := h.read(t, "alpha.follow"); got != "stopped" {
		t.Fatalf("follow state %q, want stopped", got)
	}
}

// notifyWriter closes seen once it has been written to.
type notifyWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen chan struct{}
	once sync.Once
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.once.Do(func() { close(w.seen) })
	return w.buf.Write(p)
}

func TestRunScript(t *testing.T) {
	h := newFakeHost(t)
	r := h.runtime()
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	code, err := r.RunScript(ctx, 5, "/data/scripts/exit3.sh", &stdout, &stderr)
	if err != nil || code != 3 {
		t.Fatalf("RunScript = %d, %v; want the script's 3", code, err)
	}
	if stdout.String() != "building overlay 5\n" || stderr.String() != "progress on stderr\n" {
		t.Errorf("output not streamed: stdout %q stderr %q", stdout.String(), stderr.String())
	}
	// A script's own exit 2 is not a refusal.
	if code, err := r.RunScript(ctx, 5, "/data/scripts/exit2.sh", &stdout, &stderr); err != nil || code != 2 {
		t.Errorf("exit2.sh: %d, %v", code, err)
	}
	if code, err := r.RunScript(ctx, 5, "/data/scripts/ok0.sh", &stdout, &stderr); err != nil || code != 0 {
		t.Errorf("ok0.sh: %d, %v", code, err)
	}
	_, err = r.RunScript(ctx, 5, "/etc/shadow", &stdout, &stderr)
	if !errors.Is(err, overlayfs.ErrRefused) || !strings.Contains(left4me.ErrorMessage(err), "not in /data/scripts") {
		t.Errorf("refusal: %v", err)
	}
	// The helper's own failure (before the script runs) is an error, not an exit code.
	if _, err := r.RunScript(ctx, 99, "/data/scripts/exit1.sh", &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "run the installer") {
		t.Errorf("helper failure: %v", err)
	}
	if _, err := r.RunScript(ctx, 0, "/data/scripts/a.sh", &stdout, &stderr); left4me.ErrorCode(err) != left4me.EINVALID {
		t.Errorf("overlay id 0: %v", err)
	}
	h.setSudoMode(t, "nopass")
	if _, err := r.RunScript(ctx, 5, "/data/scripts/exit3.sh", &stdout, &stderr); !errors.Is(err, systemd.ErrSudoRules) {
		t.Errorf("sudo without rules: %v", err)
	}
}

func TestParseShow(t *testing.T) {
	cases := []struct {
		in      string
		want    left4me.UnitStatus
		wantErr bool
	}{
		{"ActiveState=active\nSubState=running\n", left4me.UnitStatus{ActiveState: "active", SubState: "running"}, false},
		{"SubState=auto-restart\nActiveState=activating\n", left4me.UnitStatus{ActiveState: "activating", SubState: "auto-restart"}, false},
		{"ActiveState=failed\nSubState=failed\nOther=x", left4me.UnitStatus{ActiveState: "failed", SubState: "failed"}, false},
		{"", left4me.UnitStatus{}, true},
		{"SubState=dead\n", left4me.UnitStatus{}, true},
	}
	for _, tc := range cases {
		got, err := systemd.ParseShow([]byte(tc.in))
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("ParseShow(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func assertStatus(t *testing.T, r *systemd.Runtime, name, active, sub string) left4me.UnitStatus {
	t.Helper()
	st, err := r.Status(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if st.ActiveState != active || st.SubState != sub {
		t.Fatalf("status of %s = %s, want %s (%s)", name, st, active, sub)
	}
	return st
}
