package decode

import (
	"testing"
	"time"
)

// lastOf is the latest event of kind k rec holds, nil when none.
func lastOf(rec *recorder, k ControlKind) *ControlEvent {
	for i := len(rec.control) - 1; i >= 0; i-- {
		if rec.control[i].Kind == k {
			return &rec.control[i]
		}
	}
	return nil
}

// TestCommandHeardBothSides guards ControlEvent.Heard: a command tells
// when both sides of its connection were last heard before it, by any
// segment (a TCP keepalive probe and its ACK as much as a line), so that
// a silence of lines crossed by keepalives both ways is not read as an
// idle connection a NAT forgot. Probes only one side sent leave the
// other side's silence standing.
func TestCommandHeardBothSides(t *testing.T) {
	for _, tc := range []struct {
		name string
		// probe runs from the 230 (the USER, the client's latest segment,
		// before it) and returns when both sides were last heard.
		probe func(v *conv, user, ok time.Time) time.Time
	}{
		{"no segment in 5 min", func(v *conv, user, ok time.Time) time.Time { return user }},
		{"keepalives answered every minute", func(v *conv, user, ok time.Time) time.Time {
			var at time.Time
			for range 12 {
				// (Every 25 s: a step of more than 30 s is held as a
				// possible clock outlier, its packet stamped when the
				// next confirms it.)
				v.ts = v.ts.Add(25*time.Second - 20*time.Millisecond)
				v.send(v.c, v.s, v.cseq-1, v.sseq, FlagACK, "")
				at = v.ts
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
			}
			return at
		}},
		{"keepalives never answered", func(v *conv, user, ok time.Time) time.Time {
			for range 12 {
				v.ts = v.ts.Add(25*time.Second - 10*time.Millisecond)
				v.send(v.c, v.s, v.cseq-1, v.sseq, FlagACK, "")
			}
			return ok
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			user := v.ts
			v.srv("230 ok\r\n")
			ok := v.ts
			want := tc.probe(v, user, ok)
			v.ts = ok.Add(5*time.Minute + 30*time.Second)
			v.cli("CWD pub\r\n")
			d.Finish()
			c := lastOf(rec, ControlCommand)
			if c == nil || c.Command.Verb != "CWD" {
				dumpEvents(t, rec)
				t.Fatalf("command %+v", c)
			}
			if !c.Heard.Equal(want) {
				t.Errorf("heard at %v (%v before the command), want %v (%v)", c.Heard, c.TS.Sub(c.Heard), want, c.TS.Sub(want))
			}
		})
	}
}

// TestResetTTLAtClose guards ControlEvent.ResetTTL, ResetAcked and
// ResetNoACK: the RST that ends a control connection compared with its
// side's latest segment (the same TTL, or another: a box between sent
// it), whether its side had acknowledged all the other side sent before
// it, and whether it came without the ACK flag (an answer to a segment
// of no connection: a NAT that forgot it).
func TestResetTTLAtClose(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fromSrv   bool
		ack       bool // the client acknowledges the 227 before the RST
		ttl       uint8
		want      ResetTTL
		wantAcked bool
		noACK     bool // the RST without the ACK flag
	}{
		{"the client's own, after its ACK", false, true, 64, ResetTTLSame, true, false},
		{"the client's TTL, no ACK before it", false, false, 64, ResetTTLSame, false, false},
		{"in the client's name with TTL 255", false, false, 255, ResetTTLOther, false, false},
		{"in the server's name with TTL 255", true, false, 255, ResetTTLOther, true, false},
		{"in the client's name without the ACK flag", false, false, 64, ResetTTLSame, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("230 ok\r\n")
			v.cli("PASV\r\n")
			v.srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
			if tc.ack {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			if tc.fromSrv {
				v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", setTTL(tc.ttl))
			} else if tc.noACK {
				v.sendMangled(v.c, v.s, v.cseq, 0, FlagRST, "", setTTL(tc.ttl))
			} else {
				v.sendMangled(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "", setTTL(tc.ttl))
			}
			d.Finish()
			e := lastOf(rec, ControlClose)
			if e == nil || e.Closed != CloseRST {
				dumpEvents(t, rec)
				t.Fatalf("close %+v", e)
			}
			if e.ResetTTL != tc.want || e.ResetAcked != tc.wantAcked || e.ResetNoACK != tc.noACK {
				t.Errorf("ResetTTL %v, ResetAcked %v, ResetNoACK %v; want %v, %v, %v", e.ResetTTL, e.ResetAcked, e.ResetNoACK, tc.want, tc.wantAcked, tc.noACK)
			}
		})
	}
}

