package track

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// The words of session events that decode reports as values and the
// tracker turns into text: a conflict between two copies of the stream,
// and a client line of Telnet commands alone.

// conflictText says what decode's ControlConflict found.
func conflictText(e *decode.ControlEvent) string {
	who := "server"
	if e.FromClient {
		who = "client"
	}
	first := "an earlier copy"
	if e.ConflictWith != 0 {
		first = fmt.Sprintf("packet %d", e.ConflictWith)
	}
	text := fmt.Sprintf("the capture holds two versions of the %s's bytes: packet %d differs from %s, which was taken (one is forged or corrupted): what the session shows from here may be the forger's", who, e.Num, first)
	if e.ConflictLast && e.Endpoint.Via != 0 && e.EndpointErr == nil && e.Endpoint.Addr.Port() != 0 {
		// (What track makes of it: conflict.go.)
		text += fmt.Sprintf("; the other copy announces %s: a data connection to either endpoint shows which one was used, and is the one shown", endpointWords(e.Endpoint))
	}
	return text
}

// endpointWords names an endpoint a conflicting copy announces: an EPSV
// reply's port alone when it names no address.
func endpointWords(ep decode.Endpoint) string {
	if !ep.Addr.Addr().IsValid() {
		return fmt.Sprintf("port %d", ep.Addr.Port())
	}
	return ep.Addr.String()
}

// telnetOnly is the text of a client junk line that held Telnet commands
// and nothing else: IAC IP and IAC DM begin an ABOR (RFC 959 4.1.3) the
// client did not finish (it closed, or the capture ended).
func telnetOnly(f ftp.TelnetFlags) string {
	if f&(ftp.TelnetIP|ftp.TelnetDM) != 0 {
		return fmt.Sprintf("(Telnet %s only, no command: the start of an ABOR the client did not finish)", f)
	}
	return fmt.Sprintf("(Telnet %s only, no command)", f)
}
