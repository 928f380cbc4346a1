package tlshello

// Hand-built TLS messages for the table tests. They follow RFC 8446 §4.1
// and RFC 5246 §7.4 byte for byte; the real-handshake tests cross-check the
// parser against crypto/tls.

type clientOpts struct {
	legacy    uint16   // legacy_version; 0x0303 when 0
	sid       []byte   // legacy_session_id
	versions  []uint16 // supported_versions list; extension omitted when nil
	ticketExt bool     // session_ticket present
	ticket    []byte   // its contents
	pskIDs    int      // identities in pre_shared_key; extension omitted when 0
	pskModes  []byte   // psk_key_exchange_modes list; omitted when nil
	sni       string
	alpn      []string
	earlyData bool
	noExt     bool // no extensions block at all
	rawExt    []byte
}

func u16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }

func vec8(b []byte) []byte  { return append([]byte{byte(len(b))}, b...) }
func vec16(b []byte) []byte { return append(u16(len(b)), b...) }

func ext(typ int, data []byte) []byte { return append(u16(typ), vec16(data)...) }

func handshakeMsg(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

func clientHelloBody(o clientOpts) []byte {
	legacy := o.legacy
	if legacy == 0 {
		legacy = 0x0303
	}
	b := u16(int(legacy))
	for i := range 32 {
		b = append(b, byte(0x40+i)) // random
	}
	b = append(b, vec8(o.sid)...)
	b = append(b, vec16([]byte{0x13, 0x01, 0xc0, 0x2f, 0x00, 0xff})...)
	b = append(b, vec8([]byte{0})...)
	if o.noExt {
		return b
	}
	var exts []byte
	exts = append(exts, ext(0x0a0a, nil)...) // GREASE extension, ignored
	if o.sni != "" {
		entry := append([]byte{0}, vec16([]byte(o.sni))...)
		exts = append(exts, ext(extServerName, vec16(entry))...)
	}
	if o.alpn != nil {
		var list []byte
		for _, p := range o.alpn {
			list = append(list, vec8([]byte(p))...)
		}
		exts = append(exts, ext(extALPN, vec16(list))...)
	}
	if o.ticketExt {
		exts = append(exts, ext(extSessionTicket, o.ticket)...)
	}
	if o.versions != nil {
		var list []byte
		for _, v := range o.versions {
			list = append(list, u16(int(v))...)
		}
		exts = append(exts, ext(extSupportedVersions, vec8(list))...)
	}
	if o.pskModes != nil {
		exts = append(exts, ext(extPSKKeyExchangeModes, vec8(o.pskModes))...)
	}
	if o.earlyData {
		exts = append(exts, ext(extEarlyData, nil)...)
	}
	exts = append(exts, o.rawExt...)
	if o.pskIDs > 0 { // pre_shared_key must be last
		var ids, binders []byte
		for i := range o.pskIDs {
			ids = append(ids, vec16([]byte{0xee, byte(i), 0xee})...)
			ids = append(ids, 0, 0, 0x10, byte(i)) // obfuscated_ticket_age
			binders = append(binders, vec8(make([]byte, 32))...)
		}
		exts = append(exts, ext(extPreSharedKey, append(vec16(ids), vec16(binders)...))...)
	}
	return append(b, vec16(exts)...)
}

func clientHello(o clientOpts) []byte { return handshakeMsg(msgClientHello, clientHelloBody(o)) }

type serverOpts struct {
	legacy    uint16 // 0x0303 when 0
	hrr       bool   // HelloRetryRequest random
	sid       []byte
	version   uint16 // supported_versions selected; omitted when 0
	psk       bool
	pskID     uint16
	ticketExt bool
	alpn      string
	noExt     bool
	suite     uint16 // cipher suite; TLS_AES_128_GCM_SHA256 (0x1301) when 0
}

func serverHello(o serverOpts) []byte {
	legacy := o.legacy
	if legacy == 0 {
		legacy = 0x0303
	}
	b := u16(int(legacy))
	if o.hrr {
		b = append(b, helloRetryRandom[:]...)
	} else {
		for i := range 32 {
			b = append(b, byte(0x80+i))
		}
	}
	b = append(b, vec8(o.sid)...)
	suite := o.suite
	if suite == 0 {
		suite = 0x1301
	}
	b = append(b, byte(suite>>8), byte(suite), 0) // cipher suite, compression
	if !o.noExt {
		var exts []byte
		if o.version != 0 {
			exts = append(exts, ext(extSupportedVersions, u16(int(o.version)))...)
		}
		if o.psk {
			exts = append(exts, ext(extPreSharedKey, u16(int(o.pskID)))...)
		}
		if o.ticketExt {
			exts = append(exts, ext(extSessionTicket, nil)...)
		}
		if o.alpn != "" {
			exts = append(exts, ext(extALPN, vec16(vec8([]byte(o.alpn))))...)
		}
		b = append(b, vec16(exts)...)
	}
	return handshakeMsg(msgServerHello, b)
}

// records wraps a payload in records of content type typ holding at most
// frag bytes each (frag 0: one record).
func records(typ byte, payload []byte, frag int) []byte {
	if frag <= 0 {
		frag = len(payload)
	}
	var out []byte
	for len(payload) > 0 {
		n := min(frag, len(payload))
		out = append(out, typ, 3, 1)
		out = append(out, u16(n)...)
		out = append(out, payload[:n]...)
		payload = payload[n:]
	}
	return out
}

func ccsRecord() []byte                   { return []byte{recChangeCipherSpec, 3, 3, 0, 1, 1} }
func alertRecord(level, desc byte) []byte { return []byte{recAlert, 3, 3, 0, 2, level, desc} }
func appDataRecord() []byte {
	return []byte{recApplicationData, 3, 3, 0, 20, 0x17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// flight12 is a TLS 1.2 server's full-handshake flight after ServerHello.
func flight12() []byte {
	return cat(handshakeMsg(msgCertificate, make([]byte, 300)),
		handshakeMsg(msgServerKeyExchange, make([]byte, 100)),
		handshakeMsg(msgServerHelloDone, nil))
}

// feed gives b to s in chunks of n bytes (n <= 0: all at once).
func feed(s *Scanner, b []byte, n int) error {
	if n <= 0 {
		n = len(b)
	}
	for len(b) > 0 {
		k := min(n, len(b))
		if err := s.Feed(b[:k]); err != nil {
			return err
		}
		b = b[k:]
	}
	return s.Err()
}

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}
