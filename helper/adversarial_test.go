package helper_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/left4me/left4me/helper"
)

// adversarial is one hostile invocation: setup mutates a fresh fixture,
// args builds the command line, and the helper must exit with want (2 for
// a refusal, 1 for a failure), call no tool, mount nothing and leave every
// file inside and outside the data root as it was.
type adversarial struct {
	name  string
	setup func(t *testing.T, f *fixture)
	args  func(f *fixture) []string
	want  int
}

func argv(a ...string) func(*fixture) []string { return func(*fixture) []string { return a } }

func overlay(a ...string) func(*fixture) []string {
	return argv(append([]string{"left4me-overlay"}, a...)...)
}
func systemctl(a ...string) func(*fixture) []string {
	return argv(append([]string{"/usr/local/libexec/left4me/left4me-systemctl"}, a...)...)
}
func journalctl(a ...string) func(*fixture) []string {
	return argv(append([]string{"left4me-journalctl"}, a...)...)
}

// sandbox builds left4me-script-sandbox ID SCRIPT, SCRIPT relative to the root.
func sandbox(id, script string, extra ...string) func(*fixture) []string {
	return func(f *fixture) []string {
		if !strings.HasPrefix(script, "/") {
			script = filepath.Join(f.root, script)
		}
		return append([]string{"left4me-script-sandbox", id, script}, extra...)
	}
}

// lowers sets L4D2_LOWERDIRS, with ROOT and OUT standing for the root and
// the outside dir.
func lowers(v string) func(*testing.T, *fixture) {
	return func(t *testing.T, f *fixture) {
		v = strings.NewReplacer("ROOT", f.root, "OUT", f.outside).Replace(v)
		f.setLowerDirs(t, v)
	}
}

func linkOut(rel, outRel string) func(*testing.T, *fixture) {
	return func(t *testing.T, f *fixture) {
		symlink(t, filepath.Join(f.outside, outRel), filepath.Join(f.root, rel))
	}
}

