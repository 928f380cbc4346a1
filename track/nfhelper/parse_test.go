package nfhelper

import (
	"net/netip"
	"testing"
)

var (
	ap = netip.MustParseAddrPort
	ip = netip.MustParseAddr
)

// findCase runs the search table of one direction on data, like the loop
// in help(), for a connection whose sender address is sender.
type findCase struct {
	data    string
	kernel  Kernel
	found   int
	kind    Kind
	partial Partial
	off, n  int
	addr    string // announced address; "" when not matched
	port    uint16
}

func runSearch(data []byte, dir Dir, sender netip.Addr, k Kernel) (found int, kind Kind, why Partial, off, n int, cmd manip) {
	cmd = manip{family: familyOf(sender), u3: u3(sender)}
	for i := range search[dir] {
		p := &search[dir][i]
		found, why, off, n = findPattern(data, p, &cmd, k)
		if found != 0 {
			return found, p.kind, why, off, n, cmd
		}
	}
	return 0, KindNone, PartialNone, 0, 0, cmd
}

func checkFind(t *testing.T, dir Dir, sender netip.Addr, tests []findCase) {
	t.Helper()
	for _, tt := range tests {
		found, kind, why, off, n, cmd := runSearch([]byte(tt.data), dir, sender, tt.kernel)
		if found != tt.found || kind != tt.kind || why != tt.partial || off != tt.off || n != tt.n {
			t.Errorf("%s %q: found=%d kind=%v partial=%v off=%d n=%d; want %d %v %v %d %d",
				tt.kernel, tt.data, found, kind, why, off, n, tt.found, tt.kind, tt.partial, tt.off, tt.n)
			continue
		}
		if tt.addr == "" {
			continue
		}
		var got netip.Addr
		if sender.Is4() {
			got = netip.AddrFrom4([4]byte(cmd.u3[:4]))
		} else {
			got = netip.AddrFrom16(cmd.u3)
		}
		if got != ip(tt.addr) || cmd.port != tt.port {
			t.Errorf("%s %q: announced %v:%d; want %v:%d", tt.kernel, tt.data, got, cmd.port, tt.addr, tt.port)
		}
	}
}

