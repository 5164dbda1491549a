package helper

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/overlayfs"
)

// runOverlay is left4me-overlay mount|umount NAME. The unit runs it inside
// PID 1's mount namespace, so the mount outlives the unit's own namespace.
func runOverlay(cfg *Config, args []string) (int, error) {
	if len(args) != 2 {
		return 0, usagef("expected 2 arguments, got %d", len(args))
	}
	verb, name := args[0], args[1]
	if verb != "mount" && verb != "umount" {
		return 0, usagef("unknown verb %q", verb)
	}
	if err := left4me.ValidateName(name); err != nil {
		return 0, usagef("%s", left4me.ErrorMessage(err))
	}
	root, err := cfg.dataRoot()
	if err != nil {
		return 0, err
	}
	if foreign, err := cfg.foreignMountNS(); err != nil {
		return 0, err
	} else if foreign {
		return cfg.overlayInPID1(verb, name)
	}
	if verb == "mount" {
		err = overlayfs.MountInstance(root, name)
	} else {
		err = overlayfs.UnmountInstance(root, name)
	}
	if errors.Is(err, overlayfs.ErrRefused) {
		return 0, usagef("%v", err)
	} else if err != nil {
		return 0, fmt.Errorf("%s %q: %w", verb, name, err)
	}
	return ExitOK, nil
}

// foreignMountNS reports whether the helper runs outside cfg.MountNS, as
// it does when a sandboxed unit (the web panel: ProtectSystem= and friends
// give it its own mount namespace) calls it through sudo. A mount made
// there would be invisible to systemd and the servers, and an unmount
// would only detach the unit's copy.
func (cfg *Config) foreignMountNS() (bool, error) {
	if cfg.MountNS == "" {
		return false, nil
	}
	want, err := os.Readlink(cfg.MountNS)
	if err != nil {
		return false, fmt.Errorf("read mount namespace: %w", err)
	}
	have, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return false, fmt.Errorf("read mount namespace: %w", err)
	}
	return want != have, nil
}

// overlayInPID1 re-runs this helper as a transient unit of PID 1, which
// runs in PID 1's mount namespace. Unlike nsenter it works whatever the
// calling unit forbids (RestrictNamespaces= blocks setns() for everything
// it starts, sudo included), and a Go program cannot setns() a mount
// namespace itself once it has threads.
func (cfg *Config) overlayInPID1(verb, name string) (int, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("locate helper: %w", err)
	}
	args := []string{"--quiet", "--wait", "--pipe", "--collect", "--description=left4me-overlay " + verb + " " + name, "--", self}
	if filepath.Base(self) != NameOverlay { // installed under another name: dispatch by argument
		args = append(args, NameOverlay)
	}
	return cfg.runTool(cfg.SystemdRun, append(args, verb, name)...)
}
