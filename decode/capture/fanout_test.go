package capture

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// fanFrame describes a crafted packet for the fanout tests.
type fanFrame struct {
	vlans  []layers.EthernetType // tag types left in the frame, outer first
	src    string
	dst    string
	proto  string // tcp, udp, icmp-err, icmp-echo, arp, ip-unknown
	errTyp uint8  // ICMP(v6) error type for icmp-err (0: unreachable)
	// inner is the quoted packet of an ICMP error: its source and
	// destination.
	innerSrc, innerDst string
	v4opts             bool   // IPv4 header with options (IHL 6)
	fragOff            uint16 // IPv4 fragment offset, in 8-byte units
	cut                int    // bytes cut off the end
	mark               uint16 // IPv4 identification, IPv6 flow label: tells frames apart
}

// build serialises f; raw drops the Ethernet header (no VLAN tags then).
func (f fanFrame) build(t testing.TB, raw bool) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	ls := []gopacket.SerializableLayer{eth}
	next := &eth.EthernetType
	for _, typ := range f.vlans {
		*next = typ
		tag := &layers.Dot1Q{VLANIdentifier: 7}
		ls = append(ls, tag)
		next = &tag.Type
	}
	if f.proto == "arp" {
		*next = layers.EthernetTypeARP
		ls = append(ls, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: 1, SourceHwAddress: eth.SrcMAC, SourceProtAddress: []byte{10, 0, 0, 1}, DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 0, 0, 2}})
		return serialise(t, ls, raw, f.cut)
	}
	src, dst := netip.MustParseAddr(f.src), netip.MustParseAddr(f.dst)
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 21, SYN: true, Seq: 1, Window: 1000}
	if src.Is4() {
		*next = layers.EthernetTypeIPv4
		ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: src.AsSlice(), DstIP: dst.AsSlice(), FragOffset: f.fragOff, Id: f.mark}
		if f.v4opts {
			ip.Options = []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}
		}
		ls = append(ls, ip)
		switch f.proto {
		case "tcp":
			ip.Protocol = layers.IPProtocolTCP
			tcp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, tcp, gopacket.Payload("220 fanout\r\n"))
		case "udp":
			ip.Protocol = layers.IPProtocolUDP
			udp := &layers.UDP{SrcPort: 53, DstPort: 53}
			udp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, udp, gopacket.Payload("x"))
		case "icmp-err":
			ip.Protocol = layers.IPProtocolICMPv4
			typ := f.errTyp
			if typ == 0 {
				typ = 3
			}
			ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 3)}, gopacket.Payload(quoted(t, f.innerSrc, f.innerDst)))
		case "icmp-echo":
			ip.Protocol = layers.IPProtocolICMPv4
			ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, gopacket.Payload(quoted(t, f.innerSrc, f.innerDst)))
		}
	} else {
		*next = layers.EthernetTypeIPv6
		ip := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: src.AsSlice(), DstIP: dst.AsSlice(), FlowLabel: uint32(f.mark)}
		ls = append(ls, ip)
		switch f.proto {
		case "tcp":
			ip.NextHeader = layers.IPProtocolTCP
			tcp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, tcp, gopacket.Payload("220 fanout\r\n"))
		case "udp":
			ip.NextHeader = layers.IPProtocolUDP
			udp := &layers.UDP{SrcPort: 53, DstPort: 53}
			udp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, udp, gopacket.Payload("x"))
		case "icmp-err":
			ip.NextHeader = layers.IPProtocolICMPv6
			typ := f.errTyp
			if typ == 0 {
				typ = 1
			}
			icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 4)}
			icmp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, icmp, gopacket.Payload(append(make([]byte, 4), quoted(t, f.innerSrc, f.innerDst)...)))
		case "icmp-echo":
			ip.NextHeader = layers.IPProtocolICMPv6
			icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(128, 0)}
			icmp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, icmp, gopacket.Payload(append(make([]byte, 4), quoted(t, f.innerSrc, f.innerDst)...)))
		}
	}
	b := serialise(t, ls, raw, f.cut)
	if f.proto == "ip-unknown" {
		if raw {
			b[0] = 0x55 // IP version 5
		} else {
			b[12+4*len(f.vlans)], b[13+4*len(f.vlans)] = 0x88, 0xcc // LLDP's ethertype
		}
	}
	return b
}

