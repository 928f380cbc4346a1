package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestSupersededPassiveStillMatches guards a SYN to the port of an older
// 227: a client that sent two PASVs and connects to the first port
// (rev-kernel's pasv2-nat-client.pcap: the Linux FTP helper keeps one
// expectation per control connection, the newer 227's replaced the
// older's, and the SYN got an RST; vsftpd closes the older listener
// too). The newer announcement made the older final at once, "not
// attempted", and the refused SYN matched nothing: it appeared nowhere.
// The older announcement now waits on once superseded: a SYN to it
// matches it and its outcome (refused) is its own; one nothing connects
// to stays not attempted, final when the client connects to the newer
// one, and the capture's end soon after does not make it undetermined.
func TestSupersededPassiveStillMatches(t *testing.T) {
	a := netip.MustParseAddrPort("192.0.2.10:40002") // (192,0,2,10,156,66)
	b := netip.MustParseAddrPort("192.0.2.10:40003") // (192,0,2,10,156,67)
	ca := netip.MustParseAddrPort("198.51.100.7:37560")
	cb := netip.MustParseAddrPort("198.51.100.7:47330")
	tests := []struct {
		name      string
		toOlder   bool // a SYN to the older port, refused, before the newer's
		toNewer   bool
		wantOlder Outcome
	}{
		{"the client connects to the older port: refused", true, true, OutcomeRefused},
		{"the client connects to the older port only", true, false, OutcomeRefused},
		{"the client fell back to the newer one", false, true, OutcomeNotAttempted},
		{"nothing connects, the capture ends", false, false, OutcomeNotAttempted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,66).")
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,67).")
			if tc.toOlder {
				s.segAck(ca, a, decode.FlagSYN, 1000, 0, 0)
				s.segAck(a, ca, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
			}
			if tc.toNewer {
				s.handshakeTransfer(cb, b, 17)
			}
			var sess *Session
			if !tc.toNewer && !tc.toOlder {
				// The capture ends a second later, well inside
				// EvidenceWait, with the session open.
				s.tick(time.Second)
				s.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseCaptureEnd})
				s.trk.Finish()
				if len(s.rec.ended) != 1 || s.rec.ended[0].EndReason != EndCaptureEnd {
					t.Fatalf("sessions ended %+v: want one, at the capture's end", s.rec.ended)
				}
				sess = s.rec.ended[0]
			} else {
				sess = s.end()
			}
			older, newer := sess.Commands[2].Data, sess.Commands[3].Data
			if older == nil || newer == nil {
				t.Fatalf("data %+v %+v: want both announcements armed", older, newer)
			}
			if older.Outcome != tc.wantOlder || !older.Superseded() {
				t.Errorf("older: outcome %v superseded %v, want %v, superseded", older.Outcome, older.Superseded(), tc.wantOlder)
			}
			if tc.toOlder && (older.SYNs != 1 || older.Client != ca || older.Server != a) {
				t.Errorf("older: %d SYNs %v -> %v, want the refused SYN %v -> %v", older.SYNs, older.Client, older.Server, ca, a)
			}
			if tc.toNewer && (newer.Outcome != OutcomeTransferred || newer.Client != cb || newer.Superseded()) {
				t.Errorf("newer: outcome %v from %v superseded %v, want transferred from %v", newer.Outcome, newer.Client, newer.Superseded(), cb)
			}
			if older.ID == 0 || newer.ID == 0 || older.ID > newer.ID {
				t.Errorf("data numbers %d, %d: want the older first", older.ID, newer.ID)
			}
			n := 0
			for _, d := range s.rec.data {
				if d == older {
					n++
				}
			}
			if n != 1 {
				t.Errorf("older reported %d times, want once", n)
			}
		})
	}
}
