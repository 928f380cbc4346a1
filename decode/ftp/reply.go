package ftp

import (
	"errors"
	"math"
	"strings"
)

// Reply bounds used when the ReplyReader fields are 0. STAT of a directory
// sends a listing over the control connection, so the line cap is generous;
// the byte cap keeps a hostile server at a few hundred KiB per session.
const (
	DefaultMaxReplyLines = 1000
	DefaultMaxReplyBytes = 256 << 10
)

// ErrNotReply is returned for a server line that neither starts a reply
// (three digits) nor continues an open multi-line reply. The reader's state
// is unchanged; the caller records the line and carries on.
var ErrNotReply = errors.New("ftp: server line is not a reply")

// ReplyAnomaly records what was odd about a reply.
type ReplyAnomaly uint16

const (
	ReplyNoSpace           ReplyAnomaly = 1 << iota // code followed by neither SP nor "-" ("230_x"); Zeek gives up here
	ReplyBareCode                                   // the line is just the code ("230")
	ReplyClosedByOtherCode                          // multi-line reply ended by a different-code line the client answered (ClientSpoke)
	ReplyTooManyLines                               // lines beyond MaxLines/MaxBytes were counted, not kept
	ReplyInvalidCode                                // code outside 100..599 and 631..633
	ReplyUnindentedCode                             // a body line starts with another code and SP/"-" (RFC 959 asks servers to indent those)
	ReplyUnterminated                               // flushed at end of stream while still open
	// ReplyEPSVFields: a 229 whose endpoint fills in the network
	// protocol or address field, which RFC 2428 requires empty
	// (EPSVFieldsFilled). The endpoint parsed keeps the address; the
	// data connection is due at the control connection's address all
	// the same.
	ReplyEPSVFields
	// ReplyLooseEnd: a multi-line reply ended by a line of its own code
	// followed by neither SP nor "-" (a bare "230", "230\tok"): a server
	// that trims the terminator's trailing space. See continued.
	ReplyLooseEnd
	// ReplyCRLineEnd: a line of the reply ended in a CR alone, from a
	// server whose lines end so (LineSplitter, Line.BareCR).
	ReplyCRLineEnd
)

var replyAnomalyNames = [...]string{"no-space", "bare-code", "closed-by-other-code", "too-many-lines", "invalid-code", "unindented-code", "unterminated", "epsv-fields", "loose-end", "cr-line-end"}

func (a ReplyAnomaly) String() string { return flagString(uint(a), replyAnomalyNames[:]) }

// Reply is one complete server reply.
type Reply struct {
	Code int // the final line's code; 631..633 are RFC 2228 protected replies
	// OpenCode is the first line's code. It differs from Code only when a
	// multi-line reply was closed by another code (ReplyClosedByOtherCode).
	OpenCode int
	// Lines holds the lines as received, first and last included. When the
	// reply exceeded the reader's bounds, the first lines and the final
	// line are kept and Dropped counts the rest.
	Lines []string
	// Text is the message: the first line after "DDD " or "DDD-", then each
	// further kept line joined with "\n". A "DDD-" prefix on a body line and
	// the terminator's "DDD " prefix are removed, as net/textproto does.
	Text    string
	Dropped int // lines not kept in Lines and Text
	// LineBytesDropped counts the bytes cut from the middle of the
	// reply's over-long lines (Line.Dropped of each line, kept or not,
	// summed, saturating), as fed by LineOf: the kept text misses them.
	LineBytesDropped int
	Anomaly          ReplyAnomaly

	one [1]string // backing store of Lines for single-line replies
}

// Multiline reports whether the reply spans more than one line.
func (r *Reply) Multiline() bool { return len(r.Lines)+r.Dropped > 1 }

