package vantage

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSenderAckProvesAnswerPassed guards data connections whose answer a
// capture missed while the sender's acknowledgment of it (the handshake's
// third segment) was captured: the SYN reached the receiver and the
// SYN-ACK came back, so no point's silence is a loss (not syn-lost,
// no-answer or syn-ack-lost) and the handshake was delivered. An empty
// transfer (a LIST of nothing) carries no payload to prove it otherwise.
func TestSenderAckProvesAnswerPassed(t *testing.T) {
	synACK := func(f *frame) bool { return f.syn && f.ackf && f.sport != 21 }
	data := func(port uint16) func(f *frame) bool {
		return func(f *frame) bool { return f.sport == port }
	}
	for _, tc := range []struct {
		name string
		// miss: what each tap missed of the connection judged (port
		// 40067); other, when set, a complete transfer made before it
		// (the server's capture holds the receiver's other data
		// connections).
		miss  [2]func(*frame) bool
		other bool
		note  string
	}{
		{"server kept nothing of it", [2]func(*frame) bool{synACK, data(40067)}, false, `"server" did not capture it, though it passed there`},
		{"server kept nothing of it, holding others", [2]func(*frame) bool{synACK, data(40067)}, true, `"server" did not capture it, though it passed there`},
		{"server missed the SYN-ACK", [2]func(*frame) bool{synACK, synACK}, false, `"server" did not capture the SYN-ACK, though it passed there (the sender acknowledged it)`},
		{"client missed the SYN-ACK seen at server", [2]func(*frame) bool{synACK, nil}, false, `"client" did not capture the SYN-ACK, though it passed there (the sender acknowledged it)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, "client", "server")
			for i, m := range tc.miss {
				if m != nil {
					l.taps[i].miss = func(f *frame) bool { return f.sport == 40067 && m(f) }
				}
			}
			c := l.control(40000, 1000, 9000)
			if tc.other {
				c.pasv(40066)
				c.data(50000, 40066, 5000, 6000, dataOpts{synReach: -1, synACKReach: -1}, 100)
			}
			c.pasv(40067)
			c.data(50001, 40067, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 0)
			l.tick(2 * time.Second) // the captures go on: their silence counts
			c.quit()
			r := l.merge()
			if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 1+btoi(tc.other) {
				t.Fatalf("want 1 session, %d data connections: %s", 1+btoi(tc.other), describe(r))
			}
			p := r.Sessions[0].Data[btoi(tc.other)]
			if p.Where != Delivered || !strings.Contains(fmt.Sprint(p.Gaps), tc.note) {
				t.Errorf("where %v (%s) gaps %q; want delivered, noting %q", p.Where, p.Verdict, p.Gaps, tc.note)
			}
		})
	}
}

// TestReceiverAckProvesAnnouncementPassed guards a 227 that a capture on
// the client's side missed while the server's side saw it and the
// client's acknowledgment of its bytes: it reached the client, not "lost
// or dropped in between". One the client never acknowledged (it passed
// the server's point only) is still lost.
func TestReceiverAckProvesAnnouncementPassed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lost     bool // the 227 never reached the client
		want     string
		notWant  string
		wantMiss bool
	}{
		{"acknowledged", false, `not a loss: "client" did not capture it, though it passed there (the receiver acknowledged it, as "server" saw)`, "never reached", true},
		{"never acknowledged", true, `seen at "server" only: it never reached "client"`, "acknowledged", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, "client", "server")
			l.taps[0].miss = func(f *frame) bool { return strings.HasPrefix(f.payload, "227 ") }
			c := l.control(40000, 1000, 9000)
			c.command("PASV")
			line := "227 Entering Passive Mode (10,1,0,2,156,67).\r\n"
			if tc.lost {
				// It passes the server's point and no further; the
				// client's later segments acknowledge nothing of it.
				l.send(frame{cport: c.cport, sport: 21, seq: c.sseq, ack: c.cseq, ackf: true, payload: line}, 0)
				l.tick(5 * time.Millisecond)
			} else {
				c.reply(strings.TrimSuffix(line, "\r\n"))
			}
			c.quit()
			r := l.merge()
			if len(r.Sessions) != 1 || len(r.Sessions[0].Announcements) != 1 {
				t.Fatalf("want 1 session with 1 announcement: %s", describe(r))
			}
			a := r.Sessions[0].Announcements[0]
			if a.Missing != tc.wantMiss || !strings.Contains(a.Verdict, tc.want) || strings.Contains(a.Verdict, tc.notWant) {
				t.Errorf("missing %v, verdict %q; want one saying %q", a.Missing, a.Verdict, tc.want)
			}
		})
	}
}

// TestSenderAckProvesAnswerPassedOrderUnknown: the same with the points'
// order unknown (the client's point captured the server's packets only):
// it missed the SYN-ACK that the sender's acknowledgment, seen at the
// server's point, proves came back through it; not syn-ack-lost.
func TestSenderAckProvesAnswerPassedOrderUnknown(t *testing.T) {
	l := newLab(t, "client", "server")
	l.taps[0].miss = func(f *frame) bool { return f.fromClient || f.syn && f.ackf && f.sport != 21 }
	c := l.control(40000, 1000, 9000)
	c.pasv(40066)
	c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 0)
	l.tick(2 * time.Second)
	c.quit()
	r := l.merge()
	p := onlyPath(t, r)
	if r.Sessions[0].OrderKnown {
		t.Skip("order known: not the case guarded")
	}
	const note = `"client" did not capture the SYN-ACK, though it passed there (the sender acknowledged it)`
	if p.Where != Delivered || !strings.Contains(fmt.Sprint(p.Gaps), note) {
		t.Errorf("where %v (%s) gaps %q; want delivered, noting %q", p.Where, p.Verdict, p.Gaps, note)
	}
}
