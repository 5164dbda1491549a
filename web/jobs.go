package web

import (
	"bytes"
	"context"
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
	flusher, err := startEventStream(w)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st := &jobStream{w: w, f: flusher}
	if s.cfg.Notifier != nil {
		updates, cancel := s.cfg.Notifier.Subscribe(j.ID)
		defer cancel()
		st.follow(r.Context(), updates)
		// The channel closes after the final state, or when the pool stops:
		// the store has the last word either way.
		if j, err = s.cfg.Jobs.FindJobByID(r.Context(), j.ID); err == nil {
			st.send(j)
		}
		return
	}
	s.pollJob(r.Context(), st, j)
}

// jobStream writes job events, skipping states identical to the last one.
type jobStream struct {
	w    http.ResponseWriter
	f    http.Flusher
	last []byte
}

func (st *jobStream) send(j *left4me.Job) {
	b, _ := json.Marshal(j)
	if bytes.Equal(b, st.last) {
		return
	}
	fmt.Fprintf(st.w, "event: job\ndata: %s\n\n", b)
	st.f.Flush()
	st.last = b
}

func (st *jobStream) keepAlive() {
	fmt.Fprint(st.w, ": keep-alive\n\n")
	st.f.Flush()
}

// heartbeat keeps proxies from closing an idle stream.
const heartbeat = 15 * time.Second

func (st *jobStream) follow(ctx context.Context, updates <-chan *left4me.Job) {
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			st.keepAlive()
		case j, ok := <-updates:
			if !ok {
				return
			}
			st.send(j)
		}
	}
}

func (s *Server) pollJob(ctx context.Context, st *jobStream, j *left4me.Job) {
	poll := time.NewTicker(jobPollInterval)
	defer poll.Stop()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		st.send(j)
		if j.Done() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			st.keepAlive()
			continue
		case <-poll.C:
		}
		next, err := s.cfg.Jobs.FindJobByID(ctx, j.ID)
		if err != nil {
			return
		}
		j = next
	}
}

// startEventStream answers with the headers of a Server-Sent Events stream;
// proxies must not buffer it.
func startEventStream(w http.ResponseWriter) (http.Flusher, error) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return nil, fmt.Errorf("response writer cannot flush")
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return flusher, nil
}
