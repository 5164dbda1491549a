package systemd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/left4me/left4me/systemd"
)

// fakeHost is a stateful stand-in for sudo and the four helpers: units and
// mounts are files in state/, so tests assert what is enabled or mounted,
// not which commands ran. The sudo mode file switches sudo's behaviour to
// the failures real sudo reports.
type fakeHost struct {
	dir, helpers, state string
	sudo                string
}

const fakeSudo = `#!/bin/bash
# fake sudo: sudo -n -- CMD ARGS...
[ "$1" = -n ] && [ "$2" = -- ] || { echo "fake sudo: want -n --, got $*" >&2; exit 99; }
shift 2
case "$(cat "$(dirname "$0")/mode" 2>/dev/null)" in
nopass) echo "sudo: a password is required" >&2; exit 1 ;;
nnp) echo 'sudo: The "no new privileges" flag is set, which prevents sudo from running as root.' >&2; exit 1 ;;
esac
[ -x "$1" ] || { echo "sudo: $1: command not found" >&2; exit 1; }
exec "$@"
`

// The helpers check names like the real ones and keep state in $STATE.
const fakeHelperCommon = `#!/bin/bash
STATE=%STATE%
usage() { echo "$(basename "$0"): $1" >&2; echo "usage: $(basename "$0") ..." >&2; exit 2; }
valid() { [[ "$1" =~ ^[a-z0-9][a-z0-9_-]{0,63}$ ]] || usage "invalid server name \"$1\""; }
`

var fakeHelpers = map[string]string{
	systemd.HelperSystemctl: `valid "$2"
case "$1" in
enable) [ -e "$STATE/$2.initialized" ] || usage "instance \"$2\" is not initialized"; touch "$STATE/$2.enabled" "$STATE/$2.mounted" ;;
disable) rm -f "$STATE/$2.enabled" "$STATE/$2.mounted" ;;
show) if [ -e "$STATE/$2.enabled" ]; then printf 'ActiveState=active\nSubState=running\n'; else printf 'ActiveState=inactive\nSubState=dead\n'; fi ;;
*) usage "unknown verb" ;;
esac`,
	systemd.HelperOverlay: `valid "$2"
case "$1" in
mount) touch "$STATE/$2.mounted" ;;
umount) rm -f "$STATE/$2.mounted" ;;
*) usage "unknown verb" ;;
esac`,
	systemd.HelperJournalctl: `valid "$1"
[ "$4" = --follow ] && trap 'echo stopped > "$STATE/$1.follow"; exit 0' TERM
for i in $(seq 1 "$3"); do echo "line $i"; done
if [ "$4" = --follow ]; then
	while :; do sleep 0.05; done
fi`,
	systemd.HelperSandbox: `[[ "$2" == /data/scripts/* ]] || usage "script $2 is not in /data/scripts"
[ "$1" = 99 ] && { echo 'left4me-script-sandbox: look up user "left4me-sandbox" (run the installer): unknown user' >&2; exit 1; }
echo "building overlay $1"
echo "progress on stderr" >&2
exit "$(basename "$2" .sh | tr -dc 0-9)"`,
}

func newFakeHost(t *testing.T) *fakeHost {
	t.Helper()
	dir := t.TempDir()
	h := &fakeHost{dir: dir, helpers: filepath.Join(dir, "libexec"), state: filepath.Join(dir, "state"), sudo: filepath.Join(dir, "bin/sudo")}
	for _, d := range []string{h.helpers, h.state, filepath.Dir(h.sudo)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, h.sudo, fakeSudo)
	for name, body := range fakeHelpers {
		write(t, filepath.Join(h.helpers, name), strings.Replace(fakeHelperCommon, "%STATE%", h.state, 1)+body+"\n")
	}
	return h
}

func (h *fakeHost) runtime() *systemd.Runtime {
	return systemd.New(systemd.Config{HelperDir: h.helpers, Sudo: h.sudo})
}

func (h *fakeHost) setSudoMode(t *testing.T, mode string) {
	t.Helper()
	write(t, filepath.Join(filepath.Dir(h.sudo), "mode"), mode)
}

func (h *fakeHost) initialize(t *testing.T, name string) {
	t.Helper()
	write(t, filepath.Join(h.state, name+".initialized"), "")
}

func (h *fakeHost) has(name, suffix string) bool {
	_, err := os.Stat(filepath.Join(h.state, name+"."+suffix))
	return err == nil
}

func (h *fakeHost) read(t *testing.T, file string) string {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(h.state, file))
	return strings.TrimSpace(string(data))
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}
