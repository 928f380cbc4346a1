//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Live captures from one or more interfaces through AF_PACKET sockets with
// a TPACKET_V3 memory-mapped ring, without cgo.
//
// With one socket (one interface, or "any"), Run reads packets zero-copy
// from the ring and hands them to the callback in the same goroutine: no
// channel, no copy, no allocation per packet. With several interfaces
// there is one reader goroutine per socket, since each socket blocks in
// its own poll; they copy packets into recycled batches and send those to
// the goroutine that called Run, which is the only one calling the
// callback. Polling the sockets round-robin instead would make an idle
// interface hold up a busy one for a whole poll timeout.
//
// With Workers > 1, each interface has one socket per worker, joined in a
// PACKET_FANOUT group (fanout_linux.go), and RunWorker reads one worker's
// sockets, in the same two ways.
type Live struct {
	cfg     LiveConfig
	workers int
	ifaces  []Interface // one per socket: interface by interface, worker by worker
	handles []*afpacket.TPacket
	rings   []packetRing // the handles, as the read loops see them
	// discarded counts, per socket, packets read after a stop and not
	// delivered (IfaceStats.Discarded).
	discarded []atomic.Uint64
	watch     *ifaceWatch
	now       func() time.Time
}

const blockSize = 512 << 10

// OpenLive opens one socket per interface, with its filter attached and
// without the race where packets that arrived before the filter are
// delivered unfiltered. It needs CAP_NET_RAW; privileges can be dropped
// once it returns.
func OpenLive(cfg LiveConfig) (*Live, error) {
	if cfg.BufferBytes == 0 {
		cfg.BufferBytes = DefaultBuffer
	}
	if cfg.BufferBytes < 2*blockSize {
		return nil, fmt.Errorf("capture buffer of %d bytes is too small (at least %d)", cfg.BufferBytes, 2*blockSize)
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 200 * time.Millisecond
	}
	if cfg.BlockTimeout <= 0 {
		cfg.BlockTimeout = 50 * time.Millisecond
	}
	if cfg.Workers > MaxWorkers {
		return nil, fmt.Errorf("%d workers: at most %d", cfg.Workers, MaxWorkers)
	}
	names, err := resolveInterfaces(cfg.Interfaces)
	if err != nil {
		return nil, err
	}
	notify := cfg.Notify
	if notify == nil {
		notify = func(msg string) { fmt.Fprintf(os.Stderr, "ftpsniff: %s\n", msg) }
	}
	l := &Live{cfg: cfg, workers: max(cfg.Workers, 1), watch: newIfaceWatch(notify), now: time.Now}
	for _, ifc := range names {
		for w := range l.workers {
			ifc.Worker = w
			h, err := l.open(ifc)
			if err != nil {
				l.Close()
				return nil, err
			}
			fd, err := socketFD(h)
			if err != nil {
				fd = -1 // a poll error is then final, as before
			}
			l.ifaces = append(l.ifaces, ifc)
			l.handles = append(l.handles, h)
			l.rings = append(l.rings, &tpRing{TPacket: h, fd: fd, index: ifc.Index})
		}
	}
	l.discarded = make([]atomic.Uint64, len(l.handles))
	ifaces := l.ifaces
	// Filter race (gopacket/gopacket #98): the socket is bound before a
	// filter can be set, so packets of every kind reached the ring. A
	// drop-all filter stops more from coming; what is already there is
	// read and thrown away; then the real filter goes on and the counters
	// start from zero.
	for _, h := range l.handles {
		if err := h.SetBPF(DropAll()); err != nil {
			l.Close()
			return nil, fmt.Errorf("attach filter: %w", err)
		}
	}
	// The fanout groups are formed while the sockets still drop
	// everything: until its last member has joined, a group's packets go
	// to fewer sockets than there are workers.
	if l.workers > 1 {
		for i := 0; i < len(l.handles); i += l.workers {
			if err := joinFanout(l.handles[i:i+l.workers], ifaces[i].Kind); err != nil {
				l.Close()
				return nil, fmt.Errorf("%s: %w", ifaces[i].Name, err)
			}
		}
	}
	for i, h := range l.handles {
		drain(h, cfg.PollTimeout)
		prog, err := l.program(ifaces[i])
		if err != nil {
			l.Close()
			return nil, err
		}
		if err := h.InitSocketStats(); err != nil { // reading clears the kernel's counters
			l.Close()
			return nil, fmt.Errorf("socket statistics: %w", err)
		}
		if err := h.SetBPF(prog); err != nil {
			l.Close()
			return nil, fmt.Errorf("%s: attach filter: %w", ifaces[i].Name, err)
		}
	}
	return l, nil
}

