package main

import (
	"fmt"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// packetFilter is read's --host, --net, --filter-ports and --bpf-raw: the
// classic BPF programs live attaches to its sockets, run in x/net/bpf's VM
// over each frame of the file, so both commands keep the same packets.
type packetFilter struct {
	eth, ip *bpf.VM // built-in filter, per frame kind
	raw     *bpf.VM // --bpf-raw: over the frame as the file holds it
	dropped uint64
	desc    string
}

// left is what the filter left out so far; zero for a nil filter.
func (f *packetFilter) left() packetsFiltered {
	if f == nil {
		return packetsFiltered{}
	}
	return packetsFiltered{Packets: f.dropped, By: f.desc}
}

// newPacketFilter builds the filter from live's configuration (the same
// flags, parsed by the same code); nil when no filter is asked for.
func newPacketFilter(cfg capture.LiveConfig, desc string) (*packetFilter, error) {
	f := &packetFilter{desc: desc}
	if cfg.Raw != nil {
		vm, err := newVM(cfg.Raw)
		if err != nil {
			return nil, usageErrorf("--bpf-raw: %v", err)
		}
		f.raw = vm
		return f, nil
	}
	if len(cfg.Filter.Nets) == 0 && len(cfg.Filter.Ports) == 0 {
		return nil, nil
	}
	for _, k := range []struct {
		kind capture.FrameKind
		vm   **bpf.VM
	}{{capture.FrameEthernet, &f.eth}, {capture.FrameIP, &f.ip}} {
		prog, err := cfg.Filter.Program(k.kind, capture.Loopback{})
		if err != nil {
			return nil, err
		}
		if *k.vm, err = newVM(prog); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func newVM(prog []bpf.RawInstruction) (*bpf.VM, error) {
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		return nil, fmt.Errorf("the program holds instructions the VM cannot run")
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		// x/net/bpf implements no kernel extension (ExtType, VLAN tag, ...):
		// a program that loads one cannot be run over a file.
		return nil, fmt.Errorf("cannot be run over a file: %v", err)
	}
	return vm, nil
}

// ipOffset is where the IP header starts in a frame of the link types
// whose header the built-in program does not read: live sees these frames
// from the IP header on (SOCK_DGRAM), so the same program runs from there.
func ipOffset(link layers.LinkType) (int, bool) {
	switch link {
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		return 0, true
	case layers.LinkTypeLinuxSLL:
		return 16, true
	case layers.LinkTypeLinuxSLL2:
		return 20, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return 4, true
	}
	return 0, false
}

// keep runs the filter over one frame and returns how many of its bytes
// to keep: 0 drops it; fewer than len(data) cut it, as the kernel does.
// Frames of a link type the built-in filter does not know are kept (the
// decoder counts them).
func (f *packetFilter) keep(data []byte, link layers.LinkType) int {
	var n int
	var err error
	switch {
	case f.raw != nil:
		n, err = f.raw.Run(data)
	case link == layers.LinkTypeEthernet:
		n, err = f.eth.Run(data)
	default:
		off, ok := ipOffset(link)
		if !ok {
			if off, ok = decode.PointToPointIPOffset(link, data); !ok {
				return len(data)
			}
			if off < 0 {
				return 0 // no IP in it: nothing a host or port filter keeps
			}
		}
		if len(data) < off {
			return 0
		}
		n, err = f.ip.Run(data[off:])
		if n > 0 {
			n += off
		}
	}
	if err != nil {
		return 0
	}
	return min(n, len(data))
}

// filteredSource passes on only the packets the filter keeps, and tells
// dec of every frame it leaves out, so that the packets it keeps are
// numbered as the file numbers them (what Wireshark shows), not as the
// filter left them.
type filteredSource struct {
	capture.Source
	f   *packetFilter
	dec *decode.Decoder
}

func (s *filteredSource) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	for {
		data, ci, link, err := s.Source.Next()
		if err != nil {
			return data, ci, link, err
		}
		n := s.f.keep(data, link)
		if n == 0 {
			s.f.dropped++
			s.dec.Skip()
			continue // bounded: each turn consumes a packet of the source
		}
		if n < len(data) {
			data, ci.CaptureLength = data[:n], n
		}
		return data, ci, link, nil
	}
}

// filterFact is the user's packet filter as the diagnosis is told of it
// (diagnose.PacketFilter: what it left out is no proof of a drop); the
// zero value when cfg asks for none (live's built-in filter keeps all TCP
// and the ICMP errors). desc names it.
func filterFact(cfg capture.LiveConfig, desc string) diagnose.PacketFilter {
	if cfg.Raw == nil && len(cfg.Filter.Nets) == 0 && len(cfg.Filter.Ports) == 0 {
		return diagnose.PacketFilter{}
	}
	return diagnose.PacketFilter{By: desc, Raw: cfg.Raw != nil, Nets: cfg.Filter.Nets, Ports: cfg.Filter.Ports}
}

// filterDesc names the packet filters, for the summary and the findings.
func filterDesc(o *liveOptions) string {
	var parts []string
	for _, h := range o.Hosts {
		parts = append(parts, "--host "+h)
	}
	for _, n := range o.Nets {
		parts = append(parts, "--net "+n)
	}
	if o.FilterPorts {
		parts = append(parts, "--filter-ports")
	}
	if o.BPFRaw != "" {
		parts = append(parts, "--bpf-raw")
	}
	return strings.Join(parts, " ")
}
