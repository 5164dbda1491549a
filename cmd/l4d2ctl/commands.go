package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/supervisor"
)

// execute runs one validated command.
func execute(ctx context.Context, cfg config, stdout io.Writer, logger *slog.Logger) error {
	if cfg.Runtime == "process" {
		switch cfg.Command {
		case "stop", "restart", "status", "logs":
			return usagef("the process runtime lives inside one process, so %q cannot reach a server started elsewhere: use `l4d2ctl run %s` (foreground) or the systemd runtime", cfg.Command, cfg.Name)
		}
	}
	if cfg.Command == "run" {
		return runForeground(ctx, cfg, stdout, logger)
	}
	h, err := newHost(cfg, logger)
	if err != nil {
		return err
	}
	return dispatch(ctx, h, cfg, stdout)
}

// dispatch runs a lifecycle command on the host library.
func dispatch(ctx context.Context, h *host.Host, cfg config, stdout io.Writer) error {
	switch cfg.Command {
	case "init":
		spec, err := loadSpec(h, cfg)
		if err != nil {
			return err
		}
		return h.Initialize(ctx, *spec)
	case "start":
		return start(ctx, h, cfg, stdout)
	case "stop":
		return h.Stop(ctx, cfg.Name)
	case "restart":
		spec, err := loadSpec(h, cfg)
		if err != nil {
			return err
		}
		return h.Restart(ctx, *spec)
	case "reset":
		return h.Reset(ctx, cfg.Name)
	case "delete":
		return h.Delete(ctx, cfg.Name)
	case "status":
		st, err := h.Status(ctx, cfg.Name)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, st)
		return nil
	case "logs":
		return h.Logs(ctx, cfg.Name, cfg.Lines, cfg.Follow, stdout)
	}
	return usagef("unknown command %q", cfg.Command)
}

// loadSpec reads --spec FILE, or else the stored spec.json.
func loadSpec(h *host.Host, cfg config) (*left4me.InstanceSpec, error) {
	if cfg.Spec == "" {
		spec, err := h.LoadSpec(cfg.Name)
		if errors.Is(err, left4me.ErrNotInitialized) {
			return nil, usagef("not initialized: run l4d2ctl init %s --spec FILE", cfg.Name)
		}
		return spec, err
	}
	f, err := os.Open(cfg.Spec)
	if err != nil {
		return nil, usagef("read spec: %v", err)
	}
	defer f.Close()
	spec, err := left4me.ParseInstanceSpec(f)
	if err != nil {
		return nil, err
	}
	if spec.Name != cfg.Name {
		return nil, usagef("%s is the spec of %q, not %q", cfg.Spec, spec.Name, cfg.Name)
	}
	return spec, nil
}

// start enables the server. Under the process runtime the server lives in
// this process, so start stays in the foreground until interrupted or until
// the supervisor gives up, then stops.
func start(ctx context.Context, h *host.Host, cfg config, stdout io.Writer) error {
	spec, err := loadSpec(h, cfg)
	if err != nil {
		return err
	}
	if err := h.Start(ctx, *spec); err != nil {
		return err
	}
	if cfg.Runtime != "process" {
		return nil
	}
	fmt.Fprintf(stdout, "%s is supervised by this process; interrupt to stop it\n", cfg.Name)
	logCtx, stopLogs := context.WithCancel(context.Background())
	logsDone := make(chan struct{})
	go func() { h.Logs(logCtx, cfg.Name, 0, true, stdout); close(logsDone) }()
	defer func() { stopLogs(); <-logsDone }()
	for ctx.Err() == nil {
		st, err := h.Status(context.Background(), cfg.Name)
		if err == nil && (st.ActiveState == "failed" || st.ActiveState == "inactive") {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	st, _ := h.Status(context.Background(), cfg.Name)
	if err := h.Stop(context.Background(), cfg.Name); err != nil {
		return err
	}
	if st.ActiveState == "failed" {
		return fmt.Errorf("server failed: see the output above")
	}
	return nil
}

// runForeground is `l4d2ctl run`: initialize, stage, mount, run until the
// server exits or ctx is interrupted, unmount.
func runForeground(ctx context.Context, cfg config, stdout io.Writer, logger *slog.Logger) error {
	h, err := newHost(config{Root: cfg.Root, Runtime: "process"}, logger)
	if err != nil {
		return err
	}
	if cfg.Runtime == "systemd" {
		// Mount through the helper so run also works for the unprivileged user.
		if h.Mounter, err = newSystemdMounter(cfg, logger); err != nil {
			return err
		}
	}
	spec, err := loadSpec(h, cfg)
	if err != nil {
		return err
	}
	if err := h.Initialize(ctx, *spec); err != nil {
		return err
	}
	if err := h.StageConfigs(ctx, *spec); err != nil {
		return err
	}
	sup := supervisor.New(cfg.Root, logger)
	sup.Mounter = h.Mounter
	if err := sup.Run(ctx, cfg.Name, stdout); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// newRuntime builds the selected runtime and its mounter.
func newRuntime(cfg config, logger *slog.Logger) (host.Runtime, host.Mounter, error) {
	if cfg.Runtime == "process" {
		sup := supervisor.New(cfg.Root, logger)
		return sup, processMounter(cfg.Root), nil
	}
	return newSystemdRuntime(cfg, logger)
}
