package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagNeedsItsParent guards the flags that act only with another one:
// given without it they are a usage error of one line naming both (as
// --helper-ports, --report-sessions and --extract-listings were), not
// silently ignored; and a limit out of range names the value given.
// Before, --community-id-seed without --community-id, --extract-max-*
// without --extract, --session 0, live's --metrics-servers without
// --metrics, and --observer or --community-id with the text output ran
// and exited 0, and the range errors did not say the value.
// The live cases name an interface that does not exist: were a flag let
// through, live would fail to open it (another message), not capture.
func TestFlagNeedsItsParent(t *testing.T) {
	const noIface = "ftpsniff-none0"
	capFile := filepath.Join("..", "..", "pcaps", "real", "passive-curl.pcap")
	if _, err := os.Stat(capFile); err != nil {
		t.Skipf("%s absent", capFile)
	}
	xdir := filepath.Join(t.TempDir(), "x")
	for _, tc := range []struct {
		args []string
		want []string // in the one stderr line
	}{
		{[]string{"read", "--community-id-seed", "5", capFile}, []string{"--community-id-seed 5", "needs --community-id"}},
		{[]string{"read", "--community-id-seed", "0", capFile}, []string{"--community-id-seed 0", "needs --community-id"}},
		{[]string{"read", "--extract-max-file", "-5", capFile}, []string{"--extract-max-file", "needs --extract"}},
		{[]string{"read", "--extract-max-open", "0", capFile}, []string{"--extract-max-open", "needs --extract"}},
		{[]string{"read", "--extract-max-total", "100", capFile}, []string{"--extract-max-total", "needs --extract"}},
		{[]string{"read", "--extract", xdir, "--extract-max-file", "-5", capFile}, []string{"--extract-max-file", "not -5"}},
		{[]string{"read", "--extract", xdir, "--extract-max-open", "0", capFile}, []string{"--extract-max-open", "not 0"}},
		{[]string{"read", "--extract", xdir, "--extract-max-total", "-1", capFile}, []string{"--extract-max-total", "not -1"}},
		{[]string{"read", "--observer", "gw1", capFile}, []string{"--observer", "needs --json or --format zeek"}},
		{[]string{"read", "--community-id", capFile}, []string{"--community-id", "needs --json or --format zeek"}},
		{[]string{"read", "--format", "text", "--community-id", capFile}, []string{"--community-id", "needs --json or --format zeek"}},
		{[]string{"live", "-i", noIface, "--observer", "gw1"}, []string{"--observer", "needs --json or --format zeek"}},
		{[]string{"read", "--public-address", "0.0.0.0", capFile}, []string{"--public-address 0.0.0.0", "no address a client can connect to"}},
		{[]string{"read", "--public-address", "::", capFile}, []string{"--public-address ::", "no address a client can connect to"}},
		{[]string{"read", "--session", "0", capFile}, []string{"--session 0: not a session number"}},
		{[]string{"read", "--session", "-3", capFile}, []string{"--session -3: not a session number"}},
		{[]string{"read", "--max-line", "5", capFile}, []string{"--max-line", "not 5"}},
		{[]string{"read", "--report", filepath.Join(t.TempDir(), "r.html"), "--report-sessions", "-1", capFile}, []string{"--report-sessions", "not -1"}},
		{[]string{"live", "-i", noIface, "--community-id-seed", "3"}, []string{"--community-id-seed 3", "needs --community-id"}},
		{[]string{"live", "-i", noIface, "--extract-max-open", "4"}, []string{"--extract-max-open", "needs --extract"}},
		{[]string{"live", "-i", noIface, "--metrics-servers", "5"}, []string{"--metrics-servers", "needs --metrics"}},
		{[]string{"live", "-i", noIface, "--metrics", "127.0.0.1:0", "--metrics-servers", "-2"}, []string{"--metrics-servers", "not -2"}},
		{[]string{"live", "-i", noIface, "--buffer-size", "0"}, []string{"--buffer-size", "not 0"}},
		{[]string{"live", "-i", noIface, "--unanswered-wait", "10ms"}, []string{"--unanswered-wait", "not 10ms"}},
		{[]string{"live", "-i", noIface, "--workers", "99"}, []string{"--workers", "not 99"}},
		{[]string{"live", "-i", noIface, "--duration", "-1s"}, []string{"--duration", "not -1s"}},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		line := strings.TrimSuffix(stderr.String(), "\n")
		if code != exitError || strings.Contains(line, "\n") || !strings.HasPrefix(line, "ftpsniff: ") {
			t.Errorf("%q: exit %d, stderr %q: want 2 and one line", tc.args, code, stderr.String())
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("%q: stderr %q does not say %q", tc.args, line, w)
			}
		}
	}
	if _, err := os.Stat(xdir); err == nil {
		t.Errorf("a refused --extract-max-* still created the --extract folder")
	}
	// The parents given, the same flags run.
	for _, args := range [][]string{
		{"read", "--json", "--community-id", "--community-id-seed", "5", capFile},
		{"read", "--format", "zeek", "--observer", "gw1", "--community-id", capFile},
		{"read", "--json", "--observer", "gw1", capFile},
		{"read", "--session", "1", capFile},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != exitOK {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr.String())
		}
	}
}

