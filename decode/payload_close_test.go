package decode

import (
	"strings"
	"testing"
)

// TestPayloadKeepaliveByteNotAConflict guards the keepalive probe of
// Windows and the BSDs: one garbage byte (0x00) at the sequence number
// before the next, while the stream is idle. It is no copy of the
// stream's last byte. Before, it was compared with that byte and the file
// read incomplete ("two different versions of bytes"), a conflict
// counted. A real one-byte retransmission further back still is compared.
func TestPayloadKeepaliveByteNotAConflict(t *testing.T) {
	got, st := payloadRun(t, func(v *conv) {
		v.handshake()
		v.srv("abcdef")
		v.send(v.s, v.c, v.sseq-1, v.cseq, FlagACK, "\x00") // the probe
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
		v.send(v.s, v.c, v.sseq-1, v.cseq, FlagACK, "\x00") // and again
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
	})
	if got != "abcdef" || st.Conflicts != 0 {
		t.Errorf("stream %q, %d conflicts; want \"abcdef\", 0", got, st.Conflicts)
	}
	got, st = payloadRun(t, func(v *conv) {
		v.handshake()
		v.srv("abcdef")
		v.send(v.s, v.c, v.sseq-2, v.cseq, FlagACK, "X") // not at next-1: a copy
		v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
		v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
	})
	if !strings.HasSuffix(got, "[differs 2 back]") || st.Conflicts != 1 {
		t.Errorf("one-byte copy two back: stream %q, %d conflicts; want a conflict", got, st.Conflicts)
	}
}

// TestPayloadFirstSynAckWinsByACK guards two SYN-ACKs with different
// ISNs where the opener took the first: its ACK acknowledges exactly the
// first ISN + 1 (or, with no ACK before the data, the server's first
// bytes start exactly there). Before, the later ISN stayed (the ACK was
// within reach of it) and the distance between the two became a hole at
// the file's start: a 1,000,000-byte gap before 20,000 bytes.
func TestPayloadFirstSynAckWinsByACK(t *testing.T) {
	for _, ack := range []bool{true, false} {
		got, st := payloadRun(t, func(v *conv) {
			v.sseq = 5000000
			v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
			v.cseq++
			v.send(v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, "")
			v.send(v.s, v.c, 4000000, v.cseq, FlagSYN|FlagACK, "") // another ISN, behind
			v.sseq++
			if ack {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			v.srv("hello ")
			v.srv("world")
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
			v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
		})
		if got != "hello world" || st.Gaps != 0 {
			t.Errorf("ACK before data %v: stream %q, %d gaps; want \"hello world\" and none", ack, got, st.Gaps)
		}
	}
}

// TestPayloadLostEndBeforeSenderResetAllBytes guards the last segment
// lost where the sender sent no FIN: the receiver acknowledges all the
// bytes and closes its side, the sender resets (an abortive close sends
// no FIN). Every sequence number the ACK covers is a byte. Before, the
// receiver's FIN was taken for a sign of the sender's and one was
// subtracted: the file one byte short (4999 of 5000, gap 999).
func TestPayloadLostEndBeforeSenderResetAllBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		lost int
		want string
	}{
		{"receiver closes", 1000, "abc[gap 1000]"},
		{"one byte lost", 1, "abc[gap 1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := payloadRun(t, func(v *conv) {
				v.handshake()
				v.srv("abc")
				v.sseq += uint32(tc.lost) // not in the capture, no FIN after it
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
				v.send(v.s, v.c, v.sseq, 0, FlagRST, "")
			})
			if got != tc.want {
				t.Errorf("stream %q, want %q", got, tc.want)
			}
		})
	}
}
