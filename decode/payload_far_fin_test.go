package decode

import (
	"strings"
	"testing"
)

// TestPayloadFinBeyondControlBoundEnds guards a data connection whose
// capture lost more than a control connection's reach (1 MiB) before the
// sender's FIN: payload bytes are taken up to payloadAhead beyond the
// receiver, so their FIN is too. Before, the FIN was dropped as "far
// ahead" and the connection stayed in the payload table after both FINs,
// until its idle end.
func TestPayloadFinBeyondControlBoundEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		lost uint32
	}{
		{"within a control connection's reach", 64 << 10},
		{"beyond it, within a data connection's", 2 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &payloadRecorder{streams: map[string]*strings.Builder{}}
			d := New(h, Options{DataPayload: true})
			v := dataConv(t, d, dataCli, dataSrv)
			v.handshake()
			v.srv("abc")
			v.sseq += tc.lost
			v.srv("xyz")
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
			v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
			if n := len(d.pay.conns); n != 0 {
				t.Errorf("%d connections followed after both FINs; want 0", n)
			}
			d.Finish()
			want := "abc[gap " + itoa(int(tc.lost)) + "]xyz"
			if got := h.stream(dataSrv, dataCli).String(); got != want {
				t.Errorf("stream %q; want %q", got, want)
			}
		})
	}
}
