package tlshello

import (
	"fmt"
	"iter"
)

// Bounds on what a hello keeps. Longer values are cut and flagged.
const (
	MaxSessionID  = 32  // legacy_session_id<0..32>; longer is ErrMalformed
	MaxServerName = 255 // bytes of the first SNI host_name kept
	MaxALPN       = 64  // bytes of the ALPN protocol_name_list kept, whole entries only
)

// Extension numbers (IANA TLS ExtensionType registry).
const (
	extServerName          = 0
	extALPN                = 16
	extSessionTicket       = 35
	extPreSharedKey        = 41
	extEarlyData           = 42
	extSupportedVersions   = 43
	extPSKKeyExchangeModes = 45
)

// PSK key exchange modes (RFC 8446 §4.2.9), as bits of ClientHello.PSKModes.
const (
	PSKModeKE    uint8 = 1 << 0 // psk_ke: resumption without a fresh (EC)DHE
	PSKModeDHEKE uint8 = 1 << 1 // psk_dhe_ke: resumption with (EC)DHE
)

// helloRetryRandom is the ServerHello.random that marks a HelloRetryRequest:
// SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3.
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// ClientHello is what a ClientHello says about resumption, owned by value:
// no field aliases the input. Byte strings are peer-controlled; escape them
// before printing.
type ClientHello struct {
	RecordVersion Version // version in the header of the record the hello starts in
	LegacyVersion Version // ClientHello.legacy_version
	// MaxVersion is the highest non-GREASE version in supported_versions, or
	// LegacyVersion when the extension is absent.
	MaxVersion Version

	// HasTicketExt: session_ticket (35) is present; an empty one only asks
	// for a ticket, a non-empty one (TicketLen > 0) offers resumption.
	HasTicketExt bool
	TicketLen    int
	// PSKIdentities counts the identities offered in pre_shared_key (41):
	// a TLS 1.3 resumption offer when > 0.
	PSKIdentities int
	PSKModes      uint8 // bits PSKModeKE, PSKModeDHEKE from psk_key_exchange_modes (45)
	EarlyData     bool  // early_data (42) present
	// Retried: this is the client's second ClientHello, sent after the
	// server's HelloRetryRequest (RFC 8446 §4.1.4). Its offers are the
	// ones the server answered; it replaces the first. Only a Scanner
	// that Conn told of the request reads it (see Conn).
	Retried bool

	ServerNameTruncated bool // SNI host_name longer than MaxServerName
	ALPNTruncated       bool // ALPN list longer than MaxALPN

	sessionIDLen  uint8
	serverNameLen uint8
	alpnLen       uint8
	sessionID     [MaxSessionID]byte
	serverName    [MaxServerName]byte
	alpn          [MaxALPN]byte // wire form: length-prefixed protocol names
}

// SessionID returns legacy_session_id (0 to 32 bytes). Clients offering
// TLS 1.3 and Go's crypto/tls send random ones, so a non-empty ID is not by
// itself a resumption offer; see Decide.
func (h *ClientHello) SessionID() []byte { return h.sessionID[:h.sessionIDLen] }

// ServerName returns the first SNI host_name, at most MaxServerName bytes.
func (h *ClientHello) ServerName() []byte { return h.serverName[:h.serverNameLen] }

// ALPN yields the offered application protocols kept (see MaxALPN).
func (h *ClientHello) ALPN() iter.Seq[[]byte] { return alpnSeq(h.alpn[:h.alpnLen]) }

// OffersTLS13 reports whether supported_versions lists TLS 1.3.
func (h *ClientHello) OffersTLS13() bool { return h.MaxVersion >= VersionTLS13 }

// Offers returns the resumption mechanisms this hello certainly offers: a
// non-empty session ticket, or PSK identities. A session ID alone is left
// out because it may be random (see SessionID).
func (h *ClientHello) Offers() Mechanism {
	var m Mechanism
	if h.TicketLen > 0 {
		m |= ByTicket
	}
	if h.PSKIdentities > 0 {
		m |= ByPSK
	}
	return m
}

// Flight is what a TLS ≤1.2 server sent after its ServerHello.
type Flight uint8

const (
	// FlightUnseen: nothing after the ServerHello yet. Always so for
	// TLS 1.3, whose later handshake messages are encrypted.
	FlightUnseen Flight = iota
	// FlightFull: Certificate, ServerKeyExchange, CertificateRequest or
	// ServerHelloDone came next, as in a full handshake.
	FlightFull
	// FlightAbbreviated: ChangeCipherSpec came before any of those (after an
	// optional NewSessionTicket), as in an abbreviated (resumed) handshake.
	FlightAbbreviated
)

