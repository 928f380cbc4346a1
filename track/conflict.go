package track

import (
	"net/netip"
	"slices"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// Two copies of an announcement. When the capture holds two different
// copies of the bytes of a session's latest line (decode's
// ControlConflict with ConflictLast: a forged 227 raced ahead of the
// real one, a forged PORT, overlapping fragments), decode took the first
// and says what the other copy's line is. Which one the receiver took the
// control stream cannot tell, but the data connection can: the client's
// SYN to the other 227's port, the server's connection back to the other
// PORT's endpoint. So the other copy's endpoint waits for a connection
// too (an expectation of its own, not in the session's list, never
// reported while unproven); the first connection to either decides:
//   - to the other copy's: it is the announcement shown (the command's
//     endpoint and reply text become the other copy's, its data
//     connection the one that connected), and the copy taken first is
//     dropped, unused, with no finding;
//   - to the taken copy's: the other one is dropped.
//
// While nothing decides, the command is Unproven and findings about its
// endpoint are hedged (diagnose). A final reply of which two copies
// differ (a forged 425 over the real 150) is kept too (LineConflict with
// OtherCode): a final reply that follows it, which only the other copy
// leads to, shows that one was used (otherReplyUsed).

// lineConflict handles a ControlConflict about the session's latest
// line.
func (t *Tracker) lineConflict(sess *Session, e *decode.ControlEvent) {
	if !e.ConflictLast {
		return
	}
	c := latestLineOf(sess, e)
	if c == nil || c.Conflict != nil || c.Secret {
		return
	}
	lc := &LineConflict{Num: e.Num, OtherCode: e.ConflictCode, OtherText: e.ConflictLine}
	// Both endpoints as an expectation waits on them (armedEndpoint): an
	// IPv4-mapped address (EPRT |2|::ffff:10.0.0.2|) is the IPv4 one, so
	// copies that differ only so announce the same endpoint, and the
	// other copy's expectation (armOther) is one an IPv4 SYN can match.
	if e.Endpoint.Via != 0 && e.EndpointErr == nil {
		lc.Other, lc.OtherVia = sess.armedEndpoint(e.Endpoint.Via, e.Endpoint.Addr), e.Endpoint.Via
	}
	taken := sess.armedEndpoint(c.EndpointVia, c.Endpoint)
	announces := c.EndpointVia != 0 && c.EndpointErr == nil
	switch {
	case announces && lc.OtherVia != 0 && lc.Other == taken:
		return // the same endpoint either way: nothing in doubt
	case !announces && lc.OtherVia != 0:
		// The taken copy announced nothing (or nothing whole): the other
		// one's endpoint is not followed.
		lc.OtherVia, lc.Other = 0, netip.AddrPort{}
	}
	if lc.OtherVia == 0 && lc.OtherCode == 0 {
		return
	}
	c.Conflict = lc
	if lc.OtherVia != 0 {
		t.armOther(sess, c)
	}
}

// latestLineOf is the command whose line (from the client) or whose
// latest reply (from the server) is the session's latest of that
// direction, the line of which e found two copies; nil when it is not
// known: the newest command among those waiting and those the session's
// data connections name, or the one whose reply is the newest among
// theirs (and no older than the copy taken).
func latestLineOf(sess *Session, e *decode.ControlEvent) *Command {
	var best *Command
	var bestSeq uint64
	consider := func(c *Command) {
		if c == nil {
			return
		}
		seq := c.Seq
		if !e.FromClient {
			r := lastReply(c)
			if r == nil || e.ConflictWith != 0 && r.Num < e.ConflictWith {
				return
			}
			seq = r.Seq
		}
		if best == nil || seq > bestSeq {
			best, bestSeq = c, seq
		}
	}
	for _, c := range sess.pending {
		consider(c)
	}
	for _, dc := range sess.Data {
		consider(dc.Announce)
		consider(dc.Command)
	}
	if dc := sess.lastAnn(); dc != nil {
		consider(dc.Announce)
	}
	return best
}

// lastReply is c's latest reply, or nil.
func lastReply(c *Command) *Reply {
	if len(c.Replies) == 0 {
		return nil
	}
	return &c.Replies[len(c.Replies)-1]
}

// armOther makes the other copy's endpoint of c's conflicted line an
// expectation too, beside the one c armed (c.Data), while that one waits
// for its connection.
func (t *Tracker) armOther(sess *Session, c *Command) {
	lc, taken := c.Conflict, c.Data
	if taken == nil || taken.Done || taken.matched() || taken.Announce != c {
		return
	}
	port := lc.Other.Port()
	if len(t.byPort[port]) >= maxPerPort {
		return
	}
	t.seq++
	dc := &DataConn{
		Seq:          t.seq,
		Session:      sess,
		Via:          lc.OtherVia,
		Passive:      taken.Passive,
		Announced:    lc.Other,
		Armed:        taken.Armed,
		ArmedNum:     lc.Num,
		Announce:     c,
		ExpectedSize: taken.ExpectedSize,
		Type:         taken.Type,
		Rest:         taken.Rest,
		protected:    taken.protected,
	}
	lc.alt = dc
	t.byPort[port] = append(t.byPort[port], dc)
	t.addOpen(dc)
	if t.syns != nil {
		t.replaySYNs(dc)
	}
}

// otherCopy tells whether dc is the expectation of a conflicted line's
// other copy, not (yet) its command's data connection.
func otherCopy(dc *DataConn) bool {
	c := dc.Announce
	return c != nil && c.Conflict != nil && c.Conflict.alt == dc && c.Data != dc
}

// dropOther lets the other copy's expectation dc go unreported: the
// taken copy was used, or nothing connected to either.
func (t *Tracker) dropOther(dc *DataConn) {
	if dc.Done {
		return
	}
	t.retire(dc)
	dc.reported = true
	t.letTakenGo(dc)
	if lc := dc.Announce.Conflict; lc.alt == dc {
		lc.alt = nil
	}
}

// conflictProven is called when dc, an expectation of a conflicted
// line's command (its data connection, or the other copy's), is
// connected to: that copy was the one used.
func (t *Tracker) conflictProven(dc *DataConn) {
	c := dc.Announce
	if c == nil || c.Conflict == nil || c.Conflict.Proof != ProofNone {
		return
	}
	lc := c.Conflict
	if !otherCopy(dc) {
		if c.Data == dc {
			lc.Proof = ProofTaken
			if lc.alt != nil {
				t.dropOther(lc.alt)
			}
		}
		return
	}
	lc.Proof = ProofOther
	sess, taken := dc.Session, c.Data
	// The other copy is the announcement shown.
	c.Endpoint, c.EndpointVia, c.EndpointErr, c.EndpointLoose = lc.Other, lc.OtherVia, nil, false
	switch c.EndpointVia {
	case ftp.ViaPORT:
		c.Arg = ftp.FormatPORT(lc.Other)
	case ftp.ViaLPRT:
		c.Arg = ftp.FormatLong(lc.Other)
	}
	if r := lastReply(c); r != nil && lc.OtherText != "" && c.EndpointVia.Passive() {
		otherReply(r, lc)
	}
	if taken != nil && taken.ID != 0 && dc.ID == 0 {
		dc.ID, taken.ID = taken.ID, 0 // (numbered when its command was reported)
	}
	if taken != nil && !taken.matched() {
		// The copy taken first was not used: it leaves the session
		// unreported, the other one in its place.
		dc.Command = taken.Command
		for _, p := range sess.pending {
			if i := slices.Index(p.Transfer, taken); i >= 0 {
				p.Transfer[i] = dc
			}
		}
		if x := taken.Command; x != nil {
			if i := slices.Index(x.Transfer, taken); i >= 0 {
				x.Transfer[i] = dc
			}
		}
		last := sess.lastAnn() == taken
		if i := slices.Index(sess.Data, taken); i >= 0 {
			sess.Data[i] = dc
		} else {
			t.addToSession(sess, dc)
		}
		t.retire(taken)
		taken.reported = true
		t.letTakenGo(taken)
		if last {
			sess.xfer.lastAnn = dc
		}
	} else {
		t.addToSession(sess, dc)
	}
	t.linkAnnounced(sess, c, dc)
}

// otherReply makes r, a reply of which lc's other copy was used, that
// copy: its code, its line, the packet that brought it.
func otherReply(r *Reply, lc *LineConflict) {
	r.Code, r.Num = lc.OtherCode, lc.Num
	r.Lines = []string{lc.OtherText}
	r.Text = lc.OtherText[min(len(lc.OtherText), 4):]
}

// transferProvesOther: dc, a data connection of a transfer command whose
// final reply had two copies, the one taken a final reply and the other
// a 1yz (a forged 425 raced over the real 150), carried the transfer's
// bytes. A server that refused the transfer sends no file: the 1yz was
// the reply the client received. It is the one shown (the command
// waits for its final reply again: otherFinal), and the refusal drives
// no finding.
func (t *Tracker) transferProvesOther(dc *DataConn) {
	c := dc.Command
	if c == nil || c.Conflict == nil || c.Conflict.Proof != ProofNone || !ftp.IsPreliminary(c.Conflict.OtherCode) ||
		c.Conflict.OtherText == "" || dc.Outcome != OutcomeTransferred || c.Status != StatusAnswered {
		return
	}
	r := lastReply(c)
	if r == nil || ftp.IsPreliminary(r.Code) || !ftp.ValidReply(c.Verb, c.Conflict.OtherCode) {
		return
	}
	if n := len(c.Replies); n > 1 && ftp.IsPreliminary(c.Replies[n-2].Code) {
		return // a 1yz came before it: the taken copy is not in place of one
	}
	c.Conflict.Proof = ProofOther
	otherReply(r, c.Conflict)
}

// otherFinal attaches r, a final reply that pairs with no command, to
// the command whose conflicted final reply was proven to be the other
// copy, a 1yz (transferProvesOther): it is that command's final reply
// (the 226 after the transfer). It tells whether it did.
func (t *Tracker) otherFinal(sess *Session, r *Reply) bool {
	if ftp.IsPreliminary(r.Code) {
		return false
	}
	for _, dc := range slices.Backward(sess.Data) {
		c := dc.Command
		if c == nil || c.Conflict == nil || c.Conflict.Proof != ProofOther || c.Conflict.OtherVia != 0 {
			continue
		}
		if last := lastReply(c); last == nil || !ftp.IsPreliminary(last.Code) || !ftp.ValidReply(c.Verb, r.Code) {
			continue
		}
		c.Replies = appendReply(c.Replies, *r)
		return true
	}
	return false
}
