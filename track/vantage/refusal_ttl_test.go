package vantage

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// refusalPoints is a client's point that saw a passive SYN to public
// refused (refuse sets how), the server's control packets reaching it
// with TTL recvTTL, and the server's point (its clock 3 s ahead) that saw
// the session's control connection only, its packets there with TTL 64,
// its last packet lastMs after the SYN (on the true clock).
func refusalPoints(refuse func(*Data), recvTTL uint8, lastMs int) (cli, srv *Collector) {
	public := netip.MustParseAddr("198.51.100.1")
	d := &Data{Src: ap("10.0.0.2:50000"), Dst: netip.AddrPortFrom(public, 40001), ISN: 77, SYNs: 1}
	refuse(d)
	srv = point("server", 3*time.Second, 5, "10.1.0.2", nil)
	srv.files[0].last = t0.Add(3*time.Second + time.Duration(lastMs)*time.Millisecond)
	srv.ctlList[0].TTL = [2]uint8{63, 64}
	cli = point("client", 0, 0, public.String(), d)
	cli.ctlList[0].TTL = [2]uint8{64, recvTTL}
	return cli, srv
}

// TestBoxRefusalPlacedWithoutDataAtServer guards a router's reject rule
// (or its own stack, for a port it does not forward) refusing every data
// connection: the server's point then holds none, and, counted as a
// capture keeping the control port only, read not-captured though it
// captured everything. The reset in the receiver's name came with the
// router's TTL (64), not the server's (63, one router away): from a box
// before the server's point. An ICMP error from another address than the
// receiver's, the server's point at the server (its packets there with
// a host's TTL), is from a box before it too. Where the hops place the
// box, the SYN never reached the server's point, however soon its
// capture ended; a refusal whose TTL tells nothing still says
// not-captured.
func TestBoxRefusalPlacedWithoutDataAtServer(t *testing.T) {
	public := netip.MustParseAddr("198.51.100.1")
	rst := func(ttl uint8) func(*Data) {
		return func(d *Data) {
			d.RST, d.RSTFrom, d.RSTFromDst, d.RSTTTL = t0.Add(100300*time.Microsecond), public, true, ttl
		}
	}
	icmp := func(from string) func(*Data) {
		return func(d *Data) {
			d.ICMP, d.ICMPFrom, d.ICMPType, d.ICMPCode = t0.Add(100300*time.Microsecond), netip.MustParseAddr(from), 3, 13
		}
	}
	for _, tc := range []struct {
		name    string
		refuse  func(*Data)
		lastMs  int
		want    Where
		wantSay string
	}{
		{"reset with the router's TTL, capture past it", rst(64), 115, RSTInBetween, "does not forward"},
		{"reset with the router's TTL, capture long past it", rst(64), 60000, RSTInBetween, "does not forward"},
		{"icmp from the router's address", icmp("192.0.2.254"), 115, ICMPInBetween, "from 192.0.2.254"},
		{"reset with the router's TTL, capture ended before it could return", rst(64), 104, RSTInBetween, "does not forward"},
		{"reset, no TTL", rst(0), 115, NotCaptured, "holds no data connection"},
		{"reset, no TTL, capture ended before it could return", rst(0), 104, NotCaptured, "its last packet came"},
		{"icmp in the receiver's name", icmp(public.String()), 115, NotCaptured, "holds no data connection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := refusalPoints(tc.refuse, 63, tc.lastMs)
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

// TestReceiverResetByTTLNotInBetween guards the server host's own reset
// (nothing listening, its firewall), NATed back in the address the
// client dialled, past a server capture keeping no passive data
// connection ('port 21', or 'port ftp or ftp-data' holding an active
// one from port 20): it read rst-in-between, a router's rule, whenever
// that capture went on long enough (or held port 20's connection). The
// reset came with the TTL of the server's own packets at the client's
// point: from the receiver's distance, the receiver's.
func TestReceiverResetByTTLNotInBetween(t *testing.T) {
	public := netip.MustParseAddr("198.51.100.1")
	for _, tc := range []struct {
		name       string
		lastMs     int
		activeData bool // the server's point holds an active data connection
		rstTTL     uint8
		want       Where
	}{
		{"control only, capture long past it", 60000, false, 63, RSTFromReceiver},
		{"control only, capture ended soon after", 115, false, 63, RSTFromReceiver},
		{"port 20's connection held, capture long past it", 60000, true, 63, RSTFromReceiver},
		{"port 20's connection held, no TTL", 60000, true, 0, NotCaptured},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := refusalPoints(func(d *Data) {
				d.RST, d.RSTFrom, d.RSTFromDst, d.RSTTTL = t0.Add(100300*time.Microsecond), public, true, tc.rstTTL
			}, 63, tc.lastMs)
			if tc.activeData {
				at := t0.Add(3*time.Second + 30*time.Millisecond)
				srv.dataList = append(srv.dataList, &Data{Src: ap("10.1.0.2:20"), Dst: ap("10.0.0.2:49000"), ISN: 55, HaveISN: true,
					SYNs: 1, SYNACKs: 1, FirstSYN: at, LastSYN: at})
			}
			r, err := Merge([]*Collector{cli, srv})
			if err != nil {
				t.Fatal(err)
			}
			var p *Path
			for _, q := range r.Sessions[0].Data {
				if q.Passive {
					p = q
				}
			}
			if p == nil {
				t.Fatalf("no passive data connection: %s", describe(r))
			}
			if p.Where != tc.want {
				t.Fatalf("where %v (%s); want %v", p.Where, p.Verdict, tc.want)
			}
			if tc.want == RSTFromReceiver && !strings.Contains(p.Verdict, "TTL") {
				t.Fatalf("verdict %q; want the TTL named", p.Verdict)
			}
		})
	}
}

// TestCollectorKeepsTTLs guards what the refusal's placement reads: the
// TTL each side's control segments came with (and that one came with
// another), and a data connection's reset's.
func TestCollectorKeepsTTLs(t *testing.T) {
	c := NewCollector("a", Options{})
	cli, srv := ap("10.0.0.2:40000"), ap("198.51.100.1:21")
	seg := func(src, dst netip.AddrPort, ttl uint8, flags decode.TCPFlags, ms int, control bool) {
		c.Segment(&decode.Segment{TS: t0.Add(time.Duration(ms) * time.Millisecond), Src: src, Dst: dst, Seq: uint32(ms),
			Flags: flags, TTL: ttl, Control: control})
	}
	seg(cli, srv, 64, decode.FlagSYN, 0, true)
	seg(srv, cli, 63, decode.FlagSYN|decode.FlagACK, 1, true)
	seg(cli, srv, 64, decode.FlagACK, 2, true)
	seg(srv, cli, 63, decode.FlagACK, 3, true)
	seg(srv, cli, 62, decode.FlagACK, 400, true) // another route, or a box's segment
	dsrc, ddst := ap("10.0.0.2:50000"), ap("198.51.100.1:40001")
	seg(dsrc, ddst, 64, decode.FlagSYN, 500, false)
	seg(ddst, dsrc, 64, decode.FlagRST|decode.FlagACK, 501, false)
	x := c.ctlList[0]
	if x.TTL != [2]uint8{64, 63} || x.TTLVaried != [2]bool{false, true} {
		t.Errorf("control TTLs %v, varied %v; want [64 63], the server's varied", x.TTL, x.TTLVaried)
	}
	if d := c.dataList[0]; d.RSTTTL != 64 || !d.RSTFromDst {
		t.Errorf("reset TTL %d (from the receiver %v); want 64", d.RSTTTL, d.RSTFromDst)
	}
}
