package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

const (
	viewRealDir  = "../../pcaps/real/"
	viewSynthDir = "../../pcaps/synthetic/"
)

// TestGoldenView pins read's views and filters (issue 10), colour off, at
// the 100-column width of a non-terminal.
func TestGoldenView(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	failing := []string{viewRealDir + "login-brute-force.pcap", viewRealDir + "pasv-drop.pcap", viewRealDir + "pasv-reject-rst.pcap", viewRealDir + "pasv-reject-icmp.pcap"}
	tests := []struct {
		name string
		args []string
	}{
		// The summary: servers, verdicts, changes, repeated findings
		// collapsed, one line per failed session and data connection.
		{"view-summary.txt", append([]string{"--summary"}, failing...)},
		// Repeated findings: in full once per server, then one line.
		{"view-collapsed.txt", []string{viewRealDir + "login-brute-force.pcap"}},
		// -v: every finding in full.
		{"view-verbose.txt", []string{"-v", viewRealDir + "login-brute-force.pcap"}},
		// Findings below the threshold are counted, not shown.
		{"view-min-severity-warning.txt", []string{"--min-severity", "warning", viewRealDir + "pasv-drop.pcap"}},
		{"view-min-severity-error.jsonl", []string{"--json", "--min-severity", "error", viewRealDir + "pasv-drop.pcap"}},
		// Long sentences wrapped to 100 columns, evidence and fix indented.
		{"view-wrapped.txt", []string{"--pasv-range", "40000-40100", viewRealDir + "pasv-outside-range.pcap"}},
		// Packet filters, as live's: what they leave out is counted.
		{"filter-host.txt", []string{"--summary", "--host", "10.99.0.2", viewSynthDir + "walkthrough.pcap", viewRealDir + "pasv-drop.pcap"}},
		{"filter-net.txt", []string{"--summary", "--net", "192.168.1.0/24", viewSynthDir + "walkthrough.pcap", viewRealDir + "pasv-drop.pcap"}},
		{"filter-ports.txt", []string{"--summary", "--filter-ports", viewSynthDir + "nonstandard-port.pcap"}},
		{"filter-bpf-raw-drop-all.txt", []string{"--bpf-raw", "1\n6 0 0 0", viewSynthDir + "walkthrough.pcap"}},
		// Session selection: numbers are the whole capture's.
		{"filter-session.txt", append([]string{"--session", "10"}, failing...)},
		{"filter-server.txt", []string{"--summary", "--server", "10.99.0.1:21", viewSynthDir + "walkthrough.pcap", viewRealDir + "pasv-drop.pcap"}},
		{"filter-client.txt", []string{"--summary", "--client", "192.168.1.100", viewSynthDir + "walkthrough.pcap", viewRealDir + "pasv-drop.pcap"}},
		{"filter-session.jsonl", []string{"--json", "--session", "2", viewSynthDir + "walkthrough.pcap", viewRealDir + "pasv-drop.pcap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"read", "--color", "never"}
			if strings.HasSuffix(tt.name, ".jsonl") {
				args = []string{"read"}
			}
			checkGolden(t, tt.name, append(args, tt.args...))
		})
	}
}

// TestFilterHostKeepsOnlyItsPackets: --host leaves the other capture's
// packets out, and the summary counts them.
func TestFilterHostKeepsOnlyItsPackets(t *testing.T) {
	var stdout, stderr bytes.Buffer
	run([]string{"read", "--color", "never", "--host", "10.99.0.2", viewSynthDir + "walkthrough.pcap", viewRealDir + "pasv-drop.pcap"}, &stdout, &stderr)
	out := stdout.String()
	if strings.Contains(out, "192.168.1.100") || !strings.Contains(out, "10.99.0.2") {
		t.Errorf("--host 10.99.0.2 kept the wrong sessions:\n%s", out)
	}
	if !strings.Contains(out, "filter: 56 packets left out by --host 10.99.0.2") {
		t.Errorf("the packets left out are not counted:\n%s", out)
	}
}

