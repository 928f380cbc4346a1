package decode

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHeldBytesTheReceiverNeverTook: bytes held ahead of a hole are given
// up by the hole's wait (or the end of the capture) in one of two ways.
// When the stream went on in the hole's place and the receiver
// acknowledged that, but never past where the stream stands, the held
// bytes are no part of the stream it took (a blind injection, like
// blind-inject-ahead.pcap): they are dropped and counted, and the real
// bytes after them are kept. With no such acknowledgement (one direction
// captured, a receiver's ACK seen only before the held bytes came, a
// stream stalled at the hole as behind a middlebox that drops a segment)
// the hole is skipped as lost, as before.
//
// Direction 1 (server) starts at 5001; direction 0 (client) at 1001.
func TestHeldBytesTheReceiverNeverTook(t *testing.T) {
	const A, F, S = FlagACK, FlagFIN, FlagSYN
	const far = 5001 + 200000 // the forged segment's start
	open := []seg{
		{d: 0, seq: 1000, fl: S},
		{d: 1, seq: 5000, ack: 1001, fl: S | A},
		{d: 0, seq: 1001, ack: 5001, fl: A},
	}
	tests := []struct {
		name    string
		segs    []seg
		expire  time.Duration // expire holes at this packet time (0: not)
		flush   bool
		want    []string
		unacked uint64 // held segments dropped as never taken
	}{
		{name: "stream went on, acknowledged: dropped at the wait, real replies kept",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: far, ack: 1001, fl: A, p: "227 forged\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, p: "NOOP\r\n", at: time.Second},
				seg{d: 1, seq: 5001, ack: 1007, fl: A, p: "200 a\r\n", at: time.Second},
				seg{d: 0, seq: 1007, ack: 5008, fl: A, at: time.Second},
			),
			expire:  7 * time.Second,
			want:    []string{`0:"NOOP\r\n"@5`, `1:"200 a\r\n"@6`},
			unacked: 1},
		{name: "stream went on, acknowledged: dropped at the end too",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: far, ack: 1001, fl: A, p: "227 forged\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, p: "NOOP\r\n", at: time.Second},
				seg{d: 1, seq: 5001, ack: 1007, fl: A, p: "200 a\r\n", at: time.Second},
				seg{d: 0, seq: 1007, ack: 5008, fl: A, at: time.Second},
			),
			flush:   true,
			want:    []string{`0:"NOOP\r\n"@5`, `1:"200 a\r\n"@6`},
			unacked: 1},
		// A real segment a few bytes past a hole, SACKed while the
		// capture lost the ACK or its retransmission comes late: the
		// receiver's ACK stopping short proves nothing within a window.
		// Skipped to as a gap, at the wait and at the end; never dropped.
		{name: "held bytes within a window: skipped at the wait",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: 5001 + 81, ack: 1001, fl: A, p: "211 End\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, p: "NOOP\r\n", at: time.Second},
			),
			expire: 7 * time.Second,
			want:   []string{`0:"NOOP\r\n"@6`, `1:gap 81@4`, `1:"211 End\r\n"@4`}},
		{name: "held bytes within a window: skipped at the end",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: 5001 + 81, ack: 1001, fl: A, p: "211 End\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, p: "NOOP\r\n", at: time.Second},
			),
			flush: true,
			want:  []string{`0:"NOOP\r\n"@5`, `1:gap 81@4`, `1:"211 End\r\n"@4`}},
		{name: "forged FIN with the held bytes: the real FIN still ends the stream",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: far, ack: 1001, fl: A | F, p: "221 forged\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, p: "QUIT\r\n", at: time.Second},
				seg{d: 1, seq: 5001, ack: 1007, fl: A, p: "221 bye\r\n", at: time.Second},
				seg{d: 1, seq: 5010, ack: 1007, fl: A | F, at: time.Second},
				seg{d: 0, seq: 1007, ack: 5011, fl: A, at: time.Second},
			),
			expire:  7 * time.Second,
			want:    []string{`0:"QUIT\r\n"@5`, `1:"221 bye\r\n"@6`, `1:fin@99`},
			unacked: 1},
		{name: "FIN far ahead is no end of the stream",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: 5001 + 1<<30, ack: 1001, fl: A | F, p: "x", at: time.Second},
				seg{d: 1, seq: 5001, ack: 1001, fl: A, p: "221 bye\r\n", at: time.Second},
				seg{d: 1, seq: 5010, ack: 1001, fl: A | F, at: time.Second},
			),
			want: []string{`1:"221 bye\r\n"@5`, `1:fin@6`}},
		{name: "one direction captured: the hole is skipped as lost",
			segs: []seg{
				{d: 1, seq: 5000, fl: S | A},
				{d: 1, seq: 5010, fl: A, p: "tail\r\n", at: time.Second},
			},
			expire: 7 * time.Second,
			want:   []string{`1:gap 9@2`, `1:"tail\r\n"@2`}},
		{name: "stalled at the hole (a middlebox dropped its bytes): skipped as lost",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: 5036, ack: 1001, fl: A, p: "175,201).\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, p: "QUIT\r\n", at: 5 * time.Second},
			),
			expire: 7 * time.Second,
			want:   []string{`0:"QUIT\r\n"@6`, `1:gap 35@4`, `1:"175,201).\r\n"@4`}},
		{name: "receiver's ACK seen only before the held bytes: skipped as lost",
			segs: append(slices.Clone(open),
				seg{d: 0, seq: 1001, ack: 5008, fl: A, at: time.Second},
				seg{d: 1, seq: 5020, ack: 1001, fl: A, p: "tail\r\n", at: time.Second},
				seg{d: 1, seq: 5001, ack: 1001, fl: A, p: "200 a\r\n", at: time.Second},
			),
			expire: 7 * time.Second,
			want:   []string{`1:"200 a\r\n"@6`, `1:gap 12@5`, `1:"tail\r\n"@5`}},
		{name: "receiver's ACK past next but short of the held bytes: skipped as lost",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: 5020, ack: 1001, fl: A, p: "tail\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5010, fl: A, at: time.Second},
			),
			expire: 7 * time.Second,
			want:   []string{`1:gap 19@4`, `1:"tail\r\n"@4`}},
		{name: "hole filled before the wait: delivered",
			segs: append(slices.Clone(open),
				seg{d: 1, seq: 5008, ack: 1001, fl: A, p: "b\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5001, fl: A, at: time.Second},
				seg{d: 1, seq: 5001, ack: 1001, fl: A, p: "200 a\r\n", at: time.Second},
				seg{d: 0, seq: 1001, ack: 5011, fl: A, at: time.Second},
			),
			expire: 7 * time.Second,
			want:   []string{`1:"200 a\r\n"@6`, `1:"b\r\n"@4`}},
	}
	t0 := time.Unix(1e9, 0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pool heldPool
			r := reassembler{pool: &pool}
			out := &sinkLog{}
			for i, s := range tc.segs {
				r.segment(s.d, s.seq, s.ack, s.fl, []byte(s.p), uint64(i+1), t0.Add(s.at), out)
			}
			if tc.expire > 0 {
				r.expire(t0.Add(tc.expire), 99, out)
			}
			if tc.flush {
				r.flush(99, t0, out)
			}
			if !slices.Equal(out.log, tc.want) || pool.unacked != tc.unacked {
				t.Errorf("got  %q (%d dropped as never taken)\nwant %q (%d)", out.log, pool.unacked, tc.want, tc.unacked)
			}
			r.release()
			if pool.bytes != 0 {
				t.Errorf("pool holds %d bytes after release", pool.bytes)
			}
		})
	}
}

