package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// verdictWriter writes one server's verdict and change lines
// (Diagnoser.summarize). The verdict opens with a lead clause, the first
// case of leadClause that holds, and goes on with clauses for what the
// lead does not account for. What those parts share lives here: what has
// been accounted for, so that a later clause does not say it again, and
// the change lines by where they go in the list (changeLines).
type verdictWriter struct {
	d   *Diagnoser
	a   *serverAcc
	pol policy.Policy
	fam family
	// vfam names settings in the verdict: an unknown server's list of the
	// families' names is in the change block, which every verdict naming a
	// setting comes with.
	vfam family
	// fix is the range to fix things with: the policy's, else the server
	// configuration's (policy.Policy.PassiveRanges).
	fix   policy.Ranges
	total int // the server's data connections, of every outcome

	text string // the verdict so far
	// named: the verdict or the rules name the family's settings, so the
	// verdict says where the family came from (family.verdictNote).
	named bool
	// covered: the codes the verdict accounts for (accountFor), so that
	// the error findings of other kinds, and the warnings of a lost
	// transfer or an attack, are named after it (otherErrors,
	// otherProblems).
	covered map[string]bool

	// The change lines: rules, the lead's own; openRules, those opening a
	// passive range; rangeRules, those keeping the server inside the
	// firewall's range; tail, an alternative route, after the open and
	// range rules. changeLines puts them in order.
	rules, openRules, rangeRules, tail []string
	// unknownRange: a passive range is to be opened and none is known
	// (noRangeRules).
	unknownRange bool
	// openHead: the comment the open rules of a failure inside the known
	// range stand under; openOwn: the open rules are the server's own
	// configured range (the alternative to moving the server into the
	// firewall's).
	openHead string
	openOwn  bool

	// What the verdict accounts for of the failures that have a firewall
	// fix of their own (also names the others after it): passiveCovered,
	// the passive failure kinds (codes); activeCovered, the blocked active
	// ones; natLead, the passive failures the announced address caused
	// (the others are those at the control address); leadPorts, the
	// failed ports of the lead's passive failure kind.
	passiveCovered         map[string]bool
	activeCovered, natLead bool
	leadPorts              *PortStats
	// stopped: the passive failures stopped (directionStats.stopped):
	// the verdict says when they were, and the open rules are for if
	// they come back (stoppedHead).
	stopped bool
	// workedLead: the lead says only that the data connections worked
	// (dataOutcome, encryptedControl): errors it does not account for
	// come before it (write).
	workedLead bool
	// boxLead: every dropped passive data connection was dropped by the
	// box this capture was taken on (serverAcc.boxDrops): the open rules
	// are its forward chain's (passiveOpenAt).
	boxLead bool
}

// passiveOpenAt is where the open rules of the passive failures go: the
// capture's own box when it dropped them all (boxLead), else where the
// server's passive data connections meet their firewall.
func (v *verdictWriter) passiveOpenAt() place {
	if v.boxLead {
		return v.a.placeOf(v.a.boxAt)
	}
	return v.a.placeOf(v.a.passiveAt)
}

// verdict is a's verdict and change lines under pol, the server's policy.
// a.settleActive must have run.
func (d *Diagnoser) verdict(a *serverAcc, pol policy.Policy) (string, []string) {
	fam := d.serverFamily(a)
	v := &verdictWriter{d: d, a: a, pol: pol, fam: fam, vfam: fam.briefly(), fix: pol.PassiveRanges(),
		covered: map[string]bool{}, passiveCovered: map[string]bool{}}
	for _, n := range a.outcomes {
		v.total += n
	}
	return v.write()
}

// write writes the verdict and returns it with its change lines: the lead
// clause; "; also:" for the failures with a firewall fix of their own the
// lead leaves; the other passive form that worked (fallbackNote); the
// configuration error, when it does not lead; where the family came from,
// when settings are named; "; other errors:" for the error kinds nothing
// before accounts for, and "; other problems:" for such warnings of a
// lost transfer or an attack.
func (v *verdictWriter) write() (string, []string) {
	v.leadClause()
	also, alsoRules := v.also()
	v.text += also + v.fallbackNote()
	if !v.a.droppedLeads() {
		v.text += v.a.droppedNote() // (capturedrops.go)
	}
	rules := v.changeLines(alsoRules)
	if v.a.controlOnly > 0 && len(rules) > 0 && !strings.HasPrefix(rules[0], controlOnlyBoth) {
		// The rules rest on findings read while the capture held
		// nothing but control connections: the doubt goes where they
		// are printed, not only at the verdict's end.
		rules = append([]string{"# read while the capture held nothing but the control connections' packets: if a filter such as 'port 21' cut it, the SYNs may have passed the capture point and been stopped elsewhere; capture again without a port filter before applying these:"}, rules...)
	}
	v.text += v.a.configNote()
	if v.named {
		v.text += v.fam.verdictNote()
	}
	// What the also-clause names (every passive kind that failed, and
	// the blocked active ones) and configNote (the configuration error)
	// is accounted for too.
	for c := range v.a.failPorts {
		v.covered[c] = true
	}
	v.covered[CodeActiveBlocked], v.covered[CodeServerConfigError] = true, true
	others := v.a.otherErrors(v.covered)
	if v.workedLead && others != "" {
		// Sessions failed: the failures lead, what worked follows.
		v.text = "errors: " + strings.TrimPrefix(others, "; other errors: ") + "; besides, " + v.text
		others = ""
	}
	v.text += others + v.a.otherProblems(v.covered)
	if n := v.a.controlOnly; n > 0 {
		// Findings read while the capture input held nothing but
		// control connections (Finding.controlOnly): what the verdict
		// draws from them holds only if no filter cut the data
		// connections out. (Said of the findings, not of the capture:
		// a later packet of the input, or another input, may show the
		// data path; the findings were read before it.)
		verb := "rest"
		if n == 1 {
			verb = "rests"
		}
		v.text += fmt.Sprintf(" (%s %s on data connections missing from a capture that held nothing but the control connections' packets when they were read: if a filter such as 'port 21' cut it, the data connections were left out and this does not hold; capture again without a port filter before changing a firewall)",
			plural(n, "finding", "findings"), verb)
	}
	return v.text, rules
}

// leadClause writes the lead clause and its change lines: those of the
// first case that holds, so that a case's place in the list is its
// priority.
func (v *verdictWriter) leadClause() {
	a, pol := v.a, v.pol
	switch {
	case a.droppedLeads():
		v.captureDropped()
	case a.natUnmasq > 0 && a.natUnmasq == a.natHairpinCaused && a.natCaused == 0:
		v.hairpinUnmasqueraded()
	case a.natHairpinCaused > 0 && a.natCaused == 0:
		v.hairpinFailed()
	case a.natCaused > 0 && a.natReached == 0:
		v.addressUnreachable()
	case a.natReset > 0 && a.natReset >= a.passiveFailures():
		v.announcedReset()
	case a.fxpNATErr > 0:
		// An error, so above the FXP notes of dataOutcome, which would
		// leave it among the other errors.
		v.fxpAddressUnreachable()
	case a.bounce.seen():
		v.ftpBounce()
	case a.configLeads():
		v.configError()
	case a.findings[CodeDataSourceNAT] > 0 && a.findings[CodeDataSourceNAT] >= a.passiveFailures():
		// (Passive data connections dropped, refused or rejected more
		// often lead: this one goes among the other errors.)
		v.sourceNAT()
	case a.findings[CodeRangeExhausted] > 0:
		v.rangeExhausted()
	case a.findings[CodeControlIdle] > 0 && a.findings[CodeControlIdle] >= a.passiveFailures():
		// (Passive data connections dropped, refused or rejected more
		// often lead: this one goes among the other errors.)
		v.controlIdle()
	case a.otherHost.n > 0 && len(a.failPorts) == 0:
		v.otherHostLed()
	case a.spread.found && a.failPorts[CodeDataRefused] != nil:
		v.backendsSpread()
	case len(a.failPorts) > 0 && v.passiveSome() == someOwn:
		v.passiveSomeClients()
	case len(a.failPorts) > 0 && v.passiveSome() == someCut:
		v.passiveSomeCut()
	case a.failPorts[CodeDataUnanswered] != nil && a.synAckLost == a.findings[CodeDataUnanswered] && a.failPorts[CodeDataRefused] == nil && a.failPorts[CodeDataUnreachable] == nil:
		v.synAcksLost()
	case v.swappedFailed() != "":
		v.swappedRange(v.swappedFailed())
	case a.failPorts[CodeDataUnanswered] != nil:
		v.passiveFailed(CodeDataUnanswered)
	case a.failPorts[CodeDataRefused] != nil:
		v.passiveFailed(CodeDataRefused)
	case a.failPorts[CodeDataUnreachable] != nil && a.icmpKinds[icmpFirewall] == 0:
		v.icmpPath()
	case a.failPorts[CodeDataUnreachable] != nil:
		v.passiveFailed(CodeDataUnreachable)
	case a.findings[CodeActiveBlocked] > 0:
		v.activeBlocked()
	case a.outside.Count > 0 && len(pol.Ranges) == 0 && pol.Server != nil:
		v.outsideConfigRange()
	case a.outside.Count > 0 && len(pol.PassiveRanges()) > 0:
		v.outsideRange()
	case a.undelivered > 0:
		v.controlUndelivered()
	case a.loginWarn > 0 && a.findings[CodeDataUnanswered]+a.findings[CodeDataRefused]+a.findings[CodeDataUnreachable] == a.strangerOnce && a.natSerious == 0:
		// An info nat-mismatch (a note) never displaces it; a shared
		// address's login-brute-force info is no guessing.
		v.passwordGuessing()
	case a.natSerious > 0:
		v.addressMismatch()
	case a.bounceUnproven.seen():
		// Below every proven fault: the capture cannot tell this bounce
		// from a client behind a NAT, so the verdict says both.
		v.ftpBounceUnproven()
	case a.strangerOnce > 0 && len(a.failPorts) == 0:
		// Below every proven fault too: another address's one SYN, the
		// client's through a NAT or a scan rightly stopped.
		v.strangerOnly()
	case a.lostEndpoint > 0 && len(a.failPorts) == 0:
		// Below every proven fault too: the port the client's SYN
		// went to, its announcement lost.
		v.lostEndpointOnly()
	case a.tlsRefused > 0:
		v.tlsRefusedUnresumed()
	case a.encrypted > 0 && (a.hidden > 0 || v.total == 0):
		v.encryptedControl()
	case v.total == 0:
		v.noDataConnections()
	case a.filtered > 0 && a.filtered == a.findings[CodeDataNotAttempted]:
		v.filteredOut()
	case a.blind > 0 && a.blind == a.findings[CodeDataNotAttempted]:
		v.dataPathUnseen()
	case a.findings[CodePMTUBlackHole] > 0:
		v.pmtuBlackHole()
	case a.natIf > 0 && a.natIfAddr.IsValid():
		v.addressIfNAT()
	case a.staleUsed > 0 && a.outcomes[track.OutcomeTransferred]+a.outcomes[track.OutcomeConnected] == 0:
		v.staleEndpoint()
	case a.findings[CodeDataNotAttempted] > 0 && (a.unusedSerious > 0 || a.outcomes[track.OutcomeTransferred]+a.outcomes[track.OutcomeConnected] == 0):
		// (Notes alone beside data connections that worked, clients that
		// cancelled or asked again, are no verdict: the default says
		// what worked. With none that worked, what the notes say is all
		// there is: a capture that does not see the data path, say.)
		v.endpointsUnused()
	case a.activeRefused > 0 && (a.natReached > 0 || a.natRoutedOrNAT > 0) && a.natAddr.IsValid():
		// An error beside the notes below leads: the server refused
		// the clients' PORT/EPRT (when for the address, a capture that
		// sees the clients' own addresses, before their NAT, which took
		// them to the announced address as they dialled it).
		v.activeOverNotes()
	case a.natReached > 0 && a.natAddr.IsValid():
		// Only notes (info nat-mismatch): below every verdict a warning
		// or an error makes.
		v.reachedAsAnnounced()
	case a.natRoutedOrNAT > 0 && a.natAddr.IsValid():
		// Notes too, and weaker: the clients may be routed.
		v.routedOrNAT()
	case a.findings[CodeDataForeignSource] > 0:
		v.foreignSource()
	default:
		v.dataOutcome()
	}
}

// fxpAddressUnreachable: a server-to-server (FXP) transfer's connection
// to this server's passive port failed because the other server cannot
// reach the address this one announced (fxpPassiveAddr's error). The
// nat-mismatch finding holds the fix (the address to announce, or the
// roles swapped); announcing another address changes it for every client
// too, so the verdict writes no change lines of its own.
func (v *verdictWriter) fxpAddressUnreachable() {
	a := v.a
	v.accountFor(CodeNATMismatch)
	if a.fxpNATErr == 1 {
		v.text = fmt.Sprintf("a server-to-server (FXP) transfer's connection to this server's passive port failed, most likely because the server announces %s, an address the other server cannot reach; see nat-mismatch for the address to announce, or have the client swap the roles (PASV on the other server, PORT on this one)", a.fxpNATAddr)
		return
	}
	v.text = fmt.Sprintf("%d server-to-server (FXP) transfers' connections to this server's passive ports failed, most likely because the server announces %s, an address the other servers cannot reach; see nat-mismatch for the address to announce, or have the client swap the roles (PASV on the other server, PORT on this one)", a.fxpNATErr, a.fxpNATAddr)
}

// accountFor records that the verdict accounts for the findings of codes
// (covered).
func (v *verdictWriter) accountFor(codes ...string) {
	for _, c := range codes {
		v.covered[c] = true
	}
}

// coverPassive records that the lead accounts for every passive failure
// kind: the also-clause names none.
func (v *verdictWriter) coverPassive() {
	v.passiveCovered[CodeDataUnanswered], v.passiveCovered[CodeDataRefused], v.passiveCovered[CodeDataUnreachable] = true, true, true
}

// hairpinUnmasqueraded: clients on the server's own network sent to its
// public address, and the wire shows the cause: the server's answers from
// its private address, reset by the clients.
func (v *verdictWriter) hairpinUnmasqueraded() {
	a := v.a
	v.accountFor(CodeNATMismatch)
	v.text = fmt.Sprintf("the server announces its public address to clients on its own network, and the router loops their connections to it back to the server without masquerading them (loopback without masquerade): the server answers from %s directly and the clients reject that answer, so %s failed; masquerade the connections the router loops back (only those), or give those clients the private address %s (or EPSV)",
		a.addr.Addr(), plural(a.natUnmasq, "of their data connections", "of their data connections"), a.addr.Addr())
	v.natLead = true
}

