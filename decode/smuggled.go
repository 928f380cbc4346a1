package decode

import (
	"bytes"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// Commands smuggled past a line bound. A server reads a command line up
// to a bound of its own, and some split a longer one there instead of
// refusing it whole: vsftpd's str_netfd_alloc returns 4,096 bytes with no
// line end as a line and reads the rest as the next command. A client
// that pads a NOOP to the bound and writes "PORT h1,h2,h3,h4,p1,p2" after
// it, in the same line, has the server take a PORT that a monitor reading
// lines to their line end never sees: the server's 200 comes with no
// command, and the data connection to the address named goes unreported.
// The line's kept tail (ftp.CutLine: its last bytes, past the cut) is
// searched for an announcement; which server bound cut it, and so where
// the smuggled command starts, is not known, so the last announcement
// there that parses is taken, wherever it starts. The tracker takes it
// only when a reply with no command comes after the line and accepts
// such an announcement (Endpoint.Smuggled).

// smuggledEndpoint returns the endpoint of the last PORT, EPRT or LPRT
// with an argument that parses in tail, the kept end of a client line
// the bound cut; Via 0 when there is none. Bounded by the tail (at most
// ftp's maxLineTail bytes).
func smuggledEndpoint(tail []byte) Endpoint {
	for i := len(tail) - 5; i >= 0; i-- {
		if tail[i+4] != ' ' {
			continue
		}
		var verb string
		switch w := string([]byte{tail[i] &^ 0x20, tail[i+1] &^ 0x20, tail[i+2] &^ 0x20, tail[i+3] &^ 0x20}); w {
		case "PORT", "EPRT", "LPRT":
			verb = w
		default:
			continue
		}
		arg := bytes.Trim(tail[i+5:], " \t")
		ep, err := activeEndpoint(verb, string(arg))
		if j := bytes.IndexAny(arg, " \t"); err != nil && j >= 0 {
			// The argument up to its first blank: what follows may be
			// the next command's padding, read at the next cut.
			ep, err = activeEndpoint(verb, string(arg[:j]))
		}
		if err == nil {
			ep.Smuggled = true
			return ep
		}
	}
	return Endpoint{}
}

// smuggledIn returns, for a client line l whose kept tail begins at glue
// (0 < glue < len(l.Text): the bound cut it), the endpoint a command past
// the cut announces (smuggledEndpoint); Via 0 when the line was not cut,
// or may be a password (secret: nothing of it is shown).
func smuggledIn(l ftp.Line, glue int, secret bool) Endpoint {
	if l.Dropped == 0 || secret || glue <= 0 || glue >= len(l.Text) {
		return Endpoint{}
	}
	return smuggledEndpoint(l.Text[glue:])
}
