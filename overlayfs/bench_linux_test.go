package overlayfs_test

import (
	"fmt"
	"testing"

	"github.com/left4me/left4me/overlayfs"
)

// BenchmarkMountInstance measures MountInstance (validation, symlink
// resolution and the new mount API) against the number of lower layers;
// the unmount after each mount is not timed.
func BenchmarkMountInstance(b *testing.B) {
	requireRoot(b)
	for _, n := range []int{1, 50, 200, 500} {
		b.Run(fmt.Sprintf("layers=%d", n), func(b *testing.B) {
			root := newRoot(b)
			lowers := append(workshopLayers(b, root, n-1), overlayfs.InstallationDir(root))
			writeInstance(b, root, "bench", lowers)
			for b.Loop() {
				if err := overlayfs.MountInstance(root, "bench"); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := overlayfs.UnmountInstance(root, "bench"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
