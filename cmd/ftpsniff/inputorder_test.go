package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRotatedFilesReadInTimeOrder: the files of a rotated capture given
// in name order (a shell glob puts part10 before part2) are read in the
// order of their packets, so the analysis is that of the whole capture.
func TestRotatedFilesReadInTimeOrder(t *testing.T) {
	whole := viewRealDir + "mirror-vsftpd.pcap.gz"
	parts := splitCapture(t, whole, t.TempDir(), 12)
	globbed := slices.Clone(parts)
	slices.SortFunc(globbed, func(a, b string) int { return strings.Compare(filepath.Base(a), filepath.Base(b)) })
	if slices.Equal(globbed, parts) {
		t.Fatal("the name order is the time order: the test shows nothing")
	}
	want := readJSONRecords(t, whole)
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"read", "--json"}, globbed...), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got, want := analysisOf(t, stdout.String()), analysisOf(t, want); got != want {
		t.Errorf("the parts in name order analyse differently from the whole capture:\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(stderr.String(), "read in the order of their first packets") {
		t.Errorf("stderr %q: the reorder is not said", stderr.String())
	}
	if strings.Contains(stderr.String(), "before") && strings.Contains(stderr.String(), "ends (") {
		t.Errorf("stderr %q: parts that follow each other are called overlapping", stderr.String())
	}
}

