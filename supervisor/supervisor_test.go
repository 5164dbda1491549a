package supervisor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/host/hosttest"
	"github.com/left4me/left4me/internal/testutil"
	"github.com/left4me/left4me/overlayfs"
	"github.com/left4me/left4me/supervisor"
)

var _ host.Runtime = (*supervisor.Supervisor)(nil)

// setup initializes instance "srv" (port 27400, one overlay) under a fresh
// root with the fake server, and returns a fast-cycling supervisor for it.
func setup(t *testing.T, mode string) (*supervisor.Supervisor, *hosttest.FakeServer, string) {
	hosttest.RequireRoot(t)
	root := hosttest.NewRoot(t)
	fake := hosttest.InstallFakeServer(t, root)
	fake.SetMode(t, mode)
	h := &host.Host{Root: root, Runtime: &hosttest.Runtime{}}
	spec := left4me.InstanceSpec{
		Name: "srv", Port: 27400, Args: []string{"+map", "c5m1_waterfront"}, Config: "hostname sup",
		Overlays: []left4me.OverlayRef{{Path: hosttest.AddOverlay(t, root, "ov", "sv_ov 1"), Alias: "ov"}},
	}
	if err := h.Initialize(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	if err := h.StageConfigs(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	s := supervisor.New(root, nil)
	s.StopTimeout = 5 * time.Second
	s.RestartDelay = 10 * time.Millisecond
	s.MaxRestartDelay = 40 * time.Millisecond
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
		assertUnmounted(t, root)
	})
	return s, fake, root
}

func assertUnmounted(t *testing.T, root string) {
	t.Helper()
	if ok, err := overlayfs.IsMounted(overlayfs.MergedDir(root, "srv")); err != nil || ok {
		t.Errorf("merged still mounted (%v, %v)", ok, err)
	}
}

func waitStatus(t *testing.T, s *supervisor.Supervisor, want string) {
	t.Helper()
	hosttest.Eventually(t, 10*time.Second, "status "+want, func() bool {
		st, _ := s.Status(context.Background(), "srv")
		return st.String() == want
	})
}

func logs(t *testing.T, s *supervisor.Supervisor, lines int) string {
	t.Helper()
	var b bytes.Buffer
	if err := s.Logs(t.Context(), "srv", lines, false, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRunsTheUnitCommand(t *testing.T) {
	t.Setenv("SECRET_KEY", "must-not-leak")
	s, fake, root := setup(t, "run")
	if err := s.Enable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "active (running)")
	fake.WaitStarts(t, 1, 5*time.Second)
	want := []string{"-game", "left4dead2", "+ip", "0.0.0.0", "+hostport", "27400", "+map", "c5m1_waterfront"}
	if got := fake.Args(t); !slices.Equal(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
	if fake.Cwd(t) != overlayfs.MergedDir(root, "srv") || fake.Who(t) != "ov" {
		t.Errorf("cwd %q who %q, want merged and the overlay's who.txt", fake.Cwd(t), fake.Who(t))
	}
	env := fake.Env(t)
	for _, v := range []string{"L4D2_PORT=27400", "L4D2_ARGS=+map c5m1_waterfront"} {
		if !slices.Contains(env, v) {
			t.Errorf("server environment lacks %s: %q", v, env)
		}
	}
	if slices.ContainsFunc(env, func(v string) bool { return strings.HasPrefix(v, "SECRET_KEY=") }) {
		t.Error("the panel's SECRET_KEY leaked into the server's environment")
	}
	if cfgs := fake.Cfgs(t); cfgs["server.cfg"] != "hostname sup" || cfgs["server_ov.cfg"] != "sv_ov 1" {
		t.Errorf("cfgs seen = %q", cfgs)
	}
	if err := s.Enable(t.Context(), "srv"); err != nil || fake.Starts() != 1 {
		t.Errorf("second Enable: %v, %d starts, want idempotent", err, fake.Starts())
	}
	if err := s.Disable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Status(t.Context(), "srv"); st.String() != "inactive (dead)" {
		t.Errorf("after Disable: %v", st)
	}
	assertUnmounted(t, root)
	if !processGone(fake.Pid(t)) {
		t.Error("server still running after Disable")
	}
}

func TestGivesUpAfterFiveFailuresInAMinute(t *testing.T) {
	s, fake, root := setup(t, "fail")
	if err := s.Enable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "failed (failed)")
	if n := fake.Starts(); n != 5 {
		t.Errorf("%d starts before giving up, want 5", n)
	}
	assertUnmounted(t, root)
	out := logs(t, s, 100)
	// Backoff: 10ms doubling, capped at MaxRestartDelay (40ms).
	for _, want := range []string{"failing on purpose", "exit status 3", "restarting in 10ms", "restarting in 20ms", "restarting in 40ms", "giving up"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	// Enable after giving up starts afresh, as systemctl enable --now would.
	fake.SetMode(t, "run")
	if err := s.Enable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "active (running)")
}

func TestFailuresOutsideTheWindowDoNotCount(t *testing.T) {
	s, fake, _ := setup(t, "fail")
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { // each failure is 20s after the previous one
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(20 * time.Second)
		return now
	}
	if err := s.Enable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	fake.WaitStarts(t, 8, 10*time.Second)
	if st, _ := s.Status(t.Context(), "srv"); st.ActiveState == "failed" {
		t.Errorf("gave up although at most 3 failures fell within 60s: %v", st)
	}
}

func TestCleanExitIsNotRestarted(t *testing.T) {
	s, fake, root := setup(t, "exit0")
	if err := s.Enable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	fake.WaitStarts(t, 1, 5*time.Second)
	waitStatus(t, s, "inactive (dead)")
	time.Sleep(100 * time.Millisecond) // would be several restart delays
	if n := fake.Starts(); n != 1 {
		t.Errorf("%d starts after a clean exit, want 1", n)
	}
	assertUnmounted(t, root)
}

func TestStopEscalatesToSIGKILL(t *testing.T) {
	s, fake, root := setup(t, "stubborn")
	s.StopTimeout = 300 * time.Millisecond
	if err := s.Enable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "active (running)")
	fake.WaitStarts(t, 1, 5*time.Second)
	start := time.Now()
	disabled := make(chan error)
	go func() { disabled <- s.Disable(context.Background(), "srv") }()
	waitStatus(t, s, "deactivating (stop-sigterm)")
	if err := <-disabled; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < s.StopTimeout {
		t.Errorf("Disable returned after %s although the server ignores SIGINT, want at least StopTimeout %s", d, s.StopTimeout)
	}
	if !processGone(fake.Pid(t)) {
		t.Error("server ignoring SIGINT survived Disable")
	}
	assertUnmounted(t, root)
}

