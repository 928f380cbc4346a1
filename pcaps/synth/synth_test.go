package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

const committedDir = "../synthetic"

// TestCommittedCapturesMatchGenerator keeps pcaps/synthetic from drifting:
// regenerate and compare byte for byte, and the file sets must be equal.
func TestCommittedCapturesMatchGenerator(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	want := captureNames(t, dir)
	got := captureNames(t, committedDir)
	if !slices.Equal(got, want) {
		t.Fatalf("committed captures %v, generator writes %v", got, want)
	}
	for _, name := range want {
		a, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(committedDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the generator output; run: go run ./pcaps/synth -out pcaps/synthetic", name)
		}
	}
}

func captureNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if ext := filepath.Ext(e.Name()); ext == ".pcap" || ext == ".pcapng" {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// readAll decodes every record of a generated file.
func readAll(t *testing.T, file []byte) ([]gopacket.Packet, error) {
	t.Helper()
	var pkts []gopacket.Packet
	if bytes.HasPrefix(file, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bytes.NewReader(file), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, err
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return pkts, nil
				}
				return pkts, err
			}
			lt := ci.AncillaryData[0].(layers.LinkType)
			pkts = append(pkts, gopacket.NewPacket(data, lt, gopacket.Default))
		}
	}
	r, err := pcapgo.NewReader(bytes.NewReader(file))
	if err != nil {
		return nil, err
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return pkts, nil
			}
			return pkts, err
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		p.Metadata().CaptureInfo = ci // (a frame a snap length cut: CaptureLength < Length)
		pkts = append(pkts, p)
	}
}

func build(t *testing.T, name string) []gopacket.Packet {
	t.Helper()
	for _, s := range scenarios() {
		if s.file != name {
			continue
		}
		b, err := s.build()
		if err != nil {
			t.Fatal(err)
		}
		pkts, err := readAll(t, b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return pkts
	}
	t.Fatalf("no scenario %s", name)
	return nil
}

// TestEveryPacketDecodes checks each frame decodes without error and has
// valid IP, TCP and ICMP checksums.
func TestEveryPacketDecodes(t *testing.T) {
	for _, s := range scenarios() {
		if s.file == "truncated.pcap" {
			continue
		}
		t.Run(s.file, func(t *testing.T) {
			pkts := build(t, s.file)
			if len(pkts) == 0 {
				t.Fatal("no packets")
			}
			for i, p := range pkts {
				if el := p.ErrorLayer(); el != nil {
					t.Fatalf("packet %d: %v", i+1, el.Error())
				}
				if p.NetworkLayer() == nil {
					t.Fatalf("packet %d: no network layer", i+1)
				}
				// Decoding does not link transport layers to their
				// pseudo-header; do it so their checksums can be checked,
				// each with the IP header right before it (the inner one
				// in a tunnel).
				var network gopacket.NetworkLayer
				for _, l := range p.Layers() {
					if nl, ok := l.(gopacket.NetworkLayer); ok {
						network = nl
					}
					if tl, ok := l.(interface {
						SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
					}); ok {
						if err := tl.SetNetworkLayerForChecksum(network); err != nil {
							t.Fatalf("packet %d: %v", i+1, err)
						}
					}
				}
				err, bad := p.VerifyChecksums()
				if err != nil {
					t.Fatalf("packet %d: %v", i+1, err)
				}
				if s.file == "offload-lengths.pcap" {
					continue // IP lengths an offload's: gopacket sums other bytes than the sender did
				}
				cut := p.Metadata().CaptureLength < p.Metadata().Length
				for _, m := range bad {
					if cut && m.Layer.LayerType() == layers.LayerTypeTCP {
						continue // summed over the bytes the snap length left out (snapCut)
					}
					t.Errorf("packet %d: bad %v checksum %#x, want %#x", i+1, m.Layer.LayerType(), m.Actual, m.Correct)
				}
			}
		})
	}
}

func TestTruncatedEndsMidRecord(t *testing.T) {
	whole := build(t, "walkthrough.pcap")
	b, err := truncated()
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := readAll(t, b)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading truncated.pcap: err = %v, want io.ErrUnexpectedEOF", err)
	}
	if len(pkts) != len(whole)-1 {
		t.Fatalf("decoded %d packets, want %d", len(pkts), len(whole)-1)
	}
}

