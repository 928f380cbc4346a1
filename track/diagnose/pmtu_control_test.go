package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// ctlSeg is a segment of w's control connection, as decode hands it on.
func (w *wire) ctlSeg(fromClient bool, flags decode.TCPFlags, seq, ack uint32, n int) {
	w.next()
	src, dst := w.srv, w.cli
	if fromClient {
		src, dst = w.cli, w.srv
	}
	s := decode.Segment{Num: w.num, TS: w.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack, PayloadLen: n, Control: true}
	w.trk.Segment(&s)
}

// TestControlConnectionPathMTUBlackHole guards path MTU errors quoting
// the control connection, which the tracker did not keep (only data
// connections'): a classic FTPS hang, the server's certificate chain
// after AUTH TLS in full-size segments, a router with a smaller next link
// answering each with ICMP fragmentation needed (ICMPv6 Packet Too Big),
// the server's firewall dropping them, the server sending the same
// segment as large again and the client acknowledging nothing past it.
// Now a pmtu-blackhole error with the family's rules (the errors'
// family); none when the server sent the bytes again smaller and the
// client acknowledged them (the sender adapted), nor for an error the
// sender never repeated its segment after.
func TestControlConnectionPathMTUBlackHole(t *testing.T) {
	for _, tc := range []struct {
		name, cli, srv, router string
		resend                 int  // payload of the server's resend of the quoted segment
		acked                  bool // the client acknowledges past it
		want                   bool
		rule                   string
	}{
		{"IPv4 black hole", "198.51.100.7:45000", "203.0.113.5:21", "192.0.2.1", 1448, false, true, "iptables -I INPUT -p icmp --icmp-type fragmentation-needed"},
		{"IPv6 black hole", "[2001:db8:1::7]:45000", "[2001:db8::21]:21", "2001:db8:ff::1", 1428, false, true, "ip6tables -I INPUT -p icmpv6 --icmpv6-type packet-too-big"},
		{"IPv4 sender adapted", "198.51.100.7:45000", "203.0.113.5:21", "192.0.2.1", 1360, true, false, ""},
		{"IPv6 sender adapted", "[2001:db8:1::7]:45000", "[2001:db8::21]:21", "2001:db8:ff::1", 1220, true, false, ""},
		{"IPv4 never resent", "198.51.100.7:45000", "203.0.113.5:21", "192.0.2.1", 0, false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, tc.cli, tc.srv)
			anonLogin(w)
			w.cmd("AUTH TLS")
			w.reply(234, "Proceed with negotiation.")
			const cseq, sseq = 1000, 50000
			w.ctlSeg(true, decode.FlagACK|decode.FlagPSH, cseq, sseq, 300) // ClientHello
			full := 1448
			mtu := uint32(1400)
			v6 := netip.MustParseAddrPort(tc.srv).Addr().Is6()
			if v6 {
				full, mtu = 1428, 1280
			}
			w.ctlSeg(false, decode.FlagACK, sseq, cseq+300, full)
			w.next()
			u := decode.Unreachable{Num: w.num, TS: w.now, From: netip.MustParseAddr(tc.router), V6: v6, Type: 3, Code: 4, TTL: 62,
				Src: w.srv, Dst: w.cli, Seq: sseq, MTU: mtu}
			if v6 {
				u.Type, u.Code = 2, 0
			}
			w.trk.Unreachable(&u)
			if tc.resend > 0 {
				w.wait(200e6)
				w.ctlSeg(false, decode.FlagACK, sseq, cseq+300, tc.resend)
			}
			if tc.acked {
				w.ctlSeg(true, decode.FlagACK, cseq+300, sseq+uint32(tc.resend), 0)
			} else {
				w.ctlSeg(true, decode.FlagACK, cseq+300, sseq, 0)
			}
			w.end()
			f := w.c.find(CodePMTUBlackHole)
			if (f != nil) != tc.want {
				t.Fatalf("pmtu-blackhole %v, want %v: %+v", f != nil, tc.want, f)
			}
			if f == nil {
				return
			}
			if f.Severity != SeverityError || !strings.Contains(f.Message, "control connection") || !strings.Contains(f.Message, "certificate chain") {
				t.Errorf("message: %s", f.Message)
			}
			if !strings.Contains(f.Advice, tc.rule) || !strings.Contains(f.Advice, "--clamp-mss-to-pmtu") || !strings.Contains(f.Advice, "the server") {
				t.Errorf("advice lacks %q or the MSS clamp: %s", tc.rule, f.Advice)
			}
		})
	}
}
