package diagnose

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The failures admins report most (../shared/notes/failure-stories.md),
// each raised only from what the packets prove. docs/troubleshooting.md
// says, per code, what the capture must show.

// serverConfigError explains a reply in which the server reports its own
// configuration error before any data connection: vsftpd's "500 OOPS: …"
// (it ends the session), or a bind to an address the host does not have
// ("Cannot assign requested address"). c is nil for the greeting.
func (d *Diagnoser) serverConfigError(s *track.Session, c *track.Command, r *track.Reply) *Finding {
	text := strings.ToLower(r.Text)
	oops := strings.HasPrefix(text, "oops:")
	bind := strings.Contains(text, "cannot assign requested address")
	if !oops && (!bind || c == nil) {
		return nil
	}
	if st := d.state(s); st.configReported {
		return nil // vsftpd answers every later command with a bare "500 OOPS: "
	} else {
		st.configReported = true
	}
	var f *Finding
	at := "in its greeting"
	if c == nil {
		// (sessionRefused: the greeting, before any command.)
		f = &Finding{Code: CodeServerConfigError, Severity: SeverityError, TS: r.TS, Packets: []uint64{r.Num},
			Evidence: fmt.Sprintf("%q (packet %d) as the greeting, before any command", replyText(r), r.Num)}
	} else {
		at = "at " + verbText(c)
		f = &Finding{Code: CodeServerConfigError, Severity: SeverityError, TS: r.TS, Packets: packets([]uint64{c.Num, r.Num}),
			Evidence: fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num)}
	}
	fam := d.family(s)
	switch {
	case oops && strings.Contains(text, "pasv_address"):
		f.Message = fmt.Sprintf("vsftpd cannot use its pasv_address setting and ended the session %s (%q): no data connection was tried.", at, replyText(r))
		f.Advice = "Write pasv_address as a bare IPv4 address, without quotes or spaces (pasv_address=203.0.113.10), or set pasv_addr_resolve=YES when it names a host; then restart vsftpd. ProFTPD's equivalent is MasqueradeAddress, Pure-FTPd's ForcePassiveIP."
	case oops && c != nil && strings.Contains(text, "vsf_sysutil_bind") && !c.Secret && passiveVerb(c.Verb):
		// vsftpd (privops.c vsf_privop_pasv_listen) tries a few random
		// ports of pasv_min_port-pasv_max_port and ends the session with
		// this when every bind failed: each was in use or in TIME_WAIT.
		f.Message = fmt.Sprintf("vsftpd found no free port in its passive range for %s and ended the session (%q): every port it tried was still in use, or in TIME_WAIT (60 s on Linux), by other data connections. The passive range is exhausted; no data connection was tried.", verbText(c), replyText(r))
		f.Advice = d.bindExhaustedAdvice(s, fam)
	case oops:
		f.Message = fmt.Sprintf("vsftpd stopped the session with a configuration or runtime error %s (%q): the failure is on the server, before any network path is involved.", at, replyText(r))
		f.Advice = "Fix the vsftpd.conf setting the message names (vsftpd prints OOPS for settings it cannot apply, e.g. a writable chroot root or a bad pasv_address) and restart vsftpd; its log (vsftpd_log_file, or the journal) has the same words."
	default:
		f.Message = fmt.Sprintf("The server could not bind its data socket to an address it announced or was told to use (%q): the address is not one of its host's own, so no data connection can be made.", replyText(r))
		switch fam.kind {
		case policy.ServerProFTPD:
			f.Advice = "The public address belongs in MasqueradeAddress (it only changes what the 227 says); DefaultAddress, Bind and SocketBindTight must name addresses the host has (ip addr). Restart ProFTPD."
		case policy.ServerPureFTPd:
			f.Advice = "The public address belongs in ForcePassiveIP (-P: it only changes what the 227 says); the bind address (-S/Bind) must be one the host has (ip addr). Restart Pure-FTPd."
		case policy.ServerVsftpd:
			f.Advice = "The public address belongs in pasv_address (it only changes what the 227 says); listen_address must name an address the host has (ip addr). Restart vsftpd. ProFTPD: MasqueradeAddress vs DefaultAddress; Pure-FTPd: ForcePassiveIP vs Bind."
		default:
			f.Advice = fmt.Sprintf("The public address belongs in %s, which only changes what the 227 says; the address the server listens on must be one its host has (ip addr). Restart the server.", fam.addrName())
		}
		f.Advice += fam.note()
	}
	return f
}

// passiveVerb: verb asks the server for a passive endpoint.
func passiveVerb(verb string) bool { return verb == "PASV" || verb == "EPSV" || verb == "LPSV" }

// passiveReplyCode is the reply that announces a passive verb's endpoint
// (227, 229, 228), or 0 for another verb.
func passiveReplyCode(verb string) int {
	switch verb {
	case "PASV":
		return 227
	case "EPSV":
		return 229
	case "LPSV":
		return 228
	}
	return 0
}

// bindExhaustedAdvice is the fix for vsftpd's "500 OOPS: vsf_sysutil_bind"
// to a passive request: widen the range (the server's configuration's,
// else the firewall's --pasv-range, else the span of the ports the server
// announced) and open the widened range, as passive-range-exhausted does.
func (d *Diagnoser) bindExhaustedAdvice(s *track.Session, fam family) string {
	var rng policy.PortRange
	from := ""
	switch a := d.server(s); {
	case fam.cfg != nil && len(fam.cfg.PassiveRange) > 0:
		rng, from = mainRange(fam.cfg.PassiveRange), "the server's range ("+fam.cfg.Path+")"
	case len(d.p.Ranges) > 0:
		rng, from = mainRange(d.p.Ranges), "the firewall's range (--pasv-range; the server's was not given: --server-config)"
	case a.passive.Distinct > 0:
		rng, from = policy.PortRange{Lo: a.passive.Min, Hi: a.passive.Max}, "the span of the ports it announced (its range was not given: --server-config)"
	}
	n := max(100, 4*rng.Len())
	wider := policy.PortRange{Lo: rng.Lo, Hi: uint16(min(int(rng.Lo)+n-1, 65535))}
	if wider.Len() < n {
		// A range at the top of the port space grows downwards.
		wider.Lo = uint16(max(1024, 65535-n+1))
	}
	if rng.Hi == 0 || wider.Len() <= rng.Len() {
		return "Widen the passive range (pasv_min_port/pasv_max_port in vsftpd.conf) to several ports per data connection the server runs at once (each port stays in TIME_WAIT for 60 s), open the widened range in the firewall, and restart vsftpd; or run fewer transfers in parallel." + fam.note()
	}
	return fmt.Sprintf("%s is %s (%d ports): widen it to at least %d ports (%s), open the widened range in the firewall (e.g. nft insert rule inet filter input tcp dport %d-%d ct state new accept), and restart vsftpd; or run fewer transfers in parallel.",
		upperFirst(from), rng, rng.Len(), wider.Len(), fam.rangeSetIn(wider), wider.Lo, wider.Hi) + fam.note()
}

// dataSourceTranslated explains vsftpd's "425 Security: Bad IP connecting"
// (and the same refusal by other servers): the data connection came from
// another address than the control connection. r is the reply to c, or
// sent unasked when c is nil (pyftpdlib); dc is the refused data
// connection, nil when unknown.
func (d *Diagnoser) dataSourceTranslated(s *track.Session, c *track.Command, r *track.Reply, dc *track.DataConn) *Finding {
	f := &Finding{Code: CodeDataSourceNAT, Severity: SeverityError, TS: r.TS, Data: dc}
	pk := []uint64{r.Num}
	ev := fmt.Sprintf("%q (packet %d), unasked", replyText(r), r.Num)
	if c != nil {
		pk = []uint64{c.Num, r.Num}
		ev = fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num)
	}
	ctl := s.Client.Addr()
	from := ""
	if dc != nil && dc.SYNs > 0 && dc.Passive {
		pk = append(pk, dc.SYNNum)
		ev = joinEvidence(ev, fmt.Sprintf("control connection from %s; data connection #%d from %s to %s (packet %d)", s.Client, dc.ID, dc.Client, dc.Server, dc.SYNNum))
		if dc.Client.Addr().Unmap() != ctl.Unmap() {
			from = dc.Client.Addr().String()
		}
	}
	f.Evidence, f.Packets = ev, packets(pk)
	fam := d.family(s)
	if from != "" && dc.Thief != nil {
		// The client's own SYN came from its control address after the
		// other host's connection, and was refused (track: takeTheft):
		// that host is not the client's NAT.
		f.Message = fmt.Sprintf("Another host, %s, connected to the announced port %s before the client %s (a passive port hijack attempt, RFC 2577, or a scanner); the server refused it as a possible hijack, rightly, and refused the client's own data connection too, since it had given the port away.", dc.Client, dc.Server, ctl)
		f.Advice = "Keep the server's source check (vsftpd pasv_promiscuous=NO, ProFTPD AllowForeignAddress off: the defaults): it stopped the hijack. Retry the transfer; if it happens again, find out who " + from + " is and block it, and protect the data connection with TLS (PROT P)."
		return f
	}
	if from != "" && Classify(ctl) == ClassPrivate && Classify(dc.Client.Addr()) == ClassPublic {
		// Control from a private address, data from a public one: not a
		// NAT that translates the client's data connections only.
		f.Message = fmt.Sprintf("The data connection reached the server from %s, a public address, while the control connection came from the private address %s: most likely another host connected to the announced port first (a passive port hijack attempt, RFC 2577, or a scanner), and the server refused it as a possible hijack.", from, ctl)
		f.Advice = "Keep the server's source check on (vsftpd pasv_promiscuous=NO, ProFTPD AllowForeignAddress off: the defaults): do not turn it off. If " + from + " is the client's own after all, keep one source address for both of its connections (one SNAT address per client)."
		return f
	}
	if from != "" && ownPrefixSource(s, dc) {
		// Another address of the client's own /64: its temporary
		// address, most likely, not a NAT (IPv6 rarely has one).
		f.ownPrefix = true
		f.Message = fmt.Sprintf("The data connection reached the server from %s, the control connection from %s: both in the same IPv6 /64, so most likely the client host itself opened the data connection from another of its addresses, %s. Less likely, another host on that network connected to the announced port, or a translator in front of the client uses several addresses. The server refused it as a possible hijack, so the transfer failed.", from, ctl, tempAddrWhy)
		f.Advice = "Fix it on the client: " + tempAddrFix + ". Only as a last resort on the server: " + fam.sourceCheckOff() + ", which lets anyone who guesses the port take the transfer."
		if fam.ownDataSettings() {
			f.Advice += fam.note()
		}
		return f
	}
	if clientSide, ok := hairpinDirect(s, dc); ok {
		// The TTLs show the two paths: the control connection through
		// the router, the data connection straight to the server. No
		// translator of data connections.
		f.hairpinDirect = true
		f.Message = "The server refused the data connection as a possible hijack because it came from another address than the control connection, and the capture shows why: " + hairpinDirectWhy(s, dc, clientSide) + "."
		f.Advice = hairpinDirectFix(s, dc, fam, clientSide) + ". Only as a last resort: " + fam.sourceCheckOff() + ", which lets anyone who guesses the port take the transfer."
		if fam.ownDataSettings() {
			f.Advice += fam.note()
		}
		return f
	}
	if from != "" && hairpinSource(s, dc) {
		// Client, server and the data connection's source on one
		// network, and the 227 named the public address: the router's
		// NAT loopback masquerading the client is the likelier reading,
		// but nothing on the wire shows that the source is the router.
		f.hairpin = true
		f.Message = fmt.Sprintf("The data connection reached the server from %s, the control connection from %s, both on the server's own network, and the 227 had sent the client to the public address %s: either the router's NAT loopback (hairpin NAT) brought the client's connection back masqueraded as the router's LAN address (is %s the router?), or another host connected to the announced port. The server refused it as a possible hijack.", from, ctl, dc.Announced.Addr(), from)
		f.Advice = fmt.Sprintf("Find out whether %s is the router's LAN address. If it is, give the clients on the server's own network its private address, so their data connections stay inside: ", from) + lanOrEPSV(fam, s.Server.Addr().Unmap(), "those clients") + " (their data connections then go to the control address directly); only as a last resort, " + fam.sourceCheckOff() + ", which lets anyone who guesses the port take the transfer. If it is not, the server was right to refuse it."
		f.Advice += fam.note()
		return f
	}
	if from != "" {
		f.Message = fmt.Sprintf("The data connection reached the server from %s, the control connection from %s: something between them translates the source of the data connection only (Docker's userland proxy, a load balancer, a CGNAT or proxy with several addresses), and the server refused it as a possible hijack.", from, ctl)
	} else {
		f.Message = "The server refused the data connection because it came from another address than the control connection (this capture does not show the data connection's source: it is not on the server's side of the translation): a proxy, load balancer, Docker's userland proxy or a CGNAT translates the data connection's source."
	}
	// The last resort in the words of the server's family: no
	// pasv_promiscuous for an IIS host.
	f.Advice = "Keep the client's source address the same for both connections: one SNAT address for the whole client (CGNAT/load balancer: address pooling \"paired\", sticky source), Docker: publish the ports without the userland proxy (\"userland-proxy\": false) or use host networking. Only if that is impossible: " + fam.sourceCheckOff() + ", which lets anyone who guesses the port take the transfer."
	if fam.ownDataSettings() {
		f.Advice += fam.note()
	}
	return f
}

