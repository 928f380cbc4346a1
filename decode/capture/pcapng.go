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
	// decodedLinks: packets of a link type decoded (LinkTypeDecoded),
	// counted up to the first; until then otherLink is the first
	// packet's link type, and otherLinks tells that others came.
	decodedLinks int
	otherLink    layers.LinkType
	otherLinks   bool
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
			if s.packets > 0 && s.decodedLinks == 0 {
				// Not one packet could be read: say so, naming the
				// file, as for a pcap file of such a link type.
				s.err = linkNotDecodedError(s.name, s.packets, s.otherLink, s.otherLinks)
			}
			return nil, gopacket.CaptureInfo{}, 0, s.err
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
	} else if ci.CaptureLength < ci.Length {
		s.stats.snapCut(ci.CaptureLength)
	}
	switch {
	case s.decodedLinks > 0:
	case LinkTypeDecoded(link):
		s.decodedLinks++
	case s.packets == 0:
		s.otherLink = link
	case link != s.otherLink:
		s.otherLinks = true
	}
	s.packets++
	if s.frame.fcsSeen && link == layers.LinkTypeEthernet && ci.InterfaceIndex < s.r.NInterfaces() {
		if in, err := s.r.Interface(ci.InterfaceIndex); err == nil && len(in.OS) == 1 {
			data = stripFCS(data, &ci, fcsBytes(in.OS[0]))
		}
	}
	return data, ci, link, nil
}

// fcsBytes reads an if_fcslen: the draft says bits, and some writers put
// bytes; an Ethernet FCS is 2 or 4 bytes, 16 or 32 bits, so the value
// tells which. Any other value is no FCS length (0).
func fcsBytes(v byte) int {
	switch v {
	case 2, 4:
		return int(v)
	case 16, 32:
		return int(v) / 8
	}
	return 0
}
