package srcdslog_test

import (
	"bufio"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me/srcdslog"
)

func referenceLines(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("testdata/reference.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func at(h, m, s int) time.Time { return time.Date(2026, 11, 25, h, m, s, 0, time.UTC) }

func TestReferenceLines(t *testing.T) {
	nick := func(team string) srcdslog.Player {
		return srcdslog.Player{Name: "Nick", UserID: 34, SteamID: "BOT", Team: team}
	}
	mal := srcdslog.Player{Name: "Mal", UserID: 2, SteamID: "STEAM_1:0:0", Team: "Survivor"}
	want := []srcdslog.Event{
		{Kind: srcdslog.KindLogFileStarted, Time: at(19, 5, 9)},
		{Kind: srcdslog.KindLoadingMap, Time: at(19, 5, 9), Map: "c4m2_sugarmill_a"},
		{Kind: srcdslog.KindStartedMap, Time: at(19, 5, 10), Map: "c4m2_sugarmill_a", CRC: "-431283537"},
		{Kind: srcdslog.KindServerName, Time: at(19, 5, 10), Text: "Manapot Server"},
		{Kind: srcdslog.KindServerSay, Time: at(19, 5, 11), Text: "Hai"},
		{Kind: srcdslog.KindConnected, Time: at(19, 5, 12), Address: "1.2.3.4:27005",
			Player: srcdslog.Player{Name: "amour plastique", UserID: 273, SteamID: "STEAM_1:1:527064265"}},
		{Kind: srcdslog.KindEnteredGame, Time: at(19, 5, 13), Player: nick("")},
		{Kind: srcdslog.KindDisconnected, Time: at(19, 5, 14), Player: nick("Survivor"), Reason: "Disconnect by user."},
		{Kind: srcdslog.KindJoinedTeam, Time: at(19, 5, 15), Player: nick("Unassigned"), Team: "Survivor"},
		{Kind: srcdslog.KindSay, Time: at(19, 5, 16), Player: mal, Text: "hi"},
		{Kind: srcdslog.KindWorldTriggered, Time: at(19, 5, 17), Text: "Round_Start"},
		{Kind: srcdslog.KindSpawned, Time: at(19, 5, 18), Player: srcdslog.Player{Name: "Charger", UserID: 10, SteamID: "BOT",
			Team: "Infected", Extra: []string{"CHARGER", "ALIVE", "600+0", "setpos_exact 1.00 2.00 3.00; setang 0 0 0", "Area 37556"}}},
		{Kind: srcdslog.KindSay, Time: at(19, 5, 19), Player: mal, Text: `he said "go" <now>`},
		{Kind: srcdslog.KindSayTeam, Time: at(23, 59, 59), Text: "team only",
			Player: srcdslog.Player{Name: "x<y>", UserID: 5, SteamID: "STEAM_1:0:1", Team: "Survivor"}},
		{Kind: srcdslog.KindRaw, Time: at(19, 5, 20)},
	}
	lines := referenceLines(t)
	if len(lines) != len(want) {
		t.Fatalf("%d lines, %d expectations", len(lines), len(want))
	}
	for i, line := range lines {
		t.Run(want[i].Kind.String(), func(t *testing.T) {
			got, err := srcdslog.ParseLine(line)
			if err != nil {
				t.Fatal(err)
			}
			want[i].Message = line[25:]
			if !reflect.DeepEqual(got, want[i]) {
				t.Fatalf("got  %+v\nwant %+v", got, want[i])
			}
		})
	}
}

func TestDatagramSecrets(t *testing.T) {
	line := "L 11/25/2026 - 19:05:11: Server say \"Hai\"\n\x00"
	plain := append([]byte("\xff\xff\xff\xff\x52"), line...)
	secret := append([]byte("\xff\xff\xff\xff\x53"+"12345"), line...)
	tests := []struct {
		name   string
		dgram  []byte
		secret string
		err    error
	}{
		{"plain, none expected", plain, "", nil},
		{"secret matches", secret, "12345", nil},
		{"secret wrong", secret, "12346", srcdslog.ErrSecret},
		{"secret prefix only", secret, "1234", srcdslog.ErrSecret},
		{"secret expected, plain sent", plain, "12345", srcdslog.ErrSecret},
		{"secret sent, none expected", secret, "", srcdslog.ErrSecret},
		{"bad header", []byte("\xfe\xff\xff\xff\x52" + line), "", srcdslog.ErrMalformed},
		{"bad type", []byte("\xff\xff\xff\xff\x51" + line), "", srcdslog.ErrMalformed},
		{"no timestamp", []byte("\xff\xff\xff\xff\x52hello\n"), "", srcdslog.ErrMalformed},
		{"bad month", []byte("\xff\xff\xff\xff\x52L 13/25/2026 - 19:05:11: x\n"), "", srcdslog.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := srcdslog.Parse(tt.dgram, tt.secret)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && (ev.Kind != srcdslog.KindServerSay || ev.Text != "Hai") {
				t.Fatalf("event = %+v", ev)
			}
		})
	}
}

func TestAppendDatagramRoundTrip(t *testing.T) {
	when := at(7, 8, 9)
	p := srcdslog.Player{Name: "Zoey", UserID: 4, SteamID: "STEAM_1:1:99", Team: "Survivor"}
	for _, secret := range []string{"", "987"} {
		d := srcdslog.AppendDatagram(nil, when, `"`+p.String()+`" say "hello"`, secret)
		ev, err := srcdslog.Parse(d, secret)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != srcdslog.KindSay || !ev.Time.Equal(when) || !reflect.DeepEqual(ev.Player, p) || ev.Text != "hello" {
			t.Fatalf("secret %q: %+v", secret, ev)
		}
	}
	long := srcdslog.AppendDatagram(nil, when, string(make([]byte, 5000)), "")
	if len(long) != 5+srcdslog.MaxLine+1 { // header, type, line incl. \n, NUL
		t.Fatalf("long line datagram is %d bytes", len(long))
	}
}

func FuzzParse(f *testing.F) {
	for _, l := range referenceLines(f) {
		f.Add(append([]byte("\xff\xff\xff\xff\x52"), l+"\n\x00"...), "")
		f.Add(append([]byte("\xff\xff\xff\xff\x53"+"42"), l+"\n\x00"...), "42")
	}
	f.Fuzz(func(t *testing.T, dgram []byte, secret string) {
		ev, err := srcdslog.Parse(dgram, secret)
		if err != nil {
			return
		}
		if ev.Kind < srcdslog.KindRaw || ev.Kind > srcdslog.KindSpawned || !strings.Contains(string(dgram), ev.Message) ||
			ev.Time.Year() > 9999 || ev.Time.Nanosecond() != 0 {
			t.Fatalf("bad event %+v", ev)
		}
	})
}

// BenchmarkParse reports how many log lines one core parses per second,
// over the REFERENCE.md mix of lines.
func BenchmarkParse(b *testing.B) {
	var dgrams [][]byte
	for _, l := range referenceLines(b) {
		dgrams = append(dgrams, append([]byte("\xff\xff\xff\xff\x52"), l+"\n\x00"...))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := srcdslog.Parse(dgrams[i%len(dgrams)], ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
