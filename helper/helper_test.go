package helper_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The controls show that the fixture the adversarial table mutates is
// otherwise accepted: each refusal there is caused by its one mutation.

func TestOverlayMountIsIdempotentAndIgnoresCallerEnv(t *testing.T) {
	f := newFixture(t)
	// A caller's environment must not redirect the helper.
	t.Setenv("LEFT4ME_ROOT", f.outside)
	merged := filepath.Join(f.root, "runtime/alpha/merged")
	t.Cleanup(func() { syscall.Unmount(merged, syscall.MNT_DETACH) })

	for i := range 2 {
		if code := f.run("left4me-overlay", "mount", "alpha"); code != 0 {
			t.Fatalf("mount #%d: exit %d: %s", i+1, code, f.stderr)
		}
	}
	if m := mountedUnder(t, f.dir); !slices.Equal(m, []string{merged}) {
		t.Fatalf("mounts under the fixture = %q, want exactly %s", m, merged)
	}
	for _, p := range []string{"srcds_run", "left4dead2/addons/a.vpk"} {
		if _, err := os.Stat(filepath.Join(merged, p)); err != nil {
			t.Errorf("merged view lacks %s: %v", p, err)
		}
	}
	for i := range 2 {
		if code := f.run("left4me-helper", "left4me-overlay", "umount", "alpha"); code != 0 {
			t.Fatalf("umount #%d: exit %d: %s", i+1, code, f.stderr)
		}
	}
	if m := mountedUnder(t, f.dir); len(m) > 0 {
		t.Fatalf("still mounted: %q", m)
	}
	if _, err := os.Stat(filepath.Join(f.root, "runtime/alpha/work/work")); !os.IsNotExist(err) {
		t.Errorf("work/work orphan left behind: %v", err)
	}
}

func TestSystemctlAndJournalctlRunExactlyTheirCommand(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		args []string
		call string
	}{
		{[]string{"left4me-systemctl", "enable", "alpha"}, "systemctl enable --now --quiet left4me-server@alpha.service"},
		{[]string{"left4me-systemctl", "disable", "ghost"}, "systemctl disable --now --quiet left4me-server@ghost.service"},
		{[]string{"left4me-systemctl", "show", "alpha"}, "systemctl show -p ActiveState -p SubState left4me-server@alpha.service"},
		{[]string{"left4me-journalctl", "alpha", "--lines", "0", "--follow"}, "journalctl --unit left4me-server@alpha.service --lines 0 --no-pager --output short-iso --quiet --follow"},
		{[]string{"left4me-journalctl", "my-server_2", "--lines", "10000", "--no-follow"}, "journalctl --unit left4me-server@my-server_2.service --lines 10000 --no-pager --output short-iso --quiet"},
	}
	for i, tc := range cases {
		if code := f.run(tc.args...); code != 0 {
			t.Fatalf("%q: exit %d: %s", tc.args, code, f.stderr)
		}
		if calls := f.toolCalls(t); len(calls) != i+1 || calls[i] != tc.call {
			t.Fatalf("%q ran %q, want %q last", tc.args, calls, tc.call)
		}
	}
	f.run("left4me-systemctl", "show", "alpha")
	if got := f.stdout.String(); got != "ActiveState=active\nSubState=running\n" {
		t.Errorf("show output not passed through: %q", got)
	}
}

func TestSystemctlFailureIsExitOne(t *testing.T) {
	f := newFixture(t)
	f.cfg.Systemctl = fakeTool(t, t.TempDir(), "systemctl", f.calls, "echo 'Job failed' >&2; exit 2")
	if code := f.run("left4me-systemctl", "enable", "alpha"); code != 1 {
		t.Fatalf("exit %d, want 1 (a tool failure must not read as a refusal)", code)
	}
	if !strings.Contains(f.stderr.String(), "Job failed") {
		t.Errorf("tool's stderr not passed through: %q", f.stderr)
	}
}

