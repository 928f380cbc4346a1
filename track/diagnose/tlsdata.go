package diagnose

import (
	"fmt"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// protectDataClients is how a client protects its data connections.
const protectDataClients = "PROT P (curl --ssl-reqd, lftp set ftp:ssl-protect-data yes, Python ftplib's prot_p())"

// clearDataAllowed is how f's server accepts data connections in clear
// under an encrypted control channel, for a parenthesis.
func clearDataAllowed(f family) string {
	switch f.kind {
	case policy.ServerProFTPD:
		return "ProFTPD: TLSRequired ctrl"
	case policy.ServerVsftpd:
		return "vsftpd: force_local_data_ssl=NO, force_anon_data_ssl=NO for anonymous logins"
	case policy.ServerPureFTPd:
		return "Pure-FTPd: TLS 2"
	case policy.ServerPyftpdlib:
		return "pyftpdlib: TLS_FTPHandler.tls_data_required = False"
	}
	return "ProFTPD TLSRequired ctrl, vsftpd force_local_data_ssl=NO, Pure-FTPd TLS 2"
}

// clearDataRefused is how f's server refuses data connections in clear,
// for a parenthesis.
func clearDataRefused(f family) string {
	switch f.kind {
	case policy.ServerProFTPD:
		return "ProFTPD: TLSRequired on"
	case policy.ServerVsftpd:
		return "vsftpd: force_local_data_ssl=YES, force_anon_data_ssl=YES for anonymous logins"
	case policy.ServerPureFTPd:
		return "Pure-FTPd: TLS 3"
	case policy.ServerPyftpdlib:
		return "pyftpdlib: TLS_FTPHandler.tls_data_required = True"
	}
	return "ProFTPD TLSRequired on, vsftpd force_local_data_ssl=YES, Pure-FTPd TLS 3"
}

// familyNote is f.note() where the family's own settings were named.
func familyNote(f family) string {
	switch f.kind {
	case policy.ServerProFTPD, policy.ServerVsftpd, policy.ServerPureFTPd, policy.ServerPyftpdlib:
		return f.note()
	}
	return ""
}

// finalReply is the transfer's final reply the capture could read, or nil.
func finalReply(dc *track.DataConn) *track.Reply {
	if c := dc.Command; c != nil {
		return c.Final()
	}
	return nil
}

// tlsRequired recognises a data connection of an FTPS session on which
// the client began no TLS and that the server refused for it: its only
// payload the server's TLS alert (TLSAlertOnly: it waited for a
// ClientHello; ProFTPD with TLSRequired on, to a client that sent PROT C:
// pcaps/real/ftps-prot-refused-proftpd.pcap, session 1), or, weaker, no
// payload at all and the server's reset (the same server, session 2: its
// reply 522 "SSL/TLS required on the data channel", encrypted). No file
// moved on it whatever the encrypted control channel then said.
func (d *Diagnoser) tlsRequired(s *track.Session, dc *track.DataConn) *Finding {
	if !ftpsControl(d.state(s), s) || dc.Outcome != track.OutcomeConnected {
		return nil
	}
	if r := finalReply(dc); r != nil && r.Code < 400 {
		return nil // the server said the transfer went (an empty file)
	}
	alert := dc.TLSAlertOnly()
	// reset: the FTP server, connected to, reset a passive connection
	// that carried nothing, from the control connection's own address
	// (from another, data-source-nat tells why).
	reset := !alert && dc.Passive && dc.DataTLS() == track.DataTLSEmpty && dc.EndReason == track.EndRST && dc.RSTFromServer &&
		dc.Client.Addr() == s.Client.Addr()
	if !alert && !reset {
		return nil
	}
	if reset && dc.AmongEncrypted > 1 {
		// Its session is a guess among several encrypted ones of these
		// hosts (track.DataConn.AmongEncrypted): which session's data
		// connections carried TLS says nothing of it.
		return nil
	}
	if reset {
		// Judged at the session's end: a data connection of it that
		// carried a TLS handshake, before or after, shows the client
		// protects its data, and the reset refused the transfer for
		// another reason (vsftpd and ProFTPD close the listener on a
		// 550, and the kernel resets what it had queued).
		m := d.state(s).moreState()
		if len(m.tlsResets) >= maxTLSResets {
			d.omitted.TLSResetsNotJudged++
			return nil
		}
		m.tlsResets = append(m.tlsResets, dc)
		return nil
	}
	return d.tlsRequiredFinding(s, dc, alert)
}

// maxTLSResets bounds the reset data connections a session holds for
// tlsResetFindings; past it they are counted
// (Omitted.TLSResetsNotJudged), not judged.
const maxTLSResets = 4

// noteDataTLS records that a data connection of s carried a TLS
// handshake: its client protects its data connections.
func (d *Diagnoser) noteDataTLS(s *track.Session, dc *track.DataConn) {
	if dc.DataTLS() == track.DataTLSHandshake {
		d.state(s).moreState().tlsDataSeen = true
	}
}

// tlsResetFindings judges, at the session's end, the reset data
// connections tlsRequired held: a warning each, unless another data
// connection of the session carried a TLS handshake.
func (d *Diagnoser) tlsResetFindings(s *track.Session) []*Finding {
	st := d.sess[s]
	if st == nil || st.more == nil || len(st.more.tlsResets) == 0 {
		return nil
	}
	m := st.more
	var out []*Finding
	if !m.tlsDataSeen {
		for _, dc := range m.tlsResets {
			f := d.tlsRequiredFinding(s, dc, false)
			f.Session = s
			out = append(out, f)
		}
	}
	m.tlsResets = nil
	return out
}

// tlsRequiredFinding is tlsRequired's finding: for the server's lone
// alert (alert), else for its reset.
func (d *Diagnoser) tlsRequiredFinding(s *track.Session, dc *track.DataConn, alert bool) *Finding {
	fam := d.family(s)
	f := &Finding{Code: CodeTLSRequired, Severity: SeverityError, TS: when(dc), Data: dc, Packets: packets([]uint64{dc.SYNNum})}
	advice := fmt.Sprintf("have the client protect its data connections: %s; or, if data may cross in clear, let the server accept it (%s).", protectDataClients, clearDataAllowed(fam))
	reply := "its reply is inside the encrypted control channel"
	if r := finalReply(dc); r != nil {
		reply = fmt.Sprintf("its reply: %q, packet %d", replyText(r), r.Num)
		f.Packets = packets([]uint64{dc.SYNNum, r.Num})
	}
	if alert {
		f.Evidence = fmt.Sprintf("data connection #%d %s -> %s (SYN at packet %d): nothing from the client; the server's only bytes a TLS alert record (%v), no hello; ended by %s after %s",
			dc.ID, dc.Client, dc.Server, dc.SYNNum, dc.TLSServerAlert(), dc.EndReason, dur(dc.Duration()))
		// What the wire shows fits two readings, and does not tell them
		// apart: a server that requires protected data and waited for a
		// TLS handshake the client never began (it sent PROT C, or no
		// PROT: pcaps/real/ftps-prot-refused-proftpd.pcap), and a client
		// that asked for protected data but gave up on the connection
		// before beginning TLS (curl --ssl-reqd in active mode, closing
		// after its own timeout: the alert answers its close).
		f.Message = fmt.Sprintf("The server answered the data connection with a TLS alert and no handshake, and the client sent nothing on it (%s). Either the server requires protected data connections and waited for a TLS handshake the client never began (a client that sent PROT C, or no PROT), or the client gave up on the connection before beginning TLS (it closed it on its own, and the alert answers that close). This transfer moved nothing.", reply)
		f.Advice = "If the client did not ask for protected data (PROT P), " + advice
		if c := fam.cfg; c != nil && c.ClearDataOK {
			// The configuration given takes data in clear already: a server
			// running it refuses none, so turning the requirement off is no
			// fix.
			f.Advice = fmt.Sprintf("%s accepts data connections in clear already (%s): a server running it does not refuse one for want of TLS, so the client most likely gave up on this connection by itself; read its log for why (a timeout, a failed TLS setup on its side), and check that the server reads that file.", c.Path, c.ClearDataLine)
		}
		f.Advice += familyNote(fam)
		return f
	}
	f.Severity = SeverityWarning
	f.Evidence = fmt.Sprintf("data connection #%d %s -> %s (SYN at packet %d): no byte from either side, then the server's reset after %s",
		dc.ID, dc.Client, dc.Server, dc.SYNNum, dur(dc.Duration()))
	f.Message = fmt.Sprintf("The server reset the data connection before either side sent a byte: this transfer moved nothing. A server that requires protected data connections resets one on which the client does not begin TLS (a client that sent PROT C, or no PROT); so may a server that refused the transfer for another reason, a missing file or a permission (%s).", reply)
	f.Advice = "If the client did not ask for protected data (PROT P), that is the likeliest cause: " + advice + familyNote(fam)
	return f
}

// dataCleartext recognises a data connection of an FTPS session whose
// bytes crossed in clear: its first bytes the capture holds are no TLS
// record (track.DataTLSClear), so the client sent PROT C (or no PROT) and
// the server accepted it (vsftpd with force_anon_data_ssl=NO:
// pcaps/real/ftps-protc-vsftpd.pcap). Anyone on the path can read the
// file, though the control channel is encrypted. A note, not a fault:
// some sites protect the login only, on purpose.
func (d *Diagnoser) dataCleartext(s *track.Session, dc *track.DataConn) *Finding {
	if !ftpsControl(d.state(s), s) || dc.Outcome != track.OutcomeTransferred || dc.DataTLS() != track.DataTLSClear {
		return nil
	}
	fam := d.family(s)
	f := &Finding{Code: CodeDataCleartext, Severity: SeverityInfo, TS: when(dc), Data: dc, Packets: packets([]uint64{dc.SYNNum})}
	f.Evidence = fmt.Sprintf("data connection #%d %s -> %s (SYN at packet %d): %d bytes, the first of them no TLS record",
		dc.ID, dc.Client, dc.Server, dc.SYNNum, dc.TotalBytes())
	f.Message = "The session's control channel went over TLS, but this data connection did not: its bytes crossed in clear (the client sent PROT C, or no PROT, and the server accepted it), so anyone on the path can read the file or listing."
	f.Advice = fmt.Sprintf("If the data is to be private, have the client protect its data connections: %s; and make the server require it (%s).%s",
		protectDataClients, clearDataRefused(fam), familyNote(fam))
	return f
}
