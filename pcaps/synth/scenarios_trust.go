package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Captures for the verdicts an admin must be able to trust (issue 8):
// FTPS that returns to clear text, an encrypted session whose client
// connects elsewhere, a capture that ends before an outcome could show, a
// login reply cut by a gap, and tunnels whose outer packets were
// fragmented. No server installable in the lab does CCC, so these are
// built here from the shapes RFC 4217 and the TLS RFCs give.

// tlsConn is one TLS connection over a TCP connection as a capture sees
// it: record headers and the hellos in clear, every protected byte
// pseudo-random (SHA-256 of the connection and a counter, so the output
// is fixed).
type tlsConn struct {
	k     *conn
	v13   bool // TLS 1.3 (AES-256-GCM: 17 bytes a record); else TLS 1.2 (AES-128-GCM: 24)
	label string
	n     uint64
}

func newTLS(k *conn, v13 bool) *tlsConn {
	return &tlsConn{k: k, v13: v13, label: k.cli.ap.String() + ">" + k.srv.ap.String()}
}

// TLS record content types (RFC 8446 section 5.1).
const (
	tlsChangeCipherSpec = 20
	tlsAlert            = 21
	tlsHandshake        = 22
	tlsApplicationData  = 23
)

// noise returns n bytes that look like ciphertext.
func (t *tlsConn) noise(n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	for len(out) < n {
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", t.label, t.n))
		t.n++
		out = append(out, h[:]...)
	}
	return out[:n]
}

func tlsRecord(typ byte, version uint16, body []byte) []byte {
	r := []byte{typ, byte(version >> 8), byte(version)}
	r = binary.BigEndian.AppendUint16(r, uint16(len(body)))
	return append(r, body...)
}

// sealed is a protected record carrying n bytes of plaintext: in TLS 1.3
// an application_data record (its real type is inside), in TLS 1.2 a
// record of the given type with an explicit nonce.
func (t *tlsConn) sealed(typ byte, n int) []byte {
	if t.v13 {
		return tlsRecord(tlsApplicationData, 0x0303, t.noise(n+1+16))
	}
	return tlsRecord(typ, 0x0303, t.noise(8+n+16))
}

func handshakeMsg(typ byte, body []byte) []byte {
	m := []byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	return append(m, body...)
}

// tlsExtensions appends extensions to a hello body, with their length.
func tlsExtensions(b []byte, exts ...[]byte) []byte {
	var all []byte
	for _, e := range exts {
		all = append(all, e...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(all)))
	return append(b, all...)
}

func tlsExt(typ uint16, body []byte) []byte {
	e := binary.BigEndian.AppendUint16(nil, typ)
	e = binary.BigEndian.AppendUint16(e, uint16(len(body)))
	return append(e, body...)
}

func u16s(vs ...uint16) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

// clientHello is an OpenSSL-like ClientHello: TLS 1.3 and 1.2 offered
// (key share x25519), or TLS 1.2 only resuming sessionID.
func (t *tlsConn) clientHello(sni string, sessionID []byte) []byte {
	return t.clientHelloLast(sni, sessionID, nil)
}

// clientHelloPSK is the TLS 1.3 ClientHello of a client resuming on a data
// connection the session of its control connection: one PSK identity, the
// ticket the control connection's NewSessionTicket carried, in
// pre_shared_key (RFC 8446 section 4.2.11: the last extension; the binder
// as long as the suite's hash, 48 bytes for SHA-384).
func (t *tlsConn) clientHelloPSK(sni string, sessionID []byte, ticketLen int) []byte {
	return t.clientHelloLast(sni, sessionID, func() []byte {
		id := append(u16s(uint16(ticketLen)), t.noise(ticketLen)...)
		id = append(id, t.noise(4)...) // obfuscated_ticket_age
		binder := append([]byte{48}, t.noise(48)...)
		body := append(u16s(uint16(len(id))), id...)
		body = append(body, u16s(uint16(len(binder)))...)
		return tlsExt(0x0029, append(body, binder...))
	})
}

