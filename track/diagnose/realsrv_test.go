package diagnose

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The fault captures of the servers recorded first in rev-realsrv's
// lab (pcaps/real/README.md), with the codes each was made to show, for
// TestCleanCapturesRaiseNoAlarm.
func init() {
	maps.Copy(faultCaptures, map[string][]string{
		"twisted-active-eprt-502.pcap":      {CodeActiveBlocked},
		"ftpd-ssl-handshake-alert.pcap":     {CodeControlTLSFailed, CodeDataUnanswered, CodeDataNotAttempted},
		"inetutils-ftpd-greeting-late.pcap": {CodeGreetingLate},
		"aioftp-passive-drop.pcap":          {CodeDataUnanswered, CodeDataNotAttempted},
	})
}

// TestActiveRefusedNotAfterConnectBack guards active-refused against
// Twisted (pcaps/real/twisted-active-eprt-502.pcap, session 2): it
// answers EPRT with "502 Command 'EPRT' not implemented", then takes
// curl's PORT and connects back, answering only once connected, so the
// client's firewall dropping its SYNs leaves the PORT with no reply. The
// server's SYNs show active mode on: active-blocked only, no
// active-refused, in either session, nor in the verdict.
func TestActiveRefusedNotAfterConnectBack(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/twisted-active-eprt-502.pcap", policy.Policy{})
	blocked := 0
	for _, f := range rec.findings {
		switch f.Code {
		case CodeActiveRefused:
			t.Errorf("session %d: active-refused though the server connected back: %s", f.Session.ID, f.Message)
		case CodeActiveBlocked:
			blocked++
		}
	}
	if blocked != 2 {
		t.Errorf("%d active-blocked findings, want 2\n%s", blocked, render(rec, diag))
	}
	for _, sum := range diag.Summaries() {
		if strings.Contains(sum.Verdict, "active-refused") {
			t.Errorf("verdict: %s", sum.Verdict)
		}
	}
}

// TestControlTLSHandshakeAlert guards control-tls-failed: BSD ftpd-ssl
// (pcaps/real/ftpd-ssl-handshake-alert.pcap, session 2) accepts AUTH SSL,
// answers curl's ClientHello with one 7-byte alert record, then closes in
// clear text with "421 ftpd: SSL_accept error:...no shared cipher". No TLS
// session existed: an error that the handshake failed, quoting the 421,
// and no control-encrypted ("encrypted ... until packet 38 (CCC, or TLS
// closed)", "Nothing to change").
func TestControlTLSHandshakeAlert(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/ftpd-ssl-handshake-alert.pcap", policy.Policy{})
	n := 0
	for _, f := range rec.findings {
		switch f.Code {
		case CodeControlEncrypted:
			t.Errorf("session %d: control-encrypted: %s", f.Session.ID, f.Message)
		case CodeControlTLSFailed:
			n++
			if f.Session.ID != 2 || f.Severity != SeverityError || !strings.Contains(f.Message, "no shared cipher") ||
				!strings.Contains(f.Evidence, "7 from the server") || !strings.Contains(f.Advice, "openssl s_client -starttls ftp -connect 10.99.0.1:21") {
				t.Errorf("session %d %v: %s\nevidence: %s\nfix: %s", f.Session.ID, f.Severity, f.Message, f.Evidence, f.Advice)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d control-tls-failed findings, want 1\n%s", n, render(rec, diag))
	}
}

// TestGreetingLateAfterClientGaveUp guards greeting-late: GNU inetutils
// ftpd (pcaps/real/inetutils-ftpd-greeting-late.pcap, on the server)
// waits 5 s for reverse lookups of the client that get no answer before
// its 220; the client, which closed at 3 s, resets the connection at it.
func TestGreetingLateAfterClientGaveUp(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/inetutils-ftpd-greeting-late.pcap", policy.Policy{})
	n := 0
	for _, f := range rec.findings {
		if f.Code != CodeGreetingLate {
			continue
		}
		n++
		if f.Severity != SeverityWarning || !strings.Contains(f.Message, "5.014s") || !strings.Contains(f.Advice, "reverse") {
			t.Errorf("%v %s\nfix: %s", f.Severity, f.Message, f.Advice)
		}
	}
	if n != 1 {
		t.Errorf("%d greeting-late findings, want 1\n%s", n, render(rec, diag))
	}
}

// TestGreetingLateNotForAQuickGreeting: a client that resets the
// connection right after a prompt greeting (a port check) is not told of
// a late greeting; nor one whose greeting was late but which logged in.
func TestGreetingLateNotForAQuickGreeting(t *testing.T) {
	for _, name := range []string{"control-port-2121.pcap", "twisted-active-eprt-502.pcap", "inetutils-ftpd-passive.pcap"} {
		rec, _ := run(t, "../../pcaps/real/"+name, policy.Policy{})
		for _, f := range rec.findings {
			if f.Code == CodeGreetingLate {
				t.Errorf("%s session %d: %s", name, f.Session.ID, f.Message)
			}
		}
	}
}

// TestAnonymousLoginWithoutPassword: aioftp
// (pcaps/real/aioftp-passive-drop.pcap) logs "USER anonymous" in with
// 230 at once; cleartext-login does not speak of the e-mail address
// given as a password, since none was asked for or sent.
func TestAnonymousLoginWithoutPassword(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/aioftp-passive-drop.pcap", policy.Policy{})
	n := 0
	for _, f := range rec.findings {
		if f.Code != CodeCleartextLogin {
			continue
		}
		n++
		if f.Message != msgAnonymousNoPassword {
			t.Errorf("session %d: %s", f.Session.ID, f.Message)
		}
	}
	if n == 0 {
		t.Errorf("no cleartext-login\n%s", render(rec, diag))
	}
}

// greetingWire is a session whose greeting comes after greet, then the
// client's commands, then an RST from the client after reset.
func greetingWire(t *testing.T, greet, reset time.Duration, cmds ...string) *wire {
	return greetingWireFIN(t, greet, reset, true, cmds...)
}

// greetingWireFIN is greetingWire with the client's FIN sent before its
// RST (fin) or not (a client that read the greeting and aborted).
func greetingWireFIN(t *testing.T, greet, reset time.Duration, fin bool, cmds ...string) *wire {
	w := newWire(t, "10.99.1.2:60814", "10.99.2.2:21")
	w.wait(greet)
	w.reply(220, "localhost FTP server (GNU inetutils 2.4) ready.")
	for _, c := range cmds {
		w.cmd(c)
		w.reply(331, "Guest login ok, type your name as password.")
	}
	w.wait(reset)
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseRST, ClientClosed: true, ClientFIN: fin})
	w.trk.Finish()
	return w
}

