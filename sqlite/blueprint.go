package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/left4me/left4me"
)

var _ left4me.BlueprintService = (*BlueprintService)(nil)

// MaxConfigLength bounds a blueprint's server.cfg text (bytes).
const MaxConfigLength = 256 << 10

// BlueprintService implements left4me.BlueprintService.
type BlueprintService struct {
	db *DB
}

// NewBlueprintService returns the blueprint store of db.
func NewBlueprintService(db *DB) *BlueprintService {
	return &BlueprintService{db: db}
}

// FindBlueprintByID returns the blueprint with its overlays, uppermost first;
// ENOTFOUND when missing.
func (s *BlueprintService) FindBlueprintByID(ctx context.Context, id int64) (*left4me.Blueprint, error) {
	return readTx(ctx, s.db, func(tx *dbTx) (*left4me.Blueprint, error) {
		return findBlueprintByID(ctx, tx, id)
	})
}

// FindBlueprints returns every blueprint with its overlays, ordered by name.
func (s *BlueprintService) FindBlueprints(ctx context.Context) ([]*left4me.Blueprint, error) {
	return readTx(ctx, s.db, func(tx *dbTx) ([]*left4me.Blueprint, error) {
		return findBlueprints(ctx, tx, "1 = 1 ORDER BY name, id")
	})
}

// CreateBlueprint validates (name trimmed, 1-64 characters and unique; args
// plain words; overlay ids exist, each at most once) and sets b.ID and
// timestamps. EINVALID or ECONFLICT name the bad field.
func (s *BlueprintService) CreateBlueprint(ctx context.Context, b *left4me.Blueprint) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return saveBlueprint(ctx, tx, b, true) })
}

// UpdateBlueprint replaces name, config, args and the overlay list of b.ID
// with the same checks as CreateBlueprint, and sets b.UpdatedAt and
// b.CreatedAt; ENOTFOUND when missing.
func (s *BlueprintService) UpdateBlueprint(ctx context.Context, b *left4me.Blueprint) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return saveBlueprint(ctx, tx, b, false) })
}

// DeleteBlueprint refuses with ECONFLICT while a server uses it; ENOTFOUND when missing.
func (s *BlueprintService) DeleteBlueprint(ctx context.Context, id int64) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error {
		if _, err := findBlueprintByID(ctx, tx, id); err != nil {
			return err
		}
		users, err := stringColumn(ctx, tx, `SELECT name FROM servers WHERE blueprint_id = ? ORDER BY name`, id)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return left4me.Errorf(left4me.ECONFLICT, "blueprint %d is used by %s %s; delete them or give them another blueprint first", id, plural(len(users), "server"), quoteList(users))
		}
		return deleteRow(ctx, tx, "blueprints", id, "blueprint")
	})
}