// ReplyReader assembles server lines into replies following RFC 959 §4.2:
// a reply that starts "DDD-" continues until a line that starts with the
// same DDD and SP; lines in between are text whatever they start with.
// It is push-based and bounded. The zero value is ready to use.
type ReplyReader struct {
	MaxLines int // 0 means DefaultMaxReplyLines
	MaxBytes int // 0 means DefaultMaxReplyBytes; bytes of kept lines

	// The small fields share a word: a ReplyReader is part of every
	// session's parser (decode's TestMemoryPerOpenSession bounds it).
	open    bool
	hasCand bool
	anomaly ReplyAnomaly
	code    uint16 // the open reply's code (0..999)
	// candIdx is cand's index in lines, or -1 when it was over the
	// bounds and not kept; dropped counts the lines not kept
	// (saturating). Two int32s share a word.
	candIdx int32
	dropped int32
	// bytes of the kept lines (at most maxBytes, itself at most
	// MaxInt32) and cut, the bytes over the line bound cut from the
	// reply's lines (LineOf, saturating), share a word too.
	bytes int32
	cut   int32
	lines []string
	// cand is the last line received if it looks like a final reply with
	// another code (see ClientSpoke, hasCand).
	cand string
}

func (r *ReplyReader) maxLines() int {
	if r.MaxLines > 0 {
		return max(r.MaxLines, 2)
	}
	return DefaultMaxReplyLines
}

func (r *ReplyReader) maxBytes() int {
	if r.MaxBytes > 0 {
		return min(r.MaxBytes, math.MaxInt32)
	}
	return DefaultMaxReplyBytes
}

// Open reports whether a multi-line reply is in progress.
func (r *ReplyReader) Open() bool { return r.open }

// Reset abandons any open reply, for use after a gap in the server stream.
func (r *ReplyReader) Reset() {
	*r = ReplyReader{MaxLines: r.MaxLines, MaxBytes: r.MaxBytes}
}

// Line feeds one server line (as emitted by LineSplitter; a trailing CR LF
// is also removed). It returns the reply this line completes, nil while a
// multi-line reply is still open, or ErrNotReply for text outside a reply.
func (r *ReplyReader) Line(line []byte) (*Reply, error) {
	return r.line(line, 0, 0)
}

// LineOf is Line for a line as LineSplitter emits it: the bytes cut from
// an over-long line (l.Dropped) are counted in the reply it belongs to
// (Reply.LineBytesDropped), so that a cut reply says so. A line that is
// no reply (ErrNotReply) leaves the count as it was. A line that ended
// in a CR alone (l.BareCR) flags its reply ReplyCRLineEnd.
func (r *ReplyReader) LineOf(l Line) (*Reply, error) {
	var an ReplyAnomaly
	if l.BareCR {
		an = ReplyCRLineEnd
	}
	return r.line(l.Text, l.Dropped, an)
}

// line reads one line; eol is the anomaly its line end makes.
func (r *ReplyReader) line(line []byte, cut int, eol ReplyAnomaly) (*Reply, error) {
	line = trimLineEnd(line)
	if r.open {
		r.cut = sat32(r.cut, cut)
		r.anomaly |= eol
		return r.continued(line), nil
	}
	code, ok := parseCode(line)
	if !ok {
		return nil, ErrNotReply
	}
	an := eol
	if !validCode(code) {
		an |= ReplyInvalidCode
	}
	switch {
	case len(line) == 3:
		an |= ReplyBareCode
	case line[3] == '-':
		s := string(line)
		lines := make([]string, 1, 8) // FEAT, HELP and banners run to a few lines
		lines[0] = s
		*r = ReplyReader{MaxLines: r.MaxLines, MaxBytes: r.MaxBytes,
			open: true, code: uint16(code), anomaly: an, lines: lines, bytes: int32(min(len(s), math.MaxInt32)), cut: sat32(0, cut)}
		return nil, nil
	case line[3] != ' ':
		an |= ReplyNoSpace
	}
	rep := &Reply{Code: code, OpenCode: code, Anomaly: an, LineBytesDropped: cut}
	s := string(line)
	rep.one[0] = s
	rep.Lines = rep.one[:]
	rep.Text = s[min(len(s), 4):]
	if an&ReplyNoSpace != 0 {
		rep.Text = s[3:] // no separator to strip: keep what follows the code
	}
	rep.Anomaly |= epsvAnomaly(code, rep.Text)
	return rep, nil
}

