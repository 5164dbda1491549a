package systemd

import (
	"bytes"
	"context"
	"fmt"
	"io"

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
	args := []string{name, "--lines", itoa(lines), mode}
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
	tail := &tailBuffer{max: 8 << 10}
	cmd := r.command(ctx, HelperSandbox, args...)
	cmd.Stdout, cmd.Stderr = stdout, io.MultiWriter(stderr, tail)
	err := cmd.Run()
	code := exitStatus(err)
	head := tail.String()
	switch {
	case code == 2 && bytes.Contains(tail.buf, []byte("\nusage: "+HelperSandbox+" ")):
		return 0, &RefusedError{Tool: HelperSandbox, Reason: helperReason(HelperSandbox, head)}
	case code > 0 && sudoError(head) == nil:
		return code, nil // the script's own exit code
	}
	return code, r.classify(ctx, HelperSandbox, args, err, head)
}

// tailBuffer keeps the first and the last bytes written, enough to tell a
// sudo failure (first line) or a helper refusal (last lines) apart.
type tailBuffer struct {
	max   int
	first []byte
	buf   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	if len(t.first) < 512 {
		t.first = append(t.first, p[:min(512-len(t.first), len(p))]...)
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// String is the first bytes written (where sudo's own error would be).
func (t *tailBuffer) String() string { return string(t.first) }
