package decode

import (
	"net/netip"
	"time"
)

// A control connection whose handshake never completed leaves no bytes
// to parse: decode announces a session only once a side speaks, so a
// port 21 that refuses, or a firewall that drops every SYN, left a
// capture of "0 sessions". What its opening showed is kept in a
// connectAttempt the control table holds for the connection
// (controlTable.openings; allocated only when a SYN is sent again, or
// answered by an RST or an ICMP error, and dropped with the connection),
// and said when the connection is closed never having opened
// (ControlEvent.Connect): the session is announced then, with no command.
//
// Only the answers the opener's TCP would take count: an RST that
// acknowledges its SYN (RFC 9293 3.10.7.3), an ICMP error that quotes the
// SYN's sequence number and ends a connect (Unreachable.EndsConnect). A
// single SYN nothing answered is no failure: a scanner's probe, or a
// capture that ended or lost the rest; a real client sends it again.
//
// A capture that loses or reorders packets may hold the answer without
// its SYN before it. An RST from a control port that starts no known
// connection, with sequence number 0 and an ACK, is the answer to a SYN
// (RFC 9293 3.10.7.1: a reset for a segment without ACK takes sequence
// number 0 and acknowledges the segment), whose ISN its ACK names: the
// connection starts from it, its SYN counted once (refusedUnseenSYN);
// the SYN, if it comes, is that one, or a copy of it. If none comes, the
// RST alone says nothing of a client (a SYN flood's backscatter looks
// the same): no session, counted (Stats.RefusalsWithoutSYN). An ICMP error
// quoting a SYN to a control port that no connection has sent is held
// (earlyICMP: the latest maxEarlyICMP) for the SYN it quotes to come
// within earlyAnswerWindow: quoting no flags, it might otherwise be a
// segment of a connection the capture began after.

// ConnectHow says how a control connection's opening failed.
type ConnectHow uint8

const (
	// ConnectRefused: an RST answered the client's SYN (nothing listens
	// on the port, or a firewall rejects with a reset).
	ConnectRefused ConnectHow = iota + 1
	// ConnectUnreachable: an ICMP error quoting the SYN ended the connect
	// (ConnectFailure.ICMP).
	ConnectUnreachable
	// ConnectUnanswered: the client sent its SYN again and again, and
	// nothing answered.
	ConnectUnanswered
	// ConnectAnswerLost: the server answered with a SYN-ACK, yet the
	// client sent its SYN again: the answer never reached it.
	ConnectAnswerLost
)

func (h ConnectHow) String() string {
	switch h {
	case ConnectRefused:
		return "refused"
	case ConnectUnreachable:
		return "unreachable"
	case ConnectUnanswered:
		return "unanswered"
	case ConnectAnswerLost:
		return "answer-lost"
	}
	return "unknown"
}

// ConnectFailure is, on the ControlClose of a control connection that
// never opened (no byte either way, no handshake completed), how its
// opening failed. Handlers may keep it.
type ConnectFailure struct {
	How ConnectHow
	// SYNs: the client's SYNs with the connection's sequence number (the
	// first and its copies); LastSYN: when the latest was sent.
	SYNs    int
	LastSYN time.Time
	// SynAcks: the server's SYN-ACKs seen (ConnectAnswerLost).
	SynAcks int
	// AnswerNum, AnswerTS: the packet of the first RST (ConnectRefused)
	// or of the ICMP error (ConnectUnreachable) that answered a SYN.
	AnswerNum uint64
	AnswerTS  time.Time
	// Refusals: the RSTs that answered the SYN and its copies.
	Refusals int
	// ICMP: the error that ended the connect (ConnectUnreachable).
	ICMP ICMPAnswer
}

// ICMPAnswer is what ConnectFailure keeps of an ICMP or ICMPv6 error.
type ICMPAnswer struct {
	From       netip.Addr // who sent it: the server, or a router on the path
	V6         bool
	Type, Code uint8
}