// TestBPFRawExtensionRefused: a program using a kernel extension cannot
// run over a file; that is one usage line, not a silently empty result.
func TestBPFRawExtensionRefused(t *testing.T) {
	var stdout, stderr bytes.Buffer
	// ld #len would be fine; ld #type (SKF_AD_PKTTYPE = 4) is an extension.
	code := run([]string{"read", "--bpf-raw", "2\n32 0 0 4294963204\n6 0 0 0", viewSynthDir + "walkthrough.pcap"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--bpf-raw") || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// TestUnreadableInputs: each unreadable input is one line naming it and
// why, with no zero-filled summary; later files are still read; the
// summary does not claim that output of an unread file is above.
func TestUnreadableInputs(t *testing.T) {
	dir := t.TempDir()
	notCapture := filepath.Join(dir, "notes.pcap")
	if err := os.WriteFile(notCapture, []byte("<html>not a capture</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope.pcap")
	for _, tt := range []struct {
		name, file, want string
	}{
		{"missing", missing, "nope.pcap: cannot open (no such file or directory)"},
		{"directory", dir, dir + ": is a directory, not a capture file"},
		{"not a capture", notCapture, "notes.pcap: not a pcap or pcapng file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"read", tt.file}, &stdout, &stderr)
			if code != 2 || stdout.Len() != 0 {
				t.Errorf("exit %d, stdout %q: want 2 and no summary", code, stdout.String())
			}
			if lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n"); len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr %q, want one line with %q", stderr.String(), tt.want)
			}
			// Followed by a good file: that one is read.
			stdout.Reset()
			stderr.Reset()
			code = run([]string{"read", "--color", "never", tt.file, viewSynthDir + "walkthrough.pcap"}, &stdout, &stderr)
			out := stdout.String()
			if code != 2 || !strings.Contains(out, "summary: 1 session") {
				t.Errorf("the file after it was not read (exit %d):\n%s", code, out)
			}
			if strings.Contains(out, "what came before it is above") || !strings.Contains(out, "(nothing read from it)") {
				t.Errorf("the summary misdescribes the unread file:\n%s", out)
			}
		})
	}
}

// TestSameFileTwice: a file given twice (issue 8) is read once, with one
// warning.
func TestSameFileTwice(t *testing.T) {
	var stdout, stderr bytes.Buffer
	f := viewRealDir + "pasv-drop.pcap"
	code := run([]string{"read", "--color", "never", f, "../../pcaps/real/../real/pasv-drop.pcap", f}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "summary: 1 session,") {
		t.Errorf("exit %d, output:\n%s", code, stdout.String())
	}
	if got := strings.Count(stderr.String(), "given more than once"); got != 2 {
		t.Errorf("stderr %q: want one warning per repeated name", stderr.String())
	}
}

// TestPipedInputAnalysedAsItArrives guards issue 10: a session written to
// a pipe is printed while the pipe is still open (the prefetch waited for
// a full block, and the output was flushed only at the end).
func TestPipedInputAnalysedAsItArrives(t *testing.T) {
	capBytes, err := os.ReadFile(viewSynthDir + "walkthrough.pcap")
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inW.Close()
	old := os.Stdin
	os.Stdin = inR
	defer func() { os.Stdin = old; inR.Close() }()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var stderr bytes.Buffer
		done <- run([]string{"read", "--color", "never", "-"}, outW, &stderr)
		outW.Close()
	}()
	if _, err := inW.Write(capBytes); err != nil {
		t.Fatal(err)
	}
	seen := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "end: fin after 0.188s") {
				seen <- true
				break
			}
		}
		close(seen)
		io.Copy(io.Discard, outR)
	}()
	select {
	case ok := <-seen:
		if !ok {
			t.Fatal("the output ended without the session")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the session was not printed while the pipe stayed open")
	}
	inW.Close()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
}

// TestAutoSummary: viewAuto shows the transcripts of a capture that fits
// a screen, and switches to the summary (saying so on stderr) past it.
func TestAutoSummary(t *testing.T) {
	for _, tt := range []struct {
		rows        int
		wantSummary bool
	}{{24, false}, {5, true}} {
		var buf, notes bytes.Buffer
		bw := bufio.NewWriter(&buf)
		out := newTextOutput(bw, newPalette(false), false)
		out.view, out.autoMax, out.notes, out.collapse = viewAuto, tt.rows, &notes, newCollapser()
		out.startHolding()
		opts := &analysisOptions{Color: "never", MaxLine: 4096}
		p := newPipelineWith(opts, out, track.Options{})
		if _, err := readInput(viewRealDir+"login-brute-force.pcap", p, &readOptions{}, &progress{}, out); err != nil {
			t.Fatal(err)
		}
		if err := p.finish(); err != nil {
			t.Fatal(err)
		}
		got := buf.String()
		isSummary := strings.Contains(got, "sessions that failed or raised a warning") && !strings.Contains(got, "<-- USER")
		if isSummary != tt.wantSummary {
			t.Errorf("%d rows: summary %v, want %v:\n%s", tt.rows, isSummary, tt.wantSummary, got)
		}
		if tt.wantSummary != strings.Contains(notes.String(), "showing the summary (--full") {
			t.Errorf("%d rows: stderr %q", tt.rows, notes.String())
		}
		if !strings.HasSuffix(strings.TrimSpace(got), "9 info") {
			t.Errorf("%d rows: summary totals missing:\n%s", tt.rows, got)
		}
	}
}

// TestWrap: lines fit the width, words are never cut, the first line
// counts what precedes it.
func TestWrap(t *testing.T) {
	tests := []struct {
		s            string
		width        int
		first, inden string
		want         []string
	}{
		{"a b c", 10, "", "", []string{"a b c"}},
		{"aaaa bbbb cccc", 9, "", "", []string{"aaaa bbbb", "cccc"}},
		{"aaaa bbbb cccc", 12, "xxxx", "  ", []string{"aaaa", "bbbb cccc"}},
		{"averyveryverylongword x", 5, "", "", []string{"averyveryverylongword", "x"}},
		{"", 10, "", "", []string{""}},
	}
	for _, tt := range tests {
		if got := wrap(tt.s, tt.width, tt.first, tt.inden); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.s, tt.width, got, tt.want)
		}
	}
}
