package track

import (
	"errors"
	"strings"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/tlshello"
)

// dataTLS reads the TLS records at the start of a data connection of a
// session whose data may be protected (Session.dataProtected), without
// decrypting: whether the handshake resumed the control connection's
// session (vsftpd's require_ssl_reuse, ProFTPD and FileZilla Server
// refuse a data connection that does not), and whether anything but the
// handshake crossed (a refused connection carries its handshake and
// nothing else, which is not a transfer). Bytes are read in order. Bytes
// the capture does not hold, the part of a segment the snap length cut or
// a segment it missed, are skipped by sequence number when they lie
// inside a record whose header was read (tlshello.Conn.Skip): the walk
// needs headers only. Missing bytes that hold a header end the reading
// and leave the content unknown. The record walk stops at the first
// application data record, so a transfer costs its first records only.
// It is released with the data connection.
type dataTLS struct {
	conn  tlshello.Conn // both directions, in capture order; 0 is the side that opened it
	next  [2]uint32     // the sequence number of the next byte to read
	ready [2]bool       // next is known
	stop  [2]bool       // out of order, or nothing more to learn
	// opened: a segment of the opener (direction 0) after its SYN was
	// seen; the first one acknowledges the SYN-ACK (see learnPeer).
	opened bool
	// learned: direction 1's start was taken from the opener's
	// acknowledgment, not from its SYN-ACK, which the capture missed.
	learned bool
	// hole: the capture missed bytes the walk met after the hello of
	// their direction, where application data may have been
	// (DataConn.CaptureHole).
	hole bool
}

// feed passes one segment's payload on, in order only.
func (x *dataTLS) feed(dir int, s *decode.Segment) {
	if dir == 0 && !s.Flags.Has(decode.FlagSYN) {
		x.learnPeer(s)
	}
	if x.stop[dir] {
		return
	}
	seq := s.Seq
	if s.Flags.Has(decode.FlagSYN) {
		x.next[dir], x.ready[dir] = seq+1, true
		seq++
	}
	if !x.ready[dir] {
		if s.PayloadLen > 0 {
			// Picked up without its start: where the records begin is
			// not known.
			x.lose(dir)
		}
		return
	}
	if gap := int32(seq - x.next[dir]); gap > 0 && (s.PayloadLen > 0 || s.Flags&(decode.FlagFIN|decode.FlagRST) != 0) {
		// Bytes the capture missed come before this segment (or before
		// the close): passed over if no record header is among them.
		x.missed(dir)
		if !x.conn.Skip(dir, int(gap)) {
			x.lose(dir)
			return
		}
		x.next[dir] = seq
	}
	if s.PayloadLen == 0 {
		if s.Flags.Has(decode.FlagFIN) && seq == x.next[dir] {
			// A FIN takes a sequence number: an RST after it (ProFTPD
			// resets a refused data connection after its FIN) comes
			// next, not after a hole.
			x.next[dir]++
		}
		return
	}
	payload, wire := s.Payload, s.PayloadLen
	if seq != x.next[dir] {
		// A retransmission: only what it carries past the bytes already
		// read is new (a retransmission may repacketize).
		done := int(x.next[dir] - seq)
		if done >= wire {
			return
		}
		payload, wire = payload[min(done, len(payload)):], wire-done
	}
	x.next[dir] += uint32(wire)
	if s.Flags.Has(decode.FlagFIN) {
		x.next[dir]++ // the FIN on the last segment takes its number too
	}
	x.conn.Feed(dir, payload)
	if cut := wire - len(payload); cut > 0 {
		x.missed(dir)
	}
	if cut := wire - len(payload); cut > 0 && !x.conn.Skip(dir, cut) {
		// The snap length cut a record header off: the records after
		// it cannot be found.
		x.lose(dir)
		return
	}
	if dir == 1 && x.learned && !x.helloFirst() {
		// Read from a start taken on trust, and not a hello there: the
		// start was wrong (or the stream is not TLS), so nothing read
		// from this side counts.
		x.lose(dir)
		return
	}
	if !x.conn.Wants(dir) {
		x.stop[dir] = true
	}
}

