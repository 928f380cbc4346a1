package vantage

import (
	"strings"
	"testing"
)

// TestAnswerDirectionOnlyPointSeesSYNACKLoss guards a point that captured
// only the server's packets (tcpdump -Q in on the client, a one-way SPAN)
// and saw nothing of a data connection whose SYN-ACKs a router dropped:
// blind to the SYN, it was capturing the very direction the SYN-ACK
// travels, so its silence is the loss, between the server and it, not a
// capture gap; the handshake was not "delivered". (A point that captured
// one direction leaves the points' order unknown, with the lab's transit
// between them or without.)
func TestAnswerDirectionOnlyPointSeesSYNACKLoss(t *testing.T) {
	for _, noTransit := range []bool{false, true} {
		l := newLab(t, "client", "server")
		l.noTransit = noTransit
		l.taps[0].miss = func(f *frame) bool { return f.fromClient }
		c := l.control(40000, 1000, 9000)
		c.pasv(40066)
		c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: 0, synTries: 3}, 0)
		c.quit()
		r := l.merge()
		p := onlyPath(t, r)
		if p.Where != LostSYNACK || p.After != 1 || p.Before != 0 {
			t.Errorf("order known %v: where %v after %d before %d (%s); want syn-ack-lost between server and client",
				r.Sessions[0].OrderKnown, p.Where, p.After, p.Before, p.Verdict)
		}
	}
}

// TestAnswerDirectionOnlyPointBesideTwoAnswered: the same with two
// points that saw the SYN-ACK and their order unknown: which of them is
// nearest the client is not known, so no loss is placed, but the handshake
// is not "delivered" either: the silent point's absence is said.
func TestAnswerDirectionOnlyPointBesideTwoAnswered(t *testing.T) {
	l := newLab(t, "client", "router", "server")
	l.natAt = 1
	l.taps[0].miss = func(f *frame) bool { return f.fromClient }
	c := l.control(40000, 1000, 9000)
	c.pasv(40066)
	c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: 1, synTries: 3}, 0)
	c.quit()
	r := l.merge()
	p := onlyPath(t, r)
	if r.Sessions[0].OrderKnown {
		t.Skip("order known: not the case guarded")
	}
	if p.Where != OrderUnknown || !strings.Contains(p.Verdict, `"client" saw no SYN-ACK, though it captured the direction the answer travels`) {
		t.Errorf("where %v (%s); want order-unknown, the client's silence said", p.Where, p.Verdict)
	}
}
