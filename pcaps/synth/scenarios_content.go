package main

// nonstandardPort runs FTP on 2121 and SMTP on 2525 in one capture; only
// content tells them apart.
func nonstandardPort() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.7.100:50800"), ap("192.168.7.10:2121"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.login("anonymous", "guest@example.com")
	k.exchange("PASV", pasvReply(ap("192.168.7.10:40056")))
	d := c.newConn(0, ap("192.168.7.100:50801"), ap("192.168.7.10:40056"))
	k.download(d, "LIST", list150, listing(lsDir("pub"), lsFile("README", 1024)), list226)
	k.quit()

	s := c.newConn(0, ap("192.168.7.100:50810"), ap("192.168.7.20:2525"))
	s.greet("220 mail.example.com ESMTP Postfix")
	s.exchange("EHLO client.example.org", "250-mail.example.com", "250-PIPELINING", "250-SIZE 10240000",
		"250-8BITMIME", "250 SMTPUTF8")
	s.exchange("MAIL FROM:<alice@example.org>", "250 2.1.0 Ok")
	s.exchange("RCPT TO:<bob@example.com>", "250 2.1.5 Ok")
	s.exchange("DATA", "354 End data with <CR><LF>.<CR><LF>")
	s.send(true, []byte("Subject: PASV\r\n\r\n227 Entering Passive Mode (192,168,7,20,156,64).\r\nUSER root\r\n.\r\n"))
	s.reply("250 2.0.0 Ok: queued as 4F2A81C0D2")
	s.cmd("QUIT")
	s.send(false, []byte("221 2.0.0 Bye\r\n"))
	s.close(false)
	return c
}

// hostile carries terminal escapes, bidi overrides and invalid UTF-8 in
// peer-controlled text, a password, and an RFC 959 abort during RETR.
func hostile() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.66.100:50900"), ap("192.168.66.10:21"))
	k.greet("220 \x1b[2J\x1b]0;owned\x07(vsFTPd 3.0.3) \u202Etxt.exe \xc3\x28\xfe")
	k.login("alice", "S3cret!pw")
	k.exchange("TYPE I", "200 Switching to Binary mode.")
	k.exchange("PASV", pasvReply(ap("192.168.66.10:40136")))
	name := "\x1b[31minvoice\u202Efdp.exe\x1b[0m"
	d := c.newConn(0, ap("192.168.66.100:50901"), ap("192.168.66.10:40136"))
	d.handshake()
	k.cmd("RETR " + name)
	k.send(false, []byte(retr150(name, 20000)+"\r\n"))
	body := fileBody("invoice", 20000)
	const sent = 4 * 1460
	d.bulk(false, body[:sent])

	// IAC IP, IAC DM as TCP urgent data (URG set, urgent pointer one past
	// the DM byte), then ABOR.
	abor := k.data(true, []byte("\xff\xf4\xff\xf2ABOR\r\n"))
	abor.urg, abor.urgent = true, 4
	k.emit(abor)
	// The client closes its data socket with data unread: RST.
	d.emit(d.rst(true))
	k.send(false, []byte("426 Failure writing network stream.\r\n"))
	k.reply("226 ABOR successful.")
	k.quit()
	return c
}

// passwords holds three logins whose password line no parser takes for a
// PASS command: its first byte lost to the capture, a tab after the verb,
// a NUL before it. Nothing of the passwords may appear in any output.
func passwords() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.67.100:51000"), ap("192.168.67.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.exchange("USER alice", "331 Please specify the password.")
	// "P" is sent but not captured; the server's ACK covers it.
	_ = k.data(true, []byte("P"))
	k.emit(k.data(true, []byte("ASS hunter2-lost-first-byte\r\n")))
	k.reply("230 Login successful.")
	k.quit()

	k = c.newConn(0, ap("192.168.67.101:51001"), ap("192.168.67.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.exchange("USER bob", "331 Please specify the password.")
	k.exchange("PASS\tsecret-after-tab", "230 Login successful.")
	k.quit()

	k = c.newConn(0, ap("192.168.67.102:51002"), ap("192.168.67.10:21"))
	k.greet("220 (vsFTPd 3.0.3)")
	k.exchange("USER carol", "331 Please specify the password.")
	k.exchange("\x00PASS secret-after-nul", "230 Login successful.")
	k.quit()
	return c
}

// passBareCR is rt-e's pcr.pcap (/tmp/rev40/rt-e/mk4.py) made again: a
// PASS with no argument ended by a CR alone, then the password in the
// same line, before any reply. The password begins with a command word
// ("Site 2024!", "List 4u2c!"): a server that ends lines at a CR reads the
// PASS alone (501) and the password as a line of its own, which it
// repeats ("500 'SITE 2024!': command not understood."); one that ends
// them at CR LF reads "\rList 4u2c!" as the PASS's argument (530). Both
// are passwords, masked, and so is the echo. In the third session the
// server answered the empty PASS before the client's next line: that one
// is a command, shown.
func passBareCR() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.68.100:51100"), ap("192.168.68.10:21"))
	k.greet("220 FTP server ready.")
	k.exchange("USER bob", "331 Password required for bob.")
	k.send(true, []byte("PASS \rSite 2024!\r\n"))
	k.send(false, []byte("501 Syntax error in parameters or arguments.\r\n"))
	k.reply("500 'SITE 2024!': command not understood.")
	k.quit()

	k = c.newConn(0, ap("192.168.68.101:51101"), ap("192.168.68.10:21"))
	k.greet("220 FTP server ready.")
	k.exchange("USER carol", "331 Password required for carol.")
	k.send(true, []byte("PASS \rList 4u2c!\r\n"))
	k.reply("530 Login incorrect.")
	k.quit()

	k = c.newConn(0, ap("192.168.68.102:51102"), ap("192.168.68.10:21"))
	k.greet("220 FTP server ready.")
	k.exchange("USER dave", "331 Password required for dave.")
	k.send(true, []byte("PASS \r"))
	k.reply("501 Syntax error in parameters or arguments.")
	k.exchange("SITE HELP", "530 Please login with USER and PASS.")
	k.quit()
	return c
}
