package track

import (
	"net/netip"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A capture taken on two interfaces (a TAP's two ports, a pcapng of two
// interfaces) whose server side is late by a few milliseconds holds the
// client's commands and its data SYN before the server's replies: the
// client's PASV, then its SYN to the port, then, late, the 227 or 229
// that named the port. Until the server's first reply comes the session
// looks like one whose capture holds the client's side only, and its SYN
// is taken for the data connection of that PASV (clientOnlyData,
// MatchInferred). When the reply comes after all, it adopts that
// connection, with all the connection carried since (its SYN-ACK or RST,
// its bytes), rather than announcing a port nothing connects to and
// leaving the SYN with no announcement: so its outcome is what the
// server did (refused, transferred), not an unanswered SYN and a
// not-attempted announcement. So too on one interface whose queues wrote
// the client's acknowledgment of the 227 and its SYN before the 227
// itself: decode took the 227's bytes for lost at that acknowledgment (a
// capture gap), the SYN was taken for the PASV whose reply the gap held
// (announceLost, MatchAnnounceLost), and the 227 came a moment later.

// adoptInferred makes a connection inferred for sess before the reply
// to its passive command c came (inferredBeforeReply: a SYN after c and
// before any later PASV of the session's) the one c's reply announces
// (ann, armed at ts), as matchSYN would have had the reply come first:
// to the announced address or the control address at the announced
// port, from the session's client, within synHoldWindow of its SYN. It
// returns the connection adopted, nil when none.
func (t *Tracker) adoptInferred(sess *Session, c *Command, passive bool, ann netip.AddrPort, ts time.Time, num uint64) *DataConn {
	if !passive || sess.Encrypted {
		return nil
	}
	i := slices.IndexFunc(sess.Data, func(x *DataConn) bool {
		return (inferredBeforeReply(x) || lostBeforeReply(x, c)) && !x.Armed.Before(c.TS) && ts.Sub(x.Armed) <= synHoldWindow &&
			x.Server.Port() == ann.Port() && x.Client.Addr() == sess.Client.Addr() &&
			(x.Server.Addr() == ann.Addr() || x.Server.Addr() == sess.Server.Addr()) &&
			!passiveSent(sess, c.Index, x.Armed)
	})
	if i < 0 {
		return nil
	}
	dc := sess.Data[i]
	dc.Match = MatchControlAddress
	if dc.Server.Addr() == ann.Addr() {
		dc.Match = MatchExact // (for EPSV, the control address)
	}
	t.seq++
	dc.Seq = t.seq
	dc.Via, dc.Announced, dc.Armed, dc.ArmedNum, dc.Announce = c.EndpointVia, ann, ts, num, c
	dc.AmongLost, dc.announceCut = 0, false // (its own reply announced it)
	t.linkAnnounced(sess, c, dc)
	// Listed as it is now reported: after what came before its reply.
	sess.Data = append(slices.Delete(sess.Data, i, i+1), dc)
	sess.passivePorts.add(ann.Port()) // (listed as inferred, with no port)
	sess.gapOpened = false            // (serverOpened)
	if dc.Command == nil {
		sess.memo().lastAnn = dc
		for _, p := range sess.pending {
			if p.Index > c.Index && isTransfer(p) && len(p.Transfer) == 0 {
				t.linkTransfer(sess, p)
				break
			}
		}
	}
	t.noteTaken(&decode.Segment{Src: dc.Client, Dst: dc.Server})
	t.finishSuperseded(dc)
	t.watchReflection(dc)
	return dc
}

// inferredBeforeReply tells whether dc is a passive connection inferred
// from its peers and timing (clientOnlyData, a session picked up
// mid-stream), not yet reported, that a reply to come may still adopt.
func inferredBeforeReply(dc *DataConn) bool {
	return dc.Match == MatchInferred && dc.Announce == nil && dc.Passive && !dc.reported && !dc.Session.Encrypted
}

// lostBeforeReply tells whether dc is the passive connection taken for
// c, a PASV, EPSV or LPSV whose reply a capture gap seemed to hold
// (announceLost), not yet reported: the reply came after all.
func lostBeforeReply(dc *DataConn, c *Command) bool {
	return dc.Match == MatchAnnounceLost && dc.Announce == c && dc.Passive && !dc.reported && !dc.Session.Encrypted
}

// passiveSent tells whether a PASV, EPSV or LPSV of sess still waiting
// for its reply, after the command of index after (0: any), was sent by
// at.
func passiveSent(sess *Session, after int, at time.Time) bool {
	for _, p := range sess.pending {
		switch p.Verb {
		case "PASV", "EPSV", "LPSV":
			if p.Index > after && !p.Secret && !p.TS.After(at) {
				return true
			}
		}
	}
	return false
}

// waitsOnSkew tells whether dc, an older data connection of the session
// of an announcement armed at ts, is left waiting rather than made final
// by it (arm), as its own SYN or reply may still come in a capture
// whose sides are skewed: dc was inferred after a passive command that
// has no reply yet, within synHoldWindow (a server side late: the
// client's next PASV and its SYN come before this one's reply,
// adoptInferred); or, in a capture that may reorder, nothing but the
// RST or ICMP error refusing its SYN came, within reorderAnswerWindow
// before ts (a client side early: the client's RST to an active SYN
// and its next PORT come before the server's SYN).
func (t *Tracker) waitsOnSkew(dc *DataConn, ts time.Time) bool {
	if dc.Done {
		return false
	}
	if inferredBeforeReply(dc) {
		return ts.Sub(dc.Armed) <= synHoldWindow && passiveSent(dc.Session, 0, dc.Armed)
	}
	if !t.reorders || dc.matched() {
		return false
	}
	if h := t.resets; h != nil {
		if r, ok := h.refusals[dc]; ok && ts.Sub(r.TS) <= reorderAnswerWindow {
			return true
		}
	}
	if h := t.unreach; h != nil {
		if u, ok := h.refusals[dc]; ok && ts.Sub(u.TS) <= reorderAnswerWindow {
			return true
		}
	}
	return false
}

// unseenSeen takes back, when side dir of dc is seen after all (s, its
// first segment; syn: its SYN or SYN-ACK), the bytes its peer's
// acknowledgments counted for it (ackedUnseen, ackedUnseenOpener) from
// where s starts on: its own segments count them again. In a capture
// whose server side is late (two interfaces), the client's ACKs of a
// whole small transfer come before the server's SYN-ACK (passive) or SYN
// (active), and the file was counted twice (2n+1 bytes: the
// acknowledgments' n, their FIN's one, then the n bytes themselves).
// Bytes acknowledged before where s starts stay: the capture holds none
// of them.
func (dc *DataConn) unseenSeen(dir int, s *decode.Segment, syn bool) {
	start := s.Seq
	if syn {
		start++ // (the ISN+1 the acknowledgments began at)
	}
	if d := dc.seqHi[dir] - start; int32(d) > 0 && int64(d) <= dc.Bytes[dir] {
		dc.Bytes[dir] -= int64(d)
		dc.seqHi[dir], dc.acked[dir] = start, start
	}
}

// reorderAnswerWindow is answerHoldWindow in a capture that may reorder
// (Tracker.reorders): how far apart in packet time a data SYN and the
// RST or ICMP error answering it, written before it, may be, and how
// long before the announcement such an answer may come. Such a capture's
// two interfaces disagree by what their clocks and queues do: NIC
// timestamps of a TAP's two ports by microseconds, software timestamps
// under load by milliseconds, files of two NTP-synchronised hosts by up
// to tens of milliseconds (decode.ReorderWait); a reviewer's TAP
// captures with the server's port 1 to 20 ms early or late lost their
// refusals at 2 ms. 100 ms covers tens of milliseconds with room; the
// held answers stay 8 of each kind (an RST or ICMP error pushed out
// within it is counted, as within answerHoldWindow), and one held for a
// SYN is taken only when it acknowledges or quotes exactly that SYN.
const reorderAnswerWindow = 100 * time.Millisecond

// answerWindow is how long an answer written before its SYN or its
// announcement is held: answerHoldWindow, or reorderAnswerWindow in a
// capture that may reorder.
func (t *Tracker) answerWindow() time.Duration {
	if t.reorders {
		return reorderAnswerWindow
	}
	return answerHoldWindow
}

// mayAnswerSYN tells whether s, an RST no connection took while no
// announcement waits, is held all the same (holdReset): in a capture
// that may reorder, an RST+ACK of sequence number 0 (the answer to a
// SYN, refusedBy) between data ports. A server side early by
// milliseconds writes the RST refusing a passive data SYN before the
// 227 or 229 that armed its port, which decode holds until the client's
// PASV, late, has come; a client side early, the RST refusing an active
// data SYN before the session's first event (decode confirms a session
// from both sides).
func (t *Tracker) mayAnswerSYN(s *decode.Segment) bool {
	return t.reorders && s.Flags&(decode.FlagRST|decode.FlagACK|decode.FlagSYN) == decode.FlagRST|decode.FlagACK &&
		s.Seq == 0 && len(t.byPort) == 0 && dataPorts(s.Src.Port(), s.Dst.Port())
}

// mayQuoteSYN is mayAnswerSYN for an ICMP error (holdUnreachable): one
// that ends a connect, quoting a segment between data ports.
func (t *Tracker) mayQuoteSYN(u *decode.Unreachable) bool {
	if !t.reorders || !dataPorts(u.Src.Port(), u.Dst.Port()) {
		return false
	}
	i := ICMPInfo{V6: u.V6, Type: u.Type, Code: u.Code}
	return i.EndsConnect()
}
