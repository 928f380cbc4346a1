package track_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// endedSink keeps the sessions that ended, in order, and the findings.
type endedSink struct {
	ended    []*track.Session
	findings []*diagnose.Finding
}

func (e *endedSink) SessionStart(*track.Session)            {}
func (e *endedSink) Command(*track.Session, *track.Command) {}
func (e *endedSink) Data(*track.Session, *track.DataConn)   {}
func (e *endedSink) Event(*track.Session, *track.Event)     {}
func (e *endedSink) SessionEnd(s *track.Session)            { e.ended = append(e.ended, s) }
func (e *endedSink) Finding(f *diagnose.Finding)            { e.findings = append(e.findings, f) }
func (e *endedSink) resumed() (first, second *track.Session, ok bool) {
	if len(e.ended) != 2 {
		return nil, nil, false
	}
	return e.ended[0], e.ended[1], true
}

// idleResumedScene runs one control connection through decode, track and
// the diagnosis: a login as alice, TYPE I, CWD /pub; then silence, with
// nothing between the two hosts, until decode closes it as idle at
// closeAt (a Tick); then between (which may send late packets of it and
// let time pass); then NOOP and QUIT, which pick it up again.
func idleResumedScene(t *testing.T, between func(c *conv, closeAt time.Time)) (*endedSink, time.Time, *track.Tracker) {
	t.Helper()
	sink := &endedSink{}
	trk := track.New(diagnose.New(policy.Policy{}, sink, sink), track.Options{})
	w := &wire{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), buf: make([]byte, 0, 256)}
	w.d = decode.New(trk, decode.Options{})
	c := w.open(netip.MustParseAddrPort("192.0.2.1:50001"), netip.MustParseAddrPort("192.0.2.10:21"))
	c.server("220 (vsFTPd 3.0.3)\r\n")
	c.client("USER alice\r\n")
	c.server("331 Please specify the password.\r\n")
	c.client("PASS secret\r\n")
	c.server("230 Login successful.\r\n")
	c.client("TYPE I\r\n")
	c.server("200 Switching to Binary mode.\r\n")
	c.client("CWD /pub\r\n")
	c.server("250 Directory successfully changed.\r\n")
	closeAt := w.now.Add(time.Hour + 30*time.Second).Truncate(time.Second)
	w.now = closeAt
	w.d.Tick(closeAt)
	between(c, closeAt)
	c.client("NOOP\r\n")
	c.server("200 NOOP ok.\r\n")
	c.client("QUIT\r\n")
	c.server("221 Goodbye.\r\n")
	c.close()
	w.d.Finish()
	return sink, closeAt, trk
}

// TestResumedSessionContinuesIdleClosed: the session of a control
// connection picked up again after an idle close continues the one that
// ended: linked to it (Resumed.From, Resumed.Closed), logged in as alice
// as it was, in its directory and type, so that nothing reads the rest
// of the conversation as a session without a login; only the login's
// own session has the cleartext-login finding.
func TestResumedSessionContinuesIdleClosed(t *testing.T) {
	sink, closeAt, trk := idleResumedScene(t, func(c *conv, closeAt time.Time) { c.w.now = closeAt.Add(time.Minute) })
	first, second, ok := sink.resumed()
	if !ok {
		t.Fatalf("%d sessions ended, want 2 (the idle close, then the rest)", len(sink.ended))
	}
	if first.EndReason != track.EndIdle || first.Resumed != nil {
		t.Fatalf("first session ended by %s, resumed %+v; want idle, not resumed", first.EndReason, first.Resumed)
	}
	r := second.Resumed
	if r == nil {
		t.Fatal("the second session does not say it continues the first")
	}
	if r.From != first.ID || !r.Closed.Equal(closeAt) {
		t.Errorf("continues session %d closed at %s; want %d at %s", r.From, r.Closed, first.ID, closeAt)
	}
	if n := trk.Limits().ResumedUnlinked; n != 0 {
		t.Errorf("Limits.ResumedUnlinked = %d, want 0", n)
	}
	if second.User != "alice" || second.Login != track.LoginOK || second.Cwd != "/pub" || second.Type != "I" {
		t.Errorf("second session: user %q, login %d, cwd %q, type %q; want alice, logged in, /pub, I",
			second.User, second.Login, second.Cwd, second.Type)
	}
	if second.CommandCount != 2 || !second.Midstream {
		t.Errorf("second session: %d commands, midstream %v; want 2 (NOOP, QUIT), picked up mid-stream", second.CommandCount, second.Midstream)
	}
	for _, f := range sink.findings {
		if f.Session == second || f.Session == nil || f.Code != diagnose.CodeCleartextLogin {
			t.Errorf("finding %s (%s) on session %d", f.Code, f.Message, sessionID(f.Session))
		}
	}
}

func sessionID(s *track.Session) int {
	if s == nil {
		return 0
	}
	return s.ID
}

// TestResumedSessionTrackerForgot: a late packet without bytes keeps
// decode's tombstone of the connection, so its bytes pick it up again
// after the tracker let go of what the ended session handed on
// (decode.ResumeWait after the close): the session is still a
// continuation, of a session no longer known, and claims no login state
// it cannot know.
func TestResumedSessionTrackerForgot(t *testing.T) {
	sink, closeAt, trk := idleResumedScene(t, func(c *conv, closeAt time.Time) {
		c.w.now = closeAt.Add(decode.ResumeWait - time.Minute)
		c.w.send(c.cli, c.srv, c.cseq, c.sseq, ack, "") // a keepalive-like ACK
		c.w.now = closeAt.Add(decode.ResumeWait + 30*time.Second)
		c.w.d.Tick(c.w.now)
	})
	_, second, ok := sink.resumed()
	if !ok {
		t.Fatalf("%d sessions ended, want 2", len(sink.ended))
	}
	r := second.Resumed
	if r == nil || r.From != 0 || !r.Closed.Equal(closeAt) {
		t.Fatalf("second session resumed %+v; want from a session no longer known, closed at %s", r, closeAt)
	}
	if second.User != "" || second.Login != track.LoginNone {
		t.Errorf("second session: user %q, login %d; want none carried", second.User, second.Login)
	}
	if n := trk.Limits().ResumedUnlinked; n != 1 {
		t.Errorf("Limits.ResumedUnlinked = %d, want 1", n)
	}
}

// TestNewConnectionOnIdleClosedTupleIsNoContinuation: a new connection
// (its SYN) on the 4-tuple of one closed as idle is a session of its own.
func TestNewConnectionOnIdleClosedTupleIsNoContinuation(t *testing.T) {
	sink, _, _ := idleResumedScene(t, func(c *conv, closeAt time.Time) {
		c.w.now = closeAt.Add(time.Minute)
		c.cseq, c.sseq = c.cseq+100000, c.sseq+100000
		c.w.send(c.cli, c.srv, c.cseq, 0, syn, "")
		c.w.send(c.srv, c.cli, c.sseq, c.cseq+1, syn|ack, "")
		c.cseq++
		c.sseq++
		c.w.send(c.cli, c.srv, c.cseq, c.sseq, ack, "")
		c.server("220 (vsFTPd 3.0.3)\r\n")
	})
	_, second, ok := sink.resumed()
	if !ok {
		t.Fatalf("%d sessions ended, want 2", len(sink.ended))
	}
	if second.Resumed != nil || second.User != "" || second.Midstream || len(second.Greeting) != 1 {
		t.Errorf("second session: resumed %+v, user %q, midstream %v, %d greeting replies; want a new session",
			second.Resumed, second.User, second.Midstream, len(second.Greeting))
	}
}
