package diagnose

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// outcome explains how a data connection ended, when that is a failure.
// ex: the server had used up its passive range (rangeExhaustion), or nil.
func (d *Diagnoser) outcome(s *track.Session, dc *track.DataConn, nat *Finding, ex *exhaustion) *Finding {
	if !dc.Passive && gotThrough(dc) {
		// Where it came from and when: what a later failure of the same
		// server, or of another, to this client is weighed against
		// (activeFailed). Keyed by the server itself, not its summary's
		// address: the servers beyond the summaries' bound share one.
		d.server(s).shared.peers.through(s.Client.Addr().Unmap(), s.Server, dc, s.ID, s.User)
	}
	if dc.Passive && gotThrough(dc) && dc.Match != track.MatchAnnounceLost {
		// The same for a passive endpoint, what a later drop of the
		// same client's SYNs there is weighed against (wordBefore).
		d.server(s).shared.passiveOK.through(s, dc)
	}
	switch dc.Outcome {
	case track.OutcomeUnanswered, track.OutcomeRefused, track.OutcomeUnreachable:
		if dc.Passive {
			f := d.passiveFailed(s, dc, nat, ex)
			if f != nil && dc.AfterUnsolicited() {
				hedgeUnsolicited(f, dc)
			}
			return f
		}
		return d.activeFailed(s, dc, nat)
	case track.OutcomeUndetermined:
		if d, ok := dc.GaveUp(); ok {
			return answerMissing(dc, d)
		}
	case track.OutcomeNotAttempted:
		if o := dc.Twin; o != nil && o.SYNs > 0 {
			if o.SYNSeenTwice() {
				return untranslatedTwin(dc, o)
			}
			return otherSideOnly(dc, o)
		}
		return strangerAfterClose(s, dc, connectedAfterQuit(dc, d.notAttempted(s, dc, nat)))
	}
	return nil
}

// connectedAfterQuit adds to f, dc's not-attempted finding (nil: none),
// the connection its own peer began to it after the session had ended
// with a 221 to its QUIT (track.DataConn.ConnectedAfterQuit): none came
// while the session was open, and that one was no longer this session's.
// No rule: nothing failed.
func connectedAfterQuit(dc *track.DataConn, f *Finding) *Finding {
	after, ok := dc.ConnectedAfterQuit()
	if f == nil || !ok {
		return f
	}
	who := "The same client"
	if !dc.Passive {
		who = "The session's server"
	}
	f.Message += fmt.Sprintf(" %s did connect to it %s after the session had ended: not this session's data connection (the 221 to its QUIT ended the server's session and its listener) but another session's (one this capture does not show, unless a later announcement here names the same endpoint) or a client reusing an old endpoint; not followed as this session's.", who, dur(after))
	return f
}

// strangerAfterClose adds to f, dc's not-attempted finding (nil: none),
// another host's SYN to it after its session's control connection had
// closed, which the announcement, waiting past the close for its own
// client, gave back because it got no connection going (refused,
// unanswered, or a scan's: track.DataConn.Scanned): a probe of the
// passive port, or an attempt to take the transfer, that the reader
// should hear of, though it says nothing of the client's path: no rule.
// One a scanForwarded wording tells already is left to it.
func strangerAfterClose(s *track.Session, dc *track.DataConn, f *Finding) *Finding {
	sc := dc.Scanned
	if f == nil || sc == nil || !sc.TS.After(s.End) || scanForwarded(s, dc) {
		return f
	}
	f.Message += fmt.Sprintf(" After the session's control connection had closed, another host, %s, sent a SYN to it %s after the close (packet %d) and got no connection going (see the data-stray event): not the client's data connection, but a probe of the passive port, or an attempt to take the transfer (passive port theft, RFC 2577).",
		sc.From.Addr().Unmap(), dur(sc.TS.Sub(s.End)), sc.Num)
	f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("SYN from %s to %s (packet %d), after the close", sc.From, sc.To, sc.Num))
	f.Packets = packets(f.Packets, []uint64{sc.Num})
	return f
}

// whileOpen qualifies "no connection" for dc when a connection to it came
// after its session had ended (connectedAfterQuit).
func whileOpen(dc *track.DataConn) string {
	if _, ok := dc.ConnectedAfterQuit(); ok {
		return " while the session was open"
	}
	return ""
}

// answerMissing tells of a passive data connection whose only SYN the
// client gave up at once, d after it (track.DataConn.GaveUp): a connect
// that got no answer blocks until TCP sends the SYN again, a second or
// more later, so one the client gave up sooner had failed already. A
// capture filter that keeps only TCP ("tcp", "port 21 or portrange
// ...") leaves out the ICMP error; a lossy one, the RST.
func answerMissing(dc *track.DataConn, d time.Duration) *Finding {
	ann, apk := announcement(dc)
	xfer, xpk := transfer(dc)
	att := fmt.Sprintf("1 SYN from %s to %s (packet %d), no answer in the capture; the client moved on %s after it (a new request, or the end of the session)",
		dc.Client, dc.Server, dc.SYNNum, soon(d))
	return &Finding{Code: CodeDataAnswerMissing, Severity: SeverityWarning, TS: when(dc), Packets: packets(apk, []uint64{dc.SYNNum}, xpk),
		Message: fmt.Sprintf("The SYN to the passive data endpoint %s got no answer in the capture, but the client gave up on it %s later, sooner than TCP sends a SYN again (1s): its connect had failed already. It was most likely refused, by an RST (nothing listening, or a firewall rejecting with tcp-reset) or an ICMP error (a firewall rejecting, no route) that this capture did not record; a capture filter that keeps only TCP leaves ICMP out. Nothing here shows a firewall dropping it.",
			dc.Server, soon(d)),
		Evidence: joinEvidence(ann, att, xfer),
		Advice:   "Capture again without a filter that leaves ICMP out (tcpdump -i IFACE host " + dc.Server.Addr().String() + "), on the client's side if possible, to see what answered; the client's own error (connection refused, no route to host) tells it too."}
}

// soon writes a delay under a second to the microsecond when it is under
// a millisecond ("0.095ms"), where dur's milliseconds would say 0.
func soon(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.3fms", max(d, 0).Seconds()*1000)
	}
	return dur(d)
}

// untranslatedTwin: the data connection crossed the NAT box under the
// same addresses on both sides (routed, not translated), so both
// sightings of its SYN went to the other copy of the session.
func untranslatedTwin(dc, o *track.DataConn) *Finding {
	ann, apk := announcement(dc)
	return &Finding{Code: CodeDataNotAttempted, Severity: SeverityInfo, TS: when(dc), Packets: packets(apk, []uint64{o.SYNNum}),
		Message: fmt.Sprintf("The data connection to %s crossed the box this capture was taken on under the same addresses on both sides (routed, not translated): it is counted once, as session %d's data #%d (%s).",
			dc.Announced, o.Session.ID, o.ID, o.Client),
		Evidence: joinEvidence(ann, fmt.Sprintf("its SYN seen twice at once (packet %d and a copy)", o.SYNNum)),
		Advice:   fmt.Sprintf("See session %d for its outcome.", o.Session.ID)}
}

// otherSideOnly: a capture taken on the NAT box holds the session twice
// (track.Session.SameConnection); the client's SYNs to this endpoint were
// seen on the other side and never on this one. The other copy's
// findings tell why; this one only says where they stopped.
func otherSideOnly(dc, o *track.DataConn) *Finding {
	ann, apk := announcement(dc)
	who := dc.Opener()
	were, them := "were", "them"
	if o.SYNs == 1 {
		were, them = "was", "it"
	}
	return &Finding{Code: CodeDataNotAttempted, Severity: SeverityInfo, TS: when(dc), Packets: packets(apk, []uint64{o.SYNNum}),
		Message: fmt.Sprintf("No SYN to %s crossed to this side of the NAT, but the %s's %s to it %s seen on the other side (session %d, data #%d): the box in between did not pass %s on.",
			dc.Announced, who, plural(o.SYNs, "SYN", "SYNs"), were, o.Session.ID, o.ID, them),
		Evidence: joinEvidence(ann, fmt.Sprintf("first SYN of session %d's copy at packet %d", o.Session.ID, o.SYNNum)),
		Advice:   fmt.Sprintf("See session %d's findings: they say why the SYNs stopped and what to change.", o.Session.ID)}
}

// when is the moment a data connection's outcome became known.
func when(dc *track.DataConn) time.Time {
	switch {
	case !dc.End.IsZero():
		return dc.End
	case !dc.LastSYN.IsZero():
		return dc.LastSYN
	case dc.Command != nil && dc.Command.Final() != nil:
		return dc.Command.Final().TS
	}
	return dc.Armed
}

// attemptEvidence describes the SYNs and what answered them.
func attemptEvidence(dc *track.DataConn) (string, []uint64) {
	if dc.SYNs == 0 {
		// Known by its answer alone (track: takeRefusal).
		switch dc.Outcome {
		case track.OutcomeRefused:
			return fmt.Sprintf("RST+ACK from %s to %s %s after the announcement; its SYN not in the capture", dc.Server, dc.Client, dur(dc.RSTTS.Sub(dc.Armed))), nil
		case track.OutcomeUnreachable:
			i := dc.ICMP
			return fmt.Sprintf("%s from %s (packet %d) quoting a SYN from %s to %s, %s after the announcement; the SYN not in the capture",
				icmpName(i), i.From, i.Num, dc.Client, dc.Server, dur(i.TS.Sub(dc.Armed))), []uint64{i.Num}
		}
	}
	pk := []uint64{dc.SYNNum}
	s := fmt.Sprintf("%s from %s to %s%s (first at packet %d)", plural(dc.SYNs, "SYN", "SYNs"), dc.Client, dc.Server, synSpan(dc), dc.SYNNum)
	switch dc.Outcome {
	case track.OutcomeRefused:
		s += fmt.Sprintf(", answered by RST from %s after %s", dc.Server.Addr(), dur(dc.RSTTS.Sub(dc.FirstSYN)))
	case track.OutcomeUnreachable:
		i := dc.ICMP
		s += fmt.Sprintf(", answered by %s from %s after %s (packet %d)", icmpName(i), i.From, dur(i.TS.Sub(dc.FirstSYN)), i.Num)
		pk = append(pk, i.Num)
	case track.OutcomeUnanswered:
		if r := dc.Reflected; r != nil {
			// Answered on another 4-tuple, from the control address: the
			// client's TCP took none of it (track.Reflection).
			s += fmt.Sprintf(", none answered on their own connection; %s from %s (first at packet %d)", plural(r.SynAcks, "SYN-ACK", "SYN-ACKs"), r.From, r.Num)
			if r.Resets > 0 {
				s += fmt.Sprintf(", reset by the client (%s)", plural(r.Resets, "RST", "RSTs"))
			}
			pk = append(pk, r.Num)
		} else if dc.SynAckLost {
			// Answered: whether the SYN-ACKs reached the client's host
			// (and its own firewall dropped them) the capture cannot
			// tell, only that its TCP never took one.
			s += fmt.Sprintf(", answered by SYN-ACK (first after %s), never ACKed by %s", dur(dc.SynAckTS.Sub(dc.FirstSYN)), dc.Client.Addr())
		} else {
			s += ", no answer"
		}
	}
	return s, pk
}

func (d *Diagnoser) failedEvidence(dc *track.DataConn) (string, []uint64) {
	ann, apk := announcement(dc)
	att, tpk := attemptEvidence(dc)
	xfer, xpk := transfer(dc)
	return joinEvidence(ann, att, xfer), packets(apk, tpk, xpk)
}

// vantageSentence says what the capture point tells about where SYNs die.
// v is the connecting side (VantageClient) or the listener's
// (VantageServer); why says what told it (vantageWhy.because). inside:
// the capture shows itself inside any router in front of the listener
// (listenerInside); else, on the listener's side, it may be on such a
// router's outside, and the router the one that drops them.
func vantageSentence(v Vantage, why string, syns int, dst netip.Addr, listener string, inside bool) string {
	the, they := "the SYNs", "they are"
	if syns == 1 {
		the, they = "the SYN", "it is"
	}
	switch {
	case v == VantageClient:
		return fmt.Sprintf("The capture is on the connecting side%s: %s left and nothing came back, so %s dropped between this capture point and %s, by a firewall on the path or on the %s.", why, the, they, dst, listener)
	case v == VantageServer && !inside:
		return fmt.Sprintf("The capture is on the %s's side%s: %s arrived here and nothing answered, so %s dropped on the %s host itself (its input firewall) or on a router in front of it. The %s's address here is public, so this capture may have been taken on that router's public side, where %s arrive before the router drops them or does not forward the port.", listener, why, the, they, listener, listener, the)
	case v == VantageServer:
		return fmt.Sprintf("The capture is on the %s's side%s: %s arrived here and nothing answered, so %s dropped on the %s host itself (its input firewall) or right before it.", listener, why, the, they, listener)
	}
	if v4, ok := nat64Of(dst); ok {
		// No capture is on the host behind a NAT64 and sees its IPv6
		// name.
		return fmt.Sprintf("%s passed the capture point%s and nothing came back: %s dropped beyond it, toward %s, the IPv4 host %s behind a NAT64 (a firewall on the path, at the NAT64, or on the %s).", upperFirst(the), why, they, dst, v4, listener)
	}
	return fmt.Sprintf("%s passed the capture point%s and nothing came back: %s dropped beyond it, toward %s (a firewall on the path or on the %s; if this capture was taken on %s itself, its own input firewall).", upperFirst(the), why, they, dst, listener, dst)
}

// establishedRule accepts, in chain, the packets of connections the host
// already has (their replies): nftables, then iptables.
func establishedRule(chain string, v6 bool) string {
	return fmt.Sprintf("nft insert rule inet filter %s ct state established,related accept, or %s -I %s -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT", chain, iptablesCmd(v6), strings.ToUpper(chain))
}

// serverOutputCheck is the other chain to look at when no SYN-ACK is
// seen: the server host's output chain dropping the SYN-ACK looks the
// same on the wire as its input chain dropping the SYN. Where the capture
// point is not known to be the server host (at names a router too), a
// router's forward chain dropping the SYN-ACKs on their way back looks
// the same as well, and is named with it.
func serverOutputCheck(v6 bool, at place) string {
	if at.router {
		return "If the server's input chain accepts them already, check its output chain and the forward chain of any router or firewall on the path back to the client: one that drops the SYN-ACKs looks the same on the wire (on the server: " + establishedRule("output", v6) + "; on a router: " + establishedRule("forward", v6) + ")."
	}
	return "If the server's input chain accepts them already, check its output chain: one that drops the SYN-ACKs looks the same on the wire (" + establishedRule("output", v6) + ")."
}

// passiveFailed explains a passive data connection whose SYNs went
// unanswered, were refused, or were answered by an ICMP error: what
// stopped them, and what to open or fix where.
func (d *Diagnoser) passiveFailed(s *track.Session, dc *track.DataConn, nat *Finding, ex *exhaustion) *Finding {
	ev, pk := d.failedEvidence(dc)
	f := &Finding{Severity: SeverityError, TS: when(dc), Packets: pk, Evidence: ev}
	p := d.newPassiveFailure(s, dc, nat, ex)
	misfit := misfitOf(s, dc, p.pol)
	if host, ok := otherHostOf(s, dc); ok && !p.wrongAddr && misfit == fits {
		// (A wrong announced address the client dialled explains it
		// already: nat-mismatch.)
		// Not the server's answer, nor its silence: the SYN went to
		// another host (otherhost.go).
		p.wordOtherHost(f, host)
		if p.named {
			f.Advice += p.fam.note()
		}
		return f
	}
	switch dc.Outcome {
	case track.OutcomeUnanswered:
		f.Code = CodeDataUnanswered
		v, why := d.vantage(s)
		if dc.SynAckLost {
			p.wordSynAckLost(f, v)
			return f
		}
		p.wordUnanswered(f, v, why)
	case track.OutcomeRefused:
		f.Code = CodeDataRefused
		if dc.Superseded() {
			p.wordStaleEndpoint(f)
			return f
		}
		p.wordRefused(f)
	case track.OutcomeUnreachable:
		f.Code = CodeDataUnreachable
		p.wordUnreachable(f)
	}
	f.Example = p.example
	if strangerOnce(s, dc) && !p.wrongAddr {
		// (A wrong announced address, nat-mismatch's, is what stopped
		// any SYN that went to it, whoever sent it.)
		p.hedgeStranger(f, d.strangerOwned(s, dc))
	}
	if dc.Match == track.MatchAnnounceLost && dc.Passive {
		p.hedgeLostEndpoint(f)
	}
	if misfit != fits {
		p.hedgeInferredMisfit(f, misfit)
	}
	if dc.Via == 0 && !s.WasEncrypted && !s.ImplicitTLS && s.Midstream {
		// Inferred in a session picked up mid-stream (track:
		// adoptUnanswered, adoptEarly, inferData): its announcement came
		// before the capture.
		f.Message += fmt.Sprintf(" The announcement of port %d is not in the capture, which began after it: the connection is taken for this session's by its peers and time alone.", p.port)
	}
	if p.named {
		f.Advice += p.fam.note()
	}
	return f
}

// hedgeLostEndpoint rewords f, the failure finding of a passive data
// connection taken for a PASV, EPSV or LPSV whose reply the capture lost
// or cut short (track.MatchAnnounceLost): the endpoint is the one the
// client's SYN went to, inferred, not read from the reply, and may be
// another service of the server the client reached (track gives a pick
// way only to a later SYN of the client's). Its port alone says nothing
// of the server's passive range: no rule is built from it.
func (p *passiveFailure) hedgeLostEndpoint(f *Finding) {
	how := "was lost in a capture gap"
	if p.dc.AnnouncementCut() {
		how = "is cut short in the capture (its endpoint cut off by the snap length)"
	}
	what := "the PASV or EPSV and its reply were lost in capture gaps"
	if a := p.dc.Announce; a != nil {
		what = "the reply to the " + a.Verb + " " + how
	}
	f.lostEndpoint = true
	f.Message += fmt.Sprintf(" That endpoint is inferred, not announced: %s, and the client's connection to port %d is taken for its data connection by its peers and time alone; it may have gone to another service of the server.", what, p.port)
	f.Advice = fmt.Sprintf("Open nothing for port %d on this alone: it was not read from an announcement, and one port says nothing of the server's passive range. Capture again with whole packets (tcpdump -s 0) to see the endpoint the server announced; give --pasv-range or --server-config to check it against the server's range.", p.port)
	p.named = false // (no family settings named)
}

