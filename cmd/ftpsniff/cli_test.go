package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestCLIErrors checks that bad usage and bad input give one line on
// stderr naming what is wrong, and exit 2, never a usage dump or a panic.
func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	notCapture := filepath.Join(dir, "notes.pcap")
	if err := os.WriteFile(notCapture, []byte("<html>not a capture</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pcap")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // in the one stderr line
		code int
	}{
		{"no files", []string{"read"}, "needs at least one capture file", 2},
		{"unknown flag", []string{"read", "--bogus", "x.pcap"}, "--bogus: no such flag", 2},
		{"bad color", []string{"read", "--color", "pink", "x.pcap"}, "--color must be", 2},
		{"bad control port", []string{"read", "--control-port", "70000", "x.pcap"}, "", 2},
		{"missing file", []string{"read", filepath.Join(dir, "nope.pcap")}, "nope.pcap", 2},
		{"not a capture", []string{"read", notCapture}, "notes.pcap: not a pcap or pcapng file", 2},
		{"empty file", []string{"read", empty}, "empty.pcap", 2},
		{"unknown command", []string{"frobnicate"}, "unknown command", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "ftpsniff: ") {
				t.Errorf("stderr is not one ftpsniff: line: %q", stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.want)
			}
		})
	}
}

// TestTruncatedCaptureKeepsResults: a capture cut mid-record still reports
// what it held, then the error, and exits 2.
func TestTruncatedCaptureKeepsResults(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"read", "--json", "../../pcaps/synthetic/truncated.pcap"}, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stdout.String(), `"outcome":"transferred"`) {
		t.Errorf("the transfer before the cut is not reported:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "truncated.pcap: truncated packet record") {
		t.Errorf("stderr %q does not name the file and the fault", stderr.String())
	}
}

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(stdout.String(), "ftpsniff ") {
		t.Errorf("--version printed %q", stdout.String())
	}
}

// TestStdin reads a capture from standard input with "-".
func TestStdin(t *testing.T) {
	f, err := os.Open("../../pcaps/synthetic/walkthrough.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "-"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "227 Entering Passive Mode (192,168,1,10,15,128).  = 192.168.1.10:3968") {
		t.Errorf("walkthrough not decoded from stdin:\n%s", stdout.String())
	}
}

// TestPasswordsMasked: PASS arguments are masked unless asked for.
func TestPasswordsMasked(t *testing.T) {
	for _, args := range [][]string{{"read", "--color", "never"}, {"read", "--json"}} {
		var stdout, stderr bytes.Buffer
		run(append(args, "../../pcaps/synthetic/walkthrough.pcap"), &stdout, &stderr)
		if strings.Contains(stdout.String(), "guest@example.com") {
			t.Errorf("%v shows the password", args)
		}
		stdout.Reset()
		run(append(args, "--show-passwords", "../../pcaps/synthetic/walkthrough.pcap"), &stdout, &stderr)
		if !strings.Contains(stdout.String(), "guest@example.com") {
			t.Errorf("%v --show-passwords hides the password", args)
		}
	}
}

// TestHostileTextEscaped: nothing from the wire reaches the terminal as an
// escape sequence.
func TestHostileTextEscaped(t *testing.T) {
	var stdout, stderr bytes.Buffer
	run([]string{"read", "--color", "never", "../../pcaps/synthetic/hostile.pcap"}, &stdout, &stderr)
	out := stdout.String()
	if strings.ContainsAny(out, "\x1b\u202e\a") {
		t.Errorf("escape sequence reached the output:\n%q", out)
	}
	if !strings.Contains(out, `\x1b[31minvoice`) {
		t.Errorf("escaped file name not shown:\n%s", out)
	}
}

// TestFailOn: --fail-on sets exit 1 when a finding at or above the given
// severity exists, and only then.
func TestFailOn(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"read", "--json", "../../pcaps/real/pasv-drop.pcap"}, 0},
		{[]string{"read", "--json", "--fail-on", "error", "../../pcaps/real/pasv-drop.pcap"}, 1},
		{[]string{"read", "--json", "--fail-on", "error", "../../pcaps/real/passive-curl.pcap"}, 0},
		{[]string{"read", "--json", "--fail-on", "info", "../../pcaps/real/passive-curl.pcap"}, 1}, // cleartext login
		{[]string{"read", "--json", "--fail-on", "never", "../../pcaps/real/pasv-reject-rst.pcap"}, 0},
		{[]string{"read", "--json", "--fail-on", "sometimes", "../../pcaps/real/pasv-drop.pcap"}, 2},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tt.args, code, tt.code, stderr.String())
		}
		if tt.code == 1 && (strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "(--fail-on)")) {
			t.Errorf("%v: exit 1 printed %q, want one line naming --fail-on", tt.args, stderr.String())
		}
	}
}

