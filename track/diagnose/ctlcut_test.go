package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// cutWire is a logged-in session (the lab's vsftpd) driven through the
// tracker, kept whole (the text output's) or with RecentOnly (JSON's,
// which keeps few commands).
func cutWire(t *testing.T, recent bool) *wire {
	w := &wire{t: t, c: &collect{}, cli: ap("198.51.100.40:52100"), srv: ap("203.0.113.60:21"), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, track.Options{RecentOnly: recent})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true, ServerSYN: true})
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER bob")
	w.reply(331, "Please specify the password.")
	w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Secret: true, Command: ftp.Command{Verb: "PASS", Arg: "pw"}})
	w.reply(230, "Login successful.")
	w.cmd("TYPE I")
	w.reply(200, "Switching to Binary mode.")
	return w
}

// closeBy ends the wire's control connection by why, the client's doing
// (its FIN first, or its RST) or the server's side's, and finishes.
func (w *wire) closeBy(why decode.CloseReason, client, clientFIN bool) {
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: why, ClientClosed: client, ClientFIN: clientFIN})
	w.trk.Finish()
}

// closeAfterServerFIN ends the wire's control connection by why after
// the server had sent its FIN (the client's reset, or the server's side's
// to a later command), and finishes.
func (w *wire) closeAfterServerFIN(why decode.CloseReason, client bool) {
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: why, ClientClosed: client, ServerFIN: true})
	w.trk.Finish()
}