// hedgeUnsolicited rewords f, the failure finding of a passive data
// connection to the endpoint of a reply that answered no command
// (track.DataConn.AfterUnsolicited): one line the client never asked
// for, maybe injected or stray, proves no fault of the server's data
// path and says nothing of its passive range. What happened to the
// connection is said, with both readings, as a warning; no rule or range
// is built from its port (lostEndpoint, misfitUnsolicited), nor is
// another host, the capturing box or an earlier success blamed.
//
// What the capture shows of the answer is said as it shows it: SYN-ACKs
// the client never took (track.DataConn.SynAckLost) are the answer of
// something listening there, lost on the way back or dropped by the
// client host itself, which the capture cannot tell apart; not "no
// answer".
func hedgeUnsolicited(f *Finding, dc *track.DataConn) {
	how := failedHow(f.Code, dc)
	if how == "" {
		return
	}
	code := 0
	if r := dc.Announce.Final(); r != nil {
		code = r.Code
	}
	port := dc.Server.Port()
	f.Severity = min(f.Severity, SeverityWarning)
	f.lostEndpoint, f.misfit = true, misfitUnsolicited
	f.otherHost, f.boxDrop, f.passiveBefore = false, false, false
	f.Example = policy.PortRange{}
	readings := fmt.Sprintf("if your server did not send it (a line injected in its name, or a stray one), nothing was meant to listen there and stopping the connection is right; if it did (it answered a PASV this capture does not show, or a proxy answered one for it), the server's data path to port %d failed.", port)
	look := "did the client send a PASV this capture lacks?"
	if f.Code == CodeDataUnanswered && dc.SynAckLost {
		// Something listened and answered: whether the answers were lost
		// on the way back or the client host's own firewall dropped them
		// after this capture saw them, it cannot tell.
		readings = fmt.Sprintf("something at port %d answered, and the answers never reached the client's TCP (lost on the way back, or dropped by the client host's own firewall: the capture cannot tell which). If your server did not send the reply (a line injected in its name, or a stray one), whatever listens there answered a connection not meant for it; if it did (it answered a PASV this capture does not show, or a proxy answered one for it), its answers do not get back to the client.", port)
		look = "did the client send a PASV this capture lacks, and did the SYN-ACKs reach it?"
	}
	f.Message = fmt.Sprintf("The client's connection to %s, an endpoint named only by a %d that answered no command the client sent, %s (%s). A reply that answered no command named it: %s",
		dc.Server, code, how, plural(int(dc.SYNs), "SYN", "SYNs"), readings)
	f.Advice = fmt.Sprintf("Open nothing for port %d on this alone: one reply that answered no command says nothing of the server's passive range. Look for that reply in the server's log (did it send it?) and capture on the client's side too (%s); give --pasv-range or --server-config to check the port against the server's range.", port, look)
}

// failedHow says how a failed data connection's SYNs fared, after "the
// connection to X": as the capture shows the answer of its failure code,
// SYN-ACKs the client never took (track.DataConn.SynAckLost) and those
// from another address (track.DataConn.Reflected) too, which are no
// silence. "" for another code.
func failedHow(code string, dc *track.DataConn) string {
	switch code {
	case CodeDataRefused:
		return "was refused with RST"
	case CodeDataUnreachable:
		return "was rejected with ICMP"
	case CodeDataUnanswered:
		switch {
		case dc != nil && dc.SynAckLost:
			return fmt.Sprintf("was answered by SYN-ACKs from %s that the client never acknowledged", dc.Server.Addr().Unmap())
		case dc != nil && dc.Reflected != nil:
			return fmt.Sprintf("got no answer on its own connection, only %s from %s", plural(dc.Reflected.SynAcks, "SYN-ACK", "SYN-ACKs"), dc.Reflected.From)
		}
		return "got no answer"
	}
	return ""
}

// dialledAnnounced tells whether dc's SYNs went to the address its
// announcement named: as named, or as a NAT64 makes an IPv4 address on
// IPv6 (the well-known prefix, or the control address's /96: nspNAT64).
// One inferred under TLS went where the hidden announcement said, as far
// as anything tells (hiddenPrivateAddress).
func dialledAnnounced(s *track.Session, dc *track.DataConn) bool {
	to, ann := dc.Server.Addr().Unmap(), dc.Announced.Addr().Unmap()
	if to == ann || dc.Via == 0 || !dc.Announced.IsValid() {
		return true
	}
	if a4, ok := nat64Of(to); ok && a4 == ann {
		return true
	}
	return nspNAT64(s.Server.Addr().Unmap(), ann, to)
}

// misfitKind says how the endpoint of an inferred data connection does not
// fit the session's passive range as far as the capture shows it
// (misfitOf).
type misfitKind uint8

const (
	fits misfitKind = iota
	// misfitElsewhere: the session's data connections that worked went
	// to another address or to ports far from this one.
	misfitElsewhere
	// misfitServicePort: none worked to compare with, and the port is a
	// system port or a well-known service's (servicePort), where no
	// server puts its passive range.
	misfitServicePort
	// misfitOutsideRange: none worked to compare with, and the port is
	// outside the range the server's configuration sets.
	misfitOutsideRange
	// misfitUnsolicited: not inferred, but tied to the endpoint of a
	// reply that answered no command (hedgeUnsolicited).
	misfitUnsolicited
)

// inferredMisfit tells whether dc is a passive data connection of an
// encrypted session inferred by peers and time (track: inferData) whose
// endpoint does not fit (misfitOf), with no range given to check it
// against.
func inferredMisfit(s *track.Session, dc *track.DataConn) bool {
	return misfitOf(s, dc, policy.Policy{}) != fits
}

// misfitOf tells whether and how dc, a passive data connection of an
// encrypted session inferred by peers and time (track: inferData), does
// not fit: its endpoint is not where the session's data connections
// that worked went (track.Session.FitsWorking: another address, or a
// port far from theirs), or, none having worked, its port is no
// plausible passive port (a service's port, or outside the server's
// configured range). track takes no misfit of the first kind when they
// came before it; these came after. A port inside the range pol gives
// or configures, at the control address, is the server's wherever the
// others went: it fits. A lone ordinary high port fits (what a blocked
// passive range under FTPS shows: every SYN unanswered, nothing to
// compare with).
func misfitOf(s *track.Session, dc *track.DataConn, pol policy.Policy) misfitKind {
	if dc.Match != track.MatchInferred || !dc.Passive || dc.Via != 0 || !(s.Encrypted || s.WasEncrypted || s.ImplicitTLS) {
		return fits
	}
	port, own := dc.Server.Port(), dc.Server.Addr().Unmap() == s.Server.Addr().Unmap()
	if own && pol.PassiveRanges().Contains(port) {
		return fits
	}
	switch ok, answered := s.FitsWorking(dc.Server, dc); {
	case answered && !ok:
		return misfitElsewhere
	case answered:
		return fits
	case riskyToOpen(port) && !nearOrdinaryAttempt(s, dc):
		return misfitServicePort
	case len(serverRange(pol)) > 0 && !serverRange(pol).Contains(port):
		return misfitOutsideRange
	}
	return fits
}

// riskyToOpen tells whether a port is one no advice may open on a lone
// inferred connection's word: a system port, or a service's whose
// exposure harms (databases, remote desktops, container and cluster
// control, NFS, caches, search): what a client steered there (a DNAT
// it controls) would have opened. The web applications' ports of
// servicePort (3000, 5000, 8000, 8081, 8888, 9000) are left out: passive
// ranges start there too, and a lone failed transfer, the common "it
// hangs" capture under FTPS, keeps its rule; the admin consoles among
// them (8080 Tomcat's manager, 8443 Plesk and others, 9090 Cockpit) are
// kept in.
func riskyToOpen(port uint16) bool {
	return servicePort(port) && !slices.Contains(webAppPorts[:], port)
}

// webAppPorts are the ports of servicePort's list no lone attempt is
// hedged on: web applications' (not their admin consoles').
var webAppPorts = [...]uint16{3000, 5000, 8000, 8081, 8888, 9000}

// serviceAside tells whether dc, a passive data connection of an
// encrypted session inferred by peers and time, got through to a
// service's port (servicePort) far from the ports the session's other
// answered ones went to (track.Session.FitsWorking): the client's
// connection to another service of the server (a TLS admin panel on
// 8443) as likely as a data connection, no port of the passive range to
// count.
func serviceAside(s *track.Session, dc *track.DataConn) bool {
	if dc.Match != track.MatchInferred || !dc.Passive || dc.Via != 0 || !gotThrough(dc) || !servicePort(dc.Server.Port()) || !(s.Encrypted || s.WasEncrypted || s.ImplicitTLS) {
		return false
	}
	ok, answered := s.FitsWorking(dc.Server, dc)
	return answered && !ok
}

// nearOrdinaryAttempt tells whether another passive data connection of
// s inferred by peers and time went to dc's address, to a port within
// track.InferNearPorts of dc's that is no service's (servicePort): SYNs
// to a blocked range that happens to hold a service's port (5000-5100)
// show it by the others around it.
func nearOrdinaryAttempt(s *track.Session, dc *track.DataConn) bool {
	port := int(dc.Server.Port())
	for _, x := range s.Data {
		if x == dc || !x.Passive || x.Match != track.MatchInferred || x.SYNs == 0 || x.Server.Addr() != dc.Server.Addr() || servicePort(x.Server.Port()) {
			continue
		}
		if d := int(x.Server.Port()) - port; d >= -track.InferNearPorts && d <= track.InferNearPorts {
			return true
		}
	}
	return false
}

// hedgeInferredMisfit rewords f, the failure finding of an inferred
// connection that does not fit (misfitOf, how: m): a guess, most likely
// the client's connection to another service, a warning whose port no
// rule is built from (lostEndpoint).
func (p *passiveFailure) hedgeInferredMisfit(f *Finding, m misfitKind) {
	f.lostEndpoint, f.misfit = true, m
	f.Severity = min(f.Severity, SeverityWarning)
	f.Example = policy.PortRange{}
	lead := fmt.Sprintf(" That endpoint is inferred, not announced: the control channel is encrypted, and the connection to %s is taken for this session's by its peers and time alone", p.dc.Server)
	switch m {
	case misfitServicePort:
		f.Message += fmt.Sprintf("%s, yet none of the session's data connections worked to compare it with, and port %d is %s, not where a server puts its passive range: it may be the client's connection to that service.", lead, p.port, servicePortName(p.port))
		f.Advice = fmt.Sprintf("Open nothing for port %d on this alone: it was not read from an announcement, and no data connection worked beside it to show the server's range. Give --pasv-range or --server-config to check it against the server's range.", p.port)
	case misfitOutsideRange:
		f.Message += fmt.Sprintf("%s, yet none of the session's data connections worked to compare it with, and port %d is outside %s: it may be the client's connection to another service.", lead, p.port, serverRangeName(p.pol))
		f.Advice = fmt.Sprintf("Open nothing for port %d on this alone: it was not read from an announcement, and the server's configured range does not include it. If the server does use it, it does not run %s: check which file it reads.", p.port, p.pol.Server.Path)
	default:
		f.Message += fmt.Sprintf("%s, yet the session's data connections that worked went to another address or to ports far from %d: it may be the client's connection to another service.", lead, p.port)
		f.Advice = fmt.Sprintf("Open nothing for port %d on this alone: it was not read from an announcement, and the ports the server's data connections worked on do not include it. Give --pasv-range or --server-config to check it against the server's range.", p.port)
	}
	p.named = false // (no family settings named)
}

// serverRange is the ports the server configuration pol applies hands
// out (its passive range, else the server's built-in one); nil when no
// configuration was given or it tells none.
func serverRange(pol policy.Policy) policy.Ranges {
	switch c := pol.Server; {
	case c == nil:
		return nil
	case len(c.PassiveRange) > 0:
		return c.PassiveRange
	}
	return pol.Server.BuiltinRange
}

// serverRangeName words serverRange(pol) for a message.
func serverRangeName(pol policy.Policy) string {
	if c := pol.Server; len(c.PassiveRange) > 0 {
		return fmt.Sprintf("the passive range %s sets (%s)", c.Path, c.PassiveRange)
	}
	return fmt.Sprintf("the ports the server picks from without a range set in %s (%s)", pol.Server.Path, pol.Server.BuiltinRange)
}

// servicePortName words a servicePort for a message: a system port, or a
// well-known service's.
func servicePortName(port uint16) string {
	if port < 1024 {
		return "a system port (below 1024)"
	}
	return "a well-known service's port"
}

// passiveFailure is what passiveFailed words its finding from: where the
// client's SYNs went, the server's passive range and family, and where
// the firewall to open sits.
type passiveFailure struct {
	s   *track.Session
	dc  *track.DataConn
	nat *Finding    // the session's nat finding, or nil
	ex  *exhaustion // the server had used up its passive range, or nil
	d   *Diagnoser
	pol policy.Policy
	rs  policy.Ranges // the passive range given or configured
	fam family
	// port, dst: the endpoint the SYNs went to.
	port uint16
	dst  netip.Addr
	v6   bool
	// wrongAddr: the client connected to an announced address that
	// nat-mismatch says is wrong, not to the control address.
	wrongAddr bool
	enc       bool // the control connection is encrypted: no helper sees it
	// noHelper: why the Linux FTP conntrack helper cannot read the 227
	// that announced dc (helperUnreadable227), "" when it can: the
	// advice then names no helper.
	noHelper string
	// at: where the firewall to open sits, as far as the packets show:
	// the server host's input chain, a router's forward chain in front,
	// or both named when they cannot tell.
	at place
	// related: the chain that accepts what a helper expects. A Windows
	// host has none, so only a Linux firewall in front relies on a
	// helper.
	related string
	// named: the advice names the server family's settings, so it says
	// where the family came from. inputNamed: the advice names a rule
	// for the server host's own (Linux) input chain. Both set by
	// rangeAdvice.
	named, inputNamed bool
	// example: the example range the advice names, when the range is
	// not known (exampleRange; the finding's Example).
	example policy.PortRange
}

// exampleRange is the example range for the advice when the server's
// range is not known (sessionExample), noted for the finding; not for a
// server without a range setting, whose advice names the kernel's range
// instead (kernelRangeAdvice).
func (p *passiveFailure) exampleRange() policy.PortRange {
	r := p.d.serverExample(p.s, p.port)
	if !p.fam.noPassive {
		p.example = r
	}
	return r
}

func (d *Diagnoser) newPassiveFailure(s *track.Session, dc *track.DataConn, nat *Finding, ex *exhaustion) passiveFailure {
	p := passiveFailure{s: s, dc: dc, nat: nat, ex: ex, d: d, port: dc.Server.Port(), dst: dc.Server.Addr()}
	p.pol = d.polOf(s)
	p.rs = p.pol.PassiveRanges()
	p.v6 = rulesV6(dc.Server)
	// (A public IPv4 address a 227 names on an IPv6 control connection
	// may be the server's own: the failure is judged as on IPv4,
	// trustedPublicIPv4.)
	// (The client dialled the announced address itself, or a NAT64's
	// form of it: SYNs to a third address, matched by port, went to
	// another host, otherHostOf's.)
	p.wrongAddr = nat != nil && nat.Code == CodeNATMismatch && p.dst.Unmap() != s.Server.Addr().Unmap() &&
		dialledAnnounced(s, dc) && !trustedPublicIPv4(s, dc)
	p.enc = encryptedControl(s)
	p.noHelper = helperUnreadable227(s, dc)
	p.fam = d.family(s)
	// (A capture behind the NAT shows no public address: --public-address
	// gives the one the router's DNAT matches.)
	p.at = passivePlace(d.capture, s, dc).withPublic(p.pol.Public()).v4Side()
	p.related = p.at.related()
	if p.fam.host() == hostWindows {
		p.related = "in its forward chain"
	}
	return p
}

// wordSynAckLost: the server answered the SYNs, and the client never
// completed the handshake: its SYN-ACKs are dropped on the way back.
// Nothing on the server needs to change.
func (p *passiveFailure) wordSynAckLost(f *Finding, v Vantage) {
	dc, dst, port := p.dc, p.dst, p.port
	f.Message = fmt.Sprintf("%s to the passive data endpoint %s%s were answered by SYN-ACKs from %s, but the client kept re-sending its SYN and never completed the handshake: the SYN-ACKs are dropped on the way back to %s (a firewall or NAT on the return path, or asymmetric routing past a stateful firewall that saw only one direction).",
		plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc), dst, dc.Client.Addr())
	if dc.SYNs == 1 {
		// Known by the SYN-ACKs sent again (the capture shows no
		// SYN resent): the client never acknowledged them.
		f.Message = fmt.Sprintf("The SYN to the passive data endpoint %s was answered by a SYN-ACK from %s, which it sent again and the client never acknowledged: the client never completed the handshake, and the SYN-ACKs are dropped on the way back to %s (a firewall or NAT on the return path, or asymmetric routing past a stateful firewall that saw only one direction).",
			dc.Server, dst, dc.Client.Addr())
	}
	f.Advice = fmt.Sprintf("Let the replies back: on the path from %s to %s, allow established/related traffic of the data connection (port %d) and make both directions pass the same stateful firewall. Nothing on the server needs to change: it answered.", dst, dc.Client.Addr(), port)
	if v != VantageServer {
		// The capture may be on the client host itself, which
		// records its incoming packets before its own firewall
		// drops them.
		cli := dc.Client.Addr().Unmap()
		f.Message = strings.TrimSuffix(f.Message, ").") + fmt.Sprintf("; or, if this capture was taken on %s itself, its own input firewall, which drops them after the capture saw them).", cli)
		f.Advice = fmt.Sprintf("Let the replies back: on the path from %s to %s, allow established/related traffic of the data connection (port %d) and make both directions pass the same stateful firewall; if this capture was taken on %s itself, its own input chain must accept the answers to its connections (%s). Nothing on the server needs to change: it answered.",
			dst, cli, port, cli, establishedRule("input", isV6(dc.Client)))
	}
}

