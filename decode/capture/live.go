package capture

import (
	"errors"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// The live-capture API, the same on every system; live_linux.go
// implements it with AF_PACKET, live_other.go says it is not available.

// LiveConfig says what to capture.
type LiveConfig struct {
	// Interfaces to capture on; "any" (alone) means every interface,
	// through one socket that sees packets without their link header.
	Interfaces []string
	// Filter narrows the kernel filter; ignored when Raw is set.
	Filter Filter
	// Raw is a user's program (ParseRaw) to use instead of Filter. The
	// loopback de-duplication is still put in front of it.
	Raw []bpf.RawInstruction
	// Promisc puts named interfaces (not "any", not loopback) in
	// promiscuous mode for as long as the socket is open.
	Promisc bool
	// BufferBytes is the ring size per socket; 0 means DefaultBuffer.
	BufferBytes int
	// PollTimeout bounds how long Run waits without packets before it
	// calls idle and looks at its context; 0 means 200 ms.
	PollTimeout time.Duration
	// BlockTimeout is how long the kernel keeps a partly filled ring block
	// before handing it over: the latency at low packet rates. 0 means
	// 50 ms.
	BlockTimeout time.Duration
	// Workers is how many sockets each interface gets, joined in one
	// PACKET_FANOUT group whose program (FanoutProgram) sends all packets
	// between two addresses to the same one; Live.RunWorker reads one
	// worker's sockets. 0 or 1: one socket per interface, no fanout. The
	// ring (BufferBytes) is per socket.
	Workers int
	// Notify receives one line (without a newline) when an interface
	// goes down, is down at the start, or comes up again: the capture
	// waits for a down interface and ends only when it is deleted. nil
	// writes "ftpsniff: LINE" to standard error.
	Notify func(line string)
}

// MaxWorkers bounds LiveConfig.Workers (the kernel's PACKET_FANOUT_MAX is
// 256 sockets per group; more workers than cores only add rings).
const MaxWorkers = 64

// DefaultBuffer is the ring size per socket: 128 blocks of 512 KiB, as
// afpacket's defaults. Blocks can hold GRO/GSO super-packets (up to about
// 64 KiB), which a frame-sized TPACKET_V1/V2 slot would truncate.
const DefaultBuffer = 64 << 20

// AnyInterface is the name that captures on every interface.
const AnyInterface = "any"

// Interface is one socket's view: what it is bound to and how its packets
// start.
type Interface struct {
	Name  string          // "any" or the interface name
	Index int             // kernel ifindex; 0 for "any"
	Link  layers.LinkType // what packets from it start with
	Kind  FrameKind
	// Worker is the worker the socket belongs to (always 0 with one).
	Worker int
}

// IfaceStats are the kernel's counters for one socket since its real
// filter was attached.
type IfaceStats struct {
	Name   string
	Worker int // the socket's worker, as in Interface
	// Received counts packets the filter accepted, including Drops (as
	// libpcap's ps_recv).
	Received uint64
	// Drops counts accepted packets the ring had no room for.
	Drops uint64
	// QueueFreezes counts times the ring was full.
	QueueFreezes uint64
	// Discarded counts packets read from the ring after the capture was
	// asked to stop and not delivered: the packet callback had asked to
	// stop (-c, a write error), or the drain ran out of time. At the end,
	// Received is the packets delivered plus Discarded plus Drops (plus,
	// should the drain's time bound pass, what it left in the ring).
	Discarded uint64
}

// PacketFunc receives one packet. data is valid only during the call. iface
// indexes Interfaces(). Returning true stops Run.
type PacketFunc func(data []byte, ci gopacket.CaptureInfo, link layers.LinkType, iface int) (stop bool)

// IdleFunc is called with the wall-clock time when no packet came for a
// poll timeout (and, with several interfaces, once per poll timeout), so
// that waits measured in packet time can end on a quiet network. Packet
// timestamps come from the same clock (CLOCK_REALTIME).
type IdleFunc func(now time.Time)

var (
	// ErrPermission: the process may not open packet sockets.
	ErrPermission = errors.New("live capture needs CAP_NET_RAW: run as root, or give the binary the capabilities with `sudo setcap cap_net_raw,cap_net_admin+eip ftpsniff`")
	// ErrNoInterface: an interface named does not exist.
	ErrNoInterface = errors.New("no such interface")
	// ErrLiveUnsupported: live capture is not available on this system.
	ErrLiveUnsupported = errors.New("live capture needs Linux (AF_PACKET)")
)