// clientHelloLast builds clientHello with last() (when not nil) as its last
// extension, built after the others so that the pseudo-random bytes of
// the others do not change.
func (t *tlsConn) clientHelloLast(sni string, sessionID []byte, last func() []byte) []byte {
	b := append([]byte{0x03, 0x03}, t.noise(32)...)
	b = append(b, byte(len(sessionID)))
	b = append(b, sessionID...)
	suites := u16s(0xc02c, 0xc030, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0x00ff)
	if t.v13 {
		suites = append(u16s(0x1302, 0x1303, 0x1301), suites...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(suites)))
	b = append(b, suites...)
	b = append(b, 1, 0) // compression: null only
	name := append(append([]byte{0}, u16s(uint16(len(sni)))...), sni...)
	exts := [][]byte{
		tlsExt(0x0000, append(u16s(uint16(len(name))), name...)), // server_name
		tlsExt(0x000b, []byte{3, 0, 1, 2}),                       // ec_point_formats
		tlsExt(0x000a, u16s(6, 0x001d, 0x0017, 0x0018)),          // supported_groups
		tlsExt(0x0017, nil),                                      // extended_master_secret
		tlsExt(0x000d, u16s(8, 0x0403, 0x0804, 0x0401, 0x0503)),  // signature_algorithms
	}
	if t.v13 {
		exts = append(exts,
			tlsExt(0x002b, []byte{4, 3, 4, 3, 3}),                        // supported_versions
			tlsExt(0x002d, []byte{1, 1}),                                 // psk_key_exchange_modes
			tlsExt(0x0033, append(u16s(36, 0x001d, 32), t.noise(32)...)), // key_share
		)
	} else {
		exts = append(exts, tlsExt(0xff01, []byte{0})) // renegotiation_info
	}
	if last != nil {
		exts = append(exts, last())
	}
	return tlsRecord(tlsHandshake, 0x0301, handshakeMsg(1, tlsExtensions(b, exts...)))
}

// serverHello answers clientHello: TLS 1.3 with TLS_AES_256_GCM_SHA384,
// or TLS 1.2 resuming sessionID with ECDHE-RSA-AES128-GCM-SHA256.
func (t *tlsConn) serverHello(sessionID []byte) []byte {
	return t.serverHelloPSK(sessionID, false)
}

// serverHelloPSK is serverHello, for TLS 1.3 accepting the client's first
// PSK identity (pre_shared_key with selected_identity 0, psk_dhe_ke: a
// key share still) when psk is set.
func (t *tlsConn) serverHelloPSK(sessionID []byte, psk bool) []byte {
	b := append([]byte{0x03, 0x03}, t.noise(32)...)
	b = append(b, byte(len(sessionID)))
	b = append(b, sessionID...)
	if t.v13 {
		b = append(b, 0x13, 0x02, 0)
		exts := [][]byte{
			tlsExt(0x002b, []byte{3, 4}),
			tlsExt(0x0033, append(u16s(0x001d, 32), t.noise(32)...)),
		}
		if psk {
			exts = append(exts, tlsExt(0x0029, u16s(0)))
		}
		b = tlsExtensions(b, exts...)
	} else {
		b = append(b, 0xc0, 0x2f, 0)
		b = tlsExtensions(b, tlsExt(0xff01, []byte{0}), tlsExt(0x0017, nil))
	}
	return tlsRecord(tlsHandshake, 0x0303, handshakeMsg(2, b))
}

func changeCipherSpec() []byte { return tlsRecord(tlsChangeCipherSpec, 0x0303, []byte{1}) }

// flight writes records from one side, in MSS-sized segments, ACKed by
// the peer.
func (t *tlsConn) flight(fromClient bool, recs ...[]byte) {
	var b []byte
	for _, r := range recs {
		b = append(b, r...)
	}
	t.k.bulk(fromClient, b)
}