// controlIdleLost finds a transfer whose data connection carried its data
// and closed normally while its final reply never arrived: the control
// connection stayed silent during the transfer and a NAT or firewall on
// the way forgot it. Only the client's side proves the loss (no 226); the
// server's side shows a 226 that the client never acts on.
func (d *Diagnoser) controlIdleLost(s *track.Session, c *track.Command) *Finding {
	if !ftp.IsTransfer(c.Verb) || len(c.Transfer) == 0 {
		return nil
	}
	dc := c.Transfer[len(c.Transfer)-1]
	if dc.Outcome != track.OutcomeTransferred || dc.EndReason != track.EndFIN || dc.End.IsZero() {
		return nil
	}
	// The last control message before the data ended: the 150, or the
	// command itself.
	last, lastNum := c.TS, c.Num
	for _, r := range c.Replies {
		if r.Code < 200 && r.TS.Before(dc.End) {
			last, lastNum = r.TS, r.Num
		}
	}
	silentDuring := dc.End.Sub(last)
	final := c.Final()
	ev := func() string { // only for a finding: most transfers raise none
		return fmt.Sprintf("%q (packet %d); last control message at packet %d; data connection #%d %s carried %s and closed normally after %s",
			commandText(c), c.Num, lastNum, dc.ID, endpointText(dc), plural(int(dc.TotalBytes()), "byte", "bytes"), dur(dc.Duration()))
	}
	switch {
	case final == nil && (c.Status == track.StatusNoReply || c.Status == track.StatusInterrupted) && !s.ClientFINAcked():
		// (The server acknowledged the client's close: the control
		// connection was alive both ways after the data; no NAT or
		// firewall between had forgotten it.)
		waited := s.WatchedUntil().Sub(dc.End)
		if waited < minReplyWait || silentDuring < minControlSilence {
			// Too short to tell a lost reply from a capture that stopped.
			return nil
		}
		f := &Finding{Code: CodeControlIdle, Severity: SeverityError, TS: dc.End, Data: nil, Packets: packets([]uint64{c.Num, lastNum, dc.SYNNum})}
		f.Evidence = joinEvidence(ev(), fmt.Sprintf("no final reply in the %s that followed; the session ended by %s", dur(waited), s.EndReason))
		f.Message = fmt.Sprintf("The data moved and its connection closed normally, but the transfer's final reply (226) never arrived: the control connection carried no FTP command or reply for %s while the data flowed (then %s more waiting), and a NAT or firewall on the path that forgets idle connections sooner than that dropped it, so the 226 died there.", dur(silentDuring), dur(waited))
		f.Advice = idleAdvice(silentDuring, d.family(s))
		return f
	case final != nil && final.Code/100 == 2 && !final.TS.Before(dc.End) && nothingAfter(s, c) && s.EndReason != track.EndFIN:
		// The reply was seen leaving; whether it arrived is in the TCP
		// acknowledgments after it (track.Session.ServerUnacked): a
		// client that acknowledged it got it and is only idle; bytes of
		// the server's left unacknowledged at the close are the reply
		// lost. Where the acknowledgments are not known, only a silence
		// past what NATs keep an idle connection makes the loss the
		// likelier reading.
		gap := final.TS.Sub(last)
		floor := natIdleFloor
		cut := resetAnsweredReply(s, final)
		switch {
		case cut:
			floor = minControlSilence
		case s.ServerUnacked == 0:
			return nil
		case s.ServerUnacked > 0:
			floor = minControlSilence
		}
		if gap < floor || !cut && s.WatchedUntil().Sub(final.TS) < minReplyWait {
			return nil
		}
		if cut {
			return replyResetIdle(s, c, final, gap, lastNum, dc.SYNNum, ev(), d.family(s))
		}
		f := &Finding{Code: CodeControlIdle, Severity: SeverityWarning, TS: final.TS, Packets: packets([]uint64{c.Num, lastNum, final.Num, dc.SYNNum})}
		f.Evidence = joinEvidence(ev(), fmt.Sprintf("%q (packet %d) after %s of control silence; no client command or close in the %s that followed; the session ended by %s",
			replyText(final), final.Num, dur(gap), dur(s.WatchedUntil().Sub(final.TS)), s.EndReason))
		f.Message = fmt.Sprintf("The server sent the final reply after the control connection had been silent for %s, longer than many NATs and firewalls keep an idle connection (Azure's NAT gateway 4 min, AWS's 350 s, many routers 300 s), and the client sent no command and did not close after it: a NAT or firewall that forgot the connection drops the %d, and the server then sends it again unanswered; a client that acknowledged it got it and is only idle. The TCP segments after packet %d tell which (or a capture on the client's side).", dur(gap), final.Code, final.Num)
		if s.ServerUnacked > 0 {
			f.Message = fmt.Sprintf("The server sent the final reply after the control connection had been silent for %s, and the client never acknowledged it (%s of the server's unacknowledged at the close), sent no command and did not close: seen from the server's side, that is a reply lost on the way, typically at a NAT or firewall that forgot the idle control connection (a capture on the client's side shows whether the %d arrived).",
				dur(gap), plural(int(s.ServerUnacked), "byte", "bytes"), final.Code)
			if v, _ := d.vantage(s); v != VantageServer {
				// A capture on the client's own host shows the same
				// when its own firewall forgot the connection.
				f.unplaced = true
				f.Message = fmt.Sprintf("The server sent the final reply after the control connection had been silent for %s, and the client never acknowledged it (%s of the server's unacknowledged at the close), sent no command and did not close. Where this capture was taken is not known: if at the server or on the path, that is a reply lost on the way, typically at a NAT or firewall that forgot the idle control connection (a capture on the client's side shows whether the %d arrived); if on the client's own host, the %d arrived and the client's own firewall dropped it, having forgotten the idle connection itself.",
					dur(gap), plural(int(s.ServerUnacked), "byte", "bytes"), final.Code, final.Code)
			}
		}
		f.Advice = idleAdvice(gap, d.family(s))
		return f
	}
	return nil
}

const (
	// minControlSilence: shorter silences are not what idle timeouts cut.
	minControlSilence = 2 * time.Second
	// minReplyWait: the capture must go on this long after the data
	// ended before a missing reply counts as lost.
	minReplyWait = 2 * time.Second
	// natIdleFloor: the shortest idle timeout for established TCP that
	// common NATs and firewalls use by default (Azure's NAT gateway and
	// load balancer 4 min; AWS's NAT gateway 350 s; many home routers
	// 300 s; Linux conntrack 5 days; RFC 5382 asks for 2 h 4 min). A
	// reply the server sent after a shorter silence is no sign of a
	// forgotten connection: the client that got it and sat idle looks
	// the same on the server's side.
	natIdleFloor = 240 * time.Second
)

// idleAdvice: the client's keepalive, the middlebox's timeout (a Linux
// NAT's sysctl: the NAT is the box in between, whatever the server's
// system) and the server's own idle timeout, in its family's words.
func idleAdvice(silent time.Duration, fam family) string {
	a := fmt.Sprintf("Keep the control connection alive during long transfers, or let it stay idle longer than %s: on the client, %s; on the NAT or firewall, raise the idle timeout for established TCP (Linux: sysctl net.netfilter.nf_conntrack_tcp_timeout_established, default 432000 s; many routers use 300 s or less); on the server, %s must exceed the longest transfer.", dur(silent), keepaliveAdvice(silent), fam.idleTimeout())
	if fam.ownDataSettings() {
		a += fam.note()
	}
	return a
}

// keepaliveAdvice is the client's keepalive for a control connection lost
// after silent: its interval must stay below the silence that was cut, so
// the usual 30-60 s only when that silence was two minutes or more, else
// at most half of it (whole seconds, at least 1), a guess said as one: the
// timeout is somewhere below the silence.
func keepaliveAdvice(silent time.Duration) string {
	if silent >= 2*time.Minute {
		return "TCP keepalive on the control socket or NOOP every 30-60 s (FileZilla: keep-alive; curl: --keepalive-time 30)"
	}
	n := max(int(silent/2/time.Second), 1)
	return fmt.Sprintf("TCP keepalive on the control socket or NOOP every %d s or less (FileZilla: keep-alive; curl: --keepalive-time %d): it was lost after %s of silence, so the timeout that cut it is shorter, by how much this capture cannot tell", n, n, dur(silent))
}

// nothingAfter reports whether the client sent no command after c (the
// session's transcript may not keep them all: the count says).
func nothingAfter(s *track.Session, c *track.Command) bool {
	return s.CommandCount <= c.Index
}

// unusualFinalReplies flags transfers the server ended with a 2yz that
// RFC 959 does not list for a completed transfer (its command-reply
// sequences, section 5.4, give 226 and 250 for RETR, STOR, STOU, APPE,
// LIST and NLST), and a 250 after which the client stopped as one that
// waits for a 226 does. A 250 the client took is no finding:
// z/OS answers every transfer so, as the RFC allows.
func (d *Diagnoser) unusualFinalReplies(s *track.Session) []*Finding {
	var out []*Finding
	st := d.state(s)
	for _, c := range s.Commands {
		if !ftp.IsTransfer(c.Verb) || len(c.Transfer) == 0 {
			continue
		}
		r := c.Final()
		if r == nil || r.Code/100 != 2 || r.Code == 226 {
			continue
		}
		dc := c.Transfer[len(c.Transfer)-1]
		if dc.Outcome != track.OutcomeTransferred && dc.Outcome != track.OutcomeConnected {
			continue
		}
		waited := s.WatchedUntil().Sub(r.TS)
		silent := nothingAfter(s, c) && waited >= minReplyWait
		// Silent, then the client's own reset with no QUIT: what a client
		// does when its wait for the 226 times out.
		gaveUp := silent && s.EndReason == track.EndRST && s.ClientClosed
		f := &Finding{Code: CodeUnusualFinalReply, Severity: SeverityInfo, Session: s, Command: c, TS: r.TS, Packets: packets([]uint64{c.Num, r.Num}),
			Evidence: fmt.Sprintf("%q (packet %d) -> %q (packet %d); data connection #%d %s", commandText(c), c.Num, replyText(r), r.Num, dc.ID, dc.Outcome)}
		// (The message names the code, not the command: the evidence
		// does, and a repeat of the finding in the session is written
		// "again, as above".)
		if r.Code == 250 {
			// Said only where the client stopped as one that waits for a
			// 226 stops, and never where it went on after an earlier 250
			// of the session (accepts250: it takes 250). Its own reset
			// without a QUIT (gaveUp) is the warning. After a silence
			// longer than a finished script keeps (hungSilence), the
			// server's idle timeout (an unsolicited 421, or its close) or
			// the client's close without a QUIT is info: a user who left
			// a finished client open, then closed it or let the server
			// time it out, ends it the same way. Nothing where the client
			// went on, or where the capture ended with the session open.
			const hungSilence = 30 * time.Second
			if !nothingAfter(s, c) || st.accepts250 {
				continue
			}
			closing := d.closingReply(s, c)
			ended := s.EndReason == track.EndFIN || s.EndReason == track.EndRST
			const clients = "(rust-ftp before 3.0, NetX Duo and several embedded clients wait for 226 only)"
			const cannotTell = "the capture cannot tell which, as no earlier 250 of this session was followed by a command (the client's own log tells)"
			switch {
			case gaveUp:
				f.Severity = SeverityWarning
				f.Message = fmt.Sprintf("The server ended a transfer with 250, which RFC 959 allows as well as 226, but this client sent nothing after it and reset the connection %s later, without a QUIT: what a client does when it gives up waiting for a 226 %s.", dur(waited), clients)
				f.Advice = "Make the client accept 250 as the end of a transfer, as RFC 959 allows (rust-ftp does from 3.0); where the client cannot be changed and the server can be told to, have the server answer 226."
				out = append(out, f)
				continue
			case closing != nil && closing.TS.Sub(r.TS) >= hungSilence:
				f.Message = fmt.Sprintf("The server ended a transfer with 250, which RFC 959 allows as well as 226, and this client sent nothing after it: silent for %s until the server closed the session (%q, packet %d). A client that waits for a 226 %s stops like this until the server's idle timeout, and so does one whose user left it open when done; %s.", dur(closing.TS.Sub(r.TS)), replyText(closing), closing.Num, clients, cannotTell)
			case closing == nil && ended && waited >= hungSilence && s.ClientClosed:
				f.Message = fmt.Sprintf("The server ended a transfer with 250, which RFC 959 allows as well as 226, and this client sent nothing after it, then closed the connection %s later, without a QUIT. A client whose wait for a 226 times out or whose user stops it %s does this, and so does one whose user closed it when done; %s.", dur(waited), clients, cannotTell)
			case closing == nil && ended && waited >= hungSilence:
				f.Message = fmt.Sprintf("The server ended a transfer with 250, which RFC 959 allows as well as 226, and this client sent nothing after it: silent for %s until the server closed the connection. A client that waits for a 226 %s stops like this until the server's idle timeout, and so does one whose user left it open when done; %s.", dur(waited), clients, cannotTell)
			default:
				continue
			}
			f.Advice = "If the client's log shows it still waiting for the transfer to end, make it accept 250 as the end of a transfer, as RFC 959 allows (rust-ftp does from 3.0), or, where the client cannot be changed and the server can be told to, have the server answer 226; if its user was done, nothing to change."
			out = append(out, f)
			continue
		}
		f.Message = fmt.Sprintf("The server ended a transfer with %d, not 226 or 250, the replies RFC 959 lists for a completed transfer: clients that wait for one of those hang there.", r.Code)
		switch {
		case !nothingAfter(s, c):
			f.Message += " This client went on, so it accepts it."
		case gaveUp:
			f.Severity = SeverityWarning
			f.Message += fmt.Sprintf(" This client sent nothing after it and reset the connection %s later, without a QUIT: what a client does when it gives up waiting for the reply it knows.", dur(waited))
		case silent:
			// A client that hangs waiting for a 226 and one whose user or
			// script was done are both silent after the reply (and both
			// acknowledge it): nothing on the wire tells them apart.
			f.Message += fmt.Sprintf(" This client sent no command after it in the %s until the session ended by %s: a client waiting for a 226 stops like this, and so does one whose user or script was done; the capture cannot tell which (the client's own log can).", dur(waited), s.EndReason)
		}
		f.Advice = fmt.Sprintf("Make the server answer a completed transfer with 226 (the reply every client knows), or make the client accept %d as the end of a transfer.", r.Code)
		out = append(out, f)
	}
	return out
}

// noteFinal250 notes, as c is reported, whether the client went on after
// a transfer the server ended with 250 (st.accepts250): a command sent
// after that 250 (its Seq later; one sent during the transfer is
// reported after it too). unusualFinalReplies reads it at the session's
// end, whatever the tracker kept of the commands (RecentOnly keeps few).
func (st *sessState) noteFinal250(c *track.Command) {
	if st.accepts250 {
		return
	}
	if st.final250Seq != 0 && c.Seq > uint64(st.final250Seq) {
		st.accepts250 = true
		return
	}
	if r := c.Final(); r != nil && r.Code == 250 && ftp.IsTransfer(c.Verb) && r.Seq == uint64(uint32(r.Seq)) {
		// (Past 2^32 commands, replies and events, none is noted:
		// the finding stays as without this.)
		st.final250Seq = uint32(r.Seq)
	}
}

