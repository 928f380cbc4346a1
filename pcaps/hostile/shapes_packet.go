package hostile

import (
	"io"
	"math/rand/v2"
	"net/netip"
	"time"
)

func packetShapes() []Shape {
	return []Shape{
		{"tcp-doff-lt5", "packet", ".pcap", "a session, then bad-segments segments with TCP data offset 0 to 4", tcpDoffLT5},
		{"ip-lengths", "packet", ".pcap", "a session, then bad-segments segments whose IHL or total length disagrees with the frame", ipLengths},
		{"ipv6-ext", "packet", ".pcap", "ext-packets IPv6 packets to port 21, each with ext-headers destination-options headers", ipv6Ext},
		{"frag-overlap", "packet", ".pcap", "fragments overlapping IPv4 fragments of one datagram to port 21, then its last", fragOverlap},
		{"seq-jumps", "packet", ".pcap", "a session whose client sends seq-jumps NOOPs with sequence numbers jumping 2^31 back and forth", seqJumps},
		{"rst-storm", "packet", ".pcap", "a session, then rsts out-of-window RSTs, then a FIN", rstStorm},
		{"syn-flood-21-fast", "packet", ".pcap", "syns SYNs to port 21 from distinct sources, 10 µs apart", synFlood(true, 10*time.Microsecond)},
		{"syn-flood-21-hour", "packet", ".pcap", "syns SYNs to port 21 spread evenly over 50 minutes", synFlood(true, 0)},
		{"syn-flood-ports", "packet", ".pcap", "syns SYNs to random ports of the server, 10 µs apart", synFlood(false, 10*time.Microsecond)},
	}
}

func tcpDoffLT5(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	c := session(w, 1, "anonymous", "guest@")
	for i := range p.n("bad-segments") {
		s := segment{src: c.ep[0], dst: c.ep[1], seq: c.seq[0], ack: c.seq[1], flags: flagPSH | flagACK,
			payload: []byte("NOOP\r\n"), dataOff: uint8(i % 5), ipid: uint16(i)}
		if s.dataOff == 0 {
			s.dataOff = 16 // appendFrame reads 0 as 5; 16 wraps to 0 in the 4-bit field
		}
		w.seg(&s, c.gap)
	}
	c.quit()
	return w.flush()
}

func ipLengths(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	c := session(w, 1, "anonymous", "guest@")
	for i := range p.n("bad-segments") {
		s := segment{src: c.ep[0], dst: c.ep[1], seq: c.seq[0], ack: c.seq[1], flags: flagPSH | flagACK,
			payload: []byte("NOOP\r\n"), ipid: uint16(i)}
		switch i % 6 {
		case 0:
			s.ihl = 4 // header shorter than the fixed 20 bytes
		case 1:
			s.ihl = 15 // 60-byte header in a 46-byte packet
		case 2:
			s.ihl = 16 // wraps to 0
		case 3:
			s.totalLen = 65535 // bigger than the frame
		case 4:
			s.totalLen = 10 // smaller than the IP header
		case 5:
			s.totalLen = 30 // cuts the TCP header
		}
		w.seg(&s, c.gap)
	}
	c.quit()
	return w.flush()
}

func ipv6Ext(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	n := p.n("ext-headers")
	ext := make([]byte, 0, 8*n)
	for i := range n {
		next := byte(60)
		if i == n-1 {
			next = 6
		}
		ext = append(ext, next, 0, 1, 4, 0, 0, 0, 0) // PadN of 4
	}
	cli := netip.AddrPortFrom(netip.MustParseAddr("fd00::1:1"), 40000)
	srv := netip.AddrPortFrom(netip.MustParseAddr("fd00::2"), 21)
	for i := range p.n("ext-packets") {
		s := segment{src: cli, dst: srv, seq: uint32(i) * 6, flags: flagPSH | flagACK, payload: []byte("NOOP\r\n")}
		if i == 0 {
			s.flags = flagSYN
			s.payload = nil
		}
		d, sm := mac(srv.Addr()), mac(cli.Addr())
		f := append(append(append(w.frame[:0], d[:]...), sm[:]...), 0x86, 0xdd)
		w.frame = s.appendIPv6(f, ext, 6)
		w.packet(w.frame)
		w.now = w.now.Add(100 * time.Microsecond)
	}
	return w.flush()
}

func fragOverlap(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	cli := client(1)
	data := make([]byte, 64)
	n := p.n("fragments")
	for i := range n {
		// 64 bytes at offsets that cycle through the first 32000 bytes
		// in steps of 24: each overlaps its neighbours.
		s := segment{src: cli, dst: server, ipid: 4242, fragment: true, more: true, fragOff: uint16((i * 3) % 4000), rawIP: data}
		w.seg(&s, 10*time.Microsecond)
	}
	s := segment{src: cli, dst: server, ipid: 4242, fragment: true, fragOff: 4000, rawIP: data}
	w.seg(&s, 10*time.Microsecond)
	return w.flush()
}

func seqJumps(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	c := session(w, 1, "anonymous", "guest@")
	base := c.seq[0]
	for i := range p.n("seq-jumps") {
		s := segment{src: c.ep[0], dst: c.ep[1], seq: base + uint32(i%2)<<31 + uint32(i)*6, ack: c.seq[1],
			flags: flagPSH | flagACK, payload: []byte("NOOP\r\n"), ipid: uint16(i)}
		w.seg(&s, c.gap)
	}
	c.quit()
	return w.flush()
}

func rstStorm(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	c := session(w, 1, "anonymous", "guest@")
	for i := range p.n("rsts") {
		side := i % 2
		s := segment{src: c.ep[side], dst: c.ep[1-side], seq: c.seq[side] + 1<<30 + uint32(i)*1000, flags: flagRST, ipid: uint16(i)}
		w.seg(&s, c.gap)
	}
	c.close(0)
	return w.flush()
}

// synFlood writes SYNs from deterministic pseudo-random sources; gap 0
// spreads them over 50 minutes.
func synFlood(port21 bool, gap time.Duration) func(io.Writer, Params) error {
	return func(out io.Writer, p Params) error {
		w := newPcap(out, 65535)
		n := p.n("syns")
		if gap == 0 {
			gap = 50 * time.Minute / time.Duration(n)
		}
		rnd := rand.New(rand.NewPCG(21, uint64(n)))
		for range n {
			r := rnd.Uint64()
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{100, byte(64 + r%64), byte(r >> 8), byte(r >> 16)}), uint16(1024+(r>>24)%64000))
			dst := server
			if !port21 {
				dst = netip.AddrPortFrom(server.Addr(), uint16(r>>40))
			}
			s := segment{src: src, dst: dst, seq: uint32(r >> 32), flags: flagSYN, ipid: uint16(r >> 48)}
			w.seg(&s, gap)
		}
		return w.flush()
	}
}
