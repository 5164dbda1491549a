package nspawn_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// container is a systemd-nspawn boot of this machine's own root: /usr
// read-only from the host, a fresh tmpfs for the rest, and host temp dirs
// for everything that must survive a reboot of the container.
type container struct {
	t       *testing.T
	name    string
	args    []string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	pid     int // the container's PID 1 (systemd), as seen from the host
	logPath string
}

// persistent are the host dirs bound into the container: they keep units,
// sudoers, the user database and the data root across container reboots.
type persistent struct {
	etcUpper, usrLocalUpper, systemDir, sudoersDir, dataRoot string
}

func newPersistent(t *testing.T) persistent {
	base := t.TempDir()
	p := persistent{
		etcUpper:      filepath.Join(base, "etc"),
		usrLocalUpper: filepath.Join(base, "usr-local"),
		systemDir:     filepath.Join(base, "etc-systemd-system"),
		sudoersDir:    filepath.Join(base, "etc-sudoers.d"),
		dataRoot:      filepath.Join(base, "data"),
	}
	for _, d := range []string{p.etcUpper, p.usrLocalUpper, p.systemDir, p.sudoersDir, p.dataRoot} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(p.sudoersDir, 0o750); err != nil {
		t.Fatal(err)
	}
	return p
}

// nspawnArgs boots / as documented in the brief, plus what the test needs:
//   - --overlay for /etc and /usr/local: --volatile=yes starts with an
//     empty /etc and a read-only /usr, but sudo, PAM and useradd need the
//     host's /etc, and the installer writes /usr/local; the upper dirs
//     persist the installer's users and helpers across the reboot.
//   - --system-call-filter=bpf --capability=CAP_BPF and (in boot) a
//     unified cgroup hierarchy: without them the container's systemd cannot
//     load the cgroup BPF programs behind IPAddressDeny=, and the sandbox
//     could not keep scripts away from 127.0.0.1. Test-only; a real host
//     running systemd has both.
func nspawnArgs(name, marker string, p persistent, binDir, deployDir string) []string {
	return []string{
		"--quiet", "--register=no", "--keep-unit", "--machine=" + name,
		"--volatile=yes", "--private-network",
		"--system-call-filter=bpf", "--capability=CAP_BPF",
		"--overlay=/etc:" + p.etcUpper + ":/etc",
		"--overlay=/usr/local:" + p.usrLocalUpper + ":/usr/local",
		"--bind=" + p.systemDir + ":/etc/systemd/system",
		"--bind=" + p.sudoersDir + ":/etc/sudoers.d",
		"--bind=" + p.dataRoot + ":/var/lib/left4me",
		"--bind-ro=" + binDir + ":" + e2eBin,
		"--bind-ro=" + deployDir + ":" + e2eDeploy,
		// fstab=no: the host's /etc/fstab may name disks the container
		// would wait 90 seconds for.
		"-D", "/", "-b", "--", "systemd.firstboot=off", "fstab=no", "left4me.e2e=" + marker,
	}
}

// boot starts the container and waits until its systemd has finished
// booting. The container is always torn down by t.Cleanup.
func boot(t *testing.T, name string, args []string) *container {
	t.Helper()
	c := &container{t: t, name: name, args: args, exited: make(chan struct{}), logPath: filepath.Join(t.TempDir(), "nspawn.log")}
	logFile, err := os.Create(c.logPath)
	if err != nil {
		t.Fatal(err)
	}
	c.cmd = exec.Command("systemd-nspawn", args...)
	c.cmd.Env = append(os.Environ(), "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1")
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start systemd-nspawn: %v", err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		logFile.Close()
		close(c.exited)
	}()
	t.Cleanup(c.destroy)
	marker := args[len(args)-1]
	c.pid = c.waitForPID1(marker, 30*time.Second)
	c.waitBooted(90 * time.Second)
	return c
}

// waitBooted waits for `systemctl is-system-running --wait`, retrying while
// the container's bus is not up yet.
func (c *container) waitBooted(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	var state string
	for time.Now().Before(deadline) {
		out, _ := c.run(time.Until(deadline), "systemctl", "is-system-running", "--wait")
		switch state = strings.TrimSpace(out); state {
		case "running", "degraded":
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.fatalf("container did not finish booting within %v: %q", timeout, state)
}

// waitForPID1 finds the container's systemd by the marker on its command line.
func (c *container) waitForPID1(marker string, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			c.fatalf("systemd-nspawn exited during boot: %v", c.waitErr)
		default:
		}
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if strings.TrimSpace(string(comm)) == "systemd" && bytes.Contains(cmdline, []byte(marker+"\x00")) {
				return pid
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.fatalf("no systemd with %s within %v", marker, timeout)
	return 0
}

// run executes argv inside the container (all its namespaces) as root.
func (c *container) run(timeout time.Duration, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	full := append([]string{"-t", strconv.Itoa(c.pid), "-a", "--"}, argv...)
	cmd := exec.CommandContext(ctx, "nsenter", full...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v: %w", timeout, err)
	}
	return out.String(), err
}

// sh runs a bash script in the container and fails the test on error.
func (c *container) sh(script string) string {
	c.t.Helper()
	out, err := c.run(60*time.Second, "/bin/bash", "-euo", "pipefail", "-c", script)
	if err != nil {
		c.fatalf("in container: %s\n%v\n%s", script, err, out)
	}
	return out
}

// reboot asks the container's systemd to reboot, waits for nspawn to exit
// (it does not restart by itself) and boots again with the same binds.
func (c *container) reboot() *container {
	c.t.Helper()
	c.run(10*time.Second, "systemctl", "reboot")
	select {
	case <-c.exited:
	case <-time.After(45 * time.Second):
		c.fatalf("container did not shut down for the reboot within 45s")
	}
	return boot(c.t, c.name, c.args)
}

// destroy powers the container off (SIGTERM makes nspawn ask systemd to
// shut down), kills it after a grace period, and removes the directory
// nspawn leaves on hosts whose /run is not a tmpfs.
func (c *container) destroy() {
	select {
	case <-c.exited:
	default:
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
	os.RemoveAll(filepath.Join("/run/systemd/nspawn/propagate", c.name))
}

// fatalf fails with the container's console log attached.
func (c *container) fatalf(format string, args ...any) {
	c.t.Helper()
	logText, _ := os.ReadFile(c.logPath)
	if len(logText) > 6000 {
		logText = logText[len(logText)-6000:]
	}
	journal, _ := c.run(10*time.Second, "journalctl", "-b", "--no-pager", "-n", "80", "-o", "short-monotonic")
	c.t.Fatalf(format+"\n--- nspawn console (tail) ---\n%s\n--- container journal (tail) ---\n%s", append(args, logText, journal)...)
}

// mountedInPID1 reports whether path is a mount point in the mount
// namespace of the container's PID 1, read from the host.
func (c *container) mountedInPID1(path string) (fstype string, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", c.pid))
	if err != nil {
		c.fatalf("read mountinfo of PID 1: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 7 && fields[4] == path {
			for i := 6; i < len(fields)-1; i++ {
				if fields[i] == "-" {
					fstype, ok = fields[i+1], true
				}
			}
		}
	}
	return fstype, ok
}

// requireNspawn skips when not root and fails (not skips) when
// systemd-nspawn or nsenter is missing: CI installs systemd-container.
func requireNspawn(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to boot a systemd-nspawn container")
	}
	for _, tool := range []string{"systemd-nspawn", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: apt-get install systemd-container util-linux (scripts/test installs them)", tool)
		}
	}
}
