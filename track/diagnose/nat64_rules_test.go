package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestNAT64ServerGetsIPv4Rules guards wrong rules on the IPv6 side of a
// NAT64 (nat64alg-v6.pcap): a server reached at 64:ff9b::c633:640a is the
// IPv4 host 198.51.100.10 (RFC 6052), so the rules for its own firewall
// and the firewalls past the NAT64 are IPv4 ones, and no capture is "on
// 64:ff9b::c633:640a itself". A native IPv6 server keeps its ip6 rules.
func TestNAT64ServerGetsIPv4Rules(t *testing.T) {
	for _, tc := range []struct {
		name, srv     string
		want, notWant []string // in the data-unanswered's text and the change lines
	}{
		{"NAT64 well-known prefix", "64:ff9b::c633:640a",
			[]string{"iptables -I INPUT", "the IPv4 host 198.51.100.10 behind a NAT64", "NAT64 translation (RFC 6052"},
			[]string{"ip6tables", "taken on 64:ff9b::c633:640a itself", "ct original ip6 daddr"}},
		{"native IPv6", "2001:db8:5::10",
			[]string{"ip6tables -I INPUT", "taken on 2001:db8:5::10 itself"},
			[]string{"NAT64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := netip.MustParseAddr(tc.srv)
			w := newWire(t, "[2001:db8:1::10]:50002", netip.AddrPortFrom(srv, 21).String())
			w.hops = decode.ServerFar | decode.ClientRouted
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("EPSV")
			to := netip.AddrPortFrom(srv, 40001)
			w.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 229, Text: "Entering Extended Passive Mode (|||40001|)"},
				Endpoint: decode.Endpoint{Via: ftp.ViaEPSV, Addr: to}})
			from := netip.MustParseAddrPort("[2001:db8:1::10]:50004")
			for range 3 {
				w.seg(from, to, decode.FlagSYN, 1000, nil)
				w.wait(time.Second)
			}
			w.wait(5 * time.Second)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find("data-unanswered")
			if f == nil {
				t.Fatalf("no data-unanswered:\n%s", wireText(w))
			}
			text := f.Message + "\n" + f.Advice
			for _, s := range w.d.Summaries() {
				text += "\n" + strings.Join(s.Rules, "\n")
			}
			for _, x := range tc.want {
				if !strings.Contains(text, x) {
					t.Errorf("%q missing:\n%s", x, text)
				}
			}
			for _, x := range tc.notWant {
				if strings.Contains(text, x) {
					t.Errorf("%q present:\n%s", x, text)
				}
			}
		})
	}
}
