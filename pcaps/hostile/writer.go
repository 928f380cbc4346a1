package hostile

import (
	"bufio"
	"encoding/binary"
	"io"
	"net/netip"
	"time"
)

// Start is the first packet's time in every shape.
var Start = time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)

// pcapWriter streams pcap records (Ethernet, microseconds) and keeps the
// clock. The first write error sticks.
type pcapWriter struct {
	bw    *bufio.Writer
	ng    bool // records are pcapng enhanced packet blocks on interface 0
	now   time.Time
	frame []byte
	err   error
}

func newPcap(w io.Writer, snaplen uint32) *pcapWriter {
	p := &pcapWriter{bw: bufio.NewWriterSize(w, 1<<20), now: Start, frame: make([]byte, 0, 1<<16)}
	h := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 4)
	h = binary.LittleEndian.AppendUint64(h, 0)
	h = binary.LittleEndian.AppendUint32(h, snaplen)
	h = binary.LittleEndian.AppendUint32(h, 1) // Ethernet
	p.write(h)
	return p
}

func (p *pcapWriter) write(b []byte) {
	if p.err == nil {
		_, p.err = p.bw.Write(b)
	}
}

// newPcapng starts a little-endian pcapng file: a section header and an
// Ethernet interface (microseconds, no snap length).
func newPcapng(w io.Writer) *pcapWriter {
	p := &pcapWriter{bw: bufio.NewWriterSize(w, 1<<20), now: Start, frame: make([]byte, 0, 1<<16), ng: true}
	shb := binary.LittleEndian.AppendUint32(nil, 0x1a2b3c4d)
	shb = binary.LittleEndian.AppendUint16(shb, 1)
	shb = binary.LittleEndian.AppendUint16(shb, 0)
	shb = binary.LittleEndian.AppendUint64(shb, ^uint64(0))
	p.write(ngBlock(0x0a0d0d0a, shb))
	p.write(ngIDB(1))
	return p
}

// ngBlock frames a little-endian pcapng block, padding body to 4 bytes.
func ngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, n)
}

// ngIDB is an interface description block of the link type, no options.
func ngIDB(link uint16) []byte {
	body := binary.LittleEndian.AppendUint16(nil, link)
	body = binary.LittleEndian.AppendUint16(body, 0)
	body = binary.LittleEndian.AppendUint32(body, 0)
	return ngBlock(1, body)
}

// record writes one record whose header says caplen and origlen.
func (p *pcapWriter) record(data []byte, caplen, origlen uint32) {
	if p.ng {
		p.epb(data, caplen, origlen)
		return
	}
	var h [16]byte
	us := p.now.UnixMicro()
	binary.LittleEndian.PutUint32(h[0:], uint32(us/1e6))
	binary.LittleEndian.PutUint32(h[4:], uint32(us%1e6))
	binary.LittleEndian.PutUint32(h[8:], caplen)
	binary.LittleEndian.PutUint32(h[12:], origlen)
	p.write(h[:])
	p.write(data)
}

func (p *pcapWriter) epb(data []byte, caplen, origlen uint32) {
	pad := (4 - len(data)%4) % 4
	n := uint32(32 + len(data) + pad)
	var h [28]byte
	us := uint64(p.now.UnixMicro())
	binary.LittleEndian.PutUint32(h[0:], 6)
	binary.LittleEndian.PutUint32(h[4:], n)
	binary.LittleEndian.PutUint32(h[12:], uint32(us>>32))
	binary.LittleEndian.PutUint32(h[16:], uint32(us))
	binary.LittleEndian.PutUint32(h[20:], caplen)
	binary.LittleEndian.PutUint32(h[24:], origlen)
	p.write(h[:])
	p.write(data)
	var t [8]byte
	binary.LittleEndian.PutUint32(t[pad:], n)
	p.write(t[:pad+4])
}

// packet writes a frame as it is.
func (p *pcapWriter) packet(frame []byte) {
	p.record(frame, uint32(len(frame)), uint32(len(frame)))
}

// seg builds s and writes it, then advances the clock by gap.
func (p *pcapWriter) seg(s *segment, gap time.Duration) {
	p.frame = s.appendFrame(p.frame[:0])
	p.packet(p.frame)
	p.now = p.now.Add(gap)
}

func (p *pcapWriter) flush() error {
	if p.err == nil {
		p.err = p.bw.Flush()
	}
	return p.err
}

// conn is a TCP connection being written; side 0 opened it.
type conn struct {
	w   *pcapWriter
	ep  [2]netip.AddrPort
	seq [2]uint32
	id  [2]uint16
	gap time.Duration // clock advance after each packet
}

func newConn(w *pcapWriter, client, server netip.AddrPort, isn uint32) *conn {
	return &conn{w: w, ep: [2]netip.AddrPort{client, server}, seq: [2]uint32{isn, isn ^ 0x5a5a5a5a}, gap: 100 * time.Microsecond}
}

// send writes one segment from side, with the ACK of the other side's
// next byte, and advances side's sequence number.
func (c *conn) send(side int, flags uint8, payload []byte) {
	s := segment{src: c.ep[side], dst: c.ep[1-side], seq: c.seq[side], flags: flags, payload: payload, ipid: c.id[side]}
	if flags&flagACK != 0 {
		s.ack = c.seq[1-side]
	}
	c.w.seg(&s, c.gap)
	c.id[side]++
	c.seq[side] += uint32(len(payload))
	if flags&(flagSYN|flagFIN) != 0 {
		c.seq[side]++
	}
}

// open writes the three-way handshake.
func (c *conn) open() {
	c.send(0, flagSYN, nil)
	c.send(1, flagSYN|flagACK, nil)
	c.send(0, flagACK, nil)
}

// close writes FIN, FIN/ACK, ACK with side closing first.
func (c *conn) close(side int) {
	c.send(side, flagFIN|flagACK, nil)
	c.send(1-side, flagFIN|flagACK, nil)
	c.send(side, flagACK, nil)
}

var (
	server    = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 2}), 21)
	thirdHost = netip.AddrFrom4([4]byte{10, 9, 9, 9})
)

// client is the control-connection client number n: a distinct address
// and port, so that hundreds of thousands of sessions do not collide.
func client(n uint32) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1 + byte(n>>24), byte(n >> 16), byte(n >> 8)}), 20000+uint16(n&0xff))
}
