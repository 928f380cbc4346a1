package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestFlowWhoseCommandAGapTook: a capture that lost a data connection's
// handshake and, in a gap of the control stream, its transfer command and
// the 150 shows the file's bytes between exactly the announcement's peers
// before it shows the gap (the client says nothing while the file moves).
// That flow is the announcement's connection, transferred with its start
// not in the capture, not "the client did not connect": the gap of the
// client's bytes after it, or the server's 226 to a command the gap took,
// keeps it. With no such gap the flow may be another connection still
// running to the same port (a server that hands its passive ports out
// again), and the announcement reads as before: nothing connected.
func TestFlowWhoseCommandAGapTook(t *testing.T) {
	dataCli, dataSrv := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40018")
	flow := func(s *session) {
		seq := uint32(5001)
		for range 4 {
			s.segAck(dataSrv, dataCli, decode.FlagACK|decode.FlagPSH, seq, 1001, 1400)
			seq += 1400
			s.segAck(dataCli, dataSrv, decode.FlagACK, 1001, seq, 0)
		}
		s.segAck(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, seq, 1001, 0)
		s.segAck(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, seq+1, 0)
	}
	serverGap := func(s *session) {
		s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 73})
		s.reply(226, "Transfer complete.")
	}
	nextPASV := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,100).")
	}
	for _, tc := range []struct {
		name string
		run  func(s *session)
		want Outcome
	}{
		{"a gap of both streams after it", func(s *session) {
			flow(s)
			serverGap(s)
			s.clientGap()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			nextPASV(s)
		}, OutcomeTransferred},
		{"a gap of the client's bytes, then the session's end", func(s *session) {
			flow(s)
			s.clientGap()
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}, OutcomeTransferred},
		{"the server's 226 to a command a gap took", func(s *session) {
			flow(s)
			serverGap(s)
			nextPASV(s)
		}, OutcomeTransferred},
		{"no gap, then another announcement", func(s *session) {
			flow(s)
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			nextPASV(s)
		}, OutcomeNotAttempted},
		{"no gap, then the session's end", func(s *session) {
			flow(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}, OutcomeNotAttempted},
		{"a gap after a command the client sent once the flow ran", func(s *session) {
			// The NOOP, in order after the flow began: the transfer
			// command was not in the gap after it.
			s.segAck(dataSrv, dataCli, decode.FlagACK|decode.FlagPSH, 5001, 1001, 1400)
			s.cmd("NOOP", "")
			s.reply(200, "NOOP ok.")
			s.segAck(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 5001+1400, 1001, 0)
			s.segAck(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 5001+1401, 0)
			s.clientGap()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			nextPASV(s)
		}, OutcomeNotAttempted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,82).")
			tc.run(s)
			s.end()
			var d *DataConn
			for _, x := range s.rec.data {
				if x.Announced == dataSrv {
					d = x
				}
			}
			if d == nil {
				t.Fatalf("no record of the announcement of %v among %d", dataSrv, len(s.rec.data))
			}
			if d.Outcome != tc.want {
				t.Fatalf("outcome %v (match %v, %d bytes), want %v", d.Outcome, d.Match, d.TotalBytes(), tc.want)
			}
			if tc.want != OutcomeTransferred {
				if d.Client.IsValid() || d.TotalBytes() != 0 {
					t.Errorf("kept the flow from %v with %d bytes, want it given back", d.Client, d.TotalBytes())
				}
				return
			}
			if d.Client != dataCli || d.Match != MatchExact || d.SYNs != 0 || d.TotalBytes() != 4*1400 || d.EndReason != EndFIN {
				t.Errorf("from %v match %v, %d SYNs, %d bytes, end %v; want from %v exact, 0 SYNs, %d bytes, fin",
					d.Client, d.Match, d.SYNs, d.TotalBytes(), d.EndReason, dataCli, 4*1400)
			}
		})
	}
}

// TestFlowTakenForNowGivesWayToItsSYN: a flow taken for an announcement
// while no transfer command is seen (flowOnly) is given back when a SYN
// of the announcement's own comes, with or without a gap: the new
// connection is the announcement's, and its failure is what the record
// tells.
func TestFlowTakenForNowGivesWayToItsSYN(t *testing.T) {
	s := newSession(t)
	s.login()
	running := runningDownload(s)
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	running()
	fresh, port := netip.MustParseAddrPort("198.51.100.7:45010"), netip.MustParseAddrPort("192.0.2.10:40000")
	s.seg(fresh, port, decode.FlagSYN, 1000, 0)
	running()
	s.clientGap()
	s.cmd("TYPE", "I")
	s.reply(200, "Switching to Binary mode.")
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Client != fresh || d.SYNs != 1 || d.TotalBytes() != 0 {
		t.Errorf("from %v with %d SYNs and %d bytes, want from %v with 1 SYN and none", d.Client, d.SYNs, d.TotalBytes(), fresh)
	}
}

// TestFlowWrittenBeforeItsCommand: a multi-queue capture may write a
// download's first bytes before the RETR that asked for them (the
// RETR's own time earlier): taken for now while no command is seen, the
// flow is the RETR's, counted from its first byte.
func TestFlowWrittenBeforeItsCommand(t *testing.T) {
	dataCli, dataSrv := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40018")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,82).")
	s.segAck(dataSrv, dataCli, decode.FlagACK|decode.FlagPSH, 5001, 1001, 1400)
	s.tick(-3 * time.Millisecond)
	s.cmd("RETR", "f")
	s.tick(3 * time.Millisecond)
	s.segAck(dataSrv, dataCli, decode.FlagACK|decode.FlagPSH, 6401, 1001, 1400)
	s.segAck(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 7801, 1001, 0)
	s.segAck(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 7802, 0)
	s.reply(226, "Transfer complete.")
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	d := s.rec.data[0]
	verb := ""
	if d.Command != nil {
		verb = d.Command.Verb
	}
	if d.Outcome != OutcomeTransferred || d.TotalBytes() != 2800 || verb != "RETR" {
		t.Errorf("outcome %v with %d bytes, command %q; want transferred with 2800, RETR", d.Outcome, d.TotalBytes(), verb)
	}
}
