package srcdsstatus

import (
	"fmt"
	"strings"
	"time"
)

// Format renders st the way a current L4D2 build prints `status` (the new
// format with the slot number and the adr column), so srcds-sim's output
// and this package's parser are checked against the same captures.
func Format(st Status) string {
	var b strings.Builder
	hib, res := "not hibernating", "unreserved"
	if st.Hibernating {
		hib = "hibernating"
	}
	if st.Reserved != "" {
		res = "reserved " + st.Reserved
	}
	fmt.Fprintf(&b, "hostname: %s\nversion : %s\nudp/ip  : %s\nos      : %s\nmap     : %s\n", st.Hostname, st.Version, st.UDPIP, st.OS, st.Map)
	fmt.Fprintf(&b, "players : %d humans, %d bots (%d max) (%s) (%s)\n\n", st.Humans, st.Bots, st.MaxPlayers, hib, res)
	b.WriteString("# userid name uniqueid connected ping loss state rate adr\n")
	for _, p := range st.Players {
		if p.Bot {
			fmt.Fprintf(&b, "#%d \"%s\" BOT %s\n", p.UserID, p.Name, p.State)
			continue
		}
		fmt.Fprintf(&b, "# %d %d \"%s\" %s %s %d %d %s %d", p.UserID, p.Slot, p.Name, p.UniqueID, clock(p.Connected), p.Ping, p.Loss, p.State, p.Rate)
		if p.Addr != "" {
			b.WriteString(" " + p.Addr)
		}
		b.WriteByte('\n')
	}
	b.WriteString("#end\n")
	return b.String()
}

// clock prints m:ss below an hour and h:mm:ss above, like srcds.
func clock(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
