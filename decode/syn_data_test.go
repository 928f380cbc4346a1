package decode

import "testing"

// TestSYNDataOnlyWhenTaken: bytes a SYN carries are stream data only when
// the receiver takes them (TCP Fast Open, RFC 7413): its SYN-ACK
// acknowledges them, or the sender goes on right after them. A SYN-ACK
// that acknowledges the SYN alone, or the sender's bytes sent again from
// ISN+1, show they were not taken: an attacker's "USER root" in a SYN
// must not frame the session and hide the real login as differing
// copies (rev-attacker e3).
func TestSYNDataOnlyWhenTaken(t *testing.T) {
	const synData = "USER root\r\nPASS SYNSECRET\r\n"
	n := uint32(len(synData))
	tests := []struct {
		name string
		// synAck: the SYN-ACK's acknowledgement, relative to ISN+1; -1:
		// not captured.
		synAck int
		// next: where the client's next bytes start, relative to ISN+1.
		next     uint32
		want     []string
		dropped  uint64
		conflict bool
	}{
		{"SYN-ACK acks the SYN alone", 0, 0, []string{"USER", "PASS", "QUIT"}, 1, false},
		{"no SYN-ACK, client sends from ISN+1", -1, 0, []string{"USER", "PASS", "QUIT"}, 1, false},
		{"Fast Open accepted", int(n), n, []string{"USER", "PASS", "USER", "PASS", "QUIT"}, 0, false},
		{"no SYN-ACK, client goes on after the data", -1, n, []string{"USER", "PASS", "USER", "PASS", "QUIT"}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
			v.send(v.c, v.s, v.cseq, 0, FlagSYN, synData)
			v.cseq++
			if tc.synAck >= 0 {
				v.send(v.s, v.c, v.sseq, v.cseq+uint32(tc.synAck), FlagSYN|FlagACK, "")
			}
			v.sseq++
			v.cseq += tc.next
			v.srv("220 ready\r\n")
			v.cli("USER alice\r\n")
			v.srv("331 Password.\r\n")
			v.cli("PASS pw\r\n")
			v.srv("230 OK.\r\n")
			v.cli("QUIT\r\n")
			v.srv("221 Bye.\r\n")
			d.Finish()
			got := rec.commands()
			if !equal(got, tc.want) {
				dumpEvents(t, rec)
				t.Fatalf("commands %q, want %q", got, tc.want)
			}
			if c := convClientount(rec, ControlConflict); c != 0 {
				t.Errorf("%d conflicts reported, want none", c)
			}
			if st := d.Stats(); st.SYNDataDropped != tc.dropped {
				t.Errorf("SYNDataDropped %d, want %d", st.SYNDataDropped, tc.dropped)
			}
			for _, e := range rec.control {
				if e.Kind == ControlCommand && e.Command.Verb == "USER" && e.Command.Arg == "root" && tc.dropped > 0 {
					t.Errorf("USER root from the SYN taken as a command")
				}
			}
		})
	}
}
