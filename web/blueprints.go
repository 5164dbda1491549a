package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/left4me/left4me"
)

// blueprintView adds the generated lines to a blueprint: the exec lines
// prepended to its config and the full server.cfg a server will run.
type blueprintView struct {
	*left4me.Blueprint
	ExecLines    []string `json:"exec_lines"`
	ServerConfig string   `json:"server_config"`
}

func viewBlueprint(b *left4me.Blueprint) blueprintView {
	lines := b.ExecLines()
	if lines == nil {
		lines = []string{}
	}
	if b.Args == nil {
		b.Args = []string{}
	}
	if b.Overlays == nil {
		b.Overlays = []left4me.BlueprintOverlay{}
	}
	return blueprintView{Blueprint: b, ExecLines: lines, ServerConfig: b.ServerConfig()}
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, left4me.Errorf(left4me.ENOTFOUND, "no such id %q", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) handleBlueprintList(w http.ResponseWriter, r *http.Request) {
	bps, err := s.cfg.Blueprints.FindBlueprints(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views := make([]blueprintView, len(bps))
	for i, b := range bps {
		views[i] = viewBlueprint(b)
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"blueprints": views})
		return
	}
	s.render(w, r, http.StatusOK, "blueprints.html", "Blueprints", map[string]any{"Blueprints": views})
}

// blueprintInput is the JSON body of create and update; overlays are given
// uppermost first.
type blueprintInput struct {
	Name     string                     `json:"name"`
	Config   string                     `json:"config"`
	Args     []string                   `json:"args"`
	Overlays []left4me.BlueprintOverlay `json:"overlays"`
}

func (s *Server) readBlueprint(r *http.Request) (*left4me.Blueprint, error) {
	var in blueprintInput
	if isAPI(r) {
		if err := decodeJSON(r, &in); err != nil {
			return nil, err
		}
	} else {
		var err error
		if in, err = blueprintFromForm(r); err != nil {
			return nil, err
		}
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return nil, left4me.Errorf(left4me.EINVALID, "a blueprint needs a name")
	}
	if in.Args == nil {
		in.Args = []string{}
	}
	return &left4me.Blueprint{Name: in.Name, Config: in.Config, Args: in.Args, Overlays: in.Overlays}, nil
}

// blueprintFromForm reads the page's overlay picker: per overlay a "use"
// and an "expose" checkbox and a position (1 = uppermost).
func blueprintFromForm(r *http.Request) (blueprintInput, error) {
	in := blueprintInput{
		Name:   r.PostFormValue("name"),
		Config: strings.ReplaceAll(r.PostFormValue("config"), "\r\n", "\n"),
		Args:   strings.Fields(r.PostFormValue("args")),
	}
	type picked struct {
		pos int
		o   left4me.BlueprintOverlay
	}
	var list []picked
	for _, v := range r.PostForm["overlay"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, left4me.Errorf(left4me.EINVALID, "bad overlay id %q", v)
		}
		if r.PostFormValue("use_"+v) == "" {
			continue
		}
		pos, err := strconv.Atoi(r.PostFormValue("pos_" + v))
		if err != nil {
			return in, left4me.Errorf(left4me.EINVALID, "position of overlay %d must be a number", id)
		}
		list = append(list, picked{pos, left4me.BlueprintOverlay{OverlayID: id, ExposeServerCfg: r.PostFormValue("expose_"+v) != ""}})
	}
	slices.SortStableFunc(list, func(a, b picked) int { return cmp.Compare(a.pos, b.pos) })
	for _, p := range list {
		in.Overlays = append(in.Overlays, p.o)
	}
	return in, nil
}

func (s *Server) handleBlueprintCreate(w http.ResponseWriter, r *http.Request) {
	b, err := s.readBlueprint(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.cfg.Blueprints.CreateBlueprint(r.Context(), b); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, http.StatusCreated, viewBlueprint(b), "/blueprints/"+strconv.FormatInt(b.ID, 10))
}

func (s *Server) handleBlueprintView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := s.cfg.Blueprints.FindBlueprintByID(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, viewBlueprint(b))
		return
	}
	rows, err := s.overlayRows(r.Context(), b)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "blueprint.html", b.Name, map[string]any{
		"Blueprint": viewBlueprint(b), "Rows": rows, "Args": strings.Join(b.Args, " "),
	})
}

// overlayRow is one line of the blueprint page's overlay picker.
type overlayRow struct {
	Overlay *left4me.Overlay
	Used    bool
	Expose  bool
	Pos     int
}

// overlayRows lists the blueprint's overlays in order, then every other
// overlay unticked, so the picker can add them.
func (s *Server) overlayRows(ctx context.Context, b *left4me.Blueprint) ([]overlayRow, error) {
	all, err := s.cfg.Overlays.FindOverlays(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*left4me.Overlay, len(all))
	for _, o := range all {
		byID[o.ID] = o
	}
	var rows []overlayRow
	used := map[int64]bool{}
	for _, bo := range b.Overlays {
		if o := byID[bo.OverlayID]; o != nil {
			used[o.ID] = true
			rows = append(rows, overlayRow{Overlay: o, Used: true, Expose: bo.ExposeServerCfg})
		}
	}
	for _, o := range all {
		if !used[o.ID] {
			rows = append(rows, overlayRow{Overlay: o})
		}
	}
	for i := range rows {
		rows[i].Pos = i + 1
	}
	return rows, nil
}

func (s *Server) handleBlueprintUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := s.readBlueprint(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b.ID = id
	if err := s.cfg.Blueprints.UpdateBlueprint(r.Context(), b); err != nil {
		s.writeError(w, r, err)
		return
	}
	if b, err = s.cfg.Blueprints.FindBlueprintByID(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, viewBlueprint(b), "/blueprints/"+strconv.FormatInt(id, 10))
}

func (s *Server) handleBlueprintDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.cfg.Blueprints.DeleteBlueprint(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	if isAPI(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, "/blueprints", http.StatusSeeOther)
}
