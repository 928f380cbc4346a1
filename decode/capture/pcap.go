package capture

import (
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapSource reads classic pcap: one link type for the whole file.
type pcapSource struct {
	*input
	r    *pcapgo.Reader
	link layers.LinkType
	// snaplen is the header's; 0 (some writers' "unknown") counts no
	// record as longer.
	snaplen int
}

func (s *pcapSource) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if s.err != nil {
		return nil, gopacket.CaptureInfo{}, 0, s.err
	}
	data, ci, err := s.r.ZeroCopyReadPacketData()
	if err != nil {
		// pcapgo returns a bare io.EOF both when the file ends between
		// records and when it ends right after a record header; only a
		// header that was read (a non-zero capture length) tells them apart.
		if err == io.EOF && ci.CaptureLength == 0 && s.raw.err == nil && (s.gz == nil || s.gz.err == nil) {
			s.err = io.EOF
			return nil, gopacket.CaptureInfo{}, 0, io.EOF
		}
		return nil, gopacket.CaptureInfo{}, 0, s.fail(err)
	}
	if s.snaplen != 0 && ci.CaptureLength > s.snaplen {
		s.stats.OverSnaplen++
	}
	s.packets++
	return data, ci, s.link, nil
}