// handshake13 is a full TLS 1.3 handshake, the server's certificate
// among the protected records, then the two session tickets OpenSSL
// sends.
func (t *tlsConn) handshake13(sni string) {
	sid := t.noise(32) // the compatibility-mode legacy session ID
	t.flight(true, t.clientHello(sni, sid))
	t.flight(false, t.serverHello(sid), changeCipherSpec(),
		t.sealed(tlsHandshake, 6),   // EncryptedExtensions
		t.sealed(tlsHandshake, 912), // Certificate
		t.sealed(tlsHandshake, 264), // CertificateVerify
		t.sealed(tlsHandshake, 52))  // Finished
	t.flight(true, changeCipherSpec(), t.sealed(tlsHandshake, 52))
	t.flight(false, t.sealed(tlsHandshake, 249), t.sealed(tlsHandshake, 249)) // NewSessionTicket ×2
}

// resume13 is a TLS 1.3 handshake resuming the session of a ticket the
// client holds (a PSK with a key share): no certificate, the server's
// EncryptedExtensions and Finished only.
func (t *tlsConn) resume13(sni string) {
	sid := t.noise(32)
	t.flight(true, t.clientHelloPSK(sni, sid, 192))
	t.flight(false, t.serverHelloPSK(sid, true), changeCipherSpec(),
		t.sealed(tlsHandshake, 6),  // EncryptedExtensions
		t.sealed(tlsHandshake, 52)) // Finished
	t.flight(true, changeCipherSpec(), t.sealed(tlsHandshake, 52))
}

// resume12 is a TLS 1.2 abbreviated handshake: the client offers a
// session ID it holds, the server resumes it; no certificate.
func (t *tlsConn) resume12(sni string) {
	sid := t.noise(32)
	t.flight(true, t.clientHello(sni, sid))
	t.flight(false, t.serverHello(sid), changeCipherSpec(), t.sealed(tlsHandshake, 16))
	t.flight(true, changeCipherSpec(), t.sealed(tlsHandshake, 16))
}

// exchange is one FTP command and its reply, both protected.
func (t *tlsConn) exchange(cmd, reply string) {
	t.k.send(true, t.sealed(tlsApplicationData, len(cmd)+2))
	t.k.send(false, t.sealed(tlsApplicationData, len(reply)+2))
	t.k.emit(t.k.ack(true))
	t.k.cap.wait(thinkTime)
}

// closeNotify is the close_notify alert of one side: a visible alert
// record in TLS 1.2, an application_data record in TLS 1.3.
func (t *tlsConn) closeNotify(fromClient bool) {
	t.k.send(fromClient, t.sealed(tlsAlert, 2))
}

// ftpsCCC: a ProFTPD session (mod_tls allows CCC) over TLS 1.3 with PROT
// P; the client clears the control channel so that a NAT helper can read
// its PASV. Everything after the close_notify alerts is plain FTP: the
// PASV, the 227, the LIST and its replies; the listing itself still
// travels in TLS (PROT P stays in force after CCC, RFC 4217 section 12.3).
// ProFTPD requires a data connection to resume the control connection's
// TLS session (mod_tls, unless TLSOptions NoSessionReuseRequired), so the
// client resumes it with the ticket the control connection gave it.
func ftpsCCC() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("198.51.100.20:50600"), ap("203.0.113.10:21"))
	k.greet("220 ProFTPD Server (Debian) [203.0.113.10]")
	cccLogin(c, k)

	k.exchange("PWD", `257 "/home/alice" is the current directory`)
	k.exchange("PASV", pasvReply(ap("203.0.113.10:40074")))
	d := c.newConn(0, ap("198.51.100.20:50601"), ap("203.0.113.10:40074"))
	d.handshake()
	k.cmd("LIST")
	k.send(false, []byte("150 Opening ASCII mode data connection for file list\r\n"))
	dt := newTLS(d, true)
	dt.resume13("ftp.example.net")
	body := listing(lsDir("incoming"), lsFile("report.pdf", 48213), lsFile("notes.txt", 2500))
	dt.flight(false, dt.sealed(tlsApplicationData, len(body)))
	dt.closeNotify(false)
	d.close(false)
	k.emit(k.ack(true))
	k.reply("226 Transfer complete")
	k.quit()

	return c
}

