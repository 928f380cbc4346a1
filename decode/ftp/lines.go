package ftp

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
)

// DefaultMaxLine is the line bound used when LineSplitter.MaxLine is 0.
// It matches vsftpd's command buffer and Suricata's max-line-length.
const DefaultMaxLine = 4096

// initialLineBuf is a LineSplitter's first buffer.
const initialLineBuf = 128

// Telnet bytes (RFC 854).
const (
	telnetSE   = 0xF0
	telnetNOP  = 0xF1
	telnetDM   = 0xF2
	telnetIP   = 0xF4
	telnetSB   = 0xFA
	telnetWILL = 0xFB
	telnetDONT = 0xFE
	telnetIAC  = 0xFF
)

// TelnetFlags records the Telnet commands seen while a line was read.
//
// There is no Synch flag: the Synch is IAC DM sent as TCP urgent data, and
// urgency lives in the TCP header, which this package never sees. A caller
// that knows a segment carried URG combines that with TelnetDM.
type TelnetFlags uint8

const (
	TelnetIP             TelnetFlags = 1 << iota // IAC IP, first step of the RFC 959 abort
	TelnetDM                                     // IAC DM (Data Mark), the Synch marker
	TelnetNegotiation                            // IAC WILL/WONT/DO/DONT <option>
	TelnetSubnegotiation                         // IAC SB ... IAC SE
	TelnetOther                                  // IAC NOP/BRK/AO/AYT/EC/EL/GA, or a stray IAC SE
	TelnetUnescaped                              // IAC followed by a non-command byte: kept as literal 0xFF data
)

var telnetFlagNames = [...]string{"IP", "DM", "negotiation", "subnegotiation", "other", "unescaped-IAC"}

func (f TelnetFlags) String() string { return flagString(uint(f), telnetFlagNames[:]) }

// Line is one line of a control stream.
type Line struct {
	// Text is the line without its CR LF (or bare LF), with Telnet
	// sequences removed, IAC IAC turned into 0xFF and CR NUL into CR.
	// It aliases the splitter's buffer: valid only during the callback.
	Text []byte
	// Dropped counts the bytes of a line longer than MaxLine that were
	// discarded: from its middle, as the line keeps its first bytes and
	// its last (lineTail); it still ends where the peer ended it.
	Dropped int
	// Telnet holds the Telnet commands seen since the previous line.
	Telnet TelnetFlags
	// Unterminated is set when Flush emitted the line without a line end.
	Unterminated bool
	// BareLF is set when the line ended in LF without CR, a line that
	// ends in LF CR included: its CR comes after the LF and is dropped
	// at the next line's start (see Write).
	BareLF bool
	// BareCR is set when the line ended in a CR alone, in a stream whose
	// lines end so (see Write).
	BareCR bool
	// Skipped counts bytes discarded by Resync before this line began:
	// the abandoned partial line plus the bytes up to the next LF.
	Skipped int
	// AfterCR is set, in a stream without LoneCR, when the line began
	// right after a CR that EndAtCR took for the end of the line before
	// it, with no LF or NUL after that CR: the CR may have been data
	// inside one line ("PASS hun\rter2", a reply to an earlier command
	// captured between its two parts).
	AfterCR bool
}

// splitter states for the Telnet layer.
const (
	stData   uint8 = iota
	stIAC          // after IAC
	stOption       // after IAC WILL/WONT/DO/DONT, the option byte is next
	stSB           // inside IAC SB ...
	stSBIAC        // inside SB, after IAC
)

// special marks the bytes that leave the fast path of Write.
var special = [256]bool{'\r': true, '\n': true, telnetIAC: true}

