package main

import "time"

// Control connections cut otherwise than by a firewall that inspects FTP
// (scenarios_inspect.go): a NAT that forgot the idle connection, and a
// server that had closed its side (its FIN) before the reset or without
// answering. The same sessions as a reviewer's Python-made captures
// (rt-d's nat-idle, restart and srvfin-then-crst), whose generator is not
// kept in the project.

// natIdleCmdReset, captured on the client's side: after vsftpd's login
// the control connection sits idle for 40 minutes; the NAT between
// forgot it, and the client's next command, "CWD pub", draws a reset
// from the server's address 30 ms later.
func natIdleCmdReset() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := inspectLogin(c, "198.51.100.40:52300", "220 (vsFTPd 3.0.3)", vsftpdLogin)
	c.wait(40 * time.Minute)
	k.cmd("CWD pub")
	c.wait(30 * time.Millisecond)
	k.emit(k.rst(false))
	return c
}

// serverClosedCmdReset, captured on the client's side: 30 s after the
// login the server closes its side (its FIN; a restart, an idle timeout
// that says nothing), the client's TCP acknowledges it, and the client's
// next command, "CWD pub", a minute later, draws the server's reset.
func serverClosedCmdReset() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := inspectLogin(c, "198.51.100.40:52400", "220 (vsFTPd 3.0.3)", vsftpdLogin)
	c.wait(30 * time.Second)
	k.emit(k.fin(false), k.ack(true))
	c.wait(time.Minute)
	k.cmd("CWD pub")
	k.emit(k.rst(false))
	return c
}

// serverClosedUnanswered, captured on the client's side: the server
// acknowledges "SIZE upload.sh" and closes its side 7 s later without a
// reply; the client's TCP acknowledges the FIN and the client resets the
// connection a second after.
func serverClosedUnanswered() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := inspectLogin(c, "198.51.100.40:52500", "220 (vsFTPd 3.0.3)", vsftpdLogin)
	k.cmd("SIZE upload.sh")
	k.emit(k.ack(false))
	c.wait(7 * time.Second)
	k.emit(k.fin(false), k.ack(true))
	c.wait(time.Second)
	k.emit(k.rst(true))
	return c
}
