//go:build linux

package capture

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/gopacket/gopacket/afpacket"
	"golang.org/x/sys/unix"
)

// joinFanout puts the sockets of one interface, in order, in a new
// PACKET_FANOUT group of type PACKET_FANOUT_CBPF running FanoutProgram(k):
// socket i is the group's member i, so the program's result r sends a
// packet to hs[r mod len(hs)].
//
// The group's id comes from the kernel (PACKET_FANOUT_FLAG_UNIQUEID on the
// first socket, read back with getsockopt), so that no other process's
// group, which would share packets with ours, can have it. No rollover
// flag: a full ring drops packets rather than handing them to another
// worker, which would split a session between two trackers.
func joinFanout(hs []*afpacket.TPacket, k FrameKind) error {
	prog, err := FanoutProgram(k)
	if err != nil {
		return err
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, r := range prog {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	fds := make([]int, len(hs))
	for i, h := range hs {
		if fds[i], err = socketFD(h); err != nil {
			return err
		}
	}
	const cbpf = unix.PACKET_FANOUT_CBPF
	if err := unix.SetsockoptInt(fds[0], unix.SOL_PACKET, unix.PACKET_FANOUT, (cbpf|unix.PACKET_FANOUT_FLAG_UNIQUEID)<<16); err != nil {
		return fmt.Errorf("packet fanout: %w", err)
	}
	v, err := unix.GetsockoptInt(fds[0], unix.SOL_PACKET, unix.PACKET_FANOUT)
	if err != nil {
		return fmt.Errorf("packet fanout id: %w", err)
	}
	id := v & 0xffff
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.SetsockoptSockFprog(fds[0], unix.SOL_PACKET, unix.PACKET_FANOUT_DATA, &fprog); err != nil {
		return fmt.Errorf("packet fanout program: %w", err)
	}
	for _, fd := range fds[1:] {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, id|cbpf<<16); err != nil {
			return fmt.Errorf("packet fanout (group %d): %w", id, err)
		}
	}
	return nil
}

// errNoFD: the afpacket package no longer has the field socketFD reads.
var errNoFD = errors.New("cannot reach the packet socket of gopacket's afpacket.TPacket (its fd field changed)")

// socketFD returns the descriptor of h's socket. gopacket's afpacket (v1.7)
// offers SetFanout but neither the descriptor nor PACKET_FANOUT_DATA, nor a
// way to learn a kernel-chosen group id; its descriptor is an unexported
// field, read here with reflect (reading is allowed; nothing is written).
// It is checked to be a packet socket before use, so a different
// afpacket fails with an error instead of acting on another descriptor.
func socketFD(h *afpacket.TPacket) (int, error) {
	f := reflect.ValueOf(h).Elem().FieldByName("fd")
	if !f.IsValid() || f.Kind() != reflect.Int {
		return -1, errNoFD
	}
	fd := int(f.Int())
	if d, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN); err != nil || d != unix.AF_PACKET {
		return -1, errNoFD
	}
	return fd, nil
}
