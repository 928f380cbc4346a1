package nfhelper

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// FuzzFindPattern runs the search table of either direction on arbitrary
// segments: it must never panic, a match must lie inside the segment, and
// a well-formed PORT/EPRT/227/229 built from the same numbers must parse
// to those numbers.
func FuzzFindPattern(f *testing.F) {
	for _, s := range []string{
		"PORT 192,0,2,10,160,40\r\n", "EPRT |1|192.0.2.10|41000|\r\n", "EPRT |2|2001:db8::1|41000|\r\n",
		"227 Entering Passive Mode (192,0,2,10,156,66).\r\n", "229 (|||40002|)\r\n", "22", "PORTX", "EPRT |2|::1.2.3.4:5|6|",
		"229 (|||70000|)", "EPRT |2|1:2:3:4:5:6:7::|1|",
	} {
		f.Add([]byte(s), false, false, false)
		f.Add([]byte(s), true, true, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, server, v6, checked bool) {
		dir := ClientToServer
		if server {
			dir = ServerToClient
		}
		sender := ip("192.0.2.10")
		if v6 {
			sender = ip("2001:db8::10")
		}
		k := KernelMainline
		if checked {
			k = KernelRangeChecked
		}
		found, kind, why, off, n, _ := runSearch(data, dir, sender, k)
		switch found {
		case 1:
			if kind == KindNone || why != PartialNone || off <= 0 || n <= 0 || off+n > len(data) {
				t.Fatalf("%q: match kind=%v why=%v off=%d n=%d len=%d", data, kind, why, off, n, len(data))
			}
		case -1:
			if kind == KindNone || why == PartialNone {
				t.Fatalf("%q: partial without kind or reason", data)
			}
		case 0:
			if kind != KindNone {
				t.Fatalf("%q: no match with kind %v", data, kind)
			}
		default:
			t.Fatalf("%q: found=%d", data, found)
		}
	})
}

// FuzzPORTReference: for every six octets, "PORT a,b,c,d,e,f\r\n" and the
// 227 reply must give exactly a.b.c.d and e*256+f, whatever the text
// before the numbers of the 227 (as long as it has no digit).
func FuzzPORTReference(f *testing.F) {
	f.Add(uint8(192), uint8(0), uint8(2), uint8(10), uint8(156), uint8(66), "Entering Passive Mode (")
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), "=")
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g uint8, prefix string) {
		want := netip.AddrPortFrom(netip.AddrFrom4([4]byte{a, b, c, d}), uint16(e)<<8|uint16(g))
		nums := fmt.Sprintf("%d,%d,%d,%d,%d,%d", a, b, c, d, e, g)
		for _, k := range []Kernel{KernelMainline, KernelRangeChecked} {
			found, _, _, off, n, cmd := runSearch([]byte("PORT "+nums+"\r\n"), ClientToServer, ip("192.0.2.10"), k)
			got := netip.AddrPortFrom(netip.AddrFrom4([4]byte(cmd.u3[:4])), cmd.port)
			if found != 1 || off != 5 || n != len(nums) || got != want {
				t.Fatalf("PORT %s (%v): found=%d off=%d n=%d got %v", nums, k, found, off, n, got)
			}
			if strings.ContainsAny(prefix, "0123456789") {
				continue
			}
			reply := "227 " + prefix + nums + ")\r\n"
			found, _, _, off, n, cmd = runSearch([]byte(reply), ServerToClient, ip("192.0.2.10"), k)
			got = netip.AddrPortFrom(netip.AddrFrom4([4]byte(cmd.u3[:4])), cmd.port)
			if found != 1 || off != 4+len(prefix) || n != len(nums) || got != want {
				t.Fatalf("%q (%v): found=%d off=%d n=%d got %v", reply, k, found, off, n, got)
			}
		}
	})
}