// wordUnanswered: no answer to the SYNs, a firewall dropping them, or,
// where the client used a wrong announced address, that address.
func (p *passiveFailure) wordUnanswered(f *Finding, v Vantage, why vantageWhy) {
	dc := p.dc
	if p.wrongAddr {
		f.Message = p.wrongAddrUnanswered()
	} else {
		where := vantageSentence(v, why.because(p.s), dc.SYNs, p.dst, "server", listenerInside(p.s, true))
		if box := boxDropped(p.s, dc); box != boxNot {
			where = boxSentence(p.s, dc, box, p.dst)
			f.boxDrop = true
		}
		f.Message = fmt.Sprintf("%s to the passive data endpoint %s%s got no answer: a firewall is dropping %s. %s",
			plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc), themOrIt(dc.SYNs), where)
		f.Message += p.otherFamilyHedge()
	}
	if !f.boxDrop && p.wordBefore(f) {
		// (A box drop's rules are that box's, whatever got through
		// before.)
		return
	}
	f.Advice = p.rangeAdvice("drop") + nat64Note(p.dst.Unmap())
	if _, nat64 := nat64Of(p.dst.Unmap()); p.at.router && !p.at.nat && !p.at.box && !p.wrongAddr && !p.v6 && !nat64 && !listenerInside(p.s, true) {
		// The packets cannot tell the server's address from a NAT
		// router's (a capture on its public side): a router that
		// forwards port 21 and not this one keeps the SYN for itself,
		// and no forward-chain accept changes that.
		f.Advice += fmt.Sprintf(" If %s is a NAT router's address in front of the server, the router may not forward the port at all (a forward-chain accept then changes nothing): forward (DNAT) the whole passive range to the server there: %s.",
			p.dst.Unmap(), p.routerDNAT())
	}
	if p.inputNamed && dc.Reflected == nil {
		// No SYN-ACK in the capture: the server's output chain
		// dropping it looks the same (a capture on the server sees
		// outgoing packets after its firewall).
		f.Advice += " " + serverOutputCheck(p.v6, p.at)
	}
}

// wordBefore words f when the same client got a passive data connection
// through to the same endpoint earlier in the capture (passivePeers):
// whatever drops the SYNs now let them in then, so something changed
// since, on the path or the server's firewall, and the port says nothing
// of a passive range to set or open. With no range known, the advice
// says so instead of an example range; with one known, the range advice
// stands after it. Not for SYNs to a wrong announced address, another
// address's one SYN, or an endpoint inferred from a lost announcement.
// A second connection to one announcement (DataConn.Reused) says what an
// FTP helper does with it instead: its expectation was used up.
func (p *passiveFailure) wordBefore(f *Finding) bool {
	s, dc := p.s, p.dc
	if p.wrongAddr || p.ex != nil || dc.SYNs == 0 || dc.Match == track.MatchAnnounceLost || dc.Superseded() || strangerOnce(s, dc) {
		return false
	}
	prior, ok := p.d.server(s).shared.passiveOK.before(s, dc)
	if !ok {
		return false
	}
	if dc.Reused() {
		// A second connection to one announcement: an FTP helper's
		// expectation, the firewall's RELATED, was used by the first.
		f.Message += fmt.Sprintf(" It was a second connection to one announcement (no PASV or EPSV before this transfer command: the server kept its listener), and this client's connection to %s got through before (session %d, data #%d): a firewall that lets passive data connections in through an FTP helper (RELATED: a Linux nf_conntrack_ftp expectation is used up by the first connection) lets no second one in.",
			dc.Server, prior.session, prior.data)
		f.Advice = fmt.Sprintf("If the firewall lets data connections in as RELATED through an FTP helper, make the client send PASV or EPSV before each transfer (most clients do), or accept new connections to the server's passive range itself (port %d here) on the firewall in front of %s; if not, look at what changed since on the path and on the server's own firewall (nft list ruleset; %s -S).",
			p.port, p.dst.Unmap(), iptablesCmd(p.v6))
		return true
	}
	f.passiveBefore = true
	f.Message += fmt.Sprintf(" This client's passive data connections to %s got through before: at %s (session %d, data #%d): the firewall let them in then, so something changed since (a rule reloaded or removed, a ban or rate limit on the client's address, a full connection-tracking table).",
		dc.Server, clockAt(prior.at, connTime(dc)), prior.session, prior.data)
	a := fmt.Sprintf("Port %d let this client's passive data connections in before, so no passive range needs opening or setting for this failure: look at what changed since on the path to %s and on the server's own firewall (nft list ruleset; %s -S: a rule reloaded or removed, a ban or rate limit on %s such as fail2ban or a recent/connlimit match; conntrack -C against net.netfilter.nf_conntrack_max).",
		p.port, p.dst.Unmap(), iptablesCmd(p.v6), s.Client.Addr().Unmap())
	if len(p.rs) > 0 {
		a += " " + p.rangeAdvice("drop")
	}
	f.Advice = a
	return true
}

// otherFamilyHedge is the sentence, with a leading space, that a failure
// at the public IPv4 address a 227 named on an IPv6 control connection
// (trustedPublicIPv4) adds: the address may not be the server's. "" for
// any other.
func (p *passiveFailure) otherFamilyHedge() string {
	if !trustedPublicIPv4(p.s, p.dc) {
		return ""
	}
	return fmt.Sprintf(" The client went there over IPv4, to the address the 227 named on this IPv6 control connection: if %s is not the server's IPv4 address, that is why instead (see nat-mismatch).", p.dst.Unmap())
}

// wrongAddrUnanswered is the message for SYNs to a wrong announced
// address: not a firewall's doing, the address does not lead to the
// server (or leads back to it only through the router).
func (p *passiveFailure) wrongAddrUnanswered() string {
	s, dc, dst := p.s, p.dc, p.dst
	switch r := dc.Reflected; {
	case p.nat.unmasqueraded:
		return fmt.Sprintf("%s to the passive data endpoint %s%s %s answered from the server's private address %s instead (%s), and the client %s: the client, on the server's own network, used the announced public address %s rather than the control address %s, and the router looped its connection back to the server without masquerading it (see nat-mismatch).",
			plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc), wasWere(dc.SYNs), r.From, plural(r.SynAcks, "SYN-ACK", "SYN-ACKs"), refusedAnswer(r), dst, s.Server.Addr())
	case p.nat.hairpin:
		return fmt.Sprintf("%s to the passive data endpoint %s%s got no answer: the client, on the server's own network, used the announced public address %s rather than the control address %s. Most likely the router does not loop it back to the server (no NAT loopback); a loopback that does not masquerade, or a passive range the router does not forward or the server's firewall drops, looks the same from here (see nat-mismatch).",
			plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc), dst, s.Server.Addr())
	}
	return fmt.Sprintf("%s to the passive data endpoint %s%s got no answer: the client used the announced address %s rather than the control address %s, and it does not lead to the server (see nat-mismatch).",
		plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc), dst, s.Server.Addr())
}

// wordStaleEndpoint: the client used a stale announcement: the port was
// closed for the newer one, not by a firewall's range.
func (p *passiveFailure) wordStaleEndpoint(f *Finding) {
	f.Severity = SeverityWarning
	f.Message = fmt.Sprintf("The SYN to the passive data endpoint %s was answered by RST from %s%s, but the client connected to it after the server had announced another endpoint for a newer PASV or EPSV: the server (which keeps one passive listener per session) or a NAT's FTP helper (one expectation per control connection) no longer waited on it.", p.dc.Server, p.dst, synLost(p.dc))
	f.Advice = "Nothing to open: the client must connect to the endpoint of the latest 227 or 229 it asked for. A client that sends PASV twice and uses the first answer is at fault (update it, or report it to its maker)."
}

// noListener says who answered a passive port nothing listened on. The
// server's own host when the endpoint is a loopback address or the
// control connection's (routerReset found no TTL to tell another box):
// on 127.0.0.1 a second host was claimed (rv-newcomer).
func (p *passiveFailure) noListener() string {
	if a := p.dst.Unmap(); a.IsLoopback() || a == p.s.Server.Addr().Unmap() && !p.at.router {
		return "the server's host answered, the server not listening there when the SYN came (not yet, no longer, or on another address)."
	}
	return "another host or container behind the same address answered."
}

// wordRefused: an RST, from a closed port or a reject rule, or from a NAT
// router in front that does not forward the port.
func (p *passiveFailure) wordRefused(f *Finding) {
	dc, dst, v6 := p.dc, p.dst, p.v6
	if nearer, oneHop := routerReset(p.s, dc); nearer {
		// Not the server's RST: rules on the server host alone
		// cannot be enough (rv-nat pasvaddr-public, v6-epsv-nohelper:
		// the forward accept loaded, the same RST).
		who := "the router right in front of the server answered for it (a NAT router that forwards port 21 to the server and not this port answers so, from its own address, as does a router whose forward chain rejects it with tcp-reset)"
		lower := "one hop lower"
		if !oneHop {
			who = "a router or firewall on the path, nearer this capture point than the server, answered for it (it rejects the port with tcp-reset, or, the NAT router in front of the server, does not forward it)"
			lower = "lowered by two hops or more"
		}
		f.Message = fmt.Sprintf("The SYN to the passive data endpoint %s was answered by RST from %s%s, but not by the server: the RST came with %s %d, as a host sends it, while the server's own segments of the control connection arrive %s: %s.",
			dc.Server, dst, synLost(dc), ttlName(v6), dc.RSTTTL, lower, who)
		f.Advice = p.rangeAdvice("reject with tcp reset (" + iptablesCmd(v6) + " -j REJECT --reject-with tcp-reset)")
		return
	}
	f.Message = fmt.Sprintf("The SYN to the passive data endpoint %s was answered by RST from %s%s: the port is closed, or a firewall rejects it with tcp-reset.", dc.Server, dst, synLost(dc))
	f.Advice = p.rangeAdvice("reject with tcp reset ("+iptablesCmd(v6)+" -j REJECT --reject-with tcp-reset)") + " If no rule rejects it, nothing listened on the port: " + p.noListener()
	if p.at.router && !p.at.nat && !p.wrongAddr && !v6 {
		// The packets cannot tell the server's address from a NAT
		// router's: a router that forwards port 21 only answers the
		// passive ports itself, and no accept changes that.
		f.Advice += fmt.Sprintf(" If %s is a NAT router's address in front of the server, that RST is most likely the router's own: it does not forward the port; forward (DNAT) the passive range to the server there: %s.",
			dst.Unmap(), p.routerDNAT())
	}
	if a := p.d.servers[p.s.Server]; a != nil && a.spread.found && !p.wrongAddr && dc.RSTFromServer && dc.ICMP == nil &&
		dst.Unmap() == p.s.Server.Addr().Unmap() {
		// This server's refusals at its control address already came
		// interleaved by port with connections that worked
		// (spread.go): no port rule refuses like that.
		f.Advice, f.backends = backendsAdvice(dst, "at it, "+a.spread.words()), true
	}
}

// ttlName names the field a segment's hop count is read from: the TTL
// of IPv4, the hop limit of IPv6.
func ttlName(v6 bool) string {
	if v6 {
		return "hop limit"
	}
	return "TTL"
}

// wordUnreachable: an ICMP error, from the path, from the address itself
// (its firewall, or a router forwarding to a host that is down), or from
// a reject rule on a router.
func (p *passiveFailure) wordUnreachable(f *Finding) {
	s, dc, dst := p.s, p.dc, p.dst
	i := dc.ICMP
	f.Message = fmt.Sprintf("The SYN to the passive data endpoint %s was answered by %s from %s%s%s.", dc.Server, icmpName(i), icmpSender(i, dst, s), synLost(dc), icmpMeaning(i))
	switch {
	case icmpPathAdvice(i, dc.Server) != "":
		f.Advice = icmpPathAdvice(i, dc.Server)
	case icmpSelfReject(i, dst):
		// The address answered: it is reachable, and its own
		// firewall rejects the port.
		// Or a router that owns the address and forwards the port
		// (port forwarding, DNAT): it answers host unreachable when
		// the host behind it does not answer (ARP fails, it is down).
		f.Message += fmt.Sprintf(" %s answered for itself, so the address is reachable: its own firewall rejects the port (%s), or, if %s is a router that forwards the port to a host behind it (port forwarding, DNAT), that host is down or unreachable from the router.", dst, rejectWith(i), dst)
		f.Advice = p.rangeAdvice(fmt.Sprintf("reject rule (%s on %s)", rejectWith(i), dst)) + fmt.Sprintf(" If %s forwards the port to a host behind it, check first that the host is up and answers the router (ip neigh on the router shows it FAILED when it does not).", dst)
	case icmpKindOf(i, dst, s.Server.Addr()) == icmpFirewall && !icmpProhibited(i) && !icmpPortUnreachable(i):
		// A router's net or host unreachable about the address the
		// control connection reaches: a reject rule on that router.
		f.Message += fmt.Sprintf(" The control connection reaches %s, so the address is reachable: %s most likely rejects the port with a firewall rule (%s), unless the server went down.", dst, i.From, rejectWith(i))
		f.Advice = p.rangeAdvice(fmt.Sprintf("reject rule (%s on %s)", rejectWith(i), i.From))
	case icmpProhibited(i):
		// The reject that sends this code (ICMPv6's own names for IPv6).
		r := icmpRejectRule(i)
		if r == "a reject rule" {
			r = fmt.Sprintf("a reject with ICMP%s %s", map[bool]string{true: "v6"}[i.V6], i.CodeName())
		}
		f.Advice = p.rangeAdvice(fmt.Sprintf("reject rule (%s, on %s)", r, i.From))
	case icmpPortUnreachable(i):
		// Not a closed port: a TCP port nothing listens on answers
		// RST (RFC 9293 3.10.7.1; Linux tcp_v4_send_reset), never
		// ICMP port unreachable, which only a reject rule sends
		// for TCP (iptables REJECT's default).
		f.Advice = p.rangeAdvice(rejectDefault(p.v6)) + " Port unreachable to a TCP SYN comes from a reject rule, not from a closed port (a closed TCP port answers RST)."
	default:
		f.Advice = fmt.Sprintf("The address %s cannot be reached from the client (routing, or an address only valid inside the server's network: see nat-mismatch); make the server announce an address the client can reach.", dst)
	}
}

// routerDNAT is the DNAT of the passive range to the server on a NAT
// router in front at the address the SYNs went to: the range meant (the
// one the server strays from when swapped), else the example range the
// advice before it proposes (sessionExample).
func (p *passiveFailure) routerDNAT() string {
	rs := p.rs
	if len(rs) == 0 {
		rs = policy.Ranges{p.exampleRange()}
	}
	if p.swapped() {
		rs = p.pol.Server.SwappedRange
	}
	return dnatRules(rs, p.v6, place{nat: true, public: p.dst})
}

// rangeAdvice is what to open, or fix first, for SYNs that rejectRule
// (or a drop) stopped: the first that applies of a wrong announced
// address, a port the server fell back to with its range used up, a
// port inside the known passive range, one outside it, and no range
// known.
func (p *passiveFailure) rangeAdvice(rejectRule string) string {
	switch {
	case p.wrongAddr:
		return p.wrongAddrAdvice()
	case p.ex != nil:
		return p.fallbackPortAdvice()
	case p.swapped():
		return p.swappedAdvice()
	case len(p.rs) > 0 && p.rs.Contains(p.port):
		return p.inRangeAdvice(rejectRule)
	case len(p.rs) > 0 && len(p.pol.Ranges) == 0:
		// The range is the configuration's own: it is set already.
		// Never a rule for the one port it picked: the next session
		// picks another.
		return fmt.Sprintf("Port %d is outside the passive range %s that %s sets: the server that answered does not run that configuration (check that it is the file the server reads, and restart the server).", p.port, p.rs, p.pol.Server.Path)
	case len(p.rs) > 0:
		keep := p.fam.rangeSetIn(mainRange(p.rs))
		if configSetsRange(p.pol.Server, policy.Ranges{mainRange(p.rs)}) {
			return fmt.Sprintf("Port %d is outside the passive range %s (see port-outside-range), which the configuration given sets already: the server that answered does not run it; check the file it reads and restart it.", p.port, p.rs)
		}
		p.named = true
		return fmt.Sprintf("Port %d is outside the passive range %s (see port-outside-range): keep the server inside it (%s).", p.port, p.rs, keep)
	}
	p.named = true
	p.inputNamed = p.at.host && p.fam.host() != hostWindows
	return p.staticOrHelper(p.d.noRangeAdviceFor(p.fam, p.v6, p.at, p.exampleRange()) + ".")
}

// wrongAddrAdvice: the announced address is the fault, not a firewall
// (see nat-mismatch); a router's NAT loopback when the client is on the
// server's own network.
func (p *passiveFailure) wrongAddrAdvice() string {
	switch {
	case p.nat.unmasqueraded:
		return "Not a firewall's doing: the router loops the connection back to the server without masquerading it, and the client rejects the server's direct answer. See nat-mismatch: masquerade what the router loops back (only that), or give the clients on the server's network its private address, or use EPSV."
	case p.nat.hairpin:
		return "Most likely the router's doing, not a firewall's: from the server's own network the public address leads back to the server only through the router's NAT loopback. See nat-mismatch: turn on NAT loopback on the router (masquerading what it loops back), give the clients on the server's network its private address, or use EPSV. If the router does loop it back, check that it forwards the whole passive range to the server and that the server's firewall accepts it."
	}
	return "Fix the announced address first (see nat-mismatch): the client connected to it and it does not lead to the server."
}