// learnPeer takes the start of direction 1 from the opener's first
// segment after its SYN when the capture missed the SYN-ACK: that segment
// (the handshake's ACK, or the ClientHello riding on it) acknowledges the
// SYN-ACK and nothing else, since TLS has the client speak first and the
// opener has sent nothing yet. A capture that also missed the handshake's
// ACK may show an acknowledgment of later bytes instead; feed checks that
// what is read there starts with a hello (helloFirst).
func (x *dataTLS) learnPeer(s *decode.Segment) {
	first := !x.opened
	x.opened = true
	if !first || x.ready[1] || x.stop[1] || !s.Flags.Has(decode.FlagACK) || !x.ready[0] || s.Seq != x.next[0] {
		return
	}
	x.next[1], x.ready[1], x.learned = s.Ack, true, true
}

// helloFirst reports whether direction 1's scanner has not (yet) failed
// to find a hello as the stream's first message.
func (x *dataTLS) helloFirst() bool {
	sc := x.conn.Scanner(1)
	return sc.ClientHello() != nil || sc.ServerHello() != nil || sc.Err() == nil
}

// missed notes bytes of direction dir the capture does not hold: a hole
// once that direction's hello was read (bytes lost before it, a hello
// the capture missed, hold no application data).
func (x *dataTLS) missed(dir int) {
	if sc := x.conn.Scanner(dir); sc.ClientHello() != nil || sc.ServerHello() != nil {
		x.hole = true
	}
}

// lose ends the reading of direction dir: its records cannot be followed.
func (x *dataTLS) lose(dir int) {
	x.conn.Lost(dir)
	x.stop[dir] = true
}

// settled tells that neither direction has more to give the verdict.
func (x *dataTLS) settled() bool { return x.stop[0] && x.stop[1] }

// MayBeProtected reports whether the data connection may carry TLS: its
// session had PROT P accepted, or a PROT the capture could not read (it
// was sent inside TLS, before a CCC), when the connection was announced.
func (d *DataConn) MayBeProtected() bool { return d.protected }

// TLSHandshake returns the verdict of the data connection's TLS handshake,
// read from its hellos and record headers, and whether there was one to
// read (a data connection of a session whose data may be protected, whose
// first bytes were TLS). Verdict.Content says whether application data
// crossed.
func (d *DataConn) TLSHandshake() (tlshello.Verdict, bool) {
	v, seen := d.tlsReading()
	if !seen {
		return tlshello.Verdict{}, false
	}
	return v, true
}

// tlsReading returns what the reading of the data connection's first
// bytes gave (dataTLS.verdict): a hello's verdict (seen), or without one
// what the bytes were instead (Verdict.Reason, an alert); the zero
// Verdict when they were not read (its session's data could not be TLS).
func (d *DataConn) tlsReading() (tlshello.Verdict, bool) {
	if d.tls == nil {
		return d.tlsVerdict, d.tlsSeen
	}
	return d.tls.verdict(d.Passive)
}

// DataTLS is what the first bytes of a data connection show of TLS, read
// without decrypting. Only the data connections of sessions whose data
// may be protected are read (Session.dataProtected when they opened).
type DataTLS uint8

const (
	// DataTLSUnread: not read, its session's data could not be TLS
	// (plain FTP, or PROT C read in clear text).
	DataTLSUnread DataTLS = iota
	// DataTLSEmpty: read, and no payload crossed.
	DataTLSEmpty
	// DataTLSHandshake: a TLS (or SSL 2.0-compatible) hello.
	DataTLSHandshake
	// DataTLSAlert: a TLS alert record and no hello: a side that expected
	// TLS refused a connection on which none began.
	DataTLSAlert
	// DataTLSClear: the first bytes the capture holds are no TLS record:
	// the data crossed in clear (PROT C).
	DataTLSClear
	// DataTLSUnknown: bytes crossed but their start is not in the capture
	// (a snap length, a capture gap, a connection picked up mid-stream),
	// or they begin like a TLS record and break its grammar.
	DataTLSUnknown
)

