package main

import (
	"bytes"
	"encoding/base64"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonWriter appends one JSON record field by field, for the records
// written once or more per session (command, data, event, finding,
// session): reflection-based encoding cost more than the rest of the
// analysis of a capture of many small sessions. Its bytes are exactly what
// encoding/json (HTML escaping off) followed by appendInertJSON writes for
// the same fields (the golden files pin them): strings escape what
// encoding/json escapes and every rune needsJSONEscape selects. Rarer
// records (policy, server, summary) still go through recordEncoder.
type jsonWriter struct {
	b     []byte
	first bool

	// The last second formatted ("2006-01-02T15:04:05", UTC), when
	// secOK: records come in packet-time order, so most timestamps share
	// it. A fixed array, copied into a record without a call.
	sec     int64
	secText [19]byte
	secOK   bool
	// The last day formatted ("2006-01-02T", UTC), when dayOK, for the
	// seconds of the sessions that interleave: a new second is then
	// arithmetic.
	day     int64
	dayText [11]byte
	dayOK   bool
}

func (w *jsonWriter) begin() {
	w.b = append(w.b[:0], '{')
	w.first = true
}

// end closes the record after the observer suffix (`,"observer":...` or
// empty) and ends the line.
func (w *jsonWriter) end(suffix []byte) []byte {
	w.b = append(w.b, suffix...)
	w.b = append(w.b, '}', '\n')
	return w.b
}

func (w *jsonWriter) key(k string) {
	// (Appended to a local slice, stored once: every record writes many
	// keys, and w.b through the pointer is loaded and stored per append.)
	b := w.b
	if !w.first {
		b = append(b, ',')
	}
	w.first = false
	b = append(b, '"')
	b = append(b, k...)
	w.b = append(b, '"', ':')
}

func (w *jsonWriter) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

// strASCII is str, and tells whether v is all ASCII: a raw sibling
// written later (raw) is then known to be empty without a second look.
func (w *jsonWriter) strASCII(k, v string) bool {
	w.key(k)
	var ascii bool
	w.b, ascii = appendJSONStringASCII(w.b, v)
	return ascii
}

// name writes a string field whose value is a name from the program's
// own tables (an enum's String: a command's status, a data connection's
// outcome, an end reason), never text from the wire: plain ASCII
// (TestRecordNamesArePlain), copied without the escape scan str makes.
func (w *jsonWriter) name(k, v string) {
	w.key(k)
	b := append(w.b, '"')
	b = append(b, v...)
	w.b = append(b, '"')
}

// strRaw writes a string from the wire and its raw sibling (raw): what
// str wrote found the string ASCII, so valid UTF-8, with no second look.
func (w *jsonWriter) strRaw(k, rawK, v string) {
	w.key(k)
	var ascii bool
	w.b, ascii = appendJSONStringASCII(w.b, v)
	if !ascii {
		w.raw(rawK, v)
	}
}

// strOmitRaw is strRaw unless v is empty (omitempty; raw writes nothing
// for it).
func (w *jsonWriter) strOmitRaw(k, rawK, v string) {
	if v != "" {
		w.strRaw(k, rawK, v)
	}
}

// addr writes an address and port as addrString does ("" when not
// valid), appended in place: one string per address of every record
// was the JSON output's largest allocation.
func (w *jsonWriter) addr(k string, ap netip.AddrPort) {
	w.key(k)
	switch {
	case !ap.IsValid():
		w.b = append(w.b, '"', '"')
	case ap.Addr().Zone() != "":
		w.b = appendJSONString(w.b, ap.String()) // a zone is free text
	default:
		w.b = append(w.b, '"')
		w.b = ap.AppendTo(w.b)
		w.b = append(w.b, '"')
	}
}

// addrOmit writes an address field unless it is not valid (omitempty).
func (w *jsonWriter) addrOmit(k string, ap netip.AddrPort) {
	if ap.IsValid() {
		w.addr(k, ap)
	}
}

// strOmit writes a string field unless it is empty (omitempty).
func (w *jsonWriter) strOmit(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

// raw writes the `<field>_raw` sibling of a string from the wire: its
// bytes in base64 when it is not valid UTF-8 (docs/json.md).
func (w *jsonWriter) raw(k, v string) {
	if utf8.ValidString(v) {
		return
	}
	w.key(k)
	w.b = append(w.b, '"')
	w.b = base64.StdEncoding.AppendEncode(w.b, []byte(v))
	w.b = append(w.b, '"')
}

func (w *jsonWriter) int(k string, v int64) {
	w.key(k)
	if v >= 0 {
		w.b = appendUint(w.b, uint64(v))
		return
	}
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *jsonWriter) intOmit(k string, v int64) {
	if v != 0 {
		w.int(k, v)
	}
}

func (w *jsonWriter) uint(k string, v uint64) {
	w.key(k)
	w.b = appendUint(w.b, v)
}

// appendUint is strconv.AppendUint(b, v, 10), the digits of a value below
// 10^8 (packet numbers, ports, byte counts: most of the numbers written)
// put in place, two at a time from digitPairs after the count of digits
// is known: strconv's calls and the copy out of its buffer cost more
// than the digits, and a digit at a time divided twice as often.
func appendUint(b []byte, v uint64) []byte {
	if v >= 1e8 {
		return strconv.AppendUint(b, v, 10)
	}
	var n int
	switch {
	case v < 10:
		return append(b, byte('0'+v))
	case v < 100:
		n = 2
	case v < 1e3:
		n = 3
	case v < 1e4:
		n = 4
	case v < 1e5:
		n = 5
	case v < 1e6:
		n = 6
	case v < 1e7:
		n = 7
	default:
		n = 8
	}
	i := len(b)
	if cap(b)-i < n {
		b = append(b, "00000000"[:n]...)
	} else {
		b = b[:i+n]
	}
	d := b[i : i+n]
	j := n
	for v >= 100 {
		q := v / 100
		r := (v - q*100) * 2
		j -= 2
		d[j], d[j+1] = digitPairs[r], digitPairs[r+1]
		v = q
	}
	if v >= 10 {
		d[0], d[1] = digitPairs[2*v], digitPairs[2*v+1]
	} else {
		d[0] = byte('0' + v)
	}
	return b
}

func (w *jsonWriter) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jsonWriter) boolOmit(k string, v bool) {
	if v {
		w.bool(k, true)
	}
}

// time writes an RFC 3339 timestamp with nanoseconds in UTC, or null for
// the zero time (a field that is always present).
func (w *jsonWriter) time(k string, t time.Time) {
	w.key(k)
	if t.IsZero() {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '"')
	w.b = w.appendTime(w.b, t)
	w.b = append(w.b, '"')
}

// appendTime appends t as time.RFC3339Nano in UTC, byte for byte, with the
// seconds part formatted once per second: a timestamp in the second of
// the one before (most are: a session's records) costs its fraction only.
// The room for the longest text is made first, and the bytes put in
// place: two to five appends, each a call to copy a few bytes, cost more
// than the digits.
func (w *jsonWriter) appendTime(b []byte, t time.Time) []byte {
	if sec := t.Unix(); sec != w.sec || !w.secOK {
		// UTC days are 86400 s from the epoch's midnight (no leap
		// seconds in package time).
		day, sod := sec/86400, sec%86400
		if sod < 0 {
			day, sod = day-1, sod+86400
		}
		if day != w.day || !w.dayOK {
			u := t.UTC()
			if y := u.Year(); y < 0 || y > 9999 {
				return u.AppendFormat(b, time.RFC3339Nano) // AppendFormat's own rules for odd years
			}
			w.day, w.dayOK = day, true
			u.AppendFormat(w.dayText[:0], "2006-01-02T") // (11 bytes for these years: in place)
		}
		w.sec, w.secOK = sec, true
		h, m, s := sod/3600, sod/60%60, sod%60
		w.secText = [19]byte{
			w.dayText[0], w.dayText[1], w.dayText[2], w.dayText[3], w.dayText[4], w.dayText[5],
			w.dayText[6], w.dayText[7], w.dayText[8], w.dayText[9], w.dayText[10],
			digitPairs[2*h], digitPairs[2*h+1], ':',
			digitPairs[2*m], digitPairs[2*m+1], ':',
			digitPairs[2*s], digitPairs[2*s+1]}
	}
	const most = len("2006-01-02T15:04:05.999999999Z")
	n := len(b)
	if cap(b)-n < most {
		b = slices.Grow(b, most)
	}
	b = b[:n+most]
	*(*[19]byte)(b[n:]) = w.secText
	f := b[n+19:] // the fraction and the Z
	ns := uint32(t.Nanosecond())
	end := 0
	if us := ns / 1000; us*1000 == ns && ns != 0 {
		// Whole microseconds (a classic pcap's, most timestamps): six
		// digits, two at a time, then the zeros at the end dropped.
		f[0] = '.'
		d := us / 10000
		f[1], f[2] = digitPairs[2*d], digitPairs[2*d+1]
		d = us / 100 % 100
		f[3], f[4] = digitPairs[2*d], digitPairs[2*d+1]
		d = us % 100
		f[5], f[6] = digitPairs[2*d], digitPairs[2*d+1]
		end = 7
	} else if ns != 0 {
		// Nine digits, two at a time, then the zeros at the end dropped.
		f[0] = '.'
		f[9] = byte('0' + ns%10)
		ns /= 10
		for i := 7; i >= 1; i -= 2 {
			d := ns % 100
			ns /= 100
			f[i], f[i+1] = digitPairs[2*d], digitPairs[2*d+1]
		}
		end = 10
	}
	for end > 0 && f[end-1] == '0' {
		end-- // (a fraction not zero keeps a digit and its point)
	}
	f[end] = 'Z'
	return b[:n+19+end+1]
}

// digitPairs holds "00" to "99", for writing two digits at once.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// timeOmit writes a timestamp unless it is the zero time.
func (w *jsonWriter) timeOmit(k string, t time.Time) {
	if !t.IsZero() {
		w.time(k, t)
	}
}

// msOmit writes a duration in milliseconds (microsecond precision),
// unless it is not positive.
func (w *jsonWriter) msOmit(k string, d time.Duration) {
	if d <= 0 {
		return
	}
	w.ms(k, d)
}

// ms writes a duration in milliseconds (microsecond precision), 0.0 for
// one not positive.
func (w *jsonWriter) ms(k string, d time.Duration) {
	w.key(k)
	w.b = appendMillis(w.b, max(d, 0).Microseconds())
}

// appendMillis appends us microseconds as milliseconds, the text
// appendJSONFloat gives float64(us)/1000, without the float formatting
// (one per reply was a tenth of the JSON writer's time). Below 1e15 µs
// (31 years) the decimal with at most three fraction digits is the
// shortest text of that float: any shorter decimal is 0.001 away, far
// beyond the float's precision there. A whole number keeps ".0": a
// shipper's index (Elasticsearch's dynamic mapping) types the field
// from the first value it sees, and "3" would make it an integer that
// truncates every later fraction.
func appendMillis(b []byte, us int64) []byte {
	if us < 0 || us >= 1e15 {
		return appendJSONFloat(b, float64(us)/1000)
	}
	b = appendUint(b, uint64(us/1000)) // (us is not negative here)
	frac := us % 1000
	if frac == 0 {
		return append(b, ".0"...)
	}
	digits := [3]byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 3
	for digits[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, digits[:n]...)
}

// jsonMillis is a duration in microseconds that encoding/json writes as
// milliseconds, as appendMillis does (with its ".0" when whole).
type jsonMillis int64

func (m jsonMillis) MarshalJSON() ([]byte, error) { return appendMillis(nil, int64(m)), nil }

func (w *jsonWriter) uints(k string, v []uint64) {
	w.key(k)
	w.b = append(w.b, '[')
	for i, n := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendUint(w.b, n)
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) strs(k string, v []string) {
	w.key(k)
	w.b = append(w.b, '[')
	for i, s := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJSONString(w.b, s)
	}
	w.b = append(w.b, ']')
}