// TestSessionBeyondCaptureExitsZero guards what README promises of a
// session number the capture does not hold: the input was read, so exit
// 0, and stderr says which sessions there are (a fact of the input, not
// a usage error).
func TestSessionBeyondCaptureExitsZero(t *testing.T) {
	capFile := filepath.Join("..", "..", "pcaps", "real", "passive-curl.pcap")
	if _, err := os.Stat(capFile); err != nil {
		t.Skipf("%s absent", capFile)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"read", "--session", "99", capFile}, &stdout, &stderr)
	if code != exitOK || !strings.Contains(stderr.String(), "--session 99: the capture holds ") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestUsageErrorEscapedOnce guards the escaping of a value a usage error
// quotes: %q escaped the control character already, and the error line
// escaped the backslash again ("gw\\x1b[31m1"). Still escaped, once.
func TestUsageErrorEscapedOnce(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"read", "--observer", "gw\x1b[31m1", "x.pcap"}, `--observer "gw\x1b[31m1" holds`},
		{[]string{"read", "--host", "1\x1b", "x.pcap"}, `--host "1\x1b" is not`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if code != exitError || !strings.Contains(stderr.String(), tc.want) || strings.ContainsRune(stderr.String(), 0x1b) {
			t.Errorf("%q: exit %d, stderr %q: want %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// TestReportErrorNamesTheFile guards --report into a folder that is not
// there: the message names the file the admin gave and the reason, not
// the temporary file ftpsniff tried to create beside it (before:
// "open /nonexist/dir/.ftpsniff-report-1842157613: ...").
func TestReportErrorNamesTheFile(t *testing.T) {
	capFile := filepath.Join("..", "..", "pcaps", "real", "passive-curl.pcap")
	if _, err := os.Stat(capFile); err != nil {
		t.Skipf("%s absent", capFile)
	}
	rep := filepath.Join(t.TempDir(), "missing", "r.html")
	var stdout, stderr bytes.Buffer
	code := run([]string{"read", "--report", rep, capFile}, &stdout, &stderr)
	want := "ftpsniff: --report " + rep + ": no such file or directory\n"
	if code != exitError || stderr.String() != want {
		t.Errorf("exit %d, stderr %q, want %q", code, stderr.String(), want)
	}
}

// TestHelperPortsEmptyItemRefused guards --helper-ports with an empty
// item ("21,,22", "21,": a port lost to a variable that expanded to
// nothing): refused, as --pasv-range refuses it. Before, the empty item
// was skipped and the rest taken.
func TestHelperPortsEmptyItemRefused(t *testing.T) {
	for _, bad := range []string{"21,,22", "21,", ",21", "21, ,22"} {
		if ps, err := parsePortSet(bad); err == nil {
			t.Errorf("parsePortSet(%q) = %v, accepted", bad, ps)
		}
	}
	if ps, err := parsePortSet(" 21, 2121 "); err != nil || ps.String() != "21,2121" {
		t.Errorf("parsePortSet(\" 21, 2121 \") = %v, %v", ps, err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"read", "--helper", "linux", "--helper-ports", "21,,22", "x.pcap"}, &stdout, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), `--helper-ports "21,,22": an empty item`) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
