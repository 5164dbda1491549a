package host_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/host/hosttest"
	"github.com/left4me/left4me/overlayfs"
)

// newFakeHost is a Host over the stateful fakes; no root needed.
func newFakeHost(t *testing.T) (*host.Host, *hosttest.Runtime, *hosttest.Mounter) {
	rt, m := &hosttest.Runtime{}, &hosttest.Mounter{}
	return &host.Host{Root: hosttest.NewRoot(t), Runtime: rt, Mounter: m}, rt, m
}

// threeOverlays returns a spec over three overlays: "top" aliased with a
// server.cfg, "mid" unaliased, "low" aliased without a server.cfg.
func threeOverlays(t *testing.T, root string) left4me.InstanceSpec {
	return left4me.InstanceSpec{
		Name:   "srv1",
		Port:   27100,
		Args:   []string{"+map", "c1m1_hotel"},
		Config: "hostname test\nexec server_top",
		Overlays: []left4me.OverlayRef{
			{Path: hosttest.AddOverlay(t, root, "top", "sv_top 1"), Alias: "top"},
			{Path: hosttest.AddOverlay(t, root, "mid", "sv_mid 1")},
			{Path: hosttest.AddOverlay(t, root, "low", ""), Alias: "low"},
		},
	}
}

func TestInitializeWritesLayout(t *testing.T) {
	h, _, _ := newFakeHost(t)
	spec := threeOverlays(t, h.Root)
	if err := h.Initialize(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{h.UpperDir("srv1"), overlayfs.WorkDir(h.Root, "srv1"), h.MergedDir("srv1")} {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			t.Errorf("%s not created: %v", d, err)
		}
	}
	env, err := overlayfs.ReadInstanceEnv(h.EnvPath("srv1"))
	if err != nil {
		t.Fatal(err)
	}
	wantLowers := []string{spec.Overlays[0].Path, spec.Overlays[1].Path, spec.Overlays[2].Path, filepath.Join(h.Root, "installation")}
	if env.Port != 27100 || !slices.Equal(env.Args, spec.Args) || !slices.Equal(env.LowerDirs, wantLowers) {
		t.Errorf("instance.env = %+v, want port 27100, args %q, lowers %q", env, spec.Args, wantLowers)
	}
	got, err := h.LoadSpec("srv1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, spec) {
		t.Errorf("LoadSpec = %+v, want %+v", *got, spec)
	}

	// Re-initializing replaces the files atomically and leaves no temp files.
	spec.Port, spec.Overlays = 27101, spec.Overlays[:1]
	if err := h.Initialize(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	env, _ = overlayfs.ReadInstanceEnv(h.EnvPath("srv1"))
	if env.Port != 27101 || len(env.LowerDirs) != 2 {
		t.Errorf("re-initialized env = %+v", env)
	}
	entries, _ := os.ReadDir(h.InstanceDir("srv1"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"instance.env", "spec.json"}) {
		t.Errorf("instance dir holds %q, want only instance.env and spec.json", names)
	}
}

func TestStageConfigs(t *testing.T) {
	h, _, _ := newFakeHost(t)
	spec := threeOverlays(t, h.Root)
	if err := h.Initialize(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	if err := h.StageConfigs(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"server.cfg": spec.Config, "server_top.cfg": "sv_top 1"}
	if got := readDir(t, h.CfgDir("srv1")); !reflect.DeepEqual(got, want) {
		t.Errorf("staged %q, want %q", got, want)
	}

	// top loses its alias, mid gains one, the config changes: re-staging
	// leaves exactly the new set.
	spec.Overlays[0].Alias, spec.Overlays[1].Alias = "", "mid"
	spec.Config = "hostname changed"
	if err := h.StageConfigs(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"server.cfg": "hostname changed", "server_mid.cfg": "sv_mid 1"}
	if got := readDir(t, h.CfgDir("srv1")); !reflect.DeepEqual(got, want) {
		t.Errorf("re-staged %q, want %q", got, want)
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func TestLifecycleWithFakes(t *testing.T) {
	h, rt, m := newFakeHost(t)
	spec := threeOverlays(t, h.Root)
	var steps []string
	ctx := host.WithStepFunc(t.Context(), func(s string) { steps = append(steps, s) })

	if err := h.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if !rt.Enabled("srv1") || m.Mounted("srv1") {
		t.Errorf("after Start: enabled %v mounted %v, want enabled and not mounted by the host", rt.Enabled("srv1"), m.Mounted("srv1"))
	}
	if _, err := os.Stat(filepath.Join(h.CfgDir("srv1"), "server.cfg")); err != nil {
		t.Errorf("Start did not stage server.cfg: %v", err)
	}
	if st, _ := h.Status(ctx, "srv1"); !st.Running() {
		t.Errorf("Status = %v, want active (running)", st)
	}
	m.Mount(ctx, "srv1") // as the unit's ExecStartPre would
	if err := h.Stop(ctx, "srv1"); err != nil {
		t.Fatal(err)
	}
	if rt.Enabled("srv1") || m.Mounted("srv1") {
		t.Errorf("after Stop: enabled %v mounted %v, want neither", rt.Enabled("srv1"), m.Mounted("srv1"))
	}
	if err := h.Restart(ctx, spec); err != nil || !rt.Enabled("srv1") {
		t.Fatalf("Restart: %v, enabled %v", err, rt.Enabled("srv1"))
	}
	if err := h.Reset(ctx, "srv1"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{h.InstanceDir("srv1"), h.RuntimeDir("srv1")} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived Reset: %v", d, err)
		}
	}
	if rt.Enabled("srv1") {
		t.Error("Reset left the instance enabled")
	}
	if _, err := h.LoadSpec("srv1"); !errors.Is(err, left4me.ErrNotInitialized) {
		t.Errorf("LoadSpec after Reset = %v, want ErrNotInitialized", err)
	}
	want := []string{
		host.StepInitialize, host.StepStage, host.StepEnable, // Start
		host.StepDisable, host.StepUnmount, // Stop
		host.StepDisable, host.StepUnmount, host.StepInitialize, host.StepStage, host.StepEnable, // Restart
		host.StepDisable, host.StepUnmount, host.StepRemove, // Reset
	}
	if !slices.Equal(steps, want) {
		t.Errorf("steps = %q\nwant    %q", steps, want)
	}
}

func TestStartReportsEnableFailure(t *testing.T) {
	h, rt, _ := newFakeHost(t)
	rt.EnableErr = errors.New("sudo: a password is required")
	err := h.Start(t.Context(), threeOverlays(t, h.Root))
	if err == nil || !strings.Contains(err.Error(), "password is required") {
		t.Errorf("Start = %v, want the runtime's error", err)
	}
}

func TestDeleteHalfInitialized(t *testing.T) {
	h, _, _ := newFakeHost(t)
	spec := threeOverlays(t, h.Root)
	cases := map[string]func(){
		"only instances dir": func() { os.RemoveAll(h.RuntimeDir("srv1")) },
		"only runtime dir":   func() { os.RemoveAll(h.InstanceDir("srv1")) },
		"no spec.json":       func() { os.Remove(h.SpecPath("srv1")) },
		"upper only":         func() { os.RemoveAll(h.MergedDir("srv1")); os.RemoveAll(overlayfs.WorkDir(h.Root, "srv1")) },
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			if err := h.Initialize(t.Context(), spec); err != nil {
				t.Fatal(err)
			}
			damage()
			if err := h.Delete(t.Context(), "srv1"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			for _, d := range []string{h.InstanceDir("srv1"), h.RuntimeDir("srv1")} {
				if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s survived Delete: %v", d, err)
				}
			}
		})
	}
	if err := h.Delete(t.Context(), "never-existed"); err != nil {
		t.Errorf("Delete of an unknown instance: %v", err)
	}
}

// badNames are refused by every entry point.
var badNames = []string{"../x", "A", "-x", strings.Repeat("a", 65), "", "a/b"}

func TestBadNamesCreateNothing(t *testing.T) {
	h, rt, _ := newFakeHost(t)
	ctx := context.Background()
	for _, name := range badNames {
		spec := left4me.InstanceSpec{Name: name, Port: 27015}
		calls := map[string]error{
			"Initialize":   h.Initialize(ctx, spec),
			"StageConfigs": h.StageConfigs(ctx, spec),
			"Start":        h.Start(ctx, spec),
			"Restart":      h.Restart(ctx, spec),
			"Stop":         h.Stop(ctx, name),
			"Reset":        h.Reset(ctx, name),
			"Delete":       h.Delete(ctx, name),
			"Logs":         h.Logs(ctx, name, 10, false, os.Stdout),
		}
		_, calls["Status"] = h.Status(ctx, name)
		_, calls["LoadSpec"] = h.LoadSpec(name)
		for call, err := range calls {
			if left4me.ErrorCode(err) != left4me.EINVALID {
				t.Errorf("%s(%q) = %v, want EINVALID", call, name, err)
			}
		}
		if rt.Enabled(name) {
			t.Errorf("%q was enabled", name)
		}
	}
	assertOnlyLayerRoots(t, h.Root)
}

// assertOnlyLayerRoots checks that nothing but NewRoot's dirs exists.
func assertOnlyLayerRoots(t *testing.T, root string) {
	t.Helper()
	var extra []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		switch rel {
		case ".", "installation", "overlays", "workshop_cache", "global_overlay_cache":
		default:
			extra = append(extra, rel)
		}
		return nil
	})
	if len(extra) > 0 {
		t.Errorf("created %q", extra)
	}
}

func TestInvalidSpecCreatesNothing(t *testing.T) {
	h, _, _ := newFakeHost(t)
	for _, spec := range []left4me.InstanceSpec{
		{Name: "ok", Port: 0},
		{Name: "ok", Port: 27015, Args: []string{"two words"}},
		{Name: "ok", Port: 27015, Overlays: []left4me.OverlayRef{{Path: "relative"}}},
	} {
		if err := h.Start(t.Context(), spec); left4me.ErrorCode(err) != left4me.EINVALID {
			t.Errorf("Start(%+v) = %v, want EINVALID", spec, err)
		}
	}
	assertOnlyLayerRoots(t, h.Root)
}
