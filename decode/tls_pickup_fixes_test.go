package decode

import (
	"strings"
	"testing"
)

// runConv runs a conversation on port 21 and returns decode's events.
func runConv(t *testing.T, syn bool, script func(v *conv)) []ControlEvent {
	t.Helper()
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	if syn {
		v.handshake()
	}
	script(v)
	d.Finish()
	return rec.control
}

func eventsOfKind(evs []ControlEvent, k ControlKind) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// glftpdBanner is a glftpd-style welcome picked up mid-stream: ANSI
// colour sequences (ESC) and CP437 box-drawing bytes, no UTF-8
// (rev-diff-decode ansi-midstream.pcap).
const glftpdBanner = "230-\x1b[1;34m\xc9\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xbb\x1b[0m\r\n" +
	"230-\x1b[1;34m\xba\x1b[1;37m glftpd \x1b[1;34m\xba\x1b[0m\r\n" +
	"230-\x1b[1;34m\xc8\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xbc\x1b[0m\r\n" +
	"230 User bob logged in.\r\n"

// TestANSIBannerMidstreamIsText: plain FTP picked up mid-stream at a
// welcome with ANSI colours and CP437 bytes is text, not the middle of a
// TLS record: its 230 and the commands after it are read.
func TestANSIBannerMidstreamIsText(t *testing.T) {
	if looksLikeCiphertext([]byte(glftpdBanner)) {
		t.Errorf("the banner looks like ciphertext")
	}
	// Without its line structure (cut mid-line) the ESC and CP437 bytes
	// are still no ciphertext: ESC is the only control byte.
	if b := []byte(glftpdBanner[6:]); looksLikeCiphertext(b) {
		t.Errorf("the banner's middle looks like ciphertext")
	}
	evs := runConv(t, false, func(v *conv) {
		v.srv(glftpdBanner)
		v.cli("PWD\r\n")
		v.srv("257 \"/\" is current directory.\r\n")
		v.cli("TYPE I\r\n")
		v.srv("200 Type set to I.\r\n")
	})
	for _, e := range evs {
		if e.Kind == ControlOpen && e.Encrypts {
			t.Errorf("opened encrypted")
		}
	}
	if n := eventsOfKind(evs, ControlReply); n != 3 {
		t.Errorf("%d replies, want 3 (the 230, 257, 200)", n)
	}
	if n := eventsOfKind(evs, ControlCommand); n != 2 {
		t.Errorf("%d commands, want 2", n)
	}
	if n := eventsOfKind(evs, ControlCleartext); n != 0 {
		t.Errorf("%d turns to clear text, want none", n)
	}
}

// TestAuthReplyCapturedAfterClientHello: the 234 to AUTH captured after
// the client's ClientHello, whose ACK covers it (-i any, a SPAN port:
// the two directions reach the capture by different paths): it is the
// AUTH's reply, the channel turns encrypted there, with no gap reported
// and no return to clear text (rev-diff-decode auth-reordered.pcap).
func TestAuthReplyCapturedAfterClientHello(t *testing.T) {
	evs := runConv(t, true, func(v *conv) {
		v.srv("220 FTP ready\r\n")
		v.cli("AUTH TLS\r\n")
		reply := "234 Proceed.\r\n"
		at := v.sseq
		v.sseq += uint32(len(reply)) // the ClientHello acknowledges it
		v.cli("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03")
		v.send(v.s, v.c, at, v.cseq, FlagACK|FlagPSH, reply)
		v.srv("\x16\x03\x03\x00\x05\x02\x00\x00\x01\x03")
		v.cli("\x17\x03\x03\x00\x04\x01\x02\x03\x04")
		v.srv("\x17\x03\x03\x00\x04\x05\x06\x07\x08")
	})
	var accepted bool
	for _, e := range evs {
		if e.Kind == ControlReply && e.Reply.Code == 234 && e.Encrypts {
			accepted = true
		}
	}
	if !accepted {
		t.Errorf("no 234 that encrypts")
	}
	for _, k := range []ControlKind{ControlGap, ControlEncrypted, ControlCleartext, ControlJunk} {
		if n := eventsOfKind(evs, k); n != 0 {
			t.Errorf("%d events of kind %d, want none", n, k)
		}
	}
}

// TestAuthReplyLostClientHelloThenServerHello: the 234 really lost: the
// ClientHello, then the server's TLS record past the hole: TLS all the
// same, once.
func TestAuthReplyLostClientHelloThenServerHello(t *testing.T) {
	evs := runConv(t, true, func(v *conv) {
		v.srv("220 FTP ready\r\n")
		v.cli("AUTH TLS\r\n")
		v.sseq += uint32(len("234 Proceed.\r\n"))
		v.cli("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03")
		v.srv("\x16\x03\x03\x00\x05\x02\x00\x00\x01\x03")
		v.cli("\x17\x03\x03\x00\x04\x01\x02\x03\x04")
	})
	if n := eventsOfKind(evs, ControlEncrypted); n != 1 {
		t.Errorf("%d ControlEncrypted, want 1", n)
	}
	if n := eventsOfKind(evs, ControlJunk) + eventsOfKind(evs, ControlCleartext); n != 0 {
		t.Errorf("%d junk lines or turns to clear text, want none", n)
	}
}

