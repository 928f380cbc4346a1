package decode

import "testing"

// TestPayloadBlindResetIgnored: extraction follows a data connection past
// an RST the receiver drops (in its window but not at the next byte it
// expects: RFC 5961's blind reset, answered with a challenge ACK), as the
// tracker does; an RST at the next byte, or at the receiver's latest
// ACK, still ends it. The whole file was cut at the forged RST.
func TestPayloadBlindResetIgnored(t *testing.T) {
	for _, tc := range []struct {
		name string
		off  uint32 // the RST's sequence number after the sender's next byte
		want string
	}{
		{"blind RST 1000 ahead", 1000, "abcdef"},
		{"blind RST 1 ahead", 1, "abcdef"},
		{"RST at the next byte", 0, "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := payloadRun(t, func(v *conv) {
				v.handshake()
				v.srv("abc")
				v.send(v.s, v.c, v.sseq+tc.off, 0, FlagRST, "") // the server's direction, as a forger would
				if tc.off == 0 {
					return // it ended the connection: nothing follows
				}
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "") // the client's (challenge) ACK
				v.srv("def")
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
				v.sseq++
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
			})
			if got != tc.want {
				t.Errorf("stream %q, want %q", got, tc.want)
			}
		})
	}
}
