package systemd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/left4me/left4me"
)

// MaxLogLines is the most lines Logs asks for; the helper refuses more.
const MaxLogLines = 10000

// Logs writes the unit's last lines from the journal to w and, with
// follow, keeps writing new ones until ctx is done (then it returns nil).
func (r *Runtime) Logs(ctx context.Context, name string, lines int, follow bool, w io.Writer) error {
	if err := left4me.ValidateName(name); err != nil {
		return err
	}
	if lines < 0 || lines > MaxLogLines {
		return left4me.Errorf(left4me.EINVALID, "lines must be from 0 to %d, not %d", MaxLogLines, lines)
	}
	mode := "--no-follow"
	if follow {
		mode = "--follow"
	}
	args := []string{name, "--lines", strconv.Itoa(lines), mode}
	var stderr bytes.Buffer
	cmd := r.command(ctx, HelperJournalctl, args...)
	cmd.Stdout, cmd.Stderr = w, &limitedBuffer{max: 64 << 10, buf: &stderr}
	err := cmd.Run()
	if follow && ctx.Err() != nil {
		return nil
	}
	return r.classify(ctx, HelperJournalctl, args, err, stderr.String())
}

// RunScript runs script (a file in the data root's scripts/ dir, owned by
// the service user) in the build sandbox with overlays/<overlayID> bound
// read-write at /overlay, streaming its output to stdout and stderr. It
// returns the script's exit code; err is non-nil only when the script could
// not be run (a refusal is a *RefusedError).
func (r *Runtime) RunScript(ctx context.Context, overlayID int64, script string, stdout, stderr io.Writer) (int, error) {
	if overlayID <= 0 {
		return 0, left4me.Errorf(left4me.EINVALID, "overlay id must be positive, not %d", overlayID)
	}
	args := []string{fmt.Sprint(overlayID), script}
	// The first bytes of stderr hold sudo's or the helper's own error,
	// when they fail before the script runs.
	var first bytes.Buffer
	cmd := r.command(ctx, HelperSandbox, args...)
	cmd.Stdout, cmd.Stderr = stdout, io.MultiWriter(stderr, &limitedBuffer{max: 4 << 10, buf: &first})
	err := cmd.Run()
	code := exitStatus(err)
	head := first.String()
	// The helper's own messages come before the script runs and start with
	// its name; sudo's start with "sudo:". Anything else is the script's.
	helperFailed := strings.HasPrefix(head, HelperSandbox+": ") || sudoError(head) != nil
	if code > 0 && !helperFailed {
		return code, nil
	}
	return code, r.classify(ctx, HelperSandbox, args, err, head)
}
