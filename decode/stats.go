package decode

// Stats counts what the decoder saw and every limit it hit. Counters only
// grow; the caller reads them at the end or for a live status line.
type Stats struct {
	Packets       uint64 // packets handed to Decode
	Bytes         uint64 // their captured bytes
	TCP           uint64 // TCP segments (after defragmentation)
	ICMPErrors    uint64 // ICMP/ICMPv6 unreachables quoting TCP
	NotIP         uint64 // frames with no IPv4/IPv6 layer (ARP, LLDP, …)
	NotTCP        uint64 // IP packets that are neither TCP nor ICMP errors
	Malformed     uint64 // frames a layer decoder rejected
	Truncated     uint64 // frames cut short by the snap length
	UnknownLink   uint64 // frames of a link type ftpsniff does not decode
	Fragments     uint64 // IP fragments seen
	Defragmented  uint64 // packets rebuilt from fragments
	FragmentsLost uint64 // fragments dropped as invalid or expired

	ControlConns     uint64 // control connections opened
	ControlBytes     uint64 // control-stream bytes reassembled
	ControlGaps      uint64 // gaps in control streams
	ControlGapBytes  uint64 // bytes those gaps covered (when known)
	LinesTruncated   uint64 // over-long lines cut at the line bound
	Candidates       uint64 // non-standard-port connections checked for FTP by content
	CandidatesFull   uint64 // candidates not checked because the table was full
	ControlConnsFull uint64 // control connections not followed because the table was full
}
