package decode

import (
	"strings"
	"testing"
)

// cutLoginRun is one control connection of the tests below: script
// plays it (after a captured handshake unless midstream), and the result
// is its story (story) with every command a cut delivered.
func cutLoginRun(t *testing.T, midstream bool, script func(v *conv)) (string, []*ControlEvent) {
	t.Helper()
	rec, d, v := openConv(t)
	if midstream {
		rec = &recorder{}
		d = New(rec, Options{})
		v = &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	}
	script(v)
	d.Finish()
	var cut []*ControlEvent
	for i := range rec.control {
		if e := &rec.control[i]; e.Kind == ControlCommand && e.RestNotCaptured {
			cut = append(cut, e)
		}
	}
	return story(rec, false), cut
}

// loseCli sends line's first keep bytes as one client segment and loses
// the rest, sent as another segment (the server's next ACK shows it).
func (v *conv) loseCli(line string, keep int) {
	v.cli(line[:keep])
	v.cseq += uint32(len(line) - keep)
}

func (v *conv) loginBob() {
	v.srv("220 hello\r\n")
	v.cli("USER bob\r\n")
	v.srv("331 pw\r\n")
	v.cli("PASS Hunter2secret\r\n")
	v.srv("230 ok\r\n")
}

// TestCutCommandsDeliveredWhileLoginStands guards the commands a capture
// gap cuts after a login: every one is delivered (tcpdump -s 80: nearly
// every line cut, each RETR and STOR naming its file), not only the
// first. The login stood across the gaps; before, the first gap ended it
// for the rest of the session (flagLoggedIn, which every client gap
// clears), and every later RETR read "a command lost in a capture gap",
// its transfer without a file name (ascii-proftpd cut to 80 bytes: 1 file
// extracted of 13).
func TestCutCommandsDeliveredWhileLoginStands(t *testing.T) {
	for _, snap := range []bool{true, false} {
		name := "lost segments"
		if snap {
			name = "snap length"
		}
		t.Run(name, func(t *testing.T) {
			cutLine := func(v *conv, line string) {
				if snap {
					v.cutCli(line, 16, FlagACK|FlagPSH)
				} else {
					v.loseCli(line, 16)
				}
			}
			got, cut := cutLoginRun(t, false, func(v *conv) {
				v.loginBob()
				cutLine(v, "RETR /srv/ftp/exports/2026/file1.csv\r\n")
				v.srv("550 no1\r\n")
				v.cli("NOOP\r\n")
				v.srv("200 ok\r\n")
				cutLine(v, "STOR /srv/ftp/exports/2026/file2.csv\r\n")
				v.srv("550 no2\r\n")
				v.cli("TYPE I\r\n")
				v.srv("200 ok\r\n")
				cutLine(v, "CWD /srv/ftp/exports/2026/somewhere\r\n")
				v.srv("550 no3\r\n")
				v.cli("QUIT\r\n")
				v.srv("221 bye\r\n")
			})
			want := "220 USER 331 SECRET 230 RETR gap-c22 550 NOOP 200 STOR gap-c22 550 TYPE 200 CWD gap-c21 550 QUIT 221"
			if got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
			for _, e := range cut {
				if !strings.HasPrefix("/srv/ftp/exports/2026/", e.Command.Arg) || e.Command.Arg == "" {
					t.Errorf("%s %q: want the path's captured start", e.Command.Verb, e.Command.Arg)
				}
			}
		})
	}
}

