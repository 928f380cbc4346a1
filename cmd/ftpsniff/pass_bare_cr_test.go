package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	hostileshapes "github.com/ftpsniff/ftpsniff/pcaps/hostile"
)

// TestBareCRPasswordNeverShown: pass-bare-cr.pcap sends "PASS \r" and a
// password that begins with a command word in the same line ("Site
// 2024!" to a server that reads it as a line of its own and repeats it in
// its 500, "List 4u2c!" to one that reads it as the PASS's argument). No
// output shows either, nor the 500's echo; the command a client sent after
// its empty PASS was answered (SITE HELP) is shown (where commands are).
func TestBareCRPasswordNeverShown(t *testing.T) {
	const capFile = "../../pcaps/synthetic/pass-bare-cr.pcap"
	report := filepath.Join(t.TempDir(), "report.html")
	for _, args := range [][]string{
		{"read", "--color", "never"},
		{"read", "--json"},
		{"read", "--format", "zeek"},
		{"read", "--color", "never", "--summary", "--report", report},
		{"read", "--color", "never", "-v"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append(args, capFile), &stdout, &stderr); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
		}
		out := strings.ToLower(stdout.String() + stderr.String())
		if slices.Contains(args, "--report") {
			html, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			out += strings.ToLower(string(html))
		}
		for _, secret := range []string{"2024", "4u2c"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows the password %q:\n%s", args, secret, stdout.String())
			}
		}
		if !slices.Contains(args, "--summary") && !strings.Contains(out, "site help") && !strings.Contains(out, `"arg":"help"`) {
			t.Errorf("%q hides the SITE HELP sent after the empty PASS's reply:\n%s", args, stdout.String())
		}
	}
}

// TestHostilePasswordsNeverShown: no output of the hostile passwords
// shape (pcaps/hostile: a PASS whose first byte the capture lost,
// PASS<TAB>, a NUL before PASS, "PASS \rSite ..." to a server that reads
// the password as a command and repeats it) holds any of its passwords,
// in any case.
func TestHostilePasswordsNeverShown(t *testing.T) {
	s, ok := hostileshapes.Lookup("passwords")
	if !ok {
		t.Fatal("no passwords shape")
	}
	capFile, err := s.WriteFile(t.TempDir(), hostileshapes.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"read", "--color", "never"}, {"read", "--json"}, {"read", "--format", "zeek"}} {
		var stdout, stderr bytes.Buffer
		if code := run(append(args, capFile), &stdout, &stderr); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
		}
		out := strings.ToLower(stdout.String() + stderr.String())
		for _, secret := range hostileshapes.Secrets {
			if strings.Contains(out, strings.ToLower(secret)) {
				t.Errorf("%q shows the password %q:\n%s", args, secret, stdout.String())
			}
		}
		if !strings.Contains(out, "dave") {
			t.Errorf("%q: no fourth session (user dave):\n%s", args, stdout.String())
		}
	}
}
