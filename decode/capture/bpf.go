package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// Kernel capture filters for live capture, hand-built with x/net/bpf.
//
// The filter is deliberately coarse: it keeps every TCP segment and every
// ICMP/ICMPv6 error kind the decoder hands on (destination unreachable,
// packet too big, time exceeded, parameter problem, other ICMPv6 errors),
// on IPv4 and IPv6, behind the tags and inside the tunnels the decoder
// follows.
// Data connections use ports only the control stream announces, so the
// kernel cannot know them; ftpsniff matches them in userspace, and a filter
// that drops part of a tracked flow leaves it incomplete for good.

// FrameKind says where the network header starts in what the socket gives.
type FrameKind uint8

const (
	// FrameEthernet: an Ethernet header (lo's is all zeros), maybe
	// followed by 802.1Q/802.1ad tags the NIC did not strip.
	FrameEthernet FrameKind = iota
	// FrameIP: the packet starts at the IPv4 or IPv6 header (SOCK_DGRAM,
	// tun devices).
	FrameIP
)

// Filter narrows what the kernel passes beyond "TCP and ICMP errors".
// The zero value keeps all of it.
type Filter struct {
	// Nets keeps TCP to or from one of these prefixes (a host is a /32 or
	// /128). ICMP errors are kept whatever their addresses: they come from
	// routers and firewalls, not from the FTP hosts.
	Nets []netip.Prefix
	// Ports, when not empty, keeps TCP only when one port is one of these
	// control ports or 20 (the active-mode data port), or when both ports
	// are unprivileged (≥1024: passive and most active data connections).
	// It drops traffic such as SSH and HTTPS that a busy server carries.
	Ports []uint16
}

// Loopback describes how to count each loopback packet once: the kernel
// shows it leaving (PACKET_OUTGOING) and arriving (PACKET_HOST).
type Loopback struct {
	// All drops every outgoing packet: the socket is bound to lo itself.
	All bool
	// Ifindex drops outgoing packets of these interfaces: for a socket
	// bound to all interfaces, the loopback ones.
	Ifindex []int
}

// packetOutgoing is PACKET_OUTGOING, the value of the packet-type
// extension for packets this host sends.
const packetOutgoing = 4

// acceptLen is what an accepting filter returns: the whole packet, up to
// libpcap's largest snap length.
const acceptLen = 262144

// The ICMP and ICMPv6 types the filter keeps: the error kinds decode
// hands on when they quote TCP (decode/icmp.go, icmpError). ICMPv4:
// destination unreachable (any code, fragmentation needed among them),
// time exceeded, parameter problem; ICMPv6: every error type, 1 to 127
// (destination unreachable, packet too big, time exceeded, parameter
// problem, and the unassigned ones RFC 4443 2.4(d) passes up). Not source
// quench or redirect, which TCP ignores, nor any informational message.
const (
	icmp4Unreachable   = 3
	icmp4TimeExceeded  = 11
	icmp4ParamProblem  = 12
	icmp6Informational = 128
)

// maxInstructions is the kernel's BPF_MAXINSNS.
const maxInstructions = 4096

// ErrFilter reports a filter that cannot be built or parsed.
var ErrFilter = errors.New("capture filter")

// Program returns the classic BPF program for frames of kind k: the
// loopback prefix, then the filter.
func (f Filter) Program(k FrameKind, lo Loopback) ([]bpf.RawInstruction, error) {
	for _, p := range f.Nets {
		if !p.IsValid() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			return nil, fmt.Errorf("%w: invalid network %v", ErrFilter, p)
		}
	}
	a := newAsm()
	f.emit(a, k)
	main, err := a.assemble()
	if err != nil {
		return nil, err
	}
	return WithLoopback(lo, main)
}

// DropAll is the program that passes nothing: attached first, so nothing
// unfiltered reaches the ring while the real filter is being set.
func DropAll() []bpf.RawInstruction {
	ri, _ := bpf.RetConstant{Val: 0}.Assemble()
	return []bpf.RawInstruction{ri}
}

