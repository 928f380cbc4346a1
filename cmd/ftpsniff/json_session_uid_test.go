package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestJSONSessionUIDJoinsRuns guards the join key: `session` restarts at
// 1 every run and `-o` appends runs to one file, so a SIEM joining on
// (observer, session) attached one run's commands and findings to
// another's session. Every record about a session carries session_uid,
// the same in all of them, different for another run's session 1, and
// equal to the uid --format zeek gives the session.
func TestJSONSessionUIDJoinsRuns(t *testing.T) {
	uidOfSession1 := map[string]string{}
	for _, capFile := range []string{"../../pcaps/real/aioftp-passive-drop.pcap", "../../pcaps/real/active-client-firewall.pcap"} {
		recs := runJSONRecordsOK(t, "read", "--json", "--observer", "gw1", capFile)
		uids := map[float64]string{}
		for _, r := range recs {
			if r["type"] == "session" {
				uid, _ := r["session_uid"].(string)
				if len(uid) < 2 || uid[0] != 'C' {
					t.Fatalf("%s: session record without a session_uid: %v", capFile, r)
				}
				uids[r["id"].(float64)] = uid
			}
		}
		if uids[1] == "" {
			t.Fatalf("%s: no session 1", capFile)
		}
		uidOfSession1[capFile] = uids[1]
		var joined int
		for _, r := range recs {
			switch r["type"] {
			case "command", "data", "event", "finding":
				id, _ := r["session"].(float64)
				if id == 0 {
					continue // a finding of no session
				}
				if got := r["session_uid"]; got != uids[id] {
					t.Errorf("%s: %v record of session %v has session_uid %v, its session record %q", capFile, r["type"], id, got, uids[id])
				}
				joined++
			}
		}
		if joined == 0 {
			t.Fatalf("%s: no record to join", capFile)
		}
		// The same key in --format zeek: both formats join.
		var stdout, stderr bytes.Buffer
		run([]string{"read", "--format", "zeek", "--observer", "gw1", capFile}, &stdout, &stderr)
		var zeekLines int
		for line := range bytes.Lines(stdout.Bytes()) {
			var z struct {
				UID     string  `json:"uid"`
				Session float64 `json:"ftpsniff.session"`
			}
			if err := json.Unmarshal(line, &z); err != nil {
				t.Fatalf("%s: bad zeek line %q: %v", capFile, line, err)
			}
			zeekLines++
			if z.UID != uids[z.Session] {
				t.Errorf("%s: zeek uid %q for session %v, JSON session_uid %q", capFile, z.UID, z.Session, uids[z.Session])
			}
		}
		if zeekLines == 0 {
			t.Fatalf("%s: no zeek line (%s)", capFile, stderr.String())
		}
	}
	a, b := uidOfSession1["../../pcaps/real/aioftp-passive-drop.pcap"], uidOfSession1["../../pcaps/real/active-client-firewall.pcap"]
	if a == b {
		t.Errorf("session 1 of two runs share session_uid %q", a)
	}
}

// TestJSONSessionUIDKeptAcrossIdleClose: a session closed as idle and
// picked up again by its later bytes is one connection in --format zeek
// (one uid); its JSON records carry that uid too.
func TestJSONSessionUIDKeptAcrossIdleClose(t *testing.T) {
	recs := runJSONRecordsOK(t, "read", "--json", idleResumedCapture(t))
	uids := map[float64]string{}
	var resumed []map[string]any
	for _, r := range recs {
		if r["type"] == "session" {
			uids[r["id"].(float64)], _ = r["session_uid"].(string)
			if _, ok := r["resumed_from"]; ok {
				resumed = append(resumed, r)
			}
		}
	}
	if len(resumed) == 0 {
		t.Fatal("no continuation of a session closed as idle")
	}
	for _, r := range resumed {
		if from := r["resumed_from"].(float64); r["session_uid"] != uids[from] {
			t.Errorf("session %v continues %v: session_uid %v, not %q", r["id"], from, r["session_uid"], uids[from])
		}
	}
}

// TestSessionUIDsHeadKeepsNoEndedSession: the session whose record fields
// head gave last (kept for the session's next record) is let go at its
// end, and the next session's records get their own fields.
func TestSessionUIDsHeadKeepsNoEndedSession(t *testing.T) {
	var u sessionUIDs
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	s1 := &track.Session{ID: 1, Start: at, Client: netip.MustParseAddrPort("192.0.2.1:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21")}
	s2 := &track.Session{ID: 2, Start: at.Add(time.Second), Client: netip.MustParseAddrPort("192.0.2.2:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21")}
	h1 := u.head("", s1)
	if again := u.head("", s1); again != h1 || !strings.HasPrefix(h1, `,"session":1,"session_uid":"C`) {
		t.Fatalf("session 1's fields %q, then %q", h1, again)
	}
	uid1 := u.end("", s1)
	if u.lastSess != nil || u.lastFields != "" {
		t.Errorf("the ended session is still kept: %p %q", u.lastSess, u.lastFields)
	}
	if h2 := u.head("", s2); !strings.HasPrefix(h2, `,"session":2,"session_uid":"C`) || strings.Contains(h2, uid1) {
		t.Errorf("session 2's fields %q (session 1's uid %q)", h2, uid1)
	}
}
