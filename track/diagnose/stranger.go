package diagnose

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// A passive data connection the tracker matched by the announced port
// alone to a SYN from another address than the session's client
// (strangerData) is the client's own when a NAT on its side gives its
// data connection another source (a carrier-grade NAT without paired
// pooling). One SYN, never sent again, that carried nothing
// (strangerOnce) looks the same as another host's scan of the port,
// though: a firewall that lets in only the client's own data connection
// (an FTP helper's expectation) stops the scan, rightly, while the
// client's own connection never comes. Taken for the client's, it read
// as the data connection refused or dropped, an error with a rule to
// open the whole passive range. Such a finding says what the capture
// shows: the one attempt came from another address, both readings and
// how to tell them apart, and a warning, unless the capture shows the
// address to be the client's (strangerOwned).

// maxSourceClients bounds the client addresses dataSources keeps (past
// it the one first seen longest ago goes); maxSourcesPerClient the other
// addresses kept for each (the first ones seen; a later one is not
// kept). What is forgotten only leaves a later SYN from such an address
// read with both readings, a warning (the cautious side); a client
// pushed out is counted (Omitted.DataSourceClientsForgotten).
const (
	maxSourceClients    = 4096
	maxSourcesPerClient = 4
)

// dataSource is a passive data connection of a client's session that got
// through from another address: the address, the session, the data
// connection and its first SYN's packet.
type dataSource struct {
	from          netip.Addr
	session, data int
	num           uint64
}

// dataSources is, per control client address, the other addresses its
// sessions' passive data connections got through from (matched by the
// announced port alone), across sessions and servers: the capture's
// evidence that such an address is the client's (its NAT's), read by
// strangerOwned.
type dataSources struct {
	m         map[netip.Addr][]dataSource
	order     fifo[netip.Addr] // m's keys, first seen first
	forgotten int              // clients the bound pushed out
}

// note records that a passive data connection of cli's session got
// through from x.from.
func (t *dataSources) note(cli netip.Addr, x dataSource) {
	if t.m == nil {
		t.m = map[netip.Addr][]dataSource{}
	}
	l, found := t.m[cli]
	if !found {
		if old, full := t.order.push(cli, maxSourceClients); full {
			delete(t.m, old)
			t.forgotten++
		}
	}
	for _, y := range l {
		if y.from == x.from {
			return // the first one stands for the address
		}
	}
	if len(l) < maxSourcesPerClient {
		t.m[cli] = append(l, x)
	}
}

// of is the data connection that got through from from for a session of
// cli, if one was noted.
func (t *dataSources) of(cli, from netip.Addr) (dataSource, bool) {
	for _, x := range t.m[cli] {
		if x.from == from {
			return x, true
		}
	}
	return dataSource{}, false
}

// noteSource records dc, when it is a passive data connection that got
// through from another address than its session's client, matched by
// the announced port alone, and was used (not a thief's: the client's
// own SYN was refused after it; not one that carried nothing, as a
// connect scan's), as evidence that the address is the client's.
func (d *Diagnoser) noteSource(s *track.Session, dc *track.DataConn) {
	if !strangerData(s, dc) || !gotThrough(dc) || dc.Thief != nil || strangerOnce(s, dc) {
		return
	}
	d.capture.sources.note(s.Client.Addr().Unmap(), dataSource{from: dc.Client.Addr().Unmap(), session: s.ID, data: dc.ID, num: dc.SYNNum})
}

// watchedAfter is how long the capture is known to have watched after
// dc's first SYN: to the latest of its last SYN, the final reply to the
// transfer command that used it (a 425 after the client gave up), and
// its session's end, when the session has ended.
func watchedAfter(s *track.Session, dc *track.DataConn) time.Duration {
	until := s.WatchedUntil()
	if dc.End.After(until) {
		until = dc.End
	}
	if c := dc.Command; c != nil {
		if r := c.Final(); r != nil && r.TS.After(until) {
			until = r.TS
		}
	}
	return until.Sub(dc.FirstSYN)
}

