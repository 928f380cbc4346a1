package vantage

import (
	"strings"
	"testing"
	"time"
)

// controlLabSession opens a logged-in session through a two-point lab
// and transfers nothing: what the tests do next is the line under test.
func controlLabSession(t *testing.T) (*lab, *ctl) {
	l := newLab(t, "client", "server")
	c := l.control(40000, 1000, 9000)
	c.command("RETR big.bin")
	c.reply("150 Opening BINARY mode data connection for big.bin")
	return l, c
}

// lineOut sends one line on c that reaches the taps up to reach (its
// direction of travel) without moving what the other side acknowledges:
// the receiver never got it.
func lineOut(c *ctl, fromClient bool, line string, reach int) {
	if fromClient {
		c.l.send(frame{fromClient: true, cport: c.cport, sport: 21, seq: c.cseq, ack: c.sseq, ackf: true, payload: line + "\r\n"}, reach)
		c.cseq += uint32(len(line) + 2)
	} else {
		c.l.send(frame{cport: c.cport, sport: 21, seq: c.sseq, ack: c.cseq, ackf: true, payload: line + "\r\n"}, reach)
		c.sseq += uint32(len(line) + 2)
	}
	c.l.tick(c.l.lineStep())
}

// finFrom closes c's side (fromClient) acknowledging ack, after d.
func finFrom(c *ctl, fromClient bool, ack uint32, d time.Duration) {
	c.l.tick(d)
	if fromClient {
		c.l.send(frame{fromClient: true, cport: c.cport, sport: 21, seq: c.cseq, ack: ack, ackf: true, fin: true}, -1)
	} else {
		c.l.send(frame{cport: c.cport, sport: 21, seq: c.sseq, ack: ack, ackf: true, fin: true}, -1)
	}
	c.l.tick(5 * time.Millisecond)
}

func onlySession(t *testing.T, r *Report) *Session {
	t.Helper()
	if len(r.Sessions) != 1 {
		t.Fatalf("want 1 session, got %s", describe(r))
	}
	return r.Sessions[0]
}

// TestControlReplyLostBetweenPoints guards the control connection's own
// judging (the real control-cut-download pair: a NAT that forgot the
// idle connection answered the 226 with a reset): the server's 226
// passed the server's point and never reached the client's, which went
// on capturing and whose client went on acknowledging only what came
// before: lost between them, though every data connection was delivered.
func TestControlReplyLostBetweenPoints(t *testing.T) {
	l, c := controlLabSession(t)
	before := c.sseq
	lineOut(c, false, "226 Transfer complete.", 0) // the server's point only
	finFrom(c, true, before, 20*time.Second)
	s := onlySession(t, l.merge())
	if s.ControlLost != 1 || len(s.ControlLosses) != 1 {
		t.Fatalf("want the 226 lost, got %d: %+v", s.ControlLost, s.ControlLosses)
	}
	x := s.ControlLosses[0]
	if x.Where != LineLost || x.FromClient || x.Code != 226 || x.After != 1 || x.Before != 0 || x.Text != "226 Transfer complete." ||
		!strings.Contains(x.Verdict, `"226 Transfer complete." was seen at "server" but never at "client": lost between them`) {
		t.Fatalf("loss: %+v", x)
	}
}

// TestControlReplyNeverAcknowledged guards the real client-host-fw-cut
// pair: the 226 reached the client's point (its interface), and the
// client, closing 20 s later, never acknowledged it: dropped on the
// client's host (its packets cross no router to the point: TTL 64).
func TestControlReplyNeverAcknowledged(t *testing.T) {
	l, c := controlLabSession(t)
	before := c.sseq
	lineOut(c, false, "226 Transfer complete.", -1)
	finFrom(c, true, before, 20*time.Second)
	s := onlySession(t, l.merge())
	if s.ControlLost != 1 {
		t.Fatalf("want the 226 unacknowledged, got %d: %+v", s.ControlLost, s.ControlLosses)
	}
	x := s.ControlLosses[0]
	if x.Where != LineUnacked || x.After != 0 || x.Before != -1 || !strings.Contains(x.Verdict, `reached "client" but the client never acknowledged it`) ||
		!strings.Contains(x.Verdict, "dropped on the client's host") {
		t.Fatalf("loss: %+v", x)
	}
}

