package main

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// shortSession is a complete passive session with one RETR: PASV over
// IPv4, EPSV over IPv6. The control connection is on iface ctl, the data
// connection on iface data; the data connection uses the client's next
// port and the server's port pasv.
func shortSession(c *capture, ctl, data int, client, server netip.AddrPort, pasv uint16, user string) {
	k := c.newConn(ctl, client, server)
	k.greet("220 (vsFTPd 3.0.3)")
	k.login(user, "guest@example.com")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	dataAP := netip.AddrPortFrom(server.Addr(), pasv)
	if server.Addr().Is4() {
		k.exchange("PASV", pasvReply(dataAP))
	} else {
		k.exchange("EPSV", epsvReply(pasv))
	}
	d := c.newConn(data, netip.AddrPortFrom(client.Addr(), client.Port()+1), dataAP)
	const size = 3000
	k.download(d, "RETR readme.txt", retr150("readme.txt", size), fileBody("readme.txt", size), xfer226)
	k.quit()
}

func linktypeVLAN() *capture {
	c := newCapture(formatPcap, ethernetLink(vlanTag{layers.EthernetTypeDot1Q, 100}))
	shortSession(c, 0, 0, ap("192.168.10.100:51000"), ap("192.168.10.10:21"), 40200, "anonymous")
	return c
}

func linktypeQinQ() *capture {
	c := newCapture(formatPcap, ethernetLink(
		vlanTag{layers.EthernetTypeQinQ, 200}, vlanTag{layers.EthernetTypeDot1Q, 100}))
	shortSession(c, 0, 0, ap("192.168.20.100:51010"), ap("192.168.20.10:21"), 40210, "anonymous")
	return c
}

// linktypeSLL is a Linux "any" capture on the client.
func linktypeSLL() *capture {
	c := newCapture(formatPcap, cookedLink(layers.LinkTypeLinuxSLL, addr("192.168.30.100")))
	shortSession(c, 0, 0, ap("192.168.30.100:51020"), ap("192.168.30.10:21"), 40220, "anonymous")
	return c
}

func linktypeSLL2() *capture {
	c := newCapture(formatPcap, cookedLink(layers.LinkTypeLinuxSLL2, addr("192.168.40.100")))
	shortSession(c, 0, 0, ap("192.168.40.100:51030"), ap("192.168.40.10:21"), 40230, "anonymous")
	return c
}

// linktypeRaw carries an IPv4 and an IPv6 session with no link header.
func linktypeRaw() *capture {
	c := newCapture(formatPcap, &link{typ: layers.LinkTypeRaw})
	shortSession(c, 0, 0, ap("10.1.0.100:51040"), ap("10.1.0.10:21"), 40240, "anonymous")
	c.wait(time.Second)
	shortSession(c, 0, 0, ap("[fd00:1::100]:51050"), ap("[fd00:1::10]:21"), 40250, "anonymous")
	return c
}

// linktypeNull is a BSD/macOS lo0 capture: both ends share an address.
func linktypeNull() *capture {
	c := newCapture(formatPcap, &link{typ: layers.LinkTypeNull, bsdV6: uint32(layers.ProtocolFamilyIPv6Darwin)})
	shortSession(c, 0, 0, ap("127.0.0.1:51060"), ap("127.0.0.1:21"), 40260, "anonymous")
	c.wait(time.Second)
	shortSession(c, 0, 0, ap("[::1]:51070"), ap("[::1]:21"), 40270, "anonymous")
	return c
}

// multiIface captures control on an Ethernet interface and data on a
// Linux cooked one, in one pcapng section.
func multiIface() *capture {
	eth := ethernetLink()
	sll := cookedLink(layers.LinkTypeLinuxSLL, addr("192.168.50.100"))
	c := newCapture(formatPcapng, eth, sll)
	shortSession(c, 0, 1, ap("192.168.50.100:51080"), ap("192.168.50.10:21"), 40280, "anonymous")
	return c
}

// nanosecond steps the clock by a non-whole number of microseconds, and
// puts the data SYN 250 ns after the 227: only nanosecond timestamps
// keep them apart.
func nanosecond() *capture {
	c := newCapture(formatPcapNanos, ethernetLink())
	c.step = time.Millisecond + 123*time.Nanosecond
	k := c.newConn(0, ap("192.168.60.100:51090"), ap("192.168.60.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "guest@example.com")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	k.cmd("PASV")
	// Put the 227 100 ns past a millisecond and the SYN 250 ns later:
	// truncated to microseconds, both would carry the same time.
	c.now = c.now.Truncate(time.Millisecond).Add(time.Millisecond + 100*time.Nanosecond)
	step := c.step
	c.step = 250 * time.Nanosecond
	k.send(false, []byte(pasvReply(ap("192.168.60.10:40290"))+"\r\n"))
	c.step = step
	d := c.newConn(0, ap("192.168.60.100:51091"), ap("192.168.60.10:40290"))
	k.download(d, "RETR readme.txt", retr150("readme.txt", 3000), fileBody("readme.txt", 3000), xfer226)
	k.quit()
	return c
}
