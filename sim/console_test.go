package sim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/left4me/left4me/rcon"
	"github.com/left4me/left4me/srcdsstatus"
)

func TestExecChains(t *testing.T) {
	root := gameRoot(t, map[string]string{
		// The web app prepends aliased overlay cfgs, lowest overlay first.
		"cfg/server.cfg": "exec server_overlay_3\nexec server_overlay_7.cfg\n" +
			"rcon_password " + password + " // trailing comment\n" +
			"exec missing_file\nexec server\nexec sub/deep; sv_tags \"a b\" // x\n" +
			"exec ../../etc/passwd\n",
		"cfg/server_overlay_3.cfg": "hostname \"low\"\nmp_gamemode versus\n",
		"cfg/server_overlay_7.cfg": "hostname \"high\"\nexec loop_a\n",
		"cfg/loop_a.cfg":           "exec loop_b\n",
		"cfg/loop_b.cfg":           "exec loop_a\nz_difficulty Expert\n",
		"cfg/sub/deep.cfg":         "sv_steamgroup 123\n",
	})
	srv, out := startSim(t, root, nil)
	c := dialSim(t, srv)
	want := "server.cfg\nserver_overlay_3.cfg\nserver_overlay_7.cfg\nloop_a.cfg\nloop_b.cfg\nsub/deep.cfg\n"
	if got := run(t, c, "sim_execd"); got != want {
		t.Fatalf("sim_execd = %q, want %q", got, want)
	}
	for cmd, want := range map[string]string{
		"hostname":      `"hostname" = "high"` + "\n",
		"mp_gamemode":   `"mp_gamemode" = "versus"` + "\n",
		"z_difficulty":  `"z_difficulty" = "Expert"` + "\n",
		"sv_steamgroup": `"sv_steamgroup" = "123"` + "\n",
		"sv_tags":       `"sv_tags" = "a b"` + "\n",
	} {
		if got := run(t, c, cmd); got != want {
			t.Errorf("%s: got %q, want %q", cmd, got, want)
		}
	}
	for _, line := range []string{"Execing config: server.cfg", "Execing config: server_overlay_3.cfg",
		"exec: couldn't exec missing_file", `Server name is "high"`} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("console output lacks %q:\n%s", line, out.String())
		}
	}
	if got := run(t, c, "exec nothere"); got != "exec: couldn't exec nothere\n" {
		t.Errorf("exec of a missing file over rcon: %q", got)
	}
	// Every map start runs server.cfg again, as srcds does.
	run(t, c, "changelevel c2m1_highway")
	if got := run(t, c, "sim_execd"); !strings.HasPrefix(got, want+"server.cfg\n") {
		t.Errorf("after changelevel sim_execd = %q", got)
	}
}

func TestRCONAuth(t *testing.T) {
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"-simplayers", "0"})
	if _, err := rcon.Dial(context.Background(), srv.Addr(), "wrong"); !errors.Is(err, rcon.ErrAuthFailed) {
		t.Fatalf("wrong password: %v", err)
	}
	for _, authEmpty := range []string{"0", "1"} {
		srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"-simrconauthempty", authEmpty})
		if got := run(t, dialSim(t, srv), "echo hi"); got != "hi\n" {
			t.Fatalf("authempty %s: echo = %q", authEmpty, got)
		}
	}
	// No rcon_password at all: every attempt is refused, even an empty one.
	noPw, _ := startSim(t, gameRoot(t, map[string]string{"cfg/server.cfg": "hostname x\n"}), nil)
	for _, pw := range []string{"", "anything"} {
		if _, err := rcon.Dial(context.Background(), noPw.Addr(), pw); !errors.Is(err, rcon.ErrAuthFailed) {
			t.Fatalf("empty rcon_password, tried %q: %v", pw, err)
		}
	}
}