// strangerOnce reports whether dc is known only by one SYN from another
// address than its session's client, matched by the announced port alone
// (strangerData): never sent again, and nothing carried (refused,
// unanswered, rejected, or a handshake and nothing after, which the
// server did not report as a transfer done). A thief's connection (the
// client's own SYN came after it), one whose SYN-ACKs were lost on the
// way back, and one answered from elsewhere (track.Reflection) tell
// more, and are not.
func strangerOnce(s *track.Session, dc *track.DataConn) bool {
	if !strangerData(s, dc) || dc.SYNs != 1 || dc.TotalBytes() != 0 || dc.Thief != nil || dc.SynAckLost || dc.Reflected != nil || dc.Outcome == track.OutcomeUndetermined {
		return false
	}
	if dc.Outcome == track.OutcomeUnanswered && !dc.FirstSYN.IsZero() && watchedAfter(s, dc) < connectGiveUpMin {
		// The capture watched less than TCP's first resend after the
		// SYN: "never sent again" tells nothing.
		return false
	}
	if dc.Outcome.Failed() || dc.Command == nil {
		return true
	}
	// A transfer the server reported done went over it (an empty
	// listing): the client's, or one the server served as such.
	r := dc.Command.Final()
	return r == nil || r.Code/100 != 2
}

// strangerOwned is what the capture shows of the address dc's SYN came
// from being the client's own: another address of the client's IPv6 /64
// with a random interface identifier (ownPrefixSource: its temporary
// address), one an earlier passive data connection of this client got
// through from (dataSources), or, for a SYN refused or rejected with
// ICMP, a neighbour of the client's public IPv4 address that sent it as
// soon as a client connects (neighbourConnect). "" when nothing does.
func (d *Diagnoser) strangerOwned(s *track.Session, dc *track.DataConn) string {
	from, cli := dc.Client.Addr().Unmap(), s.Client.Addr().Unmap()
	if ownPrefixSource(s, dc) {
		return fmt.Sprintf("%s is in the client's IPv6 /64: most likely the client host's own temporary address", from)
	}
	if x, ok := d.capture.sources.of(cli, from); ok {
		return fmt.Sprintf("%s carried data connection #%d of session %d of this client (packet %d), which got through", from, x.data, x.session, x.num)
	}
	return neighbourConnect(s, dc)
}

// clientConnectWithin is how soon after the transfer command (or the
// 227/229) a client's own data connection's SYN comes: a client connects
// at once, so within a round trip or two, which a few seconds cover.
const clientConnectWithin = 3 * time.Second

// neighbourConnect is the evidence that a strangerOnce SYN, refused (RST)
// or rejected (ICMP), is the client's own, leaving a carrier-grade NAT
// from another address of its pool: it came from the control client's
// public IPv4 /24 (a CGNAT pool commonly is one, or within one), within
// clientConnectWithin of the transfer command that used the endpoint, or
// of the reply that announced it when the SYN came before any command.
// A refused SYN is not sent again (RFC 9293 3.10.7.3: the connect fails;
// Windows's two retries make no strangerOnce), so one SYN is all a
// client's refused connection leaves; a scan of exactly the announced
// port from the client's network that soon is what is unlikely. An
// unanswered SYN the client's TCP would send again, so one unanswered SYN
// stays hedged; so do a SYN from elsewhere or later (a scan then fits as
// well). IPv6 has ownPrefixSource. "" when the SYN is not such.
func neighbourConnect(s *track.Session, dc *track.DataConn) string {
	if dc.Outcome != track.OutcomeRefused && dc.Outcome != track.OutcomeUnreachable {
		return ""
	}
	from, cli := dc.Client.Addr().Unmap(), s.Client.Addr().Unmap()
	if !from.Is4() || !cli.Is4() || Classify(from) != ClassPublic || Classify(cli) != ClassPublic || !SameNet(from, cli) {
		return ""
	}
	after, at, num, ok := connectCue(dc)
	if !ok {
		return ""
	}
	delay := dc.FirstSYN.Sub(at)
	if delay < 0 || delay > clientConnectWithin {
		return ""
	}
	answer := "a client's TCP gives up on a SYN answered by RST"
	if dc.Outcome == track.OutcomeUnreachable {
		answer = "a client's TCP often gives up on a SYN rejected with ICMP"
	}
	return fmt.Sprintf("%s is in the client's own %s and sent its SYN %.3fs after %s (packet %d), as a client's own connect does (%s, so one SYN is all a client's stopped connection leaves; another host's scan of exactly that port, from the client's network, that soon is unlikely)",
		from, guessedNet(cli), delay.Seconds(), after, num, answer)
}

