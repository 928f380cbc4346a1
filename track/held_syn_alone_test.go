package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestHeldSYNAnsweredAlone: as TestHeldSYNAnsweredByLaterSegments with
// no other announcement waiting and no data connection open: Segment
// must pass the old connection's ACK and data while a SYN is held
// (needs the tracker.go change: the gate and the switch case on
// t.syns.live > 0 for every segment, not only SYN/RST).
func TestHeldSYNAnsweredAlone(t *testing.T) {
	oldCli := netip.MustParseAddrPort("198.51.100.7:60948")
	newCli := netip.MustParseAddrPort("198.51.100.7:60956")
	port := netip.MustParseAddrPort("192.0.2.10:40089")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.segAck(oldCli, port, decode.FlagSYN, 1000, 0, 0)
	s.segAck(oldCli, port, decode.FlagACK, 1001, 5001, 0)
	s.segAck(port, oldCli, decode.FlagACK|decode.FlagPSH, 5001, 1001, 261)
	s.segAck(oldCli, port, decode.FlagFIN|decode.FlagACK, 1001, 5263, 0)
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,153).")
	s.cmd("LIST", "")
	s.segAck(newCli, port, decode.FlagSYN, 2000, 0, 0)
	s.segAck(port, newCli, decode.FlagSYN|decode.FlagACK, 8000, 2001, 0)
	s.segAck(newCli, port, decode.FlagACK, 2001, 8001, 0)
	s.reply(150, "Here comes the directory listing.")
	s.segAck(port, newCli, decode.FlagACK|decode.FlagPSH, 8001, 2001, 192)
	s.segAck(port, newCli, decode.FlagFIN|decode.FlagACK, 8193, 2001, 0)
	s.segAck(newCli, port, decode.FlagFIN|decode.FlagACK, 2001, 8194, 0)
	s.reply(226, "Directory send OK.")
	s.end()
	var got *DataConn
	for _, d := range s.rec.data {
		if d.Announced == port {
			got = d
		}
	}
	if got == nil || got.Outcome != OutcomeTransferred || got.Client != newCli || got.TotalBytes() != 192 {
		t.Errorf("the 227's connection: %+v; want transferred from %v, 192 bytes", got, newCli)
	}
}
