package web

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCleanPath: whatever a client sends as an overlay path, an accepted
// path stays inside the overlay (os.Root re-checks this on every call).
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"", ".", "left4dead2/cfg/server.cfg", "../x", "a/../../b", "/etc/passwd",
		"a//b", "a/./b", "a\x00b", `..\x`, "…/x", "a/b/", strings.Repeat("a/", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := cleanPath(p, true)
		if err != nil {
			return
		}
		if got != "." && !filepath.IsLocal(got) {
			t.Fatalf("cleanPath(%q) = %q, not local", p, got)
		}
		if strings.ContainsAny(got, "\x00\\") || len(got) > 1024 {
			t.Fatalf("cleanPath(%q) = %q: forbidden character or length", p, got)
		}
		for _, part := range strings.Split(got, "/") {
			if part == ".." || (part == "" && got != "") {
				t.Fatalf("cleanPath(%q) = %q: bad element", p, got)
			}
		}
	})
}

// FuzzParseHash: stored hashes are parsed before every login; a malformed
// one must fail cleanly and never ask argon2 for unbounded work.
func FuzzParseHash(f *testing.F) {
	h, _ := HashPassword("pw", PasswordParams{Memory: 64, Time: 1, Threads: 1})
	for _, s := range []string{h, "", "$argon2id$v=19$m=64,t=1,p=1$$", "$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parseHash(s)
		if err != nil {
			return
		}
		if p.Memory > 1<<18 || p.Time > 16 || p.Threads < 1 || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
			t.Fatalf("parseHash(%q) accepted out-of-range values: %+v", s, p)
		}
	})
}
