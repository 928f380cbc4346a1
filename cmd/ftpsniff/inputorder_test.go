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
