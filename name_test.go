package left4me_test

import (
	"strings"
	"testing"

	"github.com/left4me/left4me"
)

func TestValidateName(t *testing.T) {
	for _, name := range []string{"a", "0", "srv1", "a-b_c", "9lives", strings.Repeat("a", 64)} {
		if err := left4me.ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"../x", "A", "-x", strings.Repeat("a", 65), "", "a/b", "_a", "a b", "a.b", ".", "srv\n", "é", "a\x00"} {
		err := left4me.ValidateName(name)
		if left4me.ErrorCode(err) != left4me.EINVALID {
			t.Errorf("ValidateName(%q) = %v, want EINVALID", name, err)
			continue
		}
		if msg := left4me.ErrorMessage(err); !strings.Contains(msg, "invalid server name") || !strings.Contains(msg, "a-z") {
			t.Errorf("ValidateName(%q) message %q does not say what is allowed", name, msg)
		}
	}
}

// FuzzValidateName checks the validator against an independent reading of
// the rule: 1 to 64 bytes, [a-z0-9] first, then [a-z0-9_-].
func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"a", "-x", "../x", "A", "a_b-c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		want := len(name) >= 1 && len(name) <= 64
		for i := 0; i < len(name) && want; i++ {
			c := name[i]
			ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '_' || c == '-')
			want = ok
		}
		if got := left4me.ValidateName(name) == nil; got != want {
			t.Errorf("ValidateName(%q) accepted=%v, want %v", name, got, want)
		}
	})
}
