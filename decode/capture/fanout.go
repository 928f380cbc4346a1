package capture

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// The fanout program: with --workers N, each interface gets N sockets in one
// PACKET_FANOUT group of type PACKET_FANOUT_CBPF, and for every packet the
// kernel runs this classic BPF program and hands the packet to member
// (result mod N). The analysis of a session needs its control connection,
// its data connections and the ICMP errors about them in one place, and
// the only thing all of these share is the pair of IP addresses (data
// connections use other ports, and NAT'd announcements name other
// addresses than the ones the data connection runs between). So the program
// hashes the unordered address pair:
//
//   - IPv4 and IPv6, behind up to two VLAN tags left in the frame (802.1Q,
//     802.1ad) on Ethernet sockets; IPv4 with options; IPv4 fragments
//     (every fragment carries the addresses);
//   - ICMP errors (IPv4 types 3, 4, 5, 11, 12; ICMPv6 types 1 to 127) hash
//     the quoted packet's addresses, which are the flow's, not the router's
//     that sent the error;
//   - the two addresses are combined with XOR, so both directions give the
//     same value; an IPv6 pair's eight words are folded the same way; the
//     result goes through MurmurHash3's 32-bit finaliser, so that the low
//     bits the kernel's modulo keeps depend on every address bit (a bare
//     XOR would put every pair whose addresses differ in an even last bit
//     on the same worker of two);
//   - anything else (ARP, a truncated header, an unknown IP version) returns
//     0: worker 0. So does a load past the packet's end, which ends a
//     classic BPF program with 0.
//
// Where the program reads from. The kernel runs the fanout program before
// it adjusts skb->data for the socket: a received packet starts at its
// network header there, a sent one at its link-layer header. Loads are
// therefore relative to the headers, with the SKF_LL_OFF and SKF_NET_OFF
// offsets of linux/filter.h: an Ethernet socket's program parses from the
// link-layer header, the frame that socket delivers; a socket that delivers
// packets from their IP header ("any", tun) parses from the network header.
// Either way the program reads the bytes the decoder will read.
//
// Not followed: tunnels (all of a tunnel's traffic hashes on the outer pair
// and goes to one worker, consistently); an ICMPv6 error behind an
// extension header, and a fragmented ICMP error (neither is seen in
// practice: errors are small), whose outer pair is hashed.

// Offsets of linux/filter.h: a load at SKF_NET_OFF+k reads byte k of the
// network header, SKF_LL_OFF+k byte k of the link-layer header, wherever
// skb->data points.
const (
	skfNetOff = 0xfff00000 // -0x100000
	skfLLOff  = 0xffe00000 // -0x200000
)

// Scratch memory slots of the fanout program.
const (
	fanMemHdr = 0 // offset of the IP header whose addresses are hashed
	fanMemAcc = 1 // the hash being built
)

// FanoutProgram returns the fanout program for sockets that deliver
// packets of kind k, with the header-relative offsets the kernel needs.
func FanoutProgram(k FrameKind) ([]bpf.RawInstruction, error) {
	base := uint32(skfLLOff)
	if k == FrameIP {
		base = skfNetOff
	}
	return fanoutProgram(k, base)
}