// object opens a nested object field; close it with closeObject.
func (w *jsonWriter) object(k string) {
	w.key(k)
	w.b = append(w.b, '{')
	w.first = true
}

func (w *jsonWriter) closeObject() {
	w.b = append(w.b, '}')
	w.first = false
}

// array opens an array field; each element is an object opened with
// element and closed with closeObject; close the array with closeArray.
func (w *jsonWriter) array(k string) {
	w.key(k)
	w.b = append(w.b, '[')
	w.first = true
}

func (w *jsonWriter) element() {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '{')
	w.first = true
}

func (w *jsonWriter) closeArray() {
	w.b = append(w.b, ']')
	w.first = false
}

// appendJSONFloat writes f as encoding/json does.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'f' && bytes.IndexByte(b[n:], '.') < 0 {
		b = append(b, ".0"...) // a float field stays a float (appendMillis)
	}
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		if m := len(b) - n; m >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b
}

// plainWord reports whether the 8 bytes of s are printable ASCII other
// than '"' and '\\' (0x20-0x7e), which appendJSONString copies as they
// are: most of the text written, tested a word at a time. A byte that is
// not may also be reported as such for one that is (a borrow); that costs
// only the byte-at-a-time path.
func plainWord(s string) bool { return plainBits(word8(s)) }