// TestOverlappingFilesSaid: a file that starts before the one read before
// it ended (the same capture under two names, two capture points not
// merged) is read, and said to overlap.
func TestOverlappingFilesSaid(t *testing.T) {
	f := viewRealDir + "pasv-drop.pcap"
	raw, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	copyName := filepath.Join(t.TempDir(), "copy.pcap")
	if err := os.WriteFile(copyName, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	run([]string{"read", "--color", "never", f, copyName}, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "copy.pcap starts (") || !strings.Contains(stderr.String(), "mergecap") {
		t.Errorf("stderr %q: the overlap is not said", stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	run([]string{"read", "--color", "never", f}, &stdout, &stderr)
	if stderr.Len() != 0 {
		t.Errorf("one file: stderr %q", stderr.String())
	}
}

func readJSONRecords(t *testing.T, name string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", name}, &stdout, &stderr); code != 0 {
		t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
	}
	return stdout.String()
}

// analysisOf is what the records say of a capture, whatever its files:
// the counts of sessions, data connections and outcomes, and the findings'
// codes and severities (packet numbers restart in each file).
func analysisOf(t *testing.T, records string) string {
	t.Helper()
	var findings []string
	var summary string
	for _, l := range strings.Split(strings.TrimSpace(records), "\n") {
		var r struct {
			Type, Severity string
			Code           json.RawMessage
			Sessions       int
			Data           int `json:"data_connections"`
			Outcomes       map[string]int
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		switch r.Type {
		case "finding":
			findings = append(findings, r.Severity+" "+string(r.Code))
		case "summary":
			summary = fmt.Sprintf("%d sessions, %d data %v", r.Sessions, r.Data, r.Outcomes)
		}
	}
	slices.Sort(findings)
	return summary + "; findings " + strings.Join(findings, ", ")
}

// TestVantagePointFilesReadInTimeOrder: a capture point's rotated files
// given out of order are read in time order, as read's inputs are.
func TestVantagePointFilesReadInTimeOrder(t *testing.T) {
	client, server := viewRealDir+"router-drop-data-syn-client.pcap", viewRealDir+"router-drop-data-syn-server.pcap"
	parts := splitCapture(t, client, t.TempDir(), 3)
	slices.Reverse(parts)
	args := []string{"read", "--json"}
	for _, p := range parts {
		args = append(args, "--vantage", "client="+p)
	}
	var stdout, stderr bytes.Buffer
	if code := run(append(args, "--vantage", "server="+server), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var whole bytes.Buffer
	run([]string{"read", "--json", "--vantage", "client=" + client, "--vantage", "server=" + server}, &whole, io.Discard)
	if got, want := vantageVerdicts(stdout.String()), vantageVerdicts(whole.String()); got != want || got == "" {
		t.Errorf("parts out of order:\n got %s\nwant %s", got, want)
	}
}

// vantageVerdicts are the records' data outcomes and findings, without
// what names files or packets.
func vantageVerdicts(records string) string {
	var out []string
	for _, l := range strings.Split(records, "\n") {
		var r struct{ Type, Outcome, Code, Where string }
		if json.Unmarshal([]byte(l), &r) == nil && (r.Type == "data" || r.Type == "finding" || r.Type == "path") {
			out = append(out, r.Type+" "+r.Outcome+r.Code+r.Where)
		}
	}
	return strings.Join(out, "; ")
}

// TestUnreadableInputKeepsItsPlace guards the order of inputs around one
// that cannot be opened: it has no first packet to be ordered by, so it
// stays where it was given (not first, as its zero time would sort), the
// readable files are ordered among the other places, and the note names
// only files it ordered by time.
func TestUnreadableInputKeepsItsPlace(t *testing.T) {
	parts := splitCapture(t, viewRealDir+"mirror-vsftpd.pcap.gz", t.TempDir(), 3)
	missing := filepath.Join(t.TempDir(), "nofile.pcap")
	for _, tc := range []struct {
		given, want []string
		note        string // "" when the order given stands
	}{
		// In time order already, the missing one anywhere: no reorder.
		{[]string{missing, parts[0], parts[1]}, []string{missing, parts[0], parts[1]}, ""},
		{[]string{parts[0], parts[1], missing}, []string{parts[0], parts[1], missing}, ""},
		// Out of order: the readable ones swap around the missing one.
		{[]string{parts[2], missing, parts[0], parts[1]}, []string{parts[0], missing, parts[1], parts[2]},
			fmt.Sprintf("the 3 files with packets are read in the order of their first packets, not as given (%s before %s)", parts[0], parts[2])},
		{[]string{parts[1], parts[0], missing}, []string{parts[0], parts[1], missing},
			fmt.Sprintf("the 2 files with packets are read in the order of their first packets, not as given (%s before %s)", parts[0], parts[1])},
		// All readable: the note as it always was.
		{[]string{parts[1], parts[0]}, []string{parts[0], parts[1]},
			fmt.Sprintf("the 2 files are read in the order of their first packets, not as given (%s before %s)", parts[0], parts[1])},
	} {
		var stderr bytes.Buffer
		got := inputNames(orderInputs(tc.given, &stderr))
		if !slices.Equal(got, tc.want) {
			t.Errorf("given %q: read in the order %q, want %q", tc.given, got, tc.want)
		}
		switch {
		case tc.note == "" && stderr.Len() != 0:
			t.Errorf("given %q: stderr %q, want nothing", tc.given, stderr.String())
		case tc.note != "" && !strings.Contains(stderr.String(), tc.note):
			t.Errorf("given %q: stderr %q, want %q", tc.given, stderr.String(), tc.note)
		}
		if strings.Contains(stderr.String(), "nofile") {
			t.Errorf("given %q: the note orders the unreadable file: %q", tc.given, stderr.String())
		}
	}
}

// TestInputNotesEscapeFileNames guards the stderr notes that name input
// files (given more than once, read in another order, overlapping): a
// file name holding a terminal escape or a bidi override is printed
// escaped, not raw.
func TestInputNotesEscapeFileNames(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(viewRealDir + "pasv-drop.pcap")
	if err != nil {
		t.Fatal(err)
	}
	hostile := filepath.Join(dir, "a\x1b]0;owned\x07\u202e.pcap")
	if err := os.WriteFile(hostile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.pcap")
	if err := os.WriteFile(plain, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	const hostileShown = `a\x1b]0;owned\a\u202e.pcap`
	for _, tc := range []struct {
		args []string
		want string // on stderr
	}{
		{[]string{"read", hostile, hostile}, hostileShown + " is given more than once"},
		{[]string{"read", plain, hostile}, hostileShown + " starts ("},
		{[]string{"read", "--json", plain, "/nonexistent/\x1b[2J"}, `ftpsniff: /nonexistent/\x1b[2J: cannot open`},
	} {
		var stdout, stderr bytes.Buffer
		run(tc.args, &stdout, &stderr)
		assertNoTerminalControls(t, fmt.Sprint(tc.args), stderr.String())
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: stderr %q, want %q", tc.args, stderr.String(), tc.want)
		}
	}
}

// assertNoTerminalControls fails when s holds a byte a terminal acts on
// (a C0 control other than newline, DEL), a C1 control or a format
// character (bidi override, zero width), or invalid UTF-8.
func assertNoTerminalControls(t *testing.T, what, s string) {
	t.Helper()
	for i, r := range s {
		if r == utf8.RuneError || (r < 0x20 && r != '\n') || r == 0x7f || needsJSONEscape(r) {
			t.Errorf("%s: raw %U at byte %d in %q", what, r, i, s)
			return
		}
	}
}
