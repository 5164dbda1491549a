// Package host is the instance lifecycle shared by l4d2ctl, the web app's
// jobs and left4me demo: it lays out an instance under LEFT4ME_ROOT, writes
// instance.env and spec.json, stages cfg files into the upper dir and drives
// a Runtime (systemd units or the in-process supervisor). It never mounts by
// itself; mounting belongs to the runtime (the unit's ExecStartPre) or to an
// explicit Mounter.
package host

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/overlayfs"
)

// Runtime runs the server of an initialized instance. Implementations:
// systemd (production, a template unit per instance) and supervisor (an
// in-process supervisor with the unit's semantics).
type Runtime interface {
	// Enable starts the server and keeps it running across failures (and,
	// for systemd, reboots). It is idempotent: enabling a running server
	// succeeds. Errors mean the runtime could not be asked, not that the
	// server later crashed; that shows in Status.
	Enable(ctx context.Context, name string) error
	// Disable stops the server (SIGINT, then a kill after a timeout), waits
	// for it and unmounts; it is idempotent, unknown names succeed.
	Disable(ctx context.Context, name string) error
	// Status reports the unit state; unknown names are inactive (dead).
	Status(ctx context.Context, name string) (left4me.UnitStatus, error)
	// Logs writes the last lines of the server's output to w and, with
	// follow, keeps writing new lines until ctx is done.
	Logs(ctx context.Context, name string, lines int, follow bool, w io.Writer) error
}

// Mounter mounts and unmounts an instance's overlay (via the root helper, or
// in-process with overlayfs.Mounter when running as root). Both methods are
// idempotent: mounting a mounted instance or unmounting an unmounted one
// succeeds. A refusal of invalid input wraps overlayfs.ErrRefused.
type Mounter interface {
	Mount(ctx context.Context, name string) error
	Unmount(ctx context.Context, name string) error
}

// Host is the lifecycle of instances under one root. Its zero Logger logs
// nothing; a nil Mounter skips the extra unmount in Stop and purge.
type Host struct {
	Root    string // LEFT4ME_ROOT, e.g. /var/lib/left4me
	Runtime Runtime
	Mounter Mounter
	Logger  *slog.Logger
}

func (h *Host) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// root is Root made absolute, since L4D2_LOWERDIRS must hold absolute paths.
func (h *Host) root() string {
	if abs, err := filepath.Abs(h.Root); err == nil {
		return abs
	}
	return h.Root
}

// InstallationDir is root/installation, the lowest layer of every instance.
func (h *Host) InstallationDir() string { return overlayfs.InstallationDir(h.root()) }

// InstanceDir is root/instances/<name>.
func (h *Host) InstanceDir(name string) string { return overlayfs.InstanceDir(h.root(), name) }

// EnvPath is root/instances/<name>/instance.env.
func (h *Host) EnvPath(name string) string { return overlayfs.EnvPath(h.root(), name) }

// SpecPath is root/instances/<name>/spec.json.
func (h *Host) SpecPath(name string) string {
	return filepath.Join(h.InstanceDir(name), "spec.json")
}

// RuntimeDir is root/runtime/<name>.
func (h *Host) RuntimeDir(name string) string { return overlayfs.RuntimeDir(h.root(), name) }

// UpperDir is root/runtime/<name>/upper.
func (h *Host) UpperDir(name string) string { return overlayfs.UpperDir(h.root(), name) }

// MergedDir is root/runtime/<name>/merged, the server's game directory.
func (h *Host) MergedDir(name string) string { return overlayfs.MergedDir(h.root(), name) }

// CfgDir is where cfg files are staged: runtime/<name>/upper/left4dead2/cfg.
func (h *Host) CfgDir(name string) string {
	return filepath.Join(h.UpperDir(name), "left4dead2", "cfg")
}

// Step names reported through WithStepFunc.
const (
	StepInitialize = "initialize"
	StepStage      = "stage cfgs"
	StepEnable     = "enable"
	StepDisable    = "disable"
	StepUnmount    = "unmount"
	StepRemove     = "remove files"
)

type stepKey struct{}

// WithStepFunc returns a context whose lifecycle calls report each named
// step (StepInitialize, StepStage...) to fn before doing it, so a job
// runner can show progress. fn must be quick and safe for one goroutine.
func WithStepFunc(ctx context.Context, fn func(step string)) context.Context {
	return context.WithValue(ctx, stepKey{}, fn)
}

func step(ctx context.Context, name string) {
	if fn, ok := ctx.Value(stepKey{}).(func(string)); ok && fn != nil {
		fn(name)
	}
}
