package decode

import (
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// recorder is a Handler that keeps copies of what it is told.
type recorder struct {
	lastLen  int // PayloadLen of the latest segment
	segments int
	syns     int
	control  []ControlEvent
	unreach  []Unreachable
}

func (r *recorder) Segment(s *Segment) {
	r.segments++
	r.lastLen = s.PayloadLen
	if s.Flags.Has(FlagSYN) && !s.Flags.Has(FlagACK) {
		r.syns++
	}
}
func (r *recorder) Unreachable(u *Unreachable) { r.unreach = append(r.unreach, *u) }
func (r *recorder) Control(e *ControlEvent)    { r.control = append(r.control, *e) }
func (r *recorder) Tick(time.Time)             {}
func (r *recorder) Finish()                    {}

func (r *recorder) commands() []string {
	var out []string
	for _, e := range r.control {
		if e.Kind == ControlCommand {
			out = append(out, e.Command.Verb)
		}
	}
	return out
}

func decodeFile(t *testing.T, path string, o Options) (*recorder, Stats) {
	t.Helper()
	rec := &recorder{}
	return rec, decodeFileTo(t, path, o, rec)
}

// decodeFileTo decodes the capture at path to h.
func decodeFileTo(t *testing.T, path string, o Options, h Handler) Stats {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	d := New(h, o)
	if err := d.DecodeAll(src); err != nil {
		t.Fatal(err)
	}
	d.Finish()
	return d.Stats()
}

// TestLinkTypes: every supported link type yields the same conversation.
func TestLinkTypes(t *testing.T) {
	for _, name := range []string{"linktypes-vlan.pcap", "linktypes-qinq.pcap", "linktypes-sll.pcap", "linktypes-sll2.pcap", "linktypes-raw.pcap", "linktypes-null.pcap", "multi-iface.pcapng", "nanosecond.pcap"} {
		t.Run(name, func(t *testing.T) {
			rec, st := decodeFile(t, filepath.Join("../pcaps/synthetic", name), Options{})
			if st.UnknownLink != 0 || st.Malformed != 0 || st.NotIP != 0 {
				t.Errorf("stats %+v", st)
			}
			var pasv, reply227 int
			for _, e := range rec.control {
				if e.Kind == ControlCommand && (e.Command.Verb == "PASV" || e.Command.Verb == "EPSV") {
					pasv++
				}
				if e.Kind == ControlReply && (e.Reply.Code == 227 || e.Reply.Code == 229) && e.EndpointErr == nil && e.Endpoint.Addr.Port() != 0 {
					reply227++
				}
			}
			if pasv == 0 || pasv != reply227 {
				t.Errorf("%d PASV/EPSV commands, %d decoded endpoints", pasv, reply227)
			}
			if rec.syns < 2 {
				t.Errorf("%d SYNs: the data connection is missing", rec.syns)
			}
		})
	}
}

// TestFragmentsReassembled: the 227 and 229 carried in IP fragments arrive.
func TestFragmentsReassembled(t *testing.T) {
	rec, st := decodeFile(t, "../pcaps/synthetic/fragments.pcap", Options{})
	if st.Defragmented != 2 {
		t.Errorf("defragmented %d packets, want 2 (stats %+v)", st.Defragmented, st)
	}
	want := map[string]bool{"192.0.2.10:40090": false, "[2001:db8::10]:40091": false}
	for _, e := range rec.control {
		if e.Kind == ControlReply && e.Endpoint.Via != 0 {
			ap := e.Endpoint.Addr
			if !ap.Addr().IsValid() {
				ap = netip.AddrPortFrom(e.Server.Addr(), ap.Port())
			}
			want[ap.String()] = true
		}
	}
	for ep, seen := range want {
		if !seen {
			t.Errorf("endpoint %s not decoded", ep)
		}
	}
}

// TestNotFTPWithGreeting: SMTP's 220 answered by EHLO is not FTP; FTP on
// port 2121 is found by content.
func TestNotFTPWithGreeting(t *testing.T) {
	rec, _ := decodeFile(t, "../pcaps/synthetic/nonstandard-port.pcap", Options{})
	servers := map[uint16]bool{}
	for _, e := range rec.control {
		servers[e.Server.Port()] = true
		if e.Kind == ControlOpen && !e.ByContent {
			t.Errorf("session on %v not marked by content", e.Server)
		}
	}
	if !servers[2121] || servers[2525] || len(servers) != 1 {
		t.Errorf("control servers on ports %v, want only 2121", servers)
	}
	rec, _ = decodeFile(t, "../pcaps/synthetic/nonstandard-port.pcap", Options{NoContentDetection: true})
	if len(rec.control) != 0 {
		t.Errorf("content detection off, still %d control events", len(rec.control))
	}
}

// TestGapReportedBeforeReply: a lost client command is reported as a gap
// before the reply that answers it, never silently.
func TestGapReportedBeforeReply(t *testing.T) {
	rec, st := decodeFile(t, "../pcaps/synthetic/gap.pcap", Options{})
	if st.ControlGaps != 1 || st.ControlGapBytes != 12 {
		t.Errorf("gaps %d (%d bytes), want 1 (12)", st.ControlGaps, st.ControlGapBytes)
	}
	gapAt, replyAt := -1, -1
	for i, e := range rec.control {
		if e.Kind == ControlGap && gapAt < 0 {
			gapAt = i
		}
		if e.Kind == ControlReply && e.Reply.Code == 250 && replyAt < 0 {
			replyAt = i
		}
	}
	if gapAt < 0 || replyAt < 0 || gapAt > replyAt {
		t.Errorf("gap at event %d, its 250 at %d: the gap must come first", gapAt, replyAt)
	}
}

// TestReorderedAndSplit: out-of-order and split segments give whole lines
// in order.
func TestReorderedAndSplit(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"reordered.pcap", []string{"USER", "PASS", "TYPE", "PASV", "RETR", "QUIT"}},
		{"split-lines.pcap", []string{"USER", "PASS", "FEAT", "TYPE", "PASV", "LIST", "QUIT"}},
		{"seq-wrap.pcap", []string{"USER", "PASS", "SYST", "FEAT", "OPTS", "PWD", "CWD", "TYPE", "SIZE", "PASV", "RETR", "QUIT"}},
	} {
		rec, st := decodeFile(t, filepath.Join("../pcaps/synthetic", tt.file), Options{})
		if got := rec.commands(); !equal(got, tt.want) {
			t.Errorf("%s: commands %v, want %v", tt.file, got, tt.want)
		}
		if st.ControlGaps != 0 {
			t.Errorf("%s: %d gaps reported on a complete capture", tt.file, st.ControlGaps)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseQuotedTCP(t *testing.T) {
	v4 := make([]byte, 28)
	v4[0] = 0x45
	v4[9] = 6
	copy(v4[12:16], []byte{192, 0, 2, 1})
	copy(v4[16:20], []byte{192, 0, 2, 10})
	binary.BigEndian.PutUint16(v4[20:], 50000)
	binary.BigEndian.PutUint16(v4[22:], 40000)
	binary.BigEndian.PutUint32(v4[24:], 12345)

	v6 := make([]byte, 40+8+8)
	v6[0] = 0x60
	v6[6] = 60 // destination options, then TCP
	copy(v6[8:24], netip.MustParseAddr("2001:db8::1").AsSlice())
	copy(v6[24:40], netip.MustParseAddr("2001:db8::10").AsSlice())
	v6[40] = 6 // next header TCP, length 0 => 8 bytes
	binary.BigEndian.PutUint16(v6[48:], 50001)
	binary.BigEndian.PutUint16(v6[50:], 40001)
	binary.BigEndian.PutUint32(v6[52:], 7)

	udp := append([]byte(nil), v4...)
	udp[9] = 17
	frag := append([]byte(nil), v4...)
	binary.BigEndian.PutUint16(frag[6:], 100) // offset != 0: no TCP header

	tests := []struct {
		name     string
		in       []byte
		src, dst string
		seq      uint32
		ok       bool
	}{
		{"ipv4", v4, "192.0.2.1:50000", "192.0.2.10:40000", 12345, true},
		{"ipv6 with extension header", v6, "[2001:db8::1]:50001", "[2001:db8::10]:40001", 7, true},
		{"udp", udp, "", "", 0, false},
		{"non-first fragment", frag, "", "", 0, false},
		{"short", v4[:24], "", "", 0, false},
		{"empty", nil, "", "", 0, false},
	}
	for _, tt := range tests {
		src, dst, seq, ok := parseQuotedTCP(tt.in)
		if ok != tt.ok {
			t.Errorf("%s: ok %v", tt.name, ok)
			continue
		}
		if ok && (src.String() != tt.src || dst.String() != tt.dst || seq != tt.seq) {
			t.Errorf("%s: %v %v %d", tt.name, src, dst, seq)
		}
	}
}

// TestDecodeAllocs: the per-packet path allocates nothing for a data
// segment nor for an in-order control segment.
func TestDecodeAllocs(t *testing.T) {
	d := New(&recorder{}, Options{})
	data := buildFrame(t, 50000, 40000, []byte("payload bytes of a data connection"))
	ctl := buildFrame(t, 50001, 21, nil)
	ci := gopacket.CaptureInfo{CaptureLength: len(data), Length: len(data)}
	d.Decode(ctl, ci, layers.LinkTypeEthernet)
	if n := testing.AllocsPerRun(1000, func() { d.Decode(data, ci, layers.LinkTypeEthernet) }); n != 0 {
		t.Errorf("data segment: %.1f allocations per packet", n)
	}
	if n := testing.AllocsPerRun(1000, func() { d.Decode(ctl, ci, layers.LinkTypeEthernet) }); n != 0 {
		t.Errorf("control ACK: %.1f allocations per packet", n)
	}
}

func buildFrame(t testing.TB, sport, dport uint16, payload []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 10}}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: 1, Ack: 1, ACK: true, Window: 1000}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkDecodeDataSegment(b *testing.B) {
	d := New(&recorder{}, Options{})
	data := buildFrame(b, 50000, 40000, make([]byte, 1448))
	ci := gopacket.CaptureInfo{CaptureLength: len(data), Length: len(data)}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		d.Decode(data, ci, layers.LinkTypeEthernet)
	}
}

