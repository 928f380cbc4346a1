package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestCleartextLoginWhenGapTookThePassLine guards cleartext-login where a
// capture gap of the client's stream took the line after USER's 331: the
// 230 that follows answers that lost line, not the USER, so neither the
// PASS rule nor the USER-answered-by-230 rule saw it and the session's
// clear-text login went unreported. The login succeeded on an
// unencrypted control connection after a USER in clear: the finding is
// raised once, and says the gap hides whether a password was sent (it
// never claims a PASS was seen). Whether the lost line reaches the
// tracker as a line taken for a password (whatever verb its tail reads)
// or not at all, the finding is the same.
func TestCleartextLoginWhenGapTookThePassLine(t *testing.T) {
	secret := func(w *wire, verb, arg string) {
		w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: verb, Arg: arg}, Secret: true})
	}
	for _, tc := range []struct {
		name  string
		login func(w *wire) // from the greeting to the 230
		want  []string
		never []string
	}{
		{"PASS line lost whole", func(w *wire) {
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.gap(true, 15)
			w.reply(230, "Login successful.")
		}, []string{"USER bob (packet 3), then the login succeeded (\"230 Login successful.\", packet 6)", "a capture gap (packet 5) between them hides whether a password was sent",
			"a gap in the capture hides whether a password was sent"},
			[]string{"its password crossed", "without a password", "PASS"}},
		{"tail of the PASS line read as a secret LIST, no reply paired", func(w *wire) {
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.gap(true, 5)
			secret(w, "LIST", "hunter2")
			w.reply(230, "Login successful.")
		}, []string{"USER bob (packet 3)", "a capture gap (packet 5) between them hides whether a password was sent"},
			[]string{"hunter2", "LIST", "its password crossed"}},
		{"tail of the PASS line read as a secret line the 230 answers", func(w *wire) {
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.gap(true, 5)
			secret(w, "SS", "hunter2")
			w.reply(230, "Login successful.")
		}, []string{"USER bob (packet 3)", "a capture gap (packet 5) between them hides whether a password was sent"},
			[]string{"hunter2", "SS ", "its password crossed"}},
		// No gap: the password line is one decode could not read as a
		// command (PASS<TAB>...), hidden as junk; the 230 answers no
		// command. The line is in the capture: it crossed.
		{"password line not read as a command", func(w *wire) {
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: "PASS\thunter2", Secret: true})
			w.reply(230, "Login successful.")
		}, []string{"USER bob (packet 3), then " + hiddenLine + " (packet 5, not read as a command), then the login succeeded", "A user name and its password crossed"},
			[]string{"hunter2", "gap", "without a password"}},
		{"USER and PASS lines both lost", func(w *wire) {
			w.gap(true, 10)
			w.reply(331, "Please specify the password.")
			w.gap(true, 15)
			w.reply(230, "Login successful.")
		}, []string{"The login succeeded (\"230 Login successful.\", packet 6)", "hides the user name and whether a password was sent"},
			[]string{"USER ,", "its password crossed", "without a password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			tc.login(w)
			w.cmd("PWD")
			w.reply(257, `"/"`)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			n := 0
			var f *Finding
			for _, x := range w.c.fs {
				if x.Code == CodeCleartextLogin {
					n++
					f = x
				}
			}
			if n != 1 {
				dumpFindings(t, w.c)
				t.Fatalf("%d cleartext-login findings, want 1", n)
			}
			all := f.Evidence + " | " + f.Message + " | " + f.Advice
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("cleartext-login lacks %q:\n%s", s, all)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(all, s) {
					t.Errorf("cleartext-login says %q:\n%s", s, all)
				}
			}
		})
	}
}

// TestCleartextLoginWhenGapTookThePassLineFromPackets is the same from
// packets, the decoder's gap reports and masking included: the 331 seen,
// the PASS line lost from the capture, the 230 seen. With AUTH accepted
// first, the login is inside TLS and no finding is raised.
func TestCleartextLoginWhenGapTookThePassLineFromPackets(t *testing.T) {
	c := &collect{}
	f := &frames{now: t0, cli: ap("198.51.100.22:50620"), srv: ap("203.0.113.10:21")}
	f.d = decode.New(track.New(New(policy.Policy{}, nil, c), track.Options{}), decode.Options{})
	f.open()
	f.server("220 (vsFTPd 3.0.3)\r\n", false)
	f.client("USER alice\r\n", false)
	f.server("331 Please specify the password.\r\n", false)
	f.client("PASS secret99\r\n", true)
	f.server("230 Login successful.\r\n", false)
	f.client("PWD\r\n", false)
	f.server("257 \"/\"\r\n", false)
	f.client("QUIT\r\n", false)
	f.server("221 Goodbye.\r\n", false)
	f.close()
	f.d.Finish()
	fd := c.find(CodeCleartextLogin)
	if fd == nil {
		dumpFindings(t, c)
		t.Fatal("no cleartext-login finding")
	}
	all := fd.Evidence + " | " + fd.Message
	if !strings.Contains(all, "hides whether a password was sent") || strings.Contains(all, "secret99") || strings.Contains(all, "its password crossed") {
		t.Errorf("cleartext-login:\n%s", all)
	}
}

