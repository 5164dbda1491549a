package helper_test

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/left4me/left4me/helper"
)

var (
	grammarName  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	grammarLines = regexp.MustCompile(`^(0|[1-9][0-9]{0,4})$`)
)

// FuzzArgs feeds arbitrary argument lists to every helper. The data root is
// empty, so nothing may succeed except the verbs that need no instance
// (systemctl disable/show, journalctl), and those only when the arguments
// match the grammar exactly; every refusal carries a usage line.
func FuzzArgs(f *testing.F) {
	for _, seed := range [][]string{
		{"left4me-systemctl", "show", "alpha", ""},
		{"left4me-journalctl", "alpha", "--lines", "10", "--follow"},
		{"left4me-journalctl", "alpha", "--lines", "010", "--no-follow"},
		{"left4me-overlay", "mount", "../x"},
		{"left4me-script-sandbox", "1", "/x/scripts/a.sh"},
		{"left4me-helper", "left4me-systemctl", "disable", "a"},
	} {
		f.Add(seed[0], strings.Join(seed[1:], "\x00"))
	}
	f.Fuzz(func(t *testing.T, tool, joined string) {
		dir := t.TempDir()
		var out, errOut bytes.Buffer
		cfg := helper.Config{
			HostEnv:    filepath.Join(dir, "host.env"),
			Systemctl:  "/bin/true",
			Journalctl: "/bin/true",
			SystemdRun: "/bin/false",
			Sandbox:    helper.DefaultSandboxConfig(),
			Stdout:     &out,
			Stderr:     &errOut,
		}
		writeHostEnv(t, cfg.HostEnv, filepath.Join(dir, "root"))
		args := strings.Split(joined, "\x00")
		code := helper.Main(cfg, append([]string{tool}, args...))
		if want := wantSuccess(tool, args); (code == 0) != want {
			t.Fatalf("%q %q: exit %d, grammar says success=%v; stderr %q", tool, args, code, want, errOut.String())
		}
		if code == 2 && !strings.Contains(errOut.String(), "usage:") {
			t.Fatalf("%q %q: refusal without usage: %q", tool, args, errOut.String())
		}
	})
}

func wantSuccess(tool string, args []string) bool {
	if filepath.Base(tool) == "left4me-helper" && len(args) > 0 {
		tool, args = args[0], args[1:]
	}
	switch filepath.Base(tool) {
	case "left4me-systemctl":
		return len(args) == 2 && (args[0] == "disable" || args[0] == "show") && grammarName.MatchString(args[1])
	case "left4me-journalctl":
		if len(args) != 4 || !grammarName.MatchString(args[0]) || args[1] != "--lines" || !grammarLines.MatchString(args[2]) {
			return false
		}
		n, _ := strconv.Atoi(args[2])
		return n <= helper.MaxLogLines && (args[3] == "--follow" || args[3] == "--no-follow")
	}
	return false
}

func writeHostEnv(t *testing.T, path, root string) {
	t.Helper()
	writeFile(t, path, "LEFT4ME_ROOT="+root+"\n", 0o644)
}