func processGone(pid int) bool {
	err := syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

func TestLogsTailAndFollow(t *testing.T) {
	s, fake, _ := setup(t, "output")
	if err := s.Enable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "inactive (dead)")
	out := logs(t, s, 100)
	if !strings.Contains(out, "line one\nline two\n") {
		t.Errorf("logs lack the server output:\n%s", out)
	}
	if got := logs(t, s, 1); strings.Count(got, "\n") != 1 || !strings.Contains(got, "exited cleanly") {
		t.Errorf("logs --lines 1 = %q, want only the last line", got)
	}
	if got := logs(t, s, 0); got != "" {
		t.Errorf("logs --lines 0 = %q, want nothing", got)
	}

	fake.SetMode(t, "run")
	ctx, cancel := context.WithCancel(t.Context())
	var buf testutil.SyncBuffer
	done := make(chan error)
	go func() { done <- s.Logs(ctx, "srv", 0, true, &buf) }()
	if err := s.Enable(t.Context(), "srv"); err != nil {
		t.Fatal(err)
	}
	hosttest.Eventually(t, 5*time.Second, "followed output", func() bool {
		return strings.Contains(buf.String(), "running on port 27400")
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("follow ended with %v", err)
	}
	if strings.Contains(buf.String(), "line one") {
		t.Error("follow with --lines 0 replayed old lines")
	}
}

func TestRunForeground(t *testing.T) {
	s, fake, root := setup(t, "exit0")
	var out bytes.Buffer
	if err := s.Run(t.Context(), "srv", &out); err != nil {
		t.Errorf("Run of a server exiting 0: %v", err)
	}
	assertUnmounted(t, root)

	fake.SetMode(t, "fail")
	err := s.Run(t.Context(), "srv", &out)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("Run of a failing server = %v, want exit status 3", err)
	}
	if !strings.Contains(out.String(), "failing on purpose") {
		t.Errorf("Run did not pass output through: %q", out.String())
	}
	assertUnmounted(t, root)

	fake.SetMode(t, "run")
	ctx, cancel := context.WithCancel(t.Context())
	go func() { fake.WaitStarts(t, 3, 5*time.Second); cancel() }()
	if err := s.Run(ctx, "srv", &out); err != nil {
		t.Errorf("interrupted Run = %v, want nil", err)
	}
	assertUnmounted(t, root)
	if fake.Starts() != 3 || !processGone(fake.Pid(t)) {
		t.Errorf("interrupted server: %d starts, gone %v", fake.Starts(), processGone(fake.Pid(t)))
	}
}

func TestBadNames(t *testing.T) {
	s := supervisor.New(t.TempDir(), nil)
	for _, name := range []string{"../x", "A", "-x", strings.Repeat("a", 65), "", "a/b"} {
		_, statusErr := s.Status(t.Context(), name)
		for call, err := range map[string]error{
			"Enable":  s.Enable(t.Context(), name),
			"Disable": s.Disable(t.Context(), name),
			"Status":  statusErr,
			"Logs":    s.Logs(t.Context(), name, 1, false, &bytes.Buffer{}),
		} {
			if left4me.ErrorCode(err) != left4me.EINVALID {
				t.Errorf("%s(%q) = %v, want EINVALID", call, name, err)
			}
		}
	}
}

// TestServersDieWithTheSupervisor kills -9 a child process running a
// supervisor and checks its server dies too (Pdeathsig), as the web panel's
// servers must not outlive a crashed panel.
func TestServersDieWithTheSupervisor(t *testing.T) {
	_, fake, root := setup(t, "run")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SUPERVISOR_CRASH_CHILD_ROOT="+root)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	fake.WaitStarts(t, 1, 10*time.Second)
	pid := fake.Pid(t)
	if processGone(pid) {
		t.Fatal("server not running in the child supervisor")
	}
	cmd.Process.Kill()
	hosttest.Eventually(t, 5*time.Second, fmt.Sprintf("server pid %d to die with its supervisor", pid), func() bool {
		return processGone(pid) || isZombie(pid)
	})
	// A crashed panel cannot unmount; the next start or delete does.
	if err := overlayfs.UnmountInstance(root, "srv"); err != nil {
		t.Fatal(err)
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "stat"))
	return err == nil && strings.Contains(string(b), ") Z ")
}

// TestMain runs a bare supervisor when asked to by TestServersDieWithTheSupervisor.
func TestMain(m *testing.M) {
	if root := os.Getenv("SUPERVISOR_CRASH_CHILD_ROOT"); root != "" {
		s := supervisor.New(root, nil)
		if err := s.Enable(context.Background(), "srv"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
