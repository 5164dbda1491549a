package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me/web"
)

func TestPasswordHash(t *testing.T) {
	h, err := web.HashPassword("correct horse", cheapParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not PHC argon2id", h)
	}
	if !web.CheckPassword("correct horse", h) || web.CheckPassword("correct horsf", h) {
		t.Error("CheckPassword accepted the wrong or refused the right password")
	}
	h2, _ := web.HashPassword("correct horse", cheapParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if web.CheckPassword("x", bad) {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestLoginSession(t *testing.T) {
	e := newEnv(t, func(c *web.Config) { c.CookieSecure = true })
	e.addUser("alice", "alice-password", false, cheapParams)
	b := e.browser()

	t.Run("wrong password", func(t *testing.T) {
		r := b.login("alice", "nope-nope")
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "invalid name or password") {
			t.Fatalf("status %d, body %q", r.StatusCode, r.body)
		}
		if len(r.Cookies()) != 0 {
			t.Error("a failed login set a cookie")
		}
	})
	t.Run("right password", func(t *testing.T) {
		r := b.login("alice", "alice-password")
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", r.StatusCode)
		}
		c := r.Cookies()[0]
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Expires.IsZero() {
			t.Errorf("cookie flags: %+v", c)
		}
		// The test server is plain http, so the jar would drop a Secure
		// cookie: hand it over explicitly.
		u, _ := url.Parse(e.srv.URL)
		c.Secure = false
		b.c.Jar.SetCookies(u, []*http.Cookie{c})
		if r := b.get("/servers"); r.StatusCode != http.StatusOK {
			t.Fatalf("dashboard after login: %d", r.StatusCode)
		}
	})
	t.Run("tampered cookie", func(t *testing.T) {
		u, _ := url.Parse(e.srv.URL)
		c := b.c.Jar.Cookies(u)[0]
		forged := *c
		forged.Value = strings.Replace(c.Value, c.Value[:2], "MT", 1) // payload "1|..." of another shape
		jar := e.browser()
		jar.c.Jar.SetCookies(u, []*http.Cookie{&forged})
		if r := jar.get("/servers"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("forged cookie: status %d", r.StatusCode)
		}
	})
	t.Run("expired", func(t *testing.T) {
		e.clock.Add(8 * 24 * time.Hour)
		if r := b.get("/servers"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("expired session: status %d", r.StatusCode)
		}
	})
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("alice", "alice-password", true, cheapParams)
	b := e.browser()
	b.login("alice", "alice-password")
	token := b.csrf()
	form := url.Values{"name": {"ovl"}}

	if r := b.post("/overlays", form); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "CSRF") {
		t.Fatalf("POST without token: status %d", r.StatusCode)
	}
	form.Set("csrf_token", "AAAA"+token[4:])
	if r := b.post("/overlays", form); r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with a wrong token: status %d", r.StatusCode)
	}
	// A token from another session is useless here.
	other := e.browser()
	other.login("alice", "alice-password")
	form.Set("csrf_token", other.csrf())
	if r := b.post("/overlays", form); r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with another session's token: status %d", r.StatusCode)
	}
	// Cross-origin browser requests are refused even with a valid token.
	form.Set("csrf_token", token)
	req, _ := http.NewRequest("POST", e.srv.URL+"/overlays", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := b.do(req); r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: status %d", r.StatusCode)
	}
	var list struct{ Overlays []any }
	e.api(e.token(e.mustUser("alice")), "GET", "/api/v1/overlays", nil, &list)
	if len(list.Overlays) != 0 {
		t.Fatalf("refused POSTs created %d overlays", len(list.Overlays))
	}
	if r := b.post("/overlays", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with the token: status %d: %s", r.StatusCode, r.body)
	}
}

