package left4me

import "regexp"

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidateName reports whether name may be used as an instance (server) name:
// it becomes a directory name, a systemd unit instance and a helper argument,
// so it is checked at every boundary with this one function.
func ValidateName(name string) error {
	if !validName.MatchString(name) {
		return Errorf(EINVALID, "invalid server name %q: use 1 to 64 characters a-z, 0-9, '_' or '-', starting with a letter or digit", name)
	}
	return nil
}
