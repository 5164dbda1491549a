package srcdsstatus

import (
	"strconv"
	"strings"
	"time"
)

// parsePlayer reads one row:
//
//	# 678 1 "Alucard X" STEAM_1:0:27906 41:15 160 0 active 10000 87.29.2.11:27005
//	#723 "Ellis" BOT active
func parsePlayer(line string) (Player, bool) {
	q1 := strings.IndexByte(line, '"')
	// The name is quoted and may itself contain quotes: it ends at the last
	// quote followed by a space.
	q2 := strings.LastIndex(line, `" `)
	if q1 < 0 || q2 <= q1 {
		return Player{}, false
	}
	var p Player
	nums := strings.Fields(line[1:q1])
	if len(nums) == 0 || len(nums) > 2 {
		return Player{}, false
	}
	var err error
	if p.UserID, err = strconv.Atoi(nums[0]); err != nil {
		return Player{}, false
	}
	if len(nums) == 2 {
		if p.Slot, err = strconv.Atoi(nums[1]); err != nil {
			return Player{}, false
		}
	}
	p.Name = line[q1+1 : q2]
	f := strings.Fields(line[q2+2:])
	if len(f) == 0 {
		return Player{}, false
	}
	p.UniqueID = f[0]
	if p.UniqueID == "BOT" {
		p.Bot = true
		if len(f) > 1 {
			p.State = f[1]
		}
		return p, true
	}
	return parseHumanFields(p, f[1:])
}

// parseHumanFields reads "connected ping loss state rate [adr]".
func parseHumanFields(p Player, f []string) (Player, bool) {
	if len(f) < 5 {
		return Player{}, false
	}
	var ok bool
	if p.Connected, ok = parseClock(f[0]); !ok {
		return Player{}, false
	}
	var e1, e2, e3 error
	p.Ping, e1 = strconv.Atoi(f[1])
	p.Loss, e2 = strconv.Atoi(f[2])
	p.State = f[3]
	p.Rate, e3 = strconv.Atoi(f[4])
	if e1 != nil || e2 != nil || e3 != nil {
		return Player{}, false
	}
	if len(f) > 5 {
		p.Addr = f[5]
	}
	return p, true
}

// parseClock reads m:ss or h:mm:ss.
func parseClock(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var total int
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || (i > 0 && n > 59) || len(part) > 6 {
			return 0, false
		}
		total = total*60 + n
	}
	return time.Duration(total) * time.Second, true
}
