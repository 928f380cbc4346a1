package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// The captures the summary-view tests read: a failed passive transfer of
// each kind (drop, RST, ICMP) and a password-spraying client.
var summaryFailing = []string{viewRealDir + "login-brute-force.pcap", viewRealDir + "pasv-drop.pcap", viewRealDir + "pasv-reject-rst.pcap", viewRealDir + "pasv-reject-icmp.pcap"}

// readText runs `read --color never ARGS` and returns stdout and stderr.
func readText(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"read", "--color", "never"}, args...), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// jsonFindingRec is what the tests read of a JSON finding record.
type jsonFindingRec struct {
	Type     string `json:"type"`
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Session  int    `json:"session"`
	Message  string `json:"message"`
}

// jsonFindings runs `read --json ARGS` and returns its finding records.
func jsonFindings(t *testing.T, args ...string) []jsonFindingRec {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"read", "--json"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("read --json %v: exit %d: %s", args, code, stderr.String())
	}
	var fs []jsonFindingRec
	for _, line := range strings.Split(stdout.String(), "\n") {
		if !strings.Contains(line, `"type":"finding"`) {
			continue
		}
		var f jsonFindingRec
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	return fs
}

var footerFindings = regexp.MustCompile(`findings: (\d+) errors?, (\d+) warnings?, (\d+) info`)

// TestTextFooterCountsSelectedFindings: with --session, --server or
// --client the text footer counts the findings of the sessions shown, as
// --json writes them (it counted the whole capture's).
func TestTextFooterCountsSelectedFindings(t *testing.T) {
	walk := []string{viewSynthDir + "walkthrough.pcap", viewRealDir + "pasv-drop.pcap"}
	for _, sel := range [][]string{
		{"--session", "10"},
		{"--session", "2"},
		{"--client", "192.168.1.100"},
		{"--server", "10.99.0.1:21"},
		{"--server", "192.168.1.10"},
	} {
		for _, files := range [][]string{summaryFailing, walk} {
			args := append(append([]string{}, sel...), files...)
			var want [3]int
			for _, f := range jsonFindings(t, args...) {
				switch f.Severity {
				case "error":
					want[0]++
				case "warning":
					want[1]++
				case "info":
					want[2]++
				}
			}
			for _, view := range []string{"--summary", "--full"} {
				out, _, _ := readText(t, append([]string{view}, args...)...)
				var got [3]int
				if m := footerFindings.FindStringSubmatch(out); m != nil {
					for i := range got {
						got[i], _ = strconv.Atoi(m[i+1])
					}
				}
				if got != want {
					t.Errorf("%s %v: footer counts %v (errors, warnings, info), --json has %v", view, args, got, want)
				}
			}
		}
	}
}

// TestSummaryExplainsEveryWarningAndError: the summary view writes no
// transcript, so each error and warning gets its explanation and fix under
// its server, even when one session raised it (it wrote only those that
// came back in two sessions: a refused data connection had a code and no
// text).
func TestSummaryExplainsEveryWarningAndError(t *testing.T) {
	for _, files := range [][]string{summaryFailing, {viewRealDir + "pasv-reject-rst.pcap"}, {viewRealDir + "active-client-firewall.pcap"}} {
		out, _, _ := readText(t, append([]string{"--summary"}, files...)...)
		for _, f := range jsonFindings(t, files...) {
			if f.Severity == "info" {
				continue
			}
			head := "\n  " + f.Severity + " " + f.Code + " in "
			i := strings.Index(out, head)
			if i < 0 {
				t.Errorf("%v: no %q block in the summary:\n%s", files, head[1:], out)
				continue
			}
			block := out[i+len(head):]
			if j := nextBlock.FindStringIndex(block); j != nil {
				block = block[:j[0]]
			}
			if !strings.Contains(block, "\n    fix: ") {
				t.Errorf("%v: the %s block has no fix:\n%s", files, f.Code, block)
			}
		}
	}
}

// nextBlock is where the next finding block, server or list begins.
var nextBlock = regexp.MustCompile(`\n(  (error|warning|info) |\S)`)

