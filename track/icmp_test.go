package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// icmpErr hands the tracker an ICMP or ICMPv6 error of type typ, code code
// from from, quoting the segment src->dst with sequence number seq.
func (s *session) icmpErr(from string, v6 bool, typ, code uint8, src, dst netip.AddrPort, seq, mtu uint32) {
	s.num++
	s.tick(time.Millisecond)
	u := decode.Unreachable{Num: s.num, TS: s.now, From: netip.MustParseAddr(from), V6: v6, Type: typ, Code: code, Src: src, Dst: dst, Seq: seq, MTU: mtu}
	s.trk.Unreachable(&u)
}

// TestICMPErrorEndsConnectOnlyAsTheOpenerTakesIt guards which ICMP errors
// about a data SYN make the connection unreachable: only one the opener's
// TCP takes, as Linux's tcp_v4_err and tcp_v6_err do. It looks the socket
// up with the quoted source as its own end (a quote whose source is the
// listener finds none), drops an error whose sequence number is outside
// snd_una..snd_nxt (LINUX_MIB_OUTOFWINDOWICMPS: in SYN-SENT the SYN's, or
// the one after), takes only a path MTU from fragmentation needed and
// Packet Too Big, and ends the connect on every other destination
// unreachable, time exceeded and parameter problem. Here the client sends
// its SYN 4 times over 7 s: an error it dropped leaves the outcome to the
// SYNs (unanswered), counted in ICMPErrors. Before, any error on the
// 4-tuple made it unreachable, and time exceeded and parameter problem
// were named as destination-unreachable codes.
func TestICMPErrorEndsConnectOnlyAsTheOpenerTakesIt(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	const isn = 7777
	tests := []struct {
		name          string
		v6            bool
		typ, code     uint8
		src, dst      netip.AddrPort
		seq           uint32
		want          Outcome
		why           ICMPIgnoredReason // when ignored
		typeName, cod string            // when unreachable
	}{
		{"host unreachable quoting the SYN", false, 3, 1, dcli, dsrv, isn, OutcomeUnreachable, 0, "destination unreachable", "host unreachable"},
		{"quoting the byte after the SYN (snd_nxt)", false, 3, 13, dcli, dsrv, isn + 1, OutcomeUnreachable, 0, "destination unreachable", "communication administratively prohibited"},
		{"quoted sequence number not the SYN's", false, 3, 1, dcli, dsrv, isn + 100000, OutcomeUnanswered, ICMPOutOfWindow, "", ""},
		{"quoted sequence number just before the SYN's", false, 3, 1, dcli, dsrv, isn - 1, OutcomeUnanswered, ICMPOutOfWindow, "", ""},
		{"quote swapped: its source the listener", false, 3, 1, dsrv, dcli, isn, OutcomeUnanswered, ICMPNotOpener, "", ""},
		{"fragmentation needed about the SYN", false, 3, 4, dcli, dsrv, isn, OutcomeUnanswered, ICMPTooBigSYN, "", ""},
		{"destination unreachable code 16: undefined", false, 3, 16, dcli, dsrv, isn, OutcomeUnanswered, ICMPUnknownCode, "", ""},
		{"time exceeded", false, 11, 0, dcli, dsrv, isn, OutcomeUnreachable, 0, "time exceeded", "time to live exceeded in transit"},
		{"parameter problem", false, 12, 0, dcli, dsrv, isn, OutcomeUnreachable, 0, "parameter problem", "pointer indicates the error"},
		{"ICMPv6 admin prohibited", true, 1, 1, dcli, dsrv, isn, OutcomeUnreachable, 0, "destination unreachable", "communication administratively prohibited"},
		{"ICMPv6 quoted sequence number not the SYN's", true, 1, 1, dcli, dsrv, isn + 100000, OutcomeUnanswered, ICMPOutOfWindow, "", ""},
		{"ICMPv6 quote swapped", true, 1, 1, dsrv, dcli, isn, OutcomeUnanswered, ICMPNotOpener, "", ""},
		{"ICMPv6 Packet Too Big about the SYN", true, 2, 0, dcli, dsrv, isn, OutcomeUnanswered, ICMPTooBigSYN, "", ""},
		{"ICMPv6 time exceeded", true, 3, 0, dcli, dsrv, isn, OutcomeUnreachable, 0, "time exceeded", "hop limit exceeded in transit"},
		{"ICMPv6 parameter problem", true, 4, 1, dcli, dsrv, isn, OutcomeUnreachable, 0, "parameter problem", "unrecognized Next Header type encountered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			s.reply(229, "Entering Extended Passive Mode (|||40000|)")
			s.seg(dcli, dsrv, decode.FlagSYN, isn, 0)
			s.icmpErr("10.1.0.1", tc.v6, tc.typ, tc.code, tc.src, tc.dst, tc.seq, 0)
			for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
				s.tick(wait)
				s.seg(dcli, dsrv, decode.FlagSYN, isn, 0)
			}
			s.tick(8 * time.Second)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.SYNs != 4 {
				t.Fatalf("outcome %v with %d SYNs, want %v with 4", d.Outcome, d.SYNs, tc.want)
			}
			if tc.want == OutcomeUnreachable {
				if d.ICMP == nil || d.ICMP.Type != tc.typ || d.ICMP.Code != tc.code || d.ICMP.V6 != tc.v6 {
					t.Fatalf("ICMP %+v, want type %d code %d", d.ICMP, tc.typ, tc.code)
				}
				if d.ICMP.TypeName() != tc.typeName || d.ICMP.CodeName() != tc.cod {
					t.Errorf("named %q / %q, want %q / %q", d.ICMP.TypeName(), d.ICMP.CodeName(), tc.typeName, tc.cod)
				}
				if d.ICMPErrors != nil {
					t.Errorf("the error that ended the connect counted as ignored too: %+v", d.ICMPErrors)
				}
				return
			}
			if d.ICMP != nil {
				t.Errorf("an error the opener drops kept as the answer: %+v", d.ICMP)
			}
			e := d.ICMPErrors
			if e == nil || e.Ignored != 1 || e.IgnoredWhy != tc.why || e.IgnoredFirst.Type != tc.typ || e.IgnoredFirst.Num == 0 {
				t.Errorf("ignored errors %+v, want 1 (%v)", e, tc.why)
			}
			if d.TooBig() != nil {
				t.Errorf("a path MTU record for a SYN: %+v", d.TooBig())
			}
		})
	}
}

