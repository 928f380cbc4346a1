package capture

import (
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ngSource reads pcapng, where each packet names the interface it came on
// and interfaces may differ in link type.
type ngSource struct {
	*input
	r     *pcapgo.NgReader
	frame *ngFrame
}

func (s *ngSource) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if s.err != nil {
		return nil, gopacket.CaptureInfo{}, 0, s.err
	}
	data, ci, err := s.r.ZeroCopyReadPacketData()
	if err != nil {
		if s.frame.err != nil {
			s.err = readError(s.name, s.packets, ErrCorrupt, s.frame.err.Error(), s.frame.err)
			return nil, gopacket.CaptureInfo{}, 0, s.err
		}
		// pcapgo returns io.EOF only at a block boundary; a block cut
		// anywhere inside comes back as io.ErrUnexpectedEOF.
		if err == io.EOF && s.raw.err == nil && (s.gz == nil || s.gz.err == nil) {
			s.err = io.EOF
			return nil, gopacket.CaptureInfo{}, 0, io.EOF
		}
		if s.frame.atBoundary() && s.endTrailing() != nil {
			return nil, gopacket.CaptureInfo{}, 0, s.err
		}
		return nil, gopacket.CaptureInfo{}, 0, s.fail(err)
	}
	// With WantMixedLinkType pcapgo puts the link type of the packet's
	// interface in AncillaryData[0]; the slice is its own, reused per call.
	var link layers.LinkType
	if len(ci.AncillaryData) > 0 {
		link, _ = ci.AncillaryData[0].(layers.LinkType)
	}
	if ci.CaptureLength > ci.Length {
		s.stats.OverLength++
	}
	s.packets++
	return data, ci, link, nil
}
