package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/left4me/left4me"
)

// config is everything the panel reads from the environment.
type config struct {
	DatabaseURL  string
	Root         string
	SecretKey    string
	CookieSecure bool
	TrustProxy   bool // TRUST_X_FORWARDED_FOR: the panel sits behind a reverse proxy
	PortStart    int
	PortEnd      int
	Workers      int
	Listen       string
	Runtime      string // systemd or process
	HelperDir    string
}

// Defaults of the production panel.
const (
	defaultRoot      = "/var/lib/left4me"
	defaultListen    = "127.0.0.1:8080"
	defaultPortStart = 27015
	defaultPortEnd   = 27099
	defaultHelperDir = "/usr/local/libexec/left4me"
)

// loadConfig reads the environment; every bad value is an EINVALID naming
// the variable.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Root:         orDefault(getenv("LEFT4ME_ROOT"), defaultRoot),
		SecretKey:    getenv("SECRET_KEY"),
		CookieSecure: true,
		Listen:       orDefault(getenv("LISTEN"), defaultListen),
		Runtime:      orDefault(getenv("LEFT4ME_RUNTIME"), "systemd"),
		HelperDir:    orDefault(getenv("LEFT4ME_HELPER_DIR"), defaultHelperDir),
	}
	c.DatabaseURL = orDefault(getenv("DATABASE_URL"), "sqlite://"+filepath.Join(c.Root, "left4me.db"))
	var err error
	if v := getenv("SESSION_COOKIE_SECURE"); v != "" {
		if c.CookieSecure, err = strconv.ParseBool(v); err != nil {
			return c, left4me.Errorf(left4me.EINVALID, "SESSION_COOKIE_SECURE=%q: use true or false", v)
		}
	}
	if v := getenv("TRUST_X_FORWARDED_FOR"); v != "" {
		if c.TrustProxy, err = strconv.ParseBool(v); err != nil {
			return c, left4me.Errorf(left4me.EINVALID, "TRUST_X_FORWARDED_FOR=%q: use true or false", v)
		}
	}
	if c.PortStart, err = envInt(getenv, "LEFT4ME_PORT_RANGE_START", defaultPortStart, 1, 65535); err != nil {
		return c, err
	}
	if c.PortEnd, err = envInt(getenv, "LEFT4ME_PORT_RANGE_END", defaultPortEnd, 1, 65535); err != nil {
		return c, err
	}
	if c.PortEnd < c.PortStart {
		return c, left4me.Errorf(left4me.EINVALID, "LEFT4ME_PORT_RANGE_END (%d) is below LEFT4ME_PORT_RANGE_START (%d)", c.PortEnd, c.PortStart)
	}
	if c.Workers, err = envInt(getenv, "JOB_WORKER_THREADS", min(runtime.NumCPU(), 4), 1, 64); err != nil {
		return c, err
	}
	if c.Runtime != "systemd" && c.Runtime != "process" {
		return c, left4me.Errorf(left4me.EINVALID, "LEFT4ME_RUNTIME=%q: use systemd or process", c.Runtime)
	}
	return c, nil
}

// checkSecretKey refuses to run the production panel with a guessable key:
// it signs every session.
func checkSecretKey(key string) error {
	switch {
	case key == "":
		return left4me.Errorf(left4me.EINVALID, "SECRET_KEY is not set: set it to at least 32 random characters, e.g. $(head -c 32 /dev/urandom | base64)")
	case strings.EqualFold(key, "dev"):
		return left4me.Errorf(left4me.EINVALID, "SECRET_KEY is %q, a development value: set it to at least 32 random characters", key)
	case strings.HasPrefix(strings.ToLower(key), "change-me"):
		return left4me.Errorf(left4me.EINVALID, "SECRET_KEY is still the example value from web.env.example: set it to at least 32 random characters")
	case len(key) < 32:
		return left4me.Errorf(left4me.EINVALID, "SECRET_KEY is %d characters long: use at least 32 random characters", len(key))
	}
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func envInt(getenv func(string) string, name string, def, lo, hi int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, left4me.Errorf(left4me.EINVALID, "%s=%q: want a number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// databaseURL is the DATABASE_URL of the CLI commands: --data DIR wins,
// then DATABASE_URL, then the production default.
func databaseURL(getenv func(string) string, dataDir string) string {
	if dataDir != "" {
		abs, err := filepath.Abs(dataDir)
		if err == nil {
			dataDir = abs
		}
		return "sqlite://" + filepath.Join(dataDir, "left4me.db")
	}
	if v := getenv("DATABASE_URL"); v != "" {
		return v
	}
	return "sqlite://" + filepath.Join(orDefault(getenv("LEFT4ME_ROOT"), defaultRoot), "left4me.db")
}

func describe(c config) string {
	return fmt.Sprintf("root=%s runtime=%s ports=%d-%d workers=%d", c.Root, c.Runtime, c.PortStart, c.PortEnd, c.Workers)
}
