package overlayfs

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/left4me/left4me"
)

// taintPrefix marks an upper dir that fuse-overlayfs used: its whiteouts and
// metadata differ from the kernel's, so mounting it would corrupt the view.
const taintPrefix = "user.fuseoverlayfs."

// MountInstance mounts root/runtime/<name>/merged over the lower layers named
// by L4D2_LOWERDIRS in root/instances/<name>/instance.env, with upper and
// work dirs from runtime/<name>. Invalid input (see package doc) returns an
// error wrapping ErrRefused and nothing is mounted. Already mounted is
// success, so restart cycles may call it again.
func MountInstance(root, name string) error {
	o, err := openInstance(root, name)
	if err != nil {
		return err
	}
	defer o.close()
	fstype, mounted, err := mountedAt(o.paths.merged)
	if err != nil {
		return err
	}
	if mounted {
		if fstype != "overlay" {
			return refuse("%s already has a %s mount", o.paths.merged, fstype)
		}
		return nil
	}
	// Layers by fd (Linux 6.13+), else lowerdir+ by path (6.8+), else the
	// legacy option string.
	err = mountNewAPI(o, true)
	if errors.Is(err, errUnsupported) {
		err = mountNewAPI(o, false)
	}
	if errors.Is(err, errUnsupported) {
		err = mountLegacy(o)
	}
	if err != nil {
		return fmt.Errorf("mount overlay for %q: %w", name, err)
	}
	return nil
}

// errUnsupported means the kernel rejected the first lowerdir+ of a mount
// method, i.e. it predates that method; the next one is tried.
var errUnsupported = errors.New("kernel does not support this overlay mount method")

// mountNewAPI mounts with fsopen/fsconfig/fsmount/move_mount, passing the
// pinned directories as fds (byFd) or as /proc/self/fd paths.
func mountNewAPI(o *openedInstance, byFd bool) error {
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if errors.Is(err, unix.ENOSYS) {
		return errUnsupported
	} else if err != nil {
		return fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fsfd)
	set := func(key string, fd int) error {
		if byFd {
			return unix.FsconfigSetFd(fsfd, key, fd)
		}
		return unix.FsconfigSetString(fsfd, key, procFd(fd))
	}
	for i, fd := range o.lowers {
		if err := set("lowerdir+", fd); err != nil {
			if i == 0 && errors.Is(err, unix.EINVAL) {
				return errUnsupported
			}
			return fmt.Errorf("add lower layer %d %q: %w%s", i+1, o.paths.lowers[i], err, kernelLog(fsfd))
		}
	}
	if err := set("upperdir", o.upper); err != nil {
		return fmt.Errorf("set upperdir %q: %w%s", o.paths.upper, err, kernelLog(fsfd))
	}
	if err := set("workdir", o.work); err != nil {
		return fmt.Errorf("set workdir %q: %w%s", o.paths.work, err, kernelLog(fsfd))
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fmt.Errorf("create overlay: %w%s", err, kernelLog(fsfd))
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("fsmount: %w%s", err, kernelLog(fsfd))
	}
	// The fsmount fd must be closed once the mount is attached: while it is
	// open, a later umount of the target fails with EBUSY.
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", o.merged, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount to %q: %w", o.paths.merged, err)
	}
	return nil
}

// kernelLog drains the messages the kernel queued on an fs context, which
// say why a parameter was rejected far better than the errno does.
func kernelLog(fsfd int) string {
	var msgs []string
	buf := make([]byte, 1024)
	for range 32 {
		n, err := unix.Read(fsfd, buf)
		if err != nil || n <= 0 {
			break
		}
		msgs = append(msgs, strings.TrimSpace(string(buf[:n])))
	}
	if len(msgs) == 0 {
		return ""
	}
	return " (kernel: " + strings.Join(msgs, "; ") + ")"
}

