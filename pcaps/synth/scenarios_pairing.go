package main

// pyftpdlibStouNoData is the wire shape of pyftpdlib 1.5.7 recorded by
// review rev45 (rv-servers' pyftpdlib-dialect-client.pcap), rebuilt
// with documentation addresses: a STOU the server answers "150 FILE:
// ..." and nothing more (the client connects nowhere for it), then the
// client's PASV, a RETR it aborts (125, bytes, ABOR: the client resets
// the data connection, 426 to the RETR, 226 to the ABOR), and a resumed
// RETR (TYPE I, PASV, REST 2999000, 350, RETR, 125, 226). A reader that
// lets one command take two 1yz replies gives the STOU the RETR's 125
// and 426, and every reply after it shifts one place.
func pyftpdlibStouNoData() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("198.51.100.7:50310"), ap("192.0.2.23:21"))
	k.greet("220 pyftpdlib 1.5.7 ready.")
	k.exchange("USER anonymous", "331 Username ok, send password.")
	k.exchange("PASS anon@", "230 Login successful.")
	k.exchange("TYPE I", "200 Type set to: Binary.")

	k.exchange("PASV", pasvReply(ap("192.0.2.23:51002")))
	d := c.newConn(0, ap("198.51.100.7:50311"), ap("192.0.2.23:51002"))
	d.handshake()
	k.cmd("STOR up/a.bin")
	k.send(false, []byte("125 Data connection already open. Transfer starting.\r\n"))
	d.bulk(true, fileBody("a.bin", 20000))
	d.close(true)
	k.emit(k.ack(true))
	k.reply("226 Transfer complete.")

	k.exchange("STOU", "150 FILE: ftpd.u5xgcnts")

	k.exchange("PASV", pasvReply(ap("192.0.2.23:51003")))
	big := fileBody("big.bin", 3000000)
	d = c.newConn(0, ap("198.51.100.7:50312"), ap("192.0.2.23:51003"))
	d.handshake()
	k.cmd("RETR big.bin")
	k.send(false, []byte("125 Data connection already open. Transfer starting.\r\n"))
	d.bulk(false, big[:65536])
	k.cmd("ABOR")
	d.emit(d.rst(true))
	k.send(false, []byte("426 Transfer aborted via ABOR.\r\n"))
	k.reply("226 ABOR command successful.")

	k.exchange("TYPE I", "200 Type set to: Binary.")
	k.exchange("PASV", pasvReply(ap("192.0.2.23:51007")))
	k.exchange("REST 2999000", "350 Restarting at position 2999000.")
	d = c.newConn(0, ap("198.51.100.7:50313"), ap("192.0.2.23:51007"))
	k.download(d, "RETR big.bin", "125 Data connection already open. Transfer starting.", big[2999000:], "226 Transfer complete.")
	k.quit()
	return c
}
