package main

import (
	"fmt"
	"net/netip"
	"time"
)

// The failure stories no Debian server in the lab produces
// (docs/troubleshooting.md), built from the packet shapes
// ../shared/notes/failure-stories.md describes.

// bounceScan: a client asks the server to connect to ten ports of a third
// host, one PORT each (nmap -b); the server accepts each and connects out:
// two ports answer (open), the rest reset (closed). Then a PORT to the
// client's own privileged port, refused, and a PORT to a third host the
// server never answers before the client quits.
func bounceScan() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("198.51.100.66:51000"), ap("203.0.113.10:21"))
	k.greet("220 ProFTPD Server (Debian)")
	k.login("anonymous", "scan@example.com")
	for i, port := range []uint16{21, 22, 23, 25, 53, 80, 110, 143, 443, 8080} {
		target := ap(fmt.Sprintf("192.0.2.50:%d", port))
		k.exchange("PORT "+portArg(target), "200 PORT command successful")
		d := c.newConn(0, ap(fmt.Sprintf("203.0.113.10:%d", 20100+i)), target)
		k.cmd("LIST")
		if port == 22 || port == 80 {
			d.handshake()
			k.send(false, []byte("150 Opening ASCII mode data connection for file list\r\n"))
			d.close(false)
			k.send(false, []byte("226 Transfer complete\r\n"))
		} else {
			d.emit(d.syn())
			d.emit(d.refuse())
			k.send(false, []byte("425 Unable to build data connection: Connection refused\r\n"))
		}
		k.emit(k.ack(true))
		c.wait(thinkTime)
	}
	k.quit()

	c.wait(time.Second)
	o := c.newConn(0, ap("198.51.100.67:51010"), ap("203.0.113.10:21"))
	o.greet("220 ProFTPD Server (Debian)")
	o.login("anonymous", "probe@example.com")
	o.exchange("PORT "+portArg(ap("198.51.100.67:25")), "500 Illegal PORT command")
	o.cmd("PORT " + portArg(ap("192.0.2.51:25")))
	c.wait(3 * time.Second)
	o.close(true)
	return c
}

// finalReply250: an embedded server ends each transfer with 250; the
// first client goes on (it accepts 250), the second waits for a 226 and
// gives up after 20 s.
func finalReply250() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.7.20:52000"), ap("192.168.7.5:21"))
	k.greet("220 NetX FTP Server ready.")
	k.login("device", "device-pw")
	k.exchange("TYPE I", "200 Type set to I.")
	k.exchange("PASV", pasvReply(ap("192.168.7.5:40200")))
	d := c.newConn(0, ap("192.168.7.20:52001"), ap("192.168.7.5:40200"))
	k.download(d, "RETR log.txt", "150 Opening data connection.", fileBody("log.txt", 3000), "250 File transfer completed.")
	k.exchange("PASV", pasvReply(ap("192.168.7.5:40201")))
	d = c.newConn(0, ap("192.168.7.20:52002"), ap("192.168.7.5:40201"))
	k.download(d, "NLST", "150 Opening data connection.", listing("log.txt", "cfg.bin"), "250 File transfer completed.")
	k.quit()

	c.wait(time.Second)
	h := c.newConn(0, ap("192.168.7.21:52010"), ap("192.168.7.5:21"))
	h.greet("220 NetX FTP Server ready.")
	h.login("device", "device-pw")
	h.exchange("TYPE I", "200 Type set to I.")
	h.exchange("PASV", pasvReply(ap("192.168.7.5:40202")))
	d = c.newConn(0, ap("192.168.7.21:52011"), ap("192.168.7.5:40202"))
	h.download(d, "RETR cfg.bin", "150 Opening data connection.", fileBody("cfg.bin", 2048), "250 File transfer completed.")
	c.wait(20 * time.Second)
	h.emit(h.rst(true))
	return c
}

// epsvFiltered: curl behind a NAT64-style middlebox that forwards only
// what a 227 announced: EPSV's port gets no answer (SYNs over 3 s, curl's
// connect timeout), curl logs "Failed EPSV attempt", sends PASV, and PASV
// works.
func epsvFiltered() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("198.51.100.30:53000"), ap("203.0.113.40:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "ftp@example.com")
	k.exchange("PWD", `257 "/" is the current directory`)
	k.exchange("EPSV", epsvReply(40031))
	d := c.newConn(0, ap("198.51.100.30:53001"), ap("203.0.113.40:40031"))
	syn := d.syn()
	for _, pause := range []time.Duration{time.Second, 2 * time.Second} {
		d.emit(syn)
		c.wait(pause - c.step)
	}
	k.exchange("PASV", pasvReply(ap("203.0.113.40:40032")))
	d = c.newConn(0, ap("198.51.100.30:53002"), ap("203.0.113.40:40032"))
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	k.download(d, "RETR report.txt", retr150("report.txt", 4640), fileBody("report.txt", 4640), xfer226)
	k.quit()
	return c
}

