package nfhelper

import "testing"

// TestCutAnnouncementIsUnknown guards an announcement the capture cut at
// the snap length where the kernel's parser was still reading: the router
// saw the rest of the segment, which decides between a match and a drop,
// so the result is CutUnknown, never a PartialDrop. A parse that failed on
// a byte the capture holds is a drop whatever follows; a cut segment
// whose unseen rest cannot matter keeps its verdict. Before, every
// partial match in a cut segment was a PartialDrop ("227 Entering
// Passive Mode " cut before its numbers: "numbers did not parse").
func TestCutAnnouncementIsUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  Dir
		seen string
		cut  int
		want Action
	}{
		{"227-cut-before-numbers", ServerToClient, "227 Entering Passive Mode ", 24, CutUnknown},
		{"227-cut-in-numbers", ServerToClient, "227 Entering Passive Mode (192,0,2,10,15", 8, CutUnknown},
		{"227-cut-in-pattern", ServerToClient, "22", 40, CutUnknown},
		{"229-cut-before-paren", ServerToClient, "229 Entering Extended Passive Mode ", 12, CutUnknown},
		{"229-cut-in-port", ServerToClient, "229 Entering Extended Passive Mode (|||400", 5, CutUnknown},
		{"port-cut-in-numbers", ClientToServer, "PORT 198,51,100,7,15", 6, CutUnknown},
		{"eprt-cut-in-address", ClientToServer, "EPRT |1|198.51.1", 12, CutUnknown},
		// A failure on a seen byte: the unseen rest changes nothing.
		{"227-digit-before-numbers", ServerToClient, "227 Mode 2 (192,0,2,10,156,64", 4, PartialDrop},
		{"port-two-spaces", ClientToServer, "PORT  x", 12, PartialDrop},
		{"port-seventh-number", ClientToServer, "PORT 198,51,100,7,156,64,", 3, PartialDrop},
		// The numbers end before the cut: a match, whatever follows.
		{"227-whole-numbers", ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,64)", 3, Expected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, plain4, Config{})
			w.login()
			if tc.dir == ServerToClient {
				w.send(ClientToServer, "PASV\r\n")
			}
			r := w.sim.Feed(Segment{Dir: tc.dir, Seq: w.seq[tc.dir], Payload: []byte(tc.seen), Time: w.now, Cut: tc.cut})
			if r.Action != tc.want {
				t.Fatalf("action %v (%v), want %v", r.Action, r.Partial, tc.want)
			}
			if r.Action == CutUnknown && (w.sim.Stats().Drops != 0 || r.Dropped() || r.KernelLog() != "") {
				t.Fatalf("a cut announcement counted as a drop: %+v", r)
			}
			if _, ok := w.sim.Expectation(w.now); ok != (tc.want == Expected) {
				t.Fatalf("expectation %v, want one: %v", ok, tc.want == Expected)
			}
			if tc.want != CutUnknown {
				return
			}
			// Like any cut segment it is assumed to end a line: the next
			// announcement is searched.
			w.seq[tc.dir] += uint32(len(tc.seen) + tc.cut)
			w.send(ClientToServer, "PASV\r\n")
			if r := w.send(ServerToClient, "227 Entering Passive Mode (192,0,2,10,156,66).\r\n"); r.Action != Expected {
				t.Fatalf("227 after the cut announcement: %v, want expected", r.Action)
			}
		})
	}
}
