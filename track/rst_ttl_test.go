package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestRefusingRSTKeepsItsTTL guards DataConn.RSTTTL: the TTL (hop limit)
// of the RST that refused a data connection, which the diagnosis reads
// against the server's control segments (a NAT router in front answers
// a port it does not forward with its own RST, one hop nearer: rv-nat
// pasvaddr-public). It is kept however the refusal is taken: after the
// SYN (held until the connection is final), with the SYN lost by the
// capture (takeRefusal), and written before the SYN it answers (the
// held RST replayed); an RST that ends a connection made, too.
func TestRefusingRSTKeepsItsTTL(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	const isn = 7777
	for _, tc := range []struct {
		name string
		run  func(s *session, seg func(src, dst netip.AddrPort, f decode.TCPFlags, seq, ack uint32, ttl uint8))
		want Outcome
	}{
		{"the SYN, then the RST", func(s *session, seg func(src, dst netip.AddrPort, f decode.TCPFlags, seq, ack uint32, ttl uint8)) {
			seg(dcli, dsrv, decode.FlagSYN, isn, 0, 63)
			seg(dsrv, dcli, ackRST, 0, isn+1, 64)
		}, OutcomeRefused},
		{"the RST alone, its SYN lost", func(s *session, seg func(src, dst netip.AddrPort, f decode.TCPFlags, seq, ack uint32, ttl uint8)) {
			seg(dsrv, dcli, ackRST, 0, isn+1, 64)
		}, OutcomeRefused},
		{"the RST written before its SYN", func(s *session, seg func(src, dst netip.AddrPort, f decode.TCPFlags, seq, ack uint32, ttl uint8)) {
			seg(dsrv, dcli, ackRST, 0, isn+1, 64)
			seg(dcli, dsrv, decode.FlagSYN, isn, 0, 63)
		}, OutcomeRefused},
		{"a connection made, then reset", func(s *session, seg func(src, dst netip.AddrPort, f decode.TCPFlags, seq, ack uint32, ttl uint8)) {
			seg(dcli, dsrv, decode.FlagSYN, isn, 0, 63)
			seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, 9000, isn+1, 64)
			seg(dcli, dsrv, decode.FlagACK, isn+1, 9001, 63)
			seg(dsrv, dcli, ackRST, 9001, isn+1, 64)
		}, OutcomeConnected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			tc.run(s, func(src, dst netip.AddrPort, f decode.TCPFlags, seq, ack uint32, ttl uint8) {
				s.num++
				s.tick(time.Millisecond)
				s.trk.Segment(&decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: f, Seq: seq, Ack: ack, TTL: ttl})
			})
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.RSTTS.IsZero() || !d.RSTFromServer {
				t.Fatalf("outcome %v, RST at %v from the server %v; want %v by the server's RST", d.Outcome, d.RSTTS, d.RSTFromServer, tc.want)
			}
			if d.RSTTTL != 64 {
				t.Errorf("RSTTTL %d, want the RST's 64", d.RSTTTL)
			}
		})
	}
}
