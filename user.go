package left4me

import (
	"context"
	"time"
)

// User is a panel account. Admins manage users and the game installation.
type User struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Admin        bool      `json:"admin"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Token is an API token; only its hash is stored, the secret is shown once.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Hash       string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// UserService stores users and their API tokens.
type UserService interface {
	// FindUserByID and FindUserByName return ENOTFOUND when there is no such user.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByName(ctx context.Context, name string) (*User, error)
	FindUsers(ctx context.Context) ([]*User, error)
	// CreateUser sets u.ID and u.CreatedAt; ECONFLICT when the name is taken.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser changes the admin flag and, when PasswordHash is set, the password.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// DeleteUser removes the user and their tokens; ENOTFOUND when missing.
	DeleteUser(ctx context.Context, id int64) error

	// CreateToken stores t (with t.Hash already computed) and sets its ID.
	CreateToken(ctx context.Context, t *Token) error
	// FindUserByTokenHash returns the token's user and records its use;
	// EUNAUTHORIZED when no token has that hash.
	FindUserByTokenHash(ctx context.Context, hash string) (*User, error)
}

// UserUpdate holds the fields of a user that may change; nil means unchanged.
type UserUpdate struct {
	Admin        *bool
	PasswordHash *string
}
