package ftp

import (
	"net/netip"
	"strconv"
	"testing"
)

// portLooseTests: PORT arguments as clients (or scanners) write them
// loosely, and what the servers that accept them (vsftpd: atoi per field;
// Pure-FTPd, ProFTPD: sscanf "%u,%u,%u,%u,%u,%u") read, or the error when
// they read them differently or refuse them.
var portLooseTests = []struct {
	arg  string
	want netip.AddrPort
	err  error
}{
	// What ParsePORT reads, read the same.
	{"192,0,2,10,160,40", ap4("192.0.2.10:41000"), nil},
	{" 192, 0, 2, 10, 160, 40 ", ap4("192.0.2.10:41000"), nil},
	{"192 ,0 ,2 ,10 ,160 ,40", ap4("192.0.2.10:41000"), nil},
	// Anything after the sixth number: every server stops there.
	{"10,0,0,99,0,25,", ap4("10.0.0.99:25"), nil},
	{"10,0,0,99,0,25x", ap4("10.0.0.99:25"), nil},
	{"10,0,0,99,0,25)", ap4("10.0.0.99:25"), nil},
	{"10,0,0,99,0,25 extra words", ap4("10.0.0.99:25"), nil},
	{"10,0,0,99,0,25,7", ap4("10.0.0.99:25"), nil}, // (vsftpd refuses it; scanf reads the first six)
	{"10,0,0,99,0,0x19", ap4("10.0.0.99:0"), ErrPortZero},
	// A '+' before a number: atoi and %u take it.
	{"10,0,0,99,0,+25", ap4("10.0.0.99:25"), nil},
	{"+10,+0,+0,+99,+0,+25", ap4("10.0.0.99:25"), nil},
	{"10,\t0,0,99,0,+25", ap4("10.0.0.99:25"), nil},
	// What servers read differently, or refuse: not read.
	{"(10,0,0,99,0,25)", netip.AddrPort{}, ErrSyntax}, // vsftpd reads "(10" as 0
	{"10,,0,99,0,25", netip.AddrPort{}, ErrSyntax},    // vsftpd reads "" as 0, scanf refuses
	{"10x,0,0,99,0,25", netip.AddrPort{}, ErrSyntax},  // vsftpd alone ignores the x
	{"10,0,0,99,0,-25", netip.AddrPort{}, ErrSyntax},
	{"10,0,0,99,0,+ 25", netip.AddrPort{}, ErrSyntax},
	{"10,0,0,99,0", netip.AddrPort{}, ErrSyntax},
	{"10,0,0,99,0,", netip.AddrPort{}, ErrSyntax},
	{"10.0.0.99,0,25", netip.AddrPort{}, ErrSyntax},
	{"10,0,0,99,256,25,", netip.AddrPort{}, ErrNumberRange},
	{"10,0,0,99,0,99999999999999999999x", netip.AddrPort{}, ErrNumberRange},
	{"", netip.AddrPort{}, ErrNoEndpoint},
	{" \t", netip.AddrPort{}, ErrNoEndpoint},
}

func TestParsePORTLoose(t *testing.T) {
	for _, tt := range portLooseTests {
		got, err := ParsePORTLoose(tt.arg)
		if got != tt.want || err != tt.err {
			t.Errorf("ParsePORTLoose(%q) = %v, %v; want %v, %v", tt.arg, got, err, tt.want, tt.err)
		}
	}
}

// TestParsePORTLooseReadsWhatParsePORTReads: the loose reading is only
// ever more: every argument ParsePORT reads, it reads the same.
func TestParsePORTLooseReadsWhatParsePORTReads(t *testing.T) {
	for _, tt := range portTests {
		want, werr := ParsePORT(tt.arg)
		if werr != nil && werr != ErrPortZero {
			continue
		}
		if got, err := ParsePORTLoose(tt.arg); got != want || err != werr {
			t.Errorf("ParsePORTLoose(%q) = %v, %v; ParsePORT %v, %v", tt.arg, got, err, want, werr)
		}
	}
}

// eprtLooseTests: EPRT arguments written loosely, and what the servers
// that accept them read: ProFTPD and Pure-FTPd stop at the closing
// delimiter, Pure-FTPd reads an IPv4 address with commas, vsftpd ('|'
// only) reads the AF and port with atoi and needs no closing delimiter.
var eprtLooseTests = []struct {
	arg  string
	want netip.AddrPort
	af   int
	err  error
}{
	{"|1|10.0.0.99|25|", ap4("10.0.0.99:25"), 1, nil},
	{"|1|10.0.0.99|25|x", ap4("10.0.0.99:25"), 1, nil},
	{"!1!10.0.0.99!25! and more", ap4("10.0.0.99:25"), 1, nil},
	{"|2|2001:db8::7|2000|x", ap4("[2001:db8::7]:2000"), 2, nil},
	{"|1|10,0,0,99|25|", ap4("10.0.0.99:25"), 1, nil},
	{"!1!10,0,0,99!25!x", ap4("10.0.0.99:25"), 1, nil},
	{"|1|10.0.0.99|25", ap4("10.0.0.99:25"), 1, nil},
	{"|1|10.0.0.99|+25|", ap4("10.0.0.99:25"), 1, nil},
	{"|1|10.0.0.99| 25|", ap4("10.0.0.99:25"), 1, nil},
	{"|1|10.0.0.99|25x|", ap4("10.0.0.99:25"), 1, nil},
	{"|1|10.0.0.99|25x", ap4("10.0.0.99:25"), 1, nil},
	{"|+1|10.0.0.99|25|", ap4("10.0.0.99:25"), 1, nil},
	{"|1|10.0.0.99|0x", ap4("10.0.0.99:0"), 1, ErrPortZero},
	// Not read: no server takes it, or servers read it differently.
	{"!1!10.0.0.99!+25!", netip.AddrPort{}, 0, ErrSyntax},    // vsftpd takes only '|'
	{"|1|10.0.0.99|+25|x", netip.AddrPort{}, 0, ErrSyntax},   // vsftpd refuses the x, the others the +
	{"|1|10,0,0,99|+25|", netip.AddrPort{}, 0, ErrSyntax},    // vsftpd refuses the commas, Pure-FTPd the +
	{"|1|010.0.0.99|25|x", netip.AddrPort{}, 0, ErrSyntax},   // octal or decimal, by server
	{"|1|10,0,0|25|", netip.AddrPort{}, 0, ErrSyntax},        // three numbers
	{"|1|10.0.0.99|65561|x", netip.AddrPort{}, 0, ErrSyntax}, // (ProFTPD alone reads 65561 as 25)
	{"|1|10.0.0.99||", netip.AddrPort{}, 0, ErrSyntax},
	{"|1|::1|25|x", netip.AddrPort{}, 0, ErrSyntax},
	{"|1|10.0.0.99", netip.AddrPort{}, 0, ErrBadDelimiter},
	{"", netip.AddrPort{}, 0, ErrNoEndpoint},
}

