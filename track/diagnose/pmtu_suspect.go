package diagnose

import (
	"fmt"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// suspectResends is how many resends of the same full-size segment, never
// acknowledged, pmtuSuspected wants: the retransmission timer fired three
// times (a loss, even a burst of them, is repaired sooner).
const suspectResends = 3

// pmtuSuspect tells whether dc shows what pmtuSuspected reads as a likely
// path MTU black hole on a data connection whose capture holds no ICMP
// error about it (pmtuBlackHole needs one): its sender sent the same
// segment, larger than IPv6's least MTU leaves room for (which the links
// behind most black holes carry), again and again, and its receiver,
// whose segments the capture holds, never acknowledged it, while the
// handshake (and any smaller segments before it) got through and no
// full-size segment ever did (track.StuckSend).
func pmtuSuspect(dc *track.DataConn) (track.StuckSend, bool) {
	if dc == nil || dc.Outcome.Failed() {
		return track.StuckSend{}, false
	}
	if p := dc.TooBig(); p != nil && p.Errors > 0 {
		return track.StuckSend{}, false // the router's errors are in the capture: pmtuBlackHole's
	}
	st, ok := dc.Stuck()
	if !ok || st.Resends < suspectResends || !st.Large || st.BigAcked {
		return track.StuckSend{}, false
	}
	return st, true
}

// aliveAfter is how long after the sender's last new data (track.DataConn.
// LastData) its receiver must still have spoken for the segments it never
// acknowledged to be the path's loss: past RFC 6298's initial
// retransmission timeout (1 s), so the first resend was due, and lost,
// while the receiver was still there.
const aliveAfter = time.Second

// receiverSpoke is how the receiver of st's bytes on dc, a data connection
// of s, showed that it was still there aliveAfter past the data's last
// new bytes, for pmtuSuspected's evidence; "" when it did not (yet). A
// receiver that went away (a client gone right after the handshake)
// acknowledges nothing either, and sends nothing more: its silence is no
// black hole. The FTP client shows it by a command (an ABOR, a QUIT, its
// next request: track.Session.LatestCommand, the same whatever the
// session keeps of its commands) or its FIN, on the data connection or,
// once the session is over (ended), on the control connection; the FTP
// server by the transfer's final reply, or its own FIN.
func receiverSpoke(s *track.Session, dc *track.DataConn, st track.StuckSend, ended bool) string {
	last := dc.LastData()
	if last.IsZero() {
		last = dc.Start
	}
	from := last.Add(aliveAfter)
	after := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) }
	recv := 0 // (indexes dc.Bytes and FINTS: the opener's side)
	if st.Sender == dc.Client {
		recv = 1
	}
	if client := (st.Sender == dc.Server) == dc.Passive; client {
		switch t := s.LatestCommand(); {
		case after(t):
			return fmt.Sprintf("the client was still there: it sent a command %s after the server's last new data", dur(t.Sub(last)))
		case after(dc.FINTS[recv]):
			return fmt.Sprintf("the client was still there: it closed the data connection %s after the server's last new data", dur(dc.FINTS[recv].Sub(last)))
		case ended && s.ClientClosed && after(s.End):
			return fmt.Sprintf("the client was still there: it closed the control connection %s after the server's last new data", dur(s.End.Sub(last)))
		}
		return ""
	}
	if c := dc.Command; c != nil {
		if r := c.Final(); r != nil && after(r.TS) {
			return fmt.Sprintf("the server was still there: its %d came %s after the client's last new data", r.Code, dur(r.TS.Sub(last)))
		}
	}
	if after(dc.FINTS[recv]) {
		return fmt.Sprintf("the server was still there: it closed the data connection %s after the client's last new data", dur(dc.FINTS[recv].Sub(last)))
	}
	if ended && s.ClientFIN && s.ClientFINAcked() && after(s.End) {
		return fmt.Sprintf("the server was still there: it acknowledged the client's close of the control connection %s after the client's last new data", dur(s.End.Sub(last)))
	}
	return ""
}

