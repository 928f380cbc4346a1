package track

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// A passive reply no command asked for. A 227, 228 or 229 that pairs
// with no command stands, as a rule, for a PASV the capture lost (a gap,
// a capture begun after it): its endpoint is announced all the same
// (unseenCommand), and a client will connect to it. But in a session
// whose every command is in the capture (seen from its client's SYN, no
// capture gap or conflicting copies, both sides seen, never encrypted)
// and while no command waits for a reply, no PASV was sent: the reply
// is the server's unasked, or injected in its name (one forged after
// the 221 to a QUIT). A client has no reason to connect to an endpoint
// it did not ask for, and nothing about the server's passive ports (a
// port outside the range, a privileged one, a configuration to change)
// can be read from it: it is shown as an unsolicited reply, and arms
// nothing.
//
// Unless the latest command was a PASV, EPSV or LPSV that another final
// reply answered: the pairing slipped by one (a 500 to a blank line
// before the PASV, a second 200 to the TYPE before it), and the passive
// reply is the PASV's. It arms its endpoint as a PASV's reply does (the
// client connects there), and the PASV is no refusal of passive mode.
//
// Its own client may connect to an unsolicited reply's endpoint all the
// same: the server answered a PASV the capture missed, a proxy or ALG
// between answered one in its name, a pipelining client's requests were
// answered out of step. So the endpoint is kept, armed for nothing (no
// expectation, no wait, nothing final when it goes unused), for its
// session's client's SYN to exactly that endpoint (the address the reply
// names, another host's too; for a 229 the control address) within
// ExpectationTimeout: that SYN is its data connection (unsolicitedData),
// its announcement a stand-in for no command holding the reply
// (Command.Unsolicited, never reported as a command), the connection
// shown, counted and diagnosed as any other and marked as following it
// (DataConn.AfterUnsolicited). It is the last reading a SYN gets, after
// every announcement and the inference of an encrypted or unseen
// session's connection, and is not taken while another session of that
// client address may own the connection by a reading of its own
// (otherMayOwn: an encrypted one still speaking; one picked up
// mid-stream, or that lost its announcement, whose reading passed the
// SYN over, has no endpoint of its own to hold it with): a client
// address is no user. Of two sessions of the client told the same
// endpoint, the one whose transfer command waits, else the newer reply,
// takes it, a guess when both fit as well (unsolicitedPick). One line the client never
// asked for says nothing of the server's passive ports either: the
// diagnosis reads no range or rule from such a connection
// (diagnose: hedgeUnsolicited). Until then nothing is read from it; the
// session's next announcement, its end, or the wait let it go, and one
// naming the session's latest announced endpoint again is not kept (that
// announcement takes its connections). At most maxUnsolicitedPerSession
// per session and maxUnsolicited in all are kept, the oldest let go
// first (Limits.UnsolicitedNotKept).

// passiveReply tells whether r is a reply that announces a passive
// endpoint (227, 228, 229).
func passiveReply(r *Reply) bool { return r.Code == 227 || r.Code == 228 || r.Code == 229 }

// commandsAllSeen tells whether the capture holds every command the
// session's client sent so far: seen from its SYN, by port, both sides,
// with no capture gap or two copies of its bytes, never encrypted.
func (sess *Session) commandsAllSeen() bool {
	return !sess.Midstream && !sess.ByContent && sess.Resumed == nil && !sess.Desync && !sess.resync &&
		sess.OneSide == BothSides && !sess.WasEncrypted && !sess.Encrypted && sess.Connect == nil
}

// notePassiveAnsweredOther notes c, a PASV, EPSV or LPSV answered by r, a
// final reply other than a passive one (passiveShifted).
func notePassiveAnsweredOther(sess *Session, c *Command, r *Reply) {
	if passiveReply(r) || ftp.IsPreliminary(r.Code) || c.Unseen || !passiveRequest(c.Verb) {
		return
	}
	sess.memo().rareMemo().passiveAnsweredOther = c
}

