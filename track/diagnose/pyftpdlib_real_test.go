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

// TestTLSResetAtClientHello guards the failure curl meets on pyftpdlib's
// FTPS (pcaps/real/pyftpdlib-ftps.pcap): each of its three data
// connections carries its ClientHello and is reset by the server with no
// ServerHello. Each is data-tls-reset, an error with pyftpdlib's advice,
// and the server's verdict no longer says the data connections worked;
// ftplib's data connection, which worked, raises nothing.
func TestTLSResetAtClientHello(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/pyftpdlib-ftps.pcap", policy.Policy{})
	n := 0
	for _, f := range rec.findings {
		if f.Code != CodeTLSReset {
			continue
		}
		n++
		if f.Severity != SeverityError || f.Data == nil || f.Data.Outcome.String() != "connected" || !strings.Contains(f.Advice, "pyftpdlib") {
			t.Errorf("%v %s\nfix: %s", f.Severity, f.Message, f.Advice)
		}
	}
	if n != 3 {
		t.Errorf("%d data-tls-reset findings, want 3\n%s", n, render(rec, diag))
	}
	sums := diag.Summaries()
	if len(sums) != 1 || strings.Contains(sums[0].Verdict, "worked") || !strings.Contains(sums[0].Verdict, "data-tls-reset") {
		t.Errorf("verdicts %+v", sums)
	}
}

// TestTLSResetNotWhenTheServerSpoke guards data-tls-reset against a
// capture that lost the server's ServerHello (frames 35, 37 and 44 of
// pcaps/real/pyftpdlib-ftps.pcap dropped: ftplib's download, which
// worked, and which pyftpdlib also ends with a reset): the server sent
// bytes, so its TLS did start, and only curl's three connections are
// reported.
func TestTLSResetNotWhenTheServerSpoke(t *testing.T) {
	path := withoutFrames(t, "../../pcaps/real/pyftpdlib-ftps.pcap", 35, 37, 44)
	rec, diag := run(t, path, policy.Policy{})
	for _, f := range rec.findings {
		if f.Code == CodeTLSReset && f.Data != nil && f.Data.ID == 1 {
			t.Errorf("data #1, whose server sent %d bytes, is called reset at its ClientHello\n%s", f.Data.Bytes[1], render(rec, diag))
		}
	}
}
