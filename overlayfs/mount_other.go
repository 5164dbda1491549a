//go:build !linux

package overlayfs

import "errors"

var errNotLinux = errors.New("overlayfs mounts need Linux")

// MountInstance needs Linux; elsewhere it always fails.
func MountInstance(root, name string) error { return errNotLinux }

// UnmountInstance needs Linux; elsewhere it always fails.
func UnmountInstance(root, name string) error { return errNotLinux }

// IsMounted needs Linux; elsewhere it always fails.
func IsMounted(path string) (bool, error) { return false, errNotLinux }
