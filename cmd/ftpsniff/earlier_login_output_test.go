package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// reinRelogin writes the shape of rv-dialects misc.pcap's session 1:
// alice logs in and downloads a file, REIN, bob's login fails, QUIT.
func reinRelogin(t *testing.T) string {
	c, path := newWireCap(t)
	s := newWireSession(c) // alice, logged in; PASV 10.0.0.1:40000
	k := &s.data
	k.handshake()
	s.cmd("RETR a.txt")
	s.reply("150 Opening BINARY mode data connection for a.txt (3000 bytes).")
	k.segments(wireBody(3000), nil)
	k.closeFromB()
	s.reply("226 Transfer complete.")
	s.cmd("REIN")
	s.reply("220 Service ready for new user.")
	s.cmd("USER bob")
	s.reply("331 Please specify the password.")
	s.cmd("PASS bobpw")
	s.reply("530 Login incorrect.")
	s.quit()
	return path
}

// TestEarlierLoginNotHiddenByFailedOne: after a REIN, bob's failed login
// must not hide alice's, under which the session transferred a file:
// the transcript's header, the summary's list, the live stream's end
// line and the report name her login first; JSON adds
// earlier_login_user and keeps user and login_state the latest
// attempt's; the Zeek lines carry each command's user. Before, all read
// "user bob, login failed".
func TestEarlierLoginNotHiddenByFailedOne(t *testing.T) {
	path := reinRelogin(t)
	const who = "user alice logged in; later user bob, login failed"

	out, errs, code := readText(t, path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "\n  "+who+"\n") || !strings.Contains(out, "transferred: 3000 bytes") {
		t.Errorf("transcript header is not %q (or no transfer):\n%s", who, out)
	}
	out, errs, code = readText(t, "--summary", "-v", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "10.0.0.2:50000 -> 10.0.0.1:21, "+who+"\n") {
		t.Errorf("summary list lacks %q:\n%s", who, out)
	}

	stream := liveStreamOf(t, path)
	if !strings.Contains(stream, "; "+who+"; ") {
		t.Errorf("live stream's end line lacks %q:\n%s", who, stream)
	}

	report := t.TempDir() + "/r.html"
	if _, errs, code := readText(t, "--report", report, path); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// (The report writes the user names as <bdi> elements.)
	if html, err := os.ReadFile(report); err != nil || !strings.Contains(strings.NewReplacer("<bdi>", "", "</bdi>", "").Replace(string(html)), who) {
		t.Errorf("report lacks %q", who)
	}

	sessions := jsonRecsOf(runJSONRecordsOK(t, "read", "--json", path), "session")
	if len(sessions) != 1 {
		t.Fatalf("%d session records, want 1", len(sessions))
	}
	r := sessions[0]
	if r["user"] != "bob" || r["login"] != false || r["login_state"] != "login failed" || r["earlier_login_user"] != "alice" {
		t.Errorf("session record user %v login %v login_state %v earlier_login_user %v; want bob, false, login failed, alice",
			r["user"], r["login"], r["login_state"], r["earlier_login_user"])
	}

	var zeek, zerr bytes.Buffer
	if code := run([]string{"read", "--format", "zeek", path}, &zeek, &zerr); code != 0 {
		t.Fatalf("zeek: exit %d: %s", code, zerr.String())
	}
	users := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(zeek.String()), "\n") {
		var l struct {
			User    string `json:"user"`
			Command string `json:"command"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil || l.Command == "" {
			continue
		}
		users[l.Command] = l.User
	}
	if users["RETR"] != "alice" || users["PASS"] != "bob" {
		t.Errorf("zeek users by command %v: want RETR alice, the last PASS bob", users)
	}
}
