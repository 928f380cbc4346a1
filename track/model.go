package track

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/decode/tlshello"
)

// Outcome is what became of an expected data connection.
type Outcome uint8

const (
	// OutcomePending: not decided yet (never seen in output).
	OutcomePending Outcome = iota
	// OutcomeTransferred: handshake done and payload moved (on a TLS data
	// connection: records the TLS scanner could not explain as handshake,
	// or records it could not follow).
	OutcomeTransferred
	// OutcomeConnected: handshake done, no data moved: no payload, or on a
	// TLS data connection only the TLS handshake and alerts
	// (DataConn.TLSHandshakeOnly; Bytes then counts those).
	OutcomeConnected
	// OutcomeUnanswered: SYNs with no answer.
	OutcomeUnanswered
	// OutcomeRefused: the SYN was answered by RST.
	OutcomeRefused
	// OutcomeUnreachable: the SYN was answered by an ICMP/ICMPv6 error
	// that ends a connect (ICMPInfo.EndsConnect): destination unreachable
	// (but fragmentation needed), time exceeded or parameter problem.
	// DataConn.ICMP says which.
	OutcomeUnreachable
	// OutcomeNotAttempted: no SYN to the endpoint before the session moved on or ended.
	OutcomeNotAttempted
	// OutcomeUndetermined: the capture ended too soon after the SYN (or the
	// announcement) for an answer, or a connection, to be expected yet:
	// neither unanswered nor not attempted can be said.
	OutcomeUndetermined
)

var outcomeNames = [...]string{"pending", "transferred", "connected", "unanswered", "refused", "unreachable", "not-attempted", "undetermined"}

// NumOutcomes is the number of Outcome values, for arrays indexed by one.
const NumOutcomes = len(outcomeNames)

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Failed reports whether the outcome means the data connection did not work.
func (o Outcome) Failed() bool {
	return o == OutcomeUnanswered || o == OutcomeRefused || o == OutcomeUnreachable || o == OutcomeNotAttempted
}

// LoginState tells how far a session's login got.
type LoginState uint8

const (
	LoginNone    LoginState = iota // no USER seen
	LoginPending                   // USER (and maybe PASS) sent, no verdict
	LoginOK                        // 230
	LoginFailed                    // 530 or another refusal
)

// EndReason tells how a connection ended.
type EndReason uint8

const (
	EndOpen       EndReason = iota // still open when the session or capture ended
	EndFIN                         // FIN in both directions
	EndRST                         // reset
	EndCaptureEnd                  // the capture ended first
	EndIdle                        // no packets for the idle timeout
	EndEvicted                     // the connection table was full and this one was idle longest
)

var endNames = [...]string{"open", "fin", "rst", "capture-end", "idle", "evicted"}

func (e EndReason) String() string {
	if int(e) < len(endNames) {
		return endNames[e]
	}
	return "unknown"
}

// Reply is one server reply, possibly multi-line.
type Reply struct {
	Seq   uint64 // order of arrival among the session's commands, replies and events
	Code  int
	Text  string
	Lines []string
	TS    time.Time
	Num   uint64
	// LinesDropped counts the lines of a multi-line reply beyond the
	// reply's bound: counted, not kept.
	LinesDropped int
	// Dropped counts the bytes cut from the middle of the reply's
	// over-long lines (the line bound, decode.Options.MaxLine): Text and
	// Lines miss them (ftp.Reply.LineBytesDropped).
	Dropped int
	Anomaly ftp.ReplyAnomaly
	// Secret: the reply repeats a client line taken for a password
	// (decode's SecretEcho: "500 HUNTER2: command not understood."):
	// outputs mask its text. (Next to Anomaly: a Reply stays 128 bytes.)
	Secret bool
	// AfterReset: the server sent it after a box between reset the
	// control connection in its name, which the client took (decode's
	// ControlEvent.AfterReset): the server carried on, the client was
	// told the connection was reset. Unacked: the client never
	// acknowledged it. Resent: how many of the server's segments after
	// that reset sent its bytes again, said on the last such reply.
	AfterReset, Unacked bool
	Resent              uint16

	// one backs Lines for a single-line reply, so that a kept reply does
	// not keep the decoder's whole reply for its one line (appendReply).
	one [1]string
}

// appendReply appends r to rs, the Lines of a single-line reply backed
// by the Reply itself. When the append moves rs, the replies already
// there are pointed at their new place too.
func appendReply(rs []Reply, r Reply) []Reply {
	from := len(rs)
	if len(rs) == cap(rs) {
		from = 0 // moved
	}
	rs = append(rs, r)
	for i := from; i < len(rs); i++ {
		if x := &rs[i]; len(x.Lines) == 1 {
			x.one[0] = x.Lines[0]
			x.Lines = x.one[:]
		}
	}
	return rs
}

// CommandStatus tells how a command's pairing ended.
type CommandStatus uint8

const (
	StatusPending     CommandStatus = iota // no final reply yet
	StatusAnswered                         // a final reply paired with it
	StatusNoReply                          // the session ended before a final reply
	StatusReplyLost                        // a later reply fitted a newer command after a gap
	StatusInterrupted                      // an unsolicited 421/221 ended the session
	StatusAborted                          // a transfer whose ABOR got the reply that ended it ("226 Abort successful")
	// StatusJoined: the server read the line as the tail of the command
	// before it (Index one less), whose urgent line feed it never read
	// (Command.UrgentEnd): that command's reply answered both.
	StatusJoined
)

var statusNames = [...]string{"pending", "answered", "no-reply", "reply-lost", "interrupted", "aborted", "joined"}

func (s CommandStatus) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// Command is one client command and the replies paired with it.
type Command struct {
	Seq     uint64 // order of arrival among the session's commands, replies and events
	Index   int    // 1-based within the session
	TS      time.Time
	Num     uint64
	Verb    string
	Arg     string
	Cwd     string // working directory when the command was sent
	Replies []Reply
	Status  CommandStatus
	// Uncertain is set when a gap in the capture came between the command
	// and its reply: the pairing may be wrong.
	Uncertain bool
	// Refused: an announcing command (PASV, EPSV, LPSV, PORT, EPRT,
	// LPRT) whose final reply is not the accepting one: no data
	// connection is expected from it.
	Refused bool
	// Unseen: the command is not in the capture (lost in a gap, or sent
	// before it began); it stands for the one a 227/228/229 answered.
	Unseen bool
	Telnet ftp.TelnetFlags
	Urgent bool
	// Secret: the line is, or may be, a password (decode's verdict: a
	// PASS or ACCT, or whatever line followed a 331/332).
	Secret bool
	// SecretArg: the argument holds a password though the line is no
	// login (SITE PSWD old new): outputs mask all of it but its first
	// word.
	SecretArg bool
	Dropped   int // bytes of an over-long line not kept

	// Endpoint is the data endpoint the command (PORT/EPRT/LPRT) or its
	// reply (227/228/229) announced; EndpointErr why it did not parse.
	Endpoint    netip.AddrPort
	EndpointErr error
	EndpointVia ftp.Via
	// EndpointLoose: the PORT or EPRT argument was written loosely and
	// Endpoint is what the servers that accept it read
	// (decode.Endpoint.Loose).
	EndpointLoose bool

	// Junk: a client line decode did not read as a command (a verb too
	// long or too short: its junk event shows it), held in the pending
	// queue all the same, since the server answers it (500) and the
	// replies after it must not shift. Verb and Arg are the line's
	// words as ftp.ParseCommand split them.
	Junk bool
	// bits: cmdRepeat, the line is the one the command before it, sent in
	// the same packet, had its final reply to (skipped); cmdUrgentEnd,
	// its urgent byte was its line feed; cmdCapturedCut, the capture
	// cut it, at its end or by a gap (CaptureEnded, RestNotCaptured);
	// cmdKept, the
	// command is in its session's full transcript (Session.Commands of a
	// session that keeps one), not left out by its bound: its data
	// connections are shown under it there (kept). (One byte for both:
	// cost fits in what was padding.)
	bits cmdBits
	// GapBefore: a capture gap of the client's stream came between the
	// session's command before this one and this one (before this one,
	// for the first): a line may have been lost there. Noted as the
	// commands pass, whatever the session keeps of them (Session.NoteCommand).
	// (In what was padding.)
	GapBefore bool
	// Anomaly: what ftp.ParseCommand found odd about the line.
	// ftp.CmdTabSeparator, a TAB between Verb and Arg, makes a line
	// vsftpd, Pure-FTPd and the Linux FTP helper do not read as the
	// command (ProFTPD does). (In what was padding.)
	Anomaly ftp.CommandAnomaly
	// cost: what the command and its replies take of the tracker's
	// CommandBytes while its session holds it outside its transcript, in
	// units of transcriptUnit (holdCommand), at most maxCommandCost; 0
	// once let go (letGo).
	cost uint16

	// Data is the expected data connection the endpoint armed (nil when
	// refused or malformed).
	Data *DataConn
	// Conflict: the capture held two different copies of the line that
	// announced the command's endpoint (its PORT/EPRT/LPRT, or the
	// 227/228/229 that answered it), or of its final reply; nil when it
	// did not (conflict.go).
	Conflict *LineConflict
	// Transfer lists the data connections this transfer command used.
	Transfer []*DataConn
	// CancelledBy: on an announcement that armed a data connection no
	// transfer has used, the ABOR or QUIT the client sent right after it
	// (not a line taken for a password); nil when its next command was
	// another, or none came. The client gave up on the endpoint. Noted
	// as the commands pass: with RecentOnly the session keeps no QUIT.
	CancelledBy *Command
}

