package decode

import (
	"strings"
	"testing"
	"unsafe"
)

// TestGapAfterLoginMayHideRelogin: a client gap after a finished login
// may hold a second USER and the PASS verb (relogin-gap.pcap: "USER
// alice\r\nPASS " lost, "wxyz 42" captured): the line after it is masked,
// however it reads, and the lines around it stay clear.
func TestGapAfterLoginMayHideRelogin(t *testing.T) {
	steps := []gapStep{
		srv("220 hi\r\n"), cli("USER alice\r\n"), srv("331 Please specify the password.\r\n"),
		cli("PASS first1\r\n"), srv("230 Login successful.\r\n"),
		cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"),
		lostCli("USER bob\r\nPASS "), cli("wxyz 42\r\n"),
		srv("331 Please specify the password.\r\n"), srv("230 Login successful.\r\n"),
		cli("PWD\r\n"), srv("257 \"/\"\r\n"),
	}
	lines, secret := clientLines(t, steps, false)
	clear := map[string]bool{"USER alice": false, "SYST": false, "PWD": false}
	for i, l := range lines {
		if !secret[i] && strings.Contains(strings.ToLower(l), "wxyz") {
			t.Errorf("password shown: %q (lines %q)", l, lines)
		}
		if _, ok := clear[l]; ok && !secret[i] {
			clear[l] = true
		}
	}
	for l, ok := range clear {
		if !ok {
			t.Errorf("%q not reported in clear (lines %q, secret %v)", l, lines, secret)
		}
	}
}

// TestGapHidesACCTTail: the tail of an ACCT line whose first bytes a gap
// took (CCT, CT, T) is masked even when a 230 came after the gap, as
// PASS's tails are (acct-gap.pcap showed "CCT SECRETACCT").
func TestGapHidesACCTTail(t *testing.T) {
	login := []gapStep{srv("220 hi\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS pw1\r\n"), srv("230 ok\r\n")}
	for _, tail := range []string{"CCT", "CT", "T"} {
		t.Run(tail, func(t *testing.T) {
			lost := "ACCT"[:4-len(tail)]
			steps := append(append([]gapStep{}, login...), lostCli(lost), srv("230 still here\r\n"), cli(tail+" SECRETACCT\r\n"), srv("202 ok\r\n"), cli("QUIT\r\n"))
			lines, secret := clientLines(t, steps, false)
			for i, l := range lines {
				if !secret[i] && strings.Contains(l, "SECRETACCT") {
					t.Errorf("account shown: %q (lines %q)", l, lines)
				}
			}
			if n := len(lines); n == 0 || lines[n-1] != "QUIT" || secret[n-1] {
				t.Errorf("QUIT not in clear: %q %v", lines, secret)
			}
		})
	}
}

// echoReplies runs the script and returns each reply's first line and
// whether decode marked it as repeating a masked line.
func echoReplies(t *testing.T, steps []gapStep) ([]string, []bool) {
	t.Helper()
	rec, d, v := openConv(t)
	for _, s := range steps {
		if s.server {
			v.srv(s.text)
		} else {
			v.cli(s.text)
		}
	}
	d.Finish()
	var lines []string
	var echo []bool
	for _, e := range rec.control {
		if e.Kind == ControlReply {
			lines = append(lines, e.Reply.Lines[0])
			echo = append(echo, e.SecretEcho)
		}
	}
	return lines, echo
}

