package diagnose

import (
	"fmt"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// stalledHalfwayFinding is the transfer-stalled finding of dc, a transfer
// of s whose data connection moved part of the size announced and then
// nothing new for silent (stalledHalfway), with no final reply and the
// client not seen giving up: its record says "transferred" for the bytes
// that moved; the file had not. A session closed as idle may be picked
// up again with the final reply (stallEnded says how it ended then).
func stalledHalfwayFinding(s *track.Session, dc *track.DataConn, silent time.Duration) *Finding {
	c := dc.Command
	pre := c.Replies[0]
	sender, _ := transferRoles(c)
	ann, pk := stallPackets(dc)
	last := dc.LastData()
	f := &Finding{Code: CodeTransferStalled, Severity: SeverityWarning, Session: s, Data: dc, TS: last, Packets: packets(pk), halfway: true}
	until := "the capture ended"
	if dc.EndReason == track.EndIdle || s.EndReason == track.EndIdle {
		until = "ftpsniff let it go as idle"
	}
	// After the last new bytes: only segments without them (the
	// receiver's acknowledgments, keepalive probes, resends), or none.
	after := "no segment either way after them"
	tail := dc.LastSeen().Sub(last)
	if tail >= time.Second {
		after = fmt.Sprintf("after them, for %s, only segments without new data (acknowledgments, keepalive probes or resends)", dur(tail))
		if stallWatchedUntil(dc).Sub(dc.LastSeen()) >= time.Second {
			after += ", then none"
		}
	}
	moved := fmt.Sprintf("%d of the %d bytes announced moved", dc.TotalBytes(), dc.ExpectedSize)
	ctl := ""
	ctlQuiet := time.Duration(0)
	if !s.End.After(last) {
		// No control packet since the data stopped.
		ctlQuiet = s.WatchedUntil().Sub(s.End)
		ctl = fmt.Sprintf("; the control connection silent for %s", dur(ctlQuiet))
	}
	f.Evidence = joinEvidence(fmt.Sprintf("%q (packet %d) -> %d (packet %d)", commandText(c), c.Num, pre.Code, pre.Num), ann,
		fmt.Sprintf("data connection #%d %s: %s, the last new bytes %s's %s after the %d; %s; nothing new for %s until %s; no final reply%s",
			dc.ID, endpointText(dc), moved, sender, dur(last.Sub(pre.TS)), pre.Code, after, dur(silent), until, ctl))
	f.Message = fmt.Sprintf("The transfer stalled half-way: the data connection of %s moved %d of the %d bytes the server announced, then nothing new crossed it for %s, until %s, and no final reply came; neither side closed it. Its record's \"transferred\" counts the bytes that moved: the file had not arrived whole by then.",
		commandText(c), dc.TotalBytes(), dc.ExpectedSize, dur(silent), until)
	adv := fmt.Sprintf("A data connection that goes silent half-way with neither side closing it is most often a flow a box between dropped: a NAT or firewall that forgot its state (an idle timeout, a restart, a failover), or a path MTU black hole (full-size segments dropped, the ICMP fragmentation needed / Packet Too Big kept from %s by a firewall). A capture on %s's side shows its segments sent again and again, never acknowledged, when the path lost them, and none when %s itself stopped (its log tells).", sender, sender, sender)
	if tail >= time.Second {
		adv += " Segments without data still crossed after the data stopped: keepalive probes left unanswered mean the box between had lost the connection's state; answered, the path was there and the sender stopped."
	}
	if ctlQuiet >= natIdleFloor {
		adv += fmt.Sprintf(" The control connection sat idle all the while (%s): a NAT or firewall that forgets an idle connection on port 21 during a long transfer loses the final reply too: %s; on the NAT or firewall, raise the idle timeout for established TCP (Linux: sysctl net.netfilter.nf_conntrack_tcp_timeout_established; many routers use 300 s or less).",
			dur(ctlQuiet), keepaliveAdvice(ctlQuiet))
	}
	f.Advice = adv + " No port needs opening: the data connection was made."
	return f
}

// maxStallsOpen bounds the transfers stalled half-way in sessions closed
// as idle kept for the session that picks one up again (stallOpen):
// past it the oldest is let go (Omitted.StallEndsNotKept), and its
// final reply, should it come, reads as before: a reply to a command
// before the idle close.
const maxStallsOpen = 64

// stallOpen is a transfer stalled half-way (stalledHalfwayFinding) in a
// session closed as idle: the session that picks its control connection
// up again (track.Resumption) may bring its final reply.
type stallOpen struct {
	session, dataID  int
	what             string // the transfer command (commandText)
	lastData         time.Time
	moved, announced int64
}

// keepStallOpen keeps dc, stalled half-way in s, for stallEnded, when s
// was closed as idle (only such a session is picked up again).
func (d *Diagnoser) keepStallOpen(s *track.Session, dc *track.DataConn) {
	if s.EndReason != track.EndIdle {
		return
	}
	if len(d.stallsOpen) >= maxStallsOpen {
		d.omitted.StallEndsNotKept++
		d.stallsOpen = append(d.stallsOpen[:0], d.stallsOpen[1:]...)
	}
	d.stallsOpen = append(d.stallsOpen, stallOpen{session: s.ID, dataID: dc.ID, what: commandText(dc.Command),
		lastData: dc.LastData(), moved: dc.TotalBytes(), announced: dc.ExpectedSize})
}

// stallEnded is the note of e, a final reply in s, a session that picks
// up one closed as idle, to a transfer that stalled half-way there
// (keepStallOpen): the transfer ended after the stall, completed (a 2yz)
// or failed, and what was said of the stall stays true. nil otherwise.
func (d *Diagnoser) stallEnded(s *track.Session, e *track.Event) *Finding {
	if e.Kind != track.EventReplyUnseen || s.Resumed == nil || s.Resumed.From == 0 || e.Code < 200 || e.Code >= 600 {
		return nil
	}
	i := len(d.stallsOpen) - 1
	for ; i >= 0 && d.stallsOpen[i].session != s.Resumed.From; i-- {
	}
	if i < 0 {
		return nil
	}
	so := d.stallsOpen[i]
	d.stallsOpen = append(d.stallsOpen[:i], d.stallsOpen[i+1:]...)
	stall := dur(e.TS.Sub(so.lastData))
	f := &Finding{Code: CodeTransferStalled, Severity: SeverityInfo, Session: s, TS: e.TS, Packets: []uint64{e.Num}, stallEnd: true}
	f.Evidence = fmt.Sprintf("%d (packet %d) in session %d, which continues session %d (closed as idle at %s); there %s's data connection #%d had moved %d of %d bytes announced, its last new bytes %s before this reply",
		e.Code, e.Num, s.ID, so.session, s.Resumed.Closed.UTC().Format("2006-01-02 15:04:05 UTC"), so.what, so.dataID, so.moved, so.announced, stall)
	if e.Code < 300 {
		f.completed = true
		f.Message = fmt.Sprintf("The transfer that stalled half-way in session %d (%s) completed after all: the server's %d came here, %s after the last new bytes ftpsniff saw on its data connection, which it had let go as idle. A stall of up to %s, not a failure; the rest of the data came after ftpsniff stopped following that connection.",
			so.session, so.what, e.Code, stall, stall)
		f.Advice = fmt.Sprintf("Nothing lost this time; the stall's cause stands (see transfer-stalled in session %d): the data connection and the control connection sat silent that long, which a NAT's or firewall's idle timeout cuts.", so.session)
		return f
	}
	f.Message = fmt.Sprintf("The transfer that stalled half-way in session %d (%s) ended with the server's %d, %s after the last new bytes ftpsniff saw on its data connection: it failed after the stall.",
		so.session, so.what, e.Code, stall)
	f.Advice = fmt.Sprintf("See transfer-stalled in session %d for the stall's likely causes.", so.session)
	return f
}
