package left4me_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/left4me/left4me"
)

func TestParseInstanceSpecBothOverlayForms(t *testing.T) {
	in := `{
		"name": "srv1", "port": 27015, "args": ["+map", "c1m1_hotel"],
		"config": "hostname x\nexec server_top",
		"overlays": ["/r/overlays/1", {"path": "/r/overlays/2", "alias": "top"}, {"path": "/r/workshop_cache/3"}]
	}`
	spec, err := left4me.ParseInstanceSpec(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := left4me.InstanceSpec{
		Name: "srv1", Port: 27015, Args: []string{"+map", "c1m1_hotel"}, Config: "hostname x\nexec server_top",
		Overlays: []left4me.OverlayRef{{Path: "/r/overlays/1"}, {Path: "/r/overlays/2", Alias: "top"}, {Path: "/r/workshop_cache/3"}},
	}
	if !reflect.DeepEqual(*spec, want) {
		t.Errorf("parsed %+v\nwant   %+v", *spec, want)
	}
	// Unaliased overlays are written back in the bare form, and the result
	// parses to the same spec.
	out, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"overlays":["/r/overlays/1",{"path":"/r/overlays/2","alias":"top"},"/r/workshop_cache/3"]`) {
		t.Errorf("marshalled overlays: %s", out)
	}
	again, err := left4me.ParseInstanceSpec(strings.NewReader(string(out)))
	if err != nil || !reflect.DeepEqual(again, spec) {
		t.Errorf("round trip: %+v, %v", again, err)
	}
}

func TestParseInstanceSpecErrorsNameTheField(t *testing.T) {
	overlays := func(n int) string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprintf(`"/r/workshop_cache/%d"`, i))
		}
		return "[" + strings.Join(s, ",") + "]"
	}
	tests := []struct{ name, in, want string }{
		{"unknown field", `{"name":"a","port":1,"colour":"red"}`, `unknown field "colour"`},
		{"unknown overlay field", `{"name":"a","port":1,"overlays":[{"path":"/x","alais":"y"}]}`, `"alais"`},
		{"port as string", `{"name":"a","port":"27015"}`, `field "port"`},
		{"args not a list", `{"name":"a","port":1,"args":"+map x"}`, `field "args"`},
		{"config not a string", `{"name":"a","port":1,"config":5}`, `field "config"`},
		{"overlay a number", `{"name":"a","port":1,"overlays":[5]}`, `field "overlays"`},
		{"overlay path a number", `{"name":"a","port":1,"overlays":[{"path":5}]}`, `field "overlays.path"`},
		{"bad name", `{"name":"../x","port":1}`, `field "name"`},
		{"missing name", `{"port":1}`, `field "name"`},
		{"port zero", `{"name":"a","port":0}`, `field "port"`},
		{"port too big", `{"name":"a","port":70000}`, `field "port"`},
		{"arg with a space", `{"name":"a","port":1,"args":["+map","c1m1 hotel"]}`, `field "args[1]"`},
		{"arg with a quote", `{"name":"a","port":1,"args":["'x'"]}`, `field "args[0]"`},
		{"relative overlay", `{"name":"a","port":1,"overlays":["overlays/1"]}`, `field "overlays[0].path"`},
		{"overlay with colon", `{"name":"a","port":1,"overlays":["/a","/b:c"]}`, `field "overlays[1].path"`},
		{"empty overlay path", `{"name":"a","port":1,"overlays":[{"path":"","alias":"x"}]}`, `field "overlays[0].path"`},
		{"bad alias", `{"name":"a","port":1,"overlays":[{"path":"/a","alias":"Top-1"}]}`, `field "overlays[0].alias"`},
		{"duplicate alias", `{"name":"a","port":1,"overlays":[{"path":"/a","alias":"x"},{"path":"/b","alias":"x"}]}`, `field "overlays[1].alias"`},
		{"too many overlays", `{"name":"a","port":1,"overlays":` + overlays(500) + `}`, `field "overlays"`},
		{"malformed JSON", `{"name":"a",`, `instance spec`},
		{"empty input", ``, `empty input`},
		{"trailing data", `{"name":"a","port":1} {}`, `after the JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := left4me.ParseInstanceSpec(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("parsed %+v, want an error", spec)
			}
			if left4me.ErrorCode(err) != left4me.EINVALID {
				t.Errorf("code %q, want EINVALID (%v)", left4me.ErrorCode(err), err)
			}
			if msg := left4me.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
	if _, err := left4me.ParseInstanceSpec(strings.NewReader(`{"name":"a","port":1,"overlays":` + overlays(499) + `}`)); err != nil {
		t.Errorf("499 overlays (500 layers with the installation) refused: %v", err)
	}
}

// FuzzParseInstanceSpec: untrusted JSON (API bodies, spec files) never
// panics, and whatever is accepted is valid and round-trips.
func FuzzParseInstanceSpec(f *testing.F) {
	f.Add(`{"name":"a","port":1,"overlays":["/x",{"path":"/y","alias":"y"}]}`)
	f.Add(`{"name":"a","port":27015,"args":["+map","c1m1_hotel"],"config":"x"}`)
	f.Fuzz(func(t *testing.T, in string) {
		spec, err := left4me.ParseInstanceSpec(strings.NewReader(in))
		if err != nil {
			if left4me.ErrorCode(err) != left4me.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if err := spec.Validate(); err != nil {
			t.Fatalf("accepted an invalid spec: %v", err)
		}
		out, err := json.Marshal(spec)
		if err != nil {
			t.Fatal(err)
		}
		again, err := left4me.ParseInstanceSpec(strings.NewReader(string(out)))
		if err != nil || !reflect.DeepEqual(again, spec) {
			t.Fatalf("round trip of %s: %+v, %v", out, again, err)
		}
	})
}
