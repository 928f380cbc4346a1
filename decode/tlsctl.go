package decode

import "time"

// A control connection that turned to TLS (a 234 to AUTH, an implicit-FTPS
// port) is read from its headers: its records are ciphertext. Whether its
// TLS handshake ever completed is still in them. The classic FTPS hang is
// a handshake that never does: the server's certificate flight fills
// full-size segments that a path MTU black hole drops every time, and the
// client gives up; the control channel then hid nothing, and advice for an
// encrypted channel's hidden data ports is beside the point. TLS 1.3
// encrypts every handshake message after the ServerHello, so the record
// types are all there is to go by: the client's first application_data
// record (content type 23) is sent only once it has the server's whole
// flight (TLS 1.3: its encrypted Finished; TLS 1.2: its first command, after
// ChangeCipherSpec and Finished). So the client's record headers are
// walked, in order, from its first TLS byte, until one of type 23 comes.
// A TLS 1.2 client need send none, though: a health check (openssl
// s_client, a load balancer) or a client the server greets with a 421
// closes after the handshake with a close_notify alert and nothing else.
// The server's records are walked too: its ChangeCipherSpec followed by a
// handshake record (its Finished), in the same flight (no client handshake
// record between), completes a TLS 1.2 handshake, full or resumed; and a
// server ChangeCipherSpec after the client's ChangeCipherSpec and Finished
// answers them (a TLS 1.2 server sends it only once the client's Finished
// checked out). TLS 1.3 gives neither: its server's one ChangeCipherSpec
// (middlebox compatibility) follows its ServerHello, before any client
// one, and encrypted records follow it; only after a HelloRetryRequest does
// a handshake record (the ServerHello) follow it, and the client's second
// ClientHello comes between. A server type-23 record proves nothing (TLS
// 1.3 encrypts its certificate in them). An alert the client sends is a
// refusal only before its ChangeCipherSpec: after it, a close_notify.
// A TLS 1.3 alert the client sends encrypted is a type-23 record too, of
// 19 bytes (2 of alert, 1 of inner type, a 16-byte tag): records that short
// prove nothing (a Finished is 53 bytes at least). A capture gap in the
// client's bytes, a snap length that cut a record header, or bytes that
// are no TLS record end the walk, and nothing is said.
//
// While the walk goes on, the segments sent again unacknowledged are
// counted as text's are (stall.go): a stall of the handshake is reported
// (ControlStalled) as a stall of text is. A connection that closes (or
// that the capture's end leaves waiting, once a FIN, a stall or
// handshakeWait shows it was no handshake still under way) with the walk
// not over says so: ControlEvent.TLSUnfinished.

// tlsHandshake is the walk of one control connection's client records
// (controlTable.handshakes): made where the connection turns to TLS with
// its start in the capture, dropped when the handshake completed, the walk
// was lost, or the connection left.
type tlsHandshake struct {
	began     time.Time     // the first TLS segment of the client's read
	walk      [2]recordWalk // by direction (dirClient, dirServer)
	alert     bool          // the client sent an alert record (content type 21) before its ChangeCipherSpec
	stallSeen bool          // a stall was reported while it went on
	cliCCS    bool          // the client sent its ChangeCipherSpec
	cliFin    bool          // and a handshake record after it (its Finished)
	srvCCS    bool          // the server's ChangeCipherSpec was its last record, with no client handshake record since
}

// recordWalk follows the record headers of one direction.
type recordWalk struct {
	next  uint32 // the sequence number of the direction's next byte
	rest  uint32 // bytes of the current record still to come, after its header
	ready bool   // next is known: the direction's first record began at it
	lost  bool   // a gap, a cut header or bytes that are no record: nothing more is read
	hdrN  uint8  // bytes of a record header split across segments read so far
	hdr   [5]byte
}

// handshakeWait: a handshake still under way this long after the client's
// first record, at the capture's end, never completes: one that works takes
// a few round trips, a second at most, and clients give up after a few
// seconds more (curl's 3 s connect timeout counts the handshake).
const handshakeWait = 10 * time.Second

// maxRecordBody bounds a TLS record's length (RFC 8446 5.2: 2^14 plus 256
// of expansion; TLS 1.2 allows 2048): more is not a record header.
const maxRecordBody = 1<<14 + 2048

// minProofRecord: a client application_data record shorter than this may
// be a TLS 1.3 alert sent encrypted (19 bytes): no proof of a completed
// handshake.
const minProofRecord = 20

// watchHandshake starts the walk of cs's client records, where it turned
// to TLS. A connection picked up inside TLS (its handshake before the
// capture) gets none.
func (t *controlTable) watchHandshake(cs *controlConn) {
	if t.handshakes == nil {
		t.handshakes = make(map[*controlConn]*tlsHandshake)
	}
	if t.handshakes[cs] == nil {
		t.handshakes[cs] = &tlsHandshake{}
	}
}

