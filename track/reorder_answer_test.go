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

// TestTransferBeforeAnnouncementAcrossInterfaces guards a whole data
// connection (handshake, bytes, both FINs) that a capture of two
// interfaces with clocks 10 ms apart wrote before the PORT or 227 that
// announced it: a LAN transfer of a small file takes less than the skew.
// In a capture decode knows may reorder, the segments after the SYN are
// held with it and replayed with it, so the transfer reads as what it
// was (its bytes, completed), not as a handshake that carried nothing;
// on one interface such segments stay another connection's.
func TestTransferBeforeAnnouncementAcrossInterfaces(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reorders bool
		active   bool
		segments int // of 1,200 bytes each
	}{
		{"active, two interfaces", true, true, 1},
		{"passive, two interfaces", true, false, 1},
		{"active, one interface", false, true, 1},
		// More segments than are held: the newest are kept, and the
		// FINs' sequence numbers prove the bytes of those pushed out.
		{"passive, two interfaces, more than held", true, false, 3 * maxHeldLater},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			// conn opens the data connection, lis listens; the bytes go
			// from the server to the client (RETR).
			conn, lis := netip.MustParseAddrPort("198.51.100.7:50010"), netip.MustParseAddrPort("192.0.2.10:40000")
			if tc.active {
				conn, lis = netip.MustParseAddrPort("192.0.2.10:20"), netip.MustParseAddrPort("198.51.100.7:50010")
			}
			srvSide, cliSide := lis, conn
			if tc.active {
				srvSide, cliSide = conn, lis
			}
			seg := func(src, dst netip.AddrPort, fl decode.TCPFlags, seq, ack uint32, n int) {
				s.num++
				s.tick(time.Millisecond)
				x := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: fl, Seq: seq, Ack: ack, Payload: make([]byte, n), PayloadLen: n, Reorders: tc.reorders}
				s.trk.Segment(&x)
			}
			if !tc.active {
				s.cmd("PASV", "")
			}
			// The transfer, 3 ms, written first.
			seq := map[netip.AddrPort]uint32{conn: 1000, lis: 5000}
			seg(conn, lis, decode.FlagSYN, seq[conn], 0, 0)
			seg(lis, conn, decode.FlagSYN|decode.FlagACK, seq[lis], seq[conn]+1, 0)
			seg(conn, lis, decode.FlagACK, seq[conn]+1, seq[lis]+1, 0)
			from, to := srvSide, cliSide
			n := uint32(1200 * tc.segments)
			for i := range uint32(tc.segments) {
				seg(from, to, decode.FlagACK|decode.FlagPSH, seq[from]+1+1200*i, seq[to]+1, 1200)
			}
			seg(from, to, decode.FlagFIN|decode.FlagACK, seq[from]+1+n, seq[to]+1, 0)
			seg(to, from, decode.FlagFIN|decode.FlagACK, seq[to]+1, seq[from]+2+n, 0)
			seg(from, to, decode.FlagACK, seq[from]+2+n, seq[to]+2, 0)
			s.tick(10 * time.Millisecond)
			if tc.active {
				s.cmd("PORT", "198,51,100,7,195,90")
				s.reply(200, "PORT command successful. Consider using PASV.")
			} else {
				s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			}
			s.cmd("RETR", "f")
			s.reply(150, "Opening BINARY mode data connection for f (1200 bytes).")
			s.reply(226, "Transfer complete.")
			s.end()
			var got *DataConn
			for _, d := range s.rec.data {
				if d.Announced == lis {
					got = d
				}
			}
			if got == nil {
				t.Fatalf("no data connection to %v recorded", lis)
			}
			carried := got.TotalBytes() == int64(1200*tc.segments) && got.Outcome == OutcomeTransferred
			if carried != tc.reorders {
				t.Errorf("the transfer written before its announcement read as carried: %v, want %v (outcome %v, bytes %v, SYNs %d)", carried, tc.reorders, got.Outcome, got.Bytes, got.SYNs)
			}
			if lost, want := s.trk.limits.HeldLaterOverwritten, tc.segments+4-maxHeldLater; tc.reorders && want > 0 && lost != want {
				t.Errorf("held segments pushed out counted %d, want %d", lost, want)
			}
		})
	}
}

// TestResetBeforeAnnouncementAcrossInterfaces guards the RST of a data
// connection a two-interface capture wrote before its 227: the client's
// reset mid-transfer is replayed with the rest, so the connection ends
// by RST (the client's abort), not at the capture's end (read as a
// connection broken in the network).
func TestResetBeforeAnnouncementAcrossInterfaces(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	conn, lis := netip.MustParseAddrPort("198.51.100.7:50010"), netip.MustParseAddrPort("192.0.2.10:40000")
	seg := func(src, dst netip.AddrPort, fl decode.TCPFlags, seq, ack uint32, n int) {
		s.num++
		s.tick(time.Millisecond)
		x := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: fl, Seq: seq, Ack: ack, Payload: make([]byte, n), PayloadLen: n, Reorders: true}
		s.trk.Segment(&x)
	}
	seg(conn, lis, decode.FlagSYN, 1000, 0, 0)
	seg(lis, conn, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
	seg(conn, lis, decode.FlagACK, 1001, 5001, 0)
	seg(lis, conn, decode.FlagACK|decode.FlagPSH, 5001, 1001, 1500)
	seg(conn, lis, decode.FlagACK, 1001, 6501, 0)
	seg(conn, lis, decode.FlagRST|decode.FlagACK, 1001, 6501, 0)
	s.tick(10 * time.Millisecond)
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection for f (6000 bytes).")
	s.reply(426, "Failure writing network stream.")
	s.end()
	for _, d := range s.rec.data {
		if d.Announced == lis {
			if d.EndReason != EndRST || d.TotalBytes() != 1500 {
				t.Errorf("ended by %v with %d bytes, want rst with 1500", d.EndReason, d.TotalBytes())
			}
			return
		}
	}
	t.Fatalf("no data connection to %v recorded", lis)
}