// pmtuSuspected is the likely path MTU black hole pmtuSuspect found on dc,
// with alive, how its receiver showed it was still there after
// (receiverSpoke): its segments got through, the big ones did not.
// Hedged: the router's error is not in the capture. A warning, with the
// same changes as pmtu-blackhole's and no port to open: the data
// connection was made. alive "" is a finding given without that proof
// (past maxMTUWait), which says a receiver that went away looks the
// same.
func pmtuSuspected(s *track.Session, dc *track.DataConn, st track.StuckSend, alive string) *Finding {
	f := &Finding{Code: CodePMTUBlackHole, Severity: SeverityWarning, Session: s, Data: dc, TS: dc.End, mtuSuspected: true}
	if f.TS.IsZero() {
		f.TS = dc.LastSeen() // (the capture ended while it was open)
	}
	ann, what, sender, receiver, pk := tooBigRoles(dc, st.Sender)
	v6 := st.Sender.Addr().Is6() && !st.Sender.Addr().Is4In6()
	errKind := "ICMP type 3 code 4 (fragmentation needed)"
	if v6 {
		errKind = "ICMPv6 type 2 (Packet Too Big)"
	}
	passed := "its handshake got through"
	if got := dc.TotalBytes(); got > 0 {
		passed = fmt.Sprintf("its handshake and %s in smaller segments got through", plural(int(got), "byte", "bytes"))
	}
	ev := fmt.Sprintf("data connection #%d from %s to %s: %s's %d-byte segment sent %d times, never acknowledged (%d bytes from it never acknowledged); %s; no ICMP error about it in the capture",
		dc.ID, dc.Client, dc.Server, sender, st.Len, st.Resends+1, st.Bytes, passed)
	gone := fmt.Sprintf("A %s that went away just then looks the same here: a capture on its side (the segment never arrives there) tells.", receiver[len("the "):])
	if alive != "" {
		ev += "; " + alive
		gone = fmt.Sprintf("T%s did not go away: it still spoke after (see the evidence), while the large segment never got through.", receiver[1:])
	}
	f.Evidence = joinEvidence(ann, ev)
	f.Packets = packets(pk)
	f.Message = fmt.Sprintf("Likely a path MTU black hole on %s: %s sent the same %d-byte segment %d times and %s never acknowledged it, while %s (the capture holds %s's segments, so its acknowledgments would be here). A router whose next link is smaller (a tunnel, PPPoE, a VPN) drops a segment that large and answers with %s, which %s never acted on: no such error is in the capture, so the router does not send it or a firewall drops it on the way. The transfer cannot go on. %s",
		what, sender, st.Len, st.Resends+1, receiver, passed, receiver, errKind, sender, gone)
	f.Advice = fmt.Sprintf("Let the path MTU errors reach %s (%s): never filter them (RFC 4890 4.3.1 for ICMPv6 Packet Too Big; RFC 2923 for IPv4's fragmentation needed), e.g. on its host %s, and on every firewall between it and %s. Or clamp the TCP MSS on the router in front of the smaller link: %s. On a Linux sender, net.ipv4.tcp_mtu_probing=1%s finds a size that passes without the errors (RFC 4821). No port needs opening: the data connection was made.",
		sender, st.Sender.Addr(), pmtuAllowRule(v6), receiver, mssClampRule(v6), probingFamilies(v6))
	return f
}

// maxMTUWait bounds the data connections of a session whose likely path
// MTU black hole (pmtuSuspect) waits for its receiver to show it was
// still there (awaitReceiver). A session's transfers come one after the
// other, each asked for by a command that releases the one before, so one
// waits at a time; past the bound a finding goes out at once, saying a
// receiver that went away looks the same.
const maxMTUWait = 4

