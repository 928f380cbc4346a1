package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestGreetingGapTheClientNeverAnsweredIsNoCaptureLoss guards the verdict
// over a capture gap of the server's greeting that the client never got:
// rev-v6's rt-bigban-drop-client.pcap, on the client's side of a router
// whose next link is too small for vsftpd's 1446-byte banner (its Packet
// Too Big errors dropped before the server): the first 1428 bytes never
// come, the client sends no command and closes 3 s later. The verdict
// said "capture again with whole packets (tcpdump -s 0)": no capture
// holds bytes that never arrived. A client that answered the greeting
// had it whole (the capture lost the bytes), and one whose capture ended
// before it closed, or that closed at once (a banner grab), tells
// nothing: those keep the advice to capture again. So does one that
// acknowledged every byte of the server's by its close (ServerUnacked 0):
// it had the hole's bytes, which the capture lost or cut (nc -w 2 reading
// a banner whose frames tcpdump -s 54 cut). So does a hole the snap
// length cut (decode.ControlEvent.Cut), whatever the client's ACKs show:
// its frame crossed the capture point on its way to the client.
func TestGreetingGapTheClientNeverAnsweredIsNoCaptureLoss(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answered bool          // the client sent USER after the gap
		closeIn  time.Duration // when the client closed after the gap; 0: never, the capture ended
		acked    bool          // the client acknowledged every byte the server sent (ServerUnacked 0)
		cut      bool          // the snap length cut the hole from a frame the capture holds
		unread   bool
	}{
		{"client closed 3 s later without a command", false, 3 * time.Second, false, false, true},
		{"client answered the greeting", true, 3 * time.Second, false, false, false},
		{"capture ended first", false, 0, false, false, false},
		{"client closed at once", false, 20 * time.Millisecond, false, false, false},
		{"client acknowledged past the hole and closed 2 s later", false, 2 * time.Second, true, false, false},
		{"hole cut by the snap length, client closed 3 s later", false, 3 * time.Second, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "[fd00:1::2]:41000", "[fd00:2::2]:21")
			if tc.cut {
				w.cutGap(1428)
			} else {
				w.gap(false, 1428)
			}
			if tc.answered {
				w.cmd("USER anonymous")
				w.reply(331, "Please specify the password.")
			}
			// (-1: the client's ACKs stop before the hole, as in
			// rt-bigban-drop-client.pcap.)
			end := decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseCaptureEnd, ServerUnacked: -1}
			if tc.acked {
				end.ServerUnacked = 0
			}
			if tc.closeIn > 0 {
				w.wait(tc.closeIn)
				end.ClientFIN = true
			} else {
				w.wait(200 * time.Millisecond)
			}
			w.ctl(end)
			w.trk.Finish()
			v := serverSummary(t, w.d, "[fd00:2::2]:21").Verdict
			if tc.unread {
				if strings.Contains(v, "tcpdump -s 0") || strings.Contains(v, "capture again") {
					t.Errorf("bytes that never reached the client: no capture brings them back: %s", v)
				}
				if !strings.Contains(v, "never got past the greeting") || !strings.Contains(v, "path MTU black hole") {
					t.Errorf("verdict %q: want the greeting that never arrived and its causes", v)
				}
				return
			}
			if strings.Contains(v, "never got past the greeting") {
				t.Errorf("nothing shows the bytes did not arrive: %s", v)
			}
			if !tc.answered && !strings.Contains(v, "tcpdump -s 0") {
				t.Errorf("verdict %q: want the advice to capture again", v)
			}
		})
	}
}
