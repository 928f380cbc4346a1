package track

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestReflectedSynAckRecorded: a passive data connection's SYN to the
// announced public address answered from the control address at the
// announced port, to the client's very endpoint, acknowledging that SYN,
// and reset by the client: a hairpin NAT's loopback without masquerade.
// Before, track dropped that SYN-ACK (it matches no 4-tuple it follows),
// and the diagnosis could only guess that the SYNs went nowhere. Only a
// SYN-ACK that answers the SYN counts: another ACK, another port or
// another client endpoint is someone else's.
func TestReflectedSynAckRecorded(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	public := netip.MustParseAddrPort("203.0.113.7:40000")
	ctl := netip.AddrPortFrom(srv.Addr(), 40000)
	for _, tc := range []struct {
		name          string
		from, to      netip.AddrPort
		ackDelta      uint32 // the SYN-ACK's ACK minus the SYN's ISN
		rst           bool
		synAcks, rsts int // want; 0 synAcks: no Reflected
	}{
		{"from the control address, acking the SYN, reset by the client", ctl, dataCli, 1, true, 3, 3},
		{"not reset (the capture lost the RSTs)", ctl, dataCli, 1, false, 3, 0},
		{"acking another number", ctl, dataCli, 7, true, 0, 0},
		{"from another port", netip.AddrPortFrom(srv.Addr(), 40001), dataCli, 1, true, 0, 0},
		{"to another client port", ctl, netip.MustParseAddrPort("198.51.100.7:50002"), 1, true, 0, 0},
		{"from another address", netip.MustParseAddrPort("192.0.2.99:40000"), dataCli, 1, true, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (203,0,113,7,156,64)")
			for i := range 3 {
				isn := uint32(7000 + i)
				s.segAck(dataCli, public, decode.FlagSYN, isn, 0, 0)
				s.segAck(tc.from, tc.to, decode.FlagSYN|decode.FlagACK, 9000, isn+tc.ackDelta, 0)
				if tc.rst {
					s.segAck(tc.to, tc.from, decode.FlagRST|decode.FlagACK, isn+tc.ackDelta, 9001, 0)
				}
				s.tick(time.Second << i)
			}
			s.cmd("LIST", "")
			s.tick(5 * time.Second)
			s.reply(425, "Failed to establish connection.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != OutcomeUnanswered || d.SYNs != 3 {
				t.Errorf("outcome %v, %d SYNs; want unanswered, 3", d.Outcome, d.SYNs)
			}
			r := d.Reflected
			switch {
			case tc.synAcks == 0 && r != nil:
				t.Errorf("reflected %+v, want none", *r)
			case tc.synAcks == 0:
			case r == nil:
				t.Errorf("no reflection recorded, want %d SYN-ACKs", tc.synAcks)
			case r.SynAcks != tc.synAcks || r.Resets != tc.rsts || r.From != ctl || r.Num == 0 || r.First.IsZero():
				t.Errorf("reflected %+v, want %d SYN-ACKs from %s, %d resets", *r, tc.synAcks, ctl, tc.rsts)
			}
		})
	}
}

