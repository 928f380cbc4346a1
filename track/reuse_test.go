package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestPassiveEndpointReusedByNextTransfer: one PASV, then two RETRs, the
// server keeping its listener (pasv-reuse-fail.pcap, gen12.py). The first
// connection took the announcement, so the second RETR's SYNs matched
// nothing: counted as to a taken endpoint, not followed, while the text
// said "the data connection worked" and the 425 "no announcement for
// this transfer". The second transfer command arms the endpoint again for
// itself, taken only by its own client's SYN; a new PASV, or a gap in the
// control connection (a PASV the capture lost), arms nothing.
func TestPassiveEndpointReusedByNextTransfer(t *testing.T) {
	endpoint := netip.MustParseAddrPort("192.0.2.10:40000")
	first := netip.MustParseAddrPort("198.51.100.7:50001")
	second := netip.MustParseAddrPort("198.51.100.7:50002")
	stranger := netip.MustParseAddrPort("203.0.113.9:50002")
	for _, tc := range []struct {
		name string
		run  func(s *session)
		want []Outcome // the data records, in order
		// the second record's client (zero: none)
		from netip.AddrPort
	}{
		{"second transfer's SYNs unanswered", func(s *session) {
			s.cmd("RETR", "b")
			s.reply(150, "Opening data connection")
			for range 3 {
				s.seg(second, endpoint, decode.FlagSYN, 3000, 0)
				s.tick(3 * time.Second)
			}
			s.reply(425, "Can't open data connection")
		}, []Outcome{OutcomeTransferred, OutcomeUnanswered}, second},
		{"second transfer connects", func(s *session) {
			s.cmd("RETR", "b")
			s.reply(150, "Opening data connection")
			s.handshakeTransfer(second, endpoint, 700)
			s.reply(226, "Transfer complete")
		}, []Outcome{OutcomeTransferred, OutcomeTransferred}, second},
		{"another host's SYN is not taken", func(s *session) {
			s.cmd("RETR", "b")
			s.reply(150, "Opening data connection")
			s.handshakeTransfer(stranger, endpoint, 700)
			s.reply(425, "Can't open data connection")
		}, []Outcome{OutcomeTransferred}, netip.AddrPort{}},
		{"no SYN to it: the transfer keeps no announcement", func(s *session) {
			s.cmd("RETR", "b")
			s.reply(150, "Opening data connection")
			s.reply(425, "Can't open data connection")
		}, []Outcome{OutcomeTransferred}, netip.AddrPort{}},
		{"a new PASV first", func(s *session) {
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
			s.cmd("RETR", "b")
			s.reply(425, "Can't open data connection")
		}, []Outcome{OutcomeTransferred, OutcomeNotAttempted}, netip.AddrPort{}},
		{"after a gap in the control connection", func(s *session) {
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: true})
			s.cmd("RETR", "b")
			s.reply(150, "Opening data connection")
			s.handshakeTransfer(second, endpoint, 700)
			s.reply(226, "Transfer complete")
		}, []Outcome{OutcomeTransferred}, netip.AddrPort{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.cmd("RETR", "a")
			s.reply(150, "Opening data connection")
			s.handshakeTransfer(first, endpoint, 1500)
			s.reply(226, "Transfer complete")
			tc.run(s)
			s.cmd("QUIT", "")
			s.reply(221, "Bye")
			s.end()
			var got []Outcome
			for _, d := range s.rec.data {
				got = append(got, d.Outcome)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("data records %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("data records %v, want %v", got, tc.want)
					break
				}
			}
			if len(got) < 2 {
				return
			}
			d := s.rec.data[1]
			if d.Seen() != tc.from.IsValid() || d.Seen() && d.Client != tc.from {
				t.Errorf("second record's connection %v (seen %v), want %v", d.Client, d.Seen(), tc.from)
			}
			if d.Command == nil || d.Command.Arg != "b" {
				t.Errorf("second record's command %v, want RETR b", d.Command)
			}
		})
	}
}