// WithLoopback puts the loopback de-duplication in front of prog. Jumps in
// classic BPF are relative and forward, and the prefix only jumps within
// itself, so any valid program (a --bpf-raw one too) stays valid behind it.
func WithLoopback(lo Loopback, prog []bpf.RawInstruction) ([]bpf.RawInstruction, error) {
	if !lo.All && len(lo.Ifindex) == 0 {
		return checkLen(prog)
	}
	a := newAsm()
	a.emit(bpf.LoadExtension{Num: bpf.ExtType})
	if lo.All {
		a.jif(bpf.JumpEqual, packetOutgoing, "drop", "")
		a.jmp("end")
	} else {
		a.jif(bpf.JumpNotEqual, packetOutgoing, "end", "")
		a.emit(bpf.LoadExtension{Num: bpf.ExtInterfaceIndex})
		for _, idx := range lo.Ifindex {
			a.jif(bpf.JumpEqual, uint32(idx), "drop", "")
		}
		a.jmp("end")
	}
	a.label("drop")
	a.emit(bpf.RetConstant{Val: 0})
	a.label("end")
	pre, err := a.assemble()
	if err != nil {
		return nil, err
	}
	return checkLen(append(pre, prog...))
}

func checkLen(p []bpf.RawInstruction) ([]bpf.RawInstruction, error) {
	if len(p) == 0 || len(p) > maxInstructions {
		return nil, fmt.Errorf("%w: %d instructions (1 to %d allowed)", ErrFilter, len(p), maxInstructions)
	}
	return p, nil
}

// Scratch memory slots.
const (
	memPort = 0 // the source port, while the destination port is checked
	memNext = 1 // the IPv6 next header, while addresses are checked
)