// hairpinFailed: clients on the server's own network sent to its public
// address, and their data connections failed there: no address to set.
// The router's missing loopback is the likeliest cause, not the only one
// the wire allows.
func (v *verdictWriter) hairpinFailed() {
	a := v.a
	v.accountFor(CodeNATMismatch)
	v.text = fmt.Sprintf("the server announces its public address to clients on its own network, and %s to it failed: most likely the router does not loop connections to its public address back to the server (no NAT loopback, hairpin NAT); a loopback that does not masquerade, or a passive range the router does not forward or the server's firewall drops, looks the same from here; turn on NAT loopback (with masquerade) on the router, or give those clients the private address %s (or EPSV)",
		plural(a.natHairpinCaused, "of their data connections", "of their data connections"), a.addr.Addr())
	v.natLead = true
}

// addressUnreachable: a data connection failed because of the announced
// address: the client's SYNs went to it, not to the control address, or
// no SYN was seen. Clients that did reach it as announced (on the
// server's own network) are counted, not contradicted.
func (v *verdictWriter) addressUnreachable() {
	a := v.a
	v.accountFor(CodeNATMismatch)
	v.natLead = true
	// routes: with a NAT proven in front, both routes and their
	// trade-off: the address set, the router's helper no longer
	// follows the 227, so the range must be forwarded statically; or
	// the helper rewrites it. (Said before the setting, which ends
	// the verdict.)
	at := a.placeOf(a.passiveAt)
	enc := a.encrypted > 0 || a.hidden > 0
	routes := ""
	if at.nat {
		front := "the NAT router in front"
		if at.far {
			front = at.frontRouter(true)
		}
		routes = "forward (DNAT) the passive range to the server statically on " + front + ", accept it in its forward chain (see the change lines), and "
		if !enc {
			// (The setting ends the verdict: the two routes, and why
			// not both, come before it.)
			routes = "either attach the FTP helper on " + front + " (its nf_nat_ftp rewrites the 227 and lets each data connection through; then leave the address as it is: with it set, the 227 names another address than the server's and the helper, loose=0, no longer follows it), or " + strings.Replace(routes, "on "+front, "on that router", 1)
		}
		if a.natRoutedLAN {
			// The NAT is the TTLs' reading (routedOnLAN), and the
			// address is set already, to the wrong one: unset, the
			// server announces its own, which the helper rewrites.
			srv := a.addr.Addr().Unmap()
			routes = fmt.Sprintf("%s is on the clients' own network, yet the server's segments come through a router, most likely a NAT whose own address it is, forwarding port 21 to the server: setting the address alone does not make it forward the passive range; ", srv)
			if !enc {
				routes += fmt.Sprintf("either leave %s unset and attach the FTP helper on that router (its nf_nat_ftp rewrites the server's own address in the 227 to %s and lets each data connection through), or ", v.vfam.addrName(), srv)
			}
			routes += "forward (DNAT) the passive range statically on that router, accept it in its forward chain (see the change lines), and "
		}
	}
	if at.nat && !enc && v.vfam.noAddr() {
		v.helperOnly(a)
		return
	}
	v.text = fmt.Sprintf("the server announces %s, an address clients cannot reach: %sset %s", a.natAddr, routes, v.vfam.addrSet(a.natFix))
	if n := a.reachedCount(a.natAddr.Unmap()); n > 0 {
		v.text = fmt.Sprintf("the server announces %s, which only clients on its own network reach (%s from there worked); %s failed because of it: %sset %s",
			a.natAddr, plural(n, "data connection", "data connections"), plural(a.natCaused, "data connection", "data connections"), routes, v.vfam.addrSet(a.natFix))
	}
	v.rules = append(v.rules, v.fam.addrLines(a.natFix)...)
	v.named = true
	if at.nat {
		// The range forwarded and opened on the NAT router too:
		// what failed at the control address is covered.
		v.coverPassive()
		v.rules = append([]string{"# either announce the public address, and forward the passive range statically on the NAT router (below; once the address is set, an FTP helper there no longer follows the 227):"}, v.rules...)
		v.openFixRange()
		if !enc {
			v.tail = append(v.tail, "# or, instead, leave the address unset and attach the FTP helper on the NAT router (nf_nat_ftp rewrites the 227; not under FTPS):")
			v.tail = append(v.tail, helperLines(a.addr.Port(), false, "forward", a.v6)...)
		}
	}
}

// announcedReset: every passive failure is a refusal by the host at an
// announced address other than the control address (resetThere): the
// client reached it, so nothing is to be forwarded or opened for it; the
// 227 names another host than the server, or a port it does not listen
// on.
func (v *verdictWriter) announcedReset() {
	a := v.a
	v.accountFor(CodeNATMismatch)
	v.natLead = true
	at := a.natResetAt
	srv := a.addr.Addr().Unmap()
	v.text = fmt.Sprintf("the server announces %s, not its control address %s, and the data connection to port %d there was answered by a reset from %s: nothing listens on that port at it (another host of the server's network, or a port the server does not listen on; or a firewall rejecting it with tcp-reset); no range needs forwarding to it: set %s",
		at.Addr(), srv, at.Port(), at.Addr(), v.vfam.addrSet(srv.String()))
	v.rules = append(v.rules, v.fam.addrLines(srv.String())...)
	v.named = true
	v.coverPassive()
}

// helperOnly is addressUnreachable for a server behind a NAT whose
// greeting names a server without a passive address setting: no address
// to set, so the NAT's FTP helper, which rewrites the 227 and lets each
// data connection through, is the fix; no static range to forward.
func (v *verdictWriter) helperOnly(a *serverAcc) {
	lead := fmt.Sprintf("the server announces %s, an address clients cannot reach", a.natAddr)
	if n := a.reachedCount(a.natAddr.Unmap()); n > 0 {
		lead = fmt.Sprintf("the server announces %s, which only clients on its own network reach (%s from there worked); %s failed because of it",
			a.natAddr, plural(n, "data connection", "data connections"), plural(a.natCaused, "data connection", "data connections"))
	}
	at := a.placeOf(a.passiveAt)
	front := "the NAT router in front"
	if at.far {
		front = at.frontRouter(true)
	}
	v.text = fmt.Sprintf("%s: attach the FTP helper on %s (its nf_nat_ftp rewrites the 227 to %s and lets each data connection through); %s", lead, front, a.natFix, v.vfam.noAddrWhy())
	v.rules = append(v.rules, "# on "+at.frontRouter(true)+at.farNote()+": attach the FTP helper (nf_nat_ftp rewrites the 227 to "+a.natFix+" and lets each data connection through):")
	v.rules = append(v.rules, helperLines(a.addr.Port(), false, "forward", a.v6)...)
	v.named = true
	v.coverPassive()
}

// ftpBounce: a client used the server for an FTP bounce, proven to aim
// at another host.
func (v *verdictWriter) ftpBounce() {
	a := v.a
	v.accountFor(CodeFTPBounce)
	v.text = "a client used this server for an FTP bounce (RFC 2577); see the ftp-bounce finding"
	if a.bounce.fxp {
		v.text = "a client asked this server to connect to another host's ordinary port: a server-to-server (FXP) transfer, deliberate where the server allows FXP, or an FTP bounce (RFC 2577); see the ftp-bounce finding"
	}
	if a.bounce.sev == SeverityError {
		// The family's own setting, as the ftp-bounce finding gives
		// it (familydata.go): IIS's matchClientAddressForPort,
		// pyftpdlib's permit_foreign_addresses, the Unix servers'.
		v.text = "a client ran an FTP bounce port scan through this server, and the server connected out for it: refuse PORT/EPRT naming another host (" + v.fam.refuseForeign() + ")"
		v.named = v.named || v.fam.ownDataSettings()
	}
	if a.bounce.tunnel {
		v.text += tunnelVerdictDoubt
	}
}

// configError: the server's own configuration error explains what the
// data path shows after it (configLeads).
func (v *verdictWriter) configError() {
	a := v.a
	v.accountFor(CodeServerConfigError)
	v.text = "the server reports a configuration error of its own before any data connection; see the server-config-error finding for the setting"
	if a.configOthersWorkedAfter() {
		// Another kind got through after it (an EPSV after a PASV
		// error): the error stops its own kind only, which is what
		// the data line's successes do not contradict.
		v.text += fmt.Sprintf(" (it stops data connections announced with %s only: others got through after it)", configVerbs(a.configDirs))
	}
	// No data connection failed for a reason of its own after the
	// latest error (configLeads): what failed before it is not
	// what is broken now.
	v.coverPassive()
	v.activeCovered = true
}

// sourceNAT: the server refused data connections that came from another
// address than their control connection's.
func (v *verdictWriter) sourceNAT() {
	a := v.a
	v.accountFor(CodeDataSourceNAT)
	if a.hairpin > 0 && a.hairpin == a.findings[CodeDataSourceNAT] {
		v.text = "the server refused " + plural(a.hairpin, "data connection that reached", "data connections that reached") + " it from another host of its own network than their clients: it announces its public address to clients on that network, and the likeliest source is the router's NAT loopback masquerading them (or another host took the port); if it is the router, give those clients the private address (or EPSV); see data-source-nat"
		return
	}
	if a.hairpinDirect > 0 && a.hairpinDirect == a.findings[CodeDataSourceNAT] {
		v.text = "the server refused " + plural(a.hairpinDirect, "data connection", "data connections") + " of clients on its own network that reach its control port through the router's public address (hairpin NAT, masqueraded) and connect to the 227's address directly: attach the FTP helper on the router, or have those clients use the server's inside address (split DNS); see data-source-nat"
		return
	}
	if a.ownPrefix > 0 && a.ownPrefix == a.findings[CodeDataSourceNAT] {
		v.text = "the server refused " + plural(a.ownPrefix, "data connection that came", "data connections that came") + " from another address in the client's IPv6 /64 than the control connection: most likely the client's own temporary (privacy) address; make the client use one address for both connections; see data-source-nat"
		return
	}
	v.text = "the server refused " + plural(a.findings[CodeDataSourceNAT], "data connection that came", "data connections that came") + " from another address than the control connection: a source NAT translates the client's data connections only; see data-source-nat"
}

// rangeExhausted: the server ran out of passive ports and fell back to
// one outside its range.
func (v *verdictWriter) rangeExhausted() {
	a := v.a
	v.accountFor(CodeRangeExhausted)
	v.text = "the passive port range is too small for the rate of transfers: the server ran out of ports and fell back to one outside it; see passive-range-exhausted"
	if w := a.widened; w.Hi != 0 {
		// The finding's widened range, opened where the packets put
		// the firewall, and set in the server.
		v.text = fmt.Sprintf("the passive port range is too small for the rate of transfers: the server ran out of ports and fell back to one outside it; widen it to %s and open that (see passive-range-exhausted)", w)
		v.addOpen(policy.Ranges{w})
		v.rangeRules = append(v.rangeRules, v.fam.rangeLines(w)...)
		v.named = true
	}
	if a.exhaustedFailed >= a.passiveFailures() {
		// Every passive failure was at a fallback port: the range
		// explains them (its finding has their rules).
		v.coverPassive()
	}
}

// controlIdle: the path dropped control connections that stayed silent
// during transfers.
func (v *verdictWriter) controlIdle() {
	a := v.a
	v.accountFor(CodeControlIdle)
	its := "its final reply"
	if a.findings[CodeControlIdle] > 1 {
		its = "their final replies"
	}
	where := "something on the path"
	if a.idleUnplaced > 0 {
		// (A capture on the client's host shows its own firewall's
		// drop the same way.)
		where = "something on the path (or, if this capture was taken on the client's host, its own firewall)"
	}
	v.text = "the control connection stayed silent during " + plural(a.findings[CodeControlIdle], "transfer", "transfers") + " and " + where + " dropped it (a NAT or firewall idle timeout): " + its + " never arrived; see control-idle-timeout for the keepalive and timeout settings"
	if a.findings[CodeNATMismatch] > 0 && a.natAddr.IsValid() {
		// The announced address is wrong too: its fix still applies
		// (only where nothing rewrites it, when clients reached it).
		// Said, and its lines headed, as another finding's: an admin
		// who set it for the hang would still have the hang.
		if a.natSerious > 0 && a.natReached == 0 {
			v.text += fmt.Sprintf("; besides, the server announces %s, an address clients that trust the 227 cannot reach (see nat-mismatch): set %s", a.natAddr, v.vfam.addrSet(a.natFix))
		} else {
			v.text += fmt.Sprintf("; besides, the server announces its own address %s to clients from other networks: see nat-mismatch for whether to set %s (the change lines say when)", a.natAddr, v.vfam.addrName())
		}
		v.rules = append(v.rules, "# for nat-mismatch (the address the server announces), not for the idle timeout:")
		v.rules = append(v.rules, a.natRules(v.fam)...)
		v.named = true
	}
}

// passiveSomeClients: other clients' passive data connections got
// through the same ports, so the failures are these clients' path's, not
// the server's range (minority.go).
func (v *verdictWriter) passiveSomeClients() {
	a := v.a
	v.text = a.passiveClientVerdict(a.failedHow()) + v.keepInside() + v.natNote()
	v.coverPassive()
}

// passiveSome is what someClients makes of the passive failures.
func (v *verdictWriter) passiveSome() someReading {
	r, _ := v.a.passiveClients.someClients(true, v.pol.PassiveRanges())
	return r
}

// passiveSomeCut: what was kept shows the passive failures as some
// clients' own, but a bound left out evidence that could say otherwise
// (someCut): neither reading is proven, so the verdict says what was
// seen and what is missing, and gives no rule: the server-wide one
// would rest on the evidence lost as much as the clients' would.
func (v *verdictWriter) passiveSomeCut() {
	a := v.a
	ds := &a.passiveClients
	_, cut := ds.someClients(true, v.pol.PassiveRanges())
	who, addrs := ds.failingNames()
	its, it := "its", "it"
	if len(ds.failed.list) > 1 || ds.failed.dropped > 0 {
		its, it = "their", "them"
	}
	if ds.failed.dropped > 0 {
		who, addrs = fmt.Sprintf("more than %d clients (%s, ...)", maxSummaryClients, addrs), "those clients"
	}
	v.text = fmt.Sprintf("passive data connections of %s are %s on %s, while %s; that points to %s own path, but this capture holds more than ftpsniff keeps to be sure (%s), so no rule is given: look first at what treats %s differently (%s own firewall, a NAT or router in front of %s, a rule for %s address or network on the path or on the server); if nothing does, at the server's passive range",
		who, a.failedHow(), portsWord(ds.failPorts), ds.othersWorked("passive", true), its, cut, addrs, its, it, its) + v.keepInside() + v.natNote()
	v.coverPassive()
}

