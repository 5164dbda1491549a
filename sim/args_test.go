package sim_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/left4me/left4me/sim"
)

func TestParseArgs(t *testing.T) {
	cfg, err := sim.ParseArgs([]string{"-game", "left4dead2", "+ip", "0.0.0.0", "+hostport", "27016",
		"-tickrate", "100", "-console", "-insecure", "+map", "c2m1_highway", "+exec", "extra",
		"+sv_gravity", "-800", "+hostname", "My", "Server", "-nohltv", "-simseed", "7", "-simplayers", "0",
		"-simcrashafter", "5s", "-simchurn", "0s", "-unknownflag", "value"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Game != "left4dead2" || cfg.IP != "0.0.0.0" || cfg.Port != 27016 || cfg.Map != "c2m1_highway" ||
		cfg.Tickrate != 100 || cfg.Seed != 7 || cfg.Players != 0 || cfg.CrashAt != 5*time.Second || cfg.Churn != 0 ||
		cfg.FailStart || !cfg.InfoChallenge || !cfg.AuthEmpty {
		t.Fatalf("config = %+v", cfg)
	}
	want := []sim.Command{{Name: "exec", Args: []string{"extra"}}, {Name: "sv_gravity", Args: []string{"-800"}},
		{Name: "hostname", Args: []string{"My", "Server"}}}
	if !reflect.DeepEqual(cfg.Commands, want) {
		t.Fatalf("commands = %+v", cfg.Commands)
	}

	cfg, err = sim.ParseArgs([]string{"-game", "left4dead2", "-port", "27020", "-simfailstart"})
	if err != nil || cfg.Port != 27020 || !cfg.FailStart || cfg.Players != 2 || cfg.Map != "c1m1_hotel" {
		t.Fatalf("config = %+v, %v", cfg, err)
	}

	for _, bad := range [][]string{{"+hostport", "x"}, {"+hostport", "70000"}, {"-simplayers", "300"},
		{"-simcrashafter", "soon"}, {"stray"}, {"+map"}} {
		if _, err := sim.ParseArgs(bad); err == nil {
			t.Errorf("ParseArgs(%q) accepted", bad)
		}
	}
}
