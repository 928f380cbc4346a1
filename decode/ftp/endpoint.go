package ftp

import (
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// Endpoint parse errors. Where noted, a parser returns the values it did
// decode together with the error, so the caller can still show them.
var (
	ErrNoEndpoint   = errors.New("ftp: no data endpoint found")
	ErrNumberRange  = errors.New("ftp: endpoint number out of range") // a byte field > 255, or a port > 65535
	ErrBadDelimiter = errors.New("ftp: bad or inconsistent delimiter")
	ErrFamily       = errors.New("ftp: address family mismatch or unsupported")
	ErrPortZero     = errors.New("ftp: data port 0")
	ErrSyntax       = errors.New("ftp: malformed endpoint")
)

// Via says which command or reply announced a data endpoint.
type Via uint8

const (
	ViaPASV Via = iota + 1 // 227 reply
	ViaEPSV                // 229 reply
	ViaLPSV                // 228 reply
	ViaPORT
	ViaEPRT
	ViaLPRT
)

var viaNames = [...]string{"", "PASV", "EPSV", "LPSV", "PORT", "EPRT", "LPRT"}

func (v Via) String() string {
	if int(v) < len(viaNames) && v != 0 {
		return viaNames[v]
	}
	return "Via(" + strconv.Itoa(int(v)) + ")"
}

// Passive reports whether the server listens (the client connects).
func (v Via) Passive() bool { return v == ViaPASV || v == ViaEPSV || v == ViaLPSV }

// Form says how a 227 reply's numbers were found.
type Form uint8

const (
	FormNone          Form = iota // nothing matched
	FormParenthesized             // RFC 959: the first "(...)" holds exactly six numbers
	FormBare                      // RFC 1123 §4.1.2.6 scan: first run of six comma-separated numbers
	// FormPortOnly: the first "(...)" holds the port's two numbers after
	// the tail of an IPv6 address, not six numbers (ProFTPD on an IPv6
	// connection, see ParsePASV): the reply names no address.
	FormPortOnly
)

func (f Form) String() string {
	switch f {
	case FormParenthesized:
		return "parenthesized"
	case FormBare:
		return "bare"
	case FormPortOnly:
		return "port-only"
	}
	return "none"
}

// maxNum saturates decoded numbers so that long digit runs cannot wrap.
const maxNum = math.MaxInt32

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isSpace(c byte) bool { return c == ' ' || c == '\t' }
func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// scanNumbers parses comma-separated decimal numbers at the start of s,
// which must be a digit. Spaces and tabs are allowed around each comma.
// It fills dst and returns how many numbers it stored, the index just past
// the last one, and whether the list went on beyond len(dst).
func scanNumbers(s string, dst []int) (n, end int, more bool) {
	i := 0
	for {
		v := 0
		for i < len(s) && isDigit(s[i]) {
			v = min(v*10+int(s[i]-'0'), maxNum)
			i++
		}
		dst[n] = v
		n++
		end = i
		j := i
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != ',' {
			return n, end, false
		}
		j++
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j >= len(s) || !isDigit(s[j]) {
			return n, end, false
		}
		if n == len(dst) {
			return n, end, true
		}
		i = j
	}
}

// nextList returns the index of the first digit at or after i that starts a
// digit run (not preceded by a digit), or -1.
func nextList(s string, i int) int {
	for ; i < len(s); i++ {
		if isDigit(s[i]) && (i == 0 || !isDigit(s[i-1])) {
			return i
		}
	}
	return -1
}

// stripCode removes a leading reply code ("227 ", "227-") if present.
func stripCode(text, code string) string {
	if len(text) >= 4 && text[:3] == code && (text[3] == ' ' || text[3] == '-') {
		return text[4:]
	}
	return text
}

// PASVNumbers finds the six numbers of a 227 reply without range checks, so
// a caller can report what other parsers make of out-of-range values.
// text may include the "227 " code. The first parenthesised group is used
// if it holds exactly six numbers; otherwise the digit runs are scanned
// (RFC 1123 §4.1.2.6) for the first list of exactly six. Numbers saturate at
// math.MaxInt32. The error is ErrNoEndpoint or nil.
func PASVNumbers(text string) (n [6]int, form Form, err error) {
	text = stripCode(text, "227")
	if open := strings.IndexByte(text, '('); open >= 0 {
		if cl := strings.IndexByte(text[open:], ')'); cl >= 0 {
			group := strings.Trim(text[open+1:open+cl], " \t")
			if len(group) > 0 && isDigit(group[0]) {
				cnt, end, more := scanNumbers(group, n[:])
				if cnt == 6 && !more && end == len(group) {
					return n, FormParenthesized, nil
				}
			}
		}
	}
	for i := nextList(text, 0); i >= 0; i = nextList(text, i) {
		cnt, end, more := scanNumbers(text[i:], n[:])
		if cnt == 6 && !more {
			return n, FormBare, nil
		}
		// Skip the whole list so a suffix of a longer one (an LPSV
		// tuple, say) never matches.
		i = listEnd(text, i+end)
	}
	return [6]int{}, FormNone, ErrNoEndpoint
}

// listEnd returns the index just past the comma-separated number list that
// continues at i (i is just past a number).
func listEnd(s string, i int) int {
	for {
		j := i
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != ',' {
			return i
		}
		j++
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j >= len(s) || !isDigit(s[j]) {
			return i
		}
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		i = j
	}
}

// ParsePASV parses a 227 reply text, with or without its "227 " code, and
// returns the announced endpoint and how it was found (see PASVNumbers).
// A number above 255 gives ErrNumberRange; port 0 gives ErrPortZero with
// the address and port returned.
//
// A reply with no six numbers whose first "(...)" holds three fields, up
// to four hex digits and the port's two numbers ("(1,156,108)"), is what
// ProFTPD writes on an IPv6 connection: it keeps of its address the text
// after the last ':' (meant to turn "::ffff:192.0.2.1" into "192.0.2.1").
// Clients that read it take the last two numbers as the port on the
// control connection's address (busybox ftpget; curl, lftp and Python's
// ftplib refuse it). It is returned as for an EPSV reply: the invalid
// address with the port, FormPortOnly; the caller substitutes the control
// connection's server address, and takes it only where ProFTPD writes it:
// on an IPv6 control connection, as the reply's last line (over IPv4, or
// in a continuation line, three numbers are no endpoint).
func ParsePASV(text string) (netip.AddrPort, Form, error) {
	n, form, err := PASVNumbers(text)
	if err == ErrNoEndpoint {
		if port, ok, perr := pasvPortOnly(text); ok {
			return netip.AddrPortFrom(netip.Addr{}, port), FormPortOnly, perr
		}
	}
	if err != nil {
		return netip.AddrPort{}, form, err
	}
	ap, err := sixToAddrPort(n)
	return ap, form, err
}

// maxTail is the longest address tail pasvPortOnly takes: one group of an
// IPv6 address.
const maxTail = 4

// pasvPortOnly reads ProFTPD's IPv6 227 (see ParsePASV): in the first
// "(...)", an IPv6 address's last group (up to four hex digits, or none
// after "::"), a comma, and the port's two numbers. ok tells whether the
// text has that form; err is ErrNumberRange for a number above 255,
// ErrPortZero for port 0.
func pasvPortOnly(text string) (port uint16, ok bool, err error) {
	text = stripCode(text, "227")
	open := strings.IndexByte(text, '(')
	if open < 0 {
		return 0, false, nil
	}
	group, _, closed := strings.Cut(text[open+1:], ")")
	if !closed {
		return 0, false, nil
	}
	tail, nums, _ := strings.Cut(group, ",")
	tail = strings.Trim(tail, " \t")
	if len(tail) > maxTail {
		return 0, false, nil
	}
	for i := 0; i < len(tail); i++ {
		if c := tail[i] | 0x20; !isDigit(tail[i]) && (c < 'a' || c > 'f') {
			return 0, false, nil
		}
	}
	nums = strings.Trim(nums, " \t")
	var n [2]int
	if nums == "" || !isDigit(nums[0]) {
		return 0, false, nil
	}
	if cnt, end, more := scanNumbers(nums, n[:]); cnt != 2 || more || end != len(nums) {
		return 0, false, nil
	}
	switch {
	case n[0] > 255 || n[1] > 255:
		return 0, true, ErrNumberRange
	case n[0] == 0 && n[1] == 0:
		return 0, true, ErrPortZero
	}
	return uint16(n[0]<<8 | n[1]), true, nil
}

// PORTNumbers parses a PORT argument into its six numbers without range
// checks (see PASVNumbers). Leading and trailing spaces are allowed, and
// spaces around commas; anything else gives ErrSyntax, an empty argument
// ErrNoEndpoint.
func PORTNumbers(arg string) (n [6]int, err error) {
	arg = strings.Trim(arg, " \t")
	if arg == "" {
		return n, ErrNoEndpoint
	}
	if !isDigit(arg[0]) {
		return n, ErrSyntax
	}
	cnt, end, more := scanNumbers(arg, n[:])
	if cnt != 6 || more || end != len(arg) {
		return [6]int{}, ErrSyntax
	}
	return n, nil
}

// ParsePORT parses a PORT argument "h1,h2,h3,h4,p1,p2". Errors:
// ErrNoEndpoint, ErrSyntax, ErrNumberRange, or ErrPortZero (with the
// address and port returned).
func ParsePORT(arg string) (netip.AddrPort, error) {
	n, err := PORTNumbers(arg)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return sixToAddrPort(n)
}

// ParsePORTLoose reads a PORT argument as the servers that accept a
// loosely written one read it: for a PORT the server accepted though
// ParsePORT refuses it (ErrSyntax). It reads what ParsePORT reads, two
// departures more, and nothing else:
//
//   - a '+' before a number ("10,0,0,99,0,+25"): C's atoi, with which
//     vsftpd reads each comma-separated field, and scanf's %u, with which
//     Pure-FTPd and ProFTPD read the six numbers, both take it;
//   - anything after the sixth number ("10,0,0,99,0,25," or
//     "10,0,0,99,0,25x"): scanf stops there; vsftpd's atoi reads the last
//     field's digits and ignores the rest (it refuses a comma there
//     unless the line ends with it).
//
// Every server that accepts such an argument reads the same six numbers
// from it. What they read differently stays ErrSyntax: an empty field, or
// one that starts with another character ("(10": vsftpd's atoi reads 0,
// the others refuse it), and a character other than a space or tab
// between a number and its comma (vsftpd alone ignores it). A number over
// 255 is ErrNumberRange (all three refuse it), port 0 ErrPortZero with
// the endpoint, as in ParsePORT.
func ParsePORTLoose(arg string) (netip.AddrPort, error) {
	if strings.Trim(arg, " \t") == "" {
		return netip.AddrPort{}, ErrNoEndpoint
	}
	var n [6]int
	i := 0
	for k := range n {
		v, end := looseNumber(arg, i)
		if end < 0 {
			return netip.AddrPort{}, ErrSyntax
		}
		n[k], i = v, end
		if k == len(n)-1 {
			break
		}
		for i < len(arg) && isSpace(arg[i]) {
			i++
		}
		if i >= len(arg) || arg[i] != ',' {
			return netip.AddrPort{}, ErrSyntax
		}
		i++
	}
	return sixToAddrPort(n)
}

// looseNumber reads, from s[i:], a number as C's atoi and scanf's %u both
// read one they take: spaces or tabs, an optional '+', then at least one
// digit. It returns the value (saturated at maxNum) and the index just past
// its digits, or end -1 when no such number starts there.
func looseNumber(s string, i int) (v, end int) {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '+' {
		i++
	}
	if i >= len(s) || !isDigit(s[i]) {
		return 0, -1
	}
	for i < len(s) && isDigit(s[i]) {
		v = min(v*10+int(s[i]-'0'), maxNum)
		i++
	}
	return v, i
}

func sixToAddrPort(n [6]int) (netip.AddrPort, error) {
	for _, v := range n {
		if v > 255 {
			return netip.AddrPort{}, ErrNumberRange
		}
	}
	ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(n[0]), byte(n[1]), byte(n[2]), byte(n[3])}), uint16(n[4]<<8|n[5]))
	if ap.Port() == 0 {
		return ap, ErrPortZero
	}
	return ap, nil
}

