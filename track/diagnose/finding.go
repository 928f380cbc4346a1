package diagnose

import (
	"errors"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Severity orders findings: SeverityInfo < SeverityWarning < SeverityError.
type Severity uint8

const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityError
)

var severityNames = [...]string{"info", "warning", "error"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// ErrBadSeverity is returned by ParseSeverity for an unknown name.
var ErrBadSeverity = errors.New("severity must be info, warning or error")

// ParseSeverity reads "info", "warning" (or "warn") or "error", in any case.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "info":
		return SeverityInfo, nil
	case "warning", "warn":
		return SeverityWarning, nil
	case "error":
		return SeverityError, nil
	}
	return 0, ErrBadSeverity
}

// The stable finding codes.
const (
	CodePortOutsideRange = "port-outside-range"
	CodeDataUnanswered   = "data-unanswered"
	CodeDataRefused      = "data-refused"
	CodeDataUnreachable  = "data-unreachable"
	CodeDataNotAttempted = "data-not-attempted"
	// CodeDataAnswerMissing: a data connection's only SYN got no answer
	// in the capture, but its client moved on sooner than TCP sends a
	// SYN again (track.DataConn.GaveUp): it was answered, by an RST or an
	// ICMP error the capture did not record. Not a drop.
	CodeDataAnswerMissing = "data-answer-missing"
	CodeNATMismatch       = "nat-mismatch"
	CodeNATTranslated     = "nat-translated" // correct setup seen from behind the NAT (info)
	CodeActiveBlocked     = "active-blocked"
	CodeControlEncrypted  = "control-encrypted"
	CodeFTPBounce         = "ftp-bounce"
	CodeServerDataError   = "server-data-error"
	CodeCleartextLogin    = "cleartext-login"

	// The failure stories (issue 9).
	CodeServerConfigError = "server-config-error"     // the server reports its own configuration error
	CodeDataSourceNAT     = "data-source-nat"         // the data connection's source differs from the control's
	CodeDataForeignSource = "data-foreign-source"     // a passive data connection the server served came from another address than its client
	CodeControlIdle       = "control-idle-timeout"    // the final reply lost after a silent control connection
	CodeTLSNotResumed     = "data-tls-not-resumed"    // a full TLS handshake on a data connection, then closed
	CodeRangeExhausted    = "passive-range-exhausted" // every port of the range in use, then a port outside it
	CodeLoginAttack       = "login-brute-force"       // many failed logins from one client
	CodeUnusualFinalReply = "unusual-final-reply"     // a transfer ended by a 2yz other than 226
	CodeModeFallback      = "epsv-pasv-fallback"      // one passive form failed, the other worked
	CodePassiveRefused    = "passive-refused"         // the server refused PASV: passive mode turned off
	CodeEPSVAllIgnored    = "epsv-all-ignored"        // the server accepted PORT/PASV after the client's EPSV ALL (RFC 2428 section 4)
	CodeActiveRefused     = "active-refused"          // the server refused PORT/EPRT naming the client's own address: active mode off, or the address (a NAT in front of the client)
	CodeTLSReset          = "data-tls-reset"          // the server reset a data connection at the client's ClientHello
	CodeTLSFailed         = "data-tls-failed"         // the server ended a data connection's TLS handshake before its ServerHello (a fatal alert; a close after its HelloRetryRequest)
	CodeTransferAborted   = "transfer-aborted"        // the server started a transfer (1yz), then failed it (4yz/5yz, or a 421)
	CodeSessionRefused    = "session-refused"         // the server answered the connection with 421 (its connection limit), or closed it without a greeting
	// CodePMTUBlackHole: a data connection's sender kept sending a
	// segment as large after a router's ICMP fragmentation needed or
	// ICMPv6 Packet Too Big about it, and the receiver acknowledged
	// nothing past it (pmtu.go).
	CodePMTUBlackHole = "pmtu-blackhole"
	// CodeControlUndelivered: a control segment sent again and again
	// and never acknowledged, though the bytes before it were: something
	// on the path drops it for what it holds (an FTP helper that cannot
	// parse a split PORT/227, an IPS). undelivered.go.
	CodeControlUndelivered = "control-undelivered"
	// CodeControlReset: the control connection was reset from the other
	// side at the client's last command, which got no reply, or right
	// after a 227/228/229 the client never used: an FTP-inspecting
	// firewall that resets at a line it denies, or a crash (ctlcut.go).
	CodeControlReset = "control-reset"
	// CodeCommandUnanswered: the client's last command got no reply,
	// and the client closed or reset the connection after waiting for it:
	// dropped on the way (an FTP-inspecting firewall, an IPS) or never
	// answered (ctlcut.go).
	CodeCommandUnanswered = "command-unanswered"
	// CodeControlRefused, CodeControlUnreachable, CodeControlUnanswered:
	// the control connection never opened: its SYN answered by an RST, by
	// an ICMP error, or by nothing the client took (connect.go).
	CodeControlRefused     = "control-refused"
	CodeControlUnreachable = "control-unreachable"
	CodeControlUnanswered  = "control-unanswered"
	// CodeTLSRequired: an FTPS data connection on which the client began
	// no TLS, answered by the server's TLS alert (or, weaker, its reset
	// before a byte): the server requires protected data (tlsdata.go).
	CodeTLSRequired = "data-tls-required"
	// CodeDataCleartext: an FTPS session's data connection whose bytes
	// crossed in clear, no TLS record first (tlsdata.go).
	CodeDataCleartext = "data-cleartext"
	// CodeControlTLSFailed: after the server's 234 to AUTH, it answered
	// the client's ClientHello with a TLS alert and no handshake, then
	// FTP text: the control channel's TLS never started
	// (controlTLSFailed).
	CodeControlTLSFailed = "control-tls-failed"
	// CodeControlTLSUnfinished: the control channel's TLS handshake
	// began and never completed: the client sent no application data
	// before the connection ended (tlsunfinished.go); a path MTU black
	// hole dropping the server's certificate flight, most often.
	CodeControlTLSUnfinished = "control-tls-unfinished"
	// CodeTLSModeMismatch: client and server disagree on implicit and
	// explicit FTPS: no ClientHello to an implicit port, or a ClientHello
	// to a port that speaks FTP first (tlsmode.go).
	CodeTLSModeMismatch = "tls-mode-mismatch"
	// CodeControlTLSRequired: the server refused a clear-text login,
	// saying it requires TLS (tlsmode.go).
	CodeControlTLSRequired = "control-tls-required"
	// CodeControlTLSUnavailable: the server refused AUTH TLS/SSL and the
	// client gave up without logging in (tlsmode.go).
	CodeControlTLSUnavailable = "control-tls-unavailable"
	// CodeGreetingLate: the server's greeting came a second or more
	// after the client's SYN, and the client, which had sent no command,
	// reset the connection at it: most likely it had given up waiting
	// (greetingLate).
	CodeGreetingLate = "greeting-late"
	// CodeFXP: a server-to-server (FXP) transfer, a PORT/EPRT naming the
	// endpoint another session of the same client was given by its
	// 227/229 (fxp.go): what became of it, and never a NAT or bounce
	// reading.
	CodeFXP = "fxp-transfer"
	// CodePassivePrivilegedPort: a 227/228/229 naming a port below
	// 1024, where no server listens for passive data (pasvport.go).
	CodePassivePrivilegedPort = "passive-privileged-port"
	// CodeTransferStalled: a transfer the server began whose data
	// connection was made and delivered nothing, or stopped delivering,
	// and that the client gave up with no final reply (transferstall.go).
	CodeTransferStalled = "transfer-stalled"
)

