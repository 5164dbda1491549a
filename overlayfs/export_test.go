package overlayfs

// MountLegacy validates like MountInstance and then mounts with the legacy
// option string, so tests can exercise the fallback on kernels that have
// lowerdir+.
func MountLegacy(root, name string) error {
	p, err := validateInstance(root, name)
	if err != nil {
		return err
	}
	return mountLegacy(p)
}
