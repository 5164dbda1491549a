package overlayfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// instancePaths are the resolved, validated paths of one instance mount.
type instancePaths struct {
	lowers              []string // uppermost first
	upper, work, merged string
}

// resolveRoot makes root absolute and resolves its symlinks: every later
// containment check compares resolved paths against it.
func resolveRoot(root string) (string, error) {
	if root == "" {
		return "", refuse("empty root directory")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("resolve root %q: %w", root, err)
	}
	r, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("resolve root %q: %w", root, err)
	}
	return r, nil
}

// validateLowers resolves every layer and checks it lies under an allowed root.
func validateLowers(rroot string, dirs []string) ([]string, error) {
	if len(dirs) > MaxLayers {
		return nil, refuse("%d lower layers: overlayfs stacks at most %d", len(dirs), MaxLayers)
	}
	allowed := allowedRoots(rroot)
	out := make([]string, len(dirs))
	for i, d := range dirs {
		r, err := resolveLower(i, d, allowed)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

func allowedRoots(rroot string) []string {
	var out []string
	for _, a := range allowedLowerRoots {
		if r, err := filepath.EvalSymlinks(filepath.Join(rroot, a)); err == nil {
			out = append(out, r)
		}
	}
	return out
}

func resolveLower(i int, d string, allowed []string) (string, error) {
	switch {
	case d == "":
		return "", refuse("lower layer %d is empty (an empty entry in %s)", i+1, EnvLowerDirs)
	case !filepath.IsAbs(d):
		return "", refuse("lower layer %d %q is not an absolute path", i+1, d)
	case strings.ContainsAny(d, ",\\") || strings.ContainsFunc(d, isControl):
		return "", refuse("lower layer %d %q contains ',', '\\' or control characters", i+1, d)
	}
	r, err := filepath.EvalSymlinks(d)
	if err != nil {
		return "", refuse("lower layer %d %q does not resolve: %v", i+1, d, err)
	}
	if strings.ContainsAny(r, ",\\:") || strings.ContainsFunc(r, isControl) {
		return "", refuse("lower layer %d %q resolves to %q, which contains ',', ':', '\\' or control characters", i+1, d, r)
	}
	if !underAny(r, allowed) {
		return "", refuse("lower layer %d %q resolves to %q, outside %s of the root", i+1, d, r, strings.Join(allowedLowerRoots, "/, ")+"/")
	}
	if st, err := os.Stat(r); err != nil || !st.IsDir() {
		return "", refuse("lower layer %d %q is not a directory", i+1, d)
	}
	return r, nil
}

// within reports whether p is dir or lies below it; both must be clean.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}

func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if within(p, d) {
			return true
		}
	}
	return false
}

// validateRuntime checks that runtime/<name> resolves inside root/runtime and
// that upper, work and merged are real directories in it, not symlinks. With
// mustExist false, missing directories are not an error.
func validateRuntime(rroot, name string, mustExist bool) (*instancePaths, error) {
	base, err := realDir(rroot, "runtime")
	if err != nil {
		if !mustExist && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	rt := filepath.Join(base, name)
	p := &instancePaths{
		upper:  filepath.Join(rt, "upper"),
		work:   filepath.Join(rt, "work"),
		merged: filepath.Join(rt, "merged"),
	}
	for _, d := range []string{rt, p.upper, p.work, p.merged} {
		st, err := os.Lstat(d)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !mustExist:
			continue
		case errors.Is(err, fs.ErrNotExist):
			return nil, refuse("%s does not exist: initialize the instance first", d)
		case err != nil:
			return nil, fmt.Errorf("check %s: %w", d, err)
		case st.Mode()&fs.ModeSymlink != 0:
			target, _ := filepath.EvalSymlinks(d)
			return nil, refuse("%s is a symlink (to %q): it must be a directory inside runtime/%s", d, target, name)
		case !st.IsDir():
			return nil, refuse("%s is not a directory", d)
		}
	}
	return p, nil
}

// realDir returns rroot/sub after checking it is a directory and not a
// symlink: the instance and runtime trees hold nothing big, so there is no
// reason for them to live elsewhere, and a symlink there could point the
// root helper at some other tree's upper/work/merged.
func realDir(rroot, sub string) (string, error) {
	dir := filepath.Join(rroot, sub)
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", err
	case err != nil:
		return "", fmt.Errorf("check %s: %w", dir, err)
	case st.Mode()&fs.ModeSymlink != 0:
		return "", refuse("%s is a symlink: %s/ must be a real directory of the root", dir, sub)
	case !st.IsDir():
		return "", refuse("%s is not a directory", dir)
	}
	return dir, nil
}
