package decode

import "github.com/ftpsniff/ftpsniff/decode/ftp"

// Content detection of a control connection picked up mid-stream on a
// port that is not a control port: no SYN, no greeting, only the lines
// of a session already under way (a capture started during it, a tap
// switched on late). A greeting candidate (startsGreeting) is told from
// mail and news by its client's first lines; one picked up mid-stream
// may be any line-based protocol, so it must show both halves of FTP:
// the client's FTP commands and the server's numbered replies to them.
//
// Such a connection starts as a candidate (controlConn.midstream) whose
// parser reads FTP as on a control port, while its events are held back
// in a midProbe until the probe decides; until then it is not confirmed
// (controlConn.confirmed), so its segments still reach the data side. It
// counts against Options.MaxCandidates as a greeting candidate does.

// minExchanges is how many of the client's lines a server reply must
// answer, one each, before a mid-stream candidate is FTP: a command, then
// a reply, twice. One is not enough: a POP3 message body (its server says
// "+OK", never a number) may hold a line that starts like a reply right
// after the client's RETR; a second command answered by a number, with no
// "+OK" between, it never has.
const minExchanges = 2

// maxSharedExchanges: a candidate whose client has had this many lines
// answered, none with a command only FTP has (only STAT, NOOP, HELP,
// QUIT...: verbs mail, news and a dozen text protocols share), is given
// up: it would otherwise be parsed and held to its bounds for ever, and
// such a session carries nothing the analysis speaks of.
const maxSharedExchanges = 4

// maxProbeBytes bounds the payload, both directions together, a
// mid-stream candidate may carry before it is decided: past it, it is not
// FTP (a bulk transfer, a mail body).
const maxProbeBytes = 2 * candidateProbeBytes

// midProbe is what a mid-stream candidate keeps until it is decided.
type midProbe struct {
	queue []ControlEvent // events held back, at most maxQueued
	bytes int            // payload seen while probing
	// parsed: bytes parsed while probing, counted in Stats.ControlBytes
	// once the connection is FTP, never if it is not.
	parsed uint64
	// ftpVerb: the client sent a command only FTP has (candidateVerdict's
	// lineFTP: PASV, RETR, CWD, TYPE...), not one it shares with mail or
	// news (NOOP, QUIT, HELP...).
	ftpVerb bool
	// asked: the client sent a line no server reply answered yet.
	asked bool
	// exchanges: server replies that answered an asked line.
	exchanges int
	replies   int // server replies seen
	// oddLines: client lines that are no FTP command (a verb FTP does
	// not know, a malformed line); the first may be the tail of a line cut
	// by the pickup.
	oddLines int
}

// midVerdict is what an event says of a mid-stream candidate.
type midVerdict uint8

const (
	midHold    midVerdict = iota // not decided: hold the event back
	midConfirm                   // FTP: announce, deliver what was held
	midReject                    // not FTP
)

// take judges one event of a mid-stream candidate.
func (p *midProbe) take(e *ControlEvent) midVerdict {
	switch e.Kind {
	case ControlCommand:
		switch candidateVerdict(e.Command, nil) {
		case lineFTP:
			p.ftpVerb = true
		case lineNotFTP:
			// A verb FTP does not know: SMTP's EHLO or RCPT, NNTP's
			// GROUP. The first line may be cut by the pickup ("ASS pw").
			if p.oddLines++; p.oddLines > 1 {
				return midReject
			}
		}
		p.asked = true
	case ControlJunk:
		if !e.FromClient {
			// A server line that is no reply, outside a multi-line one:
			// POP3's "+OK", an HTTP header. Before its first reply the
			// server's lines may be the rest of a reply the pickup cut.
			if p.replies > 0 {
				return midReject
			}
			break
		}
		if p.oddLines++; p.oddLines > 1 {
			return midReject
		}
	case ControlReply:
		p.replies++
		if p.asked {
			p.exchanges++
			p.asked = false
		}
	}
	if p.ftpVerb && p.exchanges >= minExchanges {
		return midConfirm
	}
	if !p.ftpVerb && p.exchanges >= maxSharedExchanges {
		return midReject
	}
	if len(p.queue) >= maxQueued {
		return midReject // too many lines without a decision
	}
	p.queue = append(p.queue, *e)
	return midHold
}

// maxMidstreamHead bounds how far into a segment a line end is looked
// for when the segment does not begin a line (startsMidstream): the tail
// of a line the pickup cut is a line's length at most, and what goes past
// it is not a control connection's text.
const maxMidstreamHead = 512