// rangeExhausted: a ProFTPD with PassivePorts 40000 40003 serves a burst
// of eight transfers (one session each, a second apart). The first four
// take the four ports; the fifth 227 names 47129, a port the kernel chose
// (ProFTPD's fallback when every PassivePorts port is taken), which the
// firewall, open only for 40000-40003, drops.
func rangeExhausted() *capture {
	c := newCapture(formatPcap, ethernetLink())
	for i := 0; i < 5; i++ {
		cli := fmt.Sprintf("198.51.100.%d", 80+i)
		k := c.newConn(0, ap(cli+":54000"), ap("203.0.113.60:21"))
		k.greet("220 ProFTPD Server (Debian)")
		k.login("backup", "backup-pw")
		k.exchange("TYPE I", "200 Type set to I")
		port := uint16(40000 + i)
		if i == 4 {
			port = 47129
		}
		k.exchange("PASV", pasvReply(ap(fmt.Sprintf("203.0.113.60:%d", port))))
		d := c.newConn(0, ap(cli+":54001"), ap(fmt.Sprintf("203.0.113.60:%d", port)))
		if i < 4 {
			k.download(d, "RETR nightly.tar", retr150("nightly.tar", 6000), fileBody("nightly.tar", 6000), xfer226)
			k.quit()
			c.wait(time.Second)
			continue
		}
		syn := d.syn()
		for _, pause := range []time.Duration{time.Second, 2 * time.Second} {
			d.emit(syn)
			c.wait(pause - c.step)
		}
		k.quit()
	}
	return c
}

// simultaneousOpen: an active-mode client listening on port 21 (PORT to
// its own port 21); the server's data SYN from port 20 and the client's
// own SYN the other way cross (a TCP simultaneous open), each side answers
// with a SYN/ACK, then the listing. One session, one data connection,
// transferred: the client's SYN belongs to it, not to a new control
// connection to port 20 or 21.
func simultaneousOpen() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("10.0.0.1:40000"), ap("10.0.0.2:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("ftpuser", "secret")
	k.exchange("PORT "+portArg(ap("10.0.0.1:21")), "200 PORT command successful. Consider using PASV.")
	k.cmd("LIST")
	d := c.newConn(0, ap("10.0.0.2:20"), ap("10.0.0.1:21"))
	d.emit(d.syn())
	// The client's SYN on the same 4-tuple, then both SYN/ACKs.
	d.emit(seg{seq: d.srv.isn, syn: true, win: 64240, opts: synOptions()})
	d.emit(d.synAck())
	d.emit(seg{fromClient: true, seq: d.cli.isn, ackNo: d.srv.next, syn: true, ack: true, win: 65160, opts: synOptions()})
	k.send(false, []byte(list150+"\r\n"))
	d.bulk(true, []byte("-rw-r--r--    1 1000     1000         4640 Mar 01 12:00 report.txt\r\n"))
	d.close(true)
	k.emit(k.ack(true))
	k.reply(list226)
	k.quit()
	return c
}

// lbOtherBackend: a capture on a load balancer's inside (failure story 8;
// a copy of rv-servers' lb-inside-two-backends, mbox.py lb_inside, with a
// session that works before it). The balancer at 203.0.113.50 DNATs
// without persistence to two ProFTPD backends, 10.0.0.11 and 10.0.0.12,
// which announce the balancer's address (MasqueradeAddress). Session 1's
// control connection and its data connection both land on 10.0.0.11: a
// transfer. Session 2's control connection lands on 10.0.0.11 too, but
// both of its data connections' SYNs go to 10.0.0.12, which never
// announced the ports and answers RST.
func lbOtherBackend() *capture {
	c := newCapture(formatPcap, ethernetLink())
	const banner = "220 ProFTPD Server (Debian) [203.0.113.50]"
	k := c.newConn(0, ap("198.51.100.40:52490"), ap("10.0.0.11:21"))
	k.greet(banner)
	k.exchange("USER bob", "331 Password required for bob")
	k.exchange("PASS bob-pw", "230 User bob logged in")
	k.exchange("TYPE I", "200 Type set to I")
	k.exchange("PASV", pasvReply(ap("203.0.113.50:40010")))
	d := c.newConn(0, ap("198.51.100.40:52491"), ap("10.0.0.11:40010"))
	k.download(d, "RETR report.txt", "150 Opening BINARY mode data connection for report.txt (3000 bytes)", fileBody("report.txt", 3000), "226 Transfer complete")
	k.quit()
	c.wait(time.Second)

	k = c.newConn(0, ap("198.51.100.40:52500"), ap("10.0.0.11:21"))
	k.greet(banner)
	k.exchange("USER bob", "331 Password required for bob")
	k.exchange("PASS bob-pw", "230 User bob logged in")
	k.exchange("TYPE I", "200 Type set to I")
	for i, port := range []uint16{40011, 40012} {
		k.exchange("PASV", pasvReply(netip.AddrPortFrom(addr("203.0.113.50"), port)))
		d = c.newConn(0, netip.AddrPortFrom(addr("198.51.100.40"), 52501+uint16(i)), netip.AddrPortFrom(addr("10.0.0.12"), port))
		d.emit(d.syn())
		d.emit(d.refuse())
		c.wait(thinkTime)
	}
	k.quit()
	return c
}
