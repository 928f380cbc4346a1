package track

import (
	"slices"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// A server may keep its passive listener after a transfer: the client
// then sends one PASV and several transfer commands, each connecting to
// the same endpoint again (embedded servers, some clients' "reuse the
// data port"). The announcement left the port index when the first
// connection took it, so the next one's SYNs matched nothing (counted as
// to a taken endpoint, not followed) and the transfer read as having no
// announcement. A transfer command with no announcement of its own, in a
// session whose latest announcement is passive, was used by a transfer
// and taken by its own client (not by the port alone), and whose
// connection ended, arms that endpoint again for this command: a DataConn
// of its own (reused), final like any other; taken back at the command's
// final reply if nothing tried it (dropUnusedReuse). Only its own client's SYN
// to the endpoint takes it (exact, or the control address at its port:
// matchSYN), never another host's. Not after a gap in the control
// connection (an announcement the capture lost: inferLostAnswer), nor
// while an announcement waits for its reply. One per transfer command,
// within the session's data bounds and the port index's.

// reuseEndpoint arms the session's latest passive endpoint again for the
// transfer command c, when the above holds.
func (t *Tracker) reuseEndpoint(sess *Session, c *Command) {
	n := len(sess.Data)
	if n == 0 || sess.Desync || sess.resync || sess.clientGap || sess.gapOpened || c.Secret {
		return
	}
	prev := sess.Data[n-1]
	if !prev.Passive || prev.Announce == nil || prev.Announce.Conflict != nil || prev.Command == nil ||
		prev.Command == c || prev.superseded || !prev.Announced.IsValid() ||
		prev.Match != MatchExact && prev.Match != MatchControlAddress ||
		!(prev.Done || prev.finSent(0) && prev.finSent(1) || !prev.RSTTS.IsZero()) {
		return
	}
	for _, p := range sess.pending {
		if p.Index < c.Index && (ftp.IsAnnounce(p.Verb) || p.Verb == "REIN") {
			return // its reply may yet announce another endpoint
		}
	}
	if t.noDataRoom(sess) != "" || len(t.byPort[prev.Announced.Port()]) >= maxPerPort {
		return
	}
	t.seq++
	m := sess.memo()
	dc := &DataConn{
		Seq:          t.seq,
		Session:      sess,
		Via:          prev.Via,
		Passive:      true,
		Announced:    prev.Announced,
		Armed:        c.TS,
		ArmedNum:     c.Num,
		Announce:     prev.Announce,
		Command:      c,
		ExpectedSize: -1,
		Rest:         m.rest,
		Type:         sess.TransferType(),
		protected:    sess.dataProtected(),
		reused:       true,
	}
	if c.Verb == "RETR" && m.sizePath != "" && m.sizePath == joinPath(sess.Cwd, c.Arg) {
		dc.ExpectedSize = m.size
	}
	t.addToSession(sess, dc)
	c.Transfer = append(c.Transfer, dc)
	port := dc.Announced.Port()
	t.byPort[port] = append(t.byPort[port], dc)
	t.addOpen(dc)
}

// Reused tells whether dc was armed by a transfer command with no
// announcement of its own, at the endpoint the session's previous passive
// connection used (reuseEndpoint): a second connection to one
// announcement, which a firewall's FTP helper (Linux nf_conntrack_ftp:
// its expectation is used up by the first) does not let in as RELATED.
func (dc *DataConn) Reused() bool { return dc.reused }

// dropUnusedReuse takes back, at its transfer command c's final reply,
// an endpoint armed again for c (reused) that nothing tried: no SYN, no
// refusal. That the server kept its listener was this reading's guess;
// with no attempt the transfer stays one with no announcement, as before
// (not a not-attempted connection to an endpoint the client was never
// given for it).
func (t *Tracker) dropUnusedReuse(sess *Session, c *Command) {
	for _, dc := range c.Transfer {
		if !dc.reused || dc.Done || dc.matched() || dc.SYNs > 0 || !dc.RSTTS.IsZero() || dc.ICMP != nil {
			continue
		}
		t.retire(dc) // never reported; tick drops it from t.open
		if t.unlist(sess, dc) {
			sess.DataCount--
		}
		// (A new slice: the old one may have been reported.)
		c.Transfer = slices.DeleteFunc(slices.Clone(c.Transfer), func(x *DataConn) bool { return x == dc })
		return // (one per command)
	}
}
