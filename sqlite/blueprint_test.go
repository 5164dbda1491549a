package sqlite_test

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sqlite"
)

// mustCreateBlueprint creates a blueprint without overlays.
func mustCreateBlueprint(tb testing.TB, db *sqlite.DB, name string) *left4me.Blueprint {
	tb.Helper()
	b := &left4me.Blueprint{Name: name, Config: "hostname test\n"}
	if err := sqlite.NewBlueprintService(db).CreateBlueprint(context.Background(), b); err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestBlueprintService(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := sqlite.NewBlueprintService(db)
	o1, o2, o3 := mustCreateOverlay(t, db, "one"), mustCreateOverlay(t, db, "two"), mustCreateOverlay(t, db, "three")

	b := &left4me.Blueprint{
		Name:   "versus",
		Config: "hostname \"Versus\"\nsv_gametypes versus\n",
		Args:   []string{"+map", "c1m1_hotel"},
		// Uppermost first; the order must survive the round trip.
		Overlays: []left4me.BlueprintOverlay{{OverlayID: o3.ID, ExposeServerCfg: true}, {OverlayID: o1.ID}, {OverlayID: o2.ID, ExposeServerCfg: true}},
	}
	if err := s.CreateBlueprint(ctx, b); err != nil {
		t.Fatal(err)
	}

	t.Run("RoundTrip", func(t *testing.T) {
		got, err := s.FindBlueprintByID(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, b) {
			t.Fatalf("FindBlueprintByID =\n%+v\nwant\n%+v", got, b)
		}
		want := []string{"exec server_overlay_" + itoa(o2.ID), "exec server_overlay_" + itoa(o3.ID)}
		if !reflect.DeepEqual(got.ExecLines(), want) {
			t.Fatalf("ExecLines = %q, want %q", got.ExecLines(), want)
		}
	})
	t.Run("UpdateReplacesOverlays", func(t *testing.T) {
		upd := *b
		upd.Name, upd.Args = "versus2", nil
		upd.Overlays = []left4me.BlueprintOverlay{{OverlayID: o2.ID}, {OverlayID: o3.ID, ExposeServerCfg: true}}
		if err := s.UpdateBlueprint(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		got, _ := s.FindBlueprintByID(ctx, b.ID)
		if got.Name != "versus2" || len(got.Args) != 0 || !reflect.DeepEqual(got.Overlays, upd.Overlays) || !got.CreatedAt.Equal(b.CreatedAt) {
			t.Fatalf("after update = %+v", got)
		}
		missing := upd
		missing.ID = 999
		wantCode(t, s.UpdateBlueprint(ctx, &missing), left4me.ENOTFOUND)
	})
	t.Run("Refuses", func(t *testing.T) {
		for name, tc := range map[string]struct {
			b    left4me.Blueprint
			code string
		}{
			"EmptyName":       {left4me.Blueprint{Name: ""}, left4me.EINVALID},
			"TakenName":       {left4me.Blueprint{Name: "versus2"}, left4me.ECONFLICT},
			"ArgWithSpace":    {left4me.Blueprint{Name: "x", Args: []string{"+map c1m1"}}, left4me.EINVALID},
			"ArgWithQuote":    {left4me.Blueprint{Name: "x", Args: []string{"\"x\""}}, left4me.EINVALID},
			"MissingOverlay":  {left4me.Blueprint{Name: "x", Overlays: []left4me.BlueprintOverlay{{OverlayID: 999}}}, left4me.EINVALID},
			"DuplicateLayer":  {left4me.Blueprint{Name: "x", Overlays: []left4me.BlueprintOverlay{{OverlayID: o1.ID}, {OverlayID: o1.ID}}}, left4me.EINVALID},
			"HugeConfig":      {left4me.Blueprint{Name: "x", Config: strings.Repeat("x", sqlite.MaxConfigLength+1)}, left4me.EINVALID},
			"TooManyOverlays": {left4me.Blueprint{Name: "x", Overlays: make([]left4me.BlueprintOverlay, left4me.MaxOverlays)}, left4me.EINVALID},
		} {
			t.Run(name, func(t *testing.T) {
				wantCode(t, s.CreateBlueprint(ctx, &tc.b), tc.code)
			})
		}
		// Nothing half-written by the refusals.
		if all, _ := s.FindBlueprints(ctx); len(all) != 1 {
			t.Fatalf("%d blueprints after refusals, want 1", len(all))
		}
	})
	t.Run("DeleteRefusedWhileUsed", func(t *testing.T) {
		srv := &left4me.Server{Name: "vs1", BlueprintID: b.ID}
		if err := sqlite.NewServerService(db).CreateServer(ctx, srv); err != nil {
			t.Fatal(err)
		}
		err := s.DeleteBlueprint(ctx, b.ID)
		wantCode(t, err, left4me.ECONFLICT)
		if !strings.Contains(left4me.ErrorMessage(err), `"vs1"`) {
			t.Fatalf("message %q does not name the server", left4me.ErrorMessage(err))
		}
		if err := sqlite.NewServerService(db).DeleteServer(ctx, srv.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteBlueprint(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		// The overlay list went with it, so the overlays are free again.
		if err := sqlite.NewOverlayService(db).DeleteOverlay(ctx, o3.ID); err != nil {
			t.Fatalf("overlay still referenced after blueprint delete: %v", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
