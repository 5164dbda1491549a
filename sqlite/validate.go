package sqlite

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/left4me/left4me"
)

// MaxNameLength is the longest user, overlay or blueprint name, in characters.
const MaxNameLength = 64

// cleanLabel trims a display name (overlay, blueprint) and checks it is
// printable and not too long; what names the thing in the error message.
func cleanLabel(what, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", left4me.Errorf(left4me.EINVALID, "%s name must not be empty", what)
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLength {
		return "", left4me.Errorf(left4me.EINVALID, "%s name is %d characters long, at most %d are allowed", what, n, MaxNameLength)
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", left4me.Errorf(left4me.EINVALID, "%s name %q contains control characters", what, name)
	}
	return name, nil
}

// validateUserName refuses spaces as well, because a user name is typed at a
// login prompt and passed on command lines.
func validateUserName(name string) error {
	if _, err := cleanLabel("user", name); err != nil {
		return err
	}
	if strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return left4me.Errorf(left4me.EINVALID, "user name %q must not contain spaces", name)
	}
	return nil
}
