package tlshello

// Content is what a TLS connection carried besides its handshake, read from
// record headers only (content type and length), never decrypted.
type Content uint8

const (
	// ContentUnknown: the records could not be followed to a conclusion: no
	// hello was read, a direction was lost (a hole, bytes that are not TLS
	// records, a bound), an unknown TLS 1.3 cipher suite, or a TLS 1.3 shape
	// the rules below cannot tell (one ticket-sized record, a client flight
	// without its Finished).
	ContentUnknown Content = iota
	// ContentHandshakeOnly: every record of both directions, read in order
	// to the end of what was fed, was handshake, ChangeCipherSpec, alert,
	// or (TLS 1.3) one of the protected records a handshake is made of
	// (see Conn): no application data crossed.
	ContentHandshakeOnly
	// ContentApplicationData: a record that the rules cannot explain as
	// handshake, session ticket or alert: application data.
	ContentApplicationData
)

func (c Content) String() string {
	switch c {
	case ContentHandshakeOnly:
		return "handshake-only"
	case ContentApplicationData:
		return "application-data"
	}
	return "unknown"
}

// Bounds and sizes of the record walk.
const (
	// maxWalkRecords: records walked in one direction before the walk gives
	// up (ContentUnknown). A handshake is a dozen; the walk ends at the
	// first application data record.
	maxWalkRecords = 256
	// maxClientFlight: TLS 1.3 protected records a client may send before
	// its Finished (Certificate, possibly over several records, and
	// CertificateVerify; EndOfEarlyData).
	maxClientFlight = 8
	// maxTicketRecord bounds the protected record of a TLS 1.3
	// NewSessionTicket (suite13.minTicket is its least): real ones are 200
	// to 2,000 bytes, more when the session holds a client certificate.
	maxTicketRecord = 4096
	// maxServerFlight: TLS 1.3 protected records a server may send before
	// the client's flight begins (a certificate chain of several records).
	maxServerFlight = 64
	// minTickets and maxTickets: how many equal-length records after the
	// client's Finished count as session tickets. OpenSSL (vsftpd,
	// ProFTPD, Pure-FTPd) and BoringSSL send two, rustls two or four; a
	// single record is left undecided (see Conn).
	minTickets = 2
	maxTickets = 4
)

// suite13 is what the record sizes of a TLS 1.3 cipher suite are.
type suite13 struct {
	hash, tag int
}

// tls13Suite returns the hash and AEAD tag lengths of a TLS 1.3 cipher
// suite (RFC 8446 §B.4, RFC 8998).
func tls13Suite(id uint16) (suite13, bool) {
	switch id {
	case 0x1301, 0x1303, 0x1304: // AES_128_GCM_SHA256, CHACHA20_POLY1305_SHA256, AES_128_CCM_SHA256
		return suite13{hash: 32, tag: 16}, true
	case 0x1302: // AES_256_GCM_SHA384
		return suite13{hash: 48, tag: 16}, true
	case 0x1305: // AES_128_CCM_8_SHA256
		return suite13{hash: 32, tag: 8}, true
	case 0x00c6, 0x00c7: // SM4_GCM_SM3, SM4_CCM_SM3
		return suite13{hash: 32, tag: 16}, true
	}
	return suite13{}, false
}

// alert is the length of a protected record holding one alert: two bytes,
// the inner content type, the tag (no padding).
func (s suite13) alert() int { return 2 + 1 + s.tag }

// finished is the length of a protected record holding a Finished message.
func (s suite13) finished() int { return 4 + s.hash + 1 + s.tag }

// keyUpdate is the length of a protected record holding a KeyUpdate: a
// 4-byte message header, its one-byte request, the inner content type and
// the tag. It is shorter than any ticket.
func (s suite13) keyUpdate() int { return 4 + 1 + 1 + s.tag }

// ticketSpread: how much the lengths of one connection's session tickets
// may differ. They hold one session, encrypted by the server: OpenSSL's
// (vsftpd, ProFTPD, Pure-FTPd) in AES-CBC, whose padding makes two of
// them differ by a cipher block when their plaintexts differ by a byte (an
// age_add of another ASN.1 length); stream ciphers (Go, rustls) by the
// few bytes that differ.
const ticketSpread = 16

