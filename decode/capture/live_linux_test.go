//go:build linux

package capture

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_NET_RAW) to open packet sockets")
	}
}

// seen counts what a capture delivered, decoded from copies.
type seen struct {
	mu          sync.Mutex
	syn, synack int
	udp, total  int
	links       map[layers.LinkType]int
}

func (s *seen) add(data []byte, link layers.LinkType) {
	first := gopacket.LayerType(layers.LayerTypeEthernet)
	if link == layers.LinkTypeRaw {
		first = layers.LayerTypeIPv4
	}
	p := gopacket.NewPacket(data, first, gopacket.Default)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.links == nil {
		s.links = map[layers.LinkType]int{}
	}
	s.links[link]++
	s.total++
	if p.Layer(layers.LayerTypeUDP) != nil {
		s.udp++
	}
	if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
		switch {
		case tcp.SYN && !tcp.ACK:
			s.syn++
		case tcp.SYN && tcp.ACK:
			s.synack++
		}
	}
}

// exchange makes one TCP connection on addr.
func exchange(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp4", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			buf := make([]byte, 16)
			c.Read(buf)
			c.Close()
		}
	}()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("220 hello\r\n"))
	c.Close()
}

// runCapture runs l until stop is closed and counts packets with s.
func runCapture(t *testing.T, l *Live, s *seen) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- l.Run(ctx, func(data []byte, ci gopacket.CaptureInfo, link layers.LinkType, iface int) bool {
			if ci.CaptureLength != len(data) {
				t.Errorf("capture length %d for %d bytes", ci.CaptureLength, len(data))
			}
			s.add(data, link)
			return false
		}, nil)
	}()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("Run did not return within 3 s of cancel")
		}
	}
}

// TestLiveLoopbackOnce: on lo every packet goes out and comes in; the
// filter keeps one of the two. The address is one no other test uses, so
// the count is exact.
func TestLiveLoopbackOnce(t *testing.T) {
	needRoot(t)
	for _, tc := range []struct {
		iface, addr string
		link        layers.LinkType
	}{
		{"lo", "127.0.0.77", layers.LinkTypeEthernet},
		{AnyInterface, "127.0.0.78", layers.LinkTypeRaw},
	} {
		t.Run(tc.iface, func(t *testing.T) {
			l, err := OpenLive(LiveConfig{
				Interfaces:  []string{tc.iface},
				Filter:      Filter{Nets: []netip.Prefix{netip.MustParsePrefix(tc.addr + "/32")}},
				BufferBytes: 4 << 20, PollTimeout: 100 * time.Millisecond, BlockTimeout: 10 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			var s seen
			stop := runCapture(t, l, &s)
			exchange(t, tc.addr)
			time.Sleep(300 * time.Millisecond)
			stop()
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.syn != 1 || s.synack != 1 {
				t.Errorf("saw %d SYN and %d SYN-ACK, want 1 each (%d packets)", s.syn, s.synack, s.total)
			}
			if s.links[tc.link] != s.total {
				t.Errorf("link types %v, want all %v", s.links, tc.link)
			}
			st, err := l.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if len(st) != 1 || st[0].Received != uint64(s.total) || st[0].Drops != 0 {
				t.Errorf("kernel stats %+v, want %d received and no drops", st, s.total)
			}
		})
	}
}

// TestLiveFilterRace floods lo with UDP while the socket opens: nothing
// that arrived before the real filter may be delivered.
func TestLiveFilterRace(t *testing.T) {
	needRoot(t)
	rx, err := net.ListenPacket("udp4", "127.0.0.79:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := rx.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	tx, err := net.Dial("udp4", rx.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	stopFlood := make(chan struct{})
	flooded := make(chan int)
	go func() {
		n := 0
		msg := make([]byte, 200)
		for {
			select {
			case <-stopFlood:
				flooded <- n
				return
			default:
			}
			for i := 0; i < 64; i++ {
				tx.Write(msg)
				n++
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	var s seen
	for round := 0; round < 3; round++ {
		l, err := OpenLive(LiveConfig{Interfaces: []string{"lo"}, BufferBytes: 4 << 20, PollTimeout: 100 * time.Millisecond, BlockTimeout: 10 * time.Millisecond})
		if err != nil {
			close(stopFlood)
			<-flooded
			t.Fatal(err)
		}
		stop := runCapture(t, l, &s)
		time.Sleep(150 * time.Millisecond)
		stop()
		l.Close()
	}
	close(stopFlood)
	if n := <-flooded; n < 1000 {
		t.Fatalf("only %d UDP datagrams sent: the flood did not cover the socket's opening", n)
	}
	if s.udp != 0 {
		t.Errorf("%d UDP packets delivered of %d: packets from before the filter leaked", s.udp, s.total)
	}
}

func TestLiveOpenErrors(t *testing.T) {
	needRoot(t)
	tests := []struct {
		name string
		cfg  LiveConfig
		want error
	}{
		{"unknown interface", LiveConfig{Interfaces: []string{"nosuch0"}}, ErrNoInterface},
		{"no interface", LiveConfig{}, ErrNoInterface},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := OpenLive(tc.cfg)
			if !errors.Is(err, tc.want) {
				if l != nil {
					l.Close()
				}
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := OpenLive(LiveConfig{Interfaces: []string{"any", "lo"}}); err == nil {
		t.Error("any with another interface: no error")
	}
	if _, err := OpenLive(LiveConfig{Interfaces: []string{"lo"}, BufferBytes: 4096}); err == nil {
		t.Error("tiny buffer: no error")
	}
}

// TestIfaceReadErrorSaysTheInterfaceWentAway: a poll error on an
// interface that no longer exists says so (it said "packet poll failed").
func TestIfaceReadErrorSaysTheInterfaceWentAway(t *testing.T) {
	err := ifaceReadError("ftpsniff-none0", afpacket.ErrPoll)
	if !strings.Contains(err.Error(), "ftpsniff-none0: the interface went away") || !errors.Is(err, afpacket.ErrPoll) {
		t.Errorf("got %v", err)
	}
	if err := ifaceReadError("lo", afpacket.ErrPoll); strings.Contains(err.Error(), "went") {
		t.Errorf("loopback is up, got %v", err)
	}
}