// synAcksLost: seen at the server, it answered every dropped passive
// data connection, and the answers never reached the client. Its range
// is not the fault.
func (v *verdictWriter) synAcksLost() {
	a := v.a
	ps := *a.failPorts[CodeDataUnanswered]
	v.passiveCovered[CodeDataUnanswered] = true
	v.text = "passive data connections reach the server on " + portsWord(ps) + " and it answers them, but its SYN-ACKs never reach the client: a firewall or NAT on the way back drops them, or the way back bypasses the stateful firewall the SYNs crossed; nothing on the server needs to change (see data-unanswered)" + v.natNote()
}

// passiveWay is a way passive data connections fail that an open port
// mends: the finding's code, how a verdict says it (%s: the ports), and
// how the open lines' heading and failedHow say it.
type passiveWay struct{ code, how, open string }

// passiveWays are the passive failure kinds in the order verdicts name
// them.
var passiveWays = [...]passiveWay{
	{CodeDataUnanswered, "dropped between client and server on %s", "dropped"},
	{CodeDataRefused, "refused with RST on %s (a firewall rejects them or nothing listens)", "refused with RST"},
	{CodeDataUnreachable, "rejected with ICMP unreachable on %s", "rejected with ICMP unreachable"},
}

// passiveFailed: passive data connections failed the way code says,
// on ports to open (with the range they lie in).
func (v *verdictWriter) passiveFailed(code string) {
	a := v.a
	i := slices.IndexFunc(passiveWays[:], func(w passiveWay) bool { return w.code == code })
	w := passiveWays[i]
	ps := *a.failPorts[code]
	byRouter := ""
	if code == CodeDataUnanswered && a.boxDrops > 0 && a.boxDrops == ps.Count {
		// (Not a firewall beyond it: the box saw the SYNs arrive and
		// sent none on, boxDropped.)
		w.how = "dropped by the box this capture was taken on (its forward chain: a router or firewall between client and server) on %s"
		v.boxLead = true
	}
	if n := a.routerResets; code == CodeDataRefused && n > 0 {
		// Not the server's RSTs (routerReset): the router's rules
		// lead the change lines (openLines).
		byRouter = " by the router in front of the server, not by the server (its RSTs come from fewer hops away than the server's own segments): it does not pass these ports to the server"
		if a.placeOf(a.passiveAt).far {
			// Two routers or more: which one answered, the TTLs do
			// not say beyond nearer than the server.
			byRouter = " by a router on the path, nearer this capture point than the server, not by the server (its RSTs come from fewer hops away than the server's own segments, which crossed two routers or more): it does not pass these ports to the server"
		}
		w.how = "refused with RST on %s"
		if n < ps.Count {
			byRouter = fmt.Sprintf(", %d of them by the router in front of the server, not by the server (its RSTs come from fewer hops away than the server's own segments)", n)
			w.how = passiveWays[i].how
		}
	}
	v.passiveCovered[code], v.leadPorts = true, &ps
	ports := v.d.failedPortsVerdict(ps, a, v.vfam)
	if v.vfam.noPassive && len(v.pol.PassiveRanges()) == 0 {
		// No range to set: the kernel's is the one it uses.
		ports = portsWord(ps) + "; " + kernelRangeVerdict(v.vfam)
	}
	in, out := v.failedSplit(code)
	if in != nil && out != nil {
		// Some inside the range, some outside: the first are to be
		// opened, the others are the server's straying.
		ports = v.d.mixedPortsVerdict(*in, *out, a, v.vfam, "on ")
		ps = *in
	}
	if byRouter != "" {
		// (Said of the ports, before the range advice after them.)
		head, rest, ok := strings.Cut(ports, "; ")
		ports = head + byRouter
		if ok {
			ports += "; " + rest
		}
	}
	if ds := &a.passiveClients; ds.stopped() {
		// Every failure was followed by a clean run on the same ports
		// (and kind of client): a past problem, not the present one.
		// The fix stays, for if it comes back.
		v.stopped = true
		v.text = "passive data connections were " + fmt.Sprintf(w.how, portsWord(ps)) + ": " + ds.stoppedWords("passive") +
			": not a current problem (a firewall rule missing then and in place since looks like this); nothing to change now; if they fail again on " + colonAdvice(ports) +
			v.keepInside() + v.natNote()
	} else if code == CodeDataUnanswered && a.passiveBefore == a.failPorts[code].Count && len(v.pol.PassiveRanges()) == 0 {
		// Each dropped endpoint had let the same client in before
		// (wordBefore): something changed since; no range to invent.
		whose := "clients'"
		if a.passiveBefore == 1 {
			whose = "client's"
		}
		v.text = "passive data connections are " + fmt.Sprintf(w.how, portsWord(ps)) + ", where the same " + whose + " passive data connections got through before: the firewall let them in then, so something changed since (a rule reloaded or removed, a ban or rate limit on the client's address, a full connection-tracking table): look there, not at the server's passive range (see data-unanswered)" + v.natNote()
		return
	} else {
		v.text = "passive data connections are " + fmt.Sprintf(w.how, ports) + a.passiveClients.hedge("passive", true) + v.keepInside() + v.natNote()
	}
	v.openFailed(ps, w.open)
	v.addRangeLines()
}

// colonAdvice is failedPortsVerdict's or mixedPortsVerdict's "port
// 40011; open it with …" as "port 40011: open it with …", to follow
// "if they fail again on".
func colonAdvice(ports string) string {
	head, advice, ok := strings.Cut(ports, "; ")
	if !ok || strings.Contains(head, ",") {
		return ports
	}
	return head + ": " + advice
}

// stoppedHead is the comment over the open rules of failures that
// stopped.
func (v *verdictWriter) stoppedHead() string {
	ds := &v.a.passiveClients
	after, _, _ := ds.afterFailures()
	return fmt.Sprintf("# not needed now: no passive data connection failed after %s, and %d worked since; if they fail again:",
		ds.failLast.UTC().Format("2006-01-02 15:04:05 UTC"), after)
}

// backendsSpread: passive data connections to the control address were
// refused by RST on ports interleaved with ones that worked (spread.go):
// more than one host answers at that address. No port to open: the
// connections must reach the backend that announced the port.
func (v *verdictWriter) backendsSpread() {
	a := v.a
	ps := *a.failPorts[CodeDataRefused]
	v.passiveCovered[CodeDataRefused], v.leadPorts = true, &ps
	a.backendsLead = true
	at := a.addr.Addr().Unmap()
	v.text = fmt.Sprintf("passive data connections to %s are refused with RST on %s while others to it worked (%s): no port rule does that; more than one host answers at %s (a load balancer or DNAT spreading connections over backends), and a data connection that lands on a backend other than the control connection's is refused there, since that backend never announced the port; keep each client on one backend (source-address persistence), or give each backend a public address of its own, or use one backend; opening ports changes nothing",
		at, portsWord(ps), a.spread.words(), at)
	v.rules = append(v.rules,
		fmt.Sprintf("# more than one host answers at %s: keep each client's connections, control and data, on one backend, e.g.:", at),
		"#   IPVS: a persistent service (ipvsadm -p) under one firewall mark for port 21 and the passive range",
		"#   HAProxy: balance source, or a stick table on src, for port 21 and the passive range alike",
		"#   nftables DNAT: dnat to jhash ip saddr mod N map { ... } in place of numgen (per client, not per connection)",
		"# or give each backend its own public address (its pasv_address), or run one backend")
}

// swappedFailed is the first passive failure kind (passiveWays) whose
// ports lie in the range the server hands out because its configured
// range is written with its ends swapped (ServerConfig.SwappedRange),
// outside the range meant; "" when there is none.
func (v *verdictWriter) swappedFailed() string {
	sc := v.pol.Server
	if sc == nil || len(sc.SwappedRange) == 0 || len(sc.PassiveRange) == 0 {
		return ""
	}
	for _, w := range passiveWays {
		ps := v.a.failPorts[w.code]
		if ps == nil {
			continue
		}
		r := policy.PortRange{Lo: ps.Min, Hi: ps.Max}
		if sc.PassiveRange.Covers(r) && !sc.SwappedRange.Contains(ps.Min) && !sc.SwappedRange.Contains(ps.Max) {
			return w.code
		}
	}
	return ""
}

// swappedRange: passive data connections failed the way code says on
// ports of the range the server uses because its configured one is
// written with its ends swapped: the fix is the range meant (or the
// firewall's, when given), opened unless the firewall's range is it;
// never the range the server strays into.
func (v *verdictWriter) swappedRange(code string) {
	a, pol, sc := v.a, v.pol, v.pol.Server
	i := slices.IndexFunc(passiveWays[:], func(w passiveWay) bool { return w.code == code })
	w := passiveWays[i]
	ps := *a.failPorts[code]
	v.passiveCovered[code], v.leadPorts = true, &ps
	want := mainRange(sc.SwappedRange)
	if len(pol.Ranges) > 0 {
		want = mainRange(pol.Ranges)
	}
	written := fmt.Sprintf("%s: %d-%d", v.vfam.rangeName(), sc.SwappedRange[0].Hi, sc.SwappedRange[0].Lo)
	if lo, hi, ok := strings.Cut(v.vfam.rangeName(), "/"); ok {
		written = fmt.Sprintf("%s=%d is above %s=%d", lo, sc.SwappedRange[0].Hi, hi, sc.SwappedRange[0].Lo)
	}
	v.text = "passive data connections are " + fmt.Sprintf(w.how, portsWord(ps)) + a.passiveClients.hedge("passive", true) +
		fmt.Sprintf(", in the range %s the server hands out because %s writes its passive range with the ends swapped (%s, so the server ignores one end): set %s to %s",
			sc.PassiveRange, sc.Path, written, v.vfam.rangeName(), want)
	if !pol.Ranges.Covers(want) {
		v.text += " and open that range"
		v.addOpen(policy.Ranges{want})
	}
	v.text += v.natNote()
	v.rangeRules = append(v.rangeRules, v.fam.rangeLines(want)...)
	v.named = true
	v.accountFor(CodePortOutsideRange)
}

// failedSplit is code's failed ports inside and outside the passive
// range (serverAcc.failIn, failOut), either nil when none failed there;
// both nil when the ranges the sessions had are not the verdict's, or
// the failures at another address than the control connection's are
// the verdict's (natLead): then only the span of them all is known.
func (v *verdictWriter) failedSplit(code string) (in, out *PortStats) {
	a, rs := v.a, v.pol.PassiveRanges()
	in, out = a.failIn[code], a.failOut[code]
	all := a.failPorts[code]
	switch {
	case v.natLead || all == nil || len(rs) == 0:
		return nil, nil
	case in.count()+out.count() != all.Count:
		// Some failed under a session policy with no range.
		return nil, nil
	case in != nil && !(rs.Contains(in.Min) && rs.Contains(in.Max)):
		return nil, nil
	case out != nil && (rs.Contains(out.Min) || rs.Contains(out.Max)):
		return nil, nil
	}
	return in, out
}

// count is ps's Count, 0 for nil.
func (ps *PortStats) count() int {
	if ps == nil {
		return 0
	}
	return ps.Count
}

// icmpPath: no firewall's reject among the ICMP errors that ended
// passive data connections: opening ports changes nothing (see
// data-unreachable).
func (v *verdictWriter) icmpPath() {
	v.text = v.a.icmpPathVerdict() + v.natNote()
	v.passiveCovered[CodeDataUnreachable] = true
}

// activeBlocked: the server's active data connections to its clients
// were blocked.
func (v *verdictWriter) activeBlocked() {
	v.accountFor(CodeActiveBlocked)
	var lines []string
	v.text, lines = v.a.activeBlockedVerdict(v.fam)
	if v.passiveUnusedToo() {
		// Its advice to use passive mode does not hold: the capture
		// shows passive mode failing too.
		v.text = v.bothModesBlocked()
	}
	v.rules = append(v.rules, lines...)
	v.activeCovered = true
}

// bothModesBlocked is the verdict of blocked active data connections
// beside passive endpoints the clients never came to, none working: new
// data connections fail both ways, and one firewall or router between
// stops both most likely, the one whose ICMP errors answered the active
// ones when one did.
func (v *verdictWriter) bothModesBlocked() string {
	a := v.a
	v.accountFor(CodeDataNotAttempted)
	who := "the client"
	if len(a.activeFailing.m) > 1 || a.activeFailing.dropped > 0 {
		who = "the clients"
	}
	t := fmt.Sprintf("data connections fail in both modes: the server's active data connections back to %s are blocked (see active-blocked), and %s never came to %s the server announced (see data-not-attempted), so passive mode is no way out; ",
		who, who, plural(a.passiveUnused, "passive endpoint", "passive endpoints"))
	if r := a.activeRouter; r.IsValid() && !a.activeRouters {
		return t + fmt.Sprintf("most likely one router or firewall between them stops new connections both ways: %s, which rejected the active ones with ICMP errors, is on that path; let the server's passive range through it to the server and the active data connections to %s (its forward chain), or attach the FTP helper there (see the change lines), which lets both in", r, who)
	}
	return t + "most likely one router or firewall between them stops new connections both ways (or each end's own firewall stops one): let the server's passive range through to the server and the active data connections to " + who + ", or attach the FTP helper where they cross (see the change lines), which lets both in; a capture on the client's side shows where its passive SYNs stop"
}

