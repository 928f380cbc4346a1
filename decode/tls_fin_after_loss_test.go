package decode

import (
	"net/netip"
	"slices"
	"testing"
)

// TestTLSFinPastLostBytes: a control connection followed from its headers
// (implicit FTPS) whose last record the capture lost: the server's FIN
// comes past the hole, before or after the client's ACK that shows the
// bytes arrived. Either way the session ends by its FINs (before, a FIN
// seen first was ignored: the session ran to the capture's end). A FIN
// the receiver never acknowledged exactly (forged, or not the stream's
// end) ends nothing.
func TestTLSFinPastLostBytes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ackFirst bool
		ackOff   uint32 // what the client's FIN acknowledges past the server's FIN's own sequence number + 1
		want     CloseReason
	}{
		{name: "ACK of the lost bytes first", ackFirst: true, want: CloseFIN},
		{name: "FIN first", want: CloseFIN},
		{name: "FIN never acknowledged exactly", ackOff: 100, want: CloseCaptureEnd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: netip.MustParseAddrPort("192.0.2.10:990"), cseq: 1000, sseq: 5000, ts: convT0}
			v.handshake()
			v.cli("\x16\x03\x01\x00\x05hello")
			v.srv("\x16\x03\x03\x00\x05hello")
			v.sseq += 30 // a record the capture lost
			if tc.ackFirst {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
			v.sseq++
			v.send(v.c, v.s, v.cseq, v.sseq+tc.ackOff, FlagFIN|FlagACK, "")
			v.cseq++
			d.Finish()
			var closes []CloseReason
			for _, e := range rec.control {
				if e.Kind == ControlClose {
					closes = append(closes, e.Closed)
				}
			}
			if !slices.Equal(closes, []CloseReason{tc.want}) {
				t.Errorf("closes %v; want [%v]", closes, tc.want)
			}
		})
	}
}
