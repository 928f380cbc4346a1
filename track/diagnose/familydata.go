package diagnose

import "fmt"

// The server families' settings that guard the data connection itself:
// whether a PROT P data connection must resume the control connection's
// TLS session, whether it must come from the control connection's address,
// whether PORT/EPRT may name another host or a privileged port, and how
// long the control connection may stay idle. Each is named only where its
// source says so; a family whose setting ftpsniff could not verify gets
// generic wording, never an invented name.
//
//	vsftpd     vsftpd.conf(5) and tunables.c: require_ssl_reuse (default
//	           YES: "522 SSL connection failed: session reuse required"),
//	           pasv_promiscuous, port_promiscuous, idle_session_timeout
//	           (300 s).
//	ProFTPD    mod_tls: TLSOptions NoSessionReuseRequired (reuse is required
//	           by default; ProFTPD answers "425 Unable to build data
//	           connection: Operation not permitted" and its TLSLog says
//	           "client did not reuse SSL session, rejecting data
//	           connection"); mod_core AllowForeignAddress (checked for PORT
//	           and for the source of a passive data connection, inet.c:
//	           "SECURITY VIOLATION: Passive connection from %s rejected").
//	           mod_core's core_port and core_eprt refuse a port below 1024
//	           always, after and whatever the AllowForeignAddress check:
//	           "Refused PORT %s (bounce attack)" in the log, "500 Illegal
//	           PORT command" (EPRT: "500 Illegal EPRT command").
//	Pure-FTPd  src/tls.c: resumption is required only in a build with
//	           ONLY_ACCEPT_REUSED_SSL_SESSIONS, 0 by default ("disabled by
//	           default, because it looks like a lot of clients don't support
//	           this properly yet"); such a build ends the session.
//	           src/ftpd.c: opendata() shuts a passive data connection from
//	           another address than the control connection's and waits for
//	           another, and doport() refuses PORT/EPRT to another host ("500"
//	           MSG_NO_FXP), unless allowfxp: -w (--allowuserfxp,
//	           pure-ftpd.conf AllowUserFXP) for authenticated users, -W
//	           (--allowanonymousfxp, AllowAnonymousFXP) for everyone;
//	           doport() refuses a port below 1024 always ("501"
//	           MSG_BAD_PORT).
//	FileZilla  0.9.x (interface/OptionsSslPage.cpp, Options.cpp): FTP over
//	Server     TLS settings, "Require TLS session resumption on data
//	           connection when using PROT P" (OPTION_TLS_REQUIRE_SESSION_
//	           RESUMPTION, on by default; the reply is "450 TLS session of
//	           data connection has not resumed or the session does not
//	           match the control connection"); the data connection IP check
//	           of its Security settings page (OPTION_CHECK_DATA_CONNECTION_IP:
//	           exact by default, relaxed = the same /24 or /64, or none),
//	           applied to PASV connections and to PORT ("421 Rejected
//	           command, requested IP address does not match control
//	           connection IP."); its connections and no-transfer timeouts
//	           (OPTION_TIMEOUT, OPTION_NOTRANSFERTIMEOUT, 120 s).
//	           1.x (src/filezilla/ftp/session.cpp, src/gui/settingsdialog.cpp):
//	           a data connection that does not resume fails with "425
//	           Unable to build data connection: TLS session of data
//	           connection not resumed."; its administration interface (in
//	           the source read) has no setting for it (the FTP and FTP over
//	           TLS pages offer the minimum TLS version and the
//	           certificate), nor for the data connection's source;
//	           Protocols settings > Timeouts, "Activity timeout".
//	IIS        learn.microsoft.com, IIS configuration reference
//	           sites/site/ftpServer/security/dataChannelSecurity:
//	           matchClientAddressForPort and matchClientAddressForPasv (both
//	           true by default); sites/site/ftpServer/connections:
//	           controlChannelTimeout (seconds). No IIS setting about TLS
//	           session resumption on data connections was found.
//	pyftpdlib  pyftpdlib/handlers.py: TLS_DTPHandler makes no resumption
//	           check; FTPHandler.permit_foreign_addresses (False: "425
//	           Rejected data connection from foreign address", and PORT to
//	           another host refused), permit_privileged_ports (False),
//	           timeout (300 s between commands).

// The Unix families' wording, named together: the advice for vsftpd,
// ProFTPD, Pure-FTPd, wu-ftpd and a server whose family is not known,
// where settingsTable gives the family none of its own.
const (
	unixTLSReuseRequired = "vsftpd with require_ssl_reuse=YES, the default; ProFTPD's mod_tls by default; FileZilla Server"
	unixTLSReuseReply    = "522/425"
	// Unknown (and wu-ftpd, which has no FTPS of its own): the common
	// families' settings, named together.
	unixTLSReuseServer = `Or, on the server, turn the requirement off: vsftpd require_ssl_reuse=NO (ProFTPD: TLSOptions NoSessionReuseRequired; FileZilla Server 0.9.x: untick "Require TLS session resumption on data connection when using PROT P"; Pure-FTPd does not require it by default)` + tlsReuseCosts
	unixSourceCheckOff = "vsftpd pasv_promiscuous=YES (ProFTPD AllowForeignAddress on; Pure-FTPd AllowUserFXP yes, -w, for authenticated users, or AllowAnonymousFXP yes, -W, for everyone)"
	unixIdleTimeout    = "idle_session_timeout (vsftpd), TimeoutIdle/TimeoutNoTransfer (ProFTPD) or -I (Pure-FTPd)"
	// ProFTPD and Pure-FTPd refuse them whatever their settings say: one
	// that accepted such a PORT is not running their stock PORT handling,
	// and only a firewall is left to say.
	unixRefusePrivileged = "vsftpd refuses them unless port_promiscuous=YES; ProFTPD refuses them always, whatever AllowForeignAddress says, and so does Pure-FTPd, so a ProFTPD or Pure-FTPd that accepted one is not a stock build: block its active-mode data connections to ports below 1024 on a firewall"
	unixRefuseForeign    = "vsftpd port_promiscuous=NO (the default), ProFTPD AllowForeignAddress off (the default), Pure-FTPd without AllowUserFXP (-w, for authenticated users) and AllowAnonymousFXP (-W, for everyone), the default"
)

