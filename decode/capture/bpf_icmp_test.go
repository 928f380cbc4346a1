package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
)

// icmpfChecksum is the Internet checksum (RFC 1071) of b, seeded with sum.
func icmpfChecksum(sum uint32, b []byte) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// icmpfPacket is an IP packet (IPv4 when router is an IPv4 address) from
// router to the client 10.99.0.2 / fd00:99::2 carrying an ICMP (ICMPv6)
// message of type typ and code that quotes the client's SYN to port 40001
// of 10.99.0.1 / fd00:99::1, checksums right. opts gives the outer IPv4
// header 4 bytes of options.
func icmpfPacket(router string, typ, code uint8, opts bool) []byte {
	r := netip.MustParseAddr(router)
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:], 50000)
	binary.BigEndian.PutUint16(tcp[2:], 40001)
	binary.BigEndian.PutUint32(tcp[4:], 1)
	tcp[12], tcp[13] = 5<<4, 0x02
	msg := []byte{typ, code, 0, 0, 0, 0, 0, 0}
	if r.Is4() {
		client, server := [4]byte{10, 99, 0, 2}, [4]byte{10, 99, 0, 1}
		q := make([]byte, 20)
		q[0], q[8], q[9] = 0x45, 1, 6
		binary.BigEndian.PutUint16(q[2:], 40)
		copy(q[12:], client[:])
		copy(q[16:], server[:])
		msg = append(append(msg, q...), tcp...)
		binary.BigEndian.PutUint16(msg[2:], icmpfChecksum(0, msg))
		hl := 20
		if opts {
			hl = 24 // four NOP options (1); no end-of-list needed
		}
		ip := make([]byte, hl, hl+len(msg))
		ip[0], ip[8], ip[9] = 0x40|byte(hl/4), 64, 1
		for i := 20; i < hl; i++ {
			ip[i] = 1
		}
		binary.BigEndian.PutUint16(ip[2:], uint16(hl+len(msg)))
		ra := r.As4()
		copy(ip[12:], ra[:])
		copy(ip[16:], client[:])
		binary.BigEndian.PutUint16(ip[10:], icmpfChecksum(0, ip))
		return append(ip, msg...)
	}
	client := netip.MustParseAddr("fd00:99::2").As16()
	server := netip.MustParseAddr("fd00:99::1").As16()
	q := make([]byte, 40)
	q[0], q[6], q[7] = 0x60, 6, 1
	binary.BigEndian.PutUint16(q[4:], 20)
	copy(q[8:], client[:])
	copy(q[24:], server[:])
	msg = append(append(msg, q...), tcp...)
	ra := r.As16()
	var pseudo []byte
	pseudo = append(pseudo, ra[:]...)
	pseudo = append(pseudo, client[:]...)
	pseudo = binary.BigEndian.AppendUint32(pseudo, uint32(len(msg)))
	pseudo = append(pseudo, 0, 0, 0, 58)
	binary.BigEndian.PutUint16(msg[2:], icmpfChecksum(0, append(pseudo, msg...)))
	ip := make([]byte, 40, 40+len(msg))
	ip[0], ip[6], ip[7] = 0x60, 58, 64
	binary.BigEndian.PutUint16(ip[4:], uint16(len(msg)))
	copy(ip[8:], ra[:])
	copy(ip[24:], client[:])
	return append(ip, msg...)
}

// icmpfFrame puts an IP packet in an Ethernet frame behind the given VLAN
// tag ethertypes (outer first), or returns it as is for FrameIP.
func icmpfFrame(ipPkt []byte, kind FrameKind, tags ...uint16) []byte {
	if kind == FrameIP {
		return ipPkt
	}
	b := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}
	for i, tpid := range tags {
		b = binary.BigEndian.AppendUint16(b, tpid)
		b = binary.BigEndian.AppendUint16(b, uint16(7+i)) // TCI: VLAN id
	}
	et := uint16(0x0800)
	if ipPkt[0]>>4 == 6 {
		et = 0x86dd
	}
	b = binary.BigEndian.AppendUint16(b, et)
	return append(b, ipPkt...)
}

