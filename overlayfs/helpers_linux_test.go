package overlayfs_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/left4me/left4me/overlayfs"
)

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("overlayfs mounts need root (CI runs as root)")
	}
}

// newRoot lays out an empty LEFT4ME_ROOT with an installation holding
// srcds_run and a file every layer may shadow.
func newRoot(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"installation/left4dead2/cfg", "overlays", "workshop_cache", "global_overlay_cache", "instances", "runtime"} {
		mustMkdir(t, filepath.Join(root, d))
	}
	mustWrite(t, filepath.Join(root, "installation", "who.txt"), "installation")
	t.Cleanup(func() { unmountAllUnder(t, root) })
	return root
}

// addLayer creates a layer dir under root/sub with a marker file.
func addLayer(t testing.TB, root, sub, marker string) string {
	t.Helper()
	dir := filepath.Join(root, sub)
	mustMkdir(t, dir)
	mustWrite(t, filepath.Join(dir, "layer-"+filepath.Base(dir)), marker)
	return dir
}

// writeInstance creates the instance's dirs and an instance.env listing lowers.
func writeInstance(t testing.TB, root, name string, lowers []string) {
	t.Helper()
	for _, d := range []string{overlayfs.InstanceDir(root, name), overlayfs.UpperDir(root, name), overlayfs.WorkDir(root, name), overlayfs.MergedDir(root, name)} {
		mustMkdir(t, d)
	}
	writeLowerDirs(t, root, name, strings.Join(lowers, ":"))
}

// writeLowerDirs writes instance.env with a raw L4D2_LOWERDIRS value.
func writeLowerDirs(t testing.TB, root, name, lowerdirs string) {
	t.Helper()
	data, err := overlayfs.EncodeEnv([]overlayfs.EnvVar{{Key: overlayfs.EnvPort, Value: "27015"}, {Key: overlayfs.EnvLowerDirs, Value: lowerdirs}})
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, overlayfs.EnvPath(root, name), string(data))
}

// workshopLayers adds n layers shaped like workshop_cache/<10-digit id>.
func workshopLayers(t testing.TB, root string, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		out = append(out, addLayer(t, root, fmt.Sprintf("workshop_cache/%010d", 3000000000+i), fmt.Sprint(i)))
	}
	return out
}

// mountsUnder lists mount points at or below dir in this namespace.
func mountsUnder(t testing.TB, dir string) []string {
	t.Helper()
	rdir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		mp := strings.ReplaceAll(fields[4], `\040`, " ")
		if mp == rdir || strings.HasPrefix(mp, rdir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

func unmountAllUnder(t testing.TB, dir string) {
	if _, err := os.Stat(dir); err != nil {
		return
	}
	mps := mountsUnder(t, dir)
	slices.Reverse(mps)
	for _, mp := range mps {
		t.Errorf("test left a mount at %s; detaching it", mp)
		unix.Unmount(mp, unix.MNT_DETACH)
	}
}

func mustMkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
