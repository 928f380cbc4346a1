package capture

import (
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
	p := &PcapngWriter{w: ng, n: len(ifaces)}
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
func (p *PcapngWriter) WriteStats(stats []IfaceStats, start, end time.Time) error {
	if p.err != nil {
		return p.err
	}
	for i, st := range stats {
		if i >= p.n {
			break
		}
		isb := pcapgo.NgInterfaceStatistics{
			LastUpdate: end, StartTime: start, EndTime: end,
			PacketsReceived: st.Received, PacketsDropped: st.Drops,
		}
		if err := p.w.WriteInterfaceStats(i, isb); err != nil {
			p.err = fmt.Errorf("pcapng: %w", err)
			return p.err
		}
	}
	return nil
}