// connectAttempt is what a control connection keeps of its opening while
// it has not opened.
type connectAttempt struct {
	ConnectFailure
	// synsAfterAnswer: the client's SYN copies that came after the
	// server's SYN-ACK (the answer did not reach it); clientReset: the
	// client reset the connection at its next byte, which a client
	// whose connect had given up does on a late SYN-ACK (RFC 9293
	// 3.10.7.1): the answer reached it, late; probed: ICMP time exceeded
	// from one router, then from another, quoted the SYN's copies: a
	// TTL-limited probe (traceroute -T: the same SYN sent again with a
	// higher TTL).
	synsAfterAnswer     int
	clientReset, probed bool
	// loopFrom, loops: the router whose time exceeded answered the SYN,
	// and how many of its copies it answered so: the same router for
	// every copy is a routing loop.
	loopFrom netip.Addr
	loops    int
	// synUnseen: the attempt began with the RST refusing a SYN the
	// capture had not shown (refusedUnseenSYN); SYNs counts that SYN.
	synUnseen bool
}

// refusedWait: a connection refused is kept this long for the copies of
// its SYN (Windows sends a refused SYN twice more, 500 ms apart), not the
// minute a silent connection waits: a scan of a closed port 21 would
// otherwise fill the table.
const refusedWait = 2 * time.Second

// synCopyGap: a SYN sooner than this after the one before is a copy of it
// (a capture on two interfaces, a mirror port), not the client's TCP
// sending it again (its first retransmission waits a second, RFC 6298).
const synCopyGap = 200 * time.Millisecond

// opening returns cs's connectAttempt (controlTable.openings), or nil.
func (cs *controlConn) opening() *connectAttempt {
	if len(cs.t.openings) == 0 {
		return nil
	}
	return cs.t.openings[cs]
}

// attempt returns cs's connectAttempt, allocating it with the SYN the
// connection began with counted.
func (cs *controlConn) attempt() *connectAttempt {
	t := cs.t
	a := t.openings[cs]
	if a == nil {
		if t.openings == nil {
			t.openings = make(map[*controlConn]*connectAttempt)
		}
		a = &connectAttempt{ConnectFailure: ConnectFailure{SYNs: 1, LastSYN: cs.firstTS}}
		t.openings[cs] = a
	}
	return a
}

// notOpened tells whether cs is a connection on a control port whose
// client sent a SYN and that carried no byte yet.
func (cs *controlConn) notOpened() bool {
	return cs.phase == phaseSilent && !cs.announced && !cs.byContent && cs.syn[dirClient]
}

// noteOpening notes what segment s of direction d says of the opening of
// cs (notOpened), and reports whether s is done with: an RST answering
// the client's SYN is taken here (its sequence number is in no window
// the reassembler knows), not as the end of a connection that never
// began.
func (cs *controlConn) noteOpening(d int, s *Segment) bool {
	switch {
	case d == dirClient && s.Flags&(FlagSYN|FlagACK) == FlagSYN && s.Seq == cs.isn[dirClient]:
		last := cs.firstTS
		if a := cs.opening(); a != nil {
			last = a.LastSYN
			if a.synUnseen {
				a.synUnseen = false
				if PacketSub(s.TS, last) < synCopyGap {
					// The SYN the RST before it refused (two interfaces,
					// or two NIC queues, wrote them out of order), not a
					// copy: counted already. The session starts with the
					// earlier of the two.
					a.LastSYN = s.TS
					if s.TS.Before(cs.firstTS) {
						cs.lastSeen = PacketSub(cs.firstTS, s.TS)
						cs.firstTS = s.TS
					}
					break
				}
			}
		}
		if s.TS.Sub(last) >= synCopyGap {
			a := cs.attempt()
			a.SYNs++
			a.LastSYN = s.TS
			if cs.syn[dirServer] {
				a.synsAfterAnswer++
			}
		}
		if cs.t.earlyICMP != nil {
			cs.t.earlyAnswer(cs, s) // an ICMP error written before it
		}
	case d == dirClient && s.Flags.Has(FlagRST) && s.Seq == cs.isn[dirClient]+1:
		if a := cs.opening(); a != nil {
			a.clientReset = true
		}
	case d == dirServer && s.Flags&(FlagSYN|FlagACK) == FlagSYN|FlagACK:
		if a := cs.opening(); a != nil {
			a.SynAcks++
		}
	case d == dirServer && s.Flags&(FlagRST|FlagACK) == FlagRST|FlagACK && !cs.syn[dirServer] && s.Ack == cs.isn[dirClient]+1:
		a := cs.attempt()
		a.Refusals++
		if a.AnswerNum == 0 {
			a.AnswerNum, a.AnswerTS = s.Num, s.TS
		}
		// Due in refusedWait unless a copy of the SYN comes (segment
		// places it at the back of the list again).
		if cs.list() != &cs.t.refusedConns {
			cs.t.enlist(cs, &cs.t.refusedConns)
		} else {
			cs.list().moveToBack(cs)
		}
		return true
	}
	return false
}

