package srcdslog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Parse decodes one log datagram. secret is the sv_logsecret the sending
// server was given, "" for none; a datagram whose secret does not match,
// including a plain datagram when a secret is expected and the reverse,
// is refused with ErrSecret so a forged sender without the secret cannot
// inject events.
func Parse(datagram []byte, secret string) (Event, error) {
	if len(datagram) < 5 || string(datagram[:4]) != "\xFF\xFF\xFF\xFF" {
		return Event{}, fmt.Errorf("%w: no log header", ErrMalformed)
	}
	body := datagram[5:]
	switch datagram[4] {
	case TypePlain:
		if secret != "" {
			return Event{}, fmt.Errorf("%w: datagram has no secret", ErrSecret)
		}
	case TypeSecret:
		i := 0
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i++
		}
		if secret == "" || string(body[:i]) != secret {
			return Event{}, ErrSecret
		}
		body = body[i:]
	default:
		return Event{}, fmt.Errorf("%w: type byte 0x%02x", ErrMalformed, datagram[4])
	}
	return ParseLine(string(body))
}

// ParseLine parses one log line `L MM/DD/YYYY - HH:MM:SS: message`, with or
// without the trailing newline and NUL. Unknown messages are not an error:
// they come back as KindRaw with Message set.
func ParseLine(line string) (Event, error) {
	line = strings.TrimRight(line, "\x00")
	line = strings.TrimSuffix(line, "\n")
	// "L 02/28/2024 - 19:05:09: " is 25 bytes.
	if len(line) < 25 || line[:2] != "L " || line[12:15] != " - " || line[23:25] != ": " {
		return Event{}, fmt.Errorf("%w: no timestamp", ErrMalformed)
	}
	t, err := parseTime(line[2:23])
	if err != nil {
		return Event{}, err
	}
	ev := Event{Time: t, Message: line[25:]}
	parseMessage(&ev)
	return ev, nil
}

// parseTime reads "MM/DD/YYYY - HH:MM:SS" by hand: time.Parse is several
// times slower and this runs for every line of every server.
func parseTime(s string) (time.Time, error) {
	num := func(a, b int) int {
		n := 0
		for _, c := range []byte(s[a:b]) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	mo, d, y := num(0, 2), num(3, 5), num(6, 10)
	h, mi, se := num(13, 15), num(16, 18), num(19, 21)
	if s[2] != '/' || s[5] != '/' || s[15] != ':' || s[18] != ':' ||
		mo < 1 || mo > 12 || d < 1 || d > 31 || y < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 {
		return time.Time{}, fmt.Errorf("%w: bad timestamp %q", ErrMalformed, s)
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, 0, time.UTC), nil
}

// quoted returns the text between s's opening quote and the next quote,
// and what follows it.
func quoted(s string) (val, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	i := strings.IndexByte(s[1:], '"')
	if i < 0 {
		return "", s, false
	}
	return s[1 : i+1], s[i+2:], true
}

// tail returns the text of a message ending in `"text"`: say lines keep
// any quotes inside the text.
func tail(s, prefix string) (string, bool) {
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, `"`) || len(s) < len(prefix)+1 {
		return "", false
	}
	return s[len(prefix) : len(s)-1], true
}

func parseMessage(ev *Event) {
	m := ev.Message
	if strings.HasPrefix(m, `"`) {
		parsePlayerLine(ev)
		return
	}
	var ok bool
	switch {
	case strings.HasPrefix(m, "Log file started"):
		ev.Kind = KindLogFileStarted
	case strings.HasPrefix(m, "Log file closed"):
		ev.Kind = KindLogFileClosed
	case strings.HasPrefix(m, "Loading map "):
		if ev.Map, _, ok = quoted(m[len("Loading map "):]); ok {
			ev.Kind = KindLoadingMap
		}
	case strings.HasPrefix(m, "Started map "):
		var rest string
		if ev.Map, rest, ok = quoted(m[len("Started map "):]); ok {
			ev.Kind = KindStartedMap
			ev.CRC, _, _ = quoted(strings.TrimPrefix(rest, " (CRC "))
		}
	case strings.HasPrefix(m, "Server name is "):
		if ev.Text, ok = tail(m, `Server name is "`); ok {
			ev.Kind = KindServerName
		}
	case strings.HasPrefix(m, "Server say "):
		if ev.Text, ok = tail(m, `Server say "`); ok {
			ev.Kind = KindServerSay
		}
	case strings.HasPrefix(m, "World triggered "):
		if ev.Text, _, ok = quoted(m[len("World triggered "):]); ok {
			ev.Kind = KindWorldTriggered
		}
	}
}

// parsePlayerLine handles `"Name<uid><id><team>…" verb …`.
func parsePlayerLine(ev *Event) {
	m := ev.Message
	end := strings.Index(m, `>" `)
	if end < 0 {
		if !strings.HasSuffix(m, `>"`) {
			return
		}
		end = len(m) - 2
	}
	p, ok := parsePlayer(m[1 : end+1])
	if !ok {
		return
	}
	ev.Player = p
	rest := ""
	if end+3 <= len(m) {
		rest = m[end+3:]
	}
	switch {
	case strings.HasPrefix(rest, "connected, address "):
		if ev.Address, _, ok = quoted(rest[len("connected, address "):]); ok {
			ev.Kind = KindConnected
		}
	case rest == "entered the game":
		ev.Kind = KindEnteredGame
	case strings.HasPrefix(rest, "disconnected"):
		ev.Kind = KindDisconnected
		if r, ok := strings.CutPrefix(rest, `disconnected (reason "`); ok {
			ev.Reason = strings.TrimSuffix(r, `")`)
		}
	case strings.HasPrefix(rest, "joined team "):
		if ev.Team, _, ok = quoted(rest[len("joined team "):]); ok {
			ev.Kind = KindJoinedTeam
		}
	case strings.HasPrefix(rest, `say "`):
		if ev.Text, ok = tail(rest, `say "`); ok {
			ev.Kind = KindSay
		}
	case strings.HasPrefix(rest, `say_team "`):
		if ev.Text, ok = tail(rest, `say_team "`); ok {
			ev.Kind = KindSayTeam
		}
	case rest == "spawned":
		ev.Kind = KindSpawned
	}
}

// parsePlayer splits `Name<uid><id><team>…`. The name ends at the first '<'
// that starts a numeric userid group followed by another group, so names
// containing '<' still parse in the common case.
func parsePlayer(s string) (Player, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		j := strings.Index(s[i:], "><")
		if j < 0 {
			return Player{}, false
		}
		uid, err := strconv.Atoi(s[i+1 : i+j])
		if err != nil {
			continue
		}
		groups, ok := splitGroups(s[i+j+1:])
		if !ok || len(groups) == 0 {
			continue
		}
		p := Player{Name: s[:i], UserID: uid, SteamID: groups[0]}
		if len(groups) > 1 {
			p.Team = groups[1]
		}
		if len(groups) > 2 {
			p.Extra = groups[2:]
		}
		return p, true
	}
	return Player{}, false
}

// splitGroups splits "<a><b><c>" into a, b, c.
func splitGroups(s string) ([]string, bool) {
	if !strings.HasPrefix(s, "<") || !strings.HasSuffix(s, ">") {
		return nil, false
	}
	return strings.Split(s[1:len(s)-1], "><"), true
}