// The client->server entries of search[][]: "PORT" (skip ' ', term '\r',
// try_rfc959) then "EPRT" (skip ' ', term '\r', try_eprt), compared with
// strncasecmp.
func TestFindPatternClientIPv4(t *testing.T) {
	const m, r = KernelMainline, KernelRangeChecked
	checkFind(t, ClientToServer, ip("192.0.2.10"), []findCase{
		{"PORT 192,0,2,10,160,40\r\n", m, 1, KindPORT, 0, 5, 17, "192.0.2.10", 41000},
		{"port 192,0,2,10,160,40\r\n", m, 1, KindPORT, 0, 5, 17, "192.0.2.10", 41000},
		{"PoRt 192,0,2,10,160,40\r\n", m, 1, KindPORT, 0, 5, 17, "192.0.2.10", 41000},
		// The terminator must be '\r': a bare LF or no terminator fails the
		// parse, which find_pattern reports as partial (drop).
		{"PORT 192,0,2,10,160,40\n", m, -1, KindPORT, PartialParse, 0, 0, "", 0},
		{"PORT 192,0,2,10,160,40", m, -1, KindPORT, PartialParse, 0, 0, "", 0},
		{"PORT  192,0,2,10,160,40\r\n", m, -1, KindPORT, PartialParse, 0, 0, "", 0},
		{"PORT 1,2,3,4,5\r\n", m, -1, KindPORT, PartialParse, 0, 0, "", 0},
		{"PORT 1,2,3,4,5,6,7\r\n", m, -1, KindPORT, PartialParse, 0, 0, "", 0},
		// Empty numbers are zeros.
		{"PORT ,,,,,\r\n", m, 1, KindPORT, 0, 5, 5, "0.0.0.0", 0},
		// Values are shifted and ORed unchecked: 256<<8|22 is 22 in 16 bits.
		{"PORT 10,0,1,2,256,22\r\n", m, 1, KindPORT, 0, 5, 15, "10.0.1.2", 22},
		{"PORT 10,0,1,2,256,22\r\n", r, -1, KindPORT, PartialParse, 0, 0, "", 0},
		{"PORT 300,0,2,10,1,1\r\n", m, 1, KindPORT, 0, 5, 14, "44.0.2.10", 257},
		// The skip character is the first space anywhere after "PORT".
		{"PORTX 192,0,2,10,160,40\r\n", m, 1, KindPORT, 0, 6, 17, "192.0.2.10", 41000},
		{"PORTX\r\n", m, -1, KindPORT, PartialNoSkip, 0, 0, "", 0},
		// Segments no longer than the pattern: a prefix is partial.
		{"P", m, -1, KindPORT, PartialShort, 0, 0, "", 0},
		{"po", m, -1, KindPORT, PartialShort, 0, 0, "", 0},
		{"PORT", m, -1, KindPORT, PartialShort, 0, 0, "", 0},
		{"E", m, -1, KindEPRT, PartialShort, 0, 0, "", 0},
		{"EPR", m, -1, KindEPRT, PartialShort, 0, 0, "", 0},
		{"PASV\r\n", m, 0, KindNone, 0, 0, 0, "", 0},
		{"EPSV\r\n", m, 0, KindNone, 0, 0, 0, "", 0},
		{"LPRT 4,4,192,0,2,10,2,160,40\r\n", m, 0, KindNone, 0, 0, 0, "", 0},
		{"USER anonymous\r\n", m, 0, KindNone, 0, 0, 0, "", 0},
		{" PORT 192,0,2,10,160,40\r\n", m, 0, KindNone, 0, 0, 0, "", 0},
		// EPRT, RFC 2428 form and any delimiter 33..126 except digits.
		{"EPRT |1|192.0.2.10|41000|\r\n", m, 1, KindEPRT, 0, 5, 20, "192.0.2.10", 41000},
		{"eprt !1!192.0.2.10!41000!\r\n", m, 1, KindEPRT, 0, 5, 20, "192.0.2.10", 41000},
		{"EPRT 1|1|192.0.2.10|41000|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |1!192.0.2.10|41000|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		// Cross-family EPRT is dropped.
		{"EPRT |2|2001:db8::1|41000|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |1|192.0.2.10|0|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |1|192.0.2.10||\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |1|192.0.2.10|41000\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |1|192.0.2|41000|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		// get_port's u16 wraps on mainline: 70000 is 4464; 65536 is 0.
		{"EPRT |1|192.0.2.10|70000|\r\n", m, 1, KindEPRT, 0, 5, 20, "192.0.2.10", 4464},
		{"EPRT |1|192.0.2.10|65536|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |1|192.0.2.10|70000|\r\n", r, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |1|300.0.2.10|41000|\r\n", m, 1, KindEPRT, 0, 5, 20, "44.0.2.10", 41000},
		{"EPRT |1|300.0.2.10|41000|\r\n", r, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		// The number text ends at the closing delimiter; what follows is
		// not looked at.
		{"EPRT |1|192.0.2.10|41000|junk", m, 1, KindEPRT, 0, 5, 20, "192.0.2.10", 41000},
	})
}

// The server->client entries: "227 " (no skip, try_rfc1123 scans to the
// first digit, any terminator) and "229 " (skip '(', try_epsv_response).
func TestFindPatternServerIPv4(t *testing.T) {
	const m, r = KernelMainline, KernelRangeChecked
	checkFind(t, ServerToClient, ip("192.0.2.10"), []findCase{
		{"227 Entering Passive Mode (192,0,2,10,156,66).\r\n", m, 1, KindPASV, 0, 27, 17, "192.0.2.10", 40002},
		{"227 Entering passive mode. 192,0,2,10,156,66\r\n", m, 1, KindPASV, 0, 27, 17, "192.0.2.10", 40002},
		{"227 =192,0,2,10,156,66\r\n", m, 1, KindPASV, 0, 5, 17, "192.0.2.10", 40002},
		// A digit run before the numbers stops the parse: drop.
		{"227 Mode 2 (192,0,2,1,4,1)\r\n", m, -1, KindPASV, PartialParse, 0, 0, "", 0},
		// pure-ftpd's "227 Logout." has no digit at all.
		{"227 Logout.\r\n", m, -1, KindPASV, PartialParse, 0, 0, "", 0},
		// The sixth number must be followed by some byte in the segment.
		{"227 Entering Passive Mode (192,0,2,10,156,66", m, -1, KindPASV, PartialParse, 0, 0, "", 0},
		{"227 Entering Passive Mode (192,0,2,10,156", m, -1, KindPASV, PartialParse, 0, 0, "", 0},
		{"227 (192,0,2,10,156,66,7)\r\n", m, -1, KindPASV, PartialParse, 0, 0, "", 0},
		{"227 (192,0,2,10,300,51)\r\n", m, 1, KindPASV, 0, 5, 17, "192.0.2.10", 11315},
		{"227 (192,0,2,10,300,51)\r\n", r, -1, KindPASV, PartialParse, 0, 0, "", 0},
		{"227-Entering Passive Mode (192,0,2,10,156,66)\r\n", m, 0, KindNone, 0, 0, 0, "", 0},
		{"2", m, -1, KindPASV, PartialShort, 0, 0, "", 0},
		{"22", m, -1, KindPASV, PartialShort, 0, 0, "", 0},
		{"227 ", m, -1, KindPASV, PartialShort, 0, 0, "", 0},
		{"229", m, -1, KindEPSV, PartialShort, 0, 0, "", 0},
		{"220 ready\r\n", m, 0, KindNone, 0, 0, 0, "", 0},
		{"150 ok\r\n227 Entering Passive Mode (192,0,2,10,156,66)\r\n", m, 0, KindNone, 0, 0, 0, "", 0},
		{"229 Entering Extended Passive Mode (|||40002|)\r\n", m, 1, KindEPSV, 0, 36, 9, "192.0.2.10", 40002},
		{"229 Entering Extended Passive Mode (!!!40002!)\r\n", m, 1, KindEPSV, 0, 36, 9, "192.0.2.10", 40002},
		{"229 (|||40002|)\r\n", m, 1, KindEPSV, 0, 5, 9, "192.0.2.10", 40002},
		{"229 (|||0|)\r\n", m, -1, KindEPSV, PartialParse, 0, 0, "", 0},
		{"229 (|1|40002|)\r\n", m, -1, KindEPSV, PartialParse, 0, 0, "", 0},
		{"229 (111400021)\r\n", m, -1, KindEPSV, PartialParse, 0, 0, "", 0},
		{"229 (|||40002)\r\n", m, -1, KindEPSV, PartialParse, 0, 0, "", 0},
		{"229 Extended Passive Mode OK\r\n", m, -1, KindEPSV, PartialNoSkip, 0, 0, "", 0},
		{"229 (|||70000|)\r\n", m, 1, KindEPSV, 0, 5, 9, "192.0.2.10", 4464},
		{"229 (|||70000|)\r\n", r, -1, KindEPSV, PartialParse, 0, 0, "", 0},
	})
}

func TestFindPatternIPv6(t *testing.T) {
	const m = KernelMainline
	checkFind(t, ClientToServer, ip("2001:db8::10"), []findCase{
		{"EPRT |2|2001:db8::10|41000|\r\n", m, 1, KindEPRT, 0, 5, 22, "2001:db8::10", 41000},
		{"EPRT |2|2001:DB8:0:0:0:0:0:10|41000|\r\n", m, 1, KindEPRT, 0, 5, 31, "2001:db8::10", 41000},
		{"EPRT |2|::ffff:192.0.2.1|41000|\r\n", m, 1, KindEPRT, 0, 5, 26, "::ffff:192.0.2.1", 41000},
		// in6_pton lets a group run past four digits while its value
		// stays below 0x1000; net/netip would refuse this.
		{"EPRT |2|2001:db8::00001|41000|\r\n", m, 1, KindEPRT, 0, 5, 25, "2001:db8::1", 41000},
		{"EPRT |2|2001:db8::12345|41000|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |2|fe80::1%eth0|41000|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |2|2001:db8:1|41000|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		{"EPRT |1|192.0.2.1|41000|\r\n", m, -1, KindEPRT, PartialParse, 0, 0, "", 0},
		// PORT on IPv6 writes only the first 32 bits of the address union.
		{"PORT 192,0,2,10,160,40\r\n", m, 1, KindPORT, 0, 5, 17, "c000:20a::10", 41000},
	})
	checkFind(t, ServerToClient, ip("2001:db8::10"), []findCase{
		{"229 Entering Extended Passive Mode (|||40002|)\r\n", m, 1, KindEPSV, 0, 36, 9, "2001:db8::10", 40002},
		{"227 Entering Passive Mode (192,0,2,10,156,66)\r\n", m, 1, KindPASV, 0, 27, 17, "c000:20a::10", 40002},
	})
}

var in6Tests = []struct {
	in   string
	ok   bool
	end  int
	want string
}{
	{"::|", true, 2, "::"},
	{"::1|", true, 3, "::1"},
	{"1::|", true, 3, "1::"},
	{"1:2:3:4:5:6:7:8|", true, 15, "1:2:3:4:5:6:7:8"},
	{"1:2:3:4:5:6::7|", true, 14, "1:2:3:4:5:6:0:7"},
	{"1:2:3:4:5:6:7::|", true, 15, "1:2:3:4:5:6:7:0"},
	{"2001:db8::192.0.2.1|", true, 19, "2001:db8::c000:201"},
	{"::ffff:1.2.3.4|", true, 14, "::ffff:1.2.3.4"},
	{"1:2:3:4:5:6:1.2.3.4|", true, 19, "1:2:3:4:5:6:102:304"},
	{"::ffff:01.2.3.4|", true, 15, "::ffff:1.2.3.4"},
	{"2001:db8::1", true, 11, "2001:db8::1"},       // end of buffer acts as the delimiter
	{"2001:db8::1\x00x|", true, 11, "2001:db8::1"}, // so does NUL
	{"1:2:3:4:5:6:7|", false, 13, ""},
	{"1:2:3:4:5:6:7:8:9|", false, 15, ""},
	{"1::2::3|", false, 5, ""},
	{":1|", false, 1, ""},
	{"|", false, 0, ""},
	{"g::|", false, 0, ""},
	{"::1.2.3|", false, 7, ""},
	{"::1.2.3.256|", false, 10, ""},
	{"::ffff:0.0.0.0|", true, 14, "::ffff:0.0.0.0"},
}

func TestIn6pton(t *testing.T) {
	for _, tt := range in6Tests {
		addr, end, ok := in6pton([]byte(tt.in), '|')
		if ok != tt.ok || end != tt.end {
			t.Errorf("in6pton(%q) ok=%v end=%d; want %v %d", tt.in, ok, end, tt.ok, tt.end)
			continue
		}
		if ok && netip.AddrFrom16(addr) != ip(tt.want) {
			t.Errorf("in6pton(%q) = %v; want %v", tt.in, netip.AddrFrom16(addr), tt.want)
		}
	}
}

func TestFormatCmd(t *testing.T) {
	tests := []struct {
		kind   Kind
		family Family
		addr   string
		port   uint16
		want   string
	}{
		{KindPORT, IPv4, "203.0.113.9", 51210, "203,0,113,9,200,10"},
		{KindPASV, IPv4, "0.0.0.0", 0, "0,0,0,0,0,0"},
		{KindEPRT, IPv4, "203.0.113.9", 51210, "|1|203.0.113.9|51210|"},
		// %pI6 is the full form with leading zeros.
		{KindEPRT, IPv6, "2001:db8::1", 41000, "|2|2001:0db8:0000:0000:0000:0000:0000:0001|41000|"},
		{KindEPSV, IPv4, "192.0.2.1", 40002, "|||40002|"},
		{KindEPSV, IPv6, "2001:db8::1", 65535, "|||65535|"},
		// PORT/227 on IPv6 print the first 32 bits.
		{KindPASV, IPv6, "2001:db8::1", 40002, "32,1,13,184,156,66"},
	}
	for _, tt := range tests {
		var buf [maxRewrite]byte
		n := formatCmd(&buf, tt.kind, tt.family, u3(ip(tt.addr)), tt.port)
		if got := string(buf[:n]); got != tt.want {
			t.Errorf("formatCmd(%v, %v, %v, %d) = %q; want %q", tt.kind, tt.family, tt.addr, tt.port, got, tt.want)
		}
	}
}

func TestSeqAdj(t *testing.T) {
	var a seqAdj
	a.set(1000, 3) // a rewrite in the segment at seq 1000 grew it by 3
	if got := a.seqOffset(1000); got != 0 {
		t.Errorf("the rewritten segment itself: offset %d, want 0", got)
	}
	if got := a.seqOffset(1050); got != 3 {
		t.Errorf("later segment: offset %d, want 3", got)
	}
	a.set(1000, 3) // retransmission of the same segment: no change
	if got := a.seqOffset(1050); got != 3 {
		t.Errorf("after a retransmitted rewrite: offset %d, want 3", got)
	}
	a.set(2000, -2)
	if a.seqOffset(1500) != 3 || a.seqOffset(2001) != 1 {
		t.Errorf("second rewrite: %d %d; want 3 1", a.seqOffset(1500), a.seqOffset(2001))
	}
	// Only one correction point is kept: before the second one everything
	// gets offset_before, even bytes before the first rewrite.
	if got := a.seqOffset(900); got != 3 {
		t.Errorf("seq before both rewrites: %d, want 3 (the kernel keeps one correction point)", got)
	}
	// Wrap-around: sequence comparison is modular.
	var w seqAdj
	w.set(0xfffffff0, 5)
	if w.seqOffset(0x10) != 5 || w.seqOffset(0xffffffe0) != 0 {
		t.Errorf("wrap: %d %d; want 5 0", w.seqOffset(0x10), w.seqOffset(0xffffffe0))
	}
	// ACK numbers travelling back are in the rewritten space.
	if got := a.ackOffset(2001 + 3); got != 1 {
		t.Errorf("ackOffset after second rewrite: %d, want 1", got)
	}
}
