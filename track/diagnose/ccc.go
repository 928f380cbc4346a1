package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
)

// A control connection that leaves TLS (CCC, RFC 4217) goes on in clear
// text only if both ends agree where TLS ends: each sends its
// close_notify and reads the other's. Where they do not, the server reads
// the client's last TLS record as a command and refuses it, echoing the
// record's header ("500 \x17\x03\x03 not understood", ProFTPD after lftp's
// CCC), and the client gives up.

// echoesTLSRecord tells whether a reply's text holds a TLS record header
// (RFC 8446 5.1: a content type 20-23, then version 3.x): what a server
// echoes of a TLS record it read as a command. FTP text never holds those
// control bytes.
func echoesTLSRecord(text string) bool {
	for i := 0; i+2 < len(text); i++ {
		if text[i] >= 20 && text[i] <= 23 && text[i+1] == 3 && text[i+2] <= 4 {
			return true
		}
	}
	return false
}

// tlsEchoed returns the server's reply that echoed a TLS record after the
// channel turned to clear text, or nil.
func (st *sessState) tlsEchoed() *track.Reply {
	if st.more == nil {
		return nil
	}
	return st.more.tlsEcho
}

// cccBroken makes f, a control-encrypted finding of a session whose
// channel turned to clear text and whose server then refused TLS bytes as
// a command (echo) after the 234 at packet auth, say so: a warning when the client sent no command
// after it (the session ended there), else a note. before is the
// session's command count when the echo came (sessMore.tlsEchoCommands):
// the session's commands do not keep those after it with RecentOnly.
func cccBroken(f *Finding, s *track.Session, auth uint64, echo *track.Reply, before int) {
	after := s.CommandCount - before
	f.Packets = packets(f.Packets, []uint64{echo.Num})
	f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%q (packet %d) answers TLS bytes read as a command", replyText(echo), echo.Num))
	ended := fmt.Sprintf("the client went on (%s after it)", plural(after, "command", "commands"))
	f.Severity = SeverityInfo
	if after == 0 {
		ended = "the session ended there"
		f.Severity = SeverityWarning
	}
	f.Message = fmt.Sprintf("The control channel was encrypted from packet %d (AUTH accepted) and left TLS (CCC, or TLS closed), and the server then read TLS bytes of the client's as an FTP command: its reply in clear text (packet %d) echoes a TLS record header. Client and server disagree on where TLS ends (each is to send a TLS close_notify and read the other's before the channel is clear), and %s.", auth, echo.Num, ended)
	f.Advice = "Nothing to change for the firewall. Clearing the control channel (CCC) does not work between this client and this server: turn CCC off in the client (lftp: set ftp:ssl-use-ccc no; curl: without --ftp-ssl-ccc) and open the server's passive range statically, as for any encrypted control channel, or update the side that ends TLS early."
}
