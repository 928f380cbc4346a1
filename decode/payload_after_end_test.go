package decode

import "testing"

// TestPayloadLateSegmentAfterEndNotRestarted guards a data connection's
// segments captured after its end: the server's segment in flight when
// the client's RST went out (ABOR, a killed client), or a late copy after
// both FINs. Before, the connection had left the table, so the late
// segment started it again as one whose start is unknown: its bytes were
// appended to the file at the current offset (bytes 523912 on at offset
// 458752 in a real vsftpd ABOR, no gap) and the file said "start not in
// the capture". They are dropped and counted (AfterEnd); a new SYN on
// the same ports is still a new connection, followed from its start.
func TestPayloadLateSegmentAfterEndNotRestarted(t *testing.T) {
	for _, tc := range []struct {
		name string
		feed func(v *conv)
		want string
		late uint64 // segments after the end
	}{
		{"client RST, server segment in flight", func(v *conv) {
			v.handshake()
			v.srv("abc")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			v.send(v.c, v.s, v.cseq, 0, FlagRST, "")
			v.send(v.s, v.c, v.sseq+65160, v.cseq, FlagACK|FlagPSH, "late!") // sent before the RST arrived
		}, "abc", 1},
		{"server RST, then its own late copy", func(v *conv) {
			v.handshake()
			v.srv("abc")
			v.send(v.s, v.c, v.sseq, 0, FlagRST, "")
			v.send(v.s, v.c, v.sseq-3, v.cseq, FlagACK, "abc")
		}, "abc", 1},
		{"both FINs, then a retransmission", func(v *conv) {
			v.handshake()
			v.srv("abc")
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
			v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
			v.send(v.s, v.c, v.sseq-3, v.cseq, FlagACK, "abc")
		}, "abc", 1},
		{"RST, then the ports reused by a new SYN", func(v *conv) {
			v.handshake()
			v.srv("abc")
			v.send(v.c, v.s, v.cseq, 0, FlagRST, "")
			v.cseq, v.sseq = 90000, 70000
			v.handshake()
			v.srv("xyz")
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
			v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
		}, "abcxyz", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := payloadRun(t, tc.feed)
			if got != tc.want || st.StartUnknown != 0 || st.AfterEnd != tc.late {
				t.Errorf("stream %q, start_unknown %d, after_end %d; want %q, 0, %d", got, st.StartUnknown, st.AfterEnd, tc.want, tc.late)
			}
			if tc.late > 0 && st.AfterEndBytes == 0 {
				t.Errorf("after_end_bytes 0; want the late segment's bytes")
			}
		})
	}
}
