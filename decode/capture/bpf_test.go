package capture

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// meta is the socket metadata the kernel gives BPF extensions; x/net/bpf's
// VM implements none but ExtLen, so runFilter puts these values in as
// constants where the program loads them.
type meta struct {
	pktType uint32 // PACKET_HOST 0, PACKET_OUTGOING 4
	ifindex uint32
}

// runFilter runs prog in the x/net/bpf VM and returns the bytes it keeps.
func runFilter(t *testing.T, prog []bpf.RawInstruction, frame []byte, m meta) int {
	t.Helper()
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		t.Fatalf("program does not disassemble")
	}
	for i, in := range ins {
		if le, ok := in.(bpf.LoadExtension); ok {
			switch le.Num {
			case bpf.ExtType:
				ins[i] = bpf.LoadConstant{Dst: bpf.RegA, Val: m.pktType}
			case bpf.ExtInterfaceIndex:
				ins[i] = bpf.LoadConstant{Dst: bpf.RegA, Val: m.ifindex}
			default:
				t.Fatalf("program loads extension %v the test cannot simulate", le.Num)
			}
		}
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatalf("VM refuses the program: %v\n%s", err, listing(ins))
	}
	n, err := vm.Run(frame)
	if err != nil {
		t.Fatalf("VM run: %v", err)
	}
	return n
}

func listing(ins []bpf.Instruction) string {
	var b strings.Builder
	for i, in := range ins {
		fmt.Fprintf(&b, "%3d %v\n", i, in)
	}
	return b.String()
}

// frame builds a packet from layers; the first must be Ethernet and is cut
// off when raw is set.
type frameSpec struct {
	vlans    []uint16 // VLAN tags left in the frame (outer first)
	qinq     bool     // outer tag is 802.1ad
	src, dst string
	proto    string // tcp, udp, icmp-unreach, icmp-echo, arp
	sport    uint16
	dport    uint16
	v4opts   bool // IPv4 header with options (IHL 6)
	fragOff  uint16
	v6frag   bool // IPv6 fragment header before TCP
}

func buildFrame(t *testing.T, f frameSpec, raw bool) []byte {
	t.Helper()
	src, dst := netip.MustParseAddr(f.src), netip.MustParseAddr(f.dst)
	v6 := src.Is6()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	var ls []gopacket.SerializableLayer
	ls = append(ls, eth)
	ipType := layers.EthernetTypeIPv4
	if v6 {
		ipType = layers.EthernetTypeIPv6
	}
	if f.proto == "arp" {
		ipType = layers.EthernetTypeARP
	}
	next := &eth.EthernetType
	for i, id := range f.vlans {
		if i == 0 && f.qinq {
			*next = layers.EthernetTypeQinQ
		} else {
			*next = layers.EthernetTypeDot1Q
		}
		tag := &layers.Dot1Q{VLANIdentifier: id}
		ls = append(ls, tag)
		next = &tag.Type
	}
	*next = ipType
	tcp := &layers.TCP{SrcPort: layers.TCPPort(f.sport), DstPort: layers.TCPPort(f.dport), SYN: true, Seq: 1, Window: 1000}
	switch {
	case f.proto == "arp":
		ls = append(ls, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: 1, SourceHwAddress: eth.SrcMAC, SourceProtAddress: []byte{10, 0, 0, 1}, DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 0, 0, 2}})
	case !v6:
		ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: src.AsSlice(), DstIP: dst.AsSlice(), FragOffset: f.fragOff}
		if f.v4opts {
			ip.Options = []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}
		}
		ls = append(ls, ip)
		switch f.proto {
		case "tcp":
			ip.Protocol = layers.IPProtocolTCP
			tcp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, tcp)
		case "udp":
			ip.Protocol = layers.IPProtocolUDP
			ls = append(ls, &layers.UDP{SrcPort: layers.UDPPort(f.sport), DstPort: layers.UDPPort(f.dport)})
		case "icmp-unreach":
			ip.Protocol = layers.IPProtocolICMPv4
			ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 13)}, gopacket.Payload(make([]byte, 28)))
		case "icmp-echo":
			ip.Protocol = layers.IPProtocolICMPv4
			ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)})
		}
	default:
		ip := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		ls = append(ls, ip)
		nh := &ip.NextHeader
		if f.v6frag {
			*nh = layers.IPProtocolIPv6Fragment
			fr := &layers.IPv6Fragment{}
			ls = append(ls, fr)
			nh = &fr.NextHeader
		}
		switch f.proto {
		case "tcp":
			*nh = layers.IPProtocolTCP
			tcp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, tcp)
		case "udp":
			*nh = layers.IPProtocolUDP
			ls = append(ls, &layers.UDP{SrcPort: layers.UDPPort(f.sport), DstPort: layers.UDPPort(f.dport)})
		case "icmp-unreach":
			*nh = layers.IPProtocolICMPv6
			ls = append(ls, &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(1, 1)}, gopacket.Payload(make([]byte, 52)))
		case "icmp-echo":
			*nh = layers.IPProtocolICMPv6
			ls = append(ls, &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(128, 0)}, gopacket.Payload(make([]byte, 4)))
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatalf("serialize %+v: %v", f, err)
	}
	b := buf.Bytes()
	if f.fragOff != 0 {
		// A later fragment carries payload bytes, not a TCP header: make
		// the "ports" something no port rule would accept.
		off := 14 + 4*len(f.vlans) + 20
		b[off], b[off+1], b[off+2], b[off+3] = 0, 22, 0, 22
	}
	if raw {
		if len(f.vlans) > 0 {
			t.Fatalf("raw frames carry no VLAN tags")
		}
		return b[14:]
	}
	return b
}