func TestConsoleCommands(t *testing.T) {
	root := gameRoot(t, basicCfg())
	srv, _ := startSim(t, root, []string{"-simplayers", "2", "-simseed", "3"})
	c := dialSim(t, srv)
	tests := []struct{ cmd, want string }{
		{"hostname", `"hostname" = "Sim Test"` + "\n"},
		{"hostname New Name", ""},
		{"hostname", `"hostname" = "New Name"` + "\n"},
		{"no_such_command", "Unknown command \"no_such_command\"\n"},
		{"logaddress_list", "logaddress_list:  no addresses in the list\n"},
		{"logaddress_add 127.0.0.1:27500", "logaddress_add:  127.0.0.1:27500\n"},
		{"logaddress_add 10.0.0.1:27500", "logaddress_add:  10.0.0.1:27500\n"},
		{"logaddress_add 127.0.0.1:27500", "logaddress_add:  127.0.0.1:27500 is already in the list\n"},
		{"logaddress_list", "logaddress_list:  2 entries\n127.0.0.1:27500\n10.0.0.1:27500\n"},
		{"logaddress_del 127.0.0.1:27500", "logaddress_del:  127.0.0.1:27500\n"},
		{"logaddress_del 127.0.0.1:27500", "logaddress_del:  address 127.0.0.1:27500 not found in the list\n"},
		{"logaddress_delall", "logaddress_delall:  all addresses cleared\n"},
		{"log on", "Server logging enabled.\n"},
		{"log", "currently logging to: console, udp\n"},
		{"say hello there", ""},
		{"sim_addons", ""},
		{"echo a; echo b", "a\nb\n"},
	}
	for _, tt := range tests {
		if got := run(t, c, tt.cmd); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.cmd, got, tt.want)
		}
	}
	users := run(t, c, "users")
	st, err := srcdsstatus.Parse(run(t, c, "status"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Hostname != "New Name" || st.Map != "c1m1_hotel" || st.Humans != 2 || st.Bots != 2 || len(st.Players) != 4 {
		t.Fatalf("status = %+v", st)
	}
	if !strings.HasSuffix(users, "4 users\n") {
		t.Errorf("users = %q", users)
	}
	var human srcdsstatus.Player
	for _, p := range st.Players {
		if !p.Bot {
			human = p
		}
		if !strings.Contains(users, fmt.Sprintf(":%d:%q", p.UserID, p.Name)) {
			t.Errorf("users lacks %s: %q", p.Name, users)
		}
	}
	if got := run(t, c, "kick "+human.Name); got != "" {
		t.Fatalf("kick: %q", got)
	}
	if got := run(t, c, "kick "+human.Name); !strings.HasPrefix(got, "Can't kick") {
		t.Fatalf("second kick: %q", got)
	}
	st, _ = srcdsstatus.Parse(run(t, c, "status"))
	if st.Humans != 1 || st.Bots != 3 {
		t.Fatalf("after kick: %d humans, %d bots", st.Humans, st.Bots)
	}
}

func TestAddons(t *testing.T) {
	root := gameRoot(t, basicCfg())
	for name, content := range map[string]string{"addons/b.vpk": "x", "addons/workshop/123456.vpk": "x",
		"addons/readme.txt": "x", "addons/A.VPK": "x"} {
		gameRootAdd(t, root, name, content)
	}
	srv, _ := startSim(t, root, nil)
	if got := run(t, dialSim(t, srv), "sim_addons"); got != "A.VPK\nb.vpk\nworkshop/123456.vpk\n" {
		t.Fatalf("sim_addons = %q", got)
	}
}

func TestFailedLoginsBanAddress(t *testing.T) {
	srv, _ := startSim(t, gameRoot(t, basicCfg("sv_rcon_minfailures 2", "sv_rcon_minfailuretime 60")), []string{"-simplayers", "0"})
	for range 2 {
		if _, err := rcon.Dial(context.Background(), srv.Addr(), "wrong"); !errors.Is(err, rcon.ErrAuthFailed) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	// Banned now: even the right password gets a closed connection.
	_, err := rcon.Dial(context.Background(), srv.Addr(), password)
	if err == nil || errors.Is(err, rcon.ErrAuthFailed) {
		t.Fatalf("banned address: err = %v, want a dropped connection", err)
	}
	if got := srv.Exec("removeip 127.0.0.1"); got != "removeip:  filter removed for 127.0.0.1\n" {
		t.Fatalf("removeip: %q", got)
	}
	if got := run(t, dialSim(t, srv), "echo ok"); got != "ok\n" {
		t.Fatalf("after removeip: %q", got)
	}
}
