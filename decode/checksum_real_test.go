package decode

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Real segments captured with wrong checksums (review rev2-decode): the
// capture host's own segments under transmit checksum offload or GRO
// (the pseudo-header sum only), and a segment corrupted on the capture
// path that its receiver acknowledged, must be taken; dropping them made
// false capture gaps and ends.

var (
	sumClient6 = netip.MustParseAddrPort("[2001:db8::1]:50000")
	sumServer6 = netip.MustParseAddrPort("[2001:db8::10]:21")
)

// sumFrame builds an Ethernet frame of one TCP segment over IPv4 or IPv6
// (by the addresses), checksums right, and returns it with the offset of
// the TCP header in it.
func sumFrame(t testing.TB, src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, p []byte) ([]byte, int) {
	if src.Addr().Is4() {
		return convFrame(t, src, dst, seq, ack, fl, p), 14 + 20
	}
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 1000,
		FIN: fl.Has(FlagFIN), SYN: fl.Has(FlagSYN), RST: fl.Has(FlagRST), PSH: fl.Has(FlagPSH), ACK: fl.Has(FlagACK)}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), 14 + 40
}

// pseudoOnly writes into the TCP checksum the folded sum of the
// pseudo-header alone (what Linux leaves for the NIC: CHECKSUM_PARTIAL,
// tcp4_gro_complete), or its complement.
func pseudoOnly(complement bool) func(src, dst netip.AddrPort, seg []byte) {
	return func(src, dst netip.AddrPort, seg []byte) {
		var s uint32
		for _, b := range [][]byte{src.Addr().AsSlice(), dst.Addr().AsSlice()} {
			for i := 0; i < len(b); i += 2 {
				s += uint32(b[i])<<8 | uint32(b[i+1])
			}
		}
		s += 6 + uint32(len(seg))
		for s > 0xffff {
			s = s&0xffff + s>>16
		}
		if complement {
			s = ^s & 0xffff
		}
		binary.BigEndian.PutUint16(seg[16:], uint16(s))
	}
}

// corrupt spoils the TCP checksum (not into the pseudo-header sum).
func corrupt(_, _ netip.AddrPort, seg []byte) { seg[16] ^= 0x5a; seg[17] ^= 0x01 }

