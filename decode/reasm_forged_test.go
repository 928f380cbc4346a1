package decode

import (
	"slices"
	"testing"
	"time"
)

// TestForgedSegmentChangesNothing: a segment forged with guessed (random)
// sequence and acknowledgement numbers, an off-path injector's or a stray
// of another incarnation, changes nothing the control connection reports:
// no gap, the commands and replies as sent, the close by FIN. Its ACK is
// no proof of loss unless the segment lies where its sender stands, and a
// FIN behind the stream is no FIN of it (ackPlausible; the FIN test in
// segment). A real loss, proven by the peer's ACK, is still reported.
// The numbers are offsets from where each stream stands when the forgery
// comes (those of rev-limits' ackforge/1.pcap and rststorm/3.pcap).
func TestForgedSegmentChangesNothing(t *testing.T) {
	type forged struct {
		fromClient bool
		seq, ack   int64 // offsets from the sender's and the receiver's next byte
		fl         TCPFlags
	}
	for _, tc := range []struct {
		name    string
		forged  []forged
		lose250 bool // the capture loses the server's "250 deleted"
		gaps    []int
		replies []int
	}{
		{name: "forged pure ACK far ahead (ackforge/1.pcap)",
			forged: []forged{{seq: 151644381, ack: 905570840, fl: FlagACK}}},
		{name: "forged pure ACK, its sequence number behind",
			forged: []forged{{seq: -300000000, ack: 123456789, fl: FlagACK}}},
		{name: "forged FIN behind the stream",
			forged: []forged{{seq: -70000000, ack: 0, fl: FlagFIN | FlagACK}}},
		{name: "forged FIN one byte behind the stream",
			forged: []forged{{seq: -1, ack: 0, fl: FlagFIN | FlagACK}}},
		{name: "forged RSTs and FIN+ACKs with random numbers before the close (rststorm/3.pcap)",
			forged: []forged{
				{fromClient: true, seq: 1354241480 - 1394540743, fl: FlagRST},
				{seq: 1886026234 - 70765274, ack: 1167688100 - 1394540743, fl: FlagFIN | FlagACK},
				{fromClient: true, seq: 96737710 - 1394540743, fl: FlagRST},
				{seq: 1233439128 - 70765274, ack: 951036966 - 1394540743, fl: FlagFIN | FlagACK},
				{fromClient: true, seq: 191980005 - 1394540743, fl: FlagRST},
				{seq: 2419315805 - 70765274, ack: 3604110051 - 1394540743, fl: FlagFIN | FlagACK},
			}},
		{name: "forged FIN+ACK behind, acknowledging far ahead",
			forged: []forged{{seq: -123456789, ack: 905570840, fl: FlagFIN | FlagACK}}},
		{name: "real loss proven by the client's ACK",
			lose250: true, gaps: []int{13}, replies: []int{220, 331, 230, 221}},
		{name: "real loss proven by the client's ACK, after a forged ACK",
			forged:  []forged{{seq: 151644381, ack: 905570840, fl: FlagACK}},
			lose250: true, gaps: []int{13}, replies: []int{220, 331, 230, 221}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hello\r\n")
			v.cli("USER bob\r\n")
			v.srv("331 pw\r\n")
			v.cli("PASS pw\r\n")
			v.srv("230 ok\r\n")
			for _, f := range tc.forged {
				if f.fromClient {
					v.send(v.c, v.s, v.cseq+uint32(f.seq), v.sseq+uint32(f.ack), f.fl, "")
				} else {
					v.send(v.s, v.c, v.sseq+uint32(f.seq), v.cseq+uint32(f.ack), f.fl, "")
				}
			}
			v.cli("DELE /secret/payroll.xlsx\r\n")
			if tc.lose250 {
				v.sseq += uint32(len("250 deleted\r\n"))
			} else {
				v.srv("250 deleted\r\n")
			}
			v.cli("QUIT\r\n")
			v.srv("221 bye\r\n")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.cseq++
			v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
			v.sseq++
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			d.Finish()

			wantReplies := tc.replies
			if wantReplies == nil {
				wantReplies = []int{220, 331, 230, 250, 221}
			}
			var gaps, replies []int
			var closed []CloseReason
			for _, e := range rec.control {
				switch e.Kind {
				case ControlGap:
					gaps = append(gaps, e.Gap)
				case ControlReply:
					replies = append(replies, e.Reply.Code)
				case ControlClose:
					closed = append(closed, e.Closed)
				}
			}
			if cmds := rec.commands(); !slices.Equal(cmds, []string{"USER", "PASS", "DELE", "QUIT"}) {
				t.Errorf("commands %q, want USER PASS DELE QUIT", cmds)
			}
			if !slices.Equal(gaps, tc.gaps) || !slices.Equal(replies, wantReplies) || !slices.Equal(closed, []CloseReason{CloseFIN}) {
				dumpEvents(t, rec)
				t.Errorf("gaps %v, replies %v, closed %v; want gaps %v, replies %v, closed by FIN", gaps, replies, closed, tc.gaps, wantReplies)
			}
		})
	}
}

