package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestStreamRepeatedFindingOneLine: live's text stream prints a finding
// in full once; the same kind in a later session (same server, code,
// severity, advice) takes one line, "as in session 1 above", and again
// in session 1 "again, as above", as read's transcript does; a
// finding of another kind is printed in full. Before, every anonymous
// session repeated the whole cleartext-login block.
func TestStreamRepeatedFindingOneLine(t *testing.T) {
	opts := &liveOptions{}
	opts.Color = "never"
	var out bytes.Buffer
	lines := newLiveOutputFor(&opts.analysisOptions, &out, io.Discard, nil)
	s1, s2 := liveTestSession(1), liveTestSession(2)
	note := func(s *track.Session, code string) *diagnose.Finding {
		return &diagnose.Finding{Code: code, Severity: diagnose.SeverityInfo, Session: s,
			Message: "The login went in clear text (" + code + ")", Advice: "Use FTPS on this server."}
	}
	lines.SessionStart(s1)
	lines.Finding(note(s1, "cleartext-login"))
	lines.SessionStart(s2)
	lines.Finding(note(s2, "cleartext-login"))
	lines.Finding(note(s1, "cleartext-login"))
	lines.Finding(note(s2, "other-code"))
	got := out.String()
	if n := strings.Count(got, "(cleartext-login)"); n != 1 {
		t.Errorf("the finding's text printed %d times, want once:\n%s", n, got)
	}
	for _, want := range []string{"[2]", "as in session 1 above", "again, as above", "(other-code)"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "as in session 1") && !strings.HasPrefix(l, "[2]") ||
			strings.Contains(l, "again, as above") && !strings.HasPrefix(l, "[1]") {
			t.Errorf("a short line in the wrong session: %q", l)
		}
	}
}

// TestLiveNotesBoundsOnceDropsPerMinute: live says in its stream, once,
// when a table's bound is first hit (what it costs), and kernel drops at
// most once a minute of housekeeping seconds, with the count since the
// last line; the text stream gets them as "[ftpsniff]" lines. Before,
// a full table showed only as "end: evicted" per session, and kernel
// drops nowhere in the stream until the exit.
func TestLiveNotesBoundsOnceDropsPerMinute(t *testing.T) {
	var n liveNotes
	snap := func(evicting uint64, drops uint64) snapshot {
		return snapshot{Decode: decode.Stats{ControlConnsFull: evicting}, Limits: track.Limits{},
			Kernel: []capture.IfaceStats{{Name: "eth0", Drops: drops}}}
	}
	steps := []struct {
		s    snapshot
		want []string // substrings, one per line said
	}{
		{snap(0, 0), nil},
		{snap(1, 0), []string{"control_conns_full"}},
		{snap(5, 0), nil},
		{snap(5, 10), []string{"dropped 10 packets since the start (10 in all"}},
		{snap(5, 20), nil},
	}
	for i, st := range steps {
		got := n.check(st.s)
		if len(got) != len(st.want) {
			t.Fatalf("step %d: said %q, want %d lines", i, got, len(st.want))
		}
		for j, w := range st.want {
			if !strings.Contains(got[j], w) {
				t.Errorf("step %d: %q lacks %q", i, got[j], w)
			}
		}
	}
	// The rest of the minute: nothing; then the drops since the line.
	for i := 2; i < dropsEvery; i++ {
		if got := n.check(snap(5, 30)); len(got) > 0 {
			t.Fatalf("second %d after the drops line: said %q", i, got)
		}
	}
	got := n.check(snap(5, 30))
	if len(got) != 1 || !strings.Contains(got[0], "dropped 20 packets in the last 60 s (30 in all") {
		t.Fatalf("a minute after: said %q", got)
	}
	if got := n.check(snap(5, 30)); len(got) > 0 {
		t.Errorf("no new drops: said %q", got)
	}

	opts := &liveOptions{}
	opts.Color = "never"
	var out bytes.Buffer
	lines := newLiveOutputFor(&opts.analysisOptions, &out, io.Discard, nil)
	lines.note("the kernel dropped 1 packet")
	if out.String() != "[ftpsniff] the kernel dropped 1 packet\n" {
		t.Errorf("stream note %q", out.String())
	}
}