// Pieces of the families' own wording (settingsTable).
const (
	// tlsReuseCosts ends the advice to lift the resumption requirement.
	tlsReuseCosts = ", which gives up the check that the data connection comes from the same client."
	// noPrivilegedSetting follows "ftpsniff knows no <product>" where a
	// family has no setting that refuses privileged ports in PORT/EPRT.
	noPrivilegedSetting = " setting for it: if the server has none, block its active-mode data connections to ports below 1024 on a firewall"
)

// ownOr is field of f's row of settingsTable, or unix where the row is
// missing or leaves it empty.
func (f family) ownOr(field func(*serverSettings) string, unix string) string {
	if s := settingsOf(f.kind); s != nil {
		if v := field(s); v != "" {
			return v
		}
	}
	return unix
}

// ownDataSettings reports whether the advice below names settings of f's
// own rather than the Unix families' list (and so says where the family
// came from, note).
func (f family) ownDataSettings() bool {
	s := settingsOf(f.kind)
	return s != nil && s.sourceCheckOff != ""
}

// ownTLSReuse reports whether the resumption advice names f's own
// settings rather than the common families' list.
func (f family) ownTLSReuse() bool {
	s := settingsOf(f.kind)
	return s != nil && s.tlsReuseServer != ""
}

// tlsReuseRequired names, for a message, which servers refuse a data
// connection that does not resume the control connection's TLS session.
func (f family) tlsReuseRequired() string {
	t := f.ownOr(func(s *serverSettings) string { return s.tlsReuseRequired }, unixTLSReuseRequired)
	if c := f.cfg; c != nil && c.TLSReuseOff {
		t += fmt.Sprintf("; %s turns the requirement off%s, so a server that requires it does not run that configuration", c.Path, lineOf(c.TLSReuseLine))
	}
	return t
}

// lineOf is a setting's line ("line 4: require_ssl_reuse=NO") as a
// parenthesis, "" when not known.
func lineOf(l string) string {
	if l == "" {
		return ""
	}
	return " (" + l + ")"
}

// tlsReuseReply is the reply with which f refuses such a connection, for
// the encrypted case where it cannot be read.
func (f family) tlsReuseReply() string {
	return f.ownOr(func(s *serverSettings) string { return s.tlsReuseReply }, unixTLSReuseReply)
}

// tlsReuseServer is the server's side of the resumption advice, a
// sentence: how to let the server accept a data connection that does not
// resume the TLS session, and what that gives up; or, where no setting is
// known, what follows.
func (f family) tlsReuseServer() string {
	if c := f.cfg; c != nil && c.TLSReuseOff {
		// The configuration given lifts it already: a server that
		// refused the connection for it does not run that file.
		return fmt.Sprintf("On the server, %s turns the requirement off already%s: the server that answered, refusing such a connection, does not run that configuration; check that it is the file the server reads, and restart the server.", c.Path, lineOf(c.TLSReuseLine))
	}
	return f.ownOr(func(s *serverSettings) string { return s.tlsReuseServer }, unixTLSReuseServer)
}

// sourceCheckOff is the last resort of data-source-nat: let the data
// connection come from another address than the control connection.
func (f family) sourceCheckOff() string {
	t := f.ownOr(func(s *serverSettings) string { return s.sourceCheckOff }, unixSourceCheckOff)
	if c := f.cfg; c != nil && c.SourceCheckOff {
		t += fmt.Sprintf(" (%s sets it already%s: a server that refuses a data connection from another address does not run that configuration; check that it is the file the server reads, and restart the server)", c.Path, lineOf(c.SourceCheckLine))
	}
	return t
}

// idleTimeout names the server's own idle timeout of the control
// connection, which must exceed the longest transfer.
func (f family) idleTimeout() string {
	return f.ownOr(func(s *serverSettings) string { return s.idleTimeout }, unixIdleTimeout)
}

// refusePrivileged says how to make the server refuse PORT/EPRT naming a
// port below 1024 of the client's own address.
func (f family) refusePrivileged() string {
	return f.ownOr(func(s *serverSettings) string { return s.refusePrivileged }, unixRefusePrivileged)
}

// refuseForeign says how to make the server refuse PORT/EPRT naming
// another host (and a privileged port), the bounce.
func (f family) refuseForeign() string {
	return f.ownOr(func(s *serverSettings) string { return s.refuseForeign }, unixRefuseForeign)
}
