package decode

import (
	"bytes"
	"errors"
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// The session parser turns one control connection's ordered bytes and
// gaps into ControlEvents: lines, commands, replies, endpoints. It knows
// nothing of TCP: the reassembler feeds it. It decides whether a
// connection found by its greeting is FTP, and when the connection turns
// to TLS (a 234 to AUTH, RFC 2228 protected commands).

// parseState is where a session parser stands.
type parseState uint8

const (
	parseFTP       parseState = iota // an FTP control connection in clear text
	parseCandidate                   // a 220 greeting seen on another port: waiting for the client's first line
	parseRejected                    // not FTP after all
	parseTLS                         // TLS from here: nothing more is parsed
)

// maxCutBody bounds the lines after a server gap dropped as the rest of
// a reply whose start was lost: the most a reply keeps
// (ftp.DefaultMaxReplyLines). Past it, text that is no reply is reported
// again.
const maxCutBody = ftp.DefaultMaxReplyLines

// maxQueued bounds the events a candidate holds back until it is confirmed.
const maxQueued = 64

const (
	dirClient = 0 // client to server
	dirServer = 1 // server to client
)

// sessionParser is the FTP half of one control connection. Every
// connection followed has one, so what only some need is behind a
// pointer (a candidate's probe), and a splitter's buffer is held only
// while a line is being read (idleLineBufs). With it a controlConn is
// 760 bytes, which the allocator's 768-byte class holds with its 8-byte
// header: 8 bytes more cost 128 a connection (the 896 class).
type sessionParser struct {
	client, server netip.AddrPort
	// echoSum and echoLen fingerprint the last line masked as a
	// password (see armEcho): a reply that repeats it is marked
	// SecretEcho. echoPrefix holds short fingerprints of the secret's
	// first bytes, beside echoHead's, for a refusal that repeats it cut
	// short (headEchoIn). (The line bound, Options.MaxLine, is the
	// splitters': lineBound.)
	echoSum    uint32
	echoPrefix uint32
	stats      *Stats
	emitTo     func(*ControlEvent)

	split   [2]ftp.LineSplitter
	replies ftp.ReplyReader

	started [2]bool       // bytes were delivered in that direction
	resync  [2]bool       // the next bytes follow a gap
	urgent  [2]urgentMark // urgent data seen, not yet attached to a line
	syn     [2]bool       // the direction began with its SYN (set by the owner)
	// parked: split[d] is at rest and holds no buffer; the buffer it had
	// went back to idleLineBufs.
	parked [2]bool
	state  parseState

	auth authStage // AUTH was sent: a 234 turns the rest to TLS
	// passNext: a password is due, the next client line is it: a 331 or
	// 332 asked for it, or the client sent a PASS or ACCT that carried
	// none (a human at a terminal, or a script, sends it on the next
	// line). With flagPassSent it is the latter (passRetry).
	passNext bool
	// gapHeldEnd: the client gaps since its last bytes were long enough
	// to hold the rest of a password line, its line end included
	// (passLost). (It fits in the struct's padding: no size change.)
	gapHeldEnd bool
	// flags holds the parser's other marks, one bit each (parserFlag),
	// so that the connection keeps within its allocation class.
	flags   parserFlag
	echoLen uint8 // bytes fingerprinted in echoSum; 0: nothing to look for
	// After a server gap, or a pickup mid-stream, the server's next lines
	// may be the rest of a multi-line reply whose start is not there:
	// cutBody counts how many more lines that are no reply may be dropped
	// quietly as such (see serverLine), up to the next reply. cutCode is
	// the code of the reply the gap cut, when the gap came after its first
	// line: its closing "cutCode " line ends that reply, already reported,
	// unless the client spoke since it opened (flagReplyHeard), when the
	// line may answer that command. While the connection is followed
	// from its headers (TLS), no line is read, and the two count the
	// bytes each side sent instead (tlsSent).
	cutCode uint16
	cutBody uint16
	// owedHi is the most client lines that may await a final reply:
	// owed counts client bytes the capture lacks as one line (or none,
	// when they end a password line already counted), owedHi as many as
	// they could hold (hiddenLines). Saturating, as owed. (In the byte
	// clientOwed had: owedEver holds that now.)
	owedHi uint8
	// owed counts the client's lines not yet answered by a final reply
	// (the greeting answers none: provedGreeting), saturating; echoAhead
	// is how many of them (owedHi: at most) came before the line the echo
	// check was armed for (armEcho): their final replies come first and
	// do not end its window. Pipelined "USER bob\r\nPASS pw\r\n": the 331
	// answers the USER, the 530 that may repeat the password the PASS.
	owed, echoAhead uint8
	// proven: what the server's replies proved, one bit each
	// (replyProof): its greeting came; a login stands.
	proven replyProof
	// gapBudget, while not 0, is the refusal window: client bytes the
	// capture lacks (a gap long enough to hold a password line's end,
	// gapAfter) may hold a PASS, before the login or after it (a
	// re-login, a REIN): a refusal that may answer them may repeat the
	// password (mayEchoPassword). gapAhead counts the final replies
	// still due to the lines before the first such gap (theirs are not
	// masked), gapEnd those due to every line before the latest one, at
	// most (owedHi). How many lines the lost bytes held is not known: each
	// final reply after those answers one of them, and spends the fewest
	// bytes a line drawing it has (lineBytes); gapBudget is the lost bytes
	// left, and the window closes when they could no longer hold a
	// password line (minPassLine). Apart from the fingerprint (echoLen):
	// a masked line after the gap arms that too.
	gapBudget        uint8
	gapAhead, gapEnd uint8
	// serverOwed: a reply in the server's bytes being parsed may answer
	// client bytes the parser has not seen (owedMark).
	serverOwed owedMark
	// headFits: the final replies the client's latest line seen since a
	// mid-stream pickup may draw (headLine): an index of replyLists.
	headFits uint8
	// flushing: what made the client's line being delivered end
	// without its line end (lineFlush). (In what was padding.)
	flushing lineFlush
	// echoHead fingerprints the first echoHeadLen bytes of the secret
	// in echoSum, when it is longer (armEcho), and echoPrefix its
	// first 6, 8, 10 and 12: a refusal that repeats them cut short
	// ("530 bad pw Zq9Secret...") shows its head (headEchoIn). (In
	// what was padding.)
	echoHead uint16

	cand *candidateProbe // while a candidate: what it holds back

	// the packet and time of the bytes being parsed
	num uint64
	ts  time.Time
	ev  *ControlEvent // scratch, shared by every parser of a decoder

	// bodyNum and bodyAt (UnixNano) are the packet and time of the open
	// multi-line reply's latest line: a reply ClientSpoke closes at that
	// line is delivered later (the server's next line, the client's, the
	// stream's end) and carries that line's packet, not the later one
	// (spokeReply).
	bodyNum uint64
	bodyAt  int64
	// lineNum and lineAt (UnixNano) are the packet and time of the first
	// bytes of the client's line under way: a line the stream's end
	// flushes without its line end carries them, when it was sent, not
	// the close's (flushClient).
	lineNum uint64
	lineAt  int64
}

// lineFlush is what made the client's line being delivered end without
// its line end (sessionParser.flushing).
type lineFlush uint8

const (
	flushNone lineFlush = iota // its line end, or the stream's end (end)
	// flushReply: a reply (reply's lostPass): the line is the password
	// line whose end a gap held, and answers no server line (clientText).
	flushReply
	// flushCaptureEnd: the capture's end, with the line under way
	// (ControlEvent.CaptureEnded).
	flushCaptureEnd
	// flushGap: a capture gap took the line's rest (a snap length, lost
	// segments): the line went on to the server, its end with it
	// (ControlEvent.RestNotCaptured).
	flushGap
)

// authStage is where a session stands with AUTH (sessionParser.auth).
type authStage uint8

const (
	authNone authStage = iota // no AUTH sent
	// authSent: AUTH sent, no final reply to it yet: its 234 may still
	// come, even after the client's ClientHello (authClientTLS).
	authSent
	// authAnswered: AUTH sent, and a final reply other than 234 came
	// after it. A 234 or a TLS record still turns the rest to TLS.
	authAnswered
	// authClientTLS: after an AUTH not yet answered, the client sent a
	// TLS record (its ClientHello) while acknowledging server bytes the
	// capture had not shown yet: the 234, captured after the ClientHello
	// (tcpdump -i any, a SPAN port: the two directions reach the capture
	// by different paths). The client's bytes are ciphertext from here;
	// the server's next reply is awaited as the AUTH's.
	authClientTLS
)

// urgentMark is what a direction's urgent data, not yet attached to a
// line, showed (sessionParser.urgent).
type urgentMark uint8

const (
	urgentNone urgentMark = iota
	urgentSeen
	// urgentLineEnd: the urgent byte was the line feed ending the one
	// line of an in-order segment (ControlEvent.UrgentEnd).
	urgentLineEnd
)

// owedMark says why the server's bytes may answer client bytes the
// parser has not seen (sessionParser.serverOwed).
type owedMark uint8

const (
	// owedAcked: the bytes being parsed came when the server had
	// acknowledged client bytes past those parsed, or none were known
	// acknowledged (bytesOwed's replyOwed). Set for each write.
	owedAcked owedMark = 1 << iota
	// owedNoACK: the server sent bytes without an ACK (no TCP past the
	// handshake does): what it had received is not known from there
	// on. It stays set.
	owedNoACK
	// owedEver: at some bytes of the server's, its acknowledgement went
	// past the client's bytes parsed, or was not known (owedAcked once;
	// bytes after a server gap, whose acknowledgements were not read):
	// the client may have sent bytes the capture lacks. It stays set
	// (clientSilent).
	owedEver
	// owedHead: the refusal window (gapBudget) is open for the client's
	// bytes before a mid-stream pickup, how many not known (unseenLines
	// with n < 0); owedHeadLine: the client's latest line since has had
	// no final reply yet; owedHeadAnswered: one had. Such a window closes
	// too when the client sends its lines one at a time (headLine).
	owedHead
	owedHeadLine
	owedHeadAnswered
	// owedNoHead: the client's bytes are followed again from a segment
	// of its (cleartextAgain), those before it in TLS, all answered
	// there: their lines await no reply, and no refusal window opens for
	// them as for a mid-stream pickup's.
	owedNoHead
	// owedCutAnswered: a final reply found no client line owed while
	// the client's line under way was cut by a gap (answeredUncounted):
	// it may answer that line, whose end the gap held, so the line is
	// not counted in owed when it is dropped or delivered (lineOwed).
	owedCutAnswered
)

// owedHeads is every mark of owedHead's.
const owedHeads = owedHead | owedHeadLine | owedHeadAnswered

// replyProof is a fact the server's replies proved
// (sessionParser.proven).
type replyProof uint8

const (
	// provedGreeting: a final reply, or a 220 greeting, came from the
	// server.
	provedGreeting replyProof = 1 << iota
	// provedLogin: a login stands, as the server's replies show it: a
	// 230 or 232 came, or a reply only a logged-in user draws (loggedInOnly:
	// a transfer's, a directory's; after a mid-stream pickup, the one
	// proof there is), and no USER or REIN line since, nor a 331 or 332
	// (a USER, PASS or ACCT asking for more, whether the capture holds
	// it or lost it), nor a 220 or 120 after the greeting (a REIN's
	// answer). Unlike flagLoggedIn, a client gap keeps it: what the lost
	// bytes held, the replies to them show. A line a gap cuts is
	// delivered only with it (gapCutDeliverable).
	provedLogin
)

// parserFlag is one of a session parser's marks (sessionParser.flags).
type parserFlag uint8

const (
	flagPassSent parserFlag = 1 << iota // PASS was sent since the last USER
	// flagLoggedIn: a 230/232 ended the login and no USER, REIN, 331/332
	// or client gap came since. Until then a gap may have hidden a PASS
	// verb (the lost bytes may hold a USER or REIN).
	flagLoggedIn
	// flagGapLine: the next client line was picked up after a gap (or at
	// a mid-stream start), its first bytes unseen (see gapSecret).
	flagGapLine
	// flagLineEnded and flagLongLine (one bit per direction, shifted by
	// it) describe the write being split: a line ended in it, and one
	// longer than a fresh buffer (parkLineMax) went through the splitter
	// since it was taken.
	flagLineEnded
	flagLongLine // client; flagLongLine<<dirServer for the server
	_
	// flagReplyHeard: the client sent a line (or a gap may have hidden
	// one) while the open multi-line reply was open.
	flagReplyHeard
	// flagSpokeAfter: the client sent a line (or a gap may have hidden
	// one) since the server's last line, while a multi-line reply was
	// open: the server's next line tells whether its last line ended it
	// (serverLine).
	flagSpokeAfter
)

// loginEnds marks the login over, as a USER or REIN line or a 331/332
// shows it: both its marks, flagLoggedIn (the next line's secrecy) and
// provedLogin (cut lines delivered), cleared together. (A client gap
// clears flagLoggedIn alone, and a REIN's 120/220 provedLogin alone: see
// there.)
func (p *sessionParser) loginEnds() {
	p.set(flagLoggedIn, false)
	p.proven &^= provedLogin
}

// tlsSent counts n bytes of direction d sent while the connection is
// followed from its headers (TLS): in cutCode (client) and cutBody
// (server), which only text uses, so that the connection does not grow.
// Each stops at 65535. tlsReset starts the counts where the headers-only
// phase starts; tlsCounts reads them, for the ControlCleartext that ends
// it.
func (p *sessionParser) tlsSent(d, n int) {
	c := &p.cutCode
	if d == dirServer {
		c = &p.cutBody
	}
	*c = uint16(min(int(*c)+n, 0xffff))
}

func (p *sessionParser) tlsReset() { p.cutCode, p.cutBody = 0, 0 }

func (p *sessionParser) tlsCounts() [2]uint64 {
	return [2]uint64{uint64(p.cutCode), uint64(p.cutBody)}
}

func (p *sessionParser) has(f parserFlag) bool { return p.flags&f != 0 }

func (p *sessionParser) set(f parserFlag, on bool) {
	if on {
		p.flags |= f
	} else {
		p.flags &^= f
	}
}

func longLine(d int) parserFlag { return flagLongLine << d }

// candidateProbe is what a connection found by its greeting keeps until
// a client line says whether it is FTP (candidateVerdict).
type candidateProbe struct {
	serverBytes int // server bytes while a candidate
	// parsed: bytes parsed while a candidate, both directions; counted
	// in Stats.ControlBytes once it is FTP (confirm), never if it is not.
	parsed    uint64
	undecided int            // client lines that did not decide (candidateVerdict)
	queue     []ControlEvent // events held back
}

// maxUndecided bounds the client lines a candidate waits through before
// it gives up: a client that only sends lines FTP shares with mail and
// news (NOOP, HELP...) is not known to be FTP. With their replies they
// hold about 2*maxUndecided events, well under maxQueued.
const maxUndecided = 8

func (p *sessionParser) init(client, server netip.AddrPort, st parseState, maxLine int, stats *Stats, scratch *ControlEvent, emit func(*ControlEvent)) {
	*p = sessionParser{client: client, server: server, state: st, stats: stats, ev: scratch, emitTo: emit}
	p.split[0].MaxLine, p.split[1].MaxLine = maxLine, maxLine
	p.split[dirServer].LoneCR = true // (a server whose lines end in a CR alone)
	p.parked = [2]bool{true, true}
	if st == parseCandidate {
		p.cand = &candidateProbe{}
	}
}

// lineBound is the bound of one control line (Options.MaxLine; 0: the
// default), which both splitters keep whatever state they are in.
func (p *sessionParser) lineBound() int { return p.split[dirClient].MaxLine }

// parsing tells whether bytes are still read as FTP text.
func (p *sessionParser) parsing() bool {
	return p.state == parseFTP || p.state == parseCandidate
}

// bytes parses in-order bytes of direction d.
func (p *sessionParser) bytes(d int, data []byte, num uint64, ts time.Time) {
	p.bytesOwed(d, data, false, false, num, ts)
}

// bytesOwed is bytes, replyOwed telling that the sender of data has
// acknowledged bytes of the other direction the parser has not seen yet
// (they come later in the capture, or are lost; for the server's bytes,
// also when its acknowledgement is not known), and probing that the
// owner counts the bytes while it decides whether the connection is FTP
// (a mid-stream candidate: midProbe.parsed).
func (p *sessionParser) bytesOwed(d int, data []byte, replyOwed, probing bool, num uint64, ts time.Time) {
	if !p.parsing() {
		return
	}
	lastNum, lastTS := p.num, p.ts // (of the bytes parsed before these: EndAtCR below)
	p.num, p.ts = num, ts
	if d == dirServer {
		p.serverOwed &^= owedAcked
		if replyOwed {
			p.serverOwed |= owedAcked | owedEver
		}
	}
	switch {
	case probing:
	case p.cand != nil:
		p.cand.parsed += uint64(len(data))
	default:
		p.stats.ControlBytes += uint64(len(data))
	}
	spoke := p.started[d] // (the server: its greeting came)
	if !p.started[d] {
		p.started[d] = true
		// Picked up mid-stream, or a gap before the first bytes (the
		// hole proven lost first).
		p.resync[d] = p.resync[d] || !p.syn[d]
		if d == dirClient {
			// (Picked up mid-stream after a 331, the first client line
			// stays masked whatever it reads: the part before the
			// capture may hold the "PASS " of a password spelt like a
			// command, "SITE Hunter2", as well as a pipelined PASS.)
			p.set(flagGapLine, false) // nothing left from before TLS (CCC)
			if !p.syn[d] && p.gapBudget == 0 && p.serverOwed&owedNoHead == 0 {
				// Picked up mid-stream: the client's lines before the
				// capture, unseen, may end with a PASS whose refusal
				// comes after this line ("QUIT", then "530 Login
				// incorrect: bob/hunter2"), as after a gap (gapBudget),
				// even after final replies the capture showed (to lines
				// before it, pipelined). How many lines they held is not
				// known.
				p.unseenLines(0, -1)
			}
		} else if !p.syn[d] {
			// The server's bytes before these, sent after client lines
			// the capture shows, may be missing: how many of those lines
			// they answered is not known.
			p.repliesLost(-1)
		}
	}
	if d == dirClient && p.auth == authClientTLS {
		return // ciphertext (authClientTLS): the server's reply is awaited
	}
	if p.auth != authNone && p.state == parseFTP && (p.resync[d] || p.split[d].Pending() == 0) && startsTLSRecord(data) {
		if d == dirClient && p.auth == authSent && replyOwed {
			// The client's ClientHello acknowledges server bytes not
			// shown yet: the 234 to its AUTH, which the capture holds
			// after it (authClientTLS). Wait for it.
			p.auth = authClientTLS
			p.freshSplitter(d)
			return
		}
		// After an AUTH, a TLS record where a line starts: TLS began
		// though no 234 to the AUTH was seen (lost in a capture gap: the
		// client's ClientHello follows its AUTH). No FTP line starts so
		// (its bytes are printable), so what follows is ciphertext, not
		// lines of junk. (Without the AUTH, or on a candidate, a record
		// is not taken for TLS: SMTP's STARTTLS is followed by one too.)
		p.release()
		p.turnedTLS(d == dirClient)
		return
	}
	if p.resync[d] {
		// After a gap, or picked up mid-stream: a line cut by the missing
		// bytes is dropped, up to the next line end, unless the data
		// plainly starts a line.
		p.resync[d] = false
		if d == dirServer {
			p.cutBody = maxCutBody
		}
		switch {
		case d == dirClient && p.passNext:
			// A password was due (a 331 or 332 asked for it, or a PASS
			// carried none, and no line came since): the line the bytes
			// after the gap end is it, or its tail, the gap having taken
			// its start ("PASS ", or "PASS Hun"), whether or not the
			// password line had begun before the gap. It is masked, not dropped: a reply that
			// repeats it ("530 Login incorrect for bob/Hunter2") is found
			// (armEchoOf), and the mark is spent on it, so that the
			// commands after it are themselves. Unless the gap held the
			// whole rest of the password line (passLost): then the line
			// is the next command.
			if p.passLost(data) {
				if p.split[d].Pending() > 0 {
					// What was seen of the password line before the gap,
					// its head (a snap length cut "PASS sec"), is the
					// password: delivered now, masked (passNext still
					// set), as reply does when the reply comes first;
					// else it vanished and its reply answered the next
					// command.
					p.split[d].Flush(p.clientLine)
				} else {
					// None of it was seen: no fingerprint can be kept,
					// and a refusal up to its final reply may repeat it
					// ("530 Login incorrect: bob/Hunter2") after the
					// client's next command (echoLost), as reply's
					// lostPass hides it when the reply comes first.
					p.echoLen, p.echoAhead = echoLost, p.owed
					p.lineOwed()
				}
				p.passNext = false
				p.set(flagPassSent, true)
			}
			p.freshSplitter(d)
			p.set(flagGapLine, true)
		case looksLikeLineStart(data, d == dirClient):
			if d == dirClient && p.split[d].Pending() > 0 {
				p.lineOwed() // (the line begun before the gap, dropped: it ended in it)
			}
			p.freshSplitter(d)
			if d == dirClient {
				// What looks like a command word may be the tail of a
				// line whose start the gap took: "ASS pw", or a bare "pw".
				p.set(flagGapLine, true)
			}
		default:
			p.takeSplitter(d)
			if p.split[d].Pending() > parkLineMax {
				p.set(longLine(d), true) // its buffer grew
			}
			switch {
			case d == dirServer:
				// The line cut is dropped: it may be a final reply.
				p.repliesLost(0)
			case !p.split[d].Skipping():
				p.lineOwed() // (the line cut is dropped, but the server answers it)
			default:
				// Still the line an earlier gap cut, whose rest was being
				// skipped: counted then. Counted again, owed would pass
				// the lines awaiting replies, and the refusal window
				// (gapAhead) pass over the refusal to a PASS lost here.
			}
			p.split[d].Resync()
			if d == dirClient {
				p.armCutTail(data)
			}
		}
		if d == dirClient {
			p.gapHeldEnd = false
		}
	}
	if d == dirServer && p.state == parseCandidate {
		p.cand.serverBytes += len(data)
		if p.cand.serverBytes > candidateProbeBytes {
			p.reject()
			p.release()
			return
		}
	}
	if d == dirServer && spoke {
		p.answersCutLine(data)
		if !p.parsing() {
			p.release() // the cut line rejected a candidate
			return
		}
	}
	if d == dirServer && !p.parked[dirClient] && !p.resync[dirClient] && p.split[dirClient].Pending() > 0 && bytes.ContainsAny(data, "\r\n") {
		// The server sends a line while the client's line under way ends
		// in a CR: the server took it for the line's end (a client that
		// ends its lines so), and its reply answers it
		// (ftp.LineSplitter.EndAtCR). Not when client bytes after it are
		// lost: the line end is among them (gapAfter, bytesOwed). The
		// line is stamped with the packet and time of the bytes parsed
		// before these, those of its CR (or, at the latest, of the
		// server's bytes that came after it), not the reply's.
		p.num, p.ts = lastNum, lastTS
		p.split[dirClient].EndAtCR(p.clientLine)
		p.num, p.ts = num, ts
		if !p.parsing() {
			p.release() // (the line rejected a candidate)
			return
		}
	}
	if d == dirClient && p.split[d].CutRest() {
		// The rest of a line cut at its reply (answersCutLine): dropped,
		// and counted with the bytes over the bound.
		n := len(data)
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			n = len(bytes.TrimSuffix(data[:i], []byte{'\r'})) // (not its line end)
		}
		p.stats.LineBytesDropped += uint64(n)
	}
	p.takeSplitter(d)
	p.set(flagLineEnded, false)
	if d == dirClient {
		fresh := p.split[d].Pending() == 0
		p.split[d].Write(data, p.clientLine)
		if (fresh || p.has(flagLineEnded)) && p.split[d].Pending() > 0 {
			p.lineNum, p.lineAt = num, unixNanoOrNone(ts)
		}
	} else {
		p.split[d].Write(data, p.serverLine)
	}
	if !p.parsing() {
		// Rejected or turned to TLS by a line just parsed: the buffers
		// are released once the splitter is done with them.
		p.release()
		return
	}
	if p.has(flagLineEnded) && endsLine(data) && p.split[d].Pending() == 0 {
		p.parkSplitter(d)
	}
}