// minTicket is the length of the smallest protected NewSessionTicket: a
// 4-byte message header, lifetime and age_add, an empty nonce, a one-byte
// ticket and no extensions, then the inner content type and the tag.
func (s suite13) minTicket() int { return 4 + 4 + 4 + 1 + 2 + 1 + 2 + 1 + s.tag }

// recordWalk follows one direction's record headers, skipping bodies.
type recordWalk struct {
	hdr  [5]byte
	hdrN uint8
	skip int // body bytes of the current record not yet passed

	records int  // record headers read
	stopped bool // nothing more is read: settled, lost or given up
	// unsure: this direction cannot be called handshake-only (lost, not
	// TLS records, a bound reached, an unknown TLS 1.3 suite).
	unsure bool
	data   bool // an application data record
	// certain: that record can be nothing else (TLS ≤1.2's content type
	// 23, or a TLS 1.3 server record after the handshake that no ticket,
	// alert or KeyUpdate fits: see record)
	certain bool

	// TLS 1.3 protected records (content type 23), by what they can be.
	flight    int  // before the client's Finished (client) or before the client's first protected record (server)
	finished  bool // client: its Finished-sized record came
	peerDone  bool // server: the client's handshake flight began, so later records are post-handshake
	tickets   int  // server: equal-length ticket-sized records after the client's flight began
	ticketLen int
	alert     bool // the latest protected record was alert-sized
}

// Conn reads both directions of one TCP connection that starts with TLS:
// the hellos (a Scanner each, for Decide) and, walking the record headers
// to the end, whether anything but the handshake crossed (Content). Feed
// it each direction's bytes in order, and the two directions in the order
// the capture shows them: the TLS 1.3 rules below depend on which came
// first. The zero value is ready to use; it allocates only what its
// Scanners do, and the walk costs a few operations per record.
//
// The rule for application data:
//
//   - TLS ≤1.2: every application_data record (content type 23) is
//     application data; the handshake, its encrypted Finished and the
//     encrypted alerts have their own content types.
//   - A protected record before any ServerHello (TLS 1.3 early data, or a
//     stream whose server side was not read) is application data.
//   - TLS 1.3 protects the rest of the handshake in content type 23 too,
//     so its records are told apart by their place and length, for the
//     negotiated cipher suite. The last protected record of a direction
//     is an alert when it has exactly the length of one (19 bytes with a
//     16-byte tag: close_notify ends almost every connection); no
//     handshake message is that short, and nothing follows an alert, so
//     an alert-sized record with another after it is data. The server's
//     records before the client's first protected record are its
//     handshake flight (EncryptedExtensions to Finished, and any tickets
//     sent with it): the client can only send its flight after the
//     server's Finished, at any capture point. The client's records up to
//     the first of exactly a Finished message's length are its flight
//     (Certificate and CertificateVerify before it); any record after it
//     is application data. The server's records after the client's flight
//     began are its session tickets when there are two to four of one
//     length, between suite13.minTicket and maxTicketRecord bytes; any
//     other record, or a fifth, is application data. Such a record is
//     certainly the server's data (Verdict.ServerData) where no
//     post-handshake message fits it: longer than any ticket; shorter than
//     the least ticket and not a KeyUpdate (a 1-byte file is an 18-byte
//     record with a 16-byte tag); or, after a ticket-sized record, more
//     than ticketSpread bytes longer or shorter than it (two tickets of
//     one connection hold the same session: if the earlier record was a
//     ticket this one is none, and if it was not, it was data). A record
//     within ticketSpread of the tickets may be a ticket of uneven length,
//     so it stays uncertain.
//
// Limits of the TLS 1.3 rule. Undecided (ContentUnknown): a single
// ticket-sized record after the client's flight began (a server that
// sends one ticket, or one that sends none and a small file in one
// record), a client flight with no Finished-sized record (padding). Read
// as application data, not certain: tickets of unequal length (OpenSSL's
// two can differ by a cipher block), a KeyUpdate. Read as the server's
// certain data, wrongly: an alert the server padded (no FTP server's TLS
// library pads by default), tickets of one connection more than
// ticketSpread apart. Read as handshake only, wrongly:
// a two-byte file sent as the last record with no close_notify after it;
// a server that sends its ticket in its first flight (Go's crypto/tls) or
// none, then a small file in two to four records of one length (a listing
// written line by line), or one ticket and a file in one record of exactly
// the ticket's length; a server's 0.5-RTT data (sent before the client's
// Finished). The tracker settles these by the transfer's final reply
// (track.DataConn.TLSHandshakeOnly): a 2xx means the file crossed.
type Conn struct {
	scan [2]Scanner
	walk [2]recordWalk
}