func (f Flight) String() string {
	switch f {
	case FlightFull:
		return "full"
	case FlightAbbreviated:
		return "abbreviated"
	}
	return "unseen"
}

// ServerHello is what a ServerHello (and, for TLS ≤1.2, the messages after
// it) says about resumption, owned by value.
type ServerHello struct {
	RecordVersion Version // version in the record header that began the hello
	LegacyVersion Version // ServerHello.legacy_version
	// Version is the negotiated version: supported_versions (43) when
	// present, else LegacyVersion.
	Version     Version
	CipherSuite uint16

	// HelloRetry: this message is a HelloRetryRequest (RFC 8446 §4.1.3), so
	// no version or resumption is settled yet. Retried: a HelloRetryRequest
	// came before this ServerHello.
	HelloRetry bool
	Retried    bool

	// PSK: pre_shared_key (41) present, so the server accepted the client's
	// PSK identity PSKIdentity (TLS 1.3 resumption).
	PSK         bool
	PSKIdentity uint16
	// TicketExt: an (empty) session_ticket extension, the server's promise
	// to send a NewSessionTicket (RFC 5077 §3.2). NewTicket: it did.
	TicketExt bool
	NewTicket bool
	Flight    Flight // TLS ≤1.2 only

	ALPNTruncated bool // selected protocol longer than MaxALPN-1, not kept

	sessionIDLen uint8
	alpnLen      uint8
	sessionID    [MaxSessionID]byte
	alpn         [MaxALPN]byte // the selected protocol (TLS ≤1.2 only), wire form
}

// SessionID returns the legacy_session_id the server sent (or echoed).
func (h *ServerHello) SessionID() []byte { return h.sessionID[:h.sessionIDLen] }

// ALPN returns the selected application protocol when visible (TLS ≤1.2;
// TLS 1.3 sends it encrypted), or nil.
func (h *ServerHello) ALPN() []byte {
	for p := range alpnSeq(h.alpn[:h.alpnLen]) {
		return p
	}
	return nil
}

func alpnSeq(list []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for len(list) > 0 {
			n := int(list[0])
			if 1+n > len(list) {
				return
			}
			if !yield(list[1 : 1+n]) {
				return
			}
			list = list[1+n:]
		}
	}
}

// malformed wraps ErrMalformed with a detail. Only error paths allocate.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// parseClientHello decodes a ClientHello body (RFC 8446 §4.1.2, RFC 5246
// §7.4.1.2) into h, which the caller has zeroed except RecordVersion and
// Retried.
func parseClientHello(body []byte, h *ClientHello) error {
	r := reader{b: body}
	h.LegacyVersion = Version(r.u16())
	r.skip(32) // random
	sid := r.vec8()
	suites := r.vec16()
	comp := r.vec8()
	if r.short {
		return malformed("ClientHello truncated")
	}
	if len(sid) > MaxSessionID {
		return malformed("ClientHello session_id of %d bytes", len(sid))
	}
	if len(suites) == 0 || len(suites)%2 != 0 || len(comp) == 0 {
		return malformed("ClientHello cipher_suites or compression_methods empty or odd")
	}
	h.sessionIDLen = uint8(copy(h.sessionID[:], sid))
	h.MaxVersion = h.LegacyVersion
	if len(r.b) == 0 {
		return nil // pre-extension hello (SSL 3.0 style)
	}
	exts := r.vec16()
	if r.short || len(r.b) != 0 {
		return malformed("ClientHello extensions length does not match the message")
	}
	for e := (reader{b: exts}); len(e.b) > 0; {
		typ := e.u16()
		data := e.vec16()
		if e.short {
			return malformed("ClientHello extension truncated")
		}
		if err := h.extension(typ, data); err != nil {
			return err
		}
	}
	return nil
}

