package a2s

import (
	"encoding/binary"
	"fmt"
	"math"
)

// header is the prefix of every unsplit packet.
var header = []byte{0xFF, 0xFF, 0xFF, 0xFF}

// reader decodes little-endian fields, remembering the first error so call
// sites stay linear.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated at %s", ErrMalformed, what)
	}
}

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil || len(r.b) < n {
		r.fail(what)
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8(what string) byte     { return r.bytes(1, what)[0] }
func (r *reader) u16(what string) uint16  { return binary.LittleEndian.Uint16(r.bytes(2, what)) }
func (r *reader) u32(what string) uint32  { return binary.LittleEndian.Uint32(r.bytes(4, what)) }
func (r *reader) u64(what string) uint64  { return binary.LittleEndian.Uint64(r.bytes(8, what)) }
func (r *reader) f32(what string) float32 { return math.Float32frombits(r.u32(what)) }
func (r *reader) str(what string) string {
	if r.err != nil {
		return ""
	}
	for i, c := range r.b {
		if c == 0 {
			s := string(r.b[:i])
			r.b = r.b[i+1:]
			return s
		}
	}
	r.fail(what)
	return ""
}

func appendStr(b []byte, s string) []byte { return append(append(b, s...), 0) }

// payload strips the FF FF FF FF header and checks the kind byte.
func payload(pkt []byte, kind byte) (*reader, error) {
	if len(pkt) < 5 || string(pkt[:4]) != string(header) {
		return nil, fmt.Errorf("%w: no simple-packet header", ErrMalformed)
	}
	if pkt[4] != kind {
		return nil, fmt.Errorf("%w: kind 0x%02x, want 0x%02x", ErrMalformed, pkt[4], kind)
	}
	return &reader{b: pkt[5:]}, nil
}

// AppendInfo appends the complete A2S_INFO reply packet for info to b. The
// EDF fields written are exactly those whose bit is set in info.EDF.
func AppendInfo(b []byte, info Info) []byte {
	b = append(append(b, header...), KindInfoReply, info.Protocol)
	for _, s := range []string{info.Name, info.Map, info.Folder, info.Game} {
		b = appendStr(b, s)
	}
	b = binary.LittleEndian.AppendUint16(b, info.AppID)
	b = append(b, info.Players, info.MaxPlayers, info.Bots, info.ServerType, info.Environment, info.Visibility, info.VAC)
	b = appendStr(b, info.Version)
	if info.EDF == 0 {
		return b
	}
	b = append(b, info.EDF)
	if info.EDF&EDFPort != 0 {
		b = binary.LittleEndian.AppendUint16(b, info.Port)
	}
	if info.EDF&EDFSteamID != 0 {
		b = binary.LittleEndian.AppendUint64(b, info.SteamID)
	}
	if info.EDF&EDFSourceTV != 0 {
		b = appendStr(binary.LittleEndian.AppendUint16(b, info.TVPort), info.TVName)
	}
	if info.EDF&EDFKeywords != 0 {
		b = appendStr(b, info.Keywords)
	}
	if info.EDF&EDFGameID != 0 {
		b = binary.LittleEndian.AppendUint64(b, info.GameID)
	}
	return b
}

// DecodeInfo decodes a complete (reassembled) A2S_INFO reply packet.
func DecodeInfo(pkt []byte) (Info, error) {
	r, err := payload(pkt, KindInfoReply)
	if err != nil {
		return Info{}, err
	}
	var i Info
	i.Protocol = r.u8("protocol")
	i.Name, i.Map, i.Folder, i.Game = r.str("name"), r.str("map"), r.str("folder"), r.str("game")
	i.AppID = r.u16("appid")
	i.Players, i.MaxPlayers, i.Bots = r.u8("players"), r.u8("max players"), r.u8("bots")
	i.ServerType, i.Environment = r.u8("server type"), r.u8("environment")
	i.Visibility, i.VAC = r.u8("visibility"), r.u8("vac")
	i.Version = r.str("version")
	if r.err != nil || len(r.b) == 0 {
		return i, r.err
	}
	i.EDF = r.u8("edf")
	if i.EDF&EDFPort != 0 {
		i.Port = r.u16("port")
	}
	if i.EDF&EDFSteamID != 0 {
		i.SteamID = r.u64("steamid")
	}
	if i.EDF&EDFSourceTV != 0 {
		i.TVPort, i.TVName = r.u16("sourcetv port"), r.str("sourcetv name")
	}
	if i.EDF&EDFKeywords != 0 {
		i.Keywords = r.str("keywords")
	}
	if i.EDF&EDFGameID != 0 {
		i.GameID = r.u64("gameid")
	}
	return i, r.err
}

// AppendPlayers appends the complete A2S_PLAYER reply packet to b. At most
// 255 players are written: the count is one byte.
func AppendPlayers(b []byte, players []Player) []byte {
	if len(players) > 255 {
		players = players[:255]
	}
	b = append(append(b, header...), KindPlayerReply, byte(len(players)))
	for _, p := range players {
		b = appendStr(append(b, p.Index), p.Name)
		b = binary.LittleEndian.AppendUint32(b, uint32(p.Score))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(p.Duration))
	}
	return b
}

// DecodePlayers decodes a complete A2S_PLAYER reply packet.
func DecodePlayers(pkt []byte) ([]Player, error) {
	r, err := payload(pkt, KindPlayerReply)
	if err != nil {
		return nil, err
	}
	n := int(r.u8("count"))
	players := make([]Player, 0, n)
	for range n {
		p := Player{Index: r.u8("index"), Name: r.str("name")}
		p.Score, p.Duration = int32(r.u32("score")), r.f32("duration")
		if r.err != nil {
			return nil, r.err
		}
		players = append(players, p)
	}
	if r.err != nil {
		return nil, r.err
	}
	return players, nil
}

// AppendRules appends the complete A2S_RULES reply packet to b.
func AppendRules(b []byte, rules []Rule) []byte {
	if len(rules) > math.MaxUint16 {
		rules = rules[:math.MaxUint16]
	}
	b = append(append(b, header...), KindRulesReply)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(rules)))
	for _, r := range rules {
		b = appendStr(appendStr(b, r.Name), r.Value)
	}
	return b
}

// DecodeRules decodes a complete A2S_RULES reply packet.
func DecodeRules(pkt []byte) ([]Rule, error) {
	r, err := payload(pkt, KindRulesReply)
	if err != nil {
		return nil, err
	}
	n := int(r.u16("count"))
	rules := make([]Rule, 0, min(n, len(r.b)/2))
	for range n {
		rule := Rule{Name: r.str("rule name"), Value: r.str("rule value")}
		if r.err != nil {
			return nil, r.err
		}
		rules = append(rules, rule)
	}
	if r.err != nil {
		return nil, r.err
	}
	return rules, nil
}

// AppendChallenge appends an S2C_CHALLENGE packet (0x41 + 4 bytes) to b.
func AppendChallenge(b []byte, challenge uint32) []byte {
	return binary.LittleEndian.AppendUint32(append(append(b, header...), KindChallenge), challenge)
}

// DecodeChallenge decodes an S2C_CHALLENGE packet.
func DecodeChallenge(pkt []byte) (uint32, error) {
	r, err := payload(pkt, KindChallenge)
	if err != nil {
		return 0, err
	}
	c := r.u32("challenge")
	return c, r.err
}
