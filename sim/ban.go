package sim

import (
	"net/netip"
	"strconv"
	"time"
)

// recordFailure applies srcds's failed-login ban: sv_rcon_minfailures
// failures within sv_rcon_minfailuretime seconds, or sv_rcon_maxfailures
// in total, ban the address for sv_rcon_banpenalty minutes (0 = until the
// server restarts). A panel retrying a wrong password gets itself banned
// this way, which is why the rcon client never retries. s.mu is held.
func (s *Server) recordFailure(a netip.Addr) {
	now := s.cfg.Now()
	s.failures[a] = append(s.failures[a], now)
	window := time.Duration(s.cvarInt("sv_rcon_minfailuretime", 30)) * time.Second
	recent := 0
	for _, t := range s.failures[a] {
		if now.Sub(t) <= window {
			recent++
		}
	}
	if recent < s.cvarInt("sv_rcon_minfailures", 5) && len(s.failures[a]) < s.cvarInt("sv_rcon_maxfailures", 10) {
		return
	}
	var until time.Time
	if mins := s.cvarInt("sv_rcon_banpenalty", 0); mins > 0 {
		until = now.Add(time.Duration(mins) * time.Minute)
	}
	s.banned[a] = until
	delete(s.failures, a)
	s.logf("Banid: \"%s\" was banned \"for %d minutes\" by \"Console\"", a, s.cvarInt("sv_rcon_banpenalty", 0))
}

// isBanned reports whether a is banned now; s.mu is held.
func (s *Server) isBanned(a netip.Addr) bool {
	until, ok := s.banned[a]
	if !ok {
		return false
	}
	if !until.IsZero() && !s.cfg.Now().Before(until) {
		delete(s.banned, a)
		return false
	}
	return true
}

func (s *Server) cvarInt(name string, def int) int {
	n, err := strconv.Atoi(s.cvar(name))
	if err != nil || n < 0 {
		return def
	}
	return n
}

// cmdRemoveIP lifts a ban, like srcds's `removeip`.
func (s *Server) cmdRemoveIP(w []string, _ *session) string {
	if len(w) < 2 {
		return "Usage:  removeip < slot | ipaddress >\n"
	}
	a, err := netip.ParseAddr(w[1])
	if err != nil || !s.isBanned(a) {
		return "removeip: couldn't find " + w[1] + "\n"
	}
	delete(s.banned, a)
	return "removeip:  filter removed for " + w[1] + "\n"
}