// fallbackPortAdvice: the server had used up its range and fell back to
// a port the kernel chose. That port changes every time, so the fix is
// the range passive-range-exhausted gives, never the port.
func (p *passiveFailure) fallbackPortAdvice() string {
	ex, fam := p.ex, p.fam
	p.named = true
	a := fmt.Sprintf("Port %d is a fallback: the server had used up %s (see passive-range-exhausted) and let the kernel pick this one, which changes every time, so no rule for it helps. ", p.port, ex.block())
	if ex.inferred {
		a += fmt.Sprintf("The server's passive range is not known here (%s): %d-%d is inferred from its announcements, not read from its configuration. ", fam.giveRange(), ex.lo, ex.hi)
	}
	return p.staticOrHelper(a + ex.widenBrief(fam) + ".")
}

// swapped reports whether the port lies in the range the server hands out
// only because the configuration given writes its passive range with the
// ends swapped (policy.ServerConfig.SwappedRange), with no firewall range
// given: that range is no range to open.
func (p *passiveFailure) swapped() bool {
	sc := p.pol.Server
	return sc != nil && len(sc.SwappedRange) > 0 && len(p.pol.Ranges) == 0 &&
		sc.PassiveRange.Contains(p.port) && !sc.SwappedRange.Contains(p.port)
}

// swappedAdvice: set the range meant and open it, never the one the
// server strays into (pcaps/real/pasv-range-swapped-vsftpd.pcap).
func (p *passiveFailure) swappedAdvice() string {
	sc, want := p.pol.Server, p.pol.Server.SwappedRange
	p.named = true
	p.inputNamed = p.at.host && p.fam.host() != hostWindows
	// Opened where the packets place the firewall, as for a port
	// inside the range.
	open := openAt(p.at, want, p.v6, p.fam.hostRule(want, p.v6, linuxOpenRule(want, p.v6)))
	return fmt.Sprintf("Port %d lies in %s, the range the server hands out because %s writes its passive range with the ends swapped (see its note): set the range meant (%s, then restart the server) and open that range: %s.",
		p.port, sc.PassiveRange, sc.Path, p.fam.rangeSetIn(mainRange(want)), open)
}

// inRangeAdvice: the port is inside the passive range meant to be open,
// so a rule where the packets show the firewall (the server host, a
// router in front, or both) does not accept it.
func (p *passiveFailure) inRangeAdvice(rejectRule string) string {
	port, rs, v6, at, fam := p.port, p.rs, p.v6, p.at, p.fam
	var a string
	p.inputNamed = at.host && fam.host() != hostWindows
	switch {
	case at.answers:
		a = fmt.Sprintf("Port %d is inside the passive range %s meant to be open: open it %s.", port, rs, openAt(at, rs, v6, fam.hostRule(rs, v6, nftRule(rs))))
	case at.host && at.router:
		a = fmt.Sprintf("Port %d is inside the passive range %s meant to be open: on the server, %s: %s; on a router or NAT box in front of it, check that it forwards the whole range to the server and accepts it in its forward chain: %s.",
			port, rs, fam.hostCheck(rejectRule, v6), fam.hostRule(rs, v6, nftRule(rs)), forwardRules(rs, v6, at))
	case at.router:
		p.inputNamed = false
		a = fmt.Sprintf("Port %d is inside the passive range %s meant to be open, and a router on the path rejects it (the ICMP error came from it, not from the server): check that its forward chain accepts the whole range before any %s (nft list ruleset; %s -S): %s.",
			port, rs, rejectRule, iptablesCmd(v6), forwardRules(rs, v6, at))
	default:
		a = fmt.Sprintf("Port %d is inside the passive range %s meant to be open: %s: %s; and check that a DNAT in front, if any, forwards the whole range to the server.", port, rs, fam.hostCheck(rejectRule, v6), fam.hostRule(rs, v6, nftRule(rs)))
	}
	// A rule in the syntax of the server's system: say which
	// family it came from.
	p.named = p.named || at.host && fam.host() != hostLinux
	switch {
	case p.enc:
		a += " A helper cannot replace that rule here: " + tlsRangeAdvice + "."
	case p.noHelper != "":
		a += " " + p.noHelperAdvice()
	case p.pol.Server == nil || len(p.pol.Ranges) == 0:
		a += " If " + fam.helperFirewall() + " relies on the FTP helper instead, " + helperAdvice(p.s.Server.Port(), false, p.related, rulesV6(p.s.Server)) + "."
	}
	return a
}

// staticOrHelper ends advice a that names a static range with the
// other way, the FTP conntrack helper, unless the control connection is
// encrypted, where no helper can read it.
func (p *passiveFailure) staticOrHelper(a string) string {
	if p.enc {
		return a + " Only a static rule works here: " + tlsRangeAdvice + "."
	}
	if p.noHelper != "" {
		return a + " " + p.noHelperAdvice()
	}
	if p.at.answers {
		return a + " Or, instead of that router's DNAT and accept, " + helperAdvice(p.s.Server.Port(), false, p.related, rulesV6(p.s.Server)) + " (" + helperOwnAddress + ")."
	}
	return a + " Or, if " + p.fam.helperFirewall() + " relies on the FTP conntrack helper, " + helperAdvice(p.s.Server.Port(), false, p.related, rulesV6(p.s.Server)) + "."
}

// helperUnreadable227 is why the Linux FTP conntrack helper cannot read
// the 227 that announced dc ("" when it can, or dc is no PASV): it reads
// six comma-separated numbers from the reply's first digit
// (nf_conntrack_ftp's try_rfc1123), and drops a segment whose 227 it
// matches only in part ("partial matching of `227 '"). ProFTPD on an
// IPv6 connection writes the port alone there ("(1,156,108)",
// ftp.FormPortOnly). Nor does it expect anything for an IPv4 address a
// 227 names on an IPv6 control connection: it writes the four numbers
// over the first four bytes of the server's IPv6 address, which then is
// not the connection's, and records no expectation (loose=0), unless
// those bytes were the same (track's helperOnFamily). A 227 or 229
// with no space after its code it does not read at all (HelperNoSpace).
func helperUnreadable227(s *track.Session, dc *track.DataConn) string {
	if why := HelperNoSpace(dc); why != "" {
		return why
	}
	if dc.Via != ftp.ViaPASV || dc.Announce == nil {
		return ""
	}
	r := dc.Announce.Final()
	if r == nil || r.Code != 227 {
		return ""
	}
	if a, srv := dc.Announced.Addr().Unmap(), s.Server.Addr().Unmap(); a.Is4() && srv.Is6() {
		if b, n := srv.As16(), a.As4(); [4]byte(b[:4]) != n {
			return fmt.Sprintf("the server's 227 names an IPv4 address, %s, over an IPv6 control connection, and the Linux helper on that connection records no expectation for it (nf_conntrack_ftp expects the connection's own address, an IPv6 one)", a)
		}
	}
	if _, form, _ := ftp.ParsePASV(r.Text); form != ftp.FormPortOnly {
		return ""
	}
	return fmt.Sprintf("the server's 227 (%q) names the port alone, as ProFTPD writes it on an IPv6 connection, and the Linux helper, which reads six numbers there, cannot parse it and drops the segment that carries it (nf_conntrack_ftp: partial matching of `227 ')", replyText(r))
}

// noHelperAdvice ends passive advice when no helper can read the 227
// (noHelper): never the helper; EPSV, whose 229 names no address (the
// helper reads it too), allowed in the server when it refused it.
func (p *passiveFailure) noHelperAdvice() string {
	a := "No FTP conntrack helper can replace that rule here: " + p.noHelper + "."
	e := refusedEPSV(p.s, p.dc.Announce)
	switch {
	case noSpaceReply(p.dc) != nil:
		a += " " + noSpaceFix
	case e != nil && e.Final() != nil:
		a += fmt.Sprintf(" Or allow EPSV%s, which the server refused (%q): its 229 names the port alone by design (RFC 2428), and the helper reads it.", epsvAllowWhere(p.fam), replyText(e.Final()))
	default:
		a += " Or make the client use EPSV: its 229 names the port alone by design (RFC 2428), and the helper reads it."
	}
	return a
}

// rejectDefault is the reject rule that answers port unreachable: REJECT's
// default reply, ICMPv6's for ip6tables.
func rejectDefault(v6 bool) string {
	if v6 {
		return "reject (ip6tables REJECT answers icmp6-port-unreachable by default)"
	}
	return "reject (iptables REJECT answers icmp-port-unreachable by default)"
}

// clockAt is t as a time of day in UTC, with its date when ref's is
// another.
func clockAt(t, ref time.Time) string {
	t, ref = t.UTC(), ref.UTC()
	if y, m, dd := t.Date(); ref.Year() != y || ref.Month() != m || ref.Day() != dd {
		return t.Format("2006-01-02 15:04:05 UTC")
	}
	return t.Format("15:04:05 UTC")
}

// inActiveMode opens an active-mode failure's message with the
// announcement that set it up, when the capture shows one.
func inActiveMode(dc *track.DataConn) string {
	if dc.Via == 0 {
		return "In active mode"
	}
	return "In active mode (" + dc.Via.String() + ")"
}

// activeFailed explains an active-mode data connection, from the server
// back to the client, whose SYNs went unanswered, were refused or were
// answered by an ICMP error: what stopped them, weighed against what
// got through to this client before, and how to fix it.
func (d *Diagnoser) activeFailed(s *track.Session, dc *track.DataConn, nat *Finding) *Finding {
	ev, pk := d.failedEvidence(dc)
	f := &Finding{Code: CodeActiveBlocked, Severity: SeverityError, TS: when(dc), Packets: pk, Evidence: ev}
	side, why := d.vantage(s)
	h := d.activeHistoryOf(s, dc, side)
	dst := dc.Server.Addr()
	switch dc.Outcome {
	case track.OutcomeUnanswered:
		f.Message = activeUnanswered(s, dc, side, why, h)
		f.boxDrop = boxDropped(s, dc) != boxNot
	case track.OutcomeRefused:
		f.Message = fmt.Sprintf("%s the client answered the server's connection back to %s with RST%s: its firewall rejects it, or nothing listened on port %d.", inActiveMode(dc), dc.Server, synLost(dc), dc.Server.Port())
		if side == VantageClient && dc.SYNs > 0 && !listenerInside(s, false) {
			// On a NAT router's public side the client's address is
			// the router's (activePlace).
			f.Message += fmt.Sprintf(" The client's address here is public, so this capture may have been taken on the public side of a router in front of the client: the RST may be that router's own (its firewall rejects the connection, or it does not forward port %d to the client).", dc.Server.Port())
		}
	case track.OutcomeUnreachable:
		f.Message = fmt.Sprintf("%s the server's connection back to %s was answered by %s from %s%s%s.", inActiveMode(dc), dc.Server, icmpName(dc.ICMP), icmpSender(dc.ICMP, dst, s), synLost(dc), icmpMeaning(dc.ICMP))
	}
	f.Advice = d.activeFailedAdvice(s, dc, nat, h.elsewhere)
	if dc.Match == track.MatchDefaultPort && dc.Outcome != track.OutcomeUnreachable {
		// No PORT or EPRT: RFC 959's default data port, where no helper
		// expects anything and every transfer has the same four ends.
		f.Message += defaultPortWords(s, dc)
		f.Advice = defaultPortAdvice
	}
	return f
}

// defaultPortWords is what a failed active data connection on RFC 959's
// default data port (track.MatchDefaultPort: the client sent no PORT or
// EPRT, and the server connected from its control port minus one to
// the client's control address and port) adds to its message: every
// data connection of the session has the same four ends, and one made
// while the previous one is still in TIME_WAIT (on the client, or in a
// stateful firewall's or NAT's connection table) may be taken for that
// old connection and dropped; no FTP conntrack helper expects it, since
// a helper opens only what a PORT or EPRT names.
func defaultPortWords(s *track.Session, dc *track.DataConn) string {
	return fmt.Sprintf(" The client sent no PORT or EPRT: the server used RFC 959's default data port, from its port %d to the client's own control port %d, so every data connection of this session has the same four ends (%s -> %s). One made while the previous one is still in TIME_WAIT (on the client, or in the connection table of a stateful firewall or NAT, for a minute or two after it closed) is taken for that old connection and may be dropped; and no FTP conntrack helper expects it: a helper opens only what a PORT or EPRT names.",
		dc.Client.Port(), s.Client.Port(), dc.Client, dc.Server)
}

// defaultPortAdvice is the fix for a failed data connection on RFC 959's
// default data port (defaultPortWords): announce one, or use passive
// mode; no helper rule helps.
const defaultPortAdvice = "Make the client announce its data port: passive mode (PASV or EPSV), or PORT or EPRT before each transfer (BSD ftp: sendport on), so that each data connection gets a port of its own that a firewall's FTP helper can see. Attaching an FTP conntrack helper changes nothing here: it makes no expectation without a PORT or EPRT."

// activeHistory is what earlier active data connections to the same
// client show (minority.go): facts no later packet takes back.
//
// other: another server of the capture got an active data connection
// through to this client so far. What it means is the server's verdict's
// to say, made at the capture's end from every failing client
// (activeServerSide): the finding names it and what it would mean, and
// concludes nothing the verdict may not. With the capture point at the
// client, where the SYNs arrived unanswered, the client's side drops
// them all the same: its firewall lets in some servers' connections only.
//
// Only a server a firewall on the client's side tells apart from this
// one counts (apart): another host, or another source port. Another
// control port of this server's host, whose data connections come from
// the same address and port, does not. And this server's own earlier
// connection to this client from the same source port that got through
// (prior) shows the server's side let them out then: something changed
// since, and whatever got through from elsewhere no longer tells the
// server's side from the client's.
type activeHistory struct {
	from   uint16  // the failed connection's source port (0: no SYN seen)
	prior  priorOK // this server's own that got through before, if before
	before bool
	other  netip.AddrPort // the other server, if elsewhere or atClient
	// elsewhere: another server's got through, and the capture is not
	// at the client: either side may block; atClient: the same with the
	// capture at the client, whose firewall lets some servers in only.
	elsewhere, atClient bool
}

// activeHistoryOf records dc's attempt among the server's active
// connections to the client and reads what got through before it;
// side is the capture's vantage. A failure with no such history is
// counted as read alone (activeAlone): the server's verdict says so
// when it overrules it.
func (d *Diagnoser) activeHistoryOf(s *track.Session, dc *track.DataConn, side Vantage) activeHistory {
	var h activeHistory
	a, cli := d.server(s), s.Client.Addr().Unmap()
	if dc.SYNs > 0 {
		h.from = dc.Client.Port()
	}
	a.shared.peers.tried(cli, s.Server, dc, s.User)
	prior, before := a.shared.peers.before(cli, s.Server, h.from, connTime(dc))
	h.prior, h.before = prior, before && dc.SYNs > 0
	other, elsewhere := a.shared.peers.elsewhere(cli, s.Server, h.from)
	h.other = other
	elsewhere = elsewhere && dc.SYNs > 0 && !h.before
	h.atClient = elsewhere && side == VantageClient
	h.elsewhere = elsewhere && side != VantageClient
	if dc.Outcome == track.OutcomeUnanswered && dc.SYNs > 0 && !h.elsewhere && side != VantageClient {
		// Read alone: the server's verdict says so when it overrules it.
		d.server(s).activeAlone++
	}
	return h
}

// activeUnanswered is the message for the server's unanswered SYNs back
// to the client: dropped on the client's side, or anywhere on the way
// when the capture is at the server; with what got through before, and
// the SYN-ACKs lost on the way back when the client answered.
func activeUnanswered(s *track.Session, dc *track.DataConn, side Vantage, why vantageWhy, h activeHistory) string {
	if dc.SynAckLost {
		if dc.SYNs == 1 {
			return fmt.Sprintf("%s the client at %s answered the server's SYN with a SYN-ACK, sent it again, and the server never acknowledged it: the server never completed the handshake, and the SYN-ACKs are dropped on the way back to the server (a firewall or NAT on the return path, or asymmetric routing).",
				inActiveMode(dc), dc.Server)
		}
		return fmt.Sprintf("%s the client at %s answered the server's %s with SYN-ACKs, but the server kept re-sending its SYN and never completed the handshake: the SYN-ACKs are dropped on the way back to the server (a firewall or NAT on the return path, or asymmetric routing).",
			inActiveMode(dc), dc.Server, plural(dc.SYNs, "SYN", "SYNs"))
	}
	if box := boxDropped(s, dc); box != boxNot {
		// (What got through before, and where, says nothing then: the
		// box the capture was taken on dropped these.)
		return fmt.Sprintf("%s the server's %s back to the client at %s%s got no answer: a firewall is dropping %s. %s",
			inActiveMode(dc), plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc), themOrIt(dc.SYNs), boxSentence(s, dc, box, dc.Server.Addr()))
	}
	// vantageSentence speaks of the connecting side and the listener's:
	// in active mode the server connects and the client listens, so the
	// capture's side swaps roles.
	v := side
	switch v {
	case VantageClient:
		v = VantageServer
	case VantageServer:
		v = VantageClient
	}
	dst := dc.Server.Addr()
	if h.elsewhere {
		return fmt.Sprintf("%s the server's %s back to the client at %s%s got no answer, though this client got an active data connection through from another server of this capture (%s): either this server's side blocks them (a firewall or router in front of the server that does not let its outgoing data connections out%s, or the server's NAT) or the client's firewall lets in some servers' connections only (a rule for their address or source port); the server's verdict weighs every failing client. %s",
			inActiveMode(dc), plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc), h.other, fromPort20(dc), vantageSentence(v, why.because(s), dc.SYNs, dst, "client", listenerInside(s, false)))
	}
	where := "a firewall or NAT on the client's side drops " + themOrIt(dc.SYNs)
	if side == VantageServer {
		// Seen leaving the server's side: anywhere on the way.
		where = "a firewall or NAT between here and the client drops " + themOrIt(dc.SYNs)
	}
	msg := fmt.Sprintf("%s the server's %s back to the client at %s%s got no answer: %s. %s",
		inActiveMode(dc), plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc), where, vantageSentence(v, why.because(s), dc.SYNs, dst, "client", listenerInside(s, false)))
	if h.atClient {
		msg += fmt.Sprintf(" This client got an active data connection through from another server of this capture (%s): its firewall lets in some servers' connections only (a rule for their address or source port).", h.other)
	}
	if h.before {
		port := fmt.Sprintf("the same source port %d", h.from)
		if h.prior.port != h.from {
			port = fmt.Sprintf("an unprivileged source port (%d), as these", h.prior.port)
		}
		why := natOrUsers(h.prior.user, s.User, encryptedControl(s))
		if dc.Match == track.MatchDefaultPort {
			// The same four ends as this one (defaultPortWords): no
			// change need be at work, the old connection may be.
			why = "the server's side let them out then; that one had the same four ends as this one (below)"
		}
		msg += fmt.Sprintf(" This server's active data connections to this client got through before: at %s (session %d, data #%d), from %s: %s.",
			clockAt(h.prior.at, connTime(dc)), h.prior.session, h.prior.data, port, why)
	}
	return msg
}

