package nfhelper

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Dir is a direction of the control connection, in conntrack's terms.
type Dir uint8

const (
	// ClientToServer is IP_CT_DIR_ORIGINAL: the direction of the SYN that
	// opened the control connection. The helper looks for PORT and EPRT here.
	ClientToServer Dir = 0
	// ServerToClient is IP_CT_DIR_REPLY. The helper looks for "227 " and
	// "229 " here.
	ServerToClient Dir = 1
)

func (d Dir) String() string {
	switch d {
	case ClientToServer:
		return "client->server"
	case ServerToClient:
		return "server->client"
	}
	return "dir(" + strconv.Itoa(int(d)) + ")"
}

// Family is an address family: 4 or 6.
type Family uint8

const (
	IPv4 Family = 4
	IPv6 Family = 6
)

// Kind names what the helper recognises (nf_ct_ftp_type), plus the two
// RFC 1639 forms it never looks for.
type Kind uint8

const (
	KindNone Kind = iota
	KindPORT      // NF_CT_FTP_PORT: "PORT h1,h2,h3,h4,p1,p2" from the client
	KindPASV      // NF_CT_FTP_PASV: "227 " reply from the server
	KindEPRT      // NF_CT_FTP_EPRT: "EPRT |af|addr|port|" from the client
	KindEPSV      // NF_CT_FTP_EPSV: "229 " reply from the server
	KindLPRT      // RFC 1639 LPRT: ignored by the helper
	KindLPSV      // RFC 1639 "228 " reply: ignored by the helper
)