var adversarialCases = []adversarial{
	// Dispatch.
	{name: "helper without tool", args: argv("left4me-helper"), want: 2},
	{name: "helper with unknown tool", args: argv("left4me-helper", "left4me-rm", "-rf", "/"), want: 2},
	{name: "unknown program name", args: argv("/tmp/left4me-shell", "mount", "alpha"), want: 2},
	{name: "empty argv0", args: argv("", "mount", "alpha"), want: 2},

	// left4me-overlay: arguments.
	{name: "overlay no args", args: overlay(), want: 2},
	{name: "overlay missing name", args: overlay("mount"), want: 2},
	{name: "overlay extra arg", args: overlay("mount", "alpha", "beta"), want: 2},
	{name: "overlay wrong verb", args: overlay("remount", "alpha"), want: 2},
	{name: "overlay verb case", args: overlay("MOUNT", "alpha"), want: 2},
	{name: "overlay traversal name", args: overlay("mount", "../alpha"), want: 2},
	{name: "overlay nested traversal", args: overlay("mount", "alpha/../../x"), want: 2},
	{name: "overlay absolute name", args: overlay("umount", "/etc"), want: 2},
	{name: "overlay uppercase name", args: overlay("mount", "Alpha"), want: 2},
	{name: "overlay leading dash", args: overlay("mount", "-alpha"), want: 2},
	{name: "overlay empty name", args: overlay("mount", ""), want: 2},
	{name: "overlay newline name", args: overlay("mount", "alpha\n"), want: 2},
	{name: "overlay option as name", args: overlay("mount", "--help"), want: 2},
	{name: "overlay 65 char name", args: overlay("mount", strings.Repeat("a", 65)), want: 2},
	{name: "overlay uninitialized", args: overlay("mount", "ghost"), want: 2},

	// left4me-overlay: instance.env and directories.
	{name: "lower symlink pointing outside", setup: func(t *testing.T, f *fixture) {
		symlink(t, f.outside, filepath.Join(f.root, "overlays/evil"))
		lowers("ROOT/overlays/evil:ROOT/installation")(t, f)
	}, args: overlay("mount", "alpha"), want: 2},
	{name: "lower outside allowed roots", setup: lowers("OUT:ROOT/installation"), args: overlay("mount", "alpha"), want: 2},
	{name: "lower is the instances dir", setup: lowers("ROOT/instances:ROOT/installation"), args: overlay("mount", "alpha"), want: 2},
	{name: "lower traversal", setup: lowers("ROOT/overlays/../../outside:ROOT/installation"), args: overlay("mount", "alpha"), want: 2},
	{name: "lower relative", setup: lowers("overlays/1:ROOT/installation"), args: overlay("mount", "alpha"), want: 2},
	{name: "lower empty entry", setup: lowers("ROOT/overlays/1::ROOT/installation"), args: overlay("mount", "alpha"), want: 2},
	{name: "lower trailing empty entry", setup: lowers("ROOT/installation:"), args: overlay("mount", "alpha"), want: 2},
	{name: "lower missing", setup: lowers("ROOT/overlays/404:ROOT/installation"), args: overlay("mount", "alpha"), want: 2},
	{name: "lower is a file", setup: lowers("ROOT/installation/srcds_run"), args: overlay("mount", "alpha"), want: 2},
	{name: "lower with comma option", setup: lowers("ROOT/installation,upperdir=/etc"), args: overlay("mount", "alpha"), want: 2},
	{name: "more than 500 layers", setup: func(t *testing.T, f *fixture) {
		var dirs []string
		for i := range 500 {
			d := filepath.Join(f.root, "overlays", fmt.Sprintf("l%03d", i))
			mkdir(t, d)
			dirs = append(dirs, d)
		}
		f.setLowerDirs(t, strings.Join(append(dirs, f.root+"/installation"), ":"))
	}, args: overlay("mount", "alpha"), want: 2},
	{name: "upper symlink outside", setup: linkOut("runtime/alpha/upper", ""), args: overlay("mount", "alpha"), want: 2},
	{name: "work symlink outside", setup: linkOut("runtime/alpha/work", ""), args: overlay("mount", "alpha"), want: 2},
	{name: "merged symlink outside", setup: linkOut("runtime/alpha/merged", ""), args: overlay("mount", "alpha"), want: 2},
	{name: "umount merged symlink outside", setup: linkOut("runtime/alpha/merged", ""), args: overlay("umount", "alpha"), want: 2},
	{name: "runtime dir symlink outside", setup: linkOut("runtime/alpha", ""), args: overlay("mount", "alpha"), want: 2},
	{name: "instance.env symlink outside", setup: linkOut("instances/alpha/instance.env", "secret.txt"), args: overlay("mount", "alpha"), want: 2},
	{name: "instance dir symlink outside", setup: linkOut("instances/alpha", ""), args: overlay("mount", "alpha"), want: 2},
	{name: "tainted upper", setup: func(t *testing.T, f *fixture) {
		if err := unix.Setxattr(filepath.Join(f.root, "runtime/alpha/upper"), "user.fuseoverlayfs.origin", []byte("x"), 0); err != nil {
			t.Skipf("filesystem of %s has no user xattrs: %v", f.root, err)
		}
	}, args: overlay("mount", "alpha"), want: 2},
	{name: "host.env writable by others", setup: func(t *testing.T, f *fixture) {
		if err := os.Chmod(f.cfg.HostEnv, 0o666); err != nil {
			t.Fatal(err)
		}
	}, args: overlay("mount", "alpha"), want: 1},
	{name: "host.env not owned by root", setup: func(t *testing.T, f *fixture) {
		if err := os.Chown(f.cfg.HostEnv, f.svcUID, f.svcUID); err != nil {
			t.Fatal(err)
		}
	}, args: overlay("mount", "alpha"), want: 1},
	{name: "host.env relative root", setup: func(t *testing.T, f *fixture) {
		writeFile(t, f.cfg.HostEnv, "LEFT4ME_ROOT=var/lib/left4me\n", 0o644)
	}, args: overlay("mount", "alpha"), want: 1},
	{name: "host.env root with dotdot", setup: func(t *testing.T, f *fixture) {
		writeFile(t, f.cfg.HostEnv, "LEFT4ME_ROOT="+f.root+"/../outside\n", 0o644)
	}, args: overlay("mount", "alpha"), want: 1},

	// left4me-systemctl.
	{name: "systemctl no args", args: systemctl(), want: 2},
	{name: "systemctl restart", args: systemctl("restart", "alpha"), want: 2},
	{name: "systemctl mask", args: systemctl("mask", "alpha"), want: 2},
	{name: "systemctl missing name", args: systemctl("enable"), want: 2},
	{name: "systemctl extra arg", args: systemctl("enable", "alpha", "--force"), want: 2},
	{name: "systemctl unit name injection", args: systemctl("enable", "alpha.service"), want: 2},
	{name: "systemctl other unit", args: systemctl("disable", "sshd"+".service"), want: 2},
	{name: "systemctl traversal", args: systemctl("enable", "../../etc/x"), want: 2},
	{name: "systemctl shell metachars", args: systemctl("show", "alpha;reboot"), want: 2},
	{name: "systemctl enable uninitialized", args: systemctl("enable", "ghost"), want: 2},

	// left4me-journalctl.
	{name: "journalctl no args", args: journalctl(), want: 2},
	{name: "journalctl lines not a number", args: journalctl("alpha", "--lines", "abc", "--follow"), want: 2},
	{name: "journalctl lines huge", args: journalctl("alpha", "--lines", "99999999999999999999", "--no-follow"), want: 2},
	{name: "journalctl lines over max", args: journalctl("alpha", "--lines", "10001", "--no-follow"), want: 2},
	{name: "journalctl lines negative", args: journalctl("alpha", "--lines", "-5", "--no-follow"), want: 2},
	{name: "journalctl lines leading zero", args: journalctl("alpha", "--lines", "010", "--follow"), want: 2},
	{name: "journalctl lines plus sign", args: journalctl("alpha", "--lines", "+10", "--follow"), want: 2},
	{name: "journalctl lines with space", args: journalctl("alpha", "--lines", "10 ", "--follow"), want: 2},
	{name: "journalctl short flag", args: journalctl("alpha", "-n", "10", "--follow"), want: 2},
	{name: "journalctl unknown follow", args: journalctl("alpha", "--lines", "10", "--since=yesterday"), want: 2},
	{name: "journalctl missing follow", args: journalctl("alpha", "--lines", "10"), want: 2},
	{name: "journalctl extra arg", args: journalctl("alpha", "--lines", "10", "--follow", "--unit=ssh"), want: 2},
	{name: "journalctl reordered", args: journalctl("--lines", "10", "alpha", "--follow"), want: 2},
	{name: "journalctl bad name", args: journalctl("*", "--lines", "10", "--follow"), want: 2},

	// left4me-script-sandbox: overlay id.
	{name: "sandbox no args", args: argv("left4me-script-sandbox"), want: 2},
	{name: "sandbox id zero", args: sandbox("0", "scripts/build.sh"), want: 2},
	{name: "sandbox id negative", args: sandbox("-1", "scripts/build.sh"), want: 2},
	{name: "sandbox id leading zero", args: sandbox("01", "scripts/build.sh"), want: 2},
	{name: "sandbox id exponent", args: sandbox("1e3", "scripts/build.sh"), want: 2},
	{name: "sandbox id traversal", args: sandbox("../1", "scripts/build.sh"), want: 2},
	{name: "sandbox id too long", args: sandbox("1234567890123456789", "scripts/build.sh"), want: 2},
	{name: "sandbox overlay missing", args: sandbox("404", "scripts/build.sh"), want: 2},
	{name: "sandbox overlay symlink outside", setup: linkOut("overlays/7", ""), args: sandbox("7", "scripts/build.sh"), want: 2},
	{name: "sandbox overlays dir symlink", setup: func(t *testing.T, f *fixture) {
		mkdir(t, filepath.Join(f.outside, "1"))
		chownTree(t, filepath.Join(f.outside, "1"), f.svcUID)
		symlink(t, f.outside, filepath.Join(f.root, "overlays"))
	}, args: sandbox("1", "scripts/build.sh"), want: 2},
	{name: "sandbox overlay owned by root", setup: func(t *testing.T, f *fixture) {
		mkdir(t, filepath.Join(f.root, "overlays/8"))
	}, args: sandbox("8", "scripts/build.sh"), want: 2},
	// left4me-script-sandbox: script path.
	{name: "sandbox extra arg", args: sandbox("1", "scripts/build.sh", "x"), want: 2},
	{name: "sandbox script relative", args: argv("left4me-script-sandbox", "1", "scripts/build.sh"), want: 2},
	{name: "sandbox script traversal", args: sandbox("1", "scripts/../instances/alpha/instance.env"), want: 2},
	{name: "sandbox script outside root", args: sandbox("1", "/etc/shadow"), want: 2},
	{name: "sandbox script in subdir", setup: func(t *testing.T, f *fixture) {
		writeFile(t, filepath.Join(f.root, "scripts/sub/x.sh"), "#!/bin/sh\n", 0o755)
	}, args: sandbox("1", "scripts/sub/x.sh"), want: 2},
	{name: "sandbox script odd name", args: sandbox("1", "scripts/build sh"), want: 2},
	{name: "sandbox script dot name", args: sandbox("1", "scripts/.hidden"), want: 2},
	{name: "sandbox script symlink outside", setup: linkOut("scripts/evil.sh", "secret.txt"), args: sandbox("1", "scripts/evil.sh"), want: 2},
	{name: "sandbox scripts dir symlink", setup: linkOut("scripts", "scripts"), args: sandbox("1", "scripts/build.sh"), want: 2},
	{name: "sandbox script is a dir", setup: func(t *testing.T, f *fixture) {
		mkdir(t, filepath.Join(f.root, "scripts/d"))
		chownTree(t, filepath.Join(f.root, "scripts/d"), f.svcUID)
	}, args: sandbox("1", "scripts/d"), want: 2},
	{name: "sandbox script is a fifo", setup: func(t *testing.T, f *fixture) {
		p := filepath.Join(f.root, "scripts/fifo")
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		chownTree(t, p, f.svcUID)
	}, args: sandbox("1", "scripts/fifo"), want: 2},
	{name: "sandbox script hard link", setup: func(t *testing.T, f *fixture) {
		if err := os.Link(filepath.Join(f.outside, "scripts/build.sh"), filepath.Join(f.root, "scripts/linked.sh")); err != nil {
			t.Fatal(err)
		}
	}, args: sandbox("1", "scripts/linked.sh"), want: 2},
	{name: "sandbox script owned by root", setup: func(t *testing.T, f *fixture) {
		writeFile(t, filepath.Join(f.root, "scripts/root.sh"), "#!/bin/sh\n", 0o755)
	}, args: sandbox("1", "scripts/root.sh"), want: 2},
	{name: "sandbox script too large", setup: func(t *testing.T, f *fixture) {
		writeFile(t, filepath.Join(f.root, "scripts/big.sh"), strings.Repeat("#", 5000), 0o755)
		chownTree(t, filepath.Join(f.root, "scripts/big.sh"), f.svcUID)
	}, args: sandbox("1", "scripts/big.sh"), want: 2},
}

