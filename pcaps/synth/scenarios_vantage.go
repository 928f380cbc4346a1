package main

import (
	"fmt"
	"time"
)

// clientHostFirewallIdleCut has the shape of a reviewer's capture taken on
// the client's own interface (rv-real's client-host-fw-cut-client.pcap,
// 8 MB, recorded by rec.sh's client-host-fw-cut: curl on a direct link to
// vsftpd, the client host's firewall accepting established and related
// only, its conntrack timeout for established TCP 5 s). The control
// connection sits idle 9 s while a download flows; the client host's
// firewall forgot it and drops the 226 and its 7 retransmissions, which
// reach the client's interface, this capture's. Nothing on the wire tells
// the capture point: private addresses on one link, handshakes as quick on
// both sides.
func clientHostFirewallIdleCut() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("10.99.0.2:59506"), ap("10.99.0.1:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "ftp@example.com")
	k.exchange("EPSV", epsvReply(40080))
	d := c.newConn(0, ap("10.99.0.2:34712"), ap("10.99.0.1:40080"))
	d.handshake()
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	body := fileBody("big.bin", 96*1460)
	k.exchange("SIZE big.bin", fmt.Sprint("213 ", len(body)))
	k.cmd("RETR big.bin")
	k.send(false, []byte(retr150("big.bin", len(body))+"\r\n"))
	k.emit(k.ack(true))
	for i := 0; i < len(body); i += 8 * 1460 {
		// A slow link: 8 segments a second, the control connection idle.
		d.bulk(false, body[i:min(i+8*1460, len(body))])
		c.wait(750 * time.Millisecond)
	}
	d.close(false)
	done := k.data(false, []byte(xfer226+"\r\n"))
	start := c.now
	for _, at := range []time.Duration{0, 210, 630, 1470, 3150, 6510, 13230, 21100} {
		c.now = start.Add(at * time.Millisecond)
		k.emit(done)
	}
	// curl gives up 30 s after the RETR: its FIN, acknowledging what
	// came before the 226, sent again as the server's ACKs of it are
	// dropped too (the client's being there is what makes the copies a
	// drop, not a receiver gone).
	c.now = start.Add(21300 * time.Millisecond)
	fin := k.fin(true)
	fin.ackNo -= uint32(len(xfer226) + 2)
	for i := range 3 {
		c.now = start.Add(21300*time.Millisecond + time.Duration(i)*205*time.Millisecond)
		k.emit(fin)
		k.emit(k.ack(false))
	}
	return c
}
