package supervisor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
)

// logBuffer keeps the last lines of a server's output, like the journal,
// and feeds followers. It is an io.Writer.
type logBuffer struct {
	mu      sync.Mutex
	max     int
	lines   []string
	partial []byte
	subs    map[chan string]struct{}
}

func newLogBuffer(max int) *logBuffer {
	return &logBuffer{max: max, subs: map[chan string]struct{}{}}
}

// Write splits p into lines; an unfinished line waits for its newline.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.partial = append(b.partial, p...)
	for {
		i := bytes.IndexByte(b.partial, '\n')
		if i < 0 {
			break
		}
		b.addLocked(strings.TrimSuffix(string(b.partial[:i]), "\r"))
		b.partial = b.partial[i+1:]
	}
	if len(b.partial) > 64*1024 { // a runaway line is cut, not hoarded
		b.addLocked(string(b.partial))
		b.partial = nil
	}
	return len(p), nil
}

// note records a line of the supervisor's own, marked as such.
func (b *logBuffer) note(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.addLocked("left4me: " + fmt.Sprintf(format, args...))
}

func (b *logBuffer) addLocked(line string) {
	b.lines = append(b.lines, line)
	if len(b.lines) > b.max {
		b.lines = append(b.lines[:0:0], b.lines[len(b.lines)-b.max:]...)
	}
	for ch := range b.subs {
		select {
		case ch <- line:
		default: // a follower too slow to keep up loses lines, never blocks the server
		}
	}
}

// copyTo writes the last n lines and, with follow, new ones until ctx ends.
func (b *logBuffer) copyTo(ctx context.Context, n int, follow bool, w io.Writer) error {
	b.mu.Lock()
	start := max(len(b.lines)-n, 0)
	tail := append([]string(nil), b.lines[start:]...)
	var ch chan string
	if follow {
		ch = make(chan string, 1024)
		b.subs[ch] = struct{}{}
		defer func() { b.mu.Lock(); delete(b.subs, ch); b.mu.Unlock() }()
	}
	b.mu.Unlock()
	for _, l := range tail {
		if _, err := io.WriteString(w, l+"\n"); err != nil {
			return err
		}
	}
	if !follow {
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case l := <-ch:
			if _, err := io.WriteString(w, l+"\n"); err != nil {
				return err
			}
		}
	}
}