// String is the name docs/json.md gives the state ("" for the unread
// and the empty, which the data record leaves out).
func (t DataTLS) String() string {
	switch t {
	case DataTLSHandshake:
		return "handshake"
	case DataTLSAlert:
		return "alert"
	case DataTLSClear:
		return "clear"
	case DataTLSUnknown:
		return "unknown"
	}
	return ""
}

// DataTLS reports what the data connection's first bytes show of TLS.
func (d *DataConn) DataTLS() DataTLS {
	v, seen := d.tlsReading()
	switch {
	case seen || errors.Is(v.Reason, tlshello.ErrSSLv2):
		return DataTLSHandshake
	case v.Reason == nil:
		// (A reading without a hello always has a reason: verdict.)
		return DataTLSUnread
	case !v.ServerAlert.IsZero() || !v.ClientAlert.IsZero():
		return DataTLSAlert
	case errors.Is(v.Reason, tlshello.ErrNotTLS):
		return DataTLSClear
	case d.TotalBytes() == 0:
		return DataTLSEmpty
	}
	return DataTLSUnknown
}

// TLSServerAlert returns the first plaintext alert of the TLS server,
// read after a hello or, without one, as the stream's first record
// (DataTLSAlert), else the zero Alert.
func (d *DataConn) TLSServerAlert() tlshello.Alert {
	v, _ := d.tlsReading()
	return v.ServerAlert
}

// TLSClientAlert is TLSServerAlert for the TLS client.
func (d *DataConn) TLSClientAlert() tlshello.Alert {
	v, _ := d.tlsReading()
	return v.ClientAlert
}

// alertRecordLen is a plaintext TLS alert record: a 5-byte header and a
// 2-byte body.
const alertRecordLen = 5 + 2

// TLSAlertOnly reports whether the data connection's only payload was
// one TLS alert record from the FTP server (the TLS server, RFC 4217),
// no hello from either side and no byte from the client: a server that
// requires TLS on data connections waited for a ClientHello that never
// came and refused the connection (ProFTPD with TLSRequired on, to a
// client that sent PROT C: its alert once the client gave up and closed,
// pcaps/real/proftpd-prot-refused.pcap). No file data moved.
func (d *DataConn) TLSAlertOnly() bool {
	if d.DataTLS() != DataTLSAlert {
		return false
	}
	server := 0 // the opener in active mode
	if d.Passive {
		server = 1
	}
	return d.Bytes[1-server] == 0 && d.Bytes[server] == alertRecordLen
}

// clientAlertOnly is TLSAlertOnly for the client: its one TLS alert
// record was the only payload. No file data moved either; but what the
// client refused, before any handshake, the capture does not tell, so
// it is no server's refusal (TLSAlertOnly's data-tls-required).
func (d *DataConn) clientAlertOnly() bool {
	if d.DataTLS() != DataTLSAlert || d.TLSClientAlert().IsZero() {
		return false
	}
	client := 0 // the opener in passive mode
	if !d.Passive {
		client = 1
	}
	return d.Bytes[1-client] == 0 && d.Bytes[client] == alertRecordLen
}

// TLSClientHelloRead reports whether the data connection's TLS
// ClientHello was read. Without it, what the client offered to resume is
// unknown (tlshello.Decide): a full handshake may as well have refused
// an offer.
func (d *DataConn) TLSClientHelloRead() bool {
	if d.tls == nil {
		return d.tlsClientHello
	}
	return d.tls.clientHelloRead()
}

