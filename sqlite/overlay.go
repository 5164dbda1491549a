package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/left4me/left4me"
)

var _ left4me.OverlayService = (*OverlayService)(nil)

// OverlayService implements left4me.OverlayService.
type OverlayService struct {
	db *DB
}

// NewOverlayService returns the overlay store of db.
func NewOverlayService(db *DB) *OverlayService {
	return &OverlayService{db: db}
}

// FindOverlayByID returns ENOTFOUND when missing.
func (s *OverlayService) FindOverlayByID(ctx context.Context, id int64) (*left4me.Overlay, error) {
	return readTx(ctx, s.db, func(tx *dbTx) (*left4me.Overlay, error) {
		return findOverlayByID(ctx, tx, id)
	})
}

// FindOverlays returns every overlay ordered by name.
func (s *OverlayService) FindOverlays(ctx context.Context) ([]*left4me.Overlay, error) {
	return readTx(ctx, s.db, func(tx *dbTx) ([]*left4me.Overlay, error) {
		return findOverlays(ctx, tx, "1 = 1 ORDER BY name, id")
	})
}

// CreateOverlay validates kind (files, workshop, script) and name (trimmed,
// 1-64 characters, unique: ECONFLICT) and sets o.ID and timestamps.
func (s *OverlayService) CreateOverlay(ctx context.Context, o *left4me.Overlay) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return createOverlay(ctx, tx, o) })
}

// UpdateOverlay renames; ECONFLICT/EINVALID on a bad name, ENOTFOUND when missing.
func (s *OverlayService) UpdateOverlay(ctx context.Context, id int64, name string) (*left4me.Overlay, error) {
	var o *left4me.Overlay
	err := writeTx(ctx, s.db, func(tx *dbTx) (err error) {
		o, err = renameOverlay(ctx, tx, id, name)
		return err
	})
	return o, err
}

// DeleteOverlay refuses with ECONFLICT while a blueprint uses the overlay;
// ENOTFOUND when missing. The overlay's files are the caller's to remove.
func (s *OverlayService) DeleteOverlay(ctx context.Context, id int64) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error {
		if _, err := findOverlayByID(ctx, tx, id); err != nil {
			return err
		}
		users, err := stringColumn(ctx, tx, `SELECT b.name FROM blueprints b JOIN blueprint_overlays bo ON bo.blueprint_id = b.id WHERE bo.overlay_id = ? ORDER BY b.name`, id)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return left4me.Errorf(left4me.ECONFLICT, "overlay %d is used by %s %s; remove it from there first", id, plural(len(users), "blueprint"), quoteList(users))
		}
		return deleteRow(ctx, tx, "overlays", id, "overlay")
	})
}

func validOverlayKind(kind string) bool {
	switch kind {
	case left4me.OverlayFiles, left4me.OverlayWorkshop, left4me.OverlayScript:
		return true
	}
	return false
}

func createOverlay(ctx context.Context, tx *dbTx, o *left4me.Overlay) error {
	if !validOverlayKind(o.Kind) {
		return left4me.Errorf(left4me.EINVALID, "unknown overlay kind %q: use %s, %s or %s", o.Kind, left4me.OverlayFiles, left4me.OverlayWorkshop, left4me.OverlayScript)
	}
	name, err := uniqueOverlayName(ctx, tx, o.Name, 0)
	if err != nil {
		return err
	}
	now := formatTime(tx.now)
	res, err := tx.ExecContext(ctx, `INSERT INTO overlays (kind, name, created_at, updated_at) VALUES (?, ?, ?, ?)`, o.Kind, name, now, now)
	if err != nil {
		return fmt.Errorf("insert overlay: %w", err)
	}
	o.ID, _ = res.LastInsertId()
	o.Name, o.CreatedAt, o.UpdatedAt = name, tx.now, tx.now
	return nil
}

func renameOverlay(ctx context.Context, tx *dbTx, id int64, name string) (*left4me.Overlay, error) {
	o, err := findOverlayByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if o.Name, err = uniqueOverlayName(ctx, tx, name, id); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE overlays SET name = ?, updated_at = ? WHERE id = ?`, o.Name, formatTime(tx.now), id); err != nil {
		return nil, fmt.Errorf("update overlay: %w", err)
	}
	o.UpdatedAt = tx.now
	return o, nil
}

// uniqueOverlayName cleans name and refuses it when another overlay (not self) has it.
func uniqueOverlayName(ctx context.Context, tx *dbTx, name string, self int64) (string, error) {
	name, err := cleanLabel("overlay", name)
	if err != nil {
		return "", err
	}
	if taken, err := exists(ctx, tx, `SELECT 1 FROM overlays WHERE name = ? AND id != ?`, name, self); err != nil {
		return "", err
	} else if taken {
		return "", left4me.Errorf(left4me.ECONFLICT, "an overlay named %q already exists", name)
	}
	return name, nil
}

func findOverlayByID(ctx context.Context, tx *dbTx, id int64) (*left4me.Overlay, error) {
	overlays, err := findOverlays(ctx, tx, "id = ?", id)
	if err != nil {
		return nil, err
	} else if len(overlays) == 0 {
		return nil, left4me.Errorf(left4me.ENOTFOUND, "overlay %d not found", id)
	}
	return overlays[0], nil
}

func findOverlays(ctx context.Context, tx *dbTx, where string, args ...any) ([]*left4me.Overlay, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, name, created_at, updated_at FROM overlays WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query overlays: %w", err)
	}
	defer rows.Close()
	var overlays []*left4me.Overlay
	for rows.Next() {
		var o left4me.Overlay
		if err := rows.Scan(&o.ID, &o.Kind, &o.Name, scanTime{&o.CreatedAt}, scanTime{&o.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("scan overlay: %w", err)
		}
		overlays = append(overlays, &o)
	}
	return overlays, rows.Err()
}

// stringColumn returns the first column of every row of query.
func stringColumn(ctx context.Context, tx *dbTx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// quoteList renders names for an error message: "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// plural returns noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
