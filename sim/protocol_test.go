package sim_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me/a2s"
	"github.com/left4me/left4me/rcon"
	"github.com/left4me/left4me/srcdslog"
	"github.com/left4me/left4me/srcdsstatus"
)

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestA2SWithChallenges(t *testing.T) {
	for _, challenge := range []string{"1", "0"} {
		t.Run("infochallenge="+challenge, func(t *testing.T) {
			srv, _ := startSim(t, gameRoot(t, basicCfg("sv_tags hardcore")),
				[]string{"+map", "c5m1_waterfront", "-simplayers", "3", "-maxplayers", "12", "-siminfochallenge", challenge})
			info, err := a2s.QueryInfo(ctx(t), srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			want := a2s.Info{Protocol: 17, Name: "Sim Test", Map: "c5m1_waterfront", Folder: "left4dead2",
				Game: "Left 4 Dead 2", AppID: 550, Players: 3, MaxPlayers: 12, ServerType: 'd', Environment: 'l',
				VAC: 1, Version: "2.2.4.3", EDF: a2s.EDFPort | a2s.EDFSteamID | a2s.EDFKeywords | a2s.EDFGameID,
				Port: uint16(srv.Port()), SteamID: info.SteamID, Keywords: "coop,hardcore,secure", GameID: 550}
			if info != want {
				t.Fatalf("info\n%+v\nwant\n%+v", info, want)
			}
			players, err := a2s.QueryPlayers(ctx(t), srv.Addr())
			if err != nil || len(players) != 3 {
				t.Fatalf("players = %+v, %v", players, err)
			}
			rules, err := a2s.QueryRules(ctx(t), srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range rules {
				got[r.Name] = r.Value
			}
			if got["hostname"] != "Sim Test" || got["sv_tags"] != "hardcore" {
				t.Fatalf("rules = %v", got)
			}
			if _, leaked := got["rcon_password"]; leaked {
				t.Fatal("rcon_password sent in A2S_RULES")
			}
		})
	}
}

func TestA2SSplitRules(t *testing.T) {
	var cfg []string
	for i := range 200 {
		cfg = append(cfg, fmt.Sprintf("sm_plugin_setting_%03d \"value number %d\"", i, i))
	}
	srv, _ := startSim(t, gameRoot(t, basicCfg(cfg...)), nil)
	rules, err := a2s.QueryRules(ctx(t), srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rules {
		if strings.HasPrefix(r.Name, "sm_plugin_setting_") {
			n++
			if want := "value number " + strings.TrimLeft(r.Name[len("sm_plugin_setting_"):], "0"); want != r.Value && r.Name != "sm_plugin_setting_000" {
				t.Fatalf("%s = %q", r.Name, r.Value)
			}
		}
	}
	if n != 200 {
		t.Fatalf("%d of 200 rules reassembled", n)
	}
}

// TestMultiPacketStatus: `status` with 100 players is far above one packet's
// 4096 bytes; the RCON output must equal the console's byte for byte.
func TestMultiPacketStatus(t *testing.T) {
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"-simplayers", "100", "-maxplayers", "128", "-simchurn", "0"}, fixedClock)
	got := run(t, dialSim(t, srv), "status")
	want := srv.Exec("status")
	if len(want) <= 2*rcon.MaxPacketSize {
		t.Fatalf("status is only %d bytes: not a multi-packet test", len(want))
	}
	if got != want {
		t.Fatalf("rcon status (%d bytes) differs from console status (%d bytes)", len(got), len(want))
	}
	st, err := srcdsstatus.Parse(got)
	if err != nil || st.Humans != 100 || len(st.Players) != 100 {
		t.Fatalf("parsed %d humans, %d rows, %v", st.Humans, len(st.Players), err)
	}
}

func TestChangelevelReconnects(t *testing.T) {
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"-simplayers", "0"})
	c := dialSim(t, srv)
	run(t, c, "changelevel c3m1_plankcountry")
	// The sim closed this connection after changelevel; the client notices
	// and reconnects without being told.
	time.Sleep(50 * time.Millisecond)
	st, err := srcdsstatus.Parse(run(t, c, "status"))
	if err != nil || st.Map != "c3m1_plankcountry" {
		t.Fatalf("status after changelevel: %+v, %v", st, err)
	}
}

func TestLogStream(t *testing.T) {
	for _, secret := range []string{"", "31337"} {
		t.Run("secret="+secret, func(t *testing.T) {
			l, err := srcdslog.Listen("127.0.0.1:0", nil)
			if err != nil {
				t.Fatal(err)
			}
			events := make(chan srcdslog.Event, 256)
			c, cancel := context.WithCancel(context.Background())
			defer cancel()
			go l.Serve(c)
			extra := []string{}
			if secret != "" {
				extra = append(extra, "sv_logsecret "+secret)
			}
			srv, _ := startSim(t, gameRoot(t, basicCfg(extra...)), []string{"-simplayers", "0"})
			l.Register(netip.MustParseAddrPort(srv.Addr()), secret, func(ev srcdslog.Event) { events <- ev })
			rc := dialSim(t, srv)
			run(t, rc, "log on")
			run(t, rc, fmt.Sprintf("logaddress_add %s", l.Addr()))
			run(t, rc, "say hello world")
			run(t, rc, "changelevel c2m1_highway")
			wantKinds := []srcdslog.Kind{srcdslog.KindServerSay, srcdslog.KindLoadingMap, srcdslog.KindStartedMap, srcdslog.KindServerName}
			for _, want := range wantKinds {
				select {
				case ev := <-events:
					if ev.Kind != want {
						t.Fatalf("got %v %q, want %v", ev.Kind, ev.Message, want)
					}
					if ev.Kind == srcdslog.KindServerSay && ev.Text != "hello world" {
						t.Fatalf("say text %q", ev.Text)
					}
					if ev.Kind == srcdslog.KindStartedMap && ev.Map != "c2m1_highway" {
						t.Fatalf("map %q", ev.Map)
					}
				case <-time.After(2 * time.Second):
					t.Fatalf("no %v event", want)
				}
			}
		})
	}
}

func TestPlayerEventsReachListener(t *testing.T) {
	l, err := srcdslog.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan srcdslog.Event, 256)
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Serve(c)
	// Log targets from the command line reach the first joins.
	srv, _ := startSim(t, gameRoot(t, basicCfg("log on", "logaddress_add "+l.Addr().String())),
		[]string{"-simplayers", "1", "-simchurn", "30ms"})
	l.Register(netip.MustParseAddrPort(srv.Addr()), "", func(ev srcdslog.Event) { events <- ev })
	seen := map[srcdslog.Kind]bool{}
	deadline := time.After(3 * time.Second)
	for !seen[srcdslog.KindConnected] || !seen[srcdslog.KindDisconnected] || !seen[srcdslog.KindEnteredGame] || !seen[srcdslog.KindJoinedTeam] {
		select {
		case ev := <-events:
			seen[ev.Kind] = true
			if ev.Kind == srcdslog.KindConnected && !ev.Player.IsBot() && !strings.HasPrefix(ev.Player.SteamID, "STEAM_1:") {
				t.Fatalf("human without SteamID: %+v", ev.Player)
			}
		case <-deadline:
			t.Fatalf("saw only %v", seen)
		}
	}
}