// modeFallback notes a session in which one passive form failed and the
// other worked: EPSV dropped where PASV works (curl's "Failed EPSV
// attempt"), or the reverse. dc is the data connection that worked.
func (d *Diagnoser) modeFallback(s *track.Session, dc *track.DataConn) *Finding {
	if !dc.Passive || dc.Outcome != track.OutcomeTransferred && dc.Outcome != track.OutcomeConnected || dc.Announce == nil {
		return nil
	}
	st := d.state(s)
	if st.fallbackReported {
		return nil
	}
	epsv := dc.Via == ftp.ViaEPSV
	var failed *track.DataConn
	var refused *track.Command
	for _, x := range s.Data {
		if x == dc {
			break
		}
		// An inferred connection (Via 0: its announcement not seen) was
		// of no known form.
		if x.Passive && x.Via != 0 && (x.Via == ftp.ViaEPSV) != epsv && x.Outcome.Failed() && x.Outcome != track.OutcomeNotAttempted {
			failed = x
		}
	}
	if failed == nil && !epsv {
		refused = refusedEPSV(s, dc.Announce)
	}
	if failed == nil && refused == nil {
		return nil
	}
	st.fallbackReported = true
	f := &Finding{Code: CodeModeFallback, Severity: SeverityWarning, TS: when(dc), Data: dc}
	worked, pk := announcement(dc)
	pk = append(pk, dc.SYNNum)
	var what string
	if failed != nil {
		att, apk := attemptEvidence(failed)
		pk = append(pk, apk...)
		what = fmt.Sprintf("data connection #%d (%s %s): %s", failed.ID, failed.ViaName(), failed.Server, att)
	} else {
		r := refused.Final()
		pk = append(pk, refused.Num, r.Num)
		what = fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(refused), refused.Num, replyText(r), r.Num)
	}
	f.Evidence = joinEvidence(what, "then "+worked, fmt.Sprintf("data connection #%d %s", dc.ID, dc.Outcome))
	f.Packets = packets(pk)
	fam := d.family(s)
	if epsv {
		f.Message = fmt.Sprintf("PASV failed here (%s) and EPSV to the same server worked.", failed.Outcome)
		f.Advice = fmt.Sprintf("While the server side is fixed, make the client use EPSV (lftp: set ftp:prefer-epsv yes; curl uses EPSV first unless --disable-epsv). PASV fails where the 227's address is wrong (see nat-mismatch: %s) or where a middlebox handles only EPSV's ports.", fam.addrNameIn()) + fam.note()
		return f
	}
	if failed == nil {
		// A refusal costs the client one round trip; a filtered port costs
		// it its whole connect timeout. The server said no before any data
		// connection: nothing on the path is involved, and the firewall
		// advice below is not for it.
		f.Severity = SeverityInfo
		f.Message, f.Advice = epsvRefusedFallback(s, dc, refused, fam)
		return f
	}
	f.Message = fmt.Sprintf("EPSV's data connection failed (%s: %s) and PASV to the same server worked: the port EPSV announced is dropped where PASV's gets through (a NAT, load balancer or NAT64 that forwards only what its ALG learnt from a 227, or a firewall opening ports per PASV).", failed.Outcome, failed.Server)
	f.Advice = fmt.Sprintf("While the server side is fixed, make the client use PASV: curl --disable-epsv, lftp uses PASV already unless ftp:prefer-epsv is set to yes (set ftp:prefer-epsv no), FileZilla's transfer mode \"Passive\" with EPSV off, Python ftplib uses PASV on IPv4. On the server side, EPSV hands out ports from the same passive range (%s): forward and open that whole range statically on every hop, which needs no ALG.", fam.rangeNameIn()) + fam.note()
	return f
}

// epsvAllIgnored notes c, a PORT, EPRT, LPRT, PASV or LPSV the server
// accepted after it had accepted the client's EPSV ALL (sessMore.epsvAll):
// RFC 2428 (section 4) has the client send none after it and the server
// refuse them, and a NAT device or firewall may rely on that, reading no
// PORT or 227 after an EPSV ALL, so translating and opening nothing for
// them. Info; a warning when dc, the data connection c armed, failed.
// Once per session and severity: at the Data call of the connection c
// armed, or at c's own when it armed none. Nothing when the EPSV ALL was
// refused, or c's reply was paired across a gap (it may be a later
// command's).
func (d *Diagnoser) epsvAllIgnored(s *track.Session, c *track.Command, dc *track.DataConn) *Finding {
	st := d.state(s)
	if c == nil || c.Secret || c.Unseen || st.more == nil || st.more.epsvAll.seq == 0 || c.Seq <= st.more.epsvAll.seq {
		return nil
	}
	if c.Verb == "EPSV" || !ftp.IsAnnounce(c.Verb) {
		return nil
	}
	r := c.Final()
	if r == nil || r.Code/100 != 2 || c.Refused || pairedAcrossGap(st, c, r) {
		return nil
	}
	// A connection never tried for lack of a transfer is no failure.
	failed := dc != nil && dc.Outcome.Failed() && (dc.Outcome != track.OutcomeNotAttempted || dc.Command != nil)
	sev := SeverityInfo
	if failed {
		sev = SeverityWarning
	}
	m := st.more
	if m.epsvAll.said[sev] {
		return nil
	}
	m.epsvAll.said[sev] = true
	f := &Finding{Code: CodeEPSVAllIgnored, Severity: sev, TS: r.TS}
	pk := []uint64{m.epsvAll.num, c.Num, r.Num}
	ev := []string{
		fmt.Sprintf("\"EPSV ALL\" -> %q (packet %d)", m.epsvAll.reply, m.epsvAll.num),
		fmt.Sprintf("then %q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num),
	}
	if dc != nil {
		f.TS = when(dc)
		ev = append(ev, fmt.Sprintf("data connection #%d %s", dc.ID, dc.Outcome))
	}
	f.Evidence = joinEvidence(ev...)
	f.Packets = packets(pk)
	f.Message = fmt.Sprintf("The client sent %s after the server had accepted its EPSV ALL, and the server accepted it: RFC 2428 (section 4) has the client use only EPSV after EPSV ALL and the server refuse the other forms, and a NAT device or firewall that relies on it reads no PORT or 227 after EPSV ALL, so it would neither translate nor open this one's endpoint.", c.Verb)
	if failed {
		f.Message += fmt.Sprintf(" Its data connection #%d failed (%s), as it would through such a device.", dc.ID, dc.Outcome)
		f.Advice = "Keep the client to EPSV after its EPSV ALL, or have it not send EPSV ALL; the data connection's own finding tells what the path did with it."
		return f
	}
	f.Advice = "Nothing failed here. Still, keep the client to EPSV after its EPSV ALL (or have it not send EPSV ALL): through a NAT device or firewall that relies on EPSV ALL, this would fail."
	return f
}

// --- FTP bounce --------------------------------------------------------

// bounceRec is one PORT/EPRT/LPRT naming a host other than the client.
type bounceRec struct {
	cmd    *track.Command
	target netip.AddrPort
	state  string // what became of it: "refused by the server", "never answered", or the data outcome
	dc     *track.DataConn
	// several: a private address that is another host only because the
	// session's PORTs name several such hosts (bounceTarget).
	several bool
	// answered: a private address named by a client seen at a private
	// address, another host because a service's port of it answered the
	// server's connection (answeredService): the one host it may still
	// be is the client itself, routed to beside the NAT its control
	// connection comes through.
	answered bool
	// toClient: the server connected to the client's own control
	// address, not to the one named (toClientAddr): no other host was
	// contacted.
	toClient bool
	// otherFamily: the one rule that makes the target another host is
	// its address family (dualStackOwn): a dual-stack client may name its
	// own address of the other family.
	otherFamily bool
}

// maxBounces bounds the bounce attempts kept per session; beyond it they
// are counted only.
const maxBounces = 4096

// hostRule is which address rule makes a named host other than the client.
type hostRule uint8

const (
	hostClient      hostRule = iota // the client's own address, or no rule says otherwise
	hostOtherFamily                 // the other address family
	hostUnroutable                  // public, loopback, unspecified or link-local
	hostClientNet                   // another host of the client's network
	hostServer                      // the server's own address
	hostServerNet                   // a host of the server's network
)

// namedHost applies the address rules to a host a PORT names. A private
// or CGNAT address no rule names may be the client's own behind a NAT
// (natActive); bounceTarget adds what the rest of the session proves.
func namedHost(s *track.Session, addr netip.Addr) hostRule {
	addr, cli, srv := addr.Unmap(), s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	if addr == cli {
		return hostClient
	}
	switch cls := Classify(addr); {
	case addr.Is4() != cli.Is4():
		return hostOtherFamily
	case cls == ClassPublic, cls == ClassLoopback, cls == ClassUnspecified, cls == ClassLinkLocal:
		return hostUnroutable
	case Local(cli) && SameNet(addr, cli):
		return hostClientNet
	case addr == srv:
		return hostServer
	case SameNet(addr, srv):
		// A client behind a NAT announces an address of its own network;
		// the client's control connection does not come from the server's
		// (the case above), so this one is not the client's.
		return hostServerNet
	}
	return hostClient
}

// bounceReasons says why a named endpoint is not the client, from the
// addresses alone: another host (a bounce), or a privileged port of the
// client itself (reported apart).
func bounceReasons(s *track.Session, a netip.AddrPort) (foreign string, privileged bool) {
	addr, cli := a.Addr().Unmap(), s.Client.Addr().Unmap()
	switch namedHost(s, addr) {
	case hostOtherFamily:
		foreign = fmt.Sprintf("names %s, of the other address family than the client's %s", addr, cli)
	case hostUnroutable:
		foreign = fmt.Sprintf("names %s (%s), not the client's %s", addr, describeTarget(addr), cli)
	case hostClientNet:
		foreign = fmt.Sprintf("names %s, another host on the client's network, not the client's %s", addr, cli)
	case hostServer:
		foreign = fmt.Sprintf("names %s, the server's own address, not the client's %s", addr, cli)
	case hostServerNet:
		foreign = fmt.Sprintf("names %s, a host in the server's own network %s, not the client's %s", addr, guessedNet(s.Server.Addr()), cli)
	}
	return foreign, a.Port() < 1024
}

// describeTarget names the class of an address a PORT names, as
// Classify's Describe does, but with the addresses no host has that
// Classify counts as public: the limited broadcast address, a multicast
// group, IPv4's reserved 240.0.0.0/4 (RFC 1112).
func describeTarget(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the limited broadcast address"
	case a.IsMulticast():
		return "a multicast address"
	case a.Is4() && a.As4()[0] >= 240:
		return "a reserved address, in 240.0.0.0/4"
	}
	return Classify(a).Describe(a)
}

// natCandidate reports whether addr is what a client behind a NAT that
// does not rewrite PORT announces: a private or CGNAT address of the
// client's family, not the client's, that no address rule calls another
// host.
func natCandidate(s *track.Session, addr netip.Addr) bool {
	addr = addr.Unmap()
	if cls := Classify(addr); cls != ClassPrivate && cls != ClassCGNAT {
		return false
	}
	return addr != s.Client.Addr().Unmap() && namedHost(s, addr) == hostClient
}

// externalCandidate reports whether addr, which a PORT/EPRT/LPRT names,
// may be the public address of the NAT in front of the client, which a
// client is set to announce (FileZilla's and WinSCP's active-mode
// external IP, lftp's ftp:port-ipv4): a public address a host may have
// (none of describeTarget's others), of the client's family, neither the
// client's nor the server's, named by a client seen at a private or CGNAT
// address that talks to a public server. Such a client reaches a public
// server through a NAT, unless its network routes private addresses (a
// lab, a VPN, a capture at the server): natExternal asks the capture's
// side.
func externalCandidate(s *track.Session, addr netip.Addr) bool {
	addr, cli, srv := addr.Unmap(), s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	if addr == cli || addr == srv || addr.Is4() != cli.Is4() || Local(srv) ||
		Classify(addr) != ClassPublic || describeTarget(addr) != ClassPublic.Describe(addr) {
		return false
	}
	cls := Classify(cli)
	return cls == ClassPrivate || cls == ClassCGNAT
}

// externalAt reports whether addr is an externalCandidate in a capture
// taken on the client's side (vantage), that the capture does not show
// as a host's (seenAsHost): there a private client talking to a public
// server has a NAT in front of it, whose public address its PORT may
// name, and that address appears in no packet (the NAT rewrites it
// beyond the capture point).
func (d *Diagnoser) externalAt(s *track.Session, addr netip.Addr) bool {
	return d.externalSide(s, addr) && d.seenAsHost(s, addr) == ""
}

// seenAsHost says what this capture shows addr, an externalCandidate of
// s, as, when it shows it as a host's own address: the server of a
// session (open, or one of the servers summed up), the client of another
// session, or, in the open sessions of s's client address (an FXP
// transfer's other server is one of them), a passive address a server
// announced or an end of a data connection the capture saw; "" when none.
// Of the open sessions, the first by ID that shows it is named. What the
// open sessions show is kept as they start and end and as their commands
// and data connections are reported (hostsShown): a look reads a few
// entries, whatever the count of open sessions and of their data
// connections, and whatever the tracker keeps of them.
func (d *Diagnoser) seenAsHost(s *track.Session, addr netip.Addr) string {
	addr, cli := addr.Unmap(), s.Client.Addr().Unmap()
	h := d.hostIndex()
	var (
		by   *track.Session
		what string
	)
	if l := h.server[addr]; len(l) > 0 {
		h.reads++
		by, what = l[0], fmt.Sprintf("the server of session %d", l[0].ID)
	}
	for _, x := range h.client[addr] {
		h.reads++
		if x == s {
			continue
		}
		if by == nil || x.ID < by.ID {
			by, what = x, fmt.Sprintf("the client of session %d", x.ID)
		}
		break
	}
	if e, x := h.dataLook(cli, addr); x != nil && (by == nil || x.ID < by.ID) {
		by = x
		if e.passive {
			what = fmt.Sprintf("the passive-mode address the server of session %d announced", x.ID)
		} else {
			what = fmt.Sprintf("an end of data connection #%d (session %d)", e.dc, x.ID)
		}
	}
	if by != nil {
		return what
	}
	if d.bounces.servers.has(d.servers, addr) {
		return "a server this capture holds sessions with"
	}
	if d.capture != nil && d.capture.spoke.has(addr) {
		return "a client this capture holds sessions of"
	}
	return ""
}

// dataLook is the first open session of client address cli, by ID,
// whose data connections showed addr, and the first of them that did
// (hostShown): among those reported, and those announced and not yet
// reported (pending: one in progress shows its ends before it is).
func (h *hostsShown) dataLook(cli, addr netip.Addr) (hostShown, *track.Session) {
	var (
		best hostShown
		by   *track.Session
	)
	if l := h.data[[2]netip.Addr{cli, addr}]; len(l) > 0 {
		by = l[0]
		for _, e := range h.shown[by] {
			h.reads++
			if e.addr == addr {
				best = e
				break
			}
		}
	}
	for _, dc := range h.pending[cli] {
		h.reads++
		e := hostShown{addr: addr, dc: dc.ID}
		switch {
		case dc.Passive && dc.Announced.Addr().Unmap() == addr:
			e.passive = true
		case dc.Seen() && (dc.Server.Addr().Unmap() == addr || dc.Client.Addr().Unmap() == addr):
		default:
			continue
		}
		if x := dc.Session; by == nil || x.ID < by.ID || x == by && e.before(best) {
			best, by = e, x
		}
	}
	return best, by
}

// before reports whether e names an earlier data connection than o, or
// the same as the passive-mode address where o names it as an end.
func (e hostShown) before(o hostShown) bool {
	return e.dc < o.dc || e.dc == o.dc && e.passive && !o.passive
}

