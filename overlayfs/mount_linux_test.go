package overlayfs_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/left4me/left4me/overlayfs"
)

func TestMountInstance500LayersUppermostWins(t *testing.T) {
	requireRoot(t)
	root := newRoot(t)
	lowers := workshopLayers(t, root, overlayfs.MaxLayers-1)
	for _, l := range lowers[:3] { // the three uppermost all carry who.txt
		mustWrite(t, filepath.Join(l, "who.txt"), filepath.Base(l))
	}
	lowers = append(lowers, overlayfs.InstallationDir(root))
	writeInstance(t, root, "five-hundred", lowers)

	if err := overlayfs.MountInstance(root, "five-hundred"); err != nil {
		t.Fatalf("mount 500 layers: %v", err)
	}
	merged := overlayfs.MergedDir(root, "five-hundred")
	if got := readFile(t, filepath.Join(merged, "who.txt")); got != filepath.Base(lowers[0]) {
		t.Errorf("who.txt = %q, want the uppermost layer %q", got, filepath.Base(lowers[0]))
	}
	for _, l := range []string{lowers[0], lowers[250], lowers[498]} {
		if _, err := os.Stat(filepath.Join(merged, "layer-"+filepath.Base(l))); err != nil {
			t.Errorf("layer %s not visible in merged view: %v", l, err)
		}
	}
	if err := overlayfs.MountInstance(root, "five-hundred"); err != nil {
		t.Fatalf("second mount is not idempotent: %v", err)
	}
	if n := len(mountsUnder(t, merged)); n != 1 {
		t.Errorf("%d mounts at merged after two MountInstance calls, want 1", n)
	}
	unmountAndCheck(t, root, "five-hundred")
}

// unmountAndCheck unmounts twice and checks nothing is left: no mount, no
// work/work orphan.
func unmountAndCheck(t *testing.T, root, name string) {
	t.Helper()
	merged := overlayfs.MergedDir(root, name)
	if ok, err := overlayfs.IsMounted(merged); err != nil || !ok {
		t.Fatalf("IsMounted(merged) = %v, %v before unmount, want true", ok, err)
	}
	if _, err := os.Stat(filepath.Join(overlayfs.WorkDir(root, name), "work")); err != nil {
		t.Errorf("overlayfs did not create work/work (test premise): %v", err)
	}
	for i := range 2 {
		if err := overlayfs.UnmountInstance(root, name); err != nil {
			t.Fatalf("unmount #%d: %v", i+1, err)
		}
	}
	if ok, err := overlayfs.IsMounted(merged); err != nil || ok {
		t.Errorf("IsMounted(merged) = %v, %v after unmount, want false", ok, err)
	}
	if _, err := os.Stat(filepath.Join(overlayfs.WorkDir(root, name), "work")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work/work orphan still there after unmount: %v", err)
	}
}

func TestMountInstanceRefuses501Layers(t *testing.T) {
	requireRoot(t)
	root := newRoot(t)
	lowers := append(workshopLayers(t, root, overlayfs.MaxLayers), overlayfs.InstallationDir(root))
	writeInstance(t, root, "too-many", lowers)
	err := overlayfs.MountInstance(root, "too-many")
	if !errors.Is(err, overlayfs.ErrRefused) {
		t.Fatalf("501 layers: err = %v, want ErrRefused", err)
	}
	if !strings.Contains(err.Error(), "501 lower layers") || !strings.Contains(err.Error(), "at most 500") {
		t.Errorf("501 layers: error %q does not say 501 and at most 500", err)
	}
	if m := mountsUnder(t, root); len(m) != 0 {
		t.Errorf("mounted after refusal: %v", m)
	}
}

