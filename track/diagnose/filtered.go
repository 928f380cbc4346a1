package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpsniff/ftpsniff/track"
)

// PacketFilter is a packet filter of the user's that stood between the
// wire and the analysis: read's and live's --host, --net, --filter-ports
// and --bpf-raw. A packet it left out looks, to the tracker, like one that
// never crossed the capture point, so a finding that rests on the absence
// of a data connection (data-not-attempted: "no SYN to it") may be the
// filter's doing, not the network's. The zero value is no filter.
type PacketFilter struct {
	// By names the filter as the user gave it ("--bpf-raw", "--host
	// 192.0.2.10 --filter-ports"), for the findings; empty: no filter.
	By string
	// Raw: a --bpf-raw program, which may leave out any packet.
	Raw bool
	// Nets: --host and --net, which keep TCP with an end in one of them.
	Nets []netip.Prefix
	// Ports: --filter-ports' control ports, which keep TCP with one of
	// them or 20 on one side, or unprivileged ports on both.
	Ports []uint16
}

// SetPacketFilter tells the diagnoser the user's packet filter the
// packets went through, before the first packet.
func (d *Diagnoser) SetPacketFilter(f PacketFilter) {
	if f.By == "" {
		f = PacketFilter{}
	}
	d.filter = f
}

// mayRemove reports whether f may have left out dc's connection while
// keeping its session's control connection. A --bpf-raw program may.
// The built-in filters are judged on the addresses and ports the
// connection would have: the client connecting from its control
// address and an ephemeral port (≥ 1024) in passive mode, the server
// from its control address and either 20, its control port's L-1 or an
// ephemeral port in active mode; a connection that takes another
// address (a data-source-nat, a client's other address) may be left out
// unsaid.
func (f *PacketFilter) mayRemove(s *track.Session, dc *track.DataConn) bool {
	switch {
	case f.By == "":
		return false
	case f.Raw || !dc.Announced.IsValid():
		return true
	}
	if len(f.Nets) > 0 {
		in := func(a netip.Addr) bool {
			a = a.Unmap()
			for _, p := range f.Nets {
				if p.Contains(a) {
					return true
				}
			}
			return false
		}
		ann, client, server := dc.Announced.Addr(), s.Client.Addr(), s.Server.Addr()
		kept := in(server) || in(ann) // active: from the server to the announced address
		if dc.Passive {
			// From the client to the announced address, or to the
			// control connection's (a client that ignores the 227's).
			kept = in(client) || in(ann) && in(server)
		}
		if !kept {
			return true
		}
	}
	if len(f.Ports) > 0 {
		keep := func(p uint16) bool { return p == 20 || slices.Contains(f.Ports, p) }
		ann := dc.Announced.Port()
		if dc.Passive {
			return ann < 1024 && !keep(ann)
		}
		l1 := s.Server.Port() - 1
		return !keep(ann) && (ann < 1024 || l1 < 1024 && !keep(l1))
	}
	return false
}

// restsOnAbsence reports whether f, about dc, says what it says because
// no packet of dc's connection is in the capture: a data-not-attempted,
// or an active-blocked read from a 425 with no SYN seen ("blocked before
// this point"), but for those that name a connection the capture holds
// (the client used an older endpoint instead; the SYN seen twice, routed
// through a NAT box). Its codes are among absenceCodes, which the
// capture's drops hedge (restsOnAbsenceForm); the others there are about
// a control connection's replies and acknowledgments, which the
// built-in filters keep whole with the connection.
func restsOnAbsence(s *track.Session, dc *track.DataConn, f *Finding) bool {
	switch {
	case !restsOnAbsenceForm(f) || dc.Outcome != track.OutcomeNotAttempted:
		return false
	case f.Code == CodeActiveBlocked:
		return dc.SYNs == 0
	case f.Code != CodeDataNotAttempted:
		return false
	}
	if o := dc.Twin; o != nil && o.SYNs > 0 && o.SYNSeenTwice() {
		return false
	}
	return usedSuperseded(s, dc) == nil
}

