package main

import "time"

// A firewall that inspects FTP cuts a session at a line its policy
// denies (the same sessions as a reviewer's Python-made captures,
// whose generator is not kept in the project). Cisco ASA's inspect ftp
// resets both sides at a command an ftp-map's request-command deny names,
// and with strict at a 227 with more than 8 characters after its port
// numbers; with a drop action the command never arrives and the client
// sends it again until it gives up.

// inspectLogin opens a logged-in session to the ASA's server.
func inspectLogin(c *capture, client string, banner string, replies [3]string) *conn {
	k := c.newConn(0, ap(client), ap("203.0.113.60:21"))
	k.greet(banner)
	k.exchange("USER bob", replies[0])
	k.exchange("PASS bob-pw", replies[1])
	if replies[2] != "" {
		k.exchange("TYPE I", replies[2])
	}
	return k
}

var vsftpdLogin = [3]string{"331 Please specify the password.", "230 Login successful.", "200 Switching to Binary mode."}

// asaDenyCmdReset, captured on the client's side: the ASA takes "SITE
// CHMOD 777 upload.sh" off the wire and resets the connection, the
// client's copy of the reset from the server's address, 1 ms later, with
// the ASA's TTL (asaRST).
func asaDenyCmdReset() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := inspectLogin(c, "198.51.100.40:52100", "220 (vsFTPd 3.0.3)", vsftpdLogin)
	k.cmd("SITE CHMOD 777 upload.sh")
	k.emit(asaRST(k.rst(false)))
	return c
}

// asaRST is s sent by the ASA in an endpoint's name: with the ASA's own
// TTL, 255, unlike the endpoints' 64.
func asaRST(s seg) seg {
	s.ttl = 255
	return s
}

// asaDenyCmdDrop, captured on the client's side: the ASA drops "STOR
// upload.sh" (and each copy of it); the client's TCP sends it 7 times
// over 12.6 s, never acknowledged, and the client resets the connection
// 30 s after the first.
func asaDenyCmdDrop() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := inspectLogin(c, "198.51.100.40:52200", "220 (vsFTPd 3.0.3)", [3]string{vsftpdLogin[0], vsftpdLogin[1], ""})
	stor := k.data(true, []byte("STOR upload.sh\r\n"))
	start := c.now
	for _, at := range []time.Duration{0, 200, 600, 1400, 3000, 6200, 12600} {
		c.now = start.Add(at * time.Millisecond)
		k.emit(stor)
	}
	c.now = start.Add(30 * time.Second)
	k.emit(k.rst(true))
	return c
}

// asa227TailReset is the ASA's strict inspection at a 227 with 29
// characters after its port numbers: on the client's side (client) the
// PASV, the server's ACK of it and the reset from the server's address
// (the 227 never arrives); on the server's side the PASV, its 227 and the
// reset from the client's address 1 ms later.
func asa227TailReset(client bool) func() *capture {
	return func() *capture {
		c := newCapture(formatPcap, ethernetLink())
		k := inspectLogin(c, "198.51.100.40:53000", "220 FTP Server ready.",
			[3]string{"331 Password required for bob.", "230 User bob logged in.", "200 Type set to I."})
		k.cmd("PASV")
		k.emit(k.ack(false))
		if client {
			k.emit(asaRST(k.rst(false)))
			return c
		}
		k.send(false, []byte("227 Entering Passive Mode (203,0,113,60,156,164) - passive mode OK, have fun\r\n"))
		k.emit(asaRST(k.rst(true)))
		return c
	}
}
