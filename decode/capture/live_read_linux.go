//go:build linux

package capture

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"golang.org/x/sys/unix"
)

// How a socket is read, stopped and drained, and what happens when its
// interface goes down.
//
// Stopping. Packets the kernel has accepted sit in the ring until read:
// in blocks handed over, and in the current block, which the kernel hands
// over when it is full or after the block timeout. A capture that stopped
// reading at once lost them all (a whole ring under load; at low rates the
// last block timeout's packets, e.g. the last commands before Ctrl-C). So
// a stop (the context ending, the interface going away, a socket error)
// first attaches the drop-all filter, after which the kernel accepts (and
// counts) nothing more, then reads on until the ring is empty: at least
// two block timeouts (the kernel's retire timer may need two periods to
// hand over a partly filled block), then up to the first poll timeout.
// What is read is delivered; after drainDeliver it is only counted
// (Discarded), and reading ends after drainDeliver+drainCount at the
// latest. A stop asked by the packet callback (-c, a write error) reads
// the rest only to count it. So at the end the kernel's Received is the
// packets delivered, plus Discarded, plus Drops.
//
// Interface down. When a bound interface goes down the kernel unhooks
// the socket and sets its error to ENETDOWN (poll reports POLLERR); when
// it comes up again it hooks the same socket again (af_packet.c,
// packet_notifier: NETDEV_DOWN / NETDEV_UP); only when the interface is
// deleted (NETDEV_UNREGISTER) is the socket left bound to nothing for
// good. libpcap (1.10) acts the same way: tcpdump survives a down and ends
// when the interface is deleted. So a poll error is read with SO_ERROR
// (which also clears it); ENETDOWN makes the socket wait, saying once
// that the interface went down, and look at the interface every poll
// timeout: up again, said once; deleted (its index gone), the capture
// ends with ErrInterfaceGone. A socket opened on an interface that is
// down says "is down" and waits the same way.

const (
	// drainDeliver bounds how long a stop keeps delivering what the ring
	// holds (a full 64 MiB ring of small packets takes about a second to
	// decode).
	drainDeliver = 5 * time.Second
	// drainCount bounds how long it then keeps reading only to count.
	drainCount = time.Second
)

// ErrInterfaceGone: an interface being captured on was deleted.
var ErrInterfaceGone = errors.New("the interface went away")

// linkState is an interface's state as a socket bound to it sees it.
type linkState int

const (
	linkUp linkState = iota
	linkDown
	linkGone    // deleted: its index no longer exists
	linkUnknown // could not be learnt; treated as still down
)

// packetRing is what the read loops need of a socket; *tpRing is the real
// one, tests give a scripted one.
type packetRing interface {
	// ZeroCopyReadPacketData is afpacket's: afpacket.ErrTimeout after a
	// poll timeout without a packet, afpacket.ErrPoll on POLLERR.
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	// shut makes the kernel accept no more packets (drop-all filter).
	shut() error
	// sockError reads and clears the socket's pending error (SO_ERROR).
	sockError() error
	// link tells the bound interface's state.
	link() linkState
}

// tpRing is a packet socket of afpacket.
type tpRing struct {
	*afpacket.TPacket
	fd    int // -1 when unknown (socketFD failed)
	index int // bound interface; 0 for "any"
}

func (t *tpRing) shut() error { return t.SetBPF(DropAll()) }

func (t *tpRing) sockError() error {
	if t.fd < 0 {
		return errNoFD
	}
	v, err := unix.GetsockoptInt(t.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}

func (t *tpRing) link() linkState {
	if t.index == 0 {
		return linkUp
	}
	return linkStateOf(t.fd, t.index)
}

// linkStateOf asks the kernel (ioctls on fd, which work in the socket's
// network namespace whatever /sys shows) about interface index: its name
// by index, then its flags by name. A deleted interface's index is not
// reused while the kernel runs, so a veth deleted and added again under
// the same name is a new interface: the socket stays bound to the old one.
func linkStateOf(fd, index int) linkState {
	if fd < 0 {
		return linkUnknown
	}
	ifr, err := unix.NewIfreq("")
	if err != nil {
		return linkUnknown
	}
	ifr.SetUint32(uint32(index))
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFNAME, ifr); err != nil {
		if errors.Is(err, unix.ENODEV) {
			return linkGone
		}
		return linkUnknown
	}
	byName, err := unix.NewIfreq(ifr.Name())
	if err != nil {
		return linkUnknown
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, byName); err != nil {
		if errors.Is(err, unix.ENODEV) {
			return linkGone
		}
		return linkUnknown
	}
	if byName.Uint16()&unix.IFF_UP == 0 {
		return linkDown
	}
	return linkUp
}

// ifaceWatch says when an interface goes down and comes up again, once
// per interface however many sockets (workers) see it.
type ifaceWatch struct {
	mu     sync.Mutex
	down   map[int]bool // by interface index
	notify func(string)
}

func newIfaceWatch(notify func(string)) *ifaceWatch {
	return &ifaceWatch{down: map[int]bool{}, notify: notify}
}

// set records that interface index is down or up; starting tells a state
// found when the capture starts from a change seen while it runs.
func (w *ifaceWatch) set(name string, index int, down, starting bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down[index] == down {
		return
	}
	w.down[index] = down
	var msg string
	switch {
	case down && starting:
		msg = name + " is down: waiting for it to come up"
	case down:
		msg = name + " went down: waiting for it to come up"
	default:
		msg = name + " is up again"
	}
	if w.notify != nil {
		w.notify(msg)
	}
}