// ftpsCCCRefused: the ftps-ccc server (ProFTPD) and a client that does
// not resume the control connection's TLS session on its data connections
// (Python ftplib's FTP_TLS). After CCC the RETR's data connection makes a
// full TLS 1.3 handshake once the 150 has arrived (ftplib wraps the socket
// then); mod_tls requires resumption (unless TLSOptions
// NoSessionReuseRequired), so ProFTPD ends the data connection and
// answers "425 Unable to build data connection: Operation not permitted",
// which the cleared control channel shows.
func ftpsCCCRefused() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k, d, dt := cccTransfer(c, ap("198.51.100.23:50630"), ap("203.0.113.10:21"), 40076, "220 ProFTPD Server (Debian) [203.0.113.10]",
		"RETR report.pdf", "150 Opening BINARY mode data connection for report.pdf (48213 bytes)")
	dt.handshake13("ftp.example.net") // no ticket offered: a full handshake
	dt.closeNotify(false)
	d.close(false)
	k.emit(k.ack(true))
	k.reply("425 Unable to build data connection: Operation not permitted")
	k.quit()
	return c
}

// ftpsAlertClear: TLS 1.2 (a resumed session) whose close_notify alerts,
// visible as alert records, end it; the CCC that asked for it is inside
// TLS and unseen. PROT C was set inside TLS, so the RETR's data is
// clear text too.
func ftpsAlertClear() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("198.51.100.21:50610"), ap("203.0.113.11:21"))
	k.greet("220 ProFTPD Server (Debian) [203.0.113.11]")
	k.exchange("AUTH TLS", "234 AUTH TLS successful")
	t := newTLS(k, false)
	t.resume12("ftp.example.org")
	t.exchange("USER bob", "331 Password required for bob")
	t.exchange("PASS bob-pw", "230 User bob logged in")
	t.exchange("PBSZ 0", "200 PBSZ 0 successful")
	t.exchange("PROT C", "200 Protection set to Clear")
	t.exchange("CCC", "200 Clearing control channel protection")
	t.closeNotify(true)
	t.closeNotify(false)
	k.emit(k.ack(true))
	c.wait(thinkTime)

	k.exchange("TYPE I", "200 Type set to I")
	k.exchange("PASV", pasvReply(ap("203.0.113.11:40075")))
	d := c.newConn(0, ap("198.51.100.21:50611"), ap("203.0.113.11:40075"))
	k.download(d, "RETR notes.txt", "150 Opening BINARY mode data connection for notes.txt (2500 bytes)", fileBody("notes.txt", 2500), "226 Transfer complete")
	k.quit()
	return c
}

// ftpsElsewhere: a ProFTPD behind a NAT without MasqueradeAddress
// announces its private address inside TLS; the client (one that uses
// the 227's address as given) sends its SYNs there, to a network that is
// not its own, and gets no answer: Linux's retries at 1, 3 and 7 s, then
// the client's 10 s connect timeout and QUIT. Meanwhile the client talks
// to a host on its own LAN, which is not that session's data.
func ftpsElsewhere() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.1.100:50700"), ap("203.0.113.20:21"))
	k.greet("220 ProFTPD Server (Debian) [::ffff:10.0.0.5]")
	k.exchange("AUTH TLS", "234 AUTH TLS successful")
	t := newTLS(k, true)
	t.handshake13("ftp.example.com")
	t.exchange("USER alice", "331 Password required for alice")
	t.exchange("PASS alice-pw", "230 User alice logged in")
	t.exchange("PBSZ 0", "200 PBSZ 0 successful")
	t.exchange("PROT P", "200 Protection set to Private")
	t.exchange("TYPE I", "200 Type set to I")
	t.exchange("PASV", pasvReply(ap("10.0.0.5:40001")))

	start := c.now
	d := c.newConn(0, ap("192.168.1.100:50701"), ap("10.0.0.5:40001"))
	syn := d.syn()
	at := func(off time.Duration) { c.now = start.Add(off) }
	at(0)
	d.emit(syn)
	at(time.Second)
	d.emit(syn)
	at(2 * time.Second)
	lan := c.newConn(0, ap("192.168.1.100:50702"), ap("192.168.1.20:8080"))
	lan.handshake()
	lan.send(true, []byte("GET /status HTTP/1.1\r\nHost: 192.168.1.20:8080\r\n\r\n"))
	lan.send(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"))
	lan.close(true)
	at(3 * time.Second)
	d.emit(syn)
	at(7 * time.Second)
	d.emit(syn)
	at(10 * time.Second)
	t.exchange("QUIT", "221 Goodbye.")
	t.closeNotify(false)
	k.close(false)
	return c
}

