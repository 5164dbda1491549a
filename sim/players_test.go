package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me/srcdsstatus"
)

// rows returns the status player table, which carries names, SteamIDs,
// pings and addresses: all drawn from the seed.
func rows(t *testing.T, seed string, players string) string {
	t.Helper()
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"-simseed", seed, "-simplayers", players, "-simchurn", "0"}, fixedClock)
	out := srv.Exec("status")
	return out[strings.Index(out, "# userid"):]
}

func TestSeedMakesPlayersDeterministic(t *testing.T) {
	a, b, c := rows(t, "42", "5"), rows(t, "42", "5"), rows(t, "43", "5")
	if a != b {
		t.Fatalf("same seed, different players:\n%s\n%s", a, b)
	}
	if a == c {
		t.Fatalf("different seeds, same players:\n%s", a)
	}
	st, err := srcdsstatus.Parse(a)
	if err != nil || len(st.Players) != 5 {
		t.Fatalf("%d rows, %v", len(st.Players), err)
	}
}

func TestZeroPlayers(t *testing.T) {
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"-simplayers", "0"})
	st, err := srcdsstatus.Parse(srv.Exec("status"))
	if err != nil {
		t.Fatal(err)
	}
	// Only the four survivor bots, and an empty server hibernates.
	if st.Humans != 0 || st.Bots != 4 || !st.Hibernating {
		t.Fatalf("status = %+v", st)
	}
}

func TestChurnKeepsCountAndChangesPlayers(t *testing.T) {
	srv, _ := startSim(t, gameRoot(t, basicCfg()), []string{"-simplayers", "3", "-simchurn", "20ms"})
	names := func() (map[string]bool, int) {
		st, err := srcdsstatus.Parse(srv.Exec("status"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, p := range st.Players {
			if !p.Bot {
				m[p.Name] = true
			}
		}
		return m, st.Humans
	}
	first, _ := names()
	deadline := time.Now().Add(3 * time.Second)
	for {
		now, humans := names()
		if humans != 3 {
			t.Fatalf("%d humans during churn, want 3", humans)
		}
		changed := false
		for n := range now {
			changed = changed || !first[n]
		}
		if changed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("players never changed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
