package main

import (
	"time"
)

// lpsvLprt uses the RFC 1639 long forms over IPv4 (LPSV) and IPv6 (LPRT).
func lpsvLprt() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("10.0.0.100:50510"), ap("10.0.0.5:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("ftpuser", "ftpuser-pw")
	k.exchange("LPSV", "228 Entering Long Passive Mode ("+lprtArg(ap("10.0.0.5:40001"))+")")
	d := c.newConn(0, ap("10.0.0.100:50511"), ap("10.0.0.5:40001"))
	k.download(d, "LIST", list150, listing(lsDir("logs"), lsFile("notes.txt", 2500)), list226)
	k.quit()

	c.wait(time.Second)
	k6 := c.newConn(0, ap("[fd00::100]:50520"), ap("[fd00::5]:21"))
	k6.greet("220 (vsFTPd 3.0.3)")
	k6.login("ftpuser", "ftpuser-pw")
	k6.exchange("TYPE I", "200 Switching to Binary mode.")
	k6.exchange("LPRT "+lprtArg(ap("[fd00::100]:50000")), "200 LPRT command successful.")
	d6 := c.newConn(0, ap("[fd00::5]:20"), ap("[fd00::100]:50000"))
	k6.activeDownload(d6, "RETR notes.txt", retr150("notes.txt", 2500), fileBody("notes.txt", 2500), xfer226)
	k6.quit()
	return c
}

// seqWrap puts the 2^32 sequence wrap inside the banner, the client's
// commands and the data stream.
func seqWrap() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConnISN(0, ap("192.168.1.100:50460"), ap("192.168.1.10:21"), 0xFFFFFF00, 0xFFFFFFF0)
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "guest@example.com")
	k.exchange("SYST", "215 UNIX Type: L8")
	k.cmd("FEAT")
	k.reply("211-Features:", " EPRT", " EPSV", " MDTM", " PASV", " REST STREAM", " SIZE", " TVFS", " UTF8", "211 End")
	k.exchange("OPTS UTF8 ON", "200 Always in UTF8 mode.")
	k.exchange("PWD", `257 "/" is the current directory`)
	// A deep path, so that the client wraps inside the SIZE line below.
	k.exchange("CWD /pub/mirrors/archive.example.org/debian/pool/main/f/ftpsniff-fixtures/releases/2025/12/31/nightly-builds/x86_64/debug-symbols/compressed/archive-parts/volume-0001", "250 Directory successfully changed.")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	k.exchange("SIZE build.tar", "213 10000")
	k.exchange("PASV", pasvReply(ap("192.168.1.10:40020")))
	d := c.newConnISN(0, ap("192.168.1.100:50461"), ap("192.168.1.10:40020"), 0x7A3C0001, 0xFFFFF000)
	k.download(d, "RETR build.tar", retr150("build.tar", 10000), fileBody("build.tar", 10000), xfer226)
	k.quit()
	return c
}

// fragments IP-fragments the passive replies: a 227 over IPv4 in three
// fragments delivered last-first, a 229 over IPv6 in two.
func fragments() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.0.2.100:50530"), ap("192.0.2.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "guest@example.com")
	k.cmd("PASV")
	k.emitFragments(k.data(false, []byte(pasvReply(ap("192.0.2.10:40090"))+"\r\n")), []int{24, 24}, []int{2, 0, 1}, 0)
	k.emit(k.ack(true))
	c.wait(thinkTime)
	d := c.newConn(0, ap("192.0.2.100:50531"), ap("192.0.2.10:40090"))
	k.download(d, "RETR report.txt", retr150("report.txt", 4000), fileBody("report.txt", 4000), xfer226)
	k.quit()

	c.wait(time.Second)
	k6 := c.newConn(0, ap("[2001:db8::100]:50540"), ap("[2001:db8::10]:21"))
	k6.greet("220 (vsFTPd 3.0.3)")
	k6.login("anonymous", "guest@example.com")
	k6.cmd("EPSV")
	k6.emitFragments(k6.data(false, []byte(epsvReply(40091)+"\r\n")), []int{32}, nil, 0x5EED0001)
	k6.emit(k6.ack(true))
	c.wait(thinkTime)
	d6 := c.newConn(0, ap("[2001:db8::100]:50541"), ap("[2001:db8::10]:40091"))
	k6.download(d6, "RETR report.txt", retr150("report.txt", 4000), fileBody("report.txt", 4000), xfer226)
	k6.quit()
	return c
}

