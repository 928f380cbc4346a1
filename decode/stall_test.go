package decode

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestControlStalledWhenResentUnacknowledged guards control-undelivered's
// evidence: a segment its receiver never acknowledges, sent again and
// again (a Linux FTP helper dropping a 227 split across segments,
// helper-split-227-server), is reported once it was sent stallResends
// times more and the receiver showed it is there (a segment after the
// first copy, or a SACK of later bytes: a client that went away is sent
// the same bytes too), in the sender's direction, and again with StallCleared when
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
		quit     bool // the client sends QUIT after the copies, its ACK before them
		sack     bool // the client SACKs bytes beyond the reply right after it is sent
		zeroWin  bool // the client's window is closed when the reply is sent
		want     []string
	}{
		{name: "stalled", resends: 5, quit: true, want: []string{"server stalled 5"}},
		{name: "stalled, later bytes SACKed", resends: 5, sack: true, want: []string{"server stalled 3"}},
		{name: "stalled then acknowledged", resends: 4, sack: true, ackLater: true, want: []string{"server stalled 3", "server cleared 4"}},
		{name: "late, no sign of the receiver meanwhile", resends: 4, ackLater: true},
		// A client that went away (closed, crashed, its NAT entry gone)
		// is sent the same bytes again and again too: no stall without
		// a sign that it is there.
		{name: "receiver gone", resends: 6},
		{name: "window closed: probes", resends: 5, quit: true, zeroWin: true},
		{name: "two copies are a loss TCP recovers from", resends: 2, ackLater: true},
		{name: "copies of acknowledged bytes", resends: 5, acked: true},
		{name: "receiver's direction not captured", resends: 5, oneWay: true},
		{name: "each copy seen twice (tcpdump -i any)", resends: 2, twice: true},
		{name: "each copy seen twice, stalled", resends: 3, twice: true, quit: true, want: []string{"server stalled 3"}},
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
			if tc.zeroWin {
				v.sendWin(v.c, v.s, v.cseq, v.sseq, FlagACK, 0)
			}
			v.srv(reply)
			if tc.acked {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			if tc.sack {
				v.srv("150 more\r\n")
				v.sendSACK(v.c, v.s, v.cseq, at, v.sseq-10, v.sseq)
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
			if tc.quit {
				v.send(v.c, v.s, v.cseq, at, FlagACK|FlagPSH, "QUIT\r\n")
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

// sendWin sends an empty segment advertising window win.
func (v *conv) sendWin(src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, win uint16) {
	v.ts = v.ts.Add(10 * time.Millisecond)
	f := convFrameOpts(v.t, src, dst, seq, ack, fl, win, nil)
	v.d.Decode(f, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
}

// sendSACK sends an ACK of ack that selectively acknowledges left-right.
func (v *conv) sendSACK(src, dst netip.AddrPort, seq, ack, left, right uint32) {
	v.ts = v.ts.Add(10 * time.Millisecond)
	blk := []byte{byte(left >> 24), byte(left >> 16), byte(left >> 8), byte(left), byte(right >> 24), byte(right >> 16), byte(right >> 8), byte(right)}
	opts := []layers.TCPOption{{OptionType: layers.TCPOptionKindSACK, OptionLength: 10, OptionData: blk}}
	f := convFrameOpts(v.t, src, dst, seq, ack, FlagACK, 1000, opts)
	v.d.Decode(f, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
}

// convFrameOpts is convFrame with a window and TCP options, no payload.
func convFrameOpts(t testing.TB, src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, win uint16, opts []layers.TCPOption) []byte {
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: win,
		ACK: fl.Has(FlagACK), PSH: fl.Has(FlagPSH), Options: opts}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