// hedgeFiltered rewrites the findings fs about dc that rest on the
// absence of its connection when the user's packet filter may have left
// that connection out (PacketFilter.mayRemove): the capture then says
// nothing of whether it was made, or where it stopped. A
// data-not-attempted that names the filter and the filter to use
// instead, and no place or firewall to blame: a warning when the server
// said the connection did not come (a 425), else a note. The server's
// verdict counts it apart (serverAcc.filtered). With no filter of the
// user's, a capture input that held nothing but control connections
// when they were read only adds its caveat (caveatControlOnly).
func (d *Diagnoser) hedgeFiltered(s *track.Session, dc *track.DataConn, fs []*Finding) []*Finding {
	if d.filter.By == "" {
		if d.controlOnly != nil && d.controlOnly() {
			d.caveatControlOnly(s, dc, fs)
		}
		return fs
	}
	flt := &d.filter
	for _, f := range fs {
		if !restsOnAbsence(s, dc, f) || !flt.mayRemove(s, dc) {
			continue
		}
		who, through := "client", "through"
		if !dc.Passive {
			who, through = "server", "to"
		}
		f.Code, f.Severity = CodeDataNotAttempted, SeverityInfo
		f.blind, f.filtered = false, true
		pre, final := transferReplies(dc.Command)
		switch d.transferSaid(s, pre, final) {
		case saidMade:
			f.Message = fmt.Sprintf("No connection to %s is in what the packet filter %s kept, though the server reported the transfer %s it: that filter most likely left the connection out.",
				dc.Announced, flt.By, through)
		case saidNotMade:
			// The server says the connection did not come: a failure,
			// but where it stopped is what the filter hid.
			f.Severity = SeverityWarning
			f.Message = fmt.Sprintf("The server answered the transfer %s %s with %q: the data connection did not get through. No packet of it is in what the packet filter %s kept, and that filter may have left them out: the capture cannot tell where the %s's SYNs stopped, or whether it sent any.",
				through, dc.Announced, replyText(final), flt.By, who)
		default:
			f.Message = fmt.Sprintf("No connection to %s is in what the packet filter %s kept, and that filter may have left it out: the capture cannot tell whether the %s connected, or whether its SYNs were dropped on the way.",
				dc.Announced, flt.By, who)
		}
		f.Advice = flt.advice()
	}
	return fs
}

// addressBlamed reports whether fs, a data connection's findings, hold
// a nat-mismatch of warning or more: the address the server announced
// explains the failure, wherever the capture was taken.
func addressBlamed(fs []*Finding) bool {
	for _, f := range fs {
		if f.Code == CodeNATMismatch && f.Severity >= SeverityWarning {
			return true
		}
	}
	return false
}

// controlOnlyCaveat is what a finding resting on a missing connection
// adds when the capture held nothing but control connections.
const controlOnlyCaveat = "This capture holds nothing but the control connections' packets so far: if a filter such as 'port 21' cut it, the data connections were left out and this reading does not hold; capture again without a port filter before changing a firewall."

// caveatControlOnly adds controlOnlyCaveat to the findings fs about dc
// that rest on the absence of its connection, read while the capture
// input held nothing but control connections (track.Tracker.ControlOnly):
// most likely a capture taken or cut with a filter such as 'port 21',
// though a server-side capture of one client on a quiet server holds
// nothing else either, and there the reading is right: it keeps its
// severity and rule, and its advice says where else the rule would go
// (controlOnlyAdvice). A blind one says the capture does not see the
// data path already, and waits for a data connection seen later
// (holdBlind); a note read from the control connection alone (a client
// that quit at once, fell back), or a failure the announced address
// explains (nat-mismatch), gets no caveat. What the capture file records
// of its capture filter settles it where it can (CaptureFilter): one
// that left the data connections out rewrites every such finding
// (filteredByCapture); one that keeps them leaves the reading standing,
// and says so. A file that records none tells nothing (a pcap converted
// or merged to pcapng records none).
func (d *Diagnoser) caveatControlOnly(s *track.Session, dc *track.DataConn, fs []*Finding) {
	cf := d.recordedFilter()
	for _, f := range fs {
		if f.controlOnly || f.filtered || !restsOnAbsence(s, dc, f) {
			continue
		}
		switch cf.effect(dc.Passive) {
		case FilterDrops:
			d.filteredByCapture(s, dc, f, cf.Text)
			continue
		case FilterKeeps:
			if !stillBlind(f) && f.Severity >= SeverityWarning && !addressBlamed(fs) {
				f.Message += " " + keptByCapture(cf.Text)
			}
			continue
		}
		if stillBlind(f) || f.Severity < SeverityWarning || addressBlamed(fs) {
			continue
		}
		f.controlOnly = true
		f.Message += " " + controlOnlyCaveat
		f.Advice = d.controlOnlyAdvice(s, dc, f)
	}
}