// tcpOf returns the TCP layer of p, or nil.
func tcpOf(p gopacket.Packet) *layers.TCP {
	if l, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
		return l
	}
	return nil
}

// TestScenarioFacts checks the properties the README promises.
func TestScenarioFacts(t *testing.T) {
	count := func(pkts []gopacket.Packet, keep func(gopacket.Packet) bool) int {
		n := 0
		for _, p := range pkts {
			if keep(p) {
				n++
			}
		}
		return n
	}
	hasPayload := func(s string) func(gopacket.Packet) bool {
		return func(p gopacket.Packet) bool {
			tcp := tcpOf(p)
			return tcp != nil && bytes.Contains(tcp.Payload, []byte(s))
		}
	}
	synTo := func(port layers.TCPPort) func(gopacket.Packet) bool {
		return func(p gopacket.Packet) bool {
			tcp := tcpOf(p)
			return tcp != nil && tcp.SYN && !tcp.ACK && tcp.DstPort == port
		}
	}
	tests := []struct {
		file string
		what string
		keep func(gopacket.Packet) bool
		want int
	}{
		{"gap.pcap", "segments carrying the dropped CWD", hasPayload("CWD secret"), 0},
		{"gap.pcap", "250 replies", hasPayload("250 Directory"), 1},
		{"midstream.pcap", "SYNs to port 21", synTo(21), 0},
		{"reordered.pcap", "copies of the 227 segment", hasPayload("227 Entering"), 2},
		{"reordered.pcap", "copies of the RETR segment", hasPayload("RETR notes.txt"), 2},
		{"split-lines.pcap", "segments with 150 and 226 together", hasPayload(list150 + "\r\n" + list226 + "\r\n"), 1},
		{"split-lines.pcap", "segments with PASV and LIST together", hasPayload("PASV\r\nLIST\r\n"), 1},
		{"outcomes.pcap", "SYNs to the unanswered port", synTo(40102), 4},
		{"outcomes.pcap", "ICMPv4 3/13", func(p gopacket.Packet) bool {
			i, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
			return ok && i.TypeCode == layers.CreateICMPv4TypeCode(3, 13)
		}, 1},
		{"outcomes.pcap", "ICMPv6 1/1", func(p gopacket.Packet) bool {
			i, ok := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
			return ok && i.TypeCode == layers.CreateICMPv6TypeCode(1, 1)
		}, 1},
		{"outcomes.pcap", "RST/ACK answering a SYN", func(p gopacket.Packet) bool {
			tcp := tcpOf(p)
			return tcp != nil && tcp.RST && tcp.SrcPort == 40103
		}, 1},
		{"hostile.pcap", "urgent IAC IP IAC DM ABOR", func(p gopacket.Packet) bool {
			tcp := tcpOf(p)
			return tcp != nil && tcp.URG && tcp.Urgent == 4 && bytes.Equal(tcp.Payload, []byte("\xff\xf4\xff\xf2ABOR\r\n"))
		}, 1},
		{"fragments.pcap", "IPv4 fragments", func(p gopacket.Packet) bool {
			ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			return ok && (ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0)
		}, 3},
		{"fragments.pcap", "IPv6 fragments", func(p gopacket.Packet) bool {
			return p.Layer(layers.LayerTypeIPv6Fragment) != nil
		}, 2},
		{"many-lines.pcap", "segments with five pipelined commands", hasPayload("TYPE I\r\nSIZE report.txt\r\nMDTM report.txt\r\nCWD /pub\r\nPWD\r\n"), 1},
		{"linktypes-qinq.pcap", "frames with two VLAN tags", func(p gopacket.Packet) bool {
			return len(p.Layers()) > 2 && p.Layers()[1].LayerType() == layers.LayerTypeDot1Q && p.Layers()[2].LayerType() == layers.LayerTypeDot1Q
		}, 38},
		{"linktypes-null.pcap", "IPv6 frames", func(p gopacket.Packet) bool { return p.Layer(layers.LayerTypeIPv6) != nil }, 38},
		{"nonstandard-port.pcap", "SYNs to 2121", synTo(2121), 1},
		{"nonstandard-port.pcap", "SYNs to 2525", synTo(2525), 1},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.what, func(t *testing.T) {
			if got := count(build(t, tt.file), tt.keep); got != tt.want {
				t.Errorf("%d %s, want %d", got, tt.what, tt.want)
			}
		})
	}
}