// TestReassemblerForgedNumbers: the same at the reassembler. An ACK is
// proof of loss only from a segment exactly at its sender's next byte, or
// within the reach of it with an ACK within the reach of the bytes seen; a
// FIN behind the delivered bytes is not taken.
func TestReassemblerForgedNumbers(t *testing.T) {
	const A, F, S = FlagACK, FlagFIN, FlagSYN
	const far = 905570840 // beyond any reach, still ahead as an int32
	for _, tc := range []struct {
		name string
		segs []seg
		want []string
	}{
		{name: "forged pure ACK far ahead, its seq far ahead",
			segs: []seg{{d: 0, seq: 100, fl: S}, {d: 1, seq: 500, ack: 101, fl: S | A},
				{d: 0, seq: 101, ack: 501, fl: A, p: "USER a\r\n"},
				{d: 1, seq: 501 + 151644381, ack: 109 + far, fl: A},
				{d: 0, seq: 109, ack: 501, fl: A, p: "PASS b\r\n"}},
			want: []string{`0:"USER a\r\n"@3`, `0:"PASS b\r\n"@5`}},
		{name: "forged pure ACK far ahead, its seq far behind",
			segs: []seg{{d: 0, seq: 100, fl: S}, {d: 1, seq: 500, ack: 101, fl: S | A},
				{d: 0, seq: 101, ack: 501, fl: A, p: "USER a\r\n"},
				{d: 1, seq: behind(501, 300000000), ack: 109 + far, fl: A},
				{d: 0, seq: 109, ack: 501, fl: A, p: "PASS b\r\n"}},
			want: []string{`0:"USER a\r\n"@3`, `0:"PASS b\r\n"@5`}},
		{name: "ACK far ahead from a segment near its sender's place, not at it",
			segs: []seg{{d: 0, seq: 100, fl: S}, {d: 1, seq: 500, ack: 101, fl: S | A},
				{d: 0, seq: 101, ack: 501, fl: A, p: "USER a\r\n"},
				{d: 1, seq: 600, ack: 109 + far, fl: A},
				{d: 0, seq: 109, ack: 501, fl: A, p: "PASS b\r\n"}},
			want: []string{`0:"USER a\r\n"@3`, `0:"PASS b\r\n"@5`}},
		{name: "forged FIN behind the stream, then the real one",
			segs: []seg{{d: 1, seq: 500, fl: A, p: "220 x\r\n"},
				{d: 1, seq: behind(500, 70000000), ack: 1, fl: F | A},
				{d: 1, seq: 507, fl: A, p: "221 y\r\n"},
				{d: 1, seq: 514, fl: F | A}},
			want: []string{`1:"220 x\r\n"@1`, `1:"221 y\r\n"@3`, `1:fin@4`}},
		{name: "forged FIN+ACK behind, acknowledging far ahead, then the real close",
			segs: []seg{{d: 0, seq: 100, fl: S}, {d: 1, seq: 500, ack: 101, fl: S | A},
				{d: 0, seq: 101, ack: 501, fl: A, p: "QUIT\r\n"},
				{d: 1, seq: behind(501, 123456789), ack: 107 + far, fl: F | A},
				{d: 1, seq: 501, ack: 107, fl: A, p: "221 y\r\n"},
				{d: 0, seq: 107, ack: 508, fl: F | A},
				{d: 1, seq: 508, ack: 108, fl: F | A}},
			want: []string{`0:"QUIT\r\n"@3`, `1:"221 y\r\n"@5`, `0:fin@6`, `1:fin@7`}},
		// Real loss stays reported.
		{name: "lost reply proven by the ACK of a segment at its sender's place",
			segs: []seg{{d: 0, seq: 100, fl: S}, {d: 1, seq: 500, ack: 101, fl: S | A},
				{d: 0, seq: 101, ack: 501, fl: A, p: "PWD\r\n"},
				{d: 0, seq: 106, ack: 520, fl: A, p: "QUIT\r\n"},
				{d: 1, seq: 520, ack: 112, fl: A, p: "221 y\r\n"}},
			want: []string{`0:"PWD\r\n"@3`, `1:gap 19@4`, `0:"QUIT\r\n"@4`, `1:"221 y\r\n"@5`}},
		{name: "lost reply proven by the ACK of a segment past a loss of its own",
			segs: []seg{{d: 0, seq: 100, fl: S}, {d: 1, seq: 500, ack: 101, fl: S | A},
				{d: 0, seq: 101, ack: 501, fl: A, p: "PWD\r\n"},
				// The capture lost the client's "NOOP\r\n" too.
				{d: 0, seq: 112, ack: 520, fl: A, p: "QUIT\r\n"},
				{d: 1, seq: 520, ack: 118, fl: A, p: "221 y\r\n"}},
			want: []string{`0:"PWD\r\n"@3`, `1:gap 19@4`, `0:gap 6@4`, `0:"QUIT\r\n"@4`, `1:"221 y\r\n"@5`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pool heldPool
			r := reassembler{pool: &pool}
			out := &sinkLog{wantEarly: true}
			t0 := time.Unix(1e9, 0)
			for i, s := range tc.segs {
				r.segment(s.d, s.seq, s.ack, s.fl, []byte(s.p), uint64(i+1), t0, out)
			}
			r.flush(99, t0, out)
			if !slices.Equal(out.log, tc.want) {
				t.Errorf("got  %q\nwant %q", out.log, tc.want)
			}
		})
	}
}