// keptByCapture is what a finding read in a capture of control
// connections alone says when the capture file records text, a capture
// filter that keeps the data connections: the capture point saw none
// pass.
func keptByCapture(text string) string {
	return fmt.Sprintf("The capture holds nothing but the control connections' packets, and its file records the capture filter %q, which keeps data connections: they did not pass the capture point (unless the file was cut after the capture).", clean(text))
}

// rulesOnClientNothing ends active-blocked's advice when no SYN of the
// server's reached the capture point (activeNotAttempted).
const rulesOnClientNothing = ". Rules on the client change nothing here: no SYN of it reached the capture point."

// controlOnlyAdvice is f's advice with the doubt of a capture that holds
// nothing but control connections, before its rule: the rule stands on
// no SYN having passed the capture point, and a filter that cut the data
// connections out hid the SYNs that did. Those were stopped past it, on
// the other side: for an active-mode connection the client's, whose
// rules it gives beside the server's; for a passive one the server
// itself.
func (d *Diagnoser) controlOnlyAdvice(s *track.Session, dc *track.DataConn, f *Finding) string {
	srv := s.Server.Addr().Unmap().String()
	if f.Code == CodeActiveBlocked && strings.HasSuffix(f.Advice, rulesOnClientNothing) {
		let := clientLetIn(s, activePlace(d.capture, s, dc, dc.Announced.Addr()), s.Server.Port(), isV6(s.Server))
		return passiveFirst(s, " (the usual fix, whichever side drops them).", "") +
			" To keep active mode: this capture holds nothing but the control connections' packets, so it does not show whether the server's SYNs left the server. If none did, " + d.letOutActive(s) +
			". If they did, and a filter such as 'port 21' cut them out of the capture, the client's side dropped them: " + strings.TrimSuffix(let, ".") +
			". Capture again without a port filter (tcpdump -i IFACE host " + srv + ") to see which, before changing either side."
	}
	if !namesRule(f.Advice) {
		return f.Advice // no side's rule to doubt: the message says it
	}
	who := "client's SYNs may have passed the capture point and been dropped further on (by a firewall in front of the server, or the server's own input chain)"
	if !dc.Passive {
		who = "server's SYNs may have passed the capture point and been dropped on the client's side"
	}
	return "This capture holds nothing but the control connections' packets: if a filter such as 'port 21' cut it, the " + who +
		", where the rule below does not apply; capture again without a port filter (tcpdump -i IFACE host " + srv + ") to see where they stop. Otherwise: " + lowerFirst(f.Advice)
}

// namesRule tells whether advice gives a firewall rule or names a chain
// or a firewall's place to change.
func namesRule(advice string) bool {
	for _, w := range []string{"chain", "nft ", "iptables", "netsh", "NetFirewallRule"} {
		if strings.Contains(advice, w) {
			return true
		}
	}
	return false
}

// filteredByCapture rewrites f, about dc, whose reading rests on the
// absence of dc's connection from a capture whose file records the
// capture filter text, one that left the data connections out
// (CaptureFilter): the capture says nothing of whether the connection
// was made, or where it stopped. As for the user's packet filter
// (hedgeFiltered): a data-not-attempted naming the filter, a warning
// when the server said the connection did not come, else a note; the
// server's verdict counts it apart (serverAcc.filtered).
func (d *Diagnoser) filteredByCapture(s *track.Session, dc *track.DataConn, f *Finding, text string) {
	who, through := "client", "through"
	if !dc.Passive {
		who, through = "server", "to"
	}
	f.Code, f.Severity = CodeDataNotAttempted, SeverityInfo
	f.blind, f.filtered, f.capFilter = false, true, text
	d.capFiltered = text
	by := capFilterName(text)
	pre, final := transferReplies(dc.Command)
	switch d.transferSaid(s, pre, final) {
	case saidMade:
		f.Message = fmt.Sprintf("No connection to %s is in the capture, though the server reported the transfer %s it: %s left the data connections out.", dc.Announced, through, by)
	case saidNotMade:
		f.Severity = SeverityWarning
		f.Message = fmt.Sprintf("The server answered the transfer %s %s with %q: the data connection did not get through. %s left the data connections out of the capture, so it cannot tell where the %s's SYNs stopped, or whether it sent any.",
			through, dc.Announced, replyText(final), upperFirst(by), who)
	default:
		f.Message = fmt.Sprintf("No connection to %s is in the capture, and %s left the data connections out: the capture cannot tell whether the %s connected, or whether its SYNs were dropped on the way.", dc.Announced, by, who)
	}
	f.Advice = capFilterAdvice(s)
}

