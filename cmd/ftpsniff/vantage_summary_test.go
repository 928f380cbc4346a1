package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// TestGoldenVantageSummary: --vantage's text had no summary: on 5,000
// sessions the one data connection lost between the points was at line
// 71,711 of 71,728, and every session repeated a 200-character sentence
// on the points' order. It closes with the connections the points saw
// differently, the counts, and that sentence once, wrapped.
func TestGoldenVantageSummary(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	for _, tt := range []struct{ name, client, server string }{
		{"vantage-router-drop-data-syn", "router-drop-data-syn-client.pcap", "router-drop-data-syn-server.pcap"},
		{"vantage-helper-nat", "helper-nat-client.pcap", "helper-nat-server.pcap"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkGolden(t, tt.name+".txt", []string{"read", "--vantage", "client=" + vantageRealDir + tt.client, "--vantage", "server=" + vantageRealDir + tt.server})
		})
	}
	// The summary is there and comes last; a lost connection is its first line.
	var out, errb bytes.Buffer
	run([]string{"read", "--vantage", "client=" + vantageRealDir + "router-drop-data-syn-client.pcap", "--vantage", "server=" + vantageRealDir + "router-drop-data-syn-server.pcap"}, &out, &errb)
	i := strings.LastIndex(out.String(), "\nsummary:\n")
	if i < 0 {
		t.Fatalf("no closing summary:\n%s", out.String())
	}
	tail := out.String()[i:]
	if strings.Contains(tail, "\nsession ") {
		t.Errorf("a session after the summary:\n%s", tail)
	}
	if !strings.Contains(tail, "data connection not delivered at every point:\n    session ") {
		t.Errorf("the lost data connection is not the summary's first line:\n%s", tail)
	}
	for _, l := range strings.Split(tail, "\n") {
		if columns(l) > defaultWidth {
			t.Errorf("summary line of %d columns: %s", columns(l), l)
		}
	}
}

// TestVantageOrderSentenceOnce: the sentence on an unknown order is said
// once however many sessions share it.
func TestVantageOrderSentenceOnce(t *testing.T) {
	rep := &vantage.Report{Points: []string{"a", "b"}}
	for id := 1; id <= 3; id++ {
		rep.Sessions = append(rep.Sessions, &vantage.Session{ID: id})
	}
	var b bytes.Buffer
	writeVantageText(&b, rep, nil)
	if n := strings.Count(b.String(), "timestamps' resolution"); n != 1 {
		t.Errorf("the order sentence said %d times, want once:\n%s", n, b.String())
	}
	if !strings.Contains(b.String(), "3 sessions: the points' order along the path is unknown") {
		t.Errorf("the summary does not count the sessions:\n%s", b.String())
	}
}