// awaitReceiver is the pmtu-blackhole finding of dc, a data connection of
// s whose sender's large segments were never acknowledged (pmtuSuspect),
// once its receiver showed it was still there after (receiverSpoke): at
// once when it had by dc's report (an ABOR during the resends, the
// server's 426 to an upload); else dc waits, held in s's state, for the
// session's next command (releaseMTU), and nil is returned.
func (d *Diagnoser) awaitReceiver(s *track.Session, dc *track.DataConn, st track.StuckSend) *Finding {
	alive := receiverSpoke(s, dc, st, false)
	if alive != "" {
		return pmtuSuspected(s, dc, st, alive)
	}
	m := d.state(s).moreState()
	if len(m.mtuWait) >= maxMTUWait {
		return pmtuSuspected(s, dc, st, "")
	}
	m.mtuWait = append(m.mtuWait, dc)
	return nil
}

// releaseMTU is the pmtu-blackhole findings of s's data connections
// waiting for their receiver (awaitReceiver) that it has shown was there
// since; with ended (the session is over), the rest are let go with no
// finding: a receiver that never spoke again went away, or the capture
// ended first, and neither tells a black hole.
func (d *Diagnoser) releaseMTU(s *track.Session, st *sessState, ended bool) []*Finding {
	if st == nil || st.more == nil || len(st.more.mtuWait) == 0 {
		return nil
	}
	var out []*Finding
	kept := st.more.mtuWait[:0]
	for _, dc := range st.more.mtuWait {
		stuck, _ := dc.Stuck()
		if alive := receiverSpoke(s, dc, stuck, ended); alive != "" {
			out = append(out, pmtuSuspected(s, dc, stuck, alive))
		} else if !ended {
			kept = append(kept, dc)
		}
	}
	if ended {
		st.more.mtuWait = nil // (kept is empty: nothing waits past the end)
	} else {
		clear(st.more.mtuWait[len(kept):])
		st.more.mtuWait = kept
	}
	return out
}

// pmtuSuspectedVerdict is the server's verdict when its n pmtu-blackhole
// findings are all read from the sender's resends alone (pmtuSuspected)
// or, receiver of them, on the receiver's side from the sender's FIN
// that came after data that never did (pmtuLostBeforeFIN).
func pmtuSuspectedVerdict(n, receiver int) string {
	seen := "full-size segments were sent again and again and never acknowledged while the handshake and smaller segments got through"
	switch {
	case receiver == n:
		seen = "the sender's FIN arrived and the data before it never did (none of it acknowledged) while the handshake got through"
	case receiver > 0:
		seen = "full-size segments were sent again and again and never acknowledged, or the sender's FIN arrived and the data before it never did, while the handshake and smaller segments got through"
	}
	return fmt.Sprintf("likely a path MTU black hole stopped %s (see pmtu-blackhole): %s, and no ICMP fragmentation needed / Packet Too Big is in the capture; let those ICMP errors reach the sender (never filter them), or clamp the TCP MSS on the router in front of the smaller link; no port needs opening",
		plural(n, "data connection", "data connections"), seen)
}

// stalledData tells whether dc, the data connection of c, a transfer the
// server began, was made and then got nothing through up to r, its final
// reply: its sender's bytes were never acknowledged though sent again and
// again (track.StuckSend: the capture is on the sender's side), or it
// carried nothing for stallWait past the 1yz (a capture on the receiver's
// side sees nothing of what the sender sent). It may still be open at r
// (the server resets it after its reply).
func stalledData(dc *track.DataConn, c *track.Command, r *track.Reply) bool {
	pre := preliminary(c)
	if pre == nil || !dc.Answered() || dc.Outcome.Failed() {
		return false
	}
	if _, ok := dc.Stuck(); ok {
		return true
	}
	if dc.TotalBytes() > 0 || dc.TLSHandshakeOnly() {
		return false
	}
	return r.TS.Sub(pre.TS) >= stallWait && (dc.End.IsZero() || dc.End.Sub(pre.TS) >= stallWait)
}