// LineConflict is what the capture shows of a command's line, or of its
// final reply's, of which it held two different copies (decode's
// ControlConflict on the direction's latest line): one forged, or
// corrupted. The copy that came first was taken; what follows may show
// the other was the one used.
type LineConflict struct {
	// Other is the endpoint the other copy announces (OtherVia set; for
	// EPSV without an address, the control server's address with its
	// port); OtherVia is 0 when the other copy announces none.
	Other    netip.AddrPort
	OtherVia ftp.Via
	// OtherCode is the code of the reply the other copy of a reply is (0:
	// a command's line, or none); OtherText its line as received (its
	// code included) when a 1yz or 2yz reply.
	OtherCode int
	OtherText string
	// Num: the packet that brought the later copy.
	Num uint64
	// Proof: which copy a data connection showed in use.
	Proof ConflictProof
	// Multiline: not two copies, one multi-line reply whose first
	// endpoint (First) and last line's (Other) differ (multiline.go).
	Multiline bool
	First     netip.AddrPort
	// alt: the expectation armed for Other while neither is proven.
	alt *DataConn
}

// ConflictProof says which copy of a conflicted line a data connection
// showed in use.
type ConflictProof uint8

const (
	ProofNone  ConflictProof = iota // nothing showed which
	ProofTaken                      // a data connection to the copy taken first
	ProofOther                      // a data connection to the other copy's endpoint: it is the one shown now
)

// cmdBits are a Command's own flags (Command.bits).
type cmdBits uint8

const (
	cmdRepeat cmdBits = 1 << iota
	cmdKept
	// cmdUrgentEnd, with Urgent: the urgent byte was the line's own line
	// feed (decode.ControlEvent.UrgentEnd).
	cmdUrgentEnd
	// cmdCapturedCut: the capture, not the connection, cut the line:
	// with ftp.CmdUnterminated, the capture ended with the line under way
	// (decode.ControlEvent.CaptureEnded); without it, a capture gap took
	// the line's rest, sent whole (decode.ControlEvent.RestNotCaptured).
	cmdCapturedCut
	// cmdUnconfirmed: the command's bytes were never acknowledged by the
	// server, and the client's own FIN, or an RST in its name, stood at
	// them (decode.ControlUnconfirmed): not taken (unconfirmed.go).
	cmdUnconfirmed
	// cmdSmuggled: an announcement read past a line bound (Smuggled).
	cmdSmuggled
	// cmdShifted: a stand-in for the PASV, EPSV or LPSV just before it,
	// whose passive reply came after another reply took its place
	// (Shifted, unsolicited.go).
	cmdShifted
	// cmdUnsolicited: a stand-in for no command, the announcement of a
	// passive reply that answered none, whose endpoint its client used
	// (Unsolicited, unsolicited.go).
	cmdUnsolicited
)

// Shifted tells whether c, Unseen, stands for the passive request just
// before it in the session (Arg none), not for a lost one: another final
// reply took that request's place (a 500 to a blank line before it, a
// second 200 to the TYPE before it), and this passive reply is its.
func (c *Command) Shifted() bool { return c.bits&cmdShifted != 0 }

// CaptureEnded tells whether c, sent without its line end
// (ftp.CmdUnterminated), was cut by the capture's end rather than by
// the connection's: its line end may have come after the capture
// stopped.
func (c *Command) CaptureEnded() bool {
	return c.bits&cmdCapturedCut != 0 && c.Anomaly&ftp.CmdUnterminated != 0
}

// RestNotCaptured tells whether a capture gap took the rest of c's line
// (the snap length, lost segments): the server got it whole; Arg is the
// start the capture holds.
func (c *Command) RestNotCaptured() bool {
	return c.bits&cmdCapturedCut != 0 && c.Anomaly&ftp.CmdUnterminated == 0
}

// urgentEnd tells whether c's urgent byte was its own line feed
// (cmdUrgentEnd): a server that does not read urgent data inline never
// reads it, and joins the line to the next.
func (c *Command) urgentEnd() bool { return c.bits&cmdUrgentEnd != 0 }

// LoginVerb is the login command a line taken for a password (Secret)
// stands for: ACCT for an ACCT, and for the tail of one whose first
// bytes a capture gap took (its verb CCT, CT or T: no tail of PASS is
// spelt so); PASS for any other (a PASS however mangled, its tail, a
// bare password after a 331). For a line not taken for one, its verb.
func (c *Command) LoginVerb() string {
	switch {
	case !c.Secret:
		return c.Verb
	case c.Verb == "ACCT", c.Verb == "CCT", c.Verb == "CT", c.Verb == "T":
		return "ACCT"
	}
	return "PASS"
}

// kept tells whether c is in its session's full transcript (cmdKept).
func (c *Command) kept() bool { return c.bits&cmdKept != 0 }

// Unproven tells whether c's announcement is in doubt: two copies of its
// line announce different endpoints and no data connection showed which
// one was used. Findings about the endpoint are hedged then.
func (c *Command) Unproven() bool {
	return c != nil && c.Conflict != nil && c.Conflict.OtherVia != 0 && c.Conflict.Proof == ProofNone
}

// Final returns the final (2yz–6yz) reply, or nil.
func (c *Command) Final() *Reply {
	if c.Status != StatusAnswered || len(c.Replies) == 0 {
		return nil
	}
	return &c.Replies[len(c.Replies)-1]
}

// FirstReplyLatency and FinalLatency are request→reply times (0 when unknown).
func (c *Command) FirstReplyLatency() time.Duration {
	if len(c.Replies) == 0 {
		return 0
	}
	return decode.PacketSub(c.Replies[0].TS, c.TS)
}

func (c *Command) FinalLatency() time.Duration {
	if f := c.Final(); f != nil {
		return decode.PacketSub(f.TS, c.TS)
	}
	return 0
}

// MatchRule tells how a data connection was matched to its announcement.
type MatchRule uint8

const (
	MatchNone           MatchRule = iota
	MatchExact                    // observed peers and the announced address
	MatchControlAddress           // the control connection's address, not the announced one
	MatchPortOnly                 // only the port matched (NAT or a third address)
	MatchInferred                 // no announcement visible (encrypted control); peers and timing
	MatchDefaultPort              // none waiting: RFC 959's default data port (server L-1 to the client's control port)
	// MatchAnnounceLost: the reply to the session's PASV, EPSV or LPSV
	// (Announce) was lost in a capture gap; its client's SYN after it,
	// to its server's control address, matched by peers and time
	// (announceLost), and Announced is where it went. Or, in active
	// mode, a gap of the client's bytes may have held its PORT, EPRT or
	// LPRT: its server's SYN to its client's address after it, matched
	// by peers and time (portLost), with no Announce, Via or Announced
	// (what the command said is not in the capture).
	MatchAnnounceLost
)

var matchNames = [...]string{"", "exact", "control-address", "port-only", "inferred", "default-port", "announcement-lost"}

func (m MatchRule) String() string { return matchNames[m] }

// ICMPInfo is one ICMP or ICMPv6 error about a data connection: in
// DataConn.ICMP, the one that ended its connect (EndsConnect).
type ICMPInfo struct {
	From netip.Addr // who sent it: a router on the path, or the destination
	V6   bool
	// Type and Code as on the wire: ICMP destination unreachable (3),
	// time exceeded (11), parameter problem (12); ICMPv6 destination
	// unreachable (1), Packet Too Big (2), time exceeded (3), parameter
	// problem (4).
	Type uint8
	Code uint8
	TS   time.Time
	Num  uint64
}

// ICMP and ICMPv6 error types (RFC 792, RFC 4443).
const (
	icmp4Unreachable  = 3
	icmp4TimeExceeded = 11
	icmp4ParamProblem = 12
	icmp4FragNeeded   = 4 // destination unreachable's code: fragmentation needed and DF set
	icmp6Unreachable  = 1
	icmp6TooBig       = 2
	icmp6TimeExceeded = 3
	icmp6ParamProblem = 4
)

// IsUnreachable: destination unreachable (ICMP type 3, ICMPv6 type 1),
// fragmentation needed (type 3 code 4) included. Type 0, left unset (a
// record made when destination unreachable was the only kind), reads as
// destination unreachable.
func (i *ICMPInfo) IsUnreachable() bool {
	return i.Type == 0 || !i.V6 && i.Type == icmp4Unreachable || i.V6 && i.Type == icmp6Unreachable
}

// IsTooBig: ICMP fragmentation needed (type 3 code 4) or ICMPv6 Packet
// Too Big (type 2): a router that could not forward the segment, too
// large for its next link, whole (RFC 1191, RFC 8201).
func (i *ICMPInfo) IsTooBig() bool {
	return !i.V6 && i.IsUnreachable() && i.Code == icmp4FragNeeded || i.V6 && i.Type == icmp6TooBig
}

// IsTimeExceeded: ICMP type 11, ICMPv6 type 3 (a TTL or hop limit run
// out on the way: a routing loop, or a path longer than the sender's
// TTL).
func (i *ICMPInfo) IsTimeExceeded() bool {
	return !i.V6 && i.Type == icmp4TimeExceeded || i.V6 && i.Type == icmp6TimeExceeded
}

// IsParameterProblem: ICMP type 12, ICMPv6 type 4 (a host or router
// that could not parse the packet's headers).
func (i *ICMPInfo) IsParameterProblem() bool {
	return !i.V6 && i.Type == icmp4ParamProblem || i.V6 && i.Type == icmp6ParamProblem
}

// EndsConnect tells whether the error, quoting a SYN of a connect in
// progress, ends it: every destination unreachable but fragmentation
// needed (whose codes an ICMP type 3 defines, 0 to 15), time exceeded,
// parameter problem. Linux's tcp_v4_err and tcp_v6_err end a socket in
// SYN-SENT on each of these (sk_err, tcp_done), and only take a path MTU
// from fragmentation needed and Packet Too Big (never an end: RFC 1122
// 4.2.3.9, RFC 8201).
func (i *ICMPInfo) EndsConnect() bool {
	switch {
	case i.IsTooBig():
		return false
	case !i.V6 && i.IsUnreachable():
		return int(i.Code) < len(icmp4Codes)
	case i.unknownV6Error():
		// RFC 4443 2.4(d): an error of an unknown type goes to the upper
		// layer; Linux's tcp_v6_err ends a connect on it (EPROTO).
		return true
	}
	return i.IsUnreachable() || i.IsTimeExceeded() || i.IsParameterProblem()
}