// drain discards what reached the ring before the drop-all filter. A
// partly filled block is handed over after the block timeout, shorter than
// the poll timeout, so the first poll timeout means the ring is empty.
func drain(h *afpacket.TPacket, poll time.Duration) {
	deadline := time.Now().Add(4*poll + time.Second)
	for time.Now().Before(deadline) {
		if _, _, err := h.ZeroCopyReadPacketData(); err != nil {
			return
		}
	}
}

// resolveInterfaces checks the names and learns each one's link type.
func resolveInterfaces(names []string) ([]Interface, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: none given", ErrNoInterface)
	}
	seen := map[string]bool{}
	var out []Interface
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		if n == AnyInterface {
			if len(names) > 1 {
				return nil, fmt.Errorf("%q captures on every interface and cannot be combined with others", AnyInterface)
			}
			return []Interface{{Name: n, Link: layers.LinkTypeRaw, Kind: FrameIP}}, nil
		}
		ni, err := net.InterfaceByName(n)
		if err != nil {
			return nil, fmt.Errorf("%w: %q", ErrNoInterface, n)
		}
		ifc := Interface{Name: n, Index: ni.Index, Link: layers.LinkTypeEthernet, Kind: FrameEthernet}
		if !ethernetLike(n) {
			// tun, WireGuard, PPP, GRE...: read without the link header.
			ifc.Link, ifc.Kind = layers.LinkTypeRaw, FrameIP
		}
		out = append(out, ifc)
	}
	return out, nil
}

// ethernetLike tells whether the interface's frames carry an Ethernet
// header (ARPHRD_ETHER, and ARPHRD_LOOPBACK whose header is all zeros).
func ethernetLike(name string) bool {
	b, err := os.ReadFile("/sys/class/net/" + name + "/type")
	if err != nil {
		return true
	}
	t, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return true
	}
	const arphrdEther, arphrdLoopback = 1, 772
	return t == arphrdEther || t == arphrdLoopback
}

func (l *Live) open(ifc Interface) (*afpacket.TPacket, error) {
	opts := []any{
		afpacket.OptTPacketVersion(afpacket.TPacketVersion3),
		afpacket.OptFrameSize(afpacket.DefaultFrameSize),
		afpacket.OptBlockSize(blockSize),
		afpacket.OptNumBlocks(l.cfg.BufferBytes / blockSize),
		afpacket.OptPollTimeout(l.cfg.PollTimeout),
		afpacket.OptBlockTimeout(l.cfg.BlockTimeout),
	}
	if ifc.Name != AnyInterface {
		opts = append(opts, afpacket.OptInterface(ifc.Name))
	}
	if ifc.Kind == FrameIP {
		opts = append(opts, afpacket.OptSocketType(afpacket.SocketDgram))
	}
	h, err := afpacket.NewTPacket(opts...)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, ErrPermission
		}
		return nil, fmt.Errorf("%s: open packet socket: %w", ifc.Name, err)
	}
	if l.cfg.Promisc && ifc.Index != 0 && !isLoopback(ifc.Index) {
		if err := h.SetPromiscuous(true); err != nil {
			h.Close()
			return nil, fmt.Errorf("%s: promiscuous mode: %w", ifc.Name, err)
		}
	}
	return h, nil
}

func isLoopback(index int) bool {
	ni, err := net.InterfaceByIndex(index)
	return err == nil && ni.Flags&net.FlagLoopback != 0
}

// program builds the filter for one socket.
func (l *Live) program(ifc Interface) ([]bpf.RawInstruction, error) {
	var lo Loopback
	if ifc.Index == 0 {
		all, err := net.Interfaces()
		if err != nil {
			return nil, fmt.Errorf("list interfaces: %w", err)
		}
		for _, ni := range all {
			if ni.Flags&net.FlagLoopback != 0 {
				lo.Ifindex = append(lo.Ifindex, ni.Index)
			}
		}
	} else {
		lo.All = isLoopback(ifc.Index)
	}
	if l.cfg.Raw != nil {
		return WithLoopback(lo, l.cfg.Raw)
	}
	return l.cfg.Filter.Program(ifc.Kind, lo)
}

