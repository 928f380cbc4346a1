package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
)

// The control channel's TLS mismatches seen in clear text or in the
// handshake's first bytes: client and server disagree on implicit and
// explicit FTPS (tls-mode-mismatch), the server requires TLS and the
// client logged in in clear (control-tls-required), or the client
// requires TLS and the server refused it (control-tls-unavailable). Each
// is why the session went nowhere; none is the firewall's.

// implicitAdvice says how to meet an implicit-FTPS server on port port,
// or its explicit port instead, in the usual clients' words.
func implicitAdvice(port uint16) string {
	return fmt.Sprintf("use implicit FTPS in the client for port %d (curl ftps://host:%d/, lftp ftps://host:%d, FileZilla \"Require implicit FTP over TLS\"; Python ftplib has no implicit mode), or connect to the server's explicit FTPS port (21) with AUTH TLS (curl --ssl-reqd ftp://host/, lftp set ftp:ssl-force true, Python ftplib FTP_TLS)", port, port, port)
}

// tlsModeMismatch is tls-mode-mismatch: a session whose client sent no
// ClientHello to an implicit-FTPS port (track.Session.NoClientHello), or
// began with one on a connection that speaks FTP text
// (track.Session.HelloOnPlain).
func tlsModeMismatch(s *track.Session) *Finding {
	switch {
	case s.NoClientHello():
		f := &Finding{Code: CodeTLSModeMismatch, Severity: SeverityError, Session: s, TS: s.Start}
		f.Evidence = fmt.Sprintf("control connection to port %d (implicit FTPS) %s -> %s: no byte from the client; the server's first bytes were TLS (an alert), %.3fs after the connection opened",
			s.Server.Port(), s.Client, s.Server, s.End.Sub(s.Start).Seconds())
		f.Message = fmt.Sprintf("The client connected to port %d, where the server speaks implicit FTPS (TLS from the first byte), and waited for a greeting in clear text (explicit FTPS or plain FTP), while the server waited for the client's TLS ClientHello: neither spoke until one gave up. Nothing was encrypted and no login was tried.", s.Server.Port())
		f.Advice = "Nothing to change in the firewall: the client and the server disagree on the FTPS mode. Either " + implicitAdvice(s.Server.Port()) + "."
		return f
	case s.HelloOnPlain() && len(s.Greeting) > 0:
		// (Only when the server greeted in clear: a server that answers
		// the ClientHello with its own takes ftps:// on this port, and
		// the session worked; --implicit-tls-port reads it.)
		f := &Finding{Code: CodeTLSModeMismatch, Severity: SeverityError, Session: s, TS: s.Start}
		g := &s.Greeting[0]
		f.Evidence = fmt.Sprintf("control connection %s -> %s: the client's first bytes were a TLS ClientHello; the server greeted in clear text: %q (packet %d)", s.Client, s.Server, replyText(g), g.Num)
		f.Packets = []uint64{g.Num}
		f.Message = fmt.Sprintf("The client began implicit FTPS (a TLS ClientHello as its first bytes) on port %d, where the server speaks FTP text first (plain FTP, or explicit FTPS with AUTH TLS): the server cannot read the ClientHello and the client cannot read the greeting. Nothing was encrypted and no login was tried.", s.Server.Port())
		f.Advice = fmt.Sprintf("Nothing to change in the firewall: the client and the server disagree on the FTPS mode. Use explicit FTPS for port %d (ftp:// with AUTH TLS: curl --ssl-reqd ftp://host:%d/, lftp set ftp:ssl-force true, FileZilla \"Require explicit FTP over TLS\"), or, if the server offers implicit FTPS, connect to its implicit port (990).", s.Server.Port(), s.Server.Port())
		return f
	}
	return nil
}

// controlTLSRequired is control-tls-required: the server refused the
// session's clear-text login (login, its latest refused login line) in
// words that say it requires TLS (tlsRequiredText), and no AUTH made the
// channel TLS. When the client did ask (an AUTH refused before, st), the
// refusal of that AUTH is the cause, most likely on the path.
func (d *Diagnoser) controlTLSRequired(s *track.Session, st *sessState, login *loginRefusalSeen) *Finding {
	if login == nil || s.WasEncrypted || !tlsRequiredText(login.text) {
		return nil
	}
	if st.more != nil && st.more.authRefused != nil {
		if r := st.more.authRefused.Final(); r != nil {
			a := st.more.authRefused
			f := &Finding{Code: CodeControlTLSRequired, Severity: SeverityError, Session: s, Command: login.cmd, TS: login.ts,
				Packets: packets([]uint64{a.Num, r.Num, login.num, login.replyNum})}
			f.Evidence = fmt.Sprintf("%q (packet %d) -> %q (packet %d); then %q (packet %d) -> %q (packet %d)", commandText(a), a.Num, replyText(r), r.Num, login.line, login.num, login.quote, login.replyNum)
			f.Message = fmt.Sprintf("The server refused the login in clear text because it requires TLS on the control channel (%q), yet the client's AUTH before it was refused (%d): a server that requires TLS accepts AUTH, so something on the path (an FTP proxy or a firewall's FTP inspection) most likely answered or stripped it. No login, no transfer.", login.quote, r.Code)
			f.Advice = "Find what refused the AUTH: a firewall's FTP inspection or an FTP proxy between client and server that denies AUTH TLS (turn that inspection off for this server, or allow AUTH), or capture on the server itself to see whether the AUTH reached it. The server's TLS requirement is not the fault."
			return f
		}
	}
	f := &Finding{Code: CodeControlTLSRequired, Severity: SeverityError, Session: s, Command: login.cmd, TS: login.ts,
		Packets: packets([]uint64{login.num, login.replyNum})}
	f.Evidence = fmt.Sprintf("%q (packet %d) -> %q (packet %d), with no AUTH accepted before it", login.line, login.num, login.quote, login.replyNum)
	f.Message = fmt.Sprintf("The server refused the login in clear text because it requires TLS on the control channel (%q); the client never asked for TLS (AUTH TLS). No login, no transfer.", login.quote)
	f.Advice = "Nothing to change in the firewall. Make the client use FTPS: explicit AUTH TLS (curl --ssl-reqd, lftp set ftp:ssl-force true, FileZilla \"Require explicit FTP over TLS\", Python ftplib FTP_TLS with login() and prot_p()), or implicit FTPS on port 990 if the server offers it; or, if clear-text logins are meant to work, change the server's setting (" + tlsRequiredSetting(d.family(s)) + ")."
	return f
}