// captureEndsEarly: the capture stops (a timed tcpdump) while two
// sessions are mid-transfer: one client's data SYN went out 8 ms before
// the end, the other session's 227 1 ms before its RETR, the last packet.
// Neither outcome could be seen yet.
func captureEndsEarly() *capture {
	c := newCapture(formatPcap, ethernetLink())
	a := c.newConn(0, ap("192.168.1.100:50800"), ap("192.168.1.10:21"))
	a.greet("220 (vsFTPd 3.0.3)")
	a.login("anonymous", "guest@example.com")
	a.exchange("TYPE I", "200 Switching to Binary mode.")
	b := c.newConn(0, ap("192.168.1.101:50810"), ap("192.168.1.10:21"))
	b.greet("220 (vsFTPd 3.0.3)")
	b.login("anonymous", "guest@example.com")
	b.exchange("TYPE I", "200 Switching to Binary mode.")

	a.exchange("PASV", pasvReply(ap("192.168.1.10:40050")))
	d := c.newConn(0, ap("192.168.1.100:50801"), ap("192.168.1.10:40050"))
	d.emit(d.syn())
	c.wait(5 * time.Millisecond)
	b.cmd("PASV")
	b.send(false, []byte(pasvReply(ap("192.168.1.10:40051"))+"\r\n"))
	b.cmd("RETR image.iso")
	return c
}

// loginReplyGap: a ProFTPD welcome (a multi-line 230) in two segments;
// the capture lost the second, which held the reply's last line. The
// client's ACK covers it and the session goes on.
func loginReplyGap() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("192.168.1.100:50900"), ap("192.168.1.10:21"))
	k.greet("220 ProFTPD Server (Debian) [192.168.1.10]")
	k.exchange("USER alice", "331 Password required for alice")
	k.cmd("PASS alice-pw")
	k.send(false, []byte("230-Welcome to the build server.\r\n230-Unauthorised access is prohibited.\r\n"))
	_ = k.data(false, []byte("230-Last login: Wed Dec 31 23:58:01 2025 from 192.168.1.100\r\n230 User alice logged in\r\n"))
	k.emit(k.ack(true))
	c.wait(thinkTime)
	k.exchange("SYST", "215 UNIX Type: L8")
	k.exchange("PWD", `257 "/home/alice" is the current directory`)
	k.exchange("TYPE I", "200 Type set to I")
	k.exchange("PASV", pasvReply(ap("192.168.1.10:40090")))
	d := c.newConn(0, ap("192.168.1.100:50901"), ap("192.168.1.10:40090"))
	k.download(d, "RETR build.log", "150 Opening BINARY mode data connection for build.log (2048 bytes)", fileBody("build.log", 2048), "226 Transfer complete")
	k.quit()
	return c
}

// underlayMTU is the MTU of the network the tunnels cross: it carries
// 1500-byte inner packets only in fragments.
const underlayMTU = 1500

