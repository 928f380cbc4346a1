package diagnose

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ftpsniff/ftpsniff/decode/tlshello"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// tlsHandshaker is what the tracker is to offer for a data connection of
// an encrypted session: the verdict of its TLS handshake, read from the
// hellos without decrypting (decode/tlshello), and whether one was seen.
type tlsHandshaker interface {
	TLSHandshake() (tlshello.Verdict, bool)
}

// maxRefusedTLSBytes: a data connection refused after its handshake
// carries the hellos, the certificate and an alert, nothing like a file.
// It bounds connections whose records could not be told apart
// (tlshello.ContentUnknown, or TLS 1.3's undecided shapes).
const maxRefusedTLSBytes = 16 << 10

// maxCutOffTLSBytes bounds an upload refused after its handshake: the
// client's first records cross before the refusal does (17 KB with curl
// and ProFTPD, pcaps/real/proftpd-ftps-upload.pcap), a socket buffer's
// worth at most, not a file.
const maxCutOffTLSBytes = 64 << 10

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
	return tlsNotResumedVerdict(s, dc, v, d.family(s))
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

// resumeClients is the client side of the resumption advice.
const resumeClients = "Use a client that resumes the control connection's TLS session on data connections (curl does unless --no-sessionid; FileZilla, lftp with ftp:ssl-copy-sid, its default; Python ftplib needs a subclass passing session=)."

// resumptionRefusal reports whether r, the readable final reply of a
// transfer whose data connection made a full TLS handshake, refuses it for
// not resuming the control connection's TLS session. Only a reply that
// says so, or the reply the family gives for exactly that
// (familydata.go): ProFTPD's mod_tls answers "425 Unable to build data
// connection: Operation not permitted" (its TLSLog: "client did not reuse
// SSL session, rejecting data connection"); vsftpd's 522 names it;
// a server whose family is unknown may be ProFTPD, so its bare 425 counts
// too, unless the text names a source address check. Stock pyftpdlib
// never requires resumption (its TLS_DTPHandler makes no such check), so
// no reply of its counts unless it says so: a handler subclass can add
// the check (one seen in the wild answers "522 SSL session reuse
// required."), and the greeting is only the admin's banner. Any other
// 4xx/5xx (552 quota, 451 disk full) is the transfer's own failure.
func resumptionRefusal(fam family, r *track.Reply) bool {
	switch {
	case r == nil || r.Code < 400:
		return false
	case namesResumption(r):
		return true
	case fam.kind == policy.ServerPyftpdlib:
		return false
	case r.Code == 425:
		return (fam.kind == policy.ServerProFTPD || fam.kind == policy.ServerUnknown) && !sourceRefusal(strings.ToLower(r.Text))
	}
	// vsftpd's 522 for a refused resumption names it ("522 SSL connection
	// failed: session reuse required", ssl.c); its bare "522 SSL connection
	// failed" is another handshake failure (a client certificate refused
	// under require_cert, say), not this one.
	return false
}

// reuseOptIn: f's stock server takes a data connection that does not
// resume the control connection's TLS session; only another build or the
// server's own code requires resumption (Pure-FTPd's
// ONLY_ACCEPT_REUSED_SSL_SESSIONS, a pyftpdlib handler's own check:
// familydata.go).
func reuseOptIn(f family) bool {
	return f.kind == policy.ServerPureFTPd || f.kind == policy.ServerPyftpdlib
}

// namesResumption: the reply text names session reuse or resumption
// (vsftpd's "session reuse required", FileZilla Server's "not resumed").
func namesResumption(r *track.Reply) bool {
	t := strings.ToLower(r.Text)
	return strings.Contains(t, "reuse") || strings.Contains(t, "resum")
}