// activeBlockedVerdict is the verdict of the server's blocked active
// data connections and their change lines; fam is the server's family,
// whose system the rules for its own host follow.
func (a *serverAcc) activeBlockedVerdict(fam family) (string, []string) {
	if a.activeNAT {
		if a.activeEncrypted == a.findings[CodeActiveBlocked] {
			return "active data connections from the server back to the client are blocked, and the client announces an address a NAT in front of it does not rewrite; the control channel is encrypted, so no helper on that NAT router can rewrite the PORT: use passive mode", a.activeHelperLines(place{}, true)
		}
		return "active data connections from the server back to the client are blocked, and the client announces an address a NAT in front of it does not rewrite: use passive mode, or attach the FTP helper on that NAT router", a.activeHelperLines(place{}, true)
	}
	n, x, b := a.findings[CodeActiveBlocked], a.activeExternal, a.activeBehindNAT
	if n > 0 && a.activeDefaultPort == n {
		// No PORT or EPRT at all: no helper expects these, and each
		// transfer reuses the four ends of the one before.
		return fmt.Sprintf("active data connections from the server back to the client are blocked on RFC 959's default data port: the client sends no PORT or EPRT, so the server connects from its port %d to the client's control port, the same four ends for every transfer of a session, which the previous transfer's connection may still hold in TIME_WAIT (on the client or in a stateful firewall or NAT), and which no FTP helper expects (see active-blocked); use passive mode, or make the client send PORT or EPRT before each transfer", a.addr.Port()-1), nil
	}
	if n > 0 && a.activeBoxDrops == n {
		// The box the capture was taken on saw the server's SYNs
		// arrive and sent none on (boxDropped): its forward chain.
		l := []string{"# on the router this capture was taken on, which dropped them: attach the FTP helper, accept what it expects in forward:"}
		return "active data connections from the server back to the client are dropped by the box this capture was taken on (its forward chain: a router or firewall between server and client; see active-blocked); use passive mode, or let them through on that box with the FTP helper (the change lines)", append(l, helperLines(a.addr.Port(), false, "forward", a.v6)...)
	}
	if n > 0 && x == n {
		// Every one named most likely the client's NAT's public address,
		// and none came through that NAT to the client's side
		// (externalBlocked).
		who := "the client"
		if len(a.activeFailing.m) > 1 || a.activeFailing.dropped > 0 {
			who = "the clients"
		}
		return fmt.Sprintf("active data connections from the server back to %s are most likely blocked at the NAT in front of %s: the PORT names a public address, which is that NAT's own when the client is set to announce it (an external-IP setting), and the NAT does not forward the port to the client (see active-blocked, which gives the other reading: an FTP bounce to a host that did not answer); use passive mode, or forward the client's active-mode port range on that router (its FTP helper opens nothing for such a PORT)", who, who), nil
	}
	if x > 0 && b > 0 && x+b == n {
		// Both of the client's side's causes, each named: a private
		// address the NAT did not rewrite (portBehindNAT), and a public
		// one, most likely the NAT's own, whose port it did not forward
		// (externalBlocked). The change lines are the first's.
		who := "the client"
		if len(a.activeFailing.m) > 1 || a.activeFailing.dropped > 0 {
			who = "the clients"
		}
		return fmt.Sprintf("active data connections from the server back to %s are blocked at the NAT in front of %s: for %s the PORT/EPRT named a private address, which the server cannot reach and that NAT did not rewrite; for %s it named a public address, most likely that NAT's own (an external-IP setting in the client; see active-blocked for the other reading, an FTP bounce), whose port the NAT does not forward; use passive mode, or let the FTP helper or ALG on the NAT router rewrite the private address (the change lines), and forward the client's active-mode port range on the router whose address the client announces; no rule on the server's side helps",
			who, who, plural(b, "connection", "connections"), plural(x, "connection", "connections")), a.activeHelperLines(place{}, true)
	}
	// The ones that named most likely the client's NAT's own public
	// address (externalBlocked), in a verdict about the others.
	external := ""
	if x > 0 {
		those := "those"
		if x == 1 {
			those = "it"
		}
		external = fmt.Sprintf("; %s named a public address in PORT/EPRT, most likely the client's NAT's own (an external-IP setting), whose port that NAT does not forward (see active-blocked): no rule on the server's side helps %s",
			plural(x, "connection", "connections"), those)
	}
	elsewhere, tried, failing := a.activeElsewhere()
	// SYNs seen leaving a NAT box the capture was taken on went
	// beyond the server's side: no rule for it.
	atClient := a.activeAtClient() || a.activeBeyondNAT > 0
	some, _ := a.activeClients.someClients(false, nil)
	switch {
	case some == someOwn:
		// (someCut falls to the verdicts below, which name both
		// sides: none claims the server's alone.)
		// Other clients' active data connections got out: the
		// server's side lets them through (minority.go).
		return a.activeClientVerdict(), a.activeHelperLines(a.placeOf(a.activeAt), false)
	case activeServerSide(elsewhere, tried, failing, atClient):
		// The mirror: these clients take active data connections
		// from other servers, so their side lets them in.
		return a.activeServerVerdict(elsewhere, tried, failing), a.activeEgressLines()
	}
	// One client, or many: the words for as many as failed.
	who, whose, them := "the client", "the client's side", "the client"
	if failing > 1 || a.activeFailing.dropped > 0 {
		who, whose, them = plural(failing, "client", "clients"), "the clients' side", "the clients"
		if a.activeFailing.dropped > 0 {
			who = "at least " + who
		}
	}
	passive := "use passive mode"
	if a.activeFtpExe == a.findings[CodeActiveBlocked] {
		// Windows's ftp.exe has no passive mode (ftpExe).
		which := "which the client most likely is"
		if them != "the client" {
			which = "which these clients most likely are"
		}
		passive = "use a client that has passive mode (Windows's ftp.exe, " + which + ", has none)"
	}
	if b > 0 && b == n {
		// Seen from the client's side, each PORT named the client's
		// private address, and the server, at a public one, reported it
		// could not connect: the client's NAT, not the server's output
		// chain (portBehindNAT).
		names, it, nat := "the client names its private address", "it", "the client's NAT router"
		if them != "the client" {
			names, it, nat = "the clients name their private addresses", "them", "the clients' NAT router"
		}
		head := fmt.Sprintf("active data connections from the server back to %s are blocked: %s in PORT/EPRT, which the server cannot reach (the capture, on %s, shows %s before the NAT in front of %s)",
			who, names, whose, it, them)
		serverSide := "no rule on the server's side helps"
		if a.activeNATGuessed > 0 {
			// The NAT is the addresses' guess: a routed private
			// network looks the same (portBehindNAT).
			serverSide += ", unless the network routes private addresses to the server (a VPN, a campus: no NAT), where the server's outgoing firewall is the one to check"
		}
		if a.activeEncrypted == n {
			return fmt.Sprintf("%s, and the control channel is encrypted, so no helper on %s can rewrite %s (see active-blocked); %s; %s",
				head, nat, it, passive, serverSide), a.activeHelperLines(place{}, true)
		}
		return fmt.Sprintf("%s, and that NAT does not rewrite %s or does not let the connection in (see active-blocked); %s, or let the FTP helper or ALG on %s rewrite %s; %s",
			head, it, passive, nat, it, serverSide), a.activeHelperLines(place{}, true)
	}
	if a.activeNoSYN > 0 && a.activeNoSYN+x == n {
		// The server reported each failed, and no SYN of any
		// reached the capture point: its output chain or the
		// path stopped them before the client's firewall could
		// (but the ones external names, stopped at the client's
		// router).
		out := "its output chain"
		switch fam.host() {
		case hostWindows:
			out = "its outbound rules in Windows Defender Firewall"
		case hostWindowsOrLinux:
			out = "its outbound rules on Windows, its output chain on Linux"
		}
		if a.activeNoSYNUnsure == a.activeNoSYN {
			// Every one read from a capture of the control connections
			// alone: a filter may have hidden SYNs that left the
			// server, and then the client's side dropped them. Both
			// sides' rules, each with its condition.
			l := append([]string{controlOnlyBoth}, a.serverOutputLines(fam)...)
			l = append(l, "# if the server's SYNs left it, and a filter such as 'port 21' cut them out of the capture, "+whose+" drops them:")
			l = append(l, a.activeHelperLines(placeHost, false)...)
			return fmt.Sprintf("active data connections from the server back to %s are blocked, and the capture holds nothing but the control connections' packets (the server reported it could not connect: see active-blocked): if no SYN left the server, its outgoing firewall (%s) or a firewall on the path stops them; if a filter such as 'port 21' cut the SYNs out of the capture, a firewall on %s may; capture again without a port filter to see which; %s, or let them out on the server or in on %s (see the change lines)%s",
				who, out, whose, passive, them, external), l
		}
		return fmt.Sprintf("active data connections from the server back to %s are blocked before any SYN reached the capture point (the server reported it could not connect: see active-blocked): the server's outgoing firewall (%s) or a firewall on the path stops them, not a firewall on %s; %s, or let them out on the server (see the change lines)%s",
			who, out, whose, passive, external), a.serverOutputLines(fam)
	}
	v := fmt.Sprintf("active data connections from the server back to %s are blocked (see the active-blocked findings for where: %s, or the server's outgoing firewall when no SYN left it); %s, or let them out on the server and in on %s",
		who, whose, passive, them)
	v += external + a.activeClients.hedge("active", false) + a.activeElsewhereHedge(elsewhere, failing, atClient)
	return v, a.activeHelperLines(a.placeOf(a.activeAt), false)
}

// controlOnlyBoth heads the change lines of active-mode connections
// blocked with no SYN seen in a capture of the control connections
// alone, which give both sides' rules.
const controlOnlyBoth = "# if no SYN left the server (a capture without a port filter shows it):"

// outsideConfigRange: the server announces ports outside the range the
// configuration given sets: it is set already.
func (v *verdictWriter) outsideConfigRange() {
	a, pol := v.a, v.pol
	v.accountFor(CodePortOutsideRange)
	v.text = fmt.Sprintf("the server announces passive %s outside the range %s that %s sets: the server that answered does not run that configuration (check the file it reads and restart it)", portsWord(a.outside), pol.PassiveRanges(), pol.Server.Path)
}

// outsideRange: the server announces ports outside the firewall's range.
// (Counted from findings made with each session's policy: when the
// server's has no range, a configuration that applied to the sessions
// does not to the server, and the findings say it.)
func (v *verdictWriter) outsideRange() {
	a, pol := v.a, v.pol
	v.accountFor(CodePortOutsideRange)
	v.text = fmt.Sprintf("the server announces passive %s outside the range %s", portsWord(a.outside), pol.PassiveRanges())
	if sl := v.keepInside(); sl != "" {
		v.text += sl
	} else {
		v.text += ", which its configuration sets already: the server that answered does not run it"
	}
	// The alternative to moving the server is opening the range it
	// really uses: known only from its configuration.
	if sc := pol.Server; sc != nil && len(sc.PassiveRange) > 0 && !sc.PassiveRange.Covers(mainRange(pol.Ranges)) {
		v.addOpen(sc.PassiveRange)
		v.openOwn = true
	}
	v.addRangeLines()
}

// controlUndelivered: control segments never got through, dropped for
// what they hold.
func (v *verdictWriter) controlUndelivered() {
	v.accountFor(CodeControlUndelivered)
	what := plural(v.a.undelivered, "control segment", "control segments")
	switch large, hedged := v.a.undeliveredLarge, v.a.undeliveredHedged; {
	case hedged == v.a.undelivered:
		// What each finding says: either cause, the ICMP errors tell.
		v.text = fmt.Sprintf("%s sent again and again never reached the other side, which acknowledged what came before (see control-undelivered): either a firewall between drops them for what they hold (an IPS or FTP ALG), or they are too large for a link on the path and its router's ICMP errors never reach the sender (a path MTU black hole); ICMP errors quoting them, in this capture or one on the sender's side, tell which", what)
	case large == 0 && hedged == 0:
		v.text = fmt.Sprintf("%s sent again and again never reached the other side, which acknowledged what came before (see control-undelivered): a firewall between drops them for what they hold; a Linux FTP helper does so with a PORT, EPRT, 227 or 229 split across segments or malformed", what)
	case large == v.a.undelivered:
		v.text = fmt.Sprintf("%s sent again and again never reached the other side, which acknowledged what came before (see control-undelivered): lines too large for a small link on the path, most likely a path MTU black hole (the router's ICMP errors never reach the sender); or a firewall between drops them for what they hold", what)
	default:
		v.text = fmt.Sprintf("%s sent again and again never reached the other side, which acknowledged what came before (see control-undelivered, which says which is likelier for each): a firewall between drops them for what they hold (a Linux FTP helper does so with a PORT, EPRT, 227 or 229 split across segments or malformed), or they are too large for a link on the path and its router's ICMP errors never reach the sender (a path MTU black hole)", what)
	}
}

// passwordGuessing: a client guesses passwords, and no passive data
// connection failed.
func (v *verdictWriter) passwordGuessing() {
	v.accountFor(CodeLoginAttack)
	v.text = "a client is guessing passwords (see login-brute-force); the data connections are not the problem"
	if v.a.loginSpread == v.a.loginWarn {
		v.text = "an account is being guessed from many addresses, none failing often enough to stand out alone (see login-brute-force): blocking an address does not stop it, protect the account; the data connections are not the problem"
	}
	if v.a.loginTunnel == v.a.loginWarn {
		// Every warning rests on packets seen only inside a tunnel.
		v.text += tunnelLoginDoubt
	}
}

// addressMismatch: a nat-mismatch worse than a note: the server announces
// a private address (natAddr), or, with none, active-mode clients announce
// addresses the server cannot reach.
func (v *verdictWriter) addressMismatch() {
	a := v.a
	v.accountFor(CodeNATMismatch)
	if a.natSeriousActive == a.natSerious {
		// Every one worse than a note is a client's PORT/EPRT: that is
		// the failure; an address of the server's in the notes is no
		// proven fault (an FTP helper may be rewriting its 227).
		v.activeAddressMismatch()
		return
	}
	switch {
	case a.natAddr.IsValid() && a.natReached > 0:
		// Seen from the server's side, clients from other networks
		// reached the private address as announced, and another
		// announcement of it was worse than a note.
		v.reachedAsAnnounced()
	case a.natAddr.IsValid() && a.natByHand:
		v.text = fmt.Sprintf("passive mode works only because clients ignore the address %s the server announces; set %s", a.natAddr, v.vfam.addrSet(a.natFix))
		v.rules = append(v.rules, v.fam.addrLines(a.natFix)...)
		v.named = true
	case a.natAddr.IsValid():
		v.text = fmt.Sprintf("the server announces %s, which only works on its own network; clients behind NAT or outside need %s", a.natAddr, v.vfam.addrSet(a.natFix))
		v.rules = append(v.rules, v.fam.addrLines(a.natFix)...)
		v.named = true
	default:
		// (Not reached: a passive one worse than a note names natAddr.)
		v.activeAddressMismatch()
		return
	}
	if a.natSeriousActive > 0 {
		// Clients' PORT/EPRT too: named, as the nat-mismatch code is
		// accounted for and otherErrors would leave them out.
		v.text += "; also: " + activeNATWords(a)
	}
}

// activeNATWords names the failure of active-mode clients whose NAT did
// not rewrite their PORT/EPRT.
func activeNATWords(a *serverAcc) string {
	if a.helperBlind > 0 {
		return "active-mode clients announce addresses the server cannot reach (a NAT whose FTP helper could not see the PORT/EPRT: see helper-no-expectation)"
	}
	return "active-mode clients announce addresses the server cannot reach (NAT without the FTP helper)"
}

