package bench

import "time"

// opKind is one step of a connection script.
type opKind uint8

const (
	opOpen  opKind = iota // three-way handshake
	opLine                // one control line (or reply) in one segment
	opAck                 // a bare ACK
	opSend                // payload in full segments, one ACK per two
	opClose               // FIN, FIN/ACK, ACK
)

// op is one step. For opSend, n counts down as segments go out.
type op struct {
	kind       opKind
	c          *conn
	fromOpener bool // the side that opened c sends (or starts) it
	command    bool // opLine: an FTP command (counted)
	line       []byte
	n          int64  // opSend: bytes still to send
	content    []byte // opSend: the bytes to send; nil means pseudo-random data
	off        int64  // opSend: bytes sent so far
	cuttable   bool   // opSend: wrapUp may end it early
	onStart    func() // called once when the op starts (statistics)
}

// script is an actor: a queue of ops, groups of ops (file transfers) that
// start only if the capture is not being wrapped up, and a tail (logout,
// close) that always runs.
type script struct {
	queue  []op
	groups [][]op
	tail   []op
}

// step performs the next op, or part of a long send, and reports whether
// the script has anything left.
func (s *script) step(w *writer, g *generator) bool {
	for len(s.queue) == 0 {
		switch {
		case len(s.groups) > 0:
			s.queue, s.groups = s.groups[0], s.groups[1:]
			g.commit(s.queue)
		case s.tail != nil:
			s.queue, s.tail = s.tail, nil
		default:
			return false
		}
	}
	if g.exec(w, &s.queue[0]) {
		s.queue = s.queue[1:]
	}
	return true
}

// wrapUp drops the transfers not started and shortens cuttable sends, so
// the script ends soon and cleanly.
func (s *script) wrapUp() {
	s.groups = nil
	for i := range s.queue {
		if s.queue[i].cuttable {
			s.queue[i].n = 0
		}
	}
}

// Gaps between packets of one exchange, the kind of latency a LAN shows.
const (
	gapWire  = 2 * time.Microsecond
	gapReply = 40 * time.Microsecond
)

// exec performs op (or one round of it) and reports whether it is done.
func (g *generator) exec(w *writer, o *op) bool {
	if o.onStart != nil {
		o.onStart()
		o.onStart = nil
	}
	from := 1
	if o.fromOpener {
		from = 0
	}
	to := 1 - from
	c := o.c
	switch o.kind {
	case opOpen:
		w.emit(c, 0, tcpSYN, nil, gapWire)
		w.emit(c, 1, tcpSYN|tcpACK, nil, gapReply)
		w.emit(c, 0, tcpACK, nil, gapWire)
		return true
	case opLine:
		if o.command {
			w.stats.Commands++
		}
		w.emit(c, from, tcpPSH|tcpACK, o.line, gapReply)
		return true
	case opAck:
		w.emit(c, from, tcpACK, nil, gapReply)
		return true
	case opSend:
		// Two full segments, then the receiver's delayed ACK.
		if o.n <= 0 {
			return true // cut short by wrapUp: nothing to acknowledge
		}
		for range 2 {
			if o.n <= 0 {
				break
			}
			k := int64(c.mss)
			if o.n < k {
				k = o.n
			}
			var p []byte
			if o.content != nil {
				p = o.content[o.off : o.off+k]
			} else {
				i := (o.off + int64(c.seq[from])) % int64(len(g.noise)-c.mss)
				p = g.noise[i : i+k]
			}
			flags := uint8(tcpACK)
			if k < int64(c.mss) || o.n == k {
				flags |= tcpPSH
			}
			w.emit(c, from, flags, p, gapWire)
			o.n -= k
			o.off += k
			if !o.cuttable {
				g.committed -= k
			}
		}
		w.emit(c, to, tcpACK, nil, gapWire)
		return o.n <= 0
	case opClose:
		w.emit(c, from, tcpFIN|tcpACK, nil, gapWire)
		w.emit(c, to, tcpFIN|tcpACK, nil, gapReply)
		w.emit(c, from, tcpACK, nil, gapWire)
		return true
	}
	return true // no other kinds exist
}
