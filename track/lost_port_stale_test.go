package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLostPortReplacesTheUnusedAnnouncement: a PORT accepted and never
// used (a CWD after it, or a RETR refused with 550, which offers it to
// the next transfer), then a second PORT the capture lost, its 200, a
// RETR, and the server's connection to the lost PORT's port (from port
// 20, or from an unprivileged one: ProFTPD, pyftpdlib), before or after
// the 150. The lost PORT replaced the first one, as a visible one would:
// the RETR's data connection is the one that came (announcement-lost,
// transferred), and the first PORT is not attempted, under its own
// command (none, or the refused RETR). Before, the RETR took the first
// PORT's announcement: "not-attempted: no SYN to it" with an info
// data-not-attempted, and the connection that carried the file was not
// reported at all.
func TestLostPortReplacesTheUnusedAnnouncement(t *testing.T) {
	firstPort := netip.MustParseAddrPort("198.51.100.7:50001")
	for _, between := range []string{"CWD", "refused RETR"} {
		for _, from := range []netip.AddrPort{lpSrvData, netip.MustParseAddrPort("192.0.2.10:39555")} {
			for _, replyFirst := range []bool{false, true} {
				name := between + ", from " + from.String() + ", SYN first"
				if replyFirst {
					name = between + ", from " + from.String() + ", 150 first"
				}
				t.Run(name, func(t *testing.T) {
					s := newSession(t)
					s.login()
					s.cmd("TYPE", "I")
					s.reply(200, "Switching to Binary mode.")
					s.cmd("PORT", "198,51,100,7,195,81")
					s.reply(200, "PORT command successful.")
					if between == "CWD" {
						s.cmd("CWD", "/pub")
						s.reply(250, "Directory successfully changed.")
					} else {
						s.cmd("RETR", "missing.bin")
						s.reply(550, "Failed to open file.")
					}
					s.clientGap() // PORT 198,51,100,7,163,105
					s.reply(200, "PORT command successful.")
					s.cmd("RETR", "b.bin")
					if replyFirst {
						s.reply(150, "Opening BINARY mode data connection for b.bin (3000 bytes).")
					}
					s.segAck(from, lpCliData, decode.FlagSYN, 7000, 0, 0)
					s.segAck(lpCliData, from, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
					s.segAck(from, lpCliData, decode.FlagACK, 7001, 9001, 0)
					if !replyFirst {
						s.reply(150, "Opening BINARY mode data connection for b.bin (3000 bytes).")
					}
					for i := range 3 {
						s.segAck(from, lpCliData, decode.FlagACK|decode.FlagPSH, 7001+uint32(i)*1000, 9001, 1000)
					}
					s.segAck(from, lpCliData, decode.FlagFIN|decode.FlagACK, 10001, 9001, 0)
					s.segAck(lpCliData, from, decode.FlagFIN|decode.FlagACK, 9001, 10002, 0)
					s.reply(226, "Transfer complete.")
					s.cmd("QUIT", "")
					s.reply(221, "Goodbye.")
					s.end()
					var retr, first *DataConn
					for _, d := range s.rec.data {
						switch {
						case d.Announced == firstPort:
							first = d
						case d.Command != nil && d.Command.Arg == "b.bin":
							retr = d
						default:
							t.Errorf("a data connection from %v to %v (%v, %v, command %v); want none", d.Client, d.Server, d.Match, d.Outcome, d.Command)
						}
					}
					switch {
					case retr == nil:
						t.Errorf("no data connection tied to the RETR of b.bin; want the one from %v", from)
					case retr.Client != from || retr.Match != MatchAnnounceLost || retr.Outcome != OutcomeTransferred || retr.TotalBytes() != 3000:
						t.Errorf("the RETR's: from %v (%v, %v, %d bytes); want from %v, announcement-lost, transferred, 3000 bytes",
							retr.Client, retr.Match, retr.Outcome, retr.TotalBytes(), from)
					}
					wantCmd := ""
					if between != "CWD" {
						wantCmd = "missing.bin"
					}
					switch {
					case first == nil:
						t.Errorf("no record of the first PORT's announcement (%v)", firstPort)
					case first.Outcome != OutcomeNotAttempted || first.matched():
						t.Errorf("the first PORT's: %v, from %v; want not attempted, nothing connected", first.Outcome, first.Client)
					case wantCmd == "" && first.Command != nil, wantCmd != "" && (first.Command == nil || first.Command.Arg != wantCmd):
						got := "none"
						if c := first.Command; c != nil {
							got = c.Verb + " " + c.Arg
						}
						t.Errorf("the first PORT's command %s; want %q (its own, not the RETR of b.bin)", got, wantCmd)
					}
				})
			}
		}
	}
}

// TestLostPortReplacesAnEarlierLostPortsConnection: a gap took a PORT and
// the RETR after it (a snap length cut both lines); the server's
// connection for them came, and the capture saw no more of it than its
// handshake before the next command: no transfer command took it, and it
// waits for one. A second gap took the next PORT; the NLST after it is
// seen, and the server's connection for that PORT comes. The NLST's data
// connection is that one, not the first (the server opens one at a
// time). Before, the NLST took the first: "connected: handshake done, no
// payload", and a verdict of transfers that carried nothing.
func TestLostPortReplacesAnEarlierLostPortsConnection(t *testing.T) {
	first := netip.MustParseAddrPort("192.0.2.10:41615")
	firstCli := netip.MustParseAddrPort("198.51.100.7:45247")
	second := netip.MustParseAddrPort("192.0.2.10:39415")
	s := newSession(t)
	s.login()
	s.cmd("TYPE", "I")
	s.reply(200, "Switching to Binary mode.")
	s.clientGapOf(len("PORT 198,51,100,7,176,191\r\nRETR report.txt\r\n"))
	s.reply(200, "PORT command successful.")
	s.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
	s.segAck(first, firstCli, decode.FlagSYN, 7000, 0, 0)
	s.segAck(firstCli, first, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
	s.reply(226, "Transfer complete.")
	s.cmd("TYPE", "A")
	s.reply(200, "Switching to ASCII mode.")
	s.clientGap() // PORT 198,51,100,7,163,105
	s.reply(200, "PORT command successful.")
	s.cmd("NLST", "")
	s.segAck(second, lpCliData, decode.FlagSYN, 3000, 0, 0)
	s.segAck(lpCliData, second, decode.FlagSYN|decode.FlagACK, 4000, 3001, 0)
	s.segAck(second, lpCliData, decode.FlagACK, 3001, 4001, 0)
	s.reply(150, "Opening ASCII mode data connection for file list.")
	s.segAck(second, lpCliData, decode.FlagACK|decode.FlagPSH, 3001, 4001, 37)
	s.segAck(second, lpCliData, decode.FlagFIN|decode.FlagACK, 3038, 4001, 0)
	s.segAck(lpCliData, second, decode.FlagFIN|decode.FlagACK, 4001, 3039, 0)
	s.reply(226, "Transfer complete.")
	s.tick(time.Second)
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	var nlst *DataConn
	for _, d := range s.rec.data {
		if d.Command != nil && d.Command.Verb == "NLST" {
			nlst = d
		}
	}
	switch {
	case nlst == nil:
		t.Fatalf("no data connection tied to the NLST among %d", len(s.rec.data))
	case nlst.Client != second || nlst.Outcome != OutcomeTransferred || nlst.TotalBytes() != 37:
		t.Errorf("the NLST's: from %v (%v, %d bytes); want from %v, transferred, 37 bytes", nlst.Client, nlst.Outcome, nlst.TotalBytes(), second)
	}
}

// TestCutPortLineCountsTowardTheGap: a snap length shorter than the
// segment kept "PORT 198,51,100,7,16" of the client's PORT line and lost
// its last 7 bytes (decode hands the cut line over, unparsed, with the
// gap in the same packet); the server (pyftpdlib) connects at once from
// an unprivileged port and the client refuses it, then the 425. The
// kept bytes and the gap's hold a PORT naming the client: that
// connection is the session's (announcement-lost, refused), for an
// active-blocked error. Before, the 7-byte gap alone was too short for
// any PORT, and the failure was hidden (tcpdump -s 74 to -s 86). A whole
// malformed line before a short gap of its own is no such line: the
// connection after it is still not taken.
func TestCutPortLineCountsTowardTheGap(t *testing.T) {
	src := netip.MustParseAddrPort("192.0.2.10:53035")
	kept := "198,51,100,7,16" // of "PORT 198,51,100,7,163,105\r\n"
	for _, cut := range []bool{true, false} {
		name := "cut by the snap length"
		if !cut {
			name = "a whole malformed line, then a short gap"
		}
		t.Run(name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.cmd("PORT", kept) // (malformed: its endpoint does not parse)
			if cut {
				// The gap in the packet that delivered the line.
				s.trk.Control(&decode.ControlEvent{Kind: decode.ControlGap, Num: s.num, TS: s.now, Client: cli, Server: srv,
					FromClient: true, Gap: len("3,105\r\n")})
			} else {
				s.clientGapOf(len("3,105\r\n"))
			}
			s.segAck(src, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.segWin(lpCliData, src, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
			s.reply(425, "Can't connect to specified address.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			var got *DataConn
			for _, d := range s.rec.data {
				if d.Client == src || d.Server == src {
					got = d
				}
			}
			switch {
			case cut && got == nil:
				t.Fatalf("the server's connection back to %v not taken; want it the session's, refused", lpCliData)
			case cut && (got.Match != MatchAnnounceLost || got.Outcome != OutcomeRefused):
				t.Errorf("the connection back: %v, %v; want announcement-lost, refused", got.Match, got.Outcome)
			case !cut && got != nil:
				t.Errorf("the connection back taken (%v, %v); want none: the gap alone holds no PORT", got.Match, got.Outcome)
			}
		})
	}
}
