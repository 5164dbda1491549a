// Package sqlite is left4me's store: the root package's service interfaces
// implemented on SQLite (modernc.org/sqlite, pure Go, no cgo).
//
// Public service methods open one transaction each and call unexported
// helpers that take the transaction, so an operation and its checks (unique
// names, free ports, one active job per server) happen atomically. Write
// transactions begin IMMEDIATE, so a check made inside one still holds when
// the write lands.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Default port range, used when PortRangeStart and PortRangeEnd are both 0.
const (
	DefaultPortRangeStart = 27015
	DefaultPortRangeEnd   = 27050
)

// DB is an open left4me database. Set its exported fields right after Open,
// before the services are used.
type DB struct {
	db  *sql.DB
	dsn string

	// Now is the clock used for every timestamp; time.Now by default.
	Now func() time.Time
	// PortRangeStart and PortRangeEnd bound server ports, both inclusive
	// (LEFT4ME_PORT_RANGE_START..END); DefaultPortRange* when both are 0.
	PortRangeStart, PortRangeEnd int
}

// Open opens (creating if needed) the database named by a DATABASE_URL and
// applies pending migrations in one transaction. Accepted forms:
//
//	sqlite:///var/lib/left4me/left4me.db   absolute path
//	sqlite://left4me.db                     relative path
//	/var/lib/left4me/left4me.db             plain path
//	:memory: or sqlite://:memory:           private in-memory database (tests)
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	file, err := ParseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if file != ":memory:" {
		if err := createPrivate(file); err != nil {
			return nil, err
		}
	}
	sqldb, err := sql.Open("sqlite", file+"?"+connParams)
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", file, err)
	}
	if file == ":memory:" {
		// Every connection would get its own empty in-memory database:
		// keep exactly one and never let it go idle.
		sqldb.SetMaxOpenConns(1)
		sqldb.SetMaxIdleConns(1)
		sqldb.SetConnMaxLifetime(0)
		sqldb.SetConnMaxIdleTime(0)
	}
	db := &DB{db: sqldb, dsn: file, Now: time.Now}
	if err := db.migrate(ctx, migrationFS); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("migrate database %q: %w", file, err)
	}
	return db, nil
}

// connParams is applied to every pooled connection: wait for locks instead
// of failing, enforce foreign keys, use WAL so readers never block the writer,
// and take the write lock at BEGIN so checks and writes are atomic.
const connParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// ParseURL turns a DATABASE_URL into the SQLite file name Open uses.
func ParseURL(databaseURL string) (string, error) {
	s := strings.TrimSpace(databaseURL)
	switch {
	case s == "":
		return "", errors.New("database url is empty: set DATABASE_URL, e.g. sqlite:///var/lib/left4me/left4me.db")
	case strings.HasPrefix(s, "sqlite://"):
		s = strings.TrimPrefix(s, "sqlite://")
	case strings.HasPrefix(s, "sqlite:"):
		s = strings.TrimPrefix(s, "sqlite:")
	case strings.Contains(s, "://"):
		return "", fmt.Errorf("database url %q: only sqlite:// is supported", databaseURL)
	}
	if s == "" || strings.ContainsAny(s, "?#\x00") {
		return "", fmt.Errorf("database url %q: want sqlite:///absolute/path.db, sqlite://relative.db or :memory:", databaseURL)
	}
	return s, nil
}

// createPrivate creates the database file's directory and the file itself,
// readable by the owner only, because it holds password and token hashes
// (SQLite gives its -wal and -shm files the same mode).
func createPrivate(file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("create database directory: %w", err)
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}

// Close closes the database.
func (db *DB) Close() error {
	return db.db.Close()
}

// dbTx is a transaction with the time it began, used for every timestamp it writes.
type dbTx struct {
	*sql.Tx
	db  *DB
	now time.Time
}

// beginTx starts a write transaction (BEGIN IMMEDIATE).
func (db *DB) beginTx(ctx context.Context) (*dbTx, error) {
	return db.begin(ctx, nil)
}

// beginRead starts a read-only (deferred) transaction that never waits for writers.
func (db *DB) beginRead(ctx context.Context) (*dbTx, error) {
	return db.begin(ctx, &sql.TxOptions{ReadOnly: true})
}

func (db *DB) begin(ctx context.Context, opts *sql.TxOptions) (*dbTx, error) {
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &dbTx{Tx: tx, db: db, now: db.now()}, nil
}

func (db *DB) now() time.Time {
	now := time.Now
	if db.Now != nil {
		now = db.Now
	}
	return now().UTC().Round(0)
}

func (db *DB) portRange() (int, int) {
	if db.PortRangeStart == 0 && db.PortRangeEnd == 0 {
		return DefaultPortRangeStart, DefaultPortRangeEnd
	}
	return db.PortRangeStart, db.PortRangeEnd
}

// migrate applies every migrations/NNNN_*.sql newer than schema_version, all
// in one transaction, so a failed migration leaves the schema untouched.
func (db *DB) migrate(ctx context.Context, fsys fs.FS) error {
	tx, err := db.beginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return fmt.Errorf("read schema_version: %w", err)
	}
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := migrationVersion(name)
		if err != nil {
			return err
		}
		if version <= current {
			continue
		}
		if err := applyMigration(ctx, tx, fsys, name, version); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func applyMigration(ctx context.Context, tx *dbTx, fsys fs.FS, name string, version int) error {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("apply %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, version); err != nil {
		return fmt.Errorf("record schema version %d: %w", version, err)
	}
	return nil
}

// migrationVersion reads NNNN from migrations/NNNN_name.sql.
func migrationVersion(name string) (int, error) {
	base := path.Base(name)
	num, _, ok := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return 0, fmt.Errorf("migration %s: name must start with a positive number and '_'", base)
	}
	return v, nil
}

// SchemaVersion returns the version of the last applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v)
	return v, err
}

// timeLayout sorts lexically in time order and round-trips nanoseconds.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

func formatNullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

// scanTime is a sql.Scanner for the TEXT timestamps this package writes.
type scanTime struct{ t *time.Time }

func (s scanTime) Scan(v any) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("timestamp: want text, got %T", v)
	}
	t, err := time.Parse(timeLayout, str)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*s.t = t
	return nil
}

// scanNullTime scans a nullable timestamp into a *time.Time field.
type scanNullTime struct{ t **time.Time }

func (s scanNullTime) Scan(v any) error {
	if v == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (scanTime{&t}).Scan(v); err != nil {
		return err
	}
	*s.t = &t
	return nil
}