// TestCleartextCountsTLSBytes: the ControlCleartext that ends the TLS
// phase after a 234 says how many bytes each side sent in it: the
// client's ClientHello alone (a server, or proxy, that accepted AUTH but
// never began TLS: rev-diff-track auth-hello-clear-reply.pcap), or both.
func TestCleartextCountsTLSBytes(t *testing.T) {
	hello := "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03"
	for _, tc := range []struct {
		name   string
		server string
		want   [2]uint64
	}{
		{"server never began TLS", "", [2]uint64{uint64(len(hello)), 0}},
		{"TLS then clear", "\x16\x03\x03\x00\x05\x02\x00\x00\x01\x03\x15\x03\x03\x00\x02\x01\x00", [2]uint64{uint64(len(hello)), 17}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs := runConv(t, true, func(v *conv) {
				v.srv("220 FTP ready\r\n")
				v.cli("AUTH TLS\r\n")
				v.srv("234 AUTH TLS successful\r\n")
				v.cli(hello)
				if tc.server != "" {
					v.srv(tc.server)
				}
				v.srv("500 Invalid command\r\n")
			})
			var got []ControlEvent
			for _, e := range evs {
				if e.Kind == ControlCleartext {
					got = append(got, e)
				}
			}
			if len(got) != 1 || got[0].TLSBytes != tc.want {
				t.Errorf("cleartext events %+v; want one with TLSBytes %v", got, tc.want)
			}
		})
	}
}

// replyEchoes returns, for each reply of a conversation, its text and
// whether decode marked it SecretEcho; and the SITE commands' arguments
// as outputs show them, with whether they are SecretArg.
func replyEchoes(t *testing.T, script func(v *conv)) (map[string]bool, map[string]bool) {
	t.Helper()
	replies, site := map[string]bool{}, map[string]bool{}
	for _, e := range runConv(t, true, script) {
		switch {
		case e.Kind == ControlReply:
			replies[e.Reply.Text] = e.SecretEcho
		case e.Kind == ControlCommand && e.Command.Verb == "SITE":
			site[e.Command.Arg] = e.SecretArg
		}
	}
	return replies, site
}

// TestSiteAddUserPasswordMasked: glftpd's SITE ADDUSER user pass
// [ident@ip] and SITE GADDUSER group user pass carry a password: the
// command is masked, and a reply that echoes it too
// (rev-diff-decode pass-lost-530-echo.pcap).
func TestSiteAddUserPasswordMasked(t *testing.T) {
	replies, site := replyEchoes(t, func(v *conv) {
		v.srv("220 FTP ready\r\n")
		v.cli("SITE ADDUSER carol CarolPw66 *@10.0.0.*\r\n")
		v.srv("200 Added user carol with password CarolPw66.\r\n")
		v.cli("SITE GADDUSER grp dave DavePw77 *@10.0.0.*\r\n")
		v.srv("200 Added dave DavePw77 to grp.\r\n")
		v.cli("SITE WHO\r\n")
		v.srv("200 carol dave\r\n")
	})
	for arg, masked := range site {
		if want := !strings.HasPrefix(arg, "WHO"); masked != want {
			t.Errorf("SITE %s: SecretArg %v, want %v", arg, masked, want)
		}
	}
	for text, echo := range replies {
		if want := strings.Contains(text, "Pw"); echo != want {
			t.Errorf("%q: SecretEcho %v, want %v", text, echo, want)
		}
	}
	if len(site) != 3 {
		t.Errorf("SITE commands %v, want 3", site)
	}
}

// TestPasswordEchoedInWelcome: a password a server echoes in a 2xx reply
// ("230 Response PASS s3cretPW", rev-anchors pass-echo-normal-order.pcap)
// is masked in the PASS's replies up to its final one, as a whole token,
// not in the session's later replies (a password that is a common word
// would hide their reasons); an anonymous login's conventional password named in its
// welcome is not ("230 Anonymous access granted" to "anonymous"), nor a
// password that is only part of a word.
func TestPasswordEchoedInWelcome(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pass  string
		lines []string // replies after the PASS: "!" first when an echo
	}{
		{"echoed in 230", "s3cretPW", []string{"!230 Response PASS s3cretPW", "215 UNIX s3cretpw", "200 ok"}},
		// A password that is a common word: the PASS's own welcome is
		// looked at, the session's later replies are not (a 425 naming
		// "data" is no echo of the password "data").
		{"a common word", "data", []string{"230 Login successful.", "425 Can't open data connection.", "550 data: No such file"}},
		{"anonymous", "anonymous", []string{"230 Anonymous access granted, restrictions apply", "215 UNIX anonymous"}},
		{"guest", "guest", []string{"230 Guest login ok, access restrictions apply."}},
		{"e-mail", "mozilla@example.com", []string{"230 Welcome mozilla@example.com"}},
		{"IEUser@", "IEUser@", []string{"230 Welcome IEUser@"}},
		{"part of a word", "secr", []string{"230 Welcome to the secretary's server", "215 UNIX"}},
		{"short", "abc", []string{"230 abc logged in"}},
		{"refused", "Hunter2", []string{"!530 Login incorrect for bob/Hunter2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verbs := []string{"SYST", "NOOP", "PWD"}
			replies, _ := replyEchoes(t, func(v *conv) {
				v.srv("220 FTP ready\r\n")
				v.cli("USER bob\r\n")
				v.srv("331 Password required\r\n")
				v.cli("PASS " + tc.pass + "\r\n")
				for i, l := range tc.lines {
					if i > 0 {
						v.cli(verbs[i-1] + "\r\n")
					}
					v.srv(strings.TrimPrefix(l, "!") + "\r\n")
				}
				// The next login: the password is no longer looked for.
				v.cli("USER alice\r\n")
				v.srv("331 Password for alice, not " + tc.pass + "\r\n")
			})
			for _, l := range tc.lines {
				text := strings.TrimPrefix(l, "!")[4:]
				if got, want := replies[text], strings.HasPrefix(l, "!"); got != want {
					t.Errorf("%q: SecretEcho %v, want %v", text, got, want)
				}
			}
			if replies["Password for alice, not "+tc.pass] {
				t.Errorf("reply after the next USER masked")
			}
		})
	}
}
