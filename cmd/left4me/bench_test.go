package main_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkDashboard measures the real panel (the binary, SQLite, the
// process runtime's status for each server) serving the dashboard with 100
// servers, next to a bare net/http handler on the same machine in the same
// run, and the panel's resident memory when idle.
func BenchmarkDashboard(b *testing.B) {
	p := startDemoRange(b, b.TempDir(), 40000, 40199)
	tok := p.token()
	for i := range 100 {
		if st := p.api(tok, "POST", "/api/v1/servers", map[string]any{"name": fmt.Sprintf("bench%03d", i), "blueprint_id": 1}, nil); st != http.StatusCreated {
			b.Fatalf("create server %d: %d", i, st)
		}
	}
	cookie := loginCookie(b, p)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(u string, cookie string) func(*testing.PB) {
		return func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("GET", u, nil)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("GET %s: %d", u, resp.StatusCode)
					return
				}
			}
		}
	}
	// The page really lists the 100 servers.
	req, _ := http.NewRequest("GET", p.url+"/servers", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if n := strings.Count(string(body), `data-server="bench`); n != 100 {
		b.Fatalf("dashboard lists %d servers, want 100", n)
	}

	idle := idleRSS(b, p.cmd.Process.Pid)
	b.Run("panel", func(b *testing.B) {
		b.SetParallelism(4)
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(get(p.url+"/servers", cookie))
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		// ResetTimer drops metrics reported before it: report idle memory here.
		b.ReportMetric(idle, "idle-RSS-MiB")
		b.ReportMetric(rssMiB(b, p.cmd.Process.Pid), "loaded-RSS-MiB")
	})
	b.Run("bare", func(b *testing.B) {
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html><p>hello</p>\n")
		}))
		defer bare.Close()
		b.SetParallelism(4)
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(get(bare.URL, ""))
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	})
}

// loginCookie logs in as admin through the form and returns the Cookie header.
func loginCookie(b *testing.B, p *panel) string {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(p.url+"/login", url.Values{"name": {"admin"}, "password": {adminPassword}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		return ck.Name + "=" + ck.Value
	}
	b.Fatalf("login: status %d, no cookie", resp.StatusCode)
	return ""
}

// idleRSS waits until the panel's resident memory stops changing and
// returns it: the footprint of a panel nobody is using, right after setup
// and one login. It is conservative: with no allocation going on the Go
// runtime does not collect, so the login's 19 MiB argon2 buffer, already
// garbage, is usually still resident.
func idleRSS(b *testing.B, pid int) float64 {
	last := rssMiB(b, pid)
	for range 40 {
		time.Sleep(250 * time.Millisecond)
		now := rssMiB(b, pid)
		if now > last*0.99 && now < last*1.01 {
			return now
		}
		last = now
	}
	return last
}

// rssMiB reads VmRSS of a process from /proc.
func rssMiB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
