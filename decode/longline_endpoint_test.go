package decode

import (
	"strings"
	"testing"
)

// TestPaddedAnnouncementKeepsItsEndpoint: a 227 or 229 padded past the
// line bound (a server's long text, or one hiding a data channel from a
// monitor) keeps its endpoint, which ends the line and which the client
// and a firewall's FTP helper still read: the line keeps its first and
// its last bytes. It used to keep the first only, and the announcement,
// and the data connection with it, vanished.
func TestPaddedAnnouncementKeepsItsEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name, reply string
		code        int
		port        uint16
	}{
		{"227", "227 Entering Passive Mode" + strings.Repeat(" ", 5000) + "(10,1,0,1,156,64).\r\n", 227, 40000},
		{"229", "229 Entering Extended Passive Mode " + strings.Repeat("x", 9000) + " (|||40001|)\r\n", 229, 40001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 ready\r\n")
			v.cli("PASV\r\n")
			v.srv(tc.reply)
			d.Finish()
			found := false
			for _, e := range rec.control {
				if e.Kind == ControlReply && e.Reply.Code == tc.code {
					found = true
					if e.EndpointErr != nil || e.Endpoint.Addr.Port() != tc.port {
						t.Errorf("endpoint %v (%v), want port %d", e.Endpoint.Addr, e.EndpointErr, tc.port)
					}
				}
			}
			if !found {
				t.Fatal("no reply")
			}
			if st := d.Stats(); st.LinesTruncated != 1 {
				t.Errorf("%d lines cut, want the padded one", st.LinesTruncated)
			}
		})
	}
}
