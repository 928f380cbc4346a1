package main

import (
	"fmt"
	"time"
)

// How a reset control connection is read: what crossed it before the
// command a reset answered (TCP keepalives keep a NAT's entry alive
// though no line comes), whose TTL the reset came with (the client's
// own, or a firewall's), and a reset whose TTL is not its sender's that
// both ends go on past.

// ctlrstServer is the server of these sessions; ctlrstData its passive
// data port.
const (
	ctlrstServer = "203.0.113.60:21"
	ctlrstData   = "203.0.113.60:40010"
)

// keepaliveProbe is a Linux TCP keepalive probe of one side: no payload,
// at the sequence number before its next byte, answered by the other
// side's ACK.
func (k *conn) keepaliveProbe(fromClient bool) {
	p := k.ack(fromClient)
	p.seq--
	k.emit(p, k.ack(!fromClient))
}

// keepaliveCmdReset, captured on the client's side: after vsftpd's login
// a passive RETR moves 20 minutes of data, then the session sits idle for
// 5 minutes, and the client's next command, "CWD pub", draws a reset from
// the server's address 30 ms later. The client's TCP sends a keepalive
// probe every 60 s all along, and the server's answers it (alive): no
// NAT on the path saw the connection idle, whatever the lines say. Not
// alive, the probes stop with the transfer: no segment crosses the
// control connection in the 5 minutes before the command, the NAT that
// forgot it the likely reading.
func keepaliveCmdReset(alive bool) func() *capture {
	return func() *capture {
		c := newCapture(formatPcap, ethernetLink())
		port := "198.51.100.40:52600"
		if !alive {
			port = "198.51.100.40:52610"
		}
		k := inspectLogin(c, port, "220 (vsFTPd 3.0.3)", vsftpdLogin)
		k.exchange("PASV", pasvReply(ap(ctlrstData)))
		cli := k.cli.ap
		d := c.newConn(0, ap(cli.Addr().String()+":52601"), ap(ctlrstData))
		d.handshake()
		const chunks, chunk = 120, 1460
		body := fileBody("big.iso", chunks*chunk)
		k.cmd("RETR big.iso")
		k.send(false, []byte(retr150("big.iso", len(body))+"\r\n"))
		k.emit(k.ack(true))
		for i := range chunks {
			// One segment every 10 s: 20 minutes of a slow transfer.
			d.emit(d.data(false, body[i*chunk:(i+1)*chunk]), d.ack(true))
			c.wait(10 * time.Second)
			if i%6 == 5 {
				k.keepaliveProbe(true)
			}
		}
		d.close(false)
		k.reply(xfer226)
		for range 5 {
			c.wait(time.Minute)
			if alive {
				k.keepaliveProbe(true)
			}
		}
		c.wait(2 * time.Second)
		k.cmd("CWD pub")
		c.wait(30 * time.Millisecond)
		k.emit(k.rst(false))
		return c
	}
}

// clientAbortAfter227, captured on the server's side: the client's PASV
// gets its 227, the client's TCP acknowledges it, and 20 ms later the
// client resets the connection itself (a script that exits with
// SO_LINGER 0, curl at its timeout), with the TTL all its segments came
// with.
func clientAbortAfter227() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := inspectLogin(c, "198.51.100.40:52700", "220 (vsFTPd 3.0.3)", vsftpdLogin)
	k.exchange("PASV", pasvReply(ap(ctlrstData)))
	c.wait(20 * time.Millisecond)
	k.emit(k.rst(true))
	return c
}

// oddRSTGoesOn, captured on the client's side: an RST in the server's
// name (fromClient false) or the client's, with TTL oddTTL where every
// segment of its side came with 64 (injected on the path: neither end
// took it), 40 ms after the login; after pause the session goes on as if
// nothing came: an active-mode STOR (PORT, 200, STOR, 150, the data
// connection from port 20, 226) and QUIT.
func oddRSTGoesOn(fromClient bool, oddTTL uint8, pause time.Duration, port int) func() *capture {
	return func() *capture {
		c := newCapture(formatPcap, ethernetLink())
		cli := ap(fmt.Sprintf("198.51.100.40:%d", port))
		k := inspectLogin(c, cli.String(), "220 (vsFTPd 3.0.3)", vsftpdLogin)
		c.wait(40 * time.Millisecond)
		r := k.rst(fromClient)
		r.ttl = oddTTL
		k.emit(r)
		c.wait(pause)
		dataCli := ap(fmt.Sprintf("198.51.100.40:%d", port+1))
		k.exchange("PORT "+portArg(dataCli), "200 PORT command successful. Consider using PASV.")
		d := c.newConn(0, ap("203.0.113.60:20"), dataCli)
		k.cmd("STOR upload.bin")
		d.handshake()
		k.send(false, []byte("150 Ok to send data.\r\n"))
		d.bulk(false, fileBody("upload.bin", 4000))
		d.close(false)
		k.emit(k.ack(true))
		k.reply("226 Transfer complete.")
		k.quit()
		return c
	}
}

