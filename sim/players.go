package sim

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/left4me/left4me/srcdslog"
	"github.com/left4me/left4me/srcdsstatus"
	"github.com/left4me/left4me/steamid"
)

// player is a simulated client: a human with a SteamID or a survivor bot.
type player struct {
	uid, slot int
	name      string
	steam     string // STEAM_1:Y:Z or BOT
	team      string
	since     time.Time
	ping      int
	addr      string
}

func (p *player) logName() string {
	return srcdslog.Player{Name: p.name, UserID: p.uid, SteamID: p.steam, Team: p.team}.String()
}

var (
	survivors = []string{"Coach", "Ellis", "Nick", "Rochelle"}
	nicks     = []string{"Mal", "Zoey", "Francis", "Louis", "Bill", "amour plastique", "Alucard X",
		"Witch Hunter", "Tank Buster", "Boomer Bait", "Jockey Rider", "Smoker Choker"}
)

// humans counts the simulated human players; s.mu is held.
func (s *Server) humans() int {
	n := 0
	for _, p := range s.players {
		if p.steam != "BOT" {
			n++
		}
	}
	return n
}

func (s *Server) maxPlayers() int {
	n, err := strconv.Atoi(s.cvar("maxplayers"))
	if err != nil || n < 1 {
		return 8
	}
	return min(n, 255)
}

// join adds a seeded human, taking a survivor slot from a bot if one has it.
func (s *Server) join() {
	if s.humans() >= s.maxPlayers() {
		return
	}
	id := steamid.ID(s.rng.Uint32N(1 << 30))
	p := &player{uid: s.nextUID, slot: s.freeSlot(), steam: id.Steam2(),
		name:  fmt.Sprintf("%s %d", nicks[s.rng.IntN(len(nicks))], s.nextUID),
		since: s.cfg.Now(), ping: 20 + s.rng.IntN(120),
		addr: fmt.Sprintf("192.0.2.%d:27005", 1+s.rng.IntN(254))}
	s.nextUID++
	s.players = append(s.players, p)
	s.logf("\"%s\" connected, address \"%s\"", p.logName(), p.addr)
	s.logf("\"%s\" entered the game", p.logName())
	team := "Survivor"
	if s.humans() > len(survivors) {
		team = "Infected"
	}
	s.logf("\"%s\" joined team \"%s\"", p.logName(), team)
	p.team = team
	s.fillBots()
}

func (s *Server) freeSlot() int {
	for slot := 0; ; slot++ {
		taken := false
		for _, p := range s.players {
			taken = taken || p.slot == slot
		}
		if !taken {
			return slot
		}
	}
}

// remove disconnects players[i] with reason.
func (s *Server) remove(i int, reason string) {
	p := s.players[i]
	s.players = append(s.players[:i], s.players[i+1:]...)
	s.logf("\"%s\" disconnected (reason \"%s\")", p.logName(), reason)
	s.fillBots()
}

// fillBots keeps four survivors: bots fill the slots humans leave.
func (s *Server) fillBots() {
	var bots []int
	survivorHumans := 0
	for i, p := range s.players {
		if p.steam == "BOT" {
			bots = append(bots, i)
		} else if p.team == "Survivor" {
			survivorHumans++
		}
	}
	want := max(0, len(survivors)-survivorHumans)
	for len(bots) > want {
		i := bots[len(bots)-1]
		bots = bots[:len(bots)-1]
		p := s.players[i]
		s.players = append(s.players[:i], s.players[i+1:]...)
		s.logf("\"%s\" disconnected (reason \"Kicked by Console : \")", p.logName())
	}
	for n := len(bots); n < want; n++ {
		name := s.freeSurvivor()
		p := &player{uid: s.nextUID, slot: s.freeSlot(), name: name, steam: "BOT", since: s.cfg.Now()}
		s.nextUID++
		s.players = append(s.players, p)
		s.logf("\"%s\" connected, address \"none\"", p.logName())
		s.logf("\"%s\" entered the game", p.logName())
		s.logf("\"%s\" joined team \"Survivor\"", p.logName())
		p.team = "Survivor"
	}
}

