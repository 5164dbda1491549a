package main

import (
	"errors"
	"log/slog"

	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/overlayfs"
)

// newSystemdRuntime builds the production runtime (units and helpers through
// sudo). Until the systemd package lands, serve needs LEFT4ME_RUNTIME=process.
func newSystemdRuntime(c config, log *slog.Logger) (host.Runtime, host.Mounter, error) {
	return nil, nil, errSystemdMissing
}

var errSystemdMissing = errors.New("the systemd runtime is not built in yet: set LEFT4ME_RUNTIME=process")

// processMounter mounts in-process; it needs root.
func processMounter(root string) host.Mounter { return overlayfs.Mounter{Root: root} }