// TestFarAheadBoundFromTheReceiversACK: the far-ahead bound counts from
// where the receiver stands, so bytes after a capture loss longer than
// maxAhead, which the receiver's ACK proves it got, are not dropped as
// far ahead.
func TestFarAheadBoundFromTheReceiversACK(t *testing.T) {
	var pool heldPool
	r := reassembler{pool: &pool}
	out := &sinkLog{wantEarly: true}
	t0 := time.Unix(1e9, 0)
	r.segment(0, 1000, 0, FlagSYN, nil, 1, t0, out)
	r.segment(1, 5000, 1001, FlagSYN|FlagACK, nil, 2, t0, out)
	// The capture lost 2 MiB the server sent; the client's ACK says it got
	// them.
	r.segment(0, 1001, 5001+2<<20, FlagACK, nil, 3, t0, out)
	r.segment(1, 5001+2<<20, 1001, FlagACK, []byte("226 done\r\n"), 4, t0, out)
	want := []string{`1:gap 2097152@3`, `1:"226 done\r\n"@4`}
	if !slices.Equal(out.log, want) || pool.farAhead != 0 {
		t.Errorf("got %q (far ahead %d), want %q", out.log, pool.farAhead, want)
	}
}

// TestBlindInjectAheadKeepsRealReplies: blind-inject-ahead.pcap as a
// conversation. A segment 200,000 bytes ahead of the server's stream
// (with a 227 naming a third host) is never taken as the stream: it
// starts far beyond the 1,000-byte window the client advertised (conv's
// SYNs carry no scale option), so it is dropped when it comes
// (tcpwindow.go) rather than after the hole's wait as never acknowledged
// (notTaken, which TestHeldBytesTheReceiverNeverTook covers). The real
// 200, 257 and 221 are paired with their commands, no gap is reported,
// the connection ends by its FIN, and the forged segment is counted.
func TestBlindInjectAheadKeepsRealReplies(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 (vsFTPd 3.0.3)\r\n")
	v.cli("USER anonymous\r\n")
	v.srv("331 Please specify the password.\r\n")
	v.cli("PASS guest@\r\n")
	v.srv("230 Login successful.\r\n")
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
	v.send(v.s, v.c, v.sseq+200000, v.cseq, FlagACK|FlagPSH,
		"227 Entering Passive Mode (198,51,100,7,195,80).\r\n530 Login incorrect.\r\n")
	exchange := func(cmd, reply string) {
		v.cli(cmd)
		v.srv(reply)
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
	}
	exchange("NOOP\r\n", "200 NOOP ok.\r\n")
	v.ts = v.ts.Add(6 * time.Second)
	exchange("NOOP\r\n", "200 NOOP ok.\r\n")
	v.ts = v.ts.Add(6 * time.Second)
	exchange("PWD\r\n", "257 \"/\" is the current directory\r\n")
	exchange("QUIT\r\n", "221 Goodbye.\r\n")
	v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
	d.Finish()

	var replies []string
	var closed []CloseReason
	for _, e := range rec.control {
		switch e.Kind {
		case ControlReply:
			replies = append(replies, e.Reply.Text)
		case ControlClose:
			closed = append(closed, e.Closed)
		}
	}
	want := []string{"(vsFTPd 3.0.3)", "Please specify the password.", "Login successful.",
		"NOOP ok.", "NOOP ok.", `"/" is the current directory`, "Goodbye."}
	if !slices.Equal(replies, want) || countKind(rec, ControlGap) != 0 || !slices.Equal(closed, []CloseReason{CloseFIN}) {
		dumpEvents(t, rec)
		t.Errorf("replies %q, %d gaps, closed %v; want %q, no gap, closed by FIN", replies, countKind(rec, ControlGap), closed, want)
	}
	for _, r := range replies {
		if strings.Contains(r, "198,51,100,7") || strings.Contains(r, "Login incorrect") {
			t.Errorf("forged reply %q taken as the server's", r)
		}
	}
	if st := d.Stats(); st.BeyondWindow != 1 || st.Unacknowledged != 0 {
		t.Errorf("%d segments dropped beyond the window and %d as never taken, want 1 and 0", st.BeyondWindow, st.Unacknowledged)
	}
}

