package diagnose

import (
	"net/netip"
	"strings"
	"testing"
)

// TestSpecialPurposeRangesAreNotPublic guards the special-purpose ranges
// of RFC 6890 that are not globally reachable: they classify as private
// (a NAT's inside), each named for what it is, while the globally
// reachable exceptions of 192.0.0.0/24 and the documentation ranges the
// examples use as public addresses stay public.
func TestSpecialPurposeRangesAreNotPublic(t *testing.T) {
	for _, tc := range []struct {
		a    string
		want AddrClass
		desc string // in Describe's words
	}{
		{"192.0.0.4", ClassPrivate, "464XLAT CLAT address (192.0.0.0/29"},
		{"192.0.0.2", ClassPrivate, "464XLAT CLAT address"},
		{"192.0.0.170", ClassPrivate, "IETF protocol address (192.0.0.0/24)"},
		{"198.18.0.7", ClassPrivate, "benchmarking address (198.18.0.0/15)"},
		{"198.19.255.1", ClassPrivate, "benchmarking address (198.18.0.0/15)"},
		{"240.1.2.3", ClassPrivate, "reserved address (240.0.0.0/4)"},
		{"240.255.255.255", ClassPrivate, "reserved address"},
		{"0.1.2.3", ClassPrivate, "\"this network\" address (0.0.0.0/8)"},
		{"::ffff:198.18.0.7", ClassPrivate, "benchmarking address"},
		{"100::1", ClassPrivate, "special-purpose address (100::/64)"},
		{"2001:2::5", ClassPrivate, "benchmarking address (2001:2::/48)"},
		{"2001:10::1", ClassPrivate, "special-purpose address (2001:10::/28)"},
		// The limited broadcast, no host's: a PORT naming it is a
		// bounce (TestBounceBroadcastNotPublic).
		{"255.255.255.255", ClassPublic, "a public address"},
		// Globally reachable: PCP and TURN anycast, the documentation
		// ranges, a NAT64 translation, the neighbours of the ranges.
		{"192.0.0.9", ClassPublic, "a public address"},
		{"192.0.0.10", ClassPublic, "a public address"},
		{"192.0.2.5", ClassPublic, "a public address"},
		{"198.51.100.10", ClassPublic, "a public address"},
		{"203.0.113.50", ClassPublic, "a public address"},
		{"198.20.0.1", ClassPublic, "a public address"},
		{"198.17.255.255", ClassPublic, "a public address"},
		{"223.255.255.1", ClassPublic, "a public address"},
		{"2001:db8::1", ClassPublic, "a public address"},
		{"64:ff9b::c633:640a", ClassPublic, "a public address"},
		{"2001:4860::1", ClassPublic, "a public address"},
		// Unchanged: RFC 1918 stays described as such.
		{"10.1.2.3", ClassPrivate, "an RFC 1918 private address"},
		{"0.0.0.0", ClassUnspecified, "the unspecified address"},
	} {
		a := netip.MustParseAddr(tc.a)
		if got := Classify(a); got != tc.want {
			t.Errorf("Classify(%s) = %d, want %d", tc.a, got, tc.want)
		}
		if got := Classify(a).Describe(a); !strings.Contains(got, tc.desc) {
			t.Errorf("Describe(%s) = %q, want it to hold %q", tc.a, got, tc.desc)
		}
		if Local(a) != (tc.want != ClassPublic) {
			t.Errorf("Local(%s) = %v", tc.a, Local(a))
		}
	}
}

// TestPortNamingSpecialRangeIsClientNATNotBounce guards a PORT naming
// an address of a special-purpose range that is not globally reachable
// (a 464XLAT CLAT's 192.0.0.4, a benchmarking 198.18.0.7) from a client
// seen at a public address: as for an RFC 1918 address, a NAT in front
// of the client that does not rewrite PORT (nat-mismatch, use passive),
// never an FTP bounce to "a public address".
func TestPortNamingSpecialRangeIsClientNATNotBounce(t *testing.T) {
	for _, target := range []string{"10.1.2.3:50000", "192.0.0.4:50000", "198.18.0.7:50000", "240.0.0.9:50000"} {
		t.Run(target, func(t *testing.T) {
			c, verdict := portWire(t, "203.0.113.50:50000", "198.51.100.10:21", vsftpdGreeting, []portTarget{{target, answerNone}})
			codes := codesOf(c)
			if codes["ftp-bounce"] != 0 {
				t.Errorf("ftp-bounce reported: %q", c.find("ftp-bounce").Message)
			}
			if codes["nat-mismatch"] != 1 {
				t.Errorf("findings %v, want one nat-mismatch", codes)
			}
			if f := c.find("nat-mismatch"); f != nil && !strings.Contains(f.Advice, "passive mode") {
				t.Errorf("nat-mismatch fix %q does not say passive mode", f.Advice)
			}
			if strings.Contains(verdict, "bounce") {
				t.Errorf("verdict %q", verdict)
			}
		})
	}
}

// TestSpecialRangeMasksMatchContains guards specialRange's masks: for
// the first, last and neighbouring addresses of every notGlobal range
// (IPv4, IPv6, IPv4-mapped, with a zone), it finds the range that
// Prefix.Contains over notGlobal finds, and none where that finds none.
func TestSpecialRangeMasksMatchContains(t *testing.T) {
	ref := func(a netip.Addr) (netip.Prefix, bool) {
		if a == notSpecial[0] || a == notSpecial[1] || a == notSpecial[2] {
			return netip.Prefix{}, false
		}
		for _, p := range notGlobal {
			if p.Contains(a) {
				return p, true
			}
		}
		return netip.Prefix{}, false
	}
	var addrs []netip.Addr
	for _, p := range notGlobal {
		first := p.Masked().Addr()
		last := first
		for i := 0; i < first.BitLen()-p.Bits(); i++ {
			b := last.AsSlice()
			bit := first.BitLen() - 1 - i
			b[bit/8] |= 0x80 >> (bit % 8)
			last, _ = netip.AddrFromSlice(b)
		}
		for _, a := range []netip.Addr{first, last, first.Prev(), last.Next(), first.Next()} {
			if !a.IsValid() {
				continue
			}
			addrs = append(addrs, a)
			if a.Is4() {
				addrs = append(addrs, netip.AddrFrom16(a.As16()))
			} else {
				addrs = append(addrs, a.WithZone("eth0"))
			}
		}
	}
	addrs = append(addrs, netip.Addr{}, notSpecial[0], notSpecial[1], notSpecial[2],
		netip.MustParseAddr("192.0.2.22"), netip.MustParseAddr("10.20.11.63"), netip.MustParseAddr("2001:db8::1"))
	hits := 0
	for _, a := range addrs {
		gotP, got := specialRange(a)
		wantP, want := ref(a)
		if got != want || gotP != wantP {
			t.Errorf("specialRange(%v) = %v, %v; Prefix.Contains over notGlobal: %v, %v", a, gotP, got, wantP, want)
		}
		if want {
			hits++
		}
	}
	if hits < 2*len(notGlobal) {
		t.Fatalf("only %d of %d addresses in a range: the test looks at too few", hits, len(addrs))
	}
}
