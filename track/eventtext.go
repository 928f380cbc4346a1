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
	return fmt.Sprintf("the capture holds two versions of the %s's bytes: packet %d differs from %s, which was taken (one is forged or corrupted): what the session shows from here may be the forger's", who, e.Num, first)
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
