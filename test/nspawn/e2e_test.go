// Package nspawn_test is left4me's end-to-end test under a real systemd: it
// boots this machine's own root in a systemd-nspawn container, installs
// deploy/ with the real installer, and drives servers as the service user
// through sudo, the root helpers and systemd, across a container reboot.
//
// Needs root (skips otherwise) and systemd-nspawn (fails without: CI
// installs systemd-container). About 20 seconds. Container-only
// adjustments, each documented where it is made; none changes a shipped file:
//   - /etc and /usr/local are overlays with persistent upper dirs
//     (--volatile=yes gives an empty /etc and a read-only /usr);
//   - a unified cgroup hierarchy plus the bpf syscall and CAP_BPF, so the
//     container's systemd can enforce IPAddressDeny= for the sandbox;
//   - a drop-in with RestartSec=100ms for the crash-looping instance only;
//   - the service user's runner applies the installed web unit's hardening,
//     except ProtectProc= and ProtectControlGroups= for the one
//     `journalctl --follow` call: in a container they hide nspawn's
//     per-container boot ID from journalctl.
package nspawn_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test game: srcds-sim (the project's stand-in for srcds, installed in
// the installation) behind a srcds_run wrapper that first records how it
// was started and what it sees. srcds-sim serves A2S and RCON on the game
// port and leaves cleanly on SIGINT like srcds.
const testGame = `#!/bin/bash
echo "game started: $*"
echo "$*" > started.args
echo start >> starts.log
ls left4dead2/addons > addons.seen 2>&1
exec ./srcds-sim "$@" -simplayers 0
`

// crashingGame is an overlay's srcds_run that always fails.
const crashingGame = "#!/bin/sh\necho crashing\nexit 3\n"

// buildScript runs in the sandbox: it must write into /overlay and fail to
// write anywhere else, see no data root and reach no loopback listener.
// 42 means every check held; the runtime must report it as the exit code.
const buildScript = `#!/bin/bash
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -un)" = left4me-sandbox ] || fail "runs as $(id -un)"
echo hello > /overlay/built.txt || fail "cannot write /overlay"
mkdir -p /overlay/left4dead2/addons && echo vpk > /overlay/left4dead2/addons/built.vpk || fail "cannot mkdir in /overlay"
for p in /e2e /etc/e2e /usr/e2e /usr/local/e2e /var/e2e /var/lib/e2e /var/lib/left4me/e2e /run/e2e /opt/e2e /root/e2e /home/e2e /srv/e2e; do
	if ( : > "$p" ) 2>/dev/null; then fail "wrote $p"; fi
done
[ -e /var/lib/left4me/overlays ] && fail "the data root is visible"
[ -e /etc/left4me/web.env ] && fail "web.env is visible"
grep -q 1.1.1.1 /etc/resolv.conf || fail "not the public resolver file"
if timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9999' 2>/dev/null; then fail "connected to 127.0.0.1:9999"; fi
if timeout 5 bash -c 'exec 3<>/dev/tcp/::1/9999' 2>/dev/null; then fail "connected to [::1]:9999"; fi
echo "sandbox checks passed"
exit 42
`

func TestRealSystemd(t *testing.T) {
	requireNspawn(t)
	began := time.Now()
	binDir := buildBinaries(t)
	deployDir, err := filepath.Abs("../../deploy")
	if err != nil {
		t.Fatal(err)
	}
	p := newPersistent(t)
	name := fmt.Sprintf("l4m-e2e-%d", os.Getpid())
	marker := name + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(cleanupNspawnRunDirs())
	c := boot(t, name, nspawnArgs(name, marker, p, binDir, deployDir))
	t.Logf("booted in %v", time.Since(began).Round(time.Millisecond))

	install(t, c)
	setupGame(t, c)
	svc := newServiceUser(t, c)

	startAlpha(t, c, svc, p)
	checkSudoRules(t, c)
	checkMountFromSandboxedCaller(t, c, svc)
	checkScriptSandbox(t, c, svc, p)
	checkCrashLoopFails(t, c, svc)

	c = c.reboot()
	t.Logf("rebooted at %v", time.Since(began).Round(time.Millisecond))
	svc.c = c
	svc.waitStatus(t, "alpha", "active running", 30*time.Second)
	merged := e2eRoot + "/runtime/alpha/merged"
	if fstype, ok := c.mountedInPID1(merged); !ok || fstype != "overlay" {
		c.fatalf("after reboot %s is not an overlay mount in PID 1's namespace (%q)", merged, fstype)
	}
	waitFor(t, 10*time.Second, "the game's second start (after the reboot)", func() bool {
		data, _ := os.ReadFile(filepath.Join(p.dataRoot, "runtime/alpha/upper/starts.log"))
		return strings.Count(string(data), "start") == 2
	})

	stopAlpha(t, c, svc, p)
	t.Logf("end-to-end test took %v", time.Since(began).Round(time.Millisecond))
}

func install(t *testing.T, c *container) {
	out := c.sh(e2eDeploy + "/install.sh --bin " + e2eBin)
	if !strings.Contains(out, "installed /etc/sudoers.d/left4me") {
		c.fatalf("installer output lacks the sudoers file:\n%s", out)
	}
	if out := c.sh(e2eDeploy + "/install.sh --bin " + e2eBin); !strings.Contains(out, "nothing to change") {
		c.fatalf("second install changed something (not idempotent):\n%s", out)
	}
	c.sh(`visudo -c
out=$(systemd-analyze verify left4me-server@x.service left4me-web.service l4d2-game.slice l4d2-build.slice 2>&1 | grep -v 'is not executable' || true)
[ -z "$out" ] || { echo "$out"; exit 1; }`)
	// The shipped server hardening keeps its rating (1.5 when written).
	rating := c.sh("systemd-analyze security --no-pager left4me-server@x.service | tail -n 1")
	m := regexp.MustCompile(`exposure level for \S+: ([0-9.]+)`).FindStringSubmatch(rating)
	if m == nil {
		c.fatalf("no rating from systemd-analyze security: %q", rating)
	}
	if level, err := strconv.ParseFloat(m[1], 64); err != nil || level > 2.0 {
		t.Errorf("systemd-analyze security of the server unit: %q, want an exposure of at most 2.0", rating)
	}
	t.Logf("server unit: %s", strings.TrimSpace(rating))
	t.Logf("web unit: %s", strings.TrimSpace(c.sh("systemd-analyze security --no-pager left4me-web.service | tail -n 1")))
	if out, err := c.run(20*time.Second, "/bin/sh", "-c", "command -v nft || echo missing"); err == nil && strings.TrimSpace(out) != "missing" {
		c.sh("nft -c -f /etc/left4me/left4me.nft")
	} else {
		t.Log("nft is not installed: the nftables snippet was not checked")
	}
}

func setupGame(t *testing.T, c *container) {
	c.sh(fmt.Sprintf(`R=%s
cat > $R/installation/srcds_run <<'EOS'
%sEOS
cp %s/srcds-sim $R/installation/srcds-sim
mkdir -p $R/overlays/1/left4dead2/addons $R/overlays/2 $R/overlays/3
echo vpk > $R/overlays/1/left4dead2/addons/test.vpk
cat > $R/overlays/3/srcds_run <<'EOS'
%sEOS
cat > $R/scripts/build.sh <<'EOS'
%sEOS
chmod 0755 $R/installation/srcds_run $R/installation/srcds-sim $R/overlays/3/srcds_run $R/scripts/build.sh
chown -R left4me:left4me $R/installation $R/overlays $R/scripts`, e2eRoot, testGame, e2eBin, crashingGame, buildScript))
}

func startAlpha(t *testing.T, c *container, svc serviceUser, p persistent) {
	svc.mustRun(t, "start", "alpha", "27015", e2eRoot+"/overlays/1")
	svc.waitStatus(t, "alpha", "active running", 20*time.Second)
	merged := e2eRoot + "/runtime/alpha/merged"
	if fstype, ok := c.mountedInPID1(merged); !ok || fstype != "overlay" {
		c.fatalf("%s is not an overlay mount in PID 1's namespace (%q)", merged, fstype)
	}
	if _, err := os.Lstat(filepath.Join(p.systemDir, "multi-user.target.wants/left4me-server@alpha.service")); err != nil {
		c.fatalf("no multi-user.target.wants symlink: %v", err)
	}
	waitHostFile(t, p.dataRoot, "runtime/alpha/upper/addons.seen", 10*time.Second)
	if got := readHost(t, p.dataRoot, "runtime/alpha/upper/started.args"); got != "-game left4dead2 +ip 0.0.0.0 +hostport 27015 +map c1m1_hotel\n" {
		t.Errorf("game started with %q", got)
	}
	if got := readHost(t, p.dataRoot, "runtime/alpha/upper/addons.seen"); got != "test.vpk\n" {
		t.Errorf("game saw addons %q, want the overlay's test.vpk", got)
	}
	if got := readHost(t, p.dataRoot, "runtime/alpha/upper/left4dead2/cfg/server.cfg"); !strings.Contains(got, "hostname e2e") {
		t.Errorf("staged server.cfg = %q", got)
	}
	// The game answers on its port under the full server hardening and ran
	// the staged server.cfg (hostname e2e).
	var info string
	waitFor(t, 15*time.Second, "an A2S_INFO reply from the game", func() bool {
		out, err := c.run(10*time.Second, e2eBin+"/"+clientCmd, "a2s", "127.0.0.1:27015")
		info = strings.TrimSpace(out)
		return err == nil
	})
	if info != "e2e|c1m1_hotel|left4dead2" {
		t.Errorf("A2S_INFO name|map|folder = %q, want e2e|c1m1_hotel|left4dead2", info)
	}
	// l4d2ctl, as operators use it, reaches the same unit through its systemd runtime.
	if out, err := svc.exec(e2eBin+"/l4d2ctl", "status", "alpha"); err != nil || strings.TrimSpace(out) != "active (running)" {
		t.Errorf("l4d2ctl status alpha: %v %q", err, out)
	}
	if logs := svc.mustRun(t, "logs", "alpha", "50"); !strings.Contains(logs, "game started: -game left4dead2") {
		t.Errorf("logs through left4me-journalctl lack the game's output:\n%s", logs)
	}
	// Following stops when the caller cancels: SIGTERM goes through sudo
	// and the helper to journalctl, which must not linger.
	began := time.Now()
	if logs := svc.forFollow().mustRun(t, "follow", "alpha", "2"); !strings.Contains(logs, `Server name is "e2e"`) {
		t.Errorf("followed logs lack the game's output:\n%s", logs)
	}
	if took := time.Since(began); took > 15*time.Second {
		t.Errorf("a 2s follow took %v to stop", took)
	}
	waitFor(t, 10*time.Second, "journalctl --follow to exit", func() bool {
		out, err := c.run(5*time.Second, "pgrep", "-x", "journalctl")
		return err != nil && strings.TrimSpace(out) == ""
	})
}

func stopAlpha(t *testing.T, c *container, svc serviceUser, p persistent) {
	svc.mustRun(t, "stop", "alpha")
	if st := strings.TrimSpace(svc.mustRun(t, "status", "alpha")); st != "inactive dead" {
		t.Errorf("status after stop = %q", st)
	}
	if out, _ := c.run(10*time.Second, "systemctl", "is-enabled", "left4me-server@alpha.service"); strings.TrimSpace(out) != "disabled" {
		t.Errorf("is-enabled after stop = %q", out)
	}
	if _, err := os.Lstat(filepath.Join(p.systemDir, "multi-user.target.wants/left4me-server@alpha.service")); !os.IsNotExist(err) {
		t.Errorf("wants symlink still there after stop: %v", err)
	}
	if _, ok := c.mountedInPID1(e2eRoot + "/runtime/alpha/merged"); ok {
		t.Error("still mounted in PID 1's namespace after stop")
	}
	if got := readHost(t, p.dataRoot, "runtime/alpha/upper/starts.log"); got == "" {
		t.Error("game never ran")
	}
}

// checkSudoRules: the service user may run the four helpers with their
// verbs and nothing else.
func checkSudoRules(t *testing.T, c *container) {
	out := c.sh("sudo -l -U left4me")
	cmds := sudoCommands(out)
	want := []string{"left4me-overlay", "left4me-systemctl", "left4me-journalctl", "left4me-script-sandbox"}
	if len(cmds) != len(want) {
		c.fatalf("sudo -l lists %d commands, want %d:\n%s", len(cmds), len(want), out)
	}
	for i, cmd := range cmds {
		if !strings.HasPrefix(cmd, "/usr/local/libexec/left4me/"+want[i]+" ^") {
			t.Errorf("sudo -l entry %d = %q, want %s with an argument pattern", i, cmd, want[i])
		}
	}
	h := "/usr/local/libexec/left4me/"
	for _, refused := range []string{"/bin/true", h + "left4me-systemctl restart alpha", h + "left4me-systemctl enable alpha x",
		h + "left4me-journalctl alpha --lines 100000 --follow", h + "left4me-overlay mount ../alpha",
		h + "left4me-script-sandbox 1 /etc/shadow"} {
		out, err := c.run(20*time.Second, "runuser", "-u", "left4me", "--", "sh", "-c", "sudo -n "+refused)
		if err == nil || !strings.Contains(out, "a password is required") {
			t.Errorf("sudo allowed %q: %v %s", refused, err, out)
		}
	}
	if out, err := c.run(20*time.Second, "runuser", "-u", "left4me", "--", "sudo", "-n", h+"left4me-systemctl", "show", "alpha"); err != nil || !strings.Contains(out, "ActiveState=active") {
		t.Errorf("sudo refused an allowed verb: %v %s", err, out)
	}
}

// sudoCommands returns the commands of `sudo -l -U USER`, one per entry.
func sudoCommands(out string) []string {
	_, rest, ok := strings.Cut(out, "may run the following commands")
	if !ok {
		return nil
	}
	_, rest, _ = strings.Cut(rest, "\n")
	flat := strings.Join(strings.Fields(rest), " ")
	flat = strings.TrimPrefix(flat, "(root) NOPASSWD: ")
	var cmds []string
	for _, part := range strings.Split(flat, ", /") {
		if !strings.HasPrefix(part, "/") {
			part = "/" + part
		}
		cmds = append(cmds, part)
	}
	return cmds
}

// checkMountFromSandboxedCaller: from inside the web unit's sandbox (its
// own mount namespace) the overlay verbs still act in PID 1's namespace.
func checkMountFromSandboxedCaller(t *testing.T, c *container, svc serviceUser) {
	svc.mustRun(t, "init", "beta", "27017", e2eRoot+"/overlays/1")
	merged := e2eRoot + "/runtime/beta/merged"
	svc.mustRun(t, "mount", "beta")
	if _, ok := c.mountedInPID1(merged); !ok {
		c.fatalf("mount from the sandboxed caller is not visible in PID 1's namespace")
	}
	svc.mustRun(t, "unmount", "beta")
	if _, ok := c.mountedInPID1(merged); ok {
		c.fatalf("unmount from the sandboxed caller left PID 1's mount in place")
	}
	// Stopping and querying a server systemd never ran both succeed.
	svc.mustRun(t, "stop", "beta")
	if st := strings.TrimSpace(svc.mustRun(t, "status", "never-started")); st != "inactive dead" {
		t.Errorf("status of an unknown server = %q, want inactive dead", st)
	}
}

func checkScriptSandbox(t *testing.T, c *container, svc serviceUser, p persistent) {
	c.sh("systemd-run --quiet --unit=l4m-e2e-listener " + e2eBin + "/" + clientCmd + " listen [::]:9999")
	c.sh("for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/9999) 2>/dev/null && exit 0; sleep 0.05; done; echo 'listener not reachable without the sandbox'; exit 1")
	out, err := svc.run("script", "2", e2eRoot+"/scripts/build.sh")
	if err != nil || !strings.Contains(out, "sandbox checks passed") || !strings.Contains(out, "exit=42") {
		c.fatalf("build script in the sandbox: %v\n%s", err, out)
	}
	c.sh("systemctl stop l4m-e2e-listener")
	uid := strings.TrimSpace(c.sh("id -u left4me"))
	for _, rel := range []string{"overlays/2/built.txt", "overlays/2/left4dead2/addons/built.vpk"} {
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(p.dataRoot, rel), &st); err != nil {
			t.Errorf("sandbox output %s: %v", rel, err)
		} else if strconv.Itoa(int(st.Uid)) != uid {
			t.Errorf("%s owned by uid %d, want the service user %s", rel, st.Uid, uid)
		}
	}
}

