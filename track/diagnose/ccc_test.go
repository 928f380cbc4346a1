package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestCCCThatBreaksTheSessionIsSaid guards ftps-ccc-proftpd (lftp's CCC
// against ProFTPD): in session 1 the server read lftp's TLS record as a
// command after CCC and answered "500 \x17\x03\x03 not understood" in clear
// text, and lftp reset. That is said (a warning naming CCC), and the
// server's verdict, whose only data connection was announced in clear
// text after session 2's CCC, does not claim that no helper can follow
// its data connections.
func TestCCCThatBreaksTheSessionIsSaid(t *testing.T) {
	rec, d := realRun(t, "ftps-ccc-proftpd.pcap", policy.Policy{})
	var got []string
	for _, f := range rec.findings {
		if f.Code != CodeControlEncrypted {
			continue
		}
		got = append(got, f.Severity.String()+" "+f.Message)
		if f.Session.ID == 1 {
			for _, w := range []string{"echoes a TLS record header", "the session ended there"} {
				if !strings.Contains(f.Message, w) {
					t.Errorf("session 1's finding lacks %q: %s", w, f.Message)
				}
			}
			if f.Severity != SeverityWarning || !strings.Contains(f.Advice, "ssl-use-ccc no") {
				t.Errorf("session 1: %v, advice %q", f.Severity, f.Advice)
			}
		}
		if f.Session.ID == 2 && (f.Severity != SeverityInfo || strings.Contains(f.Message, "echoes")) {
			t.Errorf("session 2 (CCC that worked): %v %s", f.Severity, f.Message)
		}
	}
	if len(got) != 2 {
		t.Fatalf("control-encrypted findings: %q", got)
	}
	sum := serverSummary(t, d, "10.99.0.1:21")
	if strings.Contains(sum.Verdict, "no firewall helper can follow") || strings.Contains(sum.Verdict, "encrypted") {
		t.Errorf("verdict speaks of hidden data connections: %s", sum.Verdict)
	}
}

// TestEchoesTLSRecord guards what counts as a TLS record header echoed in
// a reply's words.
func TestEchoesTLSRecord(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"\x17\x03\x03 not understood", true},
		{"'\x15\x03\x01': command not understood", true},
		{"\x16\x03", false},       // too short to tell
		{"\x17\x04\x03 x", false}, // no version 3.x
		{"\x18\x03\x03 x", false}, // no content type
		{"Command not understood", false},
		{"", false},
	} {
		if got := echoesTLSRecord(tc.text); got != tc.want {
			t.Errorf("echoesTLSRecord(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestCCCRuleNeedsTLSFromBoth guards the CCC reading against a server that
// never began TLS: the client's ClientHello came back echoed in a clear 500
// ("500 \x16\x03\x01 not understood"). That is serverNoTLS (look at the
// server's TLS configuration), not client and server leaving TLS at
// different points, which needs TLS bytes from both.
func TestCCCRuleNeedsTLSFromBoth(t *testing.T) {
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	cmd(s, 5, "AUTH", "TLS", 234, "Proceed with negotiation.")
	d := New(policy.Policy{}, nil, &collect{})
	d.SessionStart(s)
	for _, x := range s.Commands {
		d.Command(s, x)
	}
	d.Event(s, &track.Event{Kind: track.EventCleartext, Num: 9, TLSSent: [2]uint16{517, 0}})
	d.Event(s, &track.Event{Kind: track.EventReplyNoCommand, Num: 9, Code: 500, Text: "\x16\x03\x01 not understood"})
	st := d.state(s)
	f := d.encryptedFinding(s, st)
	if f == nil || strings.Contains(f.Message, "disagree on where TLS ends") || !strings.Contains(f.Message, "never started TLS") {
		t.Fatalf("finding %+v", f)
	}
}
