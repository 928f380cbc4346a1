package decode

import (
	"strings"
	"testing"
)

// payloadRun feeds a data connection to a decoder that reassembles
// payload and returns the server-to-client stream as text, with the
// stats.
func payloadRun(t *testing.T, feed func(v *conv)) (string, PayloadStats) {
	t.Helper()
	h := &payloadRecorder{streams: map[string]*strings.Builder{}}
	d := New(h, Options{DataPayload: true})
	v := dataConv(t, d, dataCli, dataSrv)
	feed(v)
	d.Finish()
	return h.stream(dataSrv, dataCli).String(), d.PayloadStats()
}

// TestPayloadSynAckNewISNReplacesFirst guards the phantom hole of a
// second SYN-ACK with another ISN (SYN cookies, a listen-queue overflow,
// a reused port): the client ACKs the second, so the server's bytes
// start there. Before, the first ISN stayed and the distance between the
// two became a hole of millions of bytes at the file's start (ahead), or
// every byte was taken for a retransmission and dropped (behind).
func TestPayloadSynAckNewISNReplacesFirst(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first uint32 // the ISN of the SYN-ACK that never reached the client
	}{
		{"new ISN ahead of the first", 5000 + (1<<32 - 15921517)}, // 5000 - 15921517
		{"new ISN behind the first", 5000 + 15921517},
		{"new ISN just ahead", 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := payloadRun(t, func(v *conv) {
				v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
				v.cseq++
				v.send(v.s, v.c, tc.first, v.cseq, FlagSYN|FlagACK, "")
				v.send(v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, "")
				v.sseq++
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
				v.srv("hello ")
				v.srv("world")
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
				v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
			})
			if got != "hello world" || st.Gaps != 0 {
				t.Errorf("stream %q, %d gaps; want \"hello world\" and none", got, st.Gaps)
			}
		})
	}
}

// TestPayloadSynAckISNSettledByACK: once the client acknowledged the
// first SYN-ACK's ISN, a later SYN-ACK with another one is not the
// connection's (a stale or forged one) and changes nothing; and an ACK
// naming an ISN behind the SYN-ACK's (the SYN-ACK that carried it is not
// in the capture) corrects it before data flows.
func TestPayloadSynAckISNSettledByACK(t *testing.T) {
	got, _ := payloadRun(t, func(v *conv) {
		v.handshake()
		v.send(v.s, v.c, v.sseq+900000, v.cseq, FlagSYN|FlagACK, "")
		v.srv("abc")
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
	})
	if got != "abc" {
		t.Errorf("after a settled ISN: stream %q, want \"abc\"", got)
	}
	got, st := payloadRun(t, func(v *conv) {
		v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
		v.cseq++
		v.send(v.s, v.c, v.sseq+700000, v.cseq, FlagSYN|FlagACK, "")
		v.sseq++
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "") // acks the ISN of a SYN-ACK the capture lacks
		v.srv("abc")
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
	})
	if got != "abc" || st.Gaps != 0 {
		t.Errorf("ISN from the ACK: stream %q, %d gaps", got, st.Gaps)
	}
}

// TestPayloadFollowedFromSynAck guards a data connection whose SYN the
// capture lacks: its SYN-ACK gives both ISNs, so it is followed from
// there, bytes lost at the start still a gap at their place. Before,
// nothing was followed and no file was written.
func TestPayloadFollowedFromSynAck(t *testing.T) {
	got, st := payloadRun(t, func(v *conv) {
		v.cseq++ // the SYN is not in the capture
		v.send(v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, "")
		v.sseq++
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
		v.sseq += 4 // "lost" is not in the capture
		v.srv("data")
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
	})
	if got != "[gap 4]data" || st.FromSynAck != 1 {
		t.Errorf("stream %q, from SYN-ACK %d; want \"[gap 4]data\", 1", got, st.FromSynAck)
	}
}

// TestPayloadStartUnknownNotSilent guards a data connection whose SYN
// and SYN-ACK the capture both lack: its bytes are delivered from the
// first one seen, after a notice that the start is unknown. Before,
// nothing was followed, silently.
func TestPayloadStartUnknownNotSilent(t *testing.T) {
	got, st := payloadRun(t, func(v *conv) {
		v.cseq++
		v.sseq += 1 + 3000
		v.srv("middle ")
		v.srv("end")
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
	})
	if got != "[start unknown]middle end" || st.StartUnknown != 1 {
		t.Errorf("stream %q, start unknown %d", got, st.StartUnknown)
	}
}

// TestPayloadLostFINSegmentNotAByte guards the last segment lost with
// the FIN it carried: the receiver's ACK covers the FIN's sequence
// number, which is no byte. Before, the gap was one byte too long (the
// file one byte longer, a zero at its end).
func TestPayloadLostFINSegmentNotAByte(t *testing.T) {
	got, _ := payloadRun(t, func(v *conv) {
		v.handshake()
		v.srv("abc")
		v.sseq += 5 // "defgh" and the FIN after it: not in the capture
		// The client read the end of file and closes its side.
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
		v.send(v.s, v.c, v.sseq+1, v.cseq+1, FlagACK, "")
	})
	if got != "abc[gap 5]" {
		t.Errorf("stream %q, want \"abc[gap 5]\"", got)
	}
}

