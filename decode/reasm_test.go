package decode

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// sinkLog records what a reassembler delivers, one string per call.
type sinkLog struct {
	log       []string
	wantEarly bool
}

func (s *sinkLog) bytes(d int, b []byte, num uint64, _ time.Time) {
	s.log = append(s.log, fmt.Sprintf("%d:%q@%d", d, b, num))
}
func (s *sinkLog) gap(d int, n int, cut bool, num uint64, _ time.Time) {
	if cut {
		s.log = append(s.log, fmt.Sprintf("%d:cut %d@%d", d, n, num))
		return
	}
	s.log = append(s.log, fmt.Sprintf("%d:gap %d@%d", d, n, num))
}
func (s *sinkLog) finished(d int, num uint64, _ time.Time) {
	s.log = append(s.log, fmt.Sprintf("%d:fin@%d", d, num))
}
func (s *sinkLog) early(int) bool { return s.wantEarly }
func (s *sinkLog) gone() bool     { return false }

// seg is one segment fed to a reassembler in a table test.
type seg struct {
	d        int
	seq, ack uint32
	fl       TCPFlags
	p        string
	at       time.Duration // packet time after t0
}

func TestReassembler(t *testing.T) {
	const A, F, S = FlagACK, FlagFIN, FlagSYN
	tests := []struct {
		name   string
		early  bool
		segs   []seg
		expire time.Duration // expire holes at this packet time (0: not)
		flush  bool
		want   []string
	}{
		{name: "in order, from the SYN",
			segs: []seg{{d: 0, seq: 100, fl: S}, {d: 0, seq: 101, fl: A, p: "ab"}, {d: 0, seq: 103, fl: A, p: "cd"}},
			want: []string{`0:"ab"@2`, `0:"cd"@3`}},
		{name: "picked up mid-stream",
			segs: []seg{{d: 1, seq: 5000, fl: A, p: "220 x\r\n"}},
			want: []string{`1:"220 x\r\n"@1`}},
		{name: "out of order: held, then released with its own packet",
			segs: []seg{{d: 0, seq: 1, fl: S}, {d: 0, seq: 4, fl: A, p: "de"}, {d: 0, seq: 2, fl: A, p: "ab"}},
			want: []string{`0:"ab"@3`, `0:"de"@2`}},
		{name: "retransmission and overlap trimmed",
			segs: []seg{{d: 0, seq: 1, fl: S}, {d: 0, seq: 2, fl: A, p: "abc"}, {d: 0, seq: 2, fl: A, p: "abc"}, {d: 0, seq: 3, fl: A, p: "bcdef"}},
			want: []string{`0:"abc"@2`, `0:"def"@4`}},
		{name: "hole given up after the wait, the gap stamped with the bytes after it",
			segs:   []seg{{d: 0, seq: 1, fl: S}, {d: 0, seq: 2, fl: A, p: "ab"}, {d: 0, seq: 10, fl: A, p: "zz", at: time.Second}},
			expire: 7 * time.Second,
			want:   []string{`0:"ab"@2`, `0:gap 6@3`, `0:"zz"@3`}},
		{name: "hole not yet due stays",
			segs:   []seg{{d: 0, seq: 1, fl: S}, {d: 0, seq: 10, fl: A, p: "zz", at: time.Second}},
			expire: 5 * time.Second,
			want:   nil},
		{name: "peer ACK past a held hole: lost, skipped at once",
			segs: []seg{{d: 0, seq: 1, fl: S}, {d: 0, seq: 20, fl: A, p: "PWD\r\n"}, {d: 1, seq: 900, ack: 25, fl: A, p: "250 ok\r\n"}},
			want: []string{`0:gap 18@2`, `0:"PWD\r\n"@2`, `1:"250 ok\r\n"@3`}},
		{name: "peer ACK past nothing held: gap reported early, skip later silent",
			early: true,
			segs:  []seg{{d: 0, seq: 1, fl: S}, {d: 1, seq: 900, ack: 12, fl: A}, {d: 0, seq: 12, fl: A, p: "PWD\r\n"}},
			want:  []string{`0:gap 10@2`, `0:"PWD\r\n"@3`}},
		{name: "early gaps off: the skip reports it",
			segs: []seg{{d: 0, seq: 1, fl: S}, {d: 1, seq: 900, ack: 12, fl: A}, {d: 0, seq: 12, fl: A, p: "PWD\r\n"}},
			want: nil, flush: false},
		{name: "bytes that come after their ACK after all are delivered",
			early: true,
			segs:  []seg{{d: 0, seq: 1, fl: S}, {d: 1, seq: 900, ack: 4, fl: A}, {d: 0, seq: 2, fl: A, p: "ab"}},
			want:  []string{`0:gap 2@2`, `0:"ab"@3`}},
		{name: "FIN reached only once the hole is filled",
			segs: []seg{{d: 0, seq: 1, fl: S}, {d: 0, seq: 4, fl: A | F, p: "cd"}, {d: 0, seq: 2, fl: A, p: "ab"}},
			want: []string{`0:"ab"@3`, `0:"cd"@2`, `0:fin@3`}},
		{name: "FIN without payload",
			segs: []seg{{d: 1, seq: 7, fl: S | A}, {d: 1, seq: 8, fl: A | F}},
			want: []string{`1:fin@2`}},
		{name: "the end delivers what is held",
			segs:  []seg{{d: 0, seq: 1, fl: S}, {d: 0, seq: 5, fl: A, p: "x"}},
			flush: true,
			want:  []string{`0:gap 3@2`, `0:"x"@2`}},
	}
	t0 := time.Unix(1e9, 0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pool heldPool
			r := reassembler{pool: &pool}
			out := &sinkLog{wantEarly: tc.early}
			for i, s := range tc.segs {
				r.segment(s.d, s.seq, s.ack, s.fl, []byte(s.p), uint64(i+1), t0.Add(s.at), out)
			}
			if tc.expire > 0 {
				r.expire(t0.Add(tc.expire), 99, out)
			}
			if tc.flush {
				r.flush(99, t0, out)
			}
			if !slices.Equal(out.log, tc.want) {
				t.Errorf("got  %q\nwant %q", out.log, tc.want)
			}
			r.release()
			if pool.bytes != 0 {
				t.Errorf("pool holds %d bytes after release", pool.bytes)
			}
		})
	}
}

