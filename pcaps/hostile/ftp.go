package hostile

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// say writes b from side in full segments, each acknowledging the other
// side; the other side's next segment acknowledges it.
func (c *conn) say(side int, b []byte) {
	for len(b) > 0 {
		n := min(len(b), mss)
		c.send(side, flagPSH|flagACK, b[:n])
		b = b[n:]
	}
}

func (c *conn) sayf(side int, format string, a ...any) {
	c.say(side, fmt.Appendf(nil, format, a...))
}

// stream writes n lines from side, made by line, in chunks of up to 64
// KiB each acknowledged by the other side, so a million lines take
// constant memory.
func (c *conn) stream(side, n int, line func(b []byte, i int) []byte) {
	buf := make([]byte, 0, 80<<10)
	for i := 0; i < n; i++ {
		buf = line(buf, i)
		if len(buf) >= 64<<10 || i == n-1 {
			c.say(side, buf)
			c.send(1-side, flagACK, nil)
			buf = buf[:0]
		}
	}
}

// session opens control connection number n to the server and logs in.
func session(w *pcapWriter, n uint32, user, pass string) *conn {
	c := newConn(w, client(n), server, 1_000_000+n*7919)
	c.open()
	c.say(1, []byte("220 (vsFTPd 3.0.3)\r\n"))
	c.sayf(0, "USER %s\r\n", user)
	c.say(1, []byte("331 Please specify the password.\r\n"))
	c.sayf(0, "PASS %s\r\n", pass)
	c.say(1, []byte("230 Login successful.\r\n"))
	return c
}

// quit ends a session: QUIT, 221, the server closes.
func (c *conn) quit() {
	c.say(0, []byte("QUIT\r\n"))
	c.say(1, []byte("221 Goodbye.\r\n"))
	c.close(1)
}

// shortSession is a whole anonymous session: 16 packets.
func shortSession(w *pcapWriter, n uint32) {
	shortSessionOn(newConn(w, client(n), server, 1_000_000+n*7919))
}

// pasvPort is the data port of the i-th 227 reply: it walks 40000-49999.
func pasvPort(i int) int { return 40000 + i%10000 }

func ftpShapes() []Shape {
	return []Shape{
		{"long-lines", "ftp", ".pcap", "mib-lines commands and replies of 1 MiB each, one CRLF at the end", longLines},
		{"endless-230", "ftp", ".pcap", "a 230- reply of reply-lines continuation lines that never ends", endless230},
		{"pasv-million", "ftp", ".pcap", "pasv PASV commands and 227 replies in one session", pasvMillion},
		{"port-third-host", "ftp", ".pcap", "ports PORT commands naming a third host, each accepted", portThirdHost},
		{"pipelined-noops", "ftp", ".pcap", "noop-sessions sessions, each with noops pipelined NOOPs and replies", pipelinedNoops},
		{"empty-lines", "ftp", ".pcap", "empty-sessions sessions, each sending empty-lines empty lines", emptyLines},
		{"keepalive", "ftp", ".pcap", "alive-sessions sessions kept open by NOOPs 0.1 s apart, alive-rounds each", keepalive},
		{"session-rate", "ftp", ".pcap", "rate-sessions short sessions starting 1 ms apart (1000 a second)", sessionRate},
		{"sequential", "ftp", ".pcap", "seq-sessions short sessions, one after the other", sequential},
		{"concurrent", "ftp", ".pcap", "concurrent-sessions sessions open at once: all connect, all log in, all quit", concurrent},
		{"passwords", "ftp", ".pcap", "passwords the masking must find: PASS with its first segment lost, PASS<TAB>, NUL before PASS, a command word after PASS and a lone CR", passwords},
	}
}

func longLines(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	c := session(w, 1, "anonymous", "guest@")
	line := make([]byte, 1<<20)
	for i := range line {
		line[i] = 'A' + byte(i%26)
	}
	for range p.n("mib-lines") {
		copy(line, "STOR ")
		copy(line[len(line)-2:], "\r\n")
		c.say(0, line)
		copy(line, "550 ")
		c.say(1, line)
	}
	c.quit()
	return w.flush()
}

