package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/left4me/left4me"
)

// TestPages renders every page for a logged-in admin and checks each shows
// what it is for.
func TestPages(t *testing.T) {
	e, tok, bp := apiEnv(t)
	e.addUser("root", "root-password", true, cheapParams)
	var o struct{ ID int64 }
	e.api(tok, "POST", "/api/v1/overlays", map[string]any{"kind": "files", "name": "cfgs"}, &o)
	e.upload(tok, "/api/v1/overlays/"+itoa(o.ID)+"/files", map[string]string{"path": "left4dead2/cfg/server.cfg"}, "server.cfg", "hostname <b>x</b>\n")
	e.api(tok, "PUT", "/api/v1/blueprints/"+itoa(bp), map[string]any{"name": "base", "config": "hostname x\n",
		"overlays": []map[string]any{{"overlay_id": o.ID, "expose_server_cfg": true}}}, nil)
	e.api(tok, "POST", "/api/v1/servers", map[string]any{"name": "alpha", "blueprint_id": bp}, nil)
	e.life.set("alpha", left4me.UnitStatus{ActiveState: "active", SubState: "running"})
	e.life.logs["alpha"] = []string{"Execing config: server.cfg", "<script>alert(1)</script>"}
	var job struct {
		JobID int64 `json:"job_id"`
	}
	e.api(tok, "POST", "/api/v1/servers/alpha/restart", nil, &job)

	b := e.browser()
	b.login("root", "root-password")
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/servers", []string{"alpha", "active (running)", "27015", "base", `name="csrf_token"`}},
		{"/servers/alpha", []string{"active (running)", "Execing config: server.cfg", "&lt;script&gt;", "server.restart", `id="action-start"`}},
		{"/servers/alpha?job=" + itoa(job.JobID), []string{`data-job-events="/jobs/` + itoa(job.JobID) + `/events"`}},
		{"/blueprints", []string{"base"}},
		{"/blueprints/" + itoa(bp), []string{"exec server_overlay_" + itoa(o.ID), `name="expose_` + itoa(o.ID) + `" value="1" class="expose" checked`}},
		{"/overlays", []string{"cfgs"}},
		{"/overlays/" + itoa(o.ID), []string{"left4dead2/"}},
		{"/overlays/" + itoa(o.ID) + "?path=left4dead2/cfg", []string{"server.cfg", "download"}},
		{"/overlays/" + itoa(o.ID) + "/edit?path=left4dead2/cfg/server.cfg", []string{"hostname &lt;b&gt;x&lt;/b&gt;"}},
		{"/jobs", []string{"server.restart", "queued"}},
		{"/jobs/" + itoa(job.JobID), []string{"server.restart", "alpha"}},
		{"/admin/users", []string{"alice", "root"}},
		{"/account", []string{"Create token"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := b.get(tc.path)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", r.StatusCode, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if !strings.Contains(r.body, `name="viewport"`) {
				t.Error("no viewport meta: unusable on a phone")
			}
		})
	}
	t.Run("edit and save through the form", func(t *testing.T) {
		r := b.post("/overlays/"+itoa(o.ID)+"/edit", url.Values{"csrf_token": {b.csrf()}, "path": {"left4dead2/cfg/new.cfg"}, "content": {"sv_cheats 0\r\n"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.StatusCode, r.body)
		}
		r = b.get("/overlays/" + itoa(o.ID) + "/download?path=left4dead2/cfg/new.cfg")
		if r.body != "sv_cheats 0\n" {
			t.Fatalf("saved file %q", r.body)
		}
	})
	t.Run("server create through the form", func(t *testing.T) {
		r := b.post("/servers", url.Values{"csrf_token": {b.csrf()}, "name": {"beta"}, "blueprint_id": {itoa(bp)}, "port": {""}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/servers/beta" {
			t.Fatalf("create: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.body)
		}
		if r := b.get("/servers/beta"); r.StatusCode != http.StatusOK {
			t.Fatalf("new server page: %d %s", r.StatusCode, r.body)
		}
		r = b.post("/servers", url.Values{"csrf_token": {b.csrf()}, "name": {"../x"}, "blueprint_id": {itoa(bp)}})
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "invalid server name") {
			t.Fatalf("bad name: %d %s", r.StatusCode, r.body)
		}
	})
}

// TestUploadForm uploads through the overlay page's multipart form: the
// CSRF token travels in the multipart body.
func TestUploadForm(t *testing.T) {
	e, tok, _ := apiEnv(t)
	var o struct{ ID int64 }
	e.api(tok, "POST", "/api/v1/overlays", map[string]any{"kind": "files", "name": "maps"}, &o)
	b := e.browser()
	b.login("alice", "alice-password")
	post := func(fields map[string]string) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "map.vpk")
		io.WriteString(fw, "VPK")
		mw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/overlays/"+itoa(o.ID)+"/upload", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return b.do(req)
	}
	target := filepath.Join(e.root, "overlays", itoa(o.ID), "left4dead2", "addons", "map.vpk")
	if r := post(map[string]string{"dir": "left4dead2/addons"}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("upload without CSRF token: %d", r.StatusCode)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatalf("refused upload wrote the file: %v", err)
	}
	if r := post(map[string]string{"dir": "../..", "csrf_token": b.csrf()}); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "leave the overlay") {
		t.Fatalf("upload escaping the overlay: %d %s", r.StatusCode, r.body)
	}
	r := post(map[string]string{"dir": "left4dead2/addons", "csrf_token": b.csrf()})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.StatusCode, r.body)
	}
	if got, err := os.ReadFile(target); err != nil || string(got) != "VPK" {
		t.Fatalf("uploaded file %q %v", got, err)
	}
}
