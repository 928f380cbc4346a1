package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestOtherAttemptsRecordedOnTheDataConn guards the fact the diagnosis
// reads when it says a connection to a passive port was the only one
// (DataConn.OtherAttempts): other sources' attempts to the endpoint that
// the record does not tell, after the connection took it (the SYNs
// counted in Limits.DataEndpointTaken, and taken back with them when
// the endpoint is announced again just after such a SYN) or set aside
// for a later SYN matched by the port alone too. Before, only the
// capture-wide count knew of them, and a server's verdict said "the only
// connection to passive port 40000" of the first of ten hosts'.
func TestOtherAttemptsRecordedOnTheDataConn(t *testing.T) {
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	cliData := netip.MustParseAddrPort("198.51.100.7:50001")
	foreign := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(70 + i)}), 50001+uint16(i))
	}
	passive := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	}
	for _, tc := range []struct {
		name  string
		run   func(s *session)
		taken int   // Limits.DataEndpointTaken
		want  []int // each data record's OtherAttempts
	}{
		{"five hosts' connections to one passive port", func(s *session) {
			passive(s)
			s.cmd("RETR", "f")
			for i := range 5 {
				c := foreign(i)
				s.segAck(c, dsrv, decode.FlagSYN, 1000, 0, 0)
				s.segAck(dsrv, c, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
				s.segAck(c, dsrv, decode.FlagACK, 1001, 5001, 0)
				s.segAck(dsrv, c, decode.FlagFIN|decode.FlagACK, 5001, 1001, 0)
				s.segAck(c, dsrv, decode.FlagFIN|decode.FlagACK, 1001, 5002, 0)
				s.tick(200 * time.Millisecond)
			}
		}, 4, []int{4}},
		{"five hosts' SYNs refused", func(s *session) {
			passive(s)
			s.cmd("RETR", "f")
			for i := range 5 {
				c := foreign(i)
				s.segAck(c, dsrv, decode.FlagSYN, 1000, 0, 0)
				s.segAck(dsrv, c, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
				s.tick(200 * time.Millisecond)
			}
		}, 0, []int{4}},
		{"the client's own connection alone", func(s *session) {
			passive(s)
			s.handshakeTransfer(cliData, dsrv, 100)
		}, 0, []int{0}},
		{"the endpoint announced again just after the SYN", func(s *session) {
			passive(s)
			s.handshakeTransfer(cliData, dsrv, 100)
			s.cmd("PASV", "")
			retry := netip.AddrPortFrom(cliData.Addr(), cliData.Port()+1)
			s.segAck(retry, dsrv, decode.FlagSYN, 3000, 0, 0)
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
		}, 0, []int{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.run(s)
			s.end()
			if got := s.trk.Limits().DataEndpointTaken; got != tc.taken {
				t.Errorf("DataEndpointTaken %d, want %d", got, tc.taken)
			}
			if len(s.rec.data) != len(tc.want) {
				t.Fatalf("%d data records, want %d", len(s.rec.data), len(tc.want))
			}
			for i, dc := range s.rec.data {
				if int(dc.OtherAttempts) != tc.want[i] {
					t.Errorf("data connection %d (from %s): OtherAttempts %d, want %d", i+1, dc.Client, dc.OtherAttempts, tc.want[i])
				}
			}
		})
	}
}
