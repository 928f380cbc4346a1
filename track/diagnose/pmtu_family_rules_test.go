package diagnose

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestPMTUBlackHoleRulesMatchTheFamily guards the rules pmtu-blackhole
// prints: each is for the family of the path that dropped the segments.
// Over IPv6 the MSS clamp was iptables's, which leaves IPv6 traffic alone
// (a router with a 1280-byte link, the server dropping ICMPv6 Packet Too
// Big: the transfer kept failing with the rule loaded; ip6tables's fixed
// it). Every iptables command of an IPv6 finding is ip6tables, and an
// IPv4 finding names no ip6tables.
func TestPMTUBlackHoleRulesMatchTheFamily(t *testing.T) {
	bareIptables := regexp.MustCompile(`(^|[^6])iptables `)
	for _, tc := range []struct {
		name             string
		v6               bool
		cli, srv, router string
		typ, code        uint8
		mtu              uint32
		want             []string
	}{
		{"IPv6", true, "[2001:db8:1::2]:50000", "[2001:db8:2::10]:21", "2001:db8:2::1", 2, 0, 1280,
			[]string{"ip6tables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "ip6tables -I INPUT -p icmpv6 --icmpv6-type packet-too-big -j ACCEPT", "IPv6 too"}},
		{"IPv4", false, "10.1.0.2:50000", "192.0.2.10:21", "192.0.2.1", 3, 4, 1400,
			[]string{"iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "iptables -I INPUT -p icmp --icmp-type fragmentation-needed -j ACCEPT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			p := &pmtuDriver{trk: track.New(d, track.Options{}), now: t0, cli: ap(tc.cli), srv: ap(tc.srv)}
			dcli := netip.AddrPortFrom(p.cli.Addr(), 51000)
			dsrv := netip.AddrPortFrom(p.srv.Addr(), 40001)
			router := netip.MustParseAddr(tc.router)
			const cisn, sisn = 777000, 888000
			p.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			p.reply(220, "(vsFTPd 3.0.3)")
			p.cmd("USER", "ftp")
			p.reply(331, "Please specify the password.")
			p.cmd("PASS", "x@y")
			p.reply(230, "Login successful.")
			p.cmd("EPSV", "")
			p.reply(229, "Entering Extended Passive Mode (|||40001|)")
			p.seg(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			p.seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+1, 0)
			p.seg(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 0)
			p.cmd("RETR", "data.bin")
			p.reply(150, "Opening BINARY mode data connection for data.bin (131072 bytes).")
			for i := range 5 {
				p.seg(dsrv, dcli, decode.FlagACK, sisn+1, cisn+1, 1428)
				p.icmp(router, tc.v6, tc.typ, tc.code, dsrv, dcli, sisn+1, tc.mtu)
				p.now = p.now.Add(time.Duration(200<<i) * time.Millisecond)
			}
			p.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			p.trk.Finish()
			f := c.find(CodePMTUBlackHole)
			if f == nil {
				t.Fatalf("no pmtu-blackhole; findings: %v", codesOf(c))
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("advice lacks %q:\n%s", w, f.Advice)
				}
			}
			if tc.v6 && bareIptables.MatchString(f.Advice) {
				t.Errorf("IPv6 advice names an iptables (IPv4) rule:\n%s", f.Advice)
			}
			if !tc.v6 && strings.Contains(f.Advice, "ip6tables") {
				t.Errorf("IPv4 advice names ip6tables:\n%s", f.Advice)
			}
		})
	}
}