// word8 is the first 8 bytes of s, little-endian.
func word8(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainBits is plainWord of the word x (word8), small enough to inline.
func plainBits(x uint64) bool {
	const (
		lo = 0x0101010101010101
		hi = 0x8080808080808080
	)
	// q and bs have a zero byte where x has '"', '\\'.
	q, bs := x^('"'*lo), x^('\\'*lo)
	bad := x | // a byte >= 0x80
		(x + lo) | // 0x7f (with no byte >= 0x80, no carry crosses a byte)
		(x-0x20*lo)&^x | // a byte < 0x20
		(q-lo)&^q | (bs-lo)&^bs
	return bad&hi == 0
}

// plainPrefix is how many bytes of s, whole words of 8, plainWord passes
// from its start: one call per run of plain text, not one per word. Two
// words a turn: the slicing and the loop cost as much as the test of a
// word.
func plainPrefix(s string) int {
	i := 0
	for ; i+16 <= len(s); i += 16 {
		t := s[i:]
		_ = t[15]
		x := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		y := uint64(t[8]) | uint64(t[9])<<8 | uint64(t[10])<<16 | uint64(t[11])<<24 |
			uint64(t[12])<<32 | uint64(t[13])<<40 | uint64(t[14])<<48 | uint64(t[15])<<56
		if !plainBits(x) {
			return i
		}
		if !plainBits(y) {
			return i + 8
		}
	}
	if i+8 <= len(s) && plainBits(word8(s[i:])) {
		i += 8
	}
	return i
}

// plainHead is how many bytes from the start of s are printable ASCII
// other than '"' and '\\' (copied as they are): len(s) for most strings,
// which appendJSONString then copies whole. It may stop short before a
// plain byte (plainBits' borrow): the caller looks on from there byte by
// byte, without looking again at the bytes before.
func plainHead(s string) int {
	n := len(s)
	if n < 8 {
		for i := 0; i < n; i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				return i
			}
		}
		return n
	}
	i := plainPrefix(s)
	// The bytes after the whole words are the last word's end: that word,
	// read overlapping, covers them.
	if i == n || i >= n-7 && plainBits(word8(s[n-8:])) {
		return n
	}
	return i
}

// appendJSONString appends s as a JSON string: what encoding/json escapes
// ('"', '\\', the C0 controls, U+2028, U+2029; invalid UTF-8 as \ufffd)
// and what needsJSONEscape selects (DEL, C1, format and other non-graphic
// runes) as escapes, everything else as it is.
func appendJSONString(b []byte, s string) []byte {
	b, _ = appendJSONStringASCII(b, s)
	return b
}

// appendJSONStringASCII is appendJSONString, and tells whether s is all
// ASCII (so valid UTF-8: no _raw sibling to write).
func appendJSONStringASCII(b []byte, s string) ([]byte, bool) {
	i := plainHead(s)
	if i == len(s) {
		// Most strings: copied whole, with no byte looked at twice.
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"'), true
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	ascii := true
	for i < len(s) {
		if i+8 <= len(s) {
			if n := plainPrefix(s[i:]); n > 0 {
				i += n
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		ascii = false
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029' || needsJSONEscape(r):
			b = append(b, s[start:i]...)
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				b = appendU4(b, hi)
				b = appendU4(b, lo)
			} else {
				b = appendU4(b, r)
			}
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"'), ascii
}
