// Command vantagecopy writes a second capture point of a capture, as if
// taken past a source NAT whose clock runs apart: every packet's time
// moved by -shift, every IPv4 client's address moved into 100.64.0.0/10
// (the servers are the addresses connections to port 21 go to), TCP and
// IP checksums made again. With the capture itself as the first point it
// makes a --vantage run of any size:
//
//	go run ./pcaps/bench/mksessions -sessions 20000 -o bench-out/s.pcap
//	go run ./pcaps/bench/vantagecopy -shift 90s -o bench-out/s-far.pcap bench-out/s.pcap
//	ftpsniff read --vantage near=bench-out/s.pcap --vantage far=bench-out/s-far.pcap
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

func main() {
	out := flag.String("o", "", "output pcap file")
	shift := flag.Duration("shift", 90*time.Second, "the copy's clock minus the input's")
	flag.Parse()
	if flag.NArg() != 1 || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: vantagecopy [-shift D] -o OUT IN")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *out, *shift); err != nil {
		fmt.Fprintln(os.Stderr, "vantagecopy:", err)
		os.Exit(1)
	}
}

func run(in, out string, shift time.Duration) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return err
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	w := pcapgo.NewWriter(o)
	if err := w.WriteFileHeader(65535, r.LinkType()); err != nil {
		return err
	}
	servers := map[netip.Addr]bool{}
	var eth layers.Ethernet
	var ip4 layers.IPv4
	var ip6 layers.IPv6
	var tcp layers.TCP
	var pay gopacket.Payload
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &ip6, &tcp, &pay)
	parser.IgnoreUnsupported = true
	var decoded []gopacket.LayerType
	buf := gopacket.NewSerializeBuffer()
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		ci.Timestamp = ci.Timestamp.Add(shift)
		if err := parser.DecodeLayers(data, &decoded); err != nil || len(decoded) < 3 || decoded[1] != layers.LayerTypeIPv4 || decoded[2] != layers.LayerTypeTCP {
			if err := w.WritePacket(ci, data); err != nil {
				return err
			}
			continue
		}
		src, _ := netip.AddrFromSlice(ip4.SrcIP)
		dst, _ := netip.AddrFromSlice(ip4.DstIP)
		if tcp.DstPort == 21 {
			servers[dst] = true
		}
		if !servers[src] {
			ip4.SrcIP = natted(src)
		}
		if !servers[dst] {
			ip4.DstIP = natted(dst)
		}
		tcp.SetNetworkLayerForChecksum(&ip4)
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}, &eth, &ip4, &tcp, gopacket.Payload(tcp.Payload)); err != nil {
			return err
		}
		ci.CaptureLength, ci.Length = len(buf.Bytes()), len(buf.Bytes())
		if err := w.WritePacket(ci, buf.Bytes()); err != nil {
			return err
		}
	}
	return o.Close()
}

// natted is a client's address past the NAT: its last two bytes in
// 100.64.0.0/10.
func natted(a netip.Addr) []byte {
	b := a.As4()
	return []byte{100, 64 | b[1]&0x3f, b[2], b[3]}
}
