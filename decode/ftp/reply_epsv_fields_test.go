package ftp

import "testing"

// TestReply229FieldsFlagged: a 229 whose endpoint fills in the network
// protocol or address field RFC 2428 requires empty is flagged
// ReplyEPSVFields ("epsv-fields" in the JSON reply); one as the RFC
// writes it, with any delimiter, is not, nor is another code's text that
// looks like one. curl and lftp reject such a 229, and a Linux conntrack
// helper drops its segment: it was read with no note at all.
func TestReply229FieldsFlagged(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		want  bool
	}{
		{[]string{"229 Entering Extended Passive Mode (|1|172.16.9.9|50104|)"}, true},
		{[]string{"229 Entering Extended Passive Mode (|1||50104|)"}, true},
		{[]string{"229 Entering Extended Passive Mode (|2|2001:db8::9|50104|)"}, true},
		{[]string{"229-Entering Extended Passive Mode", "229 (!1!10.0.0.1!50104!)"}, true},
		{[]string{"229 Entering Extended Passive Mode (|||50104|)"}, false},
		{[]string{"229 Entering Extended Passive Mode (!!!50104!)"}, false},
		{[]string{"229 Entering Extended Passive Mode (|1|bogus|50104|)"}, false}, // no endpoint at all: endpoint_error says why
		{[]string{"200 (|1|172.16.9.9|50104|)"}, false},
	} {
		var rr ReplyReader
		var r *Reply
		for _, l := range tc.lines {
			var err error
			if r, err = rr.Line([]byte(l)); err != nil {
				t.Fatal(err)
			}
		}
		if r == nil {
			t.Fatalf("%q: no reply", tc.lines)
		}
		if got := r.Anomaly&ReplyEPSVFields != 0; got != tc.want {
			t.Errorf("%q: anomaly %s, want epsv-fields %v", tc.lines, r.Anomaly, tc.want)
		}
		if got := EPSVFieldsFilled(r.Text); got != tc.want && r.Code == 229 {
			t.Errorf("EPSVFieldsFilled(%q) = %v", r.Text, got)
		}
	}
	if got := ReplyEPSVFields.String(); got != "epsv-fields" {
		t.Errorf("ReplyEPSVFields.String() = %q", got)
	}
}
