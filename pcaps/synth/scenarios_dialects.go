package main

import (
	"strings"
	"time"
)

// serverDialects: three servers whose control text breaks RFC 959's
// form in ways their clients accept (rev-dialects). Session 1 ends its
// multi-line replies with a bare code line ("220-Welcome" / "220", a
// server that trims the terminator's trailing space), as Python's ftplib
// reads them; a passive RETR of 2000 bytes follows. Session 2 ends every
// line with a CR alone (an old Mac-style server), the same transfer
// after it. Session 3 is refused at its greeting by IIS's IP address
// restrictions ("530 Connection refused, unknown IP address."), before
// the client sent a byte, and closed.
func serverDialects() *capture {
	c := newCapture(formatPcap, ethernetLink())
	server := ap("203.0.113.10:21")

	k := c.newConn(0, ap("198.51.100.20:57010"), server)
	k.handshake()
	k.reply("220-Welcome to example", "220")
	k.exchange("USER alice", "331 Password required")
	k.exchange("PASS alice-pw", "230-Hello alice", "230")
	k.exchange("PASV", pasvReply(ap("203.0.113.10:40706")))
	k.download(c.newConn(0, ap("198.51.100.20:57011"), ap("203.0.113.10:40706")),
		"RETR x", retr150("x", 2000), fileBody("x", 2000), xfer226)
	k.quit()
	c.wait(time.Second)

	k = c.newConn(0, ap("198.51.100.20:52210"), server)
	k.handshake()
	crReply(k, "220-cr only server", "220 ready")
	k.cmd("USER alice")
	crReply(k, "331 Password required for alice.")
	k.cmd("PASS alice-pw")
	crReply(k, "230 User logged in.")
	k.cmd("PASV")
	crReply(k, pasvReply(ap("203.0.113.10:40223")))
	d := c.newConn(0, ap("198.51.100.20:52211"), ap("203.0.113.10:40223"))
	d.handshake()
	k.cmd("RETR x")
	k.send(false, []byte("150 Opening data connection (500 bytes)\r"))
	d.bulk(false, fileBody("x", 500))
	d.close(false)
	k.emit(k.ack(true))
	crReply(k, "226 Done")
	k.cmd("QUIT")
	k.send(false, []byte("221 Bye\r"))
	k.close(false)
	c.wait(time.Second)

	k = c.newConn(0, ap("198.51.100.20:62000"), server)
	k.handshake()
	k.send(false, []byte("530 Connection refused, unknown IP address.\r\n"))
	k.close(false)
	return c
}

// crReply is reply for a server whose lines end in a CR alone.
func crReply(k *conn, lines ...string) {
	k.send(false, []byte(strings.Join(lines, "\r")+"\r"))
	k.emit(k.ack(true))
	k.cap.wait(thinkTime)
}