// unknownV6Error is an ICMPv6 error message (type below 128) of a type
// RFC 4443 does not define.
func (i *ICMPInfo) unknownV6Error() bool {
	return i.V6 && i.Type > 4 && i.Type < 128
}

// Names of destination-unreachable codes: ICMP type 3 (RFC 792, RFC 1812)
// and ICMPv6 type 1 (RFC 4443); of time-exceeded and parameter-problem
// codes: ICMP types 11 and 12 (RFC 792, RFC 1108), ICMPv6 types 3 and 4
// (RFC 4443, RFC 7112).
var (
	icmp4Codes = [...]string{"net unreachable", "host unreachable", "protocol unreachable", "port unreachable",
		"fragmentation needed", "source route failed", "destination network unknown", "destination host unknown",
		"source host isolated", "network administratively prohibited", "host administratively prohibited",
		"network unreachable for TOS", "host unreachable for TOS", "communication administratively prohibited",
		"host precedence violation", "precedence cutoff in effect"}
	icmp6Codes = [...]string{"no route to destination", "communication administratively prohibited",
		"beyond scope of source address", "address unreachable", "port unreachable",
		"source address failed ingress/egress policy", "reject route to destination"}
	icmp4TimeCodes  = [...]string{"time to live exceeded in transit", "fragment reassembly time exceeded"}
	icmp6TimeCodes  = [...]string{"hop limit exceeded in transit", "fragment reassembly time exceeded"}
	icmp4ParamCodes = [...]string{"pointer indicates the error", "missing a required option", "bad length"}
	icmp6ParamCodes = [...]string{"erroneous header field encountered", "unrecognized Next Header type encountered",
		"unrecognized IPv6 option encountered", "IPv6 First Fragment has incomplete IPv6 Header Chain"}
)

// TypeName names the error's type for an admin: "destination
// unreachable", "packet too big", "time exceeded", "parameter problem".
func (i *ICMPInfo) TypeName() string {
	switch {
	case i.V6 && i.Type == icmp6TooBig:
		return "packet too big"
	case i.IsUnreachable():
		return "destination unreachable"
	case i.IsTimeExceeded():
		return "time exceeded"
	case i.IsParameterProblem():
		return "parameter problem"
	case i.unknownV6Error():
		return fmt.Sprintf("unknown error type %d", i.Type)
	}
	return "unknown type"
}

// CodeName names the error's code, within its type, for an admin.
func (i *ICMPInfo) CodeName() string {
	var names []string
	switch {
	case i.V6 && i.Type == icmp6TooBig:
		return "packet too big"
	case i.IsUnreachable() && i.V6:
		names = icmp6Codes[:]
	case i.IsUnreachable():
		names = icmp4Codes[:]
	case i.IsTimeExceeded() && i.V6:
		names = icmp6TimeCodes[:]
	case i.IsTimeExceeded():
		names = icmp4TimeCodes[:]
	case i.IsParameterProblem() && i.V6:
		names = icmp6ParamCodes[:]
	case i.IsParameterProblem():
		names = icmp4ParamCodes[:]
	}
	if int(i.Code) < len(names) {
		return names[i.Code]
	}
	return "unknown code"
}

// ICMPErrors is what the capture shows of the ICMP errors quoting a data
// connection's segments, besides the one that ended its connect
// (DataConn.ICMP): the ones its ends drop or that end nothing (Ignored),
// and the path MTU errors about its data (TooBig). Kept behind a pointer:
// few connections draw one, and DataConn keeps its allocation class.
type ICMPErrors struct {
	// Ignored counts the errors that changed nothing: IgnoredWhy says why
	// the first of them (IgnoredFirst) did not.
	Ignored      int
	IgnoredFirst ICMPInfo
	IgnoredWhy   ICMPIgnoredReason
	// TooBig: the fragmentation-needed and Packet-Too-Big errors about
	// segments of its data within what their sender had sent and not had
	// acknowledged; its Errors is 0 when none came.
	TooBig PathMTU
}

// ICMPIgnoredReason says why an ICMP error about a data connection
// changed nothing.
type ICMPIgnoredReason uint8

const (
	ICMPIgnoredNone ICMPIgnoredReason = iota
	// ICMPNotOpener: before the handshake, the quoted segment's source is
	// the end connected to, which had sent nothing (the quote's direction
	// reversed): the opener looks its socket up by the quoted source as
	// its own end, and finds none.
	ICMPNotOpener
	// ICMPOutOfWindow: the quoted sequence number is outside what its
	// sender had sent and not had acknowledged (before the handshake: not
	// the SYN's). Linux drops it (LINUX_MIB_OUTOFWINDOWICMPS), as RFC 5927
	// 4.1 advises.
	ICMPOutOfWindow
	// ICMPTooBigSYN: fragmentation needed or Packet Too Big about a SYN:
	// it lowers the path MTU, and ends no connect.
	ICMPTooBigSYN
	// ICMPConnected: another error than Packet Too Big, about a connection
	// past its handshake: TCP takes it as a soft error and carries on
	// (RFC 1122 4.2.3.9).
	ICMPConnected
	// ICMPNotSent: past the handshake, about a segment of a side the
	// capture never saw send (a connection picked up from its other
	// side's segments), or on the 4-tuple of a reflection alias, which
	// neither end of the connection used: nothing to check it against.
	ICMPNotSent
	// ICMPUnknownCode: a destination unreachable with a code ICMP does not
	// define (past 15), which Linux drops.
	ICMPUnknownCode
	// ICMPSynAck: about the listener's SYN-ACK (its sequence number the
	// SYN-ACK's, the opener's ACK of it not seen): the listener's TCP
	// takes it for its pending connection (Linux's tcp_req_err, seq ==
	// snt_isn) and drops that on a hard error, but the opener's connect is
	// the SYN-ACK's loss, which the SYNs already show.
	ICMPSynAck
)

var icmpIgnoredNames = [...]string{"", "not-opener", "out-of-window", "too-big-syn", "connected", "not-sent", "unknown-code", "synack"}

func (r ICMPIgnoredReason) String() string {
	if int(r) < len(icmpIgnoredNames) {
		return icmpIgnoredNames[r]
	}
	return "unknown"
}

// PathMTU is what the capture shows of the path MTU errors about a data
// connection's segments (ICMP type 3 code 4, ICMPv6 type 2): a router
// that dropped them, too large for its next link, and told their sender.
type PathMTU struct {
	// Errors: how many came; a copy of one seen again at once (the same
	// quote, router and MTU within synCopyWindow, nothing from its sender
	// between: a capture on several interfaces, a mirror port fed twice)
	// counts once.
	Errors int
	MTU    uint32         // the smallest MTU they gave; 0 when none gave one (a pre-RFC 1191 router)
	From   netip.Addr     // the router that sent the first with that MTU
	Sender netip.AddrPort // the end whose segments were too large
	First  time.Time      // the first error
	Num    uint64         // its packet number
	// Repeated counts the sender's segments after an error that show it
	// kept sending as large: data at or past the oldest quoted segment
	// not acknowledged, within what it had sent by the error (a resend,
	// not new data that may have left before the error reached it), with
	// more payload than the smallest MTU given leaves room for (less the
	// IP and TCP headers; an MTU below the least a sender lowers its path
	// MTU to, 576 for IPv4, 1280 for IPv6, taken as that). When no error
	// gave an MTU, or when sizes cannot be trusted (Offload), a resend of
	// quoted data the same router then quoted again.
	Repeated int
	// Acked: the receiver acknowledged data past a quoted segment after
	// its error: the sender got it through (smaller).
	Acked bool
	// Offload: a segment of the sender's in the capture, from the first
	// error on, had more payload than a 1500-byte MTU leaves room for
	// (1460 bytes for IPv4, 1440 for IPv6): segmentation offload (TSO/GSO
	// on a capture at the sender, GRO on one at a router or the
	// receiver) or jumbo frames, so the capture's sizes are not the
	// wire's (an honoured error's resend, two 1348-byte segments, is
	// captured as one of 2696): only the router quoting the resent data
	// again shows the sender kept sending as large.
	Offload bool

	// pending: a quoted segment's start (pendSeq) the receiver has not
	// acknowledged past since its error; sentBy: the sender's next byte
	// when the latest error came (a resend is before it).
	// pendFrom: the router whose error quoted pendSeq.
	pending  bool
	pendSeq  uint32
	pendFrom netip.Addr
	sentBy   uint32
	// last: the latest error counted (its quote, MTU, router, time), for
	// its copies; senderSince: a segment of the sender came after it;
	// resent: a segment of the sender holding the byte the latest error
	// or the oldest pending one quoted came after it (for the router
	// quoting it again).
	last        quotedTooBig
	senderSince bool
	resent      bool
	// bySize: the sender's resends larger than the MTU given leaves room
	// for; byRouter: errors quoting again data resent after an earlier
	// error from the same router. Repeated is one of them (setRepeated).
	bySize, byRouter int
}

type quotedTooBig struct {
	seq  uint32
	mtu  uint32
	from netip.Addr
	ts   time.Time
}

// BlackHole tells a path MTU black hole: the sender kept sending as large
// after a router's error about its segment (Repeated), and the receiver
// never acknowledged past it: the errors do not reach the sender's TCP (a
// firewall on its host drops them, or it ignores them), and the transfer
// cannot go on.
func (p *PathMTU) BlackHole() bool {
	return p != nil && p.Repeated > 0 && p.pending
}

