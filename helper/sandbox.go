package helper

import (
	"bytes"
	"fmt"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SandboxConfig fixes how left4me-script-sandbox runs a build script.
type SandboxConfig struct {
	ServiceUser   string        // owns overlays before and after a build: left4me
	User          string        // runs the script: left4me-sandbox, no login, no sudo
	ResolvConf    string        // public resolvers, bound as the sandbox's /etc/resolv.conf
	Slice         string        // cgroup slice for builds
	MemoryMax     string        // systemd MemoryMax=
	TasksMax      int           // systemd TasksMax=
	CPUQuota      string        // systemd CPUQuota=
	RuntimeMax    time.Duration // wall-clock limit (RuntimeMaxSec=)
	MaxScriptSize int64         // bytes
}

// DefaultSandboxConfig is the production sandbox.
func DefaultSandboxConfig() SandboxConfig {
	return SandboxConfig{
		ServiceUser:   "left4me",
		User:          "left4me-sandbox",
		ResolvConf:    "/etc/left4me/sandbox-resolv.conf",
		Slice:         "l4d2-build.slice",
		MemoryMax:     "2G",
		TasksMax:      512,
		CPUQuota:      "100%",
		RuntimeMax:    time.Hour,
		MaxScriptSize: 1 << 20,
	}
}

var (
	validOverlayID  = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)
	validScriptName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
)

// ScriptsDir is root/scripts, where the service user puts build scripts for
// left4me-script-sandbox. Scripts anywhere else are refused.
func ScriptsDir(root string) string { return filepath.Join(root, "scripts") }

// sandboxOverlay is where the overlay dir appears inside the sandbox.
const sandboxOverlay = "/overlay"

// runSandbox is left4me-script-sandbox OVERLAY-ID SCRIPT: it runs SCRIPT (a
// file in root/scripts) as the sandbox user in a hardened transient unit
// with root/overlays/OVERLAY-ID bound read-write at /overlay, and returns
// the script's exit code. Afterwards everything the script created belongs
// to the service user again.
func runSandbox(cfg *Config, args []string) (int, error) {
	if len(args) != 2 {
		return 0, usagef("expected 2 arguments, got %d", len(args))
	}
	id, script := args[0], args[1]
	if !validOverlayID.MatchString(id) {
		return 0, usagef("overlay id %q is not a positive decimal number", id)
	}
	root, err := cfg.dataRoot()
	if err != nil {
		return 0, err
	}
	base, err := checkScriptPath(root, script)
	if err != nil {
		return 0, err
	}
	svc, err := lookupIDs(cfg.Sandbox.ServiceUser)
	if err != nil {
		return 0, err
	}
	sbx, err := lookupIDs(cfg.Sandbox.User)
	if err != nil {
		return 0, err
	}
	b, err := openBuild(root, id, base, svc, cfg.Sandbox)
	if err != nil {
		return 0, err
	}
	defer b.close()
	return b.run(cfg, svc, sbx)
}

// checkScriptPath accepts exactly root/scripts/NAME and returns NAME.
func checkScriptPath(root, script string) (string, error) {
	if !filepath.IsAbs(script) || filepath.Clean(script) != script {
		return "", usagef("script %q must be a clean absolute path in %s", script, ScriptsDir(root))
	}
	dir, base := filepath.Split(script)
	if filepath.Clean(dir) != ScriptsDir(root) {
		return "", usagef("script %q is not in %s", script, ScriptsDir(root))
	}
	if !validScriptName.MatchString(base) {
		return "", usagef("script name %q: use up to 128 characters A-Z a-z 0-9 . _ -, starting with a letter or digit", base)
	}
	return base, nil
}

// ids is a resolved user.
type ids struct {
	name     string
	uid, gid int
}