func TestAdminOnly(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("root", "root-password", true, cheapParams)
	e.addUser("bob", "bob-password", false, cheapParams)
	b := e.browser()
	b.login("bob", "bob-password")
	token := b.csrf()
	if r := b.get("/admin/users"); r.StatusCode != http.StatusForbidden {
		t.Errorf("non-admin GET /admin/users: %d", r.StatusCode)
	}
	r := b.post("/admin/users", url.Values{"csrf_token": {token}, "name": {"mallory"}, "password": {"mallory-pw"}, "admin": {"1"}})
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "only admins") {
		t.Errorf("non-admin create user: %d %q", r.StatusCode, r.body)
	}
	root := e.mustUser("root")
	r = b.post("/admin/users/"+itoa(root.ID)+"/delete", url.Values{"csrf_token": {token}})
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("non-admin delete user: %d", r.StatusCode)
	}
	users, _ := e.users.FindUsers(t.Context())
	if len(users) != 2 {
		t.Fatalf("users after refused actions: %d, want 2", len(users))
	}

	a := e.browser()
	a.login("root", "root-password")
	r = a.post("/admin/users", url.Values{"csrf_token": {a.csrf()}, "name": {"carol"}, "password": {"carol-pw-1"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin create user: %d %s", r.StatusCode, r.body)
	}
	if c := e.browser(); c.login("carol", "carol-pw-1").StatusCode != http.StatusSeeOther {
		t.Error("the new user cannot log in")
	}
}

func TestLoginThrottle(t *testing.T) {
	e := newEnv(t, func(c *web.Config) { c.LoginLimit = 3; c.LoginWindow = time.Minute })
	e.addUser("alice", "alice-password", false, cheapParams)
	e.addUser("bob", "bob-password", false, cheapParams)
	b := e.browser()
	for range 3 {
		if r := b.login("alice", "wrong-password"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed login: %d", r.StatusCode)
		}
	}
	if r := b.login("alice", "alice-password"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("login past the account limit: %d", r.StatusCode)
	}
	// The address is throttled too: another account from it is refused.
	if r := b.login("bob", "bob-password"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("other account from the same address: %d", r.StatusCode)
	}
	e.clock.Add(time.Minute)
	if r := b.login("alice", "alice-password"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login after the window: %d", r.StatusCode)
	}
}

func TestBearerAuth(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("alice", "alice-password", false, cheapParams)
	for _, tok := range []string{"", "l4m_bogus"} {
		var er apiErr
		if st := e.api(tok, "GET", "/api/v1/servers", nil, &er); st != http.StatusUnauthorized || er.Error.Code != "unauthorized" {
			t.Errorf("token %q: status %d, %+v", tok, st, er)
		}
	}
	if st := e.api(e.token(u), "GET", "/api/v1/servers", nil, nil); st != http.StatusOK {
		t.Errorf("valid token: %d", st)
	}
	// A session cookie does not open the API.
	b := e.browser()
	b.login("alice", "alice-password")
	if r := b.get("/api/v1/servers"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("cookie on the API: %d", r.StatusCode)
	}
}

func TestLoginThrottleBehindProxy(t *testing.T) {
	e := newEnv(t, func(c *web.Config) { c.LoginLimit = 2; c.LoginWindow = time.Minute; c.TrustForwardedFor = true })
	e.addUser("alice", "alice-password", false, cheapParams)
	e.addUser("bob", "bob-password", false, cheapParams)
	login := func(name, password, client string) int {
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"name": {name}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113.9, "+client)
		return e.browser().do(req).StatusCode
	}
	login("alice", "wrong-password", "198.51.100.1")
	login("nobody", "wrong-password", "198.51.100.1")
	if st := login("bob", "bob-password", "198.51.100.1"); st != http.StatusTooManyRequests {
		t.Errorf("third login from a throttled client: %d", st)
	}
	// Everyone arrives from the proxy's address; another client is not
	// locked out by the first one's failures.
	if st := login("bob", "bob-password", "198.51.100.2"); st != http.StatusSeeOther {
		t.Errorf("login from another client behind the proxy: %d", st)
	}
}