// TestSequenceWraps checks that one segment of each kind straddles 2^32.
func TestSequenceWraps(t *testing.T) {
	straddles := map[layers.TCPPort]bool{}
	for _, p := range build(t, "seq-wrap.pcap") {
		tcp := tcpOf(p)
		if tcp == nil || len(tcp.Payload) == 0 {
			continue
		}
		if uint64(tcp.Seq)+uint64(len(tcp.Payload)) > 1<<32 {
			straddles[tcp.SrcPort] = true
		}
	}
	for _, port := range []layers.TCPPort{21, 50460, 40020} {
		if !straddles[port] {
			t.Errorf("no segment from port %d wraps the sequence space", port)
		}
	}
}

// TestICMPQuotesTheSYN checks the quoted packet is the emitted SYN byte for
// byte, IP identification included.
func TestICMPQuotesTheSYN(t *testing.T) {
	pkts := build(t, "outcomes.pcap")
	for i, p := range pkts {
		var quoted []byte
		switch l := p.Layer(layers.LayerTypeICMPv4).(type) {
		case *layers.ICMPv4:
			quoted = l.Payload
		}
		if l, ok := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok {
			quoted = l.Payload[4:]
		}
		if quoted == nil {
			continue
		}
		syn := pkts[i-1].NetworkLayer()
		want := append(append([]byte(nil), syn.LayerContents()...), syn.LayerPayload()...)
		if !bytes.Equal(quoted, want) {
			t.Errorf("packet %d quotes %x, want the SYN %x", i+1, quoted, want)
		}
	}
}

func TestFragmentReassembles(t *testing.T) {
	c := newCapture(formatPcap, ethernetLink())
	tests := []struct {
		name  string
		src   string
		dst   string
		sizes []int
		n     int
		err   bool
	}{
		{"v4 three", "192.0.2.10", "192.0.2.100", []int{24, 24}, 3, false},
		{"v4 one", "192.0.2.10", "192.0.2.100", []int{800}, 1, false},
		{"v6 two", "2001:db8::10", "2001:db8::100", []int{32}, 2, false},
		{"odd size", "192.0.2.10", "192.0.2.100", []int{20}, 0, true},
		{"zero size", "2001:db8::10", "2001:db8::100", []int{0}, 0, true},
	}
	payload := []byte("227 Entering Passive Mode (192,0,2,10,156,90).\r\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkt, err := c.ipPacket(addr(tt.src), addr(tt.dst), layers.IPProtocolTCP, &layers.TCP{SrcPort: 21, DstPort: 50000, PSH: true, ACK: true}, payload)
			if err != nil {
				t.Fatal(err)
			}
			frags, err := fragment(pkt, tt.sizes, 7)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if len(frags) != tt.n {
				t.Fatalf("%d fragments, want %d", len(frags), tt.n)
			}
			var got []byte
			for _, f := range frags {
				p := gopacket.NewPacket(f, layers.LayerTypeIPv4, gopacket.Default)
				if f[0]>>4 == 6 {
					p = gopacket.NewPacket(f, layers.LayerTypeIPv6, gopacket.Default)
				}
				if el := p.ErrorLayer(); el != nil {
					t.Fatal(el.Error())
				}
				if fh, ok := p.Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment); ok {
					got = append(got, fh.Payload...)
				} else {
					got = append(got, p.NetworkLayer().LayerPayload()...)
				}
			}
			want := gopacket.NewPacket(pkt, layers.LayerTypeIPv4, gopacket.Default).NetworkLayer().LayerPayload()
			if tt.src[0] == '2' {
				want = gopacket.NewPacket(pkt, layers.LayerTypeIPv6, gopacket.Default).NetworkLayer().LayerPayload()
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("reassembled %x, want %x", got, want)
			}
		})
	}
}

