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

// TestHopsKeptThroughCleartextAgain guards the TTL record of a control
// connection that returns to clear text after TLS (CCC): it belongs to
// the connection, not to the stream decode starts again, so the
// cleartext event and the lines after it still carry both sides' TTLs
// (and the server is still seen: no PeerUnseen).
func TestHopsKeptThroughCleartextAgain(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("AUTH TLS\r\n")
	v.srv("234 Proceed with negotiation.\r\n")
	v.cli("\x16\x03\x01\x00\x05hello")
	v.srv("\x16\x03\x03\x00\x05hello")
	v.cli("\x17\x03\x03\x00\x03CCC")
	v.srv("\x17\x03\x03\x00\x03200")
	v.cli("PASV\r\n")
	v.srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
	d.Finish()
	n := 0
	for _, e := range rec.control {
		if e.Kind != ControlCleartext && e.Kind != ControlCommand && e.Kind != ControlReply {
			continue
		}
		n++
		if !e.Hops.NoRouter() {
			t.Errorf("event %d (kind %d): hops %04b, want both sides unrouted", n, e.Kind, e.Hops)
		}
		if e.Kind == ControlCommand && e.Command.Verb == "PASV" && e.PeerUnseen {
			t.Errorf("PASV after CCC: PeerUnseen, though the server's segments were seen")
		}
	}
}
