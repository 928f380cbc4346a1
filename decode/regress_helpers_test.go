package decode

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	convClient  = netip.MustParseAddrPort("192.0.2.1:50000")
	convServer  = netip.MustParseAddrPort("192.0.2.10:21")
	convClient2 = netip.MustParseAddrPort("192.0.2.2:50002")
	convT0      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

type conv struct {
	t          testing.TB
	d          *Decoder
	c, s       netip.AddrPort
	cseq, sseq uint32
	ts         time.Time
}

func convFrame(t testing.TB, src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, payload []byte) []byte {
	return convFrameUrgent(t, src, dst, seq, ack, fl, payload, 0)
}

// convFrameUrgent is convFrame with the urgent pointer field set to urg.
func convFrameUrgent(t testing.TB, src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, payload []byte, urg uint16) []byte {
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 1000,
		FIN: fl.Has(FlagFIN), SYN: fl.Has(FlagSYN), RST: fl.Has(FlagRST), PSH: fl.Has(FlagPSH), ACK: fl.Has(FlagACK), URG: fl.Has(FlagURG), Urgent: urg}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (v *conv) send(src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, p string) {
	v.ts = v.ts.Add(10 * time.Millisecond)
	f := convFrame(v.t, src, dst, seq, ack, fl, []byte(p))
	v.d.Decode(f, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
}
func (v *conv) cli(p string) {
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, p)
	v.cseq += uint32(len(p))
}
func (v *conv) srv(p string) {
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, p)
	v.sseq += uint32(len(p))
}
func (v *conv) handshake() {
	v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
}

func convClientount(r *recorder, k ControlKind) int {
	n := 0
	for _, e := range r.control {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func dumpEvents(t testing.TB, r *recorder) {
	for _, e := range r.control {
		s := ""
		switch e.Kind {
		case ControlCommand:
			s = e.Command.Verb
		case ControlReply:
			s = e.Reply.Text
		}
		t.Logf("  kind=%d num=%d %s %q gap=%d", e.Kind, e.Num, e.Client, s, e.Gap)
	}
}

// allocsPerPair: allocations of Decode for prebuilt in-order segment pairs.
func allocsPerPair(t *testing.T, a *conv, cp, sp string) float64 {
	var fr [][]byte
	var cis []gopacket.CaptureInfo
	add := func(src, dst netip.AddrPort, seq, ack uint32, p string) {
		a.ts = a.ts.Add(time.Millisecond)
		f := convFrame(t, src, dst, seq, ack, FlagACK|FlagPSH, []byte(p))
		fr = append(fr, f)
		cis = append(cis, gopacket.CaptureInfo{Timestamp: a.ts, CaptureLength: len(f), Length: len(f)})
	}
	for i := 0; i < 202; i++ {
		add(a.c, a.s, a.cseq, a.sseq, cp)
		a.cseq += uint32(len(cp))
		add(a.s, a.c, a.sseq, a.cseq, sp)
		a.sseq += uint32(len(sp))
	}
	i := 0
	return testing.AllocsPerRun(200, func() {
		a.d.Decode(fr[i], cis[i], layers.LinkTypeEthernet)
		a.d.Decode(fr[i+1], cis[i+1], layers.LinkTypeEthernet)
		i += 2
	})
}

// openConv starts a control connection from convClient to convServer
// (its handshake done) on a fresh decoder that records what it reports.
func openConv(t testing.TB) (*recorder, *Decoder, *conv) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	v.handshake()
	return rec, d, v
}