// stalledDataError words server-data-error for a 426 that ended a transfer
// whose data connection was made and got nothing through (stalledData).
func stalledDataError(f *Finding, c *track.Command, r *track.Reply, dc *track.DataConn) {
	sender, receiver := transferRoles(c)
	if st, ok := dc.Stuck(); ok {
		f.Evidence = joinEvidence(f.Evidence, stuckEvidence(st))
		f.Message = fmt.Sprintf("The data stopped getting through: %s sent the same segment %d times and %s never acknowledged it, and the transfer failed (426). The data connection was made; its data was lost on the path.", sender, st.Resends+1, receiver)
	} else {
		pre := preliminary(c)
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("no payload on it in the %s between the %d and the 426", dur(r.TS.Sub(pre.TS)), pre.Code))
		f.Message = fmt.Sprintf("The transfer stalled: its data connection was made, nothing arrived on it in the %s between the %d and the 426, and the transfer failed.", dur(r.TS.Sub(pre.TS)), pre.Code)
	}
	f.Advice = stallAdvice("A stall on the path, not a firewall timing a long transfer out", sender)
}

// stallAdvice is the advice for a transfer whose data stopped getting
// through on a data connection that was made, sender's data: lead, then
// where to look.
func stallAdvice(lead, sender string) string {
	return fmt.Sprintf("%s. If %s sent data (a capture on its side shows the same segment sent again and again, never acknowledged), the path lost it: most often a path MTU black hole (full-size segments dropped, the ICMP fragmentation needed / Packet Too Big kept from %s by a firewall; pmtu-blackhole says so there), else a firewall dropping the data; if it sent none, %s itself stalled (its log tells). No port needs opening: the data connection was made.", lead, sender, sender, sender)
}

// abortStallWait is how long a transfer's data connection must have
// carried nothing new before the client's ABOR for the abort to read as
// a stall given up on: past three retransmission timeouts from RFC
// 6298's initial 1 s (1+2+4 s), so a loss TCP repairs, or a sender's
// short pause, is not one, while a user who interrupts a transfer that
// moves (^C, a cancel button) does so with data still coming, well
// under a second before the ABOR.
const abortStallWait = 10 * time.Second

// abortStall is what abortStalled finds of a transfer the client aborted.
type abortStall struct {
	ok   bool
	abor *track.Command // the ABOR
	// from: when the data connection last carried new bytes
	// (track.DataConn.LastData), or, later, when it was made or the
	// transfer's 1yz came: the data stopped coming then.
	from             time.Time
	sender, receiver string // "the server", "the client" (a download), or the other way round
}

// abortStalled tells whether c, a transfer the server began (a 1yz) and
// the client aborted, had stopped moving data on dc, its data connection,
// abortStallWait or more before the ABOR: nothing new came on it, in
// either direction, while it stayed open both ways, its sender had not
// closed it, its receiver's window was open (a receiver that stopped
// reading stops the data itself) and not every byte the server announced
// had come. A client that gives up after such a wait did not choose to
// stop a transfer that moved: the data stalled. A capture that does not
// time what the connection carried (one it began during) tells nothing.
func abortStalled(s *track.Session, c *track.Command, dc *track.DataConn, v Vantage) abortStall {
	var none abortStall
	if dc == nil || c.Uncertain || !dc.Answered() || dc.Outcome.Failed() {
		return none
	}
	download := ftp.IsDownload(c.Verb)
	if !download && !ftp.IsUpload(c.Verb) {
		return none
	}
	abor, pre := abortOf(s, c), preliminary(c)
	if abor == nil || pre == nil {
		return none
	}
	send := 0 // (indexes dc.Bytes: in passive mode the client opened it)
	if download == dc.Passive {
		send = 1
	}
	from := dc.LastData()
	if from.IsZero() && dc.TotalBytes() > 0 {
		return none
	}
	for _, t := range [...]time.Time{pre.TS, dc.AckTS, dc.SynAckTS} {
		if t.After(from) {
			from = t
		}
	}
	open := from.Add(abortStallWait)
	_, stuck := dc.Stuck()
	switch {
	case from.IsZero() || abor.TS.Sub(from) < abortStallWait:
		return none
	case !dc.FINTS[send].IsZero() && dc.FINTS[send].Before(abor.TS):
		return none // the sender closed it: what it had to send was sent
	case !dc.FINTS[send^1].IsZero() && dc.FINTS[send^1].Before(open), !dc.End.IsZero() && dc.End.Before(open):
		return none // closed or broken, not stalled
	case dc.ExpectedSize > 0 && !dc.Restarted() && dc.Bytes[send] >= dc.ExpectedSize:
		return none
	case dc.WindowClosed(send):
		return none
	case (v == VantageServer) == download && v != VantageUnknown && !stuck:
		// Captured beside the sender, every byte it sent acknowledged
		// and none resent: nothing was lost on the path; the sender
		// paused (a slow disk, an archive recall).
		return none
	}
	a := abortStall{ok: true, abor: abor, from: from, sender: "the server", receiver: "the client"}
	if !download {
		a.sender, a.receiver = "the client", "the server"
	}
	return a
}