// FuzzDecode feeds arbitrary frames of every link type: never a panic.
func FuzzDecode(f *testing.F) {
	f.Add(buildFrame(f, 50000, 21, []byte("227 Entering Passive Mode (192,0,2,10,156,64)\r\n")), uint8(0))
	f.Add(buildFrame(f, 21, 50000, []byte("USER x\r\n")), uint8(0))
	links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull, layers.LinkTypeRaw, layers.LinkTypeIPv6,
		linkTypePPP, linkTypePPPSerial, linkTypePPPEther, linkTypeCiscoHDLC, linkTypePPPWithDir, linkTypeCHDLCWithDr}
	for _, s := range fuzzLinkSeeds(f, links) {
		f.Add(s.frame, s.link)
	}
	ip := buildFrame(f, 21, 50000, []byte("220 ready\r\n"))[14:]
	f.Add(sll2Frame(arphrdIPGRE, layers.EthernetTypeIPv4, ip), uint8(2)) // SLL2 of a gre device
	f.Fuzz(func(t *testing.T, frame []byte, link uint8) {
		d := New(&recorder{}, Options{})
		l := links[int(link)%len(links)]
		ci := gopacket.CaptureInfo{CaptureLength: len(frame), Length: len(frame)}
		d.Decode(frame, ci, l)
		d.Decode(frame, ci, l)
		d.Finish()
	})
}