// answersCutLine delivers the client's line under way, over the line
// bound, before data, the server's bytes, when they begin a reply: the
// server answered the line before its end. vsftpd reads a command up to
// its 4 KB and refuses it there ("500 Input line too long.", then closes);
// the client's line end comes after that reply in the capture, if at all,
// and the reply went to no command ("reply without a command") while the
// line that drew it waited for a reply that never came. Only a line over
// the bound (--max-line, vsftpd's own by default): a server answers a
// shorter line at its end, and a reply while one is under way answers an
// earlier command, which the tracker pairs first (FIFO). Not the greeting
// (spoke), nor a line of a multi-line reply already open.
func (p *sessionParser) answersCutLine(data []byte) {
	if p.parked[dirClient] || p.split[dirServer].Pending() > 0 || p.replies.Open() || !startsReplyCode(data) {
		return
	}
	p.split[dirClient].Cut(p.clientLine)
}

// freshSplitter gives direction d a splitter at rest, what the old one
// held dropped.
func (p *sessionParser) freshSplitter(d int) {
	p.split[d] = p.split[d].Rest() // (the stream's line ends stay: a CR alone)
	p.parked[d] = true
	p.set(longLine(d), false)
}

// unseenLines opens the refusal window (gapBudget) for n client bytes
// the capture lacks (n < 0: how many is not known), sent after the
// client's lines parsed so far: the final replies due to the first
// ahead of those are not looked at. owedHi counts as many lines as the
// bytes could end, and the line after them; owed, a lower bound, none
// (the line they cut counts once it is dropped or delivered, bytesOwed;
// a password line lost whole, by passLost or reply's lostPass). A
// window already open keeps its start.
func (p *sessionParser) unseenLines(ahead uint8, n int) {
	// The lines the lost bytes end, and the line after them, which may
	// have begun in them (or before): a password line whose end, none of
	// its bytes lost, comes after them (unless the bytes after them begin
	// a command: noStraddler).
	b := n + minPassLine
	switch {
	case n < 0:
		b = -1 // (hiddenBudget: the most)
	case p.split[dirClient].Pending() > 0:
		// The line under way ends in the lost bytes, with one of them at
		// least (its LF), and its final reply spends up to minUserLine.
		b += minUserLine - 1
	case p.passNext && !p.passRetry():
		// A 331 asked for the password: the lost bytes begin with its
		// line, a PASS, whose final reply spends a PASS line's bytes.
		b -= minPassLine - minLine
	}
	p.openWindow(ahead, hiddenBudget(b), n)
	if n < 0 {
		p.serverOwed |= owedHead
	}
}

// openWindow opens the refusal window for n client bytes the capture
// lacks (n < 0: how many not known) with budget bytes to spend, ahead the
// lines before them still awaiting replies (kept if smaller than those of
// a window still open): the lines they may hold are counted in owedHi.
func (p *sessionParser) openWindow(ahead, budget uint8, n int) {
	if p.gapBudget == 0 || ahead < p.gapAhead {
		p.gapAhead = ahead
	}
	p.gapEnd = p.owedHi
	p.serverOwed &^= owedHeads
	p.gapBudget = budget
	p.owedHi = uint8(min(int(p.owedHi)+hiddenLines(n), 255))
}

// minReply is the fewest bytes of a server's final reply: a code and
// its line end, "200\n" (or a CR alone: LineSplitter.LoneCR).
const minReply = len("200\n")

// repliesLost tells the parser that n server bytes (n < 0: how many not
// known) are missing from the capture: the final replies they held, or
// whose code they cut, up to n/minReply+1, answered lines owed counts. owed, and the refusal
// window's start (gapAhead), which must not count a line as still due
// when it may have been answered, go down by as many; owedHi stays.
func (p *sessionParser) repliesLost(n int) {
	lost := 255
	if n >= 0 {
		lost = min(n/minReply+1, 255) // (+1: the reply whose code they cut)
	}
	p.answeredUncounted(lost)
	p.owed = uint8(max(int(p.owed)-lost, 0))
	p.gapAhead = uint8(max(int(p.gapAhead)-lost, 0))
}

// headLine notes a client line of verb (not an empty one; "" for junk)
// for a refusal window opened for the bytes before a mid-stream pickup
// (owedHead): it closes at a line that comes after a final reply to the
// one before, every line seen since the window opened having had one
// before the next was sent. A client sends its next command once its
// last one is answered, unless it pipelines ("USER bob\r\nPASS
// pw\r\nQUIT\r\n" at once): then (a line after a line with no final
// reply between) the window stays open to its bound. A client that waited
// so had the replies to its lines before the pickup too, or they came
// first. A final reply the latest line cannot draw (a 257 after a RETR,
// a 331 after junk) answers a line before the pickup, not it (headFits).
func (p *sessionParser) headLine(verb string) {
	switch m := p.serverOwed; {
	case m&owedHead == 0:
	case m&owedHeadLine != 0:
		p.serverOwed &^= owedHeads // (pipelined)
	case m&owedHeadAnswered != 0:
		p.gapBudget = 0
		p.serverOwed &^= owedHeads
	default:
		p.serverOwed |= owedHeadLine // (the first)
		p.headFits = repliesOf(verb)
	}
}