// activeAddressMismatch: the nat-mismatch findings worse than a note are
// all of clients' PORT/EPRT. That failure leads; passive mode is its fix
// only where the capture does not show passive mode failing too, and
// what the passive notes say follows in their own careful words: a 227
// the clients reached as announced may be an FTP helper's rewriting,
// which setting the address would stop.
func (v *verdictWriter) activeAddressMismatch() {
	a := v.a
	v.text = activeNATWords(a)
	lead := v.text
	switch {
	case a.natIf > 0 && a.natIfAddr.IsValid():
		// The passive endpoints went unused, at an address that fails
		// if a NAT sits in front of the server.
		v.addressIfNAT()
		v.text = lead + "; passive mode is no sure way out either: " + v.text
		return
	case v.passiveUnusedToo():
		v.accountFor(CodeDataNotAttempted)
		v.text += fmt.Sprintf("; passive mode is no sure way out either: %s the server announced went unused, and none worked (see data-not-attempted)",
			plural(a.passiveUnused, "passive endpoint", "passive endpoints"))
		return
	}
	v.text += "; use passive mode"
	switch {
	case a.natReached > 0 && a.natAddr.IsValid():
		v.reachedAsAnnounced()
	case a.natRoutedOrNAT > 0 && a.natAddr.IsValid():
		v.routedOrNAT()
	default:
		return
	}
	v.text = lead + "; use passive mode; in passive mode, " + v.text
}

// passiveUnusedToo reports whether the capture shows passive mode failing
// beside what leads: the clients never came to passive endpoints they
// were given (passiveUnused), and no data connection worked.
func (v *verdictWriter) passiveUnusedToo() bool {
	a := v.a
	return a.passiveUnused > 0 && a.outcomes[track.OutcomeTransferred]+a.outcomes[track.OutcomeConnected] == 0
}

// ftpBounceUnproven: a PORT/EPRT named a host of the server's own
// network: a bounce, or the client's own address behind a NAT.
func (v *verdictWriter) ftpBounceUnproven() {
	v.accountFor(CodeFTPBounce)
	b := v.a.bounceUnproven
	v.text = fmt.Sprintf("a client's %s named %s, a host in the server's own network: an FTP bounce (RFC 2577), or the client's own address behind a NAT that does not rewrite PORT (a client network that uses the server's addresses, or the server's own NAT); a capture on the client's side tells: see the ftp-bounce finding",
		b.verb, b.target.Unmap())
}

// tlsRefusedUnresumed: the reply is readable (after CCC): the refusal is
// seen, though the data connection itself was made. Only a reply that
// names resumption proves the requirement; the family's bare refusal
// (ProFTPD's 425) is what such a server answers.
func (v *verdictWriter) tlsRefusedUnresumed() {
	a := v.a
	v.accountFor(CodeTLSNotResumed)
	why := "its reply says it requires resumption"
	if a.tlsRefusedNamed < a.tlsRefused {
		why = "its reply is what a server that requires resumption answers"
	}
	v.text = fmt.Sprintf("the server refused %s after a TLS handshake that did not resume the control connection's TLS session (%s); see data-tls-not-resumed", plural(a.tlsRefused, "data connection", "data connections"), why)
}

// encryptedControl: the control channel is encrypted and hid the
// announcements of data connections, or the capture holds none: no
// firewall helper can follow them, so the passive range must be open
// statically.
func (v *verdictWriter) encryptedControl() {
	a := v.a
	switch {
	case a.hidden > 0 && failedPassive(a) == 0 && a.tlsUnresumed > 0:
		v.accountFor(CodeTLSNotResumed)
		// "only a TLS handshake" where every such connection's records
		// were read as handshake and nothing else.
		carried := fmt.Sprintf("%d of them made a full TLS handshake that did not resume the control connection's session and carried no more than %d KiB", a.tlsUnresumed, maxRefusedTLSBytes>>10)
		switch {
		case a.tlsHandshakeOnly == a.tlsUnresumed:
			carried = fmt.Sprintf("%d of them carried only a TLS handshake that did not resume the control connection's session", a.tlsUnresumed)
		case a.tlsCutOff == a.tlsUnresumed:
			carried = fmt.Sprintf("%d of them made a full TLS handshake that did not resume the control connection's session, and the server cut the upload off", a.tlsUnresumed)
		case a.tlsHandshakeOnly+a.tlsCutOff == a.tlsUnresumed:
			carried = fmt.Sprintf("%d of them made a full TLS handshake that did not resume the control connection's session and carried only that handshake, or an upload the server cut off", a.tlsUnresumed)
		}
		v.text = fmt.Sprintf("the control channel is encrypted and the data connections were made, but %s: if the server requires resumption, it refused them (see data-tls-not-resumed); no firewall helper can follow them, so the passive range must stay open statically",
			carried)
	case a.hidden > 0 && failedPassive(a) == 0 && a.findings[CodeTLSReset] > 0:
		v.accountFor(CodeTLSReset)
		v.text = fmt.Sprintf("the control channel is encrypted and the data connections were made, but the server reset %s at the client's TLS ClientHello (see data-tls-reset); no firewall helper can follow them, so the passive range must stay open statically",
			plural(a.findings[CodeTLSReset], "data connection", "data connections"))
	case a.hidden > 0 && failedPassive(a) == 0 && a.findings[CodeTLSFailed] > 0:
		// Made, but their TLS never started (tls.go): not "worked".
		v.accountFor(CodeTLSFailed)
		n, them := a.findings[CodeTLSFailed], "them"
		if n == 1 {
			them = "it"
		}
		v.text = fmt.Sprintf("the control channel is encrypted and the data connections were made, but the server ended the TLS handshake of %s before its ServerHello, so no file moved on %s (see data-tls-failed); no firewall helper can follow them, so the passive range must stay open statically",
			plural(n, "data connection", "data connections"), them)
	case a.hidden > 0 && failedPassive(a) == 0 && a.findings[CodeTLSRequired] > 0:
		// Made, but refused for want of TLS on them (tlsdata.go): not
		// "worked". The replies that would say so are ciphertext.
		v.accountFor(CodeTLSRequired)
		v.text = fmt.Sprintf("the control channel is encrypted and the data connections were made, but %d of them moved no file: on each the client began no TLS and the server answered with a TLS alert or a reset, as a server that requires protected data connections does to a client that sent PROT C (the replies are encrypted, so this is the likeliest reading, not a certainty: see data-tls-required); have the client send PROT P (curl --ssl-reqd, lftp set ftp:ssl-protect-data yes) or let the server accept clear data (%s); no firewall helper can follow them, so the passive range must stay open statically",
			a.findings[CodeTLSRequired], clearDataAllowed(v.fam))
	case v.total == 0:
		v.accountFor(CodeControlEncrypted)
		// No data connection in the capture: none made, or none the
		// capture holds (a filter on the control port). Nothing worked
		// or failed that it can show.
		v.text = "the control channel is encrypted and no data connection was seen: its announcements are hidden, so whether any was made, and where, cannot be told from this capture (capture without a port filter to see them); no firewall helper can follow them, so the passive range must stay open statically"
	case a.hidden > 0 && failedPassive(a) == 0:
		v.accountFor(CodeControlEncrypted)
		v.workedLead = true
		v.text = "the control channel is encrypted and the data connections worked: no firewall helper can follow them, so the passive range must stay open statically"
		if n := a.findings[CodeDataCleartext]; n > 0 {
			// Worked, but not as private as the control channel.
			v.accountFor(CodeDataCleartext)
			v.text = fmt.Sprintf("the control channel is encrypted and the data connections worked, %d of them in clear (see data-cleartext): no firewall helper can follow them, so the passive range must stay open statically",
				n)
		}
	default: // hidden announcements, and passive failures
		v.accountFor(CodeControlEncrypted)
		v.text = "the control channel is encrypted: no firewall helper can see the data ports; open the passive range statically"
	}
	if len(v.fix) > 0 {
		v.addOpen(v.fix)
	}
	v.addRangeLines()
}

// noDataConnections: the capture holds no data connection of the server;
// the verdict says why, as far as it tells.
func (v *verdictWriter) noDataConnections() {
	a := v.a
	switch {
	case a.connectFailed() > 0 && a.connectFailed()+a.refused >= a.sessions:
		v.accountFor(CodeControlRefused, CodeControlUnreachable, CodeControlUnanswered, CodeSessionRefused)
		// No session got as far as a command: their control connections
		// never opened (connect.go).
		var lines []string
		v.text, lines = a.connectVerdict(v.fam)
		v.rules = append(v.rules, lines...)
		// (Rules in the syntax of the server's system: say whose.)
		v.named = v.named || len(lines) > 0 && v.fam.host() != hostLinux
	case a.refused > 0 && a.refused >= a.sessions:
		v.accountFor(CodeSessionRefused)
		v.text = a.everySessionRefused()
	case a.loginRefused > 0 && a.loginRefused+a.refused >= a.sessions:
		v.accountFor(CodeSessionRefused)
		// Every session that got as far as a login was refused it: no
		// announcement, no transfer was possible.
		v.text = a.loginRefusedVerdict(v.vfam)
		v.named = v.named || a.loginRefusedAnon > 0 && v.fam.known()
	case a.controlFailed() > 0 && a.controlFailed()+a.connectFailed()+a.refused+a.loginRefused >= a.sessions:
		// Every session failed on its control connection, some after it
		// opened (a greeting too late, a TLS handshake refused): none
		// got as far as an announcement. Not "none announced".
		v.accountFor(CodeGreetingLate, CodeControlTLSFailed, CodeControlTLSUnfinished, CodeTLSModeMismatch, CodeControlTLSUnavailable, CodeControlRefused, CodeControlUnreachable, CodeControlUnanswered, CodeSessionRefused)
		v.text = a.controlFailedVerdict()
	case a.activeRefusedNone > 0:
		// Not "no data connection was expected": the server refused
		// the PORT/EPRT that would have set one up.
		v.activeModeRefused()
	case a.passiveRefusedNone > 0:
		// Nor for the PASV/EPSV it refused.
		v.passiveModeRefused()
	case a.oneSided[track.ServerSideOnly]+a.oneSided[track.ClientSideOnly] > 0:
		// Not "none announced", nor "refused or got no reply": the
		// capture did not hold the side that announced, or answered.
		v.text = a.oneSidedVerdict()
	case a.cutAnnounce > 0:
		// Not "none announced": the capture lost what they said.
		v.text = fmt.Sprintf("the data endpoint announcements (PASV, EPSV, PORT, EPRT…) are not whole in the capture: %s cut short or lost in a capture gap (a snap length shorter than the packets, most often), so where data connections were to go, and whether any was made, cannot be told; capture again with whole packets (tcpdump -s 0, or -s 262144)",
			plural(a.cutAnnounce, "was", "were"))
	case a.unaccepted > 0:
		v.text = plural(a.unaccepted, "data endpoint announcement (PASV, EPSV, PORT, EPRT…) was", "data endpoint announcements (PASV, EPSV, PORT, EPRT…) were") + " refused or got no reply: no data connection was expected"
	case a.gapped > 0 && a.gappedUnread == a.gapped:
		// The bytes missing never reached the client: no capture
		// brings them back.
		v.text = fmt.Sprintf("%s never got past the greeting: the capture lacks bytes of the server's greeting, and the client, which sent no command, closed the connection a second or more later, as one that never had the greeting whole does: most likely they never reached the client (a segment dropped on the path every time: a firewall or IPS, or for a large greeting a path MTU black hole), not bytes the capture lost; a capture on the server's side shows whether the server sent them again and any ICMP errors about them",
			plural(a.gapped, "session", "sessions"))
	case a.gapped > 0:
		// No announcement in what the capture holds, and gaps in the
		// control connections that may hold them.
		v.text = fmt.Sprintf("no data endpoint announcement is in the capture, but it lost bytes of the server's replies in %s (capture gaps, or frames cut by the snap length), where announcements may have been; capture again with whole packets (tcpdump -s 0) to tell",
			plural(a.gapped, "session", "sessions"))
		if n := a.gappedUnread; n > 0 {
			v.text += fmt.Sprintf(" (%d of them never got past the greeting: the client sent no command and closed, so those bytes most likely never reached it)", n)
		}
	default:
		v.text = "no data connections were announced"
	}
}

// controlFailed counts the server's sessions that failed on their
// control connection after it opened, before any command a data
// connection needs: the greeting came after the client had given up
// (greeting-late), or the server refused the TLS handshake after AUTH
// and no command followed (control-tls-failed, an error: a warning's
// client went on in clear text).
func (a *serverAcc) controlFailed() int {
	return a.findings[CodeGreetingLate] + a.errs[CodeControlTLSFailed] + a.errs[CodeControlTLSUnfinished] + a.errs[CodeTLSModeMismatch] + a.errs[CodeControlTLSUnavailable]
}

// controlFailedVerdict is the verdict of a server whose every session
// failed on its control connection (controlFailed), or never opened it,
// or was refused at connect or at login: how many each way, most
// specific first.
func (a *serverAcc) controlFailedVerdict() string {
	// among: in how many of the sessions, unless it is the only one.
	among := func(n int) string {
		switch {
		case n == a.sessions && n == 1:
			return ""
		case n == a.sessions:
			return fmt.Sprintf(", in every session (%d)", n)
		}
		return fmt.Sprintf(", in %d of %d sessions", n, a.sessions)
	}
	var parts []string
	if n := a.findings[CodeGreetingLate]; n > 0 {
		parts = append(parts, fmt.Sprintf("the server's greeting came so late that the client had given up waiting%s (see greeting-late: most often the server waiting out a reverse DNS or ident lookup of the client's address; make the lookup answer at once, or turn it off)",
			among(n)))
	}
	if n := a.errs[CodeControlTLSFailed] - a.implicitTLSFailed; n > 0 {
		parts = append(parts, fmt.Sprintf("the server accepted AUTH and then refused the control channel's TLS handshake%s, so no login was tried (see control-tls-failed for the reason it gave: its TLS settings and the client's do not meet; nothing to change in the firewall)",
			among(n)))
	}
	if n := a.implicitTLSFailed; n > 0 {
		parts = append(parts, fmt.Sprintf("the server refused the implicit FTPS handshake%s, so no login was tried (see control-tls-failed: its TLS settings and the client's do not meet; nothing to change in the firewall)",
			among(n)))
	}
	if n := a.errs[CodeControlTLSUnfinished]; n > 0 {
		parts = append(parts, fmt.Sprintf("the control channel's TLS handshake never completed%s, so no login was tried (see control-tls-unfinished: most often a path MTU black hole that drops the server's certificate flight; not the data ports)",
			among(n)))
	}
	if n := a.errs[CodeTLSModeMismatch]; n > 0 {
		parts = append(parts, fmt.Sprintf("the client and the server disagreed on implicit and explicit FTPS%s (see tls-mode-mismatch; nothing to change in the firewall)",
			among(n)))
	}
	if n := a.errs[CodeControlTLSUnavailable]; n > 0 {
		parts = append(parts, fmt.Sprintf("the client asked for TLS, the server refused it and the client gave up%s (see control-tls-unavailable: enable TLS on the server; nothing to change in the firewall)",
			among(n)))
	}
	if n := a.connectFailed(); n > 0 {
		parts = append(parts, fmt.Sprintf("%s never opened (see %s)", plural(n, "control connection", "control connections"), a.connectCodes()))
	}
	if a.refused > 0 {
		parts = append(parts, fmt.Sprintf("the server refused %s at connect (see session-refused)", plural(a.refused, "session", "sessions")))
	}
	if a.loginRefused > 0 {
		parts = append(parts, fmt.Sprintf("the server refused the login in %s", plural(a.loginRefused, "session", "sessions")))
	}
	return "no session got as far as a data connection: " + strings.Join(parts, "; ")
}

