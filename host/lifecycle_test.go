package host_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/host/hosttest"
	"github.com/left4me/left4me/overlayfs"
	"github.com/left4me/left4me/supervisor"
)

// newProcessHost is a Host over the real process runtime and real mounts.
func newProcessHost(t *testing.T) (*host.Host, *supervisor.Supervisor, *hosttest.FakeServer) {
	hosttest.RequireRoot(t)
	root := hosttest.NewRoot(t)
	fake := hosttest.InstallFakeServer(t, root)
	sup := supervisor.New(root, nil)
	sup.StopTimeout = 2 * time.Second
	sup.RestartDelay = 50 * time.Millisecond
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		if err := sup.Close(context.Background()); err != nil {
			t.Errorf("close supervisor: %v", err)
		}
		assertNothingMounted(t, root)
	})
	return &host.Host{Root: root, Runtime: sup, Mounter: overlayfs.Mounter{Root: root}}, sup, fake
}

func assertNothingMounted(t *testing.T, root string) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(root, "runtime", "*", "merged"))
	for _, m := range matches {
		if ok, err := overlayfs.IsMounted(m); err != nil || ok {
			t.Errorf("%s mounted: %v %v", m, ok, err)
		}
	}
}

func waitState(t *testing.T, h *host.Host, name, want string) {
	t.Helper()
	hosttest.Eventually(t, 10*time.Second, name+" "+want, func() bool {
		st, err := h.Status(t.Context(), name)
		return err == nil && st.String() == want
	})
}

func TestLifecycleWithProcessRuntime(t *testing.T) {
	h, _, fake := newProcessHost(t)
	ctx := t.Context()
	spec := threeOverlays(t, h.Root)

	if err := h.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	fake.WaitStarts(t, 1, 10*time.Second)
	waitState(t, h, "srv1", "active (running)")
	if ok, _ := overlayfs.IsMounted(h.MergedDir("srv1")); !ok {
		t.Error("running instance is not mounted")
	}
	wantArgs := []string{"-game", "left4dead2", "+ip", "0.0.0.0", "+hostport", "27100", "+map", "c1m1_hotel"}
	if got := fake.Args(t); !slices.Equal(got, wantArgs) {
		t.Errorf("srcds_run args = %q, want %q", got, wantArgs)
	}
	if fake.Who(t) != "top" || fake.Cwd(t) != h.MergedDir("srv1") {
		t.Errorf("server saw who.txt %q in %s, want top in merged", fake.Who(t), fake.Cwd(t))
	}
	if err := h.Start(ctx, spec); err != nil || fake.Starts() != 1 {
		t.Errorf("second Start: %v, %d starts; want idempotent", err, fake.Starts())
	}

	if err := h.Stop(ctx, "srv1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, h, "srv1", "inactive (dead)")
	assertNothingMounted(t, h.Root)

	if err := h.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	fake.WaitStarts(t, 2, 10*time.Second)
	waitState(t, h, "srv1", "active (running)")
	if err := h.Reset(ctx, "srv1"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{h.InstanceDir("srv1"), h.RuntimeDir("srv1")} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived Reset: %v", d, err)
		}
	}
	if st, _ := h.Status(ctx, "srv1"); st.Running() {
		t.Errorf("status after Reset = %v", st)
	}

	// The next start re-initializes from the spec it is given now.
	spec.Port, spec.Config, spec.Args = 27200, "hostname after reset", []string{"+map", "c2m1_highway"}
	spec.Overlays = spec.Overlays[1:]
	if err := h.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	fake.WaitStarts(t, 3, 10*time.Second)
	waitState(t, h, "srv1", "active (running)")
	if fake.Port(t) != 27200 || fake.Who(t) != "mid" || !slices.Contains(fake.Args(t), "c2m1_highway") {
		t.Errorf("after reset the server saw port %d, who %q, args %q", fake.Port(t), fake.Who(t), fake.Args(t))
	}
	if cfgs := fake.Cfgs(t); cfgs["server.cfg"] != "hostname after reset" || len(cfgs) != 1 {
		t.Errorf("after reset the server saw cfgs %q", cfgs)
	}
	if err := h.Delete(ctx, "srv1"); err != nil {
		t.Fatal(err)
	}
	assertNothingMounted(t, h.Root)
}

func TestDeleteHalfInitializedWithProcessRuntime(t *testing.T) {
	h, _, _ := newProcessHost(t)
	spec := left4me.InstanceSpec{Name: "half", Port: 27300}
	if err := h.Initialize(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(h.MergedDir("half"))
	os.Remove(h.EnvPath("half"))
	if err := h.Delete(t.Context(), "half"); err != nil {
		t.Fatalf("Delete of a half-initialized instance: %v", err)
	}
	for _, d := range []string{h.InstanceDir("half"), h.RuntimeDir("half")} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived Delete: %v", d, err)
		}
	}
}

func TestDeleteRemovesMountedRuntime(t *testing.T) {
	h, _, _ := newProcessHost(t)
	spec := left4me.InstanceSpec{Name: "mounted", Port: 27301}
	if err := h.Initialize(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	// Left mounted by a crashed panel: Delete unmounts (and removes work/work) first.
	if err := overlayfs.MountInstance(h.Root, "mounted"); err != nil {
		t.Fatal(err)
	}
	if err := h.Delete(t.Context(), "mounted"); err != nil {
		t.Fatalf("Delete of a mounted instance: %v", err)
	}
	if _, err := os.Stat(h.RuntimeDir("mounted")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("runtime dir survived: %v", err)
	}
	if _, err := os.Stat(filepath.Join(h.Root, "installation", "who.txt")); err != nil {
		t.Errorf("Delete touched the installation: %v", err)
	}
}
