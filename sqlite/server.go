package sqlite

import (
	"context"
	"fmt"

	"github.com/left4me/left4me"
)

var _ left4me.ServerService = (*ServerService)(nil)

// ServerService implements left4me.ServerService.
type ServerService struct {
	db *DB
}

// NewServerService returns the server store of db.
func NewServerService(db *DB) *ServerService {
	return &ServerService{db: db}
}

// FindServerByName returns ENOTFOUND when missing.
func (s *ServerService) FindServerByName(ctx context.Context, name string) (*left4me.Server, error) {
	return readTx(ctx, s.db, func(tx *dbTx) (*left4me.Server, error) {
		s, err := findServer(ctx, tx, "name = ?", name)
		if left4me.ErrorCode(err) == left4me.ENOTFOUND {
			return nil, left4me.Errorf(left4me.ENOTFOUND, "server %q not found", name)
		}
		return s, err
	})
}

// FindServerByID returns ENOTFOUND when missing.
func (s *ServerService) FindServerByID(ctx context.Context, id int64) (*left4me.Server, error) {
	return readTx(ctx, s.db, func(tx *dbTx) (*left4me.Server, error) {
		s, err := findServer(ctx, tx, "id = ?", id)
		if left4me.ErrorCode(err) == left4me.ENOTFOUND {
			return nil, left4me.Errorf(left4me.ENOTFOUND, "server %d not found", id)
		}
		return s, err
	})
}

// FindServers returns every server ordered by name.
func (s *ServerService) FindServers(ctx context.Context) ([]*left4me.Server, error) {
	return readTx(ctx, s.db, func(tx *dbTx) ([]*left4me.Server, error) {
		return findServers(ctx, tx, "1 = 1 ORDER BY name")
	})
}

// CreateServer validates the name (left4me.ValidateName; taken: ECONFLICT),
// the blueprint (must exist: EINVALID) and the desired state ("" means
// stopped); allocates the lowest free port of the range when s.Port is 0
// (ECONFLICT when none is free) and otherwise refuses a taken (ECONFLICT) or
// out-of-range (EINVALID) port. It sets s.ID, s.Port and timestamps.
func (s *ServerService) CreateServer(ctx context.Context, srv *left4me.Server) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return createServer(ctx, tx, srv) })
}

// UpdateServer changes the blueprint, port (0 keeps the current one) and
// desired state ("" keeps it) of the server with srv.ID, with the checks of
// CreateServer; the name cannot change. It fills srv with the saved row;
// ENOTFOUND when missing.
func (s *ServerService) UpdateServer(ctx context.Context, srv *left4me.Server) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return updateServer(ctx, tx, srv) })
}

// DeleteServer removes the row; ENOTFOUND when missing. The instance on the
// host is the server.delete job's to purge first.
func (s *ServerService) DeleteServer(ctx context.Context, id int64) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return deleteRow(ctx, tx, "servers", id, "server") })
}

func createServer(ctx context.Context, tx *dbTx, s *left4me.Server) error {
	if err := left4me.ValidateName(s.Name); err != nil {
		return err
	}
	if taken, err := exists(ctx, tx, `SELECT 1 FROM servers WHERE name = ?`, s.Name); err != nil {
		return err
	} else if taken {
		return left4me.Errorf(left4me.ECONFLICT, "a server named %q already exists", s.Name)
	}
	if s.DesiredState == "" {
		s.DesiredState = left4me.DesiredStopped
	}
	s.ID = 0
	if err := checkServerFields(ctx, tx, s); err != nil {
		return err
	}
	now := formatTime(tx.now)
	res, err := tx.ExecContext(ctx, `INSERT INTO servers (name, port, blueprint_id, desired_state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		s.Name, s.Port, s.BlueprintID, s.DesiredState, now, now)
	if err != nil {
		return fmt.Errorf("insert server: %w", err)
	}
	s.ID, _ = res.LastInsertId()
	s.CreatedAt, s.UpdatedAt = tx.now, tx.now
	return nil
}

func updateServer(ctx context.Context, tx *dbTx, s *left4me.Server) error {
	old, err := findServer(ctx, tx, "id = ?", s.ID)
	if err != nil {
		return err
	}
	if s.Port == 0 {
		s.Port = old.Port
	}
	if s.DesiredState == "" {
		s.DesiredState = old.DesiredState
	}
	if s.BlueprintID == 0 {
		s.BlueprintID = old.BlueprintID
	}
	if err := checkServerFields(ctx, tx, s); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE servers SET port = ?, blueprint_id = ?, desired_state = ?, updated_at = ? WHERE id = ?`,
		s.Port, s.BlueprintID, s.DesiredState, formatTime(tx.now), s.ID); err != nil {
		return fmt.Errorf("update server: %w", err)
	}
	s.Name, s.CreatedAt, s.UpdatedAt = old.Name, old.CreatedAt, tx.now
	return nil
}