// TestGreetingLateOnlyWhenLateAndUnanswered: greeting-late needs the
// greeting a second or more after the SYN, no command, and the client's
// reset at once after it; a port check that resets a prompt greeting, a
// client that logged in after a slow one, and one that reset long after
// it are not told of it.
func TestGreetingLateOnlyWhenLateAndUnanswered(t *testing.T) {
	for _, tc := range []struct {
		name         string
		greet, reset time.Duration
		cmds         []string
		want         bool
	}{
		{"late, reset at it", 5 * time.Second, 0, nil, true},
		{"prompt, reset at it", 10 * time.Millisecond, 0, nil, false},
		{"late, then a command", 5 * time.Second, 0, []string{"USER anonymous"}, false},
		{"late, reset long after", 5 * time.Second, 30 * time.Second, nil, false},
		{"late, read and aborted without a FIN (a health check)", 1500 * time.Millisecond, 0, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := greetingWireFIN(t, tc.greet, tc.reset, !strings.Contains(tc.name, "without a FIN"), tc.cmds...)
			if got := w.c.find(CodeGreetingLate) != nil; got != tc.want {
				dumpFindings(t, w.c)
				t.Errorf("greeting-late %v, want %v", got, tc.want)
			}
		})
	}
}

// TestControlTLSFailedOnlyForOneAlert: the server's TLS bytes between
// the 234 and the FTP text decide: one alert record's 7 bytes are a
// refused handshake (control-tls-failed, and no control-encrypted); a
// server flight of a real handshake is a TLS session that ended
// (control-encrypted, CCC or TLS closed).
func TestControlTLSFailedOnlyForOneAlert(t *testing.T) {
	for _, tc := range []struct {
		server uint64
		want   string
	}{
		{7, CodeControlTLSFailed},
		{1480, CodeControlEncrypted},
	} {
		w := newWire(t, "10.99.0.2:42236", "10.99.0.1:21")
		w.reply(220, "vm FTP server (Version 6.4/OpenBSD/Linux-ftpd-0.17) ready.")
		w.cmd("AUTH SSL")
		w.reply(234, "AUTH SSL OK.")
		w.ctl(decode.ControlEvent{Kind: decode.ControlCleartext, TLSBytes: [2]uint64{517, tc.server}})
		w.reply(421, "ftpd: SSL_accept error:0A0000C1:SSL routines::no shared cipher: Success.")
		w.end()
		other := CodeControlEncrypted
		if tc.want == CodeControlEncrypted {
			other = CodeControlTLSFailed
		}
		if w.c.find(tc.want) == nil || w.c.find(other) != nil {
			dumpFindings(t, w.c)
			t.Errorf("server sent %d TLS bytes: want %s alone", tc.server, tc.want)
		}
	}
}