// TestSnapLengthKeepsWireLength: a frame cut by the snap length still
// reports the payload length the IP header gives, so data bytes are not
// undercounted on a tcpdump -s 96 capture.
func TestSnapLengthKeepsWireLength(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	full := buildFrame(t, 50000, 40000, make([]byte, 1000))
	cut := full[:96]
	d.Decode(cut, gopacket.CaptureInfo{CaptureLength: len(cut), Length: len(full)}, layers.LinkTypeEthernet)
	if rec.segments != 1 || rec.lastLen != 1000 {
		t.Errorf("segments %d, payload length %d, want 1 and 1000", rec.segments, rec.lastLen)
	}
}

func TestParseTCP(t *testing.T) {
	frame := buildFrame(t, 50000, 21, []byte("USER x\r\n"))
	raw := frame[14+20:]
	h, ok := parseTCP(raw)
	if !ok || h.srcPort != 50000 || h.dstPort != 21 || h.seq != 1 || h.ack != 1 || h.flags != FlagACK || h.off != 20 {
		t.Errorf("parseTCP = %+v, %v", h, ok)
	}
	bad := append([]byte(nil), raw...)
	bad[12] = 0x40 // data offset 16 bytes: invalid
	for _, b := range [][]byte{nil, raw[:19], bad} {
		if _, ok := parseTCP(b); ok {
			t.Errorf("parseTCP(%x) accepted", b)
		}
	}
}

