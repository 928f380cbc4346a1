package decode

import (
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

// realClientHello returns the first TLS record crypto/tls's client sends:
// a ClientHello (with Go's default post-quantum key share, about 1.8 KB:
// more than one segment of a 1500-byte link carries).
func realClientHello(t *testing.T) []byte {
	t.Helper()
	c, s := net.Pipe()
	defer s.Close()
	go func() {
		_ = tls.Client(c, &tls.Config{ServerName: "ftp.example", InsecureSkipVerify: true}).Handshake()
		c.Close()
	}()
	_ = s.SetReadDeadline(time.Now().Add(10 * time.Second))
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(s, hdr); err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, 5+int(hdr[3])<<8|int(hdr[4]))
	copy(rec, hdr)
	if _, err := io.ReadFull(s, rec[5:]); err != nil {
		t.Fatal(err)
	}
	if rec[0] != 22 || rec[5] != 1 {
		t.Fatalf("crypto/tls's first record is not a ClientHello: % x", rec[:6])
	}
	return rec
}

// implicitRun runs a conversation with o and sums up what decode
// reported, as tlsStartRun does.
func implicitRun(t *testing.T, o Options, server netip.AddrPort, syn bool, script func(v *conv)) tlsStartResult {
	t.Helper()
	rec := &recorder{}
	v := &conv{t: t, d: New(rec, o), c: convClient, s: server, cseq: 1000, sseq: 5000, ts: convT0}
	if syn {
		v.handshake()
	}
	script(v)
	v.d.Finish()
	var r tlsStartResult
	for _, e := range rec.control {
		switch e.Kind {
		case ControlOpen:
			r.open, r.implicit, r.encrypts = true, e.ImplicitTLS, e.Encrypts
		case ControlCommand:
			r.commands++
		case ControlReply:
			r.replies++
		case ControlJunk:
			r.junk++
		case ControlEncrypted:
			r.turned++
		}
	}
	return r
}

// implicitSession: a client that opens with a ClientHello split over two
// segments, the server's answer, then application data both ways.
func implicitSession(hello []byte) func(v *conv) {
	return func(v *conv) {
		v.cli(string(hello[:1200]))
		v.cli(string(hello[1200:]))
		v.srv("\x16\x03\x03\x00\x7a" + string(randomBytes(0x7a, 2)))
		v.srv("\x17\x03\x03\x01\x00" + string(randomBytes(0x100, 3)))
		v.cli("\x17\x03\x03\x00\x40" + string(randomBytes(0x40, 4)))
		v.srv("\x17\x03\x03\x00\x40" + string(randomBytes(0x40, 5)))
	}
}

// TestClientHelloOnImplicitTLSPortIsImplicitFTPS: on a port given as an
// implicit-FTPS port (--implicit-tls-port 9990), a connection whose
// client opens with a TLS ClientHello is followed from its headers as one
// on 990 is (a real vsftpd with implicit_ssl=YES and listen_port=9990:
// pcaps/real/implicit-ftps-port-9990.pcap). On a port given only as a
// control port (--control-port 9990) it is not: --control-port names
// every server's port, and an HTTPS connection to it there made an FTPS
// session whose peers' other TLS connections became its data connections
// and their ports a passive range to open.
func TestClientHelloOnImplicitTLSPortIsImplicitFTPS(t *testing.T) {
	hello := realClientHello(t)
	if len(hello) <= 1200 {
		t.Fatalf("ClientHello of %d bytes: the test wants one split over two segments", len(hello))
	}
	s9990 := netip.MustParseAddrPort("192.0.2.10:9990")
	r := implicitRun(t, Options{ImplicitTLSPorts: []uint16{990, 9990}}, s9990, true, implicitSession(hello))
	if !r.open || !r.implicit || !r.encrypts || r.junk != 0 || r.commands != 0 || r.replies != 0 {
		t.Errorf("implicit TLS port: %+v; want an implicit FTPS session, no lines", r)
	}
	if r := implicitRun(t, Options{ControlPorts: []uint16{21, 9990}}, s9990, true, implicitSession(hello)); r.implicit || r.encrypts {
		t.Errorf("control port: %+v; want not taken for implicit FTPS", r)
	}
}