// emit writes the filter. Register X holds the offset of the current header
// throughout, so the loads after VLAN tags and IPv4 options are indirect.
func (f Filter) emit(a *asm, k FrameKind) {
	if k == FrameIP {
		a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 0})
		a.emit(bpf.LoadAbsolute{Off: 0, Size: 1})
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
		a.jif(bpf.JumpEqual, 4, "ip4", "")
		a.jifFar(bpf.JumpEqual, 6, "ip6", "drop")
	} else {
		a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 12})
		f.tags(a)
	}

	// IPv4: X = offset of the IP header.
	a.label("ip4")
	a.emit(bpf.LoadIndirect{Off: 9, Size: 1})
	a.jifFar(bpf.JumpEqual, 1, "icmp4", "")
	// TCP and tunnels: to or from f.Nets (a tunnel's outer addresses).
	f.nets(a, false)
	a.emit(bpf.LoadIndirect{Off: 9, Size: 1})
	a.jif(bpf.JumpEqual, 6, "tcp4", "")
	a.jif(bpf.JumpEqual, 17, "udp4", "")
	a.tunnelProtocols()
	a.jmp("drop")
	a.label("udp4")
	a.emit(bpf.LoadIndirect{Off: 6, Size: 2})
	a.jifFar(bpf.JumpBitsSet, 0x1fff, "accept", "") // a later fragment of a tunnel's datagram, maybe
	a.ip4HeaderLen()
	a.jmp("udp")
	a.label("icmp4")
	a.emit(bpf.LoadIndirect{Off: 6, Size: 2})
	a.jifFar(bpf.JumpBitsSet, 0x1fff, "accept", "") // a later fragment: no type to read
	a.ip4HeaderLen()
	a.emit(bpf.LoadIndirect{Off: 0, Size: 1})
	// The error kinds decode passes on (icmpError): destination
	// unreachable, time exceeded, parameter problem.
	a.jifFar(bpf.JumpEqual, icmp4Unreachable, "accept", "")
	a.jifFar(bpf.JumpEqual, icmp4TimeExceeded, "accept", "")
	a.jifFar(bpf.JumpEqual, icmp4ParamProblem, "accept", "drop")
	a.label("tcp4")
	if len(f.Ports) > 0 {
		a.emit(bpf.LoadIndirect{Off: 6, Size: 2})
		a.jifFar(bpf.JumpBitsSet, 0x1fff, "accept", "") // later fragments have no ports
		a.ip4HeaderLen()
		a.jmp("ports")
	} else {
		a.jmp("accept")
	}

	// IPv6: X = offset of the IP header.
	a.label("ip6")
	a.emit(bpf.LoadIndirect{Off: 6, Size: 1})
	a.jifFar(bpf.JumpEqual, 58, "icmp6", "")
	// TCP, tunnels and extension headers: to or from f.Nets (a tunnel's
	// outer addresses).
	a.emit(bpf.StoreScratch{Src: bpf.RegA, N: memNext})
	f.nets(a, true)
	a.emit(bpf.LoadScratch{Dst: bpf.RegA, N: memNext})
	a.jifFar(bpf.JumpEqual, 6, "tcp6", "")
	a.tunnelProtocols()
	a.jif(bpf.JumpEqual, 17, "", "ip6ext")
	a.emit(bpf.TXA{})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 40})
	a.emit(bpf.TAX{})
	a.jmp("udp")
	a.label("ip6ext")
	// Extension headers (hop-by-hop, routing, fragment, destination
	// options) may lead to TCP or a tunnel: keep them.
	a.jifFar(bpf.JumpEqual, 0, "accept", "")
	a.jifFar(bpf.JumpEqual, 43, "accept", "")
	a.jifFar(bpf.JumpEqual, 44, "accept", "")
	a.jifFar(bpf.JumpEqual, 60, "accept", "drop")
	a.label("icmp6")
	a.emit(bpf.LoadIndirect{Off: 40, Size: 1})
	// Every ICMPv6 error type, 1 to 127, as decode passes on (icmpError):
	// 0 is reserved, 128 and up informational (echo, neighbour
	// discovery, MLD).
	a.jifFar(bpf.JumpEqual, 0, "drop", "")
	a.jifFar(bpf.JumpLessThan, icmp6Informational, "accept", "drop")
	a.label("tcp6")
	if len(f.Ports) > 0 {
		// (Ports right behind the fixed header: next header 6.)
		a.emit(bpf.TXA{})
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 40})
		a.emit(bpf.TAX{})
		a.jmp("ports")

		// X = offset of the TCP header.
		a.label("ports")
		a.emit(bpf.LoadIndirect{Off: 0, Size: 2})
		f.portList(a)
		a.emit(bpf.StoreScratch{Src: bpf.RegA, N: memPort})
		a.emit(bpf.LoadIndirect{Off: 2, Size: 2})
		f.portList(a)
		a.jif(bpf.JumpGreaterOrEqual, 1024, "", "drop")
		a.emit(bpf.LoadScratch{Dst: bpf.RegA, N: memPort})
		a.jif(bpf.JumpGreaterOrEqual, 1024, "accept", "drop")
	} else {
		a.jmp("accept")
	}

	// X = offset of a UDP header: a tunnel's port on either side.
	a.label("udp")
	a.emit(bpf.LoadIndirect{Off: 0, Size: 2})
	tunnelPorts(a)
	a.emit(bpf.LoadIndirect{Off: 2, Size: 2})
	tunnelPorts(a)
	a.jmp("drop")

	a.label("accept")
	a.emit(bpf.RetConstant{Val: acceptLen})
	a.label("drop")
	a.emit(bpf.RetConstant{Val: 0})
}

// maxTags bounds the tags the filter walks in front of the EtherType, as
// the decoder's skipTags does (decode/tunnel.go).
const maxTags = 8

