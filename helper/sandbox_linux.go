package helper

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// build is one validated script run: the overlay dir held open by fd and
// the script's content, so nothing the caller renames afterwards changes
// what runs or what gets chowned.
type build struct {
	overlayID   string
	overlayPath string
	overlayFD   int
	devIno      string // "dev:ino" of the overlay dir, checked inside the sandbox
	script      []byte
	hidden      []string
}

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// openBuild opens root/overlays/ID and copies root/scripts/BASE, refusing
// symlinks, foreign owners, hard links and anything not a plain file.
func openBuild(root, id, base string, svc ids, sc SandboxConfig) (*build, error) {
	rootFD, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open data root %s: %w", root, err)
	}
	defer unix.Close(rootFD)
	ovFD, st, err := openOwnedDir(rootFD, "overlays", id, svc)
	if err != nil {
		return nil, err
	}
	// One build per overlay at a time: a second one would hand the tree
	// back to the service user while the first still writes.
	if err := unix.Flock(ovFD, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(ovFD)
		return nil, fmt.Errorf("overlay %s: another build is running (%w)", id, err)
	}
	b := &build{
		overlayID:   id,
		overlayPath: filepath.Join(root, "overlays", id),
		overlayFD:   ovFD,
		devIno:      fmt.Sprintf("%d:%d", st.Dev, st.Ino),
		hidden:      hiddenPaths(root),
	}
	if b.script, err = readScript(rootFD, base, svc, sc.MaxScriptSize); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// openOwnedDir opens parent/name below rootFD without following symlinks
// and checks the service user owns it.
func openOwnedDir(rootFD int, parent, name string, svc ids) (int, *unix.Stat_t, error) {
	pfd, err := unix.Openat(rootFD, parent, dirFlags, 0)
	if err != nil {
		return -1, nil, usagef("%s/ of the data root: %v (a real directory is required)", parent, err)
	}
	defer unix.Close(pfd)
	fd, err := unix.Openat(pfd, name, dirFlags, 0)
	if err != nil {
		return -1, nil, usagef("%s/%s: %v (a real directory is required)", parent, name, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, nil, fmt.Errorf("stat %s/%s: %w", parent, name, err)
	}
	if int(st.Uid) != svc.uid {
		unix.Close(fd)
		return -1, nil, usagef("%s/%s is owned by uid %d, not by %s", parent, name, st.Uid, svc.name)
	}
	return fd, &st, nil
}

// readScript reads scripts/base: a regular file of the service user with a
// single link, at most max bytes.
func readScript(rootFD int, base string, svc ids, max int64) ([]byte, error) {
	dfd, err := unix.Openat(rootFD, "scripts", dirFlags, 0)
	if err != nil {
		return nil, usagef("scripts/ of the data root: %v (a real directory is required)", err)
	}
	defer unix.Close(dfd)
	fd, err := unix.Openat(dfd, base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, usagef("script %s: %v", base, err)
	}
	f := os.NewFile(uintptr(fd), base)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("stat script %s: %w", base, err)
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return nil, usagef("script %s is not a regular file", base)
	case int(st.Uid) != svc.uid:
		return nil, usagef("script %s is owned by uid %d, not by %s", base, st.Uid, svc.name)
	case st.Nlink != 1:
		return nil, usagef("script %s has %d hard links: it must have exactly one", base, st.Nlink)
	case st.Size > max:
		return nil, usagef("script %s is %d bytes, more than %d", base, st.Size, max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read script %s: %w", base, err)
	}
	if int64(len(data)) > max {
		return nil, usagef("script %s is larger than %d bytes", base, max)
	}
	return data, nil
}

func (b *build) close() {
	if b.overlayFD >= 0 {
		unix.Close(b.overlayFD)
		b.overlayFD = -1
	}
}

// maxTreeDepth bounds chownTree's recursion.
const maxTreeDepth = 128

// chownTree gives every entry below (and including) the directory dirFD
// that belongs to from.uid to `to`, without ever following a symlink:
// entries are opened relative to their parent's fd with O_NOFOLLOW and
// re-checked through the open fd, so renames during the walk cannot point
// it elsewhere. Entries of other owners are left alone and not entered.
// With toSandbox, files with several hard links stay with their owner
// (they may be linked from outside the overlay); handing back, owner read
// (and for dirs, write and search) bits are added.
func chownTree(dirFD int, from, to ids, toSandbox bool) error {
	return chownFD(dirFD, from, to, toSandbox, 0)
}

func chownFD(fd int, from, to ids, toSandbox bool, depth int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if int(st.Uid) != from.uid {
		return nil
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	if toSandbox && !isDir && st.Nlink > 1 {
		return nil
	}
	if err := unix.Fchown(fd, to.uid, to.gid); err != nil {
		return err
	}
	if !toSandbox {
		add := uint32(0o400)
		if isDir {
			add = 0o700
		}
		if err := unix.Fchmod(fd, (st.Mode&0o7777)|add); err != nil {
			return err
		}
	}
	if !isDir {
		return nil
	}
	if depth >= maxTreeDepth {
		return fmt.Errorf("directory tree deeper than %d levels", maxTreeDepth)
	}
	return chownEntries(fd, from, to, toSandbox, depth)
}

func chownEntries(fd int, from, to ids, toSandbox bool, depth int) error {
	// A dup shares the file offset: rewind, or a second walk over the same
	// fd (handing the overlay back) would see no entries.
	if _, err := unix.Seek(fd, 0, 0); err != nil {
		return err
	}
	dup, err := unix.Dup(fd)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(dup), "dir")
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := chownEntry(fd, name, from, to, toSandbox, depth); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func chownEntry(parent int, name string, from, to ids, toSandbox bool, depth int) error {
	var st unix.Stat_t
	if err := unix.Fstatat(parent, name, &st, unix.AT_SYMLINK_NOFOLLOW); errors.Is(err, unix.ENOENT) {
		return nil
	} else if err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		if int(st.Uid) == from.uid {
			return unix.Fchownat(parent, name, to.uid, to.gid, unix.AT_SYMLINK_NOFOLLOW)
		}
		return nil
	case unix.S_IFDIR, unix.S_IFREG:
		if int(st.Uid) != from.uid {
			return nil
		}
	default: // fifos, sockets: not game content, not opened
		if int(st.Uid) == from.uid {
			return unix.Fchownat(parent, name, to.uid, to.gid, unix.AT_SYMLINK_NOFOLLOW)
		}
		return nil
	}
	fd, err := unix.Openat(parent, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ELOOP) {
		return nil // renamed or replaced by a symlink meanwhile: not ours to touch
	} else if err != nil {
		return err
	}
	defer unix.Close(fd)
	return chownFD(fd, from, to, toSandbox, depth+1)
}