func TestFilterProgram(t *testing.T) {
	const v4a, v4b, v6a, v6b = "10.99.0.2", "10.99.0.1", "fd00:99::2", "fd00:99::1"
	tcp := func(src, dst string, sp, dp uint16) frameSpec {
		return frameSpec{src: src, dst: dst, proto: "tcp", sport: sp, dport: dp}
	}
	with := func(f frameSpec, mod func(*frameSpec)) frameSpec { mod(&f); return f }
	frames := map[string]frameSpec{
		"tcp4 control":     tcp(v4a, v4b, 40000, 21),
		"tcp4 data":        tcp(v4a, v4b, 50000, 40001),
		"tcp4 ssh":         tcp(v4a, v4b, 50000, 22),
		"tcp4 active 20":   tcp(v4b, v4a, 20, 50001),
		"tcp4 https reply": tcp("192.0.2.7", v4a, 443, 50002),
		"tcp4 other hosts": tcp("192.0.2.7", "192.0.2.8", 50000, 21),
		"tcp4 options":     with(tcp(v4a, v4b, 50000, 21), func(f *frameSpec) { f.v4opts = true }),
		"tcp4 options ssh": with(tcp(v4a, v4b, 50000, 22), func(f *frameSpec) { f.v4opts = true }),
		"tcp4 later frag":  with(tcp(v4a, v4b, 50000, 21), func(f *frameSpec) { f.fragOff = 185 }),
		"tcp4 vlan":        with(tcp(v4a, v4b, 50000, 21), func(f *frameSpec) { f.vlans = []uint16{7} }),
		"tcp4 qinq":        with(tcp(v4a, v4b, 50000, 21), func(f *frameSpec) { f.vlans, f.qinq = []uint16{100, 7}, true }),
		"tcp4 qinq ssh":    with(tcp(v4a, v4b, 50000, 22), func(f *frameSpec) { f.vlans, f.qinq = []uint16{100, 7}, true }),
		"udp4":             {src: v4a, dst: v4b, proto: "udp", sport: 5353, dport: 53},
		"icmp4 unreach":    {src: "192.0.2.254", dst: v4a, proto: "icmp-unreach"},
		"icmp4 echo":       {src: v4a, dst: v4b, proto: "icmp-echo"},
		"arp":              {src: v4a, dst: v4b, proto: "arp"},
		"tcp6 control":     tcp(v6a, v6b, 40000, 21),
		"tcp6 ssh":         tcp(v6a, v6b, 40000, 22),
		"tcp6 vlan":        with(tcp(v6a, v6b, 40000, 21), func(f *frameSpec) { f.vlans = []uint16{7} }),
		"tcp6 other hosts": tcp("2001:db8::1", "2001:db8::2", 40000, 21),
		"tcp6 frag hdr":    with(tcp(v6a, v6b, 40000, 22), func(f *frameSpec) { f.v6frag = true }),
		"udp6":             {src: v6a, dst: v6b, proto: "udp", sport: 5353, dport: 53},
		"icmp6 unreach":    {src: "2001:db8::fe", dst: v6a, proto: "icmp-unreach"},
		"icmp6 echo":       {src: v6a, dst: v6b, proto: "icmp-echo"},
	}
	all := []string{
		"tcp4 control", "tcp4 data", "tcp4 ssh", "tcp4 active 20", "tcp4 https reply", "tcp4 other hosts",
		"tcp4 options", "tcp4 options ssh", "tcp4 later frag", "tcp4 vlan", "tcp4 qinq", "tcp4 qinq ssh",
		"icmp4 unreach", "tcp6 control", "tcp6 ssh", "tcp6 vlan", "tcp6 other hosts", "tcp6 frag hdr", "icmp6 unreach",
	}
	none := []string{"udp4", "icmp4 echo", "arp", "udp6", "icmp6 echo"}
	minus := func(drop ...string) []string {
		var out []string
	next:
		for _, k := range all {
			for _, d := range drop {
				if k == d {
					continue next
				}
			}
			out = append(out, k)
		}
		return out
	}
	tests := []struct {
		name   string
		filter Filter
		keep   []string // the rest of frames is dropped
	}{
		{"coarse", Filter{}, all},
		{"ports", Filter{Ports: []uint16{21}},
			minus("tcp4 ssh", "tcp4 https reply", "tcp4 options ssh", "tcp4 qinq ssh", "tcp6 ssh")},
		{"host v4", Filter{Nets: []netip.Prefix{netip.MustParsePrefix("10.99.0.1/32")}},
			minus("tcp4 other hosts", "tcp4 https reply", "tcp6 control", "tcp6 ssh", "tcp6 vlan", "tcp6 other hosts", "tcp6 frag hdr")},
		{"net v4 /24 as destination", Filter{Nets: []netip.Prefix{netip.MustParsePrefix("10.99.0.0/24")}},
			minus("tcp4 other hosts", "tcp6 control", "tcp6 ssh", "tcp6 vlan", "tcp6 other hosts", "tcp6 frag hdr")},
		{"net v6 /64", Filter{Nets: []netip.Prefix{netip.MustParsePrefix("fd00:99::/64")}},
			minus("tcp4 control", "tcp4 data", "tcp4 ssh", "tcp4 active 20", "tcp4 https reply", "tcp4 other hosts",
				"tcp4 options", "tcp4 options ssh", "tcp4 later frag", "tcp4 vlan", "tcp4 qinq", "tcp4 qinq ssh", "tcp6 other hosts")},
		{"net v6 /127 excludes ::2", Filter{Nets: []netip.Prefix{netip.MustParsePrefix("fd00:99::/127"), netip.MustParsePrefix("192.0.2.0/24")}},
			[]string{"tcp4 https reply", "tcp4 other hosts", "icmp4 unreach", "icmp6 unreach", "tcp6 control", "tcp6 ssh", "tcp6 vlan", "tcp6 frag hdr"}},
		{"net and ports", Filter{Nets: []netip.Prefix{netip.MustParsePrefix("10.99.0.1/32"), netip.MustParsePrefix("fd00:99::1/128")}, Ports: []uint16{2121, 21}},
			[]string{"tcp4 control", "tcp4 data", "tcp4 active 20", "tcp4 options", "tcp4 later frag", "tcp4 vlan", "tcp4 qinq",
				"icmp4 unreach", "tcp6 control", "tcp6 vlan", "tcp6 frag hdr", "icmp6 unreach"}},
		{"control port 2121 only", Filter{Ports: []uint16{2121}},
			minus("tcp4 control", "tcp4 ssh", "tcp4 https reply", "tcp4 other hosts", "tcp4 options", "tcp4 options ssh",
				"tcp4 vlan", "tcp4 qinq", "tcp4 qinq ssh", "tcp6 control", "tcp6 ssh", "tcp6 vlan", "tcp6 other hosts")},
	}
	for _, tc := range tests {
		for _, kind := range []FrameKind{FrameEthernet, FrameIP} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, kind), func(t *testing.T) {
				prog, err := tc.filter.Program(kind, Loopback{})
				if err != nil {
					t.Fatal(err)
				}
				keep := map[string]bool{}
				for _, k := range tc.keep {
					if _, ok := frames[k]; !ok {
						t.Fatalf("unknown frame %q", k)
					}
					keep[k] = true
				}
				for _, k := range none {
					if keep[k] {
						t.Fatalf("%q in keep list", k)
					}
				}
				for name, f := range frames {
					if kind == FrameIP && (len(f.vlans) > 0 || f.proto == "arp") {
						continue
					}
					b := buildFrame(t, f, kind == FrameIP)
					n := runFilter(t, prog, b, meta{})
					if got := n > 0; got != keep[name] {
						t.Errorf("%s: kept=%v, want %v", name, got, keep[name])
					}
					if n > 0 && n != acceptLen {
						t.Errorf("%s: accept returned %d, want %d", name, n, acceptLen)
					}
				}
			})
		}
	}
}

