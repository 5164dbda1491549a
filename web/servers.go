package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/left4me/left4me"
)

// serverView is a server as pages and the API show it: the record plus the
// runtime's status, which is the state users see.
type serverView struct {
	*left4me.Server
	State     string             `json:"state"`
	Running   bool               `json:"running"`
	Status    left4me.UnitStatus `json:"status"`
	Blueprint string             `json:"blueprint_name,omitempty"`
}

// statusTimeout bounds one runtime status query so a slow runtime cannot
// hang a page.
const statusTimeout = 5 * time.Second

func (s *Server) viewServer(ctx context.Context, srv *left4me.Server) serverView {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	st, err := s.cfg.Lifecycle.Status(ctx, srv.Name)
	if err != nil {
		s.log.Warn("server status", "server", srv.Name, "err", err)
		st = left4me.UnitStatus{ActiveState: "unknown"}
	}
	return serverView{Server: srv, State: st.String(), Running: st.Running(), Status: st}
}

// viewServers queries statuses in parallel (a few at a time: the systemd
// runtime spawns a helper per query).
func (s *Server) viewServers(ctx context.Context, list []*left4me.Server) []serverView {
	views := make([]serverView, len(list))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, srv := range list {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			views[i] = s.viewServer(ctx, srv)
		}()
	}
	wg.Wait()
	return views
}

func (s *Server) blueprintNames(ctx context.Context) (map[int64]string, []*left4me.Blueprint, error) {
	bps, err := s.cfg.Blueprints.FindBlueprints(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(bps))
	for _, b := range bps {
		names[b.ID] = b.Name
	}
	return names, bps, nil
}

func (s *Server) handleServerList(w http.ResponseWriter, r *http.Request) {
	list, err := s.cfg.Servers.FindServers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	names, bps, err := s.blueprintNames(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views := s.viewServers(r.Context(), list)
	for i := range views {
		views[i].Blueprint = names[views[i].BlueprintID]
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"servers": views})
		return
	}
	rows := make([]serverRow, len(views))
	for i, v := range views {
		rows[i] = serverRow{Name: v.Name, State: v.State, StateClass: v.Status.ActiveState,
			Port: v.Port, BlueprintID: v.BlueprintID, Blueprint: v.Blueprint}
		if v.Running {
			rows[i].StateClass = "running"
		}
	}
	s.render(w, r, http.StatusOK, "servers.html", "Servers", map[string]any{
		"Servers": rows, "Blueprints": bps,
	})
}

// serverRow is one dashboard line. It is flat on purpose: templates find
// promoted fields of embedded structs by a slow reflective search, and the
// dashboard renders a row per server on every load.
type serverRow struct {
	Name, State, StateClass string
	Port                    int
	BlueprintID             int64
	Blueprint               string
}

// serverInput is the create/update body; pointers tell "absent" from zero.
type serverInput struct {
	Name        string `json:"name"`
	BlueprintID *int64 `json:"blueprint_id"`
	Port        *int   `json:"port"`
}

func (s *Server) readServerInput(r *http.Request) (serverInput, error) {
	var in serverInput
	if isAPI(r) {
		return in, decodeJSON(r, &in)
	}
	in.Name = r.PostFormValue("name")
	if v := r.PostFormValue("blueprint_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, left4me.Errorf(left4me.EINVALID, "blueprint must be a number")
		}
		in.BlueprintID = &id
	}
	if v := r.PostFormValue("port"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			return in, left4me.Errorf(left4me.EINVALID, "port %q is not a number", v)
		}
		in.Port = &p
	}
	return in, nil
}

// checkBlueprint turns a missing blueprint into a clear input error.
func (s *Server) checkBlueprint(ctx context.Context, id int64) error {
	if _, err := s.cfg.Blueprints.FindBlueprintByID(ctx, id); err != nil {
		if left4me.ErrorCode(err) == left4me.ENOTFOUND {
			return left4me.Errorf(left4me.EINVALID, "blueprint %d does not exist", id)
		}
		return err
	}
	return nil
}

func (s *Server) handleServerCreate(w http.ResponseWriter, r *http.Request) {
	in, err := s.readServerInput(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := left4me.ValidateName(in.Name); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.BlueprintID == nil {
		s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "blueprint_id is required"))
		return
	}
	if err := s.checkBlueprint(r.Context(), *in.BlueprintID); err != nil {
		s.writeError(w, r, err)
		return
	}
	srv := &left4me.Server{Name: in.Name, BlueprintID: *in.BlueprintID, DesiredState: left4me.DesiredStopped}
	if in.Port != nil {
		srv.Port = *in.Port
		if srv.Port == 0 {
			s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "port 0 is not a port: omit it to have one allocated"))
			return
		}
	}
	if err := s.cfg.Servers.CreateServer(r.Context(), srv); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("server created", "server", srv.Name, "port", srv.Port, "user", userFrom(r.Context()).Name)
	s.respond(w, r, http.StatusCreated, s.viewServer(r.Context(), srv), "/servers/"+srv.Name)
}

func (s *Server) handleServerView(w http.ResponseWriter, r *http.Request) {
	srv, err := s.cfg.Servers.FindServerByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := s.viewServer(r.Context(), srv)
	bp, err := s.cfg.Blueprints.FindBlueprintByID(r.Context(), srv.BlueprintID)
	if err == nil {
		v.Blueprint = bp.Name
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, v)
		return
	}
	jobs, err := s.cfg.Jobs.FindJobs(r.Context(), left4me.JobFilter{Target: srv.Name, Limit: 10})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "server.html", srv.Name, map[string]any{
		"Server": v, "Jobs": jobs, "Logs": s.serverLogs(r.Context(), srv.Name, 50),
		"WatchJob": watchJob(r.FormValue("job")),
	})
}

