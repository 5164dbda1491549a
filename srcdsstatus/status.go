// Package srcdsstatus parses the output of the `status` console command of a
// Left 4 Dead 2 server (as returned over RCON), in its old and new formats:
// with or without the adr column, bot rows without ping, and connection
// times in m:ss or h:mm:ss. It is tolerant: unknown header lines are
// ignored and a player row that cannot be read is skipped, not fatal.
package srcdsstatus

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrNotStatus is returned for text that has neither a status header nor a
// player table.
var ErrNotStatus = errors.New("not srcds status output")

// Status is the parsed output.
type Status struct {
	Hostname    string
	Version     string // e.g. "2.2.4.3 9309 secure  (unknown)"
	Secure      bool
	UDPIP       string // e.g. "85.196.87.88:27026 [ public same ]"
	OS          string
	Map         string
	Humans      int
	Bots        int
	MaxPlayers  int
	Hibernating bool
	Reserved    string // reservation cookie, "" when unreserved
	Players     []Player
}

// Player is one row of the player table.
type Player struct {
	UserID    int
	Slot      int // the second number of new-style rows; 0 when absent
	Name      string
	UniqueID  string // STEAM_X:Y:Z or "BOT"
	Bot       bool
	Connected time.Duration
	Ping      int
	Loss      int
	State     string // active, spawning, connecting, …
	Rate      int
	Addr      string // ip:port, "" when the column is missing
}

// Parse parses status output.
func Parse(text string) (Status, error) {
	var st Status
	seen := false
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			if p, ok := parsePlayer(line); ok {
				st.Players = append(st.Players, p)
				seen = true
			} else if strings.HasPrefix(line, "# userid") || line == "#end" {
				seen = true
			}
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if parseHeader(&st, strings.TrimSpace(key), strings.TrimSpace(val)) {
			seen = true
		}
	}
	if !seen {
		return Status{}, ErrNotStatus
	}
	return st, nil
}

func parseHeader(st *Status, key, val string) bool {
	switch key {
	case "hostname":
		st.Hostname = val
	case "version":
		st.Version = val
		st.Secure = strings.Contains(val, " secure") && !strings.Contains(val, "insecure")
	case "udp/ip":
		st.UDPIP = val
	case "os":
		st.OS = val
	case "map":
		st.Map, _, _ = strings.Cut(val, " ")
	case "players":
		parsePlayersLine(st, val)
	default:
		return false
	}
	return true
}

// parsePlayersLine reads "2 humans, 0 bots (4 max) (not hibernating) (reserved 1860000294c078e)".
func parsePlayersLine(st *Status, val string) {
	f := strings.Fields(strings.NewReplacer(",", " ", "(", " ", ")", " ").Replace(val))
	for i := 1; i < len(f); i++ {
		n, err := strconv.Atoi(f[i-1])
		switch {
		case err == nil && strings.HasPrefix(f[i], "human"):
			st.Humans = n
		case err == nil && strings.HasPrefix(f[i], "bot"):
			st.Bots = n
		case err == nil && f[i] == "max":
			st.MaxPlayers = n
		case f[i-1] == "reserved":
			st.Reserved = f[i]
		}
	}
	st.Hibernating = strings.Contains(val, "(hibernating)")
}
