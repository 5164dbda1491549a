package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sqlite"
)

// mustCreateOverlay creates a files overlay named name.
func mustCreateOverlay(tb testing.TB, db *sqlite.DB, name string) *left4me.Overlay {
	tb.Helper()
	o := &left4me.Overlay{Kind: left4me.OverlayFiles, Name: name}
	if err := sqlite.NewOverlayService(db).CreateOverlay(context.Background(), o); err != nil {
		tb.Fatal(err)
	}
	return o
}

func TestOverlayService(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := sqlite.NewOverlayService(db)

	t.Run("CreateTrimsAndFinds", func(t *testing.T) {
		o := &left4me.Overlay{Kind: left4me.OverlayWorkshop, Name: "  campaign maps "}
		if err := s.CreateOverlay(ctx, o); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindOverlayByID(ctx, o.ID)
		if err != nil || got.Name != "campaign maps" || got.Kind != left4me.OverlayWorkshop || !got.CreatedAt.Equal(db.Now()) {
			t.Fatalf("FindOverlayByID = %+v, %v", got, err)
		}
	})
	t.Run("CreateRefuses", func(t *testing.T) {
		for _, tc := range []struct {
			o    left4me.Overlay
			code string
		}{
			{left4me.Overlay{Kind: "docker", Name: "x"}, left4me.EINVALID},
			{left4me.Overlay{Kind: left4me.OverlayFiles, Name: " "}, left4me.EINVALID},
			{left4me.Overlay{Kind: left4me.OverlayFiles, Name: strings.Repeat("x", 65)}, left4me.EINVALID},
			{left4me.Overlay{Kind: left4me.OverlayFiles, Name: "bad\nname"}, left4me.EINVALID},
			{left4me.Overlay{Kind: left4me.OverlayFiles, Name: "campaign maps"}, left4me.ECONFLICT},
		} {
			wantCode(t, s.CreateOverlay(ctx, &tc.o), tc.code)
		}
	})
	t.Run("Rename", func(t *testing.T) {
		a, b := mustCreateOverlay(t, db, "a"), mustCreateOverlay(t, db, "b")
		got, err := s.UpdateOverlay(ctx, a.ID, "a2")
		if err != nil || got.Name != "a2" {
			t.Fatalf("UpdateOverlay = %+v, %v", got, err)
		}
		if _, err := s.UpdateOverlay(ctx, a.ID, "a2"); err != nil {
			t.Fatalf("renaming to its own name: %v", err)
		}
		_, err = s.UpdateOverlay(ctx, b.ID, "a2")
		wantCode(t, err, left4me.ECONFLICT)
		_, err = s.UpdateOverlay(ctx, 999, "zzz")
		wantCode(t, err, left4me.ENOTFOUND)
	})
	t.Run("DeleteRefusedWhileUsed", func(t *testing.T) {
		o := mustCreateOverlay(t, db, "used")
		bp := &left4me.Blueprint{Name: "coop", Overlays: []left4me.BlueprintOverlay{{OverlayID: o.ID}}}
		if err := sqlite.NewBlueprintService(db).CreateBlueprint(ctx, bp); err != nil {
			t.Fatal(err)
		}
		err := s.DeleteOverlay(ctx, o.ID)
		wantCode(t, err, left4me.ECONFLICT)
		if !strings.Contains(left4me.ErrorMessage(err), `"coop"`) {
			t.Fatalf("message %q does not name the blueprint", left4me.ErrorMessage(err))
		}
		if err := sqlite.NewBlueprintService(db).DeleteBlueprint(ctx, bp.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteOverlay(ctx, o.ID); err != nil {
			t.Fatalf("delete after the blueprint is gone: %v", err)
		}
		_, err = s.FindOverlayByID(ctx, o.ID)
		wantCode(t, err, left4me.ENOTFOUND)
		wantCode(t, s.DeleteOverlay(ctx, o.ID), left4me.ENOTFOUND)
	})
	t.Run("FindOverlaysByName", func(t *testing.T) {
		all, err := s.FindOverlays(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range all {
			names = append(names, o.Name)
		}
		if got := strings.Join(names, ","); got != "a2,b,campaign maps" {
			t.Fatalf("FindOverlays names = %s", got)
		}
	})
}