// maxPendingLook bounds the data connections per client address that
// were announced and are not yet reported which hostsShown holds for
// each look to read (an end of one in progress); past it the oldest is
// let go, and what it shows counts once it is reported.
const maxPendingLook = 32

// maxHostsShown bounds the addresses one session's data connections
// showed that hostsShown keeps: a session's connections show its
// server's data address, perhaps a NAT's, an FXP transfer's other
// server; past it one more is not kept, and a PORT of another session
// of the client naming it is not told another host by it.
const maxHostsShown = 16

// hostsShown is what seenAsHost looks up, kept as facts arrive: the open
// sessions by server address and by client address, in ID order (made
// at the first look from the open sessions, then kept as sessions start
// and end); and, per client address seen at a private or CGNAT address
// (the only clients whose PORTs seenAsHost is asked about), the public
// addresses its open sessions' data connections showed as a host's, in
// the sessions' ID order, with what showed it (shown).
type hostsShown struct {
	built          bool
	server, client map[netip.Addr][]*track.Session
	data           map[[2]netip.Addr][]*track.Session // (client address, address shown)
	shown          map[*track.Session][]hostShown     // at most maxHostsShown per session
	// pending: per client address, its open sessions' data connections
	// announced and not yet reported, at most maxPendingLook, the
	// oldest first: whether one in progress shows an address as an end
	// is read at each look.
	pending map[netip.Addr][]*track.DataConn
	// reads: the entries the looks read, for the tests that count the
	// work of a look.
	reads int
}

// hostShown is one public address a session's data connections showed:
// the first data connection that did (its number), and whether as the
// passive-mode address its server announced (else as an end of it).
type hostShown struct {
	addr    netip.Addr
	dc      int
	passive bool
}

// hostIndex is d's hostsShown, its tables of open sessions made at the
// first look.
func (d *Diagnoser) hostIndex() *hostsShown {
	h := &d.hosts
	if !h.built {
		h.built = true
		h.server, h.client = map[netip.Addr][]*track.Session{}, map[netip.Addr][]*track.Session{}
		for x := range d.sess {
			h.opened(x)
		}
	}
	return h
}

// opened adds x, an open session, to the tables of open sessions.
func (h *hostsShown) opened(x *track.Session) {
	a := x.Server.Addr().Unmap()
	h.server[a] = addOpen(h.server[a], x)
	a = x.Client.Addr().Unmap()
	h.client[a] = addOpen(h.client[a], x)
}

// ended takes x, a session that ended, out of every table.
func (h *hostsShown) ended(x *track.Session) {
	if h.built {
		dropFrom(h.server, x.Server.Addr().Unmap(), x)
		dropFrom(h.client, x.Client.Addr().Unmap(), x)
	}
	if l, ok := h.pending[x.Client.Addr().Unmap()]; ok {
		l = slices.DeleteFunc(l, func(dc *track.DataConn) bool { return dc.Session == x })
		if len(l) == 0 {
			delete(h.pending, x.Client.Addr().Unmap())
		} else {
			h.pending[x.Client.Addr().Unmap()] = l
		}
	}
	if l, ok := h.shown[x]; ok {
		cli := x.Client.Addr().Unmap()
		for _, e := range l {
			dropFrom(h.data, [2]netip.Addr{cli, e.addr}, x)
		}
		delete(h.shown, x)
	}
}

// noteAnnounced notes dc, the data connection c, a command of s,
// armed, and what it shows yet (noteData); until it is reported (Data),
// each look reads what it shows (pending).
func (h *hostsShown) noteAnnounced(s *track.Session, dc *track.DataConn) {
	if dc == nil || !privateClient(s) {
		return
	}
	h.noteData(s, dc)
	cli := s.Client.Addr().Unmap()
	l := h.pending[cli]
	if slices.Contains(l, dc) {
		return
	}
	if len(l) >= maxPendingLook {
		l[0] = nil
		l = l[1:]
	}
	if h.pending == nil {
		h.pending = map[netip.Addr][]*track.DataConn{}
	}
	h.pending[cli] = append(l, dc)
}

// reported notes what dc, a data connection of s reported, shows, and
// lets it go from pending.
func (h *hostsShown) reported(s *track.Session, dc *track.DataConn) {
	if !privateClient(s) {
		return
	}
	h.noteData(s, dc)
	cli := s.Client.Addr().Unmap()
	if l := h.pending[cli]; len(l) > 0 {
		if i := slices.Index(l, dc); i >= 0 {
			if len(l) == 1 {
				delete(h.pending, cli)
			} else {
				h.pending[cli] = slices.Delete(l, i, i+1)
			}
		}
	}
}

// privateClient reports whether s's client is seen at a private or
// CGNAT address: only such a client's PORTs are looked up (seenAsHost
// is asked about externalCandidates).
func privateClient(s *track.Session) bool {
	cls := Classify(s.Client.Addr())
	return cls == ClassPrivate || cls == ClassCGNAT
}

// noteData notes what dc, a data connection of s, shows as a host's:
// the passive-mode address its server announced, and, when the capture
// saw it, its ends.
func (h *hostsShown) noteData(s *track.Session, dc *track.DataConn) {
	if dc == nil {
		return
	}
	if dc.Passive {
		h.note(s, dc.Announced.Addr(), dc.ID, true)
	}
	if dc.Seen() {
		h.note(s, dc.Server.Addr(), dc.ID, false)
		h.note(s, dc.Client.Addr(), dc.ID, false)
	}
}

// note notes that data connection number dc of s showed addr, as the
// passive-mode address announced or as an end: of a session's data
// connections the first that showed it is kept, and of one that showed
// it both ways, as announced.
func (h *hostsShown) note(s *track.Session, addr netip.Addr, dc int, passive bool) {
	addr = addr.Unmap()
	if Classify(addr) != ClassPublic {
		return
	}
	l := h.shown[s]
	for i := range l {
		if e := &l[i]; e.addr == addr {
			if n := (hostShown{addr: addr, dc: dc, passive: passive}); n.before(*e) {
				*e = n
			}
			return
		}
	}
	if len(l) >= maxHostsShown {
		return
	}
	if h.shown == nil {
		h.shown, h.data = map[*track.Session][]hostShown{}, map[[2]netip.Addr][]*track.Session{}
	}
	h.shown[s] = append(l, hostShown{addr: addr, dc: dc, passive: passive})
	k := [2]netip.Addr{s.Client.Addr().Unmap(), addr}
	h.data[k] = addOpen(h.data[k], s)
}

// addOpen adds x to l, open sessions in ID order.
func addOpen(l []*track.Session, x *track.Session) []*track.Session {
	if n := len(l); n == 0 || l[n-1].ID < x.ID {
		return append(l, x) // (sessions start in ID order)
	}
	i, _ := slices.BinarySearchFunc(l, x.ID, func(y *track.Session, id int) int { return cmp.Compare(y.ID, id) })
	return slices.Insert(l, i, x)
}

// dropFrom takes x out of m[k], open sessions in ID order, and k out of
// m once none is left. Sessions mostly end in the order they started,
// or the latest first: either costs no copy.
func dropFrom[K comparable](m map[K][]*track.Session, k K, x *track.Session) {
	l := m[k]
	i, _ := slices.BinarySearchFunc(l, x.ID, func(y *track.Session, id int) int { return cmp.Compare(y.ID, id) })
	for i < len(l) && l[i] != x && l[i].ID == x.ID {
		i++
	}
	switch {
	case i >= len(l) || l[i] != x:
		return
	case len(l) == 1:
		delete(m, k)
		return
	case i == 0:
		l[0] = nil // (let the session go)
		l = l[1:]
	default:
		l = slices.Delete(l, i, i+1)
	}
	m[k] = l
}

// natExternal reports whether a, which a PORT/EPRT/LPRT names, is most
// likely the public address of the NAT in front of the client, set in the
// client, and no other host (externalAt): a port a client listens on
// (1024 up); the session names no other public host (a client announces
// one public address, its NAT's), nor, unless a connection for a came
// through to the client, did another session of this client address
// name another one taken for its NAT's (bounceClients.noteExternal); and
// what the session's connections for that address show agrees
// (externalSigns): one arrived at the client, or the server reported it
// could not connect while no SYN came through, and none contradicts it.
// The server sees the control connection come from that
// address too, so it is no bounce, and a stock server accepts it. Ports
// from 1024 up that services use (servicePort) do not count against it:
// the range a client is set to listen on may hold some (6000-7000 holds
// 6379 and 6443). Nor does the count of ports named: a client that
// transfers many files names a port for each, and one whose router
// forwards none fails each time. (The look through the capture's
// sessions, seenAsHost, comes last: a scan's PORTs fail a cheaper test
// first.)
func (d *Diagnoser) natExternal(s *track.Session, a netip.AddrPort) bool {
	return d.natExternalSeen(s, a, nil)
}

// natExternalSeen is natExternal with seenAsHost's answer for a's
// address, when the caller has it (seen non-nil; the caller checked
// externalSide too): each look is made once.
func (d *Diagnoser) natExternalSeen(s *track.Session, a netip.AddrPort, seen *string) bool {
	if a.Port() < 1024 || seen == nil && !d.externalSide(s, a.Addr()) {
		return false
	}
	if other, _ := d.otherExternal(s, a.Addr()); other.IsValid() {
		return false
	}
	e := d.externalSigns(s, a.Addr())
	if e.against || !e.arrived && !e.failed {
		return false
	}
	if other, _ := d.bounces.otherExternal(s, a.Addr(), d.externalTimes); other.IsValid() && !e.arrived {
		return false
	}
	if seen == nil {
		w := d.seenAsHost(s, a.Addr())
		seen = &w
	}
	if *seen != "" {
		return false
	}
	// The client's NAT's, as far as this capture shows: another
	// session of this client naming another one soon after shows both
	// other hosts.
	d.bounces.noteExternal(s, a.Addr(), d.externalTimes)
	return true
}

// externalWindow is how close in time the PORTs of two sessions of one
// client naming two public addresses taken for its NAT's must come to
// make both other hosts (bounceClients.otherExternal): a scan spread
// over sessions names its hosts seconds or minutes apart, while the
// public address of a client's NAT changes rarely (a PPPoE or DHCP
// lease renewed), and a client set to announce it then names the new
// one.
const externalWindow = 10 * time.Minute

// externalTimes is when s's PORT/EPRT/LPRT commands naming addr, among
// its first maxHostLook kept commands, came: the first and the latest;
// zero when none did.
func (d *Diagnoser) externalTimes(s *track.Session, addr netip.Addr) (first, last time.Time) {
	addr = addr.Unmap()
	m := d.portsNamed(s)
	if m == nil || !externalCandidate(s, addr) {
		return timesIn(s.Commands[:min(len(s.Commands), maxHostLook)], addr, &d.bounces.portReads)
	}
	tracked := false
	for _, e := range m.ext {
		if e.addr == addr {
			first, last, tracked = e.first, e.last, true
		}
	}
	if !tracked && m.ext[1].addr.IsValid() {
		// A third one, which the memo does not follow.
		return timesIn(s.Commands[:min(len(s.Commands), maxHostLook)], addr, &d.bounces.portReads)
	}
	f, l := timesIn(m.tail(s), addr, &d.bounces.portReads)
	if first.IsZero() {
		first = f
	}
	if !l.IsZero() {
		last = l
	}
	return first, last
}

// timesIn is when the PORT/EPRT/LPRT commands of cs naming addr came:
// the first and the latest; zero when none did. reads counts the
// commands read.
func timesIn(cs []*track.Command, addr netip.Addr, reads *int) (first, last time.Time) {
	for _, c := range cs {
		*reads++
		if !activeEndpoint(c) || c.Endpoint.Addr().Unmap() != addr {
			continue
		}
		if first.IsZero() {
			first = c.TS
		}
		last = c.TS
	}
	return first, last
}

// portsNamed is what the PORTs, EPRTs and LPRTs among a session's first
// maxHostLook kept commands name, for otherExternal, otherCandidate and
// externalTimes: the first two distinct externalCandidates and
// natCandidates, with the first command naming each and when the
// commands naming each came. Each command is read once, as it comes,
// not again for each PORT of the session: those read are the ones
// before the latest (the latest line may yet turn out to have had two
// copies) and before any whose line had (its endpoint may still change:
// conflict.go); those from there on are read at each look (tail). The
// tracker only appends to a session's commands, or takes some out
// (RecentOnly), which the last one read no longer being in its place
// shows: then all are read again.
type portsNamed struct {
	n        int            // s.Commands[:n] read
	last     *track.Command // s.Commands[n-1]
	ext, nat namedTwo
}

// namedTwo is the first two distinct addresses of a kind a session's
// PORTs named.
type namedTwo [2]namedAt

// namedAt is one address a session's PORTs named: the first command
// naming it, and when the first and the latest did.
type namedAt struct {
	addr        netip.Addr
	cmd         *track.Command
	first, last time.Time
}

// portsNamed is s's portsNamed, brought up to date; nil for a session
// not open (its commands are read as they stand).
func (d *Diagnoser) portsNamed(s *track.Session) *portsNamed {
	if d.sess[s] == nil {
		return nil
	}
	b := &d.bounces
	m := b.ports[s]
	if m == nil {
		if b.ports == nil {
			b.ports = map[*track.Session]*portsNamed{}
		}
		m = &portsNamed{}
		b.ports[s] = m
	}
	if m.n > len(s.Commands) || m.n > 0 && s.Commands[m.n-1] != m.last {
		*m = portsNamed{}
	}
	for end := min(len(s.Commands)-1, maxHostLook); m.n < end; m.n++ {
		c := s.Commands[m.n]
		if c.Conflict != nil {
			break
		}
		b.portReads++
		m.last = c
		if !activeEndpoint(c) {
			continue
		}
		t := c.Endpoint.Addr().Unmap()
		if externalCandidate(s, t) {
			m.ext.add(t, c)
		}
		if natCandidate(s, t) {
			m.nat.add(t, c)
		}
	}
	return m
}

// tail is the commands of s among its first maxHostLook that m has not
// read.
func (m *portsNamed) tail(s *track.Session) []*track.Command {
	return s.Commands[m.n:max(m.n, min(len(s.Commands), maxHostLook))]
}

// add notes that c names t.
func (l *namedTwo) add(t netip.Addr, c *track.Command) {
	for i := range l {
		switch e := &l[i]; {
		case e.addr == t:
			e.last = c.TS
			return
		case !e.addr.IsValid():
			*e = namedAt{addr: t, cmd: c, first: c.TS, last: c.TS}
			return
		}
	}
}

