package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// readSummary runs read --summary (and extra flags) on files and returns
// the output.
func readBlocksSummary(t *testing.T, extra []string, files ...string) string {
	t.Helper()
	t.Setenv("NO_COLOR", "1")
	var stdout, stderr bytes.Buffer
	args := append(append([]string{"read", "--summary"}, extra...), files...)
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
	}
	return stdout.String()
}

// serverBlockPart is what the summary writes before its list of failed
// sessions: the server blocks and what follows them.
func serverBlockPart(t *testing.T, text string) string {
	t.Helper()
	i := strings.Index(text, "sessions that failed or raised a warning")
	if i < 0 {
		t.Fatalf("no list of failed sessions:\n%s", text)
	}
	return text[:i]
}

// TestSummaryServerBlocksBounded: the summary view writes at most
// maxServerBlocks server blocks, the first by rank; the others are one
// line per finding code, saying how many servers raised it, in how many
// sessions, with example addresses, and how to see them all.
// Regression: manyservers.py 5000 (a failed passive transfer at each of
// 5,000 servers) gave a summary of 108,123 lines, 1,000 server blocks and
// 1,048 blocks of servers past diagnose.MaxServers, about 50 lines each;
// manyservers_30.pcap gave 30 blocks, 1,864 lines.
func TestSummaryServerBlocksBounded(t *testing.T) {
	const pcap = "../../pcaps/hostile/attack/manyservers_30.pcap"
	const servers = 30
	text := readBlocksSummary(t, nil, pcap)
	part := serverBlockPart(t, text)
	blocks := 0
	for _, l := range strings.Split(part, "\n") {
		if strings.HasPrefix(l, "server ") {
			blocks++
		}
	}
	if blocks != maxServerBlocks {
		t.Errorf("%d server blocks, want %d", blocks, maxServerBlocks)
	}
	// A block here is 60 lines (verdict, change, two findings with their
	// fixes); the omitted servers a few lines.
	if n := strings.Count(part, "\n"); n > maxServerBlocks*70+20 {
		t.Errorf("%d lines before the list of failed sessions, want at most %d", n, maxServerBlocks*70+20)
	}
	flat := unwrapped(part)
	omitted := servers - maxServerBlocks
	for _, want := range []string{
		fmt.Sprintf("%d more servers without a block of their own (the first %d, by errors, then sessions affected, are above):", omitted, maxServerBlocks),
		fmt.Sprintf("error data-unanswered at %d servers, %d sessions (e.g. 11.0.0.10:21, 11.0.0.11:21, 11.0.0.12:21)", omitted, omitted),
		fmt.Sprintf("warning server-data-error at %d servers, %d sessions (e.g. ", omitted, omitted),
		"--server ADDR:PORT writes one server's block, -v every block, --json lists every finding",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("missing %q in:\n%s", want, part[max(0, len(part)-1500):])
		}
	}
	// The servers past the bound are still one flag away.
	one := serverBlockPart(t, readBlocksSummary(t, []string{"--server", "11.0.0.29:21"}, pcap))
	if !strings.Contains(one, "server 11.0.0.29:21: 1 session") || strings.Contains(one, "more server") {
		t.Errorf("--server 11.0.0.29:21: no block of its own:\n%s", one)
	}
	all := serverBlockPart(t, readBlocksSummary(t, []string{"-v"}, pcap))
	if n := strings.Count(all, "\nserver 11."); n+1 != servers {
		t.Errorf("-v: %d server blocks, want %d", n+1, servers)
	}
}

// TestSummaryFixWrittenOncePerBlock: a server block writes a fix once;
// a later finding whose fix is the same, or begins with the same
// sentences, points to it and adds only what differs. Regression: the
// README's --summary example wrote the same 13-line fix (open the
// passive range, or attach the FTP helper, with its 300-character nft
// line) under data-refused, data-unreachable and data-unanswered: 143
// lines, 120 now.
func TestSummaryFixWrittenOncePerBlock(t *testing.T) {
	var files []string
	for _, f := range []string{"pasv-drop", "pasv-reject-rst", "pasv-reject-icmp", "active-client-firewall"} {
		files = append(files, "../../pcaps/real/"+f+".pcap")
	}
	text := readBlocksSummary(t, nil, files...)
	if n := strings.Count(text, "fix:      The server's passive range is not known here"); n != 1 {
		t.Errorf("the passive range's fix written %d times, want once:\n%s", n, text)
	}
	flat := unwrapped(text)
	for _, want := range []string{
		// data-unreachable's fix is data-refused's without its last
		// sentence (nothing listened: another host answered).
		"fix: as for data-refused in session 2 above, but for its last sentence error active-blocked",
		// data-unanswered's ends another way: that end is written.
		"fix: as for data-refused in session 2 above, but for its last sentence; then: If the server's input chain accepts them already, check its output chain",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}

// TestFixReference: which fix a later one points to, and what it adds.
func TestFixReference(t *testing.T) {
	sentence := "Open the passive range on the server's own firewall, e.g. 40000-40100. "
	long := strings.Repeat(sentence, 4)
	var b blockFixes
	if r := b.refer(long+"Nothing listened.", "data-refused", "data-refused in session 2"); r != nil {
		t.Fatalf("the first fix points to %+v", r)
	}
	for _, tc := range []struct {
		fix, code string
		want      string // "" for written in full
	}{
		{long + "Nothing listened.", "data-unreachable", "as for data-refused in session 2 above"},
		{strings.TrimSpace(long), "data-unanswered", "as for data-refused in session 2 above, but for its last sentence"},
		{long + "Check the output chain. And the router's.", "data-unanswered", "as for data-refused in session 2 above, but for its last sentence; then: Check the output chain. And the router's."},
		// Its own code: written again, not "as for data-refused".
		{long + "Nothing listened.", "data-refused", ""},
		// Sharing less than minSharedFix: written.
		{"Open the passive range on the server's own firewall, e.g. 40000-40100. Or not.", "data-unanswered", ""},
		// Differing inside a sentence ("e.g. 40000-40200"): shared up
		// to that sentence's start, which leaves two of the earlier
		// fix's sentences out; too many to count back to: written.
		{strings.Repeat(sentence, 3) + strings.Replace(sentence, "40100", "40200", 1) + "Then more.", "data-unanswered", ""},
		// Differing inside the earlier fix's last sentence: pointed to.
		{long + "Nothing answered.", "data-unreachable", "as for data-refused in session 2 above, but for its last sentence; then: Nothing answered."},
	} {
		r := b.refer(tc.fix, tc.code, tc.code+" in session 9")
		got := ""
		if r != nil {
			got = r.words()
		}
		if got != tc.want {
			t.Errorf("%s %q:\n got %q\nwant %q", tc.code, tc.fix, got, tc.want)
		}
	}
}