// checkCrashLoopFails: a game that always exits non-zero is restarted until
// StartLimitBurst, then the unit is failed. A test-only drop-in shortens
// RestartSec for this one instance so the burst happens in about a second;
// the burst limit itself is the shipped unit's.
func checkCrashLoopFails(t *testing.T, c *container, svc serviceUser) {
	c.sh(`mkdir -p /etc/systemd/system/left4me-server@crashy.service.d
printf '# e2e test only: restart fast so the burst limit is reached quickly\n[Service]\nRestartSec=100ms\n' > /etc/systemd/system/left4me-server@crashy.service.d/zz-e2e-fast-restart.conf
systemctl daemon-reload`)
	svc.mustRun(t, "start", "crashy", "27016", e2eRoot+"/overlays/3")
	svc.waitStatus(t, "crashy", "failed failed", 30*time.Second)
	out := c.sh("journalctl -b -u left4me-server@crashy.service --no-pager -o cat")
	if n := strings.Count(out, "crashing\n"); n != 5 {
		t.Errorf("the game ran %d times, want 5 (StartLimitBurst):\n%s", n, out)
	}
	if !strings.Contains(out, "Start request repeated too quickly") {
		t.Errorf("journal lacks the start-limit message:\n%s", out)
	}
	svc.mustRun(t, "stop", "crashy")
}

