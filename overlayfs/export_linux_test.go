package overlayfs

// MountLegacy validates like MountInstance and then mounts with the legacy
// option string, so tests can exercise the fallback on kernels that have
// lowerdir+.
func MountLegacy(root, name string) error {
	o, err := openInstance(root, name)
	if err != nil {
		return err
	}
	defer o.close()
	return mountLegacy(o)
}

// MountByPath mounts with lowerdir+ paths instead of fds, the method for
// Linux 6.8 to 6.12.
func MountByPath(root, name string) error {
	o, err := openInstance(root, name)
	if err != nil {
		return err
	}
	defer o.close()
	return mountNewAPI(o, false)
}
