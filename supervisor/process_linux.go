package supervisor

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// runProcess starts cmd in its own process group, calls started, and waits
// for it to exit or for stop (then SIGINT to the group, SIGKILL after
// timeout). After the main process ends the whole group is killed, as
// systemd kills a unit's cgroup, so no stray child keeps the port.
func runProcess(cmd *exec.Cmd, out io.Writer, stop <-chan struct{}, timeout time.Duration, started func(pid int)) error {
	// A pipe of our own: os/exec's would make Wait hang on grandchildren
	// that inherited the output.
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start srcds_run: %w", err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	// Pdeathsig kills the server when the supervisor dies (even by SIGKILL).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	copied := make(chan struct{})
	startc := make(chan error, 1)
	waitc := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the forking *thread* exits: keep this
		// goroutine on its thread until the child is reaped.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			startc <- err
			return
		}
		startc <- nil
		waitc <- cmd.Wait()
	}()
	if err := <-startc; err != nil {
		pw.Close()
		pr.Close()
		return fmt.Errorf("start srcds_run: %w", err)
	}
	pw.Close()
	go func() { io.Copy(out, pr); pr.Close(); close(copied) }()
	pid := cmd.Process.Pid
	started(pid)
	err = waitOrStop(pid, waitc, stop, timeout)
	unix.Kill(-pid, unix.SIGKILL)
	select { // stragglers are dead; give the copy a moment to drain
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	return err
}

func waitOrStop(pid int, waitc <-chan error, stop <-chan struct{}, timeout time.Duration) error {
	select {
	case err := <-waitc:
		return exitError(err)
	case <-stop:
	}
	unix.Kill(-pid, unix.SIGINT)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-waitc:
	case <-t.C:
		unix.Kill(-pid, unix.SIGKILL)
		<-waitc
	}
	return errStopped
}
