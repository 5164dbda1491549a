package sqlite

import (
	"context"
	"io/fs"
)

// Migrate applies the migrations in fsys, so tests can prove a failing
// migration leaves the schema as it was.
func (db *DB) Migrate(ctx context.Context, fsys fs.FS) error {
	return db.migrate(ctx, fsys)
}

// TableExists reports whether the schema has the table.
func (db *DB) TableExists(ctx context.Context, name string) (bool, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return n > 0, err
}