// tags walks, from X at an EtherType field, the tags in front of IP that
// the decoder follows (decode/tunnel.go skipTags): VLAN tags of every
// TPID (802.1Q, 802.1ad, the pre-standard 0x9100-0x9300; usually the
// kernel has already moved one to metadata), Cisco MetaData (TrustSec's
// SGT), 802.1BR E-tags, VN-Tags, and an IEEE 802.3 length with an
// LLC/SNAP header carrying an EtherType. It ends at IPv4 or IPv6 with X at
// the IP header, accepts MPLS and PPPoE sessions (the decoder peels them;
// what they carry the filter cannot see cheaply), and drops the rest.
// Classic BPF has no loops: the walk is unrolled maxTags+1 times (maxTags
// tags, then the EtherType after them).
func (f Filter) tags(a *asm) {
	for i := range maxTags + 1 {
		n := strconv.Itoa(i)
		a.emit(bpf.LoadIndirect{Off: 0, Size: 2})
		a.jif(bpf.JumpEqual, 0x0800, "v4at"+n, "")
		a.jif(bpf.JumpEqual, 0x86dd, "v6at"+n, "")
		for _, vlan := range []uint32{0x8100, 0x88a8, 0x9100, 0x9200, 0x9300} {
			a.jif(bpf.JumpEqual, vlan, "skip4at"+n, "")
		}
		a.jif(bpf.JumpEqual, etherTypeCMD, "skip8at"+n, "")
		a.jif(bpf.JumpEqual, etherTypeETag, "skip8at"+n, "")
		a.jif(bpf.JumpEqual, etherTypeVNTag, "skip6at"+n, "")
		if len(f.Nets) == 0 {
			// (Their addresses lie behind labels and PPP: with --host or
			// --net they are left out, as the filter cannot check them.)
			a.jifFar(bpf.JumpEqual, etherTypeMPLS, "accept", "")
			a.jifFar(bpf.JumpEqual, etherTypeMPLSMulticast, "accept", "")
			a.jifFar(bpf.JumpEqual, etherTypePPPoESession, "accept", "")
		}
		// An 802.3 length: LLC/SNAP with an OUI that says an EtherType
		// follows (RFC 1042's 00-00-00, 802.1H's 00-00-f8).
		a.jifFar(bpf.JumpGreaterOrEqual, 0x600, "drop", "")
		a.emit(bpf.LoadIndirect{Off: 2, Size: 4})
		a.jifFar(bpf.JumpNotEqual, 0xaaaa0300, "drop", "")
		a.emit(bpf.LoadIndirect{Off: 6, Size: 2})
		a.jif(bpf.JumpEqual, 0x0000, "skip8at"+n, "")
		a.jifFar(bpf.JumpEqual, 0x00f8, "skip8at"+n, "drop")
		for _, skip := range []uint32{4, 6, 8} {
			a.label("skip" + strconv.Itoa(int(skip)) + "at" + n)
			a.addX(skip)
			a.jmp("tag" + strconv.Itoa(i+1))
		}
		a.label("v4at" + n)
		a.addX(2)
		a.jmp("ip4")
		a.label("v6at" + n)
		a.addX(2)
		a.jmp("ip6")
		a.label("tag" + strconv.Itoa(i+1))
	}
	a.jmp("drop") // more tags than the decoder follows
}

// Link EtherTypes the decoder peels by hand (decode/tunnel.go) and the
// tags it skips.
const (
	etherTypeCMD           = 0x8909 // Cisco MetaData: a 6-byte header
	etherTypeETag          = 0x893f // 802.1BR E-tag: 6 bytes
	etherTypeVNTag         = 0x8926 // VN-Tag: 4 bytes
	etherTypeMPLS          = 0x8847
	etherTypeMPLSMulticast = 0x8848
	etherTypePPPoESession  = 0x8864
)

// tunnelProtocols accepts, A being the IP protocol, the tunnels the
// decoder follows inside IP: IP in IP, IPv6 in IP, GRE (with ERSPAN) and
// MPLS in IP. --host and --net apply to their outer addresses: the filter
// cannot see the inner ones.
func (a *asm) tunnelProtocols() {
	for _, p := range []uint32{4, 41, 47, 137} {
		a.jifFar(bpf.JumpEqual, p, "accept", "")
	}
}

// tunnelPorts accepts when A is the UDP port of a tunnel the decoder
// follows: VXLAN (IANA's 4789, Linux's 8472), GENEVE (6081), GTP-U (2152),
// MPLS in UDP (6635), TZSP (37008).
func tunnelPorts(a *asm) {
	for _, p := range []uint32{4789, 8472, 6081, 2152, 6635, 37008} {
		a.jifFar(bpf.JumpEqual, p, "accept", "")
	}
}

