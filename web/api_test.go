package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/left4me/left4me"
)

// apiEnv is a panel with one user, a token, an overlay and a blueprint.
func apiEnv(t *testing.T) (*env, string, int64) {
	e := newEnv(t, nil)
	tok := e.token(e.addUser("alice", "alice-password", false, cheapParams))
	var bp struct{ ID int64 }
	if st := e.api(tok, "POST", "/api/v1/blueprints", map[string]any{"name": "base", "config": "hostname x\n"}, &bp); st != http.StatusCreated {
		t.Fatalf("create blueprint: %d", st)
	}
	return e, tok, bp.ID
}

func TestAPIServerValidation(t *testing.T) {
	e, tok, bp := apiEnv(t)
	if st := e.api(tok, "POST", "/api/v1/servers", map[string]any{"name": "taken", "blueprint_id": bp, "port": 27016}, nil); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
		msg    string
	}{
		{"traversal name", map[string]any{"name": "../x", "blueprint_id": bp}, 400, "invalid", "invalid server name"},
		{"upper case", map[string]any{"name": "A", "blueprint_id": bp}, 400, "invalid", "invalid server name"},
		{"leading dash", map[string]any{"name": "-x", "blueprint_id": bp}, 400, "invalid", "invalid server name"},
		{"too long", map[string]any{"name": strings.Repeat("a", 65), "blueprint_id": bp}, 400, "invalid", "invalid server name"},
		{"empty", map[string]any{"name": "", "blueprint_id": bp}, 400, "invalid", "invalid server name"},
		{"slash", map[string]any{"name": "a/b", "blueprint_id": bp}, 400, "invalid", "invalid server name"},
		{"duplicate name", map[string]any{"name": "taken", "blueprint_id": bp}, 409, "conflict", ""},
		{"duplicate port", map[string]any{"name": "other", "blueprint_id": bp, "port": 27016}, 409, "conflict", "27016"},
		{"port below range", map[string]any{"name": "other", "blueprint_id": bp, "port": 80}, 400, "invalid", "80"},
		{"port above range", map[string]any{"name": "other", "blueprint_id": bp, "port": 27021}, 400, "invalid", "27021"},
		{"missing blueprint", map[string]any{"name": "other", "blueprint_id": 999}, 400, "invalid", "blueprint 999"},
		{"no blueprint", map[string]any{"name": "other"}, 400, "invalid", "blueprint_id"},
		{"unknown field", map[string]any{"name": "other", "blueprint_id": bp, "colour": "red"}, 400, "invalid", "colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var er apiErr
			st := e.api(tok, "POST", "/api/v1/servers", tc.body, &er)
			if st != tc.status || er.Error.Code != tc.code || !strings.Contains(er.Error.Message, tc.msg) {
				t.Errorf("status %d, error %+v; want %d %s containing %q", st, er.Error, tc.status, tc.code, tc.msg)
			}
		})
	}
	var list struct{ Servers []struct{ Name string } }
	e.api(tok, "GET", "/api/v1/servers", nil, &list)
	if len(list.Servers) != 1 {
		t.Fatalf("refused creates left %d servers, want 1", len(list.Servers))
	}
}

func TestAPIServerReadAndActions(t *testing.T) {
	e, tok, bp := apiEnv(t)
	var created struct {
		Name  string
		Port  int
		State string
	}
	if st := e.api(tok, "POST", "/api/v1/servers", map[string]any{"name": "alpha", "blueprint_id": bp}, &created); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if created.Port != 27015 || created.State != "inactive (dead)" {
		t.Errorf("created %+v: want the first port of the range and state from the runtime", created)
	}
	e.life.set("alpha", left4me.UnitStatus{ActiveState: "active", SubState: "running"})
	var read struct {
		State   string
		Running bool
	}
	e.api(tok, "GET", "/api/v1/servers/alpha", nil, &read)
	if read.State != "active (running)" || !read.Running {
		t.Errorf("read %+v: want the runtime's state", read)
	}

	var job struct {
		JobID int64 `json:"job_id"`
	}
	if st := e.api(tok, "POST", "/api/v1/servers/alpha/start", nil, &job); st != http.StatusAccepted || job.JobID == 0 {
		t.Fatalf("start: %d %+v", st, job)
	}
	var er apiErr
	if st := e.api(tok, "DELETE", "/api/v1/servers/alpha", nil, &er); st != http.StatusConflict || er.Error.Code != "conflict" {
		t.Errorf("second lifecycle job while one is queued: %d %+v", st, er)
	}
	var j left4me.Job
	if st := e.api(tok, "GET", "/api/v1/jobs/"+itoa(job.JobID), nil, &j); st != 200 || j.Type != left4me.JobServerStart || j.Target != "alpha" || j.State != left4me.JobQueued {
		t.Errorf("job read: %d %+v", st, j)
	}
	if st := e.api(tok, "POST", "/api/v1/servers/alpha/explode", nil, &er); st != http.StatusNotFound {
		t.Errorf("unknown action: %d", st)
	}
	if st := e.api(tok, "POST", "/api/v1/servers/nosuch/start", nil, &er); st != http.StatusNotFound || er.Error.Code != "not_found" {
		t.Errorf("unknown server: %d %+v", st, er)
	}
}