// spaces folds every run of white space into one space: wrapped text
// compares with the sentence it wraps.
func spaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestSummaryVerboseShowsEveryFinding: --summary -v shows every warning
// and error in full, each occurrence's message too (-v turned the
// collapsing off, and with it the only place the summary view wrote
// findings: none were shown).
func TestSummaryVerboseShowsEveryFinding(t *testing.T) {
	files := summaryFailing
	out, _, _ := readText(t, append([]string{"--summary", "-v"}, files...)...)
	flat := spaces(out)
	n := 0
	for _, f := range jsonFindings(t, files...) {
		if f.Severity == "info" {
			continue
		}
		n++
		if !strings.Contains(flat, spaces(f.Message)) {
			t.Errorf("--summary -v lacks the %s finding of session %d: %q", f.Code, f.Session, f.Message)
		}
	}
	if n == 0 {
		t.Fatal("no warning or error in the test captures")
	}
	// Each occurrence: both refused endpoints of pasv-reject-rst.
	for _, port := range []string{"10.99.0.1:40066", "10.99.0.1:40004"} {
		if !strings.Contains(flat, "passive data endpoint "+port+" was answered by RST") {
			t.Errorf("--summary -v does not show the refusal at %s", port)
		}
	}
}

// TestSummaryMoreHintLeadsSomewhere: the "… N more sessions" line names a
// command that lists them (it named --server X, which printed the same
// five lines, or every transcript), and with --server given it does not
// repeat it.
func TestSummaryMoreHintLeadsSomewhere(t *testing.T) {
	file := viewRealDir + "login-brute-force.pcap"
	hint := regexp.MustCompile(`… \d+ more sessions? of \S+ with login failed \(([^)]*) lists them\)`)
	for _, given := range [][]string{nil, {"--server", "10.99.0.1:21"}, {"--server", "10.99.0.1"}} {
		out, _, _ := readText(t, append(append([]string{"--summary"}, given...), file)...)
		m := hint.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%v: no hint:\n%s", given, out)
		}
		flags := strings.Fields(m[1])
		if given != nil && strings.Contains(m[1], "--server") {
			t.Errorf("%v: the hint repeats --server: %q", given, m[0])
		}
		// Follow it.
		args := append(append([]string{"--summary"}, given...), flags...)
		args = append(args, file)
		next, _, _ := readText(t, dedupeFlags(args)...)
		if strings.Contains(next, "more session") {
			t.Errorf("%v: following the hint (%v) still leaves sessions out:\n%s", given, args, next)
		}
		if got := strings.Count(next, "login failed\n"); got != 8 {
			t.Errorf("%v: following the hint lists %d failed logins, want 8:\n%s", given, got, next)
		}
	}
}

// dedupeFlags drops a repeated --summary.
func dedupeFlags(args []string) []string {
	var out []string
	seen := false
	for _, a := range args {
		if a == "--summary" {
			if seen {
				continue
			}
			seen = true
		}
		out = append(out, a)
	}
	return out
}

// TestSummaryOrdersBySeverity: servers with errors come first, errors
// before warnings before info within a server, the failed sessions errors
// first then in session order, and info that several servers raise alike
// is written once, naming them.
func TestSummaryOrdersBySeverity(t *testing.T) {
	// [fd00:99::1] has an error, 10.99.0.1 only info: the error's server
	// first, though its address sorts after.
	out, _, _ := readText(t, "--summary", viewRealDir+"pasv-reject-icmp6.pcap", viewRealDir+"passive-curl.pcap")
	if i, j := strings.Index(out, "server [fd00:99::1]:21"), strings.Index(out, "server 10.99.0.1:21"); i < 0 || j < 0 || i > j {
		t.Errorf("the failing server is not first:\n%s", out)
	}
	// Errors before warnings within a server (the full view's blocks too).
	out, _, _ = readText(t, viewRealDir+"pyftpdlib-ftps.pcap")
	if i, j := strings.Index(out, "\n  error data-tls-reset in"), strings.Index(out, "\n  warning control-encrypted in"); i < 0 || j < 0 || i > j {
		t.Errorf("the error block is not before the warning block:\n%s", out)
	}
	// The failed list: errors, then warnings, then the rest, each by
	// session number.
	out, _, _ = readText(t, append([]string{"--summary", "-v"}, summaryFailing...)...)
	line := regexp.MustCompile(`(?m)^  --session (\d+)  (error|warning)?`)
	prevRank, prevID := -1, 0
	for _, m := range line.FindAllStringSubmatch(out, -1) {
		id, _ := strconv.Atoi(m[1])
		rank := map[string]int{"error": 0, "warning": 1, "": 2}[m[2]]
		if rank < prevRank || rank == prevRank && id < prevID {
			t.Errorf("--session %d (%q) listed after --session %d:\n%s", id, m[2], prevID, out)
		}
		prevRank, prevID = rank, id
	}
	// Info raised alike at two servers: one block.
	out, _, _ = readText(t, "--summary", viewRealDir+"nat-router-any.pcap")
	if strings.Count(out, "info cleartext-login") != 1 || !strings.Contains(out, "info cleartext-login at 2 servers, in 6 sessions") ||
		!strings.Contains(out, "servers: 10.99.1.1:21, 10.99.2.2:21") {
		t.Errorf("the clear-text logins of both servers are not one block:\n%s", out)
	}
}

