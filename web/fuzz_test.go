package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzSessionCookie: no cookie value a client can make up opens a session;
// only the one the server signed does.
func FuzzSessionCookie(f *testing.F) {
	e := newEnv(f, nil)
	e.addUser("alice", "alice-password", true, cheapParams)
	b := e.browser()
	b.login("alice", "alice-password")
	u, _ := url.Parse(e.srv.URL)
	valid := b.c.Jar.Cookies(u)[0].Value
	f.Add(valid[:len(valid)-1])
	f.Add("MXwxOTk5OTk5OTk5fGFh.AAAA")
	f.Add("")
	f.Add(".")
	handler := e.srv.Config.Handler
	f.Fuzz(func(t *testing.T, value string) {
		if value == valid {
			return
		}
		req := httptest.NewRequest("GET", "/servers", nil)
		req.Header.Set("Cookie", "left4me_session="+value)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("cookie %q: status %d, want a redirect to the login", value, rec.Code)
		}
	})
}