// refusesUnseenSYN tells whether s, a segment from a control port that
// starts no connection the table knows, is the RST answering a SYN to it
// the capture does not hold (yet): RST and ACK, sequence number 0, no
// bytes (RFC 9293 3.10.7.1).
func (d *Decoder) refusesUnseenSYN(s *Segment) bool {
	return s.Flags&(FlagRST|FlagACK|FlagSYN|FlagFIN) == FlagRST|FlagACK && s.Seq == 0 && s.PayloadLen == 0 &&
		d.isControlPort(s.Src.Port()) && !d.isControlPort(s.Dst.Port())
}

// refusedUnseenSYN starts cs, added for the RST s (refusesUnseenSYN), as
// the connection whose SYN that RST refused: the client's ISN is the one
// s acknowledges, its SYN counted once; the RST itself is taken next
// (noteOpening).
func (cs *controlConn) refusedUnseenSYN(s *Segment) {
	cs.syn[dirClient], cs.isn[dirClient] = true, s.Ack-1
	cs.parser.syn[dirClient] = true
	cs.attempt().synUnseen = true
}

// earlyAnswerWindow is how far apart in packet time an ICMP error held
// before the SYN it quotes (earlyICMP) and that SYN may be: two NIC
// queues of one interface reorder by a millisecond or two; a capture
// that may reorder (two interfaces, skew.go) by tens of milliseconds.
// The same as track's for data connections (answerHoldWindow,
// reorderAnswerWindow).
func (t *controlTable) earlyAnswerWindow() time.Duration {
	if t.pool.reorder {
		return 100 * time.Millisecond
	}
	return 2 * time.Millisecond
}

// maxEarlyICMP bounds the ICMP errors held for the SYNs they quote; one
// pushed out within earlyAnswerWindow of the newcomer is counted
// (Stats.EarlyICMPOverwritten).
const maxEarlyICMP = 8

// earlyICMPs holds ICMP errors that quote a SYN to a control port no
// connection had sent: a ring, the oldest replaced.
type earlyICMPs struct {
	held [maxEarlyICMP]Unreachable
	next int
}

// holdICMP keeps u, which quotes a segment to a control port of a
// connection the table does not know, for the SYN it may answer.
func (t *controlTable) holdICMP(u *Unreachable) {
	if !u.EndsConnect() || !t.d.isControlPort(u.Dst.Port()) || t.d.isControlPort(u.Src.Port()) {
		return
	}
	if t.earlyICMP == nil {
		t.earlyICMP = new(earlyICMPs)
	}
	e := t.earlyICMP
	old := &e.held[e.next]
	if old.Num != 0 && PacketSub(u.TS, old.TS) <= t.earlyAnswerWindow() {
		t.d.stats.EarlyICMPOverwritten++
	}
	*old = *u
	old.Fragments, old.FragmentsUnlisted = nil, 0 // (valid only during the Handler call)
	e.next = (e.next + 1) % maxEarlyICMP
}

// earlyAnswer takes, for cs's SYN s just noted, an ICMP error held
// before it that quotes it (holdICMP).
func (t *controlTable) earlyAnswer(cs *controlConn, s *Segment) {
	w := t.earlyAnswerWindow()
	for i := range t.earlyICMP.held {
		u := &t.earlyICMP.held[i]
		if u.Num == 0 || u.Src != s.Src || u.Dst != s.Dst || u.Seq != s.Seq {
			continue
		}
		if dt := PacketSub(s.TS, u.TS); dt <= w && dt >= -w {
			t.connectICMP(u)
		}
		u.Num = 0 // (taken, or too far from its SYN to be its answer)
	}
}