// TestControlCutAtCommandOrReply guards control-reset and
// command-unanswered (a Cisco ASA's FTP inspection that
// resets the session at a command it denies or at a 227 with more than 8
// characters after its numbers, or drops a command the client then gives
// up on), and their false alarms: a client's reset after QUIT or ABOR, a
// client killed long after its last command was answered, a reset after
// a capture gap, a session cut by the capture's end, a client that gives
// up soon or on a login line, a late reset after a 227. Each case runs
// with the whole transcript and with RecentOnly, the same either way.
func TestControlCutAtCommandOrReply(t *testing.T) {
	const none = ""
	for _, tc := range []struct {
		name   string
		script func(w *wire)
		code   string
		sev    Severity
		want   []string // in evidence, message and advice
		never  []string
		// dataInfo: the 227's data-not-attempted is the info that points
		// at control-reset (not the client that gave up, nor SYNs dropped).
		dataInfo bool
	}{
		{"ASA reset at a denied SITE (client side)", func(w *wire) {
			w.cmd("SITE CHMOD 777 upload.sh")
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityError, []string{`"SITE CHMOD 777 upload.sh" (packet 9) got no reply; a reset from the server's address ended the control connection 0.001s later`,
			"reset from the server's side 0.001s after the client's SITE", "request-command deny", "TTL of the reset"}, []string{"capture lost"}, false},
		{"ASA reset at PASV, its 227 rejected (client side)", func(w *wire) {
			w.cmd("PASV")
			w.wait(time.Millisecond)
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityError, []string{"after the client's PASV", "its 227", "inspect ftp strict"}, nil, false},
		{"ASA strict reset at a PORT with a long tail", func(w *wire) {
			w.cmd("PORT 198,51,100,40,200,10 keep going")
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityError, []string{"11 characters after its port numbers"}, nil, false},
		{"server's side reset long after the command", func(w *wire) {
			w.cmd("DELE big.iso")
			w.wait(40 * time.Second)
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityError, []string{"40.001s after the client's DELE, which got no reply in that time", "hung on DELE"}, nil, false},
		{"reset after the capture lost server bytes", func(w *wire) {
			w.cmd("SITE CHMOD 777 upload.sh")
			w.gap(false, 31)
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityWarning, []string{"31 server bytes missing at packet 10 after it", "a reply may have been among them"}, nil, false},
		{"ASA reset at a 227 with a long tail (server side)", func(w *wire) {
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (203,0,113,60,156,164) - passive mode OK, have fun")
			w.closeBy(decode.CloseRST, true, false)
		}, CodeControlReset, SeverityError, []string{"a reset from the client's address ended the control connection 0.001s after the 227 (packet 10), with no connection to 203.0.113.60:40100",
			"29 characters after the port numbers", "as this one has (29)", "end its 227 right after the numbers"}, nil, true},
		{"ASA drop: the client gives up after 30 s", func(w *wire) {
			w.cmd("STOR upload.sh")
			w.wait(30 * time.Second)
			w.closeBy(decode.CloseRST, true, false)
		}, CodeCommandUnanswered, SeverityWarning, []string{`"STOR upload.sh" (packet 9) got no reply in the 30.001s before the client reset the connection`,
			"never reached the server", "request-command deny"}, nil, false},
		{"the client closes (FIN) after 20 s of no reply", func(w *wire) {
			w.cmd("SITE CHMOD 777 upload.sh")
			w.wait(20 * time.Second)
			w.closeBy(decode.CloseFIN, true, true)
		}, CodeCommandUnanswered, SeverityWarning, []string{"then closed the connection"}, nil, false},
		{"the server's idle timeout (421), then a reset to the next command", func(w *wire) {
			w.wait(5 * time.Minute)
			w.reply(421, "Timeout.")
			w.wait(200 * time.Second)
			w.cmd("PASV")
			w.closeBy(decode.CloseRST, false, false)
		}, none, 0, nil, nil, false},
		{"a client that resets after a 227 naming an address it cannot reach", func(w *wire) {
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,9,9,9,156,164)")
			w.closeBy(decode.CloseRST, true, false)
		}, none, 0, nil, nil, false},
		{"a client that resets after QUIT", func(w *wire) {
			w.cmd("QUIT")
			w.closeBy(decode.CloseRST, true, false)
		}, none, 0, nil, nil, false},
		{"a server that resets at QUIT", func(w *wire) {
			w.cmd("QUIT")
			w.closeBy(decode.CloseRST, false, false)
		}, none, 0, nil, nil, false},
		{"ABOR, then a reset", func(w *wire) {
			w.cmd("ABOR")
			w.wait(10 * time.Second)
			w.closeBy(decode.CloseRST, false, false)
		}, none, 0, nil, nil, false},
		{"a client killed long after its last command was answered", func(w *wire) {
			w.wait(5 * time.Minute)
			w.closeBy(decode.CloseRST, true, false)
		}, none, 0, nil, nil, false},
		{"a server's side reset long after the last reply", func(w *wire) {
			w.wait(5 * time.Minute)
			w.closeBy(decode.CloseRST, false, false)
		}, none, 0, nil, nil, false},
		{"the capture ends after the command", func(w *wire) {
			w.cmd("SITE CHMOD 777 upload.sh")
			w.wait(30 * time.Second)
			w.closeBy(decode.CloseCaptureEnd, false, false)
		}, none, 0, nil, nil, false},
		{"decode's idle close after the command", func(w *wire) {
			w.cmd("SITE CHMOD 777 upload.sh")
			w.wait(10 * time.Minute)
			w.closeBy(decode.CloseIdle, false, false)
		}, none, 0, nil, nil, false},
		{"the client gives up within a second", func(w *wire) {
			w.cmd("STOR upload.sh")
			w.wait(time.Second)
			w.closeBy(decode.CloseRST, true, false)
		}, none, 0, nil, nil, false},
		{"the client gives up after a gap of the server's bytes", func(w *wire) {
			w.cmd("STOR upload.sh")
			w.gap(false, 40)
			w.wait(30 * time.Second)
			w.closeBy(decode.CloseRST, true, false)
		}, none, 0, nil, nil, false},
		{"the client closed its end first, then the server reset", func(w *wire) {
			w.cmd("SITE CHMOD 777 upload.sh")
			w.closeBy(decode.CloseRST, true, true)
		}, none, 0, nil, nil, false},
		{"the client resets long after a 227", func(w *wire) {
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (203,0,113,60,156,164).")
			w.wait(10 * time.Second)
			w.closeBy(decode.CloseRST, true, false)
		}, none, 0, nil, nil, false},
		// A long silence, then a command reset at once: a NAT or
		// firewall that forgot the idle connection, not an inspecting
		// firewall's deny (rt-d's nat-idle.pcap).
		{"a command after 40 min of silence, reset at once (a NAT's idle timeout)", func(w *wire) {
			w.wait(40 * time.Minute)
			w.cmd("CWD pub")
			w.wait(30 * time.Millisecond)
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityWarning, []string{"no line crossed the control connection in the 2400.001s before the command",
			"after 2400.001s of silence", "forgot the idle connection", "AWS's NAT gateway 350 s", "every 30-60 s", "nf_conntrack_tcp_timeout_established", "vsftpd has none"},
			[]string{"request-command deny", "TTL of the reset"}, false},
		{"a command after 5 min of silence, reset at once", func(w *wire) {
			w.wait(5 * time.Minute)
			w.cmd("SITE CHMOD 777 upload.sh")
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityWarning, []string{"after 300.001s of silence", "forgot the idle connection"}, []string{"request-command deny"}, false},
		{"a command after 3 min of silence, shorter than common NAT timeouts", func(w *wire) {
			w.wait(3 * time.Minute)
			w.cmd("SITE CHMOD 777 upload.sh")
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityError, []string{"request-command deny"}, []string{"silence", "forgot"}, false},
		{"a PORT with a long tail after a long silence: still ASA strict's", func(w *wire) {
			w.wait(40 * time.Minute)
			w.cmd("PORT 198,51,100,40,200,10 keep going")
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityError, []string{"11 characters after its port numbers"}, []string{"forgot"}, false},
		{"a long silence, then a reset long after the command", func(w *wire) {
			w.wait(40 * time.Minute)
			w.cmd("DELE big.iso")
			w.wait(40 * time.Second)
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityError, []string{"which got no reply in that time"}, []string{"forgot"}, false},
		// The server closed its side (its FIN): it ended the session,
		// not a firewall (rt-d's restart.pcap, srvfin-then-crst.pcap).
		{"the server closed (FIN), then reset the next command", func(w *wire) {
			w.wait(90 * time.Second)
			w.cmd("CWD pub")
			w.closeAfterServerFIN(decode.CloseRST, false)
		}, CodeControlReset, SeverityWarning, []string{"the server had sent its FIN before the reset", "the server ended the session", "No firewall is needed",
			"idle_session_timeout (vsftpd)", "its process ending on CWD", "sends no command into it"}, []string{"request-command deny", "forgot"}, false},
		{"the server closed (FIN) after 40 min of silence, then reset the next command", func(w *wire) {
			w.wait(40 * time.Minute)
			w.cmd("CWD pub")
			w.closeAfterServerFIN(decode.CloseRST, false)
		}, CodeControlReset, SeverityWarning, []string{"the server ended the session"}, []string{"request-command deny", "forgot"}, false},
		{"the server closed (FIN) without answering, then the client reset", func(w *wire) {
			w.cmd("SIZE f")
			w.wait(8 * time.Second)
			w.closeAfterServerFIN(decode.CloseRST, true)
		}, CodeCommandUnanswered, SeverityWarning, []string{`"SIZE f" (packet 9) got no reply in the 8.001s before the client reset the connection; the server had sent its FIN before that`,
			"the server closed its side of the connection (its FIN) without answering it", "The server ended the session", "idle_session_timeout (vsftpd)", "If the server never logged SIZE"},
			[]string{"giving up", "the client waited", "sends no command into it"}, false},
		{"the client closed its end before its reset at a 227", func(w *wire) {
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (203,0,113,60,156,164).")
			w.closeBy(decode.CloseRST, true, true)
		}, none, 0, nil, nil, false},
	} {
		for _, recent := range []bool{false, true} {
			name := tc.name
			if recent {
				name += ", RecentOnly"
			}
			t.Run(name, func(t *testing.T) {
				w := cutWire(t, recent)
				tc.script(w)
				for _, f := range w.c.fs {
					if (f.Code == CodeControlReset || f.Code == CodeCommandUnanswered) && f.Code != tc.code {
						t.Errorf("%s %s: %s\nevidence: %s", f.Severity, f.Code, f.Message, f.Evidence)
					}
				}
				if tc.code == none {
					return
				}
				f := w.c.find(tc.code)
				if f == nil {
					dumpFindings(t, w.c)
					t.Fatalf("no %s", tc.code)
				}
				all := f.Evidence + " | " + f.Message + " | " + f.Advice
				if f.Severity != tc.sev {
					t.Errorf("severity %s, want %s", f.Severity, tc.sev)
				}
				for _, s := range tc.want {
					if !strings.Contains(all, s) {
						t.Errorf("lacks %q:\n%s", s, all)
					}
				}
				for _, s := range tc.never {
					if strings.Contains(all, s) {
						t.Errorf("says %q:\n%s", s, all)
					}
				}
				if tc.dataInfo {
					d := w.c.find(CodeDataNotAttempted)
					if d == nil || d.Severity != SeverityInfo || !strings.Contains(d.Message, "see control-reset") || strings.Contains(d.Message+d.Advice, "gave up") || strings.Contains(d.Advice, "dropped") {
						dumpFindings(t, w.c)
						t.Errorf("data-not-attempted not pointed at control-reset")
					}
				}
			})
		}
	}
}

// TestAfterSixNumbers pins the count Cisco ASA's strict inspection
// weighs: the characters after the port numbers of a 227 or PORT.
func TestAfterSixNumbers(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{
		{"Entering Passive Mode (203,0,113,60,156,164).", 2},
		{"Entering Passive Mode (203,0,113,60,156,164) - passive mode OK, have fun", 29},
		{"Entering Passive Mode 2 (203, 0, 113, 60, 156, 164)", 1},
		{"=203,0,113,60,156,164", 0},
		{"198,51,100,40,200,10", 0},
		{"Entering Passive Mode (1,2,3)", 0},
		{"no numbers", 0},
	} {
		if got := afterSixNumbers(tc.text); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.text, got, tc.want)
		}
	}
}

// TestControlCutHedgedForCaptureDrops guards control-reset and
// command-unanswered, which rest on a reply absent from the capture,
// against the capture point's own drops (CaptureDropped): with a drop
// window at the command they say the reply may be among the packets the
// capture lost, are one step less grave, advise capturing again (no
// firewall's policy), and the verdict does not count them as failures; a
// window an hour off changes nothing.
func TestControlCutHedgedForCaptureDrops(t *testing.T) {
	for _, tc := range []struct {
		name    string
		script  func(w *wire)
		code    string
		sev     Severity
		hedged  Severity
		badText string // advised with no window, not with one
	}{
		{"reset at a command", func(w *wire) {
			w.cmd("SITE CHMOD 777 upload.sh")
			w.closeBy(decode.CloseRST, false, false)
		}, CodeControlReset, SeverityError, SeverityWarning, "request-command deny"},
		{"the client gives up on a command", func(w *wire) {
			w.cmd("STOR upload.sh")
			w.wait(30 * time.Second)
			w.closeBy(decode.CloseRST, true, false)
		}, CodeCommandUnanswered, SeverityWarning, SeverityInfo, "FTP inspection policy"},
		{"reset at a 227", func(w *wire) {
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (203,0,113,60,156,164) - passive mode OK, have fun")
			w.closeBy(decode.CloseRST, true, false)
		}, CodeControlReset, SeverityError, SeverityWarning, "inspect ftp strict"},
	} {
		for _, window := range []time.Duration{-1, 0, time.Hour} {
			name := map[time.Duration]string{-1: ", no drops", 0: ", drops then", time.Hour: ", drops an hour later"}[window]
			t.Run(tc.name+name, func(t *testing.T) {
				w := cutWire(t, false)
				if window >= 0 {
					at := w.now.Add(window)
					w.d.CaptureDropped(DropWindow{From: at, To: at.Add(time.Second), Packets: 52251})
				}
				tc.script(w)
				f := w.c.find(tc.code)
				if f == nil {
					dumpFindings(t, w.c)
					t.Fatalf("no %s", tc.code)
				}
				verdict := w.d.Summaries()[0].Verdict
				if window != 0 {
					if f.Severity != tc.sev || strings.Contains(f.Message, "dropped 52251") || !strings.Contains(f.Advice, tc.badText) {
						t.Errorf("without drops near it: %s %q, advice %q", f.Severity, f.Message, f.Advice)
					}
					return
				}
				if f.Severity != tc.hedged {
					t.Errorf("severity %s, want %s", f.Severity, tc.hedged)
				}
				if !strings.Contains(f.Message, "This capture point dropped 52251 packets at that time") || strings.Contains(f.Advice, tc.badText) || !strings.Contains(f.Advice, "Capture again without drops") {
					t.Errorf("not hedged for the drops: %q, advice %q", f.Message, f.Advice)
				}
				if strings.Contains(verdict, tc.code) || !strings.Contains(verdict, "dropped packets") {
					t.Errorf("verdict %q counts the %s as a failure", verdict, tc.code)
				}
			})
		}
	}
}