// TestPayloadLateRetransmissionPastManySegments guards realistic loss on
// a long fat path: one segment lost, its retransmission after 150 later
// segments (217 KB in flight). The capture holds every byte, so there is
// no gap. Before, a 64-segment bound gave the hole up as a gap.
func TestPayloadLateRetransmissionPastManySegments(t *testing.T) {
	seg := strings.Repeat("x", 1448)
	got, st := payloadRun(t, func(v *conv) {
		v.handshake()
		lost := v.sseq
		v.sseq += 1448
		for range 150 {
			v.srv(seg)
			v.send(v.c, v.s, v.cseq, lost, FlagACK, "") // duplicate ACKs at the hole
		}
		v.send(v.s, v.c, lost, v.cseq, FlagACK, seg)
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
	})
	if st.Gaps != 0 || st.HeldOverflow != 0 || len(got) != 151*1448 {
		t.Errorf("%d bytes, %d gaps, %d held overflows; want %d, 0, 0", len(got), st.Gaps, st.HeldOverflow, 151*1448)
	}
}

// TestPayloadConflictingCopiesReported guards copies of the same bytes
// with different content (a retransmission that differs from the first
// copy, before or after it, or an overlap straddling two segments): the
// first copy is kept and the difference is reported with where it is.
// Before, the retransmission was dropped uncompared and the file read
// complete.
func TestPayloadConflictingCopiesReported(t *testing.T) {
	for _, tc := range []struct {
		name string
		feed func(v *conv)
		want string
	}{
		{"retransmission after delivery", func(v *conv) {
			at := v.sseq
			v.srv("abcdef")
			v.srv("ghij")
			v.send(v.s, v.c, at+2, v.cseq, FlagACK, "cXe") // differs at 'X' (offset 3)
		}, "abcdefghij[differs 7 back]"},
		{"same retransmission", func(v *conv) {
			at := v.sseq
			v.srv("abcdef")
			v.send(v.s, v.c, at, v.cseq, FlagACK, "abcdef")
		}, "abcdef"},
		{"overlap of a held segment", func(v *conv) {
			at := v.sseq
			v.send(v.s, v.c, at+4, v.cseq, FlagACK, "efgh") // ahead of a hole
			v.send(v.s, v.c, at+6, v.cseq, FlagACK, "gHij") // overlaps it, differs at 7
			v.send(v.s, v.c, at, v.cseq, FlagACK, "abcd")   // fills the hole
			v.sseq = at + 10
		}, "abcdefgh[differs 1 back]ij"},
		{"duplicate of a held segment", func(v *conv) {
			at := v.sseq
			v.send(v.s, v.c, at+4, v.cseq, FlagACK, "efgh") // ahead of a hole
			v.send(v.s, v.c, at+4, v.cseq, FlagACK, "eFg")  // a shorter copy, differs at 5
			v.send(v.s, v.c, at, v.cseq, FlagACK, "abcd")   // fills the hole
			v.sseq = at + 8
		}, "abcdefgh[differs 3 back]"},
		{"in-order copy overlapping held bytes", func(v *conv) {
			at := v.sseq
			v.send(v.s, v.c, at+4, v.cseq, FlagACK, "efgh") // held
			v.send(v.s, v.c, at, v.cseq, FlagACK, "abcdeF") // delivered, overlaps the held copy
			v.sseq = at + 8
		}, "abcdeF[differs 1 back]gh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := payloadRun(t, func(v *conv) {
				v.handshake()
				tc.feed(v)
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
				v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
			})
			if got != tc.want {
				t.Errorf("stream %q, want %q", got, tc.want)
			}
			if want := uint64(strings.Count(tc.want, "[differs")); st.Conflicts != want {
				t.Errorf("conflicts %d, want %d", st.Conflicts, want)
			}
		})
	}
}

// TestPayloadHandshakeBeforeWanted guards a data connection the tracker
// learns of only after its handshake (capture queues that wrote SYN and
// SYN-ACK before the 227): its remembered SYN-ACK gives the start, so
// the stream is whole and its start known, bytes lost at the start a gap.
// And a SYN-ACK of another incarnation (the first bytes nowhere near it)
// is not taken: the start is unknown.
func TestPayloadHandshakeBeforeWanted(t *testing.T) {
	h := &payloadRecorder{streams: map[string]*strings.Builder{}, refuse: true}
	d := New(h, Options{DataPayload: true})
	v := dataConv(t, d, dataCli, dataSrv)
	v.handshake()
	h.refuse = false // the announcement came
	v.sseq += 2      // "ab" is not in the capture
	v.srv("cdef")
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
	v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
	d.Finish()
	if got, st := h.stream(dataSrv, dataCli).String(), d.PayloadStats(); got != "[gap 2]cdef" || st.FromSynAck != 1 || st.StartUnknown != 0 {
		t.Errorf("stream %q, from SYN-ACK %d, start unknown %d; want \"[gap 2]cdef\", 1, 0", got, st.FromSynAck, st.StartUnknown)
	}

	h = &payloadRecorder{streams: map[string]*strings.Builder{}, refuse: true}
	d = New(h, Options{DataPayload: true})
	v = dataConv(t, d, dataCli, dataSrv)
	v.handshake()
	h.refuse = false
	v.sseq += 100 << 20 // far from that handshake's ISN
	v.srv("cdef")
	d.Finish()
	if got := h.stream(dataSrv, dataCli).String(); got != "[start unknown]cdef" {
		t.Errorf("stream %q, want \"[start unknown]cdef\"", got)
	}
}