// activeFailedAdvice is what to change for a failed active data
// connection: the path's fix for an ICMP error about the path; both
// sides' fixes when another server got through (elsewhere); the
// router's helper behind a NAT; passive mode first otherwise.
func (d *Diagnoser) activeFailedAdvice(s *track.Session, dc *track.DataConn, nat *Finding, elsewhere bool) string {
	switch {
	case dc.Outcome == track.OutcomeUnreachable && icmpPathAdvice(dc.ICMP, dc.Server) != "":
		if ftpExe(s) {
			return icmpPathAdvice(dc.ICMP, dc.Server) + " " + passiveFirst(s, "", "")
		}
		return icmpPathAdvice(dc.ICMP, dc.Server) + " Or use passive mode on the client."
	case elsewhere && dc.Outcome == track.OutcomeUnanswered:
		return d.eitherSideAdvice(s, dc)
	case nat != nil && nat.Code == CodeNATMismatch:
		// The session's own nat-mismatch shows a NAT in front of the
		// client: a helper on the client host sees the private address
		// and changes nothing on the router that must rewrite it.
		return passiveFirst(s, " (the usual fix). To keep active mode, ", " To keep active mode, ") + routerHelperAdvice(s.Server.Port(), isV6(s.Server)) + ", and let the RELATED connection through the router's forward chain (ct state related accept)."
	case encryptedControl(s):
		return "Use passive mode on the client: the control channel is encrypted, so no helper on the client's side can see the PORT and open the port it names; to keep active mode, open the client's listening port range statically."
	case d.natExternal(s, dc.Announced):
		// The router forwarded the port (the SYNs arrived on the
		// client's side of it); no helper expects a connection for a
		// PORT that names the router's address, not the client's.
		return passiveFirst(s, " (the usual fix). To keep active mode, ", " To keep active mode, ") +
			fmt.Sprintf("open the client's active-mode ports statically on the client (limit the client to a range and accept that range in its input firewall, or allow the FTP client program in Windows Defender Firewall): the PORT names %s, the public address of its router (an external-IP setting), not the client's, so an FTP helper on the client expects no connection for it.", dc.Announced.Addr().Unmap())
	}
	// On the client host, or on a router in front of it: as far as
	// the packets tell.
	return passiveFirst(s, " (the usual fix for clients behind a firewall or NAT). To keep active mode, ", " To keep active mode, ") +
		clientLetIn(s, activePlace(d.capture, s, dc, dc.Announced.Addr()), s.Server.Port(), isV6(s.Server)) + "."
}

// eitherSideAdvice: another server got through to this client, so the
// block may be on either side. Both sides' fixes, the server's first:
// the verdict says which the capture supports. The other server is named
// in the message only: findings with the same advice are grouped.
func (d *Diagnoser) eitherSideAdvice(s *track.Session, dc *track.DataConn) string {
	a := passiveFirst(s, "; or, to keep active mode, ", " To keep active mode, ") + fmt.Sprintf("see the server's verdict. When it puts the block on the server's side, change nothing on the client: on the firewall or router in front of the server, let the server's outgoing data connections out and their answers back: %s, and accept them with %s (%s)",
		helperAdvice(s.Server.Port(), false, "", isV6(s.Server)), nftRelatedRule("forward"), iptablesRelatedRule("forward", isV6(s.Server)))
	if dc.Client.Port() == 20 {
		a += fmt.Sprintf(", or statically: %s -I FORWARD -s %s -p tcp --sport 20 -j ACCEPT", iptablesCmd(isV6(s.Server)), dc.Client.Addr().Unmap())
	}
	a += "; if this capture was taken on the server itself, its own output firewall let them out already."
	if p := s.Server.Port(); p != 21 {
		a += fmt.Sprintf(" If the client's firewall attaches the FTP helper to port 21 only, attach it to port %d as well: this server listens there.", p)
	}
	return a + " When it puts the block on the client's side, " + clientLetIn(s, activePlace(d.capture, s, dc, dc.Announced.Addr()), s.Server.Port(), isV6(s.Server)) + "."
}

