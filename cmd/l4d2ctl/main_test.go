package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host/hosttest"
	"github.com/left4me/left4me/overlayfs"
)

// l4d2ctl runs the command in-process and returns exit code, stdout, stderr.
func l4d2ctl(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func writeSpec(t *testing.T, spec any) string {
	t.Helper()
	data, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "spec.json")
	hosttest.MustWrite(t, path, string(data))
	return path
}

func TestBadNamesRefusedByEveryCommand(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root") // must never be created
	for _, name := range []string{"../x", "A", "-x", strings.Repeat("a", 65), "", "a/b"} {
		spec := writeSpec(t, map[string]any{"name": name, "port": 27015})
		for cmd := range commands {
			for _, rt := range []string{"systemd", "process"} {
				args := []string{"--root", root, "--runtime", rt, cmd, name}
				if cmd == "init" || cmd == "start" || cmd == "run" || cmd == "restart" {
					args = append(args, "--spec", spec)
				}
				code, _, stderr := l4d2ctl(t, nil, args...)
				if code != 2 {
					t.Errorf("l4d2ctl %q exited %d, want 2 (stderr %q)", args, code, stderr)
				}
				if !strings.Contains(stderr, "invalid server name") && !strings.Contains(stderr, "flag provided but not defined: -x") {
					t.Errorf("l4d2ctl %q: stderr %q does not explain the bad name", args, stderr)
				}
			}
		}
	}
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused command created the root: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	root := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "missing COMMAND"},
		{[]string{"frobnicate", "srv"}, `unknown command "frobnicate"`},
		{[]string{"--runtime", "docker", "status", "srv"}, `unknown runtime "docker"`},
		{[]string{"init", "srv"}, "init needs --spec FILE"},
		{[]string{"status"}, "missing NAME"},
		{[]string{"status", "a", "b"}, "unexpected arguments"},
		{[]string{"logs", "srv", "--lines", "-1"}, "must not be negative"},
		{[]string{"--runtime", "process", "start", "srv"}, "not initialized: run l4d2ctl init srv --spec FILE"},
		{[]string{"--runtime", "process", "init", "srv", "--spec", "/nonexistent.json"}, "read spec"},
		{[]string{"--runtime", "process", "status", "srv"}, "use `l4d2ctl run srv`"},
	}
	for _, tt := range tests {
		code, _, stderr := l4d2ctl(t, map[string]string{"LEFT4ME_ROOT": root}, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("l4d2ctl %q = %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	if code, stdout, _ := l4d2ctl(t, nil, "-h"); code != 0 || !strings.Contains(stdout, "usage: l4d2ctl") {
		t.Errorf("-h = %d, %q", code, stdout)
	}
}

func TestInitResetDeleteWithEnvRoot(t *testing.T) {
	root := hosttest.NewRoot(t)
	env := map[string]string{"LEFT4ME_ROOT": root, "LEFT4ME_RUNTIME": "process"}
	bad := writeSpec(t, map[string]any{"name": "srv", "port": 27015, "colour": "red"})
	if code, _, stderr := l4d2ctl(t, env, "init", "srv", "--spec", bad); code != 2 || !strings.Contains(stderr, `"colour"`) {
		t.Errorf("init with an unknown field = %d, %q; want 2 naming the field", code, stderr)
	}
	other := writeSpec(t, map[string]any{"name": "other", "port": 27015})
	if code, _, stderr := l4d2ctl(t, env, "init", "srv", "--spec", other); code != 2 || !strings.Contains(stderr, `"other"`) {
		t.Errorf("init with another instance's spec = %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "instances", "srv")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("refused init created the instance: %v", err)
	}

	spec := writeSpec(t, map[string]any{"name": "srv", "port": 27015, "args": []string{"+map", "c1m1_hotel"}})
	if code, _, stderr := l4d2ctl(t, env, "init", "srv", "--spec", spec); code != 0 {
		t.Fatalf("init = %d, %s", code, stderr)
	}
	vars, err := overlayfs.ReadEnvFile(overlayfs.EnvPath(root, "srv"))
	if err != nil || vars["L4D2_ARGS"] != "+map c1m1_hotel" || vars["L4D2_LOWERDIRS"] != filepath.Join(root, "installation") {
		t.Errorf("instance.env after init = %q, %v", vars, err)
	}
	if code, _, stderr := l4d2ctl(t, env, "reset", "srv"); code != 0 {
		t.Fatalf("reset = %d, %s", code, stderr)
	}
	for _, d := range []string{"instances/srv", "runtime/srv"} {
		if _, err := os.Stat(filepath.Join(root, d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived reset", d)
		}
	}
	if code, _, stderr := l4d2ctl(t, env, "delete", "srv"); code != 0 {
		t.Errorf("delete of a reset instance = %d, %s", code, stderr)
	}
}

// buildL4d2ctl compiles this command into a temp dir.
func buildL4d2ctl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "l4d2ctl")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runFixture is a root with a fake installation and three overlays: "top"
// (aliased, with a server.cfg), "mid" (not aliased, with a server.cfg and
// an addon) and "low" (aliased, with a server.cfg and an addon).
func runFixture(t *testing.T) (root string, fake *hosttest.FakeServer, specPath string) {
	hosttest.RequireRoot(t)
	root = hosttest.NewRoot(t)
	fake = hosttest.InstallFakeServer(t, root)
	top := hosttest.AddOverlay(t, root, "top", "sv_top 1")
	mid := hosttest.AddOverlay(t, root, "mid", "sv_mid 1")
	low := hosttest.AddOverlay(t, root, "low", "sv_low 1")
	for dir, addon := range map[string]string{mid: "mid.vpk", low: "low.vpk"} {
		hosttest.MustMkdir(t, filepath.Join(dir, "left4dead2", "addons"))
		hosttest.MustWrite(t, filepath.Join(dir, "left4dead2", "addons", addon), addon)
	}
	// Mixed forms: bare path strings and {"path","alias"} objects.
	specPath = writeSpec(t, map[string]any{
		"name": "srv", "port": 27555, "args": []string{"+map", "c2m1_highway", "+maxplayers", "8"},
		"config":   "hostname run test\nexec server_low\nexec server_top",
		"overlays": []any{map[string]string{"path": top, "alias": "top"}, mid, map[string]string{"path": low, "alias": "low"}},
	})
	return root, fake, specPath
}

func TestRunShowsMergedViewAndUnmounts(t *testing.T) {
	root, fake, spec := runFixture(t)
	fake.SetMode(t, "exit0")
	cmd := exec.Command(buildL4d2ctl(t), "--root", root, "--runtime", "process", "run", "srv", "--spec", spec)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("l4d2ctl run: %v\n%s", err, out)
	}
	wantArgs := []string{"-game", "left4dead2", "+ip", "0.0.0.0", "+hostport", "27555", "+map", "c2m1_highway", "+maxplayers", "8"}
	if got := fake.Args(t); !slices.Equal(got, wantArgs) {
		t.Errorf("srcds_run args = %q, want %q", got, wantArgs)
	}
	if fake.Port(t) != 27555 {
		t.Errorf("L4D2_PORT = %d", fake.Port(t))
	}
	if fake.Who(t) != "top" {
		t.Errorf("who.txt in the merged view = %q, want the uppermost layer's", fake.Who(t))
	}
	if got := fake.Addons(t); !slices.Equal(got, []string{"low.vpk", "mid.vpk"}) {
		t.Errorf("addons in the merged view = %q, want both layers'", got)
	}
	wantCfgs := map[string]string{
		"server.cfg":     "hostname run test\nexec server_low\nexec server_top",
		"server_top.cfg": "sv_top 1",
		"server_low.cfg": "sv_low 1",
	}
	if got := fake.Cfgs(t); !mapsEqual(got, wantCfgs) {
		t.Errorf("cfgs seen by the server = %q, want %q", got, wantCfgs)
	}
	upperCfg := filepath.Join(overlayfs.UpperDir(root, "srv"), "left4dead2", "cfg")
	for name, content := range wantCfgs {
		if b, err := os.ReadFile(filepath.Join(upperCfg, name)); err != nil || string(b) != content {
			t.Errorf("%s not staged in upper: %q, %v", name, b, err)
		}
	}
	assertNothingMountedUnder(t, root)
}

func TestRunInterruptedUnmounts(t *testing.T) {
	root, fake, spec := runFixture(t)
	cmd := exec.Command(buildL4d2ctl(t), "--root", root, "--runtime", "process", "run", "srv", "--spec", spec)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	fake.WaitStarts(t, 1, 30*time.Second)
	if ok, _ := overlayfs.IsMounted(overlayfs.MergedDir(root, "srv")); !ok {
		t.Error("not mounted while running")
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("interrupted run exited with %v, want 0\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "running on port 27555") {
		t.Errorf("run did not show the server's output: %q", out.String())
	}
	assertNothingMountedUnder(t, root)
}

func TestStartWithProcessRuntimeStaysInForeground(t *testing.T) {
	root, fake, spec := runFixture(t)
	fake.SetMode(t, "exit0") // the server ends by itself, so start returns
	code, stdout, stderr := l4d2ctl(t, map[string]string{"LEFT4ME_RUNTIME": "process"}, "--root", root, "start", "srv", "--spec", spec)
	if code != 0 {
		t.Fatalf("start = %d, %s", code, stderr)
	}
	if fake.Starts() != 1 || !strings.Contains(stdout, "supervised by this process") {
		t.Errorf("%d starts, stdout %q", fake.Starts(), stdout)
	}
	assertNothingMountedUnder(t, root)
	// The stored spec.json now serves a start without --spec.
	if code, _, stderr := l4d2ctl(t, nil, "--root", root, "--runtime", "process", "start", "srv"); code != 0 || fake.Starts() != 2 {
		t.Errorf("start from the stored spec = %d (%s), %d starts", code, stderr, fake.Starts())
	}
	assertNothingMountedUnder(t, root)
}

func TestRunOfFailingServerExitsOne(t *testing.T) {
	root, fake, spec := runFixture(t)
	fake.SetMode(t, "fail")
	code, stdout, stderr := l4d2ctl(t, nil, "--root", root, "--runtime", "process", "run", "srv", "--spec", spec)
	if code != 1 || !strings.Contains(stderr, "exit status 3") || !strings.Contains(stdout, "failing on purpose") {
		t.Errorf("run of a failing server = %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	assertNothingMountedUnder(t, root)
}

func TestRunRefusesLayerOutsideRoots(t *testing.T) {
	hosttest.RequireRoot(t)
	root := hosttest.NewRoot(t)
	hosttest.InstallFakeServer(t, root)
	spec := writeSpec(t, left4me.InstanceSpec{Name: "srv", Port: 27015, Overlays: []left4me.OverlayRef{{Path: t.TempDir()}}})
	code, _, stderr := l4d2ctl(t, nil, "--root", root, "--runtime", "process", "run", "srv", "--spec", spec)
	if code != 2 || !strings.Contains(stderr, "outside installation/") {
		t.Errorf("run with a layer outside the roots = %d, %q; want 2 and a refusal", code, stderr)
	}
	assertNothingMountedUnder(t, root)
}

func assertNothingMountedUnder(t *testing.T, root string) {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), " "+root) {
		t.Errorf("something is still mounted under %s", root)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}