// DataConn is one expected data connection: the announcement that armed
// it, and what the capture shows of the connection to it.
type DataConn struct {
	ID      int    // 1-based within the capture
	Seq     uint64 // order of arrival among the session's commands, replies and events
	Session *Session
	Via     ftp.Via
	Passive bool // PASV/EPSV/LPSV: the client connects to the server
	// announceCut: taken for an announcement the capture holds cut short
	// (MatchAnnounceLost; AnnouncementCut). (In what was padding.)
	announceCut bool
	// startMissed: a connection the capture began during (no SYN, its
	// first bytes before it), taken for a session picked up mid-stream by
	// its peers and the session's first reply, endCode, the end of its
	// transfer just after its own (running.go; StartMissed). (In what
	// was padding.)
	startMissed bool
	endCode     uint16
	// modeUnknown: one whose start the capture missed (startMissed) and
	// whose mode nothing in the capture tells (ModeUnknown): Passive is
	// set so that Client is the FTP client's end. (In what was padding.)
	modeUnknown bool
	// endedFirst: one whose start the capture missed that had ended when
	// the reply that ended its transfer came (EndedBeforeReply). (In
	// what was padding.)
	endedFirst bool
	// Announced is the endpoint as the reply or command stated it (for
	// EPSV, the control server's address with the announced port).
	Announced netip.AddrPort
	// EmptyAddr is set for an EPSV reply without an address.
	Armed    time.Time // when the accepting reply arrived
	ArmedNum uint64
	Announce *Command // the PASV/EPSV/LPSV/PORT/EPRT/LPRT command
	Command  *Command // the transfer command that used it

	// Observed connection: Client sent the SYN (in active mode that is the
	// FTP server; the JSON output names FTP roles instead).
	Client, Server netip.AddrPort
	Match          MatchRule
	Outcome        Outcome
	// AmongLost: for a data connection taken for an announcement the
	// capture lost (MatchAnnounceLost) while other sessions between the
	// same two hosts had lost theirs too and waited for a connection of
	// the same direction, how many of them (its own included) could have
	// had it, peers and time alone unable to tell (pickLostOwner): it
	// was taken for the one whose transfer command waited longest, and
	// its session is a guess. 0 when it was the only one; saturates at
	// 255. (In what was padding.)
	AmongLost uint8
	// Hops: what the TTLs of the connection's own segments tell of
	// routers between each side and the capture point (decode.Hops; its
	// client bits the opener's, Client's, its server bits Server's).
	// RSTs are left out: a router or firewall forges them in a side's
	// name. Beside the control connection's (Session.Hops) it tells a
	// data connection that took another path than the control
	// connection: a hairpin NAT. (In what was padding.)
	Hops decode.Hops
	// RSTTTL: the IPv4 TTL (IPv6 hop limit) of the RST that ended the
	// connection (RSTTS), as captured; 0 when none did or it is not
	// known. Against the TTLs of the session's control segments
	// (Session.Hops) it tells whether the host the RST claims to come
	// from sent it, or a box nearer the capture point. (In what was
	// padding.)
	RSTTTL uint8
	// finHole: bits per direction about bytes counted before a FIN that
	// the capture never saw (finhole.go). (In what was padding.)
	finHole uint8
	// afterQuit: for an announcement nothing connected to while its
	// session was open, held past the session's end by a 221 to its QUIT
	// (afterEndQuit), when its own peer's SYN came to it after that end:
	// how long after, in tenths of a second, plus one (0: none came;
	// saturates). Not its connection (ConnectedAfterQuit). (In what was
	// padding.)
	afterQuit uint16
	// Twin: in a capture holding its session twice (Session.
	// SameConnection), the other copy's data connection for the same
	// announcement (the same port), as seen on the other side of the NAT:
	// what the 227 said there, and whether the SYNs reached that side.
	Twin     *DataConn
	SYNs     int
	FirstSYN time.Time
	LastSYN  time.Time
	SYNNum   uint64
	SynAckTS time.Time
	// AckTS: when the opener's first segment after the SYN-ACK came (the
	// handshake's ACK); zero without one. A capture beside the opener
	// sees it at once after the SYN-ACK, one beside the listener a round
	// trip later: with SynAckTS and FirstSYN it tells the capture's side.
	AckTS time.Time
	// Reflected: what the capture shows of this passive connection's SYN
	// answered from elsewhere than the address it went to (see
	// Reflection); nil when nothing was.
	Reflected *Reflection
	// SynAckLost: the SYN was answered by a SYN-ACK, yet the side that
	// opened it sent its SYN again and never an ACK: the SYN-ACKs were
	// lost on the way back. The outcome is then unanswered.
	SynAckLost    bool
	RSTFromServer bool // the RST came from the side that was connected to
	// OneSide: the outcome is undetermined because the capture held one
	// side of the session's control connection only (Session.OneSide,
	// as it stood when the outcome was decided): no SYN, or no answer,
	// could be seen from the other.
	OneSide OneSide
	// AmongEncrypted: for a data connection inferred for an encrypted
	// session (MatchInferred) while other encrypted sessions between the
	// same two hosts were open, how many of them (its own included) could
	// have announced it as well, their records too close in time to tell
	// (encryptedOwner): it was taken for the one whose server (passive)
	// or client (active) spoke last before its SYN. 0 when it was the
	// only one, or when a server's final reply after its end settled its
	// session (Tracker.settleOwner); saturates at 255. (In what was
	// padding.)
	AmongEncrypted uint8
	// OtherAttempts: connection attempts to this connection's endpoint
	// from other sources (another source port or address) that its record
	// does not tell: ones matched by the announced port alone that a
	// later SYN set aside (supersede: each a data-stray event too), and
	// ones after it took the endpoint, within ExpectationTimeout, that
	// matched nothing (toTaken: those counted in Limits.DataEndpointTaken;
	// a SYN sent again from one source counts once). A client's retries
	// from new ports, or other hosts trying the port: this connection was
	// not the only one to the endpoint. Counted until the connection is
	// reported (the sink's values do not change after); saturates. (In
	// what was padding.)
	OtherAttempts int32
	RSTTS         time.Time
	// ICMP: the ICMP/ICMPv6 error that ended the connect (EndsConnect):
	// one that quoted the opener's SYN (its source the opener, its
	// sequence number the SYN's) before any answer; nil when none did.
	// The outcome is then unreachable, whatever its type (destination
	// unreachable, time exceeded, parameter problem: ICMP.Type says).
	ICMP *ICMPInfo
	// ICMPErrors: the other ICMP errors about the connection (those that
	// changed nothing, the path MTU errors about its data); nil when
	// none came.
	ICMPErrors *ICMPErrors
	Bytes      [2]int64 // payload bytes: [0] client→server, [1] server→client
	// FINTS: when each side sent its first FIN, indexed like Bytes; zero
	// for a side that sent none. Set as the FIN arrives, since a 426 is
	// judged before the connection finishes.
	FINTS      [2]time.Time
	Start, End time.Time
	EndReason  EndReason
	// ReceiverAborted: the side the payload flowed to sent the first FIN
	// and then reset what kept coming: it threw the transfer away (a
	// server refusing an upload it will not store). (Beside EndReason,
	// in what was padding: room for Scanned.)
	ReceiverAborted bool
	// resentLen: the payload of the latest segment counted in resent (a
	// resend of the oldest byte its receiver had not acknowledged). (In
	// what was padding.)
	resentLen uint16
	// rstIgnored: RSTs the side they were sent to would drop
	// (resetAccepted), which ended nothing. (In what was padding.)
	rstIgnored   int32
	ExpectedSize int64 // the size the server announced (150 text or SIZE); -1 when unknown
	// Type: the session's TransferType when the transfer command was
	// sent (a later TYPE A for a listing does not change it).
	Type string
	// Rest is the REST offset the server accepted (350) before the
	// transfer: -1 (or 0) for none; RestUnknown when the capture cut the
	// REST's line (Command.RestNotCaptured: "REST 12" of "REST
	// 1234567"), an offset it does not hold. Compare with Restarted, not
	// with 0: RestUnknown is negative.
	Rest int64
	// CaptureEndedAfter: for an undetermined outcome, how long after the
	// first SYN (or the announcement, without one) the capture ended, or
	// stopped looking between two input files (InBreak).
	CaptureEndedAfter time.Duration
	// Done once the outcome is final; reported is set when the sink was
	// told, which waits for the transfer command's final reply, so that
	// the data connection's record carries it.
	Done     bool
	reported bool
	atEnd    bool // finished because the capture ended
	// superseded: a passive announcement nothing connected to yet when
	// the session's next one came (arm): still waiting, for a client
	// that connects to it after all (supersededWaits).
	superseded bool
	// protected: the session's data connections were TLS (PROT P, or a
	// PROT the capture could not read) when this one was armed.
	protected bool
	// inBreak: its outcome is undetermined because the capture stopped
	// looking between two input files CaptureEndedAfter after its first
	// SYN (or announcement), not because it ended (InBreak). (In what was
	// padding.)
	inBreak bool
	// afterEnd: its session's latest announcement, nothing connected to
	// yet, when the session's control connection closed: it waited on
	// for its connection, and the session's end with it (afterend.go);
	// afterEndCut once the bound let it go before its wait was over
	// (AfterCloseCut). (In what was padding.)
	afterEnd afterEndMark
	// reused: armed by a transfer command that came with no announcement
	// after the session's latest passive one had been used and its
	// connection ended: the server's listener kept (reuse.go). (In what
	// was padding.)
	reused bool
	tls    *dataTLS // the TLS hellos being read, for data connections of protected sessions
	// the verdict of those hellos, kept when the connection is final
	tlsVerdict     tlshello.Verdict
	tlsSeen        bool
	tlsClientHello bool // the client's hello was read: the verdict's Offered is all it offered
	// captureHole: the capture missed bytes of the connection that its
	// TLS record walk met (CaptureHole).
	captureHole bool
	// lostPrompt: an active connection taken for a PORT or EPRT the
	// capture lost (MatchAnnounceLost) whose SYN came within a second
	// before the client's next command, as a server connecting at the
	// PORT itself answers it (promptAfter). (In what was padding.)
	lostPrompt bool
	// ownerWaits: its session is one of several encrypted ones taken by
	// timing, and its record waits for the reply that settles it
	// (Tracker.ownerWaits). (In what was padding.)
	ownerWaits bool
	// endWaits: both FINs came while decode's payload reassembly still
	// waited for bytes before one (decode.Segment.PayloadWaits): End and
	// EndReason are set, and the connection is final when decode says
	// its bytes are all delivered (Tracker.DataEnd). (In what was
	// padding.)
	endWaits bool
	// ackPast: bits per direction (ackPastSet, ackPastLate) about ackTop.
	// (In what was padding.)
	ackPast uint8
	// AmongRace: for a data connection whose SYN (or, its SYN lost, the
	// segment pickUp took it by) fitted announcements of the same
	// endpoint by several sessions equally well (raceRank: none of the
	// others' waiting on a transfer command more than its own), how many
	// sessions (its own included) could have had it: it was taken for
	// the newest announcement's, and its session is a guess. 0 when one
	// fitted alone, or once the first 125 or 150 to a transfer command
	// of one of them after it settled its session (settleRace);
	// saturates at 255. (In what was padding.)
	AmongRace uint8

	lastSeen time.Time // latest segment

	// beforePickUp: the connection as it was before pickUp took a flow
	// for it on the server's word alone (no SYN or SYN-ACK seen), so
	// that a 425 (the server could not open it after all) gives the flow
	// back; nil otherwise.
	beforePickUp *DataConn

	lastSYNSeq uint32 // the sequence number of the latest SYN counted
	// dataAt: when the connection last carried bytes not counted before
	// (LastData), as milliseconds after Start plus one (saturates); 0
	// for none. (In what synsAfterSynAck's int32 took.)
	dataAt uint32
	// synsAfterSynAck: SYNs from the opening side after a SYN-ACK
	// (saturates: read as none, one, two or more).
	synsAfterSynAck uint8
	synSeen         synSightings // how the opener's SYNs were seen
	openerAcked     bool         // a segment other than SYN or RST from the opening side
	// reflectAlias: the 4-tuple of this connection's SYN with the
	// session's control address in place of the announced one indexes
	// it too, for a SYN-ACK a hairpin NAT's loopback without masquerade
	// draws from there (watchReflection).
	reflectAlias bool

	// sequence tracking, per direction
	seqHi   [2]uint32
	seqInit [2]bool
	// resent: per direction, how often its sender sent again the oldest
	// byte its receiver had not acknowledged, since that byte or the
	// sender's new data last moved, with resentSmall and resentBigAcked
	// (stuck.go). (In what was padding.)
	resent [2]uint8
	// acked: the highest byte of each direction the other side
	// acknowledged, never past seqHi; flight: the most bytes of each
	// direction seen unacknowledged at once, the least window the other
	// side granted (resetAccepted's allowance).
	acked  [2]uint32
	flight [2]uint32
	// win: the receive window each side advertised (dataWindow, in
	// data.go).
	win dataWindow
	// ackTop: the highest acknowledgment of each direction's bytes past
	// the highest byte seen of them, when ackPast says so (noteAckPast):
	// the capture lost the end of what that side sent. Read at the
	// connection's end (ackProvenEnd). Also holeFrom and
	// ackedUnseenBytes, by finHole's bits (finhole.go).
	ackTop [2]uint32
	// Thief: passive port theft (RFC 2577). A connection from another
	// host, matched by the announced port alone, completed its handshake
	// before the session's client's own SYN took the announcement over
	// (supersede); it is followed on its own 4-tuple (its bytes, FIN,
	// RST), and Thief is that connection. When the server then refused
	// the client's own SYN with RST, and the thief's connection carried
	// bytes or completed its handshake, the record tells the thief's
	// connection (its peers, bytes and end, Match port-only; a
	// data-stray event tells the client's refused SYN) and Thief stays
	// set: the server gave the transfer to another host. nil otherwise.
	Thief *DataConn
	// Scanned: the latest SYN from another address, matched by the
	// announced port alone, that was given back as a scan's
	// (releaseStranger: one SYN, answered by the server's SYN-ACK, never
	// completed, nothing carried); nil when none was. It is no data
	// connection of the session's, but it reached the announced port and
	// the server answered it: what lay on its way passed the port.
	Scanned *ScannedSYN
}

