package track

import (
	"net/netip"

	"github.com/ftpsniff/ftpsniff/decode"
)

// icmpError takes an ICMP error quoting a segment of dc's 4-tuple (either
// way) as the end whose segment it quotes would: Linux's tcp_v4_err and
// tcp_v6_err look the socket up with the quoted source as its own end, and
// drop an error whose quoted sequence number is not between the oldest
// byte not acknowledged and the next to send (snd_una..snd_nxt,
// LINUX_MIB_OUTOFWINDOWICMPS; RFC 5927 4.1). In SYN-SENT that is the SYN's
// sequence number (or the one after it), and every error but a path MTU
// one ends the connect (ICMPInfo.EndsConnect); past the handshake, an
// error is a soft one, and a path MTU error lowers the MTU the sender uses
// (RFC 1191, RFC 8201). What ends nothing is counted, and the first of it
// kept (ICMPErrors).
func (t *Tracker) icmpError(dc *DataConn, u *decode.Unreachable) {
	info := icmpInfo(u)
	dir := -1
	switch {
	case u.Src == dc.Client && u.Dst == dc.Server:
		dir = 0
	case u.Src == dc.Server && u.Dst == dc.Client:
		dir = 1
	}
	if dir < 0 {
		// The 4-tuple of a reflection alias (the control address in place
		// of the announced one): a segment neither end of it sent.
		dc.ignoreICMP(info, ICMPNotSent)
		return
	}
	if !dc.answered() {
		switch {
		case dir == 1:
			// From the end connected to, which had sent nothing: the
			// opener finds no socket whose own end is the quoted source.
			dc.ignoreICMP(info, ICMPNotOpener)
		case dc.seqInit[0] && !synQuoted(dc, u.Seq):
			dc.ignoreICMP(info, ICMPOutOfWindow)
		case info.IsTooBig():
			dc.ignoreICMP(info, ICMPTooBigSYN)
		case !info.EndsConnect():
			dc.ignoreICMP(info, ICMPUnknownCode)
		default:
			// (No SYN seen: a connection takeRefusal made of a kept error
			// to an announcement, whose SYN the capture lost; the quote
			// is all there is of it.)
			if dc.ICMP == nil {
				dc.ICMP = info
			}
			dc.End = u.TS
			// Not final yet: a client may try again (Linux does for ICMPv6
			// admin-prohibited), and its SYNs count. It is final when the
			// session moves on, or after the unanswered wait, like
			// unanswered SYNs.
		}
		return
	}
	switch {
	case !dc.seqInit[dir]:
		dc.ignoreICMP(info, ICMPNotSent)
	case dir == 1 && synRecv(dc):
		// About the listener's segment while it waits for the opener's
		// ACK: Linux's tcp_req_err takes only the SYN-ACK's own sequence
		// number (snt_isn), and drops the pending connection on a hard
		// error; the opener sees its SYN-ACK lost, as the SYNs show.
		if u.Seq+1 == dc.seqHi[1] {
			dc.ignoreICMP(info, ICMPSynAck)
		} else {
			dc.ignoreICMP(info, ICMPOutOfWindow)
		}
	case !sentUnacked(dc, dir, u.Seq):
		dc.ignoreICMP(info, ICMPOutOfWindow)
	case info.IsTooBig():
		dc.tooBig(dir, info, u.Seq, u.MTU)
	default:
		dc.ignoreICMP(info, ICMPConnected)
	}
}

// synQuoted tells whether seq is within the opener's SYN's sequence
// space, from the SYN's own number (snd_una in SYN-SENT) to the byte after
// the SYN and the data it carried (snd_nxt; TCP Fast Open): the window
// Linux takes an error in before the handshake.
func synQuoted(dc *DataConn, seq uint32) bool {
	isn := dc.seqHi[0] - 1
	if dc.SYNs > 0 {
		isn = dc.lastSYNSeq
	}
	return int32(seq-isn) >= 0 && int32(dc.seqHi[0]-seq) >= 0
}

// synRecv tells a connection whose listener sent its SYN-ACK and nothing
// past it, and whose opener was not seen to acknowledge it: the listener
// holds it as a request (SYN-RECV).
func synRecv(dc *DataConn) bool {
	return !dc.SynAckTS.IsZero() && !dc.openerAcked && dc.seqHi[1] == dc.acked[1]
}

// sentUnacked tells whether seq is between the highest acknowledgment the
// capture showed of dir's bytes and the next byte dir was seen to send,
// both included: the window of the sender's snd_una..snd_nxt the capture
// can vouch for.
func sentUnacked(dc *DataConn, dir int, seq uint32) bool {
	return int32(seq-dc.acked[dir]) >= 0 && int32(dc.seqHi[dir]-seq) >= 0
}

