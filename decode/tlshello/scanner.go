package tlshello

import "fmt"

// Scanner bounds.
const (
	// MaxHello is the largest hello body kept for parsing. Real ones are
	// 0.2–2 KiB (a post-quantum key share is about 1.2 KiB); a record holds
	// at most 16 KiB of plaintext.
	MaxHello = 16 << 10
	// MaxScanned is how many bytes of one direction a Scanner examines
	// before giving up with ErrTooLarge if it has not reached Done.
	MaxScanned = 64 << 10
	// maxRecord is the largest record length accepted: 2^14 plus the
	// TLS 1.2 ciphertext expansion allowance (RFC 5246 §6.2.3).
	maxRecord = 1<<14 + 2048
)

// Record content types (RFC 8446 §5.1).
const (
	recChangeCipherSpec = 20
	recAlert            = 21
	recHandshake        = 22
	recApplicationData  = 23
)

// Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
const (
	msgClientHello        = 1
	msgServerHello        = 2
	msgNewSessionTicket   = 4
	msgCertificate        = 11
	msgServerKeyExchange  = 12
	msgCertificateRequest = 13
	msgServerHelloDone    = 14
)

type role uint8

const (
	roleUnknown role = iota
	roleClient
	roleServer
)

// Scanner reads the start of one direction of a TCP stream and records the
// hello it carries, the handshake messages that follow it in plaintext, and
// any plaintext alert. It never decrypts. The zero value is ready to use;
// Reset makes it reusable for the next stream while keeping its buffer.
//
// Feed it the stream's bytes in order, in chunks of any size; it keeps
// state across calls and copies bytes only when a hello straddles chunks or
// records. Stop feeding when Done reports true.
type Scanner struct {
	hdr     [5]byte // record header being assembled
	hsHdr   [4]byte // handshake message header being assembled
	alert   [2]byte // alert body being assembled
	hdrN    uint8
	hsHdrN  uint8
	alertN  uint8
	recType uint8
	role    role

	records int // complete record headers read
	recLeft int // body bytes left in the current record
	msgLeft int // body bytes left in the current handshake message
	inMsg   bool
	keep    bool // the current message body is the hello: collect it
	hello   bool // a complete hello was parsed
	done    bool
	// retry: the peer sent a HelloRetryRequest (Conn tells a client's
	// Scanner, retryAsked), so this client's next handshake message is its
	// second ClientHello, and a ChangeCipherSpec before it is the
	// middlebox-compatibility one (RFC 8446 §D.4), not encryption.
	retry   bool
	scanned int
	buf     []byte // hello body straddling chunks or records; kept by Reset
	err     error

	msgRecordVersion Version // of the record the current message header began in
	recordVersion    Version // of the record that began the hello being kept
	sawAlert         Alert
	client           ClientHello
	server           ServerHello
}

// Reset prepares s for another stream, keeping its buffer.
func (s *Scanner) Reset() {
	buf := s.buf[:0]
	*s = Scanner{buf: buf}
}

// retryAsked tells s that its peer sent a HelloRetryRequest: a client
// direction then goes on past its ChangeCipherSpec to read its second
// ClientHello (Conn calls it; a Scanner alone cannot tell that
// ChangeCipherSpec from a TLS ≤1.2 client's, after which its Finished is
// encrypted).
func (s *Scanner) retryAsked() { s.retry = true }

// Done reports whether more bytes cannot change what s has found: the hello
// and what follows it are settled, encryption has begun, an alert arrived,
// or Feed failed.
func (s *Scanner) Done() bool { return s.done || s.err != nil }

// Err returns the error that stopped s, or nil.
func (s *Scanner) Err() error { return s.err }

// ClientHello returns the parsed ClientHello when this direction carried
// one, else nil. The pointer is valid until Reset.
func (s *Scanner) ClientHello() *ClientHello {
	if s.hello && s.role == roleClient {
		return &s.client
	}
	return nil
}

// ServerHello returns the last parsed ServerHello (a HelloRetryRequest until
// the real one arrives) when this direction carried one, else nil. The
// pointer is valid until Reset.
func (s *Scanner) ServerHello() *ServerHello {
	if s.hello && s.role == roleServer {
		return &s.server
	}
	return nil
}

// Alert returns the first plaintext alert this direction sent, or the zero
// Alert. Alerts sent after encryption began are not visible.
func (s *Scanner) Alert() Alert { return s.sawAlert }

