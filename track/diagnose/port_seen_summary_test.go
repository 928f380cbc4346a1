package diagnose

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestPortSeenCountedAsSeenNotAnnounced guards the server summary of a
// data connection whose 227 the capture could not read (track's
// PortSeen: the port of the client's SYN right after): its port is
// counted as seen (Inferred, Unread), so the summary line says "seen",
// not "announced", of a port the server never showed.
func TestPortSeenCountedAsSeenNotAnnounced(t *testing.T) {
	s := sess("198.51.100.7:50000", "192.0.2.10:21")
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "192.0.2.10:40321", 227, "Entering Passive Mode (192,0,2")
	dc.PortSeen = true
	dc.Outcome = track.OutcomeTransferred
	_, d := feed(policy.Policy{}, s)
	ps := d.Summaries()[0].PortsAnnounced
	if ps.Count != 1 || ps.Inferred != 1 || ps.Unread != 1 || ps.BeforeCapture != 0 || ps.OneSide != 0 {
		t.Errorf("ports %+v: want 1 counted, inferred and unread", ps)
	}
}
