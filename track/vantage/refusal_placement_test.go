package vantage

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestRouterICMPPlacedByItsTTL guards a router's ICMP refusal (admin
// prohibited, port unreachable) of every data connection while the
// server's point holds the control connection only: the error bears the
// address the client dialled (a DNAT router's own) or the router's own,
// and read not-captured, its TTL not carried. It came with the router's
// TTL (64, no router passed; or 63 with the server's packets at 62) while
// the server's own packets reach the client's point from one router
// further: a box before the server's point. One with the server's own
// TTL came from the receiver's distance (its host's firewall): still
// not-captured, and said so.
func TestRouterICMPPlacedByItsTTL(t *testing.T) {
	public := netip.MustParseAddr("198.51.100.1")
	icmp := func(from netip.Addr, ttl uint8) func(*Data) {
		return func(d *Data) {
			d.ICMP, d.ICMPFrom, d.ICMPType, d.ICMPCode, d.ICMPTTL = t0.Add(100300*time.Microsecond), from, 3, 13, ttl
		}
	}
	router := netip.MustParseAddr("192.0.2.254")
	for _, tc := range []struct {
		name    string
		refuse  func(*Data)
		recvTTL uint8 // the server's control packets at the client's point
		want    Where
		wantSay string
	}{
		{"in the receiver's name, the router's TTL", icmp(public, 64), 63, ICMPInBetween, `in the receiver's name (from 198.51.100.1) reached "client"`},
		{"from the router's own address, its TTL", icmp(router, 64), 63, ICMPInBetween, "from 192.0.2.254"},
		{"in the receiver's name, the second router's TTL", icmp(public, 63), 62, ICMPInBetween, "in the receiver's name"},
		{"in the receiver's name, the receiver's TTL", icmp(public, 63), 63, NotCaptured, "its host's own firewall"},
		{"in the receiver's name, no TTL", icmp(public, 0), 63, NotCaptured, "holds no data connection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := refusalPoints(tc.refuse, tc.recvTTL, 115)
			r, err := Merge([]*Collector{cli, srv})
			if err != nil {
				t.Fatal(err)
			}
			p := onlyPath(t, r)
			if p.Where != tc.want || !strings.Contains(p.Verdict, tc.wantSay) {
				t.Fatalf("where %v (%s); want %v saying %q", p.Where, p.Verdict, tc.want, tc.wantSay)
			}
		})
	}
}

// TestCollectorKeepsICMPTTL guards what the ICMP error's placement reads:
// the TTL the error itself came with, from decode.
func TestCollectorKeepsICMPTTL(t *testing.T) {
	c := NewCollector("a", Options{})
	src, dst := ap("10.0.0.2:50000"), ap("198.51.100.1:40001")
	c.Segment(&decode.Segment{TS: t0, Src: src, Dst: dst, Seq: 77, Flags: decode.FlagSYN, TTL: 64})
	c.Unreachable(&decode.Unreachable{TS: t0.Add(time.Millisecond), From: dst.Addr(), TTL: 61, Type: 3, Code: 13, Src: src, Dst: dst, Seq: 77})
	if d := c.dataList[0]; d.ICMP.IsZero() || d.ICMPTTL != 61 {
		t.Fatalf("icmp at %v, TTL %d; want the error's TTL 61", d.ICMP, d.ICMPTTL)
	}
}

// TestResetHedgeNamesTheRefusingRouter guards a reset from the second of
// two NAT routers (its own stack, for a port it does not forward): the
// verdict named the first router's address, the one the client dialled,
// as the router that might not forward the port. With a point between
// the routers, the address is the one the SYN bore there; with none, the
// reset's TTL says it came from past the first router, and no address
// is named.
func TestResetHedgeNamesTheRefusingRouter(t *testing.T) {
	public, inner := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("10.2.0.2")
	rst := func(dst netip.Addr, ttl uint8) *Data {
		return &Data{Src: ap("10.0.0.2:50000"), Dst: netip.AddrPortFrom(dst, 40001), ISN: 77, SYNs: 1,
			RST: t0.Add(100300 * time.Microsecond), RSTFrom: dst, RSTFromDst: true, RSTTTL: ttl}
	}
	mk := func(withMid bool) *Report {
		cli := point("client", 0, 0, public.String(), rst(public, 63))
		cli.ctlList[0].TTL = [2]uint8{64, 62}
		cs := []*Collector{cli}
		if withMid {
			cs = append(cs, point("between", 0, 2, inner.String(), rst(inner, 64)))
		}
		srv := point("server", 3*time.Second, 5, "10.1.0.2", nil)
		srv.NonTCP(2)
		cs = append(cs, srv)
		r, err := Merge(cs)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	p := onlyPath(t, mk(true))
	if p.Where != RSTInBetween || !strings.Contains(p.Verdict, "if 10.2.0.2 is the router's own address") || strings.Contains(p.Verdict, "198.51.100.1") {
		t.Errorf("a point between the routers: where %v (%s); want rst-in-between naming 10.2.0.2 only", p.Where, p.Verdict)
	}
	p = onlyPath(t, mk(false))
	if p.Where != RSTInBetween || strings.Contains(p.Verdict, "198.51.100.1 is the router's own") || !strings.Contains(p.Verdict, `not the first router past "client"`) {
		t.Errorf("two points: where %v (%s); want rst-in-between naming no router's address", p.Where, p.Verdict)
	}
}
