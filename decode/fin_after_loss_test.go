package decode

import (
	"slices"
	"testing"
	"time"
)

// TestFinAfterProvenLoss: a bare FIN after bytes an ACK proved lost (the
// capture lost the 221 before the server's FIN) ends the stream there:
// the FIN's own sequence number is no lost byte (no 1-byte gap after the
// 9), and the stream reached its FIN (before, it never did: the session
// was not closed by its FINs). Also when the ACK that proves the loss
// comes after the FIN, and on a connection whose losses are reported
// only when later bytes come (early false): no byte follows a FIN. (An
// ACK of the FIN that comes before the FIN counts its sequence number in
// the gap: nothing showed it was a FIN's yet.)
func TestFinAfterProvenLoss(t *testing.T) {
	const A, F, S = FlagACK, FlagFIN, FlagSYN
	open := []seg{{d: 0, seq: 100, fl: S}, {d: 1, seq: 500, ack: 101, fl: S | A},
		{d: 0, seq: 101, ack: 501, fl: A, p: "QUIT\r\n"}}
	for _, tc := range []struct {
		name  string
		early bool
		segs  []seg
		want  []string
	}{
		{name: "ACK proves the loss, then the FIN", early: true,
			segs: []seg{{d: 0, seq: 107, ack: 510, fl: A},
				{d: 1, seq: 510, ack: 107, fl: A | F},
				{d: 0, seq: 107, ack: 511, fl: A | F}},
			want: []string{`0:"QUIT\r\n"@3`, `1:gap 9@4`, `1:fin@5`, `0:fin@6`}},
		{name: "the FIN, then the ACK of it proves the loss", early: true,
			segs: []seg{{d: 1, seq: 510, ack: 107, fl: A | F},
				{d: 0, seq: 107, ack: 511, fl: A | F}},
			want: []string{`0:"QUIT\r\n"@3`, `1:gap 9@5`, `1:fin@5`, `0:fin@5`}},
		{name: "the FIN's ACK before the FIN", early: true,
			segs: []seg{{d: 0, seq: 107, ack: 511, fl: A},
				{d: 1, seq: 510, ack: 107, fl: A | F},
				{d: 0, seq: 107, ack: 511, fl: A | F}},
			want: []string{`0:"QUIT\r\n"@3`, `1:gap 10@4`, `1:fin@5`, `0:fin@6`}},
		{name: "part proven lost, the rest by the FIN's ACK", early: true,
			segs: []seg{{d: 0, seq: 107, ack: 505, fl: A},
				{d: 1, seq: 510, ack: 107, fl: A | F},
				{d: 0, seq: 107, ack: 511, fl: A | F}},
			want: []string{`0:"QUIT\r\n"@3`, `1:gap 4@4`, `1:gap 5@6`, `1:fin@6`, `0:fin@6`}},
		{name: "losses reported only with later bytes: the FIN's ACK reports them",
			segs: []seg{{d: 0, seq: 107, ack: 510, fl: A},
				{d: 1, seq: 510, ack: 107, fl: A | F},
				{d: 0, seq: 107, ack: 511, fl: A | F}},
			want: []string{`0:"QUIT\r\n"@3`, `1:gap 9@6`, `1:fin@6`, `0:fin@6`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pool heldPool
			r := reassembler{pool: &pool}
			out := &sinkLog{wantEarly: tc.early}
			t0 := time.Unix(1e9, 0)
			for i, s := range append(slices.Clip(open), tc.segs...) {
				r.segment(s.d, s.seq, s.ack, s.fl, []byte(s.p), uint64(i+1), t0, out)
			}
			r.flush(99, t0, out)
			if !slices.Equal(out.log, tc.want) {
				t.Errorf("got  %q\nwant %q", out.log, tc.want)
			}
		})
	}
}

// TestSessionClosedByFinAfterLostReply: the same through the decoder: the
// 221 lost by the capture (the client's ACK proves it), then the server's
// bare FIN and the client's: one gap of 9 bytes, and the session ends by
// its FINs.
func TestSessionClosedByFinAfterLostReply(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("QUIT\r\n")
	v.sseq += uint32(len("221 bye\r\n")) // lost by the capture
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
	v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
	d.Finish()
	var gaps []int
	var closes []CloseReason
	for _, e := range rec.control {
		switch e.Kind {
		case ControlGap:
			gaps = append(gaps, e.Gap)
		case ControlClose:
			closes = append(closes, e.Closed)
		}
	}
	if !slices.Equal(gaps, []int{9}) || !slices.Equal(closes, []CloseReason{CloseFIN}) {
		t.Errorf("gaps %v, closes %v; want [9], [FIN]", gaps, closes)
	}
}