// Codes lists every code, in the order the troubleshooting page documents them.
var Codes = []string{
	CodePortOutsideRange, CodeDataUnanswered, CodeDataRefused, CodeDataUnreachable, CodeDataNotAttempted, CodeDataAnswerMissing,
	CodeNATMismatch, CodeNATTranslated, CodeActiveBlocked, CodeControlEncrypted, CodeControlTLSFailed, CodeControlTLSUnfinished,
	CodeTLSModeMismatch, CodeControlTLSRequired, CodeControlTLSUnavailable, CodeGreetingLate, CodeFTPBounce,
	CodeServerDataError, CodeCleartextLogin,
	CodeServerConfigError, CodeDataSourceNAT, CodeDataForeignSource, CodeControlIdle, CodeTLSNotResumed, CodeRangeExhausted,
	CodeLoginAttack, CodeUnusualFinalReply, CodeModeFallback, CodeEPSVAllIgnored, CodePassiveRefused, CodeActiveRefused, CodeTLSReset, CodeTLSFailed,
	CodeTransferAborted, CodeTransferStalled, CodeSessionRefused, CodePMTUBlackHole, CodeControlUndelivered, CodeControlReset, CodeCommandUnanswered,
	CodeControlRefused, CodeControlUnreachable, CodeControlUnanswered,
	CodeTLSRequired, CodeDataCleartext, CodeFXP, CodePassivePrivilegedPort,
}