func TestAnnouncementText(t *testing.T) {
	tests := []struct{ got, want string }{
		{pasvReply(ap("192.168.1.10:3968")), "227 Entering Passive Mode (192,168,1,10,15,128)."},
		{epsvReply(40005), "229 Entering Extended Passive Mode (|||40005|)"},
		{portArg(ap("198.51.100.20:50011")), "198,51,100,20,195,91"},
		{lprtArg(ap("10.0.0.5:40001")), "4,4,10,0,0,5,2,156,65"},
		{lprtArg(ap("[fd00::100]:50000")), "6,16,253,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,2,195,80"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestTruncateLastRecordErrors(t *testing.T) {
	if _, err := truncateLastRecord(make([]byte, 30), 10); err == nil {
		t.Error("short file: no error")
	}
	b, err := walkthrough().bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := truncateLastRecord(b, 61); err == nil {
		t.Error("wrong last length: no error")
	}
}

func FuzzFragment(f *testing.F) {
	f.Add([]byte("227 Entering Passive Mode (192,0,2,10,156,90).\r\n"), 24, 16, false)
	f.Add([]byte("x"), 8, 8, true)
	c := newCapture(formatPcap, ethernetLink())
	f.Fuzz(func(t *testing.T, payload []byte, a, b int, v6 bool) {
		src, dst := addr("192.0.2.10"), addr("192.0.2.100")
		if v6 {
			src, dst = addr("2001:db8::10"), addr("2001:db8::100")
		}
		pkt, err := c.ipPacket(src, dst, layers.IPProtocolTCP, &layers.TCP{SrcPort: 21, DstPort: 50000}, payload)
		if err != nil {
			t.Skip()
		}
		frags, err := fragment(pkt, []int{a, b}, 1)
		if err != nil {
			return
		}
		total := 0
		for _, fr := range frags {
			if len(fr) == 0 {
				t.Fatal("empty fragment")
			}
			total++
		}
		if total == 0 {
			t.Fatal("no fragments")
		}
	})
}

func TestSendRejectsBadSplits(t *testing.T) {
	tests := []struct {
		name   string
		splits []int
		err    error
		segs   int
	}{
		{"no split", nil, nil, 1},
		{"two cuts", []int{2, 5}, nil, 3},
		{"not increasing", []int{5, 2}, errBadSplit, 0},
		{"at zero", []int{0}, errBadSplit, 0},
		{"at the end", []int{8}, errBadSplit, 0},
		{"past the end", []int{9}, errBadSplit, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCapture(formatPcap, ethernetLink())
			k := c.newConn(0, ap("192.0.2.1:50000"), ap("192.0.2.2:21"))
			k.send(true, []byte("NOOP\r\n\r\n"), tt.splits...)
			if !errors.Is(c.err, tt.err) {
				t.Fatalf("err = %v, want %v", c.err, tt.err)
			}
			if len(c.recs) != tt.segs {
				t.Fatalf("%d segments written, want %d", len(c.recs), tt.segs)
			}
			if _, err := c.bytes(); !errors.Is(err, tt.err) {
				t.Fatalf("bytes: err = %v, want %v", err, tt.err)
			}
		})
	}
}
