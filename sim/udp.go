package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/left4me/left4me/a2s"
	"github.com/left4me/left4me/srcdslog"
)

// serveUDP answers A2S queries on the game port until the socket closes.
func (s *Server) serveUDP() {
	buf := make([]byte, 2048)
	var splitID uint32
	for {
		n, src, err := s.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		req, err := a2s.ParseRequest(buf[:n])
		if err != nil {
			continue // srcds ignores what it does not understand
		}
		reply := s.answer(req, src)
		splitID++
		for _, part := range a2s.Split(splitID, reply, a2s.DefaultSplitSize) {
			s.udp.WriteToUDPAddrPort(part, src)
		}
	}
}

// challengeFor is stable per client address, so a client that got one
// challenge can use it for every later query, as with srcds.
func (s *Server) challengeFor(src netip.AddrPort) uint32 {
	h := fnv.New32a()
	binary.Write(h, binary.LittleEndian, s.cfg.Seed)
	b, _ := src.MarshalBinary()
	h.Write(b)
	c := h.Sum32()
	if c == a2s.NoChallenge {
		c--
	}
	return c
}

func (s *Server) answer(req a2s.Request, src netip.AddrPort) []byte {
	want := s.challengeFor(src)
	needChallenge := req.Kind != a2s.KindInfoRequest || s.cfg.InfoChallenge
	if needChallenge && (!req.HasChallenge || req.Challenge != want) {
		return a2s.AppendChallenge(nil, want)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.Kind {
	case a2s.KindInfoRequest:
		return a2s.AppendInfo(nil, s.info())
	case a2s.KindPlayerRequest:
		return a2s.AppendPlayers(nil, s.a2sPlayers())
	default:
		return a2s.AppendRules(nil, s.rules())
	}
}

// info is what L4D2 reports: appid 550, folder left4dead2, humans only
// in the player count (survivor bots are not counted).
func (s *Server) info() a2s.Info {
	vis := byte(0)
	if s.cvar("sv_password") != "" {
		vis = 1
	}
	keywords := s.cvar("mp_gamemode")
	if s.humans() == 0 {
		keywords += ",empty"
	}
	if t := s.cvar("sv_tags"); t != "" {
		keywords += "," + t
	}
	return a2s.Info{Protocol: 17, Name: s.cvar("hostname"), Map: s.mapName, Folder: s.cfg.Game,
		Game: "Left 4 Dead 2", AppID: 550, Players: byte(s.humans()), MaxPlayers: byte(s.maxPlayers()),
		ServerType: 'd', Environment: 'l', Visibility: vis, VAC: 1, Version: "2.2.4.3",
		EDF:  a2s.EDFPort | a2s.EDFSteamID | a2s.EDFKeywords | a2s.EDFGameID,
		Port: uint16(s.cfg.Port), SteamID: 90071992547409920 + uint64(s.cfg.Port),
		Keywords: keywords + ",secure", GameID: 550}
}

func (s *Server) a2sPlayers() []a2s.Player {
	var out []a2s.Player
	now := s.cfg.Now()
	for _, p := range s.players {
		if p.steam == "BOT" {
			continue
		}
		out = append(out, a2s.Player{Name: p.name, Duration: float32(now.Sub(p.since).Seconds())})
	}
	return out
}

func (s *Server) rules() []a2s.Rule {
	var out []a2s.Rule
	for _, c := range s.cvars {
		if c.name == "rcon_password" || c.name == "sv_password" || c.name == "sv_logsecret" {
			continue // never sent: srcds only sends FCVAR_NOTIFY cvars, and secrets are not
		}
		out = append(out, a2s.Rule{Name: c.name, Value: c.value})
	}
	slices.SortFunc(out, func(a, b a2s.Rule) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// logf sends one log line to every logaddress target while logging is on;
// s.mu is held. Datagrams leave from the game socket, as srcds's do, so a
// listener can tell servers apart by source address.
func (s *Server) logf(format string, args ...any) {
	if !s.logOn || len(s.logAddrs) == 0 || s.udp == nil {
		return
	}
	secret := s.cvar("sv_logsecret")
	if secret == "0" {
		secret = ""
	}
	dgram := srcdslog.AppendDatagram(nil, s.cfg.Now(), fmt.Sprintf(format, args...), secret)
	for _, a := range s.logAddrs {
		if s.cfg.DropLoopbackLogs && a.Addr().IsLoopback() {
			continue
		}
		s.udp.WriteToUDPAddrPort(dgram, a)
	}
}

// cmdLog handles `log on|off` (and bare `log` for the state).
func (s *Server) cmdLog(w []string, _ *session) string {
	if len(w) < 2 {
		if s.logOn {
			return "currently logging to: console, udp\n"
		}
		return "not currently logging\n"
	}
	switch w[1] {
	case "on", "1":
		if !s.logOn {
			s.logOn = true
			s.logf("Log file started (file \"logs/L%s.log\") (game \"%s\") (version \"9309\")",
				s.cfg.Now().Format("0102")+"000", s.gameDir)
		}
		return "Server logging enabled.\n"
	case "off", "0":
		s.logf("Log file closed")
		s.logOn = false
		return "Server logging disabled.\n"
	}
	return "log:  unknown parameter " + w[1] + ", 'on' and 'off' are valid\n"
}