// repliesOf is which of replyLists verb draws: the final replies RFC
// 959 5.4 (and RFC 2428, 3659) lists for it besides those any command
// may draw (anyReply); 0, none, for a verb it does not list and junk.
func repliesOf(verb string) uint8 {
	switch verb {
	case "USER":
		return 1
	case "PASS", "ACCT":
		return 2
	case "CWD", "XCWD", "CDUP", "XCUP", "SMNT", "DELE", "RMD", "XRMD":
		return 3
	case "MKD", "XMKD", "PWD", "XPWD":
		return 4
	case "REIN":
		return 5
	case "QUIT":
		return 6
	case "PORT", "EPRT", "LPRT", "MODE", "TYPE", "STRU", "NOOP", "PBSZ", "PROT", "OPTS", "SITE", "CCC":
		return 7
	case "PASV":
		return 8
	case "LPSV":
		return 9
	case "EPSV":
		return 10
	case "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD":
		return 11
	case "ALLO", "REST":
		return 12
	case "RNFR":
		return 13
	case "RNTO":
		return 14
	case "ABOR":
		return 15
	case "SYST":
		return 16
	case "STAT", "HELP", "FEAT", "MLST":
		return 17
	case "SIZE", "MDTM":
		return 18
	case "AUTH":
		return 19
	}
	return 0
}

// replyLists are repliesOf's lists (a byte in the parser, not a slice).
var replyLists = [...][]uint16{
	nil,
	{230, 331, 332},
	{202, 230, 332, 503},
	{200, 202, 250, 550},
	{257, 550},
	{220},
	{221},
	{200, 202, 522, 536},
	{227},
	{228},
	{229, 200},
	{226, 250, 425, 426, 450, 451, 452, 532, 550, 551, 552, 553},
	{200, 202, 350},
	{350, 450, 550},
	{250, 503, 532, 553},
	{225, 226, 426},
	{215},
	{211, 212, 213, 214, 250, 450},
	{213, 550},
	{234, 334, 431, 533, 534},
}

// anyReply tells whether code is a reply any command may draw: a
// syntax error or one not implemented, the service closing, not logged
// in (RFC 959 5.4).
func anyReply(code int) bool {
	switch code {
	case 421, 500, 501, 502, 504, 530:
		return true
	}
	return false
}

// The fewest bytes of a client line a server answers, its line end the
// CR LF clients send (RFC 959 4.1.1; a LF alone, which servers take too,
// is sent by no FTP client): a PASS with a password, "PASS x\r\n"; a
// USER (whose answer is a 331, or a 332), "USER x\r\n"; a REIN (a
// 220), "REIN\r\n"; any other, a junk byte, "x\r\n" (500). An empty
// line draws no reply (lineOwed is not counted for it).
const (
	minPassLine = len("PASS x\r\n")
	minUserLine = len("USER x\r\n")
	minReinLine = len("REIN\r\n")
	minLine     = len("x\r\n")
)

// hiddenLines is the most lines n client bytes the capture lacks could
// end, and the line after them, which may have begun in them (n < 0: not
// known, the most owedHi counts).
func hiddenLines(n int) int {
	if n < 0 {
		return 255
	}
	return n/minLine + 1
}

// noStraddler tells the refusal window that the line after the lost
// bytes is a command of its own, shown as such: no password line ended
// after them (unseenLines counts one). At least the next final reply
// stays in it.
func (p *sessionParser) noStraddler() {
	if p.gapBudget > 0 && p.serverOwed&owedHead == 0 {
		p.gapBudget = uint8(max(int(p.gapBudget)-minPassLine, 1))
	}
}

// hiddenBudget is the refusal window's budget (gapBudget) for n client
// bytes the capture lacks: the bytes, at least a password line's (a
// shorter gap may end one begun before it), and at most 255 (n < 0: not
// known), which keeps the window bounded: it closes after 83 final
// replies at most (minLine).
func hiddenBudget(n int) uint8 {
	if n < 0 {
		return 255
	}
	return uint8(min(max(n, minPassLine), 255))
}

// spendBudget is what is left of the refusal window's budget b after a
// final reply of code answered a line the lost bytes may have held (the
// fewest bytes such a line has: lineBytes); 0, the window closed, when
// the rest could not hold a password line.
func spendBudget(b uint8, code int) uint8 {
	left := int(b) - lineBytes(code)
	if left < minPassLine {
		return 0
	}
	return uint8(left)
}

// lineBytes is the fewest bytes of a client line a final reply of code
// answers: a 331 or 332 answers a USER (or a PASS, the 332), a 220 a
// REIN; any other reply may answer a junk byte's line.
func lineBytes(code int) int {
	switch code {
	case 331, 332:
		return minUserLine // (as long as minPassLine)
	case 220:
		return minReinLine
	}
	return minLine
}

// clientHeadUnseen tells the parser, before the client's first bytes of
// a connection picked up mid-stream, that the server had acknowledged
// less than they start at: the client sent bytes before them that the
// capture lacks (a 331 seen, the PASS after it lost, "QUIT" seen). How
// many lines they held is not known: the bytes the server acknowledged
// before, sent before the capture too, may await their replies as well.
func (p *sessionParser) clientHeadUnseen() {
	if p.parsing() && !p.started[dirClient] && !p.syn[dirClient] {
		p.unseenLines(0, -1)
	}
}

// passLost tells whether the client gap that came while a password was
// due (passNext) held the whole rest of the password line, so that data,
// the first bytes after it, begin the client's next command rather than
// the password's tail. The wire tells it by two marks, both needed:
//   - the gap was long enough (gapHeldEnd): at least "PASS\r\n", the
//     shortest line that spends the mark, when nothing of the line was
//     seen before it; a line end, CR LF, when the line had begun;
//   - data begins a command line written as clients write them: a known
//     verb, in upper case, other than PASS and ACCT (which are the
//     password line whatever else).
//
// Either alone is ambiguous: a short gap ("PASS ") leaves the password
// whole, and it may read "STAT x"; a password's tail after a longer one
// may be a verb ("Mypass" + "port"), though rarely one in upper case
// that ends a segment's first word. Then the line is masked: hiding one
// command costs less than showing a password. (A server reply between
// the gap and data says it too: reply spends the mark at once.)
func (p *sessionParser) passLost(data []byte) bool {
	if !p.gapHeldEnd || !looksLikeLineStart(data, true) {
		return false
	}
	n := 0
	for n < len(data) && data[n] >= 'A' && data[n] <= 'Z' {
		n++
	}
	if n < 3 || n >= len(data) || data[n] != ' ' && data[n] != '\r' && data[n] != '\n' {
		return false
	}
	verb := string(data[:n])
	return ftp.IsKnownVerb(verb) && verb != "PASS" && verb != "ACCT"
}

// maxCutTail bounds the bytes of a cut line's tail armCutTail looks at:
// a verb's tail, a space, and the fingerprint's maxEcho bytes.
const maxCutTail = 8 + maxEcho

// armCutTail arms the echo check, for refusals only, with the tail of a
// client line whose start a gap took (or that a mid-stream pickup cut),
// dropped as such in data up to its line end: it may be a password's
// tail, the gap having taken the USER, the PASS verb and the 331 between
// them ("SS Hunter2" or "nter2" after "USER bob\r\nPA"), and a refusal
// may repeat the password ("530 Login incorrect: bob/Hunter2"). After
// the tail of a PASS or ACCT verb, its argument is looked for, else the
// whole tail (the tail of "RETR a.txt", "R a.txt", is in no refusal
// that names the file). While a fingerprint already armed awaits its
// line's final reply, every refusal up to the tail's is taken for an
// echo instead (armEcho).
func (p *sessionParser) armCutTail(data []byte) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	data = bytes.TrimRight(data[:min(len(data), maxCutTail)], "\r")
	switch cmd, err := ftp.ParseCommand(data); {
	case err == ftp.ErrEmptyLine:
		return
	case isPassTail(cmd.Verb) && (err == nil || err == ftp.ErrBadVerb):
		armEcho(p, cmd.Arg)
	default:
		armEcho(p, data)
	}
	if p.echoLen != 0 {
		p.echoLen |= echoErrorsOnly
	}
}

// endsLine tells whether the last byte of data, a LF, ends a line
// whatever came before it: not the option byte of a Telnet negotiation
// (IAC WILL..DONT) nor the byte after an IAC. Taken with a line emitted by
// the same write (no Resync skip was left) and nothing pending, the
// splitter is at rest after it: no partial line, no Telnet state, no count
// carried to the next line; the same as a fresh one.
func endsLine(data []byte) bool {
	n := len(data)
	return n >= 2 && data[n-1] == '\n' && data[n-2] < 0xFB
}

// Line splitters between lines. A control connection spends nearly all
// its life between lines, and a splitter's buffer (parkLineMax bytes,
// per direction) is needed only while a line is being read: a splitter
// at rest hands its buffer to idleLineBufs, and the next bytes of any
// connection take one from there. A splitter that read a longer line
// grew its buffer and is left to the collector instead, so the pool
// keeps only small buffers. sync.Pool, because decoders run on several
// goroutines (live --workers) and the pool must take no lock; it holds
// each buffer as a pointer to its array, so that neither handing back
// nor taking allocates, and each is one pool call.
var idleLineBufs sync.Pool // *[parkLineMax]byte: a splitter's buffer at rest

// parkLineMax is the capacity of a splitter's buffer as pooled (decode/ftp's
// initial line buffer): a splitter that saw a longer line may have grown.
const parkLineMax = 128

// parkSplitter leaves direction d's splitter at rest without a buffer,
// the one it had handed to idleLineBufs.
func (p *sessionParser) parkSplitter(d int) {
	if p.has(longLine(d)) {
		p.freshSplitter(d)
		return
	}
	buf := p.split[d].SwapBuffer(nil)
	p.split[d] = p.split[d].Rest()
	p.parked[d] = true
	if cap(buf) == parkLineMax {
		idleLineBufs.Put((*[parkLineMax]byte)(buf[:parkLineMax]))
	}
}

// takeSplitter gives direction d a splitter with a buffer again, when it
// has none: one from idleLineBufs, or (none there) a new one.
func (p *sessionParser) takeSplitter(d int) {
	if !p.parked[d] {
		return
	}
	p.parked[d] = false
	buf, _ := idleLineBufs.Get().(*[parkLineMax]byte)
	if buf == nil {
		buf = new([parkLineMax]byte) // (what the splitter's first Write would make, pooled later)
	}
	p.split[d].SwapBuffer(buf[:0])
}

// gap reports n bytes of direction d missing from the capture.
func (p *sessionParser) gap(d int, n int, num uint64, ts time.Time) {
	p.gapAfter(d, n, false, false, num, ts)
}

// gapAfter is gap, crEnd telling that the bytes before the gap ended with
// a CR, the line end begun, and cut that the snap length cut them from a
// frame the capture holds (ControlEvent.Cut).
func (p *sessionParser) gapAfter(d int, n int, crEnd, cut bool, num uint64, ts time.Time) {
	if !p.parsing() {
		return
	}
	p.num, p.ts = num, ts
	// While the line the gap cuts is delivered, resync[d] tells reply and
	// clientLine that the gap cut it inside its text (endpointCut): not
	// after its CR, which the splitter holds as the line end begun.
	p.resync[d] = p.split[d].Pending() > 0 && !crEnd
	if d == dirServer {
		p.serverOwed |= owedEver // (the acknowledgements of the bytes after the gap are not read)
		p.repliesLost(n)
		if startsReplyCode(p.split[d].Head(4)) {
			// A reply line the gap cuts (a snap length shorter than the
			// segment: tcpdump -s 96) still has its code: it answers
			// its command, flagged unterminated, instead of vanishing
			// and leaving the next reply to answer it.
			p.split[d].Flush(p.serverLine)
		}
		// A multi-line reply the gap cuts is still a reply: its first line
		// has its code ("230-" proves the login), flagged unterminated.
		p.cutCode = 0
		// (A reply the client answered after a line that looked final is
		// not closed there: the gap may hold its own closing line.)
		p.set(flagSpokeAfter, false)
		if r := p.replies.Flush(); r != nil {
			// Its closing line may follow the gap (cutCode).
			if !p.has(flagReplyHeard) {
				p.cutCode = uint16(r.Code)
			}
			p.reply(r)
		}
	}
	if d == dirClient {
		// The lost bytes may hold a command: a reply after them may
		// answer it, whatever its code. They may hold a USER or REIN
		// too: the login is not known to be over any more, so the line
		// after them may be a password whose PASS they took; nor is a
		// PASS known to be sent since the last USER (flagPassSent), so
		// that a 331 after the gap asks for a password again (a retry
		// whose USER and PASS segments the capture lost). (The login the
		// replies proved still stands for the lines after the gap's,
		// provedLogin: the replies to the lost bytes show what they held.)
		p.set(flagLoggedIn|flagPassSent, false) // (not provedLogin: the replies after the gap tell)
		// Could they hold the rest of a password line (passLost)?
		need := len("PASS\r\n")
		if p.split[d].Pending() > 0 {
			need = len("\r\n")
		}
		p.gapHeldEnd = p.gapHeldEnd || n >= need
		switch {
		case p.gapCutDeliverable():
			// A command the gap cuts (tcpdump -s 128: "RETR
			// /long/path/fi"; a lost segment, its CRLF only too) is
			// still the command its reply answers: delivered now, its
			// argument as far as the
			// capture holds it, a PORT, EPRT or LPRT's endpoint taken
			// only if whole (endpointCut), instead of dropped with the
			// line, its reply said to answer a command the gap took, a
			// 550 to it lost and a transfer's data connection left
			// unannounced. Only after the login (a PORT, EPRT or LPRT
			// whenever: its endpoint is what its data connection needs),
			// and no verb of a login
			// or one that may carry a password (startsCommand), nor a line
			// that may be a password or its tail (passNext, after a gap):
			// those are dropped with the line as before, the gap's own
			// rules hiding a refusal that repeats it, which a cut line
			// fingerprinted would not ("SITE PS" of "SITE PSWD old new"
			// showed its 500's echo), and a cut USER named an account
			// that is not one and paired the 331 that made a 530 after
			// the gap a refused login's. (The login stands across gaps
			// until the replies show one may not: provedLogin.)
			p.flushing = flushGap
			p.split[d].Flush(p.clientLine)
			p.flushing = flushNone
		}
		// Whatever came before (a login over: a re-login, a REIN), the
		// lost bytes may hold a USER and PASS, or a part of a password
		// line ("PASS " before "Hunter2\r\n", a byte of "Hunter2"),
		// whose refusal repeats the password ("530 Login incorrect for
		// bob/Hunter2"), after the client's next line (a QUIT) is seen
		// too (gapBudget).
		p.unseenLines(p.owed, n)
		if p.replies.Open() {
			p.set(flagReplyHeard|flagSpokeAfter, true)
		}
		p.cutCode = 0
	}
	p.stats.ControlGaps++
	p.stats.ControlGapBytes += uint64(n)
	e := p.event(ControlGap)
	e.FromClient = d == dirClient
	e.Gap = n
	e.Cut = cut
	p.emit(e)
	p.resync[d] = true
	if d == dirServer {
		p.replies.Reset()
	}
}

