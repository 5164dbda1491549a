package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/left4me/left4me"
)

// maxCfgSize bounds an overlay's server.cfg copied into an instance.
const maxCfgSize = 1 << 20

// stagedAlias matches the file names StageConfigs owns besides server.cfg.
var stagedAlias = regexp.MustCompile(`^server_([a-z0-9][a-z0-9_]{0,63})\.cfg$`)

// StageConfigs writes the spec's config as server.cfg and, for each aliased
// overlay, a copy of its left4dead2/cfg/server.cfg as server_<alias>.cfg into
// runtime/<name>/upper/left4dead2/cfg, all atomically, and removes staged
// copies no alias asks for any more. It must run before the mount: files
// written into upper then need no overlayfs copy-up. An aliased overlay
// without a server.cfg gets no file (exec then reports it missing).
func (h *Host) StageConfigs(ctx context.Context, spec left4me.InstanceSpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	step(ctx, StepStage)
	dir := h.CfgDir(spec.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("stage cfgs of %q: %w", spec.Name, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "server.cfg"), []byte(spec.Config), 0o644); err != nil {
		return fmt.Errorf("stage cfgs of %q: %w", spec.Name, err)
	}
	wanted := map[string]bool{}
	for _, o := range spec.Overlays {
		if o.Alias == "" {
			continue
		}
		file := "server_" + o.Alias + ".cfg"
		ok, err := h.stageOverlayCfg(o, filepath.Join(dir, file))
		if err != nil {
			return fmt.Errorf("stage cfgs of %q: %w", spec.Name, err)
		}
		wanted[file] = ok
	}
	return h.removeStale(dir, wanted)
}

// stageOverlayCfg copies one overlay's server.cfg; false when it has none.
func (h *Host) stageOverlayCfg(o left4me.OverlayRef, dst string) (bool, error) {
	src := filepath.Join(o.Path, "left4dead2", "cfg", "server.cfg")
	f, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		h.logger().Warn("aliased overlay has no server.cfg", "overlay", o.Path, "alias", o.Alias)
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read %s: %w", src, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCfgSize+1))
	if err != nil {
		return false, fmt.Errorf("read %s: %w", src, err)
	}
	if len(data) > maxCfgSize {
		return false, left4me.Errorf(left4me.EINVALID, "%s is larger than %d bytes", src, maxCfgSize)
	}
	return true, writeFileAtomic(dst, data, 0o644)
}

// removeStale deletes server_<alias>.cfg files that were staged for an alias
// no longer in the spec (or whose overlay lost its server.cfg).
func (h *Host) removeStale(dir string, wanted map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("stage cfgs: %w", err)
	}
	for _, e := range entries {
		if !stagedAlias.MatchString(e.Name()) || wanted[e.Name()] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("remove stale %s: %w", e.Name(), err)
		}
	}
	return nil
}