// TestReassemblerHoldBound: one direction holds at most maxHeldSegs
// segments; past it the oldest hole is given up, counted.
func TestReassemblerHoldBound(t *testing.T) {
	var pool heldPool
	r := reassembler{pool: &pool}
	out := &sinkLog{}
	t0 := time.Unix(1e9, 0)
	r.segment(0, 1, 0, FlagSYN, nil, 1, t0, out)
	// Every other byte missing: each segment opens a new hole.
	for i := 0; i < maxHeldSegs+10; i++ {
		r.segment(0, uint32(3+2*i), 0, FlagACK, []byte{'x'}, uint64(i+2), t0, out)
	}
	if n := len(r.half[0].held); n > maxHeldSegs {
		t.Errorf("%d segments held, bound %d", n, maxHeldSegs)
	}
	if pool.overflow == 0 {
		t.Error("overflow not counted")
	}
	if pool.bytes != len(r.half[0].held) {
		t.Errorf("pool counts %d bytes, %d held", pool.bytes, len(r.half[0].held))
	}
	r.release()
	if pool.bytes != 0 {
		t.Errorf("pool holds %d bytes after release", pool.bytes)
	}
}

// TestTombstones: a closed key is remembered for tombstoneTTL, in a ring
// that overwrites the oldest.
func TestTombstones(t *testing.T) {
	var ts tombstones
	ts.init(4)
	t0 := time.Unix(1e9, 0)
	key := func(i int) ConnKey {
		return ConnKey{A: netip.MustParseAddrPort(fmt.Sprintf("10.0.0.1:%d", 1000+i)), B: netip.MustParseAddrPort("10.0.0.2:21")}
	}
	for i := range 6 {
		ts.add(key(i), t0)
	}
	for i := range 6 {
		if got, want := ts.find(key(i), t0) != nil, i >= 2; got != want {
			t.Errorf("key %d: has %v, want %v", i, got, want)
		}
	}
	if ts.find(key(5), t0.Add(tombstoneTTL+time.Second)) != nil {
		t.Error("tombstone older than its TTL still counts")
	}
	if len(ts.index) > 4 {
		t.Errorf("index holds %d keys for 4 slots", len(ts.index))
	}
	ts.drop(key(4))
	if ts.find(key(4), t0) != nil {
		t.Error("dropped tombstone still counts")
	}
}

