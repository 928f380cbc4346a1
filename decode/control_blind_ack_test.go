package decode

import "testing"

// TestControlBlindACKInHandshakeMovesNothing: an ACK injected into a
// control connection's handshake (a blind attacker's, or a stale one)
// with an acknowledgment far from the server's start, but not at the
// client's own next byte, does not move the start: every reply vanished,
// or a gap of 1.6 GB was reported. Only an ACK at the client's next byte
// tells that the client took a SYN-ACK the capture lacks.
func TestControlBlindACKInHandshakeMovesNothing(t *testing.T) {
	for _, tc := range []struct {
		name     string
		seq, ack uint32
	}{
		{"arbitrary numbers", 7, 0x9e3779b9},
		{"behind the client, acking 2 MB ahead", 900, 5001 + 2_000_000},
		{"behind the client, acking behind the start", 900, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
			v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
			v.cseq++
			v.send(v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, "")
			v.sseq++
			v.send(v.c, v.s, tc.seq, tc.ack, FlagACK, "") // injected
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			v.srv("220 ready\r\n")
			v.cli("USER bob\r\n")
			v.srv("331 pw\r\n")
			d.Finish()
			if n := countKind(rec, ControlReply); n != 2 {
				t.Errorf("%d replies, want 2", n)
			}
			if st := d.Stats(); st.ControlGaps != 0 {
				t.Errorf("%d gaps (%d bytes)", st.ControlGaps, st.ControlGapBytes)
			}
		})
	}
}
