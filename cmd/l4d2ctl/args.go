package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// commands maps each command to the flags it accepts.
var commands = map[string][]string{
	"init":    {"spec"},
	"start":   {"spec"},
	"stop":    nil,
	"restart": {"spec"},
	"reset":   nil,
	"delete":  nil,
	"status":  nil,
	"logs":    {"lines", "follow"},
	"run":     {"spec"},
}

// parseArgs reads global flags, COMMAND, NAME and the command's flags
// (before or after NAME).
func parseArgs(args []string, getenv func(string) string) (config, error) {
	cfg := config{Root: getenv("LEFT4ME_ROOT"), Runtime: getenv("LEFT4ME_RUNTIME"), Lines: 100}
	if cfg.Root == "" {
		cfg.Root = "/var/lib/left4me"
	}
	if cfg.Runtime == "" {
		cfg.Runtime = "systemd"
	}
	global := flag.NewFlagSet("l4d2ctl", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&cfg.Root, "root", cfg.Root, "")
	global.StringVar(&cfg.Runtime, "runtime", cfg.Runtime, "")
	if err := global.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.Runtime != "systemd" && cfg.Runtime != "process" {
		return cfg, fmt.Errorf("unknown runtime %q: use systemd or process", cfg.Runtime)
	}
	rest := global.Args()
	if len(rest) == 0 {
		return cfg, errors.New("missing COMMAND")
	}
	cfg.Command = rest[0]
	allowed, ok := commands[cfg.Command]
	if !ok {
		return cfg, fmt.Errorf("unknown command %q", cfg.Command)
	}
	if err := parseCommand(&cfg, allowed, rest[1:]); err != nil {
		return cfg, err
	}
	if cfg.Command == "init" && cfg.Spec == "" {
		return cfg, errors.New("init needs --spec FILE")
	}
	return cfg, nil
}

func parseCommand(cfg *config, allowed []string, args []string) error {
	fs := flag.NewFlagSet(cfg.Command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, name := range allowed {
		switch name {
		case "spec":
			fs.StringVar(&cfg.Spec, "spec", "", "")
		case "lines":
			fs.IntVar(&cfg.Lines, "lines", cfg.Lines, "")
		case "follow":
			fs.BoolVar(&cfg.Follow, "follow", false, "")
		}
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("%s: %w", cfg.Command, err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(positional) == 0:
		return fmt.Errorf("%s: missing NAME", cfg.Command)
	case len(positional) > 1:
		return fmt.Errorf("%s: unexpected arguments after NAME: %q", cfg.Command, positional[1:])
	case cfg.Lines < 0:
		return fmt.Errorf("logs: --lines must not be negative")
	}
	cfg.Name = positional[0]
	return nil
}