// notAttempted tells apart why nobody connected to an announced endpoint.
func (d *Diagnoser) notAttempted(s *track.Session, dc *track.DataConn, nat *Finding) *Finding {
	ann, apk := announcement(dc)
	xfer, xpk := transfer(dc)
	f := &Finding{Code: CodeDataNotAttempted, Severity: SeverityWarning, TS: when(dc), Packets: packets(apk, xpk), Evidence: joinEvidence(ann, xfer)}
	pre, final := transferReplies(dc.Command)
	said := d.transferSaid(s, pre, final)
	if old := usedSuperseded(s, dc); old != nil {
		// The client went to the endpoint of an older announcement:
		// nothing was to connect here, whatever the transfer's replies.
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The client did not connect to %s: after it was announced, the client connected to %s instead, the endpoint of an earlier announcement (data connection #%d).", dc.Announced, old.Announced, old.ID)
		f.Advice = fmt.Sprintf("Nothing to change for this endpoint; see data connection #%d.", old.ID)
		return f
	}
	if !dc.Passive {
		return d.activeNotAttempted(s, dc, f, said, pre, final, nat)
	}
	switch said {
	case saidMade:
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The server reported a transfer through %s, but the capture shows no connection to it. %s", dc.Announced, blindDataPath)
		f.Advice = blindDataAdvice
		f.blind = true
		return f
	case saidUntold:
		f.Message = fmt.Sprintf("The server answered the transfer through %s with %q, but the capture holds no final reply for it and no connection to it. %s", dc.Announced, replyText(pre), earlyPreliminary)
		f.Advice = untoldAdvice
		return f
	case saidRefused:
		// Refused before any data connection was needed (550, 450...).
		return nil
	}
	v, vwhy := d.vantage(s)
	if nat != nil && nat.Code == CodeNATMismatch && nat.Severity == SeverityInfo && final == nil && dc.Command == nil {
		if next := nextAnnounce(s, dc.Announce); next != nil && !lateFallback(dc, next, v) {
			// Only a note on the address (a 227 on an IPv6 control
			// connection), and the client asked for another endpoint
			// at once, with no transfer command: it fell back, as
			// without the note.
			d.wordNoTransferCommand(s, dc, f, v)
			return f
		}
	}
	if nat != nil && nat.Code == CodeNATMismatch {
		wordNotAttemptedWrongAddr(s, dc, nat, f, final, v, vwhy, d.polOf(s).PassiveRanges(), d.family(s))
		return f
	}
	if final != nil { // 425: the server waited and nobody came
		f.Message = fmt.Sprintf("The server waited for a connection to %s and gave up with %q; no SYN reached the capture point.", dc.Announced, replyText(final))
		if scanForwarded(s, dc) {
			f.Message = fmt.Sprintf("The server waited for a connection to %s and gave up with %q; no SYN of the client's reached the capture point.", dc.Announced, replyText(final))
		}
		if pre != nil {
			f.Message += fmt.Sprintf(" Its %d before (%q) did not mean a connection had come: this server sends it before the client connects.", pre.Code, replyText(pre))
		}
		f.Advice = "If the capture is on the server side, the SYNs are dropped before it (a firewall or DNAT in front); on the client side, the client did not try. Check the passive range is open end to end."
		if v == VantageServer {
			d.droppedBeforeServer(s, dc, f)
		}
		return f
	}
	d.wordNoTransferCommand(s, dc, f, v)
	return f
}

// transferReplies are the first preliminary reply (125 or 150) and the
// final reply of c, the transfer command that used an endpoint (nil:
// none).
func transferReplies(c *track.Command) (pre, final *track.Reply) {
	if c == nil {
		return nil, nil
	}
	final = c.Final()
	for i := range c.Replies {
		if r := &c.Replies[i]; (r.Code == 125 || r.Code == 150) && pre == nil {
			pre = r
		}
	}
	return pre, final
}

// The vantage is blamed only while the capture holds no data connection
// of the session or its server (notBlind); the diagnoser holds such a
// finding to the session's first seen data connection or its end and
// words it again then (holdBlind, releaseHeld).
const (
	blindDataPath   = "The capture cannot see the data path: it was taken where only the control connection passes (another interface or route), or with a filter that keeps only port 21."
	blindDataAdvice = "Capture where both connections pass, without a port filter (tcpdump -i IFACE host SERVER), to diagnose data connections."
)

// activeNotAttempted words f for an active-mode endpoint (a PORT or
// EPRT) the server never connected to, by what the server said of the
// transfer; nil when it never had to connect (no transfer, or it refused
// the transfer itself: 550 for a missing file). nat is the endpoint's
// nat-mismatch, if any (natActive).
func (d *Diagnoser) activeNotAttempted(s *track.Session, dc *track.DataConn, f *Finding, said int, pre, final *track.Reply, nat *Finding) *Finding {
	switch said {
	case saidMade:
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The server reported an active-mode transfer to %s, but the capture shows no connection from it. %s", dc.Announced, blindDataPath)
		f.Advice = blindDataAdvice
		return f
	case saidUntold:
		f.Message = fmt.Sprintf("The server answered the transfer to %s with %q, but the capture holds no final reply for it and no connection from it. %s", dc.Announced, replyText(pre), earlyPreliminary)
		f.Advice = untoldAdvice
		return f
	case saidNotMade:
		f.Code = CodeActiveBlocked
		f.Severity = SeverityError
		head := fmt.Sprintf("The server could not connect back to %s (%q) and no SYN of it reached the capture point", dc.Announced, replyText(final))
		var before string
		if pre != nil {
			before = fmt.Sprintf(" Its %d before (%q) did not mean the connection was made: this server sends it before it connects.", pre.Code, replyText(pre))
		}
		if d.natExternal(s, dc.Announced) {
			d.externalBlocked(f, s, dc.Announced, final)
			f.Message += before
			return f
		}
		if d.portBehindNAT(s, dc, f, nat, head, before) {
			return f
		}
		f.Message = head + ": it is blocked before this point, by the server's outgoing firewall or on the path." + before
		// No SYN reached the capture point, which is on the client's
		// side, the server's, or between: the client's own firewall
		// (which a capture on the client sees after) never had one to
		// drop. The server's output chain, or the path, did.
		f.Advice = passiveFirst(s, "; or, to keep active mode, ", " To keep active mode, ") + d.letOutActive(s) + rulesOnClientNothing
		return f
	}
	return nil
}

// letOutActive is what lets the server's active data connections out of
// its own firewall, and a router's on the path.
func (d *Diagnoser) letOutActive(s *track.Session) string {
	fam := d.family(s)
	from := "from port 20 or an ephemeral port, as the server is set"
	switch fam.kind {
	case policy.ServerVsftpd:
		from = "from port 20 when connect_from_port_20=YES"
	case policy.ServerIIS:
		from = "from port 20, where IIS connects from"
	}
	return "let the server's outgoing data connections (" + from + ") out: " + serverEgressAdvice(fam, s.Server.Port(), isV6(s.Server))
}

// portBehindNAT words f (its message from head, the 425 and no SYN,
// and before, what a preliminary reply did not mean) for an active-mode
// endpoint the server could not connect to when the address it names is
// one the server cannot reach: a private (or carrier-grade NAT) address,
// while the server is at a public one. Seen from the client's side that
// is the client's own address, before the NAT in front of it (which the
// addresses show, and activePlace reads alike); seen from the server's,
// nat-mismatch has shown the client at another. Either way the server
// was told to connect where its connection cannot arrive, and no rule on
// the server's side changes that. It reports whether it worded f; f is
// marked portBehindNAT for the server's verdict.
func (d *Diagnoser) portBehindNAT(s *track.Session, dc *track.DataConn, f, nat *Finding, head, before string) bool {
	a, cli, srv := dc.Announced.Addr().Unmap(), s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	cls := Classify(a)
	if cls != ClassPrivate && cls != ClassCGNAT || Local(srv) || a.Is4() != srv.Is4() {
		return false
	}
	via := "PORT/EPRT"
	if dc.Via != 0 {
		via = dc.Via.String()
	}
	v, vwhy := d.vantage(s)
	// The server's segments at a host's initial TTL and the client's
	// below one put the capture on the server host (or its LAN), which
	// sees the client at a: a routed private network (a VPN, a campus),
	// no NAT, whatever the addresses alone suggest; the usual reading
	// stands. (Both at an initial TTL tells nothing of a side: a
	// generated capture's.)
	onServer := s.Hops&decode.ServerUnrouted != 0 && s.Hops&decode.ServerRouted == 0 && s.Hops&decode.ClientRouted != 0
	switch {
	case a == cli && v == VantageClient && !onServer:
		// (A timing that puts the capture at the server's side makes
		// it a routed network, not a NAT: the server saw the client at
		// that address, and the usual reading stands.)
		why := "the NAT does not rewrite it to its public address (no FTP helper or ALG on the client's router), or rewrites it and does not let in the connection it announced (a capture outside the NAT shows which)"
		if encryptedControl(s) {
			why = "the control channel is encrypted, so no FTP helper or ALG on the NAT can read it to rewrite it"
		}
		f.Message = fmt.Sprintf("%s. The %s names %s, the client's own address as this capture sees it, %s, while the server is at the public address %s: the client reaches it through a NAT, and the server's connection to %s cannot cross the Internet. The capture is on the client's side%s, before that NAT, so it shows the %s as the client sent it: %s.%s",
			head, via, a, cls.Describe(a), srv, a, vwhy.because(s), via, why, before)
		f.Advice = natPortAdvice(s, cls, a, via)
		if vwhy == whyAddress {
			// The side is the addresses' guess, and a private client
			// routed to a public server (no NAT) looks the same.
			f.Message += fmt.Sprintf(" (Unless the network routes %s to the server, as a VPN or a campus network may: then no NAT is involved, and the server's outgoing firewall or the path stopped its connection.)", a)
			f.Advice += " (If the network routes the client's address to the server, a VPN or a campus with no NAT, check the server's output chain instead: a capture on the server shows which.)"
			f.natGuessed = true
		}
	case a != cli && nat != nil && nat.Code == CodeNATMismatch:
		f.Message = fmt.Sprintf("%s. The %s names %s, %s, while the server sees the client at %s (see nat-mismatch): the NAT in front of the client does not rewrite the %s, and the server's connection to %s could not arrive even if let out.%s",
			head, via, a, cls.Describe(a), cli, via, a, before)
		f.Advice = nat.Advice
	default:
		return false
	}
	f.portBehindNAT = true
	return true
}

// natPortAdvice is what to change for an active-mode client behind a NAT
// whose PORT names its own address a (of class cls): passive mode; or
// the NAT router's FTP helper or ALG, which rewrites the PORT and lets
// the connection in (not under FTPS, nor at a provider's carrier-grade
// NAT); or the client announcing the router's public address, with its
// listening ports forwarded. Never a rule on the server's side.
func natPortAdvice(s *track.Session, cls AddrClass, a netip.Addr, via string) string {
	never := fmt.Sprintf(" No rule on the server's side helps while the %s names %s.", via, a)
	if cls == ClassCGNAT {
		return passiveFirst(s, ": the NAT is the provider's carrier-grade NAT, where no FTP helper or port forward can be set.", "") + never
	}
	external := "set the client to announce the router's public address (its external IP setting, where it has one) and forward its listening ports on the router to it"
	if encryptedControl(s) {
		return passiveFirst(s, "; the control channel is encrypted, so no FTP helper or ALG on the NAT can read the "+via+" to rewrite it. To keep active mode, ", " To keep active mode, ") +
			external + "." + never
	}
	return passiveFirst(s, " (the usual fix behind a NAT); or, to keep active mode, ", " To keep active mode, ") +
		routerHelperAdvice(s.Server.Port(), isV6(s.Server)) + "; a home or office router does the same with its FTP ALG setting; or " + external + "." + never
}

// externalBlocked words f, active-blocked for a PORT/EPRT naming a, most
// likely the public address of the NAT in front of the client
// (natExternal), that the server answered with r, its connection back
// failed, while no SYN of it reached the capture, on the client's side:
// the router in front of the client did not forward the port (the path
// and the server's outgoing firewall come before it, but no other box
// has a reason to stop these and not the control connection's). The FTP
// helper cannot open it: Linux's creates no expectation for a PORT
// naming another address than the connection's source (nf_conntrack_ftp,
// loose=0). A connection that never came does not show whose address a
// is: a third host that did not answer (an FTP bounce) looks the same
// from here, so both readings are given, and the client's setting tells.
// The DNAT rule names the router's Internet interface: written for a
// third host's address, it would catch the LAN's own connections to it.
func (d *Diagnoser) externalBlocked(f *Finding, s *track.Session, a netip.AddrPort, r *track.Reply) {
	addr, cli := a.Addr().Unmap(), s.Client.Addr().Unmap()
	_, why := d.vantage(s)
	f.external = true
	f.Message = fmt.Sprintf("The server could not connect back to %s (%q), and no SYN of it came through to the client's side of its NAT, where this capture was taken%s. %s is a public address, not the client's %s. Most likely it is that NAT's own, which the client is set to announce (%s), as the server sees the control connection come from it too: then the server's connection went to that router, which does not forward port %d to the client (or the server's outgoing firewall stopped it first). Otherwise it is another host, which the client asked the server to connect to (an FTP bounce, RFC 2577) and which did not answer: a connection that never came does not show which, the client's settings do.",
		a, replyText(r), why.because(s), addr, cli, externalAddrSetting, a.Port())
	ipt := iptablesCmd(isV6(s.Server))
	f.Advice = passiveFirst(s, " (the usual fix, whichever reading holds). ", " ") +
		fmt.Sprintf("If the client is set to announce %s (its external IP address for active mode), to keep active mode with that setting forward the client's active-mode ports on its router to %s: limit the client to a range (FileZilla: Settings, Connection, FTP, Active mode, Limit local ports; lftp: set ftp:port-range) and forward that whole range from the router's Internet interface (on a Linux router: %s -t nat -A PREROUTING -i <WAN interface> -d %s -p tcp --dport %d -j DNAT --to-destination %s and %s -I FORWARD -i <WAN interface> -d %s -p tcp --dport %d -j ACCEPT, with the Internet interface's name (eth0, ppp0) in place of <WAN interface> and the range in place of %d). The router's FTP helper opens nothing for it: it expects no connection for a PORT naming another address than the client's. Or clear the setting, so that the client announces %s and the router's FTP helper rewrites it (not under FTPS). If the client is not set so, this was an FTP bounce attempt: find out who runs the client, and refuse PORT/EPRT naming another host on the server (%s).",
			addr, cli, ipt, addr, a.Port(), cli, ipt, cli, a.Port(), a.Port(), cli, d.family(s).refuseForeign())
}

// wordNotAttemptedWrongAddr words f for a passive endpoint nobody
// connected to whose announced address nat-mismatch says is wrong: a
// client that trusted it went astray, or one that ignored it was not let
// through to the control address; the capture's side tells which it can.
// rs is the server's passive range, when known.
func wordNotAttemptedWrongAddr(s *track.Session, dc *track.DataConn, nat, f *Finding, final *track.Reply, v Vantage, vwhy vantageWhy, rs policy.Ranges, fam family) {
	if e := gaveUpAfter(s, dc); e != nil {
		// The client's SYNs for an earlier endpoint went to the control
		// connection's address and failed there: it gave up on this one
		// after them (curl after its EPSV), whatever address it names.
		f.Message = fmt.Sprintf("The client gave up without connecting to %s, after data connection #%d to %s failed (%s), and sent no transfer command for it; curl, for one, reads the 227 and quits when its connect timeout is already spent. The announced address %s is not what stopped it: its data connection to the control connection's address failed first (the address is wrong all the same for clients that trust it: see nat-mismatch).",
			dc.Announced, e.ID, e.Server, e.Outcome, dc.Announced.Addr())
		f.Advice = fmt.Sprintf("Fix the failure of data connection #%d first (see its finding): this endpoint would have failed the same way at the control connection's address; then the announced address, for clients that trust it (see nat-mismatch).", e.ID)
		return
	}
	// The whole range, not the one port this session drew: the next
	// session gets another.
	pasv := fmt.Sprintf("the server's whole passive range (port %d is the one this session was given; the next gets another)", dc.Announced.Port())
	if len(rs) > 0 {
		pasv = "the passive range " + rs.String()
	}
	if a := dc.Announced.Addr().Unmap(); Classify(a) == ClassUnspecified || Classify(a) == ClassLoopback {
		wordNotAttemptedUnusable(s, dc, f, final, v, vwhy, pasv, fam)
		return
	}
	f.Message = fmt.Sprintf("No connection to %s was seen: a client that trusted the announced address went there, and that address does not lead back to this network; or the client ignored it and connected to the control connection's address, and a router or DNAT in front of the server did not pass port %d. This capture cannot see those SYNs: one on the client's side tells which.", dc.Announced, dc.Announced.Port())
	scanned := scanForwarded(s, dc)
	if scanned {
		// The router in front passed a scan's SYN to the port: a
		// client that ignored the address would most likely have
		// come the same way.
		f.Message = fmt.Sprintf("No connection of the client's to %s was seen, though %s. So most likely the client trusted the announced address and went to %s, which does not lead back to this network; or it gave up, or its own side stopped it. This capture cannot see the client's SYNs: one on the client's side tells which.",
			dc.Announced, scannedText(dc), dc.Announced.Addr())
	}
	if v == VantageClient {
		// A capture on the client's side holds the SYNs to either
		// address: there were none.
		f.Message = fmt.Sprintf("No connection to %s was seen, nor to port %d of the control connection's address, and the capture is on the client's side%s: the client sent no SYN for it to either address; it gave up or closed the session before connecting (a client that trusted the announced address would have sent its SYNs past this point).", dc.Announced, dc.Announced.Port(), vwhy.because(s))
	}
	f.Advice = fmt.Sprintf("If the client trusts the announced address, fix it (see nat-mismatch); if it connects to the control connection's address, let %s through the router or DNAT in front of the server (forward it to the server and accept it in its forward chain).", pasv)
	if scanned && v != VantageClient {
		f.Advice = fmt.Sprintf("Fix the announced address (see nat-mismatch). The router in front forwards port %d already (it passed %s's SYN); if a capture on the client's side shows its SYNs to the control connection's address, check that the router forwards the whole passive range, and that its firewall admits this client too.", dc.Announced.Port(), dc.Scanned.From.Addr().Unmap())
	}
	if scanned {
		withScanned(f, dc)
	}
	if a, cli, srv := dc.Announced.Addr().Unmap(), s.Client.Addr().Unmap(), s.Server.Addr().Unmap(); a != srv && SameNet(a, cli) && SameNet(cli, srv) {
		// The announced address is on the client's own network, as
		// the server is: no router or DNAT between them to blame.
		f.Message = fmt.Sprintf("No connection to %s was seen: a client that trusted the announced address went to %s, another address of its own network, where the server is not (when no host has that address, the client's ARP gets no answer and not even a SYN leaves it); a client that ignored it would have connected to the control connection's address %s, and its SYNs would most likely have passed this capture point, as the control connection's do.", dc.Announced, a, srv)
		f.Advice = "Fix the announced address (see nat-mismatch): the client and the server share a network, so no router or DNAT between them is involved."
		if routedOnLAN(s) {
			f.Advice = routedLANAdvice("Fix the announced address (see nat-mismatch)", srv)
		}
	}
	if nat.hairpin {
		f.Message = fmt.Sprintf("No connection to %s was seen: a client on the server's own network that trusted the announced public address went out to the router, and comes back only if the router loops it back (NAT loopback) and forwards the passive range; this capture cannot see those SYNs.", dc.Announced)
		f.Advice = "See nat-mismatch: NAT loopback on the router (masquerading what it loops back, and forwarding the whole passive range), the private address for the clients on the server's network, or EPSV."
	}
	if final != nil {
		f.Message += fmt.Sprintf(" The server waited and gave up with %q.", replyText(final))
	}
}

// routedLANAdvice is fix, the advice to mend the announced address, for
// a client that reaches the server at srv, an address of its own
// network, through a router (routedOnLAN): not "no router between",
// and the address alone is not enough if srv is that router's own.
func routedLANAdvice(fix string, srv netip.Addr) string {
	return fmt.Sprintf("%s. The client reaches %s on its own network, but the server's segments come through a router (their TTL lowered on the way): most likely %s is that router's own address, forwarding port 21 to the server behind it, and then announcing %s is not enough: that router must forward the passive range to the server too (or leave the address unset and attach the FTP helper there; see nat-mismatch).", fix, srv, srv, srv)
}

// wordNotAttemptedUnusable words f for a passive endpoint nobody
// connected to whose announced address is the unspecified one or a
// loopback one: a client that trusts it never leaves its own host, so no
// SYN of it is on the wire wherever the capture was taken, and the
// address, not a router, is the first thing to mend. Only a client that
// ignored it, on another network than the server, may have been stopped
// by a router or DNAT in front of the server. pasv names the passive
// range for that case.
func wordNotAttemptedUnusable(s *track.Session, dc *track.DataConn, f *Finding, final *track.Reply, v Vantage, vwhy vantageWhy, pasv string, fam family) {
	a, cli, srv := dc.Announced.Addr().Unmap(), s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	cls := Classify(a)
	trusted := "a client that trusted it connected to its own host, or failed at once (Linux takes 0.0.0.0 for the local host)"
	if cls == ClassLoopback {
		trusted = "a client that trusted it connected to its own host (a loopback address is every host's own)"
	}
	f.Message = fmt.Sprintf("No connection to %s was seen: %s, %s, leads no client to the server: %s, and no SYN of it left the client.", dc.Announced, a, cls.Describe(a), trusted)
	fix := fmt.Sprintf("Fix the announced address (see nat-mismatch): no client can use %s, which comes from %s or, where that is unset, from %s.", a, fam.briefly().addrName(), unusableSource(cls))
	if cause := unusableCause(a, cls, fam); cls == ClassUnspecified && cause != "" {
		// The product's own account of it (unusableCause): for
		// vsftpd, ProFTPD, Pure-FTPd and pyftpdlib the setting alone.
		fix = fmt.Sprintf("Fix the announced address (see nat-mismatch): no client can use %s.%s", a, cause)
	}
	switch {
	case v == VantageClient:
		f.Message += fmt.Sprintf(" The capture is on the client's side%s and holds no SYN to port %d of the control connection's address %s either: the client trusted the address, or gave up before connecting.", vwhy.because(s), dc.Announced.Port(), srv)
		f.Advice = fix
	case SameNet(cli, srv):
		f.Message += fmt.Sprintf(" A client that ignored it would have connected to the control connection's address %s, on its own network, and its SYNs would most likely have passed this capture point, as the control connection's do.", srv)
		f.Advice = fix + " The client and the server share a network: no router or DNAT between them is involved."
		if routedOnLAN(s) {
			f.Advice = routedLANAdvice(strings.TrimSuffix(fix, "."), srv)
		}
	default:
		f.Message += fmt.Sprintf(" Or the client ignored it and connected to the control connection's address %s, and a router or DNAT in front of the server did not pass port %d; this capture cannot see those SYNs: one on the client's side tells which.", srv, dc.Announced.Port())
		f.Advice = fix + fmt.Sprintf(" Then, if clients that connect to the control connection's address still fail, let %s through the router or DNAT in front of the server (forward it to the server and accept it in its forward chain).", pasv)
	}
	if final != nil {
		f.Message += fmt.Sprintf(" The server waited and gave up with %q.", replyText(final))
	}
}

// droppedBeforeServer raises f to an error for a capture on the
// server's side: there, a client that gave up is what SYNs dropped
// before the server look like, and the advice is for the firewall or
// DNAT in front.
func (d *Diagnoser) droppedBeforeServer(s *track.Session, dc *track.DataConn, f *Finding) {
	if scanForwarded(s, dc) {
		// A scan's SYN crossed the NAT in front to the port: no rule is
		// missing there for it, whatever stopped the client's.
		f.Message += " But " + scannedText(dc) + fmt.Sprintf(". So the client's own SYNs most likely never left the client's side (its own firewall stops them, or it gave up), unless the firewall in front admits only some sources to port %d.", dc.Announced.Port())
		f.Advice = fmt.Sprintf("Look on the client's side first: its error message, and a capture there (tcpdump -i IFACE host %s) shows whether its SYNs leave it. Nothing in this capture shows a rule missing in front of the server: it passed %s's SYN to port %d. If the firewall there admits only some sources, let this client's data connections through as well.",
			dc.Announced.Addr(), dc.Scanned.From.Addr().Unmap(), dc.Announced.Port())
		withScanned(f, dc)
		return
	}
	f.Severity = SeverityError
	port := dc.Announced.Port()
	a := dc.Announced.Addr().Unmap()
	// unchecked: a public address announced from behind the NAT, which
	// this side cannot check against the NAT's (uncheckedPublic): a
	// wrong or stale one is the other reading of SYNs that never came.
	unchecked := d.uncheckedAnnounced(s, dc)
	first := "" // the advice's lead when the address is to check first
	switch own, ports, n := d.forwardShown(s, dc); {
	case !unchecked:
		f.Message += fmt.Sprintf(" Seen from the server's side, that is what SYNs dropped before the server look like: the firewall or DNAT in front does not pass port %d.", port)
	case own != nil:
		// The same client treats every 227 alike: trusting it or not,
		// it reached the server by that address before.
		f.Message += fmt.Sprintf(" Seen from the server's side, that is what SYNs dropped before the server look like. Not for the address %s: data connection #%d of this session, announced at it too, arrived through the NAT in front (port %d). So the firewall or DNAT in front does not pass port %d: most likely it forwards or accepts only part of the passive range.",
			a, own.ID, own.Server.Port(), port)
	case n > 0:
		part := fmt.Sprintf("not port %d", port)
		if lo, hi, ok := ports.bounds(); ok && port > hi {
			// A forward of the range's lower part looks the same.
			part = fmt.Sprintf("and port %d lies above every port that arrived", port)
		} else if ok && port < lo {
			part = fmt.Sprintf("and port %d lies below every port that arrived", port)
		}
		f.Message += fmt.Sprintf(" Seen from the server's side, that is what SYNs dropped before the server look like. But data connections of other sessions, of clients from outside, arrived through the NAT in front (%s), so its forward works: most likely this client trusted the announced address, and %s does not lead to this server (a wrong or stale address in %s); a client that ignores the 227's address (curl, lftp and ftplib do so by default) connects to the control connection's address and gets through. This capture cannot check the address; if it is right, the forward passes only part of the passive range, %s.",
			portsSaid(ports, n), a, d.family(s).briefly().addrName(), part)
		first = "First check"
	default:
		f.Message += fmt.Sprintf(" Seen from the server's side, that is what SYNs dropped before the server look like: either the firewall or DNAT in front does not pass port %d, or %s is not the address clients reach the server at (a wrong or stale address in %s), and a client that trusted the 227 went elsewhere; this capture cannot check the address.",
			port, a, d.family(s).briefly().addrName())
		first = "Check"
	}
	// The SYNs never reached the server's side: the rule is for the
	// router or DNAT in front, in its forward chain (the data
	// connection is forwarded, not for the router itself), whatever
	// the server's own system. Behind it the server is at the
	// address this capture shows.
	pol := d.polOf(s)
	rs := pol.PassiveRanges()
	// The address the router's DNAT must match: the public one the server
	// announces (pasv_address), else --public-address's; never none (a
	// DNAT of no address also catches the hosts behind the router going
	// out to those ports). An announced address this side cannot check
	// is no rule's: the rule names the router's public address unknown.
	public := pol.Public()
	if a != s.Server.Addr().Unmap() && !Local(a) && !unchecked {
		public = a
	}
	if len(rs) == 0 {
		// A port the server picked itself changes every session: no
		// rule for the one announced here, but a fixed range first,
		// then that range opened on the router.
		fam := d.family(s)
		at := place{router: true, nat: natBehind(s, dc).nat, inside: s.Server.Addr(), public: public}
		f.Example = d.serverExample(s, dc.Announced.Port())
		f.Advice = d.noRangeAdviceFor(fam, isV6(dc.Announced), at, f.Example) + "." + fam.note()
	} else {
		f.Advice = "Open and forward the passive range on the firewall or DNAT in front of the server (the same ports on every hop): " + pathOpenAdvice(rs, isV6(dc.Announced), s.Server.Addr(), public) + "."
	}
	if first != "" {
		// The address first: no rule mends a wrong one.
		f.Advice = fmt.Sprintf("%s that %s is the address clients reach the server at (the router's public address, the one the server's name resolves to): if it is not, set %s (restart the server). If it is: %s",
			first, a, d.family(s).addrSet("<public address>"), f.Advice)
	}
}

// wordNoTransferCommand words f for a passive endpoint with no transfer
// command and no connection: did the client fall back to another
// endpoint, give up after an earlier failure, cancel at once, or give up
// as a client whose SYNs are dropped does? v is the capture's vantage.
func (d *Diagnoser) wordNoTransferCommand(s *track.Session, dc *track.DataConn, f *Finding, v Vantage) {
	serverSide := v == VantageServer
	// Behind the NAT that translates the announced address, on a data
	// path the capture holds other connections of, the client's SYN may
	// be refused in front (by the NAT, or by another host it forwards
	// the port to) without reaching this capture point.
	behindNAT := false
	if v != VantageClient && d.state(s).translated[dc.Announced.Addr()] {
		seen, n := d.dataPathSeen(s, dc)
		behindNAT = seen != nil || n > 0
	}
	var earlier *track.DataConn
	for _, x := range s.Data {
		if x == dc {
			break
		}
		if x.Outcome.Failed() && x.Outcome != track.OutcomeNotAttempted {
			earlier = x
		}
	}
	next := nextAnnounce(s, dc.Announce)
	cancel := cancelledAt(s, dc)
	var lost []gapSeen
	var lostMore bool
	if lateFallback(dc, next, v) {
		lost, lostMore = d.lostInGap(s, dc, next)
	}
	switch {
	case len(lost) > 0 || lostMore:
		// Asked again late, but the capture lost control bytes between:
		// the transfer command, and the data connection with it, may be
		// among what it lost (a capture that drops packets under load
		// drops them in bursts). Nothing seen says a SYN was dropped.
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The client asked for another endpoint with %s %s after the %d that announced %s, with no transfer command and no connection to it in the capture; but the capture lost control-connection bytes between the two (%s): a transfer command and its data connection may have been among what it lost, so this capture cannot tell whether the client used %s.",
			next.Verb, dur(next.TS.Sub(dc.Armed)), announceCode(dc), dc.Announced, gapsText(lost, lostMore), dc.Announced)
		f.Advice = "Nothing to change on this evidence. If clients report failed transfers, capture again without loss (a larger capture buffer, tcpdump -B 16384, or on the server itself rather than from a mirror port) to see what became of their data connections."
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%s, then %q (packet %d)", gapsText(lost, lostMore), commandText(next), next.Num))
		f.Packets = packets(f.Packets, gapNums(lost), []uint64{next.Num})
	case lateFallback(dc, next, v):
		// Asked again as late as a client whose connect failed, and the
		// capture is not where its SYNs would show (the client's side):
		// no fallback by choice.
		f.Message = fmt.Sprintf("The client asked for another endpoint with %s %s after the %d that announced %s, with no transfer command and no connection to it in the capture: later than TCP resends an unanswered SYN (1 s, RFC 6298), so it was most likely connecting there and failed (curl asks for PASV when its EPSV data connection does not connect within its connect timeout): its SYNs did not reach this capture point.",
			next.Verb, dur(next.TS.Sub(dc.Armed)), announceCode(dc), dc.Announced)
		f.Advice = "The client's SYNs are dropped before this capture point: look at the client's own error, capture on the client's side to see them, and check the passive range is open and forwarded end to end; the data connections that follow go the same way."
		f.Packets = packets(f.Packets, []uint64{next.Num})
		if serverSide {
			d.droppedBeforeServer(s, dc, f)
		}
	case next != nil:
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The client did not connect to %s and asked for another endpoint with %s instead: it fell back", dc.Announced, next.Verb)
		if dc.Via == ftp.ViaEPSV && next.Verb == "PASV" {
			f.Message += " from EPSV to PASV"
		}
		f.Message += "."
		f.Advice = "Nothing to change for this endpoint itself; see the findings of the data connections that follow."
		if (serverSide || behindNAT) && next.TS.Sub(dc.Armed) < time.Second {
			f.Message += " Seen from the server's side, a quick fallback also follows a SYN refused at once in front of the server: curl, lftp and Python's ftplib connect before they send the transfer command, and an RST or ICMP error from a firewall, the NAT or a load balancer that sends the port to another host never reaches this capture point."
			f.Advice += " If clients report refused data connections, capture on the client's side: it shows who refuses them."
		}
		f.Packets = packets(f.Packets, []uint64{next.Num})
	case dc.Superseded():
		// The tracker saw a newer announcement of the session before any
		// connection to this one: a fallback, whether or not the
		// transcript still keeps that command (a session past its
		// transcript's commands keeps only the first ones).
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The client did not connect to %s and asked for another endpoint instead: it fell back.", dc.Announced)
		f.Advice = "Nothing to change for this endpoint itself; see the findings of the data connections that follow."
	case earlier != nil:
		f.Message = fmt.Sprintf("The client gave up without connecting to %s, after data connection #%d to %s failed (%s); curl, for one, reads the 227 and quits when its connect timeout is already spent.", dc.Announced, earlier.ID, earlier.Server, earlier.Outcome)
		if fb := refusedEPSV(s, dc.Announce); fb != nil {
			f.Message += fmt.Sprintf(" It had fallen back to %s after EPSV was refused (%q).", dc.Via, replyText(fb.Final()))
		}
		f.Advice = fmt.Sprintf("Fix the failure of data connection #%d; this endpoint would have failed the same way.", earlier.ID)
	case cancel != nil:
		// The client ended the request sooner than a connect whose SYNs
		// are dropped fails: it did not wait for a data connection.
		x := cancel
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The client sent %s %s after the %d that announced %s, with no transfer command and no connection to it%s: sooner than a client whose SYNs are dropped gives up (TCP sends an unanswered SYN again only after its initial retransmission timeout, 1 s, RFC 6298), so it chose not to use this endpoint.", x.Verb, dur(x.TS.Sub(dc.Armed)), announceCode(dc), dc.Announced, whileOpen(dc))
		f.Advice = "Nothing to change: the client did not need this data connection."
		if (serverSide || behindNAT) && x.Verb == "QUIT" {
			f.Message = strings.TrimSuffix(f.Message, ", so it chose not to use this endpoint.") +
				": either it chose not to use this endpoint, or a firewall, NAT or load balancer in front of the server rejected the SYN at once, or sent it to another host that did, with an RST or ICMP error this capture cannot see. The other data connections to this server's passive ports show whether they get through."
			f.Advice = "Nothing to change if the client did not need this data connection; if clients report refused data connections, capture on the client's side: it shows who refuses them."
		}
		if a := dc.Announced.Addr(); a.IsLinkLocalUnicast() && dc.SYNs == 0 {
			// A connect to a link-local address without its zone fails
			// in the client's own kernel (EINVAL), before any SYN:
			// Python's ftplib drops the zone (rev-v6 linklocal.pcap).
			f.Message = fmt.Sprintf("The client sent %s %s after the %d that announced %s, with no transfer command and no connection to it%s: either it chose not to use this endpoint, or it could not connect at all: %s is link-local, and a connect to it without its zone (the interface, as in %s%%eth0) fails in the client's own system before any SYN (EINVAL), which a client that drops the zone meets (Python's ftplib does).",
				x.Verb, dur(x.TS.Sub(dc.Armed)), announceCode(dc), dc.Announced, whileOpen(dc), a.WithZone(""), a.WithZone(""))
			f.Advice = "Nothing to change in the server or the network. If the client reports a failed transfer, it lost the zone of the link-local address: use a client that keeps it, or reach the server at an address that is not link-local (a ULA or global one)."
		}
		f.Packets = packets(f.Packets, []uint64{x.Num})
	default:
		f.Message = fmt.Sprintf("The client never connected to %s%s and sent no transfer command for it: it gave up or closed the session.", dc.Announced, whileOpen(dc))
		if c := dc.Command; c != nil && c.Final() == nil {
			// The transfer command went out (its evidence quotes it):
			// not "no transfer command", but one left unanswered.
			f.Message = fmt.Sprintf("The client sent %q for %s but never connected to it, and no reply to it came: the session ended with the transfer unanswered (the client gave up on it or closed the session).", commandText(c), dc.Announced)
		}
		if fb := refusedEPSV(s, dc.Announce); fb != nil {
			f.Message += fmt.Sprintf(" It had fallen back to %s after EPSV was refused (%q).", dc.Via, replyText(fb.Final()))
		}
		f.Advice = "Look at the client's own error; if it reports a data connection timeout, the SYNs were dropped before this capture point (capture on the client side to confirm)."
		if serverSide {
			d.droppedBeforeServer(s, dc, f)
		}
	}
}

