package bench

import (
	"bufio"
	"encoding/binary"
	"io"
	"net/netip"
	"time"
)

// TCP flag bits as they sit in the header's flags byte.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

// Traffic classes, for the statistics.
const (
	classControl = iota
	classData
	classOther
	classShort // other traffic, in short flows
)

// Header sizes. Every non-SYN segment carries the timestamp option
// (NOP NOP TS), as Linux sends it, so a full segment is 1448 bytes of
// payload over IPv4 and 1428 over IPv6 in a 1514-byte frame.
const (
	ethLen     = 14
	ip4Len     = 20
	ip6Len     = 40
	tcpLen     = 32 // 20 + NOP NOP TS
	tcpSYNLen  = 40 // 20 + MSS, SACK permitted, TS, NOP, WS
	mtu        = 1500
	maxFrame   = ethLen + ip6Len + tcpSYNLen + mtu
	recHdrLen  = 16
	pcapHdrLen = 24
)

// endpoint is one side of a connection.
type endpoint struct {
	addr netip.Addr
	port uint16
	mac  [6]byte
}

// conn is one TCP connection; side 0 opened it.
type conn struct {
	ep    [2]endpoint
	v6    bool
	class uint8
	mss   int // payload bytes in a full segment
	seq   [2]uint32
	ts    [2]uint32
	ipid  [2]uint16
}

func newConn(client, server endpoint, class uint8, rnd func() uint32) *conn {
	c := &conn{ep: [2]endpoint{client, server}, v6: client.addr.Is6(), class: class}
	c.mss = mtu - ip4Len - tcpLen
	if c.v6 {
		c.mss = mtu - ip6Len - tcpLen
	}
	for i := range 2 {
		c.seq[i] = rnd()
		c.ts[i] = rnd()
		c.ipid[i] = uint16(rnd())
	}
	return c
}

// writer writes pcap records to a buffered stream and keeps the clock.
type writer struct {
	bw    *bufio.Writer
	frame [recHdrLen + maxFrame]byte
	now   time.Time
	stats *Stats
	err   error
}

func newWriter(w io.Writer, start time.Time, st *Stats) *writer {
	wr := &writer{bw: bufio.NewWriterSize(w, 1<<20), now: start, stats: st}
	var h [pcapHdrLen]byte
	le := binary.LittleEndian
	le.PutUint32(h[0:], 0xa1b2c3d4) // microsecond pcap
	le.PutUint16(h[4:], 2)
	le.PutUint16(h[6:], 4)
	le.PutUint32(h[16:], 65535) // snap length
	le.PutUint32(h[20:], 1)     // LINKTYPE_ETHERNET
	wr.write(h[:])
	return wr
}

func (w *writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.bw.Write(b)
	w.stats.Bytes += int64(n)
	w.err = err
}

func (w *writer) flush() error {
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	return w.err
}