// addX adds n to X.
func (a *asm) addX(n uint32) {
	a.emit(bpf.TXA{})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: n})
	a.emit(bpf.TAX{})
}

// ip4HeaderLen adds the IPv4 header length to X.
func (a *asm) ip4HeaderLen() {
	a.emit(bpf.LoadIndirect{Off: 0, Size: 1})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2})
	a.emit(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	a.emit(bpf.TAX{})
}

// portList jumps to accept when A is a control port or 20; A is kept.
func (f Filter) portList(a *asm) {
	seen := map[uint16]bool{}
	for _, p := range append([]uint16{20}, f.Ports...) {
		if !seen[p] {
			seen[p] = true
			a.jif(bpf.JumpEqual, uint32(p), "accept", "")
		}
	}
}

// nets falls through when the source or destination address is in one of
// f.Nets (or there are none) and jumps to drop otherwise.
func (f Filter) nets(a *asm, v6 bool) {
	var ps []netip.Prefix
	for _, p := range f.Nets {
		if p.Addr().Is4() != v6 {
			ps = append(ps, p.Masked())
		}
	}
	if len(f.Nets) == 0 {
		return
	}
	if len(ps) == 0 {
		a.jmp("drop") // only networks of the other family
		return
	}
	a.n++
	ok := "netok" + strconv.Itoa(a.n)
	src, dst, words := uint32(12), uint32(16), 1
	if v6 {
		src, dst, words = 8, 24, 4
	}
	for _, base := range []uint32{src, dst} {
		for _, p := range ps {
			a.n++
			next := "netnext" + strconv.Itoa(a.n)
			b := p.Addr().AsSlice()
			bits := p.Bits()
			for w := 0; w < words; w++ {
				mask := wordMask(bits - 32*w)
				if mask == 0 {
					break
				}
				val := uint32(b[4*w])<<24 | uint32(b[4*w+1])<<16 | uint32(b[4*w+2])<<8 | uint32(b[4*w+3])
				a.emit(bpf.LoadIndirect{Off: base + uint32(4*w), Size: 4})
				if mask != 0xffffffff {
					a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mask})
				}
				a.jif(bpf.JumpEqual, val&mask, "", next)
			}
			a.jmp(ok)
			a.label(next)
		}
	}
	a.jmp("drop")
	a.label(ok)
}

// wordMask is the mask of the first bits bits of a 32-bit word.
func wordMask(bits int) uint32 {
	switch {
	case bits <= 0:
		return 0
	case bits >= 32:
		return 0xffffffff
	}
	return ^uint32(0) << (32 - bits)
}

// asm assembles instructions with jumps to named labels; "" is the next
// instruction.
type asm struct {
	ins    []bpf.Instruction
	jumps  map[int][2]string // conditional: true, false targets
	always map[int]string
	labels map[string]int
	n      int // label counter
}

func newAsm() *asm {
	return &asm{jumps: map[int][2]string{}, always: map[int]string{}, labels: map[string]int{}}
}

func (a *asm) emit(i bpf.Instruction) { a.ins = append(a.ins, i) }
func (a *asm) label(name string)      { a.labels[name] = len(a.ins) }

func (a *asm) jif(cond bpf.JumpTest, val uint32, t, f string) {
	a.jumps[len(a.ins)] = [2]string{t, f}
	a.emit(bpf.JumpIf{Cond: cond, Val: val})
}

// jifFar is jif for targets that may lie more than 255 instructions ahead:
// the far side is an unconditional jump, whose offset has 32 bits. t must
// not be empty.
func (a *asm) jifFar(cond bpf.JumpTest, val uint32, t, f string) {
	a.n++
	no := "far" + strconv.Itoa(a.n)
	a.jif(cond, val, "", no)
	a.jmp(t)
	a.label(no)
	if f != "" {
		a.jmp(f)
	}
}