// tunnelsFragmented: tunnels whose inner MTU equals the underlay's (a
// common misconfiguration; the tunnel ignores the inner DF bit, as Linux
// does with nopmtudisc), so every full-size inner packet leaves in two
// outer fragments: GRE and 6in4 over IPv4, VXLAN over UDP, 4in6 with an
// IPv6 Fragment header. Each session's welcome (a 1438-byte 230) and
// every segment of its transfer (4 full segments) is fragmented.
func tunnelsFragmented() *capture {
	kinds := []tunnelKind{tunnelGRE, tunnelIPIP, tunnelVXLAN, tunnelIP6}
	names := []string{"gre1", "sit1", "vxlan1", "ip6tnl1"}
	links := make([]*link, len(kinds))
	for i, k := range kinds {
		l := ethernetLink()
		l.tunnel = k
		l.name = names[i]
		links[i] = l
	}
	c := newCapture(formatPcapng, links...)
	for i := range kinds {
		client := ap(fmt.Sprintf("10.78.%d.100:%d", i, 52100+i))
		server := ap(fmt.Sprintf("10.78.%d.10:21", i))
		if kinds[i] == tunnelIPIP {
			client = ap(fmt.Sprintf("[fd00:78:%d::100]:%d", i, 52100+i))
			server = ap(fmt.Sprintf("[fd00:78:%d::10]:21", i))
		}
		fullSizeSession(c, i, client, server, uint16(40800+i))
		c.wait(time.Second)
	}
	c.fragmentOuter(underlayMTU)
	return c
}

// fullSizeSession is a ProFTPD session whose welcome and whose data
// segments fill the inner MTU (1500: an MSS of 1460 over IPv4, 1440 over
// IPv6).
func fullSizeSession(c *capture, iface int, client, server netip.AddrPort, pasv uint16) {
	mss := 1460
	if server.Addr().Is6() {
		mss = 1440
	}
	k := c.newConn(iface, client, server)
	k.greet("220 ProFTPD Server (Debian)")
	k.exchange("USER anonymous", "331 Anonymous login ok, send your complete email address as your password")
	k.cmd("PASS guest@example.com")
	k.send(false, []byte(welcome230(1438)))
	k.emit(k.ack(true))
	c.wait(thinkTime)
	k.exchange("TYPE I", "200 Type set to I")
	dataAP := netip.AddrPortFrom(server.Addr(), pasv)
	if server.Addr().Is4() {
		k.exchange("PASV", pasvReply(dataAP))
	} else {
		k.exchange("EPSV", epsvReply(pasv))
	}
	d := c.newConn(iface, netip.AddrPortFrom(client.Addr(), client.Port()+1), dataAP)
	size := 4 * mss
	d.handshake()
	k.cmd("RETR image.bin")
	k.send(false, []byte(fmt.Sprintf("150 Opening BINARY mode data connection for image.bin (%d bytes)\r\n", size)))
	body := fileBody("image.bin", size)
	for i := 0; i < size; i += mss {
		d.emit(d.data(false, body[i:i+mss]))
		if i/mss%2 == 1 {
			d.emit(d.ack(true))
		}
	}
	d.close(false)
	k.emit(k.ack(true))
	k.reply("226 Transfer complete")
	k.quit()
}

// welcome230 is a ProFTPD-style multi-line 230 of exactly size bytes.
func welcome230(size int) string {
	const last = "230 Anonymous access granted, restrictions apply\r\n"
	lines := []string{
		"Welcome to the software archive of example.net.",
		"",
		"All transfers are logged with your address and the time.",
		"If you do not agree with this policy, disconnect now.",
		"",
		"/pub/releases    stable releases, signed",
		"/pub/nightly     nightly builds, kept for 14 days",
		"/pub/mirrors     mirrors of other projects",
		"",
		"Please use the mirror closest to you:",
		"  eu.example.net, us.example.net, ap.example.net",
		"",
	}
	var b strings.Builder
	for i := 0; ; i++ {
		line := "230-" + lines[i%len(lines)] + "\r\n"
		if b.Len()+len(line)+len("230-\r\n")+len(last) > size {
			break
		}
		b.WriteString(line)
	}
	b.WriteString("230-" + strings.Repeat("-", size-b.Len()-len("230-\r\n")-len(last)) + "\r\n")
	b.WriteString(last)
	return b.String()
}

