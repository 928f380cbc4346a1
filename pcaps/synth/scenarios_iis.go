package main

import (
	"fmt"
	"time"
)

// Captures of servers that run on Windows, whose advice must name Windows
// settings and Windows Defender Firewall rules. IIS cannot run in the
// lab, so its sessions are built here from the reply texts IIS 10's FTP
// service sends.

// IIS's reply texts (FTP service of IIS 7.5 to 10).
const (
	iisGreeting = "220 Microsoft FTP Service"
	iisPassword = "331 Password required"
	iisLoggedIn = "230 User logged in."
	iisSyst     = "215 Windows_NT"
	iisPwd      = `257 "/" is current directory.`
	iisTypeI    = "200 Type set to I."
	iisOpen125  = "125 Data connection already open; Transfer starting."
	iisDone     = "226 Transfer complete."
	iisGoodbye  = "221 Goodbye."
)

// iisLogin is IIS's USER/PASS dialogue.
func (k *conn) iisLogin(user, pass string) {
	k.exchange("USER "+user, iisPassword)
	k.exchange("PASS "+pass, iisLoggedIn)
}

// iisQuit ends an IIS session: 221, and IIS closes first.
func (k *conn) iisQuit() {
	k.cmd("QUIT")
	k.send(false, []byte(iisGoodbye+"\r\n"))
	k.close(false)
}

// iisDir and iisFile are lines of IIS's default (MS-DOS style) LIST
// format: date, time, then <DIR> or the size right-aligned, the name in
// one column.
func iisDir(stamp, name string) string { return fmt.Sprintf("%s       <DIR>          %s", stamp, name) }
func iisFile(stamp string, size int, name string) string {
	return fmt.Sprintf("%s %20d %s", stamp, size, name)
}

// unansweredSYNs writes a client's SYN to d at start and Linux's
// retransmissions 1, 3 and 7 s after it, none answered; the clock is left
// at start+giveUp, when the client's connect timeout ends the attempt.
func unansweredSYNs(c *capture, d *conn, giveUp time.Duration) {
	start := c.now
	syn := d.syn()
	for _, off := range []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second} {
		c.now = start.Add(off)
		d.emit(syn)
	}
	c.now = start.Add(giveUp)
}

// iisNAT: the capture is taken on a client at 198.51.100.40, outside two
// IIS servers behind one NAT.
//
// Server A (203.0.113.30, inside 10.0.0.5) keeps FTP Firewall Support at
// its defaults: no External IP Address of Firewall, so its 227 names its
// private address, and port range 0-0, so the port comes from Windows'
// ephemeral range (49152-65535). The client trusts the 227 and its SYNs
// to 10.0.0.5:50000 go nowhere.
//
// Server B (203.0.113.31) announces its public address, but its Data
// Channel Port Range (40000-41000) is wider than the range the NAT
// forwards (40000-40100): a LIST through 40018 works, a RETR through
// 40517 never connects.
func iisNAT() *capture {
	c := newCapture(formatPcap, ethernetLink())
	const client = "198.51.100.40"

	a := c.newConn(0, ap(client+":50200"), ap("203.0.113.30:21"))
	a.greet(iisGreeting)
	a.iisLogin("alice", "alice-pw")
	a.exchange("SYST", iisSyst)
	a.exchange("PWD", iisPwd)
	a.exchange("TYPE I", iisTypeI)
	a.exchange("PASV", pasvReply(ap("10.0.0.5:50000")))
	unansweredSYNs(c, c.newConn(0, ap(client+":50201"), ap("10.0.0.5:50000")), 10*time.Second)
	a.iisQuit()
	c.wait(time.Second)

	b := c.newConn(0, ap(client+":50210"), ap("203.0.113.31:21"))
	b.greet(iisGreeting)
	b.iisLogin("bob", "bob-pw")
	b.exchange("PWD", iisPwd)
	listAt := ap("203.0.113.31:40018")
	b.exchange("PASV", pasvReply(listAt))
	list := listing(
		iisDir("01-02-26  09:15AM", "incoming"),
		iisFile("12-30-25  04:02PM", 48213, "report.pdf"),
		iisFile("12-31-25  11:59PM", 2500, "notes.txt"),
	)
	b.download(c.newConn(0, ap(client+":50211"), listAt), "LIST", iisOpen125, list, iisDone)
	b.exchange("TYPE I", iisTypeI)
	retrAt := ap("203.0.113.31:40517")
	b.exchange("PASV", pasvReply(retrAt))
	unansweredSYNs(c, c.newConn(0, ap(client+":50212"), retrAt), 10*time.Second)
	b.iisQuit()
	return c
}
