package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/left4me/left4me"
)

// BenchmarkDashboardHandler renders the dashboard with 100 servers
// in-process (no network), to profile the handler itself.
func BenchmarkDashboardHandler(b *testing.B) {
	e := newEnv(b, nil)
	e.db.PortRangeEnd = 27200
	tok := e.token(e.addUser("alice", "alice-password", false, cheapParams))
	var bp struct{ ID int64 }
	e.api(tok, "POST", "/api/v1/blueprints", map[string]any{"name": "base", "config": ""}, &bp)
	for i := range 100 {
		name := fmt.Sprintf("s%03d", i)
		e.api(tok, "POST", "/api/v1/servers", map[string]any{"name": name, "blueprint_id": bp.ID}, nil)
		e.life.set(name, left4me.UnitStatus{ActiveState: "active", SubState: "running"})
	}
	br := e.browser()
	br.login("alice", "alice-password")
	cookie := br.c.Jar.Cookies(mustURL(e.srv.URL))[0]
	h := e.srv.Config.Handler
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/servers", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