// outcomes holds one data endpoint per outcome class.
func outcomes() *capture {
	c := newCapture(formatPcap, ethernetLink())
	const router4, router6 = "192.0.2.254", "2001:db8:1::1"
	k := c.newConn(0, ap("198.51.100.20:50600"), ap("203.0.113.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("alice", "alice-pw")
	k.exchange("TYPE I", "200 Switching to Binary mode.")

	// transferred
	k.exchange("PASV", pasvReply(ap("203.0.113.10:40100")))
	d := c.newConn(0, ap("198.51.100.20:50601"), ap("203.0.113.10:40100"))
	k.download(d, "LIST", list150, listing(lsFile("data.bin", 4000), lsFile("report.txt", 12345)), list226)

	// connected: handshake, no byte; vsftpd answers 550 and closing its
	// listener resets the connection still in the accept queue.
	k.exchange("PASV", pasvReply(ap("203.0.113.10:40101")))
	d = c.newConn(0, ap("198.51.100.20:50602"), ap("203.0.113.10:40101"))
	d.handshake()
	k.cmd("RETR missing.txt")
	k.send(false, []byte("550 Failed to open file.\r\n"))
	d.emit(d.rst(false))
	k.emit(k.ack(true))
	c.wait(thinkTime)

	// unanswered: four SYNs with Linux's 1 s, 2 s, 4 s backoff.
	k.exchange("PASV", pasvReply(ap("203.0.113.10:40102")))
	d = c.newConn(0, ap("198.51.100.20:50603"), ap("203.0.113.10:40102"))
	syn := d.syn()
	for _, pause := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, time.Second} {
		d.emit(syn)
		c.wait(pause - c.step)
	}

	// refused: RST/ACK to the SYN.
	k.exchange("PASV", pasvReply(ap("203.0.113.10:40103")))
	d = c.newConn(0, ap("198.51.100.20:50604"), ap("203.0.113.10:40103"))
	d.emit(d.syn())
	d.emit(d.refuse())
	c.wait(thinkTime)

	// unreachable: a router answers the SYN with ICMP 3/13.
	k.exchange("PASV", pasvReply(ap("203.0.113.10:40104")))
	d = c.newConn(0, ap("198.51.100.20:50605"), ap("203.0.113.10:40104"))
	icmp, err := c.icmpUnreachable(addr(router4), addr("198.51.100.20"), 13, d.emit(d.syn()))
	c.fail(err)
	c.write(0, addr(router4), addr("198.51.100.20"), icmp)
	c.wait(thinkTime)

	// not attempted: 227, then QUIT.
	k.exchange("PASV", pasvReply(ap("203.0.113.10:40105")))
	k.quit()

	// Active mode: a foreign PORT refused, then an accepted one.
	c.wait(time.Second)
	a := c.newConn(0, ap("198.51.100.20:50610"), ap("203.0.113.10:21"))
	a.greet("220 (vsFTPd 3.0.3)")
	a.login("alice", "alice-pw")
	a.exchange("TYPE I", "200 Switching to Binary mode.")
	a.exchange("PORT "+portArg(ap("192.0.2.99:50010")), "500 Illegal PORT command.")
	a.exchange("PORT "+portArg(ap("198.51.100.20:50011")), "200 PORT command successful. Consider using PASV.")
	ad := c.newConn(0, ap("203.0.113.10:20"), ap("198.51.100.20:50011"))
	a.activeDownload(ad, "RETR data.bin", retr150("data.bin", 4000), fileBody("data.bin", 4000), xfer226)
	a.quit()

	// IPv6: EPSV data SYN answered by ICMPv6 administratively prohibited.
	c.wait(time.Second)
	k6 := c.newConn(0, ap("[2001:db8:1::20]:50620"), ap("[2001:db8:2::10]:21"))
	k6.greet("220 (vsFTPd 3.0.3)")
	k6.login("alice", "alice-pw")
	k6.exchange("EPSV", epsvReply(40110))
	d6 := c.newConn(0, ap("[2001:db8:1::20]:50621"), ap("[2001:db8:2::10]:40110"))
	icmp6, err := c.icmpUnreachable(addr(router6), addr("2001:db8:1::20"), 1, d6.emit(d6.syn()))
	c.fail(err)
	c.write(0, addr(router6), addr("2001:db8:1::20"), icmp6)
	c.wait(thinkTime)
	k6.quit()
	return c
}

// epsvForms collects legal but unusual announcement syntax.
func epsvForms() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("198.51.100.7:50700"), ap("192.0.2.10:21"))
	k.greet("220 FTP server ready.")
	k.login("anonymous", "guest@example.com")
	k.exchange("TYPE I", "200 Switching to Binary mode.")

	k.exchange("EPSV", "229 Entering Extended Passive Mode (!!!40005!)")
	d := c.newConn(0, ap("198.51.100.7:50701"), ap("192.0.2.10:40005"))
	k.download(d, "LIST", list150, listing(lsFile("a.txt", 1500), lsFile("b.txt", 700)), list226)

	k.exchange("PASV", "227 Entering passive mode. 192,0,2,10,156,70")
	d = c.newConn(0, ap("198.51.100.7:50702"), ap("192.0.2.10:40006"))
	k.download(d, "NLST", list150, listing("a.txt", "b.txt"), list226)

	k.exchange("port "+portArg(ap("198.51.100.7:50001")), "200 PORT command successful. Consider using PASV.")
	ad := c.newConn(0, ap("192.0.2.10:20"), ap("198.51.100.7:50001"))
	k.activeDownload(ad, "RETR a.txt", retr150("a.txt", 1500), fileBody("a.txt", 1500), xfer226)

	k.exchange("EPRT |2|2001:db8::7|50002|", "522 Network protocol not supported, use (1)")
	k.quit()

	// curl: EPSV refused by an older server, then PASV; curl connects
	// right after the 227, before TYPE, SIZE and RETR.
	c.wait(time.Second)
	k = c.newConn(0, ap("198.51.100.7:50710"), ap("192.0.2.20:21"))
	k.greet("220 ftp.example.net FTP server ready")
	k.exchange("USER anonymous", "331 Guest login ok, send your complete e-mail address as password.")
	k.exchange("PASS ftp@example.com", "230 Guest login ok, access restrictions apply.")
	k.exchange("PWD", `257 "/" is current directory.`)
	k.exchange("CWD pub", "250 CWD command successful.")
	k.exchange("EPSV", "500 'EPSV': command not understood.")
	k.exchange("PASV", pasvReply(ap("192.0.2.20:40008")))
	d = c.newConn(0, ap("198.51.100.7:50711"), ap("192.0.2.20:40008"))
	d.handshake()
	k.exchange("TYPE I", "200 Type set to I.")
	k.exchange("SIZE file.bin", "213 2048")
	k.cmd("RETR file.bin")
	k.send(false, []byte("150 Opening BINARY mode data connection for file.bin (2048 bytes).\r\n"))
	d.bulk(false, fileBody("file.bin", 2048))
	d.close(false)
	k.emit(k.ack(true))
	k.reply("226 Transfer complete.")
	k.quit()
	return c
}
