package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// snap128Payload is what a 128-byte snap length (tcpdump -s 128) keeps
// of a segment's payload: Ethernet (14), IPv4 (20) and a TCP header with
// timestamps (32) come first.
const snap128Payload = 128 - 14 - 20 - 32

// tlsSeg is one segment of a protected data connection: its sender (the
// client or the server), the records it carries, and what the capture
// does with it.
type tlsSeg struct {
	fromServer bool
	b          []byte
	missed     bool // the capture does not hold it at all
}

// snapConn plays a protected RETR's data connection (TLS 1.2, full
// handshake, refused by the server after it: vsftpd's
// require_ssl_reuse) one segment at a time, each cut to keep bytes of
// payload (0: whole), its SYN-ACK missed when noSynAck, and returns the
// data connection's record.
func snapConn(t *testing.T, segs []tlsSeg, keep int, noSynAck bool, ackOfSynAck uint32) *DataConn {
	t.Helper()
	s := cccSession(t)
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection for f")
	a, b := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40000")
	next := [2]uint32{1001, 5001} // client, server
	send := func(server bool, flags decode.TCPFlags, p []byte, missed bool) {
		i, src, dst := 0, a, b
		if server {
			i, src, dst = 1, b, a
		}
		seq := next[i]
		next[i] += uint32(len(p))
		if missed {
			return
		}
		captured := p
		if keep > 0 && len(p) > keep {
			captured = p[:keep]
		}
		s.num++
		s.tick(time.Millisecond)
		seg := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: next[i^1],
			Payload: captured, PayloadLen: len(p)}
		if !server && ackOfSynAck != 0 && len(p) == 0 {
			seg.Ack = ackOfSynAck
		}
		s.trk.Segment(&seg)
	}
	s.segData(a, b, decode.FlagSYN, 1000, nil)
	if !noSynAck {
		s.segData(b, a, decode.FlagSYN|decode.FlagACK, 5000, nil)
	}
	send(false, decode.FlagACK, nil, false)
	for _, g := range segs {
		send(g.fromServer, decode.FlagACK|decode.FlagPSH, g.b, g.missed)
	}
	send(true, decode.FlagFIN|decode.FlagACK, nil, false)
	next[1]++
	send(false, decode.FlagFIN|decode.FlagACK, nil, false)
	s.reply(522, "SSL connection failed: session reuse required")
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	return s.rec.data[0]
}

