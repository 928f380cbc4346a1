package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
)

// suspectResends is how many resends of the same full-size segment, never
// acknowledged, pmtuSuspected wants: the retransmission timer fired three
// times (a loss, even a burst of them, is repaired sooner).
const suspectResends = 3

// pmtuSuspected finds a likely path MTU black hole on a data connection
// whose capture holds no ICMP error about it (pmtuBlackHole needs one):
// its sender sent the same segment, larger than IPv6's least MTU leaves
// room for (which the links behind most black holes carry), again and
// again, and its receiver, whose segments the capture holds, never
// acknowledged it, while the handshake (and any smaller segments before
// it) got through and no full-size segment ever did (track.StuckSend).
// Hedged: the router's error is not in the capture, and a receiver that
// went away just then looks the same from the sender's side. A warning,
// with the same changes as pmtu-blackhole's and no port to open: the
// data connection was made.
func pmtuSuspected(s *track.Session, dc *track.DataConn) *Finding {
	if dc == nil || dc.Outcome.Failed() {
		return nil
	}
	if p := dc.TooBig(); p != nil && p.Errors > 0 {
		return nil // the router's errors are in the capture: pmtuBlackHole's
	}
	st, ok := dc.Stuck()
	if !ok || st.Resends < suspectResends || !st.Large || st.BigAcked {
		return nil
	}
	f := &Finding{Code: CodePMTUBlackHole, Severity: SeverityWarning, Session: s, Data: dc, TS: dc.End, mtuSuspected: true}
	ann, what, sender, receiver, pk := tooBigRoles(dc, st.Sender)
	v6 := st.Sender.Addr().Is6() && !st.Sender.Addr().Is4In6()
	errKind := "ICMP type 3 code 4 (fragmentation needed)"
	if v6 {
		errKind = "ICMPv6 type 2 (Packet Too Big)"
	}
	passed := "its handshake got through"
	if got := dc.TotalBytes(); got > 0 {
		passed = fmt.Sprintf("its handshake and %d bytes in smaller segments got through", got)
	}
	f.Evidence = joinEvidence(ann,
		fmt.Sprintf("data connection #%d from %s to %s: %s's %d-byte segment sent %d times, never acknowledged (%d bytes from it never acknowledged); %s; no ICMP error about it in the capture",
			dc.ID, dc.Client, dc.Server, sender, st.Len, st.Resends+1, st.Bytes, passed))
	f.Packets = packets(pk)
	f.Message = fmt.Sprintf("Likely a path MTU black hole on %s: %s sent the same %d-byte segment %d times and %s never acknowledged it, while %s (the capture holds %s's segments, so its acknowledgments would be here). A router whose next link is smaller (a tunnel, PPPoE, a VPN) drops a segment that large and answers with %s, which %s never acted on: no such error is in the capture, so the router does not send it or a firewall drops it on the way. The transfer cannot go on. A %s that went away just then looks the same here: a capture on its side (the segment never arrives there) tells.",
		what, sender, st.Len, st.Resends+1, receiver, passed, receiver, errKind, sender, receiver[len("the "):])
	f.Advice = fmt.Sprintf("Let the path MTU errors reach %s (%s): never filter them (RFC 4890 4.3.1 for ICMPv6 Packet Too Big; RFC 2923 for IPv4's fragmentation needed), e.g. on its host %s, and on every firewall between it and %s. Or clamp the TCP MSS on the router in front of the smaller link: %s. On a Linux sender, net.ipv4.tcp_mtu_probing=1%s finds a size that passes without the errors (RFC 4821). No port needs opening: the data connection was made.",
		sender, st.Sender.Addr(), pmtuAllowRule(v6), receiver, mssClampRule(v6), probingFamilies(v6))
	return f
}

// pmtuSuspectedVerdict is the server's verdict when its n pmtu-blackhole
// findings are all read from the sender's resends alone (pmtuSuspected).
func pmtuSuspectedVerdict(n int) string {
	return fmt.Sprintf("likely a path MTU black hole stopped %s (see pmtu-blackhole): full-size segments were sent again and again and never acknowledged while the handshake and smaller segments got through, and no ICMP fragmentation needed / Packet Too Big is in the capture; let those ICMP errors reach the sender (never filter them), or clamp the TCP MSS on the router in front of the smaller link; no port needs opening",
		plural(n, "data connection", "data connections"))
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
	sender, receiver := "the server", "the client"
	if c.Verb == "STOR" || c.Verb == "STOU" || c.Verb == "APPE" {
		sender, receiver = "the client", "the server"
	}
	if st, ok := dc.Stuck(); ok {
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%d bytes never acknowledged, the %d-byte segment sent %d times", st.Bytes, st.Len, st.Resends+1))
		f.Message = fmt.Sprintf("The data stopped getting through: %s sent the same segment %d times and %s never acknowledged it, and the transfer failed (426). The data connection was made; its data was lost on the path.", sender, st.Resends+1, receiver)
	} else {
		pre := preliminary(c)
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("no payload on it in the %s between the %d and the 426", dur(r.TS.Sub(pre.TS)), pre.Code))
		f.Message = fmt.Sprintf("The transfer stalled: its data connection was made, nothing arrived on it in the %s between the %d and the 426, and the transfer failed.", dur(r.TS.Sub(pre.TS)), pre.Code)
	}
	f.Advice = fmt.Sprintf("A stall on the path, not a firewall timing a long transfer out. If %s sent data (a capture on its side shows the same segment sent again and again, never acknowledged), the path lost it: most often a path MTU black hole (full-size segments dropped, the ICMP fragmentation needed / Packet Too Big kept from %s by a firewall; pmtu-blackhole says so there), else a firewall dropping the data; if it sent none, %s itself stalled (its log tells). No port needs opening: the data connection was made.", sender, sender, sender)
}
