// Package a2s implements Valve's A2S server queries (UDP) as Left 4 Dead 2
// answers them: INFO with every extra-data field, PLAYER and RULES, the
// 0x41 challenge round trip and split-packet reassembly. It holds both the
// decoders the client uses and the encoders srcds-sim answers with.
package a2s

import "errors"

// Request and reply kinds (the byte after the FF FF FF FF header).
const (
	KindInfoRequest    byte = 0x54
	KindPlayerRequest  byte = 0x55
	KindRulesRequest   byte = 0x56
	KindChallenge      byte = 0x41
	KindInfoReply      byte = 0x49
	KindPlayerReply    byte = 0x44
	KindRulesReply     byte = 0x45
	infoRequestPayload      = "Source Engine Query\x00"
)

// MaxPayload is the most a single, unsplit reply carries after its header;
// larger replies are split.
const MaxPayload = 1400

// DefaultSplitSize is the per-packet payload srcds uses in split replies.
const DefaultSplitSize = 1248

// Extra-data flags of an INFO reply, in the order their fields appear.
const (
	EDFPort     byte = 0x80
	EDFSteamID  byte = 0x10
	EDFSourceTV byte = 0x40
	EDFKeywords byte = 0x20
	EDFGameID   byte = 0x01
)

var (
	// ErrMalformed is wrapped by every decoding error.
	ErrMalformed = errors.New("malformed a2s packet")
	// ErrCompressed is returned for bzip2-compressed split replies, which
	// only old Source engines sent and this package does not inflate.
	ErrCompressed = errors.New("a2s: bzip2-compressed split reply not supported")
)

// Info is an A2S_INFO reply. Fields after Version are present when the
// matching EDF bit is set in EDF.
type Info struct {
	Protocol    byte
	Name        string
	Map         string
	Folder      string
	Game        string
	AppID       uint16
	Players     byte
	MaxPlayers  byte
	Bots        byte
	ServerType  byte // 'd' dedicated, 'l' listen, 'p' SourceTV relay
	Environment byte // 'l' Linux, 'w' Windows, 'm' or 'o' macOS
	Visibility  byte // 1 = password protected
	VAC         byte
	Version     string
	EDF         byte
	Port        uint16
	SteamID     uint64
	TVPort      uint16
	TVName      string
	Keywords    string
	GameID      uint64
}

// Player is one entry of an A2S_PLAYER reply.
type Player struct {
	Index    byte
	Name     string
	Score    int32
	Duration float32 // seconds connected
}

// Rule is one cvar of an A2S_RULES reply; order is kept as the server sent it.
type Rule struct {
	Name, Value string
}