// Interfaces lists the sockets, in the order the PacketFunc's iface
// argument uses: interface by interface, and with several workers each
// interface once per worker (Interface.Worker).
func (l *Live) Interfaces() []Interface { return l.ifaces }

// Workers is the number of workers, each with a socket per interface.
func (l *Live) Workers() int { return l.workers }

// Stats returns the kernel's counters per socket. It may be called while
// Run runs.
func (l *Live) Stats() ([]IfaceStats, error) {
	out := make([]IfaceStats, len(l.handles))
	for i, h := range l.handles {
		_, v3, err := h.SocketStats()
		if err != nil {
			return nil, fmt.Errorf("%s: socket statistics: %w", l.ifaces[i].Name, err)
		}
		out[i] = IfaceStats{Name: l.ifaces[i].Name, Worker: l.ifaces[i].Worker, Received: uint64(v3.Packets()), Drops: uint64(v3.Drops()),
			QueueFreezes: uint64(v3.QueueFreezes()), Discarded: l.discarded[i].Load()}
	}
	return out, nil
}

// Close closes the sockets. Call it after Run has returned.
func (l *Live) Close() error {
	for _, h := range l.handles {
		h.Close()
	}
	l.handles, l.rings = nil, nil
	return nil
}

// Run delivers the packets of every socket to pkt until ctx is done, pkt
// returns true, or a socket fails (its interface deleted, a socket
// error); an interface going down is waited for. Before it returns, the
// kernel is made to accept no more packets and what the rings still hold
// is delivered (counted as Discarded instead after pkt asked to stop).
// It returns nil unless a socket failed.
func (l *Live) Run(ctx context.Context, pkt PacketFunc, idle IdleFunc) error {
	all := make([]int, len(l.rings))
	for i := range all {
		all[i] = i
	}
	return l.run(ctx, all, pkt, idle)
}

// RunWorker is Run for the sockets of worker w (one per interface); the
// workers' RunWorker calls run at the same time, each in its own
// goroutine, each calling its own pkt and idle.
func (l *Live) RunWorker(ctx context.Context, w int, pkt PacketFunc, idle IdleFunc) error {
	if w < 0 || w >= l.workers {
		return fmt.Errorf("worker %d of %d", w, l.workers)
	}
	var mine []int
	for i, ifc := range l.ifaces {
		if ifc.Worker == w {
			mine = append(mine, i)
		}
	}
	return l.run(ctx, mine, pkt, idle)
}

func (l *Live) run(ctx context.Context, socks []int, pkt PacketFunc, idle IdleFunc) error {
	if len(socks) == 1 {
		return l.runOne(ctx, socks[0], pkt, idle)
	}
	return l.runMany(ctx, socks, pkt, idle)
}

// runOne is the hot path: zero-copy reads from socket s and the callback in
// one goroutine. When ctx ends it delivers what the ring still holds
// (live_read_linux.go); when pkt asks to stop, what is left is counted.
func (l *Live) runOne(ctx context.Context, s int, pkt PacketFunc, idle IdleFunc) error {
	r := l.sockReader(s)
	link := l.ifaces[s].Link
	done := ctx.Done()
	for {
		data, ci, ev, err := r.next(done)
		switch ev {
		case evPacket:
			if pkt(data, ci, link, s) {
				r.stop(nil, true)
			}
		case evIdle:
			if idle != nil {
				idle(time.Now())
			}
		default:
			return err
		}
	}
}

// batch carries copies of packets from a reader goroutine to Run.
type batch struct {
	owner int // index in runMany's socks
	buf   []byte
	pkts  []batchPacket
}

type batchPacket struct {
	start, end int
	ci         gopacket.CaptureInfo
}

const (
	batchBytes   = 1 << 20
	batchPackets = 256
	batchesEach  = 8
	// batchDelay is how much packet time a batch may span before it is
	// sent, so that output keeps up with a slow trickle of packets.
	batchDelay = 10 * time.Millisecond
)