func TestParseEPRTLoose(t *testing.T) {
	for _, tt := range eprtLooseTests {
		got, af, err := ParseEPRTLoose(tt.arg)
		if got != tt.want || err != tt.err || (err == nil || err == ErrPortZero || err == ErrFamily) && af != tt.af {
			t.Errorf("ParseEPRTLoose(%q) = %v, %d, %v; want %v, %d, %v", tt.arg, got, af, err, tt.want, tt.af, tt.err)
		}
	}
}

// TestParseEPRTLooseReadsWhatParseEPRTReads: every argument ParseEPRT
// reads, or refuses for a reason other than its syntax, gives the same.
func TestParseEPRTLooseReadsWhatParseEPRTReads(t *testing.T) {
	for _, tt := range eprtTests {
		want, waf, werr := ParseEPRT(tt.arg)
		if werr == ErrSyntax || werr == ErrBadDelimiter {
			continue
		}
		if got, af, err := ParseEPRTLoose(tt.arg); got != want || af != waf || err != werr {
			t.Errorf("ParseEPRTLoose(%q) = %v, %d, %v; ParseEPRT %v, %d, %v", tt.arg, got, af, err, want, waf, werr)
		}
	}
}

// digitRuns returns the values of the digit runs of s, in order.
func digitRuns(s string) []int {
	var runs []int
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		v, err := strconv.Atoi(s[i:j])
		if err != nil {
			v = -1 // (too long to be a field)
		}
		runs = append(runs, v)
		i = j
	}
	return runs
}

// checkPORTLoose is FuzzParsePORT's check of ParsePORTLoose: it reads
// what ParsePORT reads the same, and what it reads beyond that are the
// argument's first six digit runs, written with nothing but spaces, tabs,
// commas and '+' before the sixth: never an address from text no server
// reads as one.
func checkPORTLoose(t *testing.T, arg string, strict netip.AddrPort, strictErr error) {
	t.Helper()
	ap, err := ParsePORTLoose(arg)
	if (strictErr == nil || strictErr == ErrPortZero) && (ap != strict || err != strictErr) {
		t.Fatalf("loose %v %v, strict %v %v", ap, err, strict, strictErr)
	}
	if err != nil && err != ErrPortZero {
		if ap.IsValid() {
			t.Fatalf("%v with %v", ap, err)
		}
		return
	}
	runs := digitRuns(arg)
	a := ap.Addr().As4()
	want := []int{int(a[0]), int(a[1]), int(a[2]), int(a[3]), int(ap.Port() >> 8), int(ap.Port() & 255)}
	if len(runs) < 6 {
		t.Fatalf("%v from %d digit runs", ap, len(runs))
	}
	for i, v := range want {
		if runs[i] != v {
			t.Fatalf("%v: digit runs %v", ap, runs)
		}
	}
	seen := 0
	for i := 0; seen < 6; i++ {
		c := arg[i]
		switch {
		case isDigit(c):
			if i+1 == len(arg) || !isDigit(arg[i+1]) {
				seen++
			}
		case c != ' ' && c != '\t' && c != ',' && c != '+':
			t.Fatalf("%v read past %q", ap, c)
		}
	}
}

// checkEPRTLoose is FuzzParseEPRT's check of ParseEPRTLoose: it reads
// what ParseEPRT reads the same, its family matches the address, and its
// port is a number the argument writes.
func checkEPRTLoose(t *testing.T, arg string, strict netip.AddrPort, strictAF int, strictErr error) {
	t.Helper()
	ap, af, err := ParseEPRTLoose(arg)
	if strictErr != ErrSyntax && strictErr != ErrBadDelimiter && (ap != strict || af != strictAF || err != strictErr) {
		t.Fatalf("loose %v %d %v, strict %v %d %v", ap, af, err, strict, strictAF, strictErr)
	}
	switch err {
	case nil, ErrPortZero:
		if !familyMatches(af, ap.Addr()) {
			t.Fatalf("af %d with %v", af, ap)
		}
		found := false
		for _, v := range digitRuns(arg) {
			found = found || v == int(ap.Port())
		}
		if !found {
			t.Fatalf("port %d not in %q", ap.Port(), arg)
		}
	case ErrFamily:
	default:
		if ap.IsValid() {
			t.Fatalf("%v with %v", ap, err)
		}
	}
}