// FuzzEPSVReference: "229 <text>(<d><d><d><port><d>)" parses to port
// exactly when the delimiter is valid and the port is not 0.
func FuzzEPSVReference(f *testing.F) {
	f.Add(byte('|'), uint16(40002), "Entering Extended Passive Mode ")
	f.Add(byte('5'), uint16(1), "")
	f.Add(byte('|'), uint16(0), "x")
	f.Fuzz(func(t *testing.T, delim byte, port uint16, text string) {
		if strings.IndexByte(text, '(') >= 0 {
			return
		}
		dl := string([]byte{delim})
		reply := "229 " + text + "(" + dl + dl + dl + fmt.Sprint(port) + dl + ")\r\n"
		found, _, _, off, n, cmd := runSearch([]byte(reply), ServerToClient, ip("192.0.2.10"), KernelMainline)
		ok := validDelim(delim) && port != 0
		if ok != (found == 1) {
			t.Fatalf("%q: found=%d, want match=%v", reply, found, ok)
		}
		if ok && (cmd.port != port || off != 5+len(text) || n != 4+len(fmt.Sprint(port))) {
			t.Fatalf("%q: port %d off %d n %d", reply, cmd.port, off, n)
		}
	})
}

// FuzzIn6pton compares the in6_pton model with net/netip where both are
// defined: every address netip accepts (without a zone) the kernel accepts
// too, with the same value, stopping at the delimiter.
func FuzzIn6pton(f *testing.F) {
	for _, tt := range in6Tests {
		f.Add([]byte(strings.TrimSuffix(tt.in, "|")))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		addr, end, ok := in6pton(append(bytes.Clone(s), '|'), '|')
		if end < 0 || end > len(s)+1 {
			t.Fatalf("%q: end %d out of range", s, end)
		}
		ref, err := netip.ParseAddr(string(s))
		if err != nil || ref.Zone() != "" || !ref.Is6() || bytes.IndexByte(s, 0) >= 0 {
			return
		}
		if !ok || end != len(s) || netip.AddrFrom16(addr) != ref {
			t.Fatalf("%q: netip %v; in6pton ok=%v end=%d %v", s, ref, ok, end, netip.AddrFrom16(addr))
		}
	})
}

// FuzzFeed drives a NATed simulator with arbitrary segments: it must never
// panic, reported offsets must lie in the payload, and a rewrite must
// change the length by exactly its delta.
func FuzzFeed(f *testing.F) {
	f.Add([]byte("220 x\r\n"), []byte("227 Entering Passive Mode (10,0,0,2,156,66)\r\n"), uint16(7), true)
	f.Add([]byte("USER a\r\n"), []byte("PORT 10,0,0,5,1,1\r\nEPRT |1|10.0.0.5|9|\r\n"), uint16(0), false)
	conn := Conn{Client: ap("10.0.0.5:40000"), Server: ap("203.0.113.1:21"), ClientAs: ap("198.51.100.9:61000"), ServerAt: ap("10.0.0.2:21")}
	f.Fuzz(func(t *testing.T, first, second []byte, gap uint16, server bool) {
		s, err := New(conn, Config{Loose: gap&1 == 1})
		if err != nil {
			t.Fatal(err)
		}
		dir := ClientToServer
		if server {
			dir = ServerToClient
		}
		seq := uint32(0xfffffff0) // exercise wrap-around
		for i, p := range [][]byte{first, second, second, first} {
			r := s.Feed(Segment{Dir: dir, Seq: seq, Payload: p})
			for _, m := range r.MissedLines() {
				if m.Off < 0 || m.Off >= len(p) || m.Kind == KindNone || m.Why == MissNone {
					t.Fatalf("segment %d %q: bad miss %+v", i, p, m)
				}
			}
			if r.Rewrite.Done {
				out := r.Rewritten(nil, p)
				if len(out) != len(p)+int(r.Rewrite.Delta()) || r.MatchOff+r.MatchLen > len(p) {
					t.Fatalf("segment %d %q: rewritten to %d bytes, delta %d", i, p, len(out), r.Rewrite.Delta())
				}
			}
			if !r.Dropped() {
				seq += uint32(len(p))
			}
			if i == 1 {
				seq += uint32(gap)
			}
		}
	})
}
