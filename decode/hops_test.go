package decode

import "testing"

// TestHopsNoRouterOnlyWhenBothSidesUnrouted guards what the TTLs prove: no
// router between the two sides only when both were seen and every
// segment of each came with a host's initial TTL; one lowered TTL (a
// NAT router in front of the server, tcpdump -i any on a router seeing
// each packet before and after it forwards) is a router.
func TestHopsNoRouterOnlyWhenBothSidesUnrouted(t *testing.T) {
	side := func(ttls ...uint8) (h uint8) {
		for _, ttl := range ttls {
			h |= ttlClass(ttl)
		}
		return h
	}
	for _, tc := range []struct {
		name           string
		client, server []uint8
		want           bool
	}{
		{"Linux both sides", []uint8{64, 64}, []uint8{64}, true},
		{"Windows client, Linux server", []uint8{128}, []uint8{64}, true},
		{"network gear's 255", []uint8{255}, []uint8{64}, true},
		{"server one hop away", []uint8{64}, []uint8{63}, false},
		{"the same packets before and after a router", []uint8{64, 63}, []uint8{64}, false},
		{"server never seen", []uint8{64}, nil, false},
		{"nothing seen", nil, nil, false},
		{"an odd initial TTL", []uint8{60}, []uint8{64}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Hops(side(tc.client...)) | Hops(side(tc.server...))<<2
			if got := h.NoRouter(); got != tc.want {
				t.Errorf("NoRouter() = %v, want %v (hops %04b)", got, tc.want, h)
			}
		})
	}
}

// TestHopsDirectAndBeyondPerSide guards what one side's TTLs say alone,
// which a data connection's segments (SegmentHops, its opener the
// client) set as a control connection's do: seen, all with a host's
// initial TTL (no router between that side and the capture point), or
// all lowered (one between); a side seen both ways (a capture on the
// router, before and after it forwards) or not seen is neither.
func TestHopsDirectAndBeyondPerSide(t *testing.T) {
	for _, tc := range []struct {
		name           string
		client, server []uint8
		direct, beyond [2]bool // [client, server]
	}{
		{"both beside", []uint8{64}, []uint8{128}, [2]bool{true, true}, [2]bool{false, false}},
		{"the server one router away", []uint8{64, 64}, []uint8{63}, [2]bool{true, false}, [2]bool{false, true}},
		{"the client one router away", []uint8{127}, []uint8{255}, [2]bool{false, true}, [2]bool{true, false}},
		{"the server seen before and after a router", []uint8{64}, []uint8{64, 63}, [2]bool{true, false}, [2]bool{false, false}},
		{"the server not seen", []uint8{63}, nil, [2]bool{false, false}, [2]bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Hops
			for _, ttl := range tc.client {
				h |= SegmentHops(ttl, true)
			}
			for _, ttl := range tc.server {
				h |= SegmentHops(ttl, false)
			}
			for i, server := range []bool{false, true} {
				if got := h.Direct(server); got != tc.direct[i] {
					t.Errorf("Direct(%v) = %v, want %v (hops %04b)", server, got, tc.direct[i], h)
				}
				if got := h.Beyond(server); got != tc.beyond[i] {
					t.Errorf("Beyond(%v) = %v, want %v (hops %04b)", server, got, tc.beyond[i], h)
				}
			}
		})
	}
}

// TestHopsServerOneHop guards what tells a router right in front of the
// server: every server segment lowered by exactly one hop (63, 127, 254),
// none at a host's initial TTL nor lowered further. An RST with a host's
// initial TTL to a data SYN is then that router's own (rv-nat
// pasvaddr-public: TTL 64 against the server's 63); with the server two
// hops or more away, the box that answered may be any router on the way.
func TestHopsServerOneHop(t *testing.T) {
	side := func(ttls ...uint8) (h uint8) {
		for _, ttl := range ttls {
			h |= ttlClass(ttl)
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		server []uint8
		want   bool
	}{
		{"Linux server behind one router", []uint8{63, 63}, true},
		{"Windows server behind one router", []uint8{127}, true},
		{"network gear behind one router", []uint8{254}, true},
		{"server two hops away", []uint8{62}, false},
		{"server far away", []uint8{50}, false},
		{"one segment one hop, one two", []uint8{63, 62}, false},
		{"server unrouted", []uint8{64}, false},
		{"the same packets before and after a router", []uint8{64, 63}, false},
		{"server never seen", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Hops(side(64)) | Hops(side(tc.server...))<<2
			if got := h.ServerOneHop(); got != tc.want {
				t.Errorf("ServerOneHop() = %v, want %v (hops %08b)", got, tc.want, h)
			}
			if h&ClientFar != 0 {
				t.Errorf("a client at TTL 64 marked far (hops %08b)", h)
			}
		})
	}
	for ttl, want := range map[uint8]bool{64: true, 128: true, 255: true, 63: false, 0: false, 254: false} {
		if InitialTTL(ttl) != want {
			t.Errorf("InitialTTL(%d) = %v, want %v", ttl, !want, want)
		}
	}
}