// TestCutCommandAfterLoginAskedDropped guards what ends the login for a
// cut command (provedLogin): a 331 or 332 (to a USER the capture holds,
// or one a gap took), a REIN or its 220; a 230 or a reply only a
// logged-in user draws proves it again. A cut line while a password may
// be due, or whose verb is a login's or SITE's, stays dropped, and no
// password shows.
func TestCutCommandAfterLoginAskedDropped(t *testing.T) {
	const retr = "RETR /srv/ftp/exports/2026/file1.csv\r\n"
	for _, tc := range []struct {
		name  string
		after func(v *conv)
		line  string
		kept  bool
	}{
		{"a USER the gap took, its 331, a refused PASS", func(v *conv) {
			v.loseCli("NOOP\r\nUSER administrator\r\n", 6)
			v.srv("200 ok\r\n")
			v.srv("331 Password required for administrator\r\n")
			v.cli("PASS AdminPass77\r\n")
			v.srv("530 Login incorrect.\r\n")
		}, retr, false},
		{"a USER the capture holds, a refused PASS", func(v *conv) {
			v.cli("USER administrator\r\n")
			v.srv("331 Password required for administrator\r\n")
			v.cli("PASS AdminPass77\r\n")
			v.srv("530 Login incorrect.\r\n")
		}, retr, false},
		{"a 332 to a PASS the gap took", func(v *conv) {
			v.loseCli("NOOP\r\nUSER x\r\nPASS AdminPass77\r\n", 6)
			v.srv("200 ok\r\n")
			v.srv("331 pw\r\n")
			v.srv("332 Need account\r\n")
			v.cli("NOOP\r\n")
			v.srv("200 ok\r\n")
		}, retr, false},
		{"a REIN the gap took, its 220", func(v *conv) {
			v.loseCli("NOOP\r\nREIN\r\n", 6)
			v.srv("200 ok\r\n")
			v.srv("220 Service ready for new user.\r\n")
			v.cli("NOOP\r\n")
			v.srv("200 ok\r\n")
		}, retr, false},
		{"a REIN the capture holds", func(v *conv) {
			v.cli("REIN\r\n")
			v.srv("220 Service ready for new user.\r\n")
		}, retr, false},
		{"a re-login proved by its 230", func(v *conv) {
			v.loseCli("NOOP\r\nUSER administrator\r\n", 6)
			v.srv("200 ok\r\n")
			v.srv("331 Password required for administrator\r\n")
			v.cli("PASS AdminPass77\r\n")
			v.srv("230 ok\r\n")
		}, retr, true},
		{"a refused re-login, then a 257: the login stood", func(v *conv) {
			v.cli("USER administrator\r\n")
			v.srv("331 Password required for administrator\r\n")
			v.cli("PASS AdminPass77\r\n")
			v.srv("530 Login incorrect.\r\n")
			v.cli("PWD\r\n")
			v.srv("257 \"/\"\r\n")
		}, retr, true},
		{"a USER refused while logged in: the login stands", func(v *conv) {
			v.loseCli("NOOP\r\nUSER root\r\n", 6)
			v.srv("200 ok\r\n")
			v.srv("530 Can't change to another user.\r\n")
			v.cli("NOOP\r\n")
			v.srv("200 ok\r\n")
		}, retr, true},
		{"a 331 to lost bytes, then the cut line: a password may be due", func(v *conv) {
			v.loseCli("NOOP\r\nUSER administrator\r\n", 6)
			v.srv("200 ok\r\n")
			v.srv("331 Password required for administrator\r\n")
		}, "RETR AdminPass77-and-more\r\n", false},
		{"a cut SITE", func(v *conv) {}, "SITE PSWD OldSecret9 NewSecret1\r\n", false},
		{"a cut USER", func(v *conv) {}, "USER administrator-and-more\r\n", false},
		{"a cut PASS", func(v *conv) {}, "PASS AdminPass77-and-more\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.loginBob()
			v.cli("NOOP\r\n")
			v.srv("200 ok\r\n")
			tc.after(v)
			v.cutCli(tc.line, 9, FlagACK|FlagPSH)
			v.srv("500 '" + strings.TrimSpace(tc.line) + "': command not understood\r\n")
			v.cli("QUIT\r\n")
			v.srv("221 bye\r\n")
			d.Finish()
			kept := false
			for _, e := range rec.control {
				if e.Kind == ControlCommand && e.RestNotCaptured {
					kept = true
				}
				text := e.Line + " " + e.Command.Arg
				if e.Reply != nil {
					text += " " + e.Reply.Text
				}
				if !e.Secret && !e.SecretEcho && (strings.Contains(text, "AdminPass77") || strings.Contains(text, "Secret")) {
					t.Errorf("a password shown: %+v", e)
				}
			}
			if kept != tc.kept {
				t.Errorf("cut line delivered %v, want %v: %s", kept, tc.kept, story(rec, false))
			}
		})
	}
}