// connectICMP notes an ICMP error u that quotes the SYN of a control
// connection that has not opened, when it is of a kind that ends a
// connect. One that quotes a segment of no connection is held for the
// SYN (holdICMP).
func (t *controlTable) connectICMP(u *Unreachable) {
	cs := t.conns.Get(MakeConnKey(u.Src, u.Dst))
	if cs == nil {
		t.holdICMP(u)
		return
	}
	if !cs.notOpened() || u.Src != cs.client || cs.syn[dirServer] || u.Seq != cs.isn[dirClient] || !u.EndsConnect() {
		return
	}
	a := cs.attempt()
	if u.TimeExceeded() {
		switch {
		case !a.loopFrom.IsValid():
			a.loopFrom, a.loops = u.From, 1
			a.ICMP = ICMPAnswer{From: u.From, V6: u.V6, Type: u.Type, Code: u.Code}
			a.AnswerNum, a.AnswerTS = u.Num, u.TS
		case u.From == a.loopFrom:
			a.loops++
		default:
			a.probed = true
		}
		return
	}
	if a.ICMP.From.IsValid() {
		return // the first one ended the connect
	}
	a.ICMP = ICMPAnswer{From: u.From, V6: u.V6, Type: u.Type, Code: u.Code}
	if a.AnswerNum == 0 {
		a.AnswerNum, a.AnswerTS = u.Num, u.TS
	}
}

// ftpDataPort is the port an FTP server's active data connections come
// from (RFC 959's default, L-1 of port 21; vsftpd connect_from_port_20).
// A connection from it to a control port is no client's control
// connection: a client's TCP takes an ephemeral port (1024 and up, and a
// NAT keeps a port of that class in it), and binding port 20 takes root.
// It is an FTP server connecting out for a PORT or EPRT that named a
// control port (a bounce, or a client listening on it), whose
// announcement the capture does not hold or ftpsniff cannot read (one it
// reads arms it, and the tracker takes the SYN as data: DataExpecter), or
// a scan from source port 20 (nmap -g 20, to pass stateless firewalls
// that let ftp-data in). Neither is a reason to open the control port on
// the host it targets: when its opening fails, no session says so
// (connectFailure), it is counted (Stats.FailedFromPort20). One that
// opens and speaks FTP is followed as any.
const ftpDataPort = 20

// connectFailure is how the opening of cs, closed at ts for why, failed,
// or nil: it opened, carried bytes, was a path probe, came from the FTP
// data port (ftpDataPort: counted, not shown), or shows nothing that says
// it failed (one SYN and no answer; the capture ended before an answer to
// the latest SYN was due).
func (cs *controlConn) connectFailure(why CloseReason, ts time.Time) *ConnectFailure {
	a := cs.opening()
	if a == nil || !cs.notOpened() || cs.asm.half[dirClient].acked || a.probed {
		return nil
	}
	if a.synUnseen {
		// Only an RST refusing a SYN the capture never held: the
		// backscatter of a flood spoofing the client's address tells
		// the same (RefusalsWithoutSYN). Its SYN, written after it or
		// sent again, would have cleared synUnseen.
		cs.t.d.stats.RefusalsWithoutSYN++
		return nil
	}
	f := a.ConnectFailure
	// The capture ended before an answer to the latest SYN was due: only
	// earlier copies (two gone unanswered for a retransmission timeout
	// each) tell.
	cut := why == CloseCaptureEnd && ts.Sub(f.LastSYN) < time.Second
	switch {
	case cs.syn[dirServer] && a.synsAfterAnswer > 0 && !a.clientReset && !(cut && a.synsAfterAnswer < 2):
		f.How = ConnectAnswerLost
	case cs.syn[dirServer]:
		return nil // answered (late, or the client went quiet): no failure shown
	case a.loopFrom.IsValid() && a.loops >= 2:
		// Every copy of the SYN expired at one router: a loop.
		f.How = ConnectUnreachable
	case a.loopFrom.IsValid():
		return nil // one time exceeded: a probe's, or a loop; not told
	case f.ICMP.From.IsValid():
		f.How = ConnectUnreachable
	case f.Refusals > 0:
		f.How = ConnectRefused
	case f.SYNs >= 2 && !(cut && f.SYNs < 3):
		f.How = ConnectUnanswered
	default:
		return nil
	}
	if cs.client.Port() == ftpDataPort && !cs.t.d.isControlPort(ftpDataPort) {
		cs.t.d.stats.FailedFromPort20++
		return nil
	}
	return &f
}