// plainRun is how many bytes p starts with that are not special, read
// eight at a time (specialIn8): the lowest byte flagged in a word is the
// first special one. A short p is read byte by byte.
func plainRun(p []byte) int {
	if len(p) < 8 {
		j := 0
		for j < len(p) && !special[p[j]] {
			j++
		}
		return j
	}
	j := 0
	for ; j+8 <= len(p); j += 8 {
		if m := specialIn8(binary.LittleEndian.Uint64(p[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	if j == len(p) {
		return j
	}
	// The tail, read as the last word of p: the bytes it shares with the
	// words read are not special, and flag nothing (see specialIn8).
	k := len(p) - 8
	if m := specialIn8(binary.LittleEndian.Uint64(p[k:])); m != 0 {
		return k + bits.TrailingZeros64(m)>>3
	}
	return len(p)
}

// specialIn8 flags the special bytes (CR, LF, IAC) of w, eight bytes read
// little-endian, with their top bit. (x-lo)&^x&hi flags each byte of x
// that is 0, and may flag a byte above one that is (the borrow), never
// below it: the lowest flag is exact, and a word with no special byte
// has none.
func specialIn8(w uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	cr, lf, iac := w^(lo*'\r'), w^(lo*'\n'), ^w
	return ((cr-lo)&^cr | (lf-lo)&^lf | (iac-lo)&^iac) & hi
}

// LineSplitter turns one direction of a control connection into lines.
// Push reassembled bytes with Write; lines may span Write calls and one
// Write may hold many lines. The zero value is ready to use. Memory is
// bounded by MaxLine whatever the input.
type LineSplitter struct {
	MaxLine int // 0 means DefaultMaxLine

	buf []byte
	// (int32, saturating: a splitter is part of every control
	// connection, which stays within its allocation class.)
	dropped int32
	skipped int32
	flags   TelnetFlags
	state   uint8
	cr      bool // a CR was seen and its meaning depends on the next byte
	skip    bool // Resync: discard up to and including the next LF
	// cutRest: the skip is the rest of an over-long line Cut emitted
	// before its end; its bytes are not the next line's Skipped.
	cutRest bool
	// ring: once buf is full, its last lineTail(max) bytes hold the
	// line's latest bytes as a ring; ring is where the next byte goes
	// (the oldest of them), and end puts them back in order. Below
	// maxLineTail, so a byte.
	ring uint8
	// eol: what the stream's line ends were so far (eolLF, eolCR), and
	// eolAfterCR, eolCRData. Kept by Rest (the first two). (In what was padding.)
	eol uint8

	// LoneCR: the stream's lines may end in a CR alone (see Write). For
	// a server's stream: a client line is split at a CR only where the
	// server answered it (EndAtCR): a CR taken for a line end anywhere
	// could cut a password in two and show its tail as a line of its own.
	// (Last, in what was padding.)
	LoneCR bool
}

// LineSplitter.eol bits.
const (
	// eolLF: a LF ended a line of the stream: its lines end in LF (CR LF
	// or bare), and a CR never ends one alone.
	eolLF uint8 = 1 << iota
	// eolCR: the stream's lines end in a CR alone (splitCR), and from
	// here each CR ends its line at once (and so does a LF).
	eolCR
	// eolAfterCR: the last line was emitted at its CR, before the next
	// byte was seen: a LF or NUL next is the rest of its line end.
	eolAfterCR
	// eolCRData: without LoneCR, the line under way began right after
	// such a CR (EndAtCR), no LF or NUL after it (Line.AfterCR).
	eolCRData
)

// maxLineTail bounds the end of an over-long line that is kept.
const maxLineTail = 256

// lineTail is how many of an over-long line's last bytes are kept, of
// the max it may keep in all. The end of a line matters: a 227's address
// closes it, and a server (or an attacker hiding a data channel from a
// monitor) that pads the line would otherwise hide the endpoint, which
// the client and a firewall's FTP helper still read.
func lineTail(max int) int { return min(maxLineTail, max/4) }

// CutLine tells, of a line a splitter of bound max emitted, whether it
// may have been cut (it fills the bound), and where its kept tail
// begins: the bytes before glue are the line's own first bytes, those
// from glue on its last, with the middle dropped between them.
func CutLine(text []byte, max int) (glue int, cut bool) {
	if max <= 0 {
		max = DefaultMaxLine
	}
	if len(text) < max {
		return len(text), false
	}
	return len(text) - lineTail(max), true
}

func (s *LineSplitter) max() int {
	if s.MaxLine > 0 {
		return s.MaxLine
	}
	return DefaultMaxLine
}

// PeerSpoke tells the splitter that the other side of the connection
// sent a line: in a stream no LF ended a line of yet, a pending line that
// holds CRs or ends with one was answered, so its CRs were line ends
// (splitCR): a server whose lines end in a CR alone waits for the client
// after its greeting, and the byte that would tell comes after the
// client's first command. It reports whether it emitted lines.
func (s *LineSplitter) PeerSpoke(emit func(Line)) bool {
	if !s.LoneCR || s.eol&(eolLF|eolCR) != 0 || s.state != stData || s.skip || s.dropped != 0 ||
		!s.cr && bytes.IndexByte(s.buf, '\r') < 0 {
		return false
	}
	if emit == nil {
		emit = discard
	}
	s.splitCR(emit, true)
	return true
}

// splitCR takes the CRs of the pending line (none over the bound) for
// line ends: each part before one is a line (BareCR), and with pending a
// pending CR ends the last part too; the stream's lines end in a CR alone
// from here (eolCR), unless that pending CR was its only one (the byte
// after it tells: eolAfterCR).
func (s *LineSplitter) splitCR(emit func(Line), pending bool) {
	first := true
	line := func(b []byte) {
		l := Line{Text: b, BareCR: true}
		if first {
			l.Telnet, l.Skipped = s.flags, int(s.skipped)
			first = false
		}
		emit(l)
	}
	start := 0
	for i := 0; i < len(s.buf); i++ {
		if s.buf[i] == '\r' {
			line(s.buf[start:i])
			start = i + 1
			s.eol |= eolCR
		}
	}
	n := copy(s.buf, s.buf[start:])
	s.buf = s.buf[:n]
	if !first {
		s.flags, s.skipped = 0, 0
	}
	if s.cr && pending {
		s.cr = false
		if s.eol&eolCR != 0 {
			s.endCR(emit)
		} else {
			s.end(emit, false, false) // (its only CR: the next byte tells)
		}
		s.eol |= eolAfterCR // (a LF or NUL next is the rest of its line end)
	}
}

// crLines tells whether a CR alone ends the stream's lines (eolCR). (A
// LF still ends one, and a CR LF is one line end.)
func (s *LineSplitter) crLines() bool { return s.eol&eolCR != 0 }

// crBound tells, of a line at its bound that is to grow, whether the
// stream's lines end in a CR alone after all: no LF ended a line yet and
// the line holds a CR (splitCR).
func (s *LineSplitter) crBound() bool {
	return s.LoneCR && s.eol&(eolLF|eolCR) == 0 && s.dropped == 0 && bytes.IndexByte(s.buf, '\r') >= 0
}

// skipTo is where the skip of Resync or Cut ends in b: its first LF, or
// in a stream of CR line ends its first CR or LF; -1 if none.
func (s *LineSplitter) skipTo(b []byte) int {
	if !s.crLines() {
		return bytes.IndexByte(b, '\n')
	}
	return bytes.IndexAny(b, "\r\n")
}

// Write consumes p and calls emit for every line it completes. Lines end in
// CR LF or a bare LF; a CR that opens a line, followed by neither LF nor
// NUL, is dropped, so LF CR line ends work too (the line is emitted at its
// LF, BareLF set; the CR may come in the next write). Telnet state carries
// across calls, so an IAC sequence may be split between segments. emit
// must not retain Line.Text and must not call methods of s.
//
// A stream whose lines end in a CR alone (old Mac-style servers: "220
// ready\r331 ...\r") would be one line up to the bound, and no reply of
// it read; yet a CR inside a line ("a\rb\r\n") is data. So, with LoneCR
// and until a LF ends a line of the stream, the CRs are kept in the line
// as data, and they are taken for line ends (splitCR, Line.BareCR) once
// the stream shows it: the line reaches the bound with CRs in it and no
// LF (Write), the peer answers it (PeerSpoke), or the stream ends
// (Flush). From then on each CR ends its line as it comes (a LF or NUL
// right after it is the rest of that line end; a LF alone still ends a
// line). Once a LF ended a line first, none of this applies: CR LF and
// bare LF streams read as before. How the stream is cut into writes
// changes none of it.
func (s *LineSplitter) Write(p []byte, emit func(Line)) {
	if s.buf == nil {
		// Most FTP lines are short; the buffer grows (to MaxLine at most)
		// only for the lines that are not: a connection costs what it
		// carries, not the bound.
		s.buf = make([]byte, 0, min(s.max(), initialLineBuf))
	}
	if emit == nil {
		emit = discard
	}
	for i := 0; i < len(p); {
		if s.skip {
			j := s.skipTo(p[i:])
			if j < 0 {
				if !s.cutRest {
					s.skipped = satAdd32(s.skipped, len(p)-i)
				}
				return
			}
			if !s.cutRest {
				s.skipped = satAdd32(s.skipped, j+1)
			}
			if p[i+j] == '\r' {
				s.eol |= eolAfterCR // (a LF after it is its line end's)
			}
			i += j + 1
			s.skip, s.cutRest = false, false
			continue
		}
		if s.state == stData && !s.cr && s.eol&eolAfterCR == 0 {
			j := i + plainRun(p[i:])
			if j > i {
				s.appendData(p[i:j], emit)
				i = j
				if i == len(p) {
					return
				}
			}
		}
		s.step(p[i], emit)
		i++
	}
}

// step runs one byte through the Telnet layer.
func (s *LineSplitter) step(c byte, emit func(Line)) {
	switch s.state {
	case stData:
		if c == telnetIAC {
			s.state = stIAC
			return
		}
		s.data(c, emit)
	case stIAC:
		s.state = stData
		switch {
		case c == telnetIAC:
			s.data(telnetIAC, emit)
		case c == telnetIP:
			s.flags |= TelnetIP
		case c == telnetDM:
			s.flags |= TelnetDM
		case c >= telnetWILL && c <= telnetDONT:
			s.flags |= TelnetNegotiation
			s.state = stOption
		case c == telnetSB:
			s.flags |= TelnetSubnegotiation
			s.state = stSB
		case c >= telnetSE:
			s.flags |= TelnetOther
		default:
			// Not a Telnet command: a peer that does not escape 0xFF
			// (a Latin-1 file name, say). Keep both bytes as data.
			s.flags |= TelnetUnescaped
			s.data(telnetIAC, emit)
			s.data(c, emit)
		}
	case stOption:
		s.state = stData
	case stSB:
		switch c {
		case telnetIAC:
			s.state = stSBIAC
		case '\n':
			// FTP peers do not subnegotiate; an unterminated SB must not
			// swallow the rest of the session, so a line end closes it.
			s.state = stData
			s.data(c, emit)
		}
	case stSBIAC:
		if c == telnetSE {
			s.state = stData
		} else {
			s.state = stSB
		}
	}
}

// data handles one NVT data byte: CR LF and bare LF end the line, CR NUL is
// a CR, and a CR before anything else is kept as data, unless it opens the
// line: that one is a stray CR, dropped (see strayCR).
func (s *LineSplitter) data(c byte, emit func(Line)) {
	if s.eol&eolAfterCR != 0 {
		switch c {
		case '\r':
			return // CR CR LF, or an empty line: nothing
		case '\n':
			s.eol |= eolLF // (a CR LF the write cut at its CR)
		case 0:
		default:
			switch {
			case !s.LoneCR:
				// (EndAtCR: a client's CR ends a line only when answered.)
				s.eol |= eolCRData
			case s.eol&eolLF == 0:
				s.eol |= eolCR
			}
			s.eol &^= eolAfterCR
			s.putByte(c, emit)
			return
		}
		s.eol &^= eolAfterCR
		return
	}
	if s.cr {
		s.cr = false
		switch {
		case c == '\n':
			s.eol |= eolLF
			s.end(emit, false, false)
			return
		case c == 0:
			s.putByte('\r', emit)
			return
		case s.strayCR():
		default:
			s.putByte('\r', emit)
		}
	}
	switch c {
	case '\r':
		if s.crLines() {
			s.endCR(emit)
			s.eol |= eolAfterCR
			return
		}
		s.cr = true
	case '\n':
		s.eol |= eolLF
		s.end(emit, true, false)
	default:
		s.putByte(c, emit)
	}
}

// endCR ends the line at a CR alone (crLines, EndAtCR).
func (s *LineSplitter) endCR(emit func(Line)) {
	s.tailInOrder()
	after := s.afterCR()
	emit(Line{Text: s.buf, Dropped: int(s.dropped), Telnet: s.flags, BareCR: true, Skipped: int(s.skipped), AfterCR: after})
	s.buf = s.buf[:0]
	s.dropped, s.flags, s.skipped = 0, 0, 0
}

// afterCR reads and clears eolCRData, for the line being emitted.
func (s *LineSplitter) afterCR() bool {
	after := s.eol&eolCRData != 0
	s.eol &^= eolCRData
	return after
}

// EndAtCR ends the pending line at the CR it ends with, if it ends with
// one: a CR nothing came after yet, or a CR NUL's. It is for a client's
// stream (no LoneCR), when the server sends a line: a client that ends
// its lines in a CR alone ("USER bob\r", "PASS hunter2\r"; CR NUL, a
// telnet's Enter) was answered there, and its line is delivered before
// the reply, masked if it is a password, not glued to its next line
// ("USER bob\rPASS hunter2") or left pending until the stream ends. A
// CR LF the write cut at its CR ends as it would at its LF (a LF or NUL
// next is the rest of its line end); another byte next begins a line
// marked AfterCR. Reports whether it emitted.
func (s *LineSplitter) EndAtCR(emit func(Line)) bool {
	if s.state != stData || s.skip || len(s.buf) == 0 {
		return false
	}
	pending := s.cr
	if !pending {
		if n := len(s.buf); s.dropped != 0 || n < 2 || s.buf[n-1] != '\r' {
			return false
		}
		s.buf = s.buf[:len(s.buf)-1] // (a CR NUL's CR: its NUL came)
	}
	if emit == nil {
		emit = discard
	}
	s.cr = false
	s.endCR(emit)
	if pending {
		s.eol |= eolAfterCR
	}
	return true
}

// strayCR tells whether the pending CR, followed by neither LF nor NUL,
// opens its line: no byte of the line was kept before it. Such a CR is
// the second half of the previous line's end, from a peer that ends its
// lines in LF CR ("220 ok\n\r331 ...\n\r", some embedded servers):
// taken as data, it would make every later line "\r331 ...", which no
// reply or command parser reads. The previous line was emitted at its LF
// (with BareLF) without waiting for the CR, and the CR is decided when
// the next byte comes. The rule holds at every line start, whatever
// ended the line before (and at the stream's start): a splitter at rest
// between lines is the same as a fresh one (the session parser swaps it
// for one), and a line that begins with a CR not part of a CR LF or a
// CR NUL breaks RFC 854's NVT rule anyway. A CR inside a line is kept.
func (s *LineSplitter) strayCR() bool {
	return len(s.buf) == 0 && s.dropped == 0
}

func (s *LineSplitter) putByte(c byte, emit func(Line)) {
	if len(s.buf) >= s.max() && s.crBound() {
		s.splitCR(emit, false) // (makes room)
	}
	if len(s.buf) < s.max() {
		s.buf = append(s.buf, c)
		return
	}
	one := [1]byte{c}
	s.toTail(one[:])
}

func (s *LineSplitter) appendData(b []byte, emit func(Line)) {
	if len(b) > s.max()-len(s.buf) && s.crBound() {
		// A line that would pass its bound with no LF in the stream and
		// CRs in it: they are its line ends.
		s.splitCR(emit, false)
	}
	room := s.max() - len(s.buf)
	if room < 0 {
		room = 0 // MaxLine was lowered between calls
	}
	if len(b) > room {
		s.buf = append(s.buf, b[:room]...)
		s.toTail(b[room:])
		return
	}
	s.buf = append(s.buf, b...)
}

// toTail takes b, the bytes of a full line beyond its bound: they enter
// the ring of the line's last bytes, and as many of the oldest there are
// dropped from the line's middle.
func (s *LineSplitter) toTail(b []byte) {
	s.dropped = satAdd32(s.dropped, len(b))
	k := lineTail(s.max())
	if k == 0 || len(s.buf) != s.max() {
		return // no tail kept, or MaxLine was lowered between calls
	}
	tail := s.buf[len(s.buf)-k:]
	if len(b) >= k {
		copy(tail, b[len(b)-k:])
		s.ring = 0
		return
	}
	n := copy(tail[s.ring:], b)
	copy(tail, b[n:])
	s.ring = uint8((int(s.ring) + len(b)) % k)
}

// tailInOrder puts the ring of an over-long line's last bytes back in
// order.
func (s *LineSplitter) tailInOrder() {
	if s.ring == 0 {
		return
	}
	k := lineTail(s.max())
	tail := s.buf[len(s.buf)-k:]
	var tmp [maxLineTail]byte
	n := copy(tmp[:], tail[s.ring:])
	copy(tmp[n:], tail[:s.ring])
	copy(tail, tmp[:k])
	s.ring = 0
}

func (s *LineSplitter) end(emit func(Line), bareLF, unterminated bool) {
	s.tailInOrder()
	after := s.afterCR()
	emit(Line{
		AfterCR:      after,
		Text:         s.buf,
		Dropped:      int(s.dropped),
		Telnet:       s.flags,
		Unterminated: unterminated,
		BareLF:       bareLF,
		Skipped:      int(s.skipped),
	})
	s.buf = s.buf[:0]
	s.dropped, s.flags, s.skipped = 0, 0, 0
}

// Cut emits the pending line now, without its end, if it is over the
// bound (bytes of it were dropped), and discards the rest of it, up to
// and including its next LF (CutRest tells while it does). It is for a
// line its peer answered before its end: a server that reads a command
// up to its own bound and refuses it there (vsftpd's "500 Input line too
// long." after 4 KB), so that the line comes before the reply that
// answers it. Line.Dropped counts the bytes dropped until then. Reports
// whether it emitted.
func (s *LineSplitter) Cut(emit func(Line)) bool {
	if s.dropped == 0 || s.skip {
		return false
	}
	if emit == nil {
		emit = discard
	}
	s.end(emit, false, true)
	s.state, s.cr = stData, false
	s.skip, s.cutRest = true, true
	return true
}

// CutRest tells whether the splitter is discarding the rest of a line
// Cut emitted.
func (s *LineSplitter) CutRest() bool { return s.cutRest }

// Skipping tells whether the splitter is discarding input up to a line
// end: the rest of a line Resync abandoned or Cut emitted.
func (s *LineSplitter) Skipping() bool { return s.skip }

// Resync abandons the partial line and discards input up to and including
// the next LF (in a stream of CR line ends, the next CR or LF). Call it
// after bytes were lost (a reassembly gap) or when the stream was picked
// up mid-way, so the next line emitted is a whole one. The discarded byte
// count is reported in the next Line's Skipped.
func (s *LineSplitter) Resync() {
	s.skipped = satAdd32(s.skipped, satAdd(len(s.buf), int(s.dropped)))
	s.buf = s.buf[:0]
	s.dropped, s.flags, s.ring = 0, 0, 0
	s.state, s.cr = stData, false
	s.skip, s.cutRest = true, false
	s.eol &^= eolAfterCR | eolCRData
}

// Flush emits the pending partial line, if any, with Unterminated set, and
// resets the Telnet state. Call it at the end of the stream. A trailing CR
// is taken as the start of a line end and dropped. In a stream no LF
// ended a line of, the CRs the line holds end lines (see Write).
func (s *LineSplitter) Flush(emit func(Line)) {
	if emit == nil {
		emit = discard
	}
	if s.state == stData && !s.skip && s.crBound() {
		s.splitCR(emit, true)
	}
	if len(s.buf) > 0 || s.dropped > 0 || s.flags != 0 {
		s.end(emit, false, true)
	}
	s.state, s.cr, s.skip, s.cutRest = stData, false, false, false
	s.eol &^= eolAfterCR
}

// Rest returns a splitter at rest for the same stream: s's bound, LoneCR
// and what its line ends were (a CR alone ending them, see Write), no line
// and no buffer. A caller that swaps splitters between lines (to pool
// their buffers) or drops a line after a gap keeps the stream's line
// ends so.
func (s *LineSplitter) Rest() LineSplitter {
	return LineSplitter{MaxLine: s.MaxLine, LoneCR: s.LoneCR, eol: s.eol &^ (eolAfterCR | eolCRData)}
}

// SwapBuffer gives s, a splitter at rest, b (emptied; nil: none) for
// its lines, and returns the buffer it had: the session parser pools
// the buffers themselves between lines. s keeps its own bound, LoneCR
// and line ends.
func (s *LineSplitter) SwapBuffer(b []byte) []byte {
	old := s.buf
	s.buf = b[:0]
	return old
}

// Pending reports the number of line bytes buffered.
func (s *LineSplitter) Pending() int { return len(s.buf) }

// Head returns up to n of the buffered line's first bytes, without
// copying: valid until the next call that changes the splitter.
func (s *LineSplitter) Head(n int) []byte { return s.buf[:min(n, len(s.buf))] }

func discard(Line) {}

// satAdd32 is satAdd for a splitter's int32 counts.
func satAdd32(a int32, b int) int32 { return int32(min(satAdd(int(a), b), math.MaxInt32)) }

func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}
