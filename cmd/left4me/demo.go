package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/supervisor"
	"github.com/left4me/left4me/web"
)

// cmdDemo runs everything on one machine with no internet and no systemd:
// srcds-sim as the game, the in-process supervisor as the runtime.
func cmdDemo(ctx context.Context, args []string, e env) error {
	fl := flag.NewFlagSet("demo", flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	listen := fl.String("listen", "127.0.0.1:8080", "address to serve the panel on")
	data := fl.String("data", "left4me-demo", "data directory (database, installation, overlays, instances)")
	delay := fl.Duration("fault-start-delay", 0, "") // tests only: hold start jobs
	fl.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: left4me demo [--listen ADDR] [--data DIR]")
		for _, n := range []string{"listen", "data"} {
			f := fl.Lookup(n)
			fmt.Fprintf(e.stderr, "  --%s %s (default %q)\n", n, f.Usage, f.DefValue)
		}
	}
	if err := fl.Parse(args); err != nil || fl.NArg() != 0 {
		return fmt.Errorf("%w: demo [--listen ADDR] [--data DIR]", errUsage)
	}
	root, err := filepath.Abs(*data)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(e.stderr, "left4me: WARNING: not running as root. Servers run over overlayfs mounts, and mounting needs root: the panel works, but starting a server will fail. Run `left4me demo` as root (e.g. with sudo).")
	}
	// The demo takes the port range from the environment like serve does;
	// everything else is fixed or comes from the flags.
	c, err := loadConfig(e.getenv)
	if err != nil {
		return err
	}
	c.DatabaseURL, c.Root, c.Listen, c.Runtime = "sqlite://"+filepath.Join(root, "left4me.db"), root, *listen, "process"
	c.CookieSecure = false // local http
	secret, err := prepareDemo(ctx, c, e)
	if err != nil {
		return err
	}
	log := newLogger(e.stderr)
	sup := supervisor.New(root, log)
	defer sup.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(e.stdout, "left4me: demo data in %s\n", root)
	fmt.Fprintf(e.stdout, "left4me: API token for scripts: left4me token create admin --data %s\n", root)
	return runPanel(ctx, panelConfig{config: c, Secret: secret, Runtime: sup, Mounter: processMounter(root),
		StartDelay: *delay, Logger: log}, e.stdout)
}

// prepareDemo creates the data dir, the simulated installation, a
// persistent secret key and, on first run, the admin and example data.
func prepareDemo(ctx context.Context, c config, e env) ([]byte, error) {
	for _, d := range []string{"overlays", "installation/left4dead2/cfg", "installation/left4dead2/addons"} {
		if err := os.MkdirAll(filepath.Join(c.Root, d), 0o755); err != nil {
			return nil, fmt.Errorf("create demo dirs: %w", err)
		}
	}
	if err := writeSimInstallation(c.Root); err != nil {
		return nil, err
	}
	secret, err := demoSecret(filepath.Join(c.Root, "secret_key"))
	if err != nil {
		return nil, err
	}
	svc, err := openServices(ctx, c)
	if err != nil {
		return nil, err
	}
	defer svc.db.Close()
	return secret, seedDemo(ctx, svc, c.Root, e)
}

// writeSimInstallation makes installation/srcds_run run this very binary as
// srcds-sim, so the demo needs no second binary. It is rewritten on every
// start because the binary may have moved (go run builds to a temp dir).
func writeSimInstallation(root string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	script := fmt.Sprintf("#!/bin/sh\n# left4me demo: the game is srcds-sim, built into left4me.\ncd \"$(dirname \"$0\")\" && exec %s srcds-sim \"$@\"\n", shellQuote(exe))
	path := filepath.Join(root, "installation", "srcds_run")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(script), 0o755); err != nil {
		return fmt.Errorf("write srcds_run: %w", err)
	}
	return os.Rename(tmp, path)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// demoSecret keeps the demo's session key across restarts, so logins survive.
func demoSecret(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	key := []byte(randomHex(32))
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	return key, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

const exampleOverlayCfg = `// left4dead2/cfg/server.cfg of the "example-files" overlay.
// The example blueprint exposes it, so servers exec it as
// server_overlay_<id>.cfg before the blueprint's own lines.
hostname "left4me example overlay"
sv_allow_lobby_connect_only 0
`

// seedDemo creates the admin, an example files overlay with a server.cfg
// and a blueprint exposing it, once.
func seedDemo(ctx context.Context, svc *services, root string, e env) error {
	users, err := svc.users.FindUsers(ctx)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		fmt.Fprintln(e.stdout, "left4me: using the existing demo data: log in as admin with the password from the first run")
		return nil
	}
	password := e.getenv("LEFT4ME_ADMIN_PASSWORD")
	generated := password == ""
	if generated {
		password = randomHex(8)
	}
	if err := createUser(ctx, svc, "admin", password, true); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(e.stdout, "left4me: created user admin with password %s\n", password)
	} else {
		fmt.Fprintln(e.stdout, "left4me: created user admin with the password from LEFT4ME_ADMIN_PASSWORD")
	}
	o := &left4me.Overlay{Kind: left4me.OverlayFiles, Name: "example-files"}
	if err := svc.overlays.CreateOverlay(ctx, o); err != nil {
		return err
	}
	cfgDir := filepath.Join(web.OverlayDir(root, o.ID), "left4dead2", "cfg")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "server.cfg"), []byte(exampleOverlayCfg), 0o644); err != nil {
		return err
	}
	bp := &left4me.Blueprint{Name: "example", Args: []string{"+map", "c1m1_hotel"},
		Config:   "hostname \"left4me demo\"\nrcon_password \"" + randomHex(8) + "\"\n",
		Overlays: []left4me.BlueprintOverlay{{OverlayID: o.ID, ExposeServerCfg: true}}}
	return svc.blueprints.CreateBlueprint(ctx, bp)
}
