// Package hosttest has test helpers for code built on the host library: a
// fake game installation whose srcds_run records how it was started, and
// stateful fakes of host.Runtime and host.Mounter.
package hosttest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
)

// RequireRoot skips t unless it runs as root (mounts need CAP_SYS_ADMIN);
// CI runs as root, so these tests run there.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for overlayfs mounts (CI runs as root)")
	}
}

// NewRoot returns a fresh LEFT4ME_ROOT in a temp dir with the allowed
// layer roots created.
func NewRoot(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"installation", "overlays", "workshop_cache", "global_overlay_cache"} {
		MustMkdir(t, filepath.Join(root, d))
	}
	return root
}

// FakeServer is a fake installation's srcds_run. At every start it records,
// in Dir, its arguments (args, one a line), working directory, pid,
// environment, L4D2_PORT, the names and contents of the cfg files it sees
// (cfgs), the files in left4dead2/addons and the content of who.txt in its
// game dir, then appends to Dir/starts and behaves as Dir/mode says: "run"
// (default: sleep until signalled), "exit0", "fail" (exit 3), "stubborn"
// (ignore SIGINT) or "output" (print two lines, exit 0).
type FakeServer struct {
	Dir string
}

// InstallFakeServer writes root/installation/srcds_run and who.txt.
func InstallFakeServer(t testing.TB, root string) *FakeServer {
	t.Helper()
	f := &FakeServer{Dir: t.TempDir()}
	inst := filepath.Join(root, "installation")
	MustMkdir(t, filepath.Join(inst, "left4dead2", "cfg"))
	MustWrite(t, filepath.Join(inst, "who.txt"), "installation")
	script := strings.ReplaceAll(fakeScript, "@REC@", f.Dir)
	if err := os.WriteFile(filepath.Join(inst, "srcds_run"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

const fakeScript = `#!/bin/sh
rec='@REC@'
tmp="$rec/.tmp"
mkdir -p "$tmp"
printf '%s\n' "$@" > "$tmp/args"
pwd > "$tmp/cwd"
printf '%s' "$L4D2_PORT" > "$tmp/port"
: > "$tmp/cfgs"
for f in left4dead2/cfg/*.cfg; do
	[ -e "$f" ] || continue
	printf '== %s\n' "${f##*/}" >> "$tmp/cfgs"
	cat "$f" >> "$tmp/cfgs"
	printf '\n' >> "$tmp/cfgs"
done
cat who.txt > "$tmp/who" 2>/dev/null
env > "$tmp/env"
ls left4dead2/addons > "$tmp/addons" 2>/dev/null
echo $$ > "$tmp/pid"
for x in args cwd port cfgs who env pid addons; do mv "$tmp/$x" "$rec/$x"; done
mode=$(cat "$rec/mode" 2>/dev/null || echo run)
# Ignore SIGINT before the start is recorded, so a test that waits for the
# start cannot interrupt a "stubborn" server before it is stubborn.
[ "$mode" = stubborn ] && trap '' INT
echo start >> "$rec/starts"
case "$mode" in
exit0) exit 0 ;;
fail) echo "fake srcds: failing on purpose"; exit 3 ;;
output) echo "line one"; echo "line two"; exit 0 ;;
stubborn) while :; do sleep 0.1; done ;;
*) echo "fake srcds: running on port $L4D2_PORT"; exec sleep 600 ;;
esac
`

// SetMode sets what the next starts do.
func (f *FakeServer) SetMode(t testing.TB, mode string) {
	t.Helper()
	MustWrite(t, filepath.Join(f.Dir, "mode"), mode)
}

// Starts is how many times srcds_run has started.
func (f *FakeServer) Starts() int {
	b, _ := os.ReadFile(filepath.Join(f.Dir, "starts"))
	return strings.Count(string(b), "start\n")
}

// WaitStarts waits until srcds_run has started at least n times.
func (f *FakeServer) WaitStarts(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	Eventually(t, timeout, fmt.Sprintf("%d starts of srcds_run", n), func() bool { return f.Starts() >= n })
}

// Args are the arguments of the last start.
func (f *FakeServer) Args(t testing.TB) []string {
	return strings.Fields(f.read(t, "args"))
}

// Port is L4D2_PORT as the last start saw it.
func (f *FakeServer) Port(t testing.TB) int {
	p, err := strconv.Atoi(f.read(t, "port"))
	if err != nil {
		t.Fatalf("fake srcds port: %v", err)
	}
	return p
}

// Pid is the process id of the last start.
func (f *FakeServer) Pid(t testing.TB) int {
	p, err := strconv.Atoi(strings.TrimSpace(f.read(t, "pid")))
	if err != nil {
		t.Fatalf("fake srcds pid: %v", err)
	}
	return p
}

// Env is the environment of the last start, one VAR=value a line.
func (f *FakeServer) Env(t testing.TB) []string {
	return strings.Split(strings.TrimSpace(f.read(t, "env")), "\n")
}

// Cwd is the working directory of the last start.
func (f *FakeServer) Cwd(t testing.TB) string { return strings.TrimSpace(f.read(t, "cwd")) }

// Who is the content of who.txt in the game dir at the last start: shows
// which layer won.
func (f *FakeServer) Who(t testing.TB) string { return f.read(t, "who") }

// Addons lists left4dead2/addons in the game dir at the last start.
func (f *FakeServer) Addons(t testing.TB) []string { return strings.Fields(f.read(t, "addons")) }

// Cfgs maps each cfg file name the last start saw in left4dead2/cfg to its content.
func (f *FakeServer) Cfgs(t testing.TB) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(f.read(t, "cfgs"), "== ")[1:] {
		name, content, _ := strings.Cut(part, "\n")
		out[name] = strings.TrimSuffix(content, "\n")
	}
	return out
}

func (f *FakeServer) read(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.Dir, name))
	if err != nil {
		t.Fatalf("fake srcds did not record %s: %v", name, err)
	}
	return string(b)
}

