package main

// Scenarios for --extract (docs/extraction.md): each makes one
// completeness reason of an extracted file appear, and the test in
// cmd/ftpsniff checks the file's record and bytes.

// extractSession opens a logged-in session on its own control connection.
func extractSession(c *capture, client string) *conn {
	k := c.newConn(0, ap(client), ap("192.0.2.21:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "guest@example.com")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	return k
}

// extractGap: a RETR whose second data segment the capture lost (the
// client got it: its ACKs cover it). The file has a hole at 1460 of 1460
// bytes and is not complete, though its length matches the 150.
func extractGap() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := extractSession(c, "198.51.100.7:50100")
	k.exchange("PASV", pasvReply(ap("192.0.2.21:40100")))
	d := c.newConn(0, ap("198.51.100.7:50101"), ap("192.0.2.21:40100"))
	body := fileBody("gap.bin", 5000)
	d.handshake()
	k.cmd("RETR gap.bin")
	k.send(false, []byte(retr150("gap.bin", len(body))+"\r\n"))
	d.emit(d.data(false, body[:1460]))
	_ = d.data(false, body[1460:2920]) // sent, not captured
	d.emit(d.data(false, body[2920:4380]))
	d.emit(d.ack(true))
	d.emit(d.data(false, body[4380:]))
	d.emit(d.ack(true))
	d.close(false)
	k.emit(k.ack(true))
	k.reply(xfer226)
	k.quit()
	return c
}

// extractAbort: the client aborts a RETR after 4380 of 20000 bytes: ABOR,
// the server resets the data connection, 426 to the RETR, 226 to the ABOR.
func extractAbort() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := extractSession(c, "198.51.100.7:50110")
	k.exchange("PASV", pasvReply(ap("192.0.2.21:40110")))
	d := c.newConn(0, ap("198.51.100.7:50111"), ap("192.0.2.21:40110"))
	body := fileBody("big.bin", 20000)
	d.handshake()
	k.cmd("RETR big.bin")
	k.send(false, []byte(retr150("big.bin", len(body))+"\r\n"))
	d.bulk(false, body[:4380])
	k.cmd("ABOR")
	d.emit(d.rst(false))
	k.send(false, []byte("426 Failure writing network stream.\r\n"))
	k.reply("226 ABOR successful.")
	k.quit()
	return c
}

// extractRest: REST 1000 then RETR of a 3000-byte file: 2000 bytes move,
// the file is the part from offset 1000.
func extractRest() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := extractSession(c, "198.51.100.7:50120")
	body := fileBody("part.bin", 3000)
	k.exchange("SIZE part.bin", "213 3000")
	k.exchange("PASV", pasvReply(ap("192.0.2.21:40120")))
	k.exchange("REST 1000", "350 Restart position accepted (1000).")
	d := c.newConn(0, ap("198.51.100.7:50121"), ap("192.0.2.21:40120"))
	k.download(d, "RETR part.bin", retr150("part.bin", len(body)), body[1000:], xfer226)
	k.quit()
	return c
}

// extractTypeA: a RETR in ASCII mode (CRLF lines on the wire): complete,
// with the note that line endings were converted.
func extractTypeA() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := extractSession(c, "198.51.100.7:50130")
	k.exchange("TYPE A", "200 Switching to ASCII mode.")
	k.exchange("PASV", pasvReply(ap("192.0.2.21:40130")))
	d := c.newConn(0, ap("198.51.100.7:50131"), ap("192.0.2.21:40130"))
	body := listing("first line of notes", "second line of notes", "third line")
	k.download(d, "RETR notes.txt", "150 Opening ASCII mode data connection for notes.txt (55 bytes).", body, xfer226)
	k.quit()
	return c
}

// extractActiveStor: an active-mode STOR whose data connection the server
// opens from port 2020, not 20 (a server behind a port-translating
// firewall): the client's bytes are the file, whoever opened the
// connection.
func extractActiveStor() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := extractSession(c, "198.51.100.7:50140")
	k.exchange("PORT "+portArg(ap("198.51.100.7:50141")), "200 PORT command successful. Consider using PASV.")
	d := c.newConn(0, ap("192.0.2.21:2020"), ap("198.51.100.7:50141"))
	body := fileBody("upload.dat", 7000)
	k.cmd("STOR upload.dat")
	d.handshake()
	k.send(false, []byte("150 Ok to send data.\r\n"))
	d.bulk(false, body) // from the FTP client: the side that was connected to
	d.close(false)
	k.emit(k.ack(true))
	k.reply(xfer226)
	k.quit()
	return c
}