func TestMountInstanceRefusals(t *testing.T) {
	requireRoot(t)
	outside := t.TempDir()
	mustWrite(t, filepath.Join(outside, "secret"), "x")
	inst := func(root string) string { return overlayfs.InstallationDir(root) }
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) // writes instance "srv"
		want  string                          // in the error message
	}{
		{"lower symlink outside the allowed roots", func(t *testing.T, root string) {
			os.Symlink(outside, filepath.Join(root, "overlays", "evil"))
			writeInstance(t, root, "srv", []string{filepath.Join(root, "overlays", "evil"), inst(root)})
		}, "outside installation/"},
		{"dot-dot out of overlays", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{root + "/overlays/../..", inst(root)})
		}, "outside installation/"},
		{"dot-dot to an absolute outside path", func(t *testing.T, root string) {
			rel, _ := filepath.Rel(filepath.Join(root, "overlays"), outside)
			writeInstance(t, root, "srv", []string{root + "/overlays/" + rel, inst(root)})
		}, "outside installation/"},
		{"dot-dot into the runtime dir", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{root + "/overlays/../runtime/srv/upper", inst(root)})
		}, "outside installation/"},
		{"the root itself", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{root, inst(root)})
		}, "outside installation/"},
		{"empty entry", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", nil)
			writeLowerDirs(t, root, "srv", inst(root)+"::"+inst(root))
		}, "empty"},
		{"trailing colon", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", nil)
			writeLowerDirs(t, root, "srv", inst(root)+":")
		}, "empty"},
		{"relative path", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{"installation"})
		}, "not an absolute path"},
		{"missing layer", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{filepath.Join(root, "overlays", "gone"), inst(root)})
		}, "does not resolve"},
		{"layer is a file", func(t *testing.T, root string) {
			mustWrite(t, filepath.Join(root, "overlays", "file"), "")
			writeInstance(t, root, "srv", []string{filepath.Join(root, "overlays", "file"), inst(root)})
		}, "not a directory"},
		{"upper dir symlink elsewhere", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			elsewhere := addLayer(t, root, "overlays/victim", "v")
			os.Remove(overlayfs.UpperDir(root, "srv"))
			os.Symlink(elsewhere, overlayfs.UpperDir(root, "srv"))
		}, "upper is a symlink"},
		{"work dir symlink elsewhere", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			os.Remove(overlayfs.WorkDir(root, "srv"))
			os.Symlink(outside, overlayfs.WorkDir(root, "srv"))
		}, "work is a symlink"},
		{"merged dir symlink elsewhere", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			os.Remove(overlayfs.MergedDir(root, "srv"))
			os.Symlink(outside, overlayfs.MergedDir(root, "srv"))
		}, "merged is a symlink"},
		{"runtime dir symlink elsewhere", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			for _, d := range []string{"upper", "work", "merged"} {
				mustMkdir(t, filepath.Join(outside, d))
			}
			os.RemoveAll(overlayfs.RuntimeDir(root, "srv"))
			os.Symlink(outside, overlayfs.RuntimeDir(root, "srv"))
		}, "is a symlink"},
		{"tainted upper dir", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			if err := unix.Setxattr(overlayfs.UpperDir(root, "srv"), "user.fuseoverlayfs.origin", []byte("x"), 0); err != nil {
				t.Fatalf("set xattr: %v", err)
			}
		}, "user.fuseoverlayfs.origin"},
		{"instance.env symlink", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			mustWrite(t, filepath.Join(outside, "env"), "L4D2_PORT=1\nL4D2_LOWERDIRS="+inst(root)+"\n")
			os.Remove(overlayfs.EnvPath(root, "srv"))
			os.Symlink(filepath.Join(outside, "env"), overlayfs.EnvPath(root, "srv"))
		}, "instance.env is a symlink"},
		{"runtime tree symlink elsewhere", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			os.Rename(filepath.Join(root, "runtime"), filepath.Join(outside, "runtime"))
			os.Symlink(filepath.Join(outside, "runtime"), filepath.Join(root, "runtime"))
		}, "runtime is a symlink"},
		{"instances tree symlink elsewhere", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			os.Rename(filepath.Join(root, "instances"), filepath.Join(outside, "instances"))
			os.Symlink(filepath.Join(outside, "instances"), filepath.Join(root, "instances"))
		}, "instances is a symlink"},
		{"instance.env hard link", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			os.Remove(overlayfs.EnvPath(root, "srv"))
			mustWrite(t, filepath.Join(root, "other.env"), "L4D2_PORT=1\nL4D2_LOWERDIRS="+inst(root)+"\n")
			if err := os.Link(filepath.Join(root, "other.env"), overlayfs.EnvPath(root, "srv")); err != nil {
				t.Fatal(err)
			}
		}, "one link"},
		{"instance dir symlink", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			mustMkdir(t, filepath.Join(outside, "inst"))
			mustWrite(t, filepath.Join(outside, "inst", "instance.env"), "L4D2_PORT=1\nL4D2_LOWERDIRS="+inst(root)+"\n")
			os.RemoveAll(overlayfs.InstanceDir(root, "srv"))
			os.Symlink(filepath.Join(outside, "inst"), overlayfs.InstanceDir(root, "srv"))
		}, "is a symlink"},
		{"instance.env a fifo", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			os.Remove(overlayfs.EnvPath(root, "srv"))
			if err := unix.Mkfifo(overlayfs.EnvPath(root, "srv"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "regular file"},
		{"malformed instance.env", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			mustWrite(t, overlayfs.EnvPath(root, "srv"), "L4D2_PORT=x\nL4D2_LOWERDIRS="+inst(root)+"\n")
		}, "not a port number"},
		{"not initialized", func(t *testing.T, root string) {}, "not initialized"},
		{"missing upper dir", func(t *testing.T, root string) {
			writeInstance(t, root, "srv", []string{inst(root)})
			os.Remove(overlayfs.UpperDir(root, "srv"))
		}, "does not exist"},
		{"comma in a layer path", func(t *testing.T, root string) {
			l := addLayer(t, root, "overlays/a,upperdir=x", "c")
			writeInstance(t, root, "srv", []string{l, inst(root)})
		}, "contains ','"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRoot(t)
			tt.setup(t, root)
			err := overlayfs.MountInstance(root, "srv")
			if !errors.Is(err, overlayfs.ErrRefused) {
				t.Fatalf("err = %v, want ErrRefused", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if m := mountsUnder(t, root); len(m) != 0 {
				t.Errorf("mounted despite refusal: %v", m)
			}
			if m := mountsUnder(t, outside); len(m) != 0 {
				t.Errorf("mounted outside the root: %v", m)
			}
		})
	}
}

