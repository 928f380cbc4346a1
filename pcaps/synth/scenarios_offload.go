package main

import "encoding/binary"

// offloadLengths: a RETR captured on the server, whose NIC offloads: one
// frame large receive offload would make (three segments, the IPv4 total
// length the first one's), one TCP segmentation offload super-segment
// (total length 0), and the client's ACK with total length 0 in a frame
// padded to Ethernet's 60 bytes (its padding is no payload). ftpsniff reads
// the lengths from the frames and says so in a note.
func offloadLengths() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := extractSession(c, "198.51.100.7:50180")
	k.exchange("PASV", pasvReply(ap("192.0.2.21:40180")))
	d := c.newConn(0, ap("198.51.100.7:50181"), ap("192.0.2.21:40180"))
	body := fileBody("offload.bin", 9000)
	d.handshake()
	k.cmd("RETR offload.bin")
	k.send(false, []byte(retr150("offload.bin", len(body))+"\r\n"))
	srv, cli := ap("192.0.2.21:40180").Addr(), ap("198.51.100.7:50181").Addr()
	lro := d.packet(d.data(false, body[:4344]))
	c.write(0, srv, cli, withTotalLength(lro, len(lro)-4344+1448))
	tso := d.packet(d.data(false, body[4344:7344]))
	c.write(0, srv, cli, withTotalLength(tso, 0))
	ack := d.packet(d.ack(true))
	c.write(0, cli, srv, append(withTotalLength(ack, 0), make([]byte, 60-14-len(ack))...))
	d.emit(d.data(false, body[7344:]))
	d.emit(d.ack(true))
	d.close(false)
	k.emit(k.ack(true))
	k.reply(xfer226)
	k.quit()
	return c
}

// withTotalLength sets an IPv4 packet's total length to n, its header
// checksum to match.
func withTotalLength(pkt []byte, n int) []byte {
	binary.BigEndian.PutUint16(pkt[2:], uint16(n))
	pkt[10], pkt[11] = 0, 0
	ihl := int(pkt[0]&0x0f) * 4
	var sum uint32
	for i := 0; i < ihl; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(pkt[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(pkt[10:], ^uint16(sum))
	return pkt
}
