package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestTextQuotedWireTextEscapedOnce: a finding's evidence quotes the
// replies with %q, so a reply holding quotes reads `\"/\"` in it; the text
// output escaped the backslashes again, printing `transfer of \\"/\\"`
// (FileZilla Server's 425 naming the path). The transcript's reply line
// shows the reply as it came, and the evidence once quoted.
func TestTextQuotedWireTextEscapedOnce(t *testing.T) {
	out, stderr, code := readText(t, "-v", quoted425Capture(t))
	if code != 0 && code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out = strings.Join(strings.Fields(out), " ") // undo the wrapping
	if strings.Contains(out, `\\"`) {
		t.Errorf("a quote escaped twice:\n%s", out)
	}
	if !strings.Contains(out, `-> "425 Can't open data connection for transfer of \"/\""`) {
		t.Errorf("the evidence does not quote the 425 once:\n%s", out)
	}
	if !strings.Contains(out, `--> 425 Can't open data connection for transfer of "/"`) {
		t.Errorf("the transcript does not show the 425 as it came:\n%s", out)
	}
}

// quoted425Capture is a capture whose MLSD's data SYNs go unanswered and
// whose 425 quotes the path, as FileZilla Server's does: wire text with
// quotes, which findings quote again with %q.
func quoted425Capture(t *testing.T) string {
	c, path := newWireCap(t)
	s := newWireSession(c)
	s.cmd("MLSD")
	for range 3 {
		c.pkt(s.data.a, s.data.b, s.data.aseq, 0, "S", nil) // unanswered
	}
	s.reply(`425 Can't open data connection for transfer of "/"`)
	s.quit()
	return path
}

// TestTextFindingSentencesKeepBackslashes: a finding's message, evidence
// and fix, and a server's verdict and rules, are ftpsniff's sentences:
// the backslashes of their %q quoting and of the shell quoting in a fix
// are printed as they are, while control and invisible characters are
// still escaped.
func TestTextFindingSentencesKeepBackslashes(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    diagnose.Finding
		want []string
		not  []string
	}{
		{"quoted reply", diagnose.Finding{Code: "x", Message: `The server refused active mode (it answered PORT with "500 \"PORT\" refused")`,
			Evidence: `"MLSD" -> "425 Can't open data connection for transfer of \"/\""`},
			[]string{`(it answered PORT with "500 \"PORT\" refused")`, `transfer of \"/\""`}, []string{`\\`}},
		{"shell quoting in a fix", diagnose.Finding{Code: "x", Message: "m", Advice: `set pasv_address='it'\''s'`},
			[]string{`fix:      set pasv_address='it'\''s'`}, []string{`\\`}},
		{"control characters still escaped", diagnose.Finding{Code: "x", Message: "a\x1b[2Jb\u202ec", Evidence: "e\x07", Advice: "f\u009b\xff"},
			[]string{`a\x1b[2Jb\u202ec`, `e\a`, `f\u009b\xff`}, []string{"\x1b", "\u202e", "\x07", "\u009b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			w := bufio.NewWriter(&b)
			o := newTextOutput(w, newPalette(false), false)
			o.width = 400
			o.finding(&tc.f)
			w.Flush()
			for _, want := range tc.want {
				if !strings.Contains(b.String(), want) {
					t.Errorf("lacks %q:\n%s", want, b.String())
				}
			}
			for _, not := range tc.not {
				if strings.Contains(b.String(), not) {
					t.Errorf("holds %q:\n%s", not, b.String())
				}
			}
		})
	}
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	o := newTextOutput(w, newPalette(false), false)
	o.width = 400
	o.sel = &sessionSelector{}
	o.Servers([]diagnose.ServerSummary{{Server: srv, Sessions: 1, Verdict: `the server answers "425 \"/\"" to every transfer`,
		Rules: []string{`nft add rule inet filter input comment '"ftp'\''s"' accept`}}})
	o.serverSummaries()
	w.Flush()
	for _, want := range []string{`"425 \"/\""`, `comment '"ftp'\''s"' accept`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("server block lacks %q:\n%s", want, b.String())
		}
	}
}

