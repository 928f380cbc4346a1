package main

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// forwarder is a box the capture is taken on (tcpdump -i any on a router
// or a NAT) that forwards the packets the scenario builds: each is
// written as it arrives, then, 30 µs later, as the box sends it on: one
// hop lower, its addresses translated by nat, on the other interface.
// One the box's forward chain drops (drop) is written arriving only.
type forwarder struct {
	// lan: the addresses on the box's first side (the clients'); their
	// packets arrive on lanIf and leave on wanIf, the others' the other
	// way. A cooked "any" capture has one interface for both.
	lan          map[netip.Addr]bool
	lanIf, wanIf int
	// nat maps an inside address to the box's outside one (SNAT): the
	// scenario builds packets with the inside address, and the box's
	// outside side sees the other.
	nat  map[netip.Addr]netip.Addr
	drop func(src, dst netip.AddrPort, syn bool) bool
}

// forwardCopy is how long the box takes to send a packet on.
const forwardCopy = 30 * time.Microsecond

// forward writes pkt (src to dst, as built) arriving at the box and, unless
// dropped, leaving it.
func (c *capture) forward(src, dst netip.Addr, pkt []byte) {
	f := c.fwd
	in, out := f.wanIf, f.lanIf
	if f.lan[src] {
		in, out = f.lanIf, f.wanIf
	}
	// The inside addresses are on the box's lan side: a packet from
	// inside arrives as built and leaves translated, one to inside
	// arrives translated and leaves as built.
	arrive := pkt
	if o, ok := f.nat[dst]; ok {
		arrive = c.rewrite(pkt, netip.Addr{}, o, 0)
	}
	keep := true
	if f.drop != nil {
		keep = !f.drop(tcpEnds(pkt))
	}
	ts := c.now
	c.frame(in, layers.LinuxSLLPacketTypeHost, arrive)
	if keep {
		leave := c.rewrite(pkt, f.nat[src], netip.Addr{}, 1) // (no entry: the zero address, kept)
		c.now = ts.Add(forwardCopy)
		c.frame(out, layers.LinuxSLLPacketTypeOutgoing, leave)
	}
	c.now = ts.Add(c.step)
}

// frame records IPv4 packet pkt on interface iface at the current time,
// a cooked header saying way.
func (c *capture) frame(iface int, way layers.LinuxSLLPacketType, pkt []byte) {
	if c.err != nil {
		return
	}
	l := c.links[iface]
	l.way = &way
	src, dst := ipEnds(pkt)
	frame, err := l.frame(src, dst, pkt)
	l.way = nil
	if err != nil {
		c.fail(err)
		return
	}
	c.recs = append(c.recs, record{ts: c.now, iface: iface, data: frame})
}

// rewrite is IPv4 packet pkt with its source or destination address
// replaced (when valid) and its TTL lowered by hops, checksums made
// again.
func (c *capture) rewrite(pkt []byte, src, dst netip.Addr, hops uint8) []byte {
	p := gopacket.NewPacket(pkt, layers.LayerTypeIPv4, gopacket.Default)
	ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if ip == nil || tcp == nil {
		c.fail(fmt.Errorf("forward: not an IPv4 TCP packet"))
		return pkt
	}
	if src.IsValid() {
		ip.SrcIP = src.AsSlice()
	}
	if dst.IsValid() {
		ip.DstIP = dst.AsSlice()
	}
	ip.TTL -= hops
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		c.fail(err)
		return pkt
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, serializeOpts, ip, tcp, gopacket.Payload(tcp.Payload)); err != nil {
		c.fail(err)
		return pkt
	}
	return append([]byte(nil), buf.Bytes()...)
}

// ipEnds are an IPv4 packet's addresses.
func ipEnds(pkt []byte) (src, dst netip.Addr) {
	if len(pkt) < 20 {
		return src, dst
	}
	return netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20]))
}