// connectCue is what dc's first SYN answers: the transfer command that
// used the endpoint, when the SYN came after it (a client that connects
// first, at the 227, is answering the 227), else the reply that announced
// it: how to name it, its time and its packet. ok is false when neither
// is in the capture before the SYN.
func connectCue(dc *track.DataConn) (name string, at time.Time, num uint64, ok bool) {
	if cmd := dc.Command; cmd != nil && !cmd.Unseen && !cmd.TS.IsZero() && !cmd.TS.After(dc.FirstSYN) {
		return cmd.Verb, cmd.TS, cmd.Num, true
	}
	if dc.Armed.IsZero() || dc.Armed.After(dc.FirstSYN) {
		return "", time.Time{}, 0, false
	}
	name = "the announcement"
	if a := dc.Announce; a != nil {
		if r := a.Final(); r != nil {
			name = fmt.Sprintf("the %d announcing the endpoint", r.Code)
		}
	}
	return name, dc.Armed, dc.ArmedNum, true
}

// strangerAnswer says what answered the one SYN of a strangerOnce data
// connection.
func strangerAnswer(dc *track.DataConn) string {
	switch dc.Outcome {
	case track.OutcomeRefused:
		return fmt.Sprintf("answered by RST from %s", dc.Server.Addr())
	case track.OutcomeUnanswered:
		return "with no answer"
	case track.OutcomeUnreachable:
		if i := dc.ICMP; i != nil {
			return fmt.Sprintf("answered by %s from %s", icmpName(i), i.From)
		}
	}
	return "which carried nothing"
}

// strangerTell is how to tell the client's own connection through a NAT
// from another host's scan, for a SYN from from to a session of cli.
func strangerTell(from, cli netip.Addr) string {
	return fmt.Sprintf("Find out first whether %s is the client's: ask the client's side for its public address as the outside sees it (its carrier's NAT), look for other sessions of %s whose data connections came from %s, and look for SYNs from %s to other ports of this server, which a scan sends (tcpdump -nr FILE 'src host %s and tcp[tcpflags] & tcp-syn != 0').",
		from, cli, from, from, from)
}

// hedgeStranger rewords f, the failure finding of a strangerOnce data
// connection, for what the capture shows: the one attempt came from
// another address. owned (strangerOwned) shows the address is the
// client's: the finding stands, and says why. Otherwise it says both
// readings and how to tell them apart, makes its advice depend on the
// answer, and is a warning: a firewall that stopped another host's scan
// did right, and no rule is to be opened for it.
func (p *passiveFailure) hedgeStranger(f *Finding, owned string) {
	dc, s := p.dc, p.s
	from, cli := dc.Client.Addr().Unmap(), s.Client.Addr().Unmap()
	f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("control connection from %s", s.Client))
	if owned != "" {
		f.Message += fmt.Sprintf(" The SYN came from %s, not from the session's client %s (matched by the announced port alone), and %s: most likely the client's own data connection, leaving a NAT from another address than its control connection.", from, cli, owned)
		return
	}
	f.Severity = SeverityWarning
	f.strangerOnce = true
	never := "the client's own connection never came (the client gave up, or its own side stopped it)"
	if p.nat != nil && p.nat.Code == CodeNATMismatch {
		never = "the client's own connection never came here (it went to the announced address: see nat-mismatch; or the client gave up, or its own side stopped it)"
	}
	f.Message = fmt.Sprintf("%s to the passive data endpoint %s came from %s, not from the session's client %s: one SYN (packet %d), matched by the announced port alone, %s, and never sent again%s. Two readings fit: the client's own data connection, leaving a carrier-grade NAT from another address than its control connection, stopped on its way; or another host's scan of the port, which a firewall rightly stopped (one that lets in only the client's own data connections, as an FTP helper's expectation does), while %s. Read as the client's: %s",
		onlyOr(dc, "The only connection attempt", "A connection attempt"), dc.Server, from, cli, dc.SYNNum, strangerAnswer(dc), othersToo(int(dc.OtherAttempts), false), never, f.Message)
	f.Advice = strangerTell(from, cli) + fmt.Sprintf(" If it is not the client's, open nothing: the firewall stopped another host, as it should, and the client's own connection is the one to look for (the client's error, a capture on its side). If it is the client's, its data connection was stopped: %s", f.Advice)
}