// abortStallError words server-data-error for the 426 of a transfer the
// client aborted after its data had stopped coming (abortStalled): a
// warning, a stall on the path hedged as stalledDataError's, no port to
// open.
func abortStallError(f *Finding, c *track.Command, r *track.Reply, dc *track.DataConn, a abortStall) {
	f.abortStall = true
	gap := dur(a.abor.TS.Sub(a.from))
	f.Packets = packets(f.Packets, []uint64{a.abor.Num})
	what := fmt.Sprintf("nothing new came on it for the %s before the client's ABOR", gap)
	ev := fmt.Sprintf("%s moved, then nothing new for %s up to the ABOR (packet %d), the connection still open", plural(int(dc.TotalBytes()), "byte", "bytes"), gap, a.abor.Num)
	if dc.TotalBytes() == 0 {
		what = fmt.Sprintf("nothing came on it in the %s between the %d and the client's ABOR", gap, preliminary(c).Code)
		ev = fmt.Sprintf("no payload on it in the %s up to the ABOR (packet %d), the connection still open", gap, a.abor.Num)
	}
	lost := ""
	cause := "the data stopped getting through, most likely lost on the path (a path MTU black hole, or a firewall or middlebox dropping the connection's packets)"
	if st, ok := dc.Stuck(); ok {
		ev += "; " + stuckEvidence(st)
		lost = fmt.Sprintf(" (%s sent the same segment %d times and %s never acknowledged it)", a.sender, st.Resends+1, a.receiver)
	} else {
		// Every byte seen was acknowledged and none sent again: from
		// beside the sender that is its own pause (abortStalled keeps
		// none then); from here it may be either.
		cause = fmt.Sprintf("either %s sent nothing (its own pause: a slow disk, an archive recall) or, if this capture is on %s's side, its segments were lost on the path (a path MTU black hole, or a firewall or middlebox dropping the connection's packets): a capture beside %s tells which", a.sender, a.receiver, a.sender)
	}
	f.Evidence = joinEvidence(f.Evidence, ev)
	f.Message = fmt.Sprintf("The client gave the transfer up (ABOR) after its data had stopped coming: the data connection was made and stayed open, but %s%s. An abort after such a wait is no choice to stop a transfer that moved (the %d is the answer to the ABOR) but a stall given up on: %s.", what, lost, r.Code, cause)
	f.Advice = stallAdvice("A stall on the path, not the user's choice, and not a firewall timing a long transfer out", a.sender)
}

// stuckEvidence is the evidence of bytes a side sent that the other never
// acknowledged (track.DataConn.Stuck).
func stuckEvidence(st track.StuckSend) string {
	return fmt.Sprintf("%s never acknowledged, the %d-byte segment sent %d times", plural(int(st.Bytes), "byte", "bytes"), st.Len, st.Resends+1)
}
