package main

import (
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// peer is one side of a TCP connection: its address and send state.
type peer struct {
	ap   netip.AddrPort
	isn  uint32
	next uint32 // next sequence number this side will send
	win  uint16 // advertised window after the handshake (scaled by 2^7)
}

// conn is a TCP connection between a client (the opener) and a server on
// one capture interface. Sequence state lives in the peers, not in the
// capture, so a segment that is built but never emitted still consumes
// sequence space: that is a capture gap.
type conn struct {
	cap   *capture
	iface int
	cli   peer
	srv   peer
}

// seg is one TCP segment, built from the connection state at build time
// and written by emit; emitting it twice is a retransmission.
type seg struct {
	fromClient    bool
	seq, ackNo    uint32
	syn, ack, fin bool
	rst, psh, urg bool
	win, urgent   uint16
	payload       []byte
	opts          []layers.TCPOption
	ttl           uint8 // the IP TTL (hop limit); 0: 64, a Linux host's
}

// newConn derives both ISNs from the 4-tuple so each connection looks
// different but the output stays fixed.
func (c *capture) newConn(iface int, client, server netip.AddrPort) *conn {
	key := client.String() + ">" + server.String()
	return c.newConnISN(iface, client, server, hash32("c"+key), hash32("s"+key))
}

func (c *capture) newConnISN(iface int, client, server netip.AddrPort, cisn, sisn uint32) *conn {
	return &conn{
		cap: c, iface: iface,
		cli: peer{ap: client, isn: cisn, next: cisn, win: 502},
		srv: peer{ap: server, isn: sisn, next: sisn, win: 509},
	}
}

func (k *conn) sides(fromClient bool) (from, to *peer) {
	if fromClient {
		return &k.cli, &k.srv
	}
	return &k.srv, &k.cli
}

// synOptions are what a Linux stack offers without timestamps.
func synOptions() []layers.TCPOption {
	return []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
	}
}

// syn builds the client's SYN.
func (k *conn) syn() seg {
	k.cli.next = k.cli.isn + 1
	return seg{fromClient: true, seq: k.cli.isn, syn: true, win: 64240, opts: synOptions()}
}

// synAck builds the server's SYN/ACK.
func (k *conn) synAck() seg {
	k.srv.next = k.srv.isn + 1
	return seg{seq: k.srv.isn, ackNo: k.cli.next, syn: true, ack: true, win: 65160, opts: synOptions()}
}

// ack builds a pure ACK of everything the other side has sent.
func (k *conn) ack(fromClient bool) seg {
	from, to := k.sides(fromClient)
	return seg{fromClient: fromClient, seq: from.next, ackNo: to.next, ack: true, win: from.win}
}

// data builds a PSH/ACK segment carrying b and advances the sender.
func (k *conn) data(fromClient bool, b []byte) seg {
	s := k.ack(fromClient)
	s.psh = true
	s.payload = b
	from, _ := k.sides(fromClient)
	from.next += uint32(len(b))
	return s
}

// fin builds a FIN/ACK, which consumes one sequence number.
func (k *conn) fin(fromClient bool) seg {
	s := k.ack(fromClient)
	s.fin = true
	from, _ := k.sides(fromClient)
	from.next++
	return s
}

// rst builds an RST/ACK at the sender's current sequence number.
func (k *conn) rst(fromClient bool) seg {
	s := k.ack(fromClient)
	s.rst = true
	s.win = 0
	return s
}

// refuse builds the RST/ACK a host sends for a SYN to a closed port.
func (k *conn) refuse() seg {
	return seg{seq: 0, ackNo: k.cli.isn + 1, rst: true, ack: true}
}

// packet serializes s as an IP packet with valid checksums.
func (k *conn) packet(s seg) []byte {
	from, to := k.sides(s.fromClient)
	t := &layers.TCP{
		SrcPort: layers.TCPPort(from.ap.Port()), DstPort: layers.TCPPort(to.ap.Port()),
		Seq: s.seq, Ack: s.ackNo, Window: s.win, Urgent: s.urgent, Options: s.opts,
		SYN: s.syn, ACK: s.ack, FIN: s.fin, RST: s.rst, PSH: s.psh, URG: s.urg,
	}
	k.cap.ttl = s.ttl
	pkt, err := k.cap.ipPacket(from.ap.Addr(), to.ap.Addr(), layers.IPProtocolTCP, t, s.payload)
	k.cap.ttl = 0
	k.cap.fail(err)
	return pkt
}

// emit writes the segments in the order given and returns the IP packet
// of the last one, which an ICMP error can quote byte for byte.
func (k *conn) emit(segs ...seg) []byte {
	var pkt []byte
	for _, s := range segs {
		from, to := k.sides(s.fromClient)
		pkt = k.packet(s)
		k.cap.write(k.iface, from.ap.Addr(), to.ap.Addr(), pkt)
	}
	return pkt
}

// emitFragments writes s as IP fragments of the given payload sizes, in
// the given order of fragment indexes (nil: in order).
func (k *conn) emitFragments(s seg, sizes []int, order []int, id uint32) {
	from, to := k.sides(s.fromClient)
	frags, err := fragment(k.packet(s), sizes, id)
	if err != nil {
		k.cap.fail(err)
		return
	}
	if order == nil {
		for i := range frags {
			order = append(order, i)
		}
	}
	for _, i := range order {
		if i < 0 || i >= len(frags) {
			k.cap.fail(errBadFragmentOrder)
			return
		}
		k.cap.write(k.iface, from.ap.Addr(), to.ap.Addr(), frags[i])
	}
}

// handshake writes SYN, SYN/ACK, ACK.
func (k *conn) handshake() {
	k.emit(k.syn())
	k.emit(k.synAck())
	k.emit(k.ack(true))
}

// send writes b from one side as segments cut at the given increasing
// offsets; the caller decides when the peer ACKs.
func (k *conn) send(fromClient bool, b []byte, splits ...int) {
	cuts := append(append([]int{0}, splits...), len(b))
	for i := 1; i < len(cuts); i++ {
		if cuts[i] <= cuts[i-1] {
			k.cap.fail(errBadSplit)
			return
		}
	}
	for i := 1; i < len(cuts); i++ {
		k.emit(k.data(fromClient, b[cuts[i-1]:cuts[i]]))
	}
}

// bulk writes b in MSS-sized segments; the receiver ACKs every second
// segment and the last one, as delayed ACK does.
func (k *conn) bulk(fromClient bool, b []byte) {
	const mss = 1460
	for i, n := 0, 0; i < len(b); n++ {
		end := min(i+mss, len(b))
		k.emit(k.data(fromClient, b[i:end]))
		i = end
		if n%2 == 1 || i == len(b) {
			k.emit(k.ack(!fromClient))
		}
	}
}

// close writes the orderly release started by one side: FIN, FIN/ACK from
// the peer, final ACK.
func (k *conn) close(fromClient bool) {
	k.emit(k.fin(fromClient))
	k.emit(k.fin(!fromClient))
	k.emit(k.ack(fromClient))
}