// ScannedSYN is a scan's SYN to an announced passive port (DataConn.Scanned).
type ScannedSYN struct {
	From, To netip.AddrPort
	TS       time.Time
	Num      uint64 // the SYN's packet number
}

// Reflection is the answer to a passive data connection's SYN, sent to
// an announced address other than the session's control address, that
// came from the control address at the announced port, to the client's
// very endpoint, acknowledging that SYN (ACK = its ISN+1): a SYN-ACK on
// another 4-tuple than the SYN's, which the client's TCP does not take
// for its connection (it resets it, RFC 9293 3.10.7.1). A router that
// loops the client's connection to its public address back to the
// server without masquerading it (hairpin NAT without source NAT) makes
// it: the server answers the client directly, from its own address.
type Reflection struct {
	From    netip.AddrPort // the SYN-ACKs' source
	SynAcks int            // how many came
	First   time.Time      // the first one
	Num     uint64         // the first one's packet number
	// Resets: the client's RSTs to them (sequence number their ACK):
	// it refused them.
	Resets int
	ack    uint32 // the latest SYN-ACK's ACK: the RST refusing it has it as its sequence number
}

// ViaName names how the endpoint was announced: "PASV" … "LPRT", or
// "unknown" for a connection inferred without a visible announcement.
func (d *DataConn) ViaName() string {
	if d.Via == 0 {
		return "unknown"
	}
	return d.Via.String()
}

// TransferType is the representation type the session's last accepted
// TYPE set, upper-cased without spaces ("I", "A", "AN", "L8"), or "" when
// no TYPE was seen: RFC 959's default is ASCII, but many servers send the
// bytes unchanged then (vsftpd unless ascii_download_enable), and a
// session picked up mid-stream may have sent one before.
func (s *Session) TransferType() string {
	return strings.ReplaceAll(s.Type, " ", "")
}

// Counted tells whether the session is one of the capture's sessions in
// the counts: a continuation of one closed as idle (Resumed) is counted
// with the session it continues.
func (s *Session) Counted() bool { return s.Resumed == nil }

// WatchedUntil is until when the capture watched the session: Watched,
// and never before its last packet.
func (s *Session) WatchedUntil() time.Time {
	if s.Watched.After(s.End) {
		return s.Watched
	}
	return s.End
}

// TotalBytes is the payload both directions carried.
func (d *DataConn) TotalBytes() int64 { return d.Bytes[0] + d.Bytes[1] }

// CaptureHole reports whether the capture missed bytes of the data
// connection where its TLS records were read (a protected session's),
// after the hello of their direction: a hole between segments it holds,
// one only a FIN's sequence number reveals, or the part of a segment the
// snap length cut. What such a connection carried is not known, so its
// size says nothing of a refusal. (Set by the record walk, track/tls.go,
// and kept when the walk is released, track/data.go.)
func (d *DataConn) CaptureHole() bool { return d.captureHole || d.tls != nil && d.tls.hole }

// SYNSeenTwice reports whether a SYN of the data connection was seen
// twice at once under the same addresses: on both sides of a box that
// routed it without translating it (or on two interfaces of one host).
func (d *DataConn) SYNSeenTwice() bool { return d.synSeen&synTwice != 0 }

// synSightings says how the opener's SYNs were seen (DataConn.synSeen).
type synSightings uint8

const (
	// synTwice: a SYN was seen again at once (synCopyWindow).
	synTwice synSightings = 1 << iota
	// synArrived, synLeft: a SYN was seen arriving at the capture host,
	// leaving it (decode.Segment.LinkDir).
	synArrived
	synLeft
)

// SYNsStoppedHere reports whether the opener's SYNs were seen arriving at
// the capture host and never leaving it, where the capture records which
// way each packet crossed the host (decode.LinkDir): on a box that
// forwards the connection's packets, it dropped them itself.
func (d *DataConn) SYNsStoppedHere() bool { return d.synSeen&(synArrived|synLeft) == synArrived }

// finSent tells whether side dir (indexed like Bytes) sent its FIN.
func (d *DataConn) finSent(dir int) bool { return !d.FINTS[dir].IsZero() }

// Opener names, in FTP roles, the side that opens the data connection:
// the client in passive mode, the server in active mode.
func (d *DataConn) Opener() string {
	if d.Passive {
		return "client"
	}
	return "server"
}

// ServerAbortedUpload reports whether the receiver that aborted the
// connection (ReceiverAborted) was the FTP server (the side connected to
// in passive mode, the side that connected in active mode): it cut off
// an upload while the client was still sending.
func (d *DataConn) ServerAbortedUpload() bool {
	return d.ReceiverAborted && d.RSTFromServer == d.Passive
}

// Duration is from the first SYN to the end; for a connection whose SYN
// the capture lost, from its SYN-ACK (or its first segment before that),
// half a round trip after the SYN where the listener is: the capture
// holds it from its handshake on. 0 when the capture holds neither (one
// picked up by its bytes, or begun before the capture: StartMissed).
func (d *DataConn) Duration() time.Duration {
	from := d.FirstSYN
	if from.IsZero() && !d.SynAckTS.IsZero() && !d.startMissed {
		from = d.SynAckTS
		if !d.Start.IsZero() && d.Start.Before(from) {
			from = d.Start
		}
	}
	if from.IsZero() || d.End.IsZero() {
		return 0
	}
	return max(decode.PacketSub(d.End, from), 0) // a clock stepped back after the SYN
}

// EventKind names a session event that is not a paired command.
type EventKind string

