//go:build !linux

package capture

import (
	"context"
	"errors"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Live capture uses AF_PACKET sockets, which only Linux has. This file
// keeps the API so that the command builds everywhere and says so.

// Live is not available on this system.
type Live struct{}

// LiveConfig says what to capture (see live_linux.go).
type LiveConfig struct {
	Interfaces   []string
	Filter       Filter
	Raw          []bpf.RawInstruction
	Promisc      bool
	BufferBytes  int
	PollTimeout  time.Duration
	BlockTimeout time.Duration
}

// DefaultBuffer is the ring size per socket on Linux.
const DefaultBuffer = 64 << 20

// AnyInterface is the name that captures on every interface.
const AnyInterface = "any"

// Interface is one socket's view.
type Interface struct {
	Name  string
	Index int
	Link  layers.LinkType
	Kind  FrameKind
}

// IfaceStats are the kernel's counters for one socket.
type IfaceStats struct {
	Name         string
	Received     uint64
	Drops        uint64
	QueueFreezes uint64
}

// PacketFunc receives one packet; see live_linux.go.
type PacketFunc func(data []byte, ci gopacket.CaptureInfo, link layers.LinkType, iface int) (stop bool)

// IdleFunc is called when no packet came for a poll timeout.
type IdleFunc func(now time.Time)

var (
	ErrPermission      = errors.New("live capture needs CAP_NET_RAW")
	ErrNoInterface     = errors.New("no such interface")
	ErrLiveUnsupported = errors.New("live capture needs Linux (AF_PACKET); capture with tcpdump and use `ftpsniff read`")
)

// OpenLive always fails here.
func OpenLive(LiveConfig) (*Live, error) { return nil, ErrLiveUnsupported }

func (l *Live) Interfaces() []Interface                         { return nil }
func (l *Live) Stats() ([]IfaceStats, error)                    { return nil, ErrLiveUnsupported }
func (l *Live) Close() error                                    { return nil }
func (l *Live) Run(context.Context, PacketFunc, IdleFunc) error { return ErrLiveUnsupported }
