package decode

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Regression, review finding 1: one FTPS (AUTH TLS) session makes every other connection's
// out-of-order data be force-flushed: spurious gap, lost USER.
func TestFTPSDoesNotFlushOtherStreams(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	a := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	a.handshake()
	a.srv("220 hi\r\n")
	a.cli("AUTH TLS\r\n")
	a.srv("234 go\r\n")
	a.cli("\x16\x03\x01 client hello")
	a.srv("\x16\x03\x03 server hello")
	b := &conv{t: t, d: d, c: convClient2, s: convServer, cseq: 1000, sseq: 5000, ts: a.ts}
	b.handshake()
	b.srv("220 hi\r\n")
	user, pass := "USER a\r\n", "PASS x\r\n"
	b.send(b.c, b.s, b.cseq+uint32(len(user)), b.sseq, FlagACK|FlagPSH, pass) // reordered
	a.ts = b.ts
	a.cli("\x17\x03\x03 app data") // any packet of the FTPS session
	b.ts = a.ts
	b.send(b.c, b.s, b.cseq, b.sseq, FlagACK|FlagPSH, user)
	d.Finish()
	var got []string
	for _, e := range rec.control {
		if e.Kind == ControlCommand && e.Client == convClient2 {
			got = append(got, e.Command.Verb)
		}
	}
	if len(got) != 2 || d.Stats().ControlGaps != 0 {
		dumpEvents(t, rec)
		t.Errorf("session B commands %v, gaps %d; want [USER PASS], 0 gaps", got, d.Stats().ControlGaps)
	}
}

// Regression, review finding 1b: allocations and O(#connections) work per FTPS control packet.
func TestFTPSSegmentsAllocateNothing(t *testing.T) {
	d := New(&recorder{}, Options{})
	a := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	a.handshake()
	a.srv("220 hi\r\n")
	a.cli("AUTH TLS\r\n")
	a.srv("234 go\r\n")
	if n := allocsPerPair(t, a, "\x17\x03\x03 app", "\x17\x03\x03 rep"); n > 0 {
		t.Errorf("%.1f allocations per pair of in-order FTPS segments (plain: 0)", n)
	}
}

// Regression, review finding 2: port reuse after RST: the second session on the 4-tuple vanishes.
func TestPortReuseAfterRST(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER a\r\n")
	v.srv("331 pw\r\n")
	v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "")
	v2 := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 900000, sseq: 7000000, ts: v.ts.Add(5 * time.Second)}
	v2.handshake()
	v2.srv("220 hi\r\n")
	v2.cli("USER b\r\n")
	v2.srv("331 pw\r\n")
	v2.cli("QUIT\r\n")
	v2.srv("221 bye\r\n")
	d.Finish()
	if got := rec.commands(); len(got) != 3 || convClientount(rec, ControlOpen) != 2 {
		dumpEvents(t, rec)
		t.Errorf("commands %v, opens %d; want [USER USER QUIT], 2 opens", got, convClientount(rec, ControlOpen))
	}
}

// Regression, review finding 3: an out-of-window RST ends the session; the peer ignores it.
func TestOutOfWindowRSTEndsNothing(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER a\r\n")
	v.srv("331 pw\r\n")
	v.send(v.s, v.c, v.sseq+0x40000000, 0, FlagRST, "")
	v.cli("PASS x\r\n")
	v.srv("230 ok\r\n")
	d.Finish()
	if got := rec.commands(); len(got) != 2 {
		dumpEvents(t, rec)
		t.Errorf("commands %v, want [USER PASS]", got)
	}
}

// Regression, review finding 4: ACK seen before the data it acks: false gap, and flags stay stuck so
// the next real (acked, lost) gap is never reported.
func TestRealGapAfterFalseAlarm(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER a\r\n")
	r331 := "331 pw\r\n"
	v.send(v.c, v.s, v.cseq, v.sseq+uint32(len(r331)), FlagACK|FlagPSH, "PASS x\r\n")
	v.cseq += 8
	v.srv(r331) // arrives after its ACK: nothing lost
	v.srv("230 ok\r\n")
	lost := "257 \"/\"\r\n"
	v.cli("PWD\r\n")
	v.sseq += uint32(len(lost)) // really lost, then ACKed
	v.cli("SYST\r\n")
	v.srv("215 UNIX\r\n")
	d.Finish()
	if d.Stats().ControlGapBytes < uint64(len(lost)) {
		dumpEvents(t, rec)
		t.Errorf("real %d-byte gap not reported: gaps %d, bytes %d", len(lost), d.Stats().ControlGaps, d.Stats().ControlGapBytes)
	}
}

