package track

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestEncryptedInferredFitsWhatWorked: inside TLS peers and time are all
// the capture shows, so a SYN in an exchange's window that does not fit
// the session's passive data connections its server answered (another
// host, or a port far from theirs) is not taken for one (rv-attack's
// tls/ftps_to_3306.pcap, ftps_to_172.16.5.5_3306.pcap: one connection of
// an FTPS session replaced by an unanswered SYN to a database port).
// Before, it was, and its failure gave a rule for 3300-3400 on the server,
// or a forward and DNAT of that range to the other host. A port near those
// that worked is still taken, and with none answered yet nothing tells.
func TestEncryptedInferredFitsWhatWorked(t *testing.T) {
	a := netip.MustParseAddrPort("198.51.100.7:35270")
	sv := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(srv.Addr(), port) }
	cl := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(cli.Addr(), port) }
	other := netip.MustParseAddrPort("172.16.5.5:3306")
	for _, tc := range []struct {
		name string
		to   netip.AddrPort // the SYN after an exchange, unanswered
		ok   bool           // one that worked came first
		want []netip.AddrPort
	}{
		{"another service's port after data that worked", sv(3306), true, []netip.AddrPort{sv(40024)}},
		{"another host after data that worked", other, true, []netip.AddrPort{sv(40024)}},
		{"a port near those that worked", sv(40090), true, []netip.AddrPort{sv(40024), sv(40090)}},
		{"no data worked before it", sv(3306), false, []netip.AddrPort{sv(3306)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTLSPeers(t)
			p.open(a)
			if tc.ok {
				p.exchange(a)
				p.connect(cl(54574), sv(40024))
				p.record(a, false, 46) // 226
				p.tick(time.Second)
			}
			p.exchange(a)
			p.tick(time.Millisecond)
			p.seg(cl(55408), tc.to, decode.FlagSYN, 100, 0, false)
			p.tick(10 * time.Second)
			p.finish(a)
			var got []netip.AddrPort
			for _, d := range p.rec.data {
				got = append(got, d.Server)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("data connections to %v, want %v", got, tc.want)
			}
		})
	}
}
