package track

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A capture started while a transfer hangs holds the data connection's
// retried SYNs before any byte of its control connection: the client
// waits on the SYNs and says nothing until it gives up. So that the
// session picked up when it does speak can claim them, the handshake
// segments (SYN, SYN-ACK, RST) that matched no data connection in the
// capture's first earlyWindow of packet time are held, and a session
// picked up mid-stream replays those between its peers (adoptEarly).
// After that window nothing is held: a session picked up later was seen
// from its start, or lost with the capture.

// earlyWindow: how long into the capture unmatched handshake segments are
// held. Linux gives up on a SYN after 127 s (tcp_syn_retries 6), and the
// client speaks on its control connection only then.
const earlyWindow = 3 * time.Minute

// maxEarly bounds the held segments: a capture's first minute on a busy
// link holds many unrelated SYNs, and the oldest go first (counted in
// Limits.EarlyOverwritten).
const maxEarly = 256

// earlySegments is a ring of header-only copies of segments, oldest
// first from head.
type earlySegments struct {
	segs [maxEarly]decode.Segment
	head int // the oldest
	n    int
}

// early tells whether s comes inside the capture's first earlyWindow,
// when unmatched handshake segments are held.
func (t *Tracker) early(s *decode.Segment) bool {
	return s.TS.Sub(t.start) <= earlyWindow
}

// holdEarly keeps a header-only copy of s.
func (t *Tracker) holdEarly(s *decode.Segment) {
	if t.held == nil {
		t.held = new(earlySegments)
	}
	h := t.held
	c := *s
	c.Payload, c.PayloadLen = nil, 0 // it aliases the capture buffer
	if h.n == maxEarly {
		h.segs[h.head] = c
		h.head = (h.head + 1) % maxEarly
		t.limits.EarlyOverwritten++
		return
	}
	h.segs[(h.head+h.n)%maxEarly] = c
	h.n++
}

// adoptEarly replays, in capture order, the held segments between a
// session's peers picked up mid-stream, as if they came now: the SYNs of
// a data connection announced before the capture started become its
// inferred data connection (inferData), with the answers held after them.
// Replayed segments leave the ring.
func (t *Tracker) adoptEarly(sess *Session) {
	h := t.held
	if h == nil || h.n == 0 {
		return
	}
	a, b := sess.Client.Addr(), sess.Server.Addr()
	between := func(x, y netip.Addr) bool { return x == a && y == b || x == b && y == a }
	kept := 0 // compacted in place: a kept segment moves only to a slot already read
	for i := range h.n {
		s := h.segs[(h.head+i)%maxEarly]
		if !between(s.Src.Addr(), s.Dst.Addr()) {
			h.segs[(h.head+kept)%maxEarly] = s
			kept++
			continue
		}
		if dc := t.lookupData(s.Src, s.Dst); dc != nil {
			t.dataSegment(dc, &s)
		} else if s.Flags.Has(decode.FlagSYN) && !s.Flags.Has(decode.FlagACK) {
			t.inferData(&s)
		}
	}
	h.n = kept
}