// TestReflectionLeavesTheTableWithItsConnection: the reflection 4-tuple
// indexes the connection only while the connection does: after its
// end a SYN-ACK there is nobody's, and a connection that works on its
// own 4-tuple records none (its handshake ACK time is AckTS).
func TestReflectionLeavesTheTableWithItsConnection(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	public := netip.MustParseAddrPort("203.0.113.7:40000")
	ctl := netip.AddrPortFrom(srv.Addr(), 40000)
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (203,0,113,7,156,64)")
	s.segAck(dataCli, public, decode.FlagSYN, 7000, 0, 0)
	s.tick(10 * time.Millisecond)
	s.segAck(public, dataCli, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
	ack := s.now.Add(time.Millisecond)
	s.segAck(dataCli, public, decode.FlagACK, 7001, 9001, 0)
	s.cmd("LIST", "")
	s.reply(150, "Here comes the directory listing.")
	s.segAck(public, dataCli, decode.FlagFIN|decode.FlagACK, 9001, 7001, 0)
	s.segAck(dataCli, public, decode.FlagFIN|decode.FlagACK, 7001, 9002, 0)
	s.segAck(public, dataCli, decode.FlagACK, 9002, 7002, 0)
	s.reply(226, "Directory send OK.")
	// Late: a SYN-ACK on the reflection 4-tuple after the end.
	s.segAck(ctl, dataCli, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	d := s.rec.data[0]
	if d.Reflected != nil {
		t.Errorf("reflected %+v on a connection that worked", *d.Reflected)
	}
	if !d.AckTS.Equal(ack) {
		t.Errorf("AckTS %v, want %v (the handshake's ACK)", d.AckTS, ack)
	}
	if d.SynAckTS.IsZero() || d.AckTS.Sub(d.SynAckTS) != time.Millisecond {
		t.Errorf("SYN-ACK at %v, ACK at %v", d.SynAckTS, d.AckTS)
	}
	if n := len(s.trk.data); n != 0 {
		t.Errorf("%d entries left in the data table", n)
	}
	for p, n := range s.trk.portRefs {
		if n != 0 {
			t.Errorf("port %d still counted %d times", p, n)
		}
	}
}

// TestDataConnSizeClass: AckTS and Reflected (a pointer, set only for the
// rare reflection) keep a DataConn in the 704-byte allocation class it
// was in at 672 bytes (synsAfterSynAck narrowed to int32 to make room):
// a class more costs every data connection followed 64 bytes.
func TestDataConnSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(DataConn{}); n > 704 {
		t.Errorf("DataConn is %d bytes, past the 704-byte size class", n)
	}
}

// TestReflectionAliasSYNTakenAsAnySYN: a SYN on a reflection alias's
// 4-tuple (the client dialing the server's control address directly, from
// the port its reflected connection used) that comes just before its own
// announcement in the capture is held for it like any other SYN. Before,
// leaving the alias it was only matched against the announcements already
// waiting, and dropped: the EPSV connection was picked up mid-stream with
// 0 SYNs. The control run uses another client port.
func TestReflectionAliasSYNTakenAsAnySYN(t *testing.T) {
	public := netip.MustParseAddrPort("203.0.113.7:40000")
	ctl := netip.AddrPortFrom(srv.Addr(), 40000)
	for _, firstPort := range []uint16{50001, 50002} {
		t.Run(fmt.Sprintf("first connection from port %d", firstPort), func(t *testing.T) {
			dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
			first := netip.AddrPortFrom(dataCli.Addr(), firstPort)
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (203,0,113,7,156,64)")
			s.segAck(first, public, decode.FlagSYN, 7000, 0, 0)
			s.segAck(ctl, first, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
			s.segAck(first, ctl, decode.FlagRST, 7001, 0, 0)
			s.cmd("EPSV", "")
			// the direct SYN before the 229 in the capture
			s.segAck(dataCli, ctl, decode.FlagSYN, 1000, 0, 0)
			s.reply(229, "Entering Extended Passive Mode (|||40000|)")
			s.segAck(ctl, dataCli, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(dataCli, ctl, decode.FlagACK, 1001, 5001, 0)
			s.cmd("LIST", "")
			s.reply(150, "Here comes the directory listing.")
			s.segAck(ctl, dataCli, decode.FlagACK, 5001, 1001, 100)
			s.segAck(ctl, dataCli, decode.FlagFIN|decode.FlagACK, 5101, 1001, 0)
			s.segAck(dataCli, ctl, decode.FlagFIN|decode.FlagACK, 1001, 5102, 0)
			s.reply(226, "Directory send OK.")
			s.tick(time.Minute)
			s.end()
			if d := s.rec.data[len(s.rec.data)-1]; d.ViaName() != "EPSV" || d.SYNs != 1 {
				t.Errorf("EPSV connection: %s, %d SYNs; want its SYN held and counted", d.ViaName(), d.SYNs)
			}
		})
	}
}

// The alias leaves the table on every end.

// payloadRecorder is a recorder that takes payload: WantPayload asks it.
type payloadRecorder struct{ recorder }

func (*payloadRecorder) DataPayload(*DataConn, bool, []byte)   {}
func (*payloadRecorder) DataPayloadGap(*DataConn, bool, int64) {}

// TestReflectionAliasWantsNoPayload: decode asks whether to reassemble a
// connection when it sees its SYN-ACK; the reflected SYN-ACK's 4-tuple is
// the alias, not the data connection, so with --extract its bytes (none
// are the transfer's) are not followed. Before, the payload table took
// that 4-tuple on and counted it.
func TestReflectionAliasWantsNoPayload(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	public := netip.MustParseAddrPort("203.0.113.7:40000")
	ctl := netip.AddrPortFrom(srv.Addr(), 40000)
	rec := &payloadRecorder{}
	s := &session{t: t, trk: New(rec, Options{}), rec: &rec.recorder, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	s.reply(220, "(vsFTPd 3.0.3)")
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (203,0,113,7,156,64)")
	s.segAck(dataCli, public, decode.FlagSYN, 7000, 0, 0)
	if !s.trk.WantPayload(dataCli, public) {
		t.Errorf("the data connection's own 4-tuple is not wanted")
	}
	if s.trk.WantPayload(ctl, dataCli) {
		t.Errorf("the reflection alias's 4-tuple is wanted")
	}
}