// serviceUser runs the client as left4me inside a transient unit with the
// web unit's hardening, the way left4me-web.service calls the helpers.
type serviceUser struct {
	c     *container
	props []string
}

// forFollow drops two directives only a container breaks for `journalctl
// --follow`: each makes systemd mount a fresh /proc for the unit, which
// loses nspawn's per-container /proc/sys/kernel/random/boot_id, so
// journalctl filters on the host's boot ID and prints nothing. On a real
// host both are harmless; every other call keeps them.
func (s serviceUser) forFollow() serviceUser {
	var props []string
	for _, p := range s.props {
		if p != "ProtectProc=invisible" && p != "ProtectControlGroups=yes" {
			props = append(props, p)
		}
	}
	return serviceUser{c: s.c, props: props}
}

func (s serviceUser) run(args ...string) (string, error) {
	return s.exec(e2eBin+"/"+clientCmd, args...)
}

// exec runs bin with args as the service user.
func (s serviceUser) exec(bin string, args ...string) (string, error) {
	argv := []string{"systemd-run", "--quiet", "--wait", "--pipe", "--collect",
		"--property=User=left4me", "--property=Group=left4me",
		"--property=EnvironmentFile=/etc/left4me/host.env"}
	for _, p := range s.props {
		argv = append(argv, "--property="+p)
	}
	argv = append(argv, "--", bin)
	return s.c.run(60*time.Second, append(argv, args...)...)
}