const (
	EventGap               EventKind = "gap"               // bytes missing from the capture
	EventJunk              EventKind = "junk"              // a line that is neither command nor reply
	EventUnsolicited       EventKind = "unsolicited-reply" // 421/221 outside any command
	EventReplyNoCommand    EventKind = "reply-without-command"
	EventReplyGap          EventKind = "reply-to-command-lost-in-gap" // after a client gap, a reply no pending command fits
	EventReplyUnseen       EventKind = "reply-to-unseen-command"      // mid-stream pickup
	EventCommandLost       EventKind = "command-lost"                 // a command's reply never came, later ones did
	EventEncrypted         EventKind = "encrypted"                    // AUTH accepted: the rest is ciphertext
	EventEndpointMalformed EventKind = "endpoint-malformed"
	EventEndpointFamily    EventKind = "endpoint-family" // the endpoint's address family differs from the control connection's
	EventLimit             EventKind = "limit"           // a table bound was hit
	EventCleartext         EventKind = "cleartext"       // after TLS, the control channel is readable again
	// EventUndelivered: one side sent the same control bytes again and
	// again and the other acknowledged none (decode.ControlStalled):
	// something on the path drops that segment. Since is the first copy
	// sent again, Bytes the copies.
	EventUndelivered EventKind = "undelivered"
	// EventDeliveredLate: bytes an EventUndelivered reported were
	// acknowledged at last.
	EventDeliveredLate EventKind = "delivered-late"
	// EventConflict: the capture holds two versions of a stretch of one
	// side's bytes (decode.ControlConflict); the first was taken, and
	// what follows may be a forger's. Num is the later copy's packet.
	EventConflict EventKind = "conflict"
	// EventTLSUnfinished: the control connection ended inside its TLS
	// handshake (decode.ControlEvent.TLSUnfinished): the client never
	// sent application data. TLSSent holds what each side sent,
	// ClientAlert whether the client sent an alert.
	EventTLSUnfinished EventKind = "tls-unfinished"
	// EventUnconfirmed: bytes of one side at its stream's end that the
	// other never acknowledged, at whose first byte the side's own FIN
	// or RST stood (decode.ControlUnconfirmed): not that side's, and
	// what they said is not taken as the session's (unconfirmed.go). Num
	// is the FIN's or RST's packet, Bytes how many.
	EventUnconfirmed EventKind = "unconfirmed"
)

// Event is something that happened in a session outside the command/reply
// pairing.
type Event struct {
	Seq        uint64 // order of arrival among the session's commands, replies and events
	Kind       EventKind
	TS         time.Time
	Num        uint64
	FromClient bool
	// Cut: on EventGap, the bytes missing were the tail of a frame the
	// capture holds, cut by the snap length (decode.ControlEvent.Cut):
	// they crossed the capture point on their way to the receiver. False:
	// the capture never saw them. (In what was padding.)
	Cut bool
	// ClientAlert: on EventTLSUnfinished, the client sent a TLS alert
	// record in the handshake. (In what was padding.)
	ClientAlert bool
	// TLSSent: on EventCleartext, the TLS bytes the client and the
	// server (in that order) sent while the channel was TLS, each up to
	// 65,535 (decode.ControlEvent.TLSBytes): none from either side is a
	// 234 no handshake followed.
	TLSSent [2]uint16
	// Protected: on EventEncrypted by RFC 2228 protected commands, the
	// command that began them (ENC, MIC or CONF); "" for TLS.
	Protected string
	Text      string
	Code      int
	Bytes     int
	Secret    bool // a junk line that may be a password, or a reply that repeats one: masked in output
	Dropped   int  // a junk line's bytes beyond the line bound, or a reply's (Reply.Dropped)
	// Since: on EventUndelivered and EventDeliveredLate, when the first
	// copy of the unacknowledged bytes was sent again.
	Since time.Time
	// SegmentSize: on EventUndelivered and EventDeliveredLate, the
	// payload of the largest copy sent again (decode's StallSize).
	SegmentSize int
}

// sessionFlags are private facts of a Session, in one byte: its size
// class is full (TestSessionSizeClass).
type sessionFlags uint8

const (
	// flagReLogin: the server accepted a REIN since the last successful
	// login, so a refused USER or PASS now ends a new attempt; until
	// then a refusal (vsftpd's "530 Can't change to another user.")
	// leaves the login standing.
	flagReLogin sessionFlags = 1 << iota
	// flagTLSSetUp: a TLS stretch of the control channel ended other
	// than refused (Session.TLSRefused), so a TLS session may have been
	// set up.
	flagTLSSetUp
	// flagTLSRefused: Session.TLSRefused.
	flagTLSRefused
	// flagFinalReply: the server sent a reply other than a 1yz: a
	// session picked up mid-stream is then not left waiting on a
	// transfer begun before the capture (claimRunningAtEnd).
	flagFinalReply
	// flagNoClientHello: Session.NoClientHello.
	flagNoClientHello
	// flagHelloOnPlain: Session.HelloOnPlain.
	flagHelloOnPlain
	// flagBlankLine: the client's latest line was empty or Telnet
	// commands only, no reply since: not owed one (servers ignore some),
	// but a refusal (500-502) that comes next while a transfer runs
	// answers it (pairReply), not the transfer.
	flagBlankLine
	// flagExchangeOpen: while the control channel is TLS, the latest
	// exchange (the client's record answered by the server's:
	// noteExchange) may have announced a passive data connection none
	// was taken for yet (announcedInside): it came while no data
	// connection of the session held its transfer, and is used once it
	// got its connection.
	flagExchangeOpen
)

// ClientFINAcked tells, for a session that announced a data connection
// (one with its xferMemo: only its transfers ask), that the server
// acknowledged the client's FIN on
// the control connection (decode.ControlEvent.ClientFINAcked): the
// server, and the path to it both ways, were there when the client
// closed.
func (s *Session) ClientFINAcked() bool { return s.xfer != nil && s.xfer.reset&clientFINAcked != 0 }

// HelloOnPlain tells that the client of a control connection read as
// FTP text began with a TLS ClientHello (implicit FTPS against a server
// that speaks FTP first, port 21): its binary lines are not shown.
func (s *Session) HelloOnPlain() bool { return s.flags&flagHelloOnPlain != 0 }

// NoClientHello tells that the session's control connection went to an
// implicit-FTPS port and its server sent TLS (an alert) before the client
// sent a byte: the client sent no ClientHello, it waited for a greeting in
// clear text (decode.ControlEvent.NoClientHello). Not ImplicitTLS: nothing
// was encrypted.
func (s *Session) NoClientHello() bool { return s.flags&flagNoClientHello != 0 }

// TLSRefused tells that the control channel turned to TLS (WasEncrypted)
// and went back to FTP text each time with no TLS session set up: the
// server answered the client's TLS bytes (its ClientHello) with one alert
// record or none (decode.ControlEvent.TLSBytes). Nothing on it was
// encrypted, so a login not seen was not tried. False while the channel
// is TLS, and for implicit TLS or a resumed session, whose TLS may have
// begun out of sight, unless an implicit one's server answered the
// ClientHello with less than a ServerHello and the connection closed.
func (s *Session) TLSRefused() bool { return s.flags&flagTLSRefused != 0 }

