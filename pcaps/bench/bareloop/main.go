// Command bareloop is the floor ftpsniff is measured against: it reads a
// capture with decode/capture (zero-copy Next) and decodes every packet
// with one gopacket DecodingLayerParser (Ethernet, Dot1Q, IPv4, IPv6, TCP,
// Payload), counting packets, TCP segments and bytes, nothing else.
//
//	bareloop FILE
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

type counts struct {
	packets, bytes, ip4, ip6, tcp, payloadBytes, truncated, undecodable uint64
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: bareloop FILE")
		os.Exit(2)
	}
	c, err := run(os.Args[1])
	fmt.Printf("packets %d bytes %d ipv4 %d ipv6 %d tcp %d tcp_payload_bytes %d truncated %d undecodable %d\n",
		c.packets, c.bytes, c.ip4, c.ip6, c.tcp, c.payloadBytes, c.truncated, c.undecodable)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bareloop:", err)
		os.Exit(1)
	}
}

func run(name string) (counts, error) {
	var c counts
	src, err := capture.Open(name)
	if err != nil {
		return c, err
	}
	defer src.Close()
	var (
		eth     layers.Ethernet
		dot1q   layers.Dot1Q
		ip4     layers.IPv4
		ip6     layers.IPv6
		tcp     layers.TCP
		payload gopacket.Payload
	)
	dlp := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcp, &payload)
	dlp.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)
	for {
		data, _, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return c, err
		}
		c.packets++
		c.bytes += uint64(len(data))
		if link != layers.LinkTypeEthernet {
			c.undecodable++
			continue
		}
		if err := dlp.DecodeLayers(data, &decoded); err != nil {
			c.undecodable++
		}
		if dlp.Truncated {
			c.truncated++
		}
		for _, t := range decoded {
			switch t {
			case layers.LayerTypeIPv4:
				c.ip4++
			case layers.LayerTypeIPv6:
				c.ip6++
			case layers.LayerTypeTCP:
				c.tcp++
				c.payloadBytes += uint64(len(tcp.Payload))
			}
		}
	}
}