// emit writes one segment of c from side dir (0 = opener) with the given
// flags and payload, acknowledging everything the other side sent, and
// advances the sequence numbers.
func (w *writer) emit(c *conn, dir int, flags uint8, payload []byte, gap time.Duration) {
	w.now = w.now.Add(gap)
	be := binary.BigEndian
	src, dst := &c.ep[dir], &c.ep[1-dir]
	f := w.frame[recHdrLen:]

	// Ethernet
	copy(f[0:6], dst.mac[:])
	copy(f[6:12], src.mac[:])
	ipLen, thl := ip4Len, tcpLen
	if c.v6 {
		ipLen = ip6Len
		be.PutUint16(f[12:], 0x86dd)
	} else {
		be.PutUint16(f[12:], 0x0800)
	}
	if flags&tcpSYN != 0 {
		thl = tcpSYNLen
	}
	segLen := thl + len(payload)
	ip := f[ethLen : ethLen+ipLen]
	tcp := f[ethLen+ipLen : ethLen+ipLen+segLen]

	// TCP header, options and payload
	be.PutUint16(tcp[0:], src.port)
	be.PutUint16(tcp[2:], dst.port)
	be.PutUint32(tcp[4:], c.seq[dir])
	var ack uint32
	if flags&tcpACK != 0 {
		ack = c.seq[1-dir]
	}
	be.PutUint32(tcp[8:], ack)
	tcp[12] = byte(thl/4) << 4
	tcp[13] = flags
	be.PutUint16(tcp[14:], 502+uint16(dir)*7) // scaled window
	tcp[16], tcp[17], tcp[18], tcp[19] = 0, 0, 0, 0
	c.ts[dir]++
	var ecr uint32
	if flags&tcpACK != 0 {
		ecr = c.ts[1-dir]
	}
	o := tcp[20:thl]
	if flags&tcpSYN != 0 {
		o[0], o[1] = 2, 4 // MSS
		be.PutUint16(o[2:], uint16(c.mss+12))
		o[4], o[5] = 4, 2 // SACK permitted
		o[6], o[7] = 8, 10
		be.PutUint32(o[8:], c.ts[dir])
		be.PutUint32(o[12:], ecr)
		o[16] = 1                     // NOP
		o[17], o[18], o[19] = 3, 3, 7 // window scale
	} else {
		o[0], o[1], o[2], o[3] = 1, 1, 8, 10
		be.PutUint32(o[4:], c.ts[dir])
		be.PutUint32(o[8:], ecr)
	}
	copy(tcp[thl:], payload)

	// IP header, and the pseudo-header sum for the TCP checksum
	var pseudo uint64
	if c.v6 {
		be.PutUint32(ip[0:], 0x60000000|uint32(src.port)<<4&0xfffff)
		be.PutUint16(ip[4:], uint16(segLen))
		ip[6], ip[7] = 6, 64
		s, d := src.addr.As16(), dst.addr.As16()
		copy(ip[8:24], s[:])
		copy(ip[24:40], d[:])
		pseudo = sum(ip[8:40], uint64(segLen)+6)
	} else {
		ip[0], ip[1] = 0x45, 0
		be.PutUint16(ip[2:], uint16(ipLen+segLen))
		be.PutUint16(ip[4:], c.ipid[dir])
		c.ipid[dir]++
		be.PutUint16(ip[6:], 0x4000) // DF
		ip[8], ip[9] = 64, 6
		ip[10], ip[11] = 0, 0
		s, d := src.addr.As4(), dst.addr.As4()
		copy(ip[12:16], s[:])
		copy(ip[16:20], d[:])
		be.PutUint16(ip[10:], fold(sum(ip, 0)))
		pseudo = sum(ip[12:20], uint64(segLen)+6)
	}
	be.PutUint16(tcp[16:], fold(sum(tcp, pseudo)))

	adv := uint32(len(payload))
	if flags&(tcpSYN|tcpFIN) != 0 {
		adv++
	}
	c.seq[dir] += adv

	n := ethLen + ipLen + segLen
	rec := w.frame[:recHdrLen]
	le := binary.LittleEndian
	le.PutUint32(rec[0:], uint32(w.now.Unix()))
	le.PutUint32(rec[4:], uint32(w.now.Nanosecond()/1000))
	le.PutUint32(rec[8:], uint32(n))
	le.PutUint32(rec[12:], uint32(n))
	w.write(w.frame[:recHdrLen+n])

	w.stats.Packets++
	switch c.class {
	case classControl:
		w.stats.ControlPackets++
	case classData:
		w.stats.DataPackets++
	case classShort:
		w.stats.ShortFlowPackets++
		w.stats.OtherPackets++
	default:
		w.stats.OtherPackets++
	}
	if c.v6 {
		w.stats.IPv6Packets++
	}
}

// sum adds b as big-endian 16-bit words to s, four bytes at a time; the
// one's-complement fold happens once at the end.
func sum(b []byte, s uint64) uint64 {
	be := binary.BigEndian
	for len(b) >= 8 {
		s += uint64(be.Uint32(b)) + uint64(be.Uint32(b[4:]))
		b = b[8:]
	}
	if len(b) >= 4 {
		s += uint64(be.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		s += uint64(be.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
