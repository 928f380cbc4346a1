package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestUnaskedSourceRefusal guards data-source-nat for pyftpdlib, which
// reports the data connection it dropped for its source with a 425 no
// command asked for (pcaps/real/pyftpdlib-data-source-nat*.pcap): the
// finding names the data connection's real source, 10.99.0.3, seen in
// the capture, and the replies that follow keep their commands (no
// "RETR ended with 213").
func TestUnaskedSourceRefusal(t *testing.T) {
	for _, name := range []string{"pyftpdlib-data-source-nat.pcap", "pyftpdlib-data-source-nat-2.pcap"} {
		rec, diag := run(t, "../../pcaps/real/"+name, policy.Policy{})
		n := 0
		for _, f := range rec.findings {
			switch f.Code {
			case CodeDataSourceNAT:
				n++
				if !strings.Contains(f.Message, "from 10.99.0.3") || !strings.Contains(f.Evidence, "unasked") {
					t.Errorf("%s: %s (evidence: %s)", name, f.Message, f.Evidence)
				}
			case CodeUnusualFinalReply:
				t.Errorf("%s: %s", name, f.Message)
			}
		}
		if n != 1 {
			t.Errorf("%s: %d data-source-nat findings, want 1\n%s", name, n, render(rec, diag))
		}
	}
}