// TestPolicyBlockEscapesConfigBytes: the policy block quotes the server
// configuration, anyone's bytes: a terminal escape in pasv_address is
// shown escaped, never written raw.
func TestPolicyBlockEscapesConfigBytes(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "vsftpd.conf")
	if err := os.WriteFile(conf, []byte("pasv_enable=YES\npasv_addr_resolve=YES\npasv_address=\x1b[31mRED\x1b]0;title\a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, view := range []string{"--summary", "--full"} {
		out, errOut, _ := readText(t, view, "--server-config", conf, viewRealDir+"pasv-drop.pcap")
		if strings.ContainsAny(out, "\x1b\a") {
			t.Errorf("%s: raw escape bytes in the output:\n%q", view, out)
		}
		if !strings.Contains(out, `\x1b[31mRED`) {
			t.Errorf("%s: the escaped value is not shown:\n%s\n%s", view, out, errOut)
		}
	}
}

// TestSessionBeyondCaptureSaid: --session N past the capture's sessions
// says so on stderr ("0 sessions shown" alone read like an empty session).
func TestSessionBeyondCaptureSaid(t *testing.T) {
	for _, tt := range []struct {
		session, note string
	}{
		{"2", "ftpsniff: --session 2: the capture holds 1 session (numbered 1)\n"},
		{"1", ""},
	} {
		for _, view := range []string{"--summary", "--full"} {
			_, errOut, code := readText(t, view, "--session", tt.session, viewRealDir+"pasv-drop.pcap")
			if errOut != tt.note || code != 0 {
				t.Errorf("%s --session %s: stderr %q exit %d, want %q exit 0", view, tt.session, errOut, code, tt.note)
			}
		}
	}
}

// TestTranscriptNote: what the transcript bounds left out is said once,
// with which bound and that only the transcripts lack it; not in the
// summary view, which prints no transcript.
func TestTranscriptNote(t *testing.T) {
	for _, tt := range []struct {
		commands, events, budget int
		want                     string
	}{
		{0, 0, 0, ""},
		{20184, 0, 20184, "20184 commands left out of transcripts by the bound of 10000 commands and events, or 8 MiB of their text, on all open transcripts together; the counts above and --json hold them all"},
		{1, 0, 0, "1 command left out of transcripts by the per-session bounds; the counts above and --json hold them all"},
		{5, 2, 3, "5 commands and 2 session events left out of transcripts (3 by the bound of 10000 commands and events, or 8 MiB of their text, on all open transcripts together, the rest by the per-session bounds); the counts above and --json hold them all"},
	} {
		if got := transcriptNote(tt.commands, tt.events, tt.budget); got != tt.want {
			t.Errorf("transcriptNote(%d, %d, %d) = %q, want %q", tt.commands, tt.events, tt.budget, got, tt.want)
		}
	}
	for _, tt := range []struct {
		view textView
		want bool
	}{{viewFull, true}, {viewSummary, false}} {
		var buf bytes.Buffer
		o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
		o.view = tt.view
		o.Summary(totals{Limits: track.Limits{CommandsOmitted: 3, TranscriptBudget: 3}})
		o.Flush()
		if got := strings.Contains(buf.String(), "left out of transcripts"); got != tt.want {
			t.Errorf("view %d: note shown %v, want %v:\n%s", tt.view, got, tt.want, buf.String())
		}
		if strings.Count(buf.String(), "left out") > 1 {
			t.Errorf("view %d: the note repeats itself:\n%s", tt.view, buf.String())
		}
	}
	// A session's own line: "1 more command".
	var buf bytes.Buffer
	o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	o.transcript(&track.Session{ID: 1, Start: now, End: now, CommandsOmitted: 1})
	o.Flush()
	if !strings.Contains(buf.String(), "(1 more command not kept: transcript limit)") {
		t.Errorf("one command left out:\n%s", buf.String())
	}
}
