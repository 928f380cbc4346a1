package track

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestTranscriptBudgetCountsReplyBytes: the open sessions' transcripts
// keep a bounded number of bytes, not only of commands. A server that
// answers each STAT with 1,000 lines of 100 bytes made a text transcript
// of 1,600 STATs hold 350 MB (448 MB of RSS), under the budget of 10,000
// commands. Past DefaultTranscriptBytes the commands are counted, not
// kept, as past the command budget; an ended session gives its bytes back.
func TestTranscriptBudgetCountsReplyBytes(t *testing.T) {
	line := strings.Repeat("x", 100)
	lines := make([]string, 1000)
	for i := range lines {
		lines[i] = "211-" + line
	}
	// Each reply shares these strings: the test holds them once.
	text := strings.Repeat(line+"\n", 1000)
	reply := func() *ftp.Reply { return &ftp.Reply{Code: 211, OpenCode: 211, Lines: lines, Text: text} }
	perReply := len(text)
	for _, l := range lines {
		perReply += len(l)
	}
	const stats = 200 // 40 MB of reply text, counted; far under the command budget
	rec := &recorder{}
	trk := New(rec, Options{})
	open := func(port uint16) netip.AddrPort {
		c := netip.AddrPortFrom(cli.Addr(), port)
		trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, TS: t0, Client: c, Server: srv})
		trk.Control(&decode.ControlEvent{Kind: decode.ControlReply, TS: t0, Client: c, Server: srv, Reply: &ftp.Reply{Code: 220, Lines: []string{"220 hi"}, Text: "hi"}})
		return c
	}
	c1 := open(40001)
	for range stats {
		trk.Control(&decode.ControlEvent{Kind: decode.ControlCommand, TS: t0, Client: c1, Server: srv, Command: ftp.Command{Verb: "STAT"}})
		trk.Control(&decode.ControlEvent{Kind: decode.ControlReply, TS: t0, Client: c1, Server: srv, Reply: reply()})
	}
	sess := trk.sessions.Get(decode.MakeConnKey(c1, srv))
	if sess == nil {
		t.Fatal("no session")
	}
	held := 0
	for _, c := range sess.Commands {
		for _, r := range c.Replies {
			held += len(r.Text)
			for _, l := range r.Lines {
				held += len(l)
			}
		}
	}
	// A command kept just under the bound keeps its reply.
	if max := DefaultTranscriptBytes + perReply; held > max {
		t.Errorf("the transcript holds %d bytes of replies (%d commands of %d), over %d", held, len(sess.Commands), stats, max)
	}
	if len(sess.Commands)+sess.CommandsOmitted != stats || sess.CommandsOmitted == 0 {
		t.Errorf("kept %d, omitted %d of %d", len(sess.Commands), sess.CommandsOmitted, stats)
	}
	if lim := trk.Limits(); lim.TranscriptBudget == 0 || lim.CommandsOmitted != sess.CommandsOmitted {
		t.Errorf("limits %+v: the bound's omissions not counted", lim)
	}
	// The session ends: its bytes are given back, another keeps its own.
	trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, TS: t0, Client: c1, Server: srv})
	if trk.transcriptBytes != 0 || trk.transcript != 0 {
		t.Errorf("after the only session ended, %d entries and %d bytes still counted", trk.transcript, trk.transcriptBytes)
	}
	c2 := open(40002)
	trk.Control(&decode.ControlEvent{Kind: decode.ControlCommand, TS: t0, Client: c2, Server: srv, Command: ftp.Command{Verb: "STAT"}})
	trk.Control(&decode.ControlEvent{Kind: decode.ControlReply, TS: t0, Client: c2, Server: srv, Reply: reply()})
	if s2 := trk.sessions.Get(decode.MakeConnKey(c2, srv)); s2 == nil || len(s2.Commands) != 1 {
		t.Errorf("a new session's command not kept after the first ended")
	}
}
