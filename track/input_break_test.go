package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestWaitCutBetweenInputFilesIsUndetermined: of a rotated capture read
// with a file missing in the middle (h-0.pcap h-2.pcap), a data SYN at
// the end of one file whose SYN-ACK was in the missing one read
// "unanswered" (data-unanswered: "a firewall is dropping it", with
// rules), and a 227 at the end of one file whose SYN was there read "not
// attempted". The time between the files (InputBreak) was not captured:
// such a wait is undetermined, as one the capture's end cuts. Files that
// follow each other (a rotation's next file starts at the next packet:
// a break no longer than EvidenceWait), a wait the capture watched
// long enough before the break, and SYNs sent again after it are judged
// as before.
func TestWaitCutBetweenInputFilesIsUndetermined(t *testing.T) {
	dcli, dsrv := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40007")
	tests := []struct {
		name     string
		syn      bool
		watched  time.Duration // packet time after the SYN (or 227) before the break
		brk      time.Duration // the time between the files
		synAfter bool          // the client's SYN again, 5 s after the break
		want     Outcome
	}{
		{"SYN at a file's end, an hour missing", true, time.Millisecond, time.Hour, false, OutcomeUndetermined},
		{"227 at a file's end, an hour missing", false, 4 * time.Millisecond, time.Hour, false, OutcomeUndetermined},
		{"SYN, files contiguous (2 s between)", true, time.Millisecond, 2 * time.Second, false, OutcomeUnanswered},
		{"227, files contiguous (2 s between)", false, time.Millisecond, 2 * time.Second, false, OutcomeNotAttempted},
		{"SYN watched 5 s before the break", true, 5 * time.Second, time.Hour, false, OutcomeUnanswered},
		{"227 watched 5 s before the break", false, 5 * time.Second, time.Hour, false, OutcomeNotAttempted},
		{"SYN sent again after the break", true, time.Millisecond, 10 * time.Second, true, OutcomeUnanswered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,71).")
			from := s.now // the wait's start: the 227, or the SYN
			s.cmd("RETR", "f.bin")
			if tc.syn {
				s.seg(dcli, dsrv, decode.FlagSYN, 1, 0)
				from = s.now
			}
			s.tick(tc.watched)
			s.trk.Tick(s.now)
			after := s.now
			s.tick(tc.brk)
			s.trk.InputBreak(after, s.now)
			if tc.synAfter {
				s.tick(5 * time.Second)
				s.seg(dcli, dsrv, decode.FlagSYN, 1, 0)
			}
			// The next file goes on long past every wait: the capture's
			// end decides nothing.
			for range 11 {
				s.tick(time.Minute)
				s.seg(srv, cli, decode.FlagACK, 1, 0)
				s.trk.Tick(s.now)
			}
			s.trk.Finish()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want {
				t.Errorf("outcome %v, want %v", d.Outcome, tc.want)
			}
			if d.InBreak() != (tc.want == OutcomeUndetermined) {
				t.Errorf("InBreak %v", d.InBreak())
			}
			if tc.want == OutcomeUndetermined && d.CaptureEndedAfter != after.Sub(from) {
				t.Errorf("capture stopped %v after, want %v", d.CaptureEndedAfter, after.Sub(from))
			}
		})
	}
}

// TestInputBreaksPastTheBoundAreCounted: of a capture of many rotated
// files with several missing, only maxBreaks breaks within the longest
// wait are kept, and the oldest gave way silently: the 227 whose SYN was
// in the first missing file then read "not attempted" (a false
// data-not-attempted) with nothing in the limits to say why. Breaks
// forgotten because they are older than any wait still open cost nothing
// and are not counted.
func TestInputBreaksPastTheBoundAreCounted(t *testing.T) {
	tests := []struct {
		name        string
		breaks      int           // breaks, the first cutting the 227's wait
		between     time.Duration // packet time between them
		want        Outcome
		pinned      bool // the outcome is checked
		wantNotKept int
	}{
		{"16 breaks, all kept", maxBreaks, time.Second, OutcomeUndetermined, true, 0},
		{"17 breaks within a minute: the first forgotten", maxBreaks + 1, time.Second, OutcomeNotAttempted, true, 1},
		// (The outcome is not pinned here: the session's latest
		// announcement waits on past the hour its break is kept.)
		{"17 breaks over 85 minutes: the old ones forgotten by age", maxBreaks + 1, 5 * time.Minute, 0, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,71).")
			s.cmd("RETR", "f.bin")
			for i := range tc.breaks {
				if i > 0 {
					s.tick(tc.between)
					s.seg(srv, cli, decode.FlagACK, 1, 0)
					s.trk.Tick(s.now)
				}
				after := s.now
				s.tick(10 * time.Second)
				s.trk.InputBreak(after, s.now)
			}
			for range 11 {
				s.tick(time.Minute)
				s.seg(srv, cli, decode.FlagACK, 1, 0)
				s.trk.Tick(s.now)
			}
			s.trk.Finish()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records", len(s.rec.data))
			}
			if d := s.rec.data[0]; tc.pinned && d.Outcome != tc.want {
				t.Errorf("outcome %v, want %v", d.Outcome, tc.want)
			}
			if got := s.trk.Limits().InputBreaksNotKept; got != tc.wantNotKept {
				t.Errorf("InputBreaksNotKept %d, want %d", got, tc.wantNotKept)
			}
		})
	}
}
