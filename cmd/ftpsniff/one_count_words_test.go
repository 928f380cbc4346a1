package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestCountOfOneIsSingular guards the number agreement of text output
// (rev39 newcomer's reading): "1 bytes" (a data connection that moved
// one byte), "passive ports announced 3968" (one port), "1 findings at
// or above --fail-on", "[1 bytes over the line limit dropped]". A count
// of one takes the singular; of two, the plural still.
func TestCountOfOneIsSingular(t *testing.T) {
	one := diagnose.PortStats{Count: 1, Distinct: 1, Min: 3968, Max: 3968}
	two := diagnose.PortStats{Count: 2, Distinct: 2, Min: 3968, Max: 3979}
	for _, tt := range []struct{ name, got, want string }{
		{"bytes, one", byteSplit(&track.DataConn{Bytes: [2]int64{0, 1}}), "1 byte"},
		{"bytes, two", byteSplit(&track.DataConn{Bytes: [2]int64{0, 2}}), "2 bytes"},
		{"dropped, one", droppedNote(1), "[1 byte over the line limit dropped]"},
		{"dropped, two", droppedNote(2), "[2 bytes over the line limit dropped]"},
		{"fail-on, one", findingsError{n: 1}.Error(), "1 finding at or above --fail-on"},
		{"fail-on, two", findingsError{n: 2}.Error(), "2 findings at or above --fail-on"},
		{"one port", onePortLabel("passive ports announced", one), "passive port announced"},
		{"one port seen", onePortLabel("passive ports seen (their announcements not in the capture)", one), "passive port seen (its announcement not in the capture)"},
		{"two ports", onePortLabel("passive ports announced", two), "passive ports announced"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestOutsideRangeVerdictOnePort guards the verdict of the README's
// classic case: one passive port outside the firewall's range is "port
// 3968", not "ports 3968".
func TestOutsideRangeVerdictOnePort(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--summary", "--color", "never", "--pasv-range", "40000-41000", "../../pcaps/synthetic/walkthrough.pcap"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := strings.Join(strings.Fields(stdout.String()), " ")
	if !strings.Contains(out, "announces passive port 3968 outside the range 40000-41000") {
		t.Errorf("verdict does not say one port:\n%s", stdout.String())
	}
}