// mountLegacy mounts with one option string for kernels without lowerdir+.
// The kernel copies at most one page of options and silently truncates the
// rest, so a longer string is refused here with a message saying so.
func mountLegacy(o *openedInstance) error {
	lowers := make([]string, len(o.lowers))
	for i, fd := range o.lowers {
		lowers[i] = procFd(fd)
	}
	opts := "lowerdir=" + strings.Join(lowers, ":") + ",upperdir=" + procFd(o.upper) + ",workdir=" + procFd(o.work)
	if limit := os.Getpagesize() - 1; len(opts) > limit {
		return fmt.Errorf("this kernel lacks fsconfig lowerdir+ (Linux 6.8 and later have it) and the legacy mount option string for %d layers is too long: %d bytes, at most %d fit in one page; use fewer layers or a newer kernel", len(lowers), len(opts), limit)
	}
	if err := unix.Mount("overlay", procFd(o.merged), "overlay", 0, opts); err != nil {
		return fmt.Errorf("legacy mount of %d layers: %w", len(lowers), err)
	}
	return nil
}

// UnmountInstance unmounts root/runtime/<name>/merged and removes the
// work/work directory overlayfs leaves behind (root-owned, mode 000, so the
// unprivileged owner could not delete the instance otherwise). Not mounted
// and not initialized are success.
func UnmountInstance(root, name string) error {
	if err := left4me.ValidateName(name); err != nil {
		return refuse("%s", left4me.ErrorMessage(err))
	}
	rroot, err := resolveRoot(root)
	if err != nil {
		return err
	}
	p, err := validateRuntime(rroot, name, false)
	if err != nil || p == nil {
		return err
	}
	for range 8 { // stacked mounts come off one at a time
		_, mounted, err := mountedAt(p.merged)
		if err != nil {
			return err
		}
		if !mounted {
			break
		}
		if err := unix.Unmount(p.merged, unix.UMOUNT_NOFOLLOW); err != nil {
			return fmt.Errorf("unmount %s: %w", p.merged, err)
		}
	}
	if _, err := os.Lstat(p.work); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return removeWorkOrphan(p.work)
}

// IsMounted reports whether a filesystem is mounted exactly at path (after
// resolving its symlinks) in this process's mount namespace. A path that
// does not exist is not mounted.
func IsMounted(path string) (bool, error) {
	r, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("resolve %s: %w", path, err)
	}
	_, mounted, err := mountedAt(r)
	return mounted, err
}

// mountedAt looks up the topmost mount at the resolved path in mountinfo.
func mountedAt(path string) (fstype string, mounted bool, err error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", false, fmt.Errorf("read mount table: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		mp, typ, ok := parseMountinfoLine(sc.Text())
		if ok && mp == path {
			fstype, mounted = typ, true
		}
	}
	if err := sc.Err(); err != nil {
		return "", false, fmt.Errorf("read mount table: %w", err)
	}
	return fstype, mounted, nil
}

// parseMountinfoLine returns the mount point and filesystem type of one
// /proc/self/mountinfo line.
func parseMountinfoLine(line string) (mountPoint, fstype string, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 10 {
		return "", "", false
	}
	for i := 6; i < len(fields)-1; i++ {
		if fields[i] == "-" {
			return unescapeMountinfo(fields[4]), fields[i+1], true
		}
	}
	return "", "", false
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for a space...).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// checkUpperXattrs refuses an upper dir that fuse-overlayfs has used.
func checkUpperXattrs(fd int, upper string) error {
	size, err := unix.Flistxattr(fd, nil)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) {
			return nil
		}
		return fmt.Errorf("list xattrs of %s: %w", upper, err)
	}
	buf := make([]byte, size)
	n, err := unix.Flistxattr(fd, buf)
	if err != nil {
		return fmt.Errorf("list xattrs of %s: %w", upper, err)
	}
	for _, attr := range strings.Split(string(buf[:n]), "\x00") {
		if strings.HasPrefix(attr, taintPrefix) {
			return refuse("upper dir %s carries the %s xattr: it was used by fuse-overlayfs; reset the instance", upper, attr)
		}
	}
	return nil
}
