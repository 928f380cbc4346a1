package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// tunnelKind is how a capture point sees traffic it did not originate:
// inside another header.
type tunnelKind int

const (
	tunnelIPIP   tunnelKind = iota + 1 // IP in IPv4 (4in4, 6in4: protocol 4 or 41)
	tunnelIP6                          // IP in IPv6 (4in6, 6in6)
	tunnelGRE                          // GRE over IPv4 carrying IP
	tunnelERSPAN                       // ERSPAN type II over GRE carrying Ethernet
	tunnelVXLAN                        // VXLAN (UDP 4789) carrying Ethernet
	tunnelGeneve                       // GENEVE (UDP 6081) carrying Ethernet
	tunnelMPLS                         // two MPLS labels over Ethernet
	tunnelPPPoE                        // a PPPoE session over Ethernet
)

// Tunnel endpoints: the outer addresses every tunnelled packet carries.
var (
	tunnelA4, tunnelB4 = addr("203.0.113.1"), addr("203.0.113.2")
	tunnelA6, tunnelB6 = addr("2001:db8:ffff::1"), addr("2001:db8:ffff::2")
)

// wrap puts the IP packet pkt (src to dst) in the tunnel. It returns the
// bytes after the link header and their EtherType.
func (k tunnelKind) wrap(src, dst netip.Addr, pkt []byte) ([]byte, layers.EthernetType, error) {
	forward := src.Less(dst) // one direction from A to B, the other back
	a4, b4, a6, b6 := tunnelA4, tunnelB4, tunnelA6, tunnelB6
	if !forward {
		a4, b4, a6, b6 = b4, a4, b6, a6
	}
	inner := layers.IPProtocolIPv4
	if src.Is6() {
		inner = layers.IPProtocolIPv6
	}
	innerEth := func() []byte {
		h := make([]byte, 14, 14+len(pkt))
		copy(h[0:6], macOf(dst))
		copy(h[6:12], macOf(src))
		binary.BigEndian.PutUint16(h[12:], uint16(etherType(src)))
		return append(h, pkt...)
	}
	switch k {
	case tunnelIPIP:
		return outer4(a4, b4, inner, pkt)
	case tunnelIP6:
		return outer6(a6, b6, inner, pkt)
	case tunnelGRE:
		gre := binary.BigEndian.AppendUint16([]byte{0, 0}, uint16(etherType(src)))
		return outer4(a4, b4, layers.IPProtocolGRE, append(gre, pkt...))
	case tunnelERSPAN:
		// GRE with a sequence number (S bit), protocol ERSPAN, then the
		// 8-byte ERSPAN type II header: version 1, VLAN 0, session 7.
		gre := []byte{0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1}
		er := []byte{0x10, 0x00, 0x00, 0x07, 0, 0, 0, 0}
		return outer4(a4, b4, layers.IPProtocolGRE, append(append(gre, er...), innerEth()...))
	case tunnelVXLAN:
		vx := []byte{0x08, 0, 0, 0, 0, 0x10, 0x01, 0} // VNI 4097
		return outerUDP(a4, b4, 4789, append(vx, innerEth()...))
	case tunnelGeneve:
		gn := []byte{0, 0, 0x65, 0x58, 0, 0x10, 0x02, 0} // no options, Ethernet, VNI 4098
		return outerUDP(a4, b4, 6081, append(gn, innerEth()...))
	case tunnelMPLS:
		// Label 1000 (not bottom), then label 2000 (bottom of stack), TTL 64.
		m := []byte{0x00, 0x3e, 0x80, 0x40, 0x00, 0x7d, 0x01, 0x40}
		return append(m, pkt...), layers.EthernetTypeMPLSUnicast, nil
	case tunnelPPPoE:
		proto := uint16(pppIPv4)
		if src.Is6() {
			proto = pppIPv6
		}
		h := []byte{0x11, 0x00, 0x12, 0x34, 0, 0}
		binary.BigEndian.PutUint16(h[4:], uint16(2+len(pkt)))
		h = binary.BigEndian.AppendUint16(h, proto)
		return append(h, pkt...), layers.EthernetTypePPPoESession, nil
	}
	return nil, 0, fmt.Errorf("tunnel kind %d not known", k)
}

// PPP protocol numbers (RFC 1332, RFC 5072).
const (
	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
)

func outer4(src, dst netip.Addr, proto layers.IPProtocol, payload []byte) ([]byte, layers.EthernetType, error) {
	ip := &layers.IPv4{Version: 4, TTL: 63, Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	b, err := serialize(ip, gopacket.Payload(payload))
	return b, layers.EthernetTypeIPv4, err
}

func outer6(src, dst netip.Addr, next layers.IPProtocol, payload []byte) ([]byte, layers.EthernetType, error) {
	ip := &layers.IPv6{Version: 6, HopLimit: 63, NextHeader: next, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	b, err := serialize(ip, gopacket.Payload(payload))
	return b, layers.EthernetTypeIPv6, err
}

func outerUDP(src, dst netip.Addr, port uint16, payload []byte) ([]byte, layers.EthernetType, error) {
	ip := &layers.IPv4{Version: 4, TTL: 63, Protocol: layers.IPProtocolUDP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	udp := &layers.UDP{SrcPort: 49152, DstPort: layers.UDPPort(port)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, 0, err
	}
	b, err := serialize(ip, udp, gopacket.Payload(payload))
	return b, layers.EthernetTypeIPv4, err
}

func serialize(ls ...gopacket.SerializableLayer) ([]byte, error) {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		return nil, err
	}
	return append([]byte(nil), buf.Bytes()...), nil
}

// tunnels carries one short session through each kind of tunnel, each
// seen on an interface of its own: every session must be reported with
// its inner addresses, none split, none with the tunnel's addresses.
func tunnels() *capture {
	kinds := []tunnelKind{tunnelIPIP, tunnelIPIP, tunnelIP6, tunnelIP6, tunnelGRE, tunnelERSPAN, tunnelVXLAN, tunnelGeneve, tunnelMPLS, tunnelPPPoE}
	links := make([]*link, len(kinds))
	for i, k := range kinds {
		l := ethernetLink()
		l.tunnel = k
		l.name = fmt.Sprintf("tun%d", i)
		links[i] = l
	}
	c := newCapture(formatPcapng, links...)
	for i := range kinds {
		client := ap(fmt.Sprintf("10.77.%d.100:%d", i, 52000+i))
		server := ap(fmt.Sprintf("10.77.%d.10:21", i))
		if i == 1 || i == 3 {
			// 6in4 and 6in6
			client = ap(fmt.Sprintf("[fd00:77:%d::100]:%d", i, 52000+i))
			server = ap(fmt.Sprintf("[fd00:77:%d::10]:21", i))
		}
		shortSession(c, i, i, client, server, uint16(40700+i), "anonymous")
	}
	return c
}
