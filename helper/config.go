package helper

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/left4me/left4me/overlayfs"
)

// EnvRoot is the host.env key naming the data root.
const EnvRoot = "LEFT4ME_ROOT"

// dataRoot reads LEFT4ME_ROOT from cfg.HostEnv. The file must belong to root
// and be writable by nobody else: whoever can write it decides which files
// the helpers mount and chown. A missing file means DefaultRoot.
func (cfg *Config) dataRoot() (string, error) {
	st, err := os.Stat(cfg.HostEnv)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultRoot, nil
	} else if err != nil {
		return "", fmt.Errorf("read %s: %w", cfg.HostEnv, err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || sys.Uid != 0 || st.Mode().Perm()&0o022 != 0 || !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s must be a regular file owned by root and writable only by root", cfg.HostEnv)
	}
	env, err := overlayfs.ReadEnvFile(cfg.HostEnv)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", cfg.HostEnv, err)
	}
	root, ok := env[EnvRoot]
	if !ok || root == "" {
		return DefaultRoot, nil
	}
	if !filepath.IsAbs(root) || filepath.Clean(root) != root || root == "/" || strings.ContainsAny(root, ":,\\\n") {
		return "", fmt.Errorf("%s in %s must be a clean absolute path other than / without ':' ',' or '\\', not %q", EnvRoot, cfg.HostEnv, root)
	}
	return root, nil
}
