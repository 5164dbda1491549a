package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/left4me/left4me/supervisor"
)

// cmdServe runs the production panel from the environment (see deploy/).
func cmdServe(ctx context.Context, args []string, e env) error {
	if len(args) != 0 {
		return fmt.Errorf("%w: serve takes no arguments (configure it with environment variables)", errUsage)
	}
	c, err := loadConfig(e.getenv)
	if err != nil {
		return err
	}
	if err := checkSecretKey(c.SecretKey); err != nil {
		return err
	}
	if c.Root, err = filepath.Abs(c.Root); err != nil {
		return err
	}
	log := newLogger(e.stderr)
	pc := panelConfig{config: c, Secret: []byte(c.SecretKey), Logger: log}
	if c.Runtime == "process" {
		sup := supervisor.New(c.Root, log)
		pc.Runtime, pc.Mounter = sup, processMounter(c.Root)
		defer sup.Close(context.WithoutCancel(ctx))
	} else if pc.Runtime, pc.Mounter, err = newSystemdRuntime(c, log); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(c.Root, "overlays"), 0o750); err != nil {
		return fmt.Errorf("create data dirs: %w", err)
	}
	log.Info("starting left4me", "config", describe(c))
	return runPanel(ctx, pc, e.stdout)
}
