package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/left4me/left4me"
)

// errorStatus is the one place that maps left4me error codes to HTTP.
func errorStatus(code string) int {
	switch code {
	case left4me.EINVALID:
		return http.StatusBadRequest
	case left4me.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case left4me.EFORBIDDEN:
		return http.StatusForbidden
	case left4me.ENOTFOUND:
		return http.StatusNotFound
	case left4me.ECONFLICT:
		return http.StatusConflict
	case left4me.ETOOMANY:
		return http.StatusTooManyRequests
	case left4me.ENOTIMPLEMENTED:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// isAPI reports whether r came through the JSON API.
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/")
}

// apiError is the JSON error body: {"error":{"code":...,"message":...}}.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with err's code and safe message, as JSON for the API
// and as an error page otherwise. Internal errors are logged, never shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := left4me.ErrorCode(err), left4me.ErrorMessage(err)
	status := errorStatus(code)
	if code == left4me.EINTERNAL {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if isAPI(r) {
		var body apiError
		body.Error.Code, body.Error.Message = code, msg
		writeJSON(w, status, body)
		return
	}
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, status, "error.html", "Error", map[string]any{
		"Status": status, "Code": code, "Message": msg,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// decodeJSON reads a request body strictly: unknown fields are an error so
// typos do not pass silently.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return left4me.Errorf(left4me.EINVALID, "bad JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}