// strangerArrived is arrivedThroughNAT's finding when the only connection
// to the server's own private address came from another address than the
// client's, once, and carried nothing (strangerOnce), with nothing that
// shows the address to be the client's: it proves the box in between
// forwards the port, not that the client's connection arrived. A scan's
// would leave the client's own unseen, and a client that trusts the 227
// goes to the private address. A note, as when the client's own arrived:
// the data connection's finding, a warning, says both readings, and the
// verdict does not count it as a client that reached the address.
func (j *pasvJudge) strangerArrived() *Finding {
	s, dc, a := j.s, j.dc, j.a
	from := dc.Client.Addr().Unmap()
	what := strangerAnswer(dc)
	if !dc.Outcome.Failed() {
		what = "its handshake completed and it carried nothing"
	}
	f := j.mismatch(SeverityInfo, fmt.Sprintf("The server announces its own address %s, %s, to client %s from another network. %s to that address and port came from %s, not from the client: one SYN, matched by the announced port alone, %s%s. The box in between forwards the port from outside; whether that was the client's own data connection, leaving a carrier-grade NAT from another address (then the address is not why the transfer failed), or another host's scan, while the client's own connection never came here (a client that trusts the 227 goes to %s, which it cannot reach from outside, unless the box's FTP helper rewrites the 227 on its way out), this capture on the server's side cannot show.",
		a, j.cls.Describe(a), j.cli, onlyOr(dc, "The only connection", "A connection"), from, what, othersToo(int(dc.OtherAttempts), false), a))
	f.Advice = strangerTell(from, j.cli) + fmt.Sprintf(" If it is the client's, see the data connection's own finding. If it is not, look at the 227 on the client's side (capture there too; ftpsniff read --vantage client=FILE --vantage server=FILE compares both): rewritten to the public address, an FTP helper translates it: change nothing, and do not set %s; unchanged, clients that trust it fail: set %s (restart the server), or attach the FTP helper on the NAT router.",
		j.fam.briefly().addrName(), j.fam.addrSet(suggestPublic(j.d.capture, s, a, j.sugPub))) + j.fam.note()
	return f
}

// onlyOr names dc's connection (attempt) to its endpoint: the only one,
// or one of several when other sources' attempts to the endpoint were not
// followed (track.DataConn.OtherAttempts).
func onlyOr(dc *track.DataConn, only, one string) string {
	if dc.OtherAttempts > 0 {
		return one
	}
	return only
}

// othersToo says that n other connection attempts to the endpoint (those
// endpoints, when several) came and were not followed
// (track.DataConn.OtherAttempts); "" for none.
func othersToo(n int, several bool) string {
	if n == 0 {
		return ""
	}
	to := "the same endpoint"
	if several {
		to = "those endpoints"
	}
	return fmt.Sprintf(", and %s to %s came from other source ports or addresses (not followed: other hosts trying the port, as a scan does, or retries from new ports)",
		plural(n, "other connection attempt", "other connection attempts"), to)
}

// strangerSeen is what a server's verdict says of its strangerOnce
// failures and connections: the first one's address, port and code,
// whether the others had another code, and the other sources' attempts
// to their endpoints that were not followed (track.DataConn.OtherAttempts),
// of the failures (onceTaken) and of the connections made (madeTaken).
type strangerSeen struct {
	from                 netip.Addr
	port                 uint16
	code                 string
	mixed                bool
	onceTaken, madeTaken int
}

// noteStranger counts f, a strangerOnce failure finding.
func (a *serverAcc) noteStranger(f *Finding) {
	a.strangerOnce++
	a.stranger.onceTaken += int(f.Data.OtherAttempts)
	switch st := &a.stranger; {
	case st.code == "":
		st.from, st.port, st.code = f.Data.Client.Addr().Unmap(), f.Data.Server.Port(), f.Code
	case st.code != f.Code:
		st.mixed = true
	}
}

// noteStrangerMade counts dc, a strangerOnce data connection that was
// made and carried nothing, with nothing showing its address to be the
// client's.
func (a *serverAcc) noteStrangerMade(dc *track.DataConn) {
	a.strangerMade++
	a.stranger.madeTaken += int(dc.OtherAttempts)
	if st := &a.stranger; !st.from.IsValid() {
		st.from, st.port = dc.Client.Addr().Unmap(), dc.Server.Port()
	}
}