// The resets that both ends go on past: in the client's name from a box
// 6 hops away (TTL 58), with the session quiet for 5 s after it, longer
// than decode holds an RST (the PORT that follows was dropped as bytes
// after the close, the session picked up again at the 200); in the
// server's name with the ASA's TTL, and in the client's from the box 6
// hops away, with the session going on at once.
var (
	farRSTClientQuietGoesOn = oddRSTGoesOn(true, 58, 5*time.Second, 52800)
	oddRSTServerGoesOn      = oddRSTGoesOn(false, 255, 100*time.Millisecond, 52810)
	farRSTClientGoesOn      = oddRSTGoesOn(true, 58, 100*time.Millisecond, 52820)
)

// idleReplyReset, captured on the server's side: a passive RETR whose
// data takes 8 s while the control connection carries nothing at all,
// then the server's 226. natCut: a masquerading router whose idle
// timeout is shorter (5 s) has forgotten the control connection and
// answers the 226 itself, 0.1 ms later, with an RST in the client's name
// and without the ACK flag, as a TCP does for a segment of no
// connection; the client never gets the 226 (curl: "FTP response
// timeout"). Not natCut: the client's TCP acknowledges the 226 and the
// client resets the connection 30 ms later, with RST/ACK and its TTL
// (curl closing after a complete download).
func idleReplyReset(natCut bool) func() *capture {
	return func() *capture {
		c := newCapture(formatPcap, ethernetLink())
		port := 52900
		if !natCut {
			port = 52910
		}
		cli := fmt.Sprintf("198.51.100.40:%d", port)
		k := inspectLogin(c, cli, "220 (vsFTPd 3.0.3)", vsftpdLogin)
		k.exchange("PASV", pasvReply(ap(ctlrstData)))
		d := c.newConn(0, ap(fmt.Sprintf("198.51.100.40:%d", port+1)), ap(ctlrstData))
		d.handshake()
		const chunks, chunk = 8, 1460
		body := fileBody("big.bin", chunks*chunk)
		k.cmd("RETR big.bin")
		k.send(false, []byte(retr150("big.bin", len(body))+"\r\n"))
		k.emit(k.ack(true))
		for i := range chunks {
			d.emit(d.data(false, body[i*chunk:(i+1)*chunk]), d.ack(true))
			c.wait(time.Second)
		}
		d.close(false)
		if natCut {
			k.send(false, []byte(xfer226+"\r\n"))
			c.wait(100 * time.Microsecond)
			r := k.rst(true)
			r.ack, r.ackNo = false, 0
			k.emit(r)
			return c
		}
		k.reply(xfer226)
		c.wait(30 * time.Millisecond)
		k.emit(k.rst(true))
		return c
	}
}

// fwResetServerGoesOn, captured where both legs of an inline box are
// seen: after "DELE secret.txt" the box resets the client in the
// server's name (the ASA's TTL, 255); the server, never reset, carried
// the command out and answers where its stream stood, after late (the
// RST's hold in decode is 2 s), then its TCP sends the reply again
// resends times, never acknowledged. answerRST: the client's TCP, which
// took the reset, answers the reply with an RST of its own (TTL 64).
func fwResetServerGoesOn(answerRST bool, resends int, late time.Duration, port int) func() *capture {
	return func() *capture {
		c := newCapture(formatPcap, ethernetLink())
		k := inspectLogin(c, fmt.Sprintf("198.51.100.40:%d", port), "220 (vsFTPd 3.0.3)", vsftpdLogin)
		k.cmd("DELE secret.txt")
		c.wait(time.Millisecond)
		k.emit(asaRST(k.rst(false)))
		c.wait(20*time.Millisecond + late)
		reply := k.data(false, []byte("250 Delete operation successful.\r\n"))
		k.emit(reply)
		if answerRST {
			c.wait(time.Millisecond)
			r := k.rst(true)
			r.ack = false
			k.emit(r)
		}
		wait := 200 * time.Millisecond
		for range resends {
			c.wait(wait)
			wait *= 2
			k.emit(reply)
		}
		return c
	}
}

// unansweredBoxReset, captured on the server's side: the client's "MKD
// reports" reaches the server, whose TCP acknowledges it, and gets no
// reply; 12 s later a reset in the client's name ends the connection,
// with TTL 255 where every segment of the client's came with 64: a box
// between (an IPS, a firewall) sent it, not a client that gave up.
func unansweredBoxReset() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := inspectLogin(c, "198.51.100.40:52920", "220 (vsFTPd 3.0.3)", vsftpdLogin)
	k.cmd("MKD reports")
	k.emit(k.ack(false))
	c.wait(12 * time.Second)
	k.emit(asaRST(k.rst(true)))
	return c
}

// The server's reply after a firewall's reset: at once, sent 7 times,
// once, and answered by the client's RST; 10 s later (past decode's
// hold), sent 7 times, once, and answered by the client's RST.
var (
	fwResetServerRepliesResent    = fwResetServerGoesOn(false, 6, 0, 52900)
	fwResetServerRepliesOnce      = fwResetServerGoesOn(false, 0, 0, 52950)
	fwResetServerRepliesClientRST = fwResetServerGoesOn(true, 0, 0, 52960)
	fwResetServerLateResent       = fwResetServerGoesOn(false, 6, 10*time.Second, 52920)
	fwResetServerLateOnce         = fwResetServerGoesOn(false, 0, 10*time.Second, 52930)
	fwResetServerLateClientRST    = fwResetServerGoesOn(true, 0, 10*time.Second, 52940)
)
