package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorLinesEscaped guards the "ftpsniff: ..." lines on stderr: an
// error names a file (or quotes a line of a server's configuration) and
// whatever control or format character that name holds is printed
// escaped, whichever path prints it: main's last error, read's earlier
// errors (none of the files opened, or some), --vantage's earlier errors,
// and a server configuration's bad line.
func TestErrorLinesEscaped(t *testing.T) {
	dir := t.TempDir()
	good := "../../pcaps/real/pasv-drop.pcap"
	bad1 := filepath.Join(dir, "bad\x1b[31mname\u202e.pcap")
	bad2 := filepath.Join(dir, "other\x1b]0;owned\x07.pcap")
	for _, f := range []string{bad1, bad2} {
		if err := os.WriteFile(f, []byte("garbage, not a capture"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "proftpd.conf")
	if err := os.WriteFile(conf, []byte("PassivePorts 1 \x1b]0;x\x07\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const shown1, shown2 = `bad\x1b[31mname\u202e.pcap`, `other\x1b]0;owned\a.pcap`
	for _, tc := range []struct {
		what string
		args []string
		want []string
	}{
		{"one file", []string{"read", bad1}, []string{shown1}},
		{"no file opened", []string{"read", bad1, bad2}, []string{shown1, shown2}},
		{"some opened", []string{"read", "--json", good, bad1, bad2}, []string{shown1, shown2}},
		{"vantage", []string{"read", "--vantage", "a=" + bad1, "--vantage", "b=" + bad2}, []string{shown1, shown2}},
		{"server config", []string{"read", "--server-config", conf, good}, []string{`PassivePorts 1 \x1b]0;x\a`}},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != exitError {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tc.what, code, exitError, stderr.String())
		}
		assertNoTerminalControls(t, tc.what, stderr.String())
		for _, w := range tc.want {
			if !strings.Contains(stderr.String(), w) {
				t.Errorf("%s: stderr %q does not say %q", tc.what, stderr.String(), w)
			}
		}
		if n := strings.Count(stderr.String(), "ftpsniff: "); n != len(tc.want) {
			t.Errorf("%s: %d error lines, want %d: %q", tc.what, n, len(tc.want), fmt.Sprint(stderr.String()))
		}
	}
}