func tlsNotResumedVerdict(s *track.Session, dc *track.DataConn, v tlshello.Verdict, fam family) *Finding {
	if v.Resumption != tlshello.Full && v.Resumption != tlshello.Refused {
		return nil
	}
	if v.ServerData {
		// The server sent application data (a file, a listing) after the
		// full handshake: it took the connection, so it does not require
		// resumption (Pure-FTPd's default: pcaps/real/pureftpd-ftps.pcap).
		return nil
	}
	// handshakeOnly: the records of both directions were read and none
	// carried application data (decode/tlshello's Conn): the connection
	// carried its handshake and nothing else, whatever its size. Without
	// that, a few kilobytes at most.
	handshakeOnly := dc.TLSHandshakeOnly()
	// cutOff: the server ended the connection (its FIN, then a reset)
	// while the client was still sending: ProFTPD refuses an upload that
	// did not resume this way, after the client's first records crossed
	// (pcaps/real/proftpd-ftps-upload.pcap), so its size says nothing.
	// Only soon after the handshake (ProFTPD's refusal comes before the
	// client's first 16 KiB record has crossed whole), and only for a
	// server that may require resumption: a full disk or a size limit
	// cuts an upload off the same way, later, and Pure-FTPd or pyftpdlib
	// (which never require it) cut one off only for such a cause.
	cutOff := dc.ServerAbortedUpload() && dc.TotalBytes() <= maxCutOffTLSBytes && !reuseOptIn(fam)
	if dc.EndReason != track.EndFIN && dc.EndReason != track.EndRST || !handshakeOnly && !cutOff && dc.TotalBytes() > maxRefusedTLSBytes {
		return nil
	}
	// refusal: the transfer's final reply, when it is readable (after CCC,
	// or TLS closed) and refuses it for not resuming the session. A
	// readable refusal for any other reason (a quota, a full disk, a
	// source address check) is that reason's, not resumption's:
	// server-data-error or the transcript tells it.
	var refusal *track.Reply
	if c := dc.Command; c != nil {
		r := c.Final()
		switch {
		case r == nil:
		case r.Code >= 200 && r.Code < 300:
			return nil // the transfer worked: the server did not require resumption
		case r.Code >= 400 && !resumptionRefusal(fam, r):
			return nil
		case r.Code >= 400:
			refusal = r
		}
	}
	if refusal == nil && !handshakeOnly && !cutOff && reuseOptIn(fam) {
		// Records past the handshake that the walk could not call the
		// server's data for certain (TLS 1.3: one record the length of a
		// ticket, the server's first after the handshake, is a ticket or
		// a small file), from a server whose stock build takes a data
		// connection that does not resume: no reply says otherwise, so
		// nothing says it refused this one (rv-tls pure-small.pcap:
		// Pure-FTPd sends no ticket, and a 30-byte file is one 47-byte
		// record). A connection that carried its handshake alone is
		// still reported: that is what a build that requires resumption
		// leaves.
		return nil
	}
	if refusal == nil && dc.Outcome == track.OutcomeTransferred && dc.CaptureHole() {
		// The capture lost bytes of it (a hole, a snap length) and no
		// readable reply refuses it: a capture hole keeps it
		// transferred, and its size is not what it carried (bytes only
		// a FIN's sequence number reveals are not counted), so nothing
		// says the server refused it.
		return nil
	}
	// Under TLS the command's reply is ciphertext: a small transfer that
	// worked looks the same on the wire (a full handshake, a few KB, a
	// close). So this is a warning worded as what follows if the server
	// requires resumption, not an error. A readable refusal is the
	// transfer's failure: an error, quoted.
	f := &Finding{Code: CodeTLSNotResumed, Severity: SeverityWarning, TS: when(dc), Data: dc, Packets: packets([]uint64{dc.SYNNum})}
	offer := "the client offered no session to resume"
	switch {
	case !dc.TLSClientHelloRead():
		// Its ClientHello is not in the capture: Full may as well
		// have refused an offer.
		offer = "the client's hello is not in the capture, so what it offered is unknown"
	case v.Resumption == tlshello.Refused:
		offer = fmt.Sprintf("the client offered %s and the server did not accept it", v.Offered)
	}
	carried := fmt.Sprintf("%d bytes", dc.TotalBytes())
	if handshakeOnly {
		carried = fmt.Sprintf("%d bytes, handshake only", dc.TotalBytes())
	}
	f.Evidence = fmt.Sprintf("data connection #%d %s -> %s: %s handshake, full (%s); %s, ended by %s after %s",
		dc.ID, dc.Client, dc.Server, v.Version, offer, carried, dc.EndReason, dur(dc.Duration()))
	if v.ServerAlert != (tlshello.Alert{}) {
		f.Evidence += fmt.Sprintf("; server alert %v", v.ServerAlert)
	}
	const head = "The data connection's TLS handshake did not resume the control connection's session"
	// What the connection carried, in the words the records allow: "no
	// more than a handshake" only where every record was read as one
	// (TLSHandshakeOnly); else its size, which the evidence details.
	little := fmt.Sprintf("%d bytes in all before it closed", dc.TotalBytes())
	switch {
	case handshakeOnly:
		little = "its TLS handshake and no application data before it closed"
	case cutOff:
		little = fmt.Sprintf("%d bytes before the server cut the upload off (its FIN, then a reset, while the client was still sending)", dc.TotalBytes())
	case v.Version >= tlshello.VersionTLS13:
		// TLS 1.3 encrypts the session tickets that follow a handshake
		// as it does a file, and no record past the handshake could be
		// called the server's data for certain (ServerData): the
		// warning must not read as proof of a refusal.
		little = fmt.Sprintf("%d bytes in all before it closed, records past its handshake that may be session tickets or a small file (TLS 1.3 encrypts both alike, so the transfer may as well have worked)", dc.TotalBytes())
	}
	switch {
	case refusal == nil && dc.Command != nil:
		// The command was readable (after CCC) but no final reply to it
		// is in the capture: nothing to quote, nothing encrypted.
		f.Message = fmt.Sprintf("%s, and the connection carried %s: if the server requires resumption on data connections (%s), it refused this transfer; no final reply to %s is in the capture.",
			head, little, fam.tlsReuseRequired(), dc.Command.Verb)
	case refusal == nil:
		f.Message = fmt.Sprintf("%s, and the connection carried %s: if the server requires resumption on data connections (%s), it refused this transfer (%s, inside the encrypted control channel).",
			head, little, fam.tlsReuseRequired(), fam.tlsReuseReply())
	case namesResumption(refusal):
		// The reply names the reason: vsftpd's "522 SSL connection
		// failed: session reuse required", FileZilla Server's "425 ...
		// TLS session of data connection not resumed."
		f.Severity = SeverityError
		f.Message = fmt.Sprintf("%s, and the server refused the transfer with %q (packet %d): it requires data connections to resume that session.",
			head, replyText(refusal), refusal.Num)
		if fam.kind == policy.ServerPyftpdlib {
			f.Message += " Stock pyftpdlib makes no such check: this server's handler adds one, or the server is not pyftpdlib."
		}
	default:
		// The refusal does not name the reason, but it is the one the
		// family gives for it (resumptionRefusal): ProFTPD's "425 Unable
		// to build data connection: Operation not permitted".
		f.Severity = SeverityError
		f.Message = fmt.Sprintf("%s, and the connection carried %s; then the server refused the transfer with %q (packet %d): a server that requires resumption on data connections (%s) refuses such a connection.",
			head, little, replyText(refusal), refusal.Num, fam.tlsReuseRequired())
	}
	if refusal != nil {
		f.Packets = packets([]uint64{dc.SYNNum, refusal.Num})
	}
	switch {
	case fam.kind == policy.ServerPyftpdlib && refusal != nil:
		// The reply said resumption is required, though stock pyftpdlib
		// never requires it: the client must resume; the server-side
		// switch is the handler's own code, which ftpsniff cannot name.
		f.Advice = resumeClients + " On the server, the requirement is not a pyftpdlib setting: it is in the server's own handler code."
	case fam.kind == policy.ServerPyftpdlib:
		// The reply is unreadable, and pyftpdlib does not require
		// resumption: no client change to ask for on a guess.
		f.Advice = fam.tlsReuseServer()
	default:
		f.Advice = resumeClients + " " + fam.tlsReuseServer()
	}
	if fam.ownTLSReuse() {
		f.Advice += fam.note()
	}
	return f
}

