package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/left4me/left4me"
)

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	users, err := s.cfg.Users.FindUsers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "users.html", "Users", map[string]any{"Users": users})
}

// ValidateUserName checks an account name: short, printable, no spaces.
func ValidateUserName(name string) error {
	if name == "" || len(name) > 64 || strings.ContainsFunc(name, func(c rune) bool {
		return c <= ' ' || c == 0x7f || c == '/' || c == ':'
	}) {
		return left4me.Errorf(left4me.EINVALID, "invalid user name %q: 1 to 64 characters without spaces, '/' or ':'", name)
	}
	return nil
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	name, password := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	if err := ValidateUserName(name); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := ValidatePassword(password); err != nil {
		s.writeError(w, r, err)
		return
	}
	hash, err := HashPassword(password, *s.cfg.PasswordParams)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u := &left4me.User{Name: name, Admin: r.PostFormValue("admin") != "", PasswordHash: hash}
	if err := s.cfg.Users.CreateUser(r.Context(), u); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("user created", "user", u.Name, "admin", u.Admin, "by", userFrom(r.Context()).Name)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) userID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, left4me.Errorf(left4me.ENOTFOUND, "no such user")
	}
	if id == userFrom(r.Context()).ID {
		// An admin cannot lock themselves out by accident.
		return 0, left4me.Errorf(left4me.EINVALID, "you cannot change or delete your own account here")
	}
	return id, nil
}

func (s *Server) handleUserSetAdmin(w http.ResponseWriter, r *http.Request) {
	id, err := s.userID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	admin := r.PostFormValue("admin") == "true"
	if _, err := s.cfg.Users.UpdateUser(r.Context(), id, left4me.UserUpdate{Admin: &admin}); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request) {
	id, err := s.userID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.cfg.Users.DeleteUser(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account.html", "Account", map[string]any{})
}

// handleTokenCreate shows the new token once; only its hash is stored.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 64 {
		s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "a token needs a name of at most 64 characters"))
		return
	}
	secret, hash, err := NewToken()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t := &left4me.Token{UserID: userFrom(r.Context()).ID, Name: name, Hash: hash}
	if err := s.cfg.Users.CreateToken(r.Context(), t); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account.html", "Account", map[string]any{"NewToken": secret, "TokenName": name})
}

func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	if !CheckPassword(r.PostFormValue("current"), u.PasswordHash) {
		s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "the current password is wrong"))
		return
	}
	password := r.PostFormValue("password")
	if err := ValidatePassword(password); err != nil {
		s.writeError(w, r, err)
		return
	}
	hash, err := HashPassword(password, *s.cfg.PasswordParams)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.cfg.Users.UpdateUser(r.Context(), u.ID, left4me.UserUpdate{PasswordHash: &hash}); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The session MAC covers the old hash: log in again with the new one.
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
