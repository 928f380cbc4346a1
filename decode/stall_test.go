package decode

import (
	"testing"
	"time"
)

// TestControlStalledWhenResentUnacknowledged guards control-undelivered's
// evidence: a segment its receiver never acknowledges, sent again and
// again (a Linux FTP helper dropping a 227 split across segments,
// helper-split-227-server), is reported once it was sent stallResends
// times more, in the sender's direction, and again with StallCleared when
// it is acknowledged at last; copies of bytes already acknowledged
// (a spurious retransmission, a mirror port's duplicate), fewer copies, or
// copies whose receiver's direction the capture lacks report nothing.
func TestControlStalledWhenResentUnacknowledged(t *testing.T) {
	for _, tc := range []struct {
		name     string
		resends  int
		acked    bool // the client acknowledged the 227 when it was first sent
		ackLater bool // the client acknowledges it after the copies
		oneWay   bool // the capture holds the server's direction only
		twice    bool // every copy is in the capture twice, 50 µs apart
		want     []string
	}{
		{name: "stalled", resends: 5, want: []string{"server stalled 3"}},
		{name: "stalled then acknowledged", resends: 4, ackLater: true, want: []string{"server stalled 3", "server cleared 4"}},
		{name: "two copies are a loss TCP recovers from", resends: 2, ackLater: true},
		{name: "copies of acknowledged bytes", resends: 5, acked: true},
		{name: "receiver's direction not captured", resends: 5, oneWay: true},
		{name: "each copy seen twice (tcpdump -i any)", resends: 2, twice: true},
		{name: "each copy seen twice, stalled", resends: 3, twice: true, want: []string{"server stalled 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			v := &conv{t: t, d: New(rec, Options{}), c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
			if tc.oneWay {
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, "220 hi\r\n")
				v.sseq += 8
			} else {
				v.handshake()
				v.srv("220 hi\r\n")
				v.cli("PASV\r\n")
			}
			at := v.sseq
			reply := "227 Entering Passive Mode (192,0,2,10,156,64).\r\n"
			v.srv(reply)
			if tc.acked {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			for i := 0; i < tc.resends; i++ {
				v.ts = v.ts.Add(time.Duration(200<<i) * time.Millisecond)
				v.send(v.s, v.c, at, v.cseq, FlagACK|FlagPSH, reply)
				if tc.twice {
					v.ts = v.ts.Add(-10*time.Millisecond + 50*time.Microsecond) // (send adds 10 ms)
					v.send(v.s, v.c, at, v.cseq, FlagACK|FlagPSH, reply)
				}
			}
			if tc.ackLater {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			var got []string
			for _, e := range rec.control {
				if e.Kind != ControlStalled {
					continue
				}
				who, what := "server", "stalled"
				if e.FromClient {
					who = "client"
				}
				if e.StallCleared {
					what = "cleared"
				}
				got = append(got, who+" "+what+" "+itoa(e.StallResent))
				if e.StallSince.IsZero() || !e.TS.After(e.StallSince) {
					t.Errorf("since %v, at %v", e.StallSince, e.TS)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("stall events %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("stall events %q, want %q", got, tc.want)
				}
			}
		})
	}
}
