package capture

// Stats counts what a file source met and read past: limits it hit
// without stopping, and oddities of the file that did not stop it either.
// A limit that stops reading is reported by the error instead. The fields
// are JSON-tagged for the summary.
type Stats struct {
	// Sections counts pcapng section headers (0 for pcap). A file that
	// repeats them is read on: each starts a new interface table.
	Sections uint64 `json:"sections"`
	// JoinedFiles counts pcap file headers met at a record boundary:
	// files joined end to end (cat a.pcap b.pcap, rotated files piped
	// into read -), each read on with its own link type, snap length and
	// time resolution.
	JoinedFiles uint64 `json:"joined_files,omitempty"`
	// InterfacesIgnored counts pcapng interface descriptions beyond
	// maxInterfaces (4,096) in one section.
	InterfacesIgnored uint64 `json:"interfaces_ignored"`
	// PacketsIgnored counts packets skipped because they name one of the
	// ignored interfaces.
	PacketsIgnored uint64 `json:"packets_ignored"`
	// OverSnaplen counts pcap records longer than the file's snap length,
	// read anyway (as tcpdump and Wireshark do) up to the 256 KiB bound.
	OverSnaplen uint64 `json:"over_snaplen"`
	// OverLength counts packets (pcap records or pcapng packets) whose
	// captured length exceeds their original length; they are passed on
	// as they are, as Wireshark reads them.
	OverLength uint64 `json:"over_length"`
	// InterfaceDropped and OSDropped are the packets the capture's own
	// statistics (pcapng interface statistics blocks: isb_ifdrop,
	// isb_osdrop) say the interface and the operating system dropped:
	// per interface its last block's count, summed over interfaces,
	// sections and files. They explain gaps in what was captured.
	InterfaceDropped uint64 `json:"interface_dropped,omitempty"`
	OSDropped        uint64 `json:"os_dropped,omitempty"`
	// SnapCut is the longest captured length of a packet the capture
	// cut (its captured length below its original length), over every
	// file: the snap length it was taken with, for the summary to say
	// when that is shorter than the headers. A snap length is no
	// oddity: Any leaves it out, and JSON has the decoder's count of
	// frames cut (truncated).
	SnapCut int `json:"-"`
	// NoTimestamp counts packets the file gives no time (pcapng simple
	// packet blocks): they read as 0001-01-01, every gap between them
	// zero.
	NoTimestamp uint64 `json:"no_timestamp,omitempty"`
}

// snapCut records n, the captured length of a packet the capture cut.
func (s *Stats) snapCut(n int) {
	s.SnapCut = max(s.SnapCut, n)
}

// StatsOf returns the counters of a source from Open or OpenReader, also
// through Prefetch; other sources have none. Call it when Next has
// returned io.EOF or an error, or after Close: Prefetch's reading
// goroutine updates them until then.
func StatsOf(s Source) Stats {
	switch s := s.(type) {
	case *pcapSource:
		return s.stats
	case *blockPcap:
		return s.stats
	case *ngSource:
		return s.stats
	case *prefetch:
		return StatsOf(s.src)
	}
	return Stats{}
}

// Add adds the counters of o (another file of the same capture).
func (s *Stats) Add(o Stats) {
	s.Sections += o.Sections
	s.JoinedFiles += o.JoinedFiles
	s.InterfacesIgnored += o.InterfacesIgnored
	s.PacketsIgnored += o.PacketsIgnored
	s.OverSnaplen += o.OverSnaplen
	s.OverLength += o.OverLength
	s.InterfaceDropped += o.InterfaceDropped
	s.OSDropped += o.OSDropped
	s.NoTimestamp += o.NoTimestamp
	s.snapCut(o.SnapCut)
}

// Any tells whether a counter is not zero other than Sections, so that
// output can leave a clean file's line out.
func (s Stats) Any() bool {
	return s.JoinedFiles|s.InterfacesIgnored|s.PacketsIgnored|s.OverSnaplen|s.OverLength|s.InterfaceDropped|s.OSDropped|s.NoTimestamp != 0
}
