package helper

import (
	"errors"
	"fmt"

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
