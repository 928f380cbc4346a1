package decode

// Stats counts what the decoder saw and every limit it hit. Counters only
// grow; the caller reads them at the end or for a live status line.
type Stats struct {
	Packets       uint64 `json:"packets"`                // packets handed to Decode
	Bytes         uint64 `json:"bytes"`                  // their captured bytes
	TCP           uint64 `json:"tcp"`                    // TCP segments (after defragmentation)
	ICMPErrors    uint64 `json:"icmp_errors"`            // ICMP/ICMPv6 errors quoting TCP (unreachable, packet too big, time exceeded, parameter problem, other ICMPv6 error types)
	NotIP         uint64 `json:"not_ip"`                 // frames with no IPv4/IPv6 layer (ARP, LLDP, …)
	NotTCP        uint64 `json:"not_tcp"`                // IP packets that are neither TCP nor ICMP errors
	Malformed     uint64 `json:"malformed"`              // frames a layer decoder rejected
	Decapsulated  uint64 `json:"decapsulated,omitempty"` // frames read inside a tunnel (IP in IP, GRE, ERSPAN, VXLAN, GENEVE, MPLS, PPPoE); a packet rebuilt from fragments counts once
	Truncated     uint64 `json:"truncated"`              // frames cut short by the snap length
	UnknownLink   uint64 `json:"unknown_link"`           // frames of a link type ftpsniff does not decode
	Fragments     uint64 `json:"fragments"`              // IP fragments seen
	Defragmented  uint64 `json:"defragmented"`           // packets rebuilt from fragments
	FragmentsLost uint64 `json:"fragments_lost"`         // fragments that never made a packet: dropped as invalid or with their datagram (overlap, expiry, the bound, the capture's end); a repeat of bytes held is ignored, neither held nor lost
	// FragmentConflicts: fragments that carry some bytes of their
	// datagram differently from another fragment (overlapping fragments,
	// two versions: one forged), whether they came after it was rebuilt
	// or before: not lost; the datagram they make is decoded too, a
	// later copy of what it carries (fragoverlap.go).
	FragmentConflicts uint64 `json:"fragment_conflicts,omitempty"`
	FragmentsFull     uint64 `json:"fragments_full"` // times the fragment bounds (4,096 fragments, 32 MiB of their data) emptied the reassembly

	ControlConns     uint64 `json:"control_conns"`      // control connections opened
	ControlBytes     uint64 `json:"control_bytes"`      // control-stream bytes reassembled
	ControlGaps      uint64 `json:"control_gaps"`       // gaps in control streams
	ControlGapBytes  uint64 `json:"control_gap_bytes"`  // bytes those gaps covered (when known)
	LinesTruncated   uint64 `json:"lines_truncated"`    // over-long lines cut at the line bound
	Candidates       uint64 `json:"candidates"`         // non-standard-port connections checked for FTP by content
	CandidatesFull   uint64 `json:"candidates_full"`    // connections not checked for FTP by content because the candidates were at their bound, each counted once
	ControlConnsFull uint64 `json:"control_conns_full"` // control connections taken into the table while it was full, each evicting one (a connection forgotten and seen again, a SYN sent again after its eviction, counts again)

	// Counters added with the bounded connection table; absent from JSON
	// while zero.
	ControlEvicted uint64 `json:"sessions_evicted,omitempty"`       // of those evictions, sessions cut short ("evicted")
	SilentEvicted  uint64 `json:"silent_conns_evicted,omitempty"`   // of those evictions, connections that had carried no byte
	HeldOverflow   uint64 `json:"control_holes_given_up,omitempty"` // holes skipped early: out-of-order bytes past the buffering bound
	RSTOutOfWindow uint64 `json:"rst_out_of_window,omitempty"`      // RSTs on control connections outside the window: ignored
	SynAcksDropped uint64 `json:"syn_acks_dropped,omitempty"`       // SYN-ACKs on control connections of another incarnation or forged (another ISN once the start was settled, or acking no captured SYN): ignored
	FarAhead       uint64 `json:"segments_far_ahead,omitempty"`     // control segments more than 1 MiB beyond the stream, dropped
	Unacknowledged uint64 `json:"segments_unacked,omitempty"`       // held control segments dropped: the receiver acknowledged the stream that went on in their place, never them
	BeyondWindow   uint64 `json:"segments_beyond_window,omitempty"` // held control segments that start beyond the window the receiver advertised and that it never acknowledged, dropped (forged or stale)
	// SYNDataDropped: payloads of SYNs on control connections that their
	// receiver did not take (it acknowledged the SYN alone, the sender
	// sent the bytes again from the SYN's next sequence number, or
	// nothing showed either way): not stream data (TCP Fast Open without
	// acceptance, RFC 7413; or forged), dropped.
	SYNDataDropped   uint64 `json:"syn_data_dropped,omitempty"`
	CleartextAgain   uint64 `json:"cleartext_again,omitempty"`    // control connections that turned from TLS back to FTP text
	ControlStalls    uint64 `json:"control_stalls,omitempty"`     // control segments sent again and again, never acknowledged (stall.go)
	LineBytesDropped uint64 `json:"line_bytes_dropped,omitempty"` // bytes of over-long control lines past the line bound
	IdleResumed      uint64 `json:"idle_resumed,omitempty"`       // control connections closed as idle whose later bytes picked them up again, mid-stream
	// EvictedPickedUp: sessions evicted (ControlEvicted) whose later
	// bytes came when the table had room again: picked up mid-stream, as
	// a session of their own.
	EvictedPickedUp uint64 `json:"evicted_picked_up,omitempty"`
	// EvictedLateDropped: sessions evicted whose later bytes came while
	// the table was still full of live sessions: dropped (their commands
	// and replies are reported nowhere), each session counted once.
	EvictedLateDropped uint64 `json:"evicted_late_dropped,omitempty"`
	// ClosedLateBytes: control connections closed by a FIN or an RST
	// (or a SYN reusing their 4-tuple) whose segments carried bytes past
	// the close (beyond what was read of their side): not read, each
	// connection counted once; a close that was not the end, those bytes
	// reported nowhere. Bytes read before the close sent again (their
	// ACK lost) cost nothing and are not counted.
	ClosedLateBytes uint64 `json:"closed_late_bytes,omitempty"`
	// ClosedResumed: control connections closed by their FINs or by an
	// RST (held, hold.go) whose bytes later went on in sequence where
	// the stream stood at the close, from a side that shows the close
	// was not taken: forged or injected, or, an RST at its sender's own
	// TTL, lost on the way (ClosedResumedOwnTTL). Picked up again
	// mid-stream from there, as a session of their own (the RSTs counted
	// in RSTNotTaken too).
	ClosedResumed uint64 `json:"closed_resumed,omitempty"`
	// ClosedResumedOwnTTL: of ClosedResumed, those closed by an RST whose
	// TTL was its sender's own (not connHold.ttlOdd): the endpoint may
	// have sent it, and it was lost beyond the capture point before its
	// receiver got it (a client's abort the server never saw).
	ClosedResumedOwnTTL uint64 `json:"closed_resumed_own_ttl,omitempty"`
	// ResetSenderWentOn: control connections closed by an RST whose TTL
	// was unlike its sender's (a box between sent it in that side's
	// name) that its receiver took, while the side named, never reset,
	// went on sending where its stream stood (a server's reply to the
	// command the client was reset at) after the RST's hold was over (a
	// server's within it are shown in its session: afterreset.go), or a
	// client's bytes after one in its name held while a reply was owed
	// (hold_owed.go): picked up again mid-stream there, as a session of
	// its own, so that what it said is shown.
	ResetSenderWentOn uint64 `json:"reset_sender_went_on,omitempty"`
	// PickUpWaitsFull: control connections where the side an RST unlike
	// its own was sent in the name of talked on, picked up again by its
	// bytes after the RST closed the connection or the RST still held (a
	// command's reply owed: hold_owed.go; a server a box reset the client
	// in the name of: afterreset.go), and whose events passed the 8 kept
	// waiting for its peer to go on too (hold.go pickUpWaitsMax): shown
	// then, in place and unmarked, before the RST was shown not taken,
	// and neither in ClosedResumed nor in ResetSenderWentOn.
	PickUpWaitsFull uint64 `json:"pickup_waits_full,omitempty"`
	// FailedFromPort20: connects from port 20 to a control port that
	// failed (refused, unanswered, unreachable: what a session's Connect
	// would say), not shown as sessions: an active data connection to a
	// control port, or a scan from port 20 (connect.go ftpDataPort).
	FailedFromPort20 uint64 `json:"failed_from_port20,omitempty"`
	// RefusalsWithoutSYN: control connections whose only sign was an RST
	// (or several, counted once) from the control port refusing a SYN the
	// capture never held
	// (connectFailure): the backscatter of a SYN flood that spoofed
	// these addresses, or a SYN the capture lost. Not shown as sessions:
	// nothing says the client was here.
	RefusalsWithoutSYN uint64 `json:"refusals_without_syn,omitempty"`
	// ClientHelloOnControlPort: control connections (not on an
	// implicit-FTPS port) whose client spoke first, with a TLS
	// ClientHello, and whose server answered other than in clear FTP (or
	// not at all in the capture): implicit FTPS on a port not given with
	// --implicit-tls-port, or another protocol's TLS on a port given as
	// a control port. Read as text, its ciphertext lines not FTP. A
	// server that answered with a reply in clear (a scanner's ClientHello
	// before a plain server's 220) is not counted: no implicit FTPS.
	ClientHelloOnControlPort uint64 `json:"client_hello_on_control_port,omitempty"`
	ClockJumps               uint64 `json:"clock_jumps,omitempty"` // forward steps of packet time over a day within a file: the capture's clock set, not idle time
	// TombstonesForgotten: closed control connections whose tombstone
	// was overwritten within its TTL, the ring at its bound: their late
	// packets may start sessions of their own.
	TombstonesForgotten uint64 `json:"tombstones_forgotten,omitempty"`
	// IPBeyondFrame: frames whose IP header (or another layer's length)
	// says more bytes than the frame holds while the capture record holds
	// all of the frame (captured length = original length): truncated or
	// corrupted before the capture saw it, not cut by the snap length
	// (those are Truncated). The bytes missing count as lost.
	IPBeyondFrame uint64 `json:"ip_beyond_frame,omitempty"`
	// IPLengthZero: TCP segments whose IP length is 0 (a super-segment
	// of TCP segmentation offload or IPv6 BIG TCP, captured on the
	// sending host before the NIC cut it): their length is read from the
	// frame's original length, less its FCS; what the snap length cut of
	// it is Truncated. IPLengthStale: segments in a frame more than 1518
	// bytes long with at least 64 bytes past the IP length: segments large
	// receive offload merged under its first one's length, or a device's
	// trailer; read by the IP length (a trailer must not become payload),
	// so a merged frame's transfer reads short.
	// IPLengthZeroShort: IPv4 segments of length 0 in a frame of at most
	// 60 bytes, whose bytes past the TCP header may be Ethernet padding:
	// read with no payload.
	IPLengthZero      uint64 `json:"ip_length_zero,omitempty"`
	IPLengthStale     uint64 `json:"ip_length_stale,omitempty"`
	IPLengthZeroShort uint64 `json:"ip_length_zero_short,omitempty"`
	// TCPOptionsCut: TCP segments whose options the snap length cut,
	// read from their fixed header (a SYN's window scale taken as
	// unknown: the largest); counted among Truncated's frames too.
	TCPOptionsCut uint64 `json:"tcp_options_cut,omitempty"`
	// TunnelsNotFollowed: IP packets of a tunnel or encapsulation
	// ftpsniff does not follow (Decoder.LinkStats names their kinds);
	// counted among NotTCP or NotIP too.
	TunnelsNotFollowed uint64 `json:"tunnels_not_followed,omitempty"`
	// ControlBadChecksum: control segments dropped for a wrong TCP or
	// IPv4 header checksum, their direction's other segments right
	// (checksum.go): a right copy of their bytes followed, or, for an
	// RST, bytes went on after it (forged, or corrupted).
	ControlBadChecksum uint64 `json:"control_bad_checksum,omitempty"`
	// ControlConflicts: copies of control bytes already delivered that
	// differ from them (ControlConflict): two versions of one stretch of
	// a control stream, the first one taken.
	ControlConflicts uint64 `json:"control_conflicts,omitempty"`
	// ControlUnconfirmed: stretches of control bytes at a stream's end
	// past their receiver's last ACK, at whose first byte the sender's
	// FIN or RST then stood (ControlUnconfirmed): injected, not the
	// sender's, and taken back.
	ControlUnconfirmed uint64 `json:"control_unconfirmed,omitempty"`
	// RSTNotTaken: in-window RSTs on control connections after which the
	// connection's bytes went on in sequence: no endpoint took them.
	RSTNotTaken uint64 `json:"rst_not_taken,omitempty"`
	// RSTNotTakenTTL: of RSTNotTaken, those whose TTL (hop limit) class
	// was not one their sender's earlier segments came with: sent from
	// elsewhere on the path (injected), not by the endpoint.
	RSTNotTakenTTL uint64 `json:"rst_not_taken_ttl,omitempty"`
	// SynMidSession: SYNs with another ISN on an established control
	// connection that no SYN-ACK answered: no new connection (RFC 5961
	// 4), ignored.
	SynMidSession uint64 `json:"syn_mid_session,omitempty"`
	// ClockOutliers: packets whose time stepped more than 30 s ahead of
	// the packets before them while the next packet came back before it:
	// one packet's time, which the decoder's clocks did not take.
	ClockOutliers uint64 `json:"clock_outliers,omitempty"`
	// ClockStepsBack: packets more than a second before the decoder's
	// clock that it followed as the capture's clock set back (packet.go
	// stepBack; not two clocks interleaved): stamps across one are no
	// measure of time, and the time across it is not known.
	ClockStepsBack uint64 `json:"clock_steps_back,omitempty"`
	// TimeOutOfRange: packets stamped before year 1 or from 2262 on
	// (packet.go saneTime: a pcapng interface's offset or resolution
	// gone wrong), not decoded: no time of theirs can be measured
	// against another's or written as RFC 3339.
	TimeOutOfRange uint64 `json:"time_out_of_range,omitempty"`
	// ClockSetLive: forward steps of the host's wall clock during a live
	// capture, over 30 s, that its steady clock showed were no time
	// passing (Options.SteadyClock): the idle clock and the tracker's
	// waits leave them out, as a step of more than a day in a file.
	ClockSetLive uint64 `json:"clock_set_live,omitempty"`
	// EarlyICMPOverwritten: ICMP errors quoting a SYN to a control port
	// that no connection had sent, held for that SYN (written after its
	// answer), pushed out of their bound (8) by newer ones within the
	// wait: their SYN's session, if it came, is not said unreachable.
	EarlyICMPOverwritten uint64 `json:"early_icmp_overwritten,omitempty"`
}
