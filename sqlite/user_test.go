package sqlite_test

import (
	"context"
	"testing"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sqlite"
)

func TestUserService(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := sqlite.NewUserService(db)

	alice := &left4me.User{Name: "alice", Admin: true, PasswordHash: "hash1"}
	if err := s.CreateUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if alice.ID == 0 || !alice.CreatedAt.Equal(db.Now()) {
		t.Fatalf("created user = %+v", alice)
	}

	t.Run("Find", func(t *testing.T) {
		got, err := s.FindUserByName(ctx, "alice")
		if err != nil || got.ID != alice.ID || !got.Admin || got.PasswordHash != "hash1" || !got.CreatedAt.Equal(alice.CreatedAt) {
			t.Fatalf("FindUserByName = %+v, %v", got, err)
		}
		_, err = s.FindUserByID(ctx, 999)
		wantCode(t, err, left4me.ENOTFOUND)
	})
	t.Run("CreateRefuses", func(t *testing.T) {
		for _, tc := range []struct {
			u    left4me.User
			code string
		}{
			{left4me.User{Name: "alice", PasswordHash: "x"}, left4me.ECONFLICT},
			{left4me.User{Name: "", PasswordHash: "x"}, left4me.EINVALID},
			{left4me.User{Name: "bob smith", PasswordHash: "x"}, left4me.EINVALID},
			{left4me.User{Name: "bob"}, left4me.EINVALID},
		} {
			wantCode(t, s.CreateUser(ctx, &tc.u), tc.code)
		}
	})
	t.Run("Update", func(t *testing.T) {
		no, pw := false, "hash2"
		got, err := s.UpdateUser(ctx, alice.ID, left4me.UserUpdate{Admin: &no, PasswordHash: &pw})
		if err != nil || got.Admin || got.PasswordHash != "hash2" {
			t.Fatalf("UpdateUser = %+v, %v", got, err)
		}
		reread, _ := s.FindUserByID(ctx, alice.ID)
		if reread.Admin || reread.PasswordHash != "hash2" {
			t.Fatalf("after update = %+v", reread)
		}
		_, err = s.UpdateUser(ctx, 999, left4me.UserUpdate{Admin: &no})
		wantCode(t, err, left4me.ENOTFOUND)
	})
	t.Run("Tokens", func(t *testing.T) {
		tok := &left4me.Token{UserID: alice.ID, Name: "ci", Hash: "tokenhash"}
		if err := s.CreateToken(ctx, tok); err != nil || tok.ID == 0 {
			t.Fatalf("CreateToken: %v (%+v)", err, tok)
		}
		u, err := s.FindUserByTokenHash(ctx, "tokenhash")
		if err != nil || u.ID != alice.ID {
			t.Fatalf("FindUserByTokenHash = %+v, %v", u, err)
		}
		tokens, err := s.FindTokens(ctx, alice.ID)
		if err != nil || len(tokens) != 1 || tokens[0].LastUsedAt == nil {
			t.Fatalf("FindTokens = %+v, %v; want one token with LastUsedAt", tokens, err)
		}
		_, err = s.FindUserByTokenHash(ctx, "wrong")
		wantCode(t, err, left4me.EUNAUTHORIZED)
		_, err = s.FindUserByTokenHash(ctx, "")
		wantCode(t, err, left4me.EUNAUTHORIZED)
		wantCode(t, s.CreateToken(ctx, &left4me.Token{UserID: 999, Name: "x", Hash: "h"}), left4me.ENOTFOUND)
	})
	t.Run("DeleteCascadesTokens", func(t *testing.T) {
		if err := s.DeleteUser(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindUserByTokenHash(ctx, "tokenhash")
		wantCode(t, err, left4me.EUNAUTHORIZED)
		wantCode(t, s.DeleteUser(ctx, alice.ID), left4me.ENOTFOUND)
	})
}