// TestPathMTUBlackHole guards what the tracker keeps of path MTU errors
// about a data connection's data, and the outcome of a black hole: the
// server sends a 1440-byte segment, a router drops it and answers
// fragmentation needed (ICMPv6 Packet Too Big), and the server sends the
// same segment again as large, each copy drawing the same error, while
// the client acknowledges nothing; the client gives up (ABOR, its RST).
// The router dropped every copy and the client acknowledged no byte:
// nothing reached it, so the connection is connected, not transferred.
// A server that honours the error (sends the data again smaller, and it
// is acknowledged) is no black hole. Before, the errors were dropped
// (the connection was answered) and the outcome was transferred.
func TestPathMTUBlackHole(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	const cisn, sisn = 1000, 5000
	ptb := func(s *session, v6 bool, from string, seq, mtu uint32) {
		if v6 {
			s.icmpErr(from, true, 2, 0, dsrv, dcli, seq, mtu)
		} else {
			s.icmpErr(from, false, 3, 4, dsrv, dcli, seq, mtu)
		}
	}
	// blackHole: the 1440-byte segment at seq sent n times, each drawing
	// an error from the router.
	blackHole := func(s *session, v6 bool, seq uint32, n int) {
		for i := 0; i < n; i++ {
			s.segAck(dsrv, dcli, decode.FlagACK, seq, cisn+1, 1440)
			ptb(s, v6, "10.1.0.1", seq, 1400)
			s.tick(time.Duration(200<<i) * time.Millisecond)
		}
		s.cmd("ABOR", "")
		s.segAck(dcli, dsrv, decode.FlagRST|decode.FlagACK, cisn+1, seq, 0)
		s.reply(426, "Failure writing network stream.")
		s.reply(226, "Abort successful")
	}
	honoured := func(s *session, v6 bool) {
		s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
		ptb(s, v6, "10.1.0.1", sisn+1, 1400)
		s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1360)
		s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1+1360, 0)
		s.segAck(dsrv, dcli, decode.FlagACK, sisn+1+1360, cisn+1, 640)
		s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1+2000, 0)
		s.segAck(dsrv, dcli, decode.FlagFIN|decode.FlagACK, sisn+1+2000, cisn+1, 0)
		s.segAck(dcli, dsrv, decode.FlagFIN|decode.FlagACK, cisn+1, sisn+2+2000, 0)
		s.reply(226, "Transfer complete.")
	}
	// dupHonoured: three 1448-byte segments, one fragmentation needed
	// (Packet Too Big) about the first seen copies times, the data sent
	// again as 1348-byte segments; acked: the client acknowledges it all.
	dupHonoured := func(s *session, v6 bool, copies int, acked bool) {
		for i := uint32(0); i < 3; i++ {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1+i*1448, cisn+1, 1448)
		}
		for i := 0; i < copies; i++ {
			ptb(s, v6, "10.1.0.1", sisn+1, 1400)
		}
		for i := uint32(0); i < 3; i++ {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1+i*1348, cisn+1, 1348)
		}
		s.segAck(dsrv, dcli, decode.FlagACK, sisn+1+3*1348, cisn+1, 300)
		if acked {
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1+4344, 0)
			s.segAck(dsrv, dcli, decode.FlagFIN|decode.FlagACK, sisn+1+4344, cisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagFIN|decode.FlagACK, cisn+1, sisn+2+4344, 0)
			s.reply(226, "Transfer complete.")
		}
	}
	// blackHoleCopies: the size-byte segment at seq sent n times, each
	// drawing an error with mtu from the router, seen copies times.
	blackHoleCopies := func(s *session, seq uint32, size int, mtu uint32, n, copies int) {
		for i := 0; i < n; i++ {
			s.segAck(dsrv, dcli, decode.FlagACK, seq, cisn+1, size)
			for j := 0; j < copies; j++ {
				ptb(s, false, "10.1.0.1", seq, mtu)
			}
			s.tick(time.Duration(200<<i) * time.Millisecond)
		}
		s.segAck(dcli, dsrv, decode.FlagRST|decode.FlagACK, cisn+1, seq, 0)
	}
	// offloaded: a capture on a server with segmentation offload (TSO):
	// three 2896-byte super-segments (two 1448-byte segments each on the
	// wire), an error quoting the first on-wire segment; honoured: the
	// data sent again in GSO chunks of two 1348-byte segments (2696 in the
	// capture), the capture cut before the client's ACK; else the first
	// super-segment sent again as is n times, each drawing an error.
	offloaded := func(s *session, v6 bool, honoured bool, n int) {
		for i := uint32(0); i < 3; i++ {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1+i*2896, cisn+1, 2896)
		}
		ptb(s, v6, "10.1.0.1", sisn+1, 1400)
		if honoured {
			for i := uint32(0); i < 3; i++ {
				s.segAck(dsrv, dcli, decode.FlagACK, sisn+1+i*2696, cisn+1, 2696)
			}
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1+3*2696, cisn+1, 600)
			return
		}
		for i := 0; i < n; i++ {
			s.tick(time.Duration(200<<i) * time.Millisecond)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 2896)
			ptb(s, v6, "10.1.0.1", sisn+1, 1400)
		}
		s.segAck(dcli, dsrv, decode.FlagRST|decode.FlagACK, cisn+1, sisn+1, 0)
	}
	type wantMTU struct {
		errors, repeated int
		mtu              uint32
		blackHole        bool
	}
	tests := []struct {
		name    string
		run     func(s *session)
		want    Outcome
		mtu     *wantMTU // nil: no path MTU record
		ignored ICMPIgnoredReason
	}{
		{"black hole from the first byte", func(s *session) { blackHole(s, false, sisn+1, 9) },
			OutcomeConnected, &wantMTU{9, 8, 1400, true}, 0},
		{"ICMPv6 black hole from the first byte", func(s *session) { blackHole(s, true, sisn+1, 9) },
			OutcomeConnected, &wantMTU{9, 8, 1400, true}, 0},
		{"black hole after 1000 bytes that arrived", func(s *session) {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1000)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1001, 0)
			blackHole(s, false, sisn+1001, 3)
		}, OutcomeTransferred, &wantMTU{3, 2, 1400, true}, 0},
		{"honoured", func(s *session) { honoured(s, false) }, OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"ICMPv6 honoured", func(s *session) { honoured(s, true) }, OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"two routers, each a lower MTU, then through", func(s *session) {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
			ptb(s, false, "10.1.0.1", sisn+1, 1400)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1360)
			ptb(s, false, "10.2.0.1", sisn+1, 1280)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1240)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1241, 0)
			s.segAck(dsrv, dcli, decode.FlagFIN|decode.FlagACK, sisn+1241, cisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagFIN|decode.FlagACK, cisn+1, sisn+1242, 0)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, &wantMTU{2, 0, 1280, false}, 0},
		{"fragmentation needed outside what the server sent", func(s *session) {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
			ptb(s, false, "10.1.0.1", sisn+900000, 1400)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1441, 0)
			s.segAck(dsrv, dcli, decode.FlagFIN|decode.FlagACK, sisn+1441, cisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagFIN|decode.FlagACK, cisn+1, sisn+1442, 0)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, nil, ICMPOutOfWindow},
		{"one error seen twice, resent smaller, the capture cut before the ACK", func(s *session) {
			// A capture on a router with -i any (or a doubled mirror
			// port) holds the one error twice; the server honoured it.
			dupHonoured(s, false, 2, false)
		}, OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"ICMPv6: one error seen twice, resent smaller, the capture cut before the ACK", func(s *session) {
			dupHonoured(s, true, 2, false)
		}, OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"one error seen twice, resent smaller and acknowledged", func(s *session) { dupHonoured(s, false, 2, true) },
			OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"black hole, each error seen twice", func(s *session) { blackHoleCopies(s, sisn+1, 1440, 1400, 5, 2) },
			OutcomeConnected, &wantMTU{5, 4, 1400, true}, 0},
		{"the router's errors again, no resend in the capture", func(s *session) {
			// The errors alone (200 ms apart: not copies) say nothing of
			// what the sender did after them.
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
			for i := 0; i < 3; i++ {
				ptb(s, false, "10.1.0.1", sisn+1, 1400)
				s.tick(200 * time.Millisecond)
			}
			s.segAck(dcli, dsrv, decode.FlagRST|decode.FlagACK, cisn+1, sisn+1, 0)
		}, OutcomeTransferred, &wantMTU{3, 0, 1400, false}, 0},
		{"new data as large after the error only: sent before it arrived", func(s *session) {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
			ptb(s, false, "10.1.0.1", sisn+1, 1400)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1441, cisn+1, 1440)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1360)
		}, OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"no MTU given: the same segment resent and quoted again", func(s *session) { blackHoleCopies(s, sisn+1, 1440, 0, 3, 1) },
			OutcomeConnected, &wantMTU{3, 2, 0, true}, 0},
		{"no MTU given: one error seen twice, then resent", func(s *session) {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
			ptb(s, false, "10.1.0.1", sisn+1, 0)
			ptb(s, false, "10.1.0.1", sisn+1, 0)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 536)
		}, OutcomeTransferred, &wantMTU{1, 0, 0, false}, 0},
		// (No black hole: 536 bytes is as small as a sender goes. But
		// the 536 bytes, sent three times, were never acknowledged, and
		// the client's RST acknowledges none of them: they did not
		// arrive, so nothing moved: stuck.go.)
		{"an MTU below IPv4's least: resent at 536 bytes", func(s *session) { blackHoleCopies(s, sisn+1, 536, 500, 3, 1) },
			OutcomeConnected, &wantMTU{3, 0, 500, false}, 0},
		{"a later error without an MTU keeps the smallest given", func(s *session) {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1440)
			ptb(s, false, "10.1.0.1", sisn+1, 1400)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1360)
			ptb(s, false, "10.2.0.1", sisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1361, 0)
		}, OutcomeTransferred, &wantMTU{2, 0, 1400, false}, 0},
		{"offload: super-segments, one error, resent in GSO chunks, the capture cut before the ACK", func(s *session) {
			// The capture's sizes are not the wire's: the 2696-byte
			// resend is two 1348-byte segments, within the MTU.
			offloaded(s, false, true, 0)
		}, OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"ICMPv6 offload: super-segments, one error, resent in GSO chunks, the capture cut before the ACK", func(s *session) {
			offloaded(s, true, true, 0)
		}, OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"offload: the super-segment resent, quoted again each time", func(s *session) { offloaded(s, false, false, 4) },
			OutcomeConnected, &wantMTU{5, 4, 1400, true}, 0},
		{"ICMPv6 offload: the super-segment resent, quoted again each time", func(s *session) { offloaded(s, true, false, 4) },
			OutcomeConnected, &wantMTU{5, 4, 1400, true}, 0},
		{"offload: a late error about other data in flight, after the resend", func(s *session) {
			offloaded(s, false, true, 0)
			ptb(s, false, "10.1.0.1", sisn+1+2896, 1400)
		}, OutcomeTransferred, &wantMTU{2, 0, 1400, false}, 0},
		{"offload before the error: a GRO-merged resend between the MTU's room and a link's, the capture cut before the ACK", func(s *session) {
			// A 2896-byte segment before the error already shows the
			// capture's sizes are not the wire's: the 1448-byte resend
			// (two merged segments of 724) is no black hole.
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 2896)
			ptb(s, false, "10.1.0.1", sisn+1, 1400)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1448)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1+1448, cisn+1, 1448)
		}, OutcomeTransferred, &wantMTU{1, 0, 1400, false}, 0},
		{"host unreachable about data: a soft error", func(s *session) {
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1000)
			s.icmpErr("10.1.0.1", false, 3, 1, dsrv, dcli, sisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1001, 0)
			s.segAck(dsrv, dcli, decode.FlagFIN|decode.FlagACK, sisn+1001, cisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagFIN|decode.FlagACK, cisn+1, sisn+1002, 0)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, nil, ICMPConnected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			s.reply(229, "Entering Extended Passive Mode (|||40000|)")
			s.cmd("RETR", "big.bin")
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			s.segAck(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 0)
			s.reply(150, "Opening BINARY mode data connection for big.bin (20000 bytes).")
			tc.run(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want {
				t.Errorf("outcome %v, want %v (bytes %v)", d.Outcome, tc.want, d.Bytes)
			}
			if d.ICMP != nil {
				t.Errorf("an error after the handshake taken as the connect's end: %+v", d.ICMP)
			}
			p := d.TooBig()
			switch w := tc.mtu; {
			case w == nil && p != nil:
				t.Errorf("path MTU record %+v, want none", p)
			case w == nil:
			case p == nil:
				t.Fatalf("no path MTU record, want %+v", *w)
			default:
				if p.Errors != w.errors || p.Repeated != w.repeated || p.MTU != w.mtu || p.BlackHole() != w.blackHole {
					t.Errorf("path MTU %d errors, %d repeated, MTU %d, black hole %v; want %+v", p.Errors, p.Repeated, p.MTU, p.BlackHole(), *w)
				}
				if p.Sender != dsrv || !p.From.IsValid() || p.Num == 0 || p.First.IsZero() {
					t.Errorf("path MTU sender %v from %v first %v (packet %d)", p.Sender, p.From, p.First, p.Num)
				}
			}
			if tc.ignored != 0 {
				if e := d.ICMPErrors; e == nil || e.Ignored != 1 || e.IgnoredWhy != tc.ignored {
					t.Errorf("ignored errors %+v, want 1 (%v)", e, tc.ignored)
				}
			}
		})
	}
}

