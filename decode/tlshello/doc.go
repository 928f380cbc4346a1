// Package tlshello reads the first TLS handshake messages of a TCP stream,
// without decrypting anything, and says whether the handshake resumed a
// session and whether anything but the handshake crossed. It exists for
// FTPS servers that refuse a data connection whose TLS session is not
// resumed from the control connection (vsftpd require_ssl_reuse=YES;
// FileZilla Server "TLS session of data connection not resumed"): the data
// connection's hellos show whether the client offered resumption and
// whether the server accepted it, and its records whether a file crossed
// or only the handshake did.
//
// What it owns:
//
//   - Scanner: one direction of one stream. Feed takes the reassembled
//     bytes in order, in chunks of any size, across any TLS record split.
//     The first handshake message fixes the direction's role: a ClientHello
//     or a ServerHello (a HelloRetryRequest, then the real ServerHello).
//     A client direction whose peer sent a HelloRetryRequest (Conn tells
//     its Scanner) is read past its middlebox-compatibility
//     ChangeCipherSpec to its second ClientHello, which replaces the first
//     (ClientHello.Retried); without that word a client's ChangeCipherSpec
//     ends its reading, as a TLS ≤1.2 client's Finished is encrypted.
//     After a TLS ≤1.2 ServerHello it reads the types of the following
//     plaintext messages, up to the first Certificate, ServerKeyExchange,
//     CertificateRequest, ServerHelloDone or ChangeCipherSpec, to tell a
//     full handshake from an abbreviated one. It records the first
//     plaintext alert (level, description) of either role, and stops at
//     ChangeCipherSpec, at application data, after a TLS 1.3 ServerHello,
//     or at an alert: past those points everything is encrypted.
//   - ClientHello and ServerHello: comparable values holding the fields
//     that matter for resumption (versions, session IDs, session_ticket,
//     pre_shared_key, psk_key_exchange_modes, early_data, supported_versions)
//     and for naming the connection (SNI, ALPN). They own their bytes.
//   - Decide: combines both directions into a Verdict: Full, Resumed (by
//     session ID, ticket or PSK), Refused (offered, not accepted) or Unknown
//     (with the reason; also a handshake the server's alert or close ended
//     before a ServerHello, whose offers, HelloRetry and alerts are filled
//     in). After a HelloRetryRequest the offers judged are the second
//     ClientHello's when it was read.
//   - Conn: both directions of one connection in capture order: a Scanner
//     each, and a walk of every record header (content type, length) that
//     tells whether anything but the handshake crossed (Verdict.Content:
//     handshake only, application data, or unknown). A data connection
//     that a server closed after the handshake carried no file. TLS ≤1.2
//     marks application data by content type; TLS 1.3 hides its handshake
//     in the same content type, so the rule reads place and length against
//     the negotiated suite (the client's flight ends at a Finished-sized
//     record, the server's post-handshake records are tickets when two to
//     four share a length, a last alert-sized record is close_notify); its
//     limits are on Conn, and every doubt falls to "application data" or
//     "unknown", except the few listed there. Conn.Skip passes over bytes
//     the capture does not hold (cut by the snap length, a segment it
//     missed) when they lie inside a record whose header was read: the
//     walk needs the headers only, so it goes on; bytes missing where a
//     header is leave the direction lost (unknown), and a hello that was
//     not finished is not read.
//
// Clock: none. Order is all it uses: Conn relies on the caller feeding the
// two directions in the order the capture shows them (a client sends its
// second ClientHello only after the HelloRetryRequest reached it, so at
// any capture point the request comes first).
//
// It does not own TCP reassembly, deciding which connection is an FTPS data
// connection, or printing: SNI and ALPN are peer-controlled bytes that the
// caller must escape.
//
// Bounds (every limit ends in a sentinel error or a flag, never silence):
//
//   - MaxHello (16 KiB): the largest hello body kept; larger is ErrTooLarge.
//     Bytes are copied only when a hello straddles chunks or records, into
//     one buffer per Scanner that Reset keeps; a hello inside one chunk is
//     parsed in place.
//   - MaxScanned (64 KiB): bytes of one direction examined before the
//     Scanner gives up with ErrTooLarge if not Done.
//   - Records longer than 2^14+2048 bytes are ErrMalformed (ErrNotTLS for
//     the first one).
//   - Session IDs longer than MaxSessionID (32) are ErrMalformed. The SNI
//     host_name keeps MaxServerName (255) bytes and the ALPN list MaxALPN
//     (64) bytes of whole entries; longer ones set ServerNameTruncated or
//     ALPNTruncated.
//   - Conn walks at most 256 records per direction (a handshake is a
//     dozen; ContentUnknown past that) and stops at the first application
//     data record, so a transfer
//     costs its first records; the walk copies nothing but a 5-byte header
//     and allocates nothing.
//   - Every loop advances through its input; none runs longer than the
//     bytes given.
//
// Errors: ErrNotTLS (first bytes are not a TLS record), ErrSSLv2 (an SSL 2.0
// or SSLv2-compatible ClientHello), ErrMalformed, ErrTooLarge; Decide adds
// ErrIncomplete. Feed never panics on any input, which the fuzz targets
// check. After an error Feed returns it again and reads nothing more; what
// was parsed before stays available.
//
// Caveat: clients that offer TLS 1.3, and Go's crypto/tls always, send a
// random 32-byte session ID, so a session ID counts as a resumption offer
// only when a TLS ≤1.2 server echoes it. A client whose cached session ID
// the server forgot is therefore judged Full, not Refused.
package tlshello
