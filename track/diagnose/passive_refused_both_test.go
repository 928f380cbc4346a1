package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestPassiveRefusedAfterPortRefusedNamesNoMode guards passive-refused
// in a session whose own PORT the server refused too (the lab's vsftpd
// with port_enable=NO and pasv_enable=NO, a client that tried PORT then
// PASV): it must not say active mode can work, nor may the server's
// verdict send the clients to passive mode, which they were refused.
func TestPassiveRefusedAfterPortRefusedNamesNoMode(t *testing.T) {
	w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
	w.reply(220, "(vsFTPd 3.0.5)")
	w.cmd("USER anonymous")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS guest")
	w.reply(230, "Login successful.")
	w.announceActive(ftp.ViaPORT, ap("198.51.100.22:39425"), 550, "Permission denied.")
	w.cmd("PASV")
	w.reply(550, "Permission denied.")
	w.end()
	f := w.c.find(CodePassiveRefused)
	if f == nil || w.c.find(CodeActiveRefused) == nil {
		t.Fatalf("want passive-refused and active-refused, got %v", codesOf(w.c))
	}
	if strings.Contains(f.Message, "Only active mode") || !strings.Contains(f.Message, "refused active mode in this session too") {
		t.Errorf("passive-refused points at active mode, refused in the same session: %s", f.Message)
	}
	for _, sum := range w.d.Summaries() {
		if strings.Contains(sum.Verdict, "use passive mode on the clients") {
			t.Errorf("verdict sends clients to passive mode, refused: %s", sum.Verdict)
		}
	}
}
