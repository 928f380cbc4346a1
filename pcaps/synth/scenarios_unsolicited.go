package main

import (
	"fmt"
	"time"
)

// Passive replies no command asked for, in sessions the capture holds
// whole (track/unsolicited.go): the server answered a PASV the capture
// missed, a proxy answered for it, or someone injected the reply. Such a
// reply arms nothing; only its own client's connection to exactly its
// endpoint ties to it.

// unsolicitedUsed: four sessions whose client connects to the endpoint
// of a reply that answered no command: a 227 (the RETR sent after the
// connection), a 229 (the LIST sent first), a 227 naming another host
// than the control connection's (a NAT's public address) that the
// client connects to, and a 227 whose endpoint never answers the
// client's SYNs (data-unanswered, as for any announcement).
func unsolicitedUsed() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.70"

	k := c.newConn(0, ap("198.51.100.41:51000"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("alice", "alice-pw")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	k.reply(pasvReply(ap(srv + ":40100")))
	d := c.newConn(0, ap("198.51.100.41:51001"), ap(srv+":40100"))
	k.download(d, "RETR report.txt", retr150("report.txt", 3000), fileBody("report.txt", 3000), xfer226)
	k.quit()

	k = c.newConn(0, ap("198.51.100.42:51100"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("bob", "bob-pw")
	k.reply(epsvReply(40101))
	k.cmd("LIST")
	d = c.newConn(0, ap("198.51.100.42:51101"), ap(srv+":40101"))
	d.handshake()
	k.send(false, []byte(list150+"\r\n"))
	d.bulk(false, listing(lsFile("report.txt", 3000), lsDir("pub")))
	d.close(false)
	k.emit(k.ack(true))
	k.reply(list226)
	k.quit()

	k = c.newConn(0, ap("198.51.100.43:51200"), ap("10.20.0.5:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("carol", "carol-pw")
	k.reply(pasvReply(ap(srv + ":40102")))
	d = c.newConn(0, ap("198.51.100.43:51201"), ap(srv+":40102"))
	k.download(d, "RETR report.txt", retr150("report.txt", 2000), fileBody("report.txt", 2000), xfer226)
	k.quit()

	k = c.newConn(0, ap("198.51.100.44:51300"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("dave", "dave-pw")
	k.reply(pasvReply(ap(srv + ":40103")))
	d = c.newConn(0, ap("198.51.100.44:51301"), ap(srv+":40103"))
	syn := d.syn()
	k.cmd("RETR report.txt")
	for _, pause := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		d.emit(syn)
		c.wait(pause - c.step)
	}
	k.reply("425 Failed to establish connection.")
	k.quit()
	return c
}

// unsolicitedUnused: replies no command asked for that nothing ties a
// connection to: a 227 naming a privileged port, outside any passive
// range, then a PASV of the client's own whose transfer works; a 227
// whose endpoint another host connects to; a 227 whose endpoint the
// client connects to only after the announcement's wait (5 minutes) is
// over; a 227 the client passes over for a PASV of its own; a 227 that
// repeats the endpoint of the PASV just answered, whose connection is the
// PASV's, and a second connection to it later, which stays one to an
// endpoint taken. None is the session's announcement: no finding reads
// them.
func unsolicitedUnused() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.71"

	k := c.newConn(0, ap("198.51.100.51:52000"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("alice", "alice-pw")
	k.reply(pasvReply(ap(srv + ":445")))
	k.exchange("PASV", pasvReply(ap(srv+":40200")))
	d := c.newConn(0, ap("198.51.100.51:52001"), ap(srv+":40200"))
	k.download(d, "RETR report.txt", retr150("report.txt", 1500), fileBody("report.txt", 1500), xfer226)
	k.quit()

	k = c.newConn(0, ap("198.51.100.52:52100"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("bob", "bob-pw")
	k.reply(pasvReply(ap(srv + ":40201")))
	d = c.newConn(0, ap("192.0.2.99:33000"), ap(srv+":40201"))
	d.handshake()
	d.close(true)
	k.exchange("NOOP", "200 NOOP ok.")
	k.quit()

	k = c.newConn(0, ap("198.51.100.53:52200"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("carol", "carol-pw")
	k.reply(pasvReply(ap(srv + ":40202")))
	for i := 0; i < 7; i++ {
		c.wait(time.Minute)
		k.exchange("NOOP", "200 NOOP ok.")
	}
	d = c.newConn(0, ap("198.51.100.53:52201"), ap(srv+":40202"))
	d.handshake()
	d.close(true)
	k.quit()

	k = c.newConn(0, ap("198.51.100.54:52300"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("dave", "dave-pw")
	k.reply(pasvReply(ap(srv + ":40203")))
	k.exchange("PASV", pasvReply(ap(srv+":40204")))
	d = c.newConn(0, ap("198.51.100.54:52301"), ap(srv+":40204"))
	k.download(d, "RETR report.txt", retr150("report.txt", 1500), fileBody("report.txt", 1500), xfer226)
	k.quit()

	k = c.newConn(0, ap("198.51.100.55:52400"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("erin", "erin-pw")
	k.exchange("PASV", pasvReply(ap(srv+":40205")))
	k.reply(pasvReply(ap(srv + ":40205")))
	d = c.newConn(0, ap("198.51.100.55:52401"), ap(srv+":40205"))
	k.download(d, "RETR report.txt", retr150("report.txt", 1500), fileBody("report.txt", 1500), xfer226)
	d = c.newConn(0, ap("198.51.100.55:52402"), ap(srv+":40205"))
	d.handshake()
	d.close(true)
	k.quit()
	return c
}

// unsolicitedBound: one session sends six 227s no command asked for,
// each a port of its own; its client connects to the first and to the
// last. A session keeps four such endpoints: the first was let go (the
// bound counted), its connection is tied to nothing; the last is the
// RETR's.
func unsolicitedBound() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.72"
	k := c.newConn(0, ap("198.51.100.61:53000"), ap(srv+":21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("alice", "alice-pw")
	for i := range 6 {
		k.reply(pasvReply(ap(fmt.Sprintf("%s:%d", srv, 40300+i))))
	}
	d := c.newConn(0, ap("198.51.100.61:53001"), ap(srv+":40300"))
	d.handshake()
	d.close(true)
	d = c.newConn(0, ap("198.51.100.61:53002"), ap(srv+":40305"))
	k.download(d, "RETR report.txt", retr150("report.txt", 1500), fileBody("report.txt", 1500), xfer226)
	k.quit()
	return c
}

// unsolicitedInjected: replies no command asked for whose endpoints the
// client connects to and nothing answers: a 227 naming port 3306 (a
// database's), three SYNs unanswered; in another session a 227 naming
// port 445, three SYNs unanswered. One line the client never asked for,
// maybe injected or stray, proves no fault of the server's data path:
// each connection is shown with both readings, and no passive range,
// rule, port-outside-range or passive-privileged-port is read from it.
func unsolicitedInjected() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.73"
	for i, port := range []int{3306, 445} {
		cli := fmt.Sprintf("198.51.100.%d", 71+i)
		k := c.newConn(0, ap(cli+":54000"), ap(srv+":21"))
		k.greet("220 (vsFTPd 3.0.3)")
		k.login("alice", "alice-pw")
		k.exchange("NOOP", "200 NOOP ok.")
		k.reply(pasvReply(ap(fmt.Sprintf("%s:%d", srv, port))))
		d := c.newConn(0, ap(cli+":54001"), ap(fmt.Sprintf("%s:%d", srv, port)))
		syn := d.syn()
		for _, pause := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
			d.emit(syn)
			c.wait(pause - c.step)
		}
		k.quit()
	}
	return c
}

// unsolicitedOtherSession: one client host holds two sessions at once: a
// cleartext one (alice) that receives a 227 no command asked for, and an
// FTPS one (bob) whose own PASV is inside TLS. The client connects to the
// 227's endpoint for the FTPS session's transfer (its data connection
// carries TLS): the encrypted session's inference claims it, and the
// unsolicited reply, the last resort, does not take it across sessions.
func unsolicitedOtherSession() *capture {
	c := newCapture(formatPcap, ethernetLink())
	srv := "203.0.113.74"
	a := c.newConn(0, ap("198.51.100.81:55000"), ap(srv+":21"))
	a.greet("220 (vsFTPd 3.0.3)")
	a.login("alice", "alice-pw")
	b := c.newConn(0, ap("198.51.100.81:55100"), ap(srv+":21"))
	b.greet("220 (vsFTPd 3.0.3)")
	b.exchange("AUTH TLS", "234 Proceed with negotiation.")
	t := newTLS(b, true)
	t.handshake13("ftp.example.com")
	t.exchange("USER bob", "331 Please specify the password.")
	t.exchange("PASS bob-pw", "230 Login successful.")
	t.exchange("PBSZ 0", "200 PBSZ set to 0.")
	t.exchange("PROT P", "200 PROT now Private.")
	a.exchange("NOOP", "200 NOOP ok.")
	a.reply(pasvReply(ap(srv + ":40401")))
	t.exchange("PASV", pasvReply(ap(srv+":40401")))
	b.send(true, t.sealed(tlsApplicationData, len("RETR report.txt")+2))
	d := c.newConn(0, ap("198.51.100.81:55101"), ap(srv+":40401"))
	d.handshake()
	dt := newTLS(d, true)
	dt.handshake13("ftp.example.com")
	dt.flight(false, dt.sealed(tlsApplicationData, 3000))
	d.close(false)
	b.send(false, t.sealed(tlsApplicationData, len("150 Opening BINARY mode data connection.")+2))
	b.send(false, t.sealed(tlsApplicationData, len("226 Transfer complete.")+2))
	b.emit(b.ack(true))
	t.exchange("QUIT", "221 Goodbye.")
	b.close(true)
	a.quit()
	return c
}
