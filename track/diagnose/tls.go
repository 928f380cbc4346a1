package diagnose

import (
	"fmt"
	"strings"

	"github.com/ftpsniff/ftpsniff/decode/tlshello"
	"github.com/ftpsniff/ftpsniff/track"
)

// tlsHandshaker is what the tracker is to offer for a data connection of
// an encrypted session: the verdict of its TLS handshake, read from the
// hellos without decrypting (decode/tlshello), and whether one was seen.
type tlsHandshaker interface {
	TLSHandshake() (tlshello.Verdict, bool)
}

// maxRefusedTLSBytes: a data connection refused after its handshake
// carries the hellos, the certificate and an alert, nothing like a file.
const maxRefusedTLSBytes = 16 << 10

// tlsNotResumed recognises a data connection of an encrypted session whose
// TLS handshake was full (the client offered no session ID, ticket or PSK
// the server accepted) and that the server then closed having carried no
// more than a handshake: vsftpd require_ssl_reuse=YES ("522 SSL connection
// failed: session reuse required") and FileZilla Server ("425 Unable to
// build data connection: TLS session of data connection not resumed").
func (d *Diagnoser) tlsNotResumed(s *track.Session, dc *track.DataConn) *Finding {
	h, ok := any(dc).(tlsHandshaker)
	if !ok || !ftpsControl(d.state(s), s) {
		// Session resumption on data connections is an FTPS (RFC 4217)
		// requirement: GridFTP's GSSAPI sessions (RFC 2228 ENC/MIC)
		// handshake in full on every data connection, as they should.
		return nil
	}
	v, seen := h.TLSHandshake()
	if !seen {
		return nil
	}
	return tlsNotResumedVerdict(s, dc, v)
}

// ftpsControl tells whether the control channel is FTPS: TLS by AUTH
// TLS/SSL (or TLS-C, TLS-P) accepted with 234, or implicit TLS.
func ftpsControl(st *sessState, s *track.Session) bool {
	if s.ImplicitTLS {
		return true
	}
	if st == nil || st.authCmd == nil {
		return false
	}
	switch strings.ToUpper(strings.TrimSpace(st.authCmd.Arg)) {
	case "TLS", "SSL", "TLS-C", "TLS-P":
		return true
	}
	return false
}

func tlsNotResumedVerdict(s *track.Session, dc *track.DataConn, v tlshello.Verdict) *Finding {
	if v.Resumption != tlshello.Full && v.Resumption != tlshello.Refused {
		return nil
	}
	if dc.EndReason != track.EndFIN && dc.EndReason != track.EndRST || dc.TotalBytes() > maxRefusedTLSBytes {
		return nil
	}
	if c := dc.Command; c != nil {
		if r := c.Final(); r != nil && r.Code >= 200 && r.Code < 300 {
			return nil // the transfer worked: the server did not require resumption
		}
	}
	// Under TLS the command's reply is ciphertext: a small transfer that
	// worked looks the same on the wire (a full handshake, a few KB, a
	// close). So this is a warning worded as what follows if the server
	// requires resumption, not an error.
	f := &Finding{Code: CodeTLSNotResumed, Severity: SeverityWarning, TS: when(dc), Data: dc, Packets: packets([]uint64{dc.SYNNum})}
	offer := "the client offered no session to resume"
	if v.Resumption == tlshello.Refused {
		offer = fmt.Sprintf("the client offered %s and the server did not accept it", v.Offered)
	}
	f.Evidence = fmt.Sprintf("data connection #%d %s -> %s: %s handshake, full (%s); %d bytes, ended by %s after %s",
		dc.ID, dc.Client, dc.Server, v.Version, offer, dc.TotalBytes(), dc.EndReason, dur(dc.Duration()))
	if v.ServerAlert != (tlshello.Alert{}) {
		f.Evidence += fmt.Sprintf("; server alert %v", v.ServerAlert)
	}
	f.Message = "The data connection's TLS handshake did not resume the control connection's session, and the connection carried no more than a handshake and a few kilobytes before it closed: if the server requires resumption on data connections (vsftpd require_ssl_reuse=YES, the default; FileZilla Server), it refused this transfer (522/425, inside the encrypted control channel)."
	f.Advice = "Use a client that resumes the control connection's TLS session on data connections (curl does unless --no-sessionid; FileZilla, lftp with ssl:session-reuse; Python ftplib needs a subclass passing session=); or, on the server, vsftpd require_ssl_reuse=NO (ProFTPD: TLSOptions NoSessionReuseRequired; Pure-FTPd does not require it), which gives up the check that the data connection comes from the same client."
	return f
}