func TestFilterLoopback(t *testing.T) {
	f := buildFrame(t, frameSpec{src: "127.0.0.1", dst: "127.0.0.1", proto: "tcp", sport: 40000, dport: 21}, false)
	tests := []struct {
		name string
		lo   Loopback
		m    meta
		keep bool
	}{
		{"no dedup, outgoing", Loopback{}, meta{pktType: packetOutgoing, ifindex: 1}, true},
		{"lo socket, incoming", Loopback{All: true}, meta{pktType: 0, ifindex: 1}, true},
		{"lo socket, outgoing", Loopback{All: true}, meta{pktType: packetOutgoing, ifindex: 1}, false},
		{"any, lo outgoing", Loopback{Ifindex: []int{1}}, meta{pktType: packetOutgoing, ifindex: 1}, false},
		{"any, lo incoming", Loopback{Ifindex: []int{1}}, meta{pktType: 0, ifindex: 1}, true},
		{"any, eth outgoing", Loopback{Ifindex: []int{1}}, meta{pktType: packetOutgoing, ifindex: 2}, true},
		{"any, second lo outgoing", Loopback{Ifindex: []int{1, 9}}, meta{pktType: packetOutgoing, ifindex: 9}, false},
		{"any, eth incoming", Loopback{Ifindex: []int{1, 9}}, meta{pktType: 0, ifindex: 2}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog, err := Filter{}.Program(FrameEthernet, tc.lo)
			if err != nil {
				t.Fatal(err)
			}
			if got := runFilter(t, prog, f, tc.m) > 0; got != tc.keep {
				t.Errorf("kept=%v, want %v", got, tc.keep)
			}
		})
	}
}

