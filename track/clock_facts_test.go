package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// clockCapture drives a Tracker as decode does: each packet's segment
// first (the clock), then the control event it completed, at times the
// test sets, so that the capture's clock can step back.
type clockCapture struct {
	t   *testing.T
	trk *Tracker
	rec *recorder
	num uint64
}

func newClockCapture(t *testing.T) *clockCapture {
	rec := &recorder{}
	return &clockCapture{t: t, trk: New(rec, Options{}), rec: rec}
}

// pkt is a packet of the control connection from client c at ts.
func (k *clockCapture) pkt(c netip.AddrPort, ts time.Time) {
	k.num++
	k.trk.Segment(&decode.Segment{Num: k.num, TS: ts, Src: c, Dst: srv, Flags: decode.FlagACK, Control: true})
}

// open starts client c's session: its SYN at first, its greeting at
// greeting (the packet that announces it).
func (k *clockCapture) open(c netip.AddrPort, first, greeting time.Time) {
	k.pkt(c, first)
	k.pkt(c, greeting)
	k.trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, Num: k.num, TS: first, Client: c, Server: srv})
	k.trk.Control(&decode.ControlEvent{Kind: decode.ControlReply, Num: k.num, TS: greeting, Client: c, Server: srv, Reply: &ftp.Reply{Code: 220, Text: "ready"}})
}

// noop is a NOOP of client c's session at ts and its reply 10 ms later.
func (k *clockCapture) noop(c netip.AddrPort, ts time.Time) {
	k.pkt(c, ts)
	k.trk.Control(&decode.ControlEvent{Kind: decode.ControlCommand, Num: k.num, TS: ts, Client: c, Server: srv, FromClient: true, Command: ftp.Command{Verb: "NOOP"}})
	ts = ts.Add(10 * time.Millisecond)
	k.pkt(c, ts)
	k.trk.Control(&decode.ControlEvent{Kind: decode.ControlReply, Num: k.num, TS: ts, Client: c, Server: srv, Reply: &ftp.Reply{Code: 200, Text: "ok"}})
}

// fin closes client c's session by FINs, the last at ts.
func (k *clockCapture) fin(c netip.AddrPort, ts time.Time) {
	k.pkt(c, ts)
	k.trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, Num: k.num, TS: ts, LastSeen: ts, Client: c, Server: srv, Closed: decode.CloseFIN})
}

// ended is client c's session as reported.
func (k *clockCapture) ended(c netip.AddrPort) *Session {
	for _, s := range k.rec.ended {
		if s.Client == c {
			return s
		}
	}
	k.t.Fatalf("no session of %v ended", c)
	return nil
}

