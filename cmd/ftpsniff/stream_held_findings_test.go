package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestStreamHeldFindingsByCommand guards the findings `live`'s text
// output holds for a command not written yet (cleartext-login, made at
// the PASS before the PASS reaches the output): each comes under its own
// command's line, after the commands before it, whatever else the
// session holds (findings kept for data connections); one about a command
// never written comes at the session's end; and nothing of them is kept
// after it (heldFor, which spares Command a look through the session's
// held findings at every command).
func TestStreamHeldFindingsByCommand(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	out := newStreamOutput(bw, newPalette(false), false)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 7, Start: t0, End: t0.Add(time.Minute),
		Client: netip.MustParseAddrPort("192.0.2.1:50000"), Server: netip.MustParseAddrPort("192.0.2.10:21")}
	out.SessionStart(s)
	cmds := make([]*track.Command, 6)
	for i := range cmds {
		cmds[i] = &track.Command{Index: i + 1, Verb: "NOOP", TS: t0.Add(time.Duration(i) * time.Second)}
	}
	finding := func(c *track.Command, d *track.DataConn, msg string) *diagnose.Finding {
		return &diagnose.Finding{Code: strings.ReplaceAll(msg, " ", "-"), Severity: diagnose.SeverityInfo, TS: t0, Session: s, Command: c, Data: d, Message: msg}
	}
	for i := range 50 {
		out.Finding(finding(nil, &track.DataConn{ID: i + 1, Session: s}, "about a data connection"))
	}
	out.Finding(finding(cmds[2], nil, "about command three"))
	out.Finding(finding(cmds[5], nil, "about command six, never written"))
	for _, c := range cmds[:5] {
		out.Command(s, c)
	}
	if n := out.heldFor[cmds[2]]; n != 0 {
		t.Errorf("%d findings still held for a command written", n)
	}
	out.SessionEnd(s)
	bw.Flush()
	text := buf.String()
	if three := strings.Index(text, "about command three"); three < 0 || strings.Count(text[:three], "NOOP") != 3 {
		t.Errorf("the finding about command three not right under its line:\n%s", text)
	}
	if six := strings.Index(text, "about command six"); six < 0 || six < strings.LastIndex(text, "NOOP") {
		t.Errorf("the finding about a command never written not at the session's end:\n%s", text)
	}
	if len(out.heldFor) != 0 || len(out.lines.findings) != 0 {
		t.Errorf("held after the session's end: %d commands' counts, %d sessions' findings", len(out.heldFor), len(out.lines.findings))
	}
}
