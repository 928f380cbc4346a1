package main

import (
	"net/netip"
	"time"
)

// Captures for verdicts that must follow what the packets prove and no
// more (issue 8): a readable refusal after a full TLS handshake on a data
// connection that has nothing to do with resumption, and a passive data
// connection that never reached a server whose passive range nobody gave.

// ftpsCCCOtherRefusals: two FTPS servers that do not require a data
// connection to resume the control connection's TLS session, and a client
// that resumes nothing (Python ftplib's FTP_TLS). After CCC each STOR's
// data connection makes a full TLS 1.3 handshake, carries 3000 bytes of
// the file, and is closed by the server, which then refuses the transfer
// for its own reason, readable since the CCC: a ProFTPD (TLSOptions
// NoSessionReuseRequired) with a quota ("552 Transfer aborted. Disk quota
// exceeded", mod_quotatab), and a server whose greeting names no family
// with a full disk ("451 Transfer aborted. No space left on device").
func ftpsCCCOtherRefusals() *capture {
	c := newCapture(formatPcap, ethernetLink())
	cccStorRefused(c, ap("198.51.100.23:50630"), ap("203.0.113.10:21"), 40076,
		"220 ProFTPD Server (Debian) [203.0.113.10]", "552 Transfer aborted. Disk quota exceeded")
	c.wait(time.Second)
	cccStorRefused(c, ap("198.51.100.23:50640"), ap("203.0.113.12:21"), 40077,
		"220 FTP server ready", "451 Transfer aborted. No space left on device")
	return c
}

// cccStorRefused is one session of ftpsCCCOtherRefusals: AUTH TLS, the
// login and PROT P inside TLS 1.3, CCC, then in clear text TYPE, PASV and
// a STOR whose data connection (from the control connection's next port)
// carries a full TLS handshake and 3000 bytes before the server closes it
// and answers refusal.
func cccStorRefused(c *capture, client, server netip.AddrPort, pasv uint16, banner, refusal string) {
	k, d, dt := cccTransfer(c, client, server, pasv, banner, "STOR report.pdf", "150 Opening BINARY mode data connection for report.pdf")
	dt.handshake13("ftp.example.net") // no ticket offered: a full handshake
	d.send(true, dt.sealed(tlsApplicationData, 3000))
	dt.closeNotify(false)
	d.close(false)
	k.emit(k.ack(true))
	k.reply(refusal)
	k.quit()
}

// pasvUnreachedServerSide: a capture on the server's side of a NAT: a
// vsftpd at 10.0.0.5 behind a router that forwards port 21 only, which
// announces its public address (pasv_address=203.0.113.10) and a port of
// its own choosing (no pasv_min_port/pasv_max_port). The client's SYNs to
// 203.0.113.10:47123 die at the router: none reaches the capture, and
// vsftpd gives up after its accept_timeout (60 s) with "425 Failed to
// establish connection.".
func pasvUnreachedServerSide() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("198.51.100.23:50800"), ap("10.0.0.5:21"))
	k.greet("220 (vsFTPd 3.0.5)")
	k.login("alice", "alice-pw")
	k.exchange("PASV", pasvReply(ap("203.0.113.10:47123")))
	k.cmd("RETR report.pdf")
	c.wait(30 * time.Second)
	// Other traffic on the server's network (an administrator's SSH
	// session, already under way): a capture of more than the control
	// connection, which does see what reaches the server.
	ssh := c.newConn(0, ap("10.0.0.9:52200"), ap("10.0.0.5:22"))
	ssh.send(false, []byte{0x00, 0x00, 0x00, 0x1c, 0x0a, 0x5e, 0x17, 0xc2, 0x3b, 0x91, 0x04, 0x6d, 0xe8, 0x21, 0x7a, 0x33})
	c.wait(35*time.Second - time.Millisecond) // (the segment took one)
	k.reply("425 Failed to establish connection.")
	k.quit()
	return c
}

// cccTransfer is a session up to a protected transfer's TLS: the greeting
// banner, cccLogin, TYPE I and PASV (port pasv of the server), the data
// connection from the control connection's next port, the transfer
// command cmd and its clear-text 150 open; the caller writes the data
// connection's TLS (dt) and the rest.
func cccTransfer(c *capture, client, server netip.AddrPort, pasv uint16, banner, cmd, open string) (k, d *conn, dt *tlsConn) {
	k = c.newConn(0, client, server)
	k.greet(banner)
	cccLogin(c, k)

	data := netip.AddrPortFrom(server.Addr(), pasv)
	k.exchange("TYPE I", "200 Type set to I")
	k.exchange("PASV", pasvReply(data))
	d = c.newConn(0, netip.AddrPortFrom(client.Addr(), client.Port()+1), data)
	d.handshake()
	k.cmd(cmd)
	k.send(false, []byte(open+"\r\n"))
	return k, d, newTLS(d, true)
}

// cccLogin is alice's login on control connection k after its greeting:
// AUTH TLS, a TLS 1.3 handshake, USER, PASS, PBSZ and PROT P inside it,
// then CCC, both close_notify alerts and clear text from there on.
func cccLogin(c *capture, k *conn) {
	k.exchange("AUTH TLS", "234 AUTH TLS successful")
	t := newTLS(k, true)
	t.handshake13("ftp.example.net")
	t.exchange("USER alice", "331 Password required for alice")
	t.exchange("PASS alice-pw", "230 User alice logged in")
	t.exchange("PBSZ 0", "200 PBSZ 0 successful")
	t.exchange("PROT P", "200 Protection set to Private")
	t.exchange("CCC", "200 Clearing control channel protection")
	t.closeNotify(true)
	t.closeNotify(false)
	k.emit(k.ack(true))
	c.wait(thinkTime)
}
