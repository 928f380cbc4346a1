package decode

import (
	"strings"
	"testing"
)

// TestEchoOfASecretCutByTheLineBound: an over-long line keeps its first
// bytes and its last, glued, so a password line past the bound, or a
// reply that repeats one, holds the secret in no single run of bytes the
// echo check could find, and the refusal that repeated it was printed in
// the clear. The secret's own first bytes are fingerprinted (or, when too
// few are kept, every reply to it is taken for an echo), and a cut reply
// is taken for one while a secret is looked for.
func TestEchoOfASecretCutByTheLineBound(t *testing.T) {
	long := "Sx0123456789abcdefghij0123456789abcdefghij01TAILSECRETWORD99"
	token := strings.Repeat("q7Zk", 100) + "ENDTOK"
	for _, tc := range []struct {
		name    string
		maxLine int
		pass    string
		reply   string
		want    bool
	}{
		{"PASS over a 64-byte bound, echoed whole", 64, "PASS " + long, "530 " + long, true},
		{"PASS with too few of its own bytes kept", 64, "PASS" + strings.Repeat(" ", 50) + long, "530 " + long, true},
		{"a short password echoed where a long reply's tail begins", 0, "PASS Hunter2-Corp!Pass#42",
			"530 " + strings.Repeat("x", 5000) + " Hunter2-Corp!Pass#42 -" + strings.Repeat("y", 240), true},
		{"a long token echoed across the cut", 0, "PASS " + token, "530 Login incorrect: " + token + strings.Repeat(" ", 4000), true},
		{"a long welcome after a short password: not an echo", 0, "PASS s3cret", "230 " + strings.Repeat("w", 5000), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{MaxLine: tc.maxLine})
			v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
			v.handshake()
			v.srv("220 ready\r\n")
			v.cli("USER bob\r\n")
			v.srv("331 pw\r\n")
			v.cli(tc.pass + "\r\n")
			v.srv(tc.reply + "\r\n")
			d.Finish()
			var last *ControlEvent
			for i := range rec.control {
				if rec.control[i].Kind == ControlReply {
					last = &rec.control[i]
				}
			}
			if last == nil || last.Reply.Code != int(tc.reply[0]-'0')*100+int(tc.reply[1]-'0')*10+int(tc.reply[2]-'0') {
				t.Fatalf("no reply to the PASS")
			}
			if last.SecretEcho != tc.want {
				t.Errorf("SecretEcho %v, want %v (reply %.60q…)", last.SecretEcho, tc.want, last.Reply.Lines[0])
			}
		})
	}
}
