package decode

import "testing"

// TestPeerUnseenCountsPureACKs guards what a one-direction capture is
// told by: replies with no segment at all of the client's before them
// (PeerUnseen), not merely no byte. A mid-stream capture whose client
// only acknowledged the server's replies yet has both sides; a capture
// of the server's side alone has none of the client's.
func TestPeerUnseenCountsPureACKs(t *testing.T) {
	for _, clientACKs := range []bool{true, false} {
		t.Run(map[bool]string{true: "client ACKs captured", false: "server side only"}[clientACKs], func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
			for _, r := range []string{"200 Switching to Binary mode.\r\n", "227 Entering Passive Mode (192,0,2,10,156,64).\r\n"} {
				v.srv(r)
				if clientACKs {
					v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
				}
			}
			d.Finish()
			n := 0
			for _, e := range rec.control {
				if e.Kind != ControlReply {
					continue
				}
				n++
				// (The first reply comes before the client's first ACK.)
				if want := !clientACKs || n == 1; e.PeerUnseen != want {
					t.Errorf("reply %d %q: PeerUnseen %v, want %v", n, e.Reply.Text, e.PeerUnseen, want)
				}
			}
			if n != 2 {
				t.Fatalf("%d replies, want 2", n)
			}
		})
	}
}