// TestEncryptedVerdictClaimsNoDataWhereNoneSeen guards the server
// verdict of an encrypted control channel: where no data connection was
// seen at all (a capture filtered to the control port, or a session that
// moved no data), it may not say the data connections worked.
func TestEncryptedVerdictClaimsNoDataWhereNoneSeen(t *testing.T) {
	w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("AUTH TLS")
	w.reply(234, "Proceed with negotiation.")
	w.end()
	sums := w.d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	v := sums[0].Verdict
	if strings.Contains(v, "worked") || !strings.Contains(v, "the control channel is encrypted") || !strings.Contains(v, "no data connection") {
		t.Errorf("verdict: %s", v)
	}
}

// TestSecretLineIsNoLostAnnouncement guards the verdict against a line
// taken for a password whose tail, after a gap, reads like a transfer
// ("list ..."): it is no transfer, so no announcement of one was lost.
func TestSecretLineIsNoLostAnnouncement(t *testing.T) {
	w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER bob")
	w.reply(331, "Please specify the password.")
	w.gap(true, 5)
	w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "LIST", Arg: "hunter2"}, Secret: true})
	w.reply(230, "Login successful.")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	sums := w.d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	if v := sums[0].Verdict; strings.Contains(v, "not whole") || !strings.Contains(v, "no data connections were announced") {
		t.Errorf("verdict: %s", v)
	}
}

// TestAuthAcceptedThenClearIsNotCalledEncrypted guards control-encrypted
// where the server accepted AUTH but the next bytes on the connection,
// right after its 234, were FTP text again: no TLS handshake crossed, so
// the finding may not say the channel was encrypted from one packet to
// another; it says what the wire shows. Where packets enough for a
// handshake lie between (CCC after TLS), the old wording stays.
func TestAuthAcceptedThenClearIsNotCalledEncrypted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		between int // packets between the 234 and the FTP text
		want    []string
		never   []string
	}{
		{"FTP text right after the 234", 1, []string{"The server accepted AUTH (packet 4), but the control connection went on in clear text from packet 6"}, []string{"encrypted from packet"}},
		{"room for a TLS session, then CCC", 6, []string{"encrypted from packet 4 (AUTH accepted) until packet 11"}, []string{"went on in clear text"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("AUTH TLS")
			w.reply(234, "Proceed with negotiation.")
			for range tc.between {
				w.next()
			}
			w.ctl(decode.ControlEvent{Kind: decode.ControlCleartext})
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS hunter2")
			w.reply(230, "Login successful.")
			w.end()
			f := w.c.find(CodeControlEncrypted)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no control-encrypted finding")
			}
			all := f.Evidence + " | " + f.Message + " | " + f.Advice
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("control-encrypted lacks %q:\n%s", s, all)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(all, s) {
					t.Errorf("control-encrypted says %q:\n%s", s, all)
				}
			}
		})
	}
}

// TestCleartextLoginLostLineSameWithRecentOnly: the outputs that keep no
// events or old commands (--json, live: track.Options.RecentOnly) say the
// same of a login whose 230 answers no command as the text output does:
// the password line decode hid as junk is known without the session's
// kept events.
func TestCleartextLoginLostLineSameWithRecentOnly(t *testing.T) {
	for _, tc := range []struct {
		name  string
		login func(w *wire)
		want  string // in the message
	}{
		{"password line not read as a command", func(w *wire) {
			w.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: "PASS\thunter2", Secret: true})
		}, "A user name and its password crossed"},
		{"password line lost in a gap", func(w *wire) {
			w.gap(true, 15)
		}, "a gap in the capture hides whether a password was sent"},
	} {
		for _, recent := range []bool{false, true} {
			w := &wire{t: t, c: &collect{}, cli: ap("198.51.100.22:50620"), srv: ap("203.0.113.10:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{RecentOnly: recent})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			tc.login(w)
			w.reply(230, "Login successful.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodeCleartextLogin)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatalf("%s, RecentOnly=%v: no cleartext-login finding", tc.name, recent)
			}
			if !strings.Contains(f.Message, tc.want) || strings.Contains(f.Evidence, "hunter2") {
				t.Errorf("%s, RecentOnly=%v: %s | %s", tc.name, recent, f.Evidence, f.Message)
			}
		}
	}
}

// TestEncryptedWhenTheAuthReplyWasLost guards control-encrypted for a
// session whose 234 a capture gap took: decode sees the client's TLS
// record after its AUTH and the channel turns encrypted, so the
// announcements are hidden as after a 234 in the capture.
func TestEncryptedWhenTheAuthReplyWasLost(t *testing.T) {
	c := &collect{}
	f := &frames{now: t0, cli: ap("198.51.100.22:50620"), srv: ap("203.0.113.10:21")}
	f.d = decode.New(track.New(New(policy.Policy{}, nil, c), track.Options{}), decode.Options{})
	f.open()
	f.server("220 (vsFTPd 3.0.3)\r\n", false)
	f.client("AUTH TLS\r\n", false)
	f.server("234 Proceed with negotiation.\r\n", true)
	f.client("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03", false)
	f.server("\x16\x03\x03\x00\x05\x02\x00\x00\x01\x03", false)
	f.client("\x17\x03\x03\x00\x04abcd", false)
	f.close()
	f.d.Finish()
	fd := c.find(CodeControlEncrypted)
	if fd == nil {
		dumpFindings(t, c)
		t.Fatal("no control-encrypted finding")
	}
	if !strings.Contains(fd.Evidence, "reply lost in a capture gap") {
		t.Errorf("control-encrypted evidence: %s", fd.Evidence)
	}
}
