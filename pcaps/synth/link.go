package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// vlanTag is one 802.1Q/802.1ad tag; tpid is the EtherType that announces it.
type vlanTag struct {
	tpid layers.EthernetType
	vid  uint16
}

// link is the encapsulation of one capture interface.
type link struct {
	typ     layers.LinkType
	tags    []vlanTag           // Ethernet only, outermost first
	local   map[netip.Addr]bool // addresses of the capturing host (cooked captures)
	ifindex uint32              // LinuxSLL2 interface index
	name    string              // pcapng interface name
	bsdV6   uint32              // LinkTypeNull family value for IPv6 (24, 28 or 30)
	tunnel  tunnelKind          // Ethernet only: the packets are seen inside this tunnel
	// way, when set, is the packet type of the cooked header instead of
	// the one local gives (a box's forwarded packets: forward).
	way *layers.LinuxSLLPacketType
}

func ethernetLink(tags ...vlanTag) *link {
	return &link{typ: layers.LinkTypeEthernet, tags: tags, name: "eth0"}
}

// cookedLink is a Linux "any" capture taken on the host owning local.
func cookedLink(typ layers.LinkType, local ...netip.Addr) *link {
	l := &link{typ: typ, local: make(map[netip.Addr]bool), ifindex: 2, name: "any"}
	for _, a := range local {
		l.local[a] = true
	}
	return l
}

func (l *link) ngInterface() pcapgo.NgInterface {
	return pcapgo.NgInterface{
		Name:                l.name,
		OS:                  "Linux",
		LinkType:            l.typ,
		SnapLength:          snaplen,
		TimestampResolution: 9,
	}
}

// macOf gives every IP address a stable locally administered MAC.
func macOf(a netip.Addr) net.HardwareAddr {
	b := a.As16()
	return net.HardwareAddr{0x02, 0x00, b[12], b[13], b[14], b[15]}
}

func etherType(a netip.Addr) layers.EthernetType {
	if a.Is4() {
		return layers.EthernetTypeIPv4
	}
	return layers.EthernetTypeIPv6
}

// frame wraps an IP packet in the link header.
func (l *link) frame(src, dst netip.Addr, pkt []byte) ([]byte, error) {
	et := etherType(src)
	switch l.typ {
	case layers.LinkTypeRaw:
		return append([]byte(nil), pkt...), nil
	case layers.LinkTypeNull:
		// The family is written in the capturing host's byte order; these
		// files claim a little-endian host, the common case.
		fam := uint32(layers.ProtocolFamilyIPv4)
		if src.Is6() {
			fam = l.bsdV6
			if fam == 0 {
				fam = uint32(layers.ProtocolFamilyIPv6Darwin)
			}
		}
		out := binary.LittleEndian.AppendUint32(nil, fam)
		return append(out, pkt...), nil
	case layers.LinkTypeLinuxSLL:
		// gopacket's LinuxSLL has no SerializeTo; the 16-byte header is
		// pkttype, ARPHRD, address length, 8 address bytes, protocol.
		h := make([]byte, 16, 16+len(pkt))
		binary.BigEndian.PutUint16(h[0:], uint16(l.packetType(src)))
		binary.BigEndian.PutUint16(h[2:], uint16(layers.ARPHardwareTypeEthernet))
		binary.BigEndian.PutUint16(h[4:], 6)
		copy(h[6:14], macOf(src))
		binary.BigEndian.PutUint16(h[14:], uint16(et))
		return append(h, pkt...), nil
	case layers.LinkTypeLinuxSLL2:
		// 20 bytes: protocol, reserved, ifindex, ARPHRD, pkttype, address
		// length, 8 address bytes.
		h := make([]byte, 20, 20+len(pkt))
		binary.BigEndian.PutUint16(h[0:], uint16(et))
		binary.BigEndian.PutUint32(h[4:], l.ifindex)
		binary.BigEndian.PutUint16(h[8:], uint16(layers.ARPHardwareTypeEthernet))
		h[10] = byte(l.packetType(src))
		h[11] = 6
		copy(h[12:20], macOf(src))
		return append(h, pkt...), nil
	case layers.LinkTypeEthernet:
		if l.tunnel != 0 {
			out, outerET, err := l.tunnel.wrap(src, dst, pkt)
			if err != nil {
				return nil, err
			}
			return l.ethernet(src, dst, outerET, out)
		}
		return l.ethernet(src, dst, et, pkt)
	}
	return nil, fmt.Errorf("link type %v not supported", l.typ)
}

func (l *link) packetType(src netip.Addr) layers.LinuxSLLPacketType {
	if l.way != nil {
		return *l.way
	}
	if l.local[src] {
		return layers.LinuxSLLPacketTypeOutgoing
	}
	return layers.LinuxSLLPacketTypeHost
}

func (l *link) ethernet(src, dst netip.Addr, et layers.EthernetType, pkt []byte) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: macOf(src), DstMAC: macOf(dst), EthernetType: et}
	stack := []gopacket.SerializableLayer{eth}
	for i, t := range l.tags {
		if i == 0 {
			eth.EthernetType = t.tpid
		}
		next := et
		if i+1 < len(l.tags) {
			next = l.tags[i+1].tpid
		}
		stack = append(stack, &layers.Dot1Q{VLANIdentifier: t.vid, Type: next})
	}
	stack = append(stack, gopacket.Payload(pkt))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, stack...); err != nil {
		return nil, err
	}
	return append([]byte(nil), buf.Bytes()...), nil
}