// fakeSystemdRun plays the sandbox: it records who owns the bound overlay
// while the "script" runs, creates files as the sandbox user (one of them
// unreadable) and exits 7.
const fakeSystemdRun = `
src=""
for a in "$@"; do
	case "$a" in --property=BindPaths=*:/overlay) src=${a#--property=BindPaths=}; src=${src%%:/overlay} ;; esac
done
cat > %[1]q.stdin
stat -c 'during %%u' "$src" >> %[1]q
stat -c 'linked %%u' "$src/linked" >> %[1]q
stat -c 'rootfile %%u' "$src/rootfile" >> %[1]q
mkdir "$src/new" && echo built > "$src/new/file" && chmod 000 "$src/new/file"
ln -s /etc/shadow "$src/new/link"
chown -hR %[2]d:%[2]d "$src/new"
exit 7
`

func TestSandboxRunsAsSandboxUserAndHandsOverlayBack(t *testing.T) {
	f := newFixture(t)
	ov := filepath.Join(f.root, "overlays/1")
	writeFile(t, filepath.Join(ov, "rootfile"), "root's", 0o644)
	writeFile(t, filepath.Join(f.outside, "linked"), "shared inode", 0o644)
	if err := os.Link(filepath.Join(f.outside, "linked"), filepath.Join(ov, "linked")); err != nil {
		t.Fatal(err)
	}
	chownTree(t, filepath.Join(f.outside, "linked"), f.svcUID)
	state := filepath.Join(t.TempDir(), "state")
	f.cfg.SystemdRun = fakeTool(t, t.TempDir(), "systemd-run", f.calls, fmt.Sprintf(fakeSystemdRun, state, f.sbxUID))

	code := f.run("left4me-script-sandbox", "1", filepath.Join(f.root, "scripts/build.sh"))
	if code != 7 {
		t.Fatalf("exit %d, want the script's 7; stderr: %s", code, f.stderr)
	}
	during, _ := os.ReadFile(state)
	want := fmt.Sprintf("during %d\nlinked %d\nrootfile 0\n", f.sbxUID, f.svcUID)
	if string(during) != want {
		t.Errorf("owners while the script ran:\n%s\nwant:\n%s", during, want)
	}
	for _, p := range []string{"", "left4dead2/addons/a.vpk", "new", "new/file", "new/link", "linked"} {
		var st syscall.Stat_t
		if err := syscall.Lstat(filepath.Join(ov, p), &st); err != nil {
			t.Fatal(err)
		}
		if int(st.Uid) != f.svcUID {
			t.Errorf("%s owned by %d after the build, want the service user %d", p, st.Uid, f.svcUID)
		}
	}
	if st, _ := os.Stat(filepath.Join(ov, "new/file")); st.Mode().Perm()&0o400 == 0 {
		t.Errorf("new/file mode %v: not readable by its owner", st.Mode())
	}
	if st, _ := os.Stat("/etc/shadow"); st.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Fatal("/etc/shadow changed owner through a symlink")
	}
	var st syscall.Stat_t
	if syscall.Stat(filepath.Join(ov, "rootfile"), &st); st.Uid != 0 {
		t.Errorf("a root-owned file was given away: uid %d", st.Uid)
	}
	script, _ := os.ReadFile(filepath.Join(f.root, "scripts/build.sh"))
	if stdin, _ := os.ReadFile(state + ".stdin"); string(stdin) != string(script) {
		t.Errorf("systemd-run got %q on stdin, want the script %q", stdin, script)
	}
	assertSandboxArgs(t, f, f.toolCalls(t)[0])
}

func assertSandboxArgs(t *testing.T, f *fixture, call string) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(f.root, "overlays/1"), &st); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--wait", "--pipe", "--unit=left4me-script-1",
		"--property=User=nobody", "--property=NoNewPrivileges=yes", "--property=ProtectSystem=strict",
		"--property=PrivateTmp=yes", "--property=PrivateDevices=yes", "--property=CapabilityBoundingSet=",
		"--property=RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "--property=IPAddressDeny=127.0.0.0/8 ::1/128 ",
		"--property=Slice=l4d2-build.slice", "--property=MemoryMax=2G", "--property=RuntimeMaxSec=3600",
		"--property=BindPaths=" + f.root + "/overlays/1:/overlay",
		"--property=BindReadOnlyPaths=" + f.cfg.Sandbox.ResolvConf + ":/etc/resolv.conf",
		"--property=TemporaryFileSystem=/var/lib:ro ",
		fmt.Sprintf(" sh %d:%d", st.Dev, st.Ino),
	} {
		if !strings.Contains(call, want) {
			t.Errorf("systemd-run call lacks %q:\n%s", want, call)
		}
	}
}

