package tlshello

import "errors"

// Sentinel errors. Scanner.Feed and Scanner.Err return one of these, wrapped
// with a short detail ("tlshello: malformed handshake: ServerHello session_id
// longer than 32 bytes"), so callers test the kind with errors.Is. An error
// stops the Scanner; whatever it had already parsed stays available.
var (
	// ErrNotTLS: the stream does not start with a TLS record (handshake or
	// alert, version 3.x, plausible length). FTPS data under PROT C, or plain
	// FTP data, ends here after its first byte or two.
	ErrNotTLS = errors.New("tlshello: not a TLS stream")
	// ErrSSLv2: the stream starts with an SSL 2.0 (or SSLv2-compatible)
	// ClientHello, which carries no session ticket or extension to inspect.
	ErrSSLv2 = errors.New("tlshello: SSLv2-compatible ClientHello")
	// ErrMalformed: a record or handshake message breaks the TLS grammar
	// (lengths that do not add up, a hello that is not first, records of
	// another type interleaved with a fragmented handshake message).
	ErrMalformed = errors.New("tlshello: malformed handshake")
	// ErrTooLarge: a hello longer than MaxHello, or more than MaxScanned
	// bytes fed without reaching a conclusion.
	ErrTooLarge = errors.New("tlshello: handshake exceeds bound")
	// ErrIncomplete is never returned by Feed; it is the Verdict.Reason when
	// the bytes seen so far end before the hellos could be judged.
	ErrIncomplete = errors.New("tlshello: handshake incomplete")
)