// other is the first of l other than addr, after which tail is read for
// one that is (of the kind cand tells): the first address other than
// addr that the commands named, and the command.
func (l *namedTwo) other(addr netip.Addr, tail []*track.Command, cand func(netip.Addr) bool, reads *int) (netip.Addr, *track.Command) {
	for _, e := range l {
		if e.addr.IsValid() && e.addr != addr {
			return e.addr, e.cmd
		}
	}
	return otherIn(tail, addr, cand, reads)
}

// otherIn is the first address other than addr, of the kind cand tells,
// that a PORT/EPRT/LPRT of cs names, and that command.
func otherIn(cs []*track.Command, addr netip.Addr, cand func(netip.Addr) bool, reads *int) (netip.Addr, *track.Command) {
	for _, c := range cs {
		*reads++
		if !activeEndpoint(c) {
			continue
		}
		if t := c.Endpoint.Addr().Unmap(); t != addr && cand(t) {
			return t, c
		}
	}
	return netip.Addr{}, nil
}

// externalSide reports whether addr is an externalCandidate in a capture
// taken on the client's side (vantage): externalAt but for seenAsHost.
func (d *Diagnoser) externalSide(s *track.Session, addr netip.Addr) bool {
	if !externalCandidate(s, addr) {
		return false
	}
	v, _ := d.vantage(s)
	return v == VantageClient
}

// externalEvidence is what a session's connections for the PORTs naming
// one public address show of it (externalSigns).
type externalEvidence struct {
	// arrived: a connection for one came through to the client, on whose
	// side of its NAT the capture is: that NAT forwards the port.
	arrived bool
	// failed: the server reported it could not connect for one (a 425),
	// and no SYN of it came through: what a NAT that does not forward
	// the port gives, and a bounce to a host that does not answer too.
	failed bool
	// against: something a NAT's own address does not give: a port below
	// 1024, a refusal of the PORT (a stock server refuses a PORT naming
	// another address than the control connection's, and the NAT's is
	// the control connection's), a transfer the server reported made
	// while no SYN came through to the client (the NAT would have
	// delivered it past the capture point), or a SYN the capture saw go
	// to another address than the client's.
	against bool
}

// externalSigns reads externalEvidence for addr from s's PORT/EPRT/LPRT
// commands naming it, among its first maxHostLook kept commands. What
// the leading commands whose part can no longer change gave is kept
// (signsMemo), so that a session's many PORTs are not read again for
// each.
func (d *Diagnoser) externalSigns(s *track.Session, addr netip.Addr) externalEvidence {
	addr = addr.Unmap()
	b := &d.bounces
	m := b.signs[s]
	if m == nil || m.addr != addr || m.upTo > len(s.Commands) || m.upTo > 0 && s.Commands[m.upTo-1] != m.last {
		// Another address, or commands dropped from the front
		// (RecentOnly): read them all again.
		if m == nil {
			if len(b.signs) >= 2*len(d.sess)+16 {
				for x := range b.signs {
					if _, open := d.sess[x]; !open {
						delete(b.signs, x)
					}
				}
			}
			if b.signs == nil {
				b.signs = map[*track.Session]*signsMemo{}
			}
			m = &signsMemo{}
			b.signs[s] = m
		}
		*m = signsMemo{addr: addr}
	}
	e, settled := m.e, true
	for i := m.upTo; i < min(len(s.Commands), maxHostLook); i++ {
		c := s.Commands[i]
		final := d.externalSign(s, c, addr, &e)
		if settled = settled && final; settled {
			m.e, m.upTo, m.last = e, i+1, c
		}
	}
	return e
}

// signsMemo is what externalSigns read of one session's leading commands
// for one address: their evidence, while none of them can change it.
type signsMemo struct {
	addr netip.Addr
	upTo int            // the commands read: s.Commands[:upTo]
	last *track.Command // s.Commands[upTo-1], to see commands dropped
	e    externalEvidence
}

// externalSign adds what c, one of s's commands, shows of addr to e
// (externalSigns), and reports whether that part is final: c's
// replies, and its data connection's outcome, are in.
func (d *Diagnoser) externalSign(s *track.Session, c *track.Command, addr netip.Addr, e *externalEvidence) (final bool) {
	if !activeEndpoint(c) || c.Endpoint.Addr().Unmap() != addr {
		return true
	}
	if c.Endpoint.Port() < 1024 {
		e.against = true
		return true
	}
	dc := c.Data
	if dc == nil {
		if r := c.Final(); r != nil && r.Code >= 400 {
			// A server that connects at the PORT answers it with its
			// failure (connectBackAnswer); any other is a refusal.
			e.failed = e.failed || connectBackAnswer(c)
			e.against = e.against || !connectBackAnswer(c)
			return true
		}
		return false
	}
	done := dc.Outcome != track.OutcomePending
	if dc.Seen() {
		if dc.Server.Addr().Unmap() == s.Client.Addr().Unmap() {
			e.arrived = true
		} else {
			e.against = true
		}
		return done
	}
	pre, last := transferReplies(dc.Command)
	switch d.transferSaid(s, pre, last) {
	case saidNotMade:
		e.failed = true
	case saidMade:
		e.against = true
	}
	return done && last != nil
}

// otherExternal is an externalCandidate other than addr that a
// PORT/EPRT/LPRT among the session's first maxHostLook kept commands
// names, if any, and that command.
func (d *Diagnoser) otherExternal(s *track.Session, addr netip.Addr) (netip.Addr, *track.Command) {
	addr = addr.Unmap()
	cand := func(t netip.Addr) bool { return externalCandidate(s, t) }
	if m := d.portsNamed(s); m != nil {
		return m.ext.other(addr, m.tail(s), cand, &d.bounces.portReads)
	}
	return otherIn(s.Commands[:min(len(s.Commands), maxHostLook)], addr, cand, &d.bounces.portReads)
}

// externalProof is what makes a, named by a PORT/EPRT/LPRT, another host
// when it is an externalCandidate in a capture on the client's side; ok
// is false when it is not one, or when nothing but bounceTarget's rules
// tell (a refusal, a transfer reported made that never reached the
// client, no connection at all: the address alone), which then apply. A
// natExternal address has no reason: it is most likely the client's
// NAT's.
func (d *Diagnoser) externalProof(s *track.Session, a netip.AddrPort) (p bounceProof, ok bool) {
	addr, cli := a.Addr().Unmap(), s.Client.Addr().Unmap()
	if !d.externalSide(s, addr) {
		return p, false
	}
	nat := "a client behind a NAT (the capture is on the client's side of one) may announce the NAT's public address"
	if other, c := d.otherExternal(s, addr); other.IsValid() && a.Port() >= 1024 {
		return bounceProof{several: true, external: true,
			reason: fmt.Sprintf("names %s, and this session's PORTs also name %s (packet %d), both public addresses, not the client's %s: %s, but only that one, so these are other hosts", addr, other, c.Num, cli, nat)}, true
	}
	if a.Port() < 1024 {
		return bounceProof{privileged: true, namesPort: true, external: true,
			reason: fmt.Sprintf("names port %d of %s, a public address, not the client's %s: %s, but no client listens for its data below port 1024", a.Port(), addr, cli, nat)}, true
	}
	if other, sess := d.bounces.otherExternal(s, addr, d.externalTimes); other.IsValid() && !d.externalSigns(s, addr).arrived {
		return bounceProof{several: true, external: true,
			reason: fmt.Sprintf("names %s, and this client's PORT in session %d named %s, both public addresses, not the client's %s: %s, but only that one, so these are other hosts", addr, sess, other, cli, nat)}, true
	}
	seen := d.seenAsHost(s, addr)
	if seen != "" {
		return bounceProof{external: true,
			reason: fmt.Sprintf("names %s, which this capture shows as %s, not the client's %s: another host, not the public address of the NAT in front of the client (that address appears in no packet captured on the client's side)", addr, seen, cli)}, true
	}
	if d.natExternalSeen(s, a, &seen) {
		return p, true
	}
	return p, false
}

// maxHostLook bounds how many of a session's commands bounceTarget reads
// for the other hosts its PORTs name: the cost of each look stays fixed.
const maxHostLook = 256

// otherCandidate is a natCandidate other than addr that a PORT/EPRT/LPRT
// among the session's first maxHostLook kept commands names, if any.
func (d *Diagnoser) otherCandidate(s *track.Session, addr netip.Addr) (netip.Addr, *track.Command) {
	addr = addr.Unmap()
	cand := func(t netip.Addr) bool { return natCandidate(s, t) }
	if m := d.portsNamed(s); m != nil {
		return m.nat.other(addr, m.tail(s), cand, &d.bounces.portReads)
	}
	return otherIn(s.Commands[:min(len(s.Commands), maxHostLook)], addr, cand, &d.bounces.portReads)
}

// activeEndpoint reports whether c is a PORT/EPRT/LPRT whose endpoint was
// read.
func activeEndpoint(c *track.Command) bool {
	return c.EndpointVia != 0 && !c.EndpointVia.Passive() && c.EndpointErr == nil && c.Endpoint.IsValid()
}

// bounceTarget is bounceReasons with what the session and the data
// connection prove about a natCandidate: it is another host, not the
// client behind its NAT, when it answered the server's connection while
// the client comes from a public address (the client's own network is
// out of the server's reach across the Internet): with a SYN-ACK, or with
// an RST from the address the SYN went to on a service's port
// (servicePort: no client listens for its data there; on an ordinary
// port an RST proves less, a firewall on the server's side may send it
// in the name of the client's unreachable address); when the session's PORTs name several such hosts (a
// client behind a NAT has one address); when a client seen at a private
// address had a service's port of it answer (answeredService); or when
// a client seen at a private address names a service's port of it
// (privateService). dc is the data connection armed for a, nil when none
// was; several reports the second kind.
func (d *Diagnoser) bounceTarget(s *track.Session, a netip.AddrPort, dc *track.DataConn) bounceProof {
	foreign, privileged := bounceReasons(s, a)
	p := bounceProof{reason: foreign, privileged: privileged}
	addr, cli := a.Addr().Unmap(), s.Client.Addr().Unmap()
	if foreign != "" || !natCandidate(s, addr) {
		return p
	}
	if dc != nil && !Local(cli) && dc.Server.Addr().Unmap() == addr {
		switch {
		case dc.Outcome == track.OutcomeConnected || dc.Outcome == track.OutcomeTransferred:
			p.reason = fmt.Sprintf("names %s, which answered the server's connection with a SYN-ACK, while the client comes from %s, a public address: a client's own address behind its NAT is out of the server's reach, so this is another host", addr, cli)
			return p
		case refusedByTarget(dc) && servicePort(a.Port()):
			p.reason, p.namesPort = fmt.Sprintf("names port %d of %s, a service's port, not where a client listens for its data, and %s answered the server's connection with an RST, while the client comes from %s, a public address: a client's own address behind its NAT is out of the server's reach, so the server's SYN reached another host on the server's side, not the client", a.Port(), addr, addr, cli), true
			return p
		}
	}
	if other, c := d.otherCandidate(s, addr); other.IsValid() {
		p.reason, p.several = fmt.Sprintf("names %s, and this session's PORTs also name %s (packet %d): a client behind a NAT has one address, so these are other hosts, not the client's %s", addr, other, c.Num, cli), true
		return p
	}
	if x := answeredService(s, addr, dc); x != nil {
		which := fmt.Sprintf("data connection #%d", x.ID)
		if n := x.TotalBytes(); n > 0 {
			which += ", which carried " + plural(int(n), "byte", "bytes")
		}
		if !gotThrough(x) {
			p.reason = fmt.Sprintf("names %s, not the client's %s, and %s answered the server's connection to its port %d with an RST (%s): the server's SYN reached it, so this is no address hidden behind the client's NAT, and port %d is a service's, not where a client listens for its data",
				addr, cli, addr, x.Server.Port(), which, x.Server.Port())
			return p
		}
		p.reason = fmt.Sprintf("names %s, not the client's %s, and %s answered the server's connection to its port %d with a SYN-ACK (%s): the connection arrived, so this is no address hidden behind the client's NAT, and port %d is a service's, not where a client listens for its data",
			addr, cli, addr, x.Server.Port(), which, x.Server.Port())
		return p
	}
	if privateService(s, a) {
		p.reason, p.namesPort = fmt.Sprintf("names port %d of %s, a service's port, not where a client listens for its data, while the client itself comes from %s, a private address: a host the server may reach on the inside, not the client's own address hidden behind a NAT", a.Port(), addr, cli), true
	}
	return p
}

// bounceProof is why a PORT's address is another host than the
// client's, and what the words already say.
type bounceProof struct {
	reason     string // the why, "" when nothing proves it another host
	privileged bool   // the port named is below 1024
	several    bool   // the session's PORTs name several such hosts
	namesPort  bool   // reason begins by naming the port of the PORT
	// external: reason is externalProof's, about a public address that
	// may be the client's NAT's.
	external bool
}

// bounceTargetOf is bounceTarget with what the client's other sessions
// proved (bounceClients), and, for a public address named from behind a
// NAT the capture is on the client's side of, externalProof instead: a
// natCandidate or externalCandidate that an earlier session of the
// same client address proved to be another host (an answer from the
// server's side, a service's port, several hosts) is one in this session
// too, whatever this session shows of it (one PORT per session, to
// ordinary ports or unanswered, is how a scan spreads itself out). A
// client behind a NAT does not change its own address, nor its NAT's,
// between sessions.
func (d *Diagnoser) bounceTargetOf(s *track.Session, a netip.AddrPort, dc *track.DataConn) bounceProof {
	p, external := d.externalProof(s, a)
	if !external {
		p = d.bounceTarget(s, a, dc)
	}
	if p.reason != "" || !external && !natCandidate(s, a.Addr()) {
		return p
	}
	h := d.bounces.find(s.Client.Addr(), a.Addr())
	if h == nil || h.proof == "" || h.proofSession == s.ID {
		return p
	}
	p.reason = fmt.Sprintf("names port %d of %s, which an earlier session of this client (session %d) proved to be another host than the client: there its PORT %s", a.Port(), a.Addr().Unmap(), h.proofSession, h.proof)
	p.namesPort = true
	return p
}

const (
	// maxBounceClients bounds the client addresses bounceClients keeps
	// (past it, new clients are counted: Omitted.BounceClientsNotFollowed).
	maxBounceClients = 1024
	// maxClientHosts bounds the hosts kept per client.
	maxClientHosts = 8
	// maxClientPorts bounds the distinct ports kept per host.
	maxClientPorts = 64
)