// Session is one FTP control connection.
type Session struct {
	ID             int
	Client, Server netip.AddrPort
	// Start and End: the control connection's first and last packet.
	Start, End time.Time
	// Watched: until when the capture watched the session, End or
	// later: the time decode let the connection go (an idle close, the
	// capture's end), or its own last packet when decode's table evicted
	// it; so how long a reply could have come and did not
	// (WatchedUntil). Across a step of the capture's clock, End plus the
	// packet time that passed; silent from before a gap in the capture,
	// the gap's start (silence.go). (It takes the session to the
	// 576-byte class.)
	Watched   time.Time
	File      string // the input it was first seen in, when several were read
	Midstream bool   // picked up without its SYN
	ByContent bool   // recognised by content on a non-control port
	// (Three unexported fields here, in what was padding.)
	// flags: private facts of the session, one bit each (sessionFlags).
	flags sessionFlags
	// prot is the data protection level (PROT) last accepted where the
	// capture could read it; see dataProtected.
	prot      protLevel
	clientISN uint32  // its client SYN's sequence number, its key in byISN while indexed
	Greeting  []Reply // bounded by maxGreeting
	User      string
	Login     LoginState
	// Hops: what the TTLs of the control connection's segments tell of
	// routers between its two sides (decode.Hops). (In what was
	// padding.)
	Hops decode.Hops
	// LoginBefore: picked up mid-stream with no login in the capture, and
	// the server accepted a command only a logged-in user may send (a
	// transfer, PWD, CWD…): the login came before the capture.
	LoginBefore bool
	// gapOpened: since the latest announcement, the server said a data
	// connection is open (125, 150, 226) in a reply whose command a
	// capture gap took (serverOpened).
	gapOpened bool
	// ServerUnacked: at the control connection's close, bytes the server
	// had sent that the client had not acknowledged (0: the client took
	// every reply; -1: not known). (In what was padding.)
	ServerUnacked int32
	Cwd           string
	Type          string
	Encrypted     bool // AUTH TLS/SSL accepted: the rest is ciphertext
	ImplicitTLS   bool // to an implicit-FTPS port: ciphertext from the first byte
	// WasEncrypted: the control channel was TLS at some point (it stays
	// set after CCC): a login not seen may have happened inside it.
	WasEncrypted bool
	Desync       bool // a gap made the pairing uncertain
	EndReason    EndReason
	// ClientClosed: the session ended by the client's first FIN or its
	// RST (decode.ControlEvent.ClientClosed); false when the server's,
	// or not known.
	ClientClosed bool
	// OneSide: the capture shows one side of the control connection only
	// (a SPAN port mirroring one direction, asymmetric routing, a capture
	// filter on the source). (With oneSideLines, in what was padding.)
	OneSide OneSide
	// oneSideLines counts the lines of one side that came while no byte
	// of the other had (decode.ControlEvent.PeerUnseen): replies past the
	// greeting, or commands (saturates).
	oneSideLines uint8
	// Connect: the control connection never opened, and how its opening
	// failed (decode.ConnectFailure: refused, unreachable, unanswered, or
	// the server's answer lost); nil for one that opened. Such a session
	// has no command and no reply.
	Connect *decode.ConnectFailure
	// SameConnection: this control connection was also seen under other
	// addresses in the same capture, as another session (twin.go).
	SameConnection *Twin
	// Resumed: this session continues an earlier one whose control
	// connection decode closed as idle and whose later bytes picked it up
	// again (decode.ControlEvent.Resumed). It is the same connection, and
	// one session to an admin: outputs do not count it as a new one. Its
	// User, Login, Cwd and Type start as the earlier session left them,
	// when the tracker still knew it (Resumption.From).
	Resumed *Resumption

	Commands        []*Command // the transcript, bounded
	CommandsOmitted int        // commands beyond the transcript bound
	CommandCount    int
	// Data: the session's data connections; with RecentOnly, or past
	// MaxDataPerSession of them, only the live and latest ones.
	Data         []*DataConn
	DataCount    int              // data connections of the session
	DataOutcomes [NumOutcomes]int // reported data connections, by outcome
	// DataNotKept counts the data connections, followed and reported
	// like every other, that the session's transcript does not show:
	// they left Data past MaxDataPerSession, and the transcript kept
	// neither their announcement nor their transfer command.
	DataNotKept int
	Events      []Event
	// DataOmitted: data connections not followed, a bound was hit;
	// EventsOmitted: events beyond the transcript bound (saturates).
	// (Two int32s in one word, for ClockSteps.)
	DataOmitted   int32
	EventsOmitted int32
	// ClockSteps: the steps of the capture's clock the session lived
	// through, between its first packet and its last; nil when none.
	ClockSteps *ClockSteps

	pending  []*Command // awaiting a final reply, FIFO
	xfer     *xferMemo  // nil until the session announces, sizes, restarts or logs in anew
	ended    bool       // the control connection is over
	reported bool       // SessionEnd was called (after its last data connection)
	resync   bool       // after a gap: the code table may override FIFO
	// replied: the server sent a reply that was not its greeting. Until
	// then, in a session seen from its start, a 120 or 220 is the
	// greeting whatever commands wait (greets).
	replied bool
	// quit: a 221 answered the QUIT. The session is over: no data
	// connection it announced can start after (endSession).
	quit bool
	// recentOnly: the session keeps what Options.RecentOnly keeps
	// (RecentOnly, or no transcript wanted: Options.Transcript).
	recentOnly bool
	// recentData: Data keeps only the live and latest data connections,
	// as with RecentOnly: a session that keeps what RecentOnly keeps
	// (unless Options.KeepData), or one past MaxDataPerSession of them.
	recentData bool
	// loginKept: USER and PASS commands a RecentOnly session keeps until
	// its login is judged (dropLoginDone).
	loginKept uint8
	lastSeen  time.Time
	// spokeAt: while the control channel is TLS, when the client ([0])
	// and the server ([1]) last sent bytes (noteRecord), in packet time
	// as Unix nanoseconds, 0 for none; spokeEnd, the sequence number past
	// them, so that bytes sent again do not count; turns, how many times
	// each side spoke after the other (saturates), so that the handshake
	// is not taken for commands and replies. They tell which of several
	// encrypted sessions between the same two hosts a data connection
	// answers (encryptedOwner). In clear text, spokeAt[0] is when the
	// client's latest command came (NoteCommand; one a reply stood in for
	// at that reply's time), whatever Commands keeps of it
	// (latestCommand).
	spokeAt  [2]int64
	spokeEnd [2]uint32
	turns    [2]uint8
	// Facts about the session's commands noted as they pass (NoteCommand),
	// for a diagnosis that must not depend on what the session keeps of
	// them (RecentOnly keeps few): rfc775, the first RFC 775 verb the
	// client sent (RFC775Verb), as its place in rfc775Verbs plus one, 0
	// for none, rfc775Never once it sent PWD, MKD or RMD; askedPassive, the client asked for a passive endpoint
	// (AskedPassive); clientGap, a capture gap of the client's stream
	// came since its latest command (Command.GapBefore). (In what was
	// padding.)
	rfc775       uint8
	askedPassive bool
	clientGap    bool
	// ClientFIN: the client had sent its FIN when the session closed
	// (decode.ControlEvent.ClientFIN): an RST of the client's after it
	// answered bytes that came after it closed its end. (In what was
	// padding.)
	ClientFIN bool
	// passivePorts: the lowest and highest port of the passive data
	// connections listed in Data so far, and how many of them widened
	// that span (PassivePorts): kept as they are listed, so that what
	// Data no longer holds still counts.
	passivePorts PortSpan
	// transcriptCost: what its Commands and Events take of the tracker's
	// TranscriptBytes, in units of transcriptUnit bytes, given back when
	// the session is reported. (Their number, against TranscriptBudget,
	// is len(Commands)+len(Events).) (With passivePorts, in what was
	// padding and an int.)
	transcriptCost uint32
}

// PortSpan is the span of the ports seen of some kind: the lowest
// (Lo), the highest (Hi), and how many ports widened it as they came
// (Widened: the first port, then each below Lo or above Hi); zero when
// none was seen.
type PortSpan struct {
	Lo, Hi  uint16
	Widened uint16 // at most 65,535: each widens a span of 16-bit ports
}

// add widens the span by port (0: no port).
func (p *PortSpan) add(port uint16) {
	switch {
	case port == 0:
	case p.Widened == 0:
		p.Lo, p.Hi, p.Widened = port, port, 1
	case port < p.Lo:
		p.Lo, p.Widened = port, p.Widened+1
	case port > p.Hi:
		p.Hi, p.Widened = port, p.Widened+1
	}
}

// OneSide tells which side of a control connection a capture showed
// alone.
type OneSide uint8

const (
	BothSides      OneSide = iota
	ServerSideOnly         // replies past the greeting, no byte of the client's
	ClientSideOnly         // commands, no byte of the server's
)

// oneSideLines: lines of one side, with no byte of the other, that make
// a session one-sided. One is not enough: a capture that began after
// the client's command shows its reply first.
const oneSideLinesMin = 2

var oneSideNames = [...]string{"", "server", "client"}

// String names the side the capture showed: "server", "client", or ""
// for both.
func (o OneSide) String() string {
	if int(o) < len(oneSideNames) {
		return oneSideNames[o]
	}
	return ""
}

// Resumption links a session to the one it continues (Session.Resumed).
type Resumption struct {
	// From is the ID of the session continued; 0 when the tracker no
	// longer knew it: more sessions closed as idle at once than it keeps
	// (maxIdleEnded), or picked up again later than decode.ResumeWait (a
	// day) of packet time after the close (a late packet renewed the
	// tombstone).
	From int
	// Closed is when decode closed that session's connection as idle.
	Closed time.Time
}

// xferMemo is what a session remembers for its next transfer. Many open
// sessions never get that far (a login, a scan, a flood), so it is
// allocated by the first announcement, SIZE or REST.
type xferMemo struct {
	lastAnn *DataConn // newest armed announcement not yet used by a transfer
	// superseded: the passive announcement a newer one superseded that
	// waits on still (supersededWaits); nil when none.
	superseded *DataConn
	rest       int64 // the accepted REST offset, -1 for none, RestUnknown when its line was cut
	// the last SIZE answer, to compare with a RETR of the same file
	sizePath string
	size     int64
	// lostActive: a gap of the client's bytes that may have held a PORT,
	// EPRT or LPRT (activeMayBeLost); zero when none waits for its
	// connection.
	lostActive lostActive
	// ctlTooBig: the path MTU errors quoting the control connection's
	// segments (Tracker.controlTooBig); nil when none came.
	ctlTooBig *PathMTU
	// lostHedge: the connection this session takes next for an
	// announcement the capture lost is a guess among that many sessions
	// of its peers: another's was taken for one of them by a guess
	// (takeLost); 0 when not.
	lostHedge uint8
	// serverFIN: the server had sent its FIN when the control connection
	// ended otherwise than by both sides' FINs (ServerFIN). (With quiet,
	// in what was padding.)
	serverFIN bool
	// pickedUpLate: Session.PickedUpLate. (In what was padding.)
	pickedUpLate bool
	// reset: what the RST that ended the control connection showed of
	// its sender, decode.ResetTTL in its low bits, resetAcked and
	// resetNoACK (Session.ResetTTL, ResetAcked, ResetNoACK), set only
	// then; and clientFINAcked whatever ended it. (In what was padding.)
	reset uint8
	// quiet: how long the control connection carried nothing before the
	// session's latest command came, in milliseconds (saturates), when
	// that was quietNoted or more; 0 otherwise (QuietBeforeLatest).
	quiet uint32
	// lostRequest: when a gap of the server's bytes showed while no
	// command waited for a reply (lostRequestGap): its bytes answered a
	// command the capture lost too, maybe a PASV or EPSV; zero when
	// none, or once a connection was taken for it.
	lostRequest time.Time
	// gapTransferReply: when the latest transfer reply (125, 150, 226,
	// 425, 426) to a command the capture lost came (EventReplyGap), and
	// its code: the transfer a connection taken for a lost announcement
	// with no visible transfer command was for (lostTransferAnswered).
	gapTransferReply     time.Time
	gapTransferReplyCode int16
	// tlsUnfinished: Session.TLSUnfinished. (In what was padding.)
	tlsUnfinished bool
	// quietLines: how long no line crossed the control connection before
	// the session's latest command came, in milliseconds (saturates),
	// when that was quietNoted or more; 0 otherwise
	// (LinesQuietBeforeLatest). (With gapTransferReplyCode, in what was
	// an int's room.)
	quietLines uint32
	// joined: the command joined took for the tail of the line before it,
	// not yet reported: the next reply, or the session's end, confirms
	// or refutes it (settleJoined); nil when none waits.
	joined *Command
	// rare: what few sessions need; nil when none does. (A pointer: the
	// memo stays in its 256-byte size class.)
	rare *memoRare
}