func TestDropAll(t *testing.T) {
	f := buildFrame(t, frameSpec{src: "10.0.0.1", dst: "10.0.0.2", proto: "tcp", sport: 1, dport: 21}, false)
	if n := runFilter(t, DropAll(), f, meta{}); n != 0 {
		t.Fatalf("drop-all kept %d bytes", n)
	}
}

// tcpdumpTCP is `tcpdump -i lo -ddd tcp` (tcpdump 4.99.3, libpcap 1.10.3).
const tcpdumpTCP = `12
40 0 0 12
21 0 2 2048
48 0 0 23
21 6 7 6
21 0 6 34525
48 0 0 20
21 3 0 6
21 0 3 44
48 0 0 54
21 0 1 6
6 0 0 262144
6 0 0 0
`

func TestParseRaw(t *testing.T) {
	prog, err := ParseRaw(tcpdumpTCP)
	if err != nil {
		t.Fatal(err)
	}
	tcp := buildFrame(t, frameSpec{src: "10.0.0.1", dst: "10.0.0.2", proto: "tcp", sport: 1, dport: 21}, false)
	udp := buildFrame(t, frameSpec{src: "10.0.0.1", dst: "10.0.0.2", proto: "udp", sport: 1, dport: 53}, false)
	tcp6 := buildFrame(t, frameSpec{src: "fd00::1", dst: "fd00::2", proto: "tcp", sport: 1, dport: 21}, false)
	for _, c := range []struct {
		name  string
		frame []byte
		want  int
	}{{"tcp", tcp, 262144}, {"udp", udp, 0}, {"tcp6", tcp6, 262144}} {
		if n := runFilter(t, prog, c.frame, meta{}); n != c.want {
			t.Errorf("%s: %d, want %d", c.name, n, c.want)
		}
	}
	// The loopback prefix keeps a raw program working.
	lo, err := WithLoopback(Loopback{All: true}, prog)
	if err != nil {
		t.Fatal(err)
	}
	if n := runFilter(t, lo, tcp, meta{}); n != 262144 {
		t.Errorf("with loopback prefix, incoming: %d", n)
	}
	if n := runFilter(t, lo, tcp, meta{pktType: packetOutgoing}); n != 0 {
		t.Errorf("with loopback prefix, outgoing: %d", n)
	}
	// Commas work as separators, as in iptables' bpf match.
	comma := strings.ReplaceAll(strings.TrimSpace(tcpdumpTCP), "\n", ",")
	p2, err := ParseRaw(comma)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p2) != fmt.Sprint(prog) {
		t.Errorf("comma form differs")
	}
}

func TestParseRawErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "  \n", "empty program"},
		{"count", "x\n6 0 0 0", "instruction count"},
		{"count zero", "0", "instruction count 0"},
		{"count mismatch", "2\n6 0 0 0", "count says 2"},
		{"fields", "1\n6 0 0", "code jt jf k"},
		{"jt range", "1\n21 256 0 0", "8-bit"},
		{"negative", "1\n6 0 0 -1", "32-bit"},
		{"jump out", "2\n21 1 0 6\n6 0 0 0", "jumps past the end"},
		{"ja out", "2\n5 0 0 1\n6 0 0 0", "jumps past the end"},
		{"no return", "1\n40 0 0 12", "must return"},
		{"too long", "5000", "instruction count 5000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRaw(tc.in)
			if err == nil || !errors.Is(err, ErrFilter) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrFilter containing %q", err, tc.want)
			}
		})
	}
}

func TestFilterInvalidNet(t *testing.T) {
	for _, p := range []netip.Prefix{{}, netip.MustParsePrefix("::ffff:10.0.0.0/104")} {
		if _, err := (Filter{Nets: []netip.Prefix{p}}).Program(FrameEthernet, Loopback{}); !errors.Is(err, ErrFilter) {
			t.Errorf("%v: err = %v, want ErrFilter", p, err)
		}
	}
}

func TestFilterManyNets(t *testing.T) {
	// Enough networks that jumps cross more than 255 instructions.
	var nets []netip.Prefix
	for i := 0; i < 40; i++ {
		nets = append(nets, netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(i)}), 64))
		nets = append(nets, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16))
	}
	prog, err := Filter{Nets: nets, Ports: []uint16{21}}.Program(FrameEthernet, Loopback{})
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) < 600 {
		t.Fatalf("program has %d instructions; the test wants one longer than 255", len(prog))
	}
	in := buildFrame(t, frameSpec{src: "10.39.1.1", dst: "192.0.2.1", proto: "tcp", sport: 40000, dport: 21}, false)
	out := buildFrame(t, frameSpec{src: "10.40.1.1", dst: "192.0.2.1", proto: "tcp", sport: 40000, dport: 21}, false)
	icmp := buildFrame(t, frameSpec{src: "192.0.2.1", dst: "192.0.2.2", proto: "icmp-unreach"}, false)
	if runFilter(t, prog, in, meta{}) == 0 || runFilter(t, prog, out, meta{}) != 0 || runFilter(t, prog, icmp, meta{}) == 0 {
		t.Fatal("long program decides wrongly")
	}
}