// ignoreICMP counts an ICMP error about dc that changed nothing.
func (dc *DataConn) ignoreICMP(info *ICMPInfo, why ICMPIgnoredReason) {
	e := dc.icmpErrors()
	if e.Ignored == 0 {
		e.IgnoredFirst, e.IgnoredWhy = *info, why
	}
	e.Ignored++
}

func (dc *DataConn) icmpErrors() *ICMPErrors {
	if dc.ICMPErrors == nil {
		dc.ICMPErrors = new(ICMPErrors)
	}
	return dc.ICMPErrors
}

// tooBig notes a path MTU error about a segment dir sent at seq, within
// what it had sent and not had acknowledged. A copy of the latest (the
// same quote, router and MTU within synCopyWindow, nothing from the
// sender between: the one packet seen twice) counts once. Whether the
// sender kept sending as large its own segments after the error tell
// (tooBigSegment); when no error gave an MTU, or the capture's sizes are
// not the wire's (PathMTU.Offload), the same router quoting again data
// the sender resent after its error does.
func (dc *DataConn) tooBig(dir int, info *ICMPInfo, seq, mtu uint32) {
	sender := dc.Client
	if dir == 1 {
		sender = dc.Server
	}
	// Segments larger than a link carries before the error: their sizes
	// are not the wire's from the start.
	dc.icmpErrors().TooBig.note(sender, info, seq, mtu, dc.seqHi[dir], dc.win.flags[dir]&bigSeg != 0)
}

// note counts a path MTU error about a segment sender sent at seq (see
// DataConn.tooBig); sentBy is the sender's next byte then, offload that
// its segments were larger than a link carries before it.
func (p *PathMTU) note(sender netip.AddrPort, info *ICMPInfo, seq, mtu, sentBy uint32, offload bool) {
	if p.Errors > 0 && !p.senderSince && seq == p.last.seq && mtu == p.last.mtu && info.From == p.last.from {
		if d := info.TS.Sub(p.last.ts); -synCopyWindow < d && d < synCopyWindow {
			return
		}
	}
	if p.Errors == 0 {
		p.Sender = sender
		p.First, p.Num = info.TS, info.Num
		p.MTU, p.From = mtu, info.From
		p.sentBy = sentBy
		p.Offload = offload
	} else {
		if mtu > 0 && (p.MTU == 0 || mtu < p.MTU) {
			p.MTU, p.From = mtu, info.From
		}
		if p.resent && (seq == p.last.seq && info.From == p.last.from || p.pending && seq == p.pendSeq && info.From == p.pendFrom) {
			p.byRouter++
		}
		if int32(sentBy-p.sentBy) > 0 {
			p.sentBy = sentBy
		}
	}
	p.Errors++
	p.last = quotedTooBig{seq: seq, mtu: mtu, from: info.From, ts: info.TS}
	p.senderSince, p.resent = false, false
	if !p.pending || int32(seq-p.pendSeq) < 0 {
		p.pending, p.pendSeq, p.pendFrom = true, seq, info.From
	}
	p.setRepeated()
}

// tooBigSegment notes a segment of a connection with path MTU errors
// about its data. From the receiver, an acknowledgment past the oldest
// quoted segment: the sender got through. From the sender, data at or
// past that segment and before what it had sent by the latest error (a
// resend: new data may have left before the error reached it), larger
// than the MTU given leaves room for: it kept sending as large; data
// holding a quoted byte: a resend the router may quote again (tooBig);
// more payload than a standard link carries: the capture's sizes are not
// the wire's (PathMTU.Offload).
func (dc *DataConn) tooBigSegment(s *decode.Segment) { dc.ICMPErrors.TooBig.segment(s) }

// segment is tooBigSegment's reading of s for p.
func (p *PathMTU) segment(s *decode.Segment) {
	if p.Errors == 0 {
		return
	}
	if s.Src != p.Sender {
		if p.pending && s.Flags.Has(decode.FlagACK) && int32(s.Ack-p.pendSeq) > 0 {
			p.pending, p.Acked = false, true
		}
		return
	}
	p.senderSince = true
	n := s.PayloadLen
	if n <= 0 {
		return
	}
	if n > p.standardRoom() && !p.Offload {
		p.Offload = true
		p.setRepeated()
	}
	if !p.pending {
		return
	}
	holds := func(seq uint32) bool { return int32(seq-s.Seq) >= 0 && int32(seq-s.Seq) < int32(n) }
	if holds(p.last.seq) || holds(p.pendSeq) {
		p.resent = true
	}
	if p.MTU > 0 && n > p.Room() && int32(s.Seq-p.pendSeq) >= 0 && int32(s.Seq-p.sentBy) < 0 {
		p.bySize++
		p.setRepeated()
	}
}