// TestICMPAboutTheHandshakesSequenceSpace guards the sequence numbers an
// ICMP error about a data connection's handshake is taken at. A SYN's
// sequence space counts the SYN itself: one carrying data (TCP Fast Open)
// has snd_nxt at its ISN+1+len, and Linux takes an error quoting anything
// from its ISN to that (tcp_v4_err's between(seq, snd_una, snd_nxt));
// its data counts in full once answered, and moved nothing when not.
// Before, the window ended at ISN+len, so an error quoting the SYN's own
// number was out-of-window, and the unanswered SYN's data read as a
// transfer. An error about the listener's SYN-ACK before the opener's ACK
// is the listener's (tcp_req_err takes seq == snt_isn only): its own
// reason, synack; before, out-of-window (and one quoting snt_isn+1 was a
// soft error of a connection, taken).
func TestICMPAboutTheHandshakesSequenceSpace(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	const cisn, sisn = 7777, 9000
	tfo := func(quote uint32) func(s *session) {
		return func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 10)
			s.icmpErr("10.1.0.1", false, 3, 13, dcli, dsrv, quote, 0)
		}
	}
	synAck := func(quote uint32, acked bool) func(s *session) {
		return func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			s.segAck(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+1, 0)
			if acked {
				s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 0)
			}
			s.icmpErr("10.1.0.1", false, 3, 1, dsrv, dcli, quote, 0)
		}
	}
	tests := []struct {
		name  string
		run   func(s *session)
		want  Outcome // OutcomeUndetermined: any
		icmp  bool    // the error ended the connect
		why   ICMPIgnoredReason
		bytes int64 // the opener's
	}{
		{"Fast Open SYN: quoting its ISN", tfo(cisn), OutcomeUnreachable, true, 0, 10},
		{"Fast Open SYN: quoting a byte of its data", tfo(cisn + 5), OutcomeUnreachable, true, 0, 10},
		{"Fast Open SYN: quoting snd_nxt (ISN+1+len)", tfo(cisn + 11), OutcomeUnreachable, true, 0, 10},
		{"Fast Open SYN: quoting past snd_nxt", tfo(cisn + 12), OutcomeUndetermined, false, ICMPOutOfWindow, 10},
		{"Fast Open SYN answered: its data counts in full", func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 10)
			s.segAck(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+11, 0)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+11, sisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagFIN|decode.FlagACK, cisn+11, sisn+1, 0)
			s.segAck(dsrv, dcli, decode.FlagFIN|decode.FlagACK, sisn+1, cisn+12, 0)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+12, sisn+2, 0)
		}, OutcomeTransferred, false, 0, 10},
		{"Fast Open SYN sent again without its data, answered: the data counts once", func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 10)
			s.tick(time.Second)
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			s.segAck(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 10)
			s.segAck(dsrv, dcli, decode.FlagACK, sisn+1, cisn+11, 0)
			s.segAck(dcli, dsrv, decode.FlagFIN|decode.FlagACK, cisn+11, sisn+1, 0)
			s.segAck(dsrv, dcli, decode.FlagFIN|decode.FlagACK, sisn+1, cisn+12, 0)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+12, sisn+2, 0)
		}, OutcomeTransferred, false, 0, 10},
		{"Fast Open SYN sent again without its data: an error quoting snd_nxt", func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 10)
			s.tick(time.Second)
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			s.icmpErr("10.1.0.1", false, 3, 13, dcli, dsrv, cisn+11, 0)
		}, OutcomeUnreachable, true, 0, 10},
		{"the SYN-ACK's own number, not acknowledged", synAck(sisn, false), OutcomeUndetermined, false, ICMPSynAck, 0},
		{"the byte after the SYN-ACK, not acknowledged", synAck(sisn+1, false), OutcomeUndetermined, false, ICMPOutOfWindow, 0},
		{"the SYN-ACK's number once acknowledged", synAck(sisn, true), OutcomeConnected, false, ICMPOutOfWindow, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			s.reply(229, "Entering Extended Passive Mode (|||40000|)")
			s.cmd("STOR", "f")
			tc.run(s)
			s.tick(8 * time.Second)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if tc.want != OutcomeUndetermined && d.Outcome != tc.want {
				t.Errorf("outcome %v, want %v", d.Outcome, tc.want)
			}
			if d.Bytes[0] != tc.bytes {
				t.Errorf("opener's bytes %d, want %d", d.Bytes[0], tc.bytes)
			}
			if (d.ICMP != nil) != tc.icmp {
				t.Errorf("ICMP %+v, want ending the connect %v", d.ICMP, tc.icmp)
			}
			if tc.why != 0 {
				if e := d.ICMPErrors; e == nil || e.Ignored != 1 || e.IgnoredWhy != tc.why {
					t.Errorf("ignored errors %+v, want 1 (%v)", e, tc.why)
				}
			}
		})
	}
}

// TestUnknownICMPv6ErrorEndsConnect: an ICMPv6 error of a type RFC 4443
// does not define (5-127) goes to the upper layer (RFC 4443 2.4(d)), and
// Linux's tcp_v6_err ends a connect on it; informational types and
// Packet Too Big do not.
func TestUnknownICMPv6ErrorEndsConnect(t *testing.T) {
	for _, tc := range []struct {
		typ  uint8
		ends bool
	}{{1, true}, {2, false}, {3, true}, {4, true}, {5, true}, {100, true}, {127, true}, {128, false}, {135, false}} {
		i := ICMPInfo{V6: true, Type: tc.typ}
		if got := i.EndsConnect(); got != tc.ends {
			t.Errorf("ICMPv6 type %d: ends a connect %v, want %v", tc.typ, got, tc.ends)
		}
	}
}
