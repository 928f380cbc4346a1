//go:build linux

package capture

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"
)

// ipPart returns a packet from its IP header on, past the Ethernet header
// and VLAN tags of an Ethernet frame.
func ipPart(data []byte, link layers.LinkType) []byte {
	if link != layers.LinkTypeEthernet {
		return data
	}
	off := 12
	for off+2 <= len(data) && (data[off] == 0x81 && data[off+1] == 0x00 || data[off] == 0x88 && data[off+1] == 0xa8) {
		off += 4
	}
	if off+2 > len(data) {
		return nil
	}
	return data[off+2:]
}

// inject sends frames on lo through a packet socket: the capture sockets
// see each once coming in (the outgoing copy is dropped by the loopback
// prefix of their filter).
func inject(t *testing.T, frames [][]byte) {
	t.Helper()
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0) // protocol 0: sends, receives nothing
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	to := &unix.SockaddrLinklayer{Ifindex: lo.Index}
	for _, f := range frames {
		if err := unix.Sendto(fd, f, 0, to); err != nil {
			t.Fatalf("inject: %v", err)
		}
	}
}

// TestLiveFanoutKernel checks the kernel against FanoutSelector: crafted
// frames (TCP both ways, ICMP errors quoting a flow, VLAN tags, IPv4 and
// IPv6, and a spread of address pairs) injected on lo reach, through a
// real fanout group, the worker the selector names; every worker gets
// some. On lo the Ethernet program runs; on "any", the one for packets
// starting at the IP header.
func TestLiveFanoutKernel(t *testing.T) {
	needRoot(t)
	const c4, s4, r4 = "198.51.100.7", "192.0.2.10", "203.0.113.1"
	const c6, s6, r6 = "2001:db8:1::7", "2001:db8:2::10", "2001:db8:ff::1"
	dot1q, qinq := layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ
	base := []fanFrame{
		{src: c4, dst: s4, proto: "tcp"},
		{src: s4, dst: c4, proto: "tcp"},
		{src: s4, dst: c4, proto: "tcp", v4opts: true},
		{vlans: []layers.EthernetType{dot1q}, src: c4, dst: s4, proto: "tcp"},
		{vlans: []layers.EthernetType{qinq, dot1q}, src: s4, dst: c4, proto: "tcp"},
		{src: r4, dst: c4, proto: "icmp-err", innerSrc: c4, innerDst: s4},
		{vlans: []layers.EthernetType{dot1q}, src: r4, dst: s4, proto: "icmp-err", innerSrc: s4, innerDst: c4},
		{src: c6, dst: s6, proto: "tcp"},
		{src: s6, dst: c6, proto: "tcp"},
		{src: r6, dst: c6, proto: "icmp-err", innerSrc: c6, innerDst: s6},
		{vlans: []layers.EthernetType{qinq, dot1q}, src: r6, dst: s6, proto: "icmp-err", innerSrc: s6, innerDst: c6},
	}
	for i := 0; i < 24; i++ {
		base = append(base, fanFrame{src: fmt.Sprintf("198.51.100.%d", 20+i), dst: s4, proto: "tcp"})
	}
	for _, tc := range []struct {
		iface   string
		workers int
	}{{"lo", 2}, {"lo", 3}, {AnyInterface, 2}} {
		t.Run(fmt.Sprintf("%s/%d", tc.iface, tc.workers), func(t *testing.T) {
			l, err := OpenLive(LiveConfig{Interfaces: []string{tc.iface}, Workers: tc.workers,
				BufferBytes: 2 << 20, PollTimeout: 100 * time.Millisecond, BlockTimeout: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ifaces := l.Interfaces()
			if l.Workers() != tc.workers || len(ifaces) != tc.workers {
				t.Fatalf("%d workers, %d sockets; want %d of each", l.Workers(), len(ifaces), tc.workers)
			}
			kind, link := ifaces[0].Kind, ifaces[0].Link
			sel, err := NewFanoutSelector(kind)
			if err != nil {
				t.Fatal(err)
			}
			// want: each frame's IP part, and the worker the selector
			// names for the packet as this socket delivers it. On lo the
			// kernel moves the outer VLAN tag to metadata on the way in;
			// that changes no address, so no hash.
			want := map[string]int{}
			var frames [][]byte
			for i, f := range base {
				f.mark = uint16(0x4200 + i)
				if tc.iface == AnyInterface && len(f.vlans) > 1 {
					continue // the inner tag would stay in front of the IP header
				}
				fr := f.build(t, false)
				frames = append(frames, fr)
				delivered := fr
				if kind == FrameIP {
					delivered = ipPart(fr, layers.LinkTypeEthernet)
				}
				want[string(ipPart(fr, layers.LinkTypeEthernet))] = sel.Worker(delivered, tc.workers)
			}
			if len(want) != len(frames) {
				t.Fatalf("%d frames but %d distinct IP parts", len(frames), len(want))
			}

			var mu sync.Mutex
			got := map[string][]int{}
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for w := 0; w < tc.workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := l.RunWorker(ctx, w, func(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType, iface int) bool {
						if ifaces[iface].Worker != w || lt != link {
							t.Errorf("worker %d got a packet of socket %d (%+v), link %v", w, iface, ifaces[iface], lt)
						}
						k := string(ipPart(data, lt))
						if _, ok := want[k]; ok {
							mu.Lock()
							got[k] = append(got[k], w)
							mu.Unlock()
						}
						return false
					}, nil)
					if err != nil {
						t.Errorf("RunWorker %d: %v", w, err)
					}
				}()
			}
			inject(t, frames)
			// Ends as soon as all came; a loaded machine reads them late,
			// and a socket's ring may overflow with other tests' loopback
			// traffic (which worker a frame goes to is what is tested, not
			// that the kernel never drops): the missing ones are sent
			// again each second.
			deadline := time.Now().Add(10 * time.Second)
			resend := time.Now().Add(time.Second)
			sent := map[string]int{} // sends of each frame beyond the first
			for time.Now().Before(deadline) {
				mu.Lock()
				n := len(got)
				var missing [][]byte
				if n < len(want) && time.Now().After(resend) {
					for _, fr := range frames {
						if k := string(ipPart(fr, layers.LinkTypeEthernet)); got[k] == nil {
							missing = append(missing, fr)
							sent[k]++
						}
					}
				}
				mu.Unlock()
				if n == len(want) {
					break
				}
				if len(missing) > 0 {
					inject(t, missing)
					resend = time.Now().Add(time.Second)
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond) // duplicates, if any, arrive
			cancel()
			wg.Wait()

			per := make([]int, tc.workers)
			for k, w := range want {
				g := got[k]
				switch {
				case len(g) == 0:
					t.Errorf("frame %x: not delivered (want worker %d)", k[:20], w)
				case len(g) > 1+sent[k] || slices.ContainsFunc(g, func(x int) bool { return x != w }):
					t.Errorf("frame %x: delivered to workers %v, want once to %d", k[:20], g, w)
				default:
					per[w]++
				}
			}
			for w, n := range per {
				if n == 0 {
					t.Errorf("worker %d got none of the %d frames: %v", w, len(want), per)
				}
			}
			st, err := l.Stats()
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range st {
				if s.Worker != ifaces[i].Worker || s.Name != ifaces[i].Name {
					t.Errorf("stats %d: %+v for socket %+v", i, s, ifaces[i])
				}
			}
		})
	}
}

// TestLiveWorkersOne: Workers 0 and 1 open one socket per interface and no
// fanout group, as before workers existed.
func TestLiveWorkersOne(t *testing.T) {
	needRoot(t)
	for _, n := range []int{0, 1} {
		l, err := OpenLive(LiveConfig{Interfaces: []string{"lo"}, Workers: n, BufferBytes: 2 << 20})
		if err != nil {
			t.Fatal(err)
		}
		fd, err := socketFD(l.handles[0])
		if err != nil {
			t.Fatal(err)
		}
		v, err := unix.GetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT)
		l.Close()
		if err != nil || v != 0 || l.Workers() != 1 || len(l.Interfaces()) != 1 {
			t.Errorf("Workers %d: fanout %#x (%v), %d workers, %d sockets; want no fanout, 1 and 1", n, v, err, l.Workers(), len(l.Interfaces()))
		}
	}
	if _, err := OpenLive(LiveConfig{Interfaces: []string{"lo"}, Workers: MaxWorkers + 1}); err == nil {
		t.Errorf("%d workers: no error", MaxWorkers+1)
	}
}