// TestReplyEchoingPasswordIsSecret: a server that repeats the line it did
// not understand (BSD ftpd: "500 HUNTER2ECHO: command not understood.")
// repeats a password decode masked; that reply is marked (SecretEcho),
// up to the final reply to the line, and no other is.
func TestReplyEchoingPasswordIsSecret(t *testing.T) {
	tests := []struct {
		name  string
		steps []gapStep
		want  []bool // SecretEcho of each reply, greeting first
	}{
		{"bare line after 331, upper-cased echo", []gapStep{
			srv("220 ready.\r\n"), cli("USER bob\r\n"), srv("331 Password required for bob.\r\n"),
			cli("Hunter2Echo\r\n"), srv("500 HUNTER2ECHO: command not understood.\r\n"),
			cli("QUIT\r\n"), srv("221 Goodbye hunter2echo.\r\n"),
		}, []bool{false, false, true, false}},
		{"mangled PASS", []gapStep{
			srv("220 ready.\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS x1\r\n"), srv("530 Login incorrect.\r\n"),
			cli("PASS\tTabSecret9\r\n"), srv("500 PASS\tTABSECRET9: command not understood.\r\n"),
		}, []bool{false, false, false, true}},
		{"preliminary and final", []gapStep{
			srv("220 ready.\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"),
			cli("Sesame77\r\n"), srv("150 checking sesame77\r\n"), srv("530 sesame77 refused\r\n"),
			cli("NOOP\r\n"), srv("200 sesame77 is not a secret any more\r\n"),
		}, []bool{false, false, true, true, false}},
		{"SITE PSWD", []gapStep{
			srv("220 Serv-U\r\n"), cli("SITE PSWD OldSecret1 NewSecret2\r\n"), srv("500 'SITE PSWD OLDSECRET1 NEWSECRET2': not understood\r\n"),
		}, []bool{false, true}},
		{"short secret not looked for", []gapStep{
			srv("220 ready.\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS ab\r\n"), srv("530 ab ab ab\r\n"),
		}, []bool{false, false, false}},
		// A welcome that happens to hold a common password is no echo:
		// only a refusal of a well-formed PASS is looked at.
		{"anonymous welcome holds the password", []gapStep{
			srv("220 ProFTPD\r\n"), cli("USER anonymous\r\n"), srv("331 Anonymous login ok\r\n"), cli("PASS anonymous\r\n"), srv("230 Anonymous access granted, restrictions apply\r\n"),
		}, []bool{false, false, false}},
		{"guest welcome holds the password", []gapStep{
			srv("220 wu-ftpd\r\n"), cli("USER guest\r\n"), srv("331 Guest login ok, send your complete e-mail address as password.\r\n"), cli("PASS guest\r\n"), srv("230 Guest login ok, access restrictions apply.\r\n"),
		}, []bool{false, false, false}},
		{"refusal echoes a well-formed PASS", []gapStep{
			srv("220 ready.\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS SecretAB3\r\n"), srv("530 Login incorrect for bob/SECRETAB3\r\n"),
		}, []bool{false, false, true}},
		{"superfluous ACCT echoed", []gapStep{
			srv("220 ready.\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS s3cret\r\n"), srv("230 Login successful.\r\n"),
			cli("ACCT S3cretACCT2\r\n"), srv("202 ACCT not needed S3cretACCT2\r\n"),
		}, []bool{false, false, false, true}},
		{"no echo", []gapStep{
			srv("220 ready.\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS s3cret\r\n"), srv("230 Login successful.\r\n"),
			cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"),
		}, []bool{false, false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, echo := echoReplies(t, tt.steps)
			if len(echo) != len(tt.want) {
				t.Fatalf("replies %q, want %d", lines, len(tt.want))
			}
			for i := range echo {
				if echo[i] != tt.want[i] {
					t.Errorf("reply %q: SecretEcho %v, want %v", lines[i], echo[i], tt.want[i])
				}
			}
		})
	}
}