// passiveShifted tells whether the session's latest command is a PASV,
// EPSV or LPSV that a final reply other than a passive one answered: a
// passive reply no command waits for is then that command's, the pairing
// slipped by one (a reply to a blank line or a second reply to the
// command before it took the PASV's place).
func passiveShifted(sess *Session) bool {
	m := sess.rare()
	if m == nil || m.passiveAnsweredOther == nil {
		return false
	}
	return m.passiveAnsweredOther.Index == sess.CommandCount
}

// passiveRequest tells whether verb asks for a passive endpoint, in any
// case (strings.EqualFold's). Told without EqualFold (three calls for
// each command and final reply were most of the tracker's time in it):
// a spelling of four bytes is ASCII, whose letters fold by their 0x20
// bit alone; only a longer one (a long s or a Kelvin sign folds to an
// ASCII letter) goes through EqualFold.
func passiveRequest(verb string) bool {
	switch {
	case len(verb) == 4:
		x := fold4(verb) | 0x20202020
		return x == fold4("pasv") || x == fold4("epsv") || x == fold4("lpsv")
	case len(verb) < 4 || isASCII(verb):
		return false
	}
	return strings.EqualFold(verb, "PASV") || strings.EqualFold(verb, "EPSV") || strings.EqualFold(verb, "LPSV")
}

const (
	maxUnsolicitedPerSession = 4
	maxUnsolicited           = 128
)

// unsolicitedEndpoint is the endpoint of a passive reply no command
// asked for, kept for its session's client's connection.
type unsolicitedEndpoint struct {
	sess *Session
	// endpoint: where its data connection goes (for an EPSV reply, the
	// control server's address at its port), unmapped as arm's.
	endpoint netip.AddrPort
	// stand: the announcement its connection will be tied to, holding
	// the reply (Seq: its event's).
	stand *Command
}

// Unsolicited tells whether c, Unseen, stands for no command: the
// announcement of a passive reply that answered none in a session whose
// every command is in the capture, whose endpoint its client connected
// to all the same (unsolicited.go). Its reply is shown as unsolicited;
// c is not among the session's commands.
func (c *Command) Unsolicited() bool { return c.bits&cmdUnsolicited != 0 }

// AfterUnsolicited tells whether dc went to the endpoint of a passive
// reply that answered no command seen (Command.Unsolicited).
func (dc *DataConn) AfterUnsolicited() bool { return dc.Announce != nil && dc.Announce.Unsolicited() }

// keepUnsolicited keeps the endpoint of r, a passive reply of sess no
// command asked for (e its event), just reported as unsolicited.
func (t *Tracker) keepUnsolicited(sess *Session, e *decode.ControlEvent, r Reply) {
	via := e.Endpoint.Via
	ep := sess.armedEndpoint(via, e.Endpoint.Addr)
	if !ep.Addr().IsValid() || ep.Port() == 0 {
		return
	}
	if n := len(sess.Data); n > 0 && sess.Data[n-1].Announced == ep {
		return // the latest announcement's again: that one takes its connections
	}
	// Those past their wait and the session's own of the same endpoint
	// (this reply stands for it now: one session counts once among
	// those told an endpoint, unsolicitedPick), then the session's
	// oldest past its bound, then the oldest of all past the whole bound.
	t.unsolicited = slices.DeleteFunc(t.unsolicited, func(u unsolicitedEndpoint) bool {
		return t.clock.since(u.stand.TS) > t.opts.ExpectationTimeout || u.sess == sess && u.endpoint == ep
	})
	n, first := 0, -1
	for i, u := range t.unsolicited {
		if u.sess == sess {
			if n++; first < 0 {
				first = i
			}
		}
	}
	if n >= maxUnsolicitedPerSession {
		t.unsolicited = slices.Delete(t.unsolicited, first, first+1)
		t.limits.UnsolicitedNotKept++
	} else if len(t.unsolicited) >= maxUnsolicited {
		t.unsolicited = slices.Delete(t.unsolicited, 0, 1)
		t.limits.UnsolicitedNotKept++
	}
	stand := &Command{Seq: t.seq, Index: sess.CommandCount, TS: r.TS, Num: r.Num, Verb: via.String(), Cwd: sess.Cwd,
		Replies: appendReply(nil, r), Status: StatusAnswered, Unseen: true,
		Endpoint: e.Endpoint.Addr, EndpointVia: via, EndpointLoose: e.Endpoint.Loose, bits: cmdUnsolicited}
	t.unsolicited = append(t.unsolicited, unsolicitedEndpoint{sess: sess, endpoint: ep, stand: stand})
}

