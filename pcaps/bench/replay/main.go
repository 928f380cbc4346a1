// Command replay sends the frames of a capture file onto a network
// interface at a fixed packet rate, over and over, through an AF_PACKET
// socket: the steady, repeatable load of pcaps/bench/live-load.sh -r.
// Only for interfaces of a lab's own namespaces (a veth pair): the frames
// carry the capture's addresses.
//
//	replay -i cli0 -r sessions.pcap -pps 300000 -d 20s
//
// It loads at most -max packets (and 512 MiB) of the file first, so the
// sending loop reads no file. Raw-IP captures get an Ethernet header. It
// prints what it sent and the rate it kept; a send the kernel refuses
// (ENOBUFS: the device queue is full) is counted, not retried.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

func main() {
	iface := flag.String("i", "", "interface to send on")
	file := flag.String("r", "", "capture file whose frames are sent")
	pps := flag.Float64("pps", 100000, "packets per second; 0 sends as fast as the socket takes them")
	dur := flag.Duration("d", 10*time.Second, "how long to send")
	maxPkts := flag.Int("max", 2_000_000, "most packets loaded from the file")
	flag.Parse()
	if *iface == "" || *file == "" || flag.NArg() != 0 || *pps < 0 || *dur <= 0 || *maxPkts < 1 {
		fmt.Fprintln(os.Stderr, "usage: replay -i IFACE -r FILE [-pps N] [-d DURATION] [-max N]")
		os.Exit(2)
	}
	frames, err := load(*file, *maxPkts, 512<<20)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
	st, err := send(*iface, frames, *pps, *dur)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
	fmt.Printf("replay: sent %d packets (%d bytes) in %.2f s: %.0f packets/s (asked %.0f); %d refused by the kernel; %d frames of %s, looped %d times\n",
		st.sent, st.bytes, st.secs, float64(st.sent)/st.secs, *pps, st.refused, len(frames), *file, st.loops)
}

// load reads up to maxPkts frames (maxBytes in all) of the capture,
// giving raw-IP packets an Ethernet header.
func load(name string, maxPkts, maxBytes int) ([][]byte, error) {
	src, err := capture.Open(name)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var frames [][]byte
	total := 0
	for len(frames) < maxPkts && total < maxBytes {
		data, _, link, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		var f []byte
		switch link {
		case layers.LinkTypeEthernet:
			f = append([]byte(nil), data...)
		case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
			if len(data) == 0 {
				continue
			}
			typ := []byte{0x08, 0x00}
			if data[0]>>4 == 6 {
				typ = []byte{0x86, 0xdd}
			}
			f = append(append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, typ...), data...)
		default:
			return nil, fmt.Errorf("%s: link type %v: only Ethernet and raw IP are replayed", name, link)
		}
		frames = append(frames, f)
		total += len(f)
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("%s: no packets", name)
	}
	return frames, nil
}

type sendStats struct {
	sent, bytes, refused uint64
	loops                int
	secs                 float64
}

// send paces the frames at pps for d: every 100 µs it sends what the
// clock says is due (at most 1024 at once), looping over the frames.
func send(ifname string, frames [][]byte, pps float64, d time.Duration) (sendStats, error) {
	var st sendStats
	ifc, err := net.InterfaceByName(ifname)
	if err != nil {
		return st, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0) // protocol 0: receives nothing
	if err != nil {
		return st, fmt.Errorf("packet socket (needs CAP_NET_RAW): %w", err)
	}
	defer unix.Close(fd)
	// Straight to the driver: the qdisc would only add work per packet.
	_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
	to := &unix.SockaddrLinklayer{Ifindex: ifc.Index}
	start := time.Now()
	end := start.Add(d)
	next := 0
	for {
		now := time.Now()
		if !now.Before(end) {
			break
		}
		burst := uint64(1024)
		if pps > 0 {
			due := uint64(now.Sub(start).Seconds() * pps)
			if due <= st.sent {
				time.Sleep(100 * time.Microsecond)
				continue
			}
			burst = min(due-st.sent, burst)
		}
		for range burst {
			f := frames[next]
			if err := unix.Sendto(fd, f, 0, to); err != nil {
				if !errors.Is(err, unix.ENOBUFS) && !errors.Is(err, unix.EAGAIN) {
					return st, fmt.Errorf("send on %s: %w", ifname, err)
				}
				st.refused++
			} else {
				st.bytes += uint64(len(f))
			}
			st.sent++
			if next++; next == len(frames) {
				next = 0
				st.loops++
			}
		}
	}
	st.secs = time.Since(start).Seconds()
	return st, nil
}
