package left4me_test

import (
	"testing"

	"github.com/left4me/left4me"
)

func TestJobTypeClassification(t *testing.T) {
	for _, typ := range []string{left4me.JobServerStart, left4me.JobServerStop, left4me.JobServerRestart, left4me.JobServerReset, left4me.JobServerDelete} {
		if !left4me.IsLifecycleJob(typ) || left4me.IsIdempotentJob(typ) {
			t.Errorf("%s: want lifecycle, not idempotent", typ)
		}
	}
	if left4me.IsLifecycleJob(left4me.JobWorkshopRefresh) || !left4me.IsIdempotentJob(left4me.JobWorkshopRefresh) {
		t.Errorf("%s: want idempotent, not lifecycle", left4me.JobWorkshopRefresh)
	}
}

func TestValidateArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"+map", "c1m1_hotel", "-tickrate", "100"}, true},
		{[]string{"+map c1m1_hotel"}, false},
		{[]string{"ok", "$(reboot)"}, false},
		{[]string{""}, false},
		{[]string{"'quoted'"}, false},
	} {
		err := left4me.ValidateArgs(tc.args)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateArgs(%q) = %v, want ok=%v", tc.args, err, tc.ok)
		} else if err != nil && left4me.ErrorCode(err) != left4me.EINVALID {
			t.Errorf("ValidateArgs(%q) code = %s, want %s", tc.args, left4me.ErrorCode(err), left4me.EINVALID)
		}
	}
}
