package left4me

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// InstanceSpec is what the web app (or an operator with l4d2ctl) hands the host
// library to run one server: it is stored as instances/<name>/spec.json.
type InstanceSpec struct {
	Name   string   `json:"name"`
	Port   int      `json:"port"`
	Args   []string `json:"args"`   // extra srcds arguments, e.g. ["+map", "c1m1_hotel"]
	Config string   `json:"config"` // server.cfg text
	// Overlays are the addon layers, uppermost first. The installation is
	// always added below them by the host library.
	Overlays []OverlayRef `json:"overlays"`
}

// OverlayRef is one overlay layer of a spec. An Alias opts the overlay's
// left4dead2/cfg/server.cfg in: it is staged as server_<alias>.cfg.
//
// In JSON it is either a bare path string or {"path": ..., "alias": ...}.
type OverlayRef struct {
	Path  string `json:"path"`
	Alias string `json:"alias,omitempty"`
}

// UnmarshalJSON accepts both the bare string and the object form.
func (r *OverlayRef) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		*r = OverlayRef{}
		return json.Unmarshal(data, &r.Path)
	}
	type plain OverlayRef
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*r = OverlayRef(p)
	return nil
}

// MarshalJSON writes the bare string form when there is no alias.
func (r OverlayRef) MarshalJSON() ([]byte, error) {
	if r.Alias == "" {
		return json.Marshal(r.Path)
	}
	type plain OverlayRef
	return json.Marshal(plain(r))
}

// MaxOverlays is the most layers overlayfs stacks, the installation included.
const MaxOverlays = 500

var (
	validAlias = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,63}$`)
	// An argument reaches srcds through systemd's $L4D2_ARGS word splitting,
	// so it must be one word with nothing a shell or systemd would interpret.
	validArg = regexp.MustCompile(`^[A-Za-z0-9_+\-.:/,=@#]{1,256}$`)
)

// ParseInstanceSpec decodes and validates a spec. Unknown fields and malformed
// values are refused with an error that names the field.
func ParseInstanceSpec(r io.Reader) (*InstanceSpec, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var spec InstanceSpec
	if err := dec.Decode(&spec); err != nil {
		return nil, Errorf(EINVALID, "instance spec: %s", describeJSONError(err))
	}
	if dec.More() {
		return nil, Errorf(EINVALID, "instance spec: unexpected data after the JSON object")
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return &spec, nil
}

// Validate checks every field and returns an EINVALID *Error naming the first bad one.
func (s *InstanceSpec) Validate() error {
	if err := ValidateName(s.Name); err != nil {
		return Errorf(EINVALID, "instance spec: field \"name\": %s", ErrorMessage(err))
	}
	if s.Port < 1 || s.Port > 65535 {
		return Errorf(EINVALID, "instance spec: field \"port\": %d is not a port number (1-65535)", s.Port)
	}
	for i, a := range s.Args {
		if !validArg.MatchString(a) {
			return Errorf(EINVALID, "instance spec: field \"args[%d]\": %q is not a plain argument (letters, digits and _+-.:/,=@# only, no spaces or quotes)", i, a)
		}
	}
	if len(s.Overlays) > MaxOverlays-1 {
		return Errorf(EINVALID, "instance spec: field \"overlays\": %d layers, at most %d fit above the installation", len(s.Overlays), MaxOverlays-1)
	}
	aliases := map[string]bool{}
	for i, o := range s.Overlays {
		if o.Path == "" || !strings.HasPrefix(o.Path, "/") || strings.ContainsAny(o.Path, ":\n\x00") {
			return Errorf(EINVALID, "instance spec: field \"overlays[%d].path\": %q must be an absolute path without ':'", i, o.Path)
		}
		if o.Alias == "" {
			continue
		}
		if !validAlias.MatchString(o.Alias) {
			return Errorf(EINVALID, "instance spec: field \"overlays[%d].alias\": %q must be 1 to 64 characters a-z, 0-9 or '_'", i, o.Alias)
		}
		if aliases[o.Alias] {
			return Errorf(EINVALID, "instance spec: field \"overlays[%d].alias\": %q is used twice", i, o.Alias)
		}
		aliases[o.Alias] = true
	}
	return nil
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q: expected %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF):
		return "empty input"
	}
	return err.Error()
}
