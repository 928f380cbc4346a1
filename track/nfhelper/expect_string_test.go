package nfhelper

import (
	"net/netip"
	"testing"
)

// TestExpectationStringBracketsIPv6 guards how an expectation prints: an
// IPv6 source in brackets like the destination beside it ("[fd00:1::2]:any"),
// never "fd00:1::2:any", which reads as one address.
func TestExpectationStringBracketsIPv6(t *testing.T) {
	for _, tc := range []struct {
		e    Expectation
		want string
	}{
		{Expectation{Kind: KindEPRT, Family: IPv6, Proto: ProtoTCP, Src: netip.MustParseAddr("fd00:1::2"), Dst: netip.MustParseAddr("fd00:1::1"), DstPort: 40010},
			"tcp [fd00:1::2]:any -> [fd00:1::1]:40010"},
		{Expectation{Kind: KindPASV, Family: IPv4, Proto: ProtoTCP, Src: netip.MustParseAddr("10.99.1.2"), Dst: netip.MustParseAddr("10.99.1.1"), DstPort: 40000},
			"tcp 10.99.1.2:any -> 10.99.1.1:40000"},
		{Expectation{Kind: KindEPSV, Family: IPv6, Proto: ProtoTCP, Src: netip.MustParseAddr("fd00:1::2"), Dst: netip.MustParseAddr("fd00:1::1"), DstPort: 40010,
			NATed: true, NATSrc: netip.MustParseAddr("fd00:2::1"), NATDst: netip.MustParseAddrPort("[fd00:2::2]:40010")},
			"tcp [fd00:1::2]:any -> [fd00:1::1]:40010 (nat to fd00:2::1 -> [fd00:2::2]:40010)"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
