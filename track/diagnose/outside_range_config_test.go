package diagnose

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestPortOutsideRangeAdviceWithServerConfig guards the advice of
// port-outside-range when --server-config is given: with a firewall range
// (--pasv-range) that differs from the server's, opening the server's own
// range is offered only when the port lies in it (a port the server picked
// outside any known range is never offered: the next session picks
// another); a port outside the file's range too shows that the server that
// answered does not run that file, and the advice never asks to set in it
// what it sets already (with --server-config anon.conf --pasv-range
// 40000-40100 on pasv-outside-range.pcap it said "Keep the server inside
// the firewall range: pasv_min_port=40000 and pasv_max_port=40100", the
// file's own lines); the advice names the control port another server may
// answer on.
func TestPortOutsideRangeAdviceWithServerConfig(t *testing.T) {
	fw := policy.Ranges{{Lo: 40000, Hi: 40100}}
	for _, tc := range []struct {
		name, server, conf string
		fw                 policy.Ranges
		ann                string
		want, never        []string
	}{
		{name: "firewall range differs, port in the server's own range",
			server: "198.51.100.1:21", conf: "pasv_min_port=50000\npasv_max_port=50100\n", fw: fw, ann: "198.51.100.1:50075",
			want: []string{"outside the range 40000-40100 the firewall is meant to allow",
				"Keep the server inside the firewall range: pasv_min_port=40000 and pasv_max_port=40100 (then restart the server); or, if 50000-50100 is what you want, open it",
				"tcp dport 50000-50100"}},
		{name: "firewall range differs, port in neither range",
			server: "198.51.100.1:21", conf: "pasv_min_port=45000\npasv_max_port=45100\n", fw: fw, ann: "198.51.100.1:50075",
			want:  []string{"The server that answered does not run vsftpd.conf: port 50075 is outside the range 45000-45100 it sets too. Check which file the server reads; there, keep the server inside the firewall range: pasv_min_port=40000 and pasv_max_port=40100 (then restart the server)."},
			never: []string{"what you want", "dport", "50075-"}},
		{name: "no range set, port below vsftpd's own 5001: not this file",
			server: "198.51.100.1:21", conf: "listen=YES\n", fw: fw, ann: "198.51.100.1:3968",
			want:  []string{"The server that answered does not run vsftpd.conf: it sets no passive range, so the server picks from 5001-65535 itself, and port 3968 is outside that too. Check which file the server reads; there, keep the server inside the firewall range: pasv_min_port=40000 and pasv_max_port=40100 (then restart the server)."},
			never: []string{"what you want", "dport"}},
		{name: "no range set, port vsftpd may pick: keep it inside",
			server: "198.51.100.1:21", conf: "listen=YES\n", fw: fw, ann: "198.51.100.1:50075",
			want:  []string{"Keep the server inside the firewall range: pasv_min_port=40000 and pasv_max_port=40100 (then restart the server)."},
			never: []string{"does not run", "what you want", "dport"}},
		{name: "the file sets the firewall's range: nothing to set",
			server: "198.51.100.1:21", conf: "pasv_min_port=40000\npasv_max_port=40100\n", fw: fw, ann: "198.51.100.1:50075",
			want:  []string{"vsftpd.conf sets 40000-40100 already, the range the firewall allows: the server that answered does not run that configuration. Check that vsftpd.conf is the file the server reads, and restart the server; a second server or a container may answer on port 21 instead."},
			never: []string{"Keep the server inside", "what you want", "dport"}},
		{name: "no firewall range: the control port another server may answer on",
			server: "198.51.100.1:2121", conf: "listen_port=2121\npasv_min_port=40000\npasv_max_port=40100\n", ann: "198.51.100.1:50075",
			want: []string{"outside the range 40000-40100 of the configuration given: the server that answered does not run that configuration",
				"Check that vsftpd.conf is the file the server reads",
				"a second server or a container may answer on port 2121 instead"},
			never: []string{"answer on port 50075", "answer on port 21 "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := policy.ParseServerConfig("vsftpd.conf", []byte(tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			s := sess("203.0.113.7:50000", tc.server)
			port := ap(tc.ann).Port()
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, tc.ann, 229, "Entering Extended Passive Mode (|||"+strconv.Itoa(int(port))+"|)")
			syn(dc, "203.0.113.7:40001", tc.ann, 12, 3, 2055*time.Millisecond)
			dc.Match, dc.Outcome, dc.End = track.MatchExact, track.OutcomeUnanswered, dc.LastSYN
			c, _ := feed(policy.Policy{Ranges: tc.fw, Server: sc}, s)
			f := c.find(CodePortOutsideRange)
			if f == nil {
				t.Fatalf("no %s", CodePortOutsideRange)
			}
			text := f.Message + "\n" + f.Advice
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(text, n) {
					t.Errorf("says %q:\n%s", n, text)
				}
			}
		})
	}
}
