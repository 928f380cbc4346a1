package diagnose

import (
	"fmt"
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
	if f.Severity != SeverityError || !strings.Contains(f.Message, "refused EPSV") || !strings.Contains(f.Advice, "--natmode") {
		t.Errorf("%v %s\nfix: %s", f.Severity, f.Message, f.Advice)
	}
}

// TestPassiveRefused: a PASV refused as a command is passive mode turned
// off, once per session; not when EPSV worked in that session (only PASV
// is off, and the client has what it needs), and not for vsftpd's fatal
// "500 OOPS: ..." (server-config-error's).
func TestPassiveRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		epsv  int // EPSV's reply first, 0 for none
		reply string
		want  bool
	}{
		{"vsftpd pasv_enable=NO", 0, "550 Permission denied.", true},
		{"EPSV refused too", 500, "500 Unknown command", true},
		{"EPSV worked: only PASV is off", 229, "502 Command not implemented.", false},
		{"vsftpd's fatal error", 0, "500 OOPS: invalid pasv_address", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
			w.reply(220, "(vsFTPd 3.0.5)")
			switch tc.epsv {
			case 229:
				w.cmd("EPSV")
				w.reply(229, "Entering Extended Passive Mode (|||40001|)")
			case 500:
				w.cmd("EPSV")
				w.reply(500, "Unknown command")
			}
			w.cmd("PASV")
			code := 0
			fmt.Sscanf(tc.reply, "%d", &code)
			w.reply(code, tc.reply[4:])
			w.cmd("PASV")
			w.reply(code, tc.reply[4:])
			w.end()
			n := 0
			for _, f := range w.c.fs {
				if f.Code == CodePassiveRefused {
					n++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.want]; n != want {
				t.Errorf("%d passive-refused findings, want %d", n, want)
			}
		})
	}
}

// TestPassiveRefusedSeverityAsActiveRefused guards rv-real2's
// pasv-disabled.pcap (vsftpd pasv_enable=NO, every client failed):
// passive-refused was a warning where active-refused, in the same
// situation (port-disabled.pcap), is an error, and the verdict read "5
// data endpoint announcements ... were refused or got no reply: no data
// connection was expected". A session the refusal left with no data
// connection is an error now, and the verdict says the server refused
// passive mode and how to turn it on; one where active mode worked
// keeps its warning (pureftpd-natmode above: curl -P - transferred in
// another session, so the verdict leads with what worked).
func TestPassiveRefusedSeverityAsActiveRefused(t *testing.T) {
	w := newWire(t, "10.99.0.2:53452", "10.99.0.1:21")
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER anonymous")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS a@b")
	w.reply(230, "Login successful.")
	w.cmd("EPSV")
	w.reply(550, "Permission denied.")
	w.cmd("PASV")
	w.reply(550, "Permission denied.")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	var got []*Finding
	for _, f := range w.c.fs {
		if f.Code == CodePassiveRefused {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].Severity != SeverityError {
		dumpFindings(t, w.c)
		t.Fatalf("want one passive-refused error")
	}
	v := serverSummary(t, w.d, "10.99.0.1:21").Verdict
	for _, want := range []string{"the server refused passive mode", "(\"550 Permission denied.\")", "see passive-refused", "set pasv_enable=YES, or use active mode"} {
		if !strings.Contains(v, want) {
			t.Errorf("verdict %q lacks %q", v, want)
		}
	}
	if strings.Contains(v, "no data connection was expected") {
		t.Errorf("verdict %q", v)
	}
}
