package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagErrorLines guards the one line a flag given wrong prints: the
// flag, the value as given and what the flag takes, exit 2; never a Go
// parser's words (strconv.ParseInt: parsing "abc": invalid syntax, time:
// missing unit in duration "5") nor the value twice.
func TestFlagErrorLines(t *testing.T) {
	const capFile = "../../pcaps/real/pasv-drop.pcap"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"read", "--session", "abc", capFile}, `ftpsniff: --session "abc": not a session number (1, 2, ...)`},
		{[]string{"read", "--session", "1,2", capFile}, `ftpsniff: --session "1,2": not a session number (1, 2, ...)`},
		{[]string{"read", "--session"}, `ftpsniff: --session needs a session number (1, 2, ...)`},
		{[]string{"read", "--session", "0", capFile}, `ftpsniff: --session 0: not a session number (1, 2, ...)`},
		{[]string{"read", "--session", "-3", capFile}, `ftpsniff: --session -3: not a session number (1, 2, ...)`},
		{[]string{"read", "--max-line", "4x", capFile}, `ftpsniff: --max-line "4x": not a number of bytes (4096, 4k, 1M, 1G)`},
		{[]string{"read", "--extract-max-file", "1Q", capFile}, `ftpsniff: --extract-max-file "1Q": not a number of bytes (4096, 4k, 1M, 1G)`},
		{[]string{"read", "--extract-max-total", "9999999999T", capFile}, `ftpsniff: --extract-max-total "9999999999T": too large a number of bytes`},
		{[]string{"read", "--control-port", "ftp", capFile}, `ftpsniff: --control-port "ftp": not a port number (1 to 65535; port 21 is read always)`},
		{[]string{"read", "--implicit-tls-port", "ftps", capFile}, `ftpsniff: --implicit-tls-port "ftps": not a port number (1 to 65535; port 990 is read always)`},
		{[]string{"read", "--community-id-seed", "70000", capFile}, `ftpsniff: --community-id-seed "70000": not a seed from 0 to 65535`},
		{[]string{"read", "--workers", "two", capFile}, `ftpsniff: --workers "two": not a whole number`},
		{[]string{"read", "--workers", "99999999999999999999", capFile}, `ftpsniff: --workers "99999999999999999999": too large a number`},
		{[]string{"read", "--summary=maybe", capFile}, `ftpsniff: --summary "maybe": not true or false (--summary alone is true)`},
		{[]string{"read", "--server"}, `ftpsniff: --server needs a value (ADDR[:PORT]; see 'ftpsniff read --help')`},
		{[]string{"read", "--bogus", capFile}, `ftpsniff: --bogus: no such flag (see 'ftpsniff read --help')`},
		{[]string{"read", "-Q", capFile}, `ftpsniff: -Q: no such flag (see 'ftpsniff read --help')`},
		{[]string{"read", "---x", capFile}, `ftpsniff: "---x": not a flag (one dash before a letter, two before a name) (see 'ftpsniff read --help')`},
		{[]string{"live", "--duration", "5"}, `ftpsniff: --duration "5": add a unit (5s, 10m, 2h)`},
		{[]string{"live", "--duration", "soon"}, `ftpsniff: --duration "soon": not a duration (30s, 10m, 2h)`},
		{[]string{"live", "--unanswered-wait", "1.5"}, `ftpsniff: --unanswered-wait "1.5": add a unit (5s, 10m, 2h)`},
		{[]string{"live", "-c", "x"}, `ftpsniff: --count "x": not a whole number (0 or more)`},
		{[]string{"live", "--extract-max-file", "1G", "--duration", "5"}, `ftpsniff: --duration "5": add a unit (5s, 10m, 2h)`},
		// -v and --version after a command that has no such flag.
		{[]string{"-v", "live"}, `ftpsniff: -v: 'ftpsniff live' has no such flag; alone, 'ftpsniff -v' prints the version`},
		{[]string{"read", "--version", capFile}, `ftpsniff: --version: 'ftpsniff read' has no such flag; alone, 'ftpsniff --version' prints the version`},
		// A value with a terminal control in it is shown escaped.
		{[]string{"read", "--session", "1\x1b[31m", capFile}, `ftpsniff: --session "1\x1b[31m": not a session number (1, 2, ...)`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if got := stderr.String(); code != exitError || got != tc.want+"\n" {
			t.Errorf("%q:\n got exit %d, %q\nwant exit %d, %q", tc.args, code, got, exitError, tc.want+"\n")
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: wrote to stdout: %q", tc.args, stdout.String())
		}
	}
}