// saveBlueprint inserts (create) or replaces b after validating it.
func saveBlueprint(ctx context.Context, tx *dbTx, b *left4me.Blueprint, create bool) error {
	var old *left4me.Blueprint
	if create {
		b.ID = 0
	} else if o, err := findBlueprintByID(ctx, tx, b.ID); err != nil {
		return err
	} else {
		old = o
	}
	if err := validateBlueprint(ctx, tx, b); err != nil {
		return err
	}
	args, err := json.Marshal(nonNil(b.Args))
	if err != nil {
		return err
	}
	now := formatTime(tx.now)
	if create {
		res, err := tx.ExecContext(ctx, `INSERT INTO blueprints (name, config, args, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			b.Name, b.Config, string(args), now, now)
		if err != nil {
			return fmt.Errorf("insert blueprint: %w", err)
		}
		b.ID, _ = res.LastInsertId()
		b.CreatedAt = tx.now
	} else {
		if _, err := tx.ExecContext(ctx, `UPDATE blueprints SET name = ?, config = ?, args = ?, updated_at = ? WHERE id = ?`,
			b.Name, b.Config, string(args), now, b.ID); err != nil {
			return fmt.Errorf("update blueprint: %w", err)
		}
		b.CreatedAt = old.CreatedAt
	}
	b.UpdatedAt = tx.now
	return replaceBlueprintOverlays(ctx, tx, b)
}

func validateBlueprint(ctx context.Context, tx *dbTx, b *left4me.Blueprint) error {
	name, err := cleanLabel("blueprint", b.Name)
	if err != nil {
		return err
	}
	b.Name = name
	if taken, err := exists(ctx, tx, `SELECT 1 FROM blueprints WHERE name = ? AND id != ?`, name, b.ID); err != nil {
		return err
	} else if taken {
		return left4me.Errorf(left4me.ECONFLICT, "a blueprint named %q already exists", name)
	}
	if len(b.Config) > MaxConfigLength {
		return left4me.Errorf(left4me.EINVALID, "blueprint config is %d bytes, at most %d are allowed", len(b.Config), MaxConfigLength)
	}
	if err := left4me.ValidateArgs(b.Args); err != nil {
		return err
	}
	if len(b.Overlays) > left4me.MaxOverlays-1 {
		return left4me.Errorf(left4me.EINVALID, "blueprint has %d overlays, at most %d fit above the installation", len(b.Overlays), left4me.MaxOverlays-1)
	}
	seen := map[int64]bool{}
	for _, o := range b.Overlays {
		if seen[o.OverlayID] {
			return left4me.Errorf(left4me.EINVALID, "overlay %d is listed twice in the blueprint", o.OverlayID)
		}
		seen[o.OverlayID] = true
		if ok, err := exists(ctx, tx, `SELECT 1 FROM overlays WHERE id = ?`, o.OverlayID); err != nil {
			return err
		} else if !ok {
			return left4me.Errorf(left4me.EINVALID, "overlay %d does not exist", o.OverlayID)
		}
	}
	return nil
}

func replaceBlueprintOverlays(ctx context.Context, tx *dbTx, b *left4me.Blueprint) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM blueprint_overlays WHERE blueprint_id = ?`, b.ID); err != nil {
		return fmt.Errorf("clear blueprint overlays: %w", err)
	}
	for i, o := range b.Overlays {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blueprint_overlays (blueprint_id, overlay_id, position, expose_server_cfg) VALUES (?, ?, ?, ?)`,
			b.ID, o.OverlayID, i, o.ExposeServerCfg); err != nil {
			return fmt.Errorf("insert blueprint overlay %d: %w", o.OverlayID, err)
		}
	}
	return nil
}

func findBlueprintByID(ctx context.Context, tx *dbTx, id int64) (*left4me.Blueprint, error) {
	bs, err := findBlueprints(ctx, tx, "id = ?", id)
	if err != nil {
		return nil, err
	} else if len(bs) == 0 {
		return nil, left4me.Errorf(left4me.ENOTFOUND, "blueprint %d not found", id)
	}
	return bs[0], nil
}

func findBlueprints(ctx context.Context, tx *dbTx, where string, args ...any) ([]*left4me.Blueprint, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, config, args, created_at, updated_at FROM blueprints WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query blueprints: %w", err)
	}
	defer rows.Close()
	var bs []*left4me.Blueprint
	byID := map[int64]*left4me.Blueprint{}
	for rows.Next() {
		var b left4me.Blueprint
		var argsJSON string
		if err := rows.Scan(&b.ID, &b.Name, &b.Config, &argsJSON, scanTime{&b.CreatedAt}, scanTime{&b.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("scan blueprint: %w", err)
		}
		if err := json.Unmarshal([]byte(argsJSON), &b.Args); err != nil {
			return nil, fmt.Errorf("blueprint %d args: %w", b.ID, err)
		}
		b.Overlays = []left4me.BlueprintOverlay{}
		bs = append(bs, &b)
		byID[b.ID] = &b
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return bs, attachOverlays(ctx, tx, byID)
}

// attachOverlays loads the overlay lists of the given blueprints in one query.
func attachOverlays(ctx context.Context, tx *dbTx, byID map[int64]*left4me.Blueprint) error {
	if len(byID) == 0 {
		return nil
	}
	query, args := `SELECT blueprint_id, overlay_id, expose_server_cfg FROM blueprint_overlays ORDER BY blueprint_id, position`, []any{}
	if len(byID) == 1 {
		for id := range byID {
			query, args = `SELECT blueprint_id, overlay_id, expose_server_cfg FROM blueprint_overlays WHERE blueprint_id = ? ORDER BY position`, []any{id}
		}
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("query blueprint overlays: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var bid int64
		var o left4me.BlueprintOverlay
		if err := rows.Scan(&bid, &o.OverlayID, &o.ExposeServerCfg); err != nil {
			return fmt.Errorf("scan blueprint overlay: %w", err)
		}
		if b := byID[bid]; b != nil {
			b.Overlays = append(b.Overlays, o)
		}
	}
	return rows.Err()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
