package track

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestEncryptedInferredFitsWhatWorked: inside TLS peers and time are all
// the capture shows. A SYN in an exchange's window is taken for the
// session's data connection wherever it goes, so that a port of the
// server's range the firewall does not open (vsftpd picking at random in
// 40000-49999, only 40000-40999 open) or a server with no fixed range is
// still reported: refusing the ones far from those that worked lost
// those failures (and answered connections) without a word. Whether it
// fits what worked (Session.FitsWorking: same host, a port near theirs)
// is the diagnoser's question, which words a misfit's failure as a guess
// with no rule (diagnose: inferredMisfit; rv-attack's tls/ftps_to_3306).
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
		{"another service's port after data that worked", sv(3306), true, []netip.AddrPort{sv(40024), sv(3306)}},
		{"another host after data that worked", other, true, []netip.AddrPort{sv(40024), other}},
		{"far in a wide range after data that worked", sv(48500), true, []netip.AddrPort{sv(40024), sv(48500)}},
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