// TestByteSizeFlags guards the size flags taking what an admin types:
// 4k is 4096 (the same output as --max-line 4096), 1G 2^30.
func TestByteSizeFlags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"4096", 4096}, {"4k", 4096}, {"4K", 4096}, {"4KiB", 4096}, {"4kB", 4096},
		{"1M", 1 << 20}, {"1G", 1 << 30}, {"1GiB", 1 << 30}, {"2T", 2 << 40}, {"-1", -1}, {"0", 0},
	} {
		if got, err := parseByteSize(tc.in); err != nil || got != tc.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "k", "4x", "4 k", "1.5G", "B", "4iB", "9223372036854775807k"} {
		if got, err := parseByteSize(bad); err == nil {
			t.Errorf("parseByteSize(%q) = %d, want an error", bad, got)
		}
	}
	const capFile = "../../pcaps/real/pasv-drop.pcap"
	var plain, suffixed, stderr bytes.Buffer
	if code := run([]string{"read", "--max-line", "4096", capFile}, &plain, &stderr); code != exitOK {
		t.Fatalf("--max-line 4096: exit %d: %s", code, stderr.String())
	}
	if code := run([]string{"read", "--max-line", "4k", capFile}, &suffixed, &stderr); code != exitOK {
		t.Fatalf("--max-line 4k: exit %d: %s", code, stderr.String())
	}
	if plain.String() != suffixed.String() {
		t.Errorf("--max-line 4k reads otherwise than --max-line 4096")
	}
	c := newReadCmd(&plain, &stderr)
	if err := c.ParseFlags([]string{"--extract-max-file", "512M", "--extract-max-total", "20G", "--max-line", "64k"}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"extract-max-file": "536870912", "extract-max-total": "21474836480", "max-line": "65536"} {
		if got := c.Flags().Lookup(name).Value.String(); got != want {
			t.Errorf("--%s is %s, want %s", name, got, want)
		}
	}
}

// TestVersionFlagBeforeCommand guards -v before the command: it is the
// command's own -v (read's --verbose), as any flag before the command
// name is, not --version swallowing the command ("unknown command
// FILE"); alone it still prints the version.
func TestVersionFlagBeforeCommand(t *testing.T) {
	const capFile = "../../pcaps/real/pasv-drop.pcap"
	var before, after, stderr bytes.Buffer
	if code := run([]string{"-v", "read", capFile}, &before, &stderr); code != exitOK || stderr.Len() != 0 {
		t.Fatalf("-v read FILE: exit %d, stderr %q", code, stderr.String())
	}
	if code := run([]string{"read", "-v", capFile}, &after, &stderr); code != exitOK {
		t.Fatalf("read -v FILE: exit %d", code)
	}
	if before.String() != after.String() {
		t.Errorf("-v read FILE differs from read -v FILE")
	}
	var version bytes.Buffer
	if code := run([]string{"-v"}, &version, &stderr); code != exitOK || !strings.HasPrefix(version.String(), "ftpsniff ") {
		t.Errorf("-v alone: exit %d, %q", code, version.String())
	}
}

// TestFileFlagErrorLines guards the line for a file or folder a flag
// names that cannot be made: the flag, the path once, what could not be
// done and why, without the system call's words ("mkdir ro/sub: ...",
// "--write: open x: ...").
func TestFileFlagErrorLines(t *testing.T) {
	const capFile = "../../pcaps/real/pasv-drop.pcap"
	missing := filepath.Join(t.TempDir(), "missing")
	sub := filepath.Join(unwritableFolder(t), "sub") // (skips the test when there is none)
	for _, tc := range []struct {
		args []string
		want string // the line's start; the cause follows
	}{
		{[]string{"read", "--write", missing + "/x.pcapng", capFile}, "ftpsniff: --write " + missing + "/x.pcapng: cannot create the file: no such file or directory"},
		{[]string{"read", "--extract", sub, capFile}, "ftpsniff: --extract " + sub + ": cannot create the folder: "},
		{[]string{"read", "--extract", capFile, capFile}, "ftpsniff: --extract " + capFile + ": not a folder (a file of that name exists)"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		got := stderr.String()
		if code != exitError || !strings.HasPrefix(got, tc.want) || strings.Count(got, "\n") != 1 ||
			strings.Contains(got, "mkdir") || strings.Contains(got, "open ") || strings.Count(got, sub) > 1 {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and one line starting %q", tc.args, code, got, exitError, tc.want)
		}
	}
}

// TestSessionFlagNoSuchSession guards --session past the capture's
// sessions: one line naming the flag and how many sessions there are,
// exit 0 (the input was read, README).
func TestSessionFlagNoSuchSession(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"read", "--session", "9", "../../pcaps/real/pasv-drop.pcap"}, "ftpsniff: --session 9: the capture holds 1 session (numbered 1)\n"},
		{[]string{"read", "--json", "--session", "9", "../../pcaps/real/pasv-drop.pcap"}, "ftpsniff: --session 9: the capture holds 1 session (numbered 1)\n"},
		{[]string{"read", "--session", "9", "../../pcaps/synthetic/walkthrough.pcap", "../../pcaps/real/pasv-drop.pcap"}, "ftpsniff: --session 9: the capture holds 2 sessions (numbered 1 to 2)\n"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != exitOK || stderr.String() != tc.want {
			t.Errorf("%q: exit %d, stderr %q; want exit 0 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// TestSummarySessionNoSelfPointer guards --summary --session N: the list
// does not point to --session N, the flag already given, but says that
// without --summary the session is shown whole.
func TestSummarySessionNoSelfPointer(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--summary", "--session", "1", "../../pcaps/real/pasv-drop.pcap"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "without --summary it is shown whole") || !strings.Contains(out, "\n  session 1  error data-unanswered") {
		t.Errorf("the list does not say how to see the session whole:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "--session 1") && !strings.HasPrefix(line, "summary: ") {
			t.Errorf("the list points to --session 1, the flag given: %q", line)
		}
	}
}