// oneSidedVerdict is the verdict of a server with no data connection in
// the capture, which held one side only of some of its sessions: the
// announcements (the client's PORT/EPRT, the server's 227/229) or their
// answers are on the other side, and data connections of an active-mode
// session are matched to none (a server-side capture shows the SYNs from
// port 20 and the 425, but no PORT).
func (a *serverAcc) oneSidedVerdict() string {
	srv, cli := a.oneSided[track.ServerSideOnly], a.oneSided[track.ClientSideOnly]
	which := fmt.Sprintf("one direction of %s only", plural(srv+cli, "session", "sessions"))
	switch {
	case cli == 0:
		which = fmt.Sprintf("only the server's side of %s, its replies and not the client's commands", plural(srv, "session", "sessions"))
	case srv == 0:
		which = fmt.Sprintf("only the client's side of %s, its commands and not the server's replies", plural(cli, "session", "sessions"))
	}
	return "the capture holds " + which + " (a SPAN port mirroring one direction, asymmetric routing, a capture filter on the source): the data endpoint announcements and their answers are not all in it, so whether data connections were set up, and what became of them, cannot be told; capture both directions (on the server or the client itself, or a mirror of both directions)"
}

// everySessionRefused is the verdict of a server that turned every
// session away before a transfer (session-refused), and how.
func (a *serverAcc) everySessionRefused() string {
	var v string
	switch {
	case a.refusedSilent == a.refused:
		v = "every session was closed by the server before its greeting, without a word (see session-refused: tcp_wrappers or hosts.deny, a connection limit that sends no 421, or a proxy or IPS in front): no login or data connection was tried"
	case a.refusedGreeting == a.refused:
		v = "every session was refused in the server's greeting, before any command (see session-refused: an access rule for the client's address, most often; allow it in the server's IP restrictions): no login or data connection was tried"
	case a.refusedSilent > 0 || a.refusedGreeting > 0:
		v = "every session was refused before any command, with 421 or another refusal as the greeting, or closed without a greeting (see session-refused): no login or data connection was tried"
	case a.refusedLogin == a.refused:
		v = "every session was refused at login with a reply that names the server's connection limit (see session-refused: not a wrong password; raise the limit, e.g. ProFTPD MaxClients, or find what holds sessions open): no transfer was tried"
	case a.refusedLogin > 0:
		v = "every session was refused for the server's connection limit, with 421 before any command or at login (see session-refused): no transfer was tried"
	case a.refusedBan == a.refused:
		v = "every session was refused with 421 before any command because the server bans the client's address (see session-refused: after failed logins, most often; not a connection limit): no login or data connection was tried"
	case a.refusedCut == a.refused:
		// Not "the connection limit, most often": the words that say
		// why are not in the capture.
		v = "every session was refused with 421 before any command (see session-refused; the capture cut the replies short, by a snap length shorter than the packets or capture gaps, so their cause cannot be read here: capture again with whole packets, tcpdump -s 0, or read the server's log): no login or data connection was tried"
	case a.refusedBan > 0:
		v = "every session was refused with 421 before any command (see session-refused: some for a ban of the client's address, the others for the server's connection limit, most often): no login or data connection was tried"
	default:
		v = "every session was refused with 421 before any command (see session-refused: the server's connection limit, most often): no login or data connection was tried"
	}
	if w := a.refusedFromWords(); w != "" {
		if i := strings.LastIndex(v, ": no "); i > 0 {
			v = v[:i] + ", all" + w + v[i:]
		}
	}
	return v
}

// activeModeRefused: the server refused the PORT/EPRT of sessions that
// then made no data connection.
func (v *verdictWriter) activeModeRefused() {
	a, fam := v.a, v.fam
	v.accountFor(CodeActiveRefused)
	v.text = a.activeRefusedVerdict(v.vfam)
	v.named = v.named || a.activeRefusedAddr < a.activeRefused && (fam.kind == policy.ServerVsftpd || fam.kind == policy.ServerProFTPD)
}

// passiveModeRefused: the server refused the PASV/EPSV of sessions that
// then made no data connection.
func (v *verdictWriter) passiveModeRefused() {
	v.accountFor(CodePassiveRefused)
	v.text = v.a.passiveRefusedVerdict(v.vfam)
	k := v.fam.kind
	v.named = v.named || k == policy.ServerVsftpd || k == policy.ServerPureFTPd || k == policy.ServerProFTPD
}

// activeOverNotes: the server refused PORT/EPRT (active-refused errors)
// where the only other things to say are info nat-mismatch notes of
// clients that reached the announced address: the refusal leads, with
// its own fix, and the notes offer no change (an address that worked as
// the client dialled it needs none).
func (v *verdictWriter) activeOverNotes() {
	a := v.a
	worked := a.outcomes[track.OutcomeTransferred] + a.outcomes[track.OutcomeConnected]
	if a.activeRefusedNone != a.activeRefused || worked == 0 {
		// Some refused sessions made a data connection after all:
		// what the data connections did leads, the refusal beside it.
		v.dataOutcome()
		return
	}
	v.activeModeRefused()
	v.text += "; in the other sessions " + plural(worked, "data connection worked", "data connections worked")
}

// dataPathUnseen: every announced endpoint the capture holds no
// connection to (data-not-attempted) is one the server reports a
// transfer on (blind): the capture does not see the data path.
func (v *verdictWriter) dataPathUnseen() {
	a := v.a
	v.accountFor(CodeDataNotAttempted)
	if seenData(a) == 0 {
		v.text = fmt.Sprintf("the server reports transfers on %d of %d announced data endpoints, but the capture shows no connection to them: it does not see the data path (capture where both connections pass, without a port filter)", a.blind, v.total)
		return
	}
	// It holds others: the capture does see data connections.
	v.text = fmt.Sprintf("the server reports transfers on %d of %d announced data endpoints that the capture does not hold, though it holds others: see data-not-attempted (capture drops, or a path these took that the capture point does not see)", a.blind, v.total)
}

// filteredOut: every announced endpoint the capture holds no connection
// to is one the user's packet filter may have left out (hedgeFiltered),
// or, with no filter of the user's, one the capture filter the file
// records left out (filteredByCapture): nothing the network did is known
// of them.
func (v *verdictWriter) filteredOut() {
	v.accountFor(CodeDataNotAttempted)
	if v.d.filter.By == "" {
		v.text = fmt.Sprintf("%d of %d announced data endpoints have no connection in the capture: %s left the data connections out, so it does not show whether those connections were made, or where they stopped; capture again with a filter that keeps them (tcpdump -i IFACE host %s)", v.a.filtered, v.total, capFilterName(v.d.capFiltered), v.a.addr.Addr().Unmap())
		return
	}
	v.text = fmt.Sprintf("%d of %d announced data endpoints have no connection in what the packet filter %s kept, and it may have left them out: the capture does not show whether those connections were made, or where they stopped; %s", v.a.filtered, v.total, v.d.filter.By, strings.TrimSuffix(lowerFirst(v.d.filter.advice()), "."))
}

// pmtuBlackHole: a path MTU black hole stopped data connections.
func (v *verdictWriter) pmtuBlackHole() {
	v.accountFor(CodePMTUBlackHole)
	if n := v.a.findings[CodePMTUBlackHole]; v.a.pmtuSuspected == n {
		v.text = pmtuSuspectedVerdict(n, v.a.pmtuReceiver)
		return
	}
	v.text = fmt.Sprintf("a path MTU black hole stopped %s (see pmtu-blackhole): a router answered the sender's too-large segments with ICMP fragmentation needed / Packet Too Big, and the sender went on sending them as large; let those ICMP errors reach the sender (never filter them), or clamp the TCP MSS on that router",
		plural(v.a.findings[CodePMTUBlackHole], "data connection", "data connections"))
}

// addressIfNAT: the server announces its own private address to clients
// of other private networks that never connected: a fault only if a NAT
// sits between them (unprovenNAT).
func (v *verdictWriter) addressIfNAT() {
	a := v.a
	v.accountFor(CodeNATMismatch, CodeDataNotAttempted)
	none := "no connection to the endpoints it announced was seen"
	if used := a.outcomes[track.OutcomeTransferred] + a.outcomes[track.OutcomeConnected]; used > 0 {
		// Some arrived as announced: a client that ignores the
		// address, or one routed to the server's network.
		none = fmt.Sprintf("%s, but not to every endpoint it announced", plural(used, "data connection arrived as announced", "data connections arrived as announced"))
	}
	v.text = fmt.Sprintf("the server announces its own address %s to clients on other networks, and "+none+": if a NAT sits between them, %s is an address clients cannot reach: set %s; if those networks are routed to the server's, the address is right and data-not-attempted says what became of the connection",
		a.natIfAddr, a.natIfAddr, v.vfam.addrSet(a.natIfFix))
	v.rules = append(v.rules, v.fam.addrLines(a.natIfFix)...)
	v.named = true
	if a.lateFallback > 0 {
		// A client asked for another endpoint as late as one whose
		// connect failed: its SYNs never got here, whatever the
		// address (EPSV names none). The address alone fixes nothing.
		v.text += fmt.Sprintf("; besides, for %s the client asked for another endpoint a second or more later, with no SYN seen: its connection failed before reaching the server (see data-not-attempted), so the passive range is not passed on the way: open and forward it end to end (see the change lines)",
			plural(a.lateFallback, "announced endpoint", "announced endpoints"))
		v.openFixRange()
	}
}

// staleEndpoint: no data connection worked, and the client went to the
// endpoint of an older announcement, where the server no longer waited.
func (v *verdictWriter) staleEndpoint() {
	v.accountFor(CodeDataUnanswered, CodeDataRefused, CodeDataUnreachable)
	v.text = fmt.Sprintf("the client connected to the endpoint of an older PASV or EPSV after asking for a newer one, in %s (see data-refused): nothing to open on the server; the client must use the latest endpoint it was given",
		plural(v.a.staleUsed, "data connection", "data connections"))
}

// endpointsUnused: announced endpoints were never used, and either that
// is worse than a note or nothing worked.
func (v *verdictWriter) endpointsUnused() {
	v.accountFor(CodeDataNotAttempted)
	v.text = fmt.Sprintf("%d of %d announced data endpoints were never used; see the data-not-attempted findings", v.a.findings[CodeDataNotAttempted]-v.a.filtered, v.total)
	if v.a.filtered > 0 {
		// Not counted as unused: the filter may have left them out.
		by := "the packet filter " + v.d.filter.By + " may have"
		if v.d.filter.By == "" {
			by = capFilterName(v.d.capFiltered)
		}
		v.text += fmt.Sprintf(" (and %s left out the connections to %d more)", by, v.a.filtered)
	}
}

// reachedAsAnnounced: clients from other networks reached the server's
// own private address as announced, seen from the server's side.
func (v *verdictWriter) reachedAsAnnounced() {
	a := v.a
	v.accountFor(CodeNATMismatch)
	// A helper rewriting the 227 and a client ignoring it look the
	// same here, and pasv_address is the fix only for the second.
	if a.natCaused > 0 && a.natCausedAddr {
		// Another endpoint at that address failed for the address: no
		// SYN came from a client from another network. An FTP helper
		// rewriting the 227 would have let it in whether the client
		// trusted the 227 or not, so those that arrived ignored it.
		v.text = fmt.Sprintf("the server announces its own address %s to clients from other networks; some of their data connections arrived (a NAT in between forwards them), but none came to %s at that address: with an FTP helper rewriting the 227 on that NAT, a client that trusted it would have arrived as well, so most likely none rewrites it, and the clients that arrived ignored the address (curl, lftp and ftplib do so by default), while those that trust it fail: set %s (unless a capture on the client's side shows the 227 rewritten: then change nothing; read --vantage compares)",
			a.natAddr, plural(a.natCaused, "other endpoint it announced", "other endpoints it announced"), v.vfam.addrSet(a.natFix))
		if n := failedPassive(a) - a.natCaused; n > 0 {
			v.text += "; " + plural(n, "other announced data endpoint", "other announced data endpoints") + " failed (see the findings)"
		}
		v.rules = append(v.rules, "# most likely no FTP helper rewrites the 227 (a client that trusted it never arrived); if a capture on the client's side shows it rewritten, change nothing:")
		v.rules = append(v.rules, v.fam.addrLines(a.natFix)...)
		v.named = true
		return
	}
	v.text = fmt.Sprintf("the server announces its own address %s to clients from other networks, and their data connections arrived as announced: a NAT in between forwards them. From this side it cannot be seen whether that NAT's FTP helper rewrites the 227 (then change nothing: %s would stop the helper) or the clients ignore it (then clients that trust it fail: set %s); compare with a capture on the client's side (read --vantage)",
		a.natAddr, v.vfam.addrName(), v.vfam.addrSet(a.natFix))
	if n := failedPassive(a); n > 0 {
		v.text += "; " + plural(n, "other announced data endpoint", "other announced data endpoints") + " failed (see the findings)"
	}
	v.rules = append(v.rules, a.natRules(v.fam)...)
	v.named = true
}

// routedOrNAT: clients from other private networks reached the server's
// own address as announced: routed, or a NAT whose helper may rewrite
// the 227.
func (v *verdictWriter) routedOrNAT() {
	a := v.a
	v.accountFor(CodeNATMismatch)
	v.text = fmt.Sprintf("the server announces its own address %s to clients from other private networks, and their data connections arrived as announced: either those networks are routed to the server's or the clients dialed that address themselves (then nothing is wrong), or a NAT in between forwards them, and from this capture it cannot be seen whether that NAT's FTP helper rewrites the 227 (then change nothing: %s would stop the helper) or the clients ignore it (then clients that trust it fail: set %s); compare with a capture on the client's side (read --vantage)",
		a.natAddr, v.vfam.addrName(), v.vfam.addrSet(a.natFix))
	v.rules = append(v.rules, a.natRules(v.fam)...)
	v.named = true
}

