package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A capture of the client's direction only holds USER alice and PASS with
// no reply: cleartext-login said "(its USER was before the capture)"
// though the USER is in it. The USER the capture holds is quoted.
func TestCleartextLoginQuotesAnUnansweredUSER(t *testing.T) {
	w := newWire(t, "192.0.2.10:50000", "203.0.113.5:21")
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	w.cmd("USER alice")
	w.cmd("PASS secret")
	w.cmd("QUIT")
	w.end()
	fs := w.c.all(CodeCleartextLogin)
	if len(fs) != 1 {
		dumpFindings(t, w.c)
		t.Fatalf("%d cleartext-login findings, want 1", len(fs))
	}
	ev := fs[0].Evidence
	if strings.Contains(ev, "before the capture") || !strings.Contains(ev, "USER alice (packet ") {
		t.Errorf("evidence: %s", ev)
	}
	if strings.Contains(ev, "secret") {
		t.Errorf("password shown: %s", ev)
	}
}