func (a *asm) jmp(target string) {
	a.always[len(a.ins)] = target
	a.emit(bpf.Jump{})
}

func (a *asm) skip(from int, target string) (int, error) {
	if target == "" {
		return 0, nil
	}
	to, ok := a.labels[target]
	if !ok {
		return 0, fmt.Errorf("%w: no label %q", ErrFilter, target)
	}
	if to <= from {
		return 0, fmt.Errorf("%w: backward jump to %q", ErrFilter, target)
	}
	return to - from - 1, nil
}

func (a *asm) assemble() ([]bpf.RawInstruction, error) {
	for i, tf := range a.jumps {
		st, err := a.skip(i, tf[0])
		if err != nil {
			return nil, err
		}
		sf, err := a.skip(i, tf[1])
		if err != nil {
			return nil, err
		}
		if st > 255 || sf > 255 {
			return nil, fmt.Errorf("%w: program too long for a conditional jump", ErrFilter)
		}
		j := a.ins[i].(bpf.JumpIf)
		j.SkipTrue, j.SkipFalse = uint8(st), uint8(sf)
		a.ins[i] = j
	}
	for i, t := range a.always {
		s, err := a.skip(i, t)
		if err != nil {
			return nil, err
		}
		a.ins[i] = bpf.Jump{Skip: uint32(s)}
	}
	raw, err := bpf.Assemble(a.ins)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFilter, err)
	}
	return raw, nil
}

// ParseRaw reads a program in `tcpdump -ddd` form: the instruction count,
// then one "code jt jf k" line per instruction, all decimal. Lines may also
// be separated by commas (the form iptables' bpf match and bpf_asm use).
func ParseRaw(text string) ([]bpf.RawInstruction, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' })
	var lines []string
	for _, l := range fields {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: empty program", ErrFilter)
	}
	n, err := strconv.Atoi(lines[0])
	if err != nil {
		return nil, fmt.Errorf("%w: first line must be the instruction count, not %q", ErrFilter, lines[0])
	}
	if n < 1 || n > maxInstructions {
		return nil, fmt.Errorf("%w: instruction count %d (1 to %d allowed)", ErrFilter, n, maxInstructions)
	}
	if len(lines)-1 != n {
		return nil, fmt.Errorf("%w: count says %d instructions, found %d", ErrFilter, n, len(lines)-1)
	}
	prog := make([]bpf.RawInstruction, n)
	for i, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 4 {
			return nil, fmt.Errorf("%w: instruction %d: want \"code jt jf k\", got %q", ErrFilter, i+1, l)
		}
		var v [4]uint64
		for j, bits := range [4]int{16, 8, 8, 32} {
			if v[j], err = strconv.ParseUint(f[j], 10, bits); err != nil {
				return nil, fmt.Errorf("%w: instruction %d: %q is not a %d-bit number", ErrFilter, i+1, f[j], bits)
			}
		}
		prog[i] = bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}
	}
	if err := validate(prog); err != nil {
		return nil, err
	}
	return prog, nil
}

// validate does what the kernel's sk_chk_filter does for the checks a user
// can get wrong by hand: jumps stay inside and the program ends in a return.
func validate(prog []bpf.RawInstruction) error {
	const clsJmp, clsRet = 0x05, 0x06
	const opJA = 0x00
	for i, ri := range prog {
		switch ri.Op & 0x07 {
		case clsJmp:
			rest := len(prog) - i - 1
			if ri.Op&0xf0 == opJA {
				if int64(ri.K) >= int64(rest) {
					return fmt.Errorf("%w: instruction %d jumps past the end", ErrFilter, i+1)
				}
			} else if int(ri.Jt) >= rest || int(ri.Jf) >= rest {
				return fmt.Errorf("%w: instruction %d jumps past the end", ErrFilter, i+1)
			}
		}
		if i == len(prog)-1 && ri.Op&0x07 != clsRet {
			return fmt.Errorf("%w: the last instruction must return", ErrFilter)
		}
	}
	return nil
}