// TestRSTAfterBytesNeverTakenIgnored: an RST at the sequence number after
// held bytes the receiver went on without (the injector that forged them
// knows where they end) is outside the window; an RST after held bytes
// while the stream waits at the hole is still where the sender stands.
func TestRSTAfterBytesNeverTakenIgnored(t *testing.T) {
	const A, S = FlagACK, FlagSYN
	for _, tc := range []struct {
		name     string
		ahead    uint32 // how far beyond the next byte the held segment starts
		wentOn   bool
		inWindow bool
	}{
		{name: "stream went on without the held bytes", ahead: 100000, wentOn: true, inWindow: false},
		{name: "stream waits at the hole", ahead: 100000, wentOn: false, inWindow: true},
		// Within a window the held bytes may be real (SACKed, their ACK
		// lost by the capture): not ruled out.
		{name: "stream went on, held bytes within a window", ahead: 4000, wentOn: true, inWindow: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pool heldPool
			r := reassembler{pool: &pool}
			out := &sinkLog{}
			t0 := time.Unix(1e9, 0)
			r.segment(0, 1000, 0, S, nil, 1, t0, out)
			r.segment(1, 5000, 1001, S|A, nil, 2, t0, out)
			r.segment(0, 1001, 5001, A, nil, 3, t0, out)
			r.segment(1, 5001+tc.ahead, 1001, A, []byte("227 forged\r\n"), 4, t0, out)
			r.segment(0, 1001, 5001, A, []byte("NOOP\r\n"), 5, t0, out)
			if tc.wentOn {
				r.segment(1, 5001, 1007, A, []byte("200 a\r\n"), 6, t0, out)
				r.segment(0, 1007, 5008, A, nil, 7, t0, out)
			}
			if got := r.inWindow(1, 5001+tc.ahead+12); got != tc.inWindow {
				t.Errorf("RST after the held bytes in window: %v, want %v", got, tc.inWindow)
			}
			r.release()
		})
	}
}
