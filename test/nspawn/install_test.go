package nspawn_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestInstallerCustomRoot installs with --root elsewhere than the default
// and checks that units, sudoers, host.env and the directories all follow,
// that a server runs from there, and that a conflicting --root is refused.
func TestInstallerCustomRoot(t *testing.T) {
	requireNspawn(t)
	binDir := buildBinaries(t)
	deployDir, err := filepath.Abs("../../deploy")
	if err != nil {
		t.Fatal(err)
	}
	p := newPersistent(t)
	name := fmt.Sprintf("l4m-e2e-root-%d", os.Getpid())
	marker := name + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(cleanupNspawnRunDirs())
	c := boot(t, name, nspawnArgs(name, marker, p, binDir, deployDir))

	const root = "/srv/l4m-data"
	c.sh(e2eDeploy + "/install.sh --bin " + e2eBin + " --root " + root)
	if out := c.sh(e2eDeploy + "/install.sh --bin " + e2eBin); !strings.Contains(out, "nothing to change") {
		t.Errorf("re-run without --root (root from host.env) changed something:\n%s", out)
	}
	if out, err := c.run(30*time.Second, e2eDeploy+"/install.sh", "--bin", e2eBin, "--root", "/srv/other"); err == nil || !strings.Contains(out, "differs from LEFT4ME_ROOT") {
		t.Errorf("a conflicting --root was not refused: %v\n%s", err, out)
	}
	checks := c.sh(`set -e
grep -qx 'LEFT4ME_ROOT=` + root + `' /etc/left4me/host.env
stat -c '%U:%G %a' /etc/left4me/host.env /etc/left4me/web.env /etc/sudoers.d/left4me ` + root + ` ` + root + `/overlays ` + root + `/scripts
grep -c '^SECRET_KEY=[A-Za-z0-9]\{40,\}$' /etc/left4me/web.env
grep -h -o '` + root + `[^ ]*' /etc/systemd/system/left4me-server@.service | sort -u | head -3
grep -c /var/lib/left4me /etc/systemd/system/left4me-server@.service /etc/systemd/system/left4me-server@.service.d/hardening.conf /etc/systemd/system/left4me-web.service.d/hardening.conf /etc/sudoers.d/left4me || true
grep -o '` + root + `/scripts/' /etc/sudoers.d/left4me`)
	for _, want := range []string{
		"root:root 644\nroot:left4me 640\nroot:root 440\nleft4me:left4me 750\nleft4me:left4me 750\nleft4me:left4me 750\n1\n",
		root + "/instances/%i/instance.env",
		"/etc/systemd/system/left4me-server@.service:0\n",
		"/etc/sudoers.d/left4me:0\n",
		root + "/scripts/",
	} {
		if !strings.Contains(checks, want) {
			t.Errorf("installed files lack %q:\n%s", want, checks)
		}
	}

	c.sh(fmt.Sprintf(`cat > %[1]s/installation/srcds_run <<'EOS'
%[2]sEOS
cp %[3]s/srcds-sim %[1]s/installation/srcds-sim
chmod 0755 %[1]s/installation/srcds_run %[1]s/installation/srcds-sim
chown -R left4me:left4me %[1]s/installation`, root, testGame, e2eBin))
	svc := newServiceUser(t, c)
	svc.mustRun(t, "start", "gamma", "27020")
	svc.waitStatus(t, "gamma", "active running", 20*time.Second)
	if _, ok := c.mountedInPID1(root + "/runtime/gamma/merged"); !ok {
		c.fatalf("gamma's overlay is not mounted under the custom root")
	}
	svc.mustRun(t, "stop", "gamma")
	if _, ok := c.mountedInPID1(root + "/runtime/gamma/merged"); ok {
		t.Error("gamma still mounted after stop")
	}
}