// TestControlLineGapNotLoss guards what a point lacks that the receiver
// acknowledged: the client's point missed the 226, the client
// acknowledged it (the point capturing): a capture gap, nothing lost.
// Nor is a line said unacknowledged when its receiver said nothing after
// it, or when the capture ended with it.
func TestControlLineGapNotLoss(t *testing.T) {
	l, c := controlLabSession(t)
	l.taps[0].miss = func(f *frame) bool { return strings.HasPrefix(f.payload, "226 ") }
	lineOut(c, false, "226 Transfer complete.", -1)
	finFrom(c, true, c.sseq, 2*time.Second)
	if s := onlySession(t, l.merge()); s.ControlLost != 0 {
		t.Fatalf("a capture gap judged a loss: %+v", s.ControlLosses)
	}

	// The acknowledgment seen only at the client's point (lost on its
	// way back to the server's): still the client had the 226.
	l, c = controlLabSession(t)
	l.taps[0].miss = func(f *frame) bool { return strings.HasPrefix(f.payload, "226 ") }
	lineOut(c, false, "226 Transfer complete.", -1)
	l.tick(2 * time.Second)
	l.send(frame{fromClient: true, cport: c.cport, sport: 21, seq: c.cseq, ack: c.sseq, ackf: true, fin: true}, 0)
	l.tick(2 * time.Second)
	lineOut(c, false, "421 Timeout.", -1)
	if s := onlySession(t, l.merge()); s.ControlLost != 0 {
		t.Fatalf("a line acknowledged at the client's point judged lost: %+v", s.ControlLosses)
	}

	l, c = controlLabSession(t)
	lineOut(c, false, "226 Transfer complete.", -1)
	l.tick(5 * time.Second) // the client silent: no proof it never got it
	lineOut(c, false, "421 Timeout.", -1)
	if s := onlySession(t, l.merge()); s.ControlLost != 0 {
		t.Fatalf("a silent receiver judged: %+v", s.ControlLosses)
	}
}

// TestControlCommandLostBetweenPoints guards the other direction: the
// client's QUIT passed its point and never reached the server's, whose
// server went on (a 421 later) acknowledging only what came before.
func TestControlCommandLostBetweenPoints(t *testing.T) {
	l, c := controlLabSession(t)
	c.reply("226 Transfer complete.")
	before := c.cseq
	lineOut(c, true, "QUIT", 0)
	finFrom(c, false, before, 10*time.Second)
	s := onlySession(t, l.merge())
	if s.ControlLost != 1 {
		t.Fatalf("want the QUIT lost, got %d: %+v", s.ControlLost, s.ControlLosses)
	}
	if x := s.ControlLosses[0]; x.Where != LineLost || !x.FromClient || x.After != 0 || x.Before != 1 || x.Text != "QUIT" ||
		!strings.Contains(x.Verdict, `the client's "QUIT" command was seen at "client" but never at "server"`) {
		t.Fatalf("loss: %+v", x)
	}
}

// TestControlLossesBounded guards the bound: every lost line counted, the
// first maxControlLosses kept.
func TestControlLossesBounded(t *testing.T) {
	l, c := controlLabSession(t)
	before := c.sseq
	long := "226 " + strings.Repeat("x", 2*maxLineText) // kept to maxLineText, said cut
	for range maxControlLosses + 3 {
		lineOut(c, false, long, 0)
	}
	finFrom(c, true, before, 20*time.Second)
	s := onlySession(t, l.merge())
	if s.ControlLost != maxControlLosses+3 || len(s.ControlLosses) != maxControlLosses {
		t.Fatalf("want %d counted, %d kept; got %d, %d", maxControlLosses+3, maxControlLosses, s.ControlLost, len(s.ControlLosses))
	}
	if x := s.ControlLosses[0]; x.Text != long[:maxLineText] || !x.TextCut || !strings.Contains(x.Verdict, `x"…`) {
		t.Fatalf("long line: %+v", x)
	}
}

// TestLineNameMarksCommandCut guards the name of a command whose kept text
// was cut (Line.TextCut): marked "…", as a reply's is, never shown as a
// whole verb it was not. (A command decode reads has a verb of at most
// ftp.MaxVerbLen bytes; the mark is for any longer one kept.)
func TestLineNameMarksCommandCut(t *testing.T) {
	verb := strings.Repeat("X", maxLineText)
	for _, tc := range []struct {
		cut  bool
		want string
	}{
		{false, `the client's "` + verb + `" command`},
		{true, `the client's "` + verb + `"… command`},
	} {
		if got := lineName(Line{FromClient: true, Text: verb, TextCut: tc.cut}); got != tc.want {
			t.Errorf("cut %v: %s, want %s", tc.cut, got, tc.want)
		}
	}
}
