package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sqlite"
)

func TestServerService(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t) // ports 27015-27020
	s := sqlite.NewServerService(db)
	bp := mustCreateBlueprint(t, db, "coop")

	t.Run("AllocatesLowestFreePort", func(t *testing.T) {
		a := &left4me.Server{Name: "a", BlueprintID: bp.ID}
		c := &left4me.Server{Name: "c", BlueprintID: bp.ID, Port: 27017}
		b := &left4me.Server{Name: "b", BlueprintID: bp.ID}
		d := &left4me.Server{Name: "d", BlueprintID: bp.ID}
		for _, srv := range []*left4me.Server{a, c, b, d} {
			if err := s.CreateServer(ctx, srv); err != nil {
				t.Fatal(err)
			}
		}
		if a.Port != 27015 || b.Port != 27016 || c.Port != 27017 || d.Port != 27018 {
			t.Fatalf("ports a=%d b=%d c=%d d=%d, want 27015..27018", a.Port, b.Port, c.Port, d.Port)
		}
		got, err := s.FindServerByName(ctx, "c")
		if err != nil || got.ID != c.ID || got.Port != 27017 || got.DesiredState != left4me.DesiredStopped || got.BlueprintID != bp.ID {
			t.Fatalf("FindServerByName = %+v, %v", got, err)
		}
	})
	t.Run("Refuses", func(t *testing.T) {
		for name, tc := range map[string]struct {
			srv  left4me.Server
			code string
			msg  string
		}{
			"BadName":      {left4me.Server{Name: "Bad Name", BlueprintID: bp.ID}, left4me.EINVALID, "invalid server name"},
			"PathName":     {left4me.Server{Name: "../etc", BlueprintID: bp.ID}, left4me.EINVALID, "invalid server name"},
			"TakenName":    {left4me.Server{Name: "a", BlueprintID: bp.ID}, left4me.ECONFLICT, `a server named "a" already exists`},
			"TakenPort":    {left4me.Server{Name: "e", BlueprintID: bp.ID, Port: 27017}, left4me.ECONFLICT, `port 27017 is already used by server "c"`},
			"PortTooHigh":  {left4me.Server{Name: "e", BlueprintID: bp.ID, Port: 30000}, left4me.EINVALID, "port 30000 is outside the range 27015-27020"},
			"PortTooLow":   {left4me.Server{Name: "e", BlueprintID: bp.ID, Port: 1}, left4me.EINVALID, "port 1 is outside the range 27015-27020"},
			"NoBlueprint":  {left4me.Server{Name: "e", BlueprintID: 999}, left4me.EINVALID, "blueprint 999 does not exist"},
			"BadDesired":   {left4me.Server{Name: "e", BlueprintID: bp.ID, DesiredState: "paused"}, left4me.EINVALID, "desired state"},
			"UnknownFound": {left4me.Server{Name: "e", BlueprintID: bp.ID, Port: -5}, left4me.EINVALID, "outside the range"},
		} {
			t.Run(name, func(t *testing.T) {
				err := s.CreateServer(ctx, &tc.srv)
				wantCode(t, err, tc.code)
				if !strings.Contains(left4me.ErrorMessage(err), tc.msg) {
					t.Fatalf("message %q does not contain %q", left4me.ErrorMessage(err), tc.msg)
				}
			})
		}
		if _, err := s.FindServerByName(ctx, "e"); left4me.ErrorCode(err) != left4me.ENOTFOUND {
			t.Fatalf("a refused server was stored: %v", err)
		}
	})
	t.Run("NoFreePort", func(t *testing.T) {
		for _, name := range []string{"e", "f"} {
			if err := s.CreateServer(ctx, &left4me.Server{Name: name, BlueprintID: bp.ID}); err != nil {
				t.Fatal(err)
			}
		}
		err := s.CreateServer(ctx, &left4me.Server{Name: "g", BlueprintID: bp.ID})
		wantCode(t, err, left4me.ECONFLICT)
		if !strings.Contains(left4me.ErrorMessage(err), "no free port") {
			t.Fatalf("message %q", left4me.ErrorMessage(err))
		}
	})
	t.Run("Update", func(t *testing.T) {
		bp2 := mustCreateBlueprint(t, db, "versus")
		a, _ := s.FindServerByName(ctx, "a")
		upd := &left4me.Server{ID: a.ID, BlueprintID: bp2.ID, DesiredState: left4me.DesiredRunning}
		if err := s.UpdateServer(ctx, upd); err != nil {
			t.Fatal(err)
		}
		got, _ := s.FindServerByName(ctx, "a")
		if got.Port != 27015 || got.BlueprintID != bp2.ID || got.DesiredState != left4me.DesiredRunning || upd.Name != "a" {
			t.Fatalf("after update = %+v (returned %+v)", got, upd)
		}
		wantCode(t, s.UpdateServer(ctx, &left4me.Server{ID: a.ID, Port: 27016}), left4me.ECONFLICT)
		wantCode(t, s.UpdateServer(ctx, &left4me.Server{ID: a.ID, Port: 27100}), left4me.EINVALID)
		wantCode(t, s.UpdateServer(ctx, &left4me.Server{ID: 999}), left4me.ENOTFOUND)
	})
	t.Run("DeleteFreesPort", func(t *testing.T) {
		b, _ := s.FindServerByName(ctx, "b")
		if err := s.DeleteServer(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteServer(ctx, b.ID), left4me.ENOTFOUND)
		g := &left4me.Server{Name: "g", BlueprintID: bp.ID}
		if err := s.CreateServer(ctx, g); err != nil || g.Port != b.Port {
			t.Fatalf("CreateServer after delete: port %d, %v; want %d", g.Port, err, b.Port)
		}
	})
	t.Run("FindServers", func(t *testing.T) {
		all, err := s.FindServers(ctx)
		if err != nil || len(all) != 6 || all[0].Name != "a" || all[5].Name != "g" {
			t.Fatalf("FindServers = %d servers, %v", len(all), err)
		}
	})
}

// TestCreateServerConcurrent proves port allocation is atomic: parallel
// creates on separate connections never get the same port.
func TestCreateServerConcurrent(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	bp := mustCreateBlueprint(t, db, "coop")
	s := sqlite.NewServerService(db)
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			errs <- s.CreateServer(ctx, &left4me.Server{Name: "s" + itoa(int64(i)), BlueprintID: bp.ID})
		}()
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	all, _ := s.FindServers(ctx)
	seen := map[int]bool{}
	for _, srv := range all {
		if seen[srv.Port] {
			t.Fatalf("port %d given twice", srv.Port)
		}
		seen[srv.Port] = true
	}
	if len(seen) != 6 {
		t.Fatalf("%d distinct ports, want 6", len(seen))
	}
}