// parsePort parses a decimal TCP port 1..65535.
func parsePort(s string) (uint16, error) {
	if s == "" {
		return 0, ErrSyntax
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, ErrSyntax
		}
		v = min(v*10+int(s[i]-'0'), maxNum)
	}
	switch {
	case v > 65535:
		return 0, ErrNumberRange
	case v == 0:
		return 0, ErrPortZero
	}
	return uint16(v), nil
}

// maxZone bounds the zone of a link-local address in an EPRT/EPSV address
// field (interface names are at most 15 bytes on Linux; Windows and the
// BSDs also use interface numbers).
const maxZone = 64

// parseAddrText parses an EPRT/EPSV address field. In an EPRT (zoneOK),
// a link-local IPv6 address may carry a zone ("fe80::2%eth0": getnameinfo
// with NI_NUMERICHOST appends the scope, and clients send what it gave): the
// zone names an interface of the sender's and has no meaning on the wire,
// so the address is returned without it, to match the addresses packets
// carry; the zone's text stays in the command's line, shown as outputs
// show a line. A zone on any other address or in a 229 reply (whose
// address field RFC 2428 leaves empty), an empty one, or one longer than
// maxZone or with a byte outside ASCII 33..126, is refused (as written
// by RFC 2428 and getnameinfo; ParseEPRTLoose reads it as vsftpd does).
func parseAddrText(s string, zoneOK bool) (netip.Addr, error) {
	text, zone, zoned := strings.Cut(s, "%")
	if zoned {
		if !zoneOK {
			return netip.Addr{}, ErrSyntax
		}
		if zone == "" || len(zone) > maxZone {
			return netip.Addr{}, ErrSyntax
		}
		for i := 0; i < len(zone); i++ {
			if zone[i] < 33 || zone[i] > 126 || zone[i] == '%' {
				return netip.Addr{}, ErrSyntax
			}
		}
	}
	a, err := netip.ParseAddr(text)
	if err != nil || zoned && (!a.Is6() || a.Is4In6() || !a.IsLinkLocalUnicast()) {
		return netip.Addr{}, ErrSyntax
	}
	return a, nil
}