// TestFragmentFloodBounded: first fragments that never complete are held
// up to a bound, then dropped and counted, not kept without limit.
func TestFragmentFloodBounded(t *testing.T) {
	d := New(&recorder{}, Options{})
	for id := 0; id < maxFragments*2+10; id++ {
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: uint16(id), Flags: layers.IPv4MoreFragments, Protocol: layers.IPProtocolTCP,
			SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 10}}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, gopacket.Payload(make([]byte, 64))); err != nil {
			t.Fatal(err)
		}
		d.Decode(buf.Bytes(), gopacket.CaptureInfo{CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, layers.LinkTypeEthernet)
	}
	st := d.Stats()
	if st.FragmentsFull < 2 || st.FragmentsLost < maxFragments {
		t.Errorf("fragments %d, bound hit %d times, %d lost", st.Fragments, st.FragmentsFull, st.FragmentsLost)
	}
	if d.fragsHeld > maxFragments {
		t.Errorf("%d fragments held, bound %d", d.fragsHeld, maxFragments)
	}
}

// TestTickClosesIdleControl: with no packets at all, Tick still closes an
// idle control connection (live capture on a quiet network).
func TestTickClosesIdleControl(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	frame := buildFrame(t, 21, 50000, []byte("220 ready\r\n"))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d.Decode(frame, gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(frame), Length: len(frame)}, layers.LinkTypeEthernet)
	d.Tick(t0.Add(time.Minute))
	if n := countKind(rec, ControlClose); n != 0 {
		t.Fatalf("closed after a minute: %d", n)
	}
	d.Tick(t0.Add(idleClose + 2*time.Minute))
	if n := countKind(rec, ControlClose); n != 1 {
		t.Errorf("%d close events after the idle time, want 1", n)
	}
}

func countKind(r *recorder, k ControlKind) int {
	n := 0
	for _, e := range r.control {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// TestCompletedFragmentsFreeTheBound: datagrams that complete give their
// fragments back, so healthy fragmented traffic never hits the bound.
func TestCompletedFragmentsFreeTheBound(t *testing.T) {
	d := New(&recorder{}, Options{})
	frag := func(id uint16, off uint16, more bool, n int) []byte {
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: id, FragOffset: off, Protocol: layers.IPProtocolUDP,
			SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 10}}
		if more {
			ip.Flags = layers.IPv4MoreFragments
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, gopacket.Payload(make([]byte, n))); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for id := 0; id < maxFragments*3; id++ {
		for _, f := range [][]byte{frag(uint16(id), 0, true, 32), frag(uint16(id), 4, false, 32)} {
			d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
		}
	}
	if st := d.Stats(); st.FragmentsFull != 0 || st.Defragmented != maxFragments*3 || d.fragsHeld != 0 {
		t.Errorf("bound hit %d times, %d rebuilt, %d still held", st.FragmentsFull, st.Defragmented, d.fragsHeld)
	}
}

// TestTunnelsDecapsulated: a session inside each kind of tunnel (4in4,
// 6in4, 4in6, 6in6, GRE, ERSPAN, VXLAN, GENEVE, MPLS, PPPoE) is one
// session with its inner addresses, never the tunnel's.
func TestTunnelsDecapsulated(t *testing.T) {
	rec, st := decodeFile(t, "../pcaps/synthetic/tunnels.pcapng", Options{})
	opens := 0
	for _, e := range rec.control {
		if e.Kind != ControlOpen {
			continue
		}
		opens++
		for _, a := range []netip.Addr{e.Client.Addr(), e.Server.Addr()} {
			if s := a.String(); strings.HasPrefix(s, "203.0.113.") || strings.HasPrefix(s, "2001:db8:ffff:") {
				t.Errorf("session with a tunnel address: %v -> %v", e.Client, e.Server)
			}
		}
	}
	if opens != 10 {
		t.Errorf("%d sessions, want 10", opens)
	}
	if st.Decapsulated != st.Packets || st.TCP != st.Packets {
		t.Errorf("%d of %d packets decapsulated, %d TCP", st.Decapsulated, st.Packets, st.TCP)
	}
}