// Feed consumes the next bytes of the stream. It returns nil while all is
// well (whether or not more bytes are wanted; see Done), or the error that
// stopped the Scanner, again on every later call. Bytes after Done are
// ignored. Feed keeps no reference to p.
func (s *Scanner) Feed(p []byte) error {
	for len(p) > 0 && !s.done && s.err == nil {
		if s.scanned >= MaxScanned {
			s.err = fmt.Errorf("%w: no conclusion after %d bytes", ErrTooLarge, MaxScanned)
			break
		}
		q := p[:min(len(p), MaxScanned-s.scanned)]
		var n int
		if s.recLeft == 0 {
			n = s.recordHeader(q)
		} else {
			n = min(len(q), s.recLeft)
			s.recLeft -= n
			s.recordBody(q[:n])
		}
		s.scanned += n
		p = p[n:]
	}
	return s.err
}

// recordHeader assembles a record header from p and returns the bytes used.
func (s *Scanner) recordHeader(p []byte) int {
	n := copy(s.hdr[s.hdrN:], p)
	s.hdrN += uint8(n)
	if s.records == 0 && !s.plausibleStart() {
		return n
	}
	if s.hdrN < 5 {
		return n
	}
	s.hdrN = 0
	s.records++
	typ := s.hdr[0]
	length := int(s.hdr[3])<<8 | int(s.hdr[4])
	if length > maxRecord {
		if s.records == 1 {
			s.fail(ErrNotTLS, "first record of %d bytes", length)
		} else {
			s.fail(ErrMalformed, "record of %d bytes", length)
		}
		return n
	}
	if s.inMsg && typ != recHandshake {
		s.fail(ErrMalformed, "record type %d inside a fragmented handshake message", typ)
		return n
	}
	s.recType = typ
	s.recLeft = length
	switch typ {
	case recHandshake, recAlert:
		if length == 0 {
			s.fail(ErrMalformed, "empty record of type %d", typ)
		}
	case recChangeCipherSpec:
		s.changeCipherSpec()
	case recApplicationData:
		s.done = true // encrypted traffic: nothing more to read in clear
	default:
		s.fail(ErrMalformed, "record type %d", typ)
	}
	return n
}

// plausibleStart checks the first bytes of the stream as they arrive, so a
// cleartext stream is rejected after a byte or two. It reports whether the
// header may be used; false with s.err nil means "wait for more".
func (s *Scanner) plausibleStart() bool {
	h := s.hdr[:s.hdrN]
	if len(h) >= 1 && h[0]&0x80 != 0 {
		// SSL 2.0 record: 2-byte length with the top bit set, then
		// msg_type 1 (CLIENT-HELLO) and a version of 0.2 or 3.x.
		if len(h) >= 4 {
			if h[2] == 1 && (h[3] == 0 || h[3] == 3) {
				s.fail(ErrSSLv2, "SSL 2.0 record header")
			} else {
				s.fail(ErrNotTLS, "first byte 0x%02x", h[0])
			}
		}
		return false
	}
	if len(h) >= 1 && h[0] != recHandshake && h[0] != recAlert {
		s.fail(ErrNotTLS, "first byte 0x%02x", h[0])
		return false
	}
	if len(h) >= 2 && h[1] != 3 {
		s.fail(ErrNotTLS, "record version major %d", h[1])
		return false
	}
	return true
}

func (s *Scanner) recordBody(p []byte) {
	switch s.recType {
	case recHandshake:
		s.handshake(p)
	case recAlert:
		if s.alertN < 2 {
			n := copy(s.alert[s.alertN:], p)
			s.alertN += uint8(n)
		}
		if s.alertN == 2 {
			s.gotAlert()
		}
	}
	// ChangeCipherSpec bodies (one byte) carry nothing to read.
}

// gotAlert records a complete alert. A record longer than 2 bytes carries
// several alerts or a fragmented one; the first alert is the one kept.
func (s *Scanner) gotAlert() {
	if s.alert[0] != 1 && s.alert[0] != 2 {
		s.fail(ErrMalformed, "alert level %d (an encrypted alert?)", s.alert[0])
		return
	}
	s.sawAlert = Alert{Level: s.alert[0], Description: s.alert[1]}
	s.done = true
}

// changeCipherSpec handles a ChangeCipherSpec record: after it a TLS ≤1.2
// peer encrypts, so scanning ends, except around a HelloRetryRequest, where
// it is the TLS 1.3 middlebox-compatibility record (RFC 8446 §D.4): the
// server's after its request, the client's before its second ClientHello.
func (s *Scanner) changeCipherSpec() {
	switch {
	case s.role == roleServer && s.hello && s.server.HelloRetry:
		return
	case s.role == roleClient && s.hello && s.retry && !s.client.Retried:
		return
	case s.role == roleServer && s.hello:
		if s.server.Flight == FlightUnseen {
			s.server.Flight = FlightAbbreviated
		}
	case !s.hello:
		s.fail(ErrMalformed, "ChangeCipherSpec before the hello")
		return
	}
	s.done = true
}

