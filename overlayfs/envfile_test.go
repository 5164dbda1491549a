package overlayfs_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/left4me/left4me/overlayfs"
)

// TestParseEnvSystemdSyntax covers systemd's EnvironmentFile= rules
// (systemd.exec(5), env-file.c): comments, the three quoting styles,
// escapes, continuation lines and trailing blanks.
func TestParseEnvSystemdSyntax(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"plain", "A=1\nB=two words\n", map[string]string{"A": "1", "B": "two words"}},
		{"comments and blank lines", "# c\n; c\n\n  A=1\n", map[string]string{"A": "1"}},
		{"comment continued by backslash", "# c \\\nB=1\nA=2", map[string]string{"A": "2"}},
		{"trailing blanks dropped", "A=x  \t\n", map[string]string{"A": "x"}},
		{"blanks around key and after =", "  A  =   x\n", map[string]string{"A": "x"}},
		{"escaped trailing blank kept", "A=x\\ \n", map[string]string{"A": "x "}},
		{"unquoted backslash escapes", `A=a\$b\\c\"d` + "\n", map[string]string{"A": `a$b\c"d`}},
		{"unquoted continuation", "A=a\\\nb\n", map[string]string{"A": "ab"}},
		{"quotes literal inside unquoted", `A=a"b"c` + "\n", map[string]string{"A": `a"b"c`}},
		{"single quotes literal", `A='a\$b "c"'` + "\n", map[string]string{"A": `a\$b "c"`}},
		{"double quote escapes", `A="q\" b\\ d\$ t\` + "`" + ` n\n"` + "\n", map[string]string{"A": "q\" b\\ d$ t` n\\n"}},
		{"double quoted newline continuation", "A=\"a\\\nb\"\n", map[string]string{"A": "ab"}},
		{"pieces concatenate", `A="a"'b'"c"` + "\n", map[string]string{"A": "abc"}},
		{"empty values", "A=\nB=\"\"\n", map[string]string{"A": "", "B": ""}},
		{"later assignment wins", "A=1\nA=2\n", map[string]string{"A": "2"}},
		{"CRLF line ends", "A=1\r\nB=2\r\n", map[string]string{"A": "1", "B": "2"}},
		{"no final newline", "A=1", map[string]string{"A": "1"}},
		{"colon lists", "L4D2_LOWERDIRS=/a:/b c:/d\n", map[string]string{"L4D2_LOWERDIRS": "/a:/b c:/d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := overlayfs.ParseEnv(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseEnv(%q): %v", tt.in, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParseEnv(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseEnvErrors(t *testing.T) {
	for _, in := range []string{
		"1A=x\n",
		"A-B=x\n",
		"just words\n",
		"A=\"open\n",
		"A='open\n",
		"=x\n",
		strings.Repeat("A=x\n", 300000),
	} {
		if got, err := overlayfs.ParseEnv(strings.NewReader(in)); err == nil {
			t.Errorf("ParseEnv(%.40q) = %v, want an error", in, got)
		}
	}
}

func TestEncodeEnvRoundTrip(t *testing.T) {
	vars := []overlayfs.EnvVar{
		{Key: "A", Value: `quote " backslash \ dollar $HOME ${X} backtick ` + "`"},
		{Key: "B", Value: "  spaces kept  "},
		{Key: "C", Value: "'single' # not a comment ; nor this"},
		{Key: "D", Value: "ünïcödé"},
		{Key: "E", Value: ""},
	}
	data, err := overlayfs.EncodeEnv(vars)
	if err != nil {
		t.Fatal(err)
	}
	got, err := overlayfs.ParseEnv(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("ParseEnv of encoded %q: %v", data, err)
	}
	for _, v := range vars {
		if got[v.Key] != v.Value {
			t.Errorf("%s round-tripped to %q, want %q (encoded %q)", v.Key, got[v.Key], v.Value, data)
		}
	}
	for _, bad := range []overlayfs.EnvVar{{Key: "A", Value: "new\nline"}, {Key: "A", Value: "\x00"}, {Key: "A", Value: "\xff"}, {Key: "1A", Value: ""}} {
		if _, err := overlayfs.EncodeEnv([]overlayfs.EnvVar{bad}); err == nil {
			t.Errorf("EncodeEnv(%q) succeeded, want an error", bad)
		}
	}
}

func TestInstanceEnv(t *testing.T) {
	in := overlayfs.InstanceEnv{
		Port:      27016,
		Args:      []string{"+map", "c1m1_hotel", "+sv_lan", "0"},
		LowerDirs: []string{"/r/overlays/7", "/r/workshop_cache/123", "/r/installation"},
	}
	data, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	vars, err := overlayfs.ParseEnv(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if vars["L4D2_ARGS"] != "+map c1m1_hotel +sv_lan 0" || vars["L4D2_PORT"] != "27016" ||
		vars["L4D2_LOWERDIRS"] != "/r/overlays/7:/r/workshop_cache/123:/r/installation" {
		t.Errorf("instance.env = %q", vars)
	}
	out, err := overlayfs.DecodeInstanceEnv(vars)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*out, in) {
		t.Errorf("decoded %+v, want %+v", *out, in)
	}
	for _, bad := range []overlayfs.InstanceEnv{
		{Port: 1, Args: []string{"two words"}, LowerDirs: []string{"/a"}},
		{Port: 1, LowerDirs: []string{"/a:b"}},
		{Port: 1, LowerDirs: []string{""}},
	} {
		if _, err := bad.Encode(); err == nil {
			t.Errorf("Encode(%+v) succeeded, want an error", bad)
		}
	}
	for _, vars := range []map[string]string{
		{"L4D2_PORT": "x", "L4D2_LOWERDIRS": "/a"},
		{"L4D2_PORT": "70000", "L4D2_LOWERDIRS": "/a"},
		{"L4D2_PORT": "1"},
	} {
		if _, err := overlayfs.DecodeInstanceEnv(vars); err == nil {
			t.Errorf("DecodeInstanceEnv(%q) succeeded, want an error", vars)
		}
	}
	got, _ := overlayfs.DecodeInstanceEnv(map[string]string{"L4D2_PORT": "1", "L4D2_LOWERDIRS": "/a::/b"})
	if !slices.Equal(got.LowerDirs, []string{"/a", "", "/b"}) {
		t.Errorf("empty entries must survive decoding for validation, got %q", got.LowerDirs)
	}
}

// FuzzParseEnv feeds untrusted env files (the root helper reads one the
// unprivileged user can write): no panic, and whatever parses survives a
// round trip through EncodeEnv when it is encodable.
func FuzzParseEnv(f *testing.F) {
	for _, s := range []string{"A=1\n", `A="x\"y"` + "\n", "A='q'\"w\"e\n", "# c\\\nA=\\\n", "L4D2_LOWERDIRS=/a:/b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vars, err := overlayfs.ParseEnv(strings.NewReader(in))
		if err != nil {
			return
		}
		var list []overlayfs.EnvVar
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			list = append(list, overlayfs.EnvVar{Key: k, Value: vars[k]})
		}
		data, err := overlayfs.EncodeEnv(list)
		if err != nil {
			return // values with control characters are not ours to write
		}
		again, err := overlayfs.ParseEnv(strings.NewReader(string(data)))
		if err != nil || !maps.Equal(vars, again) {
			t.Fatalf("round trip of %q: %q -> %q (%v)", in, vars, again, err)
		}
	})
}

// FuzzEncodeEnv checks that any encodable value reads back unchanged.
func FuzzEncodeEnv(f *testing.F) {
	f.Add("plain")
	f.Add(`"\$` + "`'#;")
	f.Fuzz(func(t *testing.T, v string) {
		data, err := overlayfs.EncodeEnv([]overlayfs.EnvVar{{Key: "K", Value: v}})
		if err != nil {
			return
		}
		got, err := overlayfs.ParseEnv(strings.NewReader(string(data)))
		if err != nil || got["K"] != v {
			t.Fatalf("value %q encoded as %q read back as %q (%v)", v, data, got["K"], err)
		}
	})
}