// conflict handles two versions of bytes of direction d from sequence
// number at on, the first one taken (conflict.go): reported, and, like a
// gap, the line after them is not trusted as what it seems. In the
// client's direction the bytes taken may have hidden a PASS (a forged
// "NOOP\r\n" over "PASS Hunt"): the line after them may be its tail,
// masked as the first line after a gap is (gapSecret, passLost).
//
// other is the line the later copy makes (nil: not known), last whether
// the bytes taken lie in the line of the direction's latest command or
// reply: then the event tells what the other copy's line would have been
// (otherCopy), so that what follows may show which copy was used.
func (p *sessionParser) conflict(d int, at uint32, first uint64, n int, other []byte, last bool) {
	if !p.parsing() {
		return
	}
	if d == dirClient {
		p.set(flagLoggedIn, false)
		p.gapHeldEnd = p.gapHeldEnd || n >= len("\r\n")
		p.cutCode = 0
		// The server may have read the other copy, a PASS ("PASS
		// hunter2\r\n" under "NOOP\r\nSYST\r\n\r\n"), and its refusal
		// may repeat the password: the lines the copy taken made are
		// counted (owed), and may be none the server read, so the window
		// (gapBudget) opens from here, not after their replies; the other
		// copy may have held more lines than the one taken (owedHi).
		p.openWindow(0, hiddenBudget(n), n)
	}
	e := p.event(ControlConflict)
	e.FromClient = d == dirClient
	e.Gap = n
	e.ConflictWith = first
	if last && other != nil {
		otherCopy(e, d, other, p.server)
	}
	p.emit(e)
	p.resync[d] = true
}

// otherCopy sets, on the ControlConflict e about the latest line of
// direction d, what the other copy's line (its line end included) says:
// ConflictLast; for a reply, its code (ConflictCode) and, for a 1yz or
// 2yz one (no password echo among them), its line (ConflictLine); for a
// 227/228/229 reply or a PORT/EPRT/LPRT command, the endpoint it
// announces (Endpoint, EndpointErr). A client line's text is not kept:
// it may be a password.
func otherCopy(e *ControlEvent, d int, line []byte, server netip.AddrPort) {
	e.ConflictLast = true
	text := bytes.TrimRight(line, "\r\n")
	if d == dirClient {
		cmd, err := ftp.ParseCommand(text)
		if err != nil {
			return
		}
		switch cmd.Verb {
		case "PORT", "EPRT", "LPRT":
			e.Endpoint, e.EndpointErr = activeEndpoint(cmd.Verb, cmd.Arg)
		}
		return
	}
	var rr ftp.ReplyReader
	r, err := rr.Line(text)
	if r == nil || err != nil {
		return
	}
	e.ConflictCode = r.Code
	if r.Code >= 100 && r.Code < 300 {
		e.ConflictLine = r.Lines[0]
	}
	switch r.Code {
	case 227:
		ap, form, err := parsePASVReply(r, server)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaPASV, Addr: pasvAddr(ap, form, err, server), Form: form}, err
	case 228:
		ap, err := ftp.ParseLPSV(r.Text)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaLPSV, Addr: ap}, err
	case 229:
		e.Endpoint, e.EndpointErr = epsvEndpoint(r.Text)
	}
}

// epsvEndpoint is the endpoint a 229 reply's text announces: its port,
// with no address. RFC 2428 requires the address field empty and has the
// client connect to the control connection's address whatever it holds
// (curl, lftp and ftplib do); an address filled in anyway
// (ftp.ReplyEPSVFields flags the reply) is not where the data goes, so
// it is not announced.
func epsvEndpoint(text string) (Endpoint, error) {
	_, port, err := ftp.ParseEPSV(text)
	return Endpoint{Via: ftp.ViaEPSV, Addr: netip.AddrPortFrom(netip.Addr{}, port)}, err
}

// parsePASVReply parses a 227 reply r on a control connection to server
// (ftp.ParsePASV). The port alone (ftp.FormPortOnly) is read only where
// ProFTPD writes it, on an IPv6 control connection, and only from the
// reply's last line, the one a client reads the endpoint from: elsewhere
// three numbers in parentheses are no endpoint (a note in a continuation
// line, a 227 cut short over IPv4), as before that form was read.
func parsePASVReply(r *ftp.Reply, server netip.AddrPort) (netip.AddrPort, ftp.Form, error) {
	ap, form, err := ftp.ParsePASV(r.Text)
	if form != ftp.FormPortOnly {
		return ap, form, err
	}
	if a := server.Addr(); a.Is6() && !a.Is4In6() && len(r.Lines) > 0 {
		if ap, form, err := ftp.ParsePASV(r.Lines[len(r.Lines)-1]); form == ftp.FormPortOnly {
			return ap, form, err
		}
	}
	return netip.AddrPort{}, ftp.FormNone, ftp.ErrNoEndpoint
}

// pasvAddr is the endpoint a 227 announces: a reply that names the port
// alone (ftp.FormPortOnly, ProFTPD over IPv6) names the control
// connection's server address, the one its clients connect to.
func pasvAddr(ap netip.AddrPort, form ftp.Form, err error, server netip.AddrPort) netip.AddrPort {
	if form == ftp.FormPortOnly && (err == nil || err == ftp.ErrPortZero) {
		return netip.AddrPortFrom(server.Addr(), ap.Port())
	}
	return ap
}

// activeEndpoint parses the endpoint of a PORT, EPRT or LPRT argument
// (verb): as its RFC writes it, and when that finds bad syntax, as the
// servers that accept a loosely written one read it
// (ftp.ParsePORTLoose, ftp.ParseEPRTLoose), marked Loose. Like any, it
// is an announcement only if the server accepts it (track). LPRT has no
// loose reading: vsftpd, ProFTPD and Pure-FTPd do not implement it.
func activeEndpoint(verb, arg string) (Endpoint, error) {
	var ap netip.AddrPort
	var err error
	switch verb {
	case "PORT":
		if ap, err = ftp.ParsePORT(arg); err == ftp.ErrSyntax {
			if lap, lerr := ftp.ParsePORTLoose(arg); lerr == nil {
				return Endpoint{Via: ftp.ViaPORT, Addr: lap, Loose: true}, nil
			}
		}
		return Endpoint{Via: ftp.ViaPORT, Addr: ap}, err
	case "EPRT":
		if ap, _, err = ftp.ParseEPRT(arg); err == ftp.ErrSyntax || err == ftp.ErrBadDelimiter {
			if lap, _, lerr := ftp.ParseEPRTLoose(arg); lerr == nil {
				return Endpoint{Via: ftp.ViaEPRT, Addr: lap, Loose: true}, nil
			}
		}
		return Endpoint{Via: ftp.ViaEPRT, Addr: ap}, err
	}
	ap, err = ftp.ParseLPRT(arg)
	return Endpoint{Via: ftp.ViaLPRT, Addr: ap}, err
}

// lineEnd delivers a last line without its line end (the direction ended).
func (p *sessionParser) lineEnd(d int, num uint64, ts time.Time) {
	if !p.parsing() {
		return
	}
	p.num, p.ts = num, ts
	if d == dirClient {
		p.flushClient()
	} else {
		p.split[d].Flush(p.serverLine)
	}
}

// flushClient delivers the client's line under way at the stream's end,
// with the packet and time of its first bytes (lineNum, lineAt): "DELE
// x" sent with no line end and reset 50 ms later was sent then, not at
// the reset.
func (p *sessionParser) flushClient() {
	if p.split[dirClient].Pending() > 0 && p.lineAt != noUnixNano && p.lineNum != 0 && p.lineNum <= p.num {
		num, ts := p.num, p.ts
		p.num, p.ts = p.lineNum, time.Unix(0, p.lineAt).In(ts.Location())
		p.split[dirClient].Flush(p.clientLine)
		p.num, p.ts = num, ts
		return
	}
	p.split[dirClient].Flush(p.clientLine)
}

// end flushes everything buffered: the connection is over; captureEnd:
// the capture ended with it open (CloseCaptureEnd), so a line under way
// was cut by the capture, not by the connection.
func (p *sessionParser) end(num uint64, ts time.Time, captureEnd bool) {
	if p.state != parseFTP {
		return
	}
	p.num, p.ts = num, ts
	if captureEnd {
		p.flushing = flushCaptureEnd
	}
	p.flushClient()
	p.flushing = flushNone
	p.split[dirServer].Flush(p.serverLine)
	p.closeAnswered()
	if r := p.replies.Flush(); r != nil {
		p.reply(r)
	}
	if p.state == parseFTP && p.auth == authClientTLS {
		// The AUTH's reply never came: the client's TLS began all the
		// same.
		p.turnedTLS(true)
	}
}

// release drops the buffers: nothing more will be parsed. The
// splitters keep the line bound (lineBound), for text after TLS.
func (p *sessionParser) release() {
	bound := p.lineBound()
	p.split = [2]ftp.LineSplitter{{MaxLine: bound}, {MaxLine: bound, LoneCR: true}}
	p.parked = [2]bool{true, true}
	p.set(longLine(dirClient)|longLine(dirServer), false)
	p.replies = ftp.ReplyReader{}
	p.cand = nil
}

func (p *sessionParser) event(kind ControlKind) *ControlEvent {
	e := p.ev
	// Cleared, then set: a composite literal assigned whole is built
	// aside and copied over with write barriers, several times the cost
	// of an event for this 576-byte struct.
	*e = ControlEvent{}
	e.Kind, e.Num, e.TS, e.Client, e.Server = kind, p.num, p.ts, p.client, p.server
	return e
}

// emit delivers an event, or holds it back while the connection is a
// candidate.
func (p *sessionParser) emit(e *ControlEvent) {
	switch p.state {
	case parseRejected:
		return
	case parseCandidate:
		if len(p.cand.queue) < maxQueued {
			p.cand.queue = append(p.cand.queue, *e)
		}
		return
	}
	p.emitTo(e)
}

// clientLine takes a line of the client's. A CR in it followed by a
// command verb ended a line (crVerb): a client that ends its lines in a
// CR alone sent them with no reply captured between ("USER bob\rPASS
// hunter2\rSYST", at once, or pipelined), and each is a line of its own,
// its PASS masked, not the user name's tail.
func (p *sessionParser) clientLine(l ftp.Line) {
	p.set(flagLineEnded, true)
	if len(l.Text) > parkLineMax {
		p.set(longLine(dirClient), true)
	}
	// glue: where the kept tail of a line over the bound begins (armEchoOf).
	glue, _ := ftp.CutLine(l.Text, p.lineBound())
	// afterPass: the part before was a PASS with no argument ended at a
	// CR (crSplit's), no server line between (clientText).
	afterPass := false
	for i := crSplit(l.Text); i >= 0; i = crSplit(l.Text) {
		if afterPass && !l.BareCR {
			// After "PASS \r", the rest of a line ended by a LF is the
			// password to a server reading to the LF ("PASS
			// \rab\rSTOR\vSecret77"): masked whole (crPassword), not
			// split again at a verb.
			break
		}
		if !l.BareCR && passWithArg(l.Text[:i]) && !looksLikePass(l.Text[i+1:]) {
			// A line ended by a LF is not a bare-CR client's: a server
			// reading to the LF takes "PASS Zq9Sec\rNOOP retPw" whole
			// as the password, masked whole, not its tail shown as a
			// NOOP. (A PASS after the CR is masked either way, and
			// split, as a bare-CR server reads it, answered twice.)
			break
		}
		part := l
		part.Text, part.BareCR, part.BareLF, part.Unterminated, part.Dropped = l.Text[:i], true, false, false, 0
		if glue <= i {
			part.Dropped, l.Dropped = l.Dropped, 0
		}
		p.clientText(part, glue, afterPass)
		// (An empty line between keeps the mark, as it keeps passNext.)
		afterPass = barePass(part.Text) || afterPass && len(bytes.Trim(part.Text, " \t")) == 0
		l.Text, glue = l.Text[i+1:], glue-(i+1)
		l.Telnet, l.Skipped, l.AfterCR = 0, 0, false
	}
	p.clientText(l, glue, afterPass)
}

// crSplit is crVerb, or the CR that ends a PASS with no argument before
// more bytes ("PASS \rhunter2"): a server that ends its lines at a bare
// CR read "PASS" alone (its 501), then the rest as a line of its own,
// the password whatever it reads (crPassword): masked, and its echo
// ("500 'HUNTER2'") hidden.
func crSplit(text []byte) int {
	if i := bytes.IndexByte(text, '\r'); i >= 0 && i+1 < len(text) && barePass(text[:i]) {
		return i
	}
	return crVerb(text)
}

// passWithArg tells whether a client line is a PASS (looksLikePass)
// with something after its verb but blanks: a password.
func passWithArg(text []byte) bool {
	return looksLikePass(text) && len(bytes.Trim(text[nonLetters(text)+4:], " \t")) > 0
}

// barePass tells whether a client line is "PASS" alone, in any case,
// trailing spaces aside.
func barePass(text []byte) bool {
	return bytes.EqualFold(bytes.TrimRight(text, " "), []byte("PASS"))
}