// epsvAnomaly is ReplyEPSVFields for a 229 reply (code) with text whose
// endpoint fills in a field RFC 2428 requires empty; 0 otherwise.
func epsvAnomaly(code int, text string) ReplyAnomaly {
	if code == 229 && EPSVFieldsFilled(text) {
		return ReplyEPSVFields
	}
	return 0
}

// continued handles a line inside an open multi-line reply.
//
// Besides the RFC 959 terminator ("DDD " with the opening code), a line
// of the opening code alone ("230"), or followed by a TAB ("230\tok"),
// ends the reply too, flagged ReplyLooseEnd: servers that trim the
// terminator's trailing space send a bare code, and the clients that
// talk to them end the reply there. Punctuation after the code is body
// text ("230=====" a banner's rule, "213,x" a STAT line): RFC 959 ends a
// reply only at "DDD SP", and curl and FileZilla read such lines so.
// Python's ftplib (getmultiline) ends a multi-line reply at the first
// line whose first three bytes are the code and whose fourth is not "-";
// curl (ftp_endofresp, LASTLINE) at any line of three digits and a SP
// (so it waits on after a bare "230": its line holds the CR LF there).
// A digit after the code is not taken ("2300 MB free" in a "230-"
// banner is text, as curl and net/textproto read it, and as ftplib
// does not), nor is "DDD-" (a body line, RFC 959), nor another code
// (the classic ambiguity: "230 " inside a "220-" body is text; see
// ClientSpoke).
func (r *ReplyReader) continued(line []byte) *Reply {
	r.hasCand = false
	code, ok := parseCode(line)
	if ok && code == int(r.code) && (len(line) == 3 || line[3] == '\t') {
		return r.finish(string(line), code, r.anomaly|ReplyLooseEnd)
	}
	if ok && len(line) > 3 && (line[3] == ' ' || line[3] == '-') {
		if code == int(r.code) && line[3] == ' ' {
			return r.finish(string(line), code, r.anomaly)
		}
		if code != int(r.code) {
			r.anomaly |= ReplyUnindentedCode
			r.hasCand = validCode(code) && looksFinal(line)
		}
	}
	keep := len(r.lines) < r.maxLines()-1 && int(r.bytes)+len(line) <= r.maxBytes()
	if !keep {
		if r.dropped < math.MaxInt32 {
			r.dropped++
		}
		r.anomaly |= ReplyTooManyLines
		if r.hasCand {
			r.cand, r.candIdx = string(line), -1
		}
		return nil
	}
	s := string(line)
	r.lines = append(r.lines, s)
	r.bytes += int32(len(s)) // (kept: within maxBytes)
	if r.hasCand {
		r.cand, r.candIdx = s, int32(len(r.lines)-1)
	}
	return nil
}

// OpenCode returns the code of the open multi-line reply, 0 when none is.
func (r *ReplyReader) OpenCode() int {
	if !r.open {
		return 0
	}
	return int(r.code)
}

// EndedBefore tells whether line, the server's next line after the client
// spoke while a multi-line reply was open, shows that the server had
// ended the reply at its last line: that line looked like a final reply
// with another code (see ClientSpoke) and line starts a reply that does
// not go on with this one (three digits of another code, then SP or "-").
// A client that sends its next command before the reply is over (a
// pipelining one, or a banner's slow last line) does not end it: the
// server's next line then goes on with the reply, or closes it with its
// own code (RFC 959 section 4.2), and a line like "200 GB of free space"
// inside a "230-" reply stays text.
func (r *ReplyReader) EndedBefore(line []byte) bool {
	if !r.open || !r.hasCand {
		return false
	}
	line = trimLineEnd(line)
	code, ok := parseCode(line)
	return ok && len(line) > 3 && (line[3] == ' ' || line[3] == '-') && code != int(r.code)
}

