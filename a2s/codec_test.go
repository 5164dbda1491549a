package a2s_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/left4me/left4me/a2s"
)

func loadHex(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var hx strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			hx.WriteString(strings.ReplaceAll(line, " ", ""))
		}
	}
	b, err := hex.DecodeString(hx.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var l4d2Info = a2s.Info{Protocol: 17, Name: "L4D 2", Map: "evac2", Folder: "left4dead2", Game: "Left 4 Dead 2",
	AppID: 550, Players: 2, MaxPlayers: 4, ServerType: 'd', Environment: 'l', VAC: 1, Version: "2.2.4.3",
	EDF: 0x80 | 0x10 | 0x40 | 0x20 | 0x01, Port: 27026, SteamID: 90071992547409921,
	TVPort: 27020, TVName: "SourceTV", Keywords: "coop,secure", GameID: 550}

func TestInfoCapture(t *testing.T) {
	raw := loadHex(t, "info_l4d2.hex")
	got, err := a2s.DecodeInfo(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, l4d2Info) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, l4d2Info)
	}
	if enc := a2s.AppendInfo(nil, l4d2Info); !bytes.Equal(enc, raw) {
		t.Fatalf("encoded % x\nwant    % x", enc, raw)
	}
}

func TestInfoEDFSubsets(t *testing.T) {
	for _, edf := range []byte{0, a2s.EDFPort, a2s.EDFSteamID | a2s.EDFGameID, a2s.EDFSourceTV, a2s.EDFKeywords | a2s.EDFPort} {
		in := a2s.Info{Name: "n", Map: "m", Folder: "left4dead2", Game: "g", AppID: 550, Version: "1", EDF: edf}
		if edf&a2s.EDFPort != 0 {
			in.Port = 27015
		}
		if edf&a2s.EDFSteamID != 0 {
			in.SteamID = 1 << 60
		}
		if edf&a2s.EDFSourceTV != 0 {
			in.TVPort, in.TVName = 27020, "tv"
		}
		if edf&a2s.EDFKeywords != 0 {
			in.Keywords = "coop"
		}
		if edf&a2s.EDFGameID != 0 {
			in.GameID = 550
		}
		got, err := a2s.DecodeInfo(a2s.AppendInfo(nil, in))
		if err != nil || !reflect.DeepEqual(got, in) {
			t.Errorf("EDF %#x: got %+v, %v", edf, got, err)
		}
	}
}

func TestPlayersAndRulesCaptures(t *testing.T) {
	players, err := a2s.DecodePlayers(loadHex(t, "players.hex"))
	if err != nil {
		t.Fatal(err)
	}
	wantPlayers := []a2s.Player{{Name: "Alucard X", Score: 5, Duration: 2475.5}, {Name: "amour plastique", Duration: 12.25}}
	if !reflect.DeepEqual(players, wantPlayers) {
		t.Errorf("players = %+v", players)
	}
	if enc := a2s.AppendPlayers(nil, wantPlayers); !bytes.Equal(enc, loadHex(t, "players.hex")) {
		t.Errorf("players re-encoded differently")
	}
	rules, err := a2s.DecodeRules(loadHex(t, "rules.hex"))
	if err != nil {
		t.Fatal(err)
	}
	wantRules := []a2s.Rule{{"mp_gamemode", "coop"}, {"sv_cheats", "0"}}
	if !reflect.DeepEqual(rules, wantRules) {
		t.Errorf("rules = %+v", rules)
	}
	if enc := a2s.AppendRules(nil, wantRules); !bytes.Equal(enc, loadHex(t, "rules.hex")) {
		t.Errorf("rules re-encoded differently")
	}
}

