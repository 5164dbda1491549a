package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/left4me/left4me"
)

// writeTx runs fn in a write transaction and commits when it returns nil.
func writeTx(ctx context.Context, db *DB, fn func(*dbTx) error) error {
	tx, err := db.beginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// readTx runs fn in a read-only transaction, so it sees one snapshot.
func readTx[T any](ctx context.Context, db *DB, fn func(*dbTx) (T, error)) (T, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer tx.Rollback()
	return fn(tx)
}

// exists reports whether query returns a row.
func exists(ctx context.Context, tx *dbTx, query string, args ...any) (bool, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return false, fmt.Errorf("check existence: %w", err)
	}
	defer rows.Close()
	return rows.Next(), rows.Err()
}

// deleteRow deletes row id of table; ENOTFOUND naming what when it is missing.
func deleteRow(ctx context.Context, tx *dbTx, table string, id int64, what string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ?`, id)
	return checkAffected(res, err, what, id)
}

func checkAffected(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return fmt.Errorf("delete %s %d: %w", what, id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return left4me.Errorf(left4me.ENOTFOUND, "%s %d not found", what, id)
	}
	return nil
}

func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}