func TestAPIBlueprintPreview(t *testing.T) {
	e, tok, _ := apiEnv(t)
	ids := make([]int64, 3)
	for i, name := range []string{"top", "middle", "bottom"} {
		var o struct{ ID int64 }
		if st := e.api(tok, "POST", "/api/v1/overlays", map[string]any{"kind": "files", "name": name}, &o); st != 201 {
			t.Fatalf("create overlay: %d", st)
		}
		ids[i] = o.ID
	}
	body := map[string]any{"name": "stack", "config": "hostname stack\n", "args": []string{"+map", "c1m1_hotel"},
		"overlays": []map[string]any{
			{"overlay_id": ids[0], "expose_server_cfg": true},
			{"overlay_id": ids[1], "expose_server_cfg": false},
			{"overlay_id": ids[2], "expose_server_cfg": true},
		}}
	var bp struct {
		ID           int64
		ExecLines    []string `json:"exec_lines"`
		ServerConfig string   `json:"server_config"`
		Overlays     []left4me.BlueprintOverlay
	}
	if st := e.api(tok, "POST", "/api/v1/blueprints", body, &bp); st != 201 {
		t.Fatalf("create blueprint: %d", st)
	}
	want := []string{"exec server_overlay_" + itoa(ids[2]), "exec server_overlay_" + itoa(ids[0])}
	if !slices.Equal(bp.ExecLines, want) {
		t.Errorf("exec lines %q, want lowest overlay first %q", bp.ExecLines, want)
	}
	if bp.ServerConfig != strings.Join(want, "\n")+"\nhostname stack\n" {
		t.Errorf("server config %q", bp.ServerConfig)
	}
	if bp.Overlays[0].OverlayID != ids[0] {
		t.Errorf("overlays not kept uppermost first: %+v", bp.Overlays)
	}
	var er apiErr
	body["args"] = []string{"+map c1m1_hotel; quit"}
	if st := e.api(tok, "PUT", "/api/v1/blueprints/"+itoa(bp.ID), body, &er); st != 400 {
		t.Errorf("unsafe arg accepted: %d %+v", st, er)
	}
	if st := e.api(tok, "DELETE", "/api/v1/overlays/"+itoa(ids[0]), nil, &er); st != http.StatusConflict {
		t.Errorf("delete of a used overlay: %d %+v", st, er)
	}
}

func TestJobEvents(t *testing.T) {
	e, tok, bp := apiEnv(t)
	e.api(tok, "POST", "/api/v1/servers", map[string]any{"name": "alpha", "blueprint_id": bp}, nil)
	var job struct {
		JobID int64 `json:"job_id"`
	}
	e.api(tok, "POST", "/api/v1/servers/alpha/start", nil, &job)

	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.srv.URL+"/api/v1/jobs/"+itoa(job.JobID)+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan left4me.Job)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var j left4me.Job
				json.Unmarshal([]byte(data), &j)
				events <- j
			}
		}
	}()
	if j := <-events; j.State != left4me.JobQueued {
		t.Fatalf("first event %+v", j)
	}
	// Play the worker: claim, add a step, finish.
	ctx := context.Background()
	claimed, err := e.jobs.ClaimJob(ctx)
	if err != nil || claimed == nil {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	claimed.Steps = []left4me.JobStep{{Name: "enable", State: "succeeded", Progress: 1}}
	claimed.State = left4me.JobSucceeded
	if err := e.jobs.UpdateJob(ctx, claimed); err != nil {
		t.Fatal(err)
	}
	var last left4me.Job
	for j := range events {
		last = j
	}
	if last.State != left4me.JobSucceeded || len(last.Steps) != 1 || last.Steps[0].Name != "enable" {
		t.Fatalf("last event %+v: want the finished job, and the stream closed", last)
	}
}

func TestServerLogEvents(t *testing.T) {
	e, tok, bp := apiEnv(t)
	e.api(tok, "POST", "/api/v1/servers", map[string]any{"name": "alpha", "blueprint_id": bp}, nil)
	e.life.logs["alpha"] = []string{"Execing config: server.cfg", "Server name is \"x\""}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/servers/alpha/logs/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			lines = append(lines, d)
		}
	}
	if !slices.Equal(lines, e.life.logs["alpha"]) {
		t.Fatalf("streamed lines %q, want %q", lines, e.life.logs["alpha"])
	}
}