func serialise(t testing.TB, ls []gopacket.SerializableLayer, raw bool, cut int) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatalf("serialise: %v", err)
	}
	b := append([]byte(nil), buf.Bytes()...)
	if raw {
		b = b[14:]
	}
	return b[:len(b)-cut]
}

// quoted is what an ICMP error carries: the offending packet's IP header
// and the first 8 bytes of its TCP header (the ICMPv4 header's 4 unused
// bytes are part of ICMPv4's serialisation already).
func quoted(t testing.TB, src, dst string) []byte {
	t.Helper()
	if src == "" {
		return nil
	}
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 40001, SYN: true, Seq: 9, Window: 1000}
	var ls []gopacket.SerializableLayer
	if s.Is4() {
		ip := &layers.IPv4{Version: 4, TTL: 1, Protocol: layers.IPProtocolTCP, SrcIP: s.AsSlice(), DstIP: d.AsSlice()}
		tcp.SetNetworkLayerForChecksum(ip)
		ls = []gopacket.SerializableLayer{ip, tcp}
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 1, NextHeader: layers.IPProtocolTCP, SrcIP: s.AsSlice(), DstIP: d.AsSlice()}
		tcp.SetNetworkLayerForChecksum(ip)
		ls = []gopacket.SerializableLayer{ip, tcp}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	hdr := 20
	if !s.Is4() {
		hdr = 40
	}
	return append([]byte(nil), buf.Bytes()[:hdr+8]...)
}

