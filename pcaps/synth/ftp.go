package main

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// thinkTime is the pause between a reply and the client's next command.
const thinkTime = 20 * time.Millisecond

// cmd writes one client command line (CRLF added).
func (k *conn) cmd(line string) {
	k.send(true, []byte(line+"\r\n"))
}

// snapCutCmd writes one client command line (CRLF added) in one segment
// of which the capture keeps the first keep bytes of the line, its frame
// cut there as a snap length cuts it (tcpdump -s): the line went on to
// the server whole.
func (k *conn) snapCutCmd(line string, keep int) {
	k.cap.snapCut = len(line) + len("\r\n") - keep
	k.cmd(line)
}

// reply writes one server reply (CRLF added after each line) and the
// client's ACK, then waits the client's think time.
func (k *conn) reply(lines ...string) {
	k.send(false, []byte(strings.Join(lines, "\r\n")+"\r\n"))
	k.emit(k.ack(true))
	k.cap.wait(thinkTime)
}

// exchange is a command and its single-segment reply.
func (k *conn) exchange(cmd string, reply ...string) {
	k.cmd(cmd)
	k.reply(reply...)
}

// greet opens the control connection and writes the banner.
func (k *conn) greet(banner string) {
	k.handshake()
	k.reply(banner)
}

// login is vsftpd's USER/PASS dialogue.
func (k *conn) login(user, pass string) {
	k.exchange("USER "+user, "331 Please specify the password.")
	k.exchange("PASS "+pass, "230 Login successful.")
}

// quit ends the session: vsftpd answers 221 and closes first.
func (k *conn) quit() {
	k.cmd("QUIT")
	k.send(false, []byte("221 Goodbye.\r\n"))
	k.close(false)
}

// pasvReply is vsftpd's 227 text for ap.
func pasvReply(ap netip.AddrPort) string {
	a := ap.Addr().As4()
	return fmt.Sprintf("227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).", a[0], a[1], a[2], a[3], ap.Port()>>8, ap.Port()&0xff)
}

// portArg is the PORT argument for ap.
func portArg(ap netip.AddrPort) string { return ftp.FormatPORT(ap) }

// lprtArg is the RFC 1639 LPRT/228 argument for ap.
func lprtArg(ap netip.AddrPort) string { return ftp.FormatLong(ap) }

// epsvReply is vsftpd's 229 text for port (no trailing dot, unlike 227).
func epsvReply(port uint16) string {
	return fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", port)
}

// retr150 is vsftpd's 150 text for a binary RETR.
func retr150(name string, size int) string {
	return fmt.Sprintf("150 Opening BINARY mode data connection for %s (%d bytes).", name, size)
}

const (
	list150 = "150 Here comes the directory listing."
	list226 = "226 Directory send OK."
	xfer226 = "226 Transfer complete."
)

// download is a passive-mode transfer on data connection d: the client
// opens d, sends verb, the server answers open, streams body and closes,
// then sends done.
func (k *conn) download(d *conn, verb, open string, body []byte, done string) {
	d.handshake()
	k.cmd(verb)
	k.send(false, []byte(open+"\r\n"))
	d.bulk(false, body)
	d.close(false)
	k.emit(k.ack(true))
	k.reply(done)
}

// activeDownload is an active-mode transfer: after verb, the server opens
// d (from port 20) to the client, announces open, streams and closes.
func (k *conn) activeDownload(d *conn, verb, open string, body []byte, done string) {
	k.cmd(verb)
	d.handshake()
	k.send(false, []byte(open+"\r\n"))
	d.bulk(true, body)
	d.close(true)
	k.emit(k.ack(true))
	k.reply(done)
}

// fileBody returns n bytes of deterministic text with the look of a
// report: numbered lines, LF-terminated.
func fileBody(name string, n int) []byte {
	var b strings.Builder
	for i := 1; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%s line %05d: the quick brown fox jumps over the lazy dog\n", name, i)
	}
	return []byte(b.String()[:n])
}

// listing renders a vsftpd-style LIST body (CRLF lines).
func listing(entries ...string) []byte {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e)
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// lsFile is one vsftpd LIST line for a regular file.
func lsFile(name string, size int) string {
	return fmt.Sprintf("-rw-r--r--    1 ftp      ftp      %8d Dec 31 23:59 %s", size, name)
}

// lsDir is one vsftpd LIST line for a directory.
func lsDir(name string) string {
	return fmt.Sprintf("drwxr-xr-x    2 ftp      ftp          4096 Dec 31 23:59 %s", name)
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
func addr(s string) netip.Addr   { return netip.MustParseAddr(s) }