func endless230(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	c := newConn(w, client(1), server, 1)
	c.open()
	c.say(1, []byte("220 (vsFTPd 3.0.3)\r\n"))
	c.say(0, []byte("USER anonymous\r\n"))
	c.say(1, []byte("331 Please specify the password.\r\n"))
	c.say(0, []byte("PASS guest@\r\n"))
	c.say(1, []byte("230-Welcome\r\n"))
	c.stream(1, p.n("reply-lines"), func(b []byte, i int) []byte {
		b = append(b, " banner line "...)
		b = strconv.AppendInt(b, int64(i), 10)
		return append(b, "\r\n"...)
	})
	return w.flush() // no final "230 " line, no FIN
}

func pasvMillion(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	c := session(w, 1, "anonymous", "guest@")
	n := p.n("pasv")
	// Pipelined: the client sends a chunk of PASVs, the server answers them.
	const batch = 4096
	for done := 0; done < n; done += batch {
		k := min(batch, n-done)
		c.stream(0, k, func(b []byte, _ int) []byte { return append(b, "PASV\r\n"...) })
		c.stream(1, k, func(b []byte, i int) []byte {
			port := pasvPort(done + i)
			return fmt.Appendf(b, "227 Entering Passive Mode (10,0,0,2,%d,%d).\r\n", port>>8, port&0xff)
		})
	}
	c.quit()
	return w.flush()
}

func portThirdHost(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	c := session(w, 1, "anonymous", "guest@")
	n := p.n("ports")
	t := thirdHost.As4()
	const batch = 4096
	for done := 0; done < n; done += batch {
		k := min(batch, n-done)
		c.stream(0, k, func(b []byte, i int) []byte {
			port := 1024 + (done+i)%60000
			return fmt.Appendf(b, "PORT %d,%d,%d,%d,%d,%d\r\n", t[0], t[1], t[2], t[3], port>>8, port&0xff)
		})
		c.stream(1, k, func(b []byte, _ int) []byte {
			return append(b, "200 PORT command successful. Consider using PASV.\r\n"...)
		})
	}
	c.quit()
	return w.flush()
}

func pipelinedNoops(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	noops := p.n("noops")
	for s := range p.n("noop-sessions") {
		c := session(w, uint32(s), "anonymous", "guest@")
		c.stream(0, noops, func(b []byte, _ int) []byte { return append(b, "NOOP\r\n"...) })
		c.stream(1, noops, func(b []byte, _ int) []byte { return append(b, "200 NOOP ok.\r\n"...) })
		c.quit()
	}
	return w.flush()
}

func emptyLines(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	lines := p.n("empty-lines")
	for s := range p.n("empty-sessions") {
		c := session(w, uint32(s), "anonymous", "guest@")
		c.stream(0, lines, func(b []byte, _ int) []byte { return append(b, "\r\n"...) })
		c.quit()
	}
	return w.flush()
}

func keepalive(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	n := p.n("alive-sessions")
	conns := make([]*conn, n)
	for i := range conns {
		conns[i] = session(w, uint32(i), "anonymous", "guest@")
		conns[i].gap = 0
	}
	// Each round, every session sends a NOOP and gets its reply; rounds
	// start 0.1 s apart, so each session's NOOPs are 0.1 s apart.
	for range p.n("alive-rounds") {
		start := w.now
		for _, c := range conns {
			c.say(0, []byte("NOOP\r\n"))
			c.say(1, []byte("200 NOOP ok.\r\n"))
		}
		w.now = start.Add(100 * time.Millisecond)
	}
	for _, c := range conns {
		c.quit()
	}
	return w.flush()
}

func sessionRate(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	// Each session takes 16 packets 10 µs apart, so it is over long before
	// the next starts 1 ms later.
	for s := range p.n("rate-sessions") {
		start := w.now
		c := newConn(w, client(uint32(s)), server, uint32(s)*7919)
		c.gap = 10 * time.Microsecond
		shortSessionOn(c)
		w.now = start.Add(time.Millisecond)
	}
	return w.flush()
}