func (s *Server) serverLogs(ctx context.Context, name string, n int) []string {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	var buf bytes.Buffer
	if err := s.cfg.Lifecycle.Logs(ctx, name, n, false, &buf); err != nil {
		s.log.Debug("server logs", "server", name, "err", err)
		return nil
	}
	text := strings.TrimRight(buf.String(), "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

func (s *Server) handleServerLogs(w http.ResponseWriter, r *http.Request) {
	srv, err := s.cfg.Servers.FindServerByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, _ := strconv.Atoi(r.FormValue("lines"))
	if n <= 0 || n > 1000 {
		n = 100
	}
	lines := s.serverLogs(r.Context(), srv.Name, n)
	if lines == nil {
		lines = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"lines": lines})
}

func (s *Server) handleServerUpdate(w http.ResponseWriter, r *http.Request) {
	srv, err := s.cfg.Servers.FindServerByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in, err := s.readServerInput(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Name != "" && in.Name != srv.Name {
		s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "a server cannot be renamed"))
		return
	}
	if in.BlueprintID != nil {
		if err := s.checkBlueprint(r.Context(), *in.BlueprintID); err != nil {
			s.writeError(w, r, err)
			return
		}
		srv.BlueprintID = *in.BlueprintID
	}
	if in.Port != nil {
		srv.Port = *in.Port
	}
	if err := s.cfg.Servers.UpdateServer(r.Context(), srv); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, s.viewServer(r.Context(), srv), "/servers/"+srv.Name)
}

// serverJobTypes maps the action in the URL to the job it enqueues.
var serverJobTypes = map[string]string{
	"start":   left4me.JobServerStart,
	"stop":    left4me.JobServerStop,
	"restart": left4me.JobServerRestart,
	"reset":   left4me.JobServerReset,
	"delete":  left4me.JobServerDelete,
}

func (s *Server) handleServerAction(w http.ResponseWriter, r *http.Request) {
	typ, ok := serverJobTypes[r.PathValue("action")]
	if !ok {
		s.writeError(w, r, left4me.Errorf(left4me.ENOTFOUND, "unknown server action %q: use start, stop, restart, reset or delete", r.PathValue("action")))
		return
	}
	s.enqueueServerJob(w, r, typ)
}

func (s *Server) handleServerDelete(w http.ResponseWriter, r *http.Request) {
	s.enqueueServerJob(w, r, left4me.JobServerDelete)
}

// enqueueServerJob answers 202 with the job id: lifecycle operations are
// slow and run in the worker pool.
func (s *Server) enqueueServerJob(w http.ResponseWriter, r *http.Request, typ string) {
	srv, err := s.cfg.Servers.FindServerByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	job, err := s.cfg.Queue.Enqueue(r.Context(), &left4me.Job{Type: typ, Target: srv.Name})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("job enqueued", "job", job.ID, "type", typ, "server", srv.Name, "user", userFrom(r.Context()).Name)
	next := "/servers/" + srv.Name + "?job=" + strconv.FormatInt(job.ID, 10)
	if typ == left4me.JobServerDelete {
		next = "/jobs/" + strconv.FormatInt(job.ID, 10)
	}
	s.respond(w, r, http.StatusAccepted, map[string]int64{"job_id": job.ID}, next)
}

// watchJob is the ?job= of a server page (the job just enqueued there), or
// "" when it is not a job id.
func watchJob(v string) string {
	if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
		return v
	}
	return ""
}

// handleServerLogEvents streams the server's output as Server-Sent Events,
// one "line" event per line: the last lines first, then new ones as the
// runtime produces them, until the client goes away.
func (s *Server) handleServerLogEvents(w http.ResponseWriter, r *http.Request) {
	srv, err := s.cfg.Servers.FindServerByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	flusher, err := startEventStream(w)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A stopped server's stream may end at once: reconnect slowly.
	fmt.Fprint(w, "retry: 10000\n\n")
	lw := &sseLines{w: w, f: flusher}
	if err := s.cfg.Lifecycle.Logs(r.Context(), srv.Name, 100, true, lw); err != nil && r.Context().Err() == nil {
		s.log.Debug("follow server logs", "server", srv.Name, "err", err)
	}
	lw.flushPartial()
}

// sseLines turns written output into one SSE event per complete line.
type sseLines struct {
	w       io.Writer
	f       http.Flusher
	partial []byte
}

func (l *sseLines) Write(p []byte) (int, error) {
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		if err := l.send(l.partial[:i]); err != nil {
			return 0, err
		}
		l.partial = l.partial[i+1:]
	}
	l.f.Flush()
	return len(p), nil
}

func (l *sseLines) send(line []byte) error {
	// A data field cannot hold a newline or CR; lines never contain \n here.
	_, err := fmt.Fprintf(l.w, "event: line\ndata: %s\n\n", bytes.TrimRight(line, "\r"))
	return err
}

func (l *sseLines) flushPartial() {
	if len(l.partial) > 0 {
		l.send(l.partial)
		l.partial = nil
		l.f.Flush()
	}
}
