package helper_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/left4me/left4me/helper"
)

// Users the tests run builds as: they exist on every Debian system.
const (
	testServiceUser = "bin"
	testSandboxUser = "nobody"
)

// fixture is one data root with an initialized instance "alpha", an
// overlay 1 and a build script, plus an "outside" tree that attacks point
// at. Tools (systemctl, journalctl, systemd-run) are fakes that append
// their arguments to a calls file kept apart from the snapshotted tree.
type fixture struct {
	dir, root, outside string
	calls              string
	cfg                helper.Config
	stdout, stderr     *bytes.Buffer
	svcUID, sbxUID     int
}

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the helpers mount, chown and check root-owned config")
	}
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	requireRoot(t)
	dir := t.TempDir()
	f := &fixture{dir: dir, root: filepath.Join(dir, "root"), outside: filepath.Join(dir, "outside")}
	f.svcUID = lookupUID(t, testServiceUser)
	f.sbxUID = lookupUID(t, testSandboxUser)
	for _, d := range []string{
		"installation", "overlays/1/left4dead2/addons", "workshop_cache", "global_overlay_cache",
		"instances/alpha", "runtime/alpha/upper", "runtime/alpha/work", "runtime/alpha/merged", "scripts",
	} {
		mkdir(t, filepath.Join(f.root, d))
	}
	writeFile(t, filepath.Join(f.root, "installation/srcds_run"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(f.root, "overlays/1/left4dead2/addons/a.vpk"), "vpk", 0o644)
	f.setLowerDirs(t, f.root+"/overlays/1:"+f.root+"/installation")
	writeFile(t, filepath.Join(f.root, "scripts/build.sh"), "#!/bin/sh\nexit 0\n", 0o755)
	chownTree(t, filepath.Join(f.root, "overlays"), f.svcUID)
	chownTree(t, filepath.Join(f.root, "scripts"), f.svcUID)
	mkdir(t, filepath.Join(f.outside, "scripts"))
	writeFile(t, filepath.Join(f.outside, "secret.txt"), "secret", 0o600)
	writeFile(t, filepath.Join(f.outside, "scripts/build.sh"), "#!/bin/sh\nexit 0\n", 0o755)
	chownTree(t, filepath.Join(f.outside, "scripts"), f.svcUID)
	writeFile(t, filepath.Join(dir, "host.env"), "LEFT4ME_ROOT="+f.root+"\n", 0o644)

	tools := t.TempDir()
	f.calls = filepath.Join(tools, "calls")
	f.cfg = helper.Config{
		HostEnv:    filepath.Join(dir, "host.env"),
		Systemctl:  fakeTool(t, tools, "systemctl", f.calls, "echo ActiveState=active; echo SubState=running"),
		Journalctl: fakeTool(t, tools, "journalctl", f.calls, "echo a log line"),
		SystemdRun: fakeTool(t, tools, "systemd-run", f.calls, "exit 0"),
		Sandbox:    helper.DefaultSandboxConfig(),
	}
	f.cfg.Sandbox.ServiceUser = testServiceUser
	f.cfg.Sandbox.User = testSandboxUser
	f.cfg.Sandbox.ResolvConf = filepath.Join(dir, "resolv.conf")
	f.cfg.Sandbox.MaxScriptSize = 4096
	return f
}

// run calls the helper as argv and returns its exit code.
func (f *fixture) run(argv ...string) int {
	f.stdout, f.stderr = &bytes.Buffer{}, &bytes.Buffer{}
	cfg := f.cfg
	cfg.Stdout, cfg.Stderr = f.stdout, f.stderr
	return helper.Main(cfg, argv)
}

func (f *fixture) setLowerDirs(t testing.TB, v string) {
	t.Helper()
	writeFile(t, filepath.Join(f.root, "instances/alpha/instance.env"),
		"L4D2_PORT=\"27015\"\nL4D2_ARGS=\"\"\nL4D2_LOWERDIRS=\""+v+"\"\n", 0o640)
}

// toolCalls returns the recorded tool invocations, one per line.
func (f *fixture) toolCalls(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile(f.calls)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// fakeTool writes a script that records "NAME ARGS..." and then runs body.
func fakeTool(t testing.TB, dir, name, calls, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	script := fmt.Sprintf("#!/bin/bash\necho %s \"$@\" >> %q\n%s\n", name, calls, body)
	writeFile(t, p, script, 0o755)
	return p
}

// snapshot describes every entry below dir (never following symlinks):
// type, mode, owner, size, mtime, link target and content hash.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		desc := fmt.Sprintf("%v %d:%d %d %d", info.Mode(), st.Uid, st.Gid, info.Size(), info.ModTime().UnixNano())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %x", sha256.Sum256(data))
		}
		out[p] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffSnapshots(before, after map[string]string) []string {
	var diffs []string
	for p, b := range before {
		if a, ok := after[p]; !ok {
			diffs = append(diffs, "removed "+p)
		} else if a != b {
			diffs = append(diffs, fmt.Sprintf("changed %s: %s => %s", p, b, a))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "created "+p)
		}
	}
	sort.Strings(diffs)
	return diffs
}

// mountPoints lists every mount point of this process's mount namespace.
func mountPoints(t testing.TB) map[string]bool {
	t.Helper()
	fh, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 {
			out[fields[4]] = true
		}
	}
	return out
}

func mountedUnder(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for mp := range mountPoints(t) {
		if strings.HasPrefix(mp, dir) {
			out = append(out, mp)
		}
	}
	return out
}

func lookupUID(t testing.TB, name string) int {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("test user %s: %v", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	return uid
}

func mkdir(t testing.TB, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, p, content string, mode os.FileMode) {
	t.Helper()
	mkdir(t, filepath.Dir(p))
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func chownTree(t testing.TB, dir string, uid int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func symlink(t testing.TB, target, p string) {
	t.Helper()
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// settle lets mtimes of the fixture age by a tick, so a write in the same
// nanosecond-coarse clock tick as the setup still shows in the snapshot.
func settle() { time.Sleep(2 * time.Millisecond) }