// crVerb is the index of the first CR in a client line that a command
// verb follows (a known one, in any case, after any bytes that are not
// letters, then the line's end, a space, tab, CR or LF), or -1.
func crVerb(text []byte) int {
	for at := 0; ; {
		i := bytes.IndexByte(text[at:], '\r')
		if i < 0 {
			return -1
		}
		i += at
		w := text[i+1:]
		w = w[nonLetters(w):]
		n := 0
		for n < len(w) && n <= 4 && isLetter(w[n]) {
			n++
		}
		// A verb ends the line or is followed by a space: "USER12",
		// "cwd-Secret77" or "RETR:x" after a PASS's CR are its
		// password's tail, not a command.
		// (A tab or another control byte too: "NOOP\rPASS\thunter2",
		// "PASS\vhunter2", a server that splits at isspace() reads a
		// PASS; ParseCommand's CmdControlSeparator.)
		if n >= 3 && n <= 4 && (n == len(w) || w[n] == ' ' || w[n] < 0x20 || w[n] == 0x7f) {
			var up [4]byte
			for j := range n {
				up[j] = w[j] &^ 0x20
			}
			if ftp.IsKnownVerb(string(up[:n])) {
				return i
			}
		}
		at = i + 1
	}
}

// clientText is clientLine for one line, glue where its kept tail begins
// if the line bound cut it (0 < glue < len(l.Text)); afterPass: the line
// came after "PASS" alone and a CR within the same line (crSplit).
func (p *sessionParser) clientText(l ftp.Line, glue int, afterPass bool) {
	if !p.parsing() {
		return
	}
	if l.Dropped > 0 {
		p.stats.LinesTruncated++
		p.stats.LineBytesDropped += uint64(l.Dropped)
	}
	// The server's line the client answered ended at its CR: a server
	// whose lines end in a CR alone (ftp.LineSplitter.PeerSpoke). Not
	// for a line a reply flushed (flushReply): sent before that reply, it
	// answers none of the server's lines after it, and the server's
	// splitter may be emitting that reply, which must not be called
	// back from its own emit: it emitted the line again, and the reply
	// flushed the password line a second time, unmasked (the marks
	// spent on the first).
	if p.flushing != flushReply {
		p.split[dirServer].PeerSpoke(p.serverLine)
	}
	if p.replies.Open() {
		p.set(flagReplyHeard|flagSpokeAfter, true)
	}
	p.cutCode = 0 // the next reply may answer this line
	cmd, err := ftp.ParseCommand(l.Text)
	if l.Unterminated && err == nil && p.flushing != flushGap {
		cmd.Anomaly |= ftp.CmdUnterminated
	}
	// The line a client sends after a 331 (or after a PASS that carried
	// no password: passRetry) is its password whatever it looks like
	// when a gap may have taken its first bytes; with none,
	// whatever a password line can be (passwordShaped): a known command
	// other than PASS and ACCT is that command (a login given up, "331"
	// then "QUIT"). A mangled PASS (a tab, a NUL before it) is one too;
	// so may be the first line after a gap (gapSecret).
	secret := looksLikePass(l.Text) || p.passNext && (p.has(flagGapLine) || passwordShaped(cmd, err)) ||
		p.has(flagGapLine) && p.gapSecret(cmd, err) ||
		// A line after a PASS ended at a CR the server answered, which
		// may have been the password's own ("PASS hun\rter2": a reply
		// to an earlier command came between): not a command, it may be
		// the password's tail (ftp.Line.AfterCR).
		l.AfterCR && p.has(flagPassSent) && err != ftp.ErrEmptyLine && passwordShaped(cmd, err) ||
		p.crPassword(l, afterPass, cmd, err)
	if p.has(flagGapLine) && !secret && err != ftp.ErrEmptyLine {
		p.noStraddler()
	}
	if err == nil && p.echoLen&echoToken != 0 {
		switch cmd.Verb {
		case "USER", "PASS", "ACCT", "REIN":
			// The next login: the last password is no longer looked
			// for (echoToken).
			p.echoLen = 0
		}
	}
	if err != ftp.ErrEmptyLine {
		// An empty line holds no password: the marks wait for the next.
		p.passNext = false
		p.set(flagGapLine, false)
		switch {
		case err == nil && (cmd.Verb == "USER" || cmd.Verb == "REIN"):
			p.set(flagPassSent, false)
			p.loginEnds()
		case err == nil && cmd.Verb == "PASS" || secret:
			p.set(flagPassSent, true)
		}
		if carriesNoSecret(cmd, err) {
			// "PASS" alone: the password is still due (passRetry), on the
			// next line, whatever the reply to this one (530, 501, 503,
			// or none yet). Only lost bytes after this line may hold it
			// (passLost).
			p.passNext = true
			p.set(flagPassSent, true) // (an ACCT too: passRetry)
			p.gapHeldEnd = false
		}
	}
	if p.state == parseCandidate {
		switch candidateVerdict(cmd, err) {
		case lineFTP:
			p.confirm()
		case lineNotFTP:
			p.reject()
			return
		default:
			p.cand.undecided++
			if p.cand.undecided > maxUndecided {
				p.reject()
				return
			}
		}
	}
	if c := p.replies.OpenCode(); c == 220 || c == 120 {
		// A greeting (or REIN's answer) the client answered: no client
		// sends its first command before the greeting's last line, so a
		// line of another code that looked final was that last line.
		// (Other replies wait for the server's next line: serverLine.)
		p.spokeReply()
	}
	if err != nil {
		if p.urgent[dirClient] == urgentLineEnd {
			// The urgent line feed ended this line: it tells nothing of
			// the command after it.
			p.urgent[dirClient] = urgentSeen
		}
		e := p.event(ControlJunk)
		e.FromClient = true
		e.Line = string(l.Text)
		e.Dropped = l.Dropped
		e.Telnet = l.Telnet
		e.Secret = secret
		e.Endpoint = smuggledIn(l, glue, secret)
		switch {
		case secret:
			p.armEchoOf(l.Text, glue, cmd, err)
		case junkSitePassword(l.Text):
			// (A junk line is no command: hidden whole, it is taken for
			// no PASS.)
			e.Secret = true
			s := bytes.TrimLeft(l.Text, " \t")
			word, rest, _ := sitePassword(string(s[5:]))
			armSitePassEcho(p, word, rest)
		}
		if err != ftp.ErrEmptyLine {
			p.headLine("")
			p.lineOwed() // (a server answers junk too: 500)
		}
		p.emit(e)
		return
	}
	if cmd.Verb == "AUTH" {
		p.auth = authSent
	}
	e := p.event(ControlCommand)
	e.PeerUnseen = !p.started[dirServer]
	e.FromClient = true
	e.Command = cmd
	e.Telnet = l.Telnet
	e.Dropped = l.Dropped
	e.Urgent = p.urgent[dirClient] != urgentNone
	e.UrgentEnd = p.urgent[dirClient] == urgentLineEnd
	e.CaptureEnded = l.Unterminated && p.flushing == flushCaptureEnd
	e.RestNotCaptured = l.Unterminated && p.flushing == flushGap
	e.Secret = secret || cmd.Verb == "PASS" || cmd.Verb == "ACCT"
	p.urgent[dirClient] = urgentNone
	switch {
	case e.Secret:
		p.armEchoOf(l.Text, glue, cmd, err)
	case cmd.Verb == "SITE":
		if word, rest, ok := sitePassword(cmd.Arg); ok {
			e.SecretArg = true
			e.Command.Arg = sitePasswordArg(cmd.Arg, word, rest)
			armSitePassEcho(p, word, rest)
		}
	}
	switch cmd.Verb {
	case "PORT", "LPRT":
		ep, err := activeEndpoint(cmd.Verb, cmd.Arg)
		e.Endpoint, e.EndpointErr = ep, p.endpointCut(dirClient, l.Text, 255, err)
	case "EPRT":
		ep, err := activeEndpoint(cmd.Verb, cmd.Arg)
		e.Endpoint, e.EndpointErr = ep, p.endpointCut(dirClient, l.Text, 65535, err)
	case "ENC", "MIC", "CONF":
		// RFC 2228 protected commands (GSSAPI, as GridFTP uses): from
		// here the commands, and the endpoints in them, are ciphertext,
		// though still lines of text.
		e.Encrypts = true
	default:
		e.Endpoint = smuggledIn(l, glue, e.Secret || cmd.Verb == "SITE")
	}
	p.headLine(cmd.Verb)
	p.lineOwed()
	p.emit(e)
}

// crPassword tells whether a client line is the password of the PASS
// (or ACCT) before it that carried none and ended at a CR alone, sent
// before any final reply answered that PASS: in the same line
// ("PASS \rSite 2024!": afterPass), or after a server line that answered
// an earlier one (AfterCR: EndAtCR; a 331 to the USER pipelined with it,
// the PASS still owed). A server that ends lines at a CR read the PASS
// alone and this line as one of its own, the password, whatever word it
// begins with (its "500 'SITE 2024!': command not understood" repeats
// it); one that ends them at CR LF read "\rSite 2024!" as the PASS's
// argument, the password as well. Once a final reply answered the PASS
// (owed), the client's next line is its next command.
//
// Not a data channel's announcement, though (announcesEndpoint): an
// anonymous bare-CR client pipelines "PASS \r" and "PASV\r" before any
// reply, and masking it would lose the endpoint the 227 answers, and
// with it the failure of the connection to it; no password reads "PASV"
// alone, or "PORT" and an endpoint that parses ("PORT Royal77" may be one,
// masked).
func (p *sessionParser) crPassword(l ftp.Line, afterPass bool, cmd ftp.Command, err error) bool {
	return (afterPass || l.AfterCR) && p.passRetry() && p.owed > 0 && err != ftp.ErrEmptyLine &&
		!(err == nil && announcesEndpoint(cmd))
}

// announcesEndpoint tells whether cmd asks for or names a data endpoint:
// PASV, EPSV, LPSV or SPSV with no argument (EPSV's protocol number or
// ALL aside), or PORT, EPRT or LPRT with an argument that parses as an
// endpoint.
func announcesEndpoint(cmd ftp.Command) bool {
	switch cmd.Verb {
	case "PASV", "LPSV", "SPSV":
		return cmd.Arg == ""
	case "EPSV":
		return cmd.Arg == "" || cmd.Arg == "1" || cmd.Arg == "2" || strings.EqualFold(cmd.Arg, "ALL")
	case "PORT":
		_, err := ftp.ParsePORTLoose(cmd.Arg)
		return err == nil
	case "EPRT":
		_, _, err := ftp.ParseEPRTLoose(cmd.Arg)
		return err == nil
	case "LPRT":
		_, err := ftp.ParseLPRT(cmd.Arg)
		return err == nil
	}
	return false
}

// lineOwed counts a client line (after its echo check was armed: the
// lines before it are echoAhead) as awaiting its final reply (owed).
func (p *sessionParser) lineOwed() {
	p.owedHi = uint8(min(int(p.owedHi)+1, 255))
	if p.serverOwed&owedCutAnswered != 0 {
		p.serverOwed &^= owedCutAnswered // (answered already)
		return
	}
	p.owed = uint8(min(int(p.owed)+1, 255))
}

// answeredUncounted notes final replies (lost ones too) that found
// fewer client lines owed than they answer, while the client's line
// under way was cut by a gap: its end may be among the lost bytes, and
// the server may have answered it ("PWD\r", its LF lost, then "257"),
// before the line is counted (lineOwed: when the bytes after the gap
// drop it, or deliver it). Counted then, owed would hold a line already
// answered, one too many, and a refusal window opened at a later gap
// would take the refusal to a PASS lost there ("530 Login incorrect:
// bob/hunter2") for the final reply to a line before it (gapAhead), and
// show it. The count is not taken instead (owedCutAnswered); owedHi,
// the most, still takes it.
func (p *sessionParser) answeredUncounted(answers int) {
	if answers > int(p.owed) && p.resync[dirClient] && p.split[dirClient].Pending() > 0 {
		p.serverOwed |= owedCutAnswered
	}
}

func (p *sessionParser) serverLine(l ftp.Line) {
	p.set(flagLineEnded, true)
	if len(l.Text) > parkLineMax {
		p.set(longLine(dirServer), true)
	}
	if !p.parsing() {
		return
	}
	if l.Dropped > 0 {
		p.stats.LinesTruncated++
		p.stats.LineBytesDropped += uint64(l.Dropped)
	}
	if !p.replies.Open() {
		p.set(flagReplyHeard, false) // the next reply opens here, or later
	} else if p.has(flagSpokeAfter) && p.replies.EndedBefore(l.Text) {
		// The client spoke after a line that looked like a final reply
		// of another code, and this line starts another reply: the
		// server had ended the open one there (it opened with one code
		// and closed with another). Had the client only sent its next
		// command early, this line would go on with the open reply or
		// close it with its own code (RFC 959 4.2).
		p.spokeReply()
		p.set(flagReplyHeard, false)
	}
	p.set(flagSpokeAfter, false)
	r, err := p.replies.LineOf(l)
	if r == nil && err == nil {
		// A line of the open reply: the last one, if ClientSpoke closes
		// it there.
		p.bodyNum, p.bodyAt = p.num, unixNanoOrNone(p.ts)
	}
	if err == ftp.ErrNotReply && p.cutBody > 0 {
		// The middle of a reply whose start a gap took (FEAT's " EPSV",
		// a STAT listing): not the server's junk.
		p.cutBody--
		return
	}
	p.cutBody = 0
	if r != nil && p.cutCode != 0 && int(p.cutCode) == r.Code && !r.Multiline() && r.Anomaly&ftp.ReplyNoSpace == 0 {
		// "211 End" closing the FEAT reply the gap cut, reported at the
		// gap: it answers no other command.
		p.cutCode = 0
		return
	}
	p.cutCode = 0
	if err != nil {
		e := p.event(ControlJunk)
		e.Line = string(l.Text)
		e.Dropped = l.Dropped
		p.emit(e)
		return
	}
	if r != nil {
		p.reply(r)
	}
}