// handshakeSegment feeds segment s of direction d of cs, a connection read
// from its headers, to its handshake walk: the client's records, and, for
// either direction, the copies sent again unacknowledged (stall.go).
// before and started are the direction's next sequence number and
// whether it had begun, as they stood before the segment was followed.
func (t *controlTable) handshakeSegment(cs *controlConn, w *tlsHandshake, d int, s *Segment, before uint32, started bool) {
	n := max(s.PayloadLen, len(s.Payload))
	if n > 0 && started && int32(s.Seq+uint32(n)-before) <= 0 {
		// Bytes the stream has passed: a copy sent again.
		cs.asm.resent(d, s.Seq, s.TS, n)
	}
	if s.Flags.Has(FlagACK) && cs.asm.stall != nil {
		// (Not a SACK alone: made by a copy only. ackNews.)
		t.ackNews(cs, d, s)
	}
	if n > 0 && !w.read(d, s.Seq, s.Payload, n, s.TS) {
		// Completed, or the client's walk was lost: nothing more to say.
		delete(t.handshakes, cs)
	}
	if cs.asm.stall != nil {
		if t.stallNews(cs, s) {
			w.stallSeen = true
		}
	}
}

// read walks the record headers in a segment of direction d, of n bytes
// on the wire at seq, payload those the capture holds; it tells whether
// the walk goes on (false: the handshake completed, or the client's walk
// was lost). The server's walk lost, the client's goes on alone: a
// capture that lacks the server's flight (a black hole seen from the
// client's side) is what it is for.
func (w *tlsHandshake) read(d int, seq uint32, payload []byte, n int, ts time.Time) bool {
	r := &w.walk[d]
	if r.lost {
		return true // (the server's: the client's ends the walk)
	}
	if !r.ready {
		if !startsTLSRecord(payload) {
			return w.lose(d) // not the start of a record: where records begin is not known
		}
		r.next, r.ready = seq, true
		if d == dirClient {
			w.began = ts
		}
	}
	skip := int32(r.next - seq)
	switch {
	case skip < 0:
		return w.lose(d) // bytes the capture lacks before it
	case int(skip) >= n:
		return true // a copy of bytes read
	}
	r.next = seq + uint32(n)
	b := payload[min(int(skip), len(payload)):]
	cut := n - int(skip) - len(b) // the bytes the snap length cut off
	for len(b) > 0 {
		if r.rest > 0 {
			k := min(int(r.rest), len(b))
			r.rest -= uint32(k)
			b = b[k:]
			continue
		}
		k := copy(r.hdr[r.hdrN:], b)
		r.hdrN += uint8(k)
		b = b[k:]
		if r.hdrN < uint8(len(r.hdr)) {
			break
		}
		r.hdrN = 0
		typ, body := r.hdr[0], uint32(r.hdr[3])<<8|uint32(r.hdr[4])
		if typ < 20 || typ > 23 || r.hdr[1] != 3 || body == 0 || body > maxRecordBody {
			return w.lose(d)
		}
		if w.record(d, typ, body) {
			return false // completed
		}
		r.rest = body
	}
	if cut > 0 {
		// The snap length cut the segment: what it cut is passed over
		// within the record, never over a header.
		if r.hdrN > 0 || uint32(cut) > r.rest {
			return w.lose(d)
		}
		r.rest -= uint32(cut)
	}
	return true
}

// lose ends direction d's walk; it tells whether the walk goes on (the
// client's lost, it does not).
func (w *tlsHandshake) lose(d int) bool {
	w.walk[d].lost = true
	return d != dirClient
}

// record takes a record header of type typ with a body of body bytes
// from direction d; it tells whether it proves the handshake completed.
func (w *tlsHandshake) record(d int, typ byte, body uint32) bool {
	const changeCipherSpec, alert, handshake, applicationData = 20, 21, 22, 23
	if d == dirClient {
		switch typ {
		case applicationData:
			return body >= minProofRecord // the client's first application data
		case alert:
			w.alert = w.alert || !w.cliCCS
		case changeCipherSpec:
			w.cliCCS = true
		case handshake:
			w.cliFin = w.cliFin || w.cliCCS
			w.srvCCS = false // a server handshake record after this is no Finished of its flight
		}
		return false
	}
	switch typ {
	case changeCipherSpec:
		if w.cliFin {
			return true // the client's CCS and Finished answered
		}
		w.srvCCS = true
		return false
	case handshake:
		if w.srvCCS {
			return true // the server's Finished after its CCS
		}
	}
	w.srvCCS = false
	return false
}

// handshakeUnfinished tells, as cs closes (why, at ts), whether its TLS
// handshake began and never completed, and whether its client sent an
// alert record in it; it lets the walk go.
func (t *controlTable) handshakeUnfinished(cs *controlConn, why CloseReason, ts time.Time) (unfinished, alert bool) {
	w := t.handshakes[cs]
	if w == nil {
		return false, false
	}
	delete(t.handshakes, cs)
	if !w.walk[dirClient].ready || cs.phase != phaseHeaders {
		return false, false
	}
	switch why {
	case CloseCaptureEnd, CloseEvicted:
		// Cut off by the capture or the table, not ended: only a
		// handshake that was over already (a side closed, a stall, or a
		// wait no working handshake takes) is said unfinished.
		if !cs.fin[dirClient] && !cs.fin[dirServer] && !w.stallSeen && ts.Sub(w.began) < handshakeWait {
			return false, false
		}
	}
	return true, w.alert
}
