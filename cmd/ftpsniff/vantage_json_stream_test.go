package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/pcaps/bench"
)

// recordTokens is the order of a read --json's records: type, the point
// (observer) and the session (a session record's id), one token each.
func recordTokens(t *testing.T, out []byte) []string {
	t.Helper()
	var toks []string
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var r struct {
			Type     string `json:"type"`
			Observer string `json:"observer"`
			Session  int    `json:"session"`
			ID       int    `json:"id"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		s := r.Session
		if r.Type == "session" {
			s = r.ID
		}
		toks = append(toks, fmt.Sprintf("%s/%s/%d", r.Type, r.Observer, s))
	}
	return toks
}

// TestVantageJSONRecordOrder pins the order of read --vantage --json's
// records. Each point's records of a session (its commands, findings,
// data and session records, in the order the point's own analysis writes
// them) come once that session's merge is done, point by point in the
// order given, then its vantage_session and path records; sessions in the
// merge's order; each point's server and summary records after the last
// session, then the vantage records. It was every record of the first
// point, then of the second, then the merged view: the merged sessions
// and the points' records were all held to the end of the run.
func TestVantageJSONRecordOrder(t *testing.T) {
	needCaptures(t, "client-nat-active-vsftpd-client.pcap", "client-nat-active-vsftpd-server.pcap")
	args := []string{"read", "--json", "--vantage", "client=" + vantageRealDir + "client-nat-active-vsftpd-client.pcap",
		"--vantage", "server=" + vantageRealDir + "client-nat-active-vsftpd-server.pcap"}
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// Runs of the same token are one (a session's commands).
	var got []string
	for _, tok := range recordTokens(t, out.Bytes()) {
		if len(got) == 0 || got[len(got)-1] != tok {
			got = append(got, tok)
		}
	}
	want := []string{
		"command/client/1", "finding/client/1", "command/client/1", "finding/client/1", "session/client/1",
		"command/server/1", "finding/server/1", "command/server/1", "finding/server/1", "command/server/1", "finding/server/1", "command/server/1", "session/server/1",
		"vantage_session//1",
		"command/client/2", "finding/client/2", "command/client/2", "finding/client/2", "session/client/2",
		"command/server/2", "finding/server/2", "command/server/2", "finding/server/2", "command/server/2", "session/server/2",
		"vantage_session//2",
		"command/client/3", "finding/client/3", "command/client/3", "finding/client/3", "data/client/3", "command/client/3", "session/client/3",
		"command/server/3", "finding/server/3", "command/server/3", "data/server/3", "command/server/3", "session/server/3",
		"vantage_session//3", "path//3",
		"server/client/0", "summary/client/0", "server/server/0", "summary/server/0",
		"vantage//0",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("records in this order:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The same output, run after run (the points' analyses run in
	// goroutines of their own).
	for range 3 {
		var again bytes.Buffer
		run(args, &again, &errb)
		if !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatal("another run wrote other output")
		}
	}
}

// TestVantageJSONWritesSessionsAsMerged: a point's records, and the
// merged sessions, are written as the merge goes, not held to the end:
// of 150 sessions at two points, each point's session record comes right
// before its merged session's vantage_session, never more than those two
// ahead of the merged sessions (it was all 300 of them). Every session's
// records still come, the points' tied to their merged session
// (vantage_path) and none untied.
func TestVantageJSONWritesSessionsAsMerged(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if _, err := bench.GenerateSessions(&buf, bench.SessionsConfig{Sessions: 150, Seed: 11, Concurrency: 8, Gap: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// One capture under two names: two points that saw the same.
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	for _, f := range []string{a, b} {
		if err := os.WriteFile(f, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--json", "--vantage", "a=" + a, "--vantage", "b=" + b}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	toks := recordTokens(t, out.Bytes())
	// ahead: point sessions written past the merged ones, at the worst.
	pointSessions, merged, ahead := 0, 0, 0
	tied := 0
	for k, tok := range toks {
		switch {
		case strings.HasPrefix(tok, "session/"):
			pointSessions++
			ahead = max(ahead, pointSessions-2*merged)
		case strings.HasPrefix(tok, "vantage_session/"):
			merged++
		case strings.HasPrefix(tok, "data/"):
			if bytes.Contains(bytes.Split(out.Bytes(), []byte("\n"))[k], []byte(`"vantage_path":`)) {
				tied++
			}
		}
	}
	if merged != 150 || pointSessions != 300 {
		t.Fatalf("%d merged sessions, %d point sessions; want 150 and 300", merged, pointSessions)
	}
	if ahead > 2 {
		t.Errorf("%d of the points' sessions written ahead of the merged ones at once: held, not written as merged", ahead)
	}
	if tied == 0 {
		t.Error("no data record tied to its path")
	}
	for _, r := range jsonLines(t, "vantage", out.Bytes()) {
		if r["type"] != "vantage" {
			continue
		}
		if l, _ := r["limits"].(map[string]any); l["point_records_untied"] != nil {
			t.Errorf("%v: records untied: %v", r["point"], l)
		}
	}
}
