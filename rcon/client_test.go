package rcon_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/left4me/left4me/rcon"
)

func dial(t *testing.T, f *fakeServer, password string) *rcon.Client {
	t.Helper()
	c, err := rcon.Dial(context.Background(), f.addr(), password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exec(t *testing.T, c *rcon.Client, cmd string) string {
	t.Helper()
	out, err := c.Exec(context.Background(), cmd)
	if err != nil {
		t.Fatalf("Exec(%q): %v", cmd, err)
	}
	return out
}

func TestAuthWithAndWithoutEmptyPacket(t *testing.T) {
	for _, noEmpty := range []bool{false, true} {
		t.Run(fmt.Sprintf("noAuthEmpty=%v", noEmpty), func(t *testing.T) {
			f := newFakeServer(t, "pw")
			f.noAuthEmpty = noEmpty
			c := dial(t, f, "pw")
			if got := exec(t, c, "echo hello"); got != "hello" {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestWrongPasswordIsNotRetried(t *testing.T) {
	f := newFakeServer(t, "right")
	_, err := rcon.Dial(context.Background(), f.addr(), "wrong")
	if !errors.Is(err, rcon.ErrAuthFailed) {
		t.Fatalf("Dial err = %v, want ErrAuthFailed", err)
	}
	// The password changes under a connected client and the server drops it:
	// the reconnect fails once and is then never tried again.
	c := dial(t, f, "right")
	f.mu.Lock()
	f.password = "changed"
	f.mu.Unlock()
	f.dropAll()
	time.Sleep(20 * time.Millisecond) // let the FIN arrive
	for range 3 {
		if _, err := c.Exec(context.Background(), "echo x"); !errors.Is(err, rcon.ErrAuthFailed) {
			t.Fatalf("Exec err = %v, want ErrAuthFailed", err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.auths != 3 { // failed Dial, good Dial, one failed reconnect
		t.Fatalf("server saw %d auth attempts, want 3", f.auths)
	}
}

func TestEmptyPasswordRefused(t *testing.T) {
	f := newFakeServer(t, "")
	if _, err := rcon.Dial(context.Background(), f.addr(), ""); !errors.Is(err, rcon.ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	}
}

func TestMultiPacketOutputReassembledExactly(t *testing.T) {
	f := newFakeServer(t, "pw")
	var b strings.Builder
	for i := 0; b.Len() < 3*rcon.MaxBody+100; i++ {
		fmt.Fprintf(&b, "line %d with a NUL \x00 and ünïcode\n", i)
	}
	f.outputs["big"] = b.String()
	c := dial(t, f, "pw")
	if got := exec(t, c, "big"); got != b.String() {
		t.Fatalf("got %d bytes, want %d; equal prefix %v", len(got), b.Len(), strings.HasPrefix(b.String(), got))
	}
	// The connection stays in step: the trailing 00 01 00 00 packet of the
	// previous command is not taken as output of the next.
	if got := exec(t, c, "echo after"); got != "after" {
		t.Fatalf("next command got %q", got)
	}
}

func TestCommandWithoutAnyPacket(t *testing.T) {
	f := newFakeServer(t, "pw")
	c := dial(t, f, "pw")
	if got := exec(t, c, "silent"); got != "" {
		t.Fatalf("got %q", got)
	}
	if got := exec(t, c, "echo still"); got != "still" {
		t.Fatalf("got %q", got)
	}
}

func TestReconnectAfterServerClosedIdleConnection(t *testing.T) {
	f := newFakeServer(t, "pw")
	c := dial(t, f, "pw")
	exec(t, c, "echo 1")
	f.dropAll() // e.g. changelevel
	time.Sleep(20 * time.Millisecond)
	if got := exec(t, c, "once"); got != "once" {
		t.Fatalf("got %q", got)
	}
	if n := f.count("once"); n != 1 {
		t.Fatalf("command ran %d times, want 1", n)
	}
}

func TestConnectionLostMidCommandIsNotResent(t *testing.T) {
	f := newFakeServer(t, "pw")
	c := dial(t, f, "pw")
	if _, err := c.Exec(context.Background(), "die"); err == nil {
		t.Fatal("Exec of a command whose connection died: no error")
	}
	if n := f.count("die"); n != 1 {
		t.Fatalf("command ran %d times, want exactly 1 (never resent)", n)
	}
	if got := exec(t, c, "echo back"); got != "back" {
		t.Fatalf("after reconnect got %q", got)
	}
}

func TestDeadlineWithoutTerminator(t *testing.T) {
	f := newFakeServer(t, "pw")
	c := dial(t, f, "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Exec(ctx, "hang")
	if err == nil {
		t.Fatal("no error from a command that never ends")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Exec returned after %v", d)
	}
	if got := exec(t, c, "echo alive"); got != "alive" {
		t.Fatalf("after timeout got %q", got)
	}
}

func TestCancelInterruptsExec(t *testing.T) {
	f := newFakeServer(t, "pw")
	c := dial(t, f, "pw")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := c.Exec(ctx, "hang"); err == nil {
		t.Fatal("no error after cancel")
	}
}

func TestConcurrentCallers(t *testing.T) {
	f := newFakeServer(t, "pw")
	c := dial(t, f, "pw")
	var wg sync.WaitGroup
	errs := make(chan error, 8*20)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				want := fmt.Sprintf("g%d-%d", g, i)
				got, err := c.Exec(context.Background(), "echo "+want)
				if err != nil || got != want {
					errs <- fmt.Errorf("got %q, %v; want %q", got, err, want)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestClosedClient(t *testing.T) {
	f := newFakeServer(t, "pw")
	c := dial(t, f, "pw")
	c.Close()
	if _, err := c.Exec(context.Background(), "echo x"); !errors.Is(err, rcon.ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

// After a level change srcds hangs up; the client must not race that
// hang-up with its next command, so it dials afresh for the next one.
func TestLevelChangeStartsAFreshConnection(t *testing.T) {
	f := newFakeServer(t, "pw")
	c := dial(t, f, "pw")
	for _, cmd := range []string{"status", "changelevel c2m1_highway", "status"} {
		if _, err := c.Exec(context.Background(), cmd); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
	}
	f.mu.Lock()
	auths := f.auths
	f.mu.Unlock()
	if auths != 2 {
		t.Errorf("%d logins for status, changelevel, status; want 2 (a new connection after changelevel)", auths)
	}
}
