package steamid_test

import (
	"errors"
	"testing"

	"github.com/left4me/left4me/steamid"
)

func TestConversions(t *testing.T) {
	// The check from REFERENCE.md: all three spellings name one account.
	tests := []struct {
		in  string
		s2  string
		s3  string
		s64 uint64
	}{
		{"STEAM_1:1:4153990", "STEAM_1:1:4153990", "[U:1:8307981]", 76561197968573709},
		{"STEAM_0:1:4153990", "STEAM_1:1:4153990", "[U:1:8307981]", 76561197968573709},
		{"[U:1:8307981]", "STEAM_1:1:4153990", "[U:1:8307981]", 76561197968573709},
		{"76561197968573709", "STEAM_1:1:4153990", "[U:1:8307981]", 76561197968573709},
		{"STEAM_1:0:27906", "STEAM_1:0:27906", "[U:1:55812]", 76561197960321540},
		{"STEAM_1:1:527064265", "STEAM_1:1:527064265", "[U:1:1054128531]", 76561199014394259},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, err := steamid.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if id.Steam2() != tt.s2 || id.Steam3() != tt.s3 || id.SteamID64() != tt.s64 {
				t.Fatalf("got %s %s %d, want %s %s %d", id.Steam2(), id.Steam3(), id.SteamID64(), tt.s2, tt.s3, tt.s64)
			}
			back, err := steamid.FromSteamID64(id.SteamID64())
			if err != nil || back != id {
				t.Fatalf("FromSteamID64 round trip: %v %v", back, err)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	for _, in := range []string{"", "BOT", "STEAM_1:2:5", "STEAM_1:1", "STEAM_1:1:x", "[U:1:]", "[G:1:5]", "123", "STEAM_5:0:1"} {
		if _, err := steamid.Parse(in); !errors.Is(err, steamid.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"STEAM_1:1:4153990", "[U:1:8307981]", "76561197968573709", "BOT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := steamid.Parse(s)
		if err != nil {
			return
		}
		for _, again := range []string{id.Steam2(), id.Steam3(), id.String()} {
			if got, err := steamid.Parse(again); err != nil || got != id {
				t.Fatalf("%q -> %v -> %q -> %v %v", s, id, again, got, err)
			}
		}
	})
}