// pairHash is the program's function written out in Go: the XOR of the
// two addresses' 32-bit words (big-endian), through MurmurHash3's fmix32.
func pairHash(a, b netip.Addr) uint32 {
	var h uint32
	for _, x := range []netip.Addr{a, b} {
		s := x.AsSlice()
		for i := 0; i < len(s); i += 4 {
			h ^= binary.BigEndian.Uint32(s[i:])
		}
	}
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func TestFanoutProgram(t *testing.T) {
	const c4, s4, r4 = "198.51.100.7", "192.0.2.10", "203.0.113.1"
	const c6, s6, r6 = "2001:db8:1::7", "2001:db8:2::10", "2001:db8:ff::1"
	flow4 := pairHash(netip.MustParseAddr(c4), netip.MustParseAddr(s4))
	flow6 := pairHash(netip.MustParseAddr(c6), netip.MustParseAddr(s6))
	echo4 := pairHash(netip.MustParseAddr(r4), netip.MustParseAddr(c4))
	echo6 := pairHash(netip.MustParseAddr(r6), netip.MustParseAddr(c6))
	dot1q, qinq := layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ
	cases := []struct {
		name string
		f    fanFrame
		raw  bool // also as raw IP (no Ethernet header)
		want uint32
	}{
		{"tcp4 client to server", fanFrame{src: c4, dst: s4, proto: "tcp"}, true, flow4},
		{"tcp4 server to client", fanFrame{src: s4, dst: c4, proto: "tcp"}, true, flow4},
		{"tcp4 802.1Q", fanFrame{vlans: []layers.EthernetType{dot1q}, src: s4, dst: c4, proto: "tcp"}, false, flow4},
		{"tcp4 QinQ", fanFrame{vlans: []layers.EthernetType{qinq, dot1q}, src: c4, dst: s4, proto: "tcp"}, false, flow4},
		{"tcp4 two 802.1Q", fanFrame{vlans: []layers.EthernetType{dot1q, dot1q}, src: s4, dst: c4, proto: "tcp"}, false, flow4},
		{"tcp4 options", fanFrame{src: s4, dst: c4, proto: "tcp", v4opts: true}, true, flow4},
		{"ipv4 later fragment", fanFrame{src: c4, dst: s4, proto: "tcp", fragOff: 185}, true, flow4},
		{"udp4 same pair", fanFrame{src: s4, dst: c4, proto: "udp"}, true, flow4},
		{"icmp4 unreachable quoting client to server", fanFrame{src: r4, dst: c4, proto: "icmp-err", innerSrc: c4, innerDst: s4}, true, flow4},
		{"icmp4 unreachable quoting server to client", fanFrame{src: r4, dst: s4, proto: "icmp-err", innerSrc: s4, innerDst: c4}, true, flow4},
		{"icmp4 unreachable, outer options, QinQ", fanFrame{vlans: []layers.EthernetType{qinq, dot1q}, src: r4, dst: c4, proto: "icmp-err", innerSrc: c4, innerDst: s4, v4opts: true}, false, flow4},
		{"icmp4 time exceeded", fanFrame{src: r4, dst: c4, proto: "icmp-err", errTyp: 11, innerSrc: c4, innerDst: s4}, true, flow4},
		{"icmp4 parameter problem", fanFrame{src: r4, dst: c4, proto: "icmp-err", errTyp: 12, innerSrc: c4, innerDst: s4}, true, flow4},
		{"icmp4 echo: its own pair", fanFrame{src: r4, dst: c4, proto: "icmp-echo", innerSrc: c4, innerDst: s4}, true, echo4},
		{"tcp6 client to server", fanFrame{src: c6, dst: s6, proto: "tcp"}, true, flow6},
		{"tcp6 server to client", fanFrame{src: s6, dst: c6, proto: "tcp"}, true, flow6},
		{"tcp6 802.1Q", fanFrame{vlans: []layers.EthernetType{dot1q}, src: c6, dst: s6, proto: "tcp"}, false, flow6},
		{"tcp6 QinQ", fanFrame{vlans: []layers.EthernetType{qinq, dot1q}, src: s6, dst: c6, proto: "tcp"}, false, flow6},
		{"icmp6 unreachable", fanFrame{src: r6, dst: c6, proto: "icmp-err", innerSrc: c6, innerDst: s6}, true, flow6},
		{"icmp6 unreachable 802.1Q", fanFrame{vlans: []layers.EthernetType{dot1q}, src: r6, dst: s6, proto: "icmp-err", innerSrc: s6, innerDst: c6}, false, flow6},
		{"icmp6 packet too big", fanFrame{src: r6, dst: s6, proto: "icmp-err", errTyp: 2, innerSrc: s6, innerDst: c6}, true, flow6},
		{"icmp6 time exceeded", fanFrame{src: r6, dst: c6, proto: "icmp-err", errTyp: 3, innerSrc: c6, innerDst: s6}, true, flow6},
		{"icmp6 parameter problem", fanFrame{src: r6, dst: c6, proto: "icmp-err", errTyp: 4, innerSrc: c6, innerDst: s6}, true, flow6},
		// RFC 4443 2.4(d): an unknown error type (below 128) goes to the
		// upper layer; the decoder takes it and the kernel filter keeps it.
		{"icmp6 unassigned error type", fanFrame{src: r6, dst: c6, proto: "icmp-err", errTyp: 100, innerSrc: c6, innerDst: s6}, true, flow6},
		{"icmp6 last error type", fanFrame{src: r6, dst: c6, proto: "icmp-err", errTyp: 127, innerSrc: c6, innerDst: s6}, true, flow6},
		{"icmp6 informational type: its own pair", fanFrame{src: r6, dst: c6, proto: "icmp-err", errTyp: 128, innerSrc: c6, innerDst: s6}, true, echo6},
		{"icmp6 echo: its own pair", fanFrame{src: r6, dst: c6, proto: "icmp-echo", innerSrc: c6, innerDst: s6}, true, echo6},
		// What the program cannot parse goes to worker 0.
		{"arp", fanFrame{proto: "arp"}, false, 0},
		{"unknown ethertype or IP version", fanFrame{src: c4, dst: s4, proto: "ip-unknown"}, true, 0},
		{"unknown ethertype after a tag", fanFrame{vlans: []layers.EthernetType{dot1q}, src: c4, dst: s4, proto: "ip-unknown"}, false, 0},
		{"ipv4 header cut before the addresses", fanFrame{src: c4, dst: s4, proto: "tcp", cut: 20 + 12 + 6}, true, 0},
		{"ipv6 header cut before the addresses", fanFrame{src: c6, dst: s6, proto: "tcp", cut: 20 + 12 + 20}, true, 0},
		{"icmp4 quote cut before its addresses", fanFrame{src: r4, dst: c4, proto: "icmp-err", innerSrc: c4, innerDst: s4, cut: 8 + 8}, true, 0},
		{"icmp6 quote cut before its addresses", fanFrame{src: r6, dst: c6, proto: "icmp-err", innerSrc: c6, innerDst: s6, cut: 8 + 20}, true, 0},
	}
	eth, err := NewFanoutSelector(FrameEthernet)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := NewFanoutSelector(FrameIP)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := eth.Hash(c.f.build(t, false)); got != c.want {
				t.Errorf("Ethernet frame: hash %#x, want %#x", got, c.want)
			}
			if c.raw {
				if got := ip.Hash(c.f.build(t, true)); got != c.want {
					t.Errorf("raw IP packet: hash %#x, want %#x", got, c.want)
				}
			}
		})
	}
	if flow4%2 == echo4%2 && flow4%3 == echo4%3 {
		t.Errorf("test addresses badly chosen: the flow and the router's pair share workers of 2 and 3, so quoting could go unnoticed")
	}
}