// memoRare is what few sessions' memos hold.
type memoRare struct {
	// replaced: the latest login that succeeded and that a later
	// attempt replaced (EarlierLogin); nil when none did.
	replaced *login
	// smuggled: the announcement in the tail of the session's latest
	// over-long line, waiting for a reply no command asked for
	// (smuggled.go); nil when none.
	smuggled *smuggledPort
	// tunnel: the tunnel the control connection's segments came inside
	// (decode.Tunnel), from its close; nil when none did. tunnelSoFar:
	// its shape before the close (decode hands a copy with an event when
	// it changes).
	tunnel, tunnelSoFar *decode.Tunnel
	// tunnelHedged: an accusation of the session was hedged for its
	// tunnel (KeepTunnelHedged).
	tunnelHedged bool
	// passiveAnsweredOther: the latest PASV, EPSV or LPSV a final reply
	// other than a passive one answered (unsolicited.go); nil when none.
	passiveAnsweredOther *Command
}

// rareMemo is the memo's memoRare, made when first needed.
func (m *xferMemo) rareMemo() *memoRare {
	if m.rare == nil {
		m.rare = &memoRare{}
	}
	return m.rare
}

// rare is the session's memoRare, nil when it has none (no memo, or
// nothing rare noted).
func (s *Session) rare() *memoRare {
	if s.xfer == nil {
		return nil
	}
	return s.xfer.rare
}

// login is a session's login: its user and how far it got.
type login struct {
	user  string
	state LoginState
}

// replacedLogin notes was, the login before a USER's, PASS's or ACCT's
// reply, when it had succeeded and the reply replaced it: a new attempt
// after a REIN (RFC 959: the user is logged out, the connection stays),
// or a USER the server took while logged in (331 "Previous account
// information was flushed"). User and Login then tell the new attempt.
func (s *Session) replacedLogin(was login) {
	if was.state == LoginOK && (s.Login != LoginOK || s.User != was.user) {
		s.memo().rareMemo().replaced = &login{user: was.user, state: was.state}
	}
}

// EarlierLogin tells whether a login succeeded in the session before a
// later attempt replaced it (after a REIN the server accepted, or a USER
// it took while logged in), and as which user (the argument of its USER;
// "" when the capture did not show it): the latest such login. User and
// Login tell the latest attempt, which may have failed: what the session
// did before it was done logged in as this user.
func (s *Session) EarlierLogin() (user string, ok bool) {
	r := s.rare()
	if r == nil || r.replaced == nil {
		return "", false
	}
	return r.replaced.user, true
}

// PickedUpLate tells that the session was picked up mid-stream more than
// decode.ResumeWait (a day) after the capture's first packet. Its
// connection may have been in the capture before, silent for more than a
// day since: decode forgets a connection closed as idle a day after, and
// one that goes on after that is picked up as new. A login not seen may
// then be in the capture, before that silence, as well as before it.
func (s *Session) PickedUpLate() bool { return s.xfer != nil && s.xfer.pickedUpLate }

// lostActive is a gap of a session's client bytes that may have held an
// active announcement (activeMayBeLost): the lost bytes were sent after
// since, the time of the client's command before the gap (zero when
// there was none), and before at, the time of the command that
// showed the gap. held: a connection from an unprivileged port taken
// for it for now, not tied to its transfer command while one from the
// server's data port may still take its place (addLostPort). stale: the
// announcement nothing had connected to when the gap showed, which the
// PORT it may have held replaces (staleAnnouncement).
type lostActive struct {
	since, at time.Time
	held      *DataConn
	// failed: a held connection that failed and gave way to a later one
	// from an unprivileged port (portLost), kept till the transfer's
	// first reply: a failure then says it was the server's own and the
	// later one the server host's other traffic (lostPortReply).
	failed *DataConn
	stale  staleAnnouncement
	// cut: the gap's command before it is a PORT, EPRT or LPRT whose line
	// the capture kept the start of (cutLineKept): the announcement is
	// cut short, not wholly lost.
	cut bool
}

// staleAnnouncement is an announcement of a session nothing had
// connected to when a gap of its client's bytes that may have held a
// PORT showed (activeMayBeLost), with what it was tied to then: the
// transfer command the gap's command links to it (linkTransfer) gives
// it back when the server's connection for that PORT comes instead
// (supersedeStale).
type staleAnnouncement struct {
	dc           *DataConn
	cmd          *Command // a refused transfer's that offered it (reoffer); nil for none
	rest, size   int64
	transferType string
}

// ServerFIN tells that the server had sent its FIN, in order, when the
// control connection ended (decode.ControlEvent.ServerFIN): the server
// closed its side, whatever came after (a reset of its answering a later
// command, the client's reset or FIN). Kept in the memo, allocated then
// only when the connection did not end by both sides' FINs: the Session
// struct fills its size class.
func (s *Session) ServerFIN() bool {
	return s.EndReason == EndFIN || s.xfer != nil && s.xfer.serverFIN
}

// quietNoted: a silence of the control connection before a command that
// QuietBeforeLatest tells; a shorter one is the pace of a client and not
// kept (and allocates no memo).
const quietNoted = time.Minute

// noteQuiet notes, as a command comes at ts, how long the control
// connection carried nothing before it: since its latest event (a line
// of either side, a gap; while encrypted, any segment), or since both
// its sides were last heard (heard, decode's ControlEvent.Heard: a TCP
// keepalive probe and its ACK, when not zero), whichever is later, and
// how long no line came (quietLines). A command in the same segment as
// the event before it leaves the silence as it was noted for that one.
func (s *Session) noteQuiet(ts, heard time.Time) {
	if s.lastSeen.IsZero() || ts.Equal(s.lastSeen) {
		return
	}
	lines := decode.PacketSub(ts, s.lastSeen)
	q := lines
	if !heard.IsZero() {
		q = min(q, decode.PacketSub(ts, heard))
	}
	if lines < quietNoted {
		if s.xfer != nil {
			s.xfer.quiet, s.xfer.quietLines = 0, 0
		}
		return
	}
	m := s.memo()
	m.quietLines = uint32(min(lines/time.Millisecond, math.MaxUint32))
	m.quiet = 0
	if q >= quietNoted {
		m.quiet = uint32(min(q/time.Millisecond, math.MaxUint32))
	}
}

// QuietBeforeLatest is how long the control connection carried nothing
// before the session's latest command seen came (no line of either side,
// and, where decode told it, no segment of both sides: a TCP keepalive
// probe answered by an ACK ends the silence), when that was a minute or
// more (quietNoted); 0 otherwise. A NAT or firewall forgets a connection
// idle longer than its timeout; one whose keepalives crossed it both
// ways was not idle.
func (s *Session) QuietBeforeLatest() time.Duration {
	if s.xfer == nil {
		return 0
	}
	return time.Duration(s.xfer.quiet) * time.Millisecond
}

// LinesQuietBeforeLatest is how long no line of either side crossed the
// control connection before the session's latest command seen came,
// whatever segments did, when that was a minute or more (quietNoted); 0
// otherwise. Longer than QuietBeforeLatest: segments without a line (TCP
// keepalives and their answers) crossed both ways in that time.
func (s *Session) LinesQuietBeforeLatest() time.Duration {
	if s.xfer == nil {
		return 0
	}
	return time.Duration(s.xfer.quietLines) * time.Millisecond
}

// resetAcked, resetNoACK: xferMemo.reset's bits for
// decode.ControlEvent.ResetAcked and ResetNoACK.
const (
	resetAcked = 1 << 7
	resetNoACK = 1 << 6
	// clientFINAcked: decode.ControlEvent.ClientFINAcked, whatever
	// ended the connection (Session.ClientFINAcked).
	clientFINAcked = 1 << 5
)

// ResetTTL tells, for a session whose control connection an RST ended,
// how that RST's IP TTL compared with its side's latest segment before
// it (decode.ResetTTL).
func (s *Session) ResetTTL() decode.ResetTTL {
	if s.xfer == nil || s.EndReason != EndRST {
		return decode.ResetTTLUnknown
	}
	return decode.ResetTTL(s.xfer.reset &^ (resetAcked | resetNoACK | clientFINAcked))
}

// ResetNoACK tells, for a session whose control connection an RST
// ended, that the RST came without the ACK flag: an answer to a segment
// that reached no connection, from a host that lost it or a NAT or
// firewall that forgot it (decode.ControlEvent.ResetNoACK).
func (s *Session) ResetNoACK() bool {
	return s.xfer != nil && s.EndReason == EndRST && s.xfer.reset&resetNoACK != 0
}

// ResetAcked tells, for a session whose control connection an RST
// ended, that the RST's side had acknowledged every byte of the other
// side before it, in a segment of its own (decode.ControlEvent.ResetAcked).
func (s *Session) ResetAcked() bool {
	return s.xfer != nil && s.EndReason == EndRST && s.xfer.reset&resetAcked != 0
}

// memo returns the session's xferMemo, allocating it.
func (s *Session) memo() *xferMemo {
	if s.xfer == nil {
		s.xfer = &xferMemo{rest: -1}
	}
	return s.xfer
}

// lastAnn is the newest armed announcement no transfer has used yet.
func (s *Session) lastAnn() *DataConn {
	if s.xfer == nil {
		return nil
	}
	return s.xfer.lastAnn
}

// RestUnknown is DataConn.Rest when the server accepted a REST whose
// line the capture cut (a snap length, lost segments: Command.
// RestNotCaptured): the transfer restarted at an offset the capture does
// not hold. ("REST 12" of "REST 1234567" is no offset 12.) It is no
// REST offset any line can give: they are 0 or more.
const RestUnknown int64 = math.MinInt64

// Restarted tells whether a REST the server accepted set the transfer's
// start past the file's beginning: a known offset above 0, or one the
// capture cut (RestUnknown). Its bytes are then a part of the file, and
// the size the server announced (the whole file's) is no measure of
// them.
func (dc *DataConn) Restarted() bool { return dc.Rest > 0 || dc.Rest == RestUnknown }

// TooBig is the path MTU errors about the connection's data; nil when
// none came.
func (dc *DataConn) TooBig() *PathMTU {
	if e := dc.ICMPErrors; e != nil && e.TooBig.Errors > 0 {
		return &e.TooBig
	}
	return nil
}
