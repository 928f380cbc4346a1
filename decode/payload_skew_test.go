package decode

import (
	"strings"
	"testing"
	"time"
)

// TestPayloadWaitsForBytesItsACKCame guards --extract on a capture that
// may reorder packets (a TAP's two ports, the server's a moment late):
// the client's ACK covering a hole comes before the hole's bytes, which
// follow within ReorderWait. Before, payload reassembly never waited
// (deferLoss refused it): the ACK skipped the hole as lost and the bytes
// that came after it were dropped as copies (a reviewer's 3 MB file lost
// 1 MB at a 0.2 ms skew). A capture known to reorder (MayReorder), and
// one whose data connection shows it (bytes after the ACK of them), wait;
// bytes that never come are still a gap once the wait is over.
func TestPayloadWaitsForBytesItsACKCame(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mayReorder bool
		late       bool // the hole's bytes come after the ACK (else never)
		want       string
	}{
		{"two interfaces: the hole's bytes come after its ACK", true, true, "abcdefghijklmno"},
		{"found reordering by a data segment after its ACK", false, true, "abcdefghijklmno"},
		{"two interfaces: the hole's bytes never come", true, false, "abcde[gap 5]klmno"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &payloadRecorder{streams: map[string]*strings.Builder{}}
			d := New(h, Options{DataPayload: true, MayReorder: tc.mayReorder})
			v := dataConv(t, d, dataCli, dataSrv)
			v.handshake()
			seq := v.sseq
			// The client's ACK of "abc" comes before "abc" itself.
			v.send(v.c, v.s, v.cseq, seq+3, FlagACK, "")
			v.send(v.s, v.c, seq, v.cseq, FlagACK, "abc")
			v.send(v.s, v.c, seq+3, v.cseq, FlagACK, "de")
			v.send(v.s, v.c, seq+10, v.cseq, FlagACK, "klmno") // past a hole
			v.send(v.c, v.s, v.cseq, seq+15, FlagACK, "")      // covers the hole
			if tc.late {
				v.send(v.s, v.c, seq+5, v.cseq, FlagACK, "fghij")
			} else {
				v.ts = v.ts.Add(2 * ReorderWait)
				v.send(v.c, v.s, v.cseq, seq+15, FlagACK, "")
			}
			v.send(v.s, v.c, seq+15, v.cseq, FlagACK|FlagFIN, "")
			v.send(v.c, v.s, v.cseq, seq+16, FlagACK|FlagFIN, "")
			d.Finish()
			if got := h.stream(dataSrv, dataCli).String(); got != tc.want {
				t.Errorf("stream %q, want %q", got, tc.want)
			}
			if st := d.PayloadStats(); tc.late && (st.Gaps != 0 || st.Unchecked != 0) {
				t.Errorf("%d gaps, %d unchecked copies; want none", st.Gaps, st.Unchecked)
			}
		})
	}
}

// TestPayloadLaggingStreamWaitsFromProgress guards a transfer whose bytes
// lag their ACKs all along (a skewed TAP port) for longer than
// ReorderWait: each hole its ACK covers is waited for from the last time
// the stream moved on, not from the first ACK that ran ahead of it, or
// the wait, kept on by the steady lag, gave up a hole a moment late.
func TestPayloadLaggingStreamWaitsFromProgress(t *testing.T) {
	h := &payloadRecorder{streams: map[string]*strings.Builder{}}
	d := New(h, Options{DataPayload: true, MayReorder: true})
	v := dataConv(t, d, dataCli, dataSrv)
	v.handshake()
	seq := v.sseq
	var want strings.Builder
	const rounds = 40 // of 100 ms: 4 s, four times ReorderWait
	for i := range rounds + 1 {
		a, b := string(rune('a'+i%26)), string(rune('A'+i%26))
		if i < rounds {
			// Two segments swapped on the wire: the second is held past
			// a hole, and the client's ACK of both comes before the
			// first; so the ACK of each round runs ahead of the bytes of
			// the round before it, and the wait never ends by itself.
			v.send(v.s, v.c, seq+2*uint32(i)+1, v.cseq, FlagACK, b)
			v.send(v.c, v.s, v.cseq, seq+2*uint32(i)+2, FlagACK, "")
			want.WriteString(a + b)
		}
		if i > 0 {
			v.send(v.s, v.c, seq+2*uint32(i-1), v.cseq, FlagACK, string(rune('a'+(i-1)%26)))
		}
		v.ts = v.ts.Add(70 * time.Millisecond)
	}
	seq += 2 * rounds
	v.send(v.s, v.c, seq, v.cseq, FlagACK|FlagFIN, "")
	v.send(v.c, v.s, v.cseq, seq+1, FlagACK|FlagFIN, "")
	d.Finish()
	if got := h.stream(dataSrv, dataCli).String(); got != want.String() {
		t.Errorf("stream %q, want %q", got, want.String())
	}
}
