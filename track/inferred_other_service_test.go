package track

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestEncryptedInferredOnlyAfterAnExchange: while an FTPS session is
// open, the client's other connections to the server (a web server on
// 8000, a dropped 8080, a refused 5432: rv-tls cap/tls-other-service.pcap,
// lftp over FTPS beside curl) are not taken for its data connections.
// Only a SYN that follows the control records that announce one (the
// client's request, the server's answer, within announceFlightWindow) is,
// once per exchange and not while the session's data connection runs,
// and never to a port outside the passive range known for the server.
// Before, every SYN between the peers to a port from 1024 was taken, and
// each failed one raised data-unanswered or data-refused with a range
// rule for its port.
func TestEncryptedInferredOnlyAfterAnExchange(t *testing.T) {
	a := netip.MustParseAddrPort("198.51.100.7:55344")
	sv := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(srv.Addr(), port) }
	cl := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(cli.Addr(), port) }
	syn := func(p *tlsPeers, from, to netip.AddrPort) { p.seg(from, to, decode.FlagSYN, 100, 0, false) }
	for _, tc := range []struct {
		name  string
		rng   string // the passive range known, "" for none
		steps func(p *tlsPeers)
		want  []uint16 // the server ports reported as data connections
	}{
		{"answers its exchange", "", func(p *tlsPeers) {
			p.exchange(a)
			p.connect(cl(60456), sv(40089))
		}, []uint16{40089}},
		{"no exchange before it", "", func(p *tlsPeers) {
			p.exchange(a)
			p.tick(3 * time.Second)
			p.connect(cl(54624), sv(8000))
			syn(p, cl(51738), sv(5432))
			p.seg(sv(5432), cl(51738), decode.FlagRST|decode.FlagACK, 0, 0, false)
		}, nil},
		{"exchange used already", "", func(p *tlsPeers) {
			p.exchange(a)
			p.connect(cl(60456), sv(40089))
			p.tick(100 * time.Millisecond)
			p.connect(cl(54624), sv(8000))
		}, []uint16{40089}},
		{"while its data connection runs, and sent again after", "", func(p *tlsPeers) {
			p.exchange(a) // PASV, 227
			p.seg(cl(60456), sv(40089), decode.FlagSYN, 100, 0, false)
			p.seg(sv(40089), cl(60456), decode.FlagSYN|decode.FlagACK, 900, 0, false)
			p.seg(cl(60456), sv(40089), decode.FlagACK, 101, 0, false)
			p.exchange(a) // LIST, 150
			p.tick(470 * time.Millisecond)
			syn(p, cl(41364), sv(8080))
			p.tick(80 * time.Millisecond)
			p.seg(sv(40089), cl(60456), decode.FlagPSH|decode.FlagACK, 901, 500, false)
			p.seg(sv(40089), cl(60456), decode.FlagFIN|decode.FlagACK, 1401, 0, false)
			p.seg(cl(60456), sv(40089), decode.FlagFIN|decode.FlagACK, 101, 0, false)
			p.record(a, false, 46) // 226
			p.tick(time.Second)
			syn(p, cl(41364), sv(8080)) // the same SYN, sent again
		}, []uint16{40089}},
		{"outside the known passive range", "40000-40100", func(p *tlsPeers) {
			p.exchange(a)
			p.connect(cl(41364), sv(8080))
			p.exchange(a)
			p.connect(cl(60456), sv(40089))
		}, []uint16{40089}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTLSPeers(t)
			var o Options
			if tc.rng != "" {
				rs, err := policy.ParsePortRanges(tc.rng)
				if err != nil {
					t.Fatal(err)
				}
				o.PassiveRange = func(*Session) policy.Ranges { return rs }
			}
			p.trk = New(p.rec, o)
			p.open(a)
			tc.steps(p)
			p.tick(time.Second)
			p.finish(a)
			var got []uint16
			for _, d := range p.rec.data {
				got = append(got, d.Server.Port())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("data connections to ports %v, want %v", got, tc.want)
			}
			if len(p.rec.ended) != 1 {
				t.Fatalf("%d sessions ended, want 1", len(p.rec.ended))
			}
			if s := p.rec.ended[0]; s.DataCount != len(tc.want) {
				t.Errorf("session counts %d data connections, want %d", s.DataCount, len(tc.want))
			}
		})
	}
}