// ClientSpoke closes the open multi-line reply at its last line when that
// line looks like a final reply with another code ("MMM " and at least 10
// printable characters, Zeek's workaround for servers that open with one
// code and close with another), flagged ReplyClosedByOtherCode, and
// returns it; otherwise it returns nil and the reply stays open. Call it
// once the client has answered that line: a greeting's, since no client
// speaks before the greeting is over, or another reply's once the
// server's next line shows it over (EndedBefore), or the server's stream
// ends (or a gap cuts it) after the client spoke.
func (r *ReplyReader) ClientSpoke() *Reply {
	if !r.open || !r.hasCand {
		return nil
	}
	code, _ := parseCode(r.cand)
	// The closing line becomes the terminator: take it out of the body.
	if r.candIdx >= 0 {
		r.bytes -= int32(len(r.lines[r.candIdx]))
		r.lines = r.lines[:r.candIdx]
	} else if r.dropped < math.MaxInt32 {
		r.dropped-- // (a saturated count stays saturated)
	}
	return r.finish(r.cand, code, r.anomaly|ReplyClosedByOtherCode)
}

// looksFinal reports whether s is "DDD " followed by at least 10 printable
// ASCII characters.
func looksFinal(s []byte) bool {
	if len(s) < 14 || s[3] != ' ' {
		return false
	}
	for i := 4; i < 14; i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Flush returns the open multi-line reply, if any, flagged
// ReplyUnterminated; call it when the server stream ends.
func (r *ReplyReader) Flush() *Reply {
	if !r.open {
		return nil
	}
	rep := r.build(int(r.code), r.anomaly|ReplyUnterminated)
	r.Reset()
	return rep
}

// finish closes the open reply with terminator line s.
func (r *ReplyReader) finish(s string, code int, an ReplyAnomaly) *Reply {
	if !validCode(code) {
		an |= ReplyInvalidCode
	}
	r.lines = append(r.lines, s)
	rep := r.build(code, an)
	r.Reset()
	return rep
}

func (r *ReplyReader) build(code int, an ReplyAnomaly) *Reply {
	if r.dropped > 0 {
		an |= ReplyTooManyLines
	} else {
		an &^= ReplyTooManyLines // the only dropped line became the terminator
	}
	rep := &Reply{Code: code, OpenCode: int(r.code), Lines: r.lines, Dropped: int(r.dropped), LineBytesDropped: int(r.cut), Anomaly: an}
	var b strings.Builder
	b.Grow(int(r.bytes) + len(r.lines[len(r.lines)-1]))
	last := len(r.lines) - 1
	for i, l := range r.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i == last && i > 0 && an&ReplyLooseEnd != 0 {
			b.WriteString(l[3:]) // what follows the code, as for ReplyNoSpace
			continue
		}
		b.WriteString(messageOf(l, int(r.code), code, i == 0, i == last))
	}
	rep.Text = b.String()
	rep.Anomaly |= epsvAnomaly(code, rep.Text)
	return rep
}

// messageOf strips the reply-code prefix of one line of a multi-line
// reply: "DDD-" or "DDD " with the opening code, or the closing code.
func messageOf(l string, open, closing int, first, last bool) string {
	if len(l) < 4 || (l[3] != ' ' && l[3] != '-') {
		return l
	}
	code, ok := parseCode(l)
	if !ok {
		return l
	}
	if first || code == open || (last && code == closing && l[3] == ' ') {
		return l[4:]
	}
	return l
}

// parseCode reads the three-digit code at the start of line.
func parseCode[T string | []byte](line T) (int, bool) {
	if len(line) < 3 {
		return 0, false
	}
	c0, c1, c2 := line[0]-'0', line[1]-'0', line[2]-'0'
	if c0 > 9 || c1 > 9 || c2 > 9 {
		return 0, false
	}
	return int(c0)*100 + int(c1)*10 + int(c2), true
}

// validCode reports whether code is an FTP reply code: 1yz..5yz, or one of
// the RFC 2228 protected replies 631..633.
func validCode(code int) bool {
	return code >= 100 && code <= 599 || code >= 631 && code <= 633
}

// sat32 is a + b, saturating at math.MaxInt32 (b >= 0).
func sat32(a int32, b int) int32 {
	return int32(min(int64(a)+int64(min(b, math.MaxInt32)), math.MaxInt32))
}