// bounceClients is, across the sessions of a capture, the hosts each
// client address named as another host in its PORTs (noteBounce): which
// session proved a private one another host, and the ports named, so
// that a scan spread over many sessions, one PORT each, reads as one,
// and a later session's PORT to a host an earlier one proved is not
// taken for the client's own address behind a NAT. Its zero value is
// ready to use.
type bounceClients struct {
	m         map[netip.Addr][]clientHost
	forgotten int // clients not kept: the table was full (Omitted)
	// named: per client address, the first two distinct public addresses
	// its PORTs named that natExternal took for its NAT's, at most
	// maxBounceClients clients (past it, new ones are counted in
	// forgotten too).
	named map[netip.Addr]*externalSeen
	// servers: the addresses of the Diagnoser's servers map, for
	// seenAsHost.
	servers serverAddrs
	// signs: per session, what externalSigns read; let go at the
	// session's end (SessionEnd), and closed ones dropped as it grows
	// past about twice the open sessions (a late look at an ended one).
	signs map[*track.Session]*signsMemo
	// ports: per open session, what its PORTs named (portsNamed); let
	// go at the session's end. portReads: the commands read for it, for
	// the tests that count the work of a look.
	ports     map[*track.Session]*portsNamed
	portReads int
}

// externalTimesFunc is Diagnoser.externalTimes, for bounceClients.
type externalTimesFunc func(s *track.Session, addr netip.Addr) (first, last time.Time)

// externalSeen is what one client address's sessions named of public
// addresses that may be its NAT's: the latest two distinct ones, the
// session that first named each, and when PORTs named each, first and
// latest (externalTimes).
type externalSeen struct {
	addr        [2]netip.Addr
	sess        [2]int
	first, last [2]time.Time
}

// serverAddrs is the set of the addresses of a Diagnoser's servers map
// (keyed by address and port), so that a look for an address costs no
// walk of it per PORT: the map only grows, so the set is rebuilt when
// its size changed since the last look.
type serverAddrs struct {
	n     int
	addrs map[netip.Addr]struct{}
}

// has reports whether addr is the address of one of servers' keys.
func (sa *serverAddrs) has(servers map[netip.AddrPort]*serverAcc, addr netip.Addr) bool {
	if len(servers) != sa.n || sa.addrs == nil {
		sa.addrs = make(map[netip.Addr]struct{}, len(servers))
		for k := range servers {
			sa.addrs[k.Addr().Unmap()] = struct{}{}
		}
		sa.n = len(servers)
	}
	_, ok := sa.addrs[addr.Unmap()]
	return ok
}

// noteExternal notes that s's client named addr, a public address
// natExternal took for its NAT's, and when (externalTimes). Noting it
// again only widens its times; a third address takes the place of the
// one named longest ago.
func (b *bounceClients) noteExternal(s *track.Session, addr netip.Addr, times externalTimesFunc) {
	cli, addr := s.Client.Addr().Unmap(), addr.Unmap()
	first, last := times(s, addr)
	e := b.named[cli]
	if e == nil {
		if len(b.named) >= maxBounceClients {
			b.forgotten++
			return
		}
		if b.named == nil {
			b.named = map[netip.Addr]*externalSeen{}
		}
		e = &externalSeen{}
		b.named[cli] = e
	}
	for i := range e.addr {
		if e.addr[i] == addr {
			if first.Before(e.first[i]) {
				e.first[i] = first
			}
			if last.After(e.last[i]) {
				e.last[i] = last
			}
			return
		}
	}
	i := 0
	if e.addr[0].IsValid() && (!e.addr[1].IsValid() || e.last[1].Before(e.last[0])) {
		i = 1
	}
	e.addr[i], e.sess[i], e.first[i], e.last[i] = addr, s.ID, first, last
}

// otherExternal is a public address other than addr that s's client
// address named in any session, taken for its NAT's (noteExternal),
// within externalWindow of s's PORTs naming addr, and the session that
// first named it. A client behind a NAT has one public address at a
// time: with two so close in time, both are other hosts (a bounce
// spread over sessions, one PORT each), whichever came first. Further
// apart, the NAT's address most likely changed between them.
func (b *bounceClients) otherExternal(s *track.Session, addr netip.Addr, times externalTimesFunc) (netip.Addr, int) {
	e := b.named[s.Client.Addr().Unmap()]
	if e == nil {
		return netip.Addr{}, 0
	}
	first, last := times(s, addr)
	for i, a := range e.addr {
		if !a.IsValid() || a == addr.Unmap() {
			continue
		}
		// The gap between the two spans of time, zero where they overlap
		// (a time not known, zero, counts as near).
		if first.IsZero() || e.last[i].IsZero() ||
			first.Sub(e.last[i]) <= externalWindow && e.first[i].Sub(last) <= externalWindow {
			return a, e.sess[i]
		}
	}
	return netip.Addr{}, 0
}

// clientHost is what one client's sessions showed of one host named.
type clientHost struct {
	host netip.Addr
	// proof: why a natCandidate is another host, in the words of the
	// first session that proved it (bounceTarget's), and that session.
	proof        string
	proofSession int
	ports        []uint16 // distinct, at most maxClientPorts
	morePorts    int      // distinct ports beyond them
	first, last  int      // the first and latest session naming it
	nsess        int      // the sessions naming it
}

// find is cli's entry for host, nil when none.
func (b *bounceClients) find(cli, host netip.Addr) *clientHost {
	hs := b.m[cli.Unmap()]
	for i := range hs {
		if hs[i].host == host.Unmap() {
			return &hs[i]
		}
	}
	return nil
}

// note records that s's PORT named a, another host for the reason p
// gives (the first reason of a natCandidate, or of an address externalProof
// judged, is its proof).
func (b *bounceClients) note(s *track.Session, a netip.AddrPort, p bounceProof) {
	cli, host := s.Client.Addr().Unmap(), a.Addr().Unmap()
	h := b.find(cli, host)
	if h == nil {
		hs, known := b.m[cli]
		switch {
		case !known && len(b.m) >= maxBounceClients:
			b.forgotten++
			return
		case len(hs) >= maxClientHosts:
			return
		}
		if b.m == nil {
			b.m = map[netip.Addr][]clientHost{}
		}
		b.m[cli] = append(hs, clientHost{host: host, first: s.ID})
		h = &b.m[cli][len(b.m[cli])-1]
	}
	if h.nsess == 0 || h.last != s.ID {
		h.nsess++
		h.last = s.ID
	}
	if h.proof == "" && (p.external || natCandidate(s, host)) {
		// (A reason bounceTargetOf took from an earlier session comes
		// only once h has its proof.)
		h.proof, h.proofSession = p.reason, s.ID
	}
	switch p := a.Port(); {
	case slices.Contains(h.ports, p):
	case len(h.ports) < maxClientPorts:
		h.ports = append(h.ports, p)
	default:
		h.morePorts++
	}
}

// spreadScan reports whether s's client named host, with s, in several
// sessions and on at least bounceScanPorts distinct ports: a bounce port
// scan spread over sessions, which no one session shows.
func (b *bounceClients) spreadScan(s *track.Session, host netip.Addr) bool {
	h := b.find(s.Client.Addr(), host)
	return h != nil && h.nsess > 1 && len(h.ports)+h.morePorts >= bounceScanPorts
}

// portsText names the ports h holds: "3 ports (22, 23, 25)".
func (h *clientHost) portsText() string {
	n := len(h.ports) + h.morePorts
	var l []string
	for i, p := range h.ports {
		if i == 10 {
			l = append(l, "...")
			break
		}
		l = append(l, fmt.Sprint(p))
	}
	return fmt.Sprintf("%d ports (%s)", n, strings.Join(l, ", "))
}

// refusedByTarget reports whether dc, an active data connection, was
// refused by an RST from the address the server's SYN went to.
func refusedByTarget(dc *track.DataConn) bool {
	return !dc.Passive && dc.SYNs > 0 && dc.Outcome == track.OutcomeRefused && dc.RSTFromServer
}

// privateService reports whether a, a natCandidate, is named with a
// service's port (servicePort) by a client seen at a private address. No
// client listens for its data on a service's port, and a client seen at a
// private address shares the inside with the server: a private host it
// names may be one the server reaches (a bounce to a service inside), not
// an address out of reach behind the client's NAT. A client seen at a
// public address keeps nat-mismatch (its own privileged port is
// ownPrivilegedPort's info): the server cannot reach its private network.
func privateService(s *track.Session, a netip.AddrPort) bool {
	return Local(s.Client.Addr().Unmap()) && servicePort(a.Port()) && natCandidate(s, a.Addr())
}

// answeredService is the data connection that proves a natCandidate
// (addr) named by a client seen at a private address to be another host:
// the server's connection to a service's port of addr (servicePort) that
// addr answered, with a SYN-ACK or an RST of its own (refusedByTarget).
// dc is the data connection being judged, nil when none was armed; the
// session's earlier ones to addr count too (a scan finds one open port
// among closed ones). The server's SYN reached the address, so it is no
// client's hidden behind a NAT the server cannot cross (nat-mismatch's
// "cannot arrive" would contradict the capture); and no client listens
// for its data on a service's port. A client from a public address is
// bounceTarget's other rule; an ordinary port that answered is what a
// routed lab's client gives (nat-mismatch keeps it).
func answeredService(s *track.Session, addr netip.Addr, dc *track.DataConn) *track.DataConn {
	if !Local(s.Client.Addr().Unmap()) {
		return nil
	}
	proves := func(x *track.DataConn) bool {
		return x != nil && !x.Passive && x.Server.Addr().Unmap() == addr && (gotThrough(x) || refusedByTarget(x)) && servicePort(x.Server.Port())
	}
	if proves(dc) {
		return dc
	}
	for i, x := range s.Data {
		if i >= maxHostLook {
			break
		}
		if proves(x) {
			return x
		}
	}
	return nil
}

// noteBounce records a PORT naming another host; the session's one
// ftp-bounce finding is made at its end (bounceFinding). It reports whether
// the endpoint is foreign, so the caller leaves its outcome to that finding.
func (d *Diagnoser) noteBounce(s *track.Session, a netip.AddrPort, c *track.Command, dc *track.DataConn, state string) bool {
	p := d.bounceTargetOf(s, a, dc)
	if p.reason == "" {
		return false
	}
	d.bounces.note(s, a, p)
	foreign := p.reason
	answered := !p.several && answeredService(s, a.Addr().Unmap(), dc) != nil && namedHost(s, a.Addr()) == hostClient
	if p.privileged && !answered && !p.namesPort {
		// (an answered service's port, or one bounceTarget named, is
		// named already)
		foreign += fmt.Sprintf(" and privileged port %d", a.Port())
	}
	st := d.state(s)
	if st.bounce == nil {
		st.bounce = &bounceSet{why: foreign}
	}
	b := st.bounce
	if len(b.recs) >= maxBounces {
		b.omitted++
		return true
	}
	tc := toClientAddr(s, dc)
	b.recs = append(b.recs, bounceRec{cmd: c, target: a, state: state, dc: dc, several: p.several, answered: answered,
		toClient: tc, otherFamily: dualStackOwn(s, a.Addr())})
	// A connection that went to the client's own address is an ordinary
	// data connection: its outcome is judged as one.
	return !tc
}

// toClientAddr reports whether dc, armed for a PORT/EPRT/LPRT naming an
// address other than the client's, went to the client's own control
// address instead: the server ignored the named address and connected
// back to the control connection's peer, as some servers do (and as a
// capture whose addresses were rewritten shows), so no other host was
// contacted.
func toClientAddr(s *track.Session, dc *track.DataConn) bool {
	if dc == nil || dc.Passive || !dc.Seen() {
		return false
	}
	cli := s.Client.Addr().Unmap()
	return dc.Server.Addr().Unmap() == cli && dc.Announced.Addr().Unmap() != cli
}

// dualStackOwn reports whether addr, named by a PORT/EPRT/LPRT, is
// another host than the client only by its address family: a routable
// unicast address (public, private or CGNAT) of the other family than
// the control connection's. RFC 2428's EPRT exists so that a dual-stack
// client may name its own address of the other family; the capture holds
// nothing that tells whether it did.
func dualStackOwn(s *track.Session, addr netip.Addr) bool {
	addr = addr.Unmap()
	if namedHost(s, addr) != hostOtherFamily {
		return false
	}
	switch Classify(addr) {
	case ClassPublic, ClassPrivate, ClassCGNAT:
		return true
	}
	return false
}

// ownPrivilegedPort is a PORT naming a port below 1024 of the client's own
// address (the one it is seen at, or the private one it announces from
// behind a NAT, natActive): not a bounce to another host, but what RFC
// 2577 asks servers to refuse.
func (d *Diagnoser) ownPrivilegedPort(s *track.Session, a netip.AddrPort, via ftp.Via, c *track.Command, refused bool) *Finding {
	if p := d.bounceTargetOf(s, a, nil); p.reason != "" || !p.privileged || c == nil {
		return nil
	}
	f := &Finding{Code: CodeFTPBounce, Severity: SeverityInfo, TS: c.TS}
	ev := fmt.Sprintf("%q (packet %d)", commandText(c), c.Num)
	pk := []uint64{c.Num}
	if r := c.Final(); r != nil {
		ev += fmt.Sprintf(" -> %q (packet %d)", replyText(r), r.Num)
		pk = append(pk, r.Num)
	}
	f.Evidence, f.Packets = ev, packets(pk)
	whose := fmt.Sprintf("the client's own address %s", a.Addr())
	if a.Addr().Unmap() != s.Client.Addr().Unmap() {
		whose = fmt.Sprintf("%s, the address the client announces as its own from behind a NAT (see nat-mismatch)", a.Addr())
	}
	f.Message = fmt.Sprintf("%s names privileged port %d of %s: not a bounce to another host, but a port RFC 2577 asks servers to refuse (a client listening there runs as root, or is probing the server).", via, a.Port(), whose)
	if refused {
		f.Message += " The server refused it."
		f.Advice = "Nothing to change on the server."
	} else {
		fam := d.family(s)
		f.Advice = "The server accepted it: refuse ports below 1024 in PORT/EPRT (" + fam.refusePrivileged() + ")."
		if fam.ownDataSettings() {
			f.Advice += fam.note()
		}
	}
	return f
}