// runMany reads several sockets, one reader goroutine each, and calls pkt
// in this one. A stop (ctx, a reader's error, pkt asking) cancels the
// readers, which drain their rings; this goroutine delivers every batch
// until the last reader has ended, so nothing already read is lost (after
// pkt asked to stop, the rest is counted instead). full holds every batch
// there is, so a reader's send never blocks.
func (l *Live) runMany(ctx context.Context, socks []int, pkt PacketFunc, idle IdleFunc) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *batch, batchesEach*len(socks))
	free := make([]chan *batch, len(socks))
	var discard atomic.Bool
	var errMu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for i, s := range socks {
		free[i] = make(chan *batch, batchesEach)
		for range batchesEach {
			free[i] <- &batch{owner: i, buf: make([]byte, 0, batchBytes), pkts: make([]batchPacket, 0, batchPackets)}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.reader(rctx, s, free[i], full, &discard); err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
				cancel() // the others stop too
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	tick := time.NewTicker(l.cfg.PollTimeout)
	defer tick.Stop()
	link := make([]layers.LinkType, len(socks))
	for i, s := range socks {
		link[i] = l.ifaces[s].Link
	}
	deliver := func(b *batch) {
		left := len(b.pkts)
		if !discard.Load() {
			for _, p := range b.pkts {
				left--
				if pkt(b.buf[p.start:p.end], p.ci, link[b.owner], socks[b.owner]) {
					discard.Store(true)
					cancel()
					break
				}
			}
		}
		l.discarded[socks[b.owner]].Add(uint64(left))
		b.buf, b.pkts = b.buf[:0], b.pkts[:0]
		free[b.owner] <- b
	}
	for {
		select {
		case <-finished:
			// Every reader has sent its last batch.
			for {
				select {
				case b := <-full:
					deliver(b)
				default:
					errMu.Lock()
					defer errMu.Unlock()
					return firstErr
				}
			}
		case now := <-tick.C:
			if idle != nil && rctx.Err() == nil {
				idle(now)
			}
		case b := <-full:
			deliver(b)
		}
	}
}

// reader copies packets from socket s into batches until the socket is
// done (after ctx ended, the drain), sending the last partly filled batch
// too. Once discard is set, what it holds and reads is counted, not sent.
func (l *Live) reader(ctx context.Context, s int, free <-chan *batch, full chan<- *batch, discard *atomic.Bool) error {
	r := l.sockReader(s)
	done := ctx.Done()
	var cur *batch
	var first time.Time
	send := func() {
		full <- cur
		cur = nil
	}
	for {
		data, ci, ev, err := r.next(done)
		if !r.discard && discard.Load() {
			r.stop(nil, true)
			if cur != nil {
				l.discarded[s].Add(uint64(len(cur.pkts)))
				cur.buf, cur.pkts = cur.buf[:0], cur.pkts[:0]
			}
			if ev == evPacket {
				l.discarded[s].Add(1)
				continue
			}
		}
		switch ev {
		case evEnd:
			if cur != nil && len(cur.pkts) > 0 {
				send()
			}
			return err
		case evIdle:
			if cur != nil && len(cur.pkts) > 0 {
				send()
			}
			continue
		}
		if cur != nil && (len(cur.buf)+len(data) > cap(cur.buf) || len(cur.pkts) == cap(cur.pkts)) {
			send()
		}
		if cur == nil {
			cur = <-free
			first = ci.Timestamp
		}
		if len(data) > cap(cur.buf) {
			data = data[:cap(cur.buf)] // larger than any packet the ring holds
		}
		start := len(cur.buf)
		cur.buf = append(cur.buf, data...)
		ci.CaptureLength = len(data)
		cur.pkts = append(cur.pkts, batchPacket{start: start, end: len(cur.buf), ci: ci})
		if ci.Timestamp.Sub(first) >= batchDelay {
			send()
		}
	}
}

// ifaceReadError names why reading interface name failed: a poll error
// (afpacket.ErrPoll, the kernel's POLLERR) is most often the interface
// going down or away, which "packet poll failed" does not say.
func ifaceReadError(name string, err error) error {
	if errors.Is(err, afpacket.ErrPoll) {
		switch ifc, ierr := net.InterfaceByName(name); {
		case ierr != nil:
			return fmt.Errorf("%s: the interface went away (%w)", name, err)
		case ifc.Flags&net.FlagUp == 0:
			return fmt.Errorf("%s: the interface went down (%w)", name, err)
		}
	}
	return fmt.Errorf("%s: %w", name, err)
}
