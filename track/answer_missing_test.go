package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestClientMovedOnBeforeARetry guards the reading of a passive data
// connection whose only SYN got no answer in the capture while its
// client moved on (a new announcement, an ABOR, a QUIT, the end of the
// control connection) sooner than TCP sends a SYN again (synRetryMin,
// 1 s): a connect that gets no answer blocks that long at least, so one
// the client gave up sooner had been answered, by an RST or an ICMP error
// the capture did not record (a "tcp" capture filter leaves ICMP out).
// That is undetermined (DataConn.GaveUp), not unanswered: nothing shows a
// firewall dropping the SYN. Real drops stay unanswered: SYNs sent again,
// or one SYN and the client still waiting past the time a retry would
// have come, or a client that connects without blocking and sends its
// transfer command (or a TYPE) while its SYN waits, as curl does, or one
// SYN seen a retry's time after the announcement (the capture may have
// lost the SYNs before it).
func TestClientMovedOnBeforeARetry(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	const isn = 7777
	passive := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	}
	syn := func(s *session) { s.segAck(dcli, dsrv, decode.FlagSYN, isn, 0, 0) }
	tests := []struct {
		name   string
		run    func(s *session)
		want   Outcome
		gaveUp bool
	}{
		{"one SYN, a new PASV at once", func(s *session) {
			passive(s)
			syn(s)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
		}, OutcomeUndetermined, true},
		{"one SYN, a new EPSV at once", func(s *session) {
			passive(s)
			syn(s)
			s.cmd("EPSV", "")
			s.reply(229, "Entering Extended Passive Mode (|||40001|)")
		}, OutcomeUndetermined, true},
		{"one SYN, QUIT at once", func(s *session) {
			passive(s)
			syn(s)
		}, OutcomeUndetermined, true},
		{"one SYN, the transfer command, then ABOR at once", func(s *session) {
			passive(s)
			syn(s)
			s.cmd("LIST", "")
			s.cmd("ABOR", "")
			s.reply(425, "Failed to establish connection.")
			s.reply(226, "ABOR successful.")
		}, OutcomeUndetermined, true},
		{"one SYN, a new PASV after the retry would have come", func(s *session) {
			passive(s)
			syn(s)
			s.tick(1500 * time.Millisecond)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
		}, OutcomeUnanswered, false},
		{"one SYN 2 s after the announcement (a retry, its SYNs before lost), QUIT at once", func(s *session) {
			passive(s)
			s.tick(2 * time.Second)
			syn(s)
		}, OutcomeUnanswered, false},
		{"two SYNs, a new PASV at once after the second", func(s *session) {
			passive(s)
			syn(s)
			s.tick(time.Second)
			syn(s)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
		}, OutcomeUnanswered, false},
		{"one SYN, TYPE and RETR at once, the server gives up after 10 s", func(s *session) {
			passive(s)
			syn(s)
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.cmd("RETR", "f")
			s.tick(10 * time.Second)
			s.reply(425, "Failed to establish connection.")
		}, OutcomeUnanswered, false},
		{"one SYN answered by RST, a new PASV at once", func(s *session) {
			passive(s)
			syn(s)
			s.segAck(dsrv, dcli, ackRST, 0, isn+1, 0)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
		}, OutcomeRefused, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.run(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) == 0 {
				t.Fatal("no data record")
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want {
				t.Fatalf("outcome %v with %d SYNs, want %v", d.Outcome, d.SYNs, tc.want)
			}
			after, gaveUp := d.GaveUp()
			if gaveUp != tc.gaveUp {
				t.Fatalf("gave up %v (after %v), want %v", gaveUp, after, tc.gaveUp)
			}
			if gaveUp && (after <= 0 || after >= synRetryMin || d.CaptureEndedAfter != 0) {
				t.Errorf("gave up after %v, capture ended after %v: want a delay under %v, no capture end", after, d.CaptureEndedAfter, synRetryMin)
			}
		})
	}
}

// TestSynAckSentAgainNeverAcknowledged guards the outcome of a passive
// data connection whose SYN-ACK the side connected to sent again and the
// opener never acknowledged: a SYN-ACK that reaches the opener is
// acknowledged each time it comes, so one resent and never acknowledged
// did not reach it. The handshake never completed: unanswered with the
// SYN-ACK lost, even where the capture lost the opener's SYN retries
// (only the SYN-ACK's show), or holds them with its clock stepped back
// (a retry seconds before the SYN it repeats). A copy of the SYN-ACK seen
// at once is no resend, and a SYN-ACK resent and then acknowledged is a
// handshake done.
func TestSynAckSentAgainNeverAcknowledged(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	const cisn, sisn = 7777, 9000
	synAck := func(s *session) { s.segAck(dsrv, dcli, decode.FlagSYN|decode.FlagACK, sisn, cisn+1, 0) }
	tests := []struct {
		name    string
		run     func(s *session)
		want    Outcome
		lost    bool
		minSYNs int
	}{
		{"one SYN, its SYN-ACK sent three more times", func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			synAck(s)
			s.tick(time.Second)
			synAck(s)
			synAck(s) // its copy, or an answer to a retry the capture lost
			s.tick(time.Second)
			synAck(s)
		}, OutcomeUnanswered, true, 1},
		{"the clock stepped back: retries before their SYN", func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			synAck(s)
			s.tick(-4 * time.Second)
			synAck(s)
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			synAck(s)
			s.tick(time.Second)
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			synAck(s)
			s.tick(time.Second)
		}, OutcomeUnanswered, true, 3},
		{"a copy of the SYN-ACK at once, then the ACK", func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			synAck(s)
			synAck(s)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 0)
		}, OutcomeConnected, false, 1},
		{"the SYN-ACK sent again, then the ACK", func(s *session) {
			s.segAck(dcli, dsrv, decode.FlagSYN, cisn, 0, 0)
			synAck(s)
			s.tick(time.Second)
			synAck(s)
			s.segAck(dcli, dsrv, decode.FlagACK, cisn+1, sisn+1, 0)
		}, OutcomeConnected, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.cmd("LIST", "")
			tc.run(s)
			s.tick(10 * time.Second)
			s.reply(425, "Failed to establish connection.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.SynAckLost != tc.lost {
				t.Fatalf("outcome %v, SYN-ACK lost %v; want %v, %v", d.Outcome, d.SynAckLost, tc.want, tc.lost)
			}
			if d.SYNs < tc.minSYNs {
				t.Errorf("%d SYNs, want at least %d", d.SYNs, tc.minSYNs)
			}
		})
	}
}
