package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestSynAckLossProvenBeforeTheCaptureEnds: a capture taken at the server
// that ends soon after a data connection's SYNs still shows its fault when
// the client sent its SYN again twice after SYN-ACKs (they do not reach
// it): unanswered with the SYN-ACKs lost, not undetermined. One SYN sent
// again after one SYN-ACK, just before the end, may still be a crossing:
// undetermined.
func TestSynAckLossProvenBeforeTheCaptureEnds(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	for _, tc := range []struct {
		name string
		syns int
		want Outcome
		lost bool
	}{
		{"three SYNs each answered", 3, OutcomeUnanswered, true},
		{"two SYNs each answered", 2, OutcomeUndetermined, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			for i := range tc.syns {
				if i > 0 {
					s.tick(700 * time.Millisecond)
				}
				s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
				s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 7000, 0)
			}
			// The capture ends well inside the evidence wait.
			s.trk.Finish()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.SynAckLost != tc.lost {
				t.Errorf("outcome %v, SYN-ACKs lost %v; want %v, %v", d.Outcome, d.SynAckLost, tc.want, tc.lost)
			}
		})
	}
}