func (s *Server) freeSurvivor() string {
	for _, n := range survivors {
		used := false
		for _, p := range s.players {
			used = used || (p.steam == "BOT" && p.name == n)
		}
		if !used {
			return n
		}
	}
	return "Bot"
}

// populate lets the seeded players join; s.mu is held. It runs before
// Start returns, so a started server already has its players.
func (s *Server) populate() {
	for range s.cfg.Players {
		s.join()
	}
	s.fillBots()
}

// simulate churns the players until ctx is done.
func (s *Server) simulate(ctx context.Context) {
	if s.cfg.Churn <= 0 || s.cfg.Players == 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(s.cfg.Churn)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.churn()
		}
	}
}

// churn makes one random human leave and, keeping the count, a new one join.
func (s *Server) churn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var humans []int
	for i, p := range s.players {
		if p.steam != "BOT" {
			humans = append(humans, i)
		}
	}
	if len(humans) > 0 {
		s.remove(humans[s.rng.IntN(len(humans))], "Disconnect by user.")
	}
	for s.humans() < s.cfg.Players && s.humans() < s.maxPlayers() {
		s.join()
	}
}

func (s *Server) statusData() srcdsstatus.Status {
	st := srcdsstatus.Status{Hostname: s.cvar("hostname"), Version: "2.2.4.3 9309 secure  (unknown)",
		UDPIP: fmt.Sprintf("%s:%d [ public n/a ]", s.cfg.IP, s.cfg.Port), OS: "Linux Dedicated",
		Map: s.mapName, MaxPlayers: s.maxPlayers()}
	now := s.cfg.Now()
	for _, p := range s.players {
		row := srcdsstatus.Player{UserID: p.uid, Slot: p.slot, Name: p.name, UniqueID: p.steam, State: "active"}
		if p.steam == "BOT" {
			row.Bot = true
			st.Bots++
		} else {
			st.Humans++
			row.Connected, row.Ping, row.Rate, row.Addr = now.Sub(p.since).Truncate(time.Second), p.ping, 30000, p.addr
		}
		st.Players = append(st.Players, row)
	}
	st.Hibernating = st.Humans == 0
	return st
}

func (s *Server) cmdStatus(_ []string, _ *session) string {
	return srcdsstatus.Format(s.statusData())
}

// cmdUsers prints `users` like srcds: <slot:userid:"name"> rows.
func (s *Server) cmdUsers(_ []string, _ *session) string {
	var b strings.Builder
	b.WriteString("<slot:userid:\"name\">\n")
	for _, p := range s.players {
		fmt.Fprintf(&b, "%d:%d:\"%s\"\n", p.slot, p.uid, p.name)
	}
	fmt.Fprintf(&b, "%d users\n", len(s.players))
	return b.String()
}

// cmdKick kicks by name (`kick name`) like srcds.
func (s *Server) cmdKick(w []string, _ *session) string {
	name := argString(w)
	for i, p := range s.players {
		if p.name == name {
			s.remove(i, "Kicked from server")
			return ""
		}
	}
	return fmt.Sprintf("Can't kick %s, no such player\n", name)
}

// cmdKickID kicks by userid (`kickid 12 [reason]`).
func (s *Server) cmdKickID(w []string, _ *session) string {
	if len(w) < 2 {
		return "Usage:  kickid < userid | uniqueid > { message }\n"
	}
	reason := "Kicked from server"
	if len(w) > 2 {
		reason = strings.Join(w[2:], " ")
	}
	for i, p := range s.players {
		if strconv.Itoa(p.uid) == w[1] || p.steam == w[1] {
			s.remove(i, reason)
			return ""
		}
	}
	return fmt.Sprintf("kickid:  player %s not found\n", w[1])
}