// tcpEnds are an IPv4 TCP packet's endpoints, and whether it is a SYN.
func tcpEnds(pkt []byte) (src, dst netip.AddrPort, syn bool) {
	a, b := ipEnds(pkt)
	h := int(pkt[0]&0xf) * 4
	if len(pkt) < h+14 {
		return src, dst, false
	}
	sp := uint16(pkt[h])<<8 | uint16(pkt[h+1])
	dp := uint16(pkt[h+2])<<8 | uint16(pkt[h+3])
	return netip.AddrPortFrom(a, sp), netip.AddrPortFrom(b, dp), pkt[h+13]&0x02 != 0
}

// dropPort drops every packet to port, as a forward chain that does not
// accept it does.
func dropPort(port uint16) func(src, dst netip.AddrPort, syn bool) bool {
	return func(_, dst netip.AddrPort, _ bool) bool { return dst.Port() == port }
}

// boxSession is the session of the box scenarios: a passive download
// that works, and one whose SYNs the box drops (3, over Linux's 1 s and
// 2 s backoff), the server's 425 after its accept timeout.
func boxSession(c *capture, client, server netip.Addr, okPort, dropPort uint16) {
	boxSessionAnnouncing(c, client, server, server, okPort, dropPort)
}

// boxSessionAnnouncing is boxSession with the server announcing
// announce in its 227s (a public address a NAT in front of it has).
func boxSessionAnnouncing(c *capture, client, server, announce netip.Addr, okPort, dropPort uint16) {
	k := c.newConn(0, netip.AddrPortFrom(client, 40000), netip.AddrPortFrom(server, 21))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("alice", "alice-pw")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	k.exchange("PASV", pasvReply(netip.AddrPortFrom(announce, okPort)))
	d := c.newConn(0, netip.AddrPortFrom(client, 40001), netip.AddrPortFrom(server, okPort))
	k.download(d, "RETR good.bin", retr150("good.bin", 3000), fileBody("good.bin", 3000), xfer226)
	k.exchange("PASV", pasvReply(netip.AddrPortFrom(announce, dropPort)))
	k.cmd("RETR blocked.bin")
	d = c.newConn(0, netip.AddrPortFrom(client, 40002), netip.AddrPortFrom(server, dropPort))
	syn := d.syn()
	for _, pause := range []time.Duration{time.Second, 2 * time.Second} {
		d.emit(syn)
		c.wait(pause - c.step)
	}
	d.emit(syn)
	c.wait(time.Second)
	k.reply("425 Failed to establish connection.")
	k.quit()
}

// boxActiveSession is boxSession in active mode: the server's SYNs from
// port 20 to the client's second PORT are the ones the box drops.
func boxActiveSession(c *capture, client, server netip.Addr, okPort, dropPort uint16) {
	k := c.newConn(0, netip.AddrPortFrom(client, 40100), netip.AddrPortFrom(server, 21))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("alice", "alice-pw")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	k.exchange("PORT "+portArg(netip.AddrPortFrom(client, okPort)), "200 PORT command successful. Consider using PASV.")
	d := c.newConn(0, netip.AddrPortFrom(server, 20), netip.AddrPortFrom(client, okPort))
	k.activeDownload(d, "RETR good.bin", retr150("good.bin", 3000), fileBody("good.bin", 3000), xfer226)
	k.exchange("PORT "+portArg(netip.AddrPortFrom(client, dropPort)), "200 PORT command successful. Consider using PASV.")
	k.cmd("RETR blocked.bin")
	d = c.newConn(0, netip.AddrPortFrom(server, 20), netip.AddrPortFrom(client, dropPort))
	syn := d.syn()
	for _, pause := range []time.Duration{time.Second, 2 * time.Second} {
		d.emit(syn)
		c.wait(pause - c.step)
	}
	d.emit(syn)
	c.wait(time.Second)
	k.reply("425 Failed to establish connection.")
	k.quit()
}

// boxRouterAny: tcpdump -i any on a router between client and server
// (Linux cooked v1: every forwarded packet arriving, then leaving one hop
// lower); its forward chain drops the SYNs to the second passive port,
// seen arriving only.
func boxRouterAny() *capture {
	c := newCapture(formatPcap, cookedLink(layers.LinkTypeLinuxSLL))
	c.fwd = &forwarder{lan: map[netip.Addr]bool{addr("10.60.1.2"): true}, drop: dropPort(50101)}
	boxSession(c, addr("10.60.1.2"), addr("10.60.2.10"), 50100, 50101)
	return c
}

