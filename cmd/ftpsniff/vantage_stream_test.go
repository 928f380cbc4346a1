package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// TestVantageSummary: --summary with --vantage was refused ("does not
// apply"). It gives each point's own summary, then what the points show
// together: the capture points and the merged summary, no session's
// block; standard input, read twice then, is refused.
func TestVantageSummary(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	var out, errb bytes.Buffer
	code := run([]string{"read", "--summary", "--vantage", "client=" + vantageRealDir + "router-drop-data-syn-client.pcap",
		"--vantage", "server=" + vantageRealDir + "router-drop-data-syn-server.pcap"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	ci := strings.Index(got, `point "client", as its capture alone shows it`)
	si := strings.Index(got, `point "server", as its capture alone shows it`)
	bi := strings.Index(got, "\nbetween the points")
	if ci < 0 || si < ci || bi < si {
		t.Fatalf("want each point's summary, then the points together:\n%s", got)
	}
	between := got[bi:]
	for _, want := range []string{"capture points:\n  #0 client:", "\nsummary:\n  1 data connection not delivered at every point:\n    session 1 data 1: syn-lost"} {
		if !strings.Contains(between, want) {
			t.Errorf("the points together lack %q:\n%s", want, between)
		}
	}
	if strings.Contains(got, "\nsession 1\n") || strings.Contains(got, "  data 1 (passive)") {
		t.Errorf("a session's block under --summary:\n%s", got)
	}
	// Each point's own summary is the one read --summary gives of it.
	var one bytes.Buffer
	run([]string{"read", "--summary", vantageRealDir + "router-drop-data-syn-server.pcap"}, &one, &errb)
	if !strings.Contains(got[si:bi], one.String()) {
		t.Errorf("the server's summary differs from its own run:\n%s\nwant\n%s", got[si:bi], one.String())
	}

	errb.Reset()
	if code := run([]string{"read", "--summary", "--vantage", "a=-", "--vantage", "b=" + vantageRealDir + "router-drop-data-syn-server.pcap"}, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "with --summary each point is read twice") {
		t.Errorf("standard input with --summary: exit %d, %s", code, errb.String())
	}
}

// TestVantageTextWrapped: the merged view's sentences (how a session was
// paired, verdicts, gaps, the closing counts) ran to 300 columns; they
// wrap at 100 like the other notes. Only what shows captured data or
// names a file (a point's view, an announcement, a capture point's
// files) may be longer.
func TestVantageTextWrapped(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	pairs, _ := filepath.Glob(vantageRealDir + "*-client.pcap")
	pairs = append(pairs, "../../pcaps/synthetic/asa-227-tail-reset-client.pcap")
	checked := 0
	for _, c := range pairs {
		s := strings.Replace(c, "-client.", "-server.", 1)
		if _, err := os.Stat(s); err != nil {
			continue
		}
		var out, errb bytes.Buffer
		run([]string{"read", "--vantage", "client=" + c, "--vantage", "server=" + s}, &out, &errb)
		for _, l := range strings.Split(out.String(), "\n") {
			data := strings.HasPrefix(l, "  #") || strings.HasPrefix(l, "  announcement ") ||
				strings.HasPrefix(l, "  client ") || strings.HasPrefix(l, "  server ") ||
				strings.HasPrefix(l, "    client ") || strings.HasPrefix(l, "    server ")
			if columns(l) > defaultWidth && !data {
				t.Errorf("%s: line of %d columns: %s", filepath.Base(c), columns(l), l)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d lines checked", checked)
	}
}

// TestVantageStreamLimitsSaid: the merge as sessions end cuts a wait short
// at its bounds (a point holding 20,000 sessions over, a copy at another
// point still open after an hour, clock offsets not measured in the first
// hour), each counted; the text says each, and not the connection limits,
// which were not hit.
func TestVantageStreamLimitsSaid(t *testing.T) {
	rep := &vantage.Report{Points: []string{"a", "b"}, Limits: []vantage.Limits{{ForcedMerges: 2}, {TwinWaitExpired: 3, OffsetUnmeasured: 1}}}
	var b bytes.Buffer
	writeVantageText(&b, rep, nil)
	got := b.String()
	for _, want := range []string{"a: limits hit: 2 times 20000 sessions over waited at once",
		"b: limits hit: 3 control connections merged while a copy at another point was still open",
		"b: limits hit: its clock offset could not be measured"} {
		if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "announcements not kept") {
		t.Errorf("the connection limits said, not hit:\n%s", got)
	}
}