// shortSessionOn runs shortSession's dialogue on an unopened conn.
func shortSessionOn(c *conn) {
	c.open()
	c.say(1, []byte("220 (vsFTPd 3.0.3)\r\n"))
	c.say(0, []byte("USER anonymous\r\n"))
	c.say(1, []byte("331 Please specify the password.\r\n"))
	c.say(0, []byte("PASS guest@\r\n"))
	c.say(1, []byte("230 Login successful.\r\n"))
	c.say(0, []byte("PWD\r\n"))
	c.say(1, []byte("257 \"/\" is the current directory\r\n"))
	c.quit()
}

func sequential(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	for s := range p.n("seq-sessions") {
		shortSession(w, uint32(s))
	}
	return w.flush()
}

func concurrent(out io.Writer, p Params) error {
	w := newPcap(out, 65535)
	n := p.n("concurrent-sessions")
	conns := make([]*conn, n)
	for i := range conns {
		conns[i] = newConn(w, client(uint32(i)), server, uint32(i)*7919)
		conns[i].gap = 10 * time.Microsecond
		conns[i].open()
	}
	for _, c := range conns {
		c.say(1, []byte("220 (vsFTPd 3.0.3)\r\n"))
		c.say(0, []byte("USER anonymous\r\n"))
	}
	for _, c := range conns {
		c.say(1, []byte("331 Please specify the password.\r\n"))
		c.say(0, []byte("PASS guest@\r\n"))
		c.say(1, []byte("230 Login successful.\r\n"))
	}
	for _, c := range conns {
		c.quit()
	}
	return w.flush()
}

// Secrets are the passwords in the passwords shape: none may appear in
// ftpsniff's output.
var Secrets = []string{"hunter2x", "tabsecret9", "nulsecret7", "s3cr3t2024"}

func passwords(out io.Writer, _ Params) error {
	w := newPcap(out, 65535)
	// 1. "PASS hunter2x" whose first segment ("P") is lost: the capture
	// has a gap, then "ASS hunter2x".
	c := newConn(w, client(1), server, 1000)
	c.open()
	c.say(1, []byte("220 (vsFTPd 3.0.3)\r\n"))
	c.say(0, []byte("USER alice\r\n"))
	c.say(1, []byte("331 Please specify the password.\r\n"))
	c.seq[0]++ // "P" sent, not captured
	c.sayf(0, "ASS %s\r\n", Secrets[0])
	c.say(1, []byte("230 Login successful.\r\n"))
	c.quit()
	// 2. A tab between PASS and the password.
	c = newConn(w, client(2), server, 2000)
	c.open()
	c.say(1, []byte("220 (vsFTPd 3.0.3)\r\n"))
	c.say(0, []byte("USER bob\r\n"))
	c.say(1, []byte("331 Please specify the password.\r\n"))
	c.sayf(0, "PASS\t%s\r\n", Secrets[1])
	c.say(1, []byte("230 Login successful.\r\n"))
	c.quit()
	// 3. A NUL byte before PASS.
	c = newConn(w, client(3), server, 3000)
	c.open()
	c.say(1, []byte("220 (vsFTPd 3.0.3)\r\n"))
	c.say(0, []byte("USER carol\r\n"))
	c.say(1, []byte("331 Please specify the password.\r\n"))
	c.sayf(0, "\x00PASS %s\r\n", Secrets[2])
	c.say(1, []byte("230 Login successful.\r\n"))
	c.quit()
	// 4. "PASS" ended by a CR alone, then a password that begins with a
	// command word, in the same line: a server that ends lines at a CR
	// reads the PASS alone, then the password as a command, and repeats
	// it.
	c = newConn(w, client(4), server, 4000)
	c.open()
	c.say(1, []byte("220 (vsFTPd 3.0.3)\r\n"))
	c.say(0, []byte("USER dave\r\n"))
	c.say(1, []byte("331 Please specify the password.\r\n"))
	c.sayf(0, "PASS \rSite %s\r\n", Secrets[3])
	c.say(1, []byte("501 Syntax error.\r\n"))
	c.sayf(1, "500 'Site %s': command not understood.\r\n", Secrets[3])
	c.quit()
	return w.flush()
}
