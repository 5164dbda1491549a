package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/overlayfs"
)

// Initialize creates the instance and runtime dirs and (re)writes
// instance.env and spec.json atomically from spec. It is idempotent and
// runs no overlay builders. An invalid spec is an EINVALID *left4me.Error
// and nothing is created.
func (h *Host) Initialize(ctx context.Context, spec left4me.InstanceSpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	step(ctx, StepInitialize)
	name := spec.Name
	for _, d := range []struct {
		path string
		perm os.FileMode
	}{
		{h.InstanceDir(name), 0o750},
		{h.UpperDir(name), 0o755},
		{overlayfs.WorkDir(h.root(), name), 0o755},
		{h.MergedDir(name), 0o755},
	} {
		if err := os.MkdirAll(d.path, d.perm); err != nil {
			return fmt.Errorf("initialize %q: %w", name, err)
		}
	}
	env := overlayfs.InstanceEnv{Port: spec.Port, Args: spec.Args}
	for _, o := range spec.Overlays {
		env.LowerDirs = append(env.LowerDirs, o.Path)
	}
	env.LowerDirs = append(env.LowerDirs, h.InstallationDir())
	envData, err := env.Encode()
	if err != nil {
		return left4me.Errorf(left4me.EINVALID, "instance spec: %v", err)
	}
	if err := writeFileAtomic(h.EnvPath(name), envData, 0o640); err != nil {
		return fmt.Errorf("initialize %q: %w", name, err)
	}
	specData, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return fmt.Errorf("initialize %q: %w", name, err)
	}
	if err := writeFileAtomic(h.SpecPath(name), append(specData, '\n'), 0o640); err != nil {
		return fmt.Errorf("initialize %q: %w", name, err)
	}
	h.logger().Info("instance initialized", "name", name, "layers", len(env.LowerDirs))
	return nil
}

// LoadSpec reads the stored spec.json of name. A missing spec wraps
// left4me.ErrNotInitialized.
func (h *Host) LoadSpec(name string) (*left4me.InstanceSpec, error) {
	if err := left4me.ValidateName(name); err != nil {
		return nil, err
	}
	f, err := os.Open(h.SpecPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load spec of %q: %w", name, left4me.ErrNotInitialized)
	} else if err != nil {
		return nil, fmt.Errorf("load spec of %q: %w", name, err)
	}
	defer f.Close()
	spec, err := left4me.ParseInstanceSpec(f)
	if err != nil {
		return nil, fmt.Errorf("load spec of %q: %w", name, err)
	}
	if spec.Name != name {
		return nil, left4me.Errorf(left4me.EINVALID, "spec.json of %q names instance %q", name, spec.Name)
	}
	return spec, nil
}

// Start (re)initializes the instance from spec, stages its cfgs and enables
// it in the runtime. It never mounts: the runtime does, after staging, so
// the cfgs land in the upper dir without an overlayfs copy-up. Starting a
// running instance rewrites its files and succeeds.
func (h *Host) Start(ctx context.Context, spec left4me.InstanceSpec) error {
	if err := h.Initialize(ctx, spec); err != nil {
		return err
	}
	if err := h.StageConfigs(ctx, spec); err != nil {
		return err
	}
	step(ctx, StepEnable)
	if err := h.Runtime.Enable(ctx, spec.Name); err != nil {
		return fmt.Errorf("enable %q: %w", spec.Name, err)
	}
	h.logger().Info("instance started", "name", spec.Name)
	return nil
}

// Stop disables the instance, then unmounts once more in case the runtime's
// own unmount did not run; stopping a stopped instance succeeds.
func (h *Host) Stop(ctx context.Context, name string) error {
	if err := left4me.ValidateName(name); err != nil {
		return err
	}
	step(ctx, StepDisable)
	if err := h.Runtime.Disable(ctx, name); err != nil {
		return fmt.Errorf("disable %q: %w", name, err)
	}
	if err := h.unmount(ctx, name); err != nil {
		return err
	}
	h.logger().Info("instance stopped", "name", name)
	return nil
}

func (h *Host) unmount(ctx context.Context, name string) error {
	if h.Mounter == nil {
		return nil
	}
	step(ctx, StepUnmount)
	if err := h.Mounter.Unmount(ctx, name); err != nil {
		return fmt.Errorf("unmount %q: %w", name, err)
	}
	return nil
}

// Restart stops the instance and starts it again from spec.
func (h *Host) Restart(ctx context.Context, spec left4me.InstanceSpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if err := h.Stop(ctx, spec.Name); err != nil {
		return err
	}
	return h.Start(ctx, spec)
}

// Reset stops and unmounts the instance and removes runtime/<name> and
// instances/<name>; the next Start re-initializes from the spec it is given.
func (h *Host) Reset(ctx context.Context, name string) error {
	return h.purge(ctx, name)
}

// Delete removes everything of the instance on the host, exactly as Reset
// does; it succeeds on a half-initialized or unknown instance. The caller
// removes its own records (the database row) afterwards.
func (h *Host) Delete(ctx context.Context, name string) error {
	return h.purge(ctx, name)
}

// purge is the one removal path shared by Reset and Delete.
func (h *Host) purge(ctx context.Context, name string) error {
	if err := h.Stop(ctx, name); err != nil {
		return err
	}
	// Removing files through a live mount would write whiteouts into upper
	// instead of deleting; refuse rather than guess.
	if mounted, err := overlayfs.IsMounted(h.MergedDir(name)); err != nil {
		return fmt.Errorf("purge %q: %w", name, err)
	} else if mounted {
		return fmt.Errorf("purge %q: %s is still mounted", name, h.MergedDir(name))
	}
	step(ctx, StepRemove)
	for _, dir := range []string{h.RuntimeDir(name), h.InstanceDir(name)} {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("purge %q: %w", name, err)
		}
	}
	h.logger().Info("instance purged", "name", name)
	return nil
}

// Status reports the runtime's state of the instance.
func (h *Host) Status(ctx context.Context, name string) (left4me.UnitStatus, error) {
	if err := left4me.ValidateName(name); err != nil {
		return left4me.UnitStatus{}, err
	}
	return h.Runtime.Status(ctx, name)
}

// Logs writes the instance's last lines (and with follow, new ones until ctx
// is done) to w.
func (h *Host) Logs(ctx context.Context, name string, lines int, follow bool, w io.Writer) error {
	if err := left4me.ValidateName(name); err != nil {
		return err
	}
	if lines < 0 {
		return left4me.Errorf(left4me.EINVALID, "lines must not be negative")
	}
	return h.Runtime.Logs(ctx, name, lines, follow, w)
}
