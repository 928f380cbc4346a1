package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestNotAttemptedTellsConnectionAfterQuit guards the words for a passive
// endpoint nobody connected to while the session was open, whose client
// connected to it after the 221 to its QUIT had ended the session
// (ae-nextnoctl.pcap: 5 s after): before, the finding said "no
// connection to it", though one came, and nothing told of it. It now says
// none came while the session was open, and that one came so long after
// the session had ended, another session's; still info, no rule. With no
// connection after, the words are as before.
func TestNotAttemptedTellsConnectionAfterQuit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		quitAt  time.Duration // the QUIT after the 227
		synAt   time.Duration
		want    []string
		notWant []string
	}{
		{"QUIT at once, SYN 5 s after the close", 0, 5 * time.Second,
			[]string{"with no transfer command and no connection to it while the session was open:",
				"The same client did connect to it 5.000s after the session had ended: not this session's data connection"},
			nil},
		{"QUIT 30 s later, SYN 2 s after the close", 30 * time.Second, 2 * time.Second,
			[]string{"The client never connected to 203.0.113.10:40000 while the session was open and sent no transfer command", "did connect to it 2.000s after the session had ended"},
			nil},
		{"no connection after", 0, 0,
			[]string{"with no transfer command and no connection to it:"},
			[]string{"while the session was open", "did connect"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.20:41001", "203.0.113.10:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER alice")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (203,0,113,10,156,64).")
			w.wait(tc.quitAt)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseFIN})
			if tc.synAt > 0 {
				w.wait(tc.synAt - time.Millisecond)
				w.seg(ap("198.51.100.20:41005"), ap("203.0.113.10:40000"), decode.FlagSYN, 1000, nil)
			}
			w.trk.Finish()
			f := w.c.find(CodeDataNotAttempted)
			if f == nil {
				t.Fatalf("no data-not-attempted:\n%s", wireText(w))
			}
			for _, s := range tc.want {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q: want %q", f.Message, s)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(f.Message, s) {
					t.Errorf("message %q: not %q", f.Message, s)
				}
			}
			if strings.Contains(f.Advice, "nft") || strings.Contains(f.Advice, "iptables") {
				t.Errorf("advice %q: want no rule", f.Advice)
			}
		})
	}
}

// TestNotAttemptedTellsStrangerAfterClose guards rv-attack2's
// afterstranger shape with the stranger failing: a PASV nothing used, the
// control connection closed by FIN (no QUIT: the announcement waits past
// the close for its client), then another host's SYN to the endpoint,
// refused, unanswered, or a scan's (SYN-ACK, then the stranger's RST).
// The announcement is given back and read not attempted; before, its
// finding said nothing of the stranger (only a data-stray event did). It
// now tells of the probe, a possible theft attempt, with its packet, and
// no rule: the severity and the advice are those without the stranger.
func TestNotAttemptedTellsStrangerAfterClose(t *testing.T) {
	cli, srv := ap("198.51.100.20:41001"), ap("203.0.113.10:21")
	stranger, endpoint := ap("192.0.2.77:40002"), ap("203.0.113.10:40000")
	run := func(t *testing.T, probe func(w *wire)) *Finding {
		w := newWire(t, cli.String(), srv.String())
		w.reply(220, "(vsFTPd 3.0.3)")
		w.cmd("USER alice")
		w.reply(331, "Please specify the password.")
		w.cmd("PASS secret")
		w.reply(230, "Login successful.")
		w.cmd("PASV")
		w.reply(227, "Entering Passive Mode (203,0,113,10,156,64).")
		w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseFIN})
		if probe != nil {
			w.wait(2 * time.Second)
			probe(w)
		}
		w.wait(time.Second)
		w.trk.Finish()
		f := w.c.find(CodeDataNotAttempted)
		if f == nil {
			t.Fatalf("no data-not-attempted:\n%s", wireText(w))
		}
		return f
	}
	base := run(t, nil)
	if strings.Contains(base.Message, "another host") {
		t.Fatalf("baseline tells of a stranger: %q", base.Message)
	}
	for _, tc := range []struct {
		name  string
		probe func(w *wire)
	}{
		{"refused", func(w *wire) {
			w.segAck(stranger, endpoint, decode.FlagSYN, 1000, 0)
			w.segAck(endpoint, stranger, decode.FlagRST|decode.FlagACK, 0, 1001)
		}},
		{"unanswered", func(w *wire) {
			w.segAck(stranger, endpoint, decode.FlagSYN, 1000, 0)
			w.wait(time.Second)
			w.segAck(stranger, endpoint, decode.FlagSYN, 1000, 0)
		}},
		{"scanned", func(w *wire) {
			w.segAck(stranger, endpoint, decode.FlagSYN, 1000, 0)
			w.segAck(endpoint, stranger, decode.FlagSYN|decode.FlagACK, 5000, 1001)
			w.segAck(stranger, endpoint, decode.FlagRST, 1001, 0)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := run(t, tc.probe)
			for _, want := range []string{"another host, 192.0.2.77, sent a SYN to it", "passive port theft", "not the client's data connection"} {
				if !strings.Contains(f.Message, want) {
					t.Errorf("message %q: want %q", f.Message, want)
				}
			}
			if !strings.Contains(f.Evidence, "SYN from 192.0.2.77:40002") || len(f.Packets) <= len(base.Packets) {
				t.Errorf("evidence %q, packets %v: want the stranger's SYN", f.Evidence, f.Packets)
			}
			if f.Severity != base.Severity || f.Advice != base.Advice {
				t.Errorf("severity %v, advice %q: want those without the stranger, %v, %q", f.Severity, f.Advice, base.Severity, base.Advice)
			}
		})
	}
}