// gaveUpAfter is the data connection of s before dc whose SYNs the
// capture saw go to the control connection's address and fail (curl's
// EPSV, dropped), when the client never connected to dc and sent no
// transfer command for it: it gave up on dc after that failure, whatever
// address dc's announcement named. nil otherwise.
func gaveUpAfter(s *track.Session, dc *track.DataConn) *track.DataConn {
	if s == nil || dc == nil || !dc.Passive || dc.Outcome != track.OutcomeNotAttempted || dc.Command != nil {
		return nil
	}
	var e *track.DataConn
	for _, x := range s.Data {
		if x == dc {
			break
		}
		if x.Passive && x.Outcome.Failed() && x.Outcome != track.OutcomeNotAttempted && x.SYNs > 0 && x.Server.Addr().Unmap() == s.Server.Addr().Unmap() {
			e = x
		}
	}
	return e
}

// lostInGap is the capture gaps of s's control connection between dc's
// announcement and next, the request for another endpoint that came
// late (lateFallback); more: older gaps, no longer known, may lie there
// too. Only frames the capture lost: bytes the snap length cut (gapSeen.cut)
// leave every frame in it, a data connection's SYNs too, so they hide
// no connection to the endpoint.
func (d *Diagnoser) lostInGap(s *track.Session, dc *track.DataConn, next *track.Command) (gs []gapSeen, more bool) {
	c := dc.Announce
	if c == nil || next == nil {
		return nil, false
	}
	from := c.Seq
	if r := c.Final(); r != nil {
		from = r.Seq
	}
	all, more := d.state(s).gapsWithin(from, next.Seq)
	for _, g := range all {
		if !g.cut {
			gs = append(gs, g)
		}
	}
	return gs, more
}

// lateFallback tells whether next, the next passive or active request
// after dc's announcement (nextAnnounce), came connectGiveUpMin or more
// after the announcement, with no transfer command and no connection to
// dc seen, and the capture point is not shown on the client's side
// (where its SYNs would be seen if it had sent any): a client whose
// connect failed, not one that fell back by choice (which asks at once).
func lateFallback(dc *track.DataConn, next *track.Command, v Vantage) bool {
	if v == VantageClient || !dc.Passive || dc.Outcome != track.OutcomeNotAttempted || dc.Command != nil || dc.Armed.IsZero() {
		return false
	}
	return next != nil && !next.TS.Before(dc.Armed) && next.TS.Sub(dc.Armed) >= connectGiveUpMin
}

// usedSuperseded is the passive data connection of s, announced before
// dc and superseded by a newer announcement, that the client connected
// to after dc was announced; nil when none.
func usedSuperseded(s *track.Session, dc *track.DataConn) *track.DataConn {
	if !dc.Passive || dc.Armed.IsZero() {
		return nil
	}
	for _, x := range s.Data {
		if x != dc && x.Passive && x.Superseded() && !x.FirstSYN.IsZero() && !x.FirstSYN.Before(dc.Armed) {
			return x
		}
	}
	return nil
}

// connectGiveUpMin: a client whose data SYN goes unanswered sends it
// again after its initial retransmission timeout (1 s: RFC 6298 2.1,
// Linux TCP_TIMEOUT_INIT), and gives up later still (its connect
// timeout: seconds to minutes). A request ended sooner never waited
// for a connection.
const connectGiveUpMin = time.Second

// cancelledAt is the client's ABOR or QUIT that came next after dc's
// announcement, sooner than connectGiveUpMin after it, with no other
// command between; nil when the client did anything else first, or
// waited longer. The tracker notes it on the announcement
// (track.Command.CancelledBy): the session's commands (s) do not keep a
// QUIT with RecentOnly.
func cancelledAt(_ *track.Session, dc *track.DataConn) *track.Command {
	c := dc.Announce
	if c == nil || dc.Armed.IsZero() {
		return nil
	}
	if x := c.CancelledBy; x != nil && !x.TS.Before(dc.Armed) && x.TS.Sub(dc.Armed) < connectGiveUpMin {
		return x
	}
	return nil
}

// announceCode is the code of the reply that announced dc's endpoint
// (227, 228, 229), 227 when unknown.
func announceCode(dc *track.DataConn) int {
	if c := dc.Announce; c != nil {
		if r := c.Final(); r != nil {
			return r.Code
		}
	}
	return 227
}

// nextAnnounce is the first passive or active request after c in s.
func nextAnnounce(s *track.Session, c *track.Command) *track.Command {
	if c == nil {
		return nil
	}
	for _, x := range s.Commands[commandsAfter(s, c.Index):] {
		if !x.Secret && ftp.IsAnnounce(x.Verb) {
			return x
		}
	}
	return nil
}

// commandsAfter is the position in s.Commands of the first command whose
// Index is above idx: the commands are kept in the order given, so a
// session's thousands of them are not walked from the start for each of
// its data connections.
func commandsAfter(s *track.Session, idx int) int {
	i, _ := slices.BinarySearchFunc(s.Commands, idx+1, func(x *track.Command, target int) int { return cmp.Compare(x.Index, target) })
	return i
}

// latestBefore is the latest of the session's commands before c that
// match accepts, or nil.
func latestBefore(s *track.Session, c *track.Command, match func(*track.Command) bool) *track.Command {
	if c == nil {
		return nil
	}
	return latestWithin(s, c, len(s.Commands), match)
}

// latestWithin is latestBefore looking back over at most n commands.
func latestWithin(s *track.Session, c *track.Command, n int, match func(*track.Command) bool) *track.Command {
	if c == nil {
		return nil
	}
	end := commandsAfter(s, c.Index-1) // the first at or after c
	for i := end - 1; i >= 0 && i >= end-n; i-- {
		if match(s.Commands[i]) {
			return s.Commands[i]
		}
	}
	return nil
}

// epsvFallbackLookBack bounds how far before a PASV refusedEPSV looks for
// the EPSV it fell back from: a client falls back at once (curl, lftp,
// FileZilla send PASV right after the refusal; a TYPE or REST between is
// the most seen).
const epsvFallbackLookBack = 8

// refusedEPSV is the latest EPSV before c, when the server refused it
// (4yz/5yz).
func refusedEPSV(s *track.Session, c *track.Command) *track.Command {
	// (The fallback follows the refusal at once: a look back over a few
	// commands, not over a long session's thousands for each of its
	// data connections.)
	x := latestWithin(s, c, epsvFallbackLookBack, func(x *track.Command) bool { return x.Verb == "EPSV" })
	if x == nil {
		return nil
	}
	if r := x.Final(); r == nil || r.Code < 400 {
		return nil
	}
	return x
}

// EPSVAllow names, with a leading space, where s's server family
// refuses EPSV (" (ProFTPD: remove the <Limit EPSV> that denies it, and
// reload ProFTPD)"), "" when its family has no such setting or is not
// known: for read --helper's advice on a 227 over IPv6.
func (d *Diagnoser) EPSVAllow(s *track.Session) string { return epsvAllowWhere(d.family(s)) }

// epsvRefusedFallback words epsv-pasv-fallback for refused, an EPSV the
// server refused before the client's PASV worked in session s (dc, the
// data connection that worked), by its
// reply: EPSV not implemented (500/502, epsvNotImplemented), or
// implemented and denied by a setting (ProFTPD's <Limit EPSV> DenyAll:
// "501 EPSV: Operation not permitted"). Over IPv4 clients fall back to
// PASV at once; over IPv6, where a 227 cannot carry the server's
// address, curl ("Failed EPSV attempt, exiting"), lftp and Python's
// ftplib send only EPSV and fail, and only a client that reads the 227's
// port on the control connection's address (busybox) falls back.
func epsvRefusedFallback(s *track.Session, dc *track.DataConn, refused *track.Command, fam family) (msg, advice string) {
	r := refused.Final()
	denied := containsAny(strings.ToLower(r.Text), "not permitted", "permission denied", "denied", "not allowed", "disabled")
	notImpl := !denied && epsvNotImplemented(refused)
	what := fmt.Sprintf("The server refused EPSV (%q)", replyText(r))
	switch {
	case notImpl:
		what = fmt.Sprintf("The server does not implement EPSV (%q)", replyText(r))
	case denied:
		what += ": it implements EPSV, but a setting denies it"
	}
	allow := "allow it" + epsvAllowWhere(fam)
	if epsvAllowWhere(fam) == "" {
		allow = "allow it in the server (ProFTPD: remove a <Limit EPSV> that denies it; vsftpd: pasv_enable=YES; Pure-FTPd: remove -N/--natmode)"
	}
	if s.Server.Addr().Unmap().Is6() {
		how := fmt.Sprintf("it connected to %s", dc.Server)
		if dc.Server.Addr().Unmap() == s.Server.Addr().Unmap() {
			how = "it took the 227's port on the control connection's address, as busybox does"
		}
		msg = what + ". PASV worked for this client, on an IPv6 control connection, where a 227 cannot carry the server's address: " + how + ". curl, lftp and Python's ftplib send only EPSV over IPv6 and fail at this reply (curl: \"Failed EPSV attempt, exiting\")."
		if notImpl {
			return msg, "Over IPv6, EPSV is the only passive form most clients use: the server needs to implement it (RFC 2428: a newer version, or another server). No port to open: the server refused EPSV itself, before any data connection."
		}
		return msg, "Over IPv6, EPSV is the only passive form most clients use: " + allow + ". No port to open: the server refused EPSV itself, before any data connection."
	}
	then := " and PASV worked"
	if denied {
		then = ". PASV worked"
	}
	msg = what + then + ": clients fall back at once, but one that offers only EPSV (IPv6, or curl behind some proxies) cannot transfer."
	switch {
	case notImpl:
		advice = "Nothing to change for clients that fall back to PASV, as this one did, and no port to open: the server does not implement EPSV. Only clients that need EPSV (over IPv6) need a server that implements it (RFC 2428): a newer version, or another server."
	case denied:
		advice = "Nothing to change for clients that fall back to PASV, as this one did, and no port to open: the server refused EPSV itself, before any data connection. For clients that need EPSV (over IPv6), " + allow + "."
	default:
		advice = "Nothing to change for clients that fall back to PASV, as this one did, and no port to open: the server refused EPSV itself, before any data connection. For clients that need EPSV (over IPv6), its reply and the server's log say why."
	}
	return msg, advice
}

// icmpName names an ICMP/ICMPv6 error: destination unreachable, time
// exceeded, parameter problem.
func icmpName(i *track.ICMPInfo) string {
	proto := "ICMP"
	if i.V6 {
		proto = "ICMPv6"
	}
	return fmt.Sprintf("%s %s (type %d code %d, %s)", proto, i.TypeName(), i.Type, i.Code, i.CodeName())
}

func icmpProhibited(i *track.ICMPInfo) bool {
	if !i.IsUnreachable() {
		return false
	}
	if i.V6 {
		return i.Code == 1 || i.Code == 5 || i.Code == 6
	}
	return i.Code == 9 || i.Code == 10 || i.Code == 13
}

func icmpPortUnreachable(i *track.ICMPInfo) bool {
	if !i.IsUnreachable() {
		return false
	}
	if i.V6 {
		return i.Code == 4
	}
	return i.Code == 3
}