// TestForgedWindowNotTaken: the window of a forged segment (far behind
// its sender's stream) is not taken as the receiver's (advertised goes
// with the ACK, ackPlausible): a small forged window made real bytes past
// a capture loss look beyond the window, and they were dropped instead of
// delivered after the gap.
func TestForgedWindowNotTaken(t *testing.T) {
	var pool heldPool
	r := reassembler{pool: &pool}
	out := &sinkLog{wantEarly: true}
	t0 := time.Unix(1e9, 0)
	feed := func(d int, num uint64, s Segment) {
		s.Num, s.TS = num, t0
		r.advertised(d, &s)
		r.segment(d, s.Seq, s.Ack, s.Flags, s.Payload, num, t0, out)
	}
	feed(0, 1, Segment{Seq: 100, Flags: FlagSYN, Window: 65535})
	feed(1, 2, Segment{Seq: 500, Ack: 101, Flags: FlagSYN | FlagACK, Window: 65535})
	feed(0, 3, Segment{Seq: 101, Ack: 501, Flags: FlagACK, Window: 65535, Payload: []byte("LIST\r\n")})
	// Forged as the client's: far behind its stream, a window of 100.
	feed(0, 4, Segment{Seq: behind(101, 300000000), Ack: 501, Flags: FlagACK, Window: 100})
	// The capture lost 150 bytes of the server's; the next ones wait.
	feed(1, 5, Segment{Seq: 651, Ack: 107, Flags: FlagACK, Window: 65535, Payload: []byte("226 done\r\n")})
	r.flush(99, t0, out)
	want := []string{`0:"LIST\r\n"@3`, `1:gap 150@5`, `1:"226 done\r\n"@5`}
	if !slices.Equal(out.log, want) || pool.beyondWindow != 0 {
		t.Errorf("got %q (%d dropped beyond the window), want %q (0)", out.log, pool.beyondWindow, want)
	}
}

// behind is the sequence number n bytes before seq.
func behind(seq, n uint32) uint32 { return seq - n }