// withEarlierHosts is the session's bounces with the PORTs judged before
// the second of several private hosts appeared (as a client behind a
// NAT, then), or before the second public host that shows a public
// address no NAT's in front of the client (externalProof), or before a
// port below 1024 of a public host showed that host no NAT's: once the
// session names several, or that port, none of them is the client's own
// address, nor its NAT's, so they belong to the bounce too.
func (d *Diagnoser) withEarlierHosts(s *track.Session, recs []bounceRec) []bounceRec {
	var private, public bool
	var privileged []netip.Addr // public hosts a port below 1024 of which was named
	for _, b := range recs {
		t := b.target.Addr().Unmap()
		if b.several {
			public = public || Classify(t) == ClassPublic
			private = private || Classify(t) != ClassPublic
		}
		if b.target.Port() < 1024 && !slices.Contains(privileged, t) && externalCandidate(s, t) {
			privileged = append(privileged, t)
		}
	}
	if !private && !public && len(privileged) == 0 {
		return recs
	}
	seen := make(map[*track.Command]bool, len(recs))
	for _, b := range recs {
		seen[b.cmd] = true
	}
	var early []bounceRec
	for i, c := range s.Commands {
		if i >= maxHostLook {
			break
		}
		if seen[c] || !activeEndpoint(c) {
			continue
		}
		if t := c.Endpoint.Addr(); !(private && natCandidate(s, t)) && !(public && d.externalAt(s, t)) && !slices.Contains(privileged, t.Unmap()) {
			continue
		}
		b := bounceRec{cmd: c, target: c.Endpoint, dc: c.Data, several: true, toClient: toClientAddr(s, c.Data)}
		switch r := c.Final(); {
		case c.Data != nil:
			b.state = bounceState(c.Data)
		case r == nil:
			b.state = bounceNeverAnswered
		default:
			b.state = bounceRefused
		}
		early = append(early, b)
	}
	if len(early) == 0 {
		return recs
	}
	out := append(early, recs...)
	slices.SortStableFunc(out, func(x, y bounceRec) int { return cmp.Compare(x.cmd.Num, y.cmd.Num) })
	return out
}

// bounceFinding is the session's one ftp-bounce finding: a single attempt,
// or a port scan through the server, with what became of each.
func (d *Diagnoser) bounceFinding(s *track.Session, st *sessState) *Finding {
	if st.bounce == nil || len(st.bounce.recs) == 0 {
		return nil
	}
	b := st.bounce
	recs := d.withEarlierHosts(s, b.recs)
	first := recs[0]
	srv := s.Server.Addr().Unmap()
	hosts := map[netip.Addr]bool{}
	ports := map[netip.AddrPort]bool{}
	portNums := map[uint16]bool{}
	counts := map[string]int{}
	var order []string
	accepted := 0       // PORTs the server accepted, its connection not to the client's own address
	redirected := 0     // PORTs whose connection went to the client's own address (toClientAddr)
	inServerNet := true // every target is in the server's own network, the client's control address is not
	var pk []uint64
	for _, b := range recs {
		h := b.target.Addr().Unmap()
		hosts[h] = true
		ports[b.target] = true
		portNums[b.target.Port()] = true
		rule := namedHost(s, h)
		inServerNet = inServerNet && (rule == hostServerNet || rule == hostServer)
		if counts[b.state] == 0 {
			order = append(order, b.state)
		}
		counts[b.state]++
		switch {
		case b.toClient:
			redirected++
		case b.dc != nil:
			accepted++
		}
	}
	pk = append(pk, first.cmd.Num)
	if r := first.cmd.Final(); r != nil {
		pk = append(pk, r.Num)
	}
	n := len(recs) + b.omitted
	f := &Finding{Code: CodeFTPBounce, Severity: SeverityInfo, Session: s, Command: first.cmd, TS: first.cmd.TS, Packets: packets(pk)}
	var states []string
	for _, k := range order {
		states = append(states, fmt.Sprintf("%d %s", counts[k], k))
	}
	via := first.cmd.Verb
	if redirected == len(recs) {
		return d.bounceToClient(s, f, recs, states, n)
	}
	if otherFamilyOnly(s, recs, len(ports)) {
		return d.bounceOtherFamily(s, f, recs, states, accepted)
	}
	unproven := unprovenBounce(s, recs)
	if unproven && len(ports) >= bounceScanPorts && !allConnected(recs) && scanSigns(s, recs, len(ports)) {
		// Several possible client ports of the one host, and not every
		// connection worked: a client behind a NAT that does not
		// rewrite PORT retries active mode with port after port nothing
		// answers, so the failures alone prove nothing. What a client
		// does not do makes it a scan (scanSigns).
		unproven = false
	}
	f.unproven = unproven
	spread := false // a single attempt that is part of a scan spread over the client's sessions
	where := ""
	if inServerNet {
		where = fmt.Sprintf(" in the server's own network %s", guessedNet(srv))
	}
	// Private targets are what a client behind a NAT announces too: say
	// what makes these another host's.
	cls := Classify(first.target.Addr())
	private := cls == ClassPrivate || cls == ClassCGNAT
	if len(ports) >= bounceScanPorts && !unproven {
		hl := make([]netip.Addr, 0, len(hosts))
		for h := range hosts {
			hl = append(hl, h)
		}
		slices.SortFunc(hl, func(a, b netip.Addr) int { return a.Compare(b) })
		hostText := hl[0].String()
		if len(hl) > 1 {
			hostText = fmt.Sprintf("%d hosts (first %s)", len(hl), hl[0])
		}
		which := "that host"
		if len(hl) > 1 {
			which = "those hosts"
		}
		portText := fmt.Sprintf("%d ports", len(ports))
		if len(hl) > 1 && len(portNums) == 1 {
			portText = fmt.Sprintf("port %d", first.target.Port())
		}
		f.Evidence = joinEvidence(fmt.Sprintf("%d PORT/EPRT/LPRT commands naming %s of %s, first %q (packet %d)", n, portText, hostText, commandText(first.cmd), first.cmd.Num),
			strings.Join(states, ", "))
		f.Message = fmt.Sprintf("An FTP bounce port scan through this server (RFC 2577): the client, %s, asked the server to connect to %s of %s%s instead of to itself.", s.Client.Addr(), portText, hostText, where)
		switch {
		case inServerNet:
			f.Message += " A client behind a NAT announces an address of its own network, not of the server's: these are other hosts."
		case private:
			f.Message += fmt.Sprintf(" The addresses are private, but not the client's own behind a NAT: %s %s.", via, b.why)
		}
		if b.omitted > 0 {
			f.Message += fmt.Sprintf(" (%d attempts beyond the first %d are counted, not listed.)", b.omitted, maxBounces)
		}
		if accepted > 0 {
			f.Severity = SeverityError
			f.Message += fmt.Sprintf(" The server accepted %d and connected out: the answers (RST = closed, no answer = filtered) tell the client which ports of %s are open. The failures of those connections are the scan, not a firewall fault.", accepted, which)
		} else {
			f.Severity = SeverityWarning
			f.Message += " The server refused or ignored every one."
		}
	} else {
		ev := fmt.Sprintf("%q (packet %d)", commandText(first.cmd), first.cmd.Num)
		if r := first.cmd.Final(); r != nil {
			ev += fmt.Sprintf(" -> %q (packet %d)", replyText(r), r.Num)
		}
		if len(ports) >= bounceScanPorts {
			ev = fmt.Sprintf("%d PORT/EPRT/LPRT commands naming %d ports of %s, first %s", n, len(ports), first.target.Addr(), ev)
		}
		f.Evidence = joinEvidence(ev, strings.Join(states, ", "))
		switch {
		case unproven:
			f.Message = fmt.Sprintf("%s %s: an FTP bounce (RFC 2577) if that is another host than the client, but nothing here proves it is: %s, and no other host is named. A client behind a NAT whose own network happens to use the server's addresses would look the same, and so would a client on the server's own network whose connection reaches the server through a NAT; a capture on the client's side tells.", via, b.why, ordinaryPorts(portNums))
		case first.answered && len(hosts) == 1:
			// The client's address is private too: the one host the
			// target may still be is the client itself, routed to.
			own := ", with a service of its own listening there"
			if x := answeredService(s, first.target.Addr().Unmap(), first.dc); x != nil && !gotThrough(x) {
				own = ", refusing the connection itself"
			}
			f.Message = fmt.Sprintf("%s %s. So the server is asked to connect to a host other than the client (FTP bounce, RFC 2577), unless %s is the client's own address, routed to beside the NAT its control connection comes through%s.", via, b.why, first.target.Addr(), own)
		default:
			f.Message = fmt.Sprintf("%s %s: the server is asked to connect to a host other than the client (FTP bounce, RFC 2577).", via, b.why)
		}
		if unproven && b.omitted > 0 {
			f.Message += fmt.Sprintf(" (%d attempts beyond the first %d are counted, not listed.)", b.omitted, maxBounces)
		}
		spread = !unproven && len(hosts) == 1 && d.bounces.spreadScan(s, first.target.Addr())
		switch {
		case spread:
			h := d.bounces.find(s.Client.Addr(), first.target.Addr())
			f.Message += fmt.Sprintf(" It is part of an FTP bounce port scan spread over this client's sessions: %d of them (sessions %d to %d) named %s of %s, a few per session.", h.nsess, h.first, h.last, h.portsText(), first.target.Addr())
			f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("this client's sessions %d to %d named %s of %s", h.first, h.last, h.portsText(), first.target.Addr()))
			if accepted > 0 {
				f.Severity = SeverityError
				f.Message += " The server accepted it and connected out: the answers (RST = closed, no answer = filtered) tell the client which ports of that host are open."
			} else {
				f.Severity = SeverityWarning
				f.Message += " The server refused or ignored it."
			}
		case unproven && accepted > 0:
			f.Severity = SeverityWarning
			if n == 1 {
				f.Message += " The server accepted it."
			} else {
				f.Message += fmt.Sprintf(" The server accepted %d of them.", accepted)
			}
		case unproven && counts[bounceNeverAnswered] > 0:
			f.Severity = SeverityWarning
			f.Message += " The server never answered it."
		case accepted > 0:
			f.Severity = SeverityWarning
			f.Message += " The server accepted it."
		case counts[bounceNeverAnswered] > 0:
			f.Severity = SeverityWarning
			f.Message += " The server never answered it: still a bounce attempt."
		case redirected > 0:
			// Said below: the server connected to the client.
		default:
			f.Message += " The server refused it."
		}
	}
	if redirected > 0 {
		f.Message += fmt.Sprintf(" For %d of them the server connected to the client's own address %s instead of the one named: no other host was contacted through those.", redirected, s.Client.Addr())
	}
	// One PORT to one ordinary port (no service's) of another host is
	// also what a client driving a server-to-server (FXP) transfer sends:
	// the other server's passive endpoint, an address the client reaches
	// (not a private one named by a client on a public address). A
	// capture holding that server's control connection tells
	// (fxp-transfer); this one cannot.
	fxpLike := !spread && !unproven && n == 1 && len(ports) == 1 && redirected == 0 && !servicePort(first.target.Port()) &&
		(!Local(first.target.Addr().Unmap()) || Local(s.Client.Addr().Unmap()))
	if fxpLike {
		f.fxpLike = true
		f.Message += fmt.Sprintf(" The other reading is a server-to-server (FXP) transfer: a client driving one names in its %s the passive endpoint another server gave it in a 227/229 (a port of 1024 or above, as here); this capture does not hold that other control connection (one that does makes it fxp-transfer).", via)
	}
	switch {
	case unproven && accepted > 0:
		// Only what is proven: the server accepted a PORT naming an
		// address other than the client's control address, which may be
		// the client's own behind a NAT. Refusing those is the fix only
		// for a bounce; for the client, passive mode is.
		fam := d.family(s)
		f.Advice = fmt.Sprintf("Find out whether %s is the client: its own address, or a capture on its side, tells. If it is, the client sits behind a NAT that does not rewrite PORT (its own, or the server's): passive mode (PASV/EPSV) does not announce its address. If it is not, this was a bounce: refuse PORT/EPRT naming another host (%s).", first.target.Addr(), fam.refuseForeign())
		if fam.ownDataSettings() {
			f.Advice += fam.note()
		}
	case unproven:
		f.Advice = fmt.Sprintf("Nothing to change on the server if it keeps refusing them. Find out whether %s is the client (a capture on its side tells): if it is, passive mode (PASV/EPSV) does not announce its address; if it is not, find out who the client is (a scanner, or a client behind a proxy that announces the proxy's address).", first.target.Addr())
	case accepted > 0:
		fam := d.family(s)
		f.Advice = "Refuse PORT/EPRT naming another host or a privileged port: " + fam.refuseForeign() + "." + bounceAllowedBy(fam, s, recs) + " And find out who the client is (a scanner, or a client behind a proxy that announces the proxy's address)."
		if fxpLike {
			f.Advice = "If this server is meant to take part in site-to-site (FXP) transfers, nothing to change: FXP needs it to accept a PORT/EPRT naming another host, as it does. If it is not, refuse PORT/EPRT naming another host or a privileged port: " + fam.refuseForeign() + "." + bounceAllowedBy(fam, s, recs) + " And find out who the client is (a scanner, or a client behind a proxy that announces the proxy's address)."
		}
		if fam.ownDataSettings() {
			f.Advice += fam.note()
		}
	default:
		f.Advice = "Nothing to change on the server if it keeps refusing them; find out who the client is (a scanner, or a client behind a proxy that announces the proxy's address)."
		if fxpLike {
			f.Advice = "Nothing to change on the server if it keeps refusing them; find out who the client is (a scanner, a client behind a proxy that announces the proxy's address, or one trying a site-to-site (FXP) transfer, which this server refuses as stock servers do)."
		}
		if len(hosts) == 1 && counts[bounceRefused] == len(recs) && d.externalAt(s, first.target.Addr()) {
			// The innocent reading of a refused public address from a
			// client behind a NAT: a setting that names the NAT's public
			// address, out of date (the server would have accepted the
			// one it sees).
			f.Advice = fmt.Sprintf("Nothing to change on the server if it keeps refusing them; find out who the client is: a scanner, a client behind a proxy that announces the proxy's address, or a client set to announce %s as its NAT's public address (%s) while it reaches the server from another one (the setting out of date, or another uplink): then use passive mode on it, or correct the setting.", first.target.Addr(), externalAddrSetting)
		}
	}
	return f
}

// bounceToClient is the ftp-bounce finding of a session whose every PORT
// naming another address (recs) the server answered by connecting to the
// client's own control address (toClientAddr): it did not connect where
// the PORT said, so no other host was contacted. Only the announcement
// is odd: info. f is the finding bounceFinding began; states the
// attempts' states, n their count.
func (d *Diagnoser) bounceToClient(s *track.Session, f *Finding, recs []bounceRec, states []string, n int) *Finding {
	first := recs[0]
	cli := s.Client.Addr()
	f.Severity = SeverityInfo
	ev := fmt.Sprintf("%q (packet %d)", commandText(first.cmd), first.cmd.Num)
	pk := []uint64{first.cmd.Num}
	if r := first.cmd.Final(); r != nil {
		ev += fmt.Sprintf(" -> %q (packet %d)", replyText(r), r.Num)
		pk = append(pk, r.Num)
	}
	dc := first.dc
	ev = joinEvidence(ev, fmt.Sprintf("data #%d: %s -> %s (packet %d), %s match", dc.ID, dc.Client, dc.Server, dc.SYNNum, dc.Match))
	pk = append(pk, dc.SYNNum)
	if n > 1 {
		ev = joinEvidence(ev, strings.Join(states, ", "))
	}
	f.Evidence, f.Packets = ev, packets(pk)
	hosts := map[netip.Addr]bool{}
	for _, b := range recs {
		hosts[b.target.Addr().Unmap()] = true
	}
	named := first.target.Addr().String()
	if len(hosts) > 1 {
		named = fmt.Sprintf("%d other addresses (first %s)", len(hosts), first.target.Addr())
	}
	verb := first.cmd.Verb
	if n == 1 {
		f.Message = fmt.Sprintf("%s names %s, not the client's %s, but the server did not connect there: it connected to the client's own address %s, the control connection's peer (some servers connect there whatever %s says).", verb, named, cli, cli, verb)
	} else {
		f.Message = fmt.Sprintf("%d %s commands name %s, not the client's %s, but the server connected to none of them: each time it connected to the client's own address %s, the control connection's peer (some servers connect there whatever %s says).", n, verb, named, cli, cli, verb)
	}
	f.Message += " No other host was contacted: this was no FTP bounce."
	f.Advice = fmt.Sprintf("Nothing to change on the server. Find out why the client announces %s: a client with several addresses, a NAT or proxy in front of it that does not rewrite PORT, or a capture whose addresses were rewritten. A server that trusts the PORT would connect there.", first.target.Addr())
	return f
}

