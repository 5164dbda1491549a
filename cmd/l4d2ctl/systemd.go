package main

import (
	"log/slog"

	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/overlayfs"
	"github.com/left4me/left4me/systemd"
)

// THE ONE PLACE where l4d2ctl builds the systemd runtime: the server is the
// unit left4me-server@NAME.service, reached through `sudo -n` and the root
// helpers in /usr/local/libexec/left4me (installed by deploy/install.sh).
// The same value mounts and unmounts through left4me-overlay.
func newSystemdRuntime(cfg config, logger *slog.Logger) (host.Runtime, host.Mounter, error) {
	rt := systemd.New(systemd.Config{Logger: logger})
	return rt, rt, nil
}

// newSystemdMounter is the helper-backed mounter `l4d2ctl run` uses under
// the systemd runtime (left4me-overlay through sudo).
func newSystemdMounter(cfg config, logger *slog.Logger) (host.Mounter, error) {
	_, m, err := newSystemdRuntime(cfg, logger)
	return m, err
}

// processMounter mounts in-process (needs root).
func processMounter(root string) host.Mounter { return overlayfs.Mounter{Root: root} }