// TestReassemblerHalfSpaceJump: a segment exactly 2^31 bytes from the
// next expected byte (its distance negated overflows an int32) is a
// retransmission like any other, on a control stream and in payload
// reassembly: nothing of it is delivered, held or counted as a gap or a
// segment far ahead, and the stream goes on at the next expected byte
// with the bytes that follow.
func TestReassemblerHalfSpaceJump(t *testing.T) {
	half, four := uint32(1)<<31, uint32(4)
	for _, tc := range []struct {
		name string
		pool heldPool
	}{
		{"control stream", heldPool{}},
		{"payload", heldPool{payload: true, segs: 4, total: 1000, dirBytes: 1000, ahead: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := tc.pool
			r := reassembler{pool: &pool}
			out := &sinkLog{}
			t0 := time.Unix(1e9, 0)
			r.segment(0, 1, 0, FlagSYN, nil, 1, t0, out)
			r.segment(0, 2, 0, FlagACK, []byte("ab"), 2, t0, out)
			r.segment(1, 900, four, FlagACK, nil, 3, t0, out) // "ab" acknowledged
			r.segment(0, four+half, 0, FlagACK, []byte("zz"), 4, t0, out)
			r.segment(0, four-half, 0, FlagACK, []byte("yy"), 5, t0, out) // (the same number: other bytes, sent again)
			if h := &r.half[0]; h.next != four || len(h.held) != 0 || pool.bytes != 0 {
				t.Errorf("stream at %d holding %d segments (%d bytes), want at %d holding none", h.next, len(h.held), pool.bytes, four)
			}
			r.segment(0, four, 0, FlagACK, []byte("cd"), 6, t0, out)
			r.flush(7, t0, out)
			if want := []string{`0:"ab"@2`, `0:"cd"@6`}; !slices.Equal(out.log, want) {
				t.Errorf("got %q, want %q", out.log, want)
			}
			if pool.farAhead != 0 || pool.overflow != 0 {
				t.Errorf("far ahead %d, overflow %d: the jump was not taken for a retransmission", pool.farAhead, pool.overflow)
			}
			r.release()
		})
	}
}

// TestReassemblerLostStretchBeyondACKReported: bytes an ACK proved lost
// are reported then, and the stretch between what that ACK covered and
// the next bytes that came is reported when it is skipped.
func TestReassemblerLostStretchBeyondACKReported(t *testing.T) {
	r := reassembler{pool: &heldPool{}}
	out := &sinkLog{wantEarly: true}
	t0 := time.Unix(1e9, 0)
	r.segment(0, 99, 0, FlagSYN, nil, 1, t0, out)                   // next=100
	r.segment(1, 900, 150, FlagACK, nil, 2, t0, out)                // 50 lost, reported
	r.segment(0, 200, 0, FlagACK, []byte("0123456789"), 3, t0, out) // held
	r.segment(1, 900, 210, FlagACK, nil, 4, t0, out)                // the skip
	want := []string{`0:gap 50@2`, `0:gap 50@3`, `0:"0123456789"@3`}
	if !slices.Equal(out.log, want) {
		t.Errorf("got %q, want %q", out.log, want)
	}
}

// TestReassemblerFarAheadSegmentDropped: one segment a gigabyte ahead
// (stale or forged) is dropped and counted, and the real bytes after it
// still arrive.
func TestReassemblerFarAheadSegmentDropped(t *testing.T) {
	pool := &heldPool{}
	r := reassembler{pool: pool}
	out := &sinkLog{}
	t0 := time.Unix(1e9, 0)
	r.segment(0, 99, 0, FlagSYN, nil, 1, t0, out)
	r.segment(0, 100+1<<30, 0, FlagACK, []byte("junk"), 2, t0, out)
	r.expire(t0.Add(10*time.Second), 3, out)
	r.segment(0, 100, 0, FlagACK, []byte("NOOP\r\n"), 4, t0.Add(11*time.Second), out)
	if want := []string{`0:"NOOP\r\n"@4`}; !slices.Equal(out.log, want) || pool.farAhead != 1 {
		t.Errorf("got %q (far ahead %d), want %q", out.log, pool.farAhead, want)
	}
}

// TestRSTAfterOwnFINCloses: an abortive RST sent after the sender's own
// FIN (seq = FIN + 1) is in the window and ends the connection.
func TestRSTAfterOwnFINCloses(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER a\r\n")
	v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
	v.send(v.c, v.s, v.cseq+1, 0, FlagRST, "")
	if countKind(rec, ControlClose) != 1 || d.Stats().RSTOutOfWindow != 0 {
		t.Errorf("closes %d, out-of-window RSTs %d; want 1, 0", countKind(rec, ControlClose), d.Stats().RSTOutOfWindow)
	}
}

// TestRejectedCandidateForgottenSoon: a connection found by a 220 on
// another port that turns out not to be FTP (SMTP) is forgotten after the
// short wait, not the hour a control connection gets.
func TestRejectedCandidateForgottenSoon(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: netip.MustParseAddrPort("192.0.2.10:25"), cseq: 1000, sseq: 5000, ts: convT0}
	v.handshake()
	v.srv("220 mail ESMTP\r\n")
	v.cli("EHLO x\r\n")
	d.Tick(convT0.Add(5 * time.Minute))
	if n := d.ctl.conns.Len(); n != 0 || d.ctl.byContent != 0 {
		t.Errorf("%d connections, byContent %d after 5 minutes", n, d.ctl.byContent)
	}
}