// A refused TLS 1.2 data connection, record by record: the hellos (each
// within a 128-byte capture), the server's certificate (a record far
// longer than any snap length keeps), the client's key exchange, both
// Finished messages, the server's close_notify.
var (
	snapServerHello = tlsRecord(hsMsg(2, append(helloRandom(), 0, 0xc0, 0x2f, 0)))
	snapCertificate = tlsRecord(hsMsg(11, make([]byte, 1400)))
	snapHelloDone   = tlsRecord(hsMsg(14, nil))
	snapKeyExchange = tlsRecord(hsMsg(16, make([]byte, 66)))
	snapCCS         = []byte{20, 3, 3, 0, 1, 1}
	snapFinished    = tlsRecord(make([]byte, 40)) // encrypted: opaque bytes
	snapAlert       = []byte{21, 3, 3, 0, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
)

func refusedTLS12() []tlsSeg {
	return []tlsSeg{
		{b: fullClientHello},
		{fromServer: true, b: snapServerHello},
		{fromServer: true, b: snapCertificate},
		{fromServer: true, b: snapHelloDone},
		{b: snapKeyExchange},
		{b: append(append([]byte(nil), snapCCS...), snapFinished...)},
		{fromServer: true, b: append(append([]byte(nil), snapCCS...), snapFinished...)},
		{fromServer: true, b: snapAlert},
	}
}

// TestTLSSnapCutHandshakeOnlyStaysConnected guards a refused protected
// data connection captured with tcpdump -s 128: every segment is cut
// (PayloadLen beyond the captured payload), but each record header was
// captured, so the bytes cut off lie inside records the walk skips, and
// the connection is still its handshake only: connected, not transferred.
func TestTLSSnapCutHandshakeOnlyStaysConnected(t *testing.T) {
	segs := refusedTLS12()
	cut := 0
	for _, g := range segs {
		if len(g.b) > snap128Payload {
			cut++
		}
	}
	if cut < 2 {
		t.Fatalf("only %d segments longer than the snap length: the test cuts nothing", cut)
	}
	for _, keep := range []int{0, snap128Payload, 96 - 14 - 20 - 32} {
		d := snapConn(t, segs, keep, false, 0)
		v, seen := d.TLSHandshake()
		wantHello := keep == 0 || keep >= len(fullClientHello) && keep >= len(snapServerHello)
		if !wantHello {
			// A snap length that cuts the hellos leaves nothing to judge.
			if d.TLSHandshakeOnly() {
				t.Errorf("keep %d: handshake only without the hellos read", keep)
			}
			continue
		}
		if !seen || !d.TLSHandshakeOnly() || d.Outcome != OutcomeConnected {
			t.Errorf("keep %d bytes of each segment: outcome %v, handshake only %v (%+v, seen %v); want connected, handshake only",
				keep, d.Outcome, d.TLSHandshakeOnly(), v, seen)
		}
	}
}

// TestTLSSnapCutRecordHeaderIsUnknown guards the limit of skipping: when
// the snap length cuts off a record header (the server's records share
// one segment), what that record was is unknown, so the connection is not
// called handshake only.
func TestTLSSnapCutRecordHeaderIsUnknown(t *testing.T) {
	segs := refusedTLS12()
	// ServerHello, Certificate and ServerHelloDone in one segment: the
	// Certificate's header is past the captured bytes.
	merged := append(append(append([]byte(nil), snapServerHello...), snapCertificate...), snapHelloDone...)
	segs = append(segs[:1], append([]tlsSeg{{fromServer: true, b: merged}}, segs[4:]...)...)
	d := snapConn(t, segs, snap128Payload, false, 0)
	if d.TLSHandshakeOnly() {
		t.Errorf("handshake only though a record header was cut off")
	}
	if d := snapConn(t, segs, 0, false, 0); !d.TLSHandshakeOnly() {
		t.Errorf("the merged segment whole: not handshake only (the test's records are wrong)")
	}
}

// TestTLSMissedSegmentInsideRecordIsSkipped guards random capture loss:
// a segment the capture missed in the middle of a record whose header was
// read hides no header, so the walk goes on past it by sequence number;
// a missed segment holding a header leaves the content unknown.
func TestTLSMissedSegmentInsideRecordIsSkipped(t *testing.T) {
	base := refusedTLS12()
	var segs []tlsSeg
	for _, g := range base {
		if len(g.b) < 1000 {
			segs = append(segs, g)
			continue
		}
		// The certificate in three segments; the capture misses the middle one.
		segs = append(segs, tlsSeg{fromServer: true, b: g.b[:500]}, tlsSeg{fromServer: true, b: g.b[500:1000], missed: true}, tlsSeg{fromServer: true, b: g.b[1000:]})
	}
	if d := snapConn(t, segs, 0, false, 0); !d.TLSHandshakeOnly() || d.Outcome != OutcomeConnected {
		t.Errorf("a missed segment inside the certificate: outcome %v, handshake only %v; want connected", d.Outcome, d.TLSHandshakeOnly())
	}
	missedHeader := refusedTLS12()
	missedHeader[3].missed = true // ServerHelloDone: a whole record
	if d := snapConn(t, missedHeader, 0, false, 0); d.TLSHandshakeOnly() {
		t.Errorf("a missed segment holding a record: handshake only")
	}
}

// TestTLSMissedSynAckStartFromAck guards a capture that missed the data
// connection's SYN-ACK: the opener's handshake ACK acknowledges it, so it
// tells where the server's stream starts, and the refused connection is
// still read as its handshake only. An acknowledgment that points past
// the server's first bytes (a capture that missed that ACK too) finds no
// hello there, and nothing is read from that side.
func TestTLSMissedSynAckStartFromAck(t *testing.T) {
	if d := snapConn(t, refusedTLS12(), 0, true, 0); !d.TLSHandshakeOnly() || d.Outcome != OutcomeConnected {
		t.Errorf("SYN-ACK missed: outcome %v, handshake only %v; want connected, handshake only", d.Outcome, d.TLSHandshakeOnly())
	}
	wrong := 5001 + uint32(len(snapServerHello))
	if d := snapConn(t, refusedTLS12(), 0, true, wrong); d.TLSHandshakeOnly() {
		t.Errorf("start taken past the ServerHello: handshake only")
	}
}

// TestTLSUnreadRefusedIsNoTransfer: records the snap length cut at their
// headers cannot be read, but the transfer's readable refusal (522, after
// CCC) and the few bytes it carried say no file moved: connected, not
// transferred.
func TestTLSUnreadRefusedIsNoTransfer(t *testing.T) {
	segs := refusedTLS12()
	merged := append(append(append([]byte(nil), snapServerHello...), snapCertificate...), snapHelloDone...)
	segs = append(segs[:1], append([]tlsSeg{{fromServer: true, b: merged}}, segs[4:]...)...)
	d := snapConn(t, segs, snap128Payload, false, 0)
	if d.TLSHandshakeOnly() || d.Outcome != OutcomeConnected {
		t.Errorf("records cut, transfer refused: outcome %v, handshake only %v; want connected, not handshake only", d.Outcome, d.TLSHandshakeOnly())
	}
}