// TestFilterKeepsEveryICMPErrorDecodeTakes: live's kernel filter keeps
// every ICMP/ICMPv6 error kind the decoder passes on when it quotes TCP
// (decode's icmpError: ICMPv4 3, 11, 12; ICMPv6 1 to 127), not only
// destination unreachable, whatever --host/--net/--filter-ports narrow
// and however the frame is framed; informational ICMP (echo, neighbour
// discovery, MLD) and the ICMPv4 kinds TCP ignores stay out. Before the
// fix a SYN answered by time exceeded read as undetermined in live, and
// an IPv6 packet too big never arrived.
func TestFilterKeepsEveryICMPErrorDecodeTakes(t *testing.T) {
	const r4, r6 = "192.0.2.254", "2001:db8::fe"
	cases := []struct {
		name      string
		router    string
		typ, code uint8
		keep      bool
	}{
		{"icmp4 3/3 port unreachable", r4, 3, 3, true},
		{"icmp4 3/4 fragmentation needed", r4, 3, 4, true},
		{"icmp4 3/13 admin prohibited", r4, 3, 13, true},
		{"icmp4 11/0 time exceeded", r4, 11, 0, true},
		{"icmp4 11/1 reassembly time exceeded", r4, 11, 1, true},
		{"icmp4 12/0 parameter problem", r4, 12, 0, true},
		{"icmp6 1/4 port unreachable", r6, 1, 4, true},
		{"icmp6 2/0 packet too big", r6, 2, 0, true},
		{"icmp6 3/0 time exceeded", r6, 3, 0, true},
		{"icmp6 4/1 parameter problem", r6, 4, 1, true},
		{"icmp6 5/0 unassigned error type", r6, 5, 0, true},
		{"icmp6 127/0 last error type", r6, 127, 0, true},

		{"icmp4 0/0 echo reply", r4, 0, 0, false},
		{"icmp4 8/0 echo request", r4, 8, 0, false},
		{"icmp4 4/0 source quench", r4, 4, 0, false},
		{"icmp4 5/1 redirect", r4, 5, 1, false},
		{"icmp4 13/0 timestamp", r4, 13, 0, false},
		{"icmp6 0/0 reserved", r6, 0, 0, false},
		{"icmp6 128/0 echo request", r6, 128, 0, false},
		{"icmp6 129/0 echo reply", r6, 129, 0, false},
		{"icmp6 131/0 MLD report without hop-by-hop", r6, 131, 0, false},
		{"icmp6 135/0 neighbour solicitation", r6, 135, 0, false},
		{"icmp6 136/0 neighbour advertisement", r6, 136, 0, false},
		{"icmp6 255/0 private informational", r6, 255, 0, false},
	}
	filters := []struct {
		name string
		f    Filter
	}{
		{"coarse", Filter{}},
		{"ports", Filter{Ports: []uint16{21}}},
		// The router's address is in none of these: ICMP errors are kept
		// whatever the addresses.
		{"nets", Filter{Nets: []netip.Prefix{netip.MustParsePrefix("10.99.0.1/32"), netip.MustParsePrefix("fd00:99::1/128")}}},
		{"nets and ports", Filter{Nets: []netip.Prefix{netip.MustParsePrefix("10.99.0.0/24"), netip.MustParsePrefix("fd00:99::/64")}, Ports: []uint16{21, 2121}}},
	}
	framings := []struct {
		name string
		kind FrameKind
		tags []uint16
		opts bool
	}{
		{"raw ip", FrameIP, nil, false},
		{"raw ip options", FrameIP, nil, true},
		{"ethernet", FrameEthernet, nil, false},
		{"ethernet options", FrameEthernet, nil, true},
		{"vlan", FrameEthernet, []uint16{0x8100}, false},
		{"qinq", FrameEthernet, []uint16{0x88a8, 0x8100}, false},
		{"double 802.1Q", FrameEthernet, []uint16{0x8100, 0x8100}, false},
	}
	for _, fl := range filters {
		for _, fr := range framings {
			t.Run(fmt.Sprintf("%s/%s", fl.name, fr.name), func(t *testing.T) {
				prog, err := fl.f.Program(fr.kind, Loopback{})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cases {
					if fr.opts && c.router != r4 {
						continue // options are IPv4's
					}
					n := runFilter(t, prog, icmpfFrame(icmpfPacket(c.router, c.typ, c.code, fr.opts), fr.kind, fr.tags...), meta{})
					if got := n > 0; got != c.keep {
						t.Errorf("%s: kept=%v, want %v", c.name, got, c.keep)
					}
				}
			})
		}
	}
}

// ICMPPacketForTest lets the external test (bpf_decoder_test.go) build
// the same packets.
var ICMPPacketForTest = icmpfPacket