// readEvent is what sockReader.next returns.
type readEvent int

const (
	evPacket readEvent = iota // a packet, valid until the next call
	evIdle                    // a poll timeout passed without a packet
	evEnd                     // the socket is done; the error says why, nil when asked to stop
)

// sockReader reads one socket: packets, idle times, and the end, after a
// stop and the drain.
type sockReader struct {
	ring      packetRing
	name      string
	index     int
	watch     *ifaceWatch
	now       func() time.Time
	poll      time.Duration
	block     time.Duration
	discarded *atomic.Uint64

	down    bool      // the interface is down: waiting for it
	checked time.Time // when the interface was last looked at, while down

	draining bool
	discard  bool      // count what is read instead of delivering it
	minEnd   time.Time // no end before: the partial block's hand-over
	countAt  time.Time // from then on, count instead of deliver
	endAt    time.Time // end then, whatever is left
	endErr   error
}

// sockReader returns the reader of socket s; it looks at the interface
// once, so that starting on an interface that is down says so.
func (l *Live) sockReader(s int) *sockReader {
	ifc := l.ifaces[s]
	r := &sockReader{ring: l.rings[s], name: ifc.Name, index: ifc.Index, watch: l.watch, now: l.now,
		poll: l.cfg.PollTimeout, block: l.cfg.BlockTimeout, discarded: &l.discarded[s]}
	if c, ok := r.ring.(interface{ clock() time.Time }); ok {
		r.now = c.clock // a scripted ring's own time, which its poll timeouts move
	}
	if r.index != 0 && r.ring.link() == linkDown {
		r.down, r.checked = true, r.now()
		r.watch.set(r.name, r.index, true, true)
	}
	return r
}

// stop starts the drain (once); err is why (nil: asked to), discard that
// what is left is only counted.
func (r *sockReader) stop(err error, discard bool) {
	if discard {
		r.discard = true
	}
	if r.draining {
		if r.endErr == nil {
			r.endErr = err
		}
		return
	}
	r.draining, r.endErr = true, err
	// Should the filter not go on, packets keep coming: endAt still ends
	// the drain.
	r.ring.shut()
	now := r.now()
	r.minEnd = now.Add(2*r.block + 10*time.Millisecond)
	r.countAt = now.Add(drainDeliver)
	r.endAt = r.countAt.Add(drainCount)
}

// next returns the next event. done is the context's Done channel: when
// it closes, the reader drains the ring and then ends.
func (r *sockReader) next(done <-chan struct{}) ([]byte, gopacket.CaptureInfo, readEvent, error) {
	for {
		if !r.draining {
			select {
			case <-done:
				r.stop(nil, false)
			default:
			}
		}
		data, ci, err := r.ring.ZeroCopyReadPacketData()
		if err == nil {
			// afpacket puts the kernel's ifindex here; decode reads an
			// InterfaceIndex as a file's interface number, one other than
			// 0 a second interface whose packets may come out of order
			// (its control streams then wait for bytes an ACK proved sent:
			// skew.go), which one interface's are not. The packet's
			// interface is PacketFunc's iface; several interfaces are told
			// to decode as its MayReorder.
			ci.InterfaceIndex = 0
			if !r.draining {
				if r.down && r.now().Sub(r.checked) >= r.poll {
					r.checkLink()
				}
				return data, ci, evPacket, nil
			}
			now := r.now()
			if now.After(r.endAt) {
				return nil, ci, evEnd, r.endErr
			}
			if r.discard || now.After(r.countAt) {
				r.discard = true
				r.discarded.Add(1)
				continue
			}
			return data, ci, evPacket, nil
		}
		switch {
		case errors.Is(err, afpacket.ErrTimeout):
			if r.draining {
				if r.now().Before(r.minEnd) {
					continue
				}
				return nil, ci, evEnd, r.endErr
			}
			if r.down {
				r.checkLink()
				if r.draining { // the interface is gone
					continue
				}
			}
			return nil, ci, evIdle, nil
		case errors.Is(err, afpacket.ErrPoll):
			serr := r.ring.sockError() // clears it: the next poll waits for packets
			if errors.Is(serr, unix.ENETDOWN) {
				// A deleted interface goes down first: say only that
				// it went away.
				if !r.down && r.ring.link() != linkGone {
					r.down = true
					r.watch.set(r.name, r.index, true, false)
				}
				r.checkLink()
				continue
			}
			if r.draining {
				return nil, ci, evEnd, r.endErr
			}
			if serr != nil && !errors.Is(serr, errNoFD) {
				err = fmt.Errorf("%w: %w", err, serr)
			}
			r.stop(ifaceReadError(r.name, err), false)
		default:
			// The ring cannot be read: nothing more to drain.
			if r.endErr != nil {
				return nil, ci, evEnd, r.endErr
			}
			return nil, ci, evEnd, fmt.Errorf("%s: %w", r.name, err)
		}
	}
}

// checkLink looks at the interface while waiting for it: up again ends the
// wait, deleted ends the capture (after the drain).
func (r *sockReader) checkLink() {
	r.checked = r.now()
	switch r.ring.link() {
	case linkUp:
		if r.down {
			r.down = false
			r.watch.set(r.name, r.index, false, false)
		}
	case linkGone:
		r.stop(fmt.Errorf("%s: %w", r.name, ErrInterfaceGone), false)
	}
}