// TestServerConfigErrors: a malformed configuration line is one error line
// naming the file and the line.
func TestServerConfigErrors(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "vsftpd.conf")
	if err := os.WriteFile(conf, []byte("listen=YES\npasv_enable=YES\npasv_min_port=4o000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"read", "--server-config", conf, "../../pcaps/real/pasv-drop.pcap"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "vsftpd.conf:3:") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	for _, bad := range [][]string{{"--pasv-range", "41000-40000"}, {"--pasv-range", "x"}, {"--public-address", "not-an-ip"}} {
		stderr.Reset()
		if code := run(append(append([]string{"read"}, bad...), "../../pcaps/real/pasv-drop.pcap"), &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

// TestStreamShowsGreeting: the live text output prints the 220 greeting,
// which arrives after the session has started.
func TestStreamShowsGreeting(t *testing.T) {
	if out := liveStreamOf(t, "../../pcaps/synthetic/walkthrough.pcap"); !strings.Contains(out, "[1]") || !strings.Contains(out, "220 (vsFTPd 3.0.3)") {
		t.Errorf("greeting missing from the stream:\n%s", out)
	}
}

// liveStreamOf is the live text output (colour off) of the capture at
// path, read through the pipeline as live reads its packets.
func liveStreamOf(t *testing.T, path string) string {
	t.Helper()
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	p := newPipelineWith(&analysisOptions{Color: "never", MaxLine: 4096}, newStreamOutput(bw, newPalette(false), false), track.Options{})
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := p.dec.DecodeAll(src); err != nil {
		t.Fatal(err)
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	return buf.String()
}

// TestColorChoice: --color always colours, never does not, and auto on a
// buffer (not a terminal) does not; NO_COLOR turns auto off.
func TestColorChoice(t *testing.T) {
	for _, tt := range []struct {
		flag    string
		noColor string
		want    bool
	}{
		{"always", "", true},
		{"never", "", false},
		{"auto", "", false},
		{"always", "1", true}, // the flag wins over the environment
	} {
		t.Setenv("NO_COLOR", tt.noColor)
		var stdout, stderr bytes.Buffer
		run([]string{"read", "--color", tt.flag, "../../pcaps/synthetic/walkthrough.pcap"}, &stdout, &stderr)
		if got := strings.Contains(stdout.String(), "\x1b["); got != tt.want {
			t.Errorf("--color %s NO_COLOR=%q: escapes %v, want %v", tt.flag, tt.noColor, got, tt.want)
		}
	}
	if colorWanted("auto", &bytes.Buffer{}) {
		t.Error("auto colours a non-terminal")
	}
}

// TestSeveralFilesNameTheirs: read as one capture, each session names its
// file and packet numbers are that file's (review: evidence pointed at
// packet 72 of a 30-packet file).
func TestSeveralFilesNameTheirs(t *testing.T) {
	var stdout, stderr bytes.Buffer
	run([]string{"read", "--json", "../../pcaps/real/passive-curl.pcap", "../../pcaps/real/pasv-drop.pcap"}, &stdout, &stderr)
	out := stdout.String()
	if !strings.Contains(out, `"file":"../../pcaps/real/pasv-drop.pcap"`) {
		t.Errorf("sessions do not name their file:\n%s", out)
	}
	// pasv-drop's EPSV reply is its packet 16.
	if !strings.Contains(out, `"code":"data-unanswered"`) || !strings.Contains(out, `"packets":[16,17]`) {
		t.Errorf("evidence packets are not the file's own")
	}
}

// TestFailOnCountsSelectedSessions: with --session (or --server,
// --client), --fail-on looks at the findings of the sessions shown only.
func TestFailOnCountsSelectedSessions(t *testing.T) {
	files := []string{"../../pcaps/real/passive-curl.pcap", "../../pcaps/real/pasv-drop.pcap"} // in time order
	for _, tt := range []struct {
		session string
		code    int
	}{
		{"1", exitOK},       // a clean transfer: info only
		{"2", exitFindings}, // the dropped data connection: errors
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"read", "--color", "never", "--session", tt.session, "--fail-on", "error"}, files...)
		if code := run(args, &stdout, &stderr); code != tt.code {
			t.Errorf("--session %s: exit %d, want %d (%s)", tt.session, code, tt.code, stderr.String())
		}
	}
}