// foreignSource: the server served passive data connections that came
// from another address than their session's client.
func (v *verdictWriter) foreignSource() {
	a := v.a
	v.accountFor(CodeDataForeignSource)
	if a.hairpinForeign == a.findings[CodeDataForeignSource] {
		v.text = plural(a.hairpinForeign, "passive data connection", "passive data connections") +
			" came from another host of the server's own network than its session's client, sent to the public address, and the server served it: the router's NAT loopback masquerading the client, or passive port theft; see data-foreign-source"
		return
	}
	if a.hairpinDirectForeign == a.findings[CodeDataForeignSource] {
		v.text = plural(a.hairpinDirectForeign, "passive data connection", "passive data connections") +
			" came straight from a client on the server's own network whose control connection came through the router (hairpin NAT, masqueraded), and the server served it, as it accepts data connections from other addresses; see data-foreign-source"
		return
	}
	if a.ownPrefixForeign == a.findings[CodeDataForeignSource] {
		v.text = plural(a.ownPrefixForeign, "passive data connection", "passive data connections") +
			" came from another address in its client's IPv6 /64 and the server served it: most likely the client's own temporary (privacy) address; the server accepts data connections from other addresses; see data-foreign-source"
		return
	}
	if a.fxpForeign == a.findings[CodeDataForeignSource] {
		v.text = plural(a.fxpForeign, "passive data connection", "passive data connections") +
			" came from another host's port below 1024, where FTP servers connect from in active mode, and the server served it: a server-to-server (FXP) transfer its client drove (deliberate where the server allows FXP), or passive port theft; see data-foreign-source"
		return
	}
	v.text = plural(a.findings[CodeDataForeignSource], "passive data connection", "passive data connections") +
		" came from another address than its session's client and the server served it: passive port theft, or a NAT pool that does not keep the client's address; see data-foreign-source"
}

// dataOutcome: no fault leads. The verdict says what the data
// connections did, then what the server refused beside them (butClauses).
func (v *verdictWriter) dataOutcome() {
	a := v.a
	worked := a.outcomes[track.OutcomeTransferred] + a.outcomes[track.OutcomeConnected]
	switch {
	case worked > 0 && a.outcomes[track.OutcomeTransferred] == 0 && worked == a.strangerMade:
		v.strangersMade()
	case worked > 0 && a.abortStalls > 0:
		// Aborted after the data had stopped coming: not a choice to
		// stop, nor a data connection that worked (abortStalled).
		lead := "the data connection was made, but its data stopped coming"
		if worked > 1 {
			lead = fmt.Sprintf("%d data connections were made, but on %d of them the data stopped coming", worked, a.abortStalls)
		}
		v.text = fmt.Sprintf("%s and the client gave the transfer up (ABOR) %d s or more later: a stall on the path (see server-data-error), most often a path MTU black hole (ICMP fragmentation needed / Packet Too Big kept from the sender by a firewall) or a firewall dropping the data; no port needs opening",
			lead, int(abortStallWait/time.Second))
	case worked > 0 && a.findings[CodeTransferStalled] > 0:
		v.transfersStalled(worked)
	case worked > 0 && a.outcomes[track.OutcomeTransferred] == 0:
		// A refusal (550) is no firewall's doing; a transfer the server
		// began (150) whose data never came and that got no final reply
		// may be (emptyStalled).
		const stall = "a transfer the server began (150) whose data never came and that got no final reply, or a 426 the client's ABOR did not ask for, stalled: if the sender sent data (a capture on its side shows it), it was lost on the path, to a path MTU black hole (ICMP fragmentation needed / Packet Too Big kept from the sender by a firewall; pmtu-blackhole shows it there) or a firewall dropping the data; if it sent none, the sender itself stalled"
		switch {
		case a.emptyStalled == 0 && a.emptyTooSoon > 0:
			v.text = "the data connections were made but carried nothing: a transfer the server began (150) was broken off (ABOR) or cut by the capture's end within 2 s, too soon to tell whether its data would come: capture for longer, or let the client wait; a refusal in the transfer commands' replies (a missing file, a refused transfer) is no firewall problem"
		case a.emptyStalled == 0:
			v.text = "the data connections were made but carried nothing: see the transfer commands' replies (a missing file, a refused transfer); not a firewall problem"
		case a.emptyStalled == worked:
			v.text = "the data connections were made but carried nothing: " + stall
		default:
			v.text = "the data connections were made but carried nothing: see the transfer commands' replies: a refusal (a missing file, a refused transfer) is no firewall problem; " + stall
		}
	case worked == 0 && a.findings[CodeDataAnswerMissing] > 0 && a.findings[CodeDataAnswerMissing] == a.outcomes[track.OutcomeUndetermined]:
		v.accountFor(CodeDataAnswerMissing)
		v.text = fmt.Sprintf("the client gave up on %s at once, sooner than TCP resends a SYN, with no answer in the capture: most likely refused by an RST or ICMP error the capture did not record; capture again without a filter that leaves ICMP out",
			plural(a.findings[CodeDataAnswerMissing], "data connection", "data connections"))
	case worked == 0 && a.oneSide > 0 && a.oneSide == a.outcomes[track.OutcomeUndetermined]:
		v.text = fmt.Sprintf("the capture holds one direction of the sessions only (a SPAN port mirroring one direction, asymmetric routing, a capture filter on the source): what became of %s cannot be seen; capture both directions (on the server or the client itself, or a mirror of both directions)", plural(a.oneSide, "data connection", "data connections"))
	case worked == 0 && a.inBreak > 0 && a.inBreak == a.outcomes[track.OutcomeUndetermined]:
		v.text = fmt.Sprintf("the capture stopped between two of its files before the outcome of %s was known: a file of the capture is missing, or was not given; give them all", plural(a.inBreak, "data connection", "data connections"))
	case worked == 0 && a.afterCloseCut > 0 && a.afterCloseCut == a.outcomes[track.OutcomeUndetermined]:
		what := "the connection to it"
		if a.afterCloseCut > 1 {
			what = "the connections to them"
		}
		v.text = fmt.Sprintf("ftpsniff did not follow %s past the close of the control connection: %d announcements of other sessions were waiting so already (a limit); what became of %s is not known, and nothing is to change for it", plural(a.afterCloseCut, "announcement", "announcements"), track.MaxAfterEnd, what)
	case worked == 0 && a.outcomes[track.OutcomeUndetermined] > 0:
		v.text = fmt.Sprintf("the capture ended before the outcome of %s was known: capture longer to see it", plural(a.outcomes[track.OutcomeUndetermined], "data connection", "data connections"))
	case worked == 0 && a.activeRefusedNone > 0:
		// Not "none was needed": the server refused the PORT/EPRT.
		v.activeModeRefused()
	case worked == 0 && a.passiveRefusedNone > 0:
		v.passiveModeRefused()
	case worked == 0 && a.activePerUser > 0:
		// A refused PORT/EPRT was a data connection wanted.
		v.text = "no data connection was made"
	case worked == 0 && a.errs[CodeFXP] > 0:
		// Not "none was needed": a server-to-server transfer's
		// connection failed, at the other server's passive ports.
		v.accountFor(CodeFXP)
		v.text = "no data connection was made: a server-to-server (FXP) transfer's connection, between this server and another one, failed, not one with the client; see fxp-transfer"
	case worked == 0 && a.findings[CodeFXP] > 0:
		v.text = "no data connection with its clients was made: they were server-to-server (FXP) transfers, whose data connections run between the two servers; see fxp-transfer"
	case worked == 0:
		v.text = "no data connection was made, and none was needed"
	case a.aborted > 0 && worked == 1:
		v.accountFor(CodeTransferAborted)
		v.text = "the data connection was made, but the server broke its transfer off mid-way: see transfer-aborted"
	case a.aborted > 0:
		v.accountFor(CodeTransferAborted)
		v.text = fmt.Sprintf("%d data connections were made, but the server broke %s off mid-way: see transfer-aborted", worked, plural(a.aborted, "transfer", "transfers"))
	case a.refused > 0 && 2*a.refused >= a.sessions:
		// Most sessions never got a data connection: they were
		// turned away at connect. "Worked" alone would hide them.
		v.accountFor(CodeSessionRefused)
		from := a.refusedFromWords()
		if from != "" {
			from = ", all" + from
		}
		v.text = fmt.Sprintf("%d of %d sessions %s (see session-refused)%s; %s", a.refused, a.sessions, a.refusedHow(), from,
			plural(worked, "data connection was made and worked", "data connections were made and worked"))
	case worked == 1:
		v.text = "the data connection worked"
		v.workedLead = true
	default:
		v.text = fmt.Sprintf("%d data connections worked", worked)
		v.workedLead = true
	}
	v.butClauses(worked)
}

// butClauses adds to an outcome verdict what the server refused, or
// what never opened, beside the data connections that worked (worked):
// PORT/EPRT in some sessions, control connections, passive mode.
func (v *verdictWriter) butClauses(worked int) {
	a := v.a
	if a.activeRefused > 0 && worked > 0 {
		v.accountFor(CodeActiveRefused)
		v.text += fmt.Sprintf("; but the server refused PORT/EPRT in %s (see active-refused)", plural(a.activeRefused, "session", "sessions"))
	}
	if n := a.connectFailed(); n > 0 {
		v.accountFor(CodeControlRefused, CodeControlUnreachable, CodeControlUnanswered)
		v.text += fmt.Sprintf("; but %s never opened (see %s)", plural(n, "control connection", "control connections"), a.connectCodes())
	}
	if a.activePerUser > 0 {
		v.accountFor(CodeActiveRefused)
		v.text += fmt.Sprintf("; the server refused PORT/EPRT in %s but accepted it in others: active mode is on, refused for some users or sessions only (see active-refused: per-user settings such as vsftpd's user_config_dir port_enable=NO or cmds_denied)", plural(a.activePerUser, "session", "sessions"))
	}
	if a.refusedTransfers > 0 && v.workedLead {
		// Beside data connections that worked, a file the server
		// would not send or take is no network fault, but a transfer
		// that failed all the same.
		v.text += fmt.Sprintf("; but the server refused %s (a 4yz or 5yz to RETR, STOR, STOU or APPE: see their replies; no network fault)", plural(a.refusedTransfers, "file transfer", "file transfers"))
	}
	if a.passiveRefused > 0 && worked > 0 {
		v.accountFor(CodePassiveRefused)
		// Only active mode works: clients that need passive mode
		// (behind NAT or a firewall) transfer nothing.
		v.text += fmt.Sprintf("; but the server refused passive mode in %s (see passive-refused): clients that need it cannot transfer", plural(a.passiveRefused, "session", "sessions"))
	}
}

// keepInside is the clause telling the server to stay inside the range
// the firewall allows, when it strays outside it and the configuration
// given does not set that range already; "" otherwise.
func (v *verdictWriter) keepInside() string {
	a, pol := v.a, v.pol
	if len(pol.Ranges) == 0 || a.outside.Count == 0 || configSetsRange(pol.Server, policy.Ranges{mainRange(pol.Ranges)}) {
		return ""
	}
	v.named = true
	v.accountFor(CodePortOutsideRange)
	if v.capsByRange() {
		// The server refused sessions (its limit):
		// a narrower passive range lowers the limit of a server that
		// caps its clients by it (Pure-FTPd: half the range).
		return fmt.Sprintf("; open the rest of the server's passive range in the firewall rather than narrowing the server's range to %s: the server already refused %s (see session-refused), and a narrower range lowers a limit some servers derive from it (Pure-FTPd allows half its passive range in clients); set %s to %s only if fewer concurrent sessions will do",
			mainRange(pol.PassiveRanges()), plural(a.refused-a.refusedSilent, "session", "sessions"), v.vfam.rangeName(), mainRange(pol.PassiveRanges()))
	}
	return fmt.Sprintf("; keep the server inside the range the firewall allows: set %s to %s", v.vfam.rangeName(), mainRange(pol.PassiveRanges()))
}

// capsByRange: the server takes its client limit from its passive range
// (Pure-FTPd: half of it) and refused sessions, not only by closing
// silently: narrowing the range would lower a limit already hit. Any
// other family's refusals (a ban, a denied host, a per-address limit)
// say nothing of its range.
func (v *verdictWriter) capsByRange() bool {
	return v.fam.kind == policy.ServerPureFTPd && v.a.refused > v.a.refusedSilent
}

// natNote is the clause for a client that ignored the announced address
// and failed at the control address for another reason: the lead names
// that reason, and the address is still wrong for clients that trust it.
// "" when there is none.
func (v *verdictWriter) natNote() string {
	a, fam := v.a, v.fam
	if !a.natLatent || a.natCaused > 0 || a.natReached > 0 || !a.natAddr.IsValid() {
		return ""
	}
	if a.placeOf(a.passiveAt).nat && a.encrypted == 0 && a.hidden == 0 {
		// The address set, a helper on the NAT router no longer
		// follows the 227: the range must be forwarded statically
		// (the open rules); the helper is the other route.
		v.rules = append(v.rules, fam.addrLines(a.natFix)...)
		v.rules = append(v.rules, "# (the address set, an FTP helper on the NAT router no longer follows the 227: forward the range statically, below)")
		v.tail = append(v.tail, "# or, instead of the address and the static forward: attach the FTP helper on the NAT router (nf_nat_ftp rewrites the 227; not under FTPS):")
		v.tail = append(v.tail, helperLines(a.addr.Port(), false, "forward", a.v6)...)
	}
	v.rules = append(v.rules, fam.addrLines(a.natFix)...)
	v.named = true
	v.accountFor(CodeNATMismatch)
	how := "the one here ignored it"
	if a.natGaveUp {
		how = "the client here gave up before using it, after its data connection to the control address failed"
	}
	return fmt.Sprintf("; besides, the server announces %s, which clients that trust the 227 cannot reach (%s): set %s", a.natAddr, how, v.vfam.addrSet(a.natFix))
}

// also is the clause naming the failures with a firewall fix of their
// own the lead does not account for ("; also: ..."), at most one for the
// passive kinds and one for the active, with the active one's change
// lines; the passive ones' open and range lines join the lead's
// (deduplicated).
func (v *verdictWriter) also() (string, []string) {
	var clauses []string
	passive := v.alsoPassive()
	if passive != "" {
		clauses = append(clauses, passive)
	}
	active, lines := v.alsoActive(passive != "")
	if active != "" {
		clauses = append(clauses, active)
	}
	if len(clauses) == 0 {
		return "", nil
	}
	return "; also: " + strings.Join(clauses, "; "), lines
}