// boxRouterAnyActive is boxRouterAny in active mode: the server's SYNs
// to the client's second PORT are dropped.
func boxRouterAnyActive() *capture {
	c := newCapture(formatPcap, cookedLink(layers.LinkTypeLinuxSLL))
	c.fwd = &forwarder{lan: map[netip.Addr]bool{addr("10.61.1.2"): true}, drop: dropPort(50201)}
	boxActiveSession(c, addr("10.61.1.2"), addr("10.61.2.10"), 50200, 50201)
	return c
}

// boxNATAny: tcpdump -i any on a NAT router (Linux cooked v2) that
// masquerades its LAN client 192.168.61.2 as 203.0.113.61: the session
// is seen twice, under each side's addresses; the forward chain drops
// the SYNs to the second passive port, seen on the LAN side only.
func boxNATAny() *capture {
	c := newCapture(formatPcap, cookedLink(layers.LinkTypeLinuxSLL2))
	cli := addr("192.168.61.2")
	c.fwd = &forwarder{lan: map[netip.Addr]bool{cli: true}, nat: map[netip.Addr]netip.Addr{cli: addr("203.0.113.61")}, drop: dropPort(50301)}
	boxSession(c, cli, addr("198.51.100.61"), 50300, 50301)
	return c
}

// boxRouterTwoPorts: the router of boxRouterAny captured on its two
// Ethernet interfaces into one pcapng, which records no direction: each
// forwarded packet is seen on the first and again, one hop lower, on the
// second; the dropped SYNs on the first only.
func boxRouterTwoPorts() *capture {
	lan, wan := ethernetLink(), ethernetLink()
	lan.name, wan.name = "eth0", "eth1"
	c := newCapture(formatPcapng, lan, wan)
	c.fwd = &forwarder{lan: map[netip.Addr]bool{addr("10.62.1.2"): true}, lanIf: 0, wanIf: 1, drop: dropPort(50401)}
	boxSession(c, addr("10.62.1.2"), addr("10.62.2.10"), 50400, 50401)
	return c
}

// boxRouterAnyBeyond is boxRouterAny whose box passes the SYNs on (seen
// arriving and leaving) and nothing answers them: dropped beyond the box.
func boxRouterAnyBeyond() *capture {
	c := newCapture(formatPcap, cookedLink(layers.LinkTypeLinuxSLL))
	c.fwd = &forwarder{lan: map[netip.Addr]bool{addr("10.63.1.2"): true}}
	boxSession(c, addr("10.63.1.2"), addr("10.63.2.10"), 50500, 50501)
	return c
}

// boxServerHostAny is tcpdump -i any on the server itself (its own
// packets outgoing, the client's arriving): its input chain drops the
// SYNs to the second passive port, seen arriving, as every client
// packet is. No box forwards anything.
func boxServerHostAny() *capture {
	c := newCapture(formatPcap, cookedLink(layers.LinkTypeLinuxSLL, addr("10.64.2.10")))
	boxSession(c, addr("10.64.1.2"), addr("10.64.2.10"), 50600, 50601)
	return c
}

// boxDNATAny: tcpdump -i any on a NAT router in front of the server
// 192.168.65.10, which it forwards (DNAT) at 203.0.113.65 and which
// announces that address; the router forwards port 21 and the first
// passive port, not the second: the client's SYNs to it are seen on the
// outside only.
func boxDNATAny() *capture {
	c := newCapture(formatPcap, cookedLink(layers.LinkTypeLinuxSLL2))
	srv := addr("192.168.65.10")
	c.fwd = &forwarder{lan: map[netip.Addr]bool{srv: true}, nat: map[netip.Addr]netip.Addr{srv: addr("203.0.113.65")}, drop: dropPort(50701)}
	boxSessionAnnouncing(c, addr("198.51.100.65"), srv, addr("203.0.113.65"), 50700, 50701)
	return c
}