func (h *ClientHello) extension(typ uint16, data []byte) error {
	d := reader{b: data}
	switch typ {
	case extServerName:
		for list := (reader{b: d.vec16()}); len(list.b) > 0; {
			kind := list.u8()
			name := list.vec16()
			if list.short {
				return malformed("ClientHello server_name list")
			}
			if kind == 0 && h.serverNameLen == 0 && !h.ServerNameTruncated {
				h.serverNameLen = uint8(copy(h.serverName[:], name))
				h.ServerNameTruncated = len(name) > MaxServerName
			}
		}
	case extALPN:
		list := d.vec16()
		for l := (reader{b: list}); len(l.b) > 0; {
			p := l.vec8()
			if l.short || len(p) == 0 {
				return malformed("ClientHello ALPN list")
			}
			if int(h.alpnLen)+1+len(p) > MaxALPN || h.ALPNTruncated {
				h.ALPNTruncated = true
				continue
			}
			h.alpn[h.alpnLen] = byte(len(p))
			copy(h.alpn[h.alpnLen+1:], p)
			h.alpnLen += uint8(1 + len(p))
		}
	case extSessionTicket:
		h.HasTicketExt = true
		h.TicketLen = len(data)
		return nil
	case extPreSharedKey:
		ids := reader{b: d.vec16()}
		d.vec16() // binders
		n := 0
		for len(ids.b) > 0 && !ids.short {
			ids.vec16() // identity
			ids.skip(4) // obfuscated_ticket_age
			n++
		}
		if ids.short || n == 0 {
			return malformed("ClientHello pre_shared_key identities")
		}
		h.PSKIdentities = n
	case extPSKKeyExchangeModes:
		for _, m := range d.vec8() {
			if m < 8 {
				h.PSKModes |= 1 << m
			}
		}
	case extEarlyData:
		h.EarlyData = true
		return nil
	case extSupportedVersions:
		list := d.vec8()
		if len(list)%2 != 0 {
			return malformed("ClientHello supported_versions odd length")
		}
		for i := 0; i+1 < len(list); i += 2 {
			v := uint16(list[i])<<8 | uint16(list[i+1])
			if !isGREASE(v) && Version(v) > h.MaxVersion {
				h.MaxVersion = Version(v)
			}
		}
	default:
		return nil
	}
	if d.short || len(d.b) != 0 {
		return malformed("ClientHello extension %d length", typ)
	}
	return nil
}

// parseServerHello decodes a ServerHello or HelloRetryRequest body into h.
// It overwrites the hello fields and leaves RecordVersion, Retried,
// NewTicket and Flight to the caller.
func parseServerHello(body []byte, h *ServerHello) error {
	r := reader{b: body}
	h.LegacyVersion = Version(r.u16())
	random := r.bytes(32)
	sid := r.vec8()
	h.CipherSuite = r.u16()
	r.u8() // compression_method
	if r.short {
		return malformed("ServerHello truncated")
	}
	if len(sid) > MaxSessionID {
		return malformed("ServerHello session_id of %d bytes", len(sid))
	}
	h.HelloRetry = [32]byte(random) == helloRetryRandom
	h.sessionIDLen = uint8(copy(h.sessionID[:], sid))
	h.Version = h.LegacyVersion
	h.PSK, h.PSKIdentity, h.TicketExt, h.alpnLen, h.ALPNTruncated = false, 0, false, 0, false
	if len(r.b) == 0 {
		return nil
	}
	exts := r.vec16()
	if r.short || len(r.b) != 0 {
		return malformed("ServerHello extensions length does not match the message")
	}
	for e := (reader{b: exts}); len(e.b) > 0; {
		typ := e.u16()
		data := e.vec16()
		if e.short {
			return malformed("ServerHello extension truncated")
		}
		d := reader{b: data}
		switch typ {
		case extSupportedVersions:
			h.Version = Version(d.u16())
		case extPreSharedKey:
			h.PSK = true
			h.PSKIdentity = d.u16()
		case extSessionTicket:
			h.TicketExt = true
		case extALPN:
			list := d.vec16()
			if len(list) <= MaxALPN {
				h.alpnLen = uint8(copy(h.alpn[:], list))
			} else {
				h.ALPNTruncated = true
			}
		default:
			continue
		}
		if d.short || len(d.b) != 0 {
			return malformed("ServerHello extension %d length", typ)
		}
	}
	return nil
}

// reader walks a byte slice. A read past the end sets short and returns
// zeros; callers check short once after a group of reads.
type reader struct {
	b     []byte
	short bool
}

func (r *reader) bytes(n int) []byte {
	if n > len(r.b) {
		r.short = true
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) skip(n int) { r.bytes(n) }

func (r *reader) u8() uint8 {
	if v := r.bytes(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if v := r.bytes(2); v != nil {
		return uint16(v[0])<<8 | uint16(v[1])
	}
	return 0
}

func (r *reader) vec8() []byte  { return r.bytes(int(r.u8())) }
func (r *reader) vec16() []byte { return r.bytes(int(r.u16())) }
