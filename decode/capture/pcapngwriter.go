package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// PcapngWriter saves live packets as pcapng, one interface description per
// capture socket, so the evidence can be read again with `ftpsniff read`
// (or Wireshark) with its link types and interface names.
type PcapngWriter struct {
	w      *pcapgo.NgWriter
	raw    io.Writer // under w's buffer: WriteStats writes its blocks itself
	closer io.Closer
	n      int // interfaces described
	err    error
}

// NewPcapngWriter writes the section header and one interface block per
// entry of ifaces to w. If w is an io.Closer, Close closes it.
func NewPcapngWriter(w io.Writer, ifaces []Interface) (*PcapngWriter, error) {
	if len(ifaces) == 0 {
		return nil, errors.New("pcapng: no interfaces")
	}
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "ftpsniff live",
	}}
	first := pcapgo.NgInterface{Name: ifaces[0].Name, OS: runtime.GOOS, LinkType: ifaces[0].Link}
	ng, err := pcapgo.NewNgWriterInterface(w, first, opts)
	if err != nil {
		return nil, fmt.Errorf("pcapng: %w", err)
	}
	for _, ifc := range ifaces[1:] {
		if _, err := ng.AddInterface(pcapgo.NgInterface{Name: ifc.Name, OS: runtime.GOOS, LinkType: ifc.Link}); err != nil {
			return nil, fmt.Errorf("pcapng: %w", err)
		}
	}
	p := &PcapngWriter{w: ng, raw: w, n: len(ifaces)}
	if c, ok := w.(io.Closer); ok {
		p.closer = c
	}
	return p, nil
}

// WritePacket saves one packet captured on interface iface (an index into
// the list given to NewPcapngWriter). The first error sticks: later calls
// return it without writing.
func (p *PcapngWriter) WritePacket(iface int, data []byte, ci gopacket.CaptureInfo) error {
	if p.err != nil {
		return p.err
	}
	if iface < 0 || iface >= p.n {
		return fmt.Errorf("pcapng: interface %d of %d", iface, p.n)
	}
	ci.InterfaceIndex = iface
	ci.CaptureLength = len(data)
	if ci.Length < len(data) {
		ci.Length = len(data)
	}
	ci.AncillaryData = nil
	if err := p.w.WritePacket(ci, data); err != nil {
		p.err = fmt.Errorf("pcapng: %w", err)
	}
	return p.err
}

// Flush writes out what is buffered, so that a reader of the file sees
// every packet written so far.
func (p *PcapngWriter) Flush() error {
	if p.err != nil {
		return p.err
	}
	if err := p.w.Flush(); err != nil {
		p.err = fmt.Errorf("pcapng: %w", err)
	}
	return p.err
}

// Close flushes and closes the underlying file.
func (p *PcapngWriter) Close() error {
	err := p.Flush()
	if p.closer != nil {
		if cerr := p.closer.Close(); err == nil {
			err = cerr
		}
		p.closer = nil
	}
	return err
}

// WriteStats records the kernel's counters per interface (an interface
// statistics block each), as tcpdump and dumpcap do at the end of a
// capture. stats must be in the order of the interfaces.
//
// The socket's counters are the pcapng options of what a capture system
// counts (draft-ietf-opsawg-pcapng): Received, the packets the filter
// accepted, is isb_filteraccept, and Drops, those the ring had no room
// for, isb_osdrop. isb_ifrecv and isb_ifdrop, the interface's own counts
// before any filter, are not known and not written (gopacket's
// WriteInterfaceStats writes only those two, so the block is written
// here). isb_starttime and isb_endtime are start and end, in the
// interfaces' nanoseconds (if_tsresol 9, as NgWriter describes them).
func (p *PcapngWriter) WriteStats(stats []IfaceStats, start, end time.Time) error {
	if p.err != nil {
		return p.err
	}
	// The blocks go to the file after what NgWriter buffers.
	if err := p.w.Flush(); err != nil {
		p.err = fmt.Errorf("pcapng: %w", err)
		return p.err
	}
	for i, st := range stats {
		if i >= p.n {
			break
		}
		if _, err := p.raw.Write(isbBlock(uint32(i), st, start, end)); err != nil {
			p.err = fmt.Errorf("pcapng: %w", err)
			return p.err
		}
	}
	return nil
}

// The interface statistics block and the options WriteStats writes.
const (
	isbBlockType    = 5
	isbStartTime    = 2
	isbEndTime      = 3
	isbFilterAccept = 6
	isbOSDrop       = 7
	isbMaxLen       = 24 + 4*12 + 4 // fixed part and trailer, 4 options of 8 bytes, end of options
)

// isbBlock encodes the statistics block of interface iface, little-endian
// as NgWriter writes the section: its time stamp is end (the last update).
func isbBlock(iface uint32, st IfaceStats, start, end time.Time) []byte {
	b := make([]byte, 0, isbMaxLen)
	le := binary.LittleEndian
	ts := func(b []byte, t time.Time) []byte {
		n := uint64(t.UnixNano())
		return le.AppendUint32(le.AppendUint32(b, uint32(n>>32)), uint32(n))
	}
	opt := func(b []byte, code uint16) []byte {
		return le.AppendUint16(le.AppendUint16(b, code), 8)
	}
	b = le.AppendUint32(b, isbBlockType)
	b = le.AppendUint32(b, 0) // the length, set below
	b = le.AppendUint32(b, iface)
	if end.IsZero() {
		b = le.AppendUint64(b, 0) // (not the Unix time of year 1)
	} else {
		b = ts(b, end)
	}
	if !start.IsZero() {
		b = ts(opt(b, isbStartTime), start)
	}
	if !end.IsZero() {
		b = ts(opt(b, isbEndTime), end)
	}
	b = le.AppendUint64(opt(b, isbFilterAccept), st.Received)
	b = le.AppendUint64(opt(b, isbOSDrop), st.Drops)
	b = le.AppendUint32(b, 0) // opt_endofopt
	n := uint32(len(b) + 4)
	le.PutUint32(b[4:], n)
	return le.AppendUint32(b, n)
}
