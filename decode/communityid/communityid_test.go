package communityid

import (
	"net/netip"
	"testing"
)

// The vectors are the spec's baselines: corelight/community-id-spec
// baseline/baseline_deflt.json (seed 0) and baseline/baseline_seed1.json
// (seed 1), the TCP, UDP, SCTP and portless (RSVP, protocol 46) flows, each
// in both directions; and the first vector of Zeek's btest for
// community_id_v1 (1.2.3.4:1122 -> 5.6.7.8:3344).
func TestPublishedVectors(t *testing.T) {
	tests := []struct {
		seed         uint16
		proto        uint8
		saddr, daddr string
		sport, dport uint16
		want         string
	}{
		{0, ProtoTCP, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
		{0, ProtoUDP, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
		{1, ProtoTCP, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
		{1, ProtoUDP, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},

		{0, ProtoTCP, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
		{0, ProtoSCTP, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
		{0, ProtoTCP, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{0, ProtoUDP, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
		{0, 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},

		{1, ProtoTCP, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
		{1, ProtoSCTP, "192.168.170.8", "192.168.170.56", 7, 7, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
		{1, ProtoTCP, "128.232.110.120", "66.35.250.204", 34855, 80, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
		{1, ProtoUDP, "192.168.1.52", "8.8.8.8", 54585, 53, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
		{1, 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:rYir8gphR31noO9iDRQmF/BteEI="},
	}
	for _, tt := range tests {
		a := netip.AddrPortFrom(netip.MustParseAddr(tt.saddr), tt.sport)
		b := netip.AddrPortFrom(netip.MustParseAddr(tt.daddr), tt.dport)
		for _, dir := range [][2]netip.AddrPort{{a, b}, {b, a}} {
			got, err := For(tt.seed, tt.proto, dir[0], dir[1])
			if err != nil || got != tt.want {
				t.Errorf("For(%d, %d, %v, %v) = %q, %v; want %q", tt.seed, tt.proto, dir[0], dir[1], got, err, tt.want)
			}
		}
	}
}

// TestMappedAddress: an IPv4-mapped IPv6 address (as a dual-stack socket
// or a parser may hand it over) hashes as the IPv4 address it is.
func TestMappedAddress(t *testing.T) {
	a := netip.MustParseAddrPort("[::ffff:1.2.3.4]:1122")
	b := netip.MustParseAddrPort("5.6.7.8:3344")
	if got := TCP(0, a, b); got != "1:wCb3OG7yAFWelaUydu0D+125CLM=" {
		t.Errorf("TCP(mapped) = %q", got)
	}
}

// TestEqualAddresses: on one host the smaller port comes first, so both
// directions agree.
func TestEqualAddresses(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	b := netip.MustParseAddrPort("127.0.0.1:21")
	if x, y := TCP(0, a, b), TCP(0, b, a); x != y || x == "" {
		t.Errorf("directions differ: %q %q", x, y)
	}
}

func TestErrors(t *testing.T) {
	v4 := netip.MustParseAddrPort("1.2.3.4:1")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:1")
	if _, err := For(0, ProtoTCP, v4, v6); err != ErrFamily {
		t.Errorf("mixed families: %v", err)
	}
	if _, err := For(0, ProtoTCP, netip.AddrPort{}, v4); err != ErrFamily {
		t.Errorf("invalid address: %v", err)
	}
	if _, err := For(0, ProtoICMP, v4, v4); err != ErrProtocol {
		t.Errorf("ICMP: %v", err)
	}
	if TCP(0, v4, v6) != "" {
		t.Errorf("TCP of mixed families is not empty")
	}
}

func BenchmarkTCP(b *testing.B) {
	x := netip.MustParseAddrPort("192.0.2.1:40000")
	y := netip.MustParseAddrPort("192.0.2.10:21")
	b.ReportAllocs()
	for b.Loop() {
		TCP(0, x, y)
	}
}
