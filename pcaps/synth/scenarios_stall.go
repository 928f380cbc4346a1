package main

import "time"

// Transfers that stall half-way with neither side closing: the data
// connection moves part of the size the 150 announced, then nothing
// crosses it. The shape of a NAT or firewall that dropped the flow's
// state, or of a path MTU black hole seen from the receiver's side.
const (
	stallServer = "203.0.113.70:21"
	stallData   = "203.0.113.70:40070"
)

// stallHalfway: a passive RETR of 100000 bytes moves 51100 (35 full
// segments) and the client acknowledges them; then nothing crosses the
// data or the control connection. resume: three hours later the rest
// comes, the server closes the data connection and sends its 226 (the
// control connection was let go as idle in between: the 226 arrives in
// the session that picks it up; another host's packets keep the
// capture's clock going meanwhile). probes: a keepalive probe of the
// client's on the data connection every 2 minutes, each answered, for
// 20 minutes, and the capture ends (no 226).
func stallHalfway(resume, probes bool) func() *capture {
	return func() *capture {
		c := newCapture(formatPcap, ethernetLink())
		k := c.newConn(0, ap("198.51.100.70:52700"), ap(stallServer))
		k.greet("220 (vsFTPd 3.0.3)")
		k.login("staller", "stall-pass")
		k.exchange("TYPE I", "200 Switching to Binary mode.")
		k.exchange("PASV", pasvReply(ap(stallData)))
		d := c.newConn(0, ap("198.51.100.70:52701"), ap(stallData))
		d.handshake()
		k.cmd("RETR stalled.bin")
		k.send(false, []byte(retr150("stalled.bin", 100000)+"\r\n"))
		k.emit(k.ack(true))
		body := fileBody("stalled.bin", 100000)
		d.bulk(false, body[:35*1460])
		switch {
		case probes:
			for range 10 {
				c.wait(2 * time.Minute)
				d.keepaliveProbe(true)
			}
		case resume:
			// Another host's HTTPS keeps the capture's clock going (a
			// packet every 5 minutes): the control connection is let go
			// as idle after an hour.
			w := c.newConn(0, ap("198.51.100.71:52800"), ap("203.0.113.71:443"))
			w.handshake()
			for range 36 {
				c.wait(5 * time.Minute)
				w.emit(w.data(true, []byte("x")), w.ack(false))
			}
			d.bulk(false, body[35*1460:])
			d.close(false)
			k.reply(xfer226)
			k.quit()
		}
		return c
	}
}
