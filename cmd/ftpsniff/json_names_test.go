package main

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestRecordNamesArePlain: every value the JSON records write with
// jsonWriter.name (no escape scan) is plain ASCII that appendJSONString
// would copy unchanged, for every value of its type, the ones past the
// names included.
func TestRecordNamesArePlain(t *testing.T) {
	var names []string
	for v := range 256 {
		names = append(names, track.CommandStatus(v).String(), track.Outcome(v).String(),
			track.EndReason(v).String(), diagnose.Severity(v).String(),
			(&track.DataConn{Via: ftp.Via(v)}).ViaName())
	}
	for m := track.MatchRule(0); ; m++ {
		var s string
		func() {
			defer func() { _ = recover() }()
			s = m.String()
		}()
		if s == "" && m != track.MatchNone {
			break // past the table
		}
		names = append(names, s)
	}
	names = append(names, "finding", "session")
	for _, s := range names {
		if plainHead(s) != len(s) {
			t.Errorf("%q is written unescaped, but needs escaping", s)
		}
		var w jsonWriter
		w.begin()
		w.name("k", s)
		var x jsonWriter
		x.begin()
		x.str("k", s)
		if string(w.b) != string(x.b) {
			t.Errorf("name %q: %s, str writes %s", s, w.b, x.b)
		}
	}
}