// Feed consumes the next bytes of direction dir (0 or 1, either may be
// the client). Bytes after the direction is settled are ignored (Wants).
//
// A server's HelloRetryRequest is passed on to the other direction's
// Scanner, which then reads the client's second ClientHello: the client
// sends it (and the ChangeCipherSpec before it) only once the request
// reached it, so at any capture point the request comes first.
func (c *Conn) Feed(dir int, p []byte) {
	dir &= 1
	if s := &c.scan[dir]; !s.Done() {
		s.Feed(p)
		if h := s.ServerHello(); h != nil && (h.HelloRetry || h.Retried) {
			c.scan[dir^1].retryAsked()
		}
	}
	c.walkRecords(dir, p)
}

// Lost tells c that the rest of direction dir cannot be given in order (a
// stream picked up without its start, missing bytes that Skip refused):
// its records cannot be followed further, so the connection's content is
// unknown unless application data was already seen.
func (c *Conn) Lost(dir int) {
	w := &c.walk[dir&1]
	if !w.stopped {
		w.unsure, w.stopped = true, true
	}
}

// Skip tells c that the next n bytes of direction dir crossed but the
// capture does not hold them (a segment cut by the snap length, a segment
// the capture missed between two it holds), so the walk can go on past
// them without reading them. It reports whether it could: the skipped
// bytes lie inside the body of a record whose header was read, so no
// record header was missed. When they would reach into a record header
// (or the rest of one partly read) the direction is lost, as after Lost,
// and Skip reports false; it reports false too when the walk had already
// stopped. The hello Scanner of dir, if not yet Done, stops where the
// bytes went missing: a hello it had not finished is not read (ErrIncomplete).
func (c *Conn) Skip(dir, n int) bool {
	dir &= 1
	w := &c.walk[dir]
	if n <= 0 {
		return !w.stopped
	}
	if s := &c.scan[dir]; !s.Done() {
		s.done = true
	}
	if w.stopped {
		return false
	}
	if w.hdrN > 0 || n > w.skip {
		// A header, or the rest of one, is among the missing bytes:
		// the records after it cannot be found.
		w.unsure, w.stopped = true, true
		return false
	}
	w.skip -= n
	return true
}

// Wants reports whether more bytes of direction dir can change the
// verdict: its hello is not settled, or the walk has not concluded.
func (c *Conn) Wants(dir int) bool {
	dir &= 1
	if !c.scan[dir].Done() {
		return true
	}
	return !c.walk[dir].stopped && !c.walk[0].data && !c.walk[1].data
}

// Scanner returns the Scanner of direction dir.
func (c *Conn) Scanner(dir int) *Scanner { return &c.scan[dir&1] }

// Hello reports whether either direction carried a hello.
func (c *Conn) Hello() bool {
	for i := range c.scan {
		if c.scan[i].ClientHello() != nil || c.scan[i].ServerHello() != nil {
			return true
		}
	}
	return false
}

// Verdict judges the hellos (Decide) and what the records carried.
func (c *Conn) Verdict() Verdict {
	v := Decide(&c.scan[0], &c.scan[1])
	v.Content = c.content()
	for dir := range c.walk {
		if c.walk[dir].certain && c.role(dir) == roleServer {
			v.ServerData = true
		}
	}
	return v
}

// content applies the rule documented on Conn to what was walked.
func (c *Conn) content() Content {
	if c.walk[0].data || c.walk[1].data {
		return ContentApplicationData
	}
	if !c.Hello() || c.walk[0].unsure || c.walk[1].unsure {
		return ContentUnknown
	}
	for dir := range c.walk {
		if w := &c.walk[dir]; w.hdrN > 0 || w.skip > 0 {
			return ContentUnknown // the last record did not arrive whole
		}
	}
	sh := c.serverHello()
	if sh == nil || sh.Version < VersionTLS13 {
		return ContentHandshakeOnly
	}
	for dir := range c.walk {
		w := &c.walk[dir]
		switch c.role(dir) {
		case roleClient:
			if w.flight > 0 && !w.finished {
				return ContentUnknown // its flight in a shape not read
			}
		case roleServer:
			if w.tickets == 1 {
				return ContentUnknown // a ticket, or a small file: cannot tell
			}
		}
	}
	return ContentHandshakeOnly
}