// startsMidstream tells whether a segment's payload may begin a line of
// an FTP session already under way, and whose: a client command (a known
// FTP verb of three or four letters, in any case, followed by a space or
// the line end) or a server reply ("227 ", "150-"). A segment the pickup
// cut in the middle of a line ("ub\r\nCWD /pub", "rectory changed.\r\n227
// Entering...") is judged by its first whole line, as on a control port:
// the head before it must be text (the tail of a line) and end within
// maxMidstreamHead bytes. It allocates nothing: every packet of every
// connection on other ports is asked.
func startsMidstream(p []byte) (fromClient, ok bool) {
	if fromClient, ok = startsMidstreamLine(p); ok {
		return fromClient, ok
	}
	// The head is read up to its first byte that cannot be in a text
	// line's tail (a control byte but a tab, DEL): a line feed ends it
	// there, a CR only just before one. Most segments that get here are
	// data, whose first such byte comes within a few: a search for the
	// line feed first would read hundreds.
	head := p[:min(len(p), maxMidstreamHead)]
	i := -1
	for k, c := range head {
		if c >= ' ' && c != 0x7f || c == '\t' {
			continue
		}
		switch {
		case c == '\n':
			i = k
		case c == '\r' && k+1 < len(head) && head[k+1] == '\n':
			i = k + 1
		}
		break
	}
	if i < 0 {
		return false, false
	}
	if fromClient, ok = startsMidstreamLine(p[i+1:]); !ok {
		return false, false
	}
	return fromClient, true
}

// startsMidstreamLine tells whether p begins an FTP line, and whose
// (startsMidstream).
func startsMidstreamLine(p []byte) (fromClient, ok bool) {
	if startsReplyCode(p) {
		return false, true
	}
	var verb [4]byte
	n := 0
	for n < len(p) && n < len(verb) && isLetter(p[n]) {
		verb[n] = p[n] &^ 0x20 // upper case
		n++
	}
	if n < 3 || n >= len(p) || p[n] != ' ' && p[n] != '\r' && p[n] != '\n' {
		return false, false
	}
	return true, ftp.IsKnownVerb(string(verb[:n]))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// midstreamCandidate adds a connection picked up mid-stream whose
// segment s starts an FTP line (startsMidstream) as a candidate, or
// returns nil: content detection is off, the segment opens or ends a
// connection, or the candidates are at their bound.
func (t *controlTable) midstreamCandidate(key ConnKey, s *Segment) *controlConn {
	d := t.d
	if d.opts.NoContentDetection || s.Flags&(FlagSYN|FlagRST|FlagFIN) != 0 {
		return nil
	}
	fromClient, ok := startsMidstream(s.Payload)
	if !ok {
		return nil
	}
	if t.candidates >= t.maxCand {
		t.refuse(key)
		return nil
	}
	client, server := s.Dst, s.Src
	if fromClient {
		client, server = s.Src, s.Dst
	}
	t.makeRoom()
	t.candidates++
	t.byContent++
	d.stats.Candidates++
	cs := t.add(key, client, server, parseFTP, s.TS)
	cs.byContent, cs.candidate, cs.midstream = true, true, true
	if t.probes == nil {
		t.probes = make(map[*controlConn]*midProbe)
	}
	t.probes[cs] = &midProbe{}
	return cs
}

// probing tells whether cs is a mid-stream candidate not decided yet.
func (cs *controlConn) probing() bool {
	return cs.midstream && !cs.announced && cs.parser.state == parseFTP
}

// probeEvent judges an event of a mid-stream candidate; it reports
// whether the event is to go on now (the candidate is FTP, and what it
// held went first).
func (cs *controlConn) probeEvent(e *ControlEvent) bool {
	t := cs.t
	p := t.probes[cs]
	if p == nil {
		return true
	}
	switch p.take(e) {
	case midHold:
		return false
	case midReject:
		cs.rejectProbe()
		return false
	}
	// Confirmed: the session starts with the first line held back.
	delete(t.probes, cs)
	cs.parser.stats.ControlBytes += p.parsed
	ev := *e // (e may be the parser's event, which the ControlOpen reuses)
	cs.showHeld(p.queue)
	*e = ev
	return true // (announced at e, if nothing was held: emit)
}

// rejectProbe ends a mid-stream candidate as not FTP: its parser stops
// (its buffers go once the bytes being parsed are done), and what it
// held is dropped.
func (cs *controlConn) rejectProbe() {
	cs.parser.state = parseRejected
	delete(cs.t.probes, cs)
}

// probeBytes counts a mid-stream candidate's payload against
// maxProbeBytes: past the bound undecided, it is not FTP.
func (cs *controlConn) probeBytes(n int) {
	p := cs.t.probes[cs]
	if p == nil {
		return
	}
	if p.bytes += n; p.bytes > maxProbeBytes {
		cs.rejectProbe()
		cs.parser.release()
	}
}