// tlsReset recognises a data connection of an FTPS session that the
// server reset at the client's TLS ClientHello, before sending any
// ServerHello: the data channel's TLS never started, so nothing was
// transferred on it, whatever the encrypted control channel then said.
// pyftpdlib 1.5.7 does this to curl, which starts TLS on a data
// connection before it sends the transfer command
// (pcaps/real/pyftpdlib-ftps.pcap): the server's data channel drops a
// connection that speaks first.
func (d *Diagnoser) tlsReset(s *track.Session, dc *track.DataConn) *Finding {
	h, ok := any(dc).(tlsHandshaker)
	if !ok || !ftpsControl(d.state(s), s) {
		return nil
	}
	v, seen := h.TLSHandshake()
	// The FTP server is the side connected to in passive mode, the side
	// that connected in active mode; the reset must be its own, and it
	// must have sent no byte at all (a ServerHello the capture missed
	// would count: that is another story).
	server := 0
	if dc.Passive {
		server = 1
	}
	if !seen || v.Version != 0 || v.HelloRetry || v.Content == tlshello.ContentApplicationData || dc.Bytes[server] != 0 || dc.Outcome == track.OutcomeTransferred ||
		dc.EndReason != track.EndRST || dc.RSTFromServer != dc.Passive || !dc.Answered() {
		return nil
	}
	f := &Finding{Code: CodeTLSReset, Severity: SeverityError, TS: when(dc), Data: dc, Packets: packets([]uint64{dc.SYNNum})}
	f.Evidence = fmt.Sprintf("data connection #%d %s -> %s (SYN at packet %d): the client's ClientHello (%d bytes), not a byte from the server, then its reset after %s",
		dc.ID, dc.Client, dc.Server, dc.SYNNum, dc.TotalBytes(), dur(dc.Duration()))
	f.Message = "The server reset the data connection when the client began TLS on it, before answering its ClientHello: the data channel's TLS never started, so this transfer moved nothing."
	f.Advice = "Read the server's log for why it dropped the data connection (its TLS settings for data connections, its certificate, a limit)."
	if d.family(s).kind == policy.ServerPyftpdlib {
		f.Advice = "pyftpdlib (1.5.7 at least) drops a data connection on which the client speaks before sending the transfer command, and curl starts TLS on it at once: use a client that sends RETR/STOR/LIST first (Python ftplib, lftp, FileZilla), or a pyftpdlib whose data channel waits for the transfer command." + d.family(s).note()
	}
	return f
}

