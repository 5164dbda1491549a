// Package srcdslog parses the UDP log stream srcds sends to `logaddress_add`
// targets (HL Log Standard lines as Left 4 Dead 2 writes them) and provides
// a Listener that routes parsed events to the server they came from. It also
// formats datagrams, so srcds-sim sends exactly what is parsed here.
package srcdslog

import (
	"errors"
	"strconv"
	"time"
)

// Datagram type bytes: plain, and carrying sv_logsecret before the line.
const (
	TypePlain  byte = 0x52
	TypeSecret byte = 0x53
)

// MaxLine is where srcds cuts a log line.
const MaxLine = 1024

var (
	// ErrMalformed is wrapped by every error about a datagram or line that
	// is not a srcds log line.
	ErrMalformed = errors.New("malformed srcds log datagram")
	// ErrSecret means the datagram's secret did not match (or a secret was
	// expected and the datagram had none, or the reverse).
	ErrSecret = errors.New("srcds log secret mismatch")
)

// Kind says what a log line reports.
type Kind int

// Kinds of events. KindRaw is every line not recognised: its Message is kept.
const (
	KindRaw Kind = iota
	KindLogFileStarted
	KindLogFileClosed
	KindLoadingMap
	KindStartedMap
	KindServerName
	KindServerSay
	KindConnected
	KindEnteredGame
	KindDisconnected
	KindJoinedTeam
	KindSay
	KindSayTeam
	KindWorldTriggered
	KindSpawned
)

var kindNames = [...]string{"raw", "log_file_started", "log_file_closed", "loading_map", "started_map",
	"server_name", "server_say", "connected", "entered_game", "disconnected", "joined_team", "say",
	"say_team", "world_triggered", "spawned"}

// String returns a stable snake_case name, suitable for JSON and logs.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// Player is the `"Name<userid><SteamID|BOT><Team>"` subject of a line.
type Player struct {
	Name    string
	UserID  int
	SteamID string   // STEAM_X:Y:Z, "BOT" or "Console"
	Team    string   // may be empty
	Extra   []string // further <…> groups L4D2 appends (class, state, …)
}

// IsBot reports whether the player is a bot.
func (p Player) IsBot() bool { return p.SteamID == "BOT" }

// Event is one parsed log line.
type Event struct {
	// Time is the line's timestamp in the server's local time, which the
	// line does not name: it is returned as if it were UTC.
	Time    time.Time
	Kind    Kind
	Message string // the line after the timestamp, without the newline
	Player  Player // for player events
	Map     string // loading/started map
	CRC     string // started map
	Address string // connected: ip:port
	Reason  string // disconnected
	Team    string // joined team
	Text    string // say, say_team, server say, server name, world trigger
}