// Finding is one diagnosis.
type Finding struct {
	Code     string
	Severity Severity
	Session  *track.Session
	Data     *track.DataConn // nil when the finding is about the session
	Command  *track.Command  // the command it concerns, when it is about one (and not a data connection)
	TS       time.Time       // when it happened (for ordering in the transcript)
	Packets  []uint64        // evidence packet numbers
	Evidence string          // the reply text / counts, one line
	Message  string          // what is wrong, one sentence
	Advice   string          // what to change, concrete (config line / firewall rule)
	// Example: the example range Advice names for a server whose
	// passive range is not known (it holds the port that failed); zero
	// when it names none. One example among many, not the cause: two
	// findings whose advice differs only in it are one fix.
	Example policy.PortRange

	blind bool // data-not-attempted because the capture cannot see the data path
	// filtered: data-not-attempted whose connection the user's packet
	// filter may have left out (hedgeFiltered).
	filtered bool
	// controlOnly: its reading rests on a connection missing from a
	// capture that held nothing but control connections when it was made
	// (caveatControlOnly): it says so, and keeps its reading and rule.
	controlOnly bool
	// capFilter: for a filtered one whose filter is the capture file's
	// recorded capture filter (filteredByCapture), not the user's, that
	// filter as recorded.
	capFilter string
	// capDropped: rests on the absence of a packet due when the capture
	// point dropped packets (hedgeDropped).
	capDropped bool
	// resentUntil: a control-undelivered's last resend, to which the
	// acknowledgment it lacks stayed due (absenceSpan).
	resentUntil time.Time
	// pathMTU: control-undelivered whose line is too large for a small
	// link, so a path MTU black hole is the likelier cause (undelivered.go).
	pathMTU bool
	// mtuHedged: control-undelivered that names a firewall and a path MTU
	// black hole alike, neither the likelier (the line's size does not
	// tell): the server's verdict says both.
	mtuHedged bool
	// unplaced: a control-idle-timeout whose reply the capture saw leave
	// unacknowledged where the capture point is not known to be the
	// server's side: the client's own firewall may have dropped it.
	unplaced bool
	// mtuSuspected: a pmtu-blackhole read from the sender's resends
	// alone, no ICMP error in the capture (pmtuSuspected): the server's
	// verdict hedges it.
	mtuSuspected bool
	// mtuReceiver: a pmtu-blackhole read on the receiver's side, the
	// sender's FIN come and the bytes before it not (pmtuLostBeforeFIN).
	mtuReceiver bool
	// halfway: a transfer-stalled whose data connection moved part of
	// the size announced, then nothing (stalledHalfwayFinding); stallEnd:
	// the note of the final reply that came after such a stall, in the
	// session that picked its control connection up again (stallEnded),
	// completed when a 2yz.
	halfway, stallEnd, completed bool
	// abortStall: a server-data-error for the 426 of a transfer the client
	// aborted after its data had stopped coming (abortStalled): the
	// server's verdict names the stall.
	abortStall bool
	// widened: for passive-range-exhausted, the range its advice widens
	// the server's to (the server's verdict gives its lines too).
	widened policy.PortRange
	// hedged: rewritten once by hedgeFinding (two copies of its
	// announcement); a second pass changes nothing.
	hedged bool
	// spread: a login-brute-force about one account's failed logins from
	// many addresses, none standing out alone (logins.go spreadFailure):
	// a warning when the passwords varied (guessing), info with one
	// password every time.
	spread bool
	// backends: a data-refused whose fix is backendsAdvice, not a port
	// rule: its server's refusals had come interleaved with connections
	// that worked (spread.go) before it (BackendsAdvised).
	backends bool
	// reached: a nat-mismatch seen from the server's side whose data
	// connection arrived exactly as announced and worked.
	reached bool
	// resetThere: a nat-mismatch whose announced address (not the
	// control address) answered the client's SYN with an RST
	// (resetByAnnounced): reachable, nothing listening there; the
	// verdict says so, not that clients cannot reach it.
	resetThere bool
	// caused: a passive nat-mismatch whose own data connection failed
	// because of the address: the client's SYNs went to the announced
	// address, which is not the control address it reached, or no SYN
	// was seen at all. Only such a finding makes the server's verdict
	// the announced address (a failure whose SYNs went to the control
	// address is the firewall's or the path's).
	caused bool
	// routedOrNAT: an info nat-mismatch seen from the server's side whose
	// private client from another network reached the server's private
	// address as announced, and worked: a routed network or a DNAT,
	// which the capture cannot tell apart.
	routedOrNAT bool
	// routedLAN: a nat-mismatch naming another address of the client's
	// network, which the client reaches the server on too, but through a
	// router (routedOnLAN): most likely that router's own address,
	// forwarding port 21 to the server (a NAT): the address setting
	// alone does not make it forward the passive range.
	routedLAN bool
	// hairpin: a nat-mismatch of a client on the server's own network
	// sent to the server's public address (natPassiveLAN): the router's
	// NAT loopback is the likeliest fix, not the announced address; or a
	// data-source-nat or data-foreign-source whose source is another host
	// of that network (hairpinSource): the router's masquerade, or a
	// theft.
	hairpin bool
	// hairpinDirect: a data-source-nat or data-foreign-source whose
	// TTLs show the control connection through a router and the data
	// connection straight between client and server, on one network
	// (hairpinDirect): a hairpin NAT of the control connection only.
	hairpinDirect bool
	// ownPrefix: a data-source-nat or data-foreign-source whose source
	// is another IPv6 address of the client's /64 (ownPrefixSource): the
	// client host's own temporary address, most likely; no NAT.
	ownPrefix bool
	// fxpLike: a data-foreign-source from another host's port below
	// 1024 (fxpLikeSource: an FTP server's active-mode connection), or an
	// ftp-bounce of one PORT to one ordinary port: a server-to-server
	// (FXP) transfer, seen from one of its servers, reads the same.
	fxpLike bool
	// fxpAddr: a nat-mismatch on the passive half of an FXP pair
	// (fxpPassiveAddr): the announced address went to the other server,
	// not to a client, so no verdict on what clients are told follows
	// from it.
	fxpAddr bool
	// unmasqueraded: a hairpin nat-mismatch whose capture shows the
	// server's answer from its private address reset by the client (a
	// loopback without masquerade, track.Reflection).
	unmasqueraded bool
	// silent: a session-refused whose server closed the connection
	// without a greeting or any reply (closedWithoutGreeting), not with
	// a 421: the server's verdict must not say 421.
	silent bool
	// unproven: an ftp-bounce whose target may be the client's own
	// address behind a NAT (unprovenBounce): the server's verdict hedges.
	unproven bool
	// tunnelOnly: an accusation hedged for a tunnel no monitored
	// fabric's endpoints carried: its session came only inside one, or,
	// a login-brute-force, failures its count rests on did
	// (tunnelhedge.go).
	tunnelOnly bool
	// tunnelWeighed: a login-brute-force that weighed the tunnel of each
	// failure it rests on, hedged or not by that (hedgeLoginTunnel), not
	// by its own session's alone.
	tunnelWeighed bool
	// portBehindNAT: an active-blocked with no SYN whose PORT named a
	// private address the public server cannot reach (portBehindNAT):
	// the client's NAT, not the server's output chain.
	portBehindNAT bool
	// natGuessed: a portBehindNAT whose capture side is the addresses'
	// guess alone: a routed private network (no NAT) looks the same, and
	// the verdict says so.
	natGuessed bool
	// external: an active-blocked whose PORT named the public address of
	// the NAT in front of the client (natExternal), which does not
	// forward the port (externalBlocked): the verdict blames that router.
	external bool
	// strangerOnce: a passive data failure known only by another
	// address's one SYN, nothing showing the address to be the client's
	// (hedgeStranger): a warning with both readings, no proven failure
	// of the server's data path.
	strangerOnce bool
	// lostEndpoint: a passive data failure whose endpoint is inferred,
	// its announcing reply lost in a capture gap or cut short
	// (track.MatchAnnounceLost: hedgeLostEndpoint): the port may be
	// another service's, so no range is opened for it.
	lostEndpoint bool
	// misfit: a lostEndpoint inferred under TLS that does not fit the
	// session's passive range (misfitOf, hedgeInferredMisfit), and how.
	misfit misfitKind
	// passiveBefore: a data-unanswered whose client got a passive data
	// connection through to the same endpoint before (wordBefore): no
	// range is set or opened for it.
	passiveBefore bool
	// boxDrop: a data-unanswered whose SYNs the box this capture was
	// taken on dropped itself (boxDropped): its forward chain is the one
	// to open.
	boxDrop bool
	// otherHost: a passive data failure whose SYNs reached another host
	// than the session's server (otherHostOf): no range is opened for it,
	// the balancer or DNAT in front is the fix.
	otherHost bool
	// greetingCode: a session-refused whose greeting refused the
	// session with this 4xx or 5xx other than 421 (greetingRefused): the
	// server's verdict must not say 421.
	greetingCode int
}

// ControlOnly reports whether f's reading rests on data connections
// missing from a capture that held nothing but control connections'
// packets when it was read, and says so (caveatControlOnly): a filter
// such as 'port 21' would have left them out.
func (f *Finding) ControlOnly() bool {
	return f.controlOnly && strings.Contains(f.Message, controlOnlyCaveat)
}

// CaptureFilter is the capture filter the capture file records, when
// f's connection is missing because that filter left the data
// connections out (filteredByCapture); empty otherwise. It is the file's
// bytes: escape before printing.
func (f *Finding) CaptureFilter() string { return f.capFilter }

// Reporter receives findings.
type Reporter interface{ Finding(f *Finding) }

// BackendsAdvised reports whether f is a data-refused finding whose fix
// already says more than one host answers at the control address
// (backendsAdvice): outputs count it with that address's earlier
// refusals (RefusedByBackend), whose port rules the server's verdict
// overrides (ServerSummary.BackendsSpread).
func (f *Finding) BackendsAdvised() bool { return f.backends }
