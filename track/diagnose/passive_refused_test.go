package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

func TestRefusesCommand(t *testing.T) {
	for _, tc := range []struct {
		code int
		text string
		want bool
	}{
		{500, "Unknown command", true},                   // Pure-FTPd -N
		{550, "Permission denied.", true},                // vsftpd pasv_enable=NO
		{502, "Command not implemented.", true},          // RFC 959's own
		{500, "PASV not understood", true},               // ProFTPD's unknown command
		{500, "OOPS: invalid pasv_address", false},       // vsftpd's fatal error: server-config-error
		{425, "Can't open passive connection", false},    // not the mode
		{550, "Failed to open file.", false},             // a transfer's failure
		{530, "Please login with USER and PASS.", false}, // not logged in
		{421, "Service not available, closing", false},   // going away
		{504, "Command not implemented for that parameter", true},
	} {
		if got := refusesCommand(&track.Reply{Code: tc.code, Text: tc.text}); got != tc.want {
			t.Errorf("%d %s: %v, want %v", tc.code, tc.text, got, tc.want)
		}
	}
}

// TestPassiveRefusedIsReported guards a failure no finding named
// (pcaps/real/pureftpd-natmode.pcap: Pure-FTPd -N answers EPSV and PASV
// with "500 Unknown command", curl gives up): passive-refused, a warning
// naming both refusals and Pure-FTPd's --natmode, once per session.
func TestPassiveRefusedIsReported(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/pureftpd-natmode.pcap", policy.Policy{})
	var got []*Finding
	for _, f := range rec.findings {
		if f.Code == CodePassiveRefused {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d passive-refused findings, want 1\n%s", len(got), render(rec, diag))
	}
	f := got[0]
	if f.Severity != SeverityWarning || !strings.Contains(f.Message, "refused EPSV") || !strings.Contains(f.Advice, "--natmode") {
		t.Errorf("%v %s\nfix: %s", f.Severity, f.Message, f.Advice)
	}
}
