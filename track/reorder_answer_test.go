package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestHandshakeBeforeAnnouncementAcrossInterfaces guards a data
// connection whose SYN and SYN-ACK a capture of two interfaces (a TAP's
// ports, one per direction) wrote 10 ms before the 227 that announced
// it: in a capture decode knows may reorder (Segment.Reorders) the
// handshake is the announcement's, within decode.ReorderWait; on one
// interface an answer that early is another connection's, as before.
func TestHandshakeBeforeAnnouncementAcrossInterfaces(t *testing.T) {
	dcli, dsrv := netip.MustParseAddrPort("198.51.100.7:50010"), netip.MustParseAddrPort("192.0.2.10:40000")
	for _, reorders := range []bool{true, false} {
		t.Run(map[bool]string{true: "two interfaces", false: "one interface"}[reorders], func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			seg := func(src, dst netip.AddrPort, fl decode.TCPFlags, seq, ack uint32, n int) {
				s.num++
				s.tick(time.Millisecond)
				x := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: fl, Seq: seq, Ack: ack, Payload: make([]byte, n), PayloadLen: n, Reorders: reorders}
				s.trk.Segment(&x)
			}
			seg(dcli, dsrv, decode.FlagSYN, 1000, 0, 0)
			seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.tick(10 * time.Millisecond)
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.cmd("RETR", "f")
			seg(dcli, dsrv, decode.FlagACK, 1001, 5001, 0)
			s.reply(150, "Opening BINARY mode data connection for f (300 bytes).")
			seg(dsrv, dcli, decode.FlagACK|decode.FlagPSH, 5001, 1001, 300)
			seg(dsrv, dcli, decode.FlagFIN|decode.FlagACK, 5301, 1001, 0)
			seg(dcli, dsrv, decode.FlagFIN|decode.FlagACK, 1001, 5302, 0)
			s.reply(226, "Transfer complete.")
			s.end()
			var got *DataConn
			for _, d := range s.rec.data {
				if d.Announced == dsrv {
					got = d
				}
			}
			matched := got != nil && got.SYNs == 1 && !got.SynAckTS.IsZero()
			if matched != reorders {
				t.Errorf("the handshake written before the 227 taken as its connection: %v, want %v (%+v)", matched, reorders, got)
			}
		})
	}
}