// fanoutProgram builds the program with every packet load at base+offset:
// base 0 reads a packet as the socket delivers it, which is what
// FanoutSelector runs in x/net/bpf's VM (it knows no negative offsets).
func fanoutProgram(k FrameKind, base uint32) ([]bpf.RawInstruction, error) {
	a := newAsm()
	// Every load is relative to X, the offset of the current header.
	ld := func(off uint32, size int) { a.emit(bpf.LoadIndirect{Off: base + off, Size: size}) }
	if k == FrameIP {
		a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 0})
		ld(0, 1)
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
		a.jif(bpf.JumpEqual, 4, "ip4", "")
		a.jif(bpf.JumpEqual, 6, "ip6", "worker0")
	} else {
		// Up to two VLAN tags left in the frame (the kernel usually moves
		// them to metadata); X follows them to the IP header.
		for i, tagged := range []string{"vlan1", "vlan2", ""} {
			a.emit(bpf.LoadAbsolute{Off: base + 12 + 4*uint32(i), Size: 2}) // ethertype after i tags
			a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 14 + 4*uint32(i)})
			if tagged != "" {
				a.jif(bpf.JumpEqual, 0x8100, tagged, "")
				a.jif(bpf.JumpEqual, 0x88a8, tagged, "ethertype")
				a.label(tagged)
			}
		}
		a.label("ethertype")
		a.jif(bpf.JumpEqual, 0x0800, "ip4", "")
		a.jif(bpf.JumpEqual, 0x86dd, "ip6", "worker0")
	}

	// IPv4; X = offset of its header.
	a.label("ip4")
	a.emit(bpf.StoreScratch{Src: bpf.RegX, N: fanMemHdr})
	ld(9, 1)
	a.jif(bpf.JumpEqual, 1, "", "pair4")
	ld(6, 2)
	a.jif(bpf.JumpBitsSet, 0x1fff, "pair4", "") // a later fragment: no ICMP header
	ld(0, 1)
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2})
	a.emit(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	a.emit(bpf.TAX{})
	ld(0, 1) // ICMP type
	for _, typ := range []uint32{3, 4, 5, 11} {
		a.jif(bpf.JumpEqual, typ, "quote4", "")
	}
	a.jif(bpf.JumpEqual, 12, "", "pair4")
	a.label("quote4")
	// The quoted IPv4 header follows the 8-byte ICMP header.
	a.emit(bpf.TXA{})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 8})
	a.emit(bpf.StoreScratch{Src: bpf.RegA, N: fanMemHdr})
	a.label("pair4")
	a.emit(bpf.LoadScratch{Dst: bpf.RegX, N: fanMemHdr})
	ld(12, 4)
	a.emit(bpf.StoreScratch{Src: bpf.RegA, N: fanMemAcc})
	ld(16, 4)
	a.emit(bpf.LoadScratch{Dst: bpf.RegX, N: fanMemAcc})
	a.emit(bpf.ALUOpX{Op: bpf.ALUOpXor})
	a.jmp("mix")

	// IPv6; X = offset of its header.
	a.label("ip6")
	a.emit(bpf.StoreScratch{Src: bpf.RegX, N: fanMemHdr})
	ld(6, 1)
	a.jif(bpf.JumpEqual, 58, "", "pair6")
	ld(40, 1) // ICMPv6 type, right behind the fixed header
	a.jif(bpf.JumpEqual, 0, "pair6", "")
	a.jif(bpf.JumpGreaterOrEqual, 128, "pair6", "")
	// Types 1-127 are errors (1-4: unreachable, too big, time exceeded,
	// parameter problem; the others as RFC 4443 2.4(d) has them, taken
	// by the decoder and kept by the kernel filter): they quote the
	// packet's IPv6 header after the 8-byte ICMPv6 header.
	a.emit(bpf.TXA{})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 40 + 8})
	a.emit(bpf.StoreScratch{Src: bpf.RegA, N: fanMemHdr})
	a.label("pair6")
	a.emit(bpf.LoadScratch{Dst: bpf.RegX, N: fanMemHdr})
	ld(8, 4) // source address, first word
	a.emit(bpf.StoreScratch{Src: bpf.RegA, N: fanMemAcc})
	for off := uint32(12); off < 40; off += 4 { // the rest of both addresses
		ld(off, 4)
		a.emit(bpf.LoadScratch{Dst: bpf.RegX, N: fanMemAcc})
		a.emit(bpf.ALUOpX{Op: bpf.ALUOpXor})
		a.emit(bpf.StoreScratch{Src: bpf.RegA, N: fanMemAcc})
		a.emit(bpf.LoadScratch{Dst: bpf.RegX, N: fanMemHdr})
	}

	// A holds the folded pair: MurmurHash3's fmix32.
	a.label("mix")
	for _, step := range []struct{ shift, mul uint32 }{{16, 0x85ebca6b}, {13, 0xc2b2ae35}, {16, 0}} {
		a.emit(bpf.StoreScratch{Src: bpf.RegA, N: fanMemAcc})
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: step.shift})
		a.emit(bpf.LoadScratch{Dst: bpf.RegX, N: fanMemAcc})
		a.emit(bpf.ALUOpX{Op: bpf.ALUOpXor})
		if step.mul != 0 {
			a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpMul, Val: step.mul})
		}
	}
	a.emit(bpf.RetA{})
	a.label("worker0")
	a.emit(bpf.RetConstant{Val: 0})
	return a.assemble()
}

// FanoutSelector computes in userspace what the fanout program computes in
// the kernel: the same instructions, run in x/net/bpf's VM on a packet as
// the socket delivers it. Tests use it to predict which worker a packet
// reaches.
type FanoutSelector struct {
	vm *bpf.VM
}

// NewFanoutSelector returns the selector for packets of kind k.
func NewFanoutSelector(k FrameKind) (*FanoutSelector, error) {
	raw, err := fanoutProgram(k, 0)
	if err != nil {
		return nil, err
	}
	ins, ok := bpf.Disassemble(raw)
	if !ok {
		return nil, fmt.Errorf("%w: fanout program does not disassemble", ErrFilter)
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		return nil, fmt.Errorf("%w: fanout program: %v", ErrFilter, err)
	}
	return &FanoutSelector{vm: vm}, nil
}

// Hash returns the program's result for pkt.
func (s *FanoutSelector) Hash(pkt []byte) uint32 {
	n, err := s.vm.Run(pkt)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// Worker returns the worker of n that the kernel hands pkt to: the
// program's result modulo n, as packet_rcv_fanout does.
func (s *FanoutSelector) Worker(pkt []byte, n int) int {
	if n <= 1 {
		return 0
	}
	return int(s.Hash(pkt) % uint32(n))
}
