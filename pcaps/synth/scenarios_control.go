package main

import (
	"strings"
	"time"
)

// walkthrough is the reference session every other file varies.
func walkthrough() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.1.100:50412"), ap("192.168.1.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "guest@example.com")
	k.exchange("CWD /pub", "250 Directory successfully changed.")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	k.exchange("PASV", pasvReply(ap("192.168.1.10:3968")))
	d := c.newConn(0, ap("192.168.1.100:50413"), ap("192.168.1.10:3968"))
	k.download(d, "RETR report.txt", retr150("report.txt", 12345), fileBody("report.txt", 12345), xfer226)
	k.quit()
	return c
}

// truncated is walkthrough with its last record cut in half.
func truncated() ([]byte, error) {
	c := walkthrough()
	b, err := c.bytes()
	if err != nil {
		return nil, err
	}
	return truncateLastRecord(b, len(c.recs[len(c.recs)-1].data))
}

// splitLines separates lines from segments in every direction.
func splitLines() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.1.100:50420"), ap("192.168.1.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")

	// 331 over three segments, cut mid-word: "331 Ple|ase specify the pass|word.\r\n".
	k.cmd("USER anonymous")
	r331 := "331 Please specify the password.\r\n"
	k.send(false, []byte(r331), 7, strings.Index(r331, "word."))
	k.emit(k.ack(true))
	c.wait(thinkTime)
	k.exchange("PASS guest@example.com", "230 Login successful.")

	// FEAT body split inside " EP|SV", between the CR and LF after MDTM,
	// and inside the terminator "211 E|nd".
	k.cmd("FEAT")
	feat := "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n"
	k.send(false, []byte(feat),
		strings.Index(feat, "EPSV")+2,
		strings.Index(feat, "MDTM\r")+5,
		strings.Index(feat, "211 End")+5)
	k.emit(k.ack(true))
	c.wait(thinkTime)

	// A command ended by a bare LF.
	k.send(true, []byte("TYPE I\n"))
	k.reply("200 Switching to Binary mode.")

	// PASV and LIST pipelined in one segment, before the 227 exists.
	k.send(true, []byte("PASV\r\nLIST\r\n"))
	k.send(false, []byte(pasvReply(ap("192.168.1.10:40000"))+"\r\n"))
	d := c.newConn(0, ap("192.168.1.100:50421"), ap("192.168.1.10:40000"))
	d.handshake()
	d.bulk(false, listing(lsDir("pub"), lsFile("README", 1024), lsFile("report.txt", 12345)))
	d.close(false)
	// The client's delayed ACK of the 227 lets Nagle hold the 150 until
	// the 226 joins it: both replies travel in one segment, after the data.
	c.wait(40 * time.Millisecond)
	k.emit(k.ack(true))
	k.send(false, []byte(list150+"\r\n"+list226+"\r\n"))
	k.emit(k.ack(true))
	c.wait(thinkTime)
	k.quit()
	return c
}

// reordered delivers control segments out of order and retransmits some.
func reordered() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.1.100:50430"), ap("192.168.1.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.exchange("USER anonymous", "331 Please specify the password.")

	// A multi-line 230 written in two segments, captured second-first.
	k.cmd("PASS guest@example.com")
	a := k.data(false, []byte("230-Welcome to the example archive.\r\n230-All transfers are logged.\r\n"))
	b := k.data(false, []byte("230 Login successful.\r\n"))
	k.emit(b, a)
	k.emit(k.ack(true))
	c.wait(thinkTime)

	// TYPE and PASV sent back to back, captured PASV first.
	typ := k.data(true, []byte("TYPE I\r\n"))
	pasv := k.data(true, []byte("PASV\r\n"))
	k.emit(pasv, typ)
	k.send(false, []byte("200 Switching to Binary mode.\r\n"))
	r227 := k.data(false, []byte(pasvReply(ap("192.168.1.10:40010"))+"\r\n"))
	k.emit(r227)
	k.emit(k.ack(true))
	// The client's ACK was lost: after the 200 ms minimum RTO the server
	// resends the 227 (same sequence number, same bytes); the client
	// answers with a duplicate ACK.
	c.wait(200 * time.Millisecond)
	k.emit(r227)
	k.emit(k.ack(true))

	d := c.newConn(0, ap("192.168.1.100:50431"), ap("192.168.1.10:40010"))
	d.handshake()
	// RETR retransmitted by the client before the server answers.
	retr := k.data(true, []byte("RETR notes.txt\r\n"))
	k.emit(retr)
	c.wait(200 * time.Millisecond)
	k.emit(retr)
	k.send(false, []byte(retr150("notes.txt", 3000)+"\r\n"))
	d.bulk(false, fileBody("notes.txt", 3000))
	d.close(false)
	k.emit(k.ack(true))
	k.reply(xfer226)
	k.quit()
	return c
}

