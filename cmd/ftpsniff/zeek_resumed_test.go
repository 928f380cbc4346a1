package main

import (
	"bufio"
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestZeekResumedSessionKeepsUID guards ftp.log for a control connection
// closed as idle and picked up again by its later bytes: one connection to
// Zeek, so every line has the uid of the session it continues (docs/json.md:
// the same for every line of a session), and the lines after the silence
// keep the password of the first part, masked as ever. Before, they got a
// second uid (hashed from the continuation's start and ID) and no
// password.
func TestZeekResumedSessionKeepsUID(t *testing.T) {
	path := idleResumedCapture(t)
	for _, tc := range []struct {
		flags    []string
		password string
	}{
		{nil, hidden},
		{[]string{"--show-passwords"}, "secret"},
	} {
		var out, errb bytes.Buffer
		if code := run(append(append([]string{"read", "--format", "zeek"}, tc.flags...), path), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.flags, code, errb.String())
		}
		lines := jsonLines(t, "zeek", out.Bytes())
		parts := map[float64]int{} // lines by ftpsniff.session
		for _, l := range lines {
			parts[l["ftpsniff.session"].(float64)]++
			if l["uid"] != lines[0]["uid"] {
				t.Errorf("%v: session %v, %v: uid %v; the connection's is %v", tc.flags, l["ftpsniff.session"], l["command"], l["uid"], lines[0]["uid"])
			}
			if l["command"] == "USER" {
				continue // before the PASS
			}
			if l["password"] != tc.password || l["user"] != "alice" {
				t.Errorf("%v: session %v, %v: user %v, password %v; want alice, %q", tc.flags, l["ftpsniff.session"], l["command"], l["user"], l["password"], tc.password)
			}
		}
		if parts[1] == 0 || parts[2] == 0 {
			t.Fatalf("%v: lines by session %v: want both parts", tc.flags, parts)
		}
	}
}

// TestZeekResumedSessionKeepsCwd: the continuation goes on from Zeek's
// working directory of the part it continues (the tracker did not know it:
// a relative CWD), and what is kept for continuations is bounded: past
// maxZeekIdleEnded sessions closed as idle, the oldest is forgotten and
// its continuation gets a uid of its own.
func TestZeekResumedSessionKeepsCwd(t *testing.T) {
	o := newZeekOutput(bufio.NewWriter(io.Discard), false, idOptions{})
	o.notes = io.Discard
	first := zeekTestSession()
	first.EndReason = track.EndIdle
	o.SessionStart(first)
	o.Command(first, answered(1, "CWD", "pub", 250, "ok"))
	uid := o.sessions[first].uid
	o.SessionEnd(first)

	second := zeekTestSession()
	second.ID, second.Start = 2, first.Start.Add(time.Hour)
	second.Resumed = &track.Resumption{From: 1}
	o.SessionStart(second)
	o.Command(second, answered(1, "RETR", "a.txt", 550, "no"))
	zs := o.sessions[second]
	if zs.uid != uid || len(zs.held) != 1 || zs.held[0].rec.Arg != "ftp://10.1.0.1/./pub/a.txt" {
		t.Errorf("continuation: uid %s (first part's %s), lines %d", zs.uid, uid, len(zs.held))
		if len(zs.held) > 0 {
			t.Errorf("RETR arg %q, want ftp://10.1.0.1/./pub/a.txt", zs.held[0].rec.Arg)
		}
	}
	if _, ok := o.idleEnded[1]; ok {
		t.Error("the first part is still kept after its continuation took it")
	}

	for id := 10; id < 10+maxZeekIdleEnded+1; id++ {
		s := zeekTestSession()
		s.ID, s.EndReason = id, track.EndIdle
		o.SessionStart(s)
		o.SessionEnd(s)
	}
	if len(o.idleEnded) != maxZeekIdleEnded || len(o.idleOrder) > 2*maxZeekIdleEnded {
		t.Errorf("%d kept, %d in their order; bound %d", len(o.idleEnded), len(o.idleOrder), maxZeekIdleEnded)
	}
	late := zeekTestSession()
	late.ID, late.Resumed = 20000, &track.Resumption{From: 10}
	o.SessionStart(late)
	if o.sessions[late].uid != zeekUID("", late) {
		t.Error("the continuation of a part forgotten took a kept uid")
	}
}
