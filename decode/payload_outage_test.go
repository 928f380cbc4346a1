package decode

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPayloadOutageBeyondReachAcknowledged guards a data connection whose
// capture lost more than payloadAhead (16 MiB: a tcpdump ring that
// overflowed for 13 ms at 10 Gb/s) in its middle. The segments after the
// outage lie past the reach when they come; the receiver's ACK, at its
// own next sequence number, then proves them in sequence (it reaches
// their start, or their end, or the FIN after them). They land at their
// offsets, the hole before them is one gap of its exact length, and a
// FIN the receiver acknowledged ends the stream (the connection leaves
// the table at both FINs, before the tracker reports it). Segments past
// the reach that no ACK proves are still dropped, and so is a FIN past
// it: forged or stale bytes make no hole. Before, every segment past the
// reach was dropped for good: "abc" and a gap to the end (or "abc" alone,
// the FIN ignored and the connection reported before its gap), the last
// bytes written as zeros.
func TestPayloadOutageBeyondReachAcknowledged(t *testing.T) {
	const lost = 20 << 20 // beyond payloadAhead
	type step struct {
		srv  bool   // sent by the server (else the client: an ACK)
		at   uint32 // the server's stream offset of the bytes, or what the client acknowledges
		fl   TCPFlags
		data string
	}
	const A, F = FlagACK, FlagFIN
	end := uint32(3 + lost) // where the bytes after the outage start
	for _, tc := range []struct {
		name  string
		steps []step
		want  string
		open  bool // the connection is still followed after the steps (no FIN ended it)
	}{
		{
			name: "last segment and FIN, then the receiver's ACK of the FIN",
			steps: []step{
				{srv: true, at: end, fl: A, data: "xyz"},
				{srv: true, at: end + 3, fl: A | F},
				{at: end + 4, fl: A | F},
			},
			want: "abc[gap 20971520]xyz",
		},
		{
			name: "last segment with the FIN, the ACK of the FIN",
			steps: []step{
				{srv: true, at: end, fl: A | F, data: "xyz"},
				{at: end + 4, fl: A | F},
			},
			want: "abc[gap 20971520]xyz",
		},
		{
			name: "segments before the receiver's ACK of their end, more after it",
			steps: []step{
				{srv: true, at: end, fl: A, data: "def"},
				{srv: true, at: end + 3, fl: A, data: "ghi"},
				{at: end + 6, fl: A},
				{srv: true, at: end + 6, fl: A, data: "jkl"},
				{srv: true, at: end + 9, fl: A | F},
				{at: end + 10, fl: A | F},
			},
			want: "abc[gap 20971520]defghijkl",
		},
		{
			name: "each far segment acknowledged at its start (bigtransfer.pcap)",
			steps: []step{
				{srv: true, at: end, fl: A, data: "def"},
				{at: end, fl: A},
				{srv: true, at: end + 3 + lost, fl: A | F, data: "ghi"},
				{at: end + 3 + lost, fl: A},
				{at: end + 7 + lost, fl: A | F},
			},
			want: "abc[gap 20971520]def[gap 20971520]ghi",
		},
		{
			name: "far bytes no ACK proves are dropped, the stream goes on",
			steps: []step{
				{srv: true, at: end, fl: A, data: "EVIL"},
				{srv: true, at: 3, fl: A, data: "def"},
				{srv: true, at: 6, fl: A | F},
				{at: 7, fl: A | F},
			},
			want: "abcdef",
		},
		{
			name: "a far FIN no ACK proves ends nothing",
			steps: []step{
				{srv: true, at: end, fl: A | F, data: "EVIL"},
				{srv: true, at: 3, fl: A, data: "def"},
				{at: 6, fl: A},
			},
			want: "abcdef",
			open: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &payloadRecorder{streams: map[string]*strings.Builder{}}
			d := New(h, Options{DataPayload: true})
			v := dataConv(t, d, dataCli, dataSrv)
			v.handshake()
			v.srv("abc")
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			base := v.sseq - 3
			cfin := false
			for _, s := range tc.steps {
				if s.srv {
					v.send(v.s, v.c, base+s.at, v.cseq, s.fl, s.data)
					continue
				}
				v.send(v.c, v.s, v.cseq, base+s.at, s.fl, "")
				if s.fl.Has(FlagFIN) {
					cfin = true
					v.cseq++
				}
			}
			if n := len(d.pay.conns); (n != 0) != tc.open {
				t.Errorf("%d connections followed after the steps (client FIN %v); want open %v", n, cfin, tc.open)
			}
			d.Finish()
			got := h.stream(dataSrv, dataCli).String()
			if got != tc.want {
				t.Errorf("stream %q; want %q", trimOutage(got), tc.want)
			}
			if d.pay.pool.bytes != 0 {
				t.Errorf("pool holds %d bytes after Finish", d.pay.pool.bytes)
			}
		})
	}
}

