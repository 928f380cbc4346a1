package main

import "fmt"

// Client lines a snap length cut (tcpdump -s): the capture holds their
// start, the server got them whole.

// snapCutRest: a REST whose digits the snap length cut ("REST 12" of
// "REST 1234567"), accepted, then a RETR of the file's last 2,000 bytes;
// and in a second session (a gap of the client's bytes leaves the login
// unknown to decode, which delivers a cut line only after one) a RETR
// whose path it cut, refused 550.
func snapCutRest() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := extractSession(c, "198.51.100.7:50150")
	k.exchange("PASV", pasvReply(ap("192.0.2.21:40150")))
	k.snapCutCmd("REST 1234567", len("REST 12"))
	k.reply("350 Restart position accepted (1234567).")
	body := fileBody("big.iso", 1236567)[1234567:]
	d := c.newConn(0, ap("198.51.100.7:50151"), ap("192.0.2.21:40150"))
	k.download(d, "RETR big.iso", retr150("big.iso", 1236567), body, xfer226)
	k.quit()
	k = extractSession(c, "198.51.100.7:50152")
	k.snapCutCmd("RETR /pub/releases/2026/ftpsniff-snapshot-build-0042.tar.gz", len("RETR /pub/releases/2026/ftp"))
	k.reply("550 Failed to open file.")
	k.quit()
	return c
}

// snapCutPasswords: eight logins of user admin from one address, each
// refused, whose passwords (Guess000 to Guess007) the snap length cut to
// the same first bytes, "PASS Guess".
func snapCutPasswords() *capture {
	c := newCapture(formatPcap, ethernetLink())
	for i := range 8 {
		k := c.newConn(0, ap(fmt.Sprintf("203.0.113.50:%d", 41000+i)), ap("192.0.2.21:21"))
		k.greet("220 (vsFTPd 3.0.3)")
		k.exchange("USER admin", "331 Please specify the password.")
		k.snapCutCmd(fmt.Sprintf("PASS Guess%03d", i), len("PASS Guess"))
		k.reply("530 Login incorrect.")
		k.quit()
	}
	return c
}
