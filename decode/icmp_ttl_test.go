package decode

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestICMPErrorCarriesItsOwnTTL: Unreachable.TTL is the TTL (hop limit)
// the ICMP message came with, not the quoted segment's, and for a tunnel
// the inner header's (the one From is read from), not the outer's: a
// router's error is placed by it against the receiver's own packets.
func TestICMPErrorCarriesItsOwnTTL(t *testing.T) {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	withTTL := func(pkt []byte, ttl uint8) []byte {
		if pkt[0]>>4 == 4 {
			pkt[8] = ttl
			pkt[10], pkt[11] = 0, 0
			binary.BigEndian.PutUint16(pkt[10:], ipv4Checksum(pkt[:20]))
		} else {
			pkt[7] = ttl
		}
		return pkt
	}
	v4 := withTTL(icmpQuotingSYN(netip.MustParseAddr("10.99.1.1"), netip.MustParseAddrPort("10.99.1.2:47740"),
		netip.MustParseAddrPort("10.99.1.1:40070"), 777000, 3, 13, 0), 61)
	v6 := withTTL(icmpQuotingSYN(netip.MustParseAddr("fd00:1::1"), netip.MustParseAddrPort("[fd00:1::2]:47740"),
		netip.MustParseAddrPort("[fd00:2::2]:40070"), 777000, 1, 1, 0), 253)
	for _, tc := range []struct {
		name string
		pkt  []byte
		want uint8
	}{
		{"ipv4", v4, 61},
		{"ipv6", v6, 253},
		// The outer header of an IPIP / 6in4 tunnel comes with TTL 63.
		{"ipv4 in ipv4", outerPacket(t, false, layers.IPProtocolIPv4, v4), 61},
		{"ipv6 in ipv4", outerPacket(t, false, layers.IPProtocolIPv6, v6), 253},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			d.Decode(tc.pkt, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(tc.pkt), Length: len(tc.pkt)}, layers.LinkTypeRaw)
			if len(rec.unreach) != 1 {
				t.Fatalf("%d unreachables, want 1 (stats %+v)", len(rec.unreach), d.Stats())
			}
			if got := rec.unreach[0].TTL; got != tc.want {
				t.Errorf("TTL %d, want %d", got, tc.want)
			}
		})
	}
}
