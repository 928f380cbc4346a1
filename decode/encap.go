package decode

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Control connections seen inside a tunnel. Decapsulating a tunnel shows
// the packets it carries as if they crossed the capture point themselves:
// a VXLAN or GRE packet anyone can send, from its own address to any
// host, carrying a made-up FTP session, is read as that session. So a
// control connection whose segments came inside a tunnel keeps what
// kind it was and the outer addresses each side's segments came with
// (Tunnel, handed over with its ControlClose; kept in controlTable.tunnels), for the session to say
// so, and for what accuses someone to say what the capture cannot
// verify. Encapsulations whose purpose is carrying mirrored traffic to a
// collector (ERSPAN, TZSP) are the capture's own path, and not noted.

// Tunnel is what the capture showed of the tunnel a control connection's
// segments came inside: its kind (the outermost one), and for each side
// (0: the client's segments, 1: the server's) the outer source and
// destination of its first tunnelled segment and how many came so, or
// plain (not inside a tunnel).
type Tunnel struct {
	Kind     string
	OuterSrc [2]netip.Addr
	OuterDst [2]netip.Addr
	Inside   [2]uint32
	Plain    [2]uint32
	// reshaped: a side first came inside it, or plain, since a copy was
	// last handed over with an event (controlConn.deliver): what Fabric
	// and Only tell may have changed.
	reshaped bool
}

// Fabric tells whether the outer addresses are plausibly the tunnel
// endpoints of a fabric the capture point monitors: both sides'
// segments came inside the tunnel, each side's from the endpoint the
// other side's went to (two endpoints, one per side of the fabric). A
// host that made the session up sends both sides' segments itself, from
// one address.
func (t *Tunnel) Fabric() bool {
	return t.Inside[0] > 0 && t.Inside[1] > 0 &&
		t.OuterSrc[0] == t.OuterDst[1] && t.OuterSrc[1] == t.OuterDst[0] && t.OuterSrc[0] != t.OuterSrc[1]
}

// Only tells whether every segment of the connection came inside the
// tunnel.
func (t *Tunnel) Only() bool { return t.Plain[0] == 0 && t.Plain[1] == 0 }

// Encapsulation kinds noted (Decoder.encap): what a control connection's
// Tunnel.Kind names.
const (
	encapNone uint8 = iota
	encapMonitor
	encapGRE
	encapVXLAN
	encapGENEVE
	encapIPinIP
	encapGTPU
	encapMPLSoUDP
	encapMPLSinIP
)

var encapNames = [...]string{encapGRE: "GRE", encapVXLAN: "VXLAN", encapGENEVE: "GENEVE", encapIPinIP: "IP-in-IP",
	encapGTPU: "GTP-U", encapMPLSoUDP: "MPLS-in-UDP", encapMPLSinIP: "MPLS-in-IP"}

// noteEncap notes k as the frame's encapsulation unless an outer one was
// noted.
func (d *Decoder) noteEncap(k uint8) {
	if d.encap == encapNone {
		d.encap = k
	}
}

// encapOfLayers is the outermost tunnel among the layers ls decoded (its
// own tunnels: GRE, VXLAN, GENEVE, ERSPAN, IP in IP), or encapNone.
func encapOfLayers(ls *layerSet) uint8 {
	ipLayers := 0
	for _, t := range ls.decoded {
		switch t {
		case layers.LayerTypeERSPANII:
			return encapMonitor
		case layers.LayerTypeGRE:
			if ls.gre.Protocol == greERSPAN3 || ls.gre.Protocol == layers.EthernetTypeERSPAN {
				return encapMonitor
			}
			return encapGRE
		case layers.LayerTypeVXLAN:
			return encapVXLAN
		case layers.LayerTypeGeneve:
			return encapGENEVE
		case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
			ipLayers++
			if ipLayers > 1 {
				return encapIPinIP
			}
		}
	}
	return encapNone
}

