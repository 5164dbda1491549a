package overlayfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/left4me/left4me"
)

// openedInstance pins every directory of a validated mount with a file
// descriptor. The unprivileged owner of the root can rename directories or
// swap them for symlinks at any moment; the checks run on paths for clear
// messages, then each directory is opened and its real path (read back
// from /proc/self/fd) checked again, and only the fds reach the kernel.
type openedInstance struct {
	paths               *instancePaths
	lowers              []int
	upper, work, merged int
}

func (o *openedInstance) close() {
	for _, fd := range append(o.lowers, o.upper, o.work, o.merged) {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// openInstance validates instance name under root and opens its layers.
func openInstance(root, name string) (*openedInstance, error) {
	if err := left4me.ValidateName(name); err != nil {
		return nil, refuse("%s", left4me.ErrorMessage(err))
	}
	rroot, err := resolveRoot(root)
	if err != nil {
		return nil, err
	}
	env, err := readInstanceEnv(rroot, name)
	if err != nil {
		return nil, err
	}
	lowers, err := validateLowers(rroot, env.LowerDirs)
	if err != nil {
		return nil, err
	}
	p, err := validateRuntime(rroot, name, true)
	if err != nil {
		return nil, err
	}
	p.lowers = lowers
	o := &openedInstance{paths: p, upper: -1, work: -1, merged: -1}
	if err := o.open(); err != nil {
		o.close()
		return nil, err
	}
	if err := checkUpperXattrs(o.upper, p.upper); err != nil {
		o.close()
		return nil, err
	}
	return o, nil
}

func (o *openedInstance) open() error {
	for i, l := range o.paths.lowers {
		fd, err := openVerified(l, unix.O_PATH|unix.O_DIRECTORY)
		if err != nil {
			return fmt.Errorf("lower layer %d: %w", i+1, err)
		}
		o.lowers = append(o.lowers, fd)
	}
	var err error
	if o.upper, err = openVerified(o.paths.upper, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW); err != nil {
		return err
	}
	if o.work, err = openVerified(o.paths.work, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW); err != nil {
		return err
	}
	o.merged, err = openVerified(o.paths.merged, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW)
	return err
}

// openVerified opens path and refuses it unless the opened file's real path
// is exactly path: a rename or symlink swap since the checks shows here.
func openVerified(path string, flags int) (int, error) {
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ELOOP), errors.Is(err, unix.ENOTDIR):
		return -1, refuse("%s is a symlink or not a directory", path)
	case err != nil:
		return -1, fmt.Errorf("open %s: %w", path, err)
	}
	real, err := os.Readlink(procFd(fd))
	if err != nil || real != path {
		unix.Close(fd)
		return -1, refuse("%s changed while it was being checked (now %q)", path, real)
	}
	return fd, nil
}

// procFd names an open fd as a path the kernel resolves to exactly the
// opened file (for the string-based mount interfaces).
func procFd(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// readInstanceEnv reads instances/<name>/instance.env as a regular file with
// one link that is really inside the root: the root helper must never read
// (and echo in errors) a file the user merely points or hard-links at.
func readInstanceEnv(rroot, name string) (*InstanceEnv, error) {
	dir, err := realDir(rroot, "instances")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, refuse("instance %q is not initialized: %s does not exist", name, filepath.Join(rroot, "instances"))
	} else if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name, "instance.env")
	if st, err := os.Lstat(filepath.Dir(path)); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return nil, refuse("%s is a symlink", filepath.Dir(path))
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil, refuse("instance %q is not initialized: %s does not exist", name, path)
	case errors.Is(err, unix.ELOOP):
		return nil, refuse("%s is a symlink", path)
	case err != nil:
		return nil, fmt.Errorf("read instance env: %w", err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("read instance env: %w", err)
	}
	if real, err := os.Readlink(procFd(fd)); err != nil || real != path {
		return nil, refuse("%s is not inside the instance dir (resolves to %q)", path, real)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Nlink != 1 {
		return nil, refuse("%s must be a regular file with one link", path)
	}
	vars, err := ParseEnv(f)
	if err != nil {
		return nil, refuse("instance.env of %q: %v", name, err)
	}
	env, err := DecodeInstanceEnv(vars)
	if err != nil {
		return nil, refuse("instance.env of %q: %v", name, err)
	}
	return env, nil
}

// removeWorkOrphan removes work/work through a verified fd of the work dir,
// inside an os.Root so no symlink planted there leads the removal outside.
func removeWorkOrphan(work string) error {
	fd, err := openVerified(work, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	r, err := os.OpenRoot(procFd(fd))
	if err != nil {
		return fmt.Errorf("open %s: %w", work, err)
	}
	defer r.Close()
	if err := r.RemoveAll("work"); err != nil {
		return fmt.Errorf("remove %s/work: %w", work, err)
	}
	return nil
}