// TestSessionClockSteps guards Session.ClockSteps, the steps of the
// capture's clock a session lived through (the outputs' "leaving out a
// step back", JSON elapsed_ms and clock_steps_back read them; they had
// derived them again from final replies alone, which left out the time
// from the reply before a step to the one after, and saw none between a
// session's SYN and its greeting). A step back before a session's first
// packet is not its; one between its SYN and its greeting is; a step
// forward is not a step back (past a day it is counted apart); a step
// after its last packet, before an idle close, is not its; sessions open
// at once each count those they lived through.
func TestSessionClockSteps(t *testing.T) {
	a := netip.MustParseAddrPort("198.51.100.7:50001")
	b := netip.MustParseAddrPort("198.51.100.7:50002")
	ms := time.Millisecond
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	type want struct {
		back    int
		backBy  time.Duration
		forward int
	}
	check := func(t *testing.T, s *Session, w want) {
		t.Helper()
		var got want
		if cs := s.ClockSteps; cs != nil {
			got = want{cs.Back, cs.BackBy, cs.Forward}
			if got == (want{}) {
				t.Errorf("ClockSteps %+v with nothing in it: want nil", *cs)
			}
		}
		if got != w {
			t.Errorf("session of %v: steps back %d by %v, forward %d; want %d by %v, forward %d", s.Client, got.back, got.backBy, got.forward, w.back, w.backBy, w.forward)
		}
		if w.forward == 0 && s.End.Sub(s.Start)+got.backBy < 0 {
			t.Errorf("session of %v: lasted %v with its steps back left out, less than nothing", s.Client, s.End.Sub(s.Start)+got.backBy)
		}
	}

	t.Run("step back before the session", func(t *testing.T) {
		k := newClockCapture(t)
		k.pkt(b, at(0))
		k.pkt(b, at(10*time.Second))
		k.open(a, at(0), at(20*ms)) // its SYN 10 s before the packet before it
		k.noop(a, at(time.Second))
		k.fin(a, at(2*time.Second))
		k.trk.Finish()
		check(t, k.ended(a), want{})
	})
	t.Run("step back during the session", func(t *testing.T) {
		k := newClockCapture(t)
		k.open(a, at(0), at(20*ms))
		k.noop(a, at(time.Second))
		// Another connection's packet shows the step first: the time
		// across it is from that packet's to the one before it.
		k.pkt(b, at(time.Second+20*ms-time.Hour))
		k.noop(a, at(time.Second+40*ms-time.Hour))
		k.fin(a, at(time.Second+60*ms-time.Hour))
		k.trk.Finish()
		check(t, k.ended(a), want{1, time.Hour - 10*ms, 0})
	})
	t.Run("step back between the SYN and the greeting", func(t *testing.T) {
		k := newClockCapture(t)
		k.open(a, at(0), at(20*ms-time.Hour))
		k.noop(a, at(40*ms-time.Hour))
		k.fin(a, at(60*ms-time.Hour))
		k.trk.Finish()
		check(t, k.ended(a), want{1, time.Hour - 20*ms, 0})
	})
	t.Run("step back after the last packet, before an idle close", func(t *testing.T) {
		k := newClockCapture(t)
		k.open(a, at(0), at(20*ms))
		k.noop(a, at(time.Second))
		last := at(time.Second + 10*ms)
		k.pkt(b, at(2*time.Second-time.Hour))
		k.pkt(b, at(20*time.Minute-time.Hour))
		k.trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, Num: k.num, TS: at(20*time.Minute - time.Hour), LastSeen: last, Client: a, Server: srv, Closed: decode.CloseIdle})
		k.trk.Finish()
		check(t, k.ended(a), want{})
	})
	t.Run("step back after the last packet, before a held RST's close", func(t *testing.T) {
		// decode holds an RST close for the RST's copies: the close is
		// delivered at a later packet, after a step the session did not
		// live through ("rst after 3599.662s").
		k := newClockCapture(t)
		k.open(a, at(0), at(20*ms))
		k.noop(a, at(time.Second))
		rst := at(time.Second + 50*ms)
		k.pkt(a, rst)
		k.pkt(b, at(2*time.Second-time.Hour))
		// (Stamped with the RST's own time, as decode does.)
		k.trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, Num: k.num, TS: rst, LastSeen: rst, Client: a, Server: srv, Closed: decode.CloseRST})
		k.trk.Finish()
		check(t, k.ended(a), want{})
	})
	t.Run("steps forward are no step back", func(t *testing.T) {
		k := newClockCapture(t)
		k.open(a, at(0), at(20*ms))
		k.noop(a, at(time.Hour)) // an hour: time that passed
		k.noop(a, at(50*time.Hour))
		k.fin(a, at(50*time.Hour+time.Second))
		k.trk.Finish()
		check(t, k.ended(a), want{0, 0, 1})
	})
	t.Run("sessions open at once", func(t *testing.T) {
		k := newClockCapture(t)
		k.open(a, at(0), at(20*ms))
		k.noop(a, at(time.Second))
		k.pkt(b, at(2*time.Second-time.Hour)) // a's first step
		k.open(b, at(2*time.Second-time.Hour), at(2*time.Second+20*ms-time.Hour))
		k.noop(a, at(3*time.Second-time.Hour))
		k.noop(b, at(4*time.Second-time.Hour))
		k.noop(b, at(5*time.Second-2*time.Hour)) // both live through this one
		k.fin(b, at(6*time.Second-2*time.Hour))
		k.noop(a, at(7*time.Second-2*time.Hour))
		k.fin(a, at(8*time.Second-2*time.Hour))
		k.trk.Finish()
		check(t, k.ended(a), want{2, time.Hour - 990*ms + time.Hour - 990*ms, 0})
		check(t, k.ended(b), want{1, time.Hour - 990*ms, 0})
	})
}
