package diagnose

import (
	"strings"
	"testing"
)

// TestNotAttemptedSaysTransferCommandSent guards the words for a passive
// endpoint nobody connected to (nat64-v4.pcap, docker-proxy.pcap): when
// the client sent its transfer command and no reply came, the finding
// says the command was sent and left unanswered, never "sent no transfer
// command"; without one, it still says none was sent.
func TestNotAttemptedSaysTransferCommandSent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command string // "" for none
		want    string
		notWant string
	}{
		{"LIST unanswered", "LIST", `The client sent "LIST" for 198.51.100.10:40000 but never connected to it, and no reply to it came`, "sent no transfer command"},
		{"no transfer command", "", "sent no transfer command for it", `The client sent "`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "203.0.113.50:50000", "198.51.100.10:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (198,51,100,10,156,64).")
			if tc.command != "" {
				w.cmd(tc.command)
			}
			w.end()
			f := w.c.find(CodeDataNotAttempted)
			if f == nil {
				t.Fatalf("no data-not-attempted:\n%s", wireText(w))
			}
			if !strings.Contains(f.Message, tc.want) || strings.Contains(f.Message, tc.notWant) {
				t.Errorf("message %q: want %q, not %q", f.Message, tc.want, tc.notWant)
			}
		})
	}
}
