package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/left4me/left4me/web"
)

// TestLoginTimingUnknownUser: a login for a name that does not exist must
// take as long as one with a wrong password, or response times would tell
// which accounts exist. Samples are interleaved (unknown, known, known,
// unknown, ...) so load from other processes hits both alike; the medians
// must be within 10%.
func TestLoginTimingUnknownUser(t *testing.T) {
	e := newEnv(t, func(c *web.Config) {
		p := web.DefaultPasswordParams // the real cost: this is what an attacker would time
		c.PasswordParams = &p
		c.LoginLimit = 1 << 30 // throttling is tested elsewhere
	})
	e.addUser("alice", "alice-password", false, web.DefaultPasswordParams)
	handler := e.srv.Config.Handler

	login := func(name string) time.Duration {
		form := url.Values{"name": {name}, "password": {"wrong-password"}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		// Each sample starts from a collected heap, so a GC cycle triggered
		// by the previous hash's 19 MiB is not billed to this one.
		runtime.GC()
		start := time.Now()
		handler.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("login %s: status %d", name, rec.Code)
		}
		return d
	}
	login("alice") // warm up
	login("nobody")
	const pairs = 100
	var known, unknown []time.Duration
	for i := range pairs {
		if i%2 == 0 {
			unknown = append(unknown, login("nobody"))
			known = append(known, login("alice"))
		} else {
			known = append(known, login("alice"))
			unknown = append(unknown, login("nobody"))
		}
	}
	mk, mu := median(known), median(unknown)
	diff := float64(mu-mk) / float64(mk)
	t.Logf("median login: known user %v, unknown user %v (%+.1f%%)", mk, mu, diff*100)
	if diff > 0.10 || diff < -0.10 {
		t.Errorf("unknown-user login median %v differs from known-user median %v by %.1f%% (limit 10%%)", mu, mk, diff*100)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
