package web

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/left4me/left4me"
)

func (s *Server) handleOverlayList(w http.ResponseWriter, r *http.Request) {
	list, err := s.cfg.Overlays.FindOverlays(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if isAPI(r) {
		if list == nil {
			list = []*left4me.Overlay{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"overlays": list})
		return
	}
	s.render(w, r, http.StatusOK, "overlays.html", "Overlays", map[string]any{"Overlays": list})
}

type overlayInput struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

func (s *Server) readOverlayInput(r *http.Request) (overlayInput, error) {
	in := overlayInput{Kind: left4me.OverlayFiles}
	if isAPI(r) {
		if err := decodeJSON(r, &in); err != nil {
			return in, err
		}
	} else {
		in.Name = r.PostFormValue("name")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return in, left4me.Errorf(left4me.EINVALID, "an overlay needs a name")
	}
	return in, nil
}

func (s *Server) handleOverlayCreate(w http.ResponseWriter, r *http.Request) {
	in, err := s.readOverlayInput(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Kind != left4me.OverlayFiles {
		// Workshop and script overlays need their builders, which run as
		// jobs; this panel creates the kind people fill by hand.
		s.writeError(w, r, left4me.Errorf(left4me.EINVALID, "kind %q cannot be created here: use %q", in.Kind, left4me.OverlayFiles))
		return
	}
	o := &left4me.Overlay{Kind: in.Kind, Name: in.Name}
	if err := s.cfg.Overlays.CreateOverlay(r.Context(), o); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := os.MkdirAll(OverlayDir(s.cfg.Root, o.ID), 0o755); err != nil {
		// Leave no record without its directory.
		if derr := s.cfg.Overlays.DeleteOverlay(r.Context(), o.ID); derr != nil {
			s.log.Error("remove overlay record after failed mkdir", "overlay", o.ID, "err", derr)
		}
		s.writeError(w, r, fmt.Errorf("create overlay dir: %w", err))
		return
	}
	s.respond(w, r, http.StatusCreated, o, "/overlays/"+strconv.FormatInt(o.ID, 10))
}

func (s *Server) handleOverlayView(w http.ResponseWriter, r *http.Request) {
	o, err := s.findOverlay(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, o)
		return
	}
	dir, err := cleanPath(r.FormValue("path"), true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, err := s.listDir(o, dir)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "overlay.html", o.Name, map[string]any{
		"Overlay": o, "Dir": dir, "Crumbs": crumbs(dir), "Entries": entries,
		"Editable": o.Kind == left4me.OverlayFiles,
	})
}

func (s *Server) findOverlay(r *http.Request) (*left4me.Overlay, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.cfg.Overlays.FindOverlayByID(r.Context(), id)
}

func (s *Server) handleOverlayRename(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in, err := s.readOverlayInput(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.cfg.Overlays.UpdateOverlay(r.Context(), id, in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, o, "/overlays/"+strconv.FormatInt(id, 10))
}

func (s *Server) handleOverlayDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The record goes first: DeleteOverlay refuses while a blueprint uses
	// the overlay, and then the files must stay.
	if err := s.cfg.Overlays.DeleteOverlay(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := os.RemoveAll(OverlayDir(s.cfg.Root, id)); err != nil {
		s.log.Error("remove overlay dir", "overlay", id, "err", err)
	}
	if isAPI(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, "/overlays", http.StatusSeeOther)
}
