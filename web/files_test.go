package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// upload sends one multipart file with the given form fields.
func (e *env) upload(token, path string, fields map[string]string, filename, content string) (int, apiErr) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var er apiErr
	b, _ := io.ReadAll(resp.Body)
	_ = jsonUnmarshal(b, &er)
	return resp.StatusCode, er
}

// snapshot lists every path under dir, to prove refused requests wrote nothing.
func snapshot(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			out[p] = true
		}
		return nil
	})
	return out
}

func TestOverlayFiles(t *testing.T) {
	e, tok, _ := apiEnv(t)
	var o struct{ ID int64 }
	e.api(tok, "POST", "/api/v1/overlays", map[string]any{"kind": "files", "name": "cfgs"}, &o)
	base := "/api/v1/overlays/" + itoa(o.ID) + "/files"
	dir := filepath.Join(e.root, "overlays", itoa(o.ID))

	if st, er := e.upload(tok, base, map[string]string{"path": "left4dead2/cfg/server.cfg"}, "x.cfg", "hostname up\n"); st != 201 {
		t.Fatalf("upload: %d %+v", st, er)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "left4dead2/cfg/server.cfg")); err != nil || string(b) != "hostname up\n" {
		t.Fatalf("uploaded file: %q %v", b, err)
	}
	if st, er := e.upload(tok, base, map[string]string{"dir": "left4dead2/addons"}, "map.vpk", "VPK"); st != 201 {
		t.Fatalf("upload into dir: %d %+v", st, er)
	}
	req, _ := http.NewRequest("PUT", e.srv.URL+base+"/left4dead2/cfg/extra.cfg", strings.NewReader("sv_cheats 0\n"))
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("PUT: %v %v", resp.StatusCode, err)
	}

	var list struct {
		Files []struct {
			Path string
			Dir  bool
			Size int64
		}
	}
	e.api(tok, "GET", base, nil, &list)
	got := map[string]int64{}
	for _, f := range list.Files {
		if !f.Dir {
			got[f.Path] = f.Size
		}
	}
	if got["left4dead2/cfg/server.cfg"] != 12 || got["left4dead2/addons/map.vpk"] != 3 || got["left4dead2/cfg/extra.cfg"] != 12 || len(got) != 3 {
		t.Fatalf("file list %v", got)
	}

	req, _ = http.NewRequest("GET", e.srv.URL+base+"/left4dead2/cfg/server.cfg", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hostname up\n" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %q, %q", b, resp.Header.Get("Content-Disposition"))
	}
	if st := e.api(tok, "DELETE", base+"/left4dead2/cfg/extra.cfg", nil, nil); st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
	if _, err := os.Stat(filepath.Join(dir, "left4dead2/cfg/extra.cfg")); !os.IsNotExist(err) {
		t.Fatalf("deleted file still there: %v", err)
	}
}

func TestOverlayPathEscapes(t *testing.T) {
	e, tok, _ := apiEnv(t)
	var o struct{ ID int64 }
	e.api(tok, "POST", "/api/v1/overlays", map[string]any{"kind": "files", "name": "cfgs"}, &o)
	base := "/api/v1/overlays/" + itoa(o.ID) + "/files"
	dir := filepath.Join(e.root, "overlays", itoa(o.ID))
	outside := t.TempDir()
	// A symlink inside the overlay pointing out of it, as a hostile archive
	// or an admin's mistake could leave behind.
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	before, beforeOut := snapshot(t, e.root), snapshot(t, outside)

	for _, tc := range []struct {
		name   string
		fields map[string]string
	}{
		{"dotdot path", map[string]string{"path": "../escape.cfg"}},
		{"deep dotdot", map[string]string{"path": "left4dead2/../../../escape.cfg"}},
		{"absolute path", map[string]string{"path": "/tmp/escape.cfg"}},
		{"NUL", map[string]string{"path": "a\x00b.cfg"}},
		{"backslash", map[string]string{"path": `..\escape.cfg`}},
		{"dotdot dir", map[string]string{"dir": "../.."}},
		{"absolute dir", map[string]string{"dir": "/etc"}},
		{"symlink out", map[string]string{"path": "link/escape.cfg"}},
		{"symlink dir out", map[string]string{"dir": "link"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, er := e.upload(tok, base, tc.fields, "escape.cfg", "pwned")
			if st != http.StatusBadRequest || er.Error.Code != "invalid" || er.Error.Message == "" {
				t.Errorf("status %d, %+v: want 400 invalid with a message", st, er)
			}
		})
	}
	for _, p := range []string{"link/escape.cfg", "..%2Fescape.cfg"} {
		req, _ := http.NewRequest("PUT", e.srv.URL+base+"/"+p, strings.NewReader("pwned"))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("PUT %s: %d", p, resp.StatusCode)
		}
	}
	if st := e.api(tok, "GET", base+"/link/../../../etc/passwd", nil, nil); st == http.StatusOK {
		t.Error("download through a symlink escape succeeded")
	}
	after, afterOut := snapshot(t, e.root), snapshot(t, outside)
	if len(after) != len(before) || len(afterOut) != len(beforeOut) {
		t.Fatalf("refused uploads wrote files: root %d→%d, outside %d→%d", len(before), len(after), len(beforeOut), len(afterOut))
	}
}