// TestClientHelloNotImplicitFTPSElsewhere: what makes a ClientHello
// implicit FTPS is the port the admin named, and the client's stream
// starting with it. A ClientHello on any other port is HTTPS or another
// TLS protocol, not FTP found by content; on 21 it is a client set for
// implicit FTPS against a plain server; one picked up mid-stream (no
// SYN) may follow an AUTH TLS the capture missed (encrypted, not
// implicit); TLS after a 220 is what it always was; and a record that is
// no ClientHello is not taken for one.
func TestClientHelloNotImplicitFTPSElsewhere(t *testing.T) {
	hello := realClientHello(t)
	s9990 := netip.MustParseAddrPort("192.0.2.10:9990")
	ctl := Options{ControlPorts: []uint16{21, 9990}}

	if r := implicitRun(t, Options{}, s9990, true, implicitSession(hello)); r.open {
		t.Errorf("ClientHello on an unnamed port: %+v; want no FTP session", r)
	}
	s443 := netip.MustParseAddrPort("192.0.2.10:443")
	if r := implicitRun(t, ctl, s443, true, implicitSession(hello)); r.open {
		t.Errorf("ClientHello on 443 with --control-port 9990: %+v; want no FTP session", r)
	}
	if r := implicitRun(t, ctl, s9990, false, implicitSession(hello)); r.implicit {
		t.Errorf("ClientHello picked up mid-stream: %+v; want not implicit FTPS", r)
	}
	greeted := implicitRun(t, ctl, s9990, true, func(v *conv) {
		v.srv("220 FTP ready\r\n")
		v.cli(string(hello))
	})
	if greeted.implicit || greeted.replies != 1 {
		t.Errorf("ClientHello after a 220: %+v; want plain FTP, its 220 read", greeted)
	}
	notHello := implicitRun(t, ctl, s9990, true, func(v *conv) {
		v.cli("\x16\x03\x01\x00\x04abcd") // a handshake record, but not a client_hello
		v.srv("220 FTP ready\r\n")
	})
	if notHello.implicit {
		t.Errorf("a handshake record that is no ClientHello: %+v; want not implicit FTPS", notHello)
	}
	// On 21, a client set for implicit FTPS against a plain server: its
	// ClientHello, then the server's 220 in clear, read as text.
	on21 := implicitRun(t, ctl, convServer, true, func(v *conv) {
		v.cli(string(hello))
		v.srv("220 (vsFTPd 3.0.3)\r\n")
	})
	if on21.implicit || on21.encrypts || on21.replies != 1 {
		t.Errorf("ClientHello on 21: %+v; want plain FTP, its 220 read", on21)
	}
	// Its stream's start not in the capture (the first segment lost): not
	// known to be the first bytes.
	late := implicitRun(t, ctl, s9990, true, func(v *conv) {
		v.cseq += 1200
		v.cli(string(hello))
	})
	if late.implicit {
		t.Errorf("ClientHello after bytes the capture lost: %+v; want not implicit FTPS", late)
	}
}

// TestClientHelloOnControlPortCounted: a client that opens a connection
// to a --control-port with a TLS ClientHello is read as text (the port
// names every server's, where HTTPS may run), and counted, so the notes
// can name --implicit-tls-port for a server that takes ftps:// there.
// Not on an implicit-FTPS port, and not after the server's 220.
func TestClientHelloOnControlPortCounted(t *testing.T) {
	hello := realClientHello(t)
	s9990 := netip.MustParseAddrPort("192.0.2.10:9990")
	count := func(o Options, script func(v *conv)) uint64 {
		t.Helper()
		v := &conv{t: t, d: New(&recorder{}, o), c: convClient, s: s9990, cseq: 1000, sseq: 5000, ts: convT0}
		v.handshake()
		script(v)
		v.d.Finish()
		return v.d.Stats().ClientHelloOnControlPort
	}
	if n := count(Options{ControlPorts: []uint16{21, 9990}}, implicitSession(hello)); n != 1 {
		t.Errorf("ClientHello on a control port: counted %d, want 1", n)
	}
	if n := count(Options{ImplicitTLSPorts: []uint16{990, 9990}}, implicitSession(hello)); n != 0 {
		t.Errorf("ClientHello on an implicit-FTPS port: counted %d, want 0", n)
	}
	greeted := func(v *conv) {
		v.srv("220 FTP ready\r\n")
		v.cli(string(hello))
	}
	if n := count(Options{ControlPorts: []uint16{21, 9990}}, greeted); n != 0 {
		t.Errorf("ClientHello after a 220: counted %d, want 0", n)
	}
}