// controlTLSUnavailable is control-tls-unavailable: the client asked for
// TLS (AUTH TLS or SSL), the server refused it (a 4yz or 5yz: no TLS
// configured, or AUTH unknown), and the client sent no login after it:
// it requires TLS. A client that logged in in clear after the refusal is
// cleartext-login's (authFallback).
func (d *Diagnoser) controlTLSUnavailable(s *track.Session, st *sessState) *Finding {
	if st.more == nil || st.more.authRefused == nil || s.WasEncrypted || s.User != "" || st.loginReported ||
		s.EndReason == track.EndCaptureEnd || s.EndReason == track.EndOpen {
		// (A capture that ends after the refusal cannot tell a client
		// that gave up from one about to fall back.)
		return nil
	}
	a := st.more.authRefused
	r := a.Final()
	if r == nil {
		return nil
	}
	for _, c := range s.Commands {
		if c.Seq > a.Seq && (c.Verb == "USER" || c.Verb == "PASS") {
			return nil
		}
	}
	f := &Finding{Code: CodeControlTLSUnavailable, Severity: SeverityError, Session: s, Command: a, TS: r.TS,
		Packets: packets([]uint64{a.Num, r.Num})}
	f.Evidence = fmt.Sprintf("%q (packet %d) -> %q (packet %d); no login after it", commandText(a), a.Num, replyText(r), r.Num)
	f.Message = fmt.Sprintf("The client asked for TLS on the control channel and the server refused it (%d): the server offers no TLS (not configured, or its TLS module not loaded), and the client, which requires TLS, gave up without logging in.", r.Code)
	f.Advice = fmt.Sprintf("Nothing to change in the firewall. Enable TLS on the server (%s), or, if clear-text FTP is acceptable here, let the client fall back to it (curl without --ssl-reqd, lftp set ftp:ssl-force false).", d.family(s).anonTLS())
	return f
}

// implicitTLSFailed is control-tls-failed for implicit FTPS: the client
// sent its ClientHello, the server answered with less than a ServerHello
// (a TLS alert) or nothing, and the connection closed
// (track.Session.TLSRefused with ImplicitTLS; the tracker's
// EventCleartext at the close, cleartextNum). Nothing was encrypted.
func (d *Diagnoser) implicitTLSFailed(s *track.Session, st *sessState) *Finding {
	d.server(s).implicitTLSFailed++
	f := &Finding{Code: CodeControlTLSFailed, Severity: SeverityError, Session: s, TS: s.Start}
	answer := "fewer bytes than a ServerHello"
	switch st.tlsSent {
	case tlsSentAlert:
		answer = fmt.Sprintf("one TLS alert record (%d bytes)", tlsAlertRecordLen)
	case tlsSentClient:
		answer = "no TLS byte"
	}
	f.Evidence = fmt.Sprintf("control connection to port %d (implicit FTPS) %s -> %s: the client's TLS bytes (its ClientHello), from the server %s", s.Server.Port(), s.Client, s.Server, answer)
	if st.cleartextNum != 0 {
		f.Packets = []uint64{st.cleartextNum}
		f.Evidence += fmt.Sprintf(", then the close (packet %d)", st.cleartextNum)
	}
	f.Message = fmt.Sprintf("The implicit FTPS handshake on port %d failed: the server answered the client's TLS ClientHello with %s and the connection closed. No TLS session was set up, so nothing was encrypted and no login was tried.", s.Server.Port(), answer)
	f.Advice = fmt.Sprintf("Nothing to change for the firewall. The server refused the handshake: look at its TLS settings and its log at that time (a certificate and key it can read, the TLS versions and ciphers it allows, against those the client offers). openssl s_client -connect %s shows the alert and what the server accepts.", s.Server)
	return f
}
