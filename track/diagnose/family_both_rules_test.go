package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestServerRulesCoverEveryFamilyItsDataFailedOver guards the family of a
// server summary's rules when its failed passive data connections went
// over both families: a dual-stack server reached over IPv6 whose EPSV
// data connections (IPv6) and whose 227 data connections (IPv4, to the
// public IPv4 address it names: RFC 2428 lets an IPv6 control connection
// announce an IPv4 endpoint) are both dropped. The summary gave only the
// control connection's family, ip6tables: the IPv4 ports stayed shut
// after the admin ran every rule. Each family it failed over gets its
// rules; one family alone keeps only its own (the IPv4-trusting-227
// case of TestIPv6ClientThatTrustedPublicIPv4GetsIPv4Rules).
func TestServerRulesCoverEveryFamilyItsDataFailedOver(t *testing.T) {
	for _, tc := range []struct {
		name       string
		epsv, pasv bool
		pol        policy.Policy
		v4, v6     bool
	}{
		{"both, range unknown", true, true, policy.Policy{}, true, true},
		{"both, range known", true, true, policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40100}}}, true, true},
		{"IPv4 only, range known", false, true, policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40100}}}, true, false},
		{"IPv6 only, range known", true, false, policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40100}}}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("[2001:db8:1::7]:45292"), srv: ap("[2001:db8::21]:21"), now: t0}
			w.d = New(tc.pol, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			if tc.epsv {
				anonLogin(w)
				w.cmd("EPSV")
				e := netip.AddrPortFrom(w.srv.Addr(), 40013)
				w.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 229, Text: "Entering Extended Passive Mode (|||40013|)"},
					Endpoint: decode.Endpoint{Via: ftp.ViaEPSV, Addr: e}})
				w.cmd("RETR f")
				for range 4 {
					w.seg(netip.AddrPortFrom(w.cli.Addr(), 42697), e, decode.FlagSYN, 100, nil)
					w.wait(time.Second)
				}
				w.reply(425, "Failed to establish connection.")
				w.cmd("QUIT")
				w.reply(221, "Goodbye.")
				w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			if tc.pasv {
				if tc.epsv {
					w.cli = ap("[2001:db8:1::8]:45293")
					w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
				}
				anonLogin(w)
				const reply = "Entering Passive Mode (203,0,113,5,156,77)."
				w.cmd("PASV")
				w.reply(227, reply)
				a, _, err := ftp.ParsePASV(reply)
				if err != nil {
					t.Fatal(err)
				}
				w.cmd("RETR f")
				for range 4 {
					w.seg(netip.MustParseAddrPort("198.51.100.7:42696"), a, decode.FlagSYN, 100, nil)
					w.wait(time.Second)
				}
				w.reply(425, "Failed to establish connection.")
				w.cmd("QUIT")
				w.reply(221, "Goodbye.")
			}
			w.end()
			ss := w.d.Summaries()
			if len(ss) == 0 {
				t.Fatal("no server summary")
			}
			for _, s := range ss {
				var v4, v6 bool
				for _, r := range s.Rules {
					v4 = v4 || strings.HasPrefix(r, "iptables -I INPUT")
					v6 = v6 || strings.HasPrefix(r, "ip6tables -I INPUT")
					if (strings.HasPrefix(r, "ip6tables") || strings.Contains(r, " ip6 ")) && strings.Contains(r, "203.0.113.5") ||
						(strings.HasPrefix(r, "iptables") || strings.Contains(r, " ip daddr")) && strings.Contains(r, "2001:db8") {
						t.Errorf("a rule of one family names an address of the other: %s", r)
					}
				}
				if v4 != tc.v4 || v6 != tc.v6 {
					t.Errorf("iptables input rule %v (want %v), ip6tables %v (want %v): %q", v4, tc.v4, v6, tc.v6, s.Rules)
				}
			}
		})
	}
}
