//go:build !linux

package supervisor

import (
	"errors"
	"io"
	"os/exec"
	"time"
)

// runProcess needs Linux (process groups with Pdeathsig, overlayfs mounts).
func runProcess(cmd *exec.Cmd, out io.Writer, stop <-chan struct{}, timeout time.Duration, started func(pid int)) error {
	return errors.New("the process runtime needs Linux")
}
