package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestSYNsToATakenEndpointAreCounted: once a data connection takes an
// announcement, it leaves the port index, and a SYN to the same endpoint
// from elsewhere (other hosts trying a passive port, a client's retry
// from a new port) matches nothing. It is counted
// (Limits.DataEndpointTaken), not dropped in silence: once per source
// port (a SYN sent again is the same attempt), never for the taking
// connection's own late SYN, and taken back when the endpoint is
// announced again just after it (a capture's queues wrote the SYN before
// the 227) and the SYN is matched to that.
func TestSYNsToATakenEndpointAreCounted(t *testing.T) {
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	cliData := netip.MustParseAddrPort("198.51.100.7:50001")
	foreign := func(port uint16) netip.AddrPort {
		return netip.AddrPortFrom(netip.MustParseAddr("203.0.113.77"), port)
	}
	passive := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	}
	for _, tc := range []struct {
		name string
		run  func(s *session)
		want int // DataEndpointTaken
		data int // data records
	}{
		{"five hosts' connections to one passive port", func(s *session) {
			passive(s)
			s.cmd("RETR", "f")
			for i := range 5 {
				c := foreign(50001 + uint16(i))
				s.segAck(c, dsrv, decode.FlagSYN, 1000, 0, 0)
				s.segAck(dsrv, c, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
				s.segAck(c, dsrv, decode.FlagACK, 1001, 5001, 0)
				s.segAck(dsrv, c, decode.FlagFIN|decode.FlagACK, 5001, 1001, 0)
				s.segAck(c, dsrv, decode.FlagFIN|decode.FlagACK, 1001, 5002, 0)
				s.tick(200 * time.Millisecond)
			}
		}, 4, 1},
		{"a SYN sent again from the same port counts once", func(s *session) {
			passive(s)
			s.handshakeTransfer(cliData, dsrv, 100)
			for range 3 {
				s.segAck(foreign(50002), dsrv, decode.FlagSYN, 1000, 0, 0)
				s.tick(time.Second)
			}
		}, 1, 1},
		{"the taking connection's own late SYN is not counted", func(s *session) {
			passive(s)
			s.handshakeTransfer(cliData, dsrv, 100)
			s.segAck(cliData, dsrv, decode.FlagSYN, 1000, 0, 0)
		}, 0, 1},
		{"the endpoint announced again just after the SYN", func(s *session) {
			passive(s)
			s.handshakeTransfer(cliData, dsrv, 100)
			s.cmd("PASV", "")
			retry := netip.AddrPortFrom(cliData.Addr(), cliData.Port()+1)
			s.segAck(retry, dsrv, decode.FlagSYN, 3000, 0, 0)
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
		}, 0, 2},
		{"long after the endpoint was taken", func(s *session) {
			passive(s)
			s.handshakeTransfer(cliData, dsrv, 100)
			s.tick(5*time.Minute + time.Second) // ExpectationTimeout's default
			s.segAck(foreign(50002), dsrv, decode.FlagSYN, 1000, 0, 0)
		}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.run(s)
			s.end()
			if got := s.trk.Limits().DataEndpointTaken; got != tc.want {
				t.Errorf("DataEndpointTaken %d, want %d", got, tc.want)
			}
			if len(s.rec.data) != tc.data {
				t.Errorf("%d data records, want %d", len(s.rec.data), tc.data)
			}
		})
	}
}