// forgetUnsolicited lets the kept endpoints of sess go: it announced
// again, or ended.
func (t *Tracker) forgetUnsolicited(sess *Session) {
	t.unsolicited = slices.DeleteFunc(t.unsolicited, func(u unsolicitedEndpoint) bool { return u.sess == sess })
}

// unsolicitedFor is the place in t.unsolicited of the endpoint a SYN from
// src to dst connects to as its session's client, within its wait; -1
// when none.
func (t *Tracker) unsolicitedFor(src, dst netip.AddrPort) int {
	for i, u := range t.unsolicited {
		if u.endpoint == dst && src.Addr().Unmap() == u.sess.Client.Addr().Unmap() && !u.sess.ended &&
			t.clock.since(u.stand.TS) <= t.opts.ExpectationTimeout {
			return i
		}
	}
	return -1
}

// unsolicitedPick is the place in t.unsolicited of the endpoint the SYN
// s connects to as its session's client (unsolicitedFor), -1 when none,
// and among how many sessions it was chosen. Two sessions of one client
// may both have been told the endpoint (a server hands a port on once
// its listener is gone; one injected line sent to both): as for a race
// of announcements (raceRank), the one whose transfer command, sent
// after the reply, waits for a connection comes first, then the newest
// reply (a host has one listener on a port at a time); those that fit
// as well make its session a guess (DataConn.AmongRace), which a reply
// to its own transfer command settles (settleRace; the others' replies
// armed nothing it could be swapped to).
func (t *Tracker) unsolicitedPick(s *decode.Segment) (best, among int) {
	best, bestRank := -1, -1
	for i, u := range t.unsolicited {
		if u.endpoint != s.Dst || s.Src.Addr().Unmap() != u.sess.Client.Addr().Unmap() || u.sess.ended ||
			t.clock.since(u.stand.TS) > t.opts.ExpectationTimeout {
			continue
		}
		rank := 0
		if unsolicitedAwaited(u) {
			rank = 1
		}
		switch {
		case rank > bestRank:
			best, bestRank, among = i, rank, 1
		case rank == bestRank:
			if t.unsolicited[best].sess != u.sess {
				among++
			}
			best = i // (the newest: kept in the order they came)
		}
	}
	return best, among
}

// unsolicitedAwaited tells whether a transfer command of u's session,
// sent after its reply, waits for a data connection: none tied to it but
// the endpoint before armed again for it that nothing tried (reuse.go),
// which unsolicitedData gives back.
func unsolicitedAwaited(u unsolicitedEndpoint) bool {
	for _, p := range u.sess.pending {
		if !ftp.IsTransfer(p.Verb) || p.Seq <= u.stand.Seq {
			continue
		}
		return !slices.ContainsFunc(p.Transfer, func(dc *DataConn) bool {
			return !dc.reused || dc.Done || dc.matched() || dc.SYNs > 0 || !dc.RSTTS.IsZero() || dc.ICMP != nil
		})
	}
	return false
}

