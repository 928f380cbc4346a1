package diagnose

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestNamesAnotherHostForTheHelper guards what read --helper takes for an
// FTP bounce, whose refusal by the Linux helper is info with no advice: a
// PORT naming a public third host from a client on the server's own
// network is one; a PORT naming the endpoint of the client's other
// session's 227 (a server-to-server transfer, FXP) and a public address
// that may be the client's NAT's (its external IP setting: announcing its
// own address is the fix there) are not.
func TestNamesAnotherHostForTheHelper(t *testing.T) {
	lastPORT := func(w *wire, srv netip.AddrPort) (*track.Session, *track.DataConn) {
		for s := range w.d.sess {
			if s.Server == srv && len(s.Data) > 0 {
				return s, s.Data[len(s.Data)-1]
			}
		}
		t.Fatalf("no session to %s with a data connection", srv)
		return nil, nil
	}
	for _, tc := range []struct {
		name, cli, srv string
		ep             string
		portTo         string // the PORT goes to this server, in a second session ("": the first's)
		want           bool
	}{
		{"bounce from the server's network", "10.2.0.5:40000", "10.2.0.9:21", "198.51.100.7:3389", "", true},
		{"external IP of a client behind NAT", "192.168.1.10:40000", "198.51.100.10:21", "203.0.113.5:50000", "", false},
		// The first session's server A announces ep; the PORT on B names it.
		{"FXP", "198.51.100.66:40001", "203.0.113.20:21", "203.0.113.20:40000", "192.0.2.30:21", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got bool
			runExt(t, tc.cli, tc.srv, func(w *wire) {
				if tc.portTo != "" {
					w.reply227(ap(tc.ep).Addr().As4(), ap(tc.ep).Port())
					extSession(w, "198.51.100.66:40002", tc.portTo)
				}
				w.announceActive(ftp.ViaPORT, ap(tc.ep), 200, "PORT command successful.")
				s, dc := lastPORT(w, w.srv)
				got = w.d.NamesAnotherHost(s, dc.Announced, dc)
			})
			if got != tc.want {
				t.Errorf("NamesAnotherHost = %v, want %v", got, tc.want)
			}
		})
	}
}
