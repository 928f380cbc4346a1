package track

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestEarlyFollowsByPorts: follows, which looks a segment up only when a
// held handshake's 4-tuple shares its bucket of ports (byPorts), tells
// what the 4-tuples held say (conns), as handshakes are counted in and
// out on 4-tuples that share buckets, either way round.
func TestEarlyFollowsByPorts(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	h := &earlySegments{}
	hosts := []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")}
	ports := []uint16{20, 1024, 1280, 40000, 40256, 40001, 50000}
	pick := func() netip.AddrPort {
		return netip.AddrPortFrom(hosts[r.IntN(len(hosts))], ports[r.IntN(len(ports))])
	}
	for range 200000 {
		a, b := pick(), pick()
		s := &decode.Segment{Src: a, Dst: b, Flags: decode.FlagSYN}
		switch r.IntN(3) {
		case 0:
			h.count(s, 1)
		case 1:
			if h.conns[decode.MakeConnKey(a, b)].held > 0 {
				h.count(s, -1)
			}
		default:
			s.Flags = decode.FlagACK
			want := h.conns[decode.MakeConnKey(a, b)].held > 0
			if got := h.follows(s); got != want {
				t.Fatalf("follows(%v -> %v) = %v, conns say %v", a, b, got, want)
			}
		}
	}
}