func trimOutage(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// TestPayloadFarHeldGivesWay guards the bounds of bytes held past the
// reach (holdFar), with a pool of small bounds: they take room only where
// there is some, give it up to real out-of-order bytes (a spray of them
// cannot make a real hole be given up early), are dropped, not skipped
// to, when their wait ends with no ACK reaching them, and leave the pool
// empty.
func TestPayloadFarHeldGivesWay(t *testing.T) {
	const A = FlagACK
	t0 := convT0
	for _, tc := range []struct {
		name   string
		segs   []seg
		expire time.Duration
		want   []string
	}{
		{
			name: "far bytes give their room to a real segment behind a hole",
			segs: []seg{
				{d: 0, seq: 1010, fl: A, p: "klmnopqrst"},          // behind a hole of 10
				{d: 0, seq: 1500, fl: A, p: "far1"},                // past the reach (100)
				{d: 0, seq: 1600, fl: A, p: "far2"},                // the pool's 4 segments are full
				{d: 0, seq: 1700, fl: A, p: "far3"},                //
				{d: 0, seq: 1020, fl: A, p: "uvwxyz"},              // room made by dropping the far ones
				{d: 0, seq: 1000, fl: A, p: "abcdefghij", at: 1e9}, // the hole filled
				{d: 1, seq: 9000, ack: 1026, fl: A, at: 2 * 1e9},   // the receiver's ACK
			},
			want: []string{`0:"abcdefghij"@6`, `0:"klmnopqrst"@1`, `0:"uvwxyz"@5`},
		},
		{
			name: "far bytes no ACK reaches are dropped when their wait ends",
			segs: []seg{
				{d: 0, seq: 1000, fl: A, p: "abc"},
				{d: 0, seq: 1500, fl: A, p: "far"},
			},
			expire: 6 * time.Second,
			want:   []string{`0:"abc"@1`},
		},
		{
			name: "the receiver's ACK at their start takes them",
			segs: []seg{
				{d: 0, seq: 1000, fl: A, p: "abc"},
				{d: 0, seq: 1500, fl: A, p: "far"},
				{d: 1, seq: 9000, ack: 1500, fl: A},
			},
			want: []string{`0:"abc"@1`, `0:gap 497@2`, `0:"far"@2`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := &heldPool{payload: true, segs: 4, total: 1000, dirBytes: 1000, ahead: 100}
			r := reassembler{pool: pool}
			r.half[0].started, r.half[0].next = true, 1000
			r.half[1].started, r.half[1].next = true, 9000
			out := &sinkLog{}
			for i, s := range tc.segs {
				r.segment(s.d, s.seq, s.ack, s.fl, []byte(s.p), uint64(i+1), t0.Add(s.at), out)
			}
			if tc.expire > 0 {
				r.expire(t0.Add(tc.expire), 99, out)
			}
			if !slices.Equal(out.log, tc.want) {
				t.Errorf("got  %q\nwant %q", out.log, tc.want)
			}
			if len(r.half[0].held) != 0 {
				t.Errorf("%d segments still held", len(r.half[0].held))
			}
			r.flush(100, t0.Add(time.Minute), out)
			r.release()
			if pool.bytes != 0 {
				t.Errorf("pool holds %d bytes after release", pool.bytes)
			}
		})
	}
}