// alsoPassive is the also-clause's part for the passive failure kinds
// the lead does not account for, adding their open and range lines; ""
// when there is none.
func (v *verdictWriter) alsoPassive() string {
	a := v.a
	src := a.failPorts
	if v.natLead {
		// The address explains the failures it caused; those at
		// the control address are another problem.
		src = a.ctlFail
	}
	var ways, see []string
	// union: the span of the failed ports (what the advice needs);
	// unionIn, unionOut: those inside and outside the passive range,
	// when every kind's are told apart (split).
	var union, unionIn, unionOut PortStats
	split := true
	for _, w := range passiveWays {
		ps := src[w.code]
		if ps == nil || v.passiveCovered[w.code] {
			continue
		}
		if w.code == CodeDataUnanswered && a.synAckLost == a.findings[CodeDataUnanswered] {
			// The server answered every one (see the SYN-ACK
			// verdict): nothing on it to open.
			ways = append(ways, "answered by the server on "+portsWord(*ps)+", but its SYN-ACKs never reach the client (a firewall or NAT on the way back; nothing on the server to change)")
			see = append(see, w.code)
			continue
		}
		if w.code == CodeDataUnreachable && a.icmpKinds[icmpFirewall] == 0 {
			// Routers' errors only (icmpPathVerdict): no port to open.
			ways = append(ways, "answered on "+portsWord(*ps)+" by ICMP errors from routers on the path, which no open port mends")
			see = append(see, w.code)
			continue
		}
		ways = append(ways, fmt.Sprintf(w.how, portsWord(*ps)))
		see = append(see, w.code)
		union.add(ps.Min) // (the span is what the advice needs)
		union.add(ps.Max)
		open := *ps
		in, out := v.failedSplit(w.code)
		if in == nil && out == nil {
			split = false
		}
		if in != nil {
			unionIn.add(in.Min)
			unionIn.add(in.Max)
		}
		if out != nil {
			unionOut.add(out.Min)
			unionOut.add(out.Max)
		}
		if in != nil && out != nil {
			// What to open is the range the ones inside it lie in.
			open = *in
		}
		// (The verdict's own heading of the open lines stays.)
		keep := v.openHead
		v.openFailed(open, w.open)
		if keep != "" {
			v.openHead = keep
		}
	}
	if len(ways) == 0 {
		return ""
	}
	c := "passive data connections are " + joinAnd(ways)
	if v.stopped {
		// (stopped is the direction's: these stopped with the lead's.)
		c = "passive data connections were " + joinAnd(ways)
	}
	if union.Count > 0 {
		v.addRangeLines()
		switch {
		case split && unionIn.Count > 0 && unionOut.Count > 0:
			// Some inside the range, some outside: which are which.
			c += "; of these, " + v.d.mixedPortsVerdict(unionIn, unionOut, a, v.vfam, "")
		case v.leadPorts == nil || !slices.Equal(openRange(*v.leadPorts, a, v.pol), openRange(union, a, v.pol)):
			// The advice on the range, unless the verdict's own
			// says it for the same range.
			c += v.d.failedPortsAdvice(union, a, v.vfam)
		}
	}
	return c + ": see " + strings.Join(see, ", ")
}

// alsoActive is the also-clause's part for the blocked active data
// connections the lead does not account for, and their change lines;
// "" when there is none. passiveToo: the also-clause names passive
// failures as well.
func (v *verdictWriter) alsoActive(passiveToo bool) (string, []string) {
	a := v.a
	n := a.findings[CodeActiveBlocked]
	if n == 0 || v.activeCovered {
		return "", nil
	}
	_, lines := a.activeBlockedVerdict(v.fam)
	c := plural(n, "active data connection", "active data connections") + " from the server back to the client"
	if len(a.activeFailing.m) > 1 || a.activeFailing.dropped > 0 {
		c = plural(n, "active data connection", "active data connections") + " from the server back to clients"
	}
	if n == 1 {
		c += " was"
	} else {
		c += " were"
	}
	c += " blocked: "
	if !passiveToo && !a.passiveFailing() && !v.passiveUnusedToo() {
		c += "use passive mode, or "
	}
	// (Passive data connections fail too, the verdict's or
	// this clause's: no advice to use them.)
	c += "see active-blocked for where"
	if len(lines) > 0 {
		c += ", and the change lines"
	}
	return c, lines
}

// fallbackNote is the clause saying that the other passive form worked
// where one failed (epsv-pasv-fallback), beside passive failures the
// verdict names: what clients can do until the fix is in; "" otherwise.
// Only for a form none of whose data connections failed: one that failed
// too (a load balancer sending data to the wrong backend now and then)
// is no way out. (A failure the announced address caused leads with its
// own words on EPSV.)
func (v *verdictWriter) fallbackNote() string {
	a := v.a
	if len(a.failPorts) == 0 || v.natLead {
		return ""
	}
	var c []string
	if n := a.modeFallback[0]; n > 0 && a.failedVia[0] == 0 {
		c = append(c, fmt.Sprintf("PASV worked where EPSV's data connection failed, in %s, and no PASV data connection failed (see epsv-pasv-fallback): until EPSV's ports are open on every hop, clients can use PASV (curl --disable-epsv; lftp uses it unless ftp:prefer-epsv is set to yes)", plural(n, "session", "sessions")))
	}
	if n := a.modeFallback[1]; n > 0 && a.failedVia[1] == 0 {
		c = append(c, fmt.Sprintf("EPSV worked where PASV's data connection failed, in %s, and no EPSV data connection failed (see epsv-pasv-fallback): until that is mended, clients can use EPSV (lftp set ftp:prefer-epsv yes)", plural(n, "session", "sessions")))
	}
	if len(c) == 0 {
		return ""
	}
	v.accountFor(CodeModeFallback)
	return "; " + strings.Join(c, "; ")
}

// maxOtherErrors bounds the error kinds otherErrors names, and the
// warning kinds otherProblems names.
const maxOtherErrors = 4

// problemWarnings are the kinds whose warnings otherProblems names: each
// means a transfer lost or refused (the server refused the FTPS data
// connection, broke the transfer off, refused passive mode; the client's
// data connection was refused unseen; the transfer's final reply was
// lost; a likely path MTU black hole stopped it), a whole session lost
// (the client gave up waiting for a greeting too late, greeting-late; or
// for the reply to a command, command-unanswered), or
// an attack (password guessing, an FTP bounce, a passive port taken by
// another host). Warnings that only say
// how a transfer got through (nat-mismatch when it worked,
// epsv-pasv-fallback), what the capture cannot see (control-encrypted),
// or follow from another failure the verdict names (data-not-attempted
// after a failed connection, server-data-error's 425 for it) are not;
// nor is session-refused, a connection limit reached now and then, which
// the verdict names when it turned most sessions away (dataOutcome).
var problemWarnings = map[string]bool{
	CodeTLSNotResumed: true, CodeTransferAborted: true, CodePassiveRefused: true,
	CodeDataAnswerMissing: true, CodeControlIdle: true, CodeGreetingLate: true,
	CodeLoginAttack: true, CodeFTPBounce: true, CodeDataForeignSource: true,
	CodePMTUBlackHole: true, CodeCommandUnanswered: true, CodeControlReset: true,
	CodeTransferStalled: true,
}

// otherErrors is the clause naming the kinds of error finding of the
// server the verdict does not account for (covered), with their counts,
// most first: "; other errors: control-unanswered (2 findings), …: see
// those findings". Each such kind leads the verdict of a capture alone;
// beside another failure it must not go unsaid.
func (a *serverAcc) otherErrors(covered map[string]bool) string {
	return otherKinds("other errors", a.errs, covered)
}

// otherProblems is the clause naming, after otherErrors, the kinds of
// problemWarnings the verdict does not account for (covered) and
// otherErrors does not name (a kind with error findings), the same way:
// "; other problems: data-tls-not-resumed (2 findings), login-brute-force
// (1): see those findings". A busy server's refused FTPS transfers or a
// password spraying must not hide behind a dropped data connection.
func (a *serverAcc) otherProblems(covered map[string]bool) string {
	m := map[string]int{}
	for c, n := range a.problems {
		if a.errs[c] == 0 {
			m[c] = n
		}
	}
	return otherKinds("other problems", m, covered)
}

// otherKinds is the clause "; label: CODE (N findings), CODE (N), …: see
// those findings" for the kinds of counts not covered, most findings
// first (then by name), at most maxOtherErrors named and the rest
// counted; "" when there is none.
func otherKinds(label string, counts map[string]int, covered map[string]bool) string {
	type kind struct {
		code string
		n    int
	}
	var ks []kind
	for c, n := range counts {
		if n > 0 && !covered[c] {
			ks = append(ks, kind{c, n})
		}
	}
	if len(ks) == 0 {
		return ""
	}
	slices.SortFunc(ks, func(x, y kind) int {
		if x.n != y.n {
			return y.n - x.n
		}
		return strings.Compare(x.code, y.code)
	})
	var l []string
	for i, k := range ks {
		if i == maxOtherErrors {
			l = append(l, fmt.Sprintf("and %s", plural(len(ks)-i, "more kind", "more kinds")))
			break
		}
		if i == 0 {
			l = append(l, fmt.Sprintf("%s (%s)", k.code, plural(k.n, "finding", "findings")))
		} else {
			l = append(l, fmt.Sprintf("%s (%d)", k.code, k.n))
		}
	}
	return "; " + label + ": " + strings.Join(l, ", ") + ": see those findings"
}

// changeLines are the change lines in the order of the list,
// deduplicated: the lead's own; the open and range lines, as
// alternatives or as both needed; the alternative route (tail); the
// also-clause's active lines (alsoRules).
func (v *verdictWriter) changeLines(alsoRules []string) []string {
	a := v.a
	if v.unknownRange && !(a.outside.Count > 0 && len(v.rangeRules) > 0) {
		// No known range to open. Where the firewall's range is known and
		// the server strays outside it, moving the server is the fix.
		v.openRules = append(v.openRules, nat64Lines(a.addr.Addr())...)
		v.openRules = append(v.openRules, v.d.noRangeRules(v.fam, a.passiveFamilies, v.passiveOpenAt().withPublic(v.pol.Public()), a.exampleRange(!v.fam.noPassive))...)
		v.named = true
	}
	if v.stopped && len(v.openRules) > 0 {
		v.openRules = append([]string{v.stoppedHead()}, v.openRules...)
	}
	rules := v.rules
	switch {
	case len(v.openRules) > 0 && len(v.rangeRules) > 0 && a.outside.Count > 0 && v.openOwn:
		// The server hands out ports of its own configured range outside
		// the allowed one: opening that range and moving the server into
		// the allowed one are alternatives.
		rules = append(rules, "# either keep the server inside the allowed range:")
		rules = append(rules, v.rangeRules...)
		rules = append(rules, "# or open the server's own passive range:")
		rules = append(rules, v.openRules...)
	case len(v.openRules) > 0 && len(v.rangeRules) > 0 && v.openHead != "":
		// A port inside the allowed range failed too: opening it is no
		// alternative to moving the server, both are needed.
		rules = append(rules, v.openHead)
		rules = append(rules, v.openRules...)
		rules = append(rules, "# and keep the server inside it:")
		rules = append(rules, v.rangeRules...)
	default:
		rules = append(rules, v.openRules...)
		rules = append(rules, v.rangeRules...)
	}
	rules = append(rules, v.tail...)
	rules = append(rules, alsoRules...)
	return dedupe(rules)
}

// addOpen adds the lines that open rs where the server's passive data
// connections meet their firewall. With no rs, the range is unknown
// (noRangeRules) only when none is known at all.
func (v *verdictWriter) addOpen(rs policy.Ranges) {
	a, pol := v.a, v.pol
	if len(rs) == 0 {
		// A known one the ports fall outside is the verdict's (the
		// configuration's own, which the server does not run; or the
		// firewall's, which the server must be kept inside).
		if len(pol.PassiveRanges()) == 0 {
			v.unknownRange = true
		} else if sc := pol.Server; sc != nil && len(sc.PassiveRange) > 0 && len(pol.Ranges) == 0 {
			v.rules = append(v.rules, fmt.Sprintf("# %s sets %s already: the server that answered does not run it (check which file it reads, and restart it)", sc.Path, sc.PassiveRange))
		}
		return
	}
	// (--public-address: the address a DNAT matches when the packets
	// show none.)
	at := v.passiveOpenAt().withPublic(pol.Public())
	v.openRules = append(v.openRules, nat64Lines(a.addr.Addr())...)
	v.openRules = append(v.openRules, openLinesIn(v.fam, at, rs, a.passiveFamilies)...)
	// A rule in the syntax of the server's system: say which family
	// it came from.
	v.named = v.named || at.host && v.fam.host() != hostLinux
}

// addRangeLines adds the server configuration lines that keep it inside
// the firewall's range, unless the configuration given sets it already.
func (v *verdictWriter) addRangeLines() {
	a, pol := v.a, v.pol
	if v.capsByRange() && a.outside.Count > 0 {
		// No lines that narrow the range of a server refusing sessions
		// at its limit (keepInside says why).
		return
	}
	if len(pol.Ranges) > 0 && !configSetsRange(pol.Server, policy.Ranges{mainRange(pol.PassiveRanges())}) {
		v.rangeRules = append(v.rangeRules, v.fam.rangeLines(mainRange(pol.PassiveRanges()))...)
		v.named = true
		if a.outside.Count > 0 {
			// The range lines keep the server inside the allowed
			// range: what port-outside-range asks.
			v.accountFor(CodePortOutsideRange)
		}
	}
}

// openFixRange adds the lines that open the range to fix things with
// and keep the server inside it; with none known, those that set one
// first.
func (v *verdictWriter) openFixRange() {
	if len(v.fix) > 0 {
		v.addOpen(v.fix)
	} else {
		v.unknownRange = true
	}
	v.addRangeLines()
}

// openFailed opens the range the failed ports ps lie in (how: the way
// they failed); when the server also strays outside the firewall's
// range, the rules say that the failed ports were inside it.
func (v *verdictWriter) openFailed(ps PortStats, how string) {
	a, pol := v.a, v.pol
	rs := openRange(ps, a, pol)
	switch {
	case len(rs) == 0 || a.outside.Count == 0:
	case len(pol.Ranges) > 0 && pol.Ranges.Covers(policy.PortRange{Lo: ps.Min, Hi: ps.Max}):
		// The firewall's range: it must be open, whatever else.
		were := "was"
		if ps.Min != ps.Max {
			were = "were"
		}
		v.openHead = fmt.Sprintf("# %s inside the allowed range %s %s %s: make sure it is open:", portsWord(ps), rs, were, how)
	default:
		// The server's own configured range, outside the firewall's.
		v.openOwn = true
	}
	v.addOpen(rs)
}