// FuzzEchoIn: the fingerprint check finds every case-insensitive
// occurrence of the secret (a false negative would show a password).
func FuzzEchoIn(f *testing.F) {
	f.Add("Hunter2Echo", "500 HUNTER2ECHO: command not understood.")
	f.Add("abc", "xxabcxx")
	f.Add("TabSecret9", "PASS\tTABSECRET9")
	f.Fuzz(func(t *testing.T, secret, text string) {
		var p sessionParser
		armEcho(&p, secret)
		// (Control bytes before it are trimmed too: "PASS\x00hunter2".)
		s := strings.TrimRight(strings.TrimLeftFunc(secret, func(r rune) bool { return r <= ' ' }), " \t")
		if len(s) < minEcho {
			if p.echoLen != 0 {
				t.Fatalf("secret %q of %d bytes armed", secret, len(s))
			}
			return
		}
		s = s[:min(len(s), maxEcho)]
		if lowerASCII(text) != "" && strings.Contains(lowerASCII(text), lowerASCII(s)) && !echoIn(text, p.echoSum, int(p.echoLen)) {
			t.Fatalf("%q not found in %q", s, text)
		}
	})
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// TestSitePasswordArgIsSecret: SITE PSWD old new (Serv-U) carries
// passwords in its argument: SecretArg, not Secret (which would make it a
// PASS), in any case; other SITE commands are not masked.
func TestSitePasswordArgIsSecret(t *testing.T) {
	for _, tt := range []struct {
		line string
		want bool
	}{
		{"SITE PSWD OldSecret1 NewSecret2", true},
		{"site pswd old new", true},
		{"SITE  Pswd old new", true},
		{"SITE PSWDX a", false},
		{"SITE CHMOD 644 PSWD", false},
		{"SITE", false},
	} {
		rec, d, v := openConv(t)
		v.srv("220 hi\r\n")
		v.cli(tt.line + "\r\n")
		v.srv("200 ok\r\n")
		d.Finish()
		found := false
		for _, e := range rec.control {
			if e.Kind == ControlCommand {
				found = true
				if e.SecretArg != tt.want || e.Secret {
					t.Errorf("%q: SecretArg %v Secret %v, want SecretArg %v", tt.line, e.SecretArg, e.Secret, tt.want)
				}
			}
		}
		if !found {
			t.Errorf("%q: no command", tt.line)
		}
	}
}

// TestPipelinedClientKeepsMultilineReply: a client that sends its next
// command before a multi-line reply's closing line arrives does not end
// the reply at a body line that starts with another code ("200 GB of free
// space" inside a 230- reply, closedby.pcap): RFC 959 4.2 ends it only at
// "230 ". A server that ends it with another code before the client
// speaks is still read so: the server's next line starts another reply.
func TestPipelinedClientKeepsMultilineReply(t *testing.T) {
	head := []gapStep{srv("220 ProFTPD Server ready.\r\n"), cli("USER u\r\n"), srv("331 Password required for u\r\n"), cli("PASS p\r\n")}
	tests := []struct {
		name  string
		steps []gapStep
		want  []string // each reply's lines, joined by "|"
	}{
		{"pipelined PWD", []gapStep{
			srv("230-Welcome to the archive\r\n200 GB of free space is available to you\r\n"), cli("PWD\r\n"),
			srv("230 User u logged in\r\n"), srv("257 \"/\" is the current directory\r\n"),
		}, []string{"230-Welcome to the archive|200 GB of free space is available to you|230 User u logged in", "257 \"/\" is the current directory"}},
		{"pipelined, more body", []gapStep{
			srv("230-Welcome to the archive\r\n200 GB of free space is available to you\r\n"), cli("PWD\r\n"),
			srv("enjoy\r\n230 User u logged in\r\n257 \"/\"\r\n"),
		}, []string{"230-Welcome to the archive|200 GB of free space is available to you|enjoy|230 User u logged in", "257 \"/\""}},
		{"closed by another code", []gapStep{
			srv("230-Welcome to the archive\r\n200 User u logged in, proceed.\r\n"), cli("PWD\r\n"),
			srv("257 \"/\" is the current directory\r\n"),
		}, []string{"230-Welcome to the archive|200 User u logged in, proceed.", "257 \"/\" is the current directory"}},
		{"closed by another code, then the end", []gapStep{
			srv("230-Welcome to the archive\r\n200 User u logged in, proceed.\r\n"), cli("QUIT\r\n"),
		}, []string{"230-Welcome to the archive|200 User u logged in, proceed."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			for _, s := range append(append([]gapStep{}, head...), tt.steps...) {
				if s.server {
					v.srv(s.text)
				} else {
					v.cli(s.text)
				}
			}
			d.Finish()
			var got []string
			for _, e := range rec.control {
				if e.Kind == ControlReply {
					got = append(got, strings.Join(e.Reply.Lines, "|"))
				}
			}
			if len(got) < 2 {
				t.Fatalf("replies %q", got)
			}
			got = got[2:] // the greeting and the 331
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("replies\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestSessionParserSize: the parser keeps the control connection in its
// allocation class (see sessionParser): 8 bytes more cost 128 a
// connection.
func TestSessionParserSize(t *testing.T) {
	if n := unsafe.Sizeof(sessionParser{}); n > 400 {
		t.Errorf("sessionParser is %d bytes, more than 400", n)
	}
}