// gap drops one client segment from the capture while the session goes on.
func gap() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.1.100:50440"), ap("192.168.1.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "guest@example.com")
	k.exchange("PWD", `257 "/" is the current directory`)

	// "CWD secret" is sent but never captured; PWD follows before the 250.
	_ = k.data(true, []byte("CWD secret\r\n"))
	k.emit(k.data(true, []byte("PWD\r\n")))
	k.send(false, []byte("250 Directory successfully changed.\r\n"))
	k.emit(k.ack(true))
	k.reply(`257 "/secret" is the current directory`)

	k.exchange("PASV", pasvReply(ap("192.168.1.10:40016")))
	d := c.newConn(0, ap("192.168.1.100:50441"), ap("192.168.1.10:40016"))
	k.download(d, "RETR plan.txt", retr150("plan.txt", 900), fileBody("plan.txt", 900), xfer226)
	k.quit()
	return c
}

// midstream starts capturing in the middle of a session and of a line.
func midstream() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("10.0.0.100:50500"), ap("10.0.0.5:21"))
	// Everything before the second half of the 227 happened before the
	// capture started: build it for the sequence numbers, write nothing.
	_, _ = k.syn(), k.synAck()
	for _, x := range []struct {
		client bool
		text   string
	}{
		{false, "220 (vsFTPd 3.0.3)\r\n"},
		{true, "USER anonymous\r\n"}, {false, "331 Please specify the password.\r\n"},
		{true, "PASS guest@example.com\r\n"}, {false, "230 Login successful.\r\n"},
		{true, "PASV\r\n"}, {false, "227 Entering Pa"},
	} {
		_ = k.data(x.client, []byte(x.text))
	}
	k.emit(k.data(false, []byte("ssive Mode (10,0,0,5,156,64).\r\n")))
	k.emit(k.ack(true))
	c.wait(thinkTime)
	d := c.newConn(0, ap("10.0.0.100:50501"), ap("10.0.0.5:40000"))
	k.download(d, "LIST", list150, listing(lsDir("incoming"), lsFile("index.html", 2210)), list226)
	k.quit()
	return c
}

// manyLines pipelines five commands and sends one over-long command.
func manyLines() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.1.100:50450"), ap("192.168.1.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "guest@example.com")

	k.send(true, []byte("TYPE I\r\nSIZE report.txt\r\nMDTM report.txt\r\nCWD /pub\r\nPWD\r\n"))
	k.reply("200 Switching to Binary mode.",
		"213 12345",
		"213 20251231235900",
		"250 Directory successfully changed.",
		`257 "/pub" is the current directory`)

	// A 6000-byte argument: 6006 bytes on the wire, in MSS-sized segments.
	long := []byte("CWD " + strings.Repeat("A", 6000) + "\r\n")
	k.send(true, long, 1460, 2920, 4380, 5840)
	k.reply("550 Failed to change directory.")
	k.exchange("PWD", `257 "/pub" is the current directory`)
	k.exchange("NOOP", "200 NOOP ok.")
	k.quit()
	return c
}