func (p *sessionParser) reply(r *ftp.Reply) {
	// A password was due and the client's bytes since are lost in a gap,
	// none seen after it: a final reply (not the 331 or 332 itself)
	// answers the password line, so the gap held its end, and the
	// client's next line is its next command.
	// Not a reply still due to a line before the gap (gapAhead): a 331
	// to a USER pipelined with its PASS, and the PASS's own reply, came
	// after the gap.
	lostPass := p.passNext && p.resync[dirClient] && !ftp.IsPreliminary(r.Code) && r.Code != 331 && r.Code != 332 &&
		(p.gapBudget == 0 || p.gapAhead == 0)
	switch {
	case !lostPass:
	case p.split[dirClient].Pending() > 0:
		// What was seen of the line before the gap, its head, is the
		// password: delivered now, masked, it arms the echo check, and
		// it is not delivered later as a line of its own. (Before the
		// reply's event: the scratch event is shared.) clientLine counts
		// it (owed).
		p.flushing = flushReply
		p.split[dirClient].Flush(p.clientLine)
		p.flushing = flushNone
	default:
		p.lineOwed() // (the password line the gap took: this answers it)
	}
	// The server's first final reply, if a 120 or 220, is its greeting
	// (its preliminary 120 too, and a 220 after it), whatever lines wait:
	// a client may send its login before the greeting arrives (a
	// pipelined login, TCP Fast Open). It answers none of them.
	greeting := p.proven&provedGreeting == 0 && (r.Code == 120 || r.Code == 220)
	final := !ftp.IsPreliminary(r.Code) && !greeting
	if greeting && r.Code == 220 && (!p.syn[dirServer] || p.serverOwed&owedEver != 0) {
		// The server's bytes before it are not all in the capture: the
		// greeting may be among them, and this the 220 to a REIN. The
		// counts that must not count a line as due when it may have
		// been answered (owed, gapAhead) take it for a final reply.
		p.repliesLost(0)
	}
	if !ftp.IsPreliminary(r.Code) {
		p.proven |= provedGreeting
	}
	e := p.event(ControlReply)
	e.PeerUnseen = !p.started[dirClient]
	e.Reply = r
	if p.echoLen > 0 {
		// A server may repeat the line it did not understand (BSD ftpd's
		// "500 HUNTER2: command not understood."), up to the final reply
		// to it.
		n := int(p.echoLen & echoLenMask)
		switch {
		case p.echoLen&echoToken != 0:
			// Up to the PASS's final reply (echoErrorsOnly still set with
			// it), a refusal is looked at as for echoErrorsOnly too.
			e.SecretEcho = echoTokenIn(r.Text, p.echoSum, n) ||
				p.echoLen&echoErrorsOnly != 0 && r.Code >= 400 && (echoIn(r.Text, p.echoSum, n) || p.replyCut(r) ||
					headEchoIn(r.Text, p.echoHead, p.echoPrefix, n))
		case p.echoLen&echoErrorsOnly == 0 || r.Code >= 400:
			e.SecretEcho = n == echoAny || echoIn(r.Text, p.echoSum, n) || p.replyCut(r) || headEchoIn(r.Text, p.echoHead, p.echoPrefix, n)
		}
		switch {
		case !final:
		case p.echoAhead > 0:
			p.echoAhead-- // the final reply to a line before it (owed)
		case loginStep(r.Code):
			// No masked line draws it: it answers a line before it that
			// owed missed (a gap that held two lines, "USER a\r\nPA").
		default:
			p.echoLen = 0 // the final reply to the line: its echo, if any, is past
		}
	}
	if p.gapBudget > 0 {
		// Client bytes the capture lacks may hold a PASS: a refusal that
		// may answer them may repeat it (gapBudget), not one to a line
		// before them.
		e.SecretEcho = e.SecretEcho || p.gapAhead == 0 && mayEchoPassword(r.Code)
		switch {
		case !final:
		case p.gapAhead > 0:
			p.gapAhead--
			p.gapEnd = max(p.gapEnd, 1) - 1
		case p.gapEnd > 0:
			p.gapEnd--
		default:
			// It answers a line the lost bytes held, or one after them
			// if they held fewer: they keep the rest.
			p.gapBudget = spendBudget(p.gapBudget, r.Code)
		}
	}
	if p.serverOwed&(owedAcked|owedNoACK) != 0 && p.started[dirClient] && mayEchoPassword(r.Code) {
		// The server sent the refusal having received client bytes the
		// capture has not shown (its acknowledgement goes past them, or
		// is missing): they may hold a PASS it repeats. (Before the
		// client's first byte, clientSilent decides below.)
		e.SecretEcho = true
	}
	if final {
		p.answeredUncounted(1)
		p.owed = max(p.owed, 1) - 1
		p.owedHi = max(p.owedHi, 1) - 1
		if p.serverOwed&owedHeadLine != 0 && (anyReply(r.Code) || slices.Contains(replyLists[p.headFits], uint16(r.Code))) {
			// The client's latest line had a final reply (headLine).
			p.serverOwed = p.serverOwed&^owedHeadLine | owedHeadAnswered
		}
	}
	switch r.Code {
	case 227:
		ap, form, err := parsePASVReply(r, p.server)
		if form != ftp.FormParenthesized && form != ftp.FormPortOnly {
			// (In parentheses, the closing ")" was captured: whole.)
			err = p.replyEndpointCut(r, 255, err)
		}
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaPASV, Addr: pasvAddr(ap, form, err, p.server), Form: form}, err
	case 228:
		ap, err := ftp.ParseLPSV(r.Text)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaLPSV, Addr: ap}, p.replyEndpointCut(r, 255, err)
	case 229:
		var err error
		e.Endpoint, err = epsvEndpoint(r.Text)
		e.EndpointErr = p.replyEndpointCut(r, 65535, err)
	case 234:
		e.Encrypts = p.auth != authNone
	}
	if e.Endpoint.Via != 0 && e.EndpointErr == nil && len(r.Lines) > 1 {
		e.EndpointAlt = lastLineEndpoint(r, e.Endpoint) // (multiline.go)
	}
	// The client's TLS began before the capture showed its AUTH's reply
	// (authClientTLS), and this final reply is no 234: the client's
	// bytes are ciphertext all the same.
	clientTLS := p.auth == authClientTLS && !e.Encrypts && !ftp.IsPreliminary(r.Code)
	if p.auth == authSent && !ftp.IsPreliminary(r.Code) && !e.Encrypts {
		p.auth = authAnswered
	}
	if r.Code == 234 && p.auth == authNone {
		// A 234 answers only an AUTH (RFC 2228): one the capture lost
		// (a gap took the client's line). Not TLS on its word alone; a
		// TLS record where the client's next line would start is
		// (bytesOwed), as after an AUTH whose 234 was lost.
		p.auth = authAnswered
	}
	if lostPass {
		// A refusal may repeat the password the gap took ("530 Login
		// incorrect for bob/Hunter2"): it is hidden, since no
		// fingerprint of what the gap took could be kept.
		p.passNext = false
		p.set(flagPassSent, true)
		if r.Code >= 400 {
			e.SecretEcho = true
		}
	}
	if r.Code == 530 && (p.resync[dirClient] || !p.started[dirClient] && !p.clientSilent()) {
		// A login refused while the client's bytes since its last line
		// seen are lost, or before any was seen (sent before a mid-stream
		// pickup, or lost in a gap not reported yet: the reassembler
		// reports a hole before a direction's first bytes when they
		// come): they may hold a PASS whose 331 the capture lost too, or
		// whose USER it lost (a retry), so that no password was due
		// (passNext) nor a fingerprint kept, and the refusal may repeat
		// the password ("530 Login incorrect: bob/Hunter2"). Its words
		// are hidden: that costs less than showing a password. Not a
		// 530 the server sent before the client sent any byte
		// (clientSilent): a greeting ("530 Connection refused, unknown
		// IP address.", IIS's IP restrictions), which repeats no line.
		e.SecretEcho = true
	}
	switch r.Code {
	case 331, 332:
		// (After "USER bob\r\nPASS\r\n", the 331 to the USER leaves the
		// password due: passRetry.)
		p.passNext = p.passRetry() || !p.has(flagPassSent)
		// Only the client's bytes lost after it may hold the password
		// line's end (passLost).
		p.gapHeldEnd = false
		p.loginEnds()
	case 202, 230, 232:
		if p.passRetry() {
			// The server took the PASS that carried no password (an
			// anonymous login): none is due, the next line is a command.
			p.passNext = false
		}
		if r.Code != 202 {
			p.set(flagLoggedIn, true)
			p.proven |= provedLogin
		}
	case 120, 220:
		if !greeting {
			// A REIN's answer (the REIN's line, or one a gap took): the
			// login no longer stands. (A 530 leaves it: a USER refused
			// while it stands, vsftpd's "530 Can't change to another
			// user.", a command refused by permission.)
			p.proven &^= provedLogin
		}
	default:
		if loggedInOnly(r.Code) {
			p.proven |= provedLogin
		}
	}
	p.emit(e)
	if e.Encrypts {
		// TLS from the next byte: counted from headers, never parsed.
		p.state = parseTLS
	}
	if clientTLS {
		p.turnedTLS(true)
	}
}

// clientSilent tells whether the client had sent no byte when the
// server sent its latest ones: the capture holds both SYNs (not picked
// up mid-stream), no byte of the client's was parsed, no server byte was
// lost, and the server's acknowledgements went no further than the
// client's SYN (owedEver).
func (p *sessionParser) clientSilent() bool {
	return p.syn[dirClient] && p.syn[dirServer] && !p.started[dirClient] && !p.resync[dirClient] && p.serverOwed&owedEver == 0
}

// turnedTLS makes the connection TLS from here though no 234 to its AUTH
// is in the capture (ControlEncrypted): lost in a gap, or the wait of
// authClientTLS ended without it. fromClient: the client's TLS record
// showed it.
func (p *sessionParser) turnedTLS(fromClient bool) {
	p.state = parseTLS
	e := p.event(ControlEncrypted)
	e.FromClient = fromClient
	e.Encrypts = true
	p.emit(e)
}

func (p *sessionParser) confirm() {
	p.state = parseFTP
	p.stats.ControlBytes += p.cand.parsed
	q := p.cand.queue
	p.cand = nil
	for i := range q {
		p.emitTo(&q[i])
	}
}

func (p *sessionParser) reject() {
	p.state = parseRejected
	p.cand = nil
}

// looksLikePass tells whether a client line is a PASS command, or an
// ACCT (its account information is as secret), however it is mangled:
// any case, after any bytes that are not letters (NULs, telnet residue, a
// padding an attacker chose), followed by anything but a letter (a space,
// a tab, the end). ("ACCT\tsecret" was shown, its echo too.)
func looksLikePass(b []byte) bool {
	b = b[nonLetters(b):]
	if len(b) < 4 || !(bytes.EqualFold(b[:4], []byte("PASS")) || bytes.EqualFold(b[:4], []byte("ACCT"))) {
		return false
	}
	return len(b) == 4 || !isLetter(b[4])
}

// nonLetters is how many bytes at the start of b are not ASCII letters.
func nonLetters(b []byte) int {
	i := 0
	for i < len(b) && !isLetter(b[i]) {
		i++
	}
	return i
}

// carriesNoSecret tells whether a client line is a PASS or ACCT with
// nothing after its verb but blanks: the password (the account) is
// still to come.
func carriesNoSecret(cmd ftp.Command, err error) bool {
	return err == nil && (cmd.Verb == "PASS" || cmd.Verb == "ACCT") && strings.Trim(cmd.Arg, " \t") == ""
}

// passRetry tells whether the password due (passNext) is due since a
// PASS or ACCT that carried none (carriesNoSecret), not since a 331 or
// 332: only then is flagPassSent set with passNext (a 331 or 332 sets
// passNext only without it; every line, and reply's lostPass, clears
// passNext). A client gap clears flagPassSent: the password is then due
// as after a 331, the lost bytes may have held anything.
func (p *sessionParser) passRetry() bool { return p.passNext && p.has(flagPassSent) }

// gapSecret tells whether a client line whose first bytes a gap may
// have taken is, or may be, a password. A verb that is the tail of PASS
// (ASS, SS, S) or of ACCT (CCT, CT, T) is one whenever it comes: no
// known verb is spelt so. While the login is not known to
// be over, any line but a known command other than PASS and ACCT is one:
// its start, and a USER and PASS before it, may be in the gap. A known
// command is shown: masking it would hide a real command (and make it a
// PASS to the tracker) for the sake of a password spelt like a verb.
func (p *sessionParser) gapSecret(cmd ftp.Command, err error) bool {
	return isPassTail(cmd.Verb) || !p.has(flagLoggedIn) && passwordShaped(cmd, err)
}

