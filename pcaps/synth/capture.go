package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// epoch is the first timestamp of every capture, so re-running the generator
// reproduces the same bytes.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// defaultStep is how far the clock moves after each written packet.
const defaultStep = time.Millisecond

const snaplen = 262144

// fileFormat is the container a capture is written in.
type fileFormat int

const (
	formatPcap      fileFormat = iota // classic pcap, microsecond timestamps
	formatPcapNanos                   // classic pcap, nanosecond timestamps
	formatPcapng                      // pcapng, one IDB per link
)

type record struct {
	ts    time.Time
	iface int
	data  []byte
	// wire: the frame's length on the wire when the capture kept less of
	// it (snapCut); 0 when it kept it whole.
	wire int
}

// capture accumulates link-layer frames on a packet clock. Builders record the
// first error and keep going (like bufio.Writer), so scenario code stays
// linear; bytes reports it.
type capture struct {
	format fileFormat
	links  []*link
	now    time.Time
	step   time.Duration
	recs   []record
	ipid   map[netip.Addr]uint16
	err    error
	ttl    uint8 // the TTL of the packet being built (ipPacket); 0: 64
	// snapCut: the next frame written is kept without its last snapCut
	// bytes, as a snap length shorter than it cuts it (tcpdump -s); 0:
	// whole (conn.snapCutCmd).
	snapCut int
	// fwd: the capture is taken on a box that forwards the packets
	// (scenarios_boxdrop.go): each is written arriving and, unless the
	// box drops it, leaving. nil: written once, as built.
	fwd *forwarder
}

func newCapture(format fileFormat, links ...*link) *capture {
	return &capture{
		format: format,
		links:  links,
		now:    epoch,
		step:   defaultStep,
		ipid:   make(map[netip.Addr]uint16),
	}
}

// wait advances the clock without writing a packet.
func (c *capture) wait(d time.Duration) { c.now = c.now.Add(d) }

func (c *capture) fail(err error) {
	if c.err == nil && err != nil {
		c.err = err
	}
}

// nextID returns the next IPv4 identification for src. Each host starts at a
// value derived from its address, as a per-host counter would look.
func (c *capture) nextID(src netip.Addr) uint16 {
	id, ok := c.ipid[src]
	if !ok {
		id = uint16(hash32(src.String()))
	}
	c.ipid[src] = id + 1
	return id
}

// write frames an IP packet for interface iface and records it at the
// current time, then advances the clock by one step.
func (c *capture) write(iface int, src, dst netip.Addr, pkt []byte) {
	if c.err != nil {
		return
	}
	if iface < 0 || iface >= len(c.links) {
		c.fail(fmt.Errorf("interface %d not defined", iface))
		return
	}
	if c.fwd != nil {
		c.forward(src, dst, pkt)
		return
	}
	frame, err := c.links[iface].frame(src, dst, pkt)
	if err != nil {
		c.fail(err)
		return
	}
	wire := 0
	if c.snapCut > 0 && c.snapCut < len(frame) {
		wire, frame = len(frame), frame[:len(frame)-c.snapCut]
	}
	c.snapCut = 0
	c.recs = append(c.recs, record{ts: c.now, iface: iface, data: frame, wire: wire})
	c.now = c.now.Add(c.step)
}

// bytes serializes the capture in its file format.
func (c *capture) bytes() ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if len(c.links) == 0 {
		return nil, errors.New("capture has no link")
	}
	var buf bytes.Buffer
	switch c.format {
	case formatPcap, formatPcapNanos:
		if len(c.links) != 1 {
			return nil, errors.New("classic pcap holds exactly one link type")
		}
		w := pcapgo.NewWriter(&buf)
		if c.format == formatPcapNanos {
			w = pcapgo.NewWriterNanos(&buf)
		}
		if err := w.WriteFileHeader(snaplen, c.links[0].typ); err != nil {
			return nil, err
		}
		for _, r := range c.recs {
			if err := w.WritePacket(captureInfo(r), r.data); err != nil {
				return nil, err
			}
		}
	case formatPcapng:
		// Explicit section info: the defaults embed runtime.GOOS/GOARCH,
		// which would make the bytes depend on the generating machine.
		opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
			Hardware:    "synthetic",
			OS:          "Linux",
			Application: "ftpsniff pcaps/synth",
		}}
		w, err := pcapgo.NewNgWriterInterface(&buf, c.links[0].ngInterface(), opts)
		if err != nil {
			return nil, err
		}
		for _, l := range c.links[1:] {
			if _, err := w.AddInterface(l.ngInterface()); err != nil {
				return nil, err
			}
		}
		for _, r := range c.recs {
			ci := captureInfo(r)
			ci.InterfaceIndex = r.iface
			if err := w.WritePacket(ci, r.data); err != nil {
				return nil, err
			}
		}
		if err := w.Flush(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown file format %d", c.format)
	}
	return buf.Bytes(), nil
}

func captureInfo(r record) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: r.ts, CaptureLength: len(r.data), Length: max(r.wire, len(r.data))}
}

// truncateLastRecord cuts a classic pcap file in the middle of its last
// record, as a capture killed while writing leaves it.
func truncateLastRecord(file []byte, lastLen int) ([]byte, error) {
	rec := 16 + lastLen
	if len(file) < 24+rec {
		return nil, errors.New("file too short to truncate")
	}
	if got := int(binary.LittleEndian.Uint32(file[len(file)-rec+8:])); got != lastLen {
		return nil, fmt.Errorf("last record holds %d bytes, want %d", got, lastLen)
	}
	return file[:len(file)-rec/2], nil
}

func hash32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

var (
	errBadSplit         = errors.New("split offsets must increase within the payload")
	errBadFragmentOrder = errors.New("fragment order names a fragment that does not exist")
)