// handshake consumes a fragment of the handshake message stream.
func (s *Scanner) handshake(p []byte) {
	for len(p) > 0 && !s.done && s.err == nil {
		if !s.inMsg {
			if s.hsHdrN == 0 {
				s.msgRecordVersion = Version(uint16(s.hdr[1])<<8 | uint16(s.hdr[2]))
			}
			n := copy(s.hsHdr[s.hsHdrN:], p)
			s.hsHdrN += uint8(n)
			p = p[n:]
			if s.hsHdrN < 4 {
				return
			}
			s.hsHdrN = 0
			length := int(s.hsHdr[1])<<16 | int(s.hsHdr[2])<<8 | int(s.hsHdr[3])
			s.beginMessage(s.hsHdr[0], length)
			if s.err != nil || s.done {
				return
			}
			if s.keep && len(p) >= length {
				// Fast path: the whole hello is in this fragment.
				s.inMsg = false
				s.endHello(p[:length])
				p = p[length:]
				continue
			}
			if length == 0 {
				s.inMsg = false
				continue
			}
			if s.keep {
				s.reserve(length)
			}
			continue
		}
		n := min(len(p), s.msgLeft)
		if s.keep {
			s.buf = append(s.buf, p[:n]...)
		}
		p = p[n:]
		s.msgLeft -= n
		if s.msgLeft == 0 {
			s.inMsg = false
			if s.keep {
				s.endHello(s.buf)
			}
		}
	}
}

func (s *Scanner) reserve(n int) {
	if cap(s.buf) < n {
		s.buf = make([]byte, 0, min(MaxHello, max(n, 4096)))
	}
	s.buf = s.buf[:0]
}

// beginMessage decides, from its type, what to do with a handshake message
// and whether the scan has reached its conclusion.
func (s *Scanner) beginMessage(typ uint8, length int) {
	s.inMsg, s.keep, s.msgLeft = true, false, length
	switch s.role {
	case roleUnknown:
		switch typ {
		case msgClientHello:
			s.role, s.keep = roleClient, true
		case msgServerHello:
			s.role, s.keep = roleServer, true
		default:
			s.fail(ErrMalformed, "first handshake message has type %d, not a hello", typ)
			return
		}
	case roleServer:
		switch {
		case s.server.HelloRetry:
			if typ != msgServerHello {
				s.fail(ErrMalformed, "handshake message type %d after HelloRetryRequest", typ)
				return
			}
			s.keep = true
		case typ == msgNewSessionTicket:
			s.server.NewTicket = true
		case typ == msgCertificate, typ == msgServerKeyExchange,
			typ == msgCertificateRequest, typ == msgServerHelloDone:
			s.server.Flight = FlightFull
			s.done = true
			return
		}
	case roleClient:
		if s.retry && !s.client.Retried && s.hello {
			// The peer asked for the hello again: nothing else may come
			// before it.
			if typ != msgClientHello {
				s.fail(ErrMalformed, "handshake message type %d after HelloRetryRequest", typ)
				return
			}
			s.keep = true
		}
		// Otherwise client Certificate, ClientKeyExchange,
		// CertificateVerify: nothing to keep.
	}
	if s.keep {
		s.recordVersion = s.msgRecordVersion
		if length > MaxHello {
			s.fail(ErrTooLarge, "hello of %d bytes (max %d)", length, MaxHello)
		}
	}
}

// endHello parses a complete hello body.
func (s *Scanner) endHello(body []byte) {
	s.keep = false
	var err error
	if s.role == roleClient {
		retried := s.hello && s.retry
		s.client = ClientHello{RecordVersion: s.recordVersion, Retried: retried}
		err = parseClientHello(body, &s.client)
	} else {
		retried := s.hello && s.server.HelloRetry
		s.server.RecordVersion = s.recordVersion
		err = parseServerHello(body, &s.server)
		s.server.Retried = retried
		if err == nil && !s.server.HelloRetry && s.server.Version >= VersionTLS13 {
			s.done = true // everything after a TLS 1.3 ServerHello is encrypted
		}
	}
	// A hello that fails to parse is not reported, even after a valid
	// HelloRetryRequest (or a valid first ClientHello): its fields may be
	// half overwritten.
	s.hello = err == nil
	s.err = err
}

// fail stops the scanner with a sentinel and detail (the first failure wins).
func (s *Scanner) fail(kind error, format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: "+format, append([]any{kind}, args...)...)
	}
}
