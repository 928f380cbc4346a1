package decode

import "github.com/gopacket/gopacket/layers"

// LinkDir is which way a packet crossed the capture host, as the capture
// records it in the frame's link header (Segment.LinkDir): Linux cooked
// captures (tcpdump -i any: SLL and SLL2) say whether the kernel received
// the packet or sent it. A packet the host forwards is seen twice there,
// arriving and leaving; one its forward chain drops, arriving only.
type LinkDir uint8

const (
	// LinkDirUnknown: the link header records no direction (Ethernet, raw
	// IP), or one of another kind (a packet looped back to a socket).
	LinkDirUnknown LinkDir = iota
	// LinkIn: received by the capture host (PACKET_HOST, BROADCAST,
	// MULTICAST, OTHERHOST: a promiscuous port's).
	LinkIn
	// LinkOut: sent by it (PACKET_OUTGOING), its own or forwarded.
	LinkOut
)

// sllOutgoing is the cooked header's packet type of a packet the host
// sent (linux/if_packet.h PACKET_OUTGOING); those below it were received.
const sllOutgoing = 4

// frameLinkDir reads the direction a Linux cooked header records: the
// packet type, the first 16 bits of SLL, the byte at offset 10 of SLL2.
func frameLinkDir(link layers.LinkType, frame []byte) LinkDir {
	var t int
	switch {
	case link == layers.LinkTypeLinuxSLL && len(frame) >= 2:
		t = int(frame[0])<<8 | int(frame[1])
	case link == layers.LinkTypeLinuxSLL2 && len(frame) >= 11:
		t = int(frame[10])
	default:
		return LinkDirUnknown
	}
	switch {
	case t == sllOutgoing:
		return LinkOut
	case t < sllOutgoing:
		return LinkIn
	}
	return LinkDirUnknown
}

// A control connection's direction keeps, beside its ttlClass bits
// (halfStream.ttls), which ways its segments crossed the capture host:
// linkInSeen and linkOutSeen, bits that are no Hops (sideHops leaves
// them out); both make the side's Forwarded bit.
const (
	linkInSeen  uint8 = 1 << 2
	linkOutSeen uint8 = 1 << 3
	sideHopBits       = uint8(ClientUnrouted | ClientRouted | ClientFar | ClientForwarded)
)

// withLinkDir adds to a direction's ttls bits the way one of its segments
// crossed the capture host.
func withLinkDir(ttls uint8, dir LinkDir) uint8 {
	switch dir {
	case LinkIn:
		ttls |= linkInSeen
	case LinkOut:
		ttls |= linkOutSeen
	}
	if ttls&(linkInSeen|linkOutSeen) == linkInSeen|linkOutSeen {
		ttls |= uint8(ClientForwarded)
	}
	return ttls
}

// sideHops is the client's bits of Hops a direction's ttls make.
func sideHops(ttls uint8) Hops { return Hops(ttls & sideHopBits) }

// Forwarded reports whether the capture host forwarded the side's
// segments (the server's when server, else the client's): seen
// arriving and leaving.
func (h Hops) Forwarded(server bool) bool {
	if server {
		h >>= 2
	}
	return h&ClientForwarded != 0
}
