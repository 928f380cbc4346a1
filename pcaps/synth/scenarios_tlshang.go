package main

import "time"

// implicitFTPSHang, captured on the server's side: implicit FTPS on 990
// through a path MTU black hole (the classic FTPS hang of
// pcaps/real/pmtu-ftps-server.pcap, explicit there). The client's TLS 1.3
// ClientHello gets through; the server's first full-size segment of its
// ServerHello and certificate flight is sent again 4 times, 200 ms to
// 1.6 s apart, never acknowledged (the client's ACKs stay before it); the
// small segment after it arrives. The client gives up and closes at 3 s.
func implicitFTPSHang() *capture {
	c := newCapture(formatPcap, ethernetLink())
	k := c.newConn(0, ap("198.51.100.31:50710"), ap("203.0.113.31:990"))
	k.handshake()
	t := newTLS(k, true)
	sid := t.noise(32)
	k.send(true, t.clientHello("ftp.example.org", sid))
	k.emit(k.ack(false))
	var flight []byte
	for _, r := range [][]byte{t.serverHello(sid), changeCipherSpec(),
		t.sealed(tlsHandshake, 6),    // EncryptedExtensions
		t.sealed(tlsHandshake, 1200), // Certificate
		t.sealed(tlsHandshake, 264),  // CertificateVerify
		t.sealed(tlsHandshake, 52)} { // Finished
		flight = append(flight, r...)
	}
	lost := k.data(false, flight[:1448])
	k.emit(lost, k.data(false, flight[1448:]))
	stuck := seg{fromClient: true, seq: k.cli.next, ackNo: lost.seq, ack: true, win: k.cli.win}
	for i, d := range []time.Duration{200, 400, 800, 1600} {
		c.wait(d * time.Millisecond)
		k.emit(lost)
		if i == 0 {
			k.emit(stuck) // the client is there, and lacks it
		}
	}
	c.wait(100 * time.Millisecond)
	fin := stuck
	fin.fin = true
	k.emit(fin)
	k.cli.next++
	k.emit(k.ack(false))
	return c
}