// strangersMade is dataOutcome's verdict when the only data connections
// made were strangerOnce ones that carried nothing: not the clients'
// for certain, and not "not a firewall problem".
func (v *verdictWriter) strangersMade() {
	a, st := v.a, v.a.stranger
	if a.strangerMade == 1 {
		lead := "the only connection"
		if st.madeTaken > 0 {
			lead = "a connection"
		}
		v.text = fmt.Sprintf("%s to passive port %d came from %s, another address than the client's, and carried nothing%s: either the client's own data connection, leaving a carrier-grade NAT from another address, that the server did not use (see the transfer command's reply), or another host's connect scan while the client's own connection never came; find out whether %s is the client's",
			lead, st.port, st.from, othersToo(st.madeTaken, false), st.from)
		return
	}
	only := "the only "
	if st.madeTaken > 0 {
		only = "the "
	}
	v.text = fmt.Sprintf("%s%d data connections made came from other addresses than their sessions' clients (the first from %s to port %d), once each, and carried nothing%s: either clients' own data connections, leaving a carrier-grade NAT from other addresses, that the server did not use (see the transfer commands' replies), or other hosts' connect scans while the clients' own connections never came; find out whether those addresses are the clients'",
		only, a.strangerMade, st.from, st.port, othersToo(st.madeTaken, true))
}

// strangerOnly: the server's only passive failures are strangerOnce
// ones. Nothing shows the server's data path failing a client: the
// verdict says both readings and opens no range.
func (v *verdictWriter) strangerOnly() {
	a, st := v.a, v.a.stranger
	v.accountFor(CodeDataUnanswered, CodeDataRefused, CodeDataUnreachable)
	how, see := "stopped", "their warnings"
	if !st.mixed {
		how = map[string]string{CodeDataRefused: "refused with RST", CodeDataUnanswered: "dropped", CodeDataUnreachable: "rejected with ICMP"}[st.code]
		see = "the " + st.code + " warning"
		if a.strangerOnce > 1 {
			see += "s"
		}
	}
	if a.strangerOnce == 1 {
		lead := "the only connection attempt"
		if st.onceTaken > 0 {
			lead = "a connection attempt"
		}
		v.text = fmt.Sprintf("%s to passive port %d came from %s, another address than the client's, once, and was %s%s: either the client's own data connection, leaving a carrier-grade NAT from another address, that a firewall stopped, or another host's scan that a firewall rightly stopped while the client's own connection never came; find out whether %s is the client's before opening anything (see %s)",
			lead, st.port, st.from, how, othersToo(st.onceTaken, false), st.from, see)
		return
	}
	each := "one SYN each and no other"
	if st.onceTaken > 0 {
		each = "one SYN each that was followed"
	}
	v.text = fmt.Sprintf("%d announced passive data endpoints got %s, from another address than their session's client (the first from %s to port %d), %s%s: either clients' own data connections, leaving a carrier-grade NAT from other addresses, that a firewall stopped, or other hosts' scans that a firewall rightly stopped while the clients' own connections never came; find out whether those addresses are the clients' before opening anything (see %s)",
		a.strangerOnce, each, st.from, st.port, how, othersToo(st.onceTaken, true), see)
}

// scanForwarded reports whether dc, a passive announcement nothing
// connected to, drew a scan's SYN (track.DataConn.Scanned) that reached
// the server's own private address from a public one: it crossed the NAT
// in front of the server, which forwards the port, and the firewall
// there passed it. Without that proof (a scanner on the server's own
// network) a scan's SYN tells nothing of the client's path.
func scanForwarded(s *track.Session, dc *track.DataConn) bool {
	sc := dc.Scanned
	if sc == nil || !dc.Passive || dc.SYNs > 0 {
		return false
	}
	srv := s.Server.Addr().Unmap()
	return sc.To.Addr().Unmap() == srv && Local(srv) && !Local(sc.From.Addr().Unmap())
}

// scannedText says what a scanForwarded SYN shows.
func scannedText(dc *track.DataConn) string {
	sc := dc.Scanned
	return fmt.Sprintf("another address's SYN did reach the server: from %s to %s (packet %d), answered by the server's SYN-ACK and never completed (a scan of the port, or a spoofed SYN: see the data-stray event). Sent from a public address to the server's private one, it crossed the NAT in front, which forwards port %d to the server, and the firewall there passed it",
		sc.From, sc.To, sc.Num, dc.Announced.Port())
}

// withScanned adds a scanForwarded SYN to f's evidence and packets.
func withScanned(f *Finding, dc *track.DataConn) {
	sc := dc.Scanned
	f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("SYN from %s to %s (packet %d), answered by SYN-ACK, handshake not completed", sc.From, sc.To, sc.Num))
	f.Packets = packets(f.Packets, []uint64{sc.Num})
}