// checkServerFields validates desired state, blueprint and port of s (whose
// ID is 0 when new), allocating a port when s.Port is 0.
func checkServerFields(ctx context.Context, tx *dbTx, s *left4me.Server) error {
	if s.DesiredState != left4me.DesiredRunning && s.DesiredState != left4me.DesiredStopped {
		return left4me.Errorf(left4me.EINVALID, "desired state %q must be %q or %q", s.DesiredState, left4me.DesiredRunning, left4me.DesiredStopped)
	}
	if ok, err := exists(ctx, tx, `SELECT 1 FROM blueprints WHERE id = ?`, s.BlueprintID); err != nil {
		return err
	} else if !ok {
		return left4me.Errorf(left4me.EINVALID, "blueprint %d does not exist", s.BlueprintID)
	}
	if s.Port == 0 {
		port, err := freePort(ctx, tx)
		s.Port = port
		return err
	}
	start, end := tx.db.portRange()
	if s.Port < start || s.Port > end {
		return left4me.Errorf(left4me.EINVALID, "port %d is outside the range %d-%d", s.Port, start, end)
	}
	var owner string
	err := tx.QueryRowContext(ctx, `SELECT name FROM servers WHERE port = ? AND id != ?`, s.Port, s.ID).Scan(&owner)
	if err == nil {
		return left4me.Errorf(left4me.ECONFLICT, "port %d is already used by server %q", s.Port, owner)
	} else if !isNoRows(err) {
		return fmt.Errorf("check port: %w", err)
	}
	return nil
}

// freePort returns the lowest port of the range no server uses.
func freePort(ctx context.Context, tx *dbTx) (int, error) {
	start, end := tx.db.portRange()
	rows, err := tx.QueryContext(ctx, `SELECT port FROM servers WHERE port BETWEEN ? AND ? ORDER BY port`, start, end)
	if err != nil {
		return 0, fmt.Errorf("query ports: %w", err)
	}
	defer rows.Close()
	next := start
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			return 0, err
		}
		if p > next {
			break
		}
		next = p + 1
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if next > end {
		return 0, left4me.Errorf(left4me.ECONFLICT, "no free port: all of %d-%d are in use", start, end)
	}
	return next, nil
}

const serverColumns = `id, name, port, blueprint_id, desired_state, created_at, updated_at`

func findServer(ctx context.Context, tx *dbTx, where string, args ...any) (*left4me.Server, error) {
	servers, err := findServers(ctx, tx, where, args...)
	if err != nil {
		return nil, err
	} else if len(servers) == 0 {
		return nil, left4me.Errorf(left4me.ENOTFOUND, "server not found")
	}
	return servers[0], nil
}

func findServers(ctx context.Context, tx *dbTx, where string, args ...any) ([]*left4me.Server, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+serverColumns+` FROM servers WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query servers: %w", err)
	}
	defer rows.Close()
	var servers []*left4me.Server
	for rows.Next() {
		var s left4me.Server
		if err := rows.Scan(&s.ID, &s.Name, &s.Port, &s.BlueprintID, &s.DesiredState, scanTime{&s.CreatedAt}, scanTime{&s.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("scan server: %w", err)
		}
		servers = append(servers, &s)
	}
	return servers, rows.Err()
}