// icmpSelfReject reports whether i is a net, host or address unreachable
// (or another unreachable code a firewall can send) that the destination
// sent about itself: the address answered, so it is reachable, and no
// route of its own makes a host refuse a SYN to its own address this way;
// its firewall does (iptables REJECT --reject-with icmp-host-unreachable,
// ip6tables --reject-with icmp6-addr-unreachable or no-route).
func icmpSelfReject(i *track.ICMPInfo, dst netip.Addr) bool {
	return i.IsUnreachable() && !i.IsTooBig() && !icmpProhibited(i) && !icmpPortUnreachable(i) && i.From.Unmap() == dst.Unmap()
}

// icmpKind is what an ICMP error that ended a connect means for the fix.
type icmpKind uint8

const (
	icmpFirewall icmpKind = iota // a firewall rejects the port
	icmpRoute                    // the address cannot be reached
	icmpLoop                     // time exceeded
	icmpParam                    // parameter problem
)

// icmpKindOf tells what i, about a connection to dst, means. A net or
// host unreachable from the destination itself (icmpSelfReject), or from
// a router about the very address the control connection reaches, is a
// firewall's reject: the address is reachable.
func icmpKindOf(i *track.ICMPInfo, dst, control netip.Addr) icmpKind {
	switch {
	case i.IsTimeExceeded():
		return icmpLoop
	case i.IsParameterProblem():
		return icmpParam
	case icmpProhibited(i) || icmpPortUnreachable(i) || icmpSelfReject(i, dst):
		return icmpFirewall
	case i.IsUnreachable() && !i.IsTooBig() && dst.Unmap() == control.Unmap():
		return icmpFirewall
	}
	return icmpRoute
}

// rejectWith is the reject rule that answers what i says: iptables'
// --reject-with name, when there is one.
func rejectWith(i *track.ICMPInfo) string {
	switch {
	case i.V6 && i.Code == 0:
		return "ip6tables REJECT --reject-with icmp6-no-route"
	case i.V6 && i.Code == 3:
		return "ip6tables REJECT --reject-with icmp6-addr-unreachable"
	case !i.V6 && i.Code == 0:
		return "iptables REJECT --reject-with icmp-net-unreachable"
	case !i.V6 && i.Code == 1:
		return "iptables REJECT --reject-with icmp-host-unreachable"
	case !i.V6 && i.Code == 2:
		return "iptables REJECT --reject-with icmp-proto-unreachable"
	}
	return "a reject rule"
}

// icmpMeaning is what an ICMP error that is no firewall's reject says,
// for the message: time exceeded, parameter problem; "" for the others.
func icmpMeaning(i *track.ICMPInfo) string {
	hop := "TTL"
	if i.V6 {
		hop = "hop limit"
	}
	switch {
	case i.IsTimeExceeded() && i.Code == 1:
		return ": the sender could not reassemble the fragments of the packet in time (fragments lost on the way), not a firewall's reject"
	case i.IsTimeExceeded():
		return fmt.Sprintf(": a router reports the %s ran out on the way, a routing loop (or a path longer than the sender's %s), not a firewall's reject", hop, hop)
	case i.IsParameterProblem():
		return ": a parameter problem, a malformed header or an option a router or middlebox rejects, not a firewall's reject of the port"
	}
	return ""
}

// icmpPathAdvice is the advice for an ICMP error that is no firewall's
// reject (icmpMeaning), from from about a connection to dst; "" for the
// others.
func icmpPathAdvice(i *track.ICMPInfo, dst netip.AddrPort) string {
	switch {
	case i.IsTimeExceeded() && i.Code == 1:
		return fmt.Sprintf("Look for what drops fragments between the two hosts (a firewall that drops non-first fragments, a lossy link) near %s, which reported it; no rule for the port helps.", i.From)
	case i.IsTimeExceeded():
		return fmt.Sprintf("Fix the routing toward %s: %s reports the packets loop (traceroute -T -p %d %s from the connecting host shows where); no firewall rule helps.", dst.Addr(), i.From, dst.Port(), dst.Addr())
	case i.IsParameterProblem():
		return fmt.Sprintf("Look at what %s rejects in the SYN: a malformed header, or an IP or TCP option that a router or middlebox on the path refuses (a broken MSS clamp, IP options); compare the SYN's headers with those of a connection that works. No rule for the port helps.", i.From)
	}
	return ""
}

// icmpSender says who sent an ICMP error: the destination itself, or a
// router or firewall in between.
func icmpSender(i *track.ICMPInfo, dst netip.Addr, s *track.Session) string {
	from := i.From
	switch from.Unmap() {
	case dst.Unmap():
		if !i.IsUnreachable() {
			return fmt.Sprintf("%s, the destination host itself", from)
		}
		if icmpSelfReject(i, dst) {
			// A host's own firewall, or a router owning the address that
			// forwards the port to a host that does not answer.
			return fmt.Sprintf("%s, the destination address itself (its own firewall, or a router that owns the address and forwards the port)", from)
		}
		return fmt.Sprintf("%s, the destination host itself (its own firewall)", from)
	case s.Server.Addr().Unmap():
		return fmt.Sprintf("%s, the server's control address", from)
	case s.Client.Addr().Unmap():
		return fmt.Sprintf("%s, the client's address", from)
	}
	return fmt.Sprintf("%s, a router or firewall on the path", from)
}

// synLost notes, for a failure known by its answer alone, that the
// capture lost the SYN it answered.
func synLost(dc *track.DataConn) string {
	switch {
	case dc.SYNs > 0:
		return ""
	case dc.Outcome == track.OutcomeUnreachable:
		return " (the capture lost the SYN; the ICMP error quotes it)"
	}
	return " (the capture lost the SYN; the RST that acknowledges it shows it was sent)"
}

// themOrIt is "it" for one SYN, "them" for more.
func themOrIt(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// fromPort20 names the egress rule for an active data connection from
// port 20.
func fromPort20(dc *track.DataConn) string {
	if dc.Client.Port() == 20 {
		return " (an egress rule for source port 20)"
	}
	return ""
}

// synSpan is " over 2.055s" for retransmitted SYNs, nothing for one.
func synSpan(dc *track.DataConn) string {
	if dc.SYNs < 2 || dc.LastSYN.Before(dc.FirstSYN) {
		// (A clock stepped back between them: the span is unknown.)
		return ""
	}
	return " over " + dur(dc.LastSYN.Sub(dc.FirstSYN))
}

// What a transfer's replies say of its data connection (transferSaid),
// for an endpoint the capture shows no connection to.
const (
	saidNone    = iota // no reply to a transfer: no transfer, or none answered
	saidMade           // the data connection was made: the capture does not see it
	saidNotMade        // the server reports it could not make it (425)
	saidRefused        // the server refused the transfer itself: none was needed
	saidUntold         // a 1yz and no final reply: it does not tell
)

// earlyPreliminary says why a 1yz alone does not tell whether the data
// connection was made.
const earlyPreliminary = "vsftpd and ProFTPD send their 150 only once the data connection is made, but other servers (FileZilla Server, IIS, Serv-U, Pure-FTPd in active mode) send it before they connect or accept, so it does not say whether one was made: either the capture does not see the data path (taken where only the control connection passes, or with a filter that keeps only port 21), or none was made and the server's final reply (a 425) is not in the capture."

const untoldAdvice = "Capture where both connections pass, without a port filter (tcpdump -i IFACE host SERVER), and until the transfer's final reply, to tell."

// transferSaid reads what a transfer's final reply (and its 1yz, pre)
// say of its data connection, keyed on the final reply: RFC 959's 425
// "Can't open data connection" (or a reply of another code with those
// words) says none was made, whatever 1yz came before it, since only
// vsftpd sends its 150 once connected (FileZilla Server, IIS and Serv-U
// send it before they connect or accept); a 2yz says the transfer
// completed, so the connection was made; a 425 refusing a connection
// from another address (sourceRefusal) says one came. After a 1yz, a
// refusal of the command itself (refusedAfterStart: IIS's "150
// Opening…" then "550 The system cannot find the file") needed no
// connection; any other failure broke off a transfer that had one. A 1yz
// with no final reply tells for vsftpd and ProFTPD, and where its words
// say the connection is there.
func (d *Diagnoser) transferSaid(s *track.Session, pre, final *track.Reply) int {
	if final == nil {
		switch {
		case pre == nil:
			return saidNone
		case d.family(s).kind == policy.ServerVsftpd, d.family(s).kind == policy.ServerProFTPD:
			// Both send their 150 once connected or accepted (ProFTPD's
			// data.c opens the connection before its R_150).
			return saidMade
		case pre.Code == 125, containsAny(strings.ToLower(pre.Text), "accepted data connection", "connection accepted", "already open"):
			// The 1yz itself says so (Pure-FTPd's passive "150 Accepted
			// data connection", a 125).
			return saidMade
		}
		return saidUntold
	}
	text := strings.ToLower(final.Text)
	switch {
	case final.Code/100 == 2:
		return saidMade
	case final.Code == 425 && sourceRefusal(text):
		return saidMade
	case final.Code == 425 || final.Code >= 400 && noDataConnText(text):
		return saidNotMade
	case pre == nil || refusedAfterStart(final.Code):
		return saidRefused
	}
	return saidMade
}

// noDataConnText: a reply's text (lower case) says the server could not
// open its data connection, in the words servers use with 425 ("Can't
// open data connection.", "Can't build data connection: ...", "Failed to
// establish connection.") when a server sends them with another code.
func noDataConnText(text string) bool {
	if !containsAny(text, "data connection", "data channel") {
		return false
	}
	return containsAny(text, "can't open", "cannot open", "could not open", "unable to open", "can't build", "cannot build",
		"could not build", "unable to build", "can't establish", "cannot establish", "could not establish", "unable to establish", "failed to establish")
}

// windowsVerb is the first RFC 775 verb (XPWD, XMKD, XRMD, XCWD, XCUP)
// the session's client sent, "" when none: Windows's ftp.exe sends them
// for pwd, mkdir and rmdir where other clients send PWD, MKD and RMD, so
// the session's client is Windows's (its own firewall Windows Defender
// Firewall, not iptables or nftables). The tracker notes it as the
// commands pass (track.Session.RFC775Verb): the session's commands do
// not keep them with RecentOnly.
func windowsVerb(s *track.Session) string {
	return s.RFC775Verb()
}

// ftpExe: s's client is Windows's ftp.exe, which has no passive mode: it
// sends RFC 775 verbs (windowsVerb) and never asked for a passive
// endpoint (PASV, EPSV, LPSV: track.Session.AskedPassive).
func ftpExe(s *track.Session) bool {
	return windowsVerb(s) != "" && !s.AskedPassive()
}

// windowsLetIn is the rule that lets an active-mode data connection in
// on a Windows client, in Windows Defender Firewall: an allow rule for
// the client program (ftp.exe when the session shows it), no block rule
// for it (a block rule wins over any allow rule; dismissing the
// firewall's prompt for a program adds one), and the stateful FTP filter
// that lets in the connection a clear-text PORT announces.
func windowsLetIn(exe bool) string {
	return "allow the FTP client program's incoming connections: " + netshAllowRule(exe) +
		"; check that no block rule covers it (in Windows Defender Firewall a block rule wins over any allow rule, and dismissing its prompt for the program adds one: netsh advfirewall firewall show rule name=all dir=in), and that its stateful FTP filter is on (netsh advfirewall set global statefulftp enable, the default)"
}

// netshAllowRule is the Windows Defender Firewall rule that lets the FTP
// client program's incoming connections in: ftp.exe's when exe, else a
// placeholder path for the admin's client.
func netshAllowRule(exe bool) string {
	prog := `"C:\path\to\client.exe"`
	if exe {
		prog = `"%SystemRoot%\System32\ftp.exe"`
	}
	return `netsh advfirewall firewall add rule name="FTP client active mode" dir=in action=allow protocol=TCP program=` + prog
}

// serverEgressAdvice says how to let a server's active data connections
// out of its own output chain (a SYN it never sent cannot be let in on
// the client): statically from port 20 (vsftpd connect_from_port_20, the
// usual), or what the FTP helper on the control connections it takes
// expects; or on a router on the path, in its forward chain. A server
// of fam on Windows (IIS) gets Windows Defender Firewall's outbound rule
// for port 20 instead of its own host's Linux rules; the router's stay.
func serverEgressAdvice(fam family, controlPort uint16, v6 bool) string {
	linux := fmt.Sprintf("on the server, in its output chain, from port 20: %s (or %s); from any port, attach the FTP helper to the control connections it takes (%s, or %s) and accept what it expects with %s (%s); or, if a router or firewall on the path drops them, the same helper there and %s (%s)",
		nftOutput20, iptablesOutput20(v6), nftHelperTable(controlPort, false), iptablesHelperRule(controlPort, false, v6), nftRelatedRule("output"), iptablesRelatedRule("output", v6), nftRelatedRule("forward"), iptablesRelatedRule("forward", v6))
	windows := fmt.Sprintf("on the server, in Windows Defender Firewall: %s (or %s), with no outbound block rule covering port 20 (%s)",
		netshOutput20, powershellOutput20, windowsBlockWins)
	if fam.kind == policy.ServerFileZilla {
		// Its active connections may come from port 20 or from any
		// port, as it is set: a rule for the program covers both.
		windows = fmt.Sprintf("on the server, in Windows Defender Firewall, for the server's program, whatever port it connects from: %s (or %s; %s), with no outbound block rule covering the program (%s)",
			netshOutputFileZilla, powershellOutputFileZilla, fileZillaExeNote, windowsBlockWins)
	}
	path := fmt.Sprintf("; or, if a router or firewall on the path drops them, attach the FTP helper there (%s, or %s) and accept what it expects with %s (%s)",
		nftHelperTable(controlPort, false), iptablesHelperRule(controlPort, false, v6), nftRelatedRule("forward"), iptablesRelatedRule("forward", v6))
	switch fam.host() {
	case hostWindows:
		return windows + path
	case hostWindowsOrLinux:
		return "on Windows, " + strings.TrimPrefix(windows, "on the server, ") + "; on Linux, " + strings.TrimPrefix(linux, "on the server, ")
	}
	return linux
}

// netshOutput20 and powershellOutput20 let a Windows server's new
// connections from port 20 out (Microsoft's "Configuring FTP Firewall
// Support": an active data connection comes from TCP port 20 on the
// server); windowsBlockWins is why an allow rule may not be enough.
const (
	netshOutput20      = `netsh advfirewall firewall add rule name="FTP active data out" dir=out action=allow protocol=TCP localport=20`
	powershellOutput20 = `New-NetFirewallRule -DisplayName "FTP active data out" -Direction Outbound -Protocol TCP -LocalPort 20 -Action Allow`
	windowsBlockWins   = "a block rule wins over any allow rule: netsh advfirewall firewall show rule name=all dir=out"
)

// netshOutputFileZilla and powershellOutputFileZilla let FileZilla
// Server's outgoing connections out whatever their source port: its
// executable at its default install path (FileZilla Server 1.x, the
// filezilla-server service's image).
const (
	netshOutputFileZilla      = `netsh advfirewall firewall add rule name="FTP active data out" dir=out action=allow protocol=TCP program="%ProgramFiles%\FileZilla Server\filezilla-server.exe"`
	powershellOutputFileZilla = `New-NetFirewallRule -DisplayName "FTP active data out" -Direction Outbound -Protocol TCP -Program "%ProgramFiles%\FileZilla Server\filezilla-server.exe" -Action Allow`
	fileZillaExeNote          = "the path FileZilla Server 1.x installs to by default; otherwise, the server service's own executable"
)

// nftOutput20 lets a server's new connections from port 20 out of its
// output chain (table inet filter, as the other rules assume).
const nftOutput20 = "nft insert rule inet filter output tcp sport 20 ct state new accept"

func iptablesOutput20(v6 bool) string {
	return iptablesCmd(v6) + " -I OUTPUT -p tcp --sport 20 -m conntrack --ctstate NEW -j ACCEPT"
}

// clientLetIn is activeLetIn for s's client: a Windows client
// (windowsVerb) gets Windows Defender Firewall's rule on its own host;
// one whose system the session does not show gets the Linux rules and
// the Windows one, each named. Rules for a router in front of it stay
// activeLetIn's.
func clientLetIn(s *track.Session, p place, controlPort uint16, v6 bool) string {
	all := activeLetIn(p, controlPort, v6)
	if !p.host {
		return all
	}
	if windowsVerb(s) == "" {
		return all + "; on a Windows client, in Windows Defender Firewall instead: " + netshAllowRule(false) + ", with no block rule covering the program (a block rule wins over any allow rule)"
	}
	const routerPrefix = "let the connection in on the router in front of the client: "
	router := strings.TrimPrefix(activeLetIn(place{router: true}, controlPort, v6), routerPrefix)
	host := "in Windows Defender Firewall (most likely a Windows client: it sends " + windowsVerb(s) + "): " + windowsLetIn(false)
	if ftpExe(s) {
		// passiveFirst has said which client it most likely is.
		host = "in Windows Defender Firewall: " + windowsLetIn(true)
	}
	// (A guess from the verbs: scripts and some Unix clients send them
	// too, so the Linux rules stay, named as the other case.)
	other := "; if the client is not a Windows host (scripts and some Unix clients send " + windowsVerb(s) + " too): " + all
	switch {
	case p.router && p.nat:
		return "let the connection in on the NAT router in front of the client (whose helper also rewrites the PORT/EPRT address): " + router + "; and on the client, " + host + other
	case p.router:
		return "let the connection in on the client, " + host + "; or, if a router or firewall in front of the client drops it, on that router: " + router + other
	}
	return "let the connection in on the client, " + host + other
}

// passiveFirst opens active-blocked's advice: passive mode on the client
// and usual after it, or, for Windows's ftp.exe, which has none, another
// client for it and exe after that.
func passiveFirst(s *track.Session, usual, exe string) string {
	if !ftpExe(s) {
		return "Use passive mode on the client" + usual
	}
	return "This client is most likely Windows's ftp.exe (it sends " + windowsVerb(s) + " and never asked for a passive endpoint), which has no passive mode: for passive mode use another client (curl.exe, part of Windows 10 and later, WinSCP, FileZilla)." + exe
}
