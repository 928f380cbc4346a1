package diagnose

import (
	"fmt"
	"net/netip"
	"slices"

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
			caveatControlOnly(s, dc, fs)
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
// severity and rule. A blind one says the capture does not see the data
// path already, and waits for a data connection seen later (holdBlind);
// a note read from the control connection alone (a client that quit at
// once, fell back), or a failure the announced address explains
// (nat-mismatch), gets no caveat.
func caveatControlOnly(s *track.Session, dc *track.DataConn, fs []*Finding) {
	for _, f := range fs {
		if f.controlOnly || !restsOnAbsence(s, dc, f) || stillBlind(f) || f.Severity < SeverityWarning || addressBlamed(fs) {
			continue
		}
		f.controlOnly = true
		f.Message += " " + controlOnlyCaveat
	}
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
