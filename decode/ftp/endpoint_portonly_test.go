package ftp

import (
	"net/netip"
	"testing"
)

// pasvPortOnlyTests: 227 replies holding the port alone after an IPv6
// address's last group, as ProFTPD writes them on an IPv6 connection (it
// keeps the text after the address's last ':'), and look-alikes that are
// not read so.
var pasvPortOnlyTests = []struct {
	text string
	port uint16
	form Form
	err  error
}{
	{"227 Entering Passive Mode (1,156,108).", 40044, FormPortOnly, nil}, // fd00:99::1
	{"Entering Passive Mode (1,156,108).", 40044, FormPortOnly, nil},
	{"227 Entering Passive Mode (a,156,108).", 40044, FormPortOnly, nil},    // 2001:db8::a
	{"227 Entering Passive Mode (beef,156,108).", 40044, FormPortOnly, nil}, // ...:beef
	{"227 Entering Passive Mode (1234,4,1).", 1025, FormPortOnly, nil},
	{"227 Entering Passive Mode (,156,108).", 40044, FormPortOnly, nil}, // an address ending "::"
	{"227 Entering Passive Mode ( 1 , 156 , 108 )", 40044, FormPortOnly, nil},
	{"227 Entering Passive Mode (1,156,300).", 0, FormPortOnly, ErrNumberRange},
	{"227 Entering Passive Mode (1,0,0).", 0, FormPortOnly, ErrPortZero},
	// Six numbers win; other groups are no endpoint.
	{"227 Entering Passive Mode (1,156,108) 192,0,2,1,4,1", 0, FormBare, nil},
	{"227 Entering Passive Mode (12345,156,108).", 0, FormNone, ErrNoEndpoint},
	{"227 Entering Passive Mode (g,156,108).", 0, FormNone, ErrNoEndpoint},
	{"227 Entering Passive Mode (fd00:99::1,156,108).", 0, FormNone, ErrNoEndpoint},
	{"227 Entering Passive Mode (156,108).", 0, FormNone, ErrNoEndpoint},
	{"227 Entering Passive Mode (1,156,108,7).", 0, FormNone, ErrNoEndpoint},
	{"227 Entering Passive Mode (1,156,).", 0, FormNone, ErrNoEndpoint},
	{"227 Entering Passive Mode (1,156,108", 0, FormNone, ErrNoEndpoint},
	{"227 Entering Passive Mode 1,156,108", 0, FormNone, ErrNoEndpoint},
}

// TestParsePASVPortOnly guards ProFTPD's 227 on IPv6 ("(1,156,108)"):
// clients that read it take the last two numbers as the port on the
// control connection's address, so it is an endpoint (the address left
// for the caller, as in an EPSV reply), not "no data endpoint found".
func TestParsePASVPortOnly(t *testing.T) {
	for _, tt := range pasvPortOnlyTests {
		ap, form, err := ParsePASV(tt.text)
		if form != tt.form || err != tt.err {
			t.Errorf("ParsePASV(%q) = %v, %v, %v; want form %v, %v", tt.text, ap, form, err, tt.form, tt.err)
			continue
		}
		if form == FormPortOnly && (ap.Addr().IsValid() || ap.Port() != tt.port) {
			t.Errorf("ParsePASV(%q) = %v; want port %d and no address", tt.text, ap, tt.port)
		}
	}
}

// TestEPRTZoneReadAsVsftpdReadsIt guards an EPRT whose IPv6 address
// carries a zone though it is not link-local, or a zone ParseEPRT
// refuses: vsftpd reads the address before the '%' and connects to it,
// so ParseEPRTLoose reads it so; ParseEPRT still refuses it.
func TestEPRTZoneReadAsVsftpdReadsIt(t *testing.T) {
	for _, tt := range []struct {
		arg  string
		want string // "" for none
		err  error
	}{
		{"|2|fd00:99::2%cli0|45005|", "[fd00:99::2]:45005", nil},
		{"|2|2001:db8::2%2|45005|", "[2001:db8::2]:45005", nil},
		{"|2|2001:db8::2%|45005|", "[2001:db8::2]:45005", nil},
		{"|2|fe80::2%eth 0|45005|", "[fe80::2]:45005", nil},
		{"|2|2001:db8::2%cli0|45005", "[2001:db8::2]:45005", nil},
		{"|2|2001:db8::2%cli0|0|", "[2001:db8::2]:0", ErrPortZero},
		// Not read: vsftpd refuses text after the '|', takes only '|',
		// and cuts at '%' for AF 2 only.
		{"|2|2001:db8::2%cli0|45005|x", "", ErrSyntax},
		{"!2!2001:db8::2%cli0!45005!", "", ErrSyntax},
		{"|1|192.0.2.2%cli0|45005|", "", ErrSyntax},
		{"|2|%cli0|45005|", "", ErrSyntax},
	} {
		got, af, err := ParseEPRTLoose(tt.arg)
		var want netip.AddrPort
		if tt.want != "" {
			want = netip.MustParseAddrPort(tt.want)
		}
		if got != want || err != tt.err || tt.want != "" && af != 2 || got.Addr().Zone() != "" {
			t.Errorf("ParseEPRTLoose(%q) = %v, %d, %v; want %v, 2, %v", tt.arg, got, af, err, want, tt.err)
		}
		if _, _, serr := ParseEPRT(tt.arg); serr == nil {
			t.Errorf("ParseEPRT(%q) took it", tt.arg)
		}
	}
}