// fragmentOuter splits every frame whose (outer) IP packet is larger than
// mtu into fragments that fit it, as the tunnel's sending host does: IPv4
// fragments with the next identification of the outer source, IPv6 ones
// with a Fragment header. The frames must be Ethernet without VLAN tags.
func (c *capture) fragmentOuter(mtu int) {
	if c.err != nil {
		return
	}
	var out []record
	id6 := uint32(0x7e550000)
	for _, r := range c.recs {
		if len(r.data) < 14 {
			c.fail(fmt.Errorf("frame of %d bytes has no Ethernet header", len(r.data)))
			return
		}
		eth, pkt := r.data[:14], r.data[14:]
		et := layers.EthernetType(binary.BigEndian.Uint16(eth[12:]))
		if et != layers.EthernetTypeIPv4 && et != layers.EthernetTypeIPv6 {
			c.fail(fmt.Errorf("frame with EtherType %v cannot be fragmented", et))
			return
		}
		// Ethernet padding: the IP header says where the packet ends.
		if et == layers.EthernetTypeIPv4 && len(pkt) >= 20 {
			pkt = pkt[:min(len(pkt), int(binary.BigEndian.Uint16(pkt[2:4])))]
		} else if len(pkt) >= 40 {
			pkt = pkt[:min(len(pkt), 40+int(binary.BigEndian.Uint16(pkt[4:6])))]
		}
		if len(pkt) <= mtu {
			out = append(out, r)
			continue
		}
		pkt = append([]byte(nil), pkt...)
		var sizes []int
		var id uint32
		if et == layers.EthernetTypeIPv4 {
			src, _ := netip.AddrFromSlice(pkt[12:16])
			binary.BigEndian.PutUint16(pkt[4:], c.nextID(src))
			sizes = []int{(mtu - 20) / 8 * 8}
		} else {
			id6++
			id = id6
			sizes = []int{(mtu - 40 - 8) / 8 * 8}
		}
		frags, err := fragment(pkt, sizes, id)
		if err != nil {
			c.fail(err)
			return
		}
		for i, f := range frags {
			frame := append(append(make([]byte, 0, 14+len(f)), eth...), f...)
			for len(frame) < 60 {
				frame = append(frame, 0)
			}
			out = append(out, record{ts: r.ts.Add(time.Duration(i) * time.Microsecond), iface: r.iface, data: frame})
		}
	}
	c.recs = out
}

// ftpsCCCSizedRetr: the ftps-ccc server (ProFTPD), after CCC, PROT P
// still in force: a RETR whose clear-text 150 announces the file's size
// (20000 bytes), then the file in TLS 1.3 records on a resumed session
// (16384 and 3616 bytes of plaintext: 20,865 bytes both ways with the
// handshake and close_notify), and 226. The bytes counted are records,
// not the file: it is a whole transfer, with no "server announced 20000
// bytes, N moved" beside it.
func ftpsCCCSizedRetr() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k, d, dt := cccTransfer(c, ap("198.51.100.24:50640"), ap("203.0.113.10:21"), 40078, "220 ProFTPD Server (Debian) [203.0.113.10]",
		"RETR report.pdf", "150 Opening BINARY mode data connection for report.pdf (20000 bytes)")
	dt.resume13("ftp.example.net")
	dt.flight(false, dt.sealed(tlsApplicationData, 16384), dt.sealed(tlsApplicationData, 20000-16384))
	dt.closeNotify(false)
	d.close(false)
	k.emit(k.ack(true))
	k.reply("226 Transfer complete")
	k.quit()
	return c
}
