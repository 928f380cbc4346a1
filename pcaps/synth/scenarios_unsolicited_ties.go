package main

import (
	"time"
)

// Passive replies no command asked for (track/unsolicited.go) in a client
// host that holds other sessions of the same server at once: which of
// them a connection to the reply's endpoint is, and what the capture
// shows of one whose answer never reached the client.

// unsolicitedMidstreamOther: one client host, two sessions: bob's, picked
// up mid-stream (its login before the capture), says only NOOP; alice's,
// seen whole, gets a 227 no command asked for and her client connects to
// exactly its endpoint, then sends its RETR. Bob's session may own a
// connection between these hosts by peers and time, but it waits for
// none (no transfer command): the connection is alice's, tied to the
// reply.
func unsolicitedMidstreamOther() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.75"
	b := c.newConn(0, ap("198.51.100.91:56100"), ap(srv+":21"))
	// Before the capture: bob's handshake, banner and login.
	_, _ = b.syn(), b.synAck()
	for _, x := range []struct {
		client bool
		text   string
	}{
		{false, "220 (vsFTPd 3.0.3)\r\n"},
		{true, "USER bob\r\n"}, {false, "331 Please specify the password.\r\n"},
		{true, "PASS bob-pw\r\n"}, {false, "230 Login successful.\r\n"},
	} {
		_ = b.data(x.client, []byte(x.text))
	}
	b.exchange("NOOP", "200 NOOP ok.")
	a := c.newConn(0, ap("198.51.100.91:56000"), ap(srv+":21"))
	a.greet("220 (vsFTPd 3.0.3)")
	a.login("alice", "alice-pw")
	a.exchange("TYPE I", "200 Switching to Binary mode.")
	a.reply(pasvReply(ap(srv + ":40501")))
	d := c.newConn(0, ap("198.51.100.91:56001"), ap(srv+":40501"))
	a.download(d, "RETR report.txt", retr150("report.txt", 3000), fileBody("report.txt", 3000), xfer226)
	b.exchange("NOOP", "200 NOOP ok.")
	a.quit()
	b.quit()
	return c
}