func lookupIDs(name string) (ids, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return ids{}, fmt.Errorf("look up user %q (run the installer): %w", name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil || uid == 0 {
		return ids{}, fmt.Errorf("user %q has unusable ids %s:%s", name, u.Uid, u.Gid)
	}
	return ids{name: name, uid: uid, gid: gid}, nil
}

// run chowns the overlay to the sandbox user, runs the unit and always
// hands the overlay back to the service user, once the unit is surely gone:
// if systemd-run was interrupted (the caller cancelled), the unit is
// stopped first, so no script writes into a tree handed back.
func (b *build) run(cfg *Config, svc, sbx ids) (int, error) {
	if err := chownTree(b.overlayFD, svc, sbx, true); err != nil {
		_ = chownTree(b.overlayFD, sbx, svc, false)
		return 0, fmt.Errorf("hand overlay %s to %s: %w", b.overlayID, sbx.name, err)
	}
	code, runErr := cfg.runToolInput(bytes.NewReader(b.script), cfg.SystemdRun, b.systemdRunArgs(cfg.Sandbox)...)
	if code > 128 || runErr != nil {
		_, _ = cfg.runTool(cfg.Systemctl, "stop", "--quiet", b.unit()+".service")
	}
	if err := chownTree(b.overlayFD, sbx, svc, false); err != nil {
		return 0, fmt.Errorf("hand overlay %s back to %s: %w", b.overlayID, svc.name, err)
	}
	return code, runErr
}

// systemdRunArgs is the transient unit: no privileges, read-only system,
// the data root and host config hidden, only inet/unix sockets and no
// loopback, link-local or private destinations, bounded memory, tasks, CPU
// and time. The wrapper checks that /overlay is the very directory the
// helper validated (device and inode), so swapping the path between the
// check and systemd's bind mount cannot give the script another directory.
// The script itself arrives on stdin and is written into the sandbox's
// private /tmp, so no copy of it ever exists on the host.
func (b *build) systemdRunArgs(sc SandboxConfig) []string {
	props := []string{
		"User=" + sc.User, "Group=" + sc.User,
		"Slice=" + sc.Slice,
		"NoNewPrivileges=yes", "CapabilityBoundingSet=", "AmbientCapabilities=",
		"ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "PrivateIPC=yes",
		"ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
		"ProtectControlGroups=yes", "ProtectClock=yes", "ProtectHostname=yes",
		"ProtectProc=invisible", "ProcSubset=pid", "KeyringMode=private",
		"RestrictNamespaces=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes", "LockPersonality=yes",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
		"IPAddressDeny=" + strings.Join(deniedRanges, " "),
		"SystemCallArchitectures=native",
		"SystemCallFilter=@system-service",
		"SystemCallFilter=~@privileged @mount @debug @raw-io @reboot @swap @cpu-emulation @obsolete",
		"SystemCallErrorNumber=EPERM",
		"MemoryMax=" + sc.MemoryMax, "MemorySwapMax=0",
		"TasksMax=" + strconv.Itoa(sc.TasksMax),
		"CPUQuota=" + sc.CPUQuota,
		"RuntimeMaxSec=" + strconv.Itoa(int(sc.RuntimeMax/time.Second)),
		"UMask=0022",
		"TemporaryFileSystem=" + strings.Join(b.hidden, " "),
		"BindPaths=" + b.overlayPath + ":" + sandboxOverlay,
		"BindReadOnlyPaths=" + sc.ResolvConf + ":/etc/resolv.conf",
		"WorkingDirectory=" + sandboxOverlay,
		"Environment=HOME=/tmp LANG=C.UTF-8 OVERLAY=" + sandboxOverlay,
	}
	args := []string{"--quiet", "--wait", "--pipe", "--collect", "--unit=" + b.unit()}
	for _, p := range props {
		args = append(args, "--property="+p)
	}
	wrapper := `[ "$(stat -L -c %d:%i ` + sandboxOverlay + `)" = "$1" ] || { echo "left4me-script-sandbox: /overlay is not the validated directory" >&2; exit 125; }; s=$(mktemp /tmp/.left4me-build.XXXXXX) && cat > "$s" && chmod 0500 "$s" && exec "$s" </dev/null`
	return append(args, "--", "/bin/sh", "-c", wrapper, "sh", b.devIno)
}

// unit names the transient unit after the overlay: systemd refuses a
// second one with the same name.
func (b *build) unit() string { return "left4me-script-" + b.overlayID }

// deniedRanges are the destinations a build script may not reach: this
// host and its networks. Public addresses (mirrors, Workshop) stay open.
var deniedRanges = []string{
	"127.0.0.0/8", "::1/128", // loopback (systemd-run does not take the "localhost" keyword)
	"169.254.0.0/16", "fe80::/10", "224.0.0.0/4", "ff00::/8", // link-local, multicast
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.0.0.0/24",
	"192.168.0.0/16", "198.18.0.0/15", "240.0.0.0/4",
	"::/128", "fc00::/7", "fec0::/10",
}

// hiddenPaths are covered by empty read-only tmpfs in the sandbox: the data
// root (other overlays, the database, instance files) and host config.
func hiddenPaths(root string) []string {
	dirs := []string{"/var/lib", "/etc/left4me", "/srv", "/opt", "/mnt", "/media"}
	covered := false
	for _, d := range dirs {
		covered = covered || strings.HasPrefix(root+"/", d+"/")
	}
	if !covered {
		dirs = append(dirs, root)
	}
	out := make([]string, len(dirs))
	for i, d := range dirs {
		out[i] = d + ":ro"
	}
	return out
}