// filteredConnectBack rewrites f, the active-blocked of a PORT the
// server answered with its failed connection back (connectBackUnseen),
// when the capture holds nothing but control connections: as
// caveatControlOnly does a data connection's.
func (d *Diagnoser) filteredConnectBack(s *track.Session, c *track.Command, r *track.Reply, f *Finding) {
	if d.controlOnly == nil || !d.controlOnly() || d.filter.By != "" {
		return
	}
	switch cf := d.recordedFilter(); cf.effect(false) {
	case FilterDrops:
		f.Code, f.Severity = CodeDataNotAttempted, SeverityWarning
		f.filtered, f.capFilter = true, cf.Text
		d.capFiltered = cf.Text
		f.Message = fmt.Sprintf("The server answered %s with %q: its connection back to %s did not get through. %s left the data connections out of the capture, so it cannot tell where the server's SYNs stopped, or whether it sent any.",
			c.Verb, replyText(r), c.Endpoint, upperFirst(capFilterName(cf.Text)))
		f.Advice = capFilterAdvice(s)
	case FilterKeeps:
		f.Message += " " + keptByCapture(cf.Text)
	default:
		f.controlOnly = true
		f.Message += " " + controlOnlyCaveat
		// (Its advice names both sides already.)
		f.Advice = "This capture holds nothing but the control connections' packets: if a filter such as 'port 21' cut it, the server's SYNs may have left the server and been dropped on the client's side, or not: capture again without a port filter (tcpdump -i IFACE host " + s.Server.Addr().Unmap().String() + ") to see which side stops them. " + f.Advice
	}
}

// capFilterName names the recorded capture filter text.
func capFilterName(text string) string {
	return fmt.Sprintf("the capture filter %q (recorded in the capture file)", clean(text))
}

// upperFirst is s with its first letter upper-cased (ASCII).
func upperFirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// capFilterAdvice is what to do instead of a capture filter that left the
// data connections out.
func capFilterAdvice(s *track.Session) string {
	return "Capture again with a filter that keeps the data connections (tcpdump -i IFACE host " + s.Server.Addr().Unmap().String() + ", or 'tcp or icmp or icmp6'), to see what became of them."
}

// SetCaptureFilter gives the diagnoser what tells what the capture file
// being read records of its capture filter (ReadCaptureFilter), before
// the first packet; read while its input holds nothing but control
// connections (SetControlOnly). nil (the default): nothing.
func (d *Diagnoser) SetCaptureFilter(f func() CaptureFilter) {
	d.captureFilter = f
}

// recordedFilter is what the capture file being read records of its
// capture filter.
func (d *Diagnoser) recordedFilter() CaptureFilter {
	if d.captureFilter == nil {
		return CaptureFilter{}
	}
	return d.captureFilter()
}

// SetControlOnly gives the diagnoser what tells whether the capture
// input being read has held, so far, nothing but control connections'
// packets (track.Tracker.ControlOnly), before the first packet. nil
// (the default): not known, never assumed.
func (d *Diagnoser) SetControlOnly(f func() bool) {
	d.controlOnly = f
}

// advice is what to run instead of f, to see the data connections.
func (f *PacketFilter) advice() string {
	if f.Raw {
		return "Run again with a --bpf-raw program that keeps the data connections and the ICMP errors (tcpdump -ddd 'tcp or icmp or icmp6'), or without --bpf-raw, to see what became of the connection."
	}
	return fmt.Sprintf("Run again without %s (or with the data connection's addresses among the --host/--net given), to see what became of the connection: --host and --net keep TCP with an end in them, --filter-ports leaves out data connections on privileged ports other than 20.", f.By)
}