// FuzzSentence: whatever sentence is given, what it returns holds no
// control character (C0, DEL, C1) or bidi control, as safe's.
func FuzzSentence(f *testing.F) {
	f.Add("transfer of \"/\" \\\x1b[31m")
	f.Add("\u202e\xff\x00\\")
	f.Fuzz(func(t *testing.T, s string) {
		out := sentence(s)
		for _, r := range out {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x202e || r == 0x202d || r == 0x2066 || r == 0x2067 || r == 0x2068 || r == 0x2069 || invisible(r) {
				t.Fatalf("sentence(%q) = %q keeps control rune %U", s, out, r)
			}
		}
		if !strings.Contains(s, `\`) && out != safe(s) {
			t.Fatalf("sentence(%q) = %q, safe %q: they differ without a backslash", s, out, safe(s))
		}
	})
}

// TestTextCaptureGapBeforeTheReplyAfterIt: a capture gap in the server's
// stream between a RETR's 150 and its 226 (the snap length cut the 150's
// packet) was printed after the command's block, under the 226 that came
// after it: "+0.009 --> 226", then "+0.007 !! capture gap". It is shown
// in the block, before the reply that followed it; an event after the
// last reply stays after the block.
func TestTextCaptureGapBeforeTheReplyAfterIt(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	s.cmd("RETR x")
	k := &s.ctl
	cut, lost := "150 Opening BINARY mode data connection for x (30", "00 bytes).\r\n"
	c.pkt(k.b, k.a, k.bseq, k.aseq, "PA", []byte(cut))
	k.bseq += uint32(len(cut) + len(lost)) // the rest of the line not captured
	c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
	s.data.handshake()
	s.data.segments(wireBody(3000), nil)
	s.data.closeFromB()
	s.reply("226 Transfer complete.")
	s.quit()

	out, stderr, code := readText(t, path)
	if code != 0 && code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	gap := strings.Index(out, "!! capture gap: 12 server bytes missing")
	r150 := strings.Index(out, "--> 150 Opening")
	r226 := strings.Index(out, "--> 226 Transfer complete.")
	if gap < 0 || r150 < 0 || r226 < 0 {
		t.Fatalf("gap %d, 150 %d, 226 %d:\n%s", gap, r150, r226, out)
	}
	if !(r150 < gap && gap < r226) {
		t.Errorf("the gap is not between the 150 and the 226:\n%s", out)
	}
	if strings.Count(out, "!! capture gap") != 1 {
		t.Errorf("the gap is not shown once:\n%s", out)
	}
}

// TestOpenCommand: the command whose block an event goes in is the
// earliest before it still waiting for a reply after it: with a command
// pipelined behind it, the one whose transfer the event came in; none
// when every command before it was answered.
func TestOpenCommand(t *testing.T) {
	reply := func(seqs ...uint64) []track.Reply {
		var rs []track.Reply
		for _, q := range seqs {
			rs = append(rs, track.Reply{Seq: q})
		}
		return rs
	}
	user := &track.Command{Seq: 1, Verb: "USER", Replies: reply(2)}
	retr := &track.Command{Seq: 3, Verb: "RETR", Replies: reply(5, 8)}
	quit := &track.Command{Seq: 4, Verb: "QUIT", Replies: reply(10)}
	noop := &track.Command{Seq: 11, Verb: "NOOP"} // no reply
	items := []item{{seq: 1, cmd: user}, {seq: 3, cmd: retr}, {seq: 4, cmd: quit}, {seq: 11, cmd: noop}}
	for _, tc := range []struct {
		n    int    // items before the event
		seq  uint64 // the event's
		want *track.Command
	}{
		{2, 4, retr},
		{3, 6, retr}, // QUIT pipelined behind the RETR
		{3, 7, retr},
		{3, 9, quit}, // after the RETR's 226 (8), before the QUIT's 221
		{4, 12, nil},
		{1, 3, nil},
	} {
		if got := openCommand(items[:tc.n], tc.seq); got != tc.want {
			t.Errorf("event %d after %d items: %v, want %v", tc.seq, tc.n, got, tc.want)
		}
	}
}