// encapOfPeel is the tunnel peel follows at the layer ls stopped at.
func encapOfPeel(ls *layerSet) uint8 {
	n := len(ls.decoded)
	if n == 0 {
		return encapNone
	}
	switch ls.decoded[n-1] {
	case layers.LayerTypeGRE:
		if ls.gre.Protocol == greERSPAN3 {
			return encapMonitor
		}
		return encapGRE
	case layers.LayerTypeUDP, gopacket.LayerTypePayload:
		switch u := &ls.udp; {
		case u.DstPort == portVXLANLinux:
			return encapVXLAN
		case u.DstPort == portMPLSInUDP:
			return encapMPLSoUDP
		case u.DstPort == portTZSP:
			return encapMonitor
		case u.DstPort == portGTPU || u.SrcPort == portGTPU:
			return encapGTPU
		}
	case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
		return encapMPLSinIP
	}
	return encapNone // (MPLS, PPPoE, tags: no tunnel endpoints)
}

// outerAddrs reads the source and destination of the first IP header of
// frame, of link type link: Ethernet (behind VLAN tags), Linux cooked
// (SLL, SLL2), or raw IP. ok false for another link type, or no IP header
// where one was looked for.
func outerAddrs(frame []byte, link layers.LinkType) (src, dst netip.Addr, ok bool) {
	var typ uint16
	var b []byte
	switch {
	case link == layers.LinkTypeEthernet && len(frame) >= 14:
		typ, b = binary.BigEndian.Uint16(frame[12:]), frame[14:]
		for k := 0; k < maxTags && (typ == 0x8100 || typ == 0x88a8 || typ == 0x9100) && len(b) >= 4; k++ {
			typ, b = binary.BigEndian.Uint16(b[2:]), b[4:]
		}
	case link == layers.LinkTypeLinuxSLL && len(frame) >= 16:
		typ, b = binary.BigEndian.Uint16(frame[14:]), frame[16:]
	case link == layers.LinkTypeLinuxSLL2 && len(frame) >= 20:
		typ, b = binary.BigEndian.Uint16(frame[0:]), frame[20:]
	case rawIPLink(link) || link == layers.LinkTypeIPv4 || link == layers.LinkTypeIPv6:
		if len(frame) > 0 && frame[0]>>4 == 4 {
			typ = 0x0800
		} else {
			typ = 0x86dd
		}
		b = frame
	default:
		return src, dst, false
	}
	switch {
	case typ == 0x0800 && len(b) >= 20 && b[0]>>4 == 4:
		src, _ = netip.AddrFromSlice(b[12:16])
		dst, _ = netip.AddrFromSlice(b[16:20])
		return src, dst, true
	case typ == 0x86dd && len(b) >= 40 && b[0]>>4 == 6:
		src, _ = netip.AddrFromSlice(b[8:24])
		dst, _ = netip.AddrFromSlice(b[24:40])
		return src, dst, true
	}
	return src, dst, false
}

// noteTunnel notes of control connection cs that segment s, from its
// client or not, came inside the frame's tunnel (d.encap), or plain.
// Called for a control connection's segments only: a plain one costs a
// comparison while the connection came in no tunnel.
func (d *Decoder) noteTunnel(cs *controlConn, s *Segment) {
	ct := d.ctl
	if d.encap <= encapMonitor && len(ct.tunnels) == 0 {
		return // (the common case: no tunnel, none before)
	}
	side := 1
	if s.Src == cs.client {
		side = 0
	}
	t := ct.tunnels[cs]
	if d.encap > encapMonitor {
		if src, dst, ok := outerAddrs(d.frame, d.frameLink); ok && (src != s.Src.Addr() || dst != s.Dst.Addr()) {
			if t == nil {
				if ct.tunnels == nil {
					ct.tunnels = make(map[*controlConn]*Tunnel)
				}
				t = &Tunnel{Kind: encapNames[d.encap]}
				ct.tunnels[cs] = t
			}
			if t.Inside[side] == 0 {
				t.OuterSrc[side], t.OuterDst[side] = src, dst
				t.reshaped = true
			}
			t.Inside[side]++
			return
		}
	}
	if t != nil {
		t.reshaped = t.reshaped || t.Plain[side] == 0
		t.Plain[side]++
	}
}