func (s serviceUser) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := s.run(args...)
	if err != nil {
		s.c.fatalf("as left4me: %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// waitStatus polls the client's status (Runtime.Status through sudo).
func (s serviceUser) waitStatus(t *testing.T, name, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		out, _ := s.run("status", name)
		if last = strings.TrimSpace(out); last == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.c.fatalf("status of %s = %q after %v, want %q", name, last, timeout, want)
}

// newServiceUser reads the Key=Value lines of the installed web unit's
// hardening drop-in.
func newServiceUser(t *testing.T, c *container) serviceUser {
	dropIn := c.sh("cat /etc/systemd/system/left4me-web.service.d/hardening.conf")
	var props []string
	sc := bufio.NewScanner(strings.NewReader(dropIn))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "[") {
			props = append(props, line)
		}
	}
	if len(props) < 5 {
		t.Fatalf("the web drop-in has only %d properties:\n%s", len(props), dropIn)
	}
	return serviceUser{c: c, props: props}
}

// buildBinaries builds the helper, srcds-sim and l4d2ctl and puts a copy
// of this test binary (the client) next to them.
func buildBinaries(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	for _, name := range []string{"left4me-helper", "srcds-sim", "l4d2ctl"} {
		cmd := exec.Command(gobin, "build", "-o", filepath.Join(dir, name), "github.com/left4me/left4me/cmd/"+name)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, self, filepath.Join(dir, clientCmd))
	return dir
}

func copyFile(t *testing.T, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func readHost(t *testing.T, root, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Errorf("read %s: %v", rel, err)
	}
	return string(data)
}

func waitHostFile(t *testing.T, root, rel string, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, rel+" to be written", func() bool {
		st, err := os.Stat(filepath.Join(root, rel))
		return err == nil && st.Size() > 0
	})
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cleanupNspawnRunDirs removes the state dirs systemd-nspawn creates under
// /run/systemd when it did not exist before the test (on hosts without
// systemd, /run is not a tmpfs and they would outlive the test).
func cleanupNspawnRunDirs() func() {
	var created []string
	for _, d := range []string{"/run/systemd/nspawn-root", "/run/systemd/nspawn/propagate", "/run/systemd/nspawn", "/run/systemd"} {
		if _, err := os.Stat(d); os.IsNotExist(err) {
			created = append(created, d)
		}
	}
	return func() {
		for _, d := range created {
			os.Remove(d) // only when empty
		}
	}
}