// TestFanoutSpread: pairs of one server with many clients spread over the
// workers, whatever the pattern of client addresses.
func TestFanoutSpread(t *testing.T) {
	sel, err := NewFanoutSelector(FrameEthernet)
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]func(i int) (client, server string){
		"ipv4 consecutive clients": func(i int) (string, string) {
			return fmt.Sprintf("198.51.%d.%d", 100+i/250, 1+i%250), "192.0.2.10"
		},
		"ipv4 even clients": func(i int) (string, string) {
			return fmt.Sprintf("10.%d.%d.%d", i/100, (2*i)%200, 2*(i%100)), "10.0.0.1"
		},
		"ipv4 clients 16 apart": func(i int) (string, string) {
			return fmt.Sprintf("172.16.%d.%d", i/16, 16*(i%16)), "172.16.255.254"
		},
		"ipv6 consecutive clients": func(i int) (string, string) {
			return fmt.Sprintf("2001:db8::%x", i+1), "2001:db8::ffff"
		},
		"ipv6 clients in other /64s": func(i int) (string, string) {
			return fmt.Sprintf("2001:db8:%x::1", i+1), "2001:db8:ffff::21"
		},
	}
	const pairs = 1000
	for name, pair := range series {
		for _, n := range []int{2, 3, 4, 8} {
			count := make([]int, n)
			for i := 0; i < pairs; i++ {
				c, s := pair(i)
				count[sel.Worker(fanFrame{src: c, dst: s, proto: "tcp"}.build(t, false), n)]++
			}
			fair := float64(pairs) / float64(n)
			for w, k := range count {
				if float64(k) < 0.75*fair || float64(k) > 1.25*fair {
					t.Errorf("%s, %d workers: worker %d has %d of %d pairs (fair share %.0f): %v", name, n, w, k, pairs, fair, count)
					break
				}
			}
		}
	}
}

// TestFanoutKernelProgram: the program the kernel gets is the one the
// tests run, with every load made relative to the link-layer (Ethernet)
// or network (IP) header, none to skb->data.
func TestFanoutKernelProgram(t *testing.T) {
	for _, c := range []struct {
		kind FrameKind
		base uint32
	}{{FrameEthernet, skfLLOff}, {FrameIP, skfNetOff}} {
		kernel, err := FanoutProgram(c.kind)
		if err != nil {
			t.Fatal(err)
		}
		tested, err := fanoutProgram(c.kind, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(kernel) != len(tested) {
			t.Fatalf("kind %d: %d instructions for the kernel, %d tested", c.kind, len(kernel), len(tested))
		}
		ki, _ := bpf.Disassemble(kernel)
		ti, _ := bpf.Disassemble(tested)
		loads := 0
		for i := range ki {
			k := ki[i]
			switch l := k.(type) {
			case bpf.LoadAbsolute:
				l.Off -= c.base
				k = l
				loads++
			case bpf.LoadIndirect:
				l.Off -= c.base
				k = l
				loads++
			case bpf.LoadMemShift, bpf.LoadExtension:
				t.Errorf("kind %d, instruction %d: %v reads relative to skb->data", c.kind, i, k)
			}
			if k != ti[i] {
				t.Errorf("kind %d, instruction %d: kernel %v, tested %v", c.kind, i, ki[i], ti[i])
			}
			if l, ok := ti[i].(bpf.LoadIndirect); ok && l.Off >= 1<<16 {
				t.Errorf("kind %d, instruction %d: offset %#x", c.kind, i, l.Off)
			}
		}
		if loads == 0 {
			t.Errorf("kind %d: no packet loads", c.kind)
		}
		if len(kernel) > maxInstructions {
			t.Errorf("kind %d: %d instructions", c.kind, len(kernel))
		}
	}
}
