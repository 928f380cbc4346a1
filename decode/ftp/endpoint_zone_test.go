package ftp

import (
	"net/netip"
	"strings"
	"testing"
)

// TestEPRTLinkLocalZone: a link-local IPv6 address with a zone, as
// getnameinfo(NI_NUMERICHOST) writes it and clients send it
// ("EPRT |2|fe80::2%eth0|50010|"), is an endpoint, its address without the
// zone (packets carry none, so that is what matches); a zone anywhere
// else, empty, or not plain text, is still malformed.
func TestEPRTLinkLocalZone(t *testing.T) {
	for _, tt := range []struct {
		arg  string
		want string // "" for no endpoint
		err  error
	}{
		{"|2|fe80::2%eth0|50010|", "[fe80::2]:50010", nil},
		{"|2|fe80::2%2|50010|", "[fe80::2]:50010", nil},
		{"|2|FE80::A:B%en0|50010|", "[fe80::a:b]:50010", nil},
		{"|2|fe80::2%eth0|0|", "[fe80::2]:0", ErrPortZero},
		{"|2|fe80::2%" + strings.Repeat("x", maxZone) + "|50010|", "[fe80::2]:50010", nil},
		{"|2|fe80::2%" + strings.Repeat("x", maxZone+1) + "|50010|", "", ErrSyntax},
		{"|2|fe80::2%|50010|", "", ErrSyntax},
		{"|2|fe80::2%eth 0|50010|", "", ErrSyntax},
		{"|2|fe80::2%eth\x1b[0m|50010|", "", ErrSyntax},
		{"|2|fe80::2%a%b|50010|", "", ErrSyntax},
		{"|2|2001:db8::2%eth0|50010|", "", ErrSyntax},
		{"|2|ff02::1%eth0|50010|", "", ErrSyntax},
		{"|2|::ffff:169.254.0.1%eth0|50010|", "", ErrSyntax},
		{"|1|169.254.0.1%eth0|50010|", "", ErrSyntax},
	} {
		got, af, err := ParseEPRT(tt.arg)
		var want netip.AddrPort
		if tt.want != "" {
			want = netip.MustParseAddrPort(tt.want)
		}
		if got != want || err != tt.err || tt.want != "" && af != 2 {
			t.Errorf("ParseEPRT(%q) = %v, %d, %v; want %v, 2, %v", tt.arg, got, af, err, want, tt.err)
		}
		if got.Addr().Zone() != "" {
			t.Errorf("ParseEPRT(%q) kept the zone: %v", tt.arg, got)
		}
	}
	// A 229's address field (non-standard: RFC 2428 leaves it empty)
	// takes no zone: a server's reply is no getnameinfo text.
	if a, p, err := ParseEPSV("229 Entering Extended Passive Mode (|2|fe80::10%eth0|40001|)"); err != ErrSyntax || a.IsValid() || p != 0 {
		t.Errorf("ParseEPSV with a zone = %v, %d, %v; want ErrSyntax", a, p, err)
	}
}