// AddOverlay creates root/overlays/<id> with who.txt = id and, when cfg is
// not empty, left4dead2/cfg/server.cfg = cfg.
func AddOverlay(t testing.TB, root, id, cfg string) string {
	t.Helper()
	dir := filepath.Join(root, "overlays", id)
	MustMkdir(t, filepath.Join(dir, "left4dead2", "cfg"))
	MustWrite(t, filepath.Join(dir, "who.txt"), id)
	if cfg != "" {
		MustWrite(t, filepath.Join(dir, "left4dead2", "cfg", "server.cfg"), cfg)
	}
	return dir
}

// Eventually polls cond every 20ms until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MustMkdir creates dir and its parents.
func MustMkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// MustWrite writes a file.
func MustWrite(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Runtime is a stateful fake host.Runtime: Enable marks an instance active
// (running), Disable inactive (dead). EnableErr makes Enable fail.
type Runtime struct {
	mu        sync.Mutex
	enabled   map[string]bool
	EnableErr error
}

var _ host.Runtime = (*Runtime)(nil)

// Enable implements host.Runtime.
func (r *Runtime) Enable(ctx context.Context, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.EnableErr != nil {
		return r.EnableErr
	}
	if r.enabled == nil {
		r.enabled = map[string]bool{}
	}
	r.enabled[name] = true
	return nil
}

// Disable implements host.Runtime.
func (r *Runtime) Disable(ctx context.Context, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.enabled, name)
	return nil
}

// Status implements host.Runtime.
func (r *Runtime) Status(ctx context.Context, name string) (left4me.UnitStatus, error) {
	if r.Enabled(name) {
		return left4me.UnitStatus{ActiveState: "active", SubState: "running"}, nil
	}
	return left4me.UnitStatus{ActiveState: "inactive", SubState: "dead"}, nil
}

// Logs implements host.Runtime with one line naming the instance.
func (r *Runtime) Logs(ctx context.Context, name string, lines int, follow bool, w io.Writer) error {
	_, err := fmt.Fprintf(w, "fake log of %s\n", name)
	return err
}

// Enabled reports whether name is enabled.
func (r *Runtime) Enabled(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.enabled[name]
}

// Mounter is a stateful fake host.Mounter.
type Mounter struct {
	mu      sync.Mutex
	mounted map[string]bool
}

var _ host.Mounter = (*Mounter)(nil)

// Mount implements host.Mounter.
func (m *Mounter) Mount(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mounted == nil {
		m.mounted = map[string]bool{}
	}
	m.mounted[name] = true
	return nil
}

// Unmount implements host.Mounter.
func (m *Mounter) Unmount(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.mounted, name)
	return nil
}

// Mounted reports whether name is mounted.
func (m *Mounter) Mounted(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mounted[name]
}
