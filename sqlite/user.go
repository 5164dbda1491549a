package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/left4me/left4me"
)

var _ left4me.UserService = (*UserService)(nil)

// UserService implements left4me.UserService.
type UserService struct {
	db *DB
}

// NewUserService returns the user and token store of db.
func NewUserService(db *DB) *UserService {
	return &UserService{db: db}
}

// FindUserByID returns ENOTFOUND when there is no such user.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*left4me.User, error) {
	return readTx(ctx, s.db, func(tx *dbTx) (*left4me.User, error) {
		return findUser(ctx, tx, "id = ?", id)
	})
}

// FindUserByName returns ENOTFOUND when there is no such user.
func (s *UserService) FindUserByName(ctx context.Context, name string) (*left4me.User, error) {
	return readTx(ctx, s.db, func(tx *dbTx) (*left4me.User, error) {
		return findUser(ctx, tx, "name = ?", name)
	})
}

// FindUsers returns every user ordered by name.
func (s *UserService) FindUsers(ctx context.Context) ([]*left4me.User, error) {
	return readTx(ctx, s.db, func(tx *dbTx) ([]*left4me.User, error) {
		return findUsers(ctx, tx, "1 = 1 ORDER BY name")
	})
}

// CreateUser validates the name (1-64 characters, no spaces) and sets u.ID and
// u.CreatedAt; ECONFLICT when the name is taken, EINVALID without a password hash.
func (s *UserService) CreateUser(ctx context.Context, u *left4me.User) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return createUser(ctx, tx, u) })
}

// UpdateUser changes the admin flag and, when PasswordHash is set, the
// password; ENOTFOUND when missing.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd left4me.UserUpdate) (*left4me.User, error) {
	var u *left4me.User
	err := writeTx(ctx, s.db, func(tx *dbTx) (err error) {
		u, err = updateUser(ctx, tx, id, upd)
		return err
	})
	return u, err
}

// DeleteUser removes the user and their tokens; ENOTFOUND when missing.
func (s *UserService) DeleteUser(ctx context.Context, id int64) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error {
		return deleteRow(ctx, tx, "users", id, "user")
	})
}

// CreateToken stores t (with t.Hash already computed) and sets t.ID and
// t.CreatedAt; ENOTFOUND when the user does not exist.
func (s *UserService) CreateToken(ctx context.Context, t *left4me.Token) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return createToken(ctx, tx, t) })
}

// FindUserByTokenHash returns the token's user and records its use;
// EUNAUTHORIZED when no token has that hash.
func (s *UserService) FindUserByTokenHash(ctx context.Context, hash string) (*left4me.User, error) {
	var u *left4me.User
	err := writeTx(ctx, s.db, func(tx *dbTx) error {
		var tokenID, userID int64
		err := tx.QueryRowContext(ctx, `SELECT id, user_id FROM tokens WHERE hash = ?`, hash).Scan(&tokenID, &userID)
		if errors.Is(err, sql.ErrNoRows) || hash == "" {
			return left4me.Errorf(left4me.EUNAUTHORIZED, "invalid API token")
		} else if err != nil {
			return fmt.Errorf("find token: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, formatTime(tx.now), tokenID); err != nil {
			return fmt.Errorf("record token use: %w", err)
		}
		u, err = findUser(ctx, tx, "id = ?", userID)
		return err
	})
	return u, err
}

// FindTokens returns the tokens of a user, newest first (for a token list page).
func (s *UserService) FindTokens(ctx context.Context, userID int64) ([]*left4me.Token, error) {
	return readTx(ctx, s.db, func(tx *dbTx) ([]*left4me.Token, error) {
		return findTokens(ctx, tx, userID)
	})
}

// DeleteToken revokes a token of a user; ENOTFOUND when that user has no such token.
func (s *UserService) DeleteToken(ctx context.Context, userID, tokenID int64) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE id = ? AND user_id = ?`, tokenID, userID)
		return checkAffected(res, err, "token", tokenID)
	})
}

func createUser(ctx context.Context, tx *dbTx, u *left4me.User) error {
	if err := validateUserName(u.Name); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return left4me.Errorf(left4me.EINVALID, "user %q needs a password", u.Name)
	}
	if taken, err := exists(ctx, tx, `SELECT 1 FROM users WHERE name = ?`, u.Name); err != nil {
		return err
	} else if taken {
		return left4me.Errorf(left4me.ECONFLICT, "a user named %q already exists", u.Name)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO users (name, admin, password_hash, created_at) VALUES (?, ?, ?, ?)`,
		u.Name, u.Admin, u.PasswordHash, formatTime(tx.now))
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	u.ID, _ = res.LastInsertId()
	u.CreatedAt = tx.now
	return nil
}

func updateUser(ctx context.Context, tx *dbTx, id int64, upd left4me.UserUpdate) (*left4me.User, error) {
	u, err := findUser(ctx, tx, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if upd.Admin != nil {
		u.Admin = *upd.Admin
	}
	if upd.PasswordHash != nil {
		if *upd.PasswordHash == "" {
			return nil, left4me.Errorf(left4me.EINVALID, "the new password must not be empty")
		}
		u.PasswordHash = *upd.PasswordHash
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET admin = ?, password_hash = ? WHERE id = ?`, u.Admin, u.PasswordHash, id); err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	return u, nil
}

const userColumns = `id, name, admin, password_hash, created_at`

func findUser(ctx context.Context, tx *dbTx, where string, args ...any) (*left4me.User, error) {
	users, err := findUsers(ctx, tx, where, args...)
	if err != nil {
		return nil, err
	} else if len(users) == 0 {
		return nil, left4me.Errorf(left4me.ENOTFOUND, "user not found")
	}
	return users[0], nil
}

func findUsers(ctx context.Context, tx *dbTx, where string, args ...any) ([]*left4me.User, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query users: %w", err)
	}
	defer rows.Close()
	var users []*left4me.User
	for rows.Next() {
		var u left4me.User
		if err := rows.Scan(&u.ID, &u.Name, &u.Admin, &u.PasswordHash, scanTime{&u.CreatedAt}); err != nil {
			return nil, fmt.Errorf("scan user: %w", err)
		}
		users = append(users, &u)
	}
	return users, rows.Err()
}

func createToken(ctx context.Context, tx *dbTx, t *left4me.Token) error {
	if _, err := cleanLabel("token", t.Name); err != nil {
		return err
	}
	if t.Hash == "" {
		return left4me.Errorf(left4me.EINVALID, "token %q has no hash", t.Name)
	}
	if _, err := findUser(ctx, tx, "id = ?", t.UserID); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO tokens (user_id, name, hash, created_at) VALUES (?, ?, ?, ?)`,
		t.UserID, t.Name, t.Hash, formatTime(tx.now))
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	t.ID, _ = res.LastInsertId()
	t.CreatedAt = tx.now
	return nil
}

func findTokens(ctx context.Context, tx *dbTx, userID int64) ([]*left4me.Token, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, user_id, name, hash, created_at, last_used_at FROM tokens WHERE user_id = ? ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("query tokens: %w", err)
	}
	defer rows.Close()
	var tokens []*left4me.Token
	for rows.Next() {
		var t left4me.Token
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, scanTime{&t.CreatedAt}, scanNullTime{&t.LastUsedAt}); err != nil {
			return nil, fmt.Errorf("scan token: %w", err)
		}
		tokens = append(tokens, &t)
	}
	return tokens, rows.Err()
}
