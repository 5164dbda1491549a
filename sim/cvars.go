package sim

import (
	"fmt"
	"sort"
	"strings"
)

// cvar is one console variable.
type cvar struct {
	name, value, def string
}

// defaultCvars are the cvars the sim knows before any cfg runs. Any other
// `name value` line creates a cvar, since real cfgs set plugin cvars the
// sim cannot know.
func defaultCvars() map[string]*cvar {
	m := map[string]*cvar{}
	for _, kv := range [][2]string{
		{"hostname", "Left 4 Dead 2"}, {"rcon_password", ""}, {"sv_password", ""},
		{"sv_logsecret", "0"}, {"maxplayers", "8"}, {"mp_gamemode", "coop"},
		{"z_difficulty", "Normal"}, {"sv_region", "255"}, {"sv_lan", "0"},
		{"sv_tags", ""}, {"sv_steamgroup", ""}, {"sv_allow_lobby_connect_only", "1"},
		{"sv_rcon_maxfailures", "10"}, {"sv_rcon_minfailures", "5"},
		{"sv_rcon_minfailuretime", "30"}, {"sv_rcon_banpenalty", "0"},
		{"sv_cheats", "0"}, {"motd_enabled", "1"},
	} {
		m[kv[0]] = &cvar{name: kv[0], value: kv[1], def: kv[1]}
	}
	return m
}

func (s *Server) cvar(name string) string {
	if c, ok := s.cvars[strings.ToLower(name)]; ok {
		return c.value
	}
	return ""
}

func (s *Server) setCvar(name, value string) {
	key := strings.ToLower(name)
	c, ok := s.cvars[key]
	if !ok {
		c = &cvar{name: name}
		s.cvars[key] = c
	}
	old := c.value
	c.value = value
	if key == "hostname" && old != value {
		s.logf("Server cvar \"hostname\" = \"%s\"", value)
	}
}

// cvarList prints every cvar like srcds's `cvarlist`, sorted by name.
func (s *Server) cvarList() string {
	names := make([]string, 0, len(s.cvars))
	for k := range s.cvars {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("cvar list\n--------------\n")
	for _, k := range names {
		c := s.cvars[k]
		fmt.Fprintf(&b, "%-40s : %-8s : %s\n", c.name, c.value, "")
	}
	fmt.Fprintf(&b, "--------------\n%d total convars/concommands\n", len(names))
	return b.String()
}
