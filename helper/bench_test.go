package helper_test

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkSandboxHandoff measures left4me-script-sandbox's own cost around
// a build of a 2000-file overlay (50 dirs of 40 files): validating, handing
// the tree to the sandbox user and back (two fd-based walks), with a
// systemd-run that does nothing.
func BenchmarkSandboxHandoff(b *testing.B) {
	f := newFixture(b)
	ov := filepath.Join(f.root, "overlays/1")
	for d := range 50 {
		for i := range 40 {
			writeFile(b, filepath.Join(ov, fmt.Sprintf("left4dead2/addons/d%02d/f%02d.vpk", d, i)), "x", 0o644)
		}
	}
	chownTree(b, ov, f.svcUID)
	script := filepath.Join(f.root, "scripts/build.sh")
	for b.Loop() {
		if code := f.run("left4me-script-sandbox", "1", script); code != 0 {
			b.Fatalf("exit %d: %s", code, f.stderr)
		}
	}
}