// TestResetSenderWentOnShown guards what a server says after a box
// resets its client in the server's name (TTL 255), the client taking
// it: the server's reply, in sequence, at once or past the RST's hold,
// is its session's, after the reset (AfterReset, Unacked: the client
// never acknowledged it; its resends counted once, on it), before the
// close the RST reports, however it ends (the capture's end, resends,
// the client's own RST answering it, the server quiet for
// the hold). It was a session of its own, picked up mid-stream, the
// DELE in the first without a reply: the command carried out looked
// never answered.
func TestResetSenderWentOnShown(t *testing.T) {
	for _, tc := range []struct {
		name       string
		late       time.Duration // the reply after the RST
		after      func(v *conv, d *Decoder, reply string)
		wantResent uint16
	}{
		{"late once, then the capture's end", 10 * time.Second, func(*conv, *Decoder, string) {}, 0},
		{"late, sent again", 10 * time.Second, func(v *conv, _ *Decoder, reply string) {
			for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
				v.ts = v.ts.Add(wait)
				v.send(v.s, v.c, v.sseq-uint32(len(reply)), v.cseq, FlagACK|FlagPSH, reply)
			}
		}, 3},
		{"late, answered by the client's RST", 10 * time.Second, func(v *conv, _ *Decoder, _ string) {
			v.send(v.c, v.s, v.cseq, 0, FlagRST, "")
		}, 0},
		{"at once, then the server quiet past the hold", 20 * time.Millisecond, func(v *conv, d *Decoder, _ string) {
			for _, wait := range []time.Duration{rstHold, rstHoldOwed} { // (the hold, then more than its longest)
				v.ts = v.ts.Add(wait + time.Second)
				d.Tick(v.ts)
			}
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("230 ok\r\n")
			v.cli("DELE secret.txt\r\n")
			v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", setTTL(255))
			rstAt := v.ts
			v.ts = v.ts.Add(tc.late)
			const reply = "250 Delete operation successful.\r\n"
			v.srv(reply)
			tc.after(v, d, reply)
			d.Finish()
			var kinds []ControlKind
			var last *ControlEvent
			for i, e := range rec.control {
				kinds = append(kinds, e.Kind)
				if e.Kind == ControlReply {
					last = &rec.control[i]
				}
			}
			if convClientount(rec, ControlOpen) != 1 || len(kinds) < 2 || kinds[len(kinds)-1] != ControlClose || kinds[len(kinds)-2] != ControlReply ||
				last == nil || last.Reply.Text != "Delete operation successful." {
				dumpEvents(t, rec)
				t.Fatalf("want one session, the 250 its last event before its close")
			}
			if !last.AfterReset || !last.Unacked || last.Resent != tc.wantResent {
				t.Errorf("250 AfterReset %v, Unacked %v, Resent %d; want true, true, %d", last.AfterReset, last.Unacked, last.Resent, tc.wantResent)
			}
			e := lastOf(rec, ControlClose)
			if e.Closed != CloseRST || e.ClientClosed || e.ResetTTL != ResetTTLOther || !e.AfterReset || !e.TS.Equal(rstAt) || !e.LastSeen.Equal(rstAt) {
				t.Errorf("closed %v (client %v, TTL %v, after reset %v) at %v (last seen %v); want rst by the server's side, TTL other, after reset, at the RST %v",
					e.Closed, e.ClientClosed, e.ResetTTL, e.AfterReset, e.TS, e.LastSeen, rstAt)
			}
			if st := d.Stats(); st.ResetSenderWentOn != 0 || st.ClosedLateBytes != 0 || st.RSTNotTaken != 0 {
				t.Errorf("ResetSenderWentOn %d, ClosedLateBytes %d, RSTNotTaken %d; want 0", st.ResetSenderWentOn, st.ClosedLateBytes, st.RSTNotTaken)
			}
		})
	}
}

// TestHeldResetEndsAtItsTime guards the end of a connection closed by
// an RST held (hold.go) and never shown not taken: its LastSeen is the
// RST's time, not the latest resend of its sender's (which went on
// regardless) that happened to come before the hold was seen over.
func TestHeldResetEndsAtItsTime(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("230 ok\r\n")
	v.cli("DELE secret.txt\r\n")
	v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", setTTL(255))
	rstAt := v.ts
	const reply = "250 Delete operation successful.\r\n"
	v.srv(reply)
	for _, wait := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond} {
		v.ts = v.ts.Add(wait)
		v.send(v.s, v.c, v.sseq-uint32(len(reply)), v.cseq, FlagACK|FlagPSH, reply)
	}
	d.Finish()
	e := lastOf(rec, ControlClose)
	if e == nil || e.Closed != CloseRST {
		dumpEvents(t, rec)
		t.Fatalf("close %+v", e)
	}
	if !e.TS.Equal(rstAt) || !e.LastSeen.Equal(rstAt) {
		t.Errorf("closed at %v, last seen %v; want both the RST's %v", e.TS, e.LastSeen, rstAt)
	}
}