// TLSHandshakeOnly reports whether the payload counted in Bytes was a TLS
// handshake (and alerts) and nothing else: the records of both directions
// were read in order and none carried application data
// (tlshello.ContentHandshakeOnly), or the server's alert alone answered
// a connection on which the client began no TLS (TLSAlertOnly), or the
// client's alert alone began and ended it (clientAlertOnly). Such a
// connection moved no file data; its outcome is connected, not
// transferred.
//
// A transfer the server answered with a 2xx is not: in TLS 1.3 a few
// records of one length after the handshake read as session tickets, and
// a two-byte record as a close_notify, though they may be the file (a
// server that sends its ticket in its first flight, as Go's does, then a
// listing line by line); the server's word that the transfer completed
// settles it.
func (d *DataConn) TLSHandshakeOnly() bool {
	v, seen := d.TLSHandshake()
	if (!seen || v.Content != tlshello.ContentHandshakeOnly) && !d.TLSAlertOnly() && !d.clientAlertOnly() {
		return false
	}
	if c := d.Command; c != nil {
		if r := c.Final(); r != nil && r.Code/100 == 2 {
			return false
		}
	}
	return true
}

// clientHelloRead tells whether either direction's scanner read a
// ClientHello.
func (x *dataTLS) clientHelloRead() bool {
	return x.conn.Scanner(0).ClientHello() != nil || x.conn.Scanner(1).ClientHello() != nil
}

// verdict decides from what was read, if a hello was. Without one it
// keeps what the first bytes were instead (DataConn.DataTLS): Reason,
// never nil, is the first error of a direction whose start is known
// (ErrNotTLS: the data crossed in clear), else ErrIncomplete;
// ServerAlert and ClientAlert are alerts that began a direction, told
// apart by the side that sent them: with no hello to name the TLS roles,
// the FTP server is the TLS server (RFC 4217), the side connected to in
// passive mode (passive) and the side that connected in active mode. A
// client's alert taken for the server's read as the server refusing
// clear data.
func (x *dataTLS) verdict(passive bool) (tlshello.Verdict, bool) {
	if x.conn.Hello() {
		return x.conn.Verdict(), true
	}
	v := tlshello.Verdict{Reason: tlshello.ErrIncomplete}
	server := 0 // direction 0 is the opener: the FTP server in active mode
	if passive {
		server = 1
	}
	for dir := range 2 {
		sc := x.conn.Scanner(dir)
		if dir == 1 && x.learned {
			// Its start taken on trust (learnPeer) and no hello there:
			// the start may be wrong, so its bytes say nothing.
			continue
		}
		if err := sc.Err(); err != nil && v.Reason == tlshello.ErrIncomplete {
			v.Reason = err
		}
		a := sc.Alert()
		switch {
		case a.IsZero():
		case dir == server && v.ServerAlert.IsZero():
			v.ServerAlert = a
		case dir != server && v.ClientAlert.IsZero():
			v.ClientAlert = a
		}
	}
	return v, false
}

// protLevel is a session's data protection level (RFC 2228 PROT, RFC 4217
// section 9) as far as the capture could read it.
type protLevel uint8

const (
	// protUnseen: no PROT was accepted in clear text since the control
	// channel last turned to TLS (or ever). A PROT inside TLS is
	// ciphertext, so the level is then whatever the client set there.
	protUnseen    protLevel = iota
	protClear               // PROT C accepted in clear text: data in the clear
	protProtected           // PROT P (or S, E) accepted in clear text
)

// dataProtected tells whether a data connection armed now may start with
// a TLS handshake: while the control channel is TLS its PROT cannot be
// read, so it may; after CCC (or TLS closed) the level set inside TLS
// stays in force (RFC 4217 section 12.3: CCC clears the control channel
// only), so a session that was ever encrypted may too, until a PROT read
// in clear text says otherwise.
func (s *Session) dataProtected() bool {
	switch {
	case s.Encrypted:
		return true
	case s.prot == protProtected:
		return true
	case s.prot == protClear:
		return false
	}
	return s.WasEncrypted || s.ImplicitTLS
}

// noteProt records a PROT the server accepted (2yz) in clear text.
func (s *Session) noteProt(arg string) {
	switch strings.ToUpper(strings.TrimSpace(arg)) {
	case "C":
		s.prot = protClear
	case "P", "S", "E":
		s.prot = protProtected
	}
}