func TestDecodersRejectTruncation(t *testing.T) {
	for _, tt := range []struct {
		file   string
		decode func([]byte) error
	}{
		{"info_l4d2.hex", func(b []byte) error { _, err := a2s.DecodeInfo(b); return err }},
		{"players.hex", func(b []byte) error { _, err := a2s.DecodePlayers(b); return err }},
		{"rules.hex", func(b []byte) error { _, err := a2s.DecodeRules(b); return err }},
	} {
		raw := loadHex(t, tt.file)
		for n := 0; n < len(raw); n++ {
			if err := tt.decode(raw[:n]); !errors.Is(err, a2s.ErrMalformed) {
				// An INFO cut exactly after the version string is a valid
				// reply without extra data.
				if tt.file == "info_l4d2.hex" && err == nil && raw[n-1] == 0 && bytes.HasSuffix(raw[:n], []byte("2.2.4.3\x00")) {
					continue
				}
				t.Fatalf("%s cut at %d: err = %v, want ErrMalformed", tt.file, n, err)
			}
		}
	}
}

func TestRequests(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte
		want a2s.Request
	}{
		{"info without challenge", []byte("\xff\xff\xff\xffTSource Engine Query\x00"), a2s.Request{Kind: 0x54}},
		{"info with challenge", []byte("\xff\xff\xff\xffTSource Engine Query\x00\x01\x02\x03\x04"), a2s.Request{Kind: 0x54, Challenge: 0x04030201, HasChallenge: true}},
		{"player asking for challenge", []byte("\xff\xff\xff\xffU\xff\xff\xff\xff"), a2s.Request{Kind: 0x55, Challenge: a2s.NoChallenge, HasChallenge: true}},
		{"rules", []byte("\xff\xff\xff\xffV\x01\x00\x00\x00"), a2s.Request{Kind: 0x56, Challenge: 1, HasChallenge: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a2s.ParseRequest(tt.pkt)
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v", got, err)
			}
			if enc := a2s.AppendRequest(nil, got.Kind, got.Challenge, got.HasChallenge); !bytes.Equal(enc, tt.pkt) {
				t.Fatalf("re-encoded % x", enc)
			}
		})
	}
	for _, bad := range []string{"", "\xff\xff\xff\xffTSource", "\xff\xff\xff\xffU\x01", "\xff\xff\xff\xffW", "\xfe\xff\xff\xffT"} {
		if _, err := a2s.ParseRequest([]byte(bad)); !errors.Is(err, a2s.ErrMalformed) {
			t.Errorf("ParseRequest(%q) = %v", bad, err)
		}
	}
}

func FuzzDecodeInfo(f *testing.F) {
	f.Add(loadHex(f, "info_l4d2.hex"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := a2s.DecodeInfo(b)
		if err != nil {
			return
		}
		again, err := a2s.DecodeInfo(a2s.AppendInfo(nil, info))
		if err != nil || !reflect.DeepEqual(again, info) {
			t.Fatalf("round trip: %+v vs %+v, %v", info, again, err)
		}
	})
}

func FuzzDecodePlayers(f *testing.F) {
	f.Add(loadHex(f, "players.hex"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if ps, err := a2s.DecodePlayers(b); err == nil && len(ps) > 255 {
			t.Fatalf("%d players from a one-byte count", len(ps))
		}
	})
}

func FuzzDecodeRules(f *testing.F) {
	f.Add(loadHex(f, "rules.hex"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rules, err := a2s.DecodeRules(b)
		if err != nil {
			return
		}
		if again, err := a2s.DecodeRules(a2s.AppendRules(nil, rules)); err != nil || len(again) != len(rules) {
			t.Fatalf("round trip: %d vs %d rules, %v", len(rules), len(again), err)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("\xff\xff\xff\xffTSource Engine Query\x00\x01\x02\x03\x04"))
	f.Add([]byte("\xff\xff\xff\xffU\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := a2s.ParseRequest(b)
		if err != nil {
			return
		}
		if again, err := a2s.ParseRequest(a2s.AppendRequest(nil, req.Kind, req.Challenge, req.HasChallenge)); err != nil || again != req {
			t.Fatalf("round trip %+v -> %+v, %v", req, again, err)
		}
	})
}
