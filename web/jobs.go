package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/left4me/left4me"
)

func (s *Server) handleJobList(w http.ResponseWriter, r *http.Request) {
	f := left4me.JobFilter{Target: r.FormValue("target"), State: r.FormValue("state"), Limit: 100}
	if n, err := strconv.Atoi(r.FormValue("limit")); err == nil && n > 0 && n <= 1000 {
		f.Limit = n
	}
	jobs, err := s.cfg.Jobs.FindJobs(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if isAPI(r) {
		if jobs == nil {
			jobs = []*left4me.Job{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
		return
	}
	s.render(w, r, http.StatusOK, "jobs.html", "Jobs", map[string]any{"Jobs": jobs})
}

func (s *Server) findJob(r *http.Request) (*left4me.Job, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.cfg.Jobs.FindJobByID(r.Context(), id)
}

func (s *Server) handleJobView(w http.ResponseWriter, r *http.Request) {
	j, err := s.findJob(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if j.Steps == nil {
		j.Steps = []left4me.JobStep{}
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, j)
		return
	}
	s.render(w, r, http.StatusOK, "job.html", fmt.Sprintf("Job %d", j.ID), map[string]any{"Job": j})
}

// jobPollInterval is how often the event stream re-reads a job when no
// notifier tells it about changes.
const jobPollInterval = 250 * time.Millisecond

// handleJobEvents streams a job as Server-Sent Events: one "job" event with
// the whole job each time it changes, until it is done.
func (s *Server) handleJobEvents(w http.ResponseWriter, r *http.Request) {
	j, err := s.findJob(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.writeError(w, r, fmt.Errorf("response writer cannot flush"))
		return
	}
	var changed <-chan struct{}
	if s.cfg.Notifier != nil {
		ch, cancel := s.cfg.Notifier.Subscribe(j.ID)
		defer cancel()
		changed = ch
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s.streamJob(w, flusher, r, j, changed)
}

func (s *Server) streamJob(w http.ResponseWriter, f http.Flusher, r *http.Request, j *left4me.Job, changed <-chan struct{}) {
	poll := time.NewTicker(jobPollInterval)
	defer poll.Stop()
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	var last []byte
	for {
		b, _ := json.Marshal(j)
		if !bytes.Equal(b, last) {
			fmt.Fprintf(w, "event: job\ndata: %s\n\n", b)
			f.Flush()
			last = b
		}
		if j.Done() {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-heartbeat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			f.Flush()
			continue
		case <-changed:
		case <-poll.C:
		}
		next, err := s.cfg.Jobs.FindJobByID(r.Context(), j.ID)
		if err != nil {
			return
		}
		j = next
	}
}
