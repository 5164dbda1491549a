package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is what the srcds_run command line (plus the -sim flags) asks for.
type Config struct {
	Root      string // game root; the game dir is Root/Game. Default: working directory
	Game      string // -game, default left4dead2
	IP        string // +ip, default 0.0.0.0
	Port      int    // +hostport or -port; 0 picks a free port
	Map       string // +map, default c1m1_hotel
	Tickrate  int    // -tickrate (only reported)
	Commands  []Command
	Seed      int64         // -simseed: seeds simulated players
	Players   int           // -simplayers: simulated humans (0 = none)
	Churn     time.Duration // -simchurn: one player leaves and one joins per period (0 = never)
	CrashAt   time.Duration // -simcrashafter: exit as if crashed after this long (0 = never)
	FailStart bool          // -simfailstart: fail like a broken installation
	// InfoChallenge makes A2S_INFO demand a challenge (-siminfochallenge 0|1,
	// default 1), as L4D2 has been seen to do since Dec 2020.
	InfoChallenge bool
	// AuthEmpty makes the server send the empty RESPONSE_VALUE before the
	// AUTH_RESPONSE, as srcds does (-simrconauthempty 0|1, default 1).
	// Some Source servers omit it; clients must accept both.
	AuthEmpty bool
	// DropLoopbackLogs mimics L4D2 silently dropping 127.x logaddress
	// targets (-simdroploopbacklogs). Off by default: tests need loopback.
	DropLoopbackLogs bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Command is one console command from the command line (+name args…),
// run in order before the map loads.
type Command struct {
	Name string
	Args []string
}

// ParseArgs reads a srcds_run command line (without the program name):
// -flags, some with a value, and +commands whose arguments run up to the
// next token starting with + or - (a negative number is an argument).
// Unknown -flags are ignored; an unknown -flag swallows a following value
// token, as srcds's own parser does.
func ParseArgs(args []string) (Config, error) {
	cfg := Config{Game: "left4dead2", IP: "0.0.0.0", Port: 27015, Map: "c1m1_hotel",
		Players: 2, Churn: 20 * time.Second, InfoChallenge: true, AuthEmpty: true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var vals []string
		for i+1 < len(args) && !isOption(args[i+1]) {
			vals = append(vals, args[i+1])
			i++
		}
		var err error
		switch {
		case strings.HasPrefix(a, "+"):
			err = cfg.plusCommand(a[1:], vals)
		case strings.HasPrefix(a, "-"):
			err = cfg.flag(a[1:], vals)
		default:
			err = fmt.Errorf("unexpected argument %q", a)
		}
		if err != nil {
			return Config{}, err
		}
	}
	return cfg, nil
}

func isOption(s string) bool {
	if strings.HasPrefix(s, "+") {
		return true
	}
	if !strings.HasPrefix(s, "-") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err != nil
}

func (c *Config) plusCommand(name string, vals []string) error {
	switch name {
	case "ip":
		return one(name, vals, func(v string) error { c.IP = v; return nil })
	case "hostport":
		return one(name, vals, c.setPort)
	case "map":
		return one(name, vals, func(v string) error { c.Map = v; return nil })
	}
	if name == "" {
		return fmt.Errorf("empty + command")
	}
	c.Commands = append(c.Commands, Command{Name: name, Args: vals})
	return nil
}

func (c *Config) setPort(v string) error {
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("bad port %q", v)
	}
	c.Port = p
	return nil
}

func one(name string, vals []string, set func(string) error) error {
	if len(vals) == 0 {
		return fmt.Errorf("%s needs a value", name)
	}
	return set(vals[0])
}

func (c *Config) flag(name string, vals []string) error {
	dur := func(d *time.Duration) func(string) error {
		return func(v string) error {
			x, err := time.ParseDuration(v)
			if err != nil || x < 0 {
				return fmt.Errorf("-%s: bad duration %q", name, v)
			}
			*d = x
			return nil
		}
	}
	num := func(set func(int) error) func(string) error {
		return func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("-%s: bad number %q", name, v)
			}
			return set(n)
		}
	}
	switch name {
	case "game":
		return one(name, vals, func(v string) error { c.Game = v; return nil })
	case "port":
		return one(name, vals, c.setPort)
	case "simroot":
		return one(name, vals, func(v string) error { c.Root = v; return nil })
	case "tickrate":
		return one(name, vals, num(func(n int) error { c.Tickrate = n; return nil }))
	case "maxplayers":
		return one(name, vals, func(v string) error {
			c.Commands = append(c.Commands, Command{Name: "maxplayers", Args: []string{v}})
			return nil
		})
	}
	return c.simFlag(name, vals, dur, num)
}

// simFlag handles the -sim flags; other unknown flags are ignored.
func (c *Config) simFlag(name string, vals []string, dur func(*time.Duration) func(string) error,
	num func(func(int) error) func(string) error) error {
	switch name {
	case "simseed":
		return one(name, vals, num(func(n int) error { c.Seed = int64(n); return nil }))
	case "simplayers":
		return one(name, vals, num(func(n int) error {
			if n < 0 || n > 255 {
				return fmt.Errorf("-simplayers: %d out of 0..255", n)
			}
			c.Players = n
			return nil
		}))
	case "simchurn":
		return one(name, vals, dur(&c.Churn))
	case "simcrashafter":
		return one(name, vals, dur(&c.CrashAt))
	case "simfailstart":
		c.FailStart = true
	case "siminfochallenge":
		return one(name, vals, func(v string) error { c.InfoChallenge = v != "0"; return nil })
	case "simrconauthempty":
		return one(name, vals, func(v string) error { c.AuthEmpty = v != "0"; return nil })
	case "simdroploopbacklogs":
		c.DropLoopbackLogs = true
	}
	return nil // other srcds flags (-console, -insecure, -norestart, …) are ignored
}