// otherFamilyOnly reports whether a session's bounce attempts (recs,
// naming nports distinct endpoints) are other hosts only by their address
// family (dualStackOwn): one address, named with ordinary client ports
// only (no service's port, servicePort), and no scan (scanSigns) when
// several ports are named.
func otherFamilyOnly(s *track.Session, recs []bounceRec, nports int) bool {
	var host netip.Addr
	for _, b := range recs {
		h := b.target.Addr().Unmap()
		switch {
		case !b.otherFamily, servicePort(b.target.Port()):
			return false
		case !host.IsValid():
			host = h
		case h != host:
			return false
		}
	}
	if !host.IsValid() {
		return false
	}
	return nports < bounceScanPorts || !scanSigns(s, recs, nports)
}

// bounceOtherFamily is the ftp-bounce finding of a session whose PORTs
// name one address of the other family than the control connection's
// (otherFamilyOnly): an FTP bounce if that is another host, but RFC 2428
// made EPRT so that a dual-stack client can name its own address of the
// other family, and nothing in the capture tells which. Info, whatever
// the server did with it: even a connection that worked does not show
// whose address it reached.
func (d *Diagnoser) bounceOtherFamily(s *track.Session, f *Finding, recs []bounceRec, states []string, accepted int) *Finding {
	first := recs[0]
	target, cli := first.target.Addr().Unmap(), s.Client.Addr().Unmap()
	famName := func(a netip.Addr) string {
		if a.Is4() {
			return "IPv4"
		}
		return "IPv6"
	}
	f.Severity = SeverityInfo
	ev := fmt.Sprintf("%q (packet %d)", commandText(first.cmd), first.cmd.Num)
	if r := first.cmd.Final(); r != nil {
		ev += fmt.Sprintf(" -> %q (packet %d)", replyText(r), r.Num)
	}
	f.Evidence = joinEvidence(ev, strings.Join(states, ", "))
	f.Message = fmt.Sprintf("%s names %s, an %s address, over an %s control connection from %s: an FTP bounce (RFC 2577) if that is another host than the client, but nothing here proves it is: a dual-stack client may name its own address of the other family (RFC 2428's EPRT exists for it).",
		first.cmd.Verb, target, famName(target), famName(cli), cli)
	connected := 0
	for _, b := range recs {
		if b.dc != nil && gotThrough(b.dc) {
			connected++
		}
	}
	switch {
	case connected > 0:
		f.Message += " The server connected to it and was answered: that shows the address is in use, not whose it is."
	case accepted > 0:
		f.Message += " The server accepted it."
	case slices.ContainsFunc(recs, func(b bounceRec) bool { return b.state == bounceNeverAnswered }):
		f.Message += " The server never answered it."
	default:
		f.Message += " The server refused it."
	}
	fam := d.family(s)
	if accepted > 0 {
		f.Advice = fmt.Sprintf("Find out whether %s is one of the client's own addresses (its interface list, or a capture on its side, tells). If it is, nothing is wrong. If it is not, this was a bounce: refuse PORT/EPRT naming another host (%s).", target, fam.refuseForeign())
		if fam.ownDataSettings() {
			f.Advice += fam.note()
		}
		return f
	}
	f.Advice = fmt.Sprintf("Nothing to change on the server if it keeps refusing them. Find out whether %s is one of the client's own addresses: if it is, the client uses EPRT across families, which this server does not take, and passive mode (EPSV) avoids it.", target)
	return f
}

// unprovenBounce reports whether a session's bounce attempts (recs) rest
// on the address rule alone that a private host of the server's own
// network is not the client: one such host, named with ordinary client
// ports only. A client behind a NAT that does not rewrite PORT announces
// its own private address, and that address is in the server's network
// when the client's network uses the same addresses (192.168.1.0/24 on
// both sides) or when the client is on the server's network and reaches
// it through a NAT (behind the same NAT, seen at the NAT's address). The
// client's own listener may answer the server's connection then, so a
// SYN-ACK proves nothing here (bounceTarget's SYN-ACK proof is for hosts
// outside the server's reach), nor does an RST or silence. What does:
// several hosts named (a client has one address), a service's port
// (servicePort: not where a client listens for its data), or a host the
// address rules place elsewhere.
func unprovenBounce(s *track.Session, recs []bounceRec) bool {
	var host netip.Addr
	// Connections that all worked are what a client's own listener
	// gives: a well-known port above 1024 proves nothing then, a system
	// port still does.
	worked := allConnected(recs)
	for _, b := range recs {
		h := b.target.Addr().Unmap()
		switch {
		case !host.IsValid():
			host = h
		case h != host:
			return false
		}
		if p := b.target.Port(); p < 1024 || (!worked && servicePort(p)) {
			return false
		}
	}
	if !host.IsValid() {
		return false
	}
	switch namedHost(s, host) {
	case hostServerNet:
		return true
	case hostClientNet:
		// Client, target and server on one network: the client may be
		// a host of the server's LAN seen at its router's address (a
		// hairpin NAT), announcing its own address.
		return SameNet(host, s.Server.Addr().Unmap())
	}
	return false
}

// scanSigns reports whether several bounce attempts to possible client
// ports of one host (recs, naming nports distinct endpoints) show what a
// client retrying active mode from behind a NAT does not do: many ports
// (bounceManyPorts), ports out of the rising sequence its OS hands out
// (clientPortSequence), or an accepted PORT the client follows with no
// transfer command (a client announces a port to transfer through it).
func scanSigns(s *track.Session, recs []bounceRec, nports int) bool {
	if nports >= bounceManyPorts || !clientPortSequence(recs) {
		return true
	}
	at := make(map[*track.Command]int, len(recs))
	for _, b := range recs {
		at[b.cmd] = -1
	}
	for i, c := range s.Commands {
		if _, ok := at[c]; ok {
			at[c] = i
		}
	}
	for _, b := range recs {
		i := at[b.cmd]
		if i < 0 || b.cmd.Refused || b.cmd.Final() == nil {
			continue // refused or unanswered: a client retries with another PORT
		}
		if !transferFollows(s.Commands[i+1:]) {
			return true
		}
	}
	return false
}

// transferFollows reports whether, among the commands after an accepted
// PORT (next), a transfer command comes before the next announcement,
// within transferLook commands; the session's end counts as one (the
// capture may have stopped there).
func transferFollows(next []*track.Command) bool {
	for i, c := range next {
		switch {
		case i >= transferLook:
			return false
		case transferVerb(c.Verb):
			return true
		case c.EndpointVia != 0 || announceVerb(c.Verb):
			return false // another PORT/PASV first: this one was not used
		}
	}
	return true
}

// announceVerb reports whether verb announces a data endpoint.
func announceVerb(verb string) bool {
	switch strings.ToUpper(verb) {
	case "PORT", "EPRT", "LPRT", "PASV", "EPSV", "LPSV":
		return true
	}
	return false
}

// transferVerb reports whether verb opens a data connection.
func transferVerb(verb string) bool {
	switch strings.ToUpper(verb) {
	case "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD":
		return true
	}
	return false
}

// clientPortSequence reports whether the ports recs name, in order, are
// what a client's OS hands out for its data ports one after another:
// distinct ports, either rising by small steps (at most
// maxClientPortStep: Windows, and the sequential low ranges of Windows
// XP/2003 and older Linux, 1024-5000), or all from randomizedPortLow up,
// where Linux (32768-60999) and FreeBSD (10000-65535) draw each port at
// random. A scan of a few ports repeats one, or jumps about the low
// ports.
func clientPortSequence(recs []bounceRec) bool {
	rising, random := true, true
	for i, b := range recs {
		cur := int(b.target.Port())
		random = random && cur >= randomizedPortLow
		for _, e := range recs[:i] {
			if e.target.Port() == b.target.Port() {
				return false
			}
		}
		if i > 0 {
			prev := int(recs[i-1].target.Port())
			rising = rising && cur > prev && cur-prev <= maxClientPortStep
		}
	}
	return rising || random
}

const (
	// bounceManyPorts: this many distinct ports of one host are a scan
	// even when they look like a client's: a client retrying active
	// mode gives up long before.
	bounceManyPorts = 10
	// maxClientPortStep is the largest step between a client's
	// consecutive data ports still read as its OS's sequence (other
	// connections of the host take ports in between).
	maxClientPortStep = 512
	// randomizedPortLow is the lowest port of the ranges an OS draws
	// data ports from at random (FreeBSD's 10000-65535; Linux's
	// 32768-60999 lies inside).
	randomizedPortLow = 10000
	// transferLook bounds the commands after an accepted PORT searched
	// for its transfer command (TYPE, REST, CWD may come between).
	transferLook = 8
)

// servicePort reports whether port is where a service listens rather
// than where a client opens its active-mode data port: a system port
// (below 1024: a client needs root for them, RFC 2577 asks servers to
// refuse them) or a well-known service port above 1024 that scans aim at
// inside a network (wellKnownServices). Every other port from 1024 up
// may be a client's: the OS ephemeral ranges reach down to 1024 (Windows
// XP/2003 1025-5000, older Linux 1024-4999, FreeBSD's 10000-65535 with
// its default first port, Linux 32768-60999, IANA's 49152-65535).
func servicePort(port uint16) bool {
	if port < 1024 {
		return true
	}
	_, ok := slices.BinarySearch(wellKnownServices[:], port)
	return ok
}

// wellKnownServices are service ports above 1024 a bounce scan inside a
// network aims at, sorted: etcd, web apps (3000, 5000, 8000, 8080, 8081,
// 8443, 8888, 9000), MySQL, RDP, PostgreSQL, Kibana, Redis, Kubernetes
// API and kubelet, VNC, Elasticsearch, MongoDB.
var wellKnownServices = [...]uint16{1433, 1521, 2049, 2375, 2376, 2379, 3000, 3306, 3389, 5000, 5432, 5601, 5900, 6379, 6443, 8000, 8080, 8081, 8443, 8888, 9000, 9090, 9200, 10250, 11211, 27017}

// allConnected reports whether every bounce attempt of recs had a data
// connection the target answered, and got through: what a client's own
// listener does.
func allConnected(recs []bounceRec) bool {
	for _, b := range recs {
		if b.dc == nil || !gotThrough(b.dc) {
			return false
		}
	}
	return len(recs) > 0
}

// ordinaryPorts says that the ports a session's PORTs named are client
// ports, for an unproven bounce's message.
func ordinaryPorts(ports map[uint16]bool) string {
	if len(ports) == 1 {
		for p := range ports {
			return fmt.Sprintf("port %d is an ordinary client port, not a service's", p)
		}
	}
	return fmt.Sprintf("the %d ports named are ordinary client ports, not services'", len(ports))
}

// bounceAllowedBy says, as sentences after the refuseForeign advice, which
// setting let a Unix server accept a bounce its stock build refuses
// (familydata.go gives the sources): vsftpd's one port_promiscuous lifts
// both its checks; ProFTPD and Pure-FTPd refuse a port below 1024 always,
// so one that accepted it is no stock build. Empty for the families with
// settings of their own, which refuseForeign names.
func bounceAllowedBy(fam family, s *track.Session, recs []bounceRec) string {
	if fam.ownDataSettings() {
		return ""
	}
	priv := 0
	for _, b := range recs {
		if b.dc != nil && b.target.Port() < 1024 {
			priv = int(b.target.Port())
			break
		}
	}
	fixedLow := ""
	if priv > 0 {
		fixedLow = fmt.Sprintf(" It also accepted port %d, below 1024, which stock %s refuses whatever its settings say: this is not a stock build, so block its active-mode data connections to ports below 1024 on a firewall.", priv, fam.kind.Product())
	}
	switch fam.kind {
	case policy.ServerVsftpd:
		return " Stock vsftpd refuses a PORT naming another address than the client's, or a port below 1024, so this one runs with port_promiscuous=YES: remove it from vsftpd.conf and restart vsftpd."
	case policy.ServerProFTPD:
		return " Stock ProFTPD refuses a PORT naming another host, so this one has AllowForeignAddress on: set it off and restart ProFTPD." + fixedLow
	case policy.ServerPureFTPd:
		opt := "AllowUserFXP (-w) or AllowAnonymousFXP (-W)"
		if anonymousUser(s.User) {
			opt = "AllowAnonymousFXP (-W), which lets anonymous sessions do it"
		}
		return " Stock Pure-FTPd refuses a PORT naming another host, so this one runs with " + opt + ": remove it and restart Pure-FTPd." + fixedLow
	}
	return " A stock vsftpd, ProFTPD or Pure-FTPd refuses it, so a setting let this one accept it: vsftpd port_promiscuous=YES, ProFTPD AllowForeignAddress on, or Pure-FTPd AllowUserFXP (-w) or AllowAnonymousFXP (-W)."
}

const (
	// bounceScanPorts: this many distinct foreign endpoints in one session
	// make a scan rather than an attempt.
	bounceScanPorts     = 3
	bounceRefused       = "refused by the server"
	bounceNeverAnswered = "never answered by the server"
)

// bounceState names a bounce's data connection outcome as a scan reads it.
func bounceState(dc *track.DataConn) string {
	if dc.Session != nil && toClientAddr(dc.Session, dc) {
		return fmt.Sprintf("sent to the client's own address instead (%s)", dc.Outcome)
	}
	switch dc.Outcome {
	case track.OutcomeTransferred, track.OutcomeConnected:
		return "connected (port open)"
	case track.OutcomeRefused:
		return "answered by RST (port closed)"
	case track.OutcomeUnanswered:
		return "unanswered (port filtered)"
	case track.OutcomeUnreachable:
		return "answered by ICMP unreachable"
	}
	return "accepted, no connection seen"
}
