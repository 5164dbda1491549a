package host_test

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/host/hosttest"
	"github.com/left4me/left4me/overlayfs"
)

// BenchmarkInstanceDisk initializes, stages and mounts one instance per
// iteration over a three-overlay spec and reports the disk it takes beyond
// its staged cfg files (instance.env, spec.json, the runtime dirs), counted
// in allocated blocks: the point of overlays is that this stays kilobytes.
func BenchmarkInstanceDisk(b *testing.B) {
	hosttest.RequireRoot(b)
	root := hosttest.NewRoot(b)
	hosttest.InstallFakeServer(b, root)
	h := &host.Host{Root: root, Runtime: &hosttest.Runtime{}, Mounter: overlayfs.Mounter{Root: root}}
	var overlays []left4me.OverlayRef
	for i := range 3 {
		id := fmt.Sprint("ov", i)
		overlays = append(overlays, left4me.OverlayRef{Path: hosttest.AddOverlay(b, root, id, "sv_cheats 0"), Alias: id})
	}
	var total, cfgs int64
	i := 0
	for b.Loop() {
		name := fmt.Sprint("bench", i)
		i++
		spec := left4me.InstanceSpec{Name: name, Port: 27015, Config: "hostname bench", Overlays: overlays}
		if err := h.Start(b.Context(), spec); err != nil {
			b.Fatal(err)
		}
		if err := overlayfs.MountInstance(root, name); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		all, staged := diskUsage(b, h, name)
		total += all
		cfgs += staged
		if err := h.Delete(b.Context(), name); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(total-cfgs)/float64(i), "disk-bytes/instance")
	b.ReportMetric(float64(cfgs)/float64(i), "cfg-bytes/instance")
}

// diskUsage sums allocated bytes under instances/<name> and runtime/<name>
// (not descending into the merged mount) and, separately, the staged cfgs.
func diskUsage(b *testing.B, h *host.Host, name string) (all, staged int64) {
	for _, dir := range []string{h.InstanceDir(name), h.RuntimeDir(name)} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p == h.MergedDir(name) {
				return filepath.SkipDir
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			n := info.Sys().(*syscall.Stat_t).Blocks * 512
			all += n
			if filepath.Dir(p) == h.CfgDir(name) && !d.IsDir() {
				staged += n
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return all, staged
}