// unsolicitedFTPSOther: one client host, three sessions: carol's,
// cleartext, gets a 227 no command asked for naming port 40601; dave's,
// FTPS with PROT C, makes its own PASV inside TLS and its client, three
// seconds later, connects to port 40601 in clear text for its RETR (the
// encrypted session's inference takes only a SYN within two seconds of
// its exchange). Dave's session, which spoke just before, may own that
// connection: it is not credited to carol's reply (as before). Later,
// with dave's session silent for minutes, erin's cleartext session gets
// a 227 no command asked for naming port 40602 and her client connects
// there: an FTPS session quiet that long owns no connection by its own
// reading, and the connection is erin's, tied to her reply.
func unsolicitedFTPSOther() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.76"
	cli := "198.51.100.92"
	k := c.newConn(0, ap(cli+":57000"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("carol", "carol-pw")
	f := c.newConn(0, ap(cli+":57100"), ap(srv+":21"))
	f.greet("220 (vsFTPd 3.0.3)")
	f.exchange("AUTH TLS", "234 Proceed with negotiation.")
	t := newTLS(f, true)
	t.handshake13("ftp.example.com")
	t.exchange("USER dave", "331 Please specify the password.")
	t.exchange("PASS dave-pw", "230 Login successful.")
	t.exchange("PBSZ 0", "200 PBSZ set to 0.")
	t.exchange("PROT C", "200 PROT now Clear.")
	k.exchange("NOOP", "200 NOOP ok.")
	k.reply(pasvReply(ap(srv + ":40601")))
	t.exchange("PASV", pasvReply(ap(srv+":40601")))
	f.send(true, t.sealed(tlsApplicationData, len("RETR report.txt")+2))
	c.wait(3 * time.Second)
	d := c.newConn(0, ap(cli+":57101"), ap(srv+":40601"))
	d.handshake()
	f.send(false, t.sealed(tlsApplicationData, len("150 Opening BINARY mode data connection.")+2))
	d.bulk(false, fileBody("report.txt", 3000))
	d.close(false)
	f.send(false, t.sealed(tlsApplicationData, len("226 Transfer complete.")+2))
	f.emit(f.ack(true))
	k.quit()

	c.wait(5 * time.Minute)
	e := c.newConn(0, ap(cli+":57200"), ap(srv+":21"))
	e.greet("220 (vsFTPd 3.0.3)")
	e.login("erin", "erin-pw")
	e.exchange("TYPE I", "200 Switching to Binary mode.")
	e.reply(pasvReply(ap(srv + ":40602")))
	d = c.newConn(0, ap(cli+":57201"), ap(srv+":40602"))
	e.download(d, "RETR report.txt", retr150("report.txt", 2000), fileBody("report.txt", 2000), xfer226)
	e.quit()
	t.exchange("QUIT", "221 Goodbye.")
	f.close(true)
	return c
}

// unsolicitedTwoSessions: one client host, two cleartext sessions, each
// given a 227 no command asked for: frank's names port 40701, grace's
// port 40702; each client connects to its own session's endpoint, in the
// other order (grace's first), each for its RETR. Then both get one
// naming the same port, 40703 (a server hands a port on once its
// listener is gone; one injected line copied to both), frank's last:
// grace's RETR waits when her client connects there, and the connection
// is hers, though frank's reply is the newer. Last both get one naming
// port 40704, frank's last, and the client connects there before any
// transfer command: the connection is frank's (the newer reply), a
// guess between the two sessions that the 226 to his RETR after it
// settles. Both get one naming port 40705 too, frank's last, and the
// client connects there and closes with no transfer command: frank's,
// a guess that stays one.
func unsolicitedTwoSessions() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.77"
	cli := "198.51.100.93"
	k := c.newConn(0, ap(cli+":58000"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("frank", "frank-pw")
	g := c.newConn(0, ap(cli+":58100"), ap(srv+":21"))
	g.greet("220 (vsFTPd 3.0.3)")
	g.login("grace", "grace-pw")
	k.reply(pasvReply(ap(srv + ":40701")))
	g.reply(pasvReply(ap(srv + ":40702")))
	d := c.newConn(0, ap(cli+":58101"), ap(srv+":40702"))
	g.download(d, "RETR grace.txt", retr150("grace.txt", 2000), fileBody("grace.txt", 2000), xfer226)
	d = c.newConn(0, ap(cli+":58001"), ap(srv+":40701"))
	k.download(d, "RETR frank.txt", retr150("frank.txt", 1000), fileBody("frank.txt", 1000), xfer226)

	g.reply(pasvReply(ap(srv + ":40703")))
	k.reply(pasvReply(ap(srv + ":40703")))
	g.cmd("RETR grace2.txt")
	g.emit(g.ack(false))
	c.wait(thinkTime)
	d = c.newConn(0, ap(cli+":58102"), ap(srv+":40703"))
	d.handshake()
	g.send(false, []byte(retr150("grace2.txt", 1500)+"\r\n"))
	d.bulk(false, fileBody("grace2.txt", 1500))
	d.close(false)
	g.emit(g.ack(true))
	g.reply(xfer226)

	g.reply(pasvReply(ap(srv + ":40704")))
	k.reply(pasvReply(ap(srv + ":40704")))
	d = c.newConn(0, ap(cli+":58002"), ap(srv+":40704"))
	k.download(d, "RETR frank2.txt", retr150("frank2.txt", 1200), fileBody("frank2.txt", 1200), xfer226)

	g.reply(pasvReply(ap(srv + ":40705")))
	k.reply(pasvReply(ap(srv + ":40705")))
	d = c.newConn(0, ap(cli+":58003"), ap(srv+":40705"))
	d.handshake()
	d.close(true)
	k.exchange("NOOP", "200 NOOP ok.")
	k.quit()
	g.quit()
	return c
}

// unsolicitedSynAckLost: a 227 no command asked for whose endpoint the
// client connects to; the server answers each of its three SYNs with a
// SYN-ACK that never reaches the client (it sends its SYN again and never
// an ACK), and the RETR gets a 425. The capture shows the server
// answered: not "no answer".
func unsolicitedSynAckLost() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.78"
	k := c.newConn(0, ap("198.51.100.94:59000"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("heidi", "heidi-pw")
	k.reply(pasvReply(ap(srv + ":40801")))
	d := c.newConn(0, ap("198.51.100.94:59001"), ap(srv+":40801"))
	syn, synAck := d.syn(), d.synAck()
	k.cmd("RETR report.txt")
	for _, pause := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		d.emit(syn)
		d.emit(synAck)
		c.wait(pause - c.step)
	}
	k.reply("425 Failed to establish connection.")
	k.quit()
	return c
}
