package decode

import (
	"net/netip"
	"strings"
	"testing"
)

// finRecorder is a payloadRecorder that also records what the decoder
// says of the end: the segments that carried PayloadWaits, and DataEnd.
type finRecorder struct {
	payloadRecorder
	waits []uint32 // sequence numbers of the segments with PayloadWaits
	ends  int
}

func (f *finRecorder) Segment(s *Segment) {
	f.payloadRecorder.Segment(s)
	if s.PayloadWaits {
		f.waits = append(f.waits, s.Seq)
	}
}

func (f *finRecorder) DataEnd(a, b netip.AddrPort) { f.ends++ }

// TestPayloadBytesAfterBothFINs guards --extract on a TAP capture whose
// server port is late (rev-lossy tap/b-reorder-vs-2if-0.0002): the
// client's FIN, acknowledging every byte, came before the server's last
// retransmissions. The connection left the table at the second FIN and
// those bytes, after it, were dropped (AfterEnd): the file lost its last
// kilobytes. In a capture that may reorder, a connection whose stream
// has not reached its FIN waits for them (the FIN and later segments say
// so: PayloadWaits) until ReorderWait after that FIN, then DataEnd says
// it is gone. A capture of one interface ends at the FINs as before.
func TestPayloadBytesAfterBothFINs(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mayReorder bool
		late       bool // the missing bytes come after both FINs (else never)
		want       string
		wantEnds   int
		afterEnd   uint64
	}{
		{"two interfaces, the bytes come late", true, true, "abcdefgh", 1, 0},
		{"two interfaces, the bytes never come", true, false, "abc[gap 2]fgh", 1, 0},
		{"one interface: ended at the FINs", false, true, "abc[gap 2]fgh", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &finRecorder{payloadRecorder: payloadRecorder{streams: map[string]*strings.Builder{}}}
			d := New(h, Options{DataPayload: true, MayReorder: tc.mayReorder})
			v := dataConv(t, d, dataCli, dataSrv)
			v.handshake()
			seq := v.sseq
			v.send(v.s, v.c, seq, v.cseq, FlagACK, "abc")
			v.send(v.s, v.c, seq+5, v.cseq, FlagACK|FlagFIN, "fgh") // "de" comes late
			v.send(v.c, v.s, v.cseq, seq+9, FlagACK|FlagFIN, "")
			if tc.mayReorder && (len(h.waits) != 1 || h.waits[0] != v.cseq) {
				t.Errorf("PayloadWaits on segments %v, want the client's FIN's", h.waits)
			}
			if tc.late {
				v.send(v.s, v.c, seq+3, v.cseq, FlagACK, "de")
			} else {
				v.ts = v.ts.Add(2 * ReorderWait)
				d.Tick(v.ts)
			}
			if n := len(d.pay.conns); n != 0 {
				t.Errorf("%d connections left in the table", n)
			}
			if h.ends != tc.wantEnds {
				t.Errorf("DataEnd %d times, want %d", h.ends, tc.wantEnds)
			}
			d.Finish()
			if got := h.stream(dataSrv, dataCli).String(); got != tc.want {
				t.Errorf("stream %q, want %q", got, tc.want)
			}
			if st := d.PayloadStats(); st.AfterEnd != tc.afterEnd {
				t.Errorf("%d segments after the end, want %d", st.AfterEnd, tc.afterEnd)
			}
		})
	}
}

// TestPayloadAckedFINIsNoByte guards the end of a file whose last bytes
// and FIN the capture lost, only the receiver's acknowledgment of them
// left (rev-lossy caps/s-buf32-vs-rpub.pcap: --extract wrote 3,000,001
// bytes of a 3,000,000-byte file, "size mismatch"). At the connection's
// end the acknowledgment covers the bytes and the sender's FIN: one
// sequence number less is a gap, whether the receiver's own FIN was seen
// or not. After the sender's RST (no FIN) or the receiver's (it gave up
// before the end of file) every sequence number is a byte.
func TestPayloadAckedFINIsNoByte(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(v *conv, seq uint32)
		want string
	}{
		{"the FIN alone", func(v *conv, seq uint32) {
			v.send(v.c, v.s, v.cseq, seq+4, FlagACK, "")
		}, "abc"},
		{"bytes and FIN, the receiver's ACK alone", func(v *conv, seq uint32) {
			v.send(v.c, v.s, v.cseq, seq+8, FlagACK, "")
		}, "abc[gap 4]"},
		{"bytes and FIN, the receiver's FIN", func(v *conv, seq uint32) {
			v.send(v.c, v.s, v.cseq, seq+8, FlagACK|FlagFIN, "")
		}, "abc[gap 4]"},
		{"the sender's RST", func(v *conv, seq uint32) {
			v.send(v.c, v.s, v.cseq, seq+8, FlagACK, "")
			v.send(v.s, v.c, seq+8, 0, FlagRST, "")
		}, "abc[gap 5]"},
		{"the receiver's RST", func(v *conv, seq uint32) {
			v.send(v.c, v.s, v.cseq, seq+8, FlagACK, "")
			v.send(v.c, v.s, v.cseq, 0, FlagRST, "")
		}, "abc[gap 5]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &payloadRecorder{streams: map[string]*strings.Builder{}}
			d := New(h, Options{DataPayload: true})
			v := dataConv(t, d, dataCli, dataSrv)
			v.handshake()
			seq := v.sseq
			v.send(v.s, v.c, seq, v.cseq, FlagACK, "abc")
			tc.end(v, seq)
			d.Finish()
			if got := h.stream(dataSrv, dataCli).String(); got != tc.want {
				t.Errorf("stream %q, want %q", got, tc.want)
			}
		})
	}
}
