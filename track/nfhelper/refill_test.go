package nfhelper

import (
	"strings"
	"testing"
)

// TestHoleAtLineStartSearchedWhenRefilled guards bytes fed as unseen (a
// hole in the capture, Segment.Cut without Payload) that began at a
// remembered line start: the router searched them there, so the segment
// that later fills the hole from that start is searched too, although the
// hole's assumed line end and the next one pushed the start out of the
// two remembered ones. Shapes recorded on Linux 6.18.44, where the kernel
// created the expectation both times: a 227 whose first copy the capture
// lacks and which came again after the next reply (d3), and a 227 split
// after "(192,0," whose first part the router dropped, whose tail came
// alone, and whose retransmission was the whole line (d2). Before, the
// refilling 227 was "not after a remembered newline".
func TestHoleAtLineStartSearchedWhenRefilled(t *testing.T) {
	const whole = "227 Entering Passive Mode (192,0,2,10,156,66).\r\n"
	const head = "227 Entering Passive Mode (192,0,"
	hole := func(w *wire, n int) uint32 {
		s := w.seq[ServerToClient]
		if r := w.sim.Feed(Segment{Dir: ServerToClient, Seq: s, Cut: n, Time: w.now}); r.Action != NoPayload {
			t.Fatalf("hole: %v", r.Action)
		}
		w.seq[ServerToClient] += uint32(n)
		return s
	}
	at := func(w *wire, seq uint32, p string) Result {
		return w.sim.Feed(Segment{Dir: ServerToClient, Seq: seq, Payload: []byte(p), Time: w.now})
	}

	t.Run("first copy missing, retransmitted after the next reply", func(t *testing.T) {
		w := newWire(t, plain4, Config{})
		w.login()
		w.send(ClientToServer, "PASV\r\n")
		s := hole(w, len(whole))
		w.send(ServerToClient, "150 Here.\r\n")
		r := at(w, s, whole)
		if r.Action != Expected || !r.Refill {
			t.Fatalf("the 227 filling the hole: %v (refill %v), want expected", r.Action, r.Refill)
		}
		// Once: a later copy is the kernel's late retransmission (L4).
		if r := at(w, s, whole); r.Action != NotAtLineStart || r.Refill {
			t.Fatalf("a further copy: %v (refill %v), want not-at-line-start", r.Action, r.Refill)
		}
	})

	t.Run("split, first part dropped, whole retransmission", func(t *testing.T) {
		w := newWire(t, plain4, Config{})
		w.login()
		w.send(ClientToServer, "PASV\r\n")
		s := hole(w, len(head))
		w.send(ServerToClient, whole[len(head):])
		if r := at(w, s, whole); r.Action != Expected || !r.Refill {
			t.Fatalf("the whole 227 at the hole's start: %v (refill %v), want expected", r.Action, r.Refill)
		}
	})

	t.Run("a dropped refill keeps the start, as the kernel's drop does", func(t *testing.T) {
		w := newWire(t, plain4, Config{})
		w.login()
		w.send(ClientToServer, "PASV\r\n")
		s := hole(w, len(head))
		w.send(ServerToClient, whole[len(head):])
		if r := at(w, s, head); r.Action != PartialDrop || !r.Refill {
			t.Fatalf("the first part again: %v (refill %v), want partial-drop", r.Action, r.Refill)
		}
		if r := at(w, s, whole); r.Action != Expected {
			t.Fatalf("the whole 227 after the drop: %v, want expected", r.Action)
		}
	})

	t.Run("a hole that did not start a line", func(t *testing.T) {
		w := newWire(t, plain4, Config{})
		w.login()
		w.send(ClientToServer, "PASV\r\n")
		w.send(ServerToClient, "150 Here") // no line end: the next bytes are not searched
		s := hole(w, len(whole))
		w.send(ServerToClient, "226 Done.\r\n")
		if r := at(w, s, whole); r.Action != NotAtLineStart || r.Refill {
			t.Fatalf("bytes filling a hole inside a line: %v (refill %v), want not-at-line-start", r.Action, r.Refill)
		}
	})
}

// TestEPRTOfTheOtherFamilyNamed guards the reason given for an EPRT the
// helper drops because its address family is not the connection's (rule
// P7; recorded on Linux 6.18.44 with "EPRT |1|…" on an IPv6 connection):
// the family mismatch, not "numbers did not parse".
func TestEPRTOfTheOtherFamilyNamed(t *testing.T) {
	plain6 := Conn{Client: ap("[2001:db8::7]:50000"), Server: ap("[2001:db8::10]:21")}
	for _, tc := range []struct {
		name string
		conn Conn
		eprt string
		af   byte
		want string
	}{
		{"v4 on v6", plain6, "EPRT |1|198.51.100.7|41000|\r\n", '1', "EPRT |1| (IPv4) on an IPv6 connection"},
		{"v6 on v4", plain4, "EPRT |2|2001:db8::7|41000|\r\n", '2', "EPRT |2| (IPv6) on an IPv4 connection"},
		{"neither", plain4, "EPRT |3|198.51.100.7|41000|\r\n", '3', `EPRT address family "3"`},
		{"bad port", plain4, "EPRT |1|198.51.100.7|0|\r\n", 0, "numbers did not parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, tc.conn, Config{})
			w.login()
			r := w.send(ClientToServer, tc.eprt)
			if r.Action != PartialDrop || r.Partial != PartialParse || r.WrongFamily != tc.af {
				t.Fatalf("%q: %v %v family %q", tc.eprt, r.Action, r.Partial, r.WrongFamily)
			}
			if got := r.PartialReason(); !strings.Contains(got, tc.want) {
				t.Fatalf("reason %q, want %q", got, tc.want)
			}
		})
	}
}