var kindNames = [...]string{"none", "PORT", "227", "EPRT", "229", "LPRT", "228"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Pattern returns the literal the kernel's search table compares against
// ("PORT", "EPRT", "227 ", "229 "), or "" for kinds the helper ignores.
func (k Kind) Pattern() string {
	switch k {
	case KindPORT, KindPASV, KindEPRT, KindEPSV:
		return search[dirOfKind(k)][idxOfKind(k)].text
	}
	return ""
}

// Action is what help() in nf_conntrack_ftp.c did with one segment.
type Action uint8

const (
	// NoPayload: the segment carries no data; help() returns before looking.
	NoPayload Action = iota
	// NotAtLineStart: the segment's sequence number is not one of the (at
	// most two) remembered "sequence after a newline" values, so
	// find_pattern never runs. The first payload segment of each direction
	// always lands here.
	NotAtLineStart
	// NoPattern: searched, but the segment does not begin with the
	// direction's patterns. Accepted.
	NoPattern
	// PartialDrop: the segment begins with (a prefix of) a pattern but the
	// kernel's parser failed. The packet is DROPPED (NF_DROP) and the
	// sender must retransmit.
	PartialDrop
	// NotRecorded: parsed, but the announced address is not the sender's
	// address as conntrack sees it and loose=0. Accepted, no expectation.
	NotRecorded
	// Expected: an expectation was created (and, on a NATed connection with
	// nf_nat_ftp, the text was rewritten).
	Expected
	// CutUnknown: the segment begins with (a prefix of) a pattern and the
	// parser ran into the end of what was fed, but the segment went on
	// (Segment.Cut > 0): the router saw the rest, which decides between a
	// match and a drop. Nothing is expected; the segment is assumed to
	// end a line, like any cut segment.
	CutUnknown
)

var actionNames = [...]string{"no-payload", "not-at-line-start", "no-pattern", "partial-drop", "not-recorded", "expected", "cut-unknown"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// Partial says which step of find_pattern failed for a PartialDrop.
type Partial uint8

const (
	PartialNone   Partial = iota
	PartialShort          // the whole segment is a prefix of the pattern ("22", "PO")
	PartialNoSkip         // the pattern matched but its skip character (' ' or '(') never came
	PartialParse          // the number parser (try_rfc959/try_rfc1123/try_eprt/try_epsv_response) returned 0
)

var partialNames = [...]string{"", "segment shorter than the pattern", "no skip character after the pattern", "numbers did not parse"}

func (p Partial) String() string {
	if int(p) < len(partialNames) {
		return partialNames[p]
	}
	return "partial(" + strconv.Itoa(int(p)) + ")"
}

// MissReason says why a line that an FTP parser sees was not acted on.
type MissReason uint8

const (
	MissNone MissReason = iota
	// MissMidSegment: the line starts after a newline inside the segment;
	// the helper only looks at the first bytes of a segment.
	MissMidSegment
	// MissFirstSegment: the line starts the first payload segment in its
	// direction; the helper has no remembered line start yet.
	MissFirstSegment
	// MissNotAfterNewline: the line starts the segment, but the segment
	// does not begin at a remembered "after newline" sequence number (the
	// previous segment did not end in '\n', or tracking was lost after
	// reordering or a rewrite of segment boundaries).
	MissNotAfterNewline
	// MissUnsupported: LPRT or a 228 reply; the helper has no pattern for
	// them anywhere.
	MissUnsupported
)

var missNames = [...]string{"", "not at the start of its segment", "first segment in its direction", "segment does not start after a remembered newline", "the helper has no pattern for it"}

func (m MissReason) String() string {
	if int(m) < len(missNames) {
		return missNames[m]
	}
	return "miss(" + strconv.Itoa(int(m)) + ")"
}

// Missed is one announcement line in a segment that the helper did not act
// on, found by scanning the segment's own line starts.
type Missed struct {
	Off  int // offset of the line start in the segment payload
	Kind Kind
	Why  MissReason
}

// Kernel selects parser details that changed between kernel versions.
type Kernel uint8

const (
	// KernelMainline: try_number keeps u32 values without a range check
	// and get_port accumulates in a u16 that wraps ("PORT
	// 10,0,1,2,256,22" gives port 22; EPRT port 70000 gives 4464). This is
	// every released kernel whose source was read (see docs).
	KernelMainline Kernel = iota
	// KernelRangeChecked: the net-next change "netfilter:
	// nf_conntrack_ftp: avoid u16 overflows" (May 2026): a number above
	// 255 or a port above 65535 makes the parser fail, which find_pattern
	// turns into a partial match (the packet is dropped).
	KernelRangeChecked
)

func (k Kernel) String() string {
	switch k {
	case KernelMainline:
		return "mainline"
	case KernelRangeChecked:
		return "range-checked"
	}
	return "kernel(" + strconv.Itoa(int(k)) + ")"
}

// MaxPorts is MAX_PORTS in nf_conntrack_ftp.c: the ports= parameter takes
// at most 8 control ports.
const MaxPorts = 8

// DefaultPort is FTP_PORT, used when ports= is not given.
const DefaultPort = 21

// ExpectTimeout is ftp_exp_policy.timeout (5 * 60 seconds).
const ExpectTimeout = 5 * 60 * time.Second

// NumSeqToRemember is NUM_SEQ_TO_REMEMBER: line starts kept per direction.
const NumSeqToRemember = 2

// MaxMissed bounds Result.Missed; further misses are counted in
// Result.MissedDropped and Stats.MissedDropped.
const MaxMissed = 4

// Config holds the module parameters and kernel variant to simulate. The
// zero value is a default setup: loose=0, nf_nat_ftp loaded, ports=21,
// mainline parsers.
type Config struct {
	// Loose is the nf_conntrack_ftp "loose" parameter
	// (/sys/module/nf_conntrack_ftp/parameters/loose). When true an
	// announced address that differs from the sender's is trusted.
	Loose bool
	// NoNATHelper: nf_nat_ftp is not loaded, so a NATed connection gets
	// expectations but its PORT/227/EPRT/229 text is never rewritten.
	NoNATHelper bool
	// Kernel selects the parser variant.
	Kernel Kernel
	// PickUp makes the first payload segment of each direction count as a
	// line start, as NF_CT_FTP_SEQ_PICKUP does for a conntrack injected by
	// conntrackd. Use it when the capture started mid-connection and the
	// kernel's earlier state is unknown.
	PickUp bool
	// Ports is the nf_conntrack_ftp "ports" parameter; zero entries are
	// unused and no entry at all means 21. It only decides which server
	// ports get the helper by automatic assignment (Attaches); a CT or
	// "ct helper set" rule attaches it whatever the port.
	Ports [MaxPorts]uint16
}

// Sentinel errors.
var (
	ErrConn   = errors.New("nfhelper: client and server must be valid addresses of one family")
	ErrNAT    = errors.New("nfhelper: a NAT address must be of the connection's family")
	ErrPorts  = errors.New("nfhelper: ports= takes at most 8 ports")
	ErrPort   = errors.New("nfhelper: not a port number")
	ErrKernel = errors.New("nfhelper: unknown kernel variant")
)

// ParsePorts reads a ports= value such as "21,2121".
func ParsePorts(s string) ([MaxPorts]uint16, error) {
	var out [MaxPorts]uint16
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	n := 0
	for f := range strings.SplitSeq(s, ",") {
		if n == MaxPorts {
			return out, ErrPorts
		}
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 16)
		if err != nil || v == 0 {
			return out, ErrPort
		}
		out[n] = uint16(v)
		n++
	}
	return out, nil
}

// Attaches reports whether automatic helper assignment would give a
// control connection to serverPort the ftp helper (the helper is
// registered for each ports= entry, default 21). Automatic assignment is
// off by default since Linux 4.7 and removed in 6.0; with explicit rules
// the port list does not matter.
func (c Config) Attaches(serverPort uint16) bool {
	set := false
	for _, p := range c.Ports {
		if p == 0 {
			continue
		}
		set = true
		if p == serverPort {
			return true
		}
	}
	return !set && serverPort == DefaultPort
}

// Conn is the control connection as the router's conntrack sees it.
type Conn struct {
	// Client is the client's address and port in the packets that reach
	// the router (source of the ORIGINAL tuple).
	Client netip.AddrPort
	// Server is the address the client sends to (destination of the
	// ORIGINAL tuple): the public address in front of a DNAT.
	Server netip.AddrPort
	// ClientAs is the client's address as the server sees it after SNAT or
	// masquerade (destination of the REPLY tuple). Zero means not
	// translated.
	ClientAs netip.AddrPort
	// ServerAt is the server's real address after DNAT (source of the
	// REPLY tuple). Zero means not translated.
	ServerAt netip.AddrPort
}

// Segment is one TCP segment of the control connection, in the order the
// router received it, retransmissions included.
type Segment struct {
	Dir     Dir
	Seq     uint32 // TCP sequence number as received (before any seqadj)
	Payload []byte
	Time    time.Time // starts the expectation timer; zero means no timer
	// Cut is how many payload bytes after Payload the capture did not
	// keep (a snap length): the router saw them, the caller did not.
	// Whether the segment ended a line is then unknown: Feed assumes it
	// did (the next segment is searched) and sets Result.Cut.
	Cut int
}

// DataSYN is the first packet of a data connection as the router receives
// it (before NAT).
type DataSYN struct {
	Proto uint8 // IP protocol number; the helper only expects TCP (6)
	Src   netip.AddrPort
	Dst   netip.AddrPort
	Time  time.Time
}

// ProtoTCP is IPPROTO_TCP.
const ProtoTCP = 6