// Regression, review finding 5: control idle >10 min during a long transfer: session split in two.
func TestLongTransferKeepsSession(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("RETR big.iso\r\n")
	v.srv("150 Opening BINARY mode data connection for big.iso.\r\n")
	data := &conv{t: t, d: d, c: netip.MustParseAddrPort("192.0.2.1:50001"), s: netip.MustParseAddrPort("192.0.2.10:40000"), cseq: 1, sseq: 1, ts: v.ts}
	data.handshake()
	for i := 0; i < 15*60; i++ {
		data.ts = data.ts.Add(time.Second)
		data.srv("xxxxxxxx")
	}
	v.ts = data.ts
	v.srv("226 Transfer complete.\r\n")
	v.cli("QUIT\r\n")
	v.srv("221 bye\r\n")
	d.Finish()
	if n := convClientount(rec, ControlOpen); n != 1 {
		dumpEvents(t, rec)
		t.Errorf("%d ControlOpen events for one control connection", n)
	}
}

// Regression, review finding 6: one-sided capture, 4-tuple reused 2 min later: second session lost.
func TestOneSidedPortReuse(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	send := func(ts time.Time, seq uint32, fl TCPFlags, p string) {
		f := convFrame(t, convClient, convServer, seq, 1, fl, []byte(p))
		d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
	}
	ts := convT0
	send(ts, 1000, FlagSYN, "")
	send(ts.Add(1e7), 1001, FlagACK, "USER a\r\n")
	send(ts.Add(2e7), 1009, FlagACK, "QUIT\r\n")
	send(ts.Add(3e7), 1015, FlagACK|FlagFIN, "")
	ts = ts.Add(2 * time.Minute)
	send(ts, 3000000000, FlagSYN, "")
	send(ts.Add(1e7), 3000000001, FlagACK, "USER b\r\n")
	send(ts.Add(2e7), 3000000009, FlagACK, "QUIT\r\n")
	d.Finish()
	if got := rec.commands(); len(got) != 4 || convClientount(rec, ControlOpen) != 2 {
		dumpEvents(t, rec)
		t.Errorf("commands %v opens %d; want 4 commands, 2 sessions", got, convClientount(rec, ControlOpen))
	}
}

// Regression, review finding 7: unanswered SYNs to :21 hold table slots ~11 min.
func TestSynScanDoesNotFillTable(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{MaxControlConns: 100})
	for i := 0; i < 100; i++ {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 40000)
		f := convFrame(t, src, convServer, 1, 0, FlagSYN, nil)
		d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
	}
	v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0.Add(5 * time.Minute)}
	v.handshake()
	v.srv("220 hi\r\n")
	v.cli("USER a\r\n")
	d.Finish()
	if len(rec.commands()) != 1 {
		t.Errorf("session 5 min after a 100-SYN scan not followed (full %d)", d.Stats().ControlConnsFull)
	}
}

// Regression, review finding 8: IPv6 Hop-by-Hop header before TCP: the segment is counted NotTCP.
func TestIPv6HopByHopTCP(t *testing.T) {
	b := make([]byte, 40+8+20)
	b[0], b[5], b[6], b[7] = 0x60, 28, 0, 64 // payload 28, next header HBH
	copy(b[8:24], netip.MustParseAddr("2001:db8::1").AsSlice())
	copy(b[24:40], netip.MustParseAddr("2001:db8::10").AsSlice())
	b[40], b[42], b[43] = 6, 1, 4 // HBH: next TCP, PadN(4)
	tcp := b[48:]
	tcp[0], tcp[1], tcp[3], tcp[12], tcp[13] = 0xc3, 0x50, 21, 5<<4, 0x02
	rec := &recorder{}
	d := New(rec, Options{})
	d.Decode(b, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(b), Length: len(b)}, layers.LinkTypeRaw)
	if rec.segments != 1 {
		t.Errorf("segments %d, stats %+v", rec.segments, d.Stats())
	}
}
