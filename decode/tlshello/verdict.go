package tlshello

import "bytes"

// Resumption is the answer to "did this handshake resume a TLS session?".
type Resumption uint8

const (
	// Unknown: not enough bytes, not TLS, or a handshake that stopped
	// (an alert) before the server's answer; Verdict.Reason says which.
	Unknown Resumption = iota
	// Full: a full handshake, and the client offered nothing to resume.
	Full
	// Resumed: the server resumed a session (Verdict.Used says how).
	Resumed
	// Refused: the client offered a ticket or PSK (Verdict.Offered) and
	// the server ran a full handshake instead.
	Refused
)

func (r Resumption) String() string {
	switch r {
	case Full:
		return "full"
	case Resumed:
		return "resumed"
	case Refused:
		return "refused"
	}
	return "unknown"
}

// Mechanism is a set of session-resumption mechanisms.
type Mechanism uint8

const (
	BySessionID Mechanism = 1 << iota // TLS ≤1.2 session ID (RFC 5246 §7.4.1.2)
	ByTicket                          // TLS ≤1.2 session ticket (RFC 5077)
	ByPSK                             // TLS 1.3 pre_shared_key (RFC 8446 §4.2.11)
)

func (m Mechanism) String() string {
	if m == 0 {
		return "none"
	}
	var b []byte
	for i, name := range [...]string{"session-id", "ticket", "psk"} {
		if m&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '+')
			}
			b = append(b, name...)
		}
	}
	return string(b)
}

// Verdict combines both directions of one TLS connection.
type Verdict struct {
	Resumption Resumption
	// Offered holds what the client certainly offered: ByTicket for a
	// non-empty session ticket, ByPSK for PSK identities, and BySessionID
	// only once a TLS ≤1.2 server's echo proved the ID named a session.
	// After a HelloRetryRequest they are the second ClientHello's when it
	// was read (ClientRetried): a client may drop an offer there.
	Offered Mechanism
	// Used is how the session was resumed (Resumed only). It is 0 when a
	// TLS ≤1.2 server sent an abbreviated handshake with no visible offer.
	Used       Mechanism
	Version    Version // negotiated; 0 until a ServerHello settles it
	HelloRetry bool    // the server sent a HelloRetryRequest
	// ClientRetried: the ClientHello judged is the client's second, sent
	// after the HelloRetryRequest (ClientHello.Retried).
	ClientRetried bool
	// ClientAlert and ServerAlert are the first plaintext alert from each
	// side (zero when none). A side is known by its hello, or as the peer
	// of the side that sent one.
	ClientAlert Alert
	ServerAlert Alert
	// Content is what the records carried besides the handshake; only
	// Conn.Verdict fills it (Decide sees the hellos, not the record walk).
	Content Content
	// ServerData: the TLS server sent application data, in a record that
	// can be nothing else (TLS ≤1.2's application_data; in TLS 1.3 a
	// record after the handshake that no session ticket, alert or
	// KeyUpdate fits, the rule on Conn): it took
	// the connection, so it did not refuse it. Only Conn.Verdict fills it,
	// and only when the server's data came first (the walk ends there).
	ServerData bool
	// Reason explains Unknown: the first Scanner error (ErrNotTLS,
	// ErrSSLv2, ErrMalformed, ErrTooLarge, wrapped), else ErrIncomplete.
	// It is nil for any other Resumption.
	Reason error
}

// Decide judges the connection whose two directions a and b scanned, in
// either order; either may be nil when only one direction was captured.
//
// The ClientHello judged is the last one read: after a HelloRetryRequest,
// the client's second when its Scanner read it (Conn).
//
// Rules, for the last ServerHello that is not a HelloRetryRequest:
//   - TLS 1.3: Resumed ByPSK when the ServerHello carries pre_shared_key.
//     The echoed legacy_session_id means nothing in TLS 1.3.
//   - TLS ≤1.2: Full when the server's next message is a Certificate,
//     ServerKeyExchange, CertificateRequest or ServerHelloDone; Resumed when
//     it is ChangeCipherSpec, or when the server echoes the client's
//     non-empty session ID (ByTicket if the client offered a ticket, else
//     BySessionID); Full too when the server did not echo and the client
//     either sent a session ID (a resuming server must echo it) or offered no
//     ticket. A ticket offered with an empty session ID needs the next
//     message to tell.
//   - Full becomes Refused when the client offered a ticket or PSK.
//
// Without a ServerHello that settles the version (none, or only a
// HelloRetryRequest: the server's answer to the second ClientHello was an
// alert, a close, or is not in the capture) the verdict is Unknown, with
// the offers, HelloRetry and the alerts filled in.
//
// Without the ClientHello, offers are unknown, so Refused cannot be told
// from Full and the TLS ≤1.2 echo cannot be checked.
func Decide(a, b *Scanner) Verdict {
	var (
		v      Verdict
		c      *ClientHello
		s      *ServerHello
		cs, ss *Scanner
	)
	both := [2]*Scanner{a, b}
	for _, x := range both {
		if x == nil {
			continue
		}
		if h := x.ClientHello(); h != nil && c == nil {
			c, cs = h, x
		} else if h := x.ServerHello(); h != nil && s == nil {
			s, ss = h, x
		}
	}
	for _, x := range both {
		if x == nil || x == cs || x == ss {
			continue
		}
		if cs == nil && ss != nil {
			cs = x
		} else if ss == nil && cs != nil {
			ss = x
		}
	}
	if cs != nil {
		v.ClientAlert = cs.Alert()
	}
	if ss != nil {
		v.ServerAlert = ss.Alert()
	}
	if c != nil {
		v.Offered = c.Offers()
		v.ClientRetried = c.Retried
	}
	if s == nil || s.HelloRetry {
		v.HelloRetry = s != nil
		v.Reason = reason(a, b)
		return v
	}
	v.Version = s.Version
	v.HelloRetry = s.Retried

	if s.Version >= VersionTLS13 {
		if s.PSK {
			v.Resumption, v.Used = Resumed, ByPSK
			v.Offered |= ByPSK
		} else {
			v.full()
		}
		return v
	}

	echo := c != nil && len(s.SessionID()) > 0 && bytes.Equal(c.SessionID(), s.SessionID())
	ticket := v.Offered&ByTicket != 0
	switch {
	case s.Flight == FlightFull:
		v.full()
	case s.Flight == FlightAbbreviated || echo:
		v.Resumption = Resumed
		switch {
		case ticket:
			v.Used = ByTicket
		case echo:
			v.Used = BySessionID
			v.Offered |= BySessionID
		}
	case c != nil && (!ticket || len(c.SessionID()) > 0):
		v.full()
	default:
		v.Reason = reason(a, b)
	}
	return v
}

func (v *Verdict) full() {
	v.Resumption = Full
	if v.Offered != 0 {
		v.Resumption = Refused
	}
}

func reason(a, b *Scanner) error {
	for _, x := range [2]*Scanner{a, b} {
		if x != nil && x.Err() != nil {
			return x.Err()
		}
	}
	return ErrIncomplete
}
