package srcdsstatus_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me/srcdsstatus"
)

func read(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCaptures(t *testing.T) {
	tests := []struct {
		file string
		want srcdsstatus.Status
	}{
		{"old.txt", srcdsstatus.Status{
			Hostname: "L4D 2", Version: "2.0.6.1 4490 secure  (unknown)", Secure: true,
			UDPIP: "85.196.87.88:27026 [ public same ]", OS: "Linux Dedicated", Map: "evac2",
			Humans: 2, Bots: 0, MaxPlayers: 4, Reserved: "1860000294c078e",
			Players: []srcdsstatus.Player{
				{UserID: 678, Slot: 1, Name: "Alucard X", UniqueID: "STEAM_1:0:27906", Connected: 41*time.Minute + 15*time.Second,
					Ping: 160, State: "active", Rate: 10000, Addr: "87.29.2.11:27005"},
				{UserID: 723, Name: "Ellis", UniqueID: "BOT", Bot: true, State: "active"},
			}}},
		{"new.txt", srcdsstatus.Status{
			Hostname: "Manapot Server", Version: "2.2.4.3 9309 secure  (unknown)", Secure: true,
			UDPIP: "0.0.0.0:27015 [ public n/a ]", OS: "Linux Dedicated", Map: "c4m2_sugarmill_a",
			Humans: 2, Bots: 1, MaxPlayers: 8,
			Players: []srcdsstatus.Player{
				{UserID: 2, Slot: 0, Name: "amour plastique", UniqueID: "STEAM_1:1:527064265",
					Connected: time.Hour + 2*time.Minute + 3*time.Second, Ping: 45, State: "active", Rate: 30000},
				{UserID: 3, Slot: 1, Name: `say "hi" guy`, UniqueID: "STEAM_1:0:0", Connected: 7 * time.Second,
					Ping: 12, Loss: 1, State: "spawning", Rate: 20000},
				{UserID: 4, Name: "Nick", UniqueID: "BOT", Bot: true, State: "active"},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := srcdsstatus.Parse(read(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestHibernatingAndNoise(t *testing.T) {
	st, err := srcdsstatus.Parse("hostname: x\r\nplayers : 0 humans, 4 bots (8 max) (hibernating) (unreserved)\r\n" +
		"# userid name uniqueid connected ping loss state rate adr\r\n# garbage row\r\n#end\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if !st.Hibernating || st.Bots != 4 || st.MaxPlayers != 8 || len(st.Players) != 0 || st.Hostname != "x" {
		t.Fatalf("got %+v", st)
	}
	if _, err := srcdsstatus.Parse("Unknown command \"status\"\n"); !errors.Is(err, srcdsstatus.ErrNotStatus) {
		t.Fatalf("err = %v, want ErrNotStatus", err)
	}
}

func TestFormatParses(t *testing.T) {
	for _, file := range []string{"old.txt", "new.txt"} {
		want, err := srcdsstatus.Parse(read(t, file))
		if err != nil {
			t.Fatal(err)
		}
		text := srcdsstatus.Format(want)
		got, err := srcdsstatus.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Format then Parse changed the status:\n%+v\n%+v", file, got, want)
		}
		if file == "new.txt" && !strings.Contains(text, " 1:02:03 ") {
			t.Fatalf("an hour-long connection is not printed as h:mm:ss:\n%s", text)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(read(f, "old.txt"))
	f.Add(read(f, "new.txt"))
	f.Fuzz(func(t *testing.T, s string) {
		st, err := srcdsstatus.Parse(s)
		if err != nil {
			return
		}
		for _, p := range st.Players {
			if p.Connected < 0 || (p.Bot && p.UniqueID != "BOT") {
				t.Fatalf("bad row %+v", p)
			}
		}
	})
}