func TestOverlayVerbsRunInTheConfiguredMountNamespace(t *testing.T) {
	f := newFixture(t)
	// A process in another mount namespace stands for PID 1 as seen from a
	// sandboxed unit: the helper must not mount here but re-run itself
	// through systemd-run.
	other := exec.Command("unshare", "--mount", "--propagation", "private", "sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatalf("unshare (util-linux): %v", err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	nsPath := fmt.Sprintf("/proc/%d/ns/mnt", other.Process.Pid)
	waitForNS(t, nsPath)
	f.cfg.MountNS = nsPath
	if code := f.run("left4me-overlay", "mount", "alpha"); code != 0 {
		t.Fatalf("exit %d: %s", code, f.stderr)
	}
	if m := mountedUnder(t, f.dir); len(m) > 0 {
		t.Fatalf("mounted in the caller's namespace: %q", m)
	}
	self, _ := os.Executable()
	want := "systemd-run --quiet --wait --pipe --collect --description=left4me-overlay mount alpha -- " + self + " left4me-overlay mount alpha"
	if calls := f.toolCalls(t); len(calls) != 1 || calls[0] != want {
		t.Fatalf("calls = %q, want %q", calls, want)
	}

	// In the configured namespace itself, it mounts directly.
	f.cfg.MountNS = "/proc/self/ns/mnt"
	t.Cleanup(func() { syscall.Unmount(filepath.Join(f.root, "runtime/alpha/merged"), syscall.MNT_DETACH) })
	if code := f.run("left4me-overlay", "mount", "alpha"); code != 0 || len(mountedUnder(t, f.dir)) != 1 {
		t.Fatalf("direct mount: exit %d, mounts %q: %s", code, mountedUnder(t, f.dir), f.stderr)
	}
	f.run("left4me-overlay", "umount", "alpha")
}

// waitForNS waits until the process at nsPath has entered its own mount
// namespace (unshare does so right after starting).
func waitForNS(t *testing.T, nsPath string) {
	t.Helper()
	self, _ := os.Readlink("/proc/self/ns/mnt")
	for range 200 {
		if ns, err := os.Readlink(nsPath); err == nil && ns != self {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never left this mount namespace", nsPath)
}

func TestSandboxRefusesConcurrentBuildOfOneOverlay(t *testing.T) {
	f := newFixture(t)
	ov := filepath.Join(f.root, "overlays/1")
	dir, err := os.Open(ov)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	if err := syscall.Flock(int(dir.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	settle()
	before := snapshot(t, f.dir)
	if code := f.run("left4me-script-sandbox", "1", filepath.Join(f.root, "scripts/build.sh")); code != 1 {
		t.Fatalf("exit %d, want 1 while another build holds the overlay; stderr %s", code, f.stderr)
	}
	if !strings.Contains(f.stderr.String(), "another build is running") {
		t.Errorf("stderr %q", f.stderr)
	}
	if calls := f.toolCalls(t); len(calls) > 0 {
		t.Errorf("a tool ran: %q", calls)
	}
	if diffs := diffSnapshots(before, snapshot(t, f.dir)); len(diffs) > 0 {
		t.Errorf("files changed:\n%s", strings.Join(diffs, "\n"))
	}
}

func TestSandboxStopsTheUnitWhenSystemdRunIsInterrupted(t *testing.T) {
	f := newFixture(t)
	f.cfg.SystemdRun = fakeTool(t, t.TempDir(), "systemd-run", f.calls, "kill -TERM $$")
	if code := f.run("left4me-script-sandbox", "1", filepath.Join(f.root, "scripts/build.sh")); code != 128+15 {
		t.Fatalf("exit %d, want 143; stderr %s", code, f.stderr)
	}
	calls := f.toolCalls(t)
	if len(calls) != 2 || calls[1] != "systemctl stop --quiet left4me-script-1.service" {
		t.Fatalf("calls = %q, want systemd-run then the unit stopped", calls)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(f.root, "overlays/1"), &st); err != nil || int(st.Uid) != f.svcUID {
		t.Errorf("overlay not handed back: uid %d, %v", st.Uid, err)
	}
}
