package track

import "github.com/ftpsniff/ftpsniff/decode"

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
	case !sentUnacked(dc, dir, u.Seq):
		dc.ignoreICMP(info, ICMPOutOfWindow)
	case info.IsTooBig():
		dc.tooBig(dir, info, u.Seq, u.MTU)
	default:
		dc.ignoreICMP(info, ICMPConnected)
	}
}

// synQuoted tells whether seq is the opener's SYN's (snd_una in SYN-SENT)
// or the byte after it (snd_nxt): the window Linux takes an error in
// before the handshake.
func synQuoted(dc *DataConn, seq uint32) bool {
	isn := dc.seqHi[0] - 1
	return seq == isn || seq == isn+1
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
// what it had sent and not had acknowledged.
func (dc *DataConn) tooBig(dir int, info *ICMPInfo, seq, mtu uint32) {
	p := &dc.icmpErrors().TooBig
	if p.Errors == 0 {
		p.Sender = dc.Client
		if dir == 1 {
			p.Sender = dc.Server
		}
		p.First, p.Num = info.TS, info.Num
		p.MTU, p.From = mtu, info.From
	} else if mtu < p.MTU {
		p.MTU, p.From = mtu, info.From
	}
	p.Errors++
	for _, q := range p.recent {
		if q.from.IsValid() && q.seq == seq && q.from == info.From && mtu >= q.mtu {
			// The same segment again from the same router, as large as
			// before: its sender did not lower its segment size.
			p.Repeated++
			break
		}
	}
	p.recent[p.next] = quotedTooBig{seq: seq, mtu: mtu, from: info.From}
	p.next = (p.next + 1) % uint8(len(p.recent))
	if !p.pending || int32(seq-p.pendSeq) < 0 {
		p.pending, p.pendSeq = true, seq
	}
}

// ackedTooBig notes an acknowledgment from the receiver of the segments a
// path MTU error quoted: past the oldest one, the sender got through.
func (dc *DataConn) ackedTooBig(s *decode.Segment) {
	p := &dc.ICMPErrors.TooBig
	if !p.pending || !s.Flags.Has(decode.FlagACK) || s.Src == p.Sender {
		return
	}
	if int32(s.Ack-p.pendSeq) > 0 {
		p.pending, p.Acked = false, true
	}
}

// nothingDelivered tells a connection whose path MTU black hole
// (PathMTU.BlackHole) kept every byte from its receiver: the receiver
// acknowledged none of the sender's payload, and sent none of its own.
// The router's errors say it dropped the segments; no acknowledgment
// says one arrived.
func (dc *DataConn) nothingDelivered() bool {
	p := dc.TooBig()
	if !p.BlackHole() {
		return false
	}
	sd := 0
	if p.Sender == dc.Server {
		sd = 1
	}
	return dc.Bytes[sd^1] == 0 && int64(dc.seqHi[sd]-dc.acked[sd]) >= dc.Bytes[sd]
}