// tlsFailed recognises a data connection of an FTPS session whose TLS
// handshake the server ended before its ServerHello, after the client's
// ClientHello: by a fatal alert, which before any key is agreed travels
// in clear (RFC 8446 §6, RFC 5246 §7.2), so its description is read; or,
// after its HelloRetryRequest, by closing the connection (its FIN first,
// or its reset) with neither ServerHello nor alert. The data channel's
// TLS never started, so the transfer moved nothing on it, whatever the
// encrypted control channel said. rclone 1.60 against vsftpd 3.0.3
// (require_ssl_reuse=YES): the server asked for the hello again, and
// answered the second, which offered to resume a session (a PSK), with a
// fatal illegal_parameter. A reset before the server sent a byte is
// tlsReset's; an alert after a ServerHello is encrypted, and
// tlsNotResumed judges such a handshake.
func (d *Diagnoser) tlsFailed(s *track.Session, dc *track.DataConn) *Finding {
	h, ok := any(dc).(tlsHandshaker)
	if !ok || !ftpsControl(d.state(s), s) {
		return nil
	}
	v, seen := h.TLSHandshake()
	// Version 0: no ServerHello settled one (none, or only a
	// HelloRetryRequest). ErrIncomplete: every byte read parsed, and the
	// reading ended there, not at a bound or a malformed record.
	if !seen || v.Version != 0 || !errors.Is(v.Reason, tlshello.ErrIncomplete) || !dc.TLSClientHelloRead() ||
		dc.Outcome != track.OutcomeConnected || !dc.TLSHandshakeOnly() {
		return nil
	}
	server, client := 0, 1 // the FTP server is the TLS server (RFC 4217): the opener in active mode
	if dc.Passive {
		server, client = 1, 0
	}
	var closed string
	switch {
	case dc.EndReason == track.EndRST && dc.RSTFromServer == dc.Passive:
		closed = "reset"
	case !dc.FINTS[server].IsZero() && !dc.FINTS[client].Before(dc.FINTS[server]):
		closed = "FIN"
	}
	// A fatal alert ends the connection (RFC 8446 §6.2); a warning one
	// need not: the reading stops at it, so a ServerHello after it would
	// go unread.
	alert := v.ServerAlert.Fatal()
	// A close alone is a refusal only once the server had spoken TLS (its
	// HelloRetryRequest) and every byte was read: a ServerHello in a
	// capture hole, or after a warning alert, would be another story; and
	// after the client's own alert the client ended it (it refused the
	// HelloRetryRequest), not the server.
	if !alert && (!v.HelloRetry || closed == "" || !v.ServerAlert.IsZero() || !v.ClientAlert.IsZero() || dc.CaptureHole()) {
		return nil
	}
	offer := "no resumption offered"
	if v.Offered != 0 {
		offer = fmt.Sprintf("offering %s", v.Offered)
	}
	var hellos, retried string
	switch {
	case v.HelloRetry && v.ClientRetried:
		hellos = fmt.Sprintf("ClientHello, HelloRetryRequest, ClientHello again (%s)", offer)
		retried = fmt.Sprintf(" It had asked for the client's hello again (a HelloRetryRequest) and refused the second one, which offered %s.", offerWords(v.Offered))
	case v.HelloRetry:
		hellos = fmt.Sprintf("ClientHello (%s), HelloRetryRequest", offer)
		retried = " It had asked for the client's hello again first (a HelloRetryRequest)."
	default:
		hellos = fmt.Sprintf("ClientHello (%s)", offer)
	}
	f := &Finding{Code: CodeTLSFailed, Severity: SeverityError, TS: when(dc), Data: dc, Packets: packets([]uint64{dc.SYNNum})}
	if alert {
		f.Evidence = fmt.Sprintf("data connection #%d %s -> %s: %s, then the server's %v alert, no ServerHello",
			dc.ID, dc.Client, dc.Server, hellos, v.ServerAlert)
		f.Message = fmt.Sprintf("The server ended the data connection's TLS handshake with a fatal %s alert%s before its ServerHello: the data channel's TLS never started, so this transfer moved nothing.%s The alert, sent before any key was agreed, is in clear; its name is all the capture tells of the server's reason.",
			alertName(v.ServerAlert), alertGloss(v.ServerAlert), retried)
	} else {
		f.Evidence = fmt.Sprintf("data connection #%d %s -> %s: %s, then the server's %s after %s, no ServerHello or alert",
			dc.ID, dc.Client, dc.Server, hellos, closed, dur(dc.Duration()))
		f.Message = fmt.Sprintf("The server closed the data connection (its %s) during its TLS handshake, with no ServerHello and no alert to say why: the data channel's TLS never started, so this transfer moved nothing.%s",
			closed, retried)
	}
	f.Advice = "Nothing to change in the firewall: the data connection opened, and its TLS handshake failed. The server's log gives its TLS library's reason"
	switch d.family(s).kind {
	case policy.ServerVsftpd:
		f.Advice += " (vsftpd writes OpenSSL's with debug_ssl=YES in vsftpd.conf)"
	case policy.ServerProFTPD:
		f.Advice += " (ProFTPD: the file its TLSLog names)"
	}
	f.Advice += "."
	if v.HelloRetry && v.ClientRetried && v.Offered != 0 {
		// What the capture shows of the refused hello, for the reader to
		// test: not a cause it can prove.
		f.Advice += " The refused hello was a retried one that offered to resume a session: comparing with a client that needs no retry (its first key share for a group the server accepts; a HelloRetryRequest usually asks for another) or that offers no resumption tells which the server objects to."
	}
	return f
}