// familyMatches checks RFC 2428 AF 1 (IPv4, dotted quad) and AF 2 (IPv6).
func familyMatches(af int, a netip.Addr) bool {
	return af == 1 && a.Is4() || af == 2 && a.Is6()
}

// splitDelimited splits s, which starts with delimiter d, into the three
// fields of "<d>f1<d>f2<d>f3<d>" and returns the text after the fourth
// delimiter.
func splitDelimited(s string) (f [3]string, rest string, err error) {
	d := s[0]
	if d < 33 || d > 126 {
		return f, "", ErrBadDelimiter
	}
	s = s[1:]
	for i := range f {
		j := strings.IndexByte(s, d)
		if j < 0 {
			return f, "", ErrBadDelimiter
		}
		f[i], s = s[:j], s[j+1:]
	}
	return f, s, nil
}

// ParseEPSV parses a 229 reply text, with or without its "229 " code:
// "(<d><d><d>port<d>)" where the delimiter d is any of ASCII 33..126, the
// same four times (RFC 2428 §3). The RFC requires empty protocol and
// address fields; an empty address returns the invalid netip.Addr{} (the
// caller substitutes the control connection's server address). A non-empty
// address is parsed and returned for the caller to flag; a non-empty
// protocol field must be 1 or 2 and match it (ErrFamily). Each "(" is tried
// in turn; the first error is returned if none parses.
func ParseEPSV(text string) (addr netip.Addr, port uint16, err error) {
	addr, port, _, err = parseEPSV(text)
	return addr, port, err
}