// otherMayOwn tells whether an encrypted session of the client address
// of s, a SYN, other than sess may own its connection by a reading of
// its own: its announcements are inside TLS, and its inference
// (inferData) takes only a SYN soon after its exchange, so a client
// slower than that leaves it with no reading, though its transfer may be
// the one (an FTPS session's data connection in clear text credited to
// another user's session lost its data-cleartext). It may own one only
// while it speaks: within encryptedOwnWindow of its last segment (a
// client asks for an endpoint, and a server listens, a minute at most
// before the connection comes). A session picked up mid-stream, one
// whose announcement a capture gap may have lost, one seen from its
// client's side only, have their readings (inferData) tried before and
// no endpoint of their own: one that did not take the SYN does not keep
// it from the reply whose exact endpoint it goes to (a mid-stream
// session saying NOOP between the same hosts lost another's transfer).
func (t *Tracker) otherMayOwn(sess *Session, s *decode.Segment) bool {
	other := func(x *Session) bool {
		return x != nil && x != sess && !x.ended && s.TS.Sub(x.lastSeen) <= encryptedOwnWindow
	}
	if other(t.encryptedClients[s.Src.Addr()]) {
		return true
	}
	for _, pair := range [2][2]netip.Addr{{s.Src.Addr(), s.Dst.Addr()}, {s.Src.Addr(), sess.Server.Addr()}} {
		if slices.ContainsFunc(t.encrypted[pair], other) {
			return true
		}
	}
	return false
}

// encryptedOwnWindow: how long after an encrypted session's last segment
// a SYN of its client may still be its data connection for otherMayOwn.
// Servers give up on a passive listener within about a minute (vsftpd's
// accept_timeout, 60 s), as for midstreamWindow.
const encryptedOwnWindow = time.Minute

// unsolicitedData ties the SYN s, which matched no announcement, to the
// kept endpoint it goes to (unsolicitedFor): the data connection of that
// reply's stand-in announcement, armed at the reply, matched exactly.
func (t *Tracker) unsolicitedData(s *decode.Segment) bool {
	i, among := t.unsolicitedPick(s)
	if i < 0 || t.otherMayOwn(t.unsolicited[i].sess, s) {
		return false
	}
	u := t.unsolicited[i]
	t.unsolicited = slices.Delete(t.unsolicited, i, i+1)
	sess, a := u.sess, u.stand
	if why := t.noDataRoom(sess); why != "" {
		// (As arm's announcement with no room: the SYN matches nothing.)
		t.event(sess, Event{Kind: EventLimit, TS: s.TS, Num: s.Num, Text: why})
		return false
	}
	// Its transfer command: the first sent after the reply, while it
	// waits for its connection (one armed the endpoint before again for
	// it, nothing tried, gives it back: reuse.go), or the next one.
	var xfer *Command
	for _, p := range sess.pending {
		if ftp.IsTransfer(p.Verb) && p.Seq > a.Seq {
			if t.dropUnusedReuse(sess, p); len(p.Transfer) == 0 {
				xfer = p
			}
			break
		}
	}
	// The older announcements nothing used are final, as at arm.
	for _, old := range unreported(sess.Data) {
		if !t.waitsOnSkew(old, a.TS) {
			t.movedOn(sess, old)
		}
	}
	t.seq++
	dc := &DataConn{
		Seq: t.seq, Session: sess, Via: a.EndpointVia, Passive: true, Announced: u.endpoint,
		Armed: a.TS, ArmedNum: a.Num, Announce: a, Client: s.Src, Server: s.Dst, Match: MatchExact,
		ExpectedSize: -1, Rest: -1, protected: sess.dataProtected(),
	}
	a.Data = dc
	t.addToSession(sess, dc)
	sess.memo().lastAnn = dc
	if xfer != nil {
		t.linkTransfer(sess, xfer)
	}
	t.addData(s, dc)
	t.addOpen(dc)
	t.noteRace(dc, among)
	t.watchReflection(dc)
	t.dataSegment(dc, s)
	t.refusalAnswers(dc, s)
	return true
}

// fold4 is the four bytes of s as one word, which passiveRequest ORs
// with 0x20 each: a byte b with b|0x20 equal to a lower-case letter is
// that letter in either case.
func fold4(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// isASCII tells whether s has no byte of a non-ASCII rune.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
