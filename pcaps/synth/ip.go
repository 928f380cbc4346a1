package main

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var errFamilyMix = errors.New("source and destination families differ")

// transport is a layer whose checksum covers an IP pseudo-header.
type transport interface {
	gopacket.SerializableLayer
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}

var serializeOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// ipPacket serializes src->dst carrying l4 (may be nil) and payload, with
// valid IP and transport checksums. IPv4 packets get DF and the next
// per-host identification.
func (c *capture) ipPacket(src, dst netip.Addr, proto layers.IPProtocol, l4 transport, payload []byte) ([]byte, error) {
	if src.Is4() != dst.Is4() {
		return nil, errFamilyMix
	}
	var nl gopacket.NetworkLayer
	var ipl gopacket.SerializableLayer
	ttl := c.ttl
	if ttl == 0 {
		ttl = 64
	}
	if src.Is4() {
		ip := &layers.IPv4{
			Version: 4, TTL: ttl, Protocol: proto, Flags: layers.IPv4DontFragment,
			Id: c.nextID(src), SrcIP: src.AsSlice(), DstIP: dst.AsSlice(),
		}
		nl, ipl = ip, ip
	} else {
		ip := &layers.IPv6{
			Version: 6, HopLimit: ttl, NextHeader: proto,
			SrcIP: src.AsSlice(), DstIP: dst.AsSlice(),
		}
		nl, ipl = ip, ip
	}
	stack := []gopacket.SerializableLayer{ipl}
	if l4 != nil {
		if err := l4.SetNetworkLayerForChecksum(nl); err != nil {
			return nil, err
		}
		stack = append(stack, l4)
	}
	stack = append(stack, gopacket.Payload(payload))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, serializeOpts, stack...); err != nil {
		return nil, err
	}
	return append([]byte(nil), buf.Bytes()...), nil
}

// fragment splits a serialized IP packet into fragments whose payloads have
// the given sizes (multiples of 8 except the last, which takes the rest).
// IPv4 fragments keep the original identification and clear DF; IPv6
// fragments carry a Fragment extension header with identification id.
func fragment(pkt []byte, sizes []int, id uint32) ([][]byte, error) {
	if len(pkt) == 0 {
		return nil, errors.New("empty packet")
	}
	var (
		data  []byte
		proto layers.IPProtocol
		v4    *layers.IPv4
		v6    *layers.IPv6
	)
	switch pkt[0] >> 4 {
	case 4:
		v4 = &layers.IPv4{}
		if err := v4.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
			return nil, err
		}
		data, proto = v4.Payload, v4.Protocol
	case 6:
		v6 = &layers.IPv6{}
		if err := v6.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
			return nil, err
		}
		data, proto = v6.Payload, v6.NextHeader
	default:
		return nil, fmt.Errorf("not an IP packet (version %d)", pkt[0]>>4)
	}
	var out [][]byte
	off := 0
	for i := 0; off < len(data); i++ {
		n := len(data) - off
		if i < len(sizes) && sizes[i] < n {
			n = sizes[i]
			if n <= 0 || n%8 != 0 {
				return nil, fmt.Errorf("fragment %d size %d is not a positive multiple of 8", i, n)
			}
		}
		more := off+n < len(data)
		chunk := gopacket.Payload(data[off : off+n])
		var stack []gopacket.SerializableLayer
		if v4 != nil {
			ip := *v4
			ip.Flags = 0
			if more {
				ip.Flags = layers.IPv4MoreFragments
			}
			ip.FragOffset = uint16(off / 8)
			ip.Options, ip.Padding = nil, nil
			stack = []gopacket.SerializableLayer{&ip, chunk}
		} else {
			ip := *v6
			ip.NextHeader = layers.IPProtocolIPv6Fragment
			ip.HopByHop = nil
			fh := &layers.IPv6Fragment{
				NextHeader: proto, FragmentOffset: uint16(off / 8),
				MoreFragments: more, Identification: id,
			}
			stack = []gopacket.SerializableLayer{&ip, fh, chunk}
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, serializeOpts, stack...); err != nil {
			return nil, err
		}
		out = append(out, append([]byte(nil), buf.Bytes()...))
		off += n
	}
	return out, nil
}

// icmpUnreachable builds the error a router at from sends to to, quoting
// the offending packet as Linux does: IPv4 up to 576 bytes in total, IPv6 up
// to the 1280-byte minimum MTU. For IPv4 code is a type 3 code; for IPv6 a
// type 1 code.
func (c *capture) icmpUnreachable(from, to netip.Addr, code uint8, quoted []byte) ([]byte, error) {
	if from.Is4() {
		q := quoted[:min(len(quoted), 576-20-8)]
		icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, code)}
		// ICMPv4 has no pseudo-header; its checksum is computed by the layer.
		return c.ipPacket(from, to, layers.IPProtocolICMPv4, icmpv4Layer{icmp}, q)
	}
	q := quoted[:min(len(quoted), 1280-40-8)]
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeDestinationUnreachable, code)}
	// The 4 unused bytes after type/code/checksum precede the quote.
	return c.ipPacket(from, to, layers.IPProtocolICMPv6, icmp, append(make([]byte, 4), q...))
}

// icmpv4Layer adapts ICMPv4 to transport; it needs no pseudo-header.
type icmpv4Layer struct{ *layers.ICMPv4 }

func (icmpv4Layer) SetNetworkLayerForChecksum(gopacket.NetworkLayer) error { return nil }
