package decode

import (
	"strings"
	"testing"
)

// TestRefusalAfterUnseenClientBytesMasked: a refusal that may answer
// client bytes the capture did not show, which may have held a PASS,
// is hidden as a possible echo of the password ("530 Login incorrect:
// w/SECRET"), whatever came before in the session: a completed login (a
// re-login), a REIN, a PASS seen and not yet answered, a 331 seen after
// the gap, a masked line after it, the start of the capture. The replies
// to commands the capture shows, and a healthy refusal of a PASS it
// shows, stay as they are. rev37 fx-mask2: relogin-*.pcap, mid-*.pcap.
func TestRefusalAfterUnseenClientBytesMasked(t *testing.T) {
	welcomed := []gapStep{srv("220 ok\r\n"), cli("USER w\r\n"), srv("331 pw\r\n"), cli("PASS first1\r\n"), srv("230 ok\r\n"),
		cli("PWD\r\n"), srv("257 \"/\"\r\n")}
	after := func(steps ...gapStep) func(v *conv) {
		return func(v *conv) { v.play(append(append([]gapStep{}, welcomed...), steps...)) }
	}
	first := func(steps ...gapStep) func(v *conv) {
		return func(v *conv) { v.play(append([]gapStep{srv("220 ok\r\n")}, steps...)) }
	}
	tests := []struct {
		name      string
		midstream bool // the capture starts after the handshake
		run       func(v *conv)
		shown     []string // replies that must be shown as they are
	}{
		// Leaks: each reply holding SECRET was shown.
		{"re-login: USER and PASS lost, the 331 seen, a NOOP seen before the refusal", false, after(
			lostCli("USER w\r\nPASS SECRETA1\r\n"), srv("331 pw\r\n"), cli("NOOP\r\n"),
			srv("530 Login incorrect: w/SECRETA1\r\n"), srv("200 ok\r\n")), nil},
		{"re-login: USER, PASS and the 331 lost, QUIT seen before the refusal", false, after(
			lostCli("USER w\r\nPASS SECRETA2\r\n"), lostSrv("331 pw\r\n"), cli("QUIT\r\n"),
			srv("530 Login incorrect: w/SECRETA2\r\n")), nil},
		{"REIN answered, then USER and PASS lost, the 331 seen, QUIT seen", false, after(
			cli("REIN\r\n"), srv("220 ready\r\n"), lostCli("USER w\r\nPASS SECRETA3\r\n"), srv("331 pw\r\n"),
			cli("QUIT\r\n"), srv("530 Login incorrect: w/SECRETA3\r\n")), nil},
		{"REIN, USER and PASS lost, its 220 and the 331 seen, QUIT seen", false, after(
			lostCli("REIN\r\nUSER w\r\nPASS SECRETA4\r\n"), srv("220 ready\r\n331 pw\r\n"), cli("QUIT\r\n"),
			srv("530 Login incorrect: w/SECRETA4\r\n")), nil},
		{"REIN, USER and PASS lost, QUIT seen before every reply", false, after(
			lostCli("REIN\r\nUSER w\r\nPASS SECRETA5\r\n"), cli("QUIT\r\n"),
			srv("220 ready\r\n331 pw\r\n530 Login incorrect: w/SECRETA5\r\n")), nil},
		{"first login: REIN, USER and PASS lost, QUIT seen before every reply", false, first(
			lostCli("REIN\r\nUSER w\r\nPASS SECRETA6\r\n"), cli("QUIT\r\n"),
			srv("220 ready\r\n331 pw\r\n530 Login incorrect: w/SECRETA6\r\n")), nil},
		{"re-login: the password's tail after the gap too short to look for", false, after(
			cli("USER w\r\n"), srv("331 pw\r\n"), lostCli("PASS SECRETA"), cli("7\r\n"),
			srv("530 Login incorrect: w/SECRETA7\r\n"), cli("QUIT\r\n")), nil},
		{"first login: the password's tail after the gap too short to look for", false, first(
			cli("USER w\r\n"), srv("331 pw\r\n"), lostCli("PASS SECRETB"), cli("7\r\n"),
			srv("530 Login incorrect: w/SECRETB7\r\n"), cli("QUIT\r\n")), nil},
		{"a gap that held two lines, the second login's lines all before the replies", false, func(v *conv) {
			v.play([]gapStep{lostCli("USER a\r\nPA"), cli("SS first1\r\nPWD\r\nUSER w\r\nPASS SECRETC1\r\nQUIT\r\n"),
				srv("220 ok\r\n331 pw\r\n230 ok\r\n257 \"/\"\r\n331 pw\r\n530 Login incorrect: w/SECRETC1\r\n221 bye\r\n")})
		}, nil},
		{"a PASS seen and not answered yet, then USER and PASS lost", false, first(
			cli("USER w\r\n"), srv("331 pw\r\n"), cli("PASS wrongpw\r\n"), lostCli("USER w\r\nPASS SECRETA8\r\n"),
			cli("QUIT\r\n"), srv("530 Login incorrect.\r\n331 pw\r\n530 Login incorrect: w/SECRETA8\r\n")),
			[]string{"Login incorrect."}},
		{"re-login: USER and a bare password line lost, the 500 repeats it", false, after(
			lostCli("USER w\r\nsecreta9\r\n"), srv("331 pw\r\n"), cli("QUIT\r\n"),
			srv("500 'SECRETA9': command not understood.\r\n")), nil},
		{"picked up after the PASS: QUIT seen before the refusal", true, func(v *conv) {
			v.play([]gapStep{cli("QUIT\r\n"), srv("530 Login incorrect: w/SECRETB1\r\n221 bye\r\n")})
		}, []string{"bye"}},
		{"picked up at a 331, the PASS after it lost: the client starts past the server's ACK", true, func(v *conv) {
			v.play([]gapStep{srv("331 pw\r\n"), lostCli("PASS SECRETB4\r\n"), cli("QUIT\r\n"),
				srv("530 Login incorrect: w/SECRETB4\r\n")})
		}, nil},
		{"picked up logged in, USER and PASS lost: the server's ACK moves with no client byte", true, func(v *conv) {
			v.play([]gapStep{srv("257 \"/\"\r\n"), lostCli("USER w\r\nPASS SECRETB5\r\n"), srv("331 pw\r\n"),
				cli("QUIT\r\n"), srv("530 Login incorrect: w/SECRETB5\r\n")})
		}, nil},
		{"the server's bytes without an ACK: USER and PASS lost", false, after(
			lostCli("USER w\r\nPASS SECRETB2\r\n"), noACK("331 pw\r\n530 Login incorrect: w/SECRETB2\r\n"),
			cli("QUIT\r\n")), nil},
		{"re-login: the server read the other copy, a PASS; QUIT seen before the refusal", false, after(
			cli("USER w\r\n"), srv("331 pw\r\n"), twoCopies("NOOP\r\nSYST\r\n\r\n", "PASS SECRETB3\r\n"),
			cli("QUIT\r\n"), srv("530 Login incorrect: w/SECRETB3\r\n")), nil},

		// Several lines hidden, or pipelined (rev38 fx-mask3,
		// FuzzRefusalEchoHidden): the refusal comes after more replies
		// than one line draws.
		{"re-login: PWD, USER and PASS lost, QUIT seen before their replies", false, after(
			lostCli("PWD\r\nUSER w\r\nPASS SECRETD1\r\n"), cli("QUIT\r\n"),
			srv("257 \"/\"\r\n331 pw\r\n530 Login incorrect: w/SECRETD1\r\n221 bye\r\n")), []string{"bye"}},
		{"picked up while three lines await replies, a pipelined login seen", true, func(v *conv) {
			v.play([]gapStep{cli("USER w\r\nPASS SECRETD2\r\nQUIT\r\n"),
				srv("257 \"/\"\r\n200 ok\r\n215 UNIX\r\n331 pw\r\n530 Login incorrect: w/SECRETD2\r\n221 bye\r\n")})
		}, []string{"bye"}},
		{"pipelined, a byte of the password lost, its line end seen", false, first(
			cli("USER a\r\nPASS first1\r\nPWD\r\nUSER w\r\nPASS SECRETD"), lostCli("3"), cli("\r\nQUIT\r\n"),
			srv("331 pw\r\n230 ok\r\n257 \"/\"\r\n331 pw\r\n530 Login incorrect: w/SECRETD3\r\n221 bye\r\n")), []string{"bye"}},
		{"pipelined, the starts of two lines lost, their tails dropped", false, first(
			lostCli("US"), cli("ER a\r\n"), lostCli("PA"), cli("SS first1\r\nPWD\r\nUSER w\r\nPASS SECRETD4\r\nQUIT\r\n"),
			srv("331 pw\r\n230 ok\r\n257 \"/\"\r\n331 pw\r\n530 Login incorrect: w/SECRETD4\r\n221 bye\r\n")), []string{"bye"}},

		// Not masked: no reply here may answer bytes the capture lacks
		// that held a password.
		{"a lost RETR's 550, then a re-login seen whole", false, after(
			lostCli("RETR a.txt\r\n"), srv("550 a.txt: No such file.\r\n"), cli("USER w\r\n"), srv("331 pw\r\n"),
			cli("PASS SECRETN1\r\n"), srv("530 Login incorrect.\r\n")),
			[]string{"a.txt: No such file.", "pw", "Login incorrect."}},
		{"the refusal of a command seen after the lost PASS's", false, after(
			cli("USER w\r\n"), srv("331 pw\r\n"), lostCli("PASS SECRETN2\r\n"), cli("CWD /x\r\n"),
			srv("530 Login incorrect: w/SECRETN2\r\n530 Please login with USER and PASS.\r\n")),
			[]string{"Please login with USER and PASS."}},
		{"picked up mid-session: a 550, then a login seen whole", true, func(v *conv) {
			v.play([]gapStep{cli("RETR x\r\n"), srv("550 x: No such file.\r\n"), cli("USER w\r\n"), srv("331 pw\r\n"),
				cli("PASS SECRETN3\r\n"), srv("530 Login incorrect.\r\n")})
		}, []string{"x: No such file.", "pw", "Login incorrect."}},
		{"picked up mid-session, the server's ACK moved by one byte only (as by a FIN)", true, func(v *conv) {
			v.play([]gapStep{srv("257 \"/\"\r\n"), lostCli("x"), srv("221 bye\r\n"), cli("USER w\r\n"), srv("331 pw\r\n"),
				cli("PASS SECRETN4\r\n"), srv("530 Login incorrect.\r\n")})
		}, []string{"Login incorrect."}},
		{"the ACK of the client's FIN owes no byte", false, after(
			withFIN("SITE FOO\r\n"), srv("500 'SITE FOO': command not understood.\r\n")),
			[]string{"'SITE FOO': command not understood."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
			if !tc.midstream {
				v.handshake()
			}
			tc.run(v)
			d.Finish()
			_, replies := transcript(rec)
			secrets := 0
			for _, r := range replies {
				if strings.Contains(r, "SECRET") {
					secrets++
					if !strings.HasPrefix(r, "*") {
						t.Errorf("reply %q shown", r)
					}
				}
			}
			if secrets == 0 && len(tc.shown) == 0 {
				t.Fatalf("no reply holds the secret: %q", replies)
			}
			for _, want := range tc.shown {
				found := false
				for _, r := range replies {
					found = found || r == want
				}
				if !found {
					t.Errorf("reply %q not shown as it is: %q", want, replies)
				}
			}
		})
	}
}

// noACK, twoCopies and withFIN are steps of their own (gapStep.run):
// the server's bytes sent without the ACK flag; two copies of the
// client's bytes at the same place, the first taken (a conflict); the
// client's bytes sent with its FIN.
func noACK(s string) gapStep {
	return gapStep{run: func(v *conv) {
		v.send(v.s, v.c, v.sseq, 0, FlagPSH, s)
		v.sseq += uint32(len(s))
	}}
}

func twoCopies(taken, other string) gapStep {
	return gapStep{run: func(v *conv) {
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, taken)
		v.cli(other)
	}}
}

func withFIN(s string) gapStep {
	return gapStep{run: func(v *conv) {
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH|FlagFIN, s)
		v.cseq += uint32(len(s)) + 1
	}}
}