// EPSVFieldsFilled reports whether text, a 229 reply's, announces an
// endpoint (ParseEPSV parses it) whose network protocol or address field
// is not empty: RFC 2428 section 3 requires both empty, the data going to
// the control connection's address. Clients that read the reply as the
// RFC writes it, "(|||port|)" (curl, lftp), reject such a 229, and a
// Linux conntrack helper drops the segment that holds it.
func EPSVFieldsFilled(text string) bool {
	_, _, filled, err := parseEPSV(text)
	return err == nil && filled
}

// parseEPSV is ParseEPSV, and whether the group it read fills in the
// protocol or address field.
func parseEPSV(text string) (addr netip.Addr, port uint16, filled bool, err error) {
	err = ErrNoEndpoint
	for i := strings.IndexByte(text, '('); i >= 0; {
		a, p, fl, e := parseEPSVGroup(text[i+1:])
		if e == nil {
			return a, p, fl, nil
		}
		if err == ErrNoEndpoint {
			err = e
		}
		j := strings.IndexByte(text[i+1:], '(')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return netip.Addr{}, 0, false, err
}

func parseEPSVGroup(s string) (netip.Addr, uint16, bool, error) {
	if s == "" {
		return netip.Addr{}, 0, false, ErrSyntax
	}
	f, rest, err := splitDelimited(s)
	if err != nil {
		return netip.Addr{}, 0, false, err
	}
	if !strings.HasPrefix(rest, ")") {
		return netip.Addr{}, 0, false, ErrSyntax
	}
	af := 0
	switch f[0] {
	case "":
	case "1":
		af = 1
	case "2":
		af = 2
	default:
		return netip.Addr{}, 0, false, ErrFamily
	}
	var addr netip.Addr
	if f[1] != "" {
		if addr, err = parseAddrText(f[1], false); err != nil {
			return netip.Addr{}, 0, false, err
		}
		if af != 0 && !familyMatches(af, addr) {
			return netip.Addr{}, 0, false, ErrFamily
		}
	}
	port, err := parsePort(f[2])
	if err != nil {
		return netip.Addr{}, 0, false, err
	}
	return addr, port, f[0] != "" || f[1] != "", nil
}

// ParseEPRT parses an EPRT argument "<d>af<d>addr<d>port<d>" (RFC 2428 §2)
// with any delimiter in ASCII 33..126. af is 1 (IPv4, dotted quad) or 2
// (IPv6); no field may be empty. On ErrFamily (unknown AF, or address text
// of the other family) and ErrPortZero, the decoded af and endpoint are
// returned with the error.
func ParseEPRT(arg string) (ap netip.AddrPort, af int, err error) {
	arg = strings.Trim(arg, " \t")
	if arg == "" {
		return netip.AddrPort{}, 0, ErrNoEndpoint
	}
	f, rest, err := splitDelimited(arg)
	if err != nil {
		return netip.AddrPort{}, 0, err
	}
	if rest != "" || f[0] == "" || f[1] == "" || f[2] == "" {
		return netip.AddrPort{}, 0, ErrSyntax
	}
	for i := 0; i < len(f[0]); i++ {
		if !isDigit(f[0][i]) {
			return netip.AddrPort{}, 0, ErrSyntax
		}
		af = min(af*10+int(f[0][i]-'0'), maxNum)
	}
	addr, err := parseAddrText(f[1], true)
	if err != nil {
		return netip.AddrPort{}, af, err
	}
	port, perr := parsePort(f[2])
	if perr != nil && perr != ErrPortZero {
		return netip.AddrPort{}, af, perr
	}
	ap = netip.AddrPortFrom(addr, port)
	if !familyMatches(af, addr) {
		return ap, af, ErrFamily
	}
	return ap, af, perr
}

// ParseEPRTLoose reads an EPRT argument as the servers that accept a
// loosely written one read it: for an EPRT the server accepted though
// ParseEPRT refuses it (ErrSyntax, ErrBadDelimiter). It reads what
// ParseEPRT reads and these departures more, each as the servers that
// take it read it:
//
//   - text after the closing delimiter ("|1|192.0.2.10|25|x"): ProFTPD
//     and Pure-FTPd stop at that delimiter;
//   - an IPv4 address written with commas ("|1|192,0,2,10|25|"), with or
//     without text after the closing delimiter: Pure-FTPd reads it as
//     192.0.2.10;
//   - with '|' as the delimiter, the only one vsftpd takes: no closing
//     delimiter ("|1|192.0.2.10|25"), an AF or port field written
//     loosely (" 25", "+25", "25x"), and a zone on an IPv6 address that
//     is not link-local, or one ParseEPRT refuses
//     ("|2|2001:db8::2%eth0|50010|"): vsftpd reads each field up to the
//     next '|' or the end of the line with atoi (the digits after spaces
//     and a sign), reads an AF 2 address up to its '%', and refuses text
//     after a closing '|'.
//
// No argument is taken by two of these readings (vsftpd refuses text
// after the closing '|' and an address with commas). Not read: an address
// written with leading zeros or other loose IPv4 text (vsftpd and
// Pure-FTPd read "010" as 10, servers that use inet_aton as 8; ProFTPD
// refuses it), and a port over 65535 (ProFTPD alone takes one, modulo
// 65536): they stay ParseEPRT's error. Errors and values are ParseEPRT's.
func ParseEPRTLoose(arg string) (ap netip.AddrPort, af int, err error) {
	ap, af, err = ParseEPRT(arg)
	if err != ErrSyntax && err != ErrBadDelimiter {
		return ap, af, err
	}
	if lap, laf, lerr := eprtToDelimiter(arg); lerr == nil || lerr == ErrPortZero {
		return lap, laf, lerr
	}
	if lap, laf, lerr := eprtVsftpd(arg); lerr == nil || lerr == ErrPortZero {
		return lap, laf, lerr
	}
	return ap, af, err
}

// eprtToDelimiter reads an EPRT argument as ProFTPD and Pure-FTPd do: up
// to its fourth delimiter, an IPv4 address with commas read as Pure-FTPd
// reads it.
func eprtToDelimiter(arg string) (netip.AddrPort, int, error) {
	arg = strings.TrimLeft(arg, " \t")
	if arg == "" {
		return netip.AddrPort{}, 0, ErrNoEndpoint
	}
	f, _, err := splitDelimited(arg)
	if err != nil {
		return netip.AddrPort{}, 0, err
	}
	if f[0] == "1" && strings.Count(f[1], ",") == 3 && !strings.Contains(f[1], ".") {
		f[1] = strings.ReplaceAll(f[1], ",", ".")
	}
	d := arg[:1]
	return ParseEPRT(d + f[0] + d + f[1] + d + f[2] + d)
}

// eprtVsftpd reads an EPRT argument as vsftpd does: '|' the delimiter,
// the AF and port fields read with atoi, an IPv6 address's zone dropped,
// the closing '|' optional and nothing after it.
func eprtVsftpd(arg string) (netip.AddrPort, int, error) {
	rest, ok := strings.CutPrefix(arg, "|")
	if !ok {
		return netip.AddrPort{}, 0, ErrBadDelimiter
	}
	afText, rest, _ := strings.Cut(rest, "|")
	addrText, rest, _ := strings.Cut(rest, "|")
	portText, after, _ := strings.Cut(rest, "|")
	af, end := looseNumber(afText, 0)
	if end < 0 || after != "" {
		return netip.AddrPort{}, 0, ErrSyntax
	}
	if af == 2 {
		// vsftpd cuts an IPv6 address at its '%' and ignores the zone
		// after it, whatever it is and on any address, not only a
		// link-local one; the zone means nothing on the wire.
		addrText, _, _ = strings.Cut(addrText, "%")
	}
	addr, err := parseAddrText(addrText, false)
	if err != nil {
		return netip.AddrPort{}, af, err
	}
	port, end := looseNumber(portText, 0)
	switch {
	case end < 0:
		return netip.AddrPort{}, af, ErrSyntax
	case port > 65535:
		return netip.AddrPort{}, af, ErrNumberRange
	}
	ap := netip.AddrPortFrom(addr, uint16(port))
	switch {
	case !familyMatches(af, addr):
		return ap, af, ErrFamily
	case port == 0:
		return ap, af, ErrPortZero
	}
	return ap, af, nil
}

// parseLong decodes an RFC 1639 tuple "af,hal,h1..hn,pal,p1,p2" at the start
// of s (a digit) and returns the index just past it. af 4 needs hal 4, af 6
// needs hal 16; pal must be 2.
func parseLong(s string) (ap netip.AddrPort, end int, err error) {
	var n [21]int
	cnt, end, more := scanNumbers(s, n[:])
	if more || cnt < 3 {
		return netip.AddrPort{}, end, ErrSyntax
	}
	for _, v := range n[:cnt] {
		if v > 255 {
			return netip.AddrPort{}, end, ErrNumberRange
		}
	}
	af, hal := n[0], n[1]
	if !(af == 4 && hal == 4 || af == 6 && hal == 16) {
		return netip.AddrPort{}, end, ErrFamily
	}
	if cnt != 2+hal+1+2 || n[2+hal] != 2 {
		return netip.AddrPort{}, end, ErrSyntax
	}
	var b [16]byte
	for i := range hal {
		b[i] = byte(n[2+i])
	}
	var addr netip.Addr
	if af == 4 {
		addr = netip.AddrFrom4([4]byte(b[:4]))
	} else {
		addr = netip.AddrFrom16(b)
	}
	ap = netip.AddrPortFrom(addr, uint16(n[cnt-2]<<8|n[cnt-1]))
	if ap.Port() == 0 {
		return ap, end, ErrPortZero
	}
	return ap, end, nil
}

// ParseLPRT parses an LPRT argument (RFC 1639), e.g. "4,4,192,0,2,10,2,160,40".
// Spaces around the argument and around commas are allowed. Errors:
// ErrNoEndpoint, ErrSyntax, ErrNumberRange, ErrFamily, ErrPortZero (with
// the endpoint returned).
func ParseLPRT(arg string) (netip.AddrPort, error) {
	arg = strings.Trim(arg, " \t")
	if arg == "" {
		return netip.AddrPort{}, ErrNoEndpoint
	}
	if !isDigit(arg[0]) {
		return netip.AddrPort{}, ErrSyntax
	}
	ap, end, err := parseLong(arg)
	if err == nil && end != len(arg) {
		return netip.AddrPort{}, ErrSyntax
	}
	return ap, err
}

// ParseLPSV parses a 228 reply text (RFC 1639), with or without its "228 "
// code. The first parenthesised group is used if it starts with a number;
// otherwise the digit runs are scanned for the first list that decodes. If
// none does, the error of the first list of 9 or more numbers is returned,
// else ErrNoEndpoint.
func ParseLPSV(text string) (netip.AddrPort, error) {
	text = stripCode(text, "228")
	if open := strings.IndexByte(text, '('); open >= 0 {
		group := strings.TrimLeft(text[open+1:], " \t")
		if len(group) > 0 && isDigit(group[0]) {
			ap, end, err := parseLong(group)
			if err != nil {
				return ap, err
			}
			if rest := strings.TrimLeft(group[end:], " \t"); strings.HasPrefix(rest, ")") {
				return ap, nil
			}
			return netip.AddrPort{}, ErrSyntax
		}
	}
	first := ErrNoEndpoint
	for i := nextList(text, 0); i >= 0; i = nextList(text, i) {
		ap, end, err := parseLong(text[i:])
		if err == nil || err == ErrPortZero {
			return ap, err
		}
		var n [9]int
		if cnt, _, more := scanNumbers(text[i:], n[:]); (cnt == 9 || more) && first == ErrNoEndpoint {
			first = err
		}
		i = listEnd(text, i+end)
	}
	return netip.AddrPort{}, first
}

// ParseSize extracts a file size from a reply. For 213 (the SIZE reply,
// RFC 3659) the whole text, with or without its "213 " code, must be a
// decimal number; do not call it for 213 replies to MDTM or STAT. For 150
// and 125 it takes the number right before the word "bytes", as in
// "150 Opening BINARY mode data connection for x (1234 bytes)." — unlike
// Zeek's last-number rule this ignores digits in file names.
func ParseSize(code int, text string) (int64, bool) {
	switch code {
	case 213:
		text = strings.Trim(stripCode(text, "213"), " \t")
		return parseInt64(text)
	case 125, 150:
		// The size is the number before "bytes"; the last such, since a
		// file name may hold one too ("for 5 bytes.txt (4640 bytes)").
		// Digit grouping ("4,640" or "4.640") is read whole.
		text = stripCode(stripCode(text, "150"), "125")
		var size int64
		found := false
		for i := 0; i+5 <= len(text); i++ {
			// Only a 'b' or 'B' can start it: the byte test spares
			// EqualFold's call at every other byte of the text.
			if text[i]|0x20 != 'b' || !strings.EqualFold(text[i:i+5], "bytes") {
				continue
			}
			j := i
			for j > 0 && isSpace(text[j-1]) {
				j--
			}
			if v, ok := groupedNumberBefore(text, j); ok {
				size, found = v, true
			}
		}
		if found {
			return size, true
		}
	}
	return 0, false
}

func parseInt64(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		d := int64(s[i] - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// groupedNumberBefore reads the number that ends at text[j]: digits, with
// thousands grouped by ',' or '.' ("4,640") read whole. A grouping that is
// not groups of three, a number glued to a word, or a negative one (a
// minus sign before it: "(-5 bytes)" announces no size, not 5), is not a
// size.
func groupedNumberBefore(text string, j int) (int64, bool) {
	k := j
	for k > 0 && (isDigit(text[k-1]) || (text[k-1] == ',' || text[k-1] == '.') && k-1 > 0 && isDigit(text[k-2])) {
		k--
	}
	if k == j || (k > 0 && (isAlnum(text[k-1]) || text[k-1] == '-')) {
		return 0, false
	}
	num := text[k:j]
	if strings.ContainsAny(num, ",.") {
		groups := strings.FieldsFunc(num, func(r rune) bool { return r == ',' || r == '.' })
		if len(groups[0]) > 3 {
			return 0, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, false
			}
		}
		num = strings.Join(groups, "")
	}
	return parseInt64(num)
}
