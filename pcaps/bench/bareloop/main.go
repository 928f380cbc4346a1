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

	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/pcaps/bench"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: bareloop FILE")
		os.Exit(2)
	}
	c, err := run(os.Args[1])
	fmt.Printf("packets %d bytes %d ipv4 %d ipv6 %d tcp %d tcp_payload_bytes %d truncated %d undecodable %d\n",
		c.Packets, c.Bytes, c.IPv4, c.IPv6, c.TCP, c.PayloadBytes, c.Truncated, c.Undecodable)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bareloop:", err)
		os.Exit(1)
	}
}

func run(name string) (bench.BareCounts, error) {
	src, err := capture.Open(name)
	if err != nil {
		return bench.BareCounts{}, err
	}
	defer src.Close()
	l := bench.NewBareLoop()
	for {
		data, _, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			return l.BareCounts, nil
		}
		if err != nil {
			return l.BareCounts, err
		}
		l.Decode(data, link)
	}
}
