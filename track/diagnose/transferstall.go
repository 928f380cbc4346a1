package diagnose

import (
	"fmt"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// pmtuLostBeforeFIN is the likely path MTU black hole a capture on the
// receiver's side shows: the sender's FIN arrived, and the bytes before
// it never did (track.LostBeforeFIN: the receiver, seen after the FIN,
// acknowledged none of them, and the capture holds none). A black hole
// lets the handshake and the small FIN through and drops the full-size
// segments before it; the sender's resends, and the router's errors,
// are on the other side of it. Hedged as pmtuSuspected's: a firewall
// that drops the connection's data looks the same from here. nil when
// dc shows no such bytes.
func pmtuLostBeforeFIN(s *track.Session, dc *track.DataConn) *Finding {
	l, ok := dc.LostBeforeFIN()
	if !ok || dc.Outcome.Failed() {
		return nil
	}
	f := &Finding{Code: CodePMTUBlackHole, Severity: SeverityWarning, Session: s, Data: dc, TS: dc.End, mtuSuspected: true, mtuReceiver: true}
	if f.TS.IsZero() {
		f.TS = dc.LastSeen()
	}
	ann, what, sender, receiver, pk := tooBigRoles(dc, l.Sender)
	v6 := l.Sender.Addr().Is6() && !l.Sender.Addr().Is4In6()
	lost := plural(int(l.Bytes), "byte", "bytes")
	passed := "its handshake and the FIN got through"
	if got := dc.TotalBytes(); got > 0 {
		passed = fmt.Sprintf("its handshake, %s before them and the FIN got through", plural(int(got), "byte", "bytes"))
	}
	f.Evidence = joinEvidence(ann, fmt.Sprintf("data connection #%d from %s to %s: %s's FIN came after %s that never came (none in the capture); %s, seen after the FIN, never acknowledged them; %s",
		dc.ID, dc.Client, dc.Server, sender, lost, receiver, passed))
	f.Packets = packets(pk)
	f.Message = fmt.Sprintf("Likely a path MTU black hole on %s: %s's FIN reached %s, but the %s %s sent before it never did (%s acknowledged none of them, and went on without them), while %s. Small segments passing and the data not is what a router does whose next link is smaller (a tunnel, PPPoE, a VPN) when its ICMP errors never reach the sender; a firewall dropping the connection's data looks the same from here. The transfer did not happen, whatever the sender's side says.",
		what, sender, receiver, lost, sender, receiver, passed)
	f.Advice = fmt.Sprintf("A capture on %s's side shows its full-size segments sent again and again (and any ICMP error about them): pmtu-blackhole says so there. Let the path MTU errors reach %s (%s): never filter them (RFC 4890 4.3.1 for ICMPv6 Packet Too Big; RFC 2923 for IPv4's fragmentation needed), e.g. on its host %s, and on every firewall between it and %s. Or clamp the TCP MSS on the router in front of the smaller link: %s. On a Linux sender, net.ipv4.tcp_mtu_probing=1%s finds a size that passes without the errors (RFC 4821). No port needs opening: the data connection was made.",
		sender, sender, l.Sender.Addr(), pmtuAllowRule(v6), receiver, mssClampRule(v6), probingFamilies(v6))
	return f
}

// maxStallWait bounds the data connections of a session held for
// transfer-stalled until its end (holdStall): a session's transfers
// come one after the other, and each stalled one ends the session's
// wish to go on, so one waits at a time; past the bound one is not
// judged (Omitted.StallsNotJudged).
const maxStallWait = 4

// stallCandidate tells whether dc, as reported, may be a transfer that
// stalled (transferStalled judges it at its session's end, when whether
// the client gave up is known): a transfer the server began (a 1yz) and
// never answered finally, whose data connection was made and delivered
// nothing, or stopped delivering (its sender's bytes resent and never
// acknowledged), for stallWait or more.
func stallCandidate(dc *track.DataConn) bool {
	c := dc.Command
	if c == nil || c.Uncertain || !dc.Answered() || dc.Outcome.Failed() || !stalledTransfer(dc.Session, c) || c.Final() != nil {
		return false
	}
	if !ftp.IsDownload(c.Verb) && !ftp.IsUpload(c.Verb) {
		return false
	}
	_, stuck := dc.Stuck()
	_, lost := dc.LostBeforeFIN()
	if _, halfway := stalledHalfway(dc); halfway {
		return true
	}
	if !stuck && !lost && (dc.TotalBytes() > 0 || dc.TLSHandshakeOnly()) {
		return false
	}
	return waitedOut(dc)
}

// stallSilence is how long a data connection that moved part of the size
// its transfer's 1yz announced must then have carried nothing new, up to
// the end of what the capture watched of it, to be called stalled
// half-way: TCP resends a lost segment within seconds, and a slow sender
// still sends; a minute of nothing, neither side closing, is a flow a box
// between dropped, or a sender that stopped.
const stallSilence = time.Minute

// stalledHalfway tells whether dc moved part of the size its transfer's
// 1yz announced, then nothing new for stallSilence or more until ftpsniff
// let it go as idle or the capture ended (neither side closed or reset
// it), and how long that silence was: from its last new bytes to the end
// of what the capture watched of it and its session. A receiver that
// closed its window stopped reading: its own pause, not a stall.
func stalledHalfway(dc *track.DataConn) (time.Duration, bool) {
	got := dc.TotalBytes()
	switch {
	case dc.EndReason != track.EndIdle && dc.EndReason != track.EndCaptureEnd && dc.EndReason != track.EndOpen,
		dc.Outcome != track.OutcomeTransferred, dc.ExpectedSize <= 0, got >= dc.ExpectedSize, dc.Restarted(),
		dc.WindowClosed(0), dc.WindowClosed(1):
		return 0, false
	}
	if _, tls := dc.TLSHandshake(); tls {
		return 0, false // (records, not the file: no size to compare)
	}
	last := dc.LastData()
	if last.IsZero() {
		return 0, false
	}
	silent := stallWatchedUntil(dc).Sub(last)
	return silent, silent >= stallSilence
}

// stallWatchedUntil is the end of what the capture watched of dc: its own
// end or last segment, or its session's (WatchedUntil: the idle close,
// the capture's end), whichever is later.
func stallWatchedUntil(dc *track.DataConn) time.Time {
	until := dc.End
	if l := dc.LastSeen(); l.After(until) {
		until = l
	}
	if s := dc.Session; s != nil && s.WatchedUntil().After(until) {
		until = s.WatchedUntil()
	}
	return until
}

// holdStall keeps dc, a stallCandidate of s, for transferStalled at the
// session's end.
func (d *Diagnoser) holdStall(s *track.Session, dc *track.DataConn) {
	m := d.state(s).moreState()
	if len(m.stalls) >= maxStallWait {
		d.omitted.StallsNotJudged++
		return
	}
	m.stalls = append(m.stalls, dc)
}

// stallFindings is the transfer-stalled findings of s's held data
// connections (holdStall), at its end, but for those a pmtu-blackhole
// read from the sender's resends tells of already (releaseMTU gave it,
// at a command or at the end, when their receiver spoke after).
func (d *Diagnoser) stallFindings(s *track.Session) []*Finding {
	st := d.sess[s]
	if st == nil || st.more == nil || len(st.more.stalls) == 0 {
		return nil
	}
	var out []*Finding
	for _, dc := range st.more.stalls {
		if stuck, ok := pmtuSuspect(dc); ok && receiverSpoke(s, dc, stuck, true) != "" {
			continue
		}
		if f := transferStalled(s, dc); f != nil {
			if f.halfway {
				d.keepStallOpen(s, dc)
			}
			out = append(out, f)
		}
	}
	st.more.stalls = nil
	return out
}

// stallGivenUp says how the client of s showed it gave up on dc's
// transfer, c, stalled: it closed or reset the data connection first,
// sent another command, or closed the control connection; "" when it
// did not (the capture ended while it waited: no failure shown).
func stallGivenUp(s *track.Session, dc *track.DataConn, c *track.Command) string {
	cli := 0 // (indexes FINTS: the opener's side)
	if !dc.Passive {
		cli = 1
	}
	switch {
	case !dc.FINTS[cli].IsZero() && (dc.FINTS[cli^1].IsZero() || dc.FINTS[cli].Before(dc.FINTS[cli^1])):
		return fmt.Sprintf("closed the data connection %s after the %d", dur(dc.FINTS[cli].Sub(c.Replies[0].TS)), c.Replies[0].Code)
	case dc.EndReason == track.EndRST && dc.RSTFromServer == (cli == 1):
		return fmt.Sprintf("reset the data connection %s after the %d", dur(dc.RSTTS.Sub(c.Replies[0].TS)), c.Replies[0].Code)
	case s.LatestCommand().After(c.Replies[0].TS):
		return "sent its next command without it"
	case s.ClientClosed || s.ClientFIN:
		return "closed the control connection"
	}
	return ""
}

// transferStalled is the transfer-stalled finding of dc, a stallCandidate
// of s, once the session is over: the client gave the transfer up
// (stallGivenUp) with no final reply. A failure of its own however the
// other transfers of the capture went: the data connection was made, and
// the file did not move.
func transferStalled(s *track.Session, dc *track.DataConn) *Finding {
	c := dc.Command
	how := stallGivenUp(s, dc, c)
	if how == "" {
		if silent, ok := stalledHalfway(dc); ok {
			return stalledHalfwayFinding(s, dc, silent)
		}
		return nil
	}
	pre := c.Replies[0]
	sender, receiver := transferRoles(c)
	ann, pk := stallPackets(dc)
	f := &Finding{Code: CodeTransferStalled, Severity: SeverityWarning, Session: s, Data: dc, TS: dc.End, Packets: packets(pk)}
	if f.TS.IsZero() {
		f.TS = dc.LastSeen()
	}
	moved := "nothing came on it"
	var ev string
	switch st, stuck := dc.Stuck(); {
	case stuck:
		moved = fmt.Sprintf("%s sent the same segment %d times and %s never acknowledged it", sender, st.Resends+1, receiver)
		ev = stuckEvidence(st)
	default:
		if l, ok := dc.LostBeforeFIN(); ok {
			lost := plural(int(l.Bytes), "byte", "bytes")
			moved = fmt.Sprintf("the %s %s sent before its FIN never arrived", lost, sender)
			ev = lost + " before the FIN never acknowledged, none in the capture"
		} else if got := dc.TotalBytes(); got > 0 {
			moved = fmt.Sprintf("%s moved, then nothing more", plural(int(got), "byte", "bytes"))
			ev = fmt.Sprintf("%s on it", plural(int(got), "byte", "bytes"))
		} else {
			ev = "no payload on it"
		}
	}
	f.Evidence = joinEvidence(fmt.Sprintf("%q (packet %d) -> %d (packet %d)", commandText(c), c.Num, pre.Code, pre.Num), ann,
		fmt.Sprintf("data connection #%d %s: %s; no final reply; the client %s", dc.ID, endpointText(dc), ev, how))
	f.Message = fmt.Sprintf("The transfer stalled and the client gave it up: the data connection of %s was made, but %s, and the client %s with no final reply from the server. The file did not move.",
		commandText(c), moved, how)
	f.Advice = stallAdvice("A stall on the path, not a refusal and not a firewall blocking the port", sender)
	return f
}

// transferRoles names who sends c's file and who receives it: the server
// and the client for a download or listing, the other way for an upload.
func transferRoles(c *track.Command) (sender, receiver string) {
	if ftp.IsUpload(c.Verb) {
		return "the client", "the server"
	}
	return "the server", "the client"
}

// stallPackets is the announcement of dc, a stallCandidate's transfer, and
// the packets a transfer-stalled of it cites: the announcement's, the
// data connection's SYN, the command and its 1yz.
func stallPackets(dc *track.DataConn) (ann string, pk []uint64) {
	c := dc.Command
	ann, pk = announcement(dc)
	return ann, append(pk, dc.SYNNum, c.Num, c.Replies[0].Num)
}

// transfersStalled: no fault leads, and transfers whose data connections
// were made stalled and were given up (transfer-stalled): the verdict
// says so whatever the server's other transfers did (worked: the data
// connections made, the stalled ones among them).
func (v *verdictWriter) transfersStalled(worked int) {
	n := v.a.findings[CodeTransferStalled] - v.a.stallEnds // (the notes of their ends are no more stalls)
	v.accountFor(CodeTransferStalled)
	lead := "the data connection was made, but its transfer stalled"
	switch {
	case worked > 1 && n == 1:
		lead = fmt.Sprintf("%d data connections were made, but the transfer on one of them stalled", worked)
	case worked > 1:
		lead = fmt.Sprintf("%d data connections were made, but the transfers on %d of them stalled", worked, n)
	}
	if h := v.a.stallsHalfway; h == n {
		v.text = lead + ": " + halfwayVerdict(h, v.a.stallsCompleted)
		return
	}
	gaveUp := "and the client gave it up with no final reply"
	if v.a.stallsHalfway > 0 {
		gaveUp = "and the client gave it up, or neither side closed it, with no final reply"
	}
	v.text = lead + ": nothing got through, or it stopped getting through, " + gaveUp + " (see transfer-stalled): a stall on the path, most often a path MTU black hole (full-size segments dropped, the ICMP fragmentation needed / Packet Too Big kept from the sender by a firewall; a capture on the sender's side shows it as pmtu-blackhole) or a firewall dropping the data; no port needs opening"
}

// halfwayVerdict is the verdict's reading of n transfers stalled half-way
// (stalledHalfwayFinding), done of them completed after the stall: their
// final reply came in the session that picked the control connection up
// again (stallEnded).
func halfwayVerdict(n, done int) string {
	const cause = "most often a NAT or firewall that dropped the flow's state (an idle timeout, a restart) or a path MTU black hole; keep the control connection alive through long transfers (TCP keepalive or NOOP) and the idle timeout for established TCP on the NAT or firewall above the longest transfer; no port needs opening"
	it := "it"
	if n > 1 {
		it = "each"
	}
	s := it + " moved part of the size announced, then nothing new for a minute or more, neither side closing the data connection (see transfer-stalled)"
	switch {
	case done == n && n == 1:
		s += "; its final reply came later, in the session that picked the control connection up again: it completed after the stall"
	case done == n:
		s += "; their final replies came later, in the sessions that picked the control connections up again: they completed after the stall"
	case done > 0:
		s += fmt.Sprintf("; %d of them completed after the stall (their final replies came in the sessions that picked the control connections up again), the rest got no final reply while watched", done)
	default:
		s += "; no final reply came while the capture watched"
	}
	return s + ": " + cause
}

// RefusedTransfer tells whether c is a file transfer (RETR, STOR, STOU,
// APPE) the server refused outright: its first reply, final, a 4yz or
// 5yz (a missing file, a permission, a full disk), no 1yz before it;
// not a 425 or 426, the data connection's failure, which its own
// findings tell. A listing refused is left out: servers answer an empty
// NLST so ("550 No files found").
func RefusedTransfer(c *track.Command) bool {
	if c.Verb != "RETR" && !ftp.IsUpload(c.Verb) || len(c.Replies) != 1 || c.Status != track.StatusAnswered || c.Uncertain {
		return false
	}
	code := c.Replies[0].Code
	return code >= 400 && code < 600 && code != 425 && code != 426
}
