package main

import (
	"errors"
	"log/slog"

	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/overlayfs"
)

// THE ONE PLACE where l4d2ctl builds the systemd runtime (package
// github.com/left4me/left4me/systemd, through the sudo helpers). Until that
// package is wired in here, the systemd runtime reports itself missing and
// `--runtime process` (or LEFT4ME_RUNTIME=process) is the way to run.
func newSystemdRuntime(cfg config, logger *slog.Logger) (host.Runtime, host.Mounter, error) {
	return nil, nil, errSystemdMissing
}

// newSystemdMounter is the helper-backed mounter `l4d2ctl run` uses under
// the systemd runtime (left4me-overlay through sudo).
func newSystemdMounter(cfg config, logger *slog.Logger) (host.Mounter, error) {
	_, m, err := newSystemdRuntime(cfg, logger)
	return m, err
}

var errSystemdMissing = errors.New("systemd runtime not built in yet: use --runtime process")

// processMounter mounts in-process (needs root).
func processMounter(root string) host.Mounter { return overlayfs.Mounter{Root: root} }