// TestCutCommandMidstreamAfterLoginProof guards the choice for a session
// picked up mid-stream (decode/doc.go): no login is seen, and a cut
// command is delivered once a reply only a logged-in user draws (257 to
// PWD, 250, 150, 226) proved the login stood; before, never (the cut
// RETR's 550 answered "a command lost in a capture gap"). Without such a
// proof, or after a 331, it is dropped.
func TestCutCommandMidstreamAfterLoginProof(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(v *conv)
		line   string
		want   string
	}{
		{"after PWD's 257", func(v *conv) {
			v.cli("PWD\r\n")
			v.srv("257 \"/\"\r\n")
		}, "RETR /pub/some/long/file.bin\r\n", "PWD 257 RETR gap-c18 550 QUIT 221"},
		{"after a transfer's 226", func(v *conv) {
			v.srv("226 Transfer complete.\r\n")
			v.cli("NOOP\r\n")
			v.srv("200 ok\r\n")
		}, "RETR /pub/some/long/file.bin\r\n", "226 NOOP 200 RETR gap-c18 550 QUIT 221"},
		{"its first line: its start may be unseen", func(v *conv) {
			v.srv("226 Transfer complete.\r\n")
		}, "RETR /pub/some/long/file.bin\r\n", "226 gap-c18 550 QUIT 221"},
		{"after a NOOP's 200: no proof", func(v *conv) {
			v.cli("NOOP\r\n")
			v.srv("200 ok\r\n")
		}, "RETR /pub/some/long/file.bin\r\n", "NOOP 200 gap-c18 550 QUIT 221"},
		{"after a 257, a SITE: never", func(v *conv) {
			v.cli("PWD\r\n")
			v.srv("257 \"/\"\r\n")
		}, "SITE PSWD OldSecret9 NewSecret1\r\n", "PWD 257 gap-c21 550 QUIT 221"},
		{"after a 257, then a 331", func(v *conv) {
			v.cli("PWD\r\n")
			v.srv("257 \"/\"\r\n")
			v.cli("USER alice\r\n")
			v.srv("331 pw\r\n")
			v.cli("PASS AliceSecret1\r\n")
			v.srv("530 no\r\n")
		}, "RETR /pub/some/long/file.bin\r\n", "PWD 257 USER 331 SECRET 530 gap-c18 550 QUIT 221"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := cutLoginRun(t, true, func(v *conv) {
				tc.before(v)
				v.cutCli(tc.line, 12, FlagACK|FlagPSH)
				v.srv("550 no\r\n")
				v.cli("QUIT\r\n")
				v.srv("221 bye\r\n")
			})
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestLineCutTwoBytesShortNotTakenWhole guards a client line whose last
// bytes a snap length took, however few: the capture cannot tell its CR
// LF from the end of its text (a client whose lines end in LF alone,
// "PASS Guess0001\n" cut to "PASS Guess00"; a line sent in two segments,
// the first cut), so it is never delivered as whole: a USER names no
// user, a cut command after the login keeps its cut mark. (Taking the
// last two bytes for the CR LF read scripted guessers' passwords as one
// and named "alice1" for "alice12".)
func TestLineCutTwoBytesShortNotTakenWhole(t *testing.T) {
	for _, tc := range []struct {
		name    string
		steps   func(v *conv)
		verb    string
		notArgs []string
	}{
		{"a LF-only USER cut two bytes short", func(v *conv) {
			v.srv("220 hello\n")
			v.cutCli("USER alice12\n", len("USER alice1"), FlagACK|FlagPSH)
			v.srv("331 pw\n")
			v.cli("PASS s3cret\n")
			v.srv("230 ok\n")
		}, "USER", []string{"alice1"}},
		{"a CR LF USER cut in its line end", func(v *conv) {
			v.srv("220 hello\r\n")
			v.cutCli("USER anonymous\r\n", len("USER anonymous"), FlagACK|FlagPSH)
			v.srv("331 Anonymous login ok\r\n")
			v.cli("PASS guest@\r\n")
			v.srv("230 ok\r\n")
		}, "USER", []string{"anonymous"}},
		{"a RETR whose first segment is cut two bytes short", func(v *conv) {
			v.loginBob()
			v.cutCli("RETR /pub/report", len("RETR /pub/repo"), FlagACK|FlagPSH)
			v.cli(".txt\r\n")
			v.srv("550 no\r\n")
		}, "RETR", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			tc.steps(v)
			v.cli("QUIT\r\n")
			v.srv("221 bye\r\n")
			d.Finish()
			for _, e := range rec.control {
				if e.Kind != ControlCommand || e.Command.Verb != tc.verb {
					continue
				}
				for _, a := range tc.notArgs {
					if e.Command.Arg == a {
						t.Errorf("%s %q delivered as the whole line", e.Command.Verb, e.Command.Arg)
					}
				}
				if !e.RestNotCaptured {
					t.Errorf("%s %q delivered without its cut mark", e.Command.Verb, e.Command.Arg)
				}
			}
		})
	}
}
