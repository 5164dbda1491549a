package main

import (
	"log/slog"

	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/overlayfs"
	"github.com/left4me/left4me/systemd"
)

// newSystemdRuntime builds the production runtime: each server is the unit
// left4me-server@NAME.service, reached through `sudo -n` and the root
// helpers in LEFT4ME_HELPER_DIR. The same value mounts and unmounts
// through left4me-overlay.
func newSystemdRuntime(c config, log *slog.Logger) (host.Runtime, host.Mounter, error) {
	rt := systemd.New(systemd.Config{HelperDir: c.HelperDir, Logger: log})
	return rt, rt, nil
}

// processMounter mounts in-process; it needs root.
func processMounter(root string) host.Mounter { return overlayfs.Mounter{Root: root} }
