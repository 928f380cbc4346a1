package nfhelper

import "testing"

// TestCutSegmentKeepsLineTracking guards a segment the capture cut at the
// snap length (Segment.Cut): the router saw its end, so the next line
// start is after the unseen bytes, and the simulation assumes the segment
// ended a line (Result.Cut says so) instead of losing the 227 that
// follows it.
func TestCutSegmentKeepsLineTracking(t *testing.T) {
	w := newWire(t, plain4, Config{})
	w.login()
	w.send(ClientToServer, "FEAT\r\n")
	seen := "211-Features:\r\n EPSV\r\n"
	const unseen = 60
	r := w.sim.Feed(Segment{Dir: ServerToClient, Seq: w.seq[ServerToClient], Payload: []byte(seen), Time: w.now, Cut: unseen})
	if !r.Cut || r.Action != NoPattern {
		t.Fatalf("cut segment: %+v", r)
	}
	w.seq[ServerToClient] += uint32(len(seen) + unseen)
	w.send(ClientToServer, "PASV\r\n")
	if r := w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66).\r\n"); r.Action != Expected || r.Cut {
		t.Fatalf("227 after the cut segment: %v, want expected", r.Action)
	}
	// Nothing seen of a segment at all: the same assumption.
	w.send(ClientToServer, "FEAT\r\n")
	if r := w.sim.Feed(Segment{Dir: ServerToClient, Seq: w.seq[ServerToClient], Time: w.now, Cut: 40}); !r.Cut || r.Action != NoPayload {
		t.Fatalf("wholly cut segment: %+v", r)
	}
	w.seq[ServerToClient] += 40
	w.send(ClientToServer, "PASV\r\n")
	if r := w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,67).\r\n"); r.Action != Expected {
		t.Fatalf("227 after the wholly cut segment: %v, want expected", r.Action)
	}
}