// sumSend sends a segment whose TCP header and payload mangle changes
// (nil: right), dt after the previous one.
func (v *conv) sumSend(dt time.Duration, src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, p string, mangle func(src, dst netip.AddrPort, seg []byte)) {
	v.ts = v.ts.Add(dt)
	f, off := sumFrame(v.t, src, dst, seq, ack, fl, []byte(p))
	if mangle != nil {
		// The TCP segment by the IP header's length (Ethernet pads a
		// short frame).
		n := int(binary.BigEndian.Uint16(f[14+2:])) - 20
		if !src.Addr().Is4() {
			n = int(binary.BigEndian.Uint16(f[14+4:]))
		}
		mangle(src, dst, f[off:off+n])
	}
	v.d.Decode(f, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
}

func gapEvents(r *recorder) int {
	n := 0
	for _, e := range r.control {
		if e.Kind == ControlGap {
			n++
		}
	}
	return n
}

// TestChecksumOffloadTaken: the server is the capture host; its data
// segments carry right checksums, its SYN-ACK, ACKs, FIN and RST the
// pseudo-header sum (folded, or complemented), IPv4 and IPv6. All are
// its own: the session ends by its FIN or RST, with no gap.
func TestChecksumOffloadTaken(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		for _, compl := range []bool{false, true} {
			for _, end := range []CloseReason{CloseFIN, CloseRST} {
				name := map[bool]string{false: "v4", true: "v6"}[v6] + map[bool]string{false: "/folded", true: "/complement"}[compl] + map[CloseReason]string{CloseFIN: "/fin", CloseRST: "/rst"}[end]
				t.Run(name, func(t *testing.T) {
					rec := &recorder{}
					d := New(rec, Options{})
					v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
					if v6 {
						v.c, v.s = sumClient6, sumServer6
					}
					off := pseudoOnly(compl)
					ms := 10 * time.Millisecond
					v.sumSend(ms, v.c, v.s, v.cseq, 0, FlagSYN, "", nil)
					v.cseq++
					v.sumSend(ms, v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, "", off)
					v.sseq++
					v.sumSend(ms, v.c, v.s, v.cseq, v.sseq, FlagACK, "", nil)
					srv := func(p string) {
						v.sumSend(ms, v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, p, nil)
						v.sseq += uint32(len(p))
						v.sumSend(ms, v.c, v.s, v.cseq, v.sseq, FlagACK, "", nil)
					}
					cli := func(p string) {
						v.sumSend(ms, v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, p, nil)
						v.cseq += uint32(len(p))
						v.sumSend(ms, v.s, v.c, v.sseq, v.cseq, FlagACK, "", off) // its own ACK
					}
					srv("220 hi\r\n")
					cli("USER anonymous\r\n")
					srv("331 pw\r\n")
					cli("PASS x\r\n")
					srv("230 ok\r\n")
					cli("QUIT\r\n")
					srv("221 bye\r\n")
					if end == CloseFIN {
						v.sumSend(ms, v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "", off)
						v.sseq++
						v.sumSend(ms, v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "", nil)
						v.cseq++
						v.sumSend(ms, v.s, v.c, v.sseq, v.cseq, FlagACK, "", off)
					} else {
						v.sumSend(ms, v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", off)
					}
					d.Finish()
					if e, ok := lastClose(rec); !ok || e.Closed != end {
						dumpEvents(t, rec)
						t.Errorf("closed %v, want %v", e.Closed, end)
					}
					if n := gapEvents(rec); n != 0 {
						t.Errorf("%d gaps, want none", n)
					}
					if st := d.Stats(); st.ControlBadChecksum != 0 {
						t.Errorf("ControlBadChecksum %d, want 0", st.ControlBadChecksum)
					}
				})
			}
		}
	}
}

// TestBadChecksumSegmentTaken: a client segment with a wrong checksum
// (not the pseudo-header sum), in a direction whose others are right, of
// which no right copy follows, is the client's when its receiver
// acknowledges it, when the client goes on from its end, or after a
// second of packet time with neither: taken, no gap.
func TestBadChecksumSegmentTaken(t *testing.T) {
	ms := 10 * time.Millisecond
	tests := []struct {
		name  string
		after func(v *conv) // after the bad "CWD /pub\r\n", the client's stream at its end
	}{
		{"acknowledged", func(v *conv) {
			v.sumSend(ms, v.s, v.c, v.sseq, v.cseq, FlagACK, "", nil)
			v.srv("250 ok\r\n")
		}},
		{"sender goes on", func(v *conv) {
			v.cli("PWD\r\n")
			v.srv("250 ok\r\n")
			v.srv("257 \"/pub\"\r\n")
		}},
		{"the wait passes with no word from either side", func(v *conv) {
			v.ts = v.ts.Add(badWait + time.Second)
			d := v.d
			d.Tick(v.ts)
			v.srv("250 ok\r\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("230 ok\r\n")
			v.sumSend(ms, v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, "CWD /pub\r\n", corrupt)
			v.cseq += uint32(len("CWD /pub\r\n"))
			tt.after(v)
			d.Finish()
			if got := strings.Join(rec.commands(), " "); !strings.HasPrefix(got, "USER CWD") {
				dumpEvents(t, rec)
				t.Errorf("commands %q, want USER CWD ...", got)
			}
			if n := gapEvents(rec); n != 0 {
				dumpEvents(t, rec)
				t.Errorf("%d gaps, want none", n)
			}
			if st := d.Stats(); st.ControlBadChecksum != 0 {
				t.Errorf("ControlBadChecksum %d, want 0", st.ControlBadChecksum)
			}
		})
	}
}

// TestBadChecksumRSTNotTaken: an RST with a wrong checksum (not offload)
// on an established connection is dropped, as its receiver drops it: a
// control connection idles for minutes, longer than any hold, and its
// later commands must not vanish. A forged RST with a wrong checksum had
// ended the session at 0.14 s and hidden NOOP and QUIT 5 s later.
func TestBadChecksumRSTNotTaken(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("230 ok\r\n")
	v.sumSend(10*time.Millisecond, v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "", corrupt)
	v.ts = v.ts.Add(5 * time.Second)
	d.Tick(v.ts)
	v.cli("NOOP\r\n")
	v.srv("200 ok\r\n")
	d.Finish()
	if got := strings.Join(rec.commands(), " "); got != "USER NOOP" {
		dumpEvents(t, rec)
		t.Errorf("commands %q, want USER NOOP", got)
	}
	if e, ok := lastClose(rec); !ok || e.Closed != CloseCaptureEnd {
		t.Errorf("closed %v, want capture-end", e.Closed)
	}
	if st := d.Stats(); st.ControlBadChecksum != 1 {
		t.Errorf("ControlBadChecksum %d, want 1", st.ControlBadChecksum)
	}
}

// TestBadChecksumDroppedWhenReceiverHasNone: a segment kept aside whose
// receiver, heard well after it came, acknowledges none of it was dropped
// by that receiver (a forged 230 with a wrong checksum before a server's
// delayed 530: it read "logged in").
func TestBadChecksumDroppedWhenReceiverHasNone(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("331 pw\r\n")
	v.cli("PASS x\r\n")
	v.sumSend(10*time.Millisecond, v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, "230 Login successful.\r\n", corrupt)
	v.sumSend(1200*time.Millisecond, v.c, v.s, v.cseq, v.sseq, FlagACK, "", nil) // the client has none of it
	v.srv("530 Login incorrect.\r\n")
	d.Finish()
	var codes []string
	for _, e := range rec.control {
		if e.Kind == ControlReply {
			codes = append(codes, itoa(e.Reply.Code))
		}
	}
	if got := strings.Join(codes, " "); got != "220 331 530" {
		dumpEvents(t, rec)
		t.Errorf("replies %q, want 220 331 530", got)
	}
	if st := d.Stats(); st.ControlBadChecksum != 1 {
		t.Errorf("ControlBadChecksum %d, want 1", st.ControlBadChecksum)
	}
}

// TestBadChecksumKeptBounded: segments with wrong checksums are kept
// aside at most maxBadHeld (and maxBadBytes) over all connections; one
// more is dropped (counted), as are a second one of a direction.
func TestBadChecksumKeptBounded(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	ms := time.Millisecond
	ts := convT0
	big := strings.Repeat("x", 3000) + "\r\n"
	for i := range maxBadHeld + 8 {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(20 + i)}), 50000)
		v := &conv{t: t, d: d, c: c, s: convServer, cseq: 1000, sseq: 5000, ts: ts}
		v.handshake()
		v.srv("220 hi\r\n")
		v.cli("USER alice\r\n")
		v.sumSend(ms, v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, "SITE "+big, corrupt)
		v.sumSend(ms, v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, "SITE "+big, corrupt) // a second copy: one per direction
		ts = v.ts
		if n, b := len(d.ctl.bad), d.ctl.badBytes; n > maxBadHeld || b > maxBadBytes {
			t.Fatalf("%d segments, %d bytes kept aside; bounds %d, %d", n, b, maxBadHeld, maxBadBytes)
		}
	}
	if d.ctl.badBytes == 0 || d.Stats().ControlBadChecksum < maxBadHeld+8 {
		t.Errorf("kept %d bytes, %d dropped; want some kept, the rest dropped", d.ctl.badBytes, d.Stats().ControlBadChecksum)
	}
	d.Finish()
	if len(d.ctl.bad) != 0 || d.ctl.badBytes != 0 {
		t.Errorf("%d segments, %d bytes still kept after Finish", len(d.ctl.bad), d.ctl.badBytes)
	}
}
