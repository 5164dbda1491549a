package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/left4me/left4me"
)

const (
	sessionCookie = "left4me_session"
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
)

type ctxKey int

const (
	userKey ctxKey = iota
	csrfKey
)

// userFrom returns the authenticated user of a request that passed
// requireSession or requireToken.
func userFrom(ctx context.Context) *left4me.User {
	u, _ := ctx.Value(userKey).(*left4me.User)
	return u
}

func csrfFrom(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey).(string)
	return t
}

// newSessionValue signs "userID|expiry|nonce". The password hash is part of
// the MAC so changing a password ends every other session of that user.
func (s *Server) newSessionValue(u *left4me.User) (string, time.Time, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", time.Time{}, fmt.Errorf("read session nonce: %w", err)
	}
	exp := s.now().Add(s.cfg.SessionTTL)
	payload := fmt.Sprintf("%d|%d|%s", u.ID, exp.Unix(), hex.EncodeToString(nonce))
	b64 := base64.RawURLEncoding
	return b64.EncodeToString([]byte(payload)) + "." + b64.EncodeToString(s.sessionMAC(payload, u)), exp, nil
}

func (s *Server) sessionMAC(payload string, u *left4me.User) []byte {
	m := hmac.New(sha256.New, s.cfg.SecretKey)
	fmt.Fprintf(m, "session\x00%s\x00%s", payload, u.PasswordHash)
	return m.Sum(nil)
}

// sessionUser verifies the session cookie and loads its user.
func (s *Server) sessionUser(r *http.Request) (*left4me.User, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	enc, sig, ok := strings.Cut(c.Value, ".")
	b64 := base64.RawURLEncoding
	payload, err1 := b64.DecodeString(enc)
	mac, err2 := b64.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		return nil, false
	}
	fields := strings.Split(string(payload), "|")
	if len(fields) != 3 {
		return nil, false
	}
	id, err1 := strconv.ParseInt(fields[0], 10, 64)
	exp, err2 := strconv.ParseInt(fields[1], 10, 64)
	if err1 != nil || err2 != nil || s.now().Unix() >= exp {
		return nil, false
	}
	u, err := s.cfg.Users.FindUserByID(r.Context(), id)
	if err != nil || !hmac.Equal(mac, s.sessionMAC(string(payload), u)) {
		return nil, false
	}
	return u, true
}

// csrfToken is bound to the session cookie: a token is useless with any
// other session, and it needs no server-side storage.
func (s *Server) csrfToken(cookieValue string) string {
	m := hmac.New(sha256.New, s.cfg.SecretKey)
	fmt.Fprintf(m, "csrf\x00%s", cookieValue)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// requireSession authenticates by cookie, checks the CSRF token of every
// state-changing request and, for admin routes, the admin flag.
func (s *Server) requireSession(h http.HandlerFunc, admin bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.sessionUser(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.writeError(w, r, left4me.Errorf(left4me.EUNAUTHORIZED, "please log in"))
			return
		}
		c, _ := r.Cookie(sessionCookie)
		token := s.csrfToken(c.Value)
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.csrfValid(w, r, token) {
			s.writeError(w, r, left4me.Errorf(left4me.EFORBIDDEN, "missing or invalid CSRF token: reload the page and try again"))
			return
		}
		if admin && !u.Admin {
			s.writeError(w, r, left4me.Errorf(left4me.EFORBIDDEN, "only admins may do this"))
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), userKey, u), csrfKey, token)
		h(w, r.WithContext(ctx))
	})
}

func (s *Server) csrfValid(w http.ResponseWriter, r *http.Request, want string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
			// Large parts spool to temporary files, not memory.
			if err := r.ParseMultipartForm(8 << 20); err != nil {
				return false
			}
		}
		got = r.PostFormValue(csrfField)
	}
	return hmac.Equal([]byte(got), []byte(want))
}

// requireToken authenticates API requests by bearer token. They carry no
// cookies, so they need no CSRF token.
func (s *Server) requireToken(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="left4me"`)
			s.writeError(w, r, left4me.Errorf(left4me.EUNAUTHORIZED, "missing bearer token: send Authorization: Bearer <token>"))
			return
		}
		u, err := s.cfg.Users.FindUserByTokenHash(r.Context(), HashToken(strings.TrimSpace(secret)))
		if err != nil {
			if left4me.ErrorCode(err) != left4me.EINTERNAL {
				err = left4me.Errorf(left4me.EUNAUTHORIZED, "invalid API token")
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="left4me", error="invalid_token"`)
			s.writeError(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

// authenticate checks a name and password, throttled per account and per
// address. Unknown names are checked against a dummy hash so that both
// failures cost the same time.
func (s *Server) authenticate(ctx context.Context, name, password, addr string) (*left4me.User, error) {
	keys := []string{"user:" + strings.ToLower(name), "addr:" + addr}
	if !s.throttle.allow(keys...) {
		return nil, left4me.Errorf(left4me.ETOOMANY, "too many failed logins: wait a few minutes and try again")
	}
	u, err := s.cfg.Users.FindUserByName(ctx, name)
	switch {
	case err == nil:
		if CheckPassword(password, u.PasswordHash) {
			s.throttle.reset(keys[0])
			return u, nil
		}
	case left4me.ErrorCode(err) == left4me.ENOTFOUND:
		CheckPassword(password, s.dummyHash)
	default:
		return nil, err
	}
	s.throttle.fail(keys...)
	return nil, left4me.Errorf(left4me.EUNAUTHORIZED, "invalid name or password")
}

// clientAddr is the address login throttling counts against.
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if last := strings.TrimSpace(hops[len(hops)-1]); last != "" {
				return last
			}
		}
	}
	return remoteAddr(r)
}

func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login.html", "Log in", map[string]any{"Next": safeNext(r.FormValue("next"))})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	u, err := s.authenticate(r.Context(), name, password, s.clientAddr(r))
	if err != nil {
		code := left4me.ErrorCode(err)
		if code == left4me.EINTERNAL {
			s.writeError(w, r, err)
			return
		}
		s.render(w, r, errorStatus(code), "login.html", "Log in", map[string]any{
			"Next": next, "Name": name, "Error": left4me.ErrorMessage(err),
		})
		return
	}
	value, exp, err := s.newSessionValue(u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", Expires: exp,
		HttpOnly: true, Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
	s.log.Info("login", "user", u.Name, "addr", s.clientAddr(r))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/servers"
	}
	return next
}
