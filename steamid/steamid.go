// Package steamid converts between the three spellings of an individual
// Steam account id that L4D2 and the Steam Web API use: STEAM_X:Y:Z (status
// output and logs), [U:1:n] (newer engines) and the 64-bit decimal SteamID64
// (Web API). Only individual accounts in the public universe are handled:
// that is all a game server reports for human players.
package steamid

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// base is the SteamID64 of account number 0 (individual, public universe,
// desktop instance).
const base = 76561197960265728

// ErrInvalid is returned (wrapped) for text that is not a SteamID.
var ErrInvalid = errors.New("invalid steam id")

// ID is an individual Steam account, stored as its account number
// (the n of [U:1:n], equal to 2·Z + Y of STEAM_X:Y:Z).
type ID uint32

// Parse accepts STEAM_X:Y:Z (X 0 or 1), [U:1:n] and a decimal SteamID64.
// Bots ("BOT") and anything else are refused with ErrInvalid.
func Parse(s string) (ID, error) {
	switch {
	case strings.HasPrefix(s, "STEAM_"):
		return parseSteam2(s)
	case strings.HasPrefix(s, "[U:1:") && strings.HasSuffix(s, "]"):
		n, err := strconv.ParseUint(s[5:len(s)-1], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("%w: %q", ErrInvalid, s)
		}
		return ID(n), nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v < base || v-base > 0xFFFFFFFF {
		return 0, fmt.Errorf("%w: %q", ErrInvalid, s)
	}
	return ID(v - base), nil
}

func parseSteam2(s string) (ID, error) {
	parts := strings.Split(s[len("STEAM_"):], ":")
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") || (parts[1] != "0" && parts[1] != "1") {
		return 0, fmt.Errorf("%w: %q", ErrInvalid, s)
	}
	z, err := strconv.ParseUint(parts[2], 10, 31)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrInvalid, s)
	}
	return ID(z*2 + uint64(parts[1][0]-'0')), nil
}

// FromSteamID64 returns the ID of a SteamID64 value.
func FromSteamID64(v uint64) (ID, error) {
	if v < base || v-base > 0xFFFFFFFF {
		return 0, fmt.Errorf("%w: %d", ErrInvalid, v)
	}
	return ID(v - base), nil
}

// SteamID64 is the 64-bit id the Steam Web API uses.
func (id ID) SteamID64() uint64 { return base + uint64(id) }

// Steam2 is the STEAM_1:Y:Z spelling L4D2 prints (universe digit 1, as the
// Orange Box engines do).
func (id ID) Steam2() string {
	return fmt.Sprintf("STEAM_1:%d:%d", id&1, id>>1)
}

// Steam3 is the [U:1:n] spelling.
func (id ID) Steam3() string { return fmt.Sprintf("[U:1:%d]", uint32(id)) }

// String returns the SteamID64 in decimal, the form other systems store.
func (id ID) String() string { return strconv.FormatUint(id.SteamID64(), 10) }
