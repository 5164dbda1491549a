// Package overlayfs mounts and unmounts the kernel overlayfs view of one
// left4me instance: runtime/<name>/merged over the lower layers listed in
// instances/<name>/instance.env, with upper and work dirs in runtime/<name>.
//
// It runs inside the root helper (left4me-overlay), so it trusts nothing it
// reads: names, the env file and every path are validated, and symlinks are
// resolved before any path is handed to the kernel. It imports only the
// standard library, golang.org/x/sys and the root package.
package overlayfs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
)

// MaxLayers is the most lower layers overlayfs stacks (the installation included).
const MaxLayers = 500

// ErrRefused is wrapped by every error caused by invalid input (a bad name, a
// layer outside the allowed roots, a tainted upper dir, too many layers...),
// as opposed to a failure of the system. Callers test it with errors.Is: the
// helper exits 2 for a refusal and 1 for a failure.
var ErrRefused = errors.New("refused")

// refuse returns an error wrapping ErrRefused with a message saying why.
func refuse(format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...)}
}

type refusal struct{ msg string }

func (r *refusal) Error() string        { return "refused: " + r.msg }
func (r *refusal) Is(target error) bool { return target == ErrRefused }

// allowedLowerRoots are the directories under the root whose contents may be
// lower layers. Nothing else may ever be stacked.
var allowedLowerRoots = []string{"installation", "overlays", "workshop_cache", "global_overlay_cache"}

// InstallationDir is root/installation, the lowest layer of every instance.
func InstallationDir(root string) string { return filepath.Join(root, "installation") }

// InstanceDir is root/instances/<name>, holding instance.env and spec.json.
func InstanceDir(root, name string) string { return filepath.Join(root, "instances", name) }

// EnvPath is root/instances/<name>/instance.env.
func EnvPath(root, name string) string { return filepath.Join(InstanceDir(root, name), "instance.env") }

// RuntimeDir is root/runtime/<name>, holding upper, work and merged.
func RuntimeDir(root, name string) string { return filepath.Join(root, "runtime", name) }

// UpperDir is root/runtime/<name>/upper, the instance's writable layer.
func UpperDir(root, name string) string { return filepath.Join(RuntimeDir(root, name), "upper") }

// WorkDir is root/runtime/<name>/work, overlayfs's scratch dir.
func WorkDir(root, name string) string { return filepath.Join(RuntimeDir(root, name), "work") }

// MergedDir is root/runtime/<name>/merged, the server's game directory.
func MergedDir(root, name string) string { return filepath.Join(RuntimeDir(root, name), "merged") }

// Mounter mounts instances in-process with MountInstance and UnmountInstance.
// It needs root (CAP_SYS_ADMIN); it is what the process runtime and the helper
// use. Its methods have the shape of host.Mounter.
type Mounter struct {
	Root string // LEFT4ME_ROOT
}

// Mount mounts the instance's merged view; already mounted is success.
func (m Mounter) Mount(ctx context.Context, name string) error {
	return MountInstance(m.Root, name)
}

// Unmount unmounts the instance's merged view; not mounted is success.
func (m Mounter) Unmount(ctx context.Context, name string) error {
	return UnmountInstance(m.Root, name)
}