// passwordShaped tells whether a client line may be a password line, or
// its tail: anything but a known command other than PASS and ACCT.
func passwordShaped(cmd ftp.Command, err error) bool {
	return err != nil || isPassTail(cmd.Verb) || !ftp.IsKnownVerb(cmd.Verb) || cmd.Verb == "PASS" || cmd.Verb == "ACCT"
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// closeAnswered closes, before the server's stream is flushed at its end,
// an open reply whose last line looked final and that the client
// answered: the server had ended it there (see serverLine).
func (p *sessionParser) closeAnswered() {
	if !p.has(flagSpokeAfter) {
		return
	}
	p.set(flagSpokeAfter, false)
	p.spokeReply()
}

// spokeReply delivers the reply ClientSpoke closes, if any, with the
// packet and time of its last line (bodyNum, bodyAt), which came before
// the packet being parsed.
func (p *sessionParser) spokeReply() {
	r := p.replies.ClientSpoke()
	if r == nil {
		return
	}
	num, ts := p.num, p.ts
	p.num = p.bodyNum
	if p.bodyAt != noUnixNano {
		p.ts = time.Unix(0, p.bodyAt).In(ts.Location())
	}
	p.reply(r)
	p.num, p.ts = num, ts
}

// Echoes of a masked line. A server may repeat a line it did not
// understand in its reply ("500 HUNTER2ECHO: command not understood.",
// BSD ftpd, upper-cased; "500 PASS\tTABSECRET9: ..."), and the line may
// be a password. The parser keeps a fingerprint of the last masked line's
// secret (a polynomial hash of its bytes, ASCII letters folded to lower
// case, and its length) rather than the bytes: it is compared with every
// window of the replies up to the final one, without allocation, and it
// costs 11 bytes of the connection instead of a buffer (see
// sessionParser; 6 of them fingerprint the secret's first bytes, for
// an echo cut short: headEchoIn). Two texts of the same fingerprint
// that differ only mask a reply that did not need it; a reply that holds
// the secret is always found.
const (
	echoBase = 0x01000193 // odd: multiplication by it is a bijection mod 2^32
	// minEcho: shorter secrets are not looked for: they would turn up
	// in replies by chance.
	minEcho = 3
	// maxEcho: a longer secret is fingerprinted by its first maxEcho
	// bytes; a reply that holds it holds them.
	maxEcho = 63
	// echoLenMask: the bits of echoLen that hold the length.
	echoLenMask = 0x3f
	// echoErrorsOnly, in echoLen's high bit: the secret was a well-formed
	// PASS's argument that an anonymous login sends (passAnonymous), or
	// one too short to be told from a word (under minTokenEcho bytes), so
	// only a refusal (4yz, 5yz: "530 Login incorrect for bob/s3cret") is
	// looked at for it. A server's welcome is no echo: ProFTPD's "230
	// Anonymous access granted" to the password "anonymous", wu-ftpd's
	// "230 Guest login ok" to "guest".
	echoErrorsOnly = 0x80
	// echoToken, in echoLen: the secret was a well-formed PASS's argument
	// of at least minTokenEcho bytes and no anonymous convention (with
	// echoErrorsOnly up to the PASS's final reply, whose refusal is
	// looked at as echoErrorsOnly says, for any run of the secret). The
	// PASS's replies up to its final one, whatever their code, are masked
	// when they hold the secret as a whole token (no letter or digit on
	// either side): a server that echoes the command it took ("230
	// Response PASS s3cretPW", a debugging or honeypot server) shows it in
	// its welcome. Not the replies after it: a password that is a common
	// word or number ("data", "1234", the user name) would hide the 425s
	// and 550s of the whole session, which echo what the client typed in
	// clear, not the password. The token bound keeps a password that is a
	// common word's part from masking a welcome that only holds the word;
	// one equal to a word the welcome holds ("test" for the user test:
	// "230 User test logged in") masks it, which is right: it shows the
	// password. The anonymous conventions are left to echoErrorsOnly,
	// since their welcome names them.
	echoToken = 0x40
	// minTokenEcho: a shorter password is looked for in refusals only.
	minTokenEcho = 4
	// echoAny, as echoLen: a masked line cut by the line bound whose
	// secret's own first bytes are too few to fingerprint (the line
	// keeps its head and tail, not the bytes a reply would repeat in
	// one run): every reply up to the final one is taken for an echo.
	echoAny = 1
	// echoLost, as echoLen: a password line the capture lost whole, its
	// end known (passLost): every refusal up to its final reply is taken
	// for an echo.
	echoLost = echoAny | echoErrorsOnly
)

// loginStep tells whether a final reply of code leads to a PASS rather
// than answering one: a 331 or 332 (a USER's; a 332 also a PASS's that
// needs an ACCT, which the login's refusal still follows), a 220 (a
// REIN's). It ends no echo window.
func loginStep(code int) bool { return code == 331 || code == 332 || code == 220 }

// mayEchoPassword tells whether a reply of code, answering client bytes
// the capture lacks that may hold a password line, may repeat the
// password: a refusal of the kinds a password line draws (RFC 959 4.2:
// x0z, syntax: "500 HUNTER2: command not understood.", BSD ftpd to a
// bare password line; x3z, authentication: "530 Login incorrect:
// bob/hunter2"). Not one that cannot answer a password line (550 names a
// file, 425 a data connection, 421 closes), nor a 2yz or 3yz.
func mayEchoPassword(code int) bool {
	return (code/100 == 4 || code/100 == 5) && (code/10%10 == 0 || code/10%10 == 3)
}

func foldCase(c byte) uint32 {
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	return uint32(c)
}

// armEcho fingerprints secret, trimmed of spaces, for the replies up to
// its line's final one (reply); a secret under minEcho bytes arms
// nothing. While another's window is open, it arms echoLost instead.
// A secret with a NUL in it is fingerprinted up to the NUL, if that
// part is long enough: a server written in C reads it so, and repeats
// that part ("PASS hunter2\x00": "530 Login incorrect: hunter2"); an
// echo of the whole holds it too. Control bytes before it are trimmed
// as spaces are ("PASS\x00hunter2", ftp.CmdControlSeparator: an echo
// that drops the NUL still holds the rest).
func armEcho[T string | []byte](p *sessionParser, secret T) {
	for len(secret) > 0 && secret[0] <= ' ' {
		secret = secret[1:]
	}
	for i := minEcho; i < len(secret); i++ {
		if secret[i] == 0 {
			secret = secret[:i]
			break
		}
	}
	for n := len(secret); n > 0 && (secret[n-1] == ' ' || secret[n-1] == '\t'); n = len(secret) {
		secret = secret[:n-1]
	}
	p.echoAhead = p.owedHi
	if p.echoLen != 0 {
		// A masked line before it still awaits its final reply (its
		// window is open), pipelined: the fingerprint holds one secret,
		// so every refusal up to this line's final reply, which comes
		// after the other's, is taken for an echo (echoLost), as for a
		// password line lost whole.
		p.echoLen = echoLost
		return
	}
	if len(secret) < minEcho {
		p.echoLen = 0
		return
	}
	secret = secret[:min(len(secret), maxEcho)]
	var h uint32
	p.echoHead, p.echoPrefix = 0, 0
	for i := 0; i < len(secret); i++ {
		h = h*echoBase + foldCase(secret[i])
		if n := i + 1; n < len(secret) {
			// (A head as long as the secret is the secret: echoIn.)
			switch {
			case n == echoHeadLen:
				p.echoHead = foldHead(h)
			case n > echoHeadLen && n <= echoPrefixMax && n%2 == 0:
				p.echoPrefix |= uint32(foldPrefix(h)) << prefixShift(n)
			}
		}
	}
	p.echoSum, p.echoLen = h, uint8(len(secret))
}

// echoHeadLen is how many of a secret's first bytes a reply repeating
// it cut short must hold to be taken for its echo (headEchoIn).
const echoHeadLen = 4

// echoPrefixMax is the longest of the secret's first bytes fingerprinted
// beside its head (sessionParser.echoPrefix): its first 6, 8, 10 and 12,
// 8 bits each. A word cut short that holds more of them is checked
// against these (headEchoIn).
const echoPrefixMax = 12

// prefixShift is where the fingerprint of a secret's first n bytes (n
// even, echoHeadLen < n <= echoPrefixMax) sits in echoPrefix.
func prefixShift(n int) int { return (n - echoHeadLen - 2) * 4 }

// foldHead folds the hash of a secret's head to its 16 bits
// (sessionParser.echoHead).
// (Never 0, which is none.)
func foldHead(h uint32) uint16 { return uint16(h^h>>16) | 1 }

// foldPrefix folds the hash of a secret's first bytes to 8 bits
// (sessionParser.echoPrefix).
func foldPrefix(h uint32) uint8 { return uint8(h ^ h>>8 ^ h>>16 ^ h>>24) }

// headEchoIn tells whether text holds, anywhere and in any case, a
// secret of n bytes cut short: its first echoHeadLen bytes or more,
// followed by something that is no letter or digit (punctuation, a
// space, a non-ASCII or control byte, the text's end). A server that
// trims what it repeats ("530 bad pw Zq9Secret...", "530 Login
// incorrect: bob/Zq9Se[truncated]", "530 Bad password «Sunshi»") shows
// the password's first bytes, whatever follows them. The text is
// compared by fingerprints (armEcho): at each place its next
// echoHeadLen bytes fingerprint as the secret's head (echoHead), the
// longest of the secret's first 6, 8, 10 and 12 bytes that fingerprint
// alike there (echoPrefix) bound where it goes on otherwise: before
// the next of them that does not, or the secret's end. If every byte
// from the head to that one is a letter or digit, the text goes on with
// another word and is shown ("530 Login incorrect." for the password
// "Incoming#7": "inco" alike, then "rr", no cut); a byte that is none
// there is the cut ("530 Bad password Sunshi" for "Sunshine1"). A word
// that only begins as the password does and ends there ("530 Test
// account disabled" for "Test1234") is hidden too: the text cannot tell
// it from a cut echo ("530 Bad password Test (truncated)"), and hiding
// a refusal's text costs less than showing a password's head; but not
// one of the words a refusal says in its own voice, said as a word of
// its sentence ("530 Login incorrect." for "Login2024", "530 Permission
// denied" for "Permission9": refusalWordAt), which would hide the reason
// an admin reads the reply for. The
// bytes are read from the head on, not only where the two part: a
// prefix that fingerprints alike by chance (8 bits) only widens what
// is read, so it cannot show a cut echo. A run that holds the secret's
// first echoPrefixMax bytes is its echo whatever follows: no common
// word repeats that many. (The whole secret is echoIn's.) Linear in the
// text: at most echoPrefixMax bytes hashed at each place, and the
// letters and digits after the heads skipped once.
func headEchoIn(text string, head uint16, prefix uint32, n int) bool {
	if n <= echoHeadLen || head == 0 {
		return false
	}
	// cut: the first byte at or after the place's head that is no
	// letter or digit, or the text's end (it only moves on).
	cut := 0
	for j := 0; j+echoHeadLen <= len(text); j++ {
		var h uint32
		for k := j; k < j+echoHeadLen; k++ {
			h = h*echoBase + foldCase(text[k])
		}
		if foldHead(h) != head {
			continue
		}
		// parts: the first of the secret's fingerprinted lengths whose
		// prefix the text does not hold here (or its length, n).
		parts, alike := n, echoHeadLen
		for m := echoHeadLen + 1; m <= echoPrefixMax && m < n; m++ {
			if j+m > len(text) {
				parts = m
				break
			}
			h = h*echoBase + foldCase(text[j+m-1])
			if m%2 != 0 {
				continue
			}
			if foldPrefix(h) != uint8(prefix>>prefixShift(m)) {
				parts = m
				break
			}
			alike = m
		}
		if alike == echoPrefixMax {
			return true
		}
		for cut < len(text) && (cut < j+echoHeadLen || isAlnum(text[cut])) {
			cut++
		}
		if cut < j+parts && !refusalWordAt(text, j, cut, parts) {
			return true
		}
	}
	return false
}

// refusalWords are words a server's refusal says in its own voice
// ("530 Login incorrect.", "530 Permission denied", "530 Access
// denied: account locked"). A password that begins with one
// ("Login2024", "Permission9", "Password!") shares its head with them.
var refusalWords = [...]string{
	"access", "account", "authentication", "denied", "disabled",
	"failed", "failure", "forbidden", "incorrect", "invalid", "locked",
	"login", "logon", "password", "permission", "refused", "rejected",
	"sorry", "unknown", "user", "username", "wrong",
}

// refusalWordAt tells whether text[j:cut], which begins as the secret
// does, is one of refusalWords said as a word of a sentence: at the
// text's start or after a space, and followed by the text's end, a
// space, or one mark of punctuation that ends the text or precedes a
// space ("Login incorrect.", "Permission denied: ..."). Such a word is
// the reply's own, not a cut echo (headEchoIn): a server cuts what it
// repeats by a length, not where a common word ends, and marks the cut
// or puts the echo after a quote, a '/', an '=' ("bob/Login", "pw=Login",
// "'Login...'"), which keep it hidden. Only a word alike in every byte
// the fingerprints hold up to the cut is shown, only when the secret is
// longer than it (the whole secret is echoIn's), and only when the
// fingerprints rule out that the byte after it is the secret's next
// (parts, headEchoIn's first length not held): else the word and that
// byte are a cut echo ("Login!" for "Login!2024", "Login 0" for
// "Login 000").
func refusalWordAt(text string, j, cut, parts int) bool {
	if j > 0 && text[j-1] != ' ' {
		return false
	}
	if cut < len(text) && parts != cut-j+1 {
		// The length that takes in the byte after the word is held, or
		// untested (the fingerprints hold even lengths; parts is the
		// secret's length when it is one byte longer than the word, and
		// then echoIn decides). After a word of even length a space may
		// still be told: a word going on after it, the two bytes not
		// held ("Access denied" for "Access2024"); a mark may not
		// ("Password!" for "Password!2024").
		if text[cut] != ' ' || (cut-j)%2 != 0 || parts != cut-j+2 ||
			cut+1 == len(text) || !isAlnum(text[cut+1]) {
			return false
		}
	}
	if cut < len(text) && text[cut] != ' ' {
		switch text[cut] {
		case '.', ',', ';', ':', '!':
		default:
			return false
		}
		if cut+1 < len(text) && text[cut+1] != ' ' {
			return false
		}
	}
	for _, w := range refusalWords {
		if strings.EqualFold(text[j:cut], w) {
			return true
		}
	}
	return false
}

// passAnonymous tells whether a password is one an anonymous login sends
// by convention (RFC 1635): anonymous, anon, guest, ftp, in any case, or
// an e-mail address: a string ending in '@' ("IEUser@", "mozilla@"), or
// one with a dot after its '@' ("user@example.com"). Its echo in a
// welcome ("230 Anonymous access granted") is no leak.
func passAnonymous(pw string) bool {
	for _, w := range [...]string{"anonymous", "anon", "guest", "ftp"} {
		if strings.EqualFold(pw, w) {
			return true
		}
	}
	i := strings.LastIndexByte(pw, '@')
	return i >= 0 && (i == len(pw)-1 || strings.Contains(pw[i+1:], "."))
}

// echoTokenIn is echoIn for a whole token: the n bytes of the
// fingerprint with no letter or digit just before or after them.
func echoTokenIn(text string, sum uint32, n int) bool { return echoFind(text, sum, n, true) }

func isAlnum(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' }

// echoIn tells whether text holds, in any case, the n bytes of
// fingerprint sum (armEcho).
func echoIn(text string, sum uint32, n int) bool { return echoFind(text, sum, n, false) }

// echoFind is echoIn and echoTokenIn (whole): a rolling hash over the
// windows of n bytes of text.
func echoFind(text string, sum uint32, n int, whole bool) bool {
	if n == 0 || len(text) < n {
		return false
	}
	pow := uint32(1) // echoBase^n: the weight of the byte leaving the window
	for range n {
		pow *= echoBase
	}
	var h uint32
	for i := 0; i < len(text); i++ {
		h = h*echoBase + foldCase(text[i])
		if i >= n {
			h -= pow * foldCase(text[i-n])
		}
		if i >= n-1 && h == sum && (!whole || (i < n || !isAlnum(text[i-n])) && (i+1 == len(text) || !isAlnum(text[i+1]))) {
			return true
		}
	}
	return false
}

// armEchoOf arms the echo check (armEcho) with the part of a masked
// client line a server's echo would hold: a PASS's or ACCT's argument
// (or their tails', after a gap), the rest of a mangled PASS after its
// verb, else the whole line (a bare password after a 331, a line after a
// gap). glue is where the line's kept tail begins if the line bound cut
// it (0 < glue < len(line); see clientText).
func (p *sessionParser) armEchoOf(line []byte, glue int, cmd ftp.Command, err error) {
	if glue > 0 && glue < len(line) {
		// The line keeps its first and last bytes (the splitter's
		// bound): only what precedes the glue is the secret's own run of
		// bytes, which an echo would hold.
		tail := len(line) - glue
		line = line[:glue]
		cmd.Arg = cmd.Arg[:max(len(cmd.Arg)-tail, 0)]
		defer func() {
			if p.echoLen&echoLenMask == 0 {
				p.echoLen = echoAny
			}
		}()
	}
	if err == nil {
		switch cmd.Verb {
		case "PASS":
			switch armEcho(p, cmd.Arg); {
			case p.echoLen == 0:
			case int(p.echoLen) >= minTokenEcho && int(p.echoLen) < maxEcho && !passAnonymous(strings.Trim(cmd.Arg, " \t")):
				// (A secret longer than the fingerprint has no token
				// end in its first maxEcho bytes: refusals only, as
				// before, and no common word that long.)
				p.echoLen |= echoToken | echoErrorsOnly
			default:
				p.echoLen |= echoErrorsOnly
			}
			return
		case "ACCT":
			// An account is no common word a welcome holds by chance
			// (as "anonymous" is for PASS): every reply up to the final
			// one is looked at ("202 ACCT not needed <account>").
			armEcho(p, cmd.Arg)
			return
		}
	}
	if isPassTail(cmd.Verb) && (err == nil || err == ftp.ErrBadVerb) {
		// (A verb of one or two letters is a bad verb to the parser,
		// which still splits it from its argument.)
		armEcho(p, cmd.Arg)
		return
	}
	if looksLikePass(line) {
		line = line[nonLetters(line)+4:]
	}
	armEcho(p, line)
}

// isPassTail tells whether a verb, upper-cased, is the tail of PASS
// (ASS, SS, S) or of ACCT (CCT, CT, T) a gap left: no known verb is
// spelt so.
func isPassTail(verb string) bool {
	switch verb {
	case "ASS", "SS", "S", "CCT", "CT", "T":
		return true
	}
	return false
}

// replyCut tells whether a line of r was cut by the line bound: its head
// and tail are glued, so a secret it repeats across the glue is in no
// run of bytes echoIn would find. Such a reply, while a secret is looked
// for, is taken for an echo.
func (p *sessionParser) replyCut(r *ftp.Reply) bool {
	bound := p.lineBound()
	if bound <= 0 {
		bound = ftp.DefaultMaxLine
	}
	for _, l := range r.Lines {
		if len(l) >= bound {
			return true
		}
	}
	return false
}

// sitePassword tells whether a SITE argument carries a password, in any
// case, its words split by spaces or tabs: Serv-U's SITE PSWD old new,
// wu-ftpd's SITE GPASS pw (after SITE GROUP name), and the SITE PASSWD,
// CHPASS user pw and other sub-commands whose name holds PASS that
// servers and their add-ons take. word is the sub-command, rest what
// follows it (the secrets, from the separator on).
func sitePassword(arg string) (word, rest string, ok bool) {
	arg = strings.TrimLeft(arg, " \t")
	i := strings.IndexAny(arg, " \t")
	if i < 0 {
		i = len(arg)
	}
	word, rest = arg[:i], arg[i:]
	up := strings.ToUpper(word)
	if up != "PSWD" && up != "ADDUSER" && up != "GADDUSER" && !strings.Contains(up, "PASS") {
		return "", "", false
	}
	return word, rest, true
}

// siteSecretWord is the word of a SITE password command's rest
// (sitePassword) that holds the password its echo would repeat: glftpd's
// ADDUSER user pass [ident@ip...] its second, GADDUSER group user pass
// [ident@ip...] its third; the others' last (GPASS pw, CHPASS user pw,
// PSWD old new). Empty when the command has no such word.
func siteSecretWord(word, rest string) string {
	f := strings.Fields(rest)
	at := len(f) - 1
	switch strings.ToUpper(word) {
	case "ADDUSER":
		at = 1
	case "GADDUSER":
		at = 2
	}
	if at < 0 || at >= len(f) {
		return ""
	}
	return f[at]
}

// armSitePassEcho arms the echo check for a SITE command that carries a
// password (sitePassword): its password word (siteSecretWord), or the
// whole rest when that word is too short to look for.
func armSitePassEcho(p *sessionParser, word, rest string) {
	if w := siteSecretWord(word, rest); len(w) >= minEcho {
		armEcho(p, w)
		return
	}
	armEcho(p, rest)
}

// sitePasswordArg is a SITE argument that carries a password (sitePassword)
// written as "word secrets": its sub-command, one space, then the rest,
// its leading blanks dropped. Outputs mask all of an argument but its first word, up to
// the first space: a tab after the sub-command ("PSWD\told new") would
// otherwise keep the old password in that word. It is arg itself when it
// is so already.
func sitePasswordArg(arg, word, rest string) string {
	if rest == "" || strings.HasPrefix(arg, word) && rest[0] == ' ' {
		return arg
	}
	return word + " " + strings.TrimLeft(rest, " \t")
}

// junkSitePassword tells whether a line that is no command (its verb
// malformed) is a SITE command carrying a password all the same:
// "SITE\tPSWD old new", the verb cut from its argument by a tab, which
// a server may still take.
func junkSitePassword(line []byte) bool {
	s := bytes.TrimLeft(line, " \t")
	if len(s) < 5 || !bytes.EqualFold(s[:4], []byte("SITE")) || s[4] != ' ' && s[4] != '\t' {
		return false
	}
	_, _, ok := sitePassword(string(s[5:]))
	return ok
}

// looksLikeLineStart tells whether bytes picked up mid-stream begin a line:
// a reply code from the server, a command word from the client.
func looksLikeLineStart(b []byte, fromClient bool) bool {
	if fromClient {
		n := 0
		for n < len(b) && n < 5 && (b[n]|0x20 >= 'a' && b[n]|0x20 <= 'z') {
			n++
		}
		if n < 3 || n > 4 || n >= len(b) {
			return false
		}
		return b[n] == ' ' || b[n] == '\r' || b[n] == '\n'
	}
	return startsReplyCode(b)
}

// startsReplyCode tells whether b begins a reply line: a code of three
// digits (1yz to 6yz, RFC 959 and RFC 2228's protected replies), then a
// space, a dash (a multi-line reply) or the line end.
func startsReplyCode(b []byte) bool {
	return len(b) >= 4 && b[0] >= '1' && b[0] <= '6' && isDigit(b[1]) && isDigit(b[2]) && (b[3] == ' ' || b[3] == '-' || b[3] == '\r')
}

// lineVerdict is what a candidate's client line says of the connection.
type lineVerdict uint8

const (
	lineUndecided lineVerdict = iota // FTP and another 220-greeting protocol share it: wait for the next line
	lineFTP                          // an FTP command no other such protocol has
	lineNotFTP                       // not an FTP command
)

// candidateVerdict tells whether a client line, sent on a connection
// found by a 220 greeting on a port that is not a control port, proves the
// connection FTP. What else greets with 220: SMTP (RFC 5321; its client
// opens with EHLO or HELO, and has MAIL RCPT DATA RSET VRFY EXPN HELP NOOP
// QUIT, STARTTLS, BDAT, ETRN...), LMTP (RFC 2033, LHLO) and ODMR (RFC
// 2645: EHLO, then AUTH and ATRN); NNTP greets with 200 or 201, but its 220
// answers ARTICLE (RFC 3977), so a capture picked up mid-stream can begin
// with one. POP3 and IMAP greet with "+OK" and "* OK": never candidates,
// so their USER, PASS, RETR, LIST... need not be feared.
//
//   - A known FTP verb (decode/ftp's table) none of those share confirms:
//     USER, PASS, AUTH with an RFC 2228 mechanism, FEAT, OPTS, SYST, CLNT,
//     HOST, LANG (what lftp, tnftp, ncftp and others send first), PASV...
//   - Verbs FTP shares with them wait for the next line: HELP, NOOP, QUIT
//     (SMTP and NNTP), STAT, LIST, MODE (NNTP: MODE READER), AUTH with
//     another argument (SMTP's RFC 4954 AUTH names SASL mechanisms, PLAIN,
//     LOGIN...) or none, and an empty line.
//   - Anything else rejects: EHLO, HELO, LHLO, MAIL, ARTICLE, a verb FTP
//     does not know, a malformed line.
func candidateVerdict(cmd ftp.Command, err error) lineVerdict {
	switch {
	case err == ftp.ErrEmptyLine:
		return lineUndecided
	case err != nil || !ftp.IsKnownVerb(cmd.Verb):
		return lineNotFTP
	}
	switch cmd.Verb {
	case "HELP", "NOOP", "QUIT", "STAT", "LIST", "MODE":
		return lineUndecided
	case "AUTH":
		if isFTPSecurityMechanism(cmd.Arg) {
			return lineFTP
		}
		return lineUndecided
	}
	return lineFTP
}

// isFTPSecurityMechanism tells whether an AUTH argument names an FTP
// security mechanism, in any case: GSSAPI and KERBEROS_V4 (RFC 2228),
// TLS (RFC 4217) and the older names servers still take for it, SSL,
// TLS-C and TLS-P. GSSAPI is a SASL mechanism too, but an SMTP client
// sends AUTH only after EHLO (RFC 4954).
func isFTPSecurityMechanism(arg string) bool {
	for len(arg) > 0 && arg[0] == ' ' {
		arg = arg[1:]
	}
	for i := 0; i < len(arg); i++ {
		if arg[i] == ' ' {
			arg = arg[:i]
			break
		}
	}
	for _, m := range [...]string{"TLS", "SSL", "TLS-C", "TLS-P", "GSSAPI", "KERBEROS_V4"} {
		if strings.EqualFold(arg, m) {
			return true
		}
	}
	return false
}

// ErrEndpointCut is a data endpoint announcement (a 227, 228 or 229
// reply; a PORT, EPRT or LPRT command) whose line the capture cut inside
// its last number: a capture gap, or a snap length shorter than the
// packet, ended it with a digit, no closing ")" or delimiter after it,
// and the number could go on. "(10,0,0,1,195,8" reads as port 49928
// where the server may have said 50000 (or any of 49930-49939): the
// endpoint is not taken, as one that does not parse is not.
var ErrEndpointCut = errors.New("cut short by the capture inside its last number")

// endpointCut is the error of an announcement in line, of direction d,
// that parsed with err (its fields at most max): ErrEndpointCut when it
// parsed though a cut ended it (a gap is being reported in d, that cut
// the line: resync) in the middle of a number that could go on. A line
// whose closing ")" or delimiter was captured is whole, whatever the cut
// took after it; so is a last number that one more digit would take past
// max ("195,80": 800 and up is no byte).
func (p *sessionParser) endpointCut(d int, line []byte, max int, err error) error {
	if err != nil || !p.resync[d] || !lastNumberOpen(string(line), max) {
		return err
	}
	return ErrEndpointCut
}

// replyEndpointCut is endpointCut for the announcement in reply r: its
// last line, where a gap ends it.
func (p *sessionParser) replyEndpointCut(r *ftp.Reply, max int, err error) error {
	if err != nil || len(r.Lines) == 0 || !p.resync[dirServer] || !lastNumberOpen(r.Lines[len(r.Lines)-1], max) {
		return err
	}
	return ErrEndpointCut
}

// lastNumberOpen tells whether line ends in a number that another digit
// would keep within max: a cut there may have taken its last digits.
func lastNumberOpen(line string, max int) bool {
	i := len(line)
	for i > 0 && line[i-1] >= '0' && line[i-1] <= '9' {
		i--
	}
	if i == len(line) {
		return false // no digit at the end: a ")" or delimiter closed it
	}
	n := 0
	for _, c := range line[i:] {
		n = n*10 + int(c-'0')
		if n > max {
			return false // (not a field: whatever it is, not cut)
		}
	}
	return n*10 <= max
}

// loggedInOnly tells whether a reply code answers only a logged-in
// user's command (provedLogin): a transfer's start (125, 150) or end
// (226), a directory command's (250: CWD, DELE, RMD, RNTO; 257: PWD,
// MKD). Before the login, servers answer those commands 530 (RFC 959
// 5.4; vsftpd, ProFTPD, Pure-FTPd, IIS, FileZilla Server). The codes
// track takes for a login before a mid-stream pickup
// (track.Session.LoginBefore), and 250.
func loggedInOnly(code int) bool {
	switch code {
	case 125, 150, 226, 250, 257:
		return true
	}
	return false
}

// gapCutDeliverable tells whether the client's line a gap cuts is
// delivered as a command (gapAfter): a command's start (startsCommand),
// while a login stands (provedLogin: gaps before keep it, the replies
// since show none took its place) or a PORT, EPRT or LPRT, and not a line
// that may be a password or its tail (passNext, flagGapLine).
func (p *sessionParser) gapCutDeliverable() bool {
	head := p.split[dirClient].Head(5)
	return (p.proven&provedLogin != 0 || startsActiveAnnounce(head)) && !p.passNext && !p.has(flagGapLine) &&
		startsCommand(head, p.split[dirClient].Pending())
}

// startsCommand tells whether a client line of which the capture holds
// the first pending bytes, head its first five, begins with a known
// verb (decode/ftp's table, in any case) followed by a space, or is that
// verb alone: a command whatever the bytes after it. Not the verbs of a
// login (USER, PASS, ACCT, REIN, AUTH, ADAT) nor SITE, whose cut
// sub-command may be a password's (SITE PSWD, SITE CHPASS): a cut one is
// not delivered.
func startsCommand(head []byte, pending int) bool {
	n := 0
	for n < len(head) && n < 4 && isLetter(head[n]) {
		n++
	}
	if n < 3 || !(n < len(head) && head[n] == ' ' || n == pending) {
		return false
	}
	var up [4]byte
	for i := range n {
		up[i] = head[i] &^ 0x20
	}
	switch string(up[:n]) {
	case "USER", "PASS", "ACCT", "REIN", "AUTH", "ADAT", "SITE":
		return false
	}
	return ftp.IsKnownVerb(string(up[:n]))
}

// startsActiveAnnounce tells whether a client line begins with PORT,
// EPRT or LPRT and a space, in any case.
func startsActiveAnnounce(b []byte) bool {
	if len(b) < 5 || b[4] != ' ' {
		return false
	}
	switch string([]byte{b[0] &^ 0x20, b[1] &^ 0x20, b[2] &^ 0x20, b[3] &^ 0x20}) {
	case "PORT", "EPRT", "LPRT":
		return true
	}
	return false
}

// noUnixNano marks a time UnixNano cannot hold (before 1678 or after
// 2262: a pcapng simple packet block's zero time); unixNanoOrNone gives
// it for such a time, so the reply keeps the current packet's time.
const noUnixNano = math.MinInt64

func unixNanoOrNone(t time.Time) int64 {
	if y := t.Year(); y < 1678 || y > 2261 {
		return noUnixNano
	}
	return t.UnixNano()
}