// offerWords names the resumption offers of a ClientHello for a
// sentence: "to resume a TLS session (psk)", or "no session to resume".
func offerWords(m tlshello.Mechanism) string {
	if m == 0 {
		return "no session to resume"
	}
	return fmt.Sprintf("to resume a TLS session (%s)", m)
}

// alertName is an alert's description as TLS names it, with its number:
// "illegal_parameter(47)" (tlshello.Alert.String without the level).
func alertName(a tlshello.Alert) string {
	s := a.String()
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[i+1:]
	}
	return s
}

// alertGloss says in words what the handshake alerts a server sends
// before its ServerHello mean (RFC 8446 §6.2), as a parenthesis after
// the name: "" for the others.
func alertGloss(a tlshello.Alert) string {
	switch a.Description {
	case 40:
		return " (no set of parameters both sides accept: cipher suites, groups, signature algorithms)"
	case 47:
		return " (a field of the client's hello was wrong or inconsistent with the others)"
	case 50:
		return " (the client's hello could not be decoded)"
	case 70:
		return " (no TLS version both sides accept)"
	case 71:
		return " (the server requires stronger cipher suites than the client offered)"
	case 80:
		return " (a failure of the server's own, not of the client's hello)"
	case 109:
		return " (the client's hello lacks an extension the server requires)"
	case 112:
		return " (the server does not serve the name the client asked for, SNI)"
	case 120:
		return " (none of the application protocols the client offered, ALPN)"
	}
	return ""
}
