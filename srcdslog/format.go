package srcdslog

import (
	"strconv"
	"strings"
	"time"
)

// AppendDatagram appends the datagram srcds sends for one log message at
// time t: plain (0x52) when secret is "", else 0x53 with the secret before
// the line. The line is cut at MaxLine bytes, as srcds does.
func AppendDatagram(b []byte, t time.Time, msg, secret string) []byte {
	b = append(b, 0xFF, 0xFF, 0xFF, 0xFF)
	if secret == "" {
		b = append(b, TypePlain)
	} else {
		b = append(append(b, TypeSecret), secret...)
	}
	line := t.AppendFormat(nil, "L 01/02/2006 - 15:04:05: ")
	line = append(line, msg...)
	if len(line) > MaxLine-1 {
		line = line[:MaxLine-1]
	}
	b = append(b, line...)
	return append(b, '\n', 0)
}

// String formats p as it appears in a log line, without the quotes.
func (p Player) String() string {
	var sb strings.Builder
	sb.WriteString(p.Name)
	sb.WriteString("<" + strconv.Itoa(p.UserID) + "><" + p.SteamID + "><" + p.Team + ">")
	for _, g := range p.Extra {
		sb.WriteString("<" + g + ">")
	}
	return sb.String()
}