func TestAdversarialInvocations(t *testing.T) {
	requireRoot(t)
	if len(adversarialCases) < 40 {
		t.Fatalf("only %d adversarial cases", len(adversarialCases))
	}
	mountsBefore := mountPoints(t)
	// The production paths the real configuration would use must not
	// appear because of the table (the fixture points elsewhere).
	prodBefore := map[string]bool{}
	for _, p := range productionPaths {
		_, err := os.Lstat(p)
		prodBefore[p] = err == nil
	}
	for _, tc := range adversarialCases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			settle()
			before := snapshot(t, f.dir)
			args := tc.args(f)
			code := f.run(args...)
			if code != tc.want {
				t.Errorf("%q: exit %d, want %d; stderr: %s", args, code, tc.want, f.stderr)
			}
			if tc.want == 2 && !strings.Contains(f.stderr.String(), "usage:") {
				t.Errorf("refusal without a usage line: %q", f.stderr)
			}
			if calls := f.toolCalls(t); len(calls) > 0 {
				t.Errorf("a tool ran: %q", calls)
			}
			if diffs := diffSnapshots(before, snapshot(t, f.dir)); len(diffs) > 0 {
				t.Errorf("files changed:\n%s", strings.Join(diffs, "\n"))
			}
			if m := mountedUnder(t, f.dir); len(m) > 0 {
				t.Errorf("left mounted: %q", m)
				for _, p := range m {
					unix.Unmount(p, unix.MNT_DETACH)
				}
			}
		})
	}
	// Only mounts where the helpers could have put them count: other
	// packages' tests mount overlays of their own while this one runs.
	for mp := range mountPoints(t) {
		for _, p := range productionPaths {
			if !mountsBefore[mp] && strings.HasPrefix(mp+"/", p+"/") {
				t.Errorf("new mount after the table: %s", mp)
			}
		}
	}
	for _, p := range productionPaths {
		if _, err := os.Lstat(p); (err == nil) != prodBefore[p] {
			t.Errorf("%s appeared or vanished during the table", p)
		}
	}
}

var productionPaths = []string{helper.DefaultRoot, "/etc/left4me", "/run/left4me-sandbox"}