// setRepeated sets Repeated from the evidence that holds: the sender's
// segment sizes against the MTU given, or, with no MTU given or sizes
// that are not the wire's (Offload), the router's errors about resends.
func (p *PathMTU) setRepeated() {
	p.Repeated = p.bySize
	if p.MTU == 0 || p.Offload {
		p.Repeated = p.byRouter
	}
}

// standardRoom is the most payload a segment of the sender fits in a
// 1500-byte MTU (Ethernet's), less the IPv4 (IPv6) and TCP headers
// without options: more is offload or jumbo frames (PathMTU.Offload).
func (p *PathMTU) standardRoom() int { return linkRoom(p.Sender.Addr()) }

// linkRoom is the most TCP payload a 1500-byte link carries from a (IPv4
// and TCP headers of 40 bytes, IPv6's of 60), and overLink tells a
// segment of n bytes larger than that.
func linkRoom(a netip.Addr) int {
	if a.Is6() && !a.Is4In6() {
		return 1500 - 60
	}
	return 1500 - 40
}

func overLink(a netip.Addr, n int) bool { return n > linkRoom(a) }

// Room is the most payload a segment of the sender fits in the smallest
// MTU given, less the IPv4 (IPv6) and TCP headers without options; an MTU
// below the least a sender lowers its path MTU to (Linux's min_pmtu 552
// and Windows' 576 for IPv4, RFC 8201's 1280 for IPv6) is taken as that.
func (p *PathMTU) Room() int {
	least, hdr := uint32(576), uint32(40)
	if p.Sender.Addr().Is6() && !p.Sender.Addr().Is4In6() {
		least, hdr = 1280, 60
	}
	return int(max(p.MTU, least) - hdr)
}

// nothingDelivered tells a connection whose path MTU black hole
// (PathMTU.BlackHole) kept every byte from its receiver: the receiver
// acknowledged none of the sender's payload, and sent none of its own.
// The router's errors say it dropped the segments; no acknowledgment
// says one arrived. (Bytes the sender sent again and again are out of
// Bytes already, once final: dropUnacked.)
func (dc *DataConn) nothingDelivered() bool {
	p := dc.TooBig()
	if !p.BlackHole() {
		return false
	}
	sd := 0
	if p.Sender == dc.Server {
		sd = 1
	}
	sent := dc.Bytes[sd]
	if dc.resent[sd]&resentDropped != 0 {
		sent += int64(int32(dc.seqHi[sd] - dc.acked[sd]))
	}
	return dc.Bytes[sd^1] == 0 && int64(dc.seqHi[sd]-dc.acked[sd]) >= sent
}

// controlTooBig keeps a path MTU error quoting a segment of sess's
// control connection (a TLS handshake after AUTH TLS whose certificate
// chain fills full-size segments, a long multi-line reply): counted in
// the session's memo as a data connection's are (PathMTU), the first
// kept, one PathMTU per session whatever their number. Only the
// quoted segment's own bytes are known as sent when it came (sentBy:
// decode owns the control stream's sequence numbers), so a resend is one
// that holds them; the receiver's acknowledgment past them says the
// sender got through. Other ICMP errors about an open control
// connection change nothing the tracker reports.
func (t *Tracker) controlTooBig(u *decode.Unreachable) bool {
	mtu, ok := u.PacketTooBig()
	if !ok {
		return false
	}
	sess := t.sessions.Get(decode.MakeConnKey(u.Src, u.Dst))
	if sess == nil || u.Src != sess.Client && u.Src != sess.Server {
		return false
	}
	m := sess.memo()
	if m.ctlTooBig == nil {
		m.ctlTooBig = new(PathMTU)
		t.ctlTooBig++
	}
	m.ctlTooBig.note(u.Src, icmpInfo(u), u.Seq, uint32(mtu), u.Seq+1, false)
	return true
}

// controlTooBigSegment reads a control segment of a session with path
// MTU errors about its control connection (controlTooBig).
func (t *Tracker) controlTooBigSegment(s *decode.Segment) {
	sess := t.sessions.Get(decode.MakeConnKey(s.Src, s.Dst))
	if sess == nil || sess.xfer == nil || sess.xfer.ctlTooBig == nil {
		return
	}
	sess.xfer.ctlTooBig.segment(s)
}

// ControlTooBig is the path MTU errors about the session's control
// connection (Tracker.controlTooBig); nil when none came.
func (s *Session) ControlTooBig() *PathMTU {
	if s.xfer == nil {
		return nil
	}
	return s.xfer.ctlTooBig
}
