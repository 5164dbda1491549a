package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sqlite"
)

// MustOpenDB opens a fresh database file in a temp dir with a fixed clock and
// the port range 27015-27020, and closes it when the test ends.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "left4me.db"))
}

func mustOpenPath(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		tb.Fatal(err)
	}
	db.Now = func() time.Time { return time.Date(2026, 11, 25, 20, 0, 0, 123456789, time.UTC) }
	db.PortRangeStart, db.PortRangeEnd = 27015, 27020
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// wantCode fails unless err carries the given left4me error code.
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := left4me.ErrorCode(err); got != code {
		tb.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sqlite:///var/lib/left4me/left4me.db", "/var/lib/left4me/left4me.db"},
		{"sqlite://left4me.db", "left4me.db"},
		{"sqlite:left4me.db", "left4me.db"},
		{"/var/lib/left4me/left4me.db", "/var/lib/left4me/left4me.db"},
		{"data/left4me.db", "data/left4me.db"},
		{":memory:", ":memory:"},
		{"sqlite://:memory:", ":memory:"},
	} {
		got, err := sqlite.ParseURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "postgres://localhost/left4me", "sqlite://", "sqlite:///x.db?mode=ro"} {
		if got, err := sqlite.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) = %q, want an error", bad, got)
		}
	}
}

func TestOpen(t *testing.T) {
	t.Run("MigratesOnceAndReopens", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "left4me.db")
		db := mustOpenPath(t, path)
		v1, err := db.SchemaVersion(context.Background())
		if err != nil || v1 < 1 {
			t.Fatalf("SchemaVersion = %d, %v; want >= 1", v1, err)
		}
		o := &left4me.Overlay{Kind: left4me.OverlayFiles, Name: "maps"}
		if err := sqlite.NewOverlayService(db).CreateOverlay(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		// WAL keeps readers (dashboards) from blocking the job writer.
		if _, err := os.Stat(path + "-wal"); err != nil {
			t.Fatalf("no WAL file next to the database: %v", err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("database file mode: %v, %v; want 0600 (it holds password hashes)", fi.Mode(), err)
		}
		// A second Open of the same file (a restarted panel) must not
		// re-run migrations nor lose data.
		db2 := mustOpenPath(t, path)
		if v2, _ := db2.SchemaVersion(context.Background()); v2 != v1 {
			t.Fatalf("schema version after reopen = %d, want %d", v2, v1)
		}
		if got, err := sqlite.NewOverlayService(db2).FindOverlayByID(context.Background(), o.ID); err != nil || got.Name != "maps" {
			t.Fatalf("overlay after reopen = %+v, %v", got, err)
		}
	})
	t.Run("Memory", func(t *testing.T) {
		db, err := sqlite.Open(context.Background(), ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		users := sqlite.NewUserService(db)
		// The in-memory database must be one database across calls, not
		// one per pooled connection.
		for _, name := range []string{"a", "b", "c"} {
			if err := users.CreateUser(context.Background(), &left4me.User{Name: name, PasswordHash: "h"}); err != nil {
				t.Fatal(err)
			}
		}
		if all, err := users.FindUsers(context.Background()); err != nil || len(all) != 3 {
			t.Fatalf("FindUsers = %d users, %v; want 3", len(all), err)
		}
	})
	t.Run("CreatesDirectory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new", "dir", "left4me.db")
		mustOpenPath(t, path)
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("FailedMigrationRollsBack", func(t *testing.T) {
		ctx := context.Background()
		db := MustOpenDB(t)
		before, _ := db.SchemaVersion(ctx)
		bad := fstest.MapFS{
			"migrations/0900_good.sql": {Data: []byte("CREATE TABLE extra (id INTEGER PRIMARY KEY);")},
			"migrations/0901_bad.sql":  {Data: []byte("CREATE TABLE broken (;")},
		}
		if err := db.Migrate(ctx, bad); err == nil || !strings.Contains(err.Error(), "0901_bad.sql") {
			t.Fatalf("Migrate with a broken file: %v, want an error naming it", err)
		}
		if ok, err := db.TableExists(ctx, "extra"); err != nil || ok {
			t.Fatalf("table from the earlier migration of the failed batch exists: %v %v", ok, err)
		}
		if v, _ := db.SchemaVersion(ctx); v != before {
			t.Fatalf("schema version %d after a failed migration, want %d", v, before)
		}
		good := fstest.MapFS{"migrations/0900_good.sql": bad["migrations/0900_good.sql"]}
		if err := db.Migrate(ctx, good); err != nil {
			t.Fatal(err)
		}
		if v, _ := db.SchemaVersion(ctx); v != 900 {
			t.Fatalf("schema version %d, want 900", v)
		}
		if ok, _ := db.TableExists(ctx, "extra"); !ok {
			t.Fatal("migration 0900 not applied")
		}
	})
	t.Run("RefusesBadURL", func(t *testing.T) {
		if _, err := sqlite.Open(context.Background(), "mysql://x"); err == nil {
			t.Fatal("Open(mysql://x) succeeded")
		}
	})
}
