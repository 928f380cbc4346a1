package bench

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// BareCounts is what the bare loop counts.
type BareCounts struct {
	Packets, Bytes, IPv4, IPv6, TCP, PayloadBytes, Truncated, Undecodable uint64
}

// BareLoop is the floor ftpsniff is measured against: one gopacket
// DecodingLayerParser (Ethernet, Dot1Q, IPv4, IPv6, TCP, Payload) over
// every packet, counting, nothing else. The bareloop command and
// BenchmarkBareLoop both run it.
type BareLoop struct {
	BareCounts
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	ip4     layers.IPv4
	ip6     layers.IPv6
	tcp     layers.TCP
	payload gopacket.Payload
	dlp     *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

// NewBareLoop returns a bare loop with zero counts.
func NewBareLoop() *BareLoop {
	l := &BareLoop{decoded: make([]gopacket.LayerType, 0, 8)}
	l.dlp = gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &l.eth, &l.dot1q, &l.ip4, &l.ip6, &l.tcp, &l.payload)
	l.dlp.IgnoreUnsupported = true
	return l
}

// Decode decodes and counts one frame.
func (l *BareLoop) Decode(data []byte, link layers.LinkType) {
	l.Packets++
	l.Bytes += uint64(len(data))
	if link != layers.LinkTypeEthernet {
		l.Undecodable++
		return
	}
	if err := l.dlp.DecodeLayers(data, &l.decoded); err != nil {
		l.Undecodable++
	}
	if l.dlp.Truncated {
		l.Truncated++
	}
	for _, t := range l.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			l.IPv4++
		case layers.LayerTypeIPv6:
			l.IPv6++
		case layers.LayerTypeTCP:
			l.TCP++
			l.PayloadBytes += uint64(len(l.tcp.Payload))
		}
	}
}