// serverHello returns the ServerHello that settled the version (not a
// HelloRetryRequest), from either direction, or nil.
func (c *Conn) serverHello() *ServerHello {
	for i := range c.scan {
		if h := c.scan[i].ServerHello(); h != nil && !h.HelloRetry {
			return h
		}
	}
	return nil
}

// role is direction dir's TLS role: its own hello's, or the opposite of
// the other direction's.
func (c *Conn) role(dir int) role {
	switch {
	case c.scan[dir].ClientHello() != nil:
		return roleClient
	case c.scan[dir].ServerHello() != nil:
		return roleServer
	case c.scan[dir^1].ClientHello() != nil:
		return roleServer
	case c.scan[dir^1].ServerHello() != nil:
		return roleClient
	}
	return roleUnknown
}

// walkRecords reads the record headers in p and skips their bodies.
func (c *Conn) walkRecords(dir int, p []byte) {
	w := &c.walk[dir]
	for len(p) > 0 && !w.stopped {
		if w.skip > 0 {
			n := min(w.skip, len(p))
			w.skip -= n
			p = p[n:]
			continue
		}
		n := copy(w.hdr[w.hdrN:], p)
		w.hdrN += uint8(n)
		p = p[n:]
		if w.hdrN < 5 {
			return
		}
		w.hdrN = 0
		typ, length := w.hdr[0], int(w.hdr[3])<<8|int(w.hdr[4])
		if typ < recChangeCipherSpec || typ > recHeartbeat || w.hdr[1] != 3 || length > maxRecord {
			// Not (or no longer) a TLS record stream: nothing to follow.
			w.unsure, w.stopped = true, true
			return
		}
		w.skip = length
		w.records++
		c.record(dir, typ, length)
		if w.records >= maxWalkRecords && !w.stopped {
			w.unsure, w.stopped = true, true
		}
	}
}

// recHeartbeat is the heartbeat content type (RFC 6520): not data.
const recHeartbeat = 24

// record classifies one record of direction dir (the rule on Conn).
func (c *Conn) record(dir int, typ uint8, length int) {
	if typ != recApplicationData {
		return
	}
	w := &c.walk[dir]
	sh := c.serverHello()
	if sh == nil || sh.Version < VersionTLS13 {
		c.sawData(dir, sh != nil)
		return
	}
	suite, ok := tls13Suite(sh.CipherSuite)
	if !ok {
		w.unsure, w.stopped = true, true
		return
	}
	if w.alert {
		// An alert ends its direction: the alert-sized record before this
		// one was two bytes of data.
		c.sawData(dir, false)
		return
	}
	role := c.role(dir)
	if role == roleClient {
		c.walk[dir^1].peerDone = true
	}
	if length == suite.alert() {
		w.alert = true
		return
	}
	switch role {
	case roleClient:
		switch {
		case w.finished:
			c.sawData(dir, false) // or a post-handshake message

		case length == suite.finished():
			w.finished = true
		default:
			if w.flight++; w.flight > maxClientFlight {
				w.unsure, w.stopped = true, true
			}
		}
	case roleServer:
		switch {
		case !w.peerDone:
			if w.flight++; w.flight > maxServerFlight {
				w.unsure, w.stopped = true, true
			}
		case w.tickets < maxTickets && length >= suite.minTicket() && length <= maxTicketRecord &&
			(w.tickets == 0 || length == w.ticketLen):
			w.tickets++
			w.ticketLen = length
		default:
			c.sawData(dir, w.peerDone && (length > maxTicketRecord ||
				length < suite.minTicket() && length != suite.keyUpdate() ||
				w.tickets > 0 && length >= suite.minTicket() && (length < w.ticketLen-ticketSpread || length > w.ticketLen+ticketSpread)))
		}
	default:
		c.sawData(dir, false)
	}
}

// sawData settles the connection: application data crossed, so no walk
// needs to go on. certain: the record can be nothing else.
func (c *Conn) sawData(dir int, certain bool) {
	c.walk[dir].data, c.walk[dir].certain = true, certain
	c.walk[0].stopped, c.walk[1].stopped = true, true
}