func TestBadNamesRefused(t *testing.T) {
	root := newRoot(t)
	for _, name := range []string{"../x", "A", "-x", strings.Repeat("a", 65), "", "a/b", "."} {
		if err := overlayfs.MountInstance(root, name); !errors.Is(err, overlayfs.ErrRefused) {
			t.Errorf("MountInstance(%q) = %v, want ErrRefused", name, err)
		}
		if err := overlayfs.UnmountInstance(root, name); !errors.Is(err, overlayfs.ErrRefused) {
			t.Errorf("UnmountInstance(%q) = %v, want ErrRefused", name, err)
		}
	}
}

func TestUnmountInstanceNotMounted(t *testing.T) {
	root := newRoot(t)
	if err := overlayfs.UnmountInstance(root, "never-created"); err != nil {
		t.Errorf("unmount of an unknown instance: %v", err)
	}
	writeInstance(t, root, "idle", []string{overlayfs.InstallationDir(root)})
	if err := overlayfs.UnmountInstance(root, "idle"); err != nil {
		t.Errorf("unmount of an unmounted instance: %v", err)
	}
}

func TestMountInstanceRefusesForeignMount(t *testing.T) {
	requireRoot(t)
	root := newRoot(t)
	writeInstance(t, root, "srv", []string{overlayfs.InstallationDir(root)})
	merged := overlayfs.MergedDir(root, "srv")
	if err := unix.Mount("tmpfs", merged, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(merged, 0)
	err := overlayfs.MountInstance(root, "srv")
	if !errors.Is(err, overlayfs.ErrRefused) || !strings.Contains(err.Error(), "tmpfs") {
		t.Errorf("mount over a tmpfs: err = %v, want a refusal naming tmpfs", err)
	}
}

func TestIsMounted(t *testing.T) {
	if ok, err := overlayfs.IsMounted("/proc"); err != nil || !ok {
		t.Errorf("IsMounted(/proc) = %v, %v, want true", ok, err)
	}
	if ok, err := overlayfs.IsMounted(filepath.Join(t.TempDir(), "nope")); err != nil || ok {
		t.Errorf("IsMounted(missing) = %v, %v, want false, nil", ok, err)
	}
	requireRoot(t)
	dir := filepath.Join(t.TempDir(), "with space")
	mustMkdir(t, dir)
	if ok, _ := overlayfs.IsMounted(dir); ok {
		t.Fatal("fresh dir reported mounted")
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(dir, 0)
	if ok, err := overlayfs.IsMounted(dir); err != nil || !ok {
		t.Errorf("IsMounted(tmpfs at a path with a space) = %v, %v, want true", ok, err)
	}
}

func TestLegacyFallback(t *testing.T) {
	requireRoot(t)
	t.Run("few layers mount", func(t *testing.T) {
		root := newRoot(t)
		lowers := append(workshopLayers(t, root, 10), overlayfs.InstallationDir(root))
		mustWrite(t, filepath.Join(lowers[0], "who.txt"), "top")
		writeInstance(t, root, "legacy", lowers)
		if err := overlayfs.MountLegacy(root, "legacy"); err != nil {
			t.Fatalf("legacy mount of 11 layers: %v", err)
		}
		if got := readFile(t, filepath.Join(overlayfs.MergedDir(root, "legacy"), "who.txt")); got != "top" {
			t.Errorf("who.txt = %q, want top", got)
		}
		unmountAndCheck(t, root, "legacy")
	})
	t.Run("too long for one page", func(t *testing.T) {
		root := newRoot(t)
		lowers := append(workshopLayers(t, root, 300), overlayfs.InstallationDir(root))
		writeInstance(t, root, "legacy", lowers)
		err := overlayfs.MountLegacy(root, "legacy")
		if err == nil || !strings.Contains(err.Error(), "too long") || !strings.Contains(err.Error(), "lowerdir+") {
			t.Fatalf("legacy mount of 301 layers: err = %v, want a clear 'too long' error", err)
		}
		if m := mountsUnder(t, root); len(m) != 0 {
			t.Errorf("mounted: %v", m)
		}
		// The new API has no such limit.
		if err := overlayfs.MountInstance(root, "legacy"); err != nil {
			t.Fatalf("new mount API with 301 layers: %v", err)
		}
		unmountAndCheck(t, root, "legacy")
	})
}

func TestMountByPath(t *testing.T) {
	requireRoot(t)
	root := newRoot(t)
	lowers := append(workshopLayers(t, root, 300), overlayfs.InstallationDir(root))
	mustWrite(t, filepath.Join(lowers[0], "who.txt"), "top")
	writeInstance(t, root, "bypath", lowers)
	if err := overlayfs.MountByPath(root, "bypath"); err != nil {
		t.Fatalf("lowerdir+ by path with 301 layers: %v", err)
	}
	if got := readFile(t, filepath.Join(overlayfs.MergedDir(root, "bypath"), "who.txt")); got != "top" {
		t.Errorf("who.txt = %q, want top", got)
	}
	unmountAndCheck(t, root, "bypath")
}

func TestUnmountDoesNotFollowPlantedSymlink(t *testing.T) {
	root := newRoot(t)
	writeInstance(t, root, "srv", []string{overlayfs.InstallationDir(root)})
	victim := t.TempDir()
	mustWrite(t, filepath.Join(victim, "keep"), "x")
	if err := os.Symlink(victim, filepath.Join(overlayfs.WorkDir(root, "srv"), "work")); err != nil {
		t.Fatal(err)
	}
	if err := overlayfs.UnmountInstance(root, "srv"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(victim, "keep")); err != nil {
		t.Errorf("removing work/work followed a symlink out of the instance: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(overlayfs.WorkDir(root, "srv"), "work")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("planted work/work symlink not removed: %v", err)
	}
}

func TestMounterIsIdempotent(t *testing.T) {
	requireRoot(t)
	root := newRoot(t)
	writeInstance(t, root, "m", []string{overlayfs.InstallationDir(root)})
	m := overlayfs.Mounter{Root: root}
	for i := range 2 {
		if err := m.Mount(t.Context(), "m"); err != nil {
			t.Fatalf("Mount #%d: %v", i+1, err)
		}
	}
	if got := readFile(t, filepath.Join(overlayfs.MergedDir(root, "m"), "who.txt")); got != "installation" {
		t.Errorf("who.txt = %q", got)
	}
	for i := range 2 {
		if err := m.Unmount(t.Context(), "m"); err != nil {
			t.Fatalf("Unmount #%d: %v", i+1, err)
		}
	}
	if m := mountsUnder(t, root); len(m) != 0 {
		t.Errorf("still mounted: %v", m)
	}
}
