package diagnose

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// PortStats summarises the passive ports a server announced.
type PortStats struct {
	Min, Max uint16
	Count    int // announcements
	Distinct int // different ports
	// Inferred: of Count, the ports of data connections whose
	// announcements could not be read (track.MatchInferred): seen, not
	// read. BeforeCapture: of Inferred, those of sessions picked up
	// mid-stream, announced before the capture started. OneSide: of
	// Inferred, those of sessions the capture held the client's side of
	// only (track.ClientSideOnly), their announcements on the other. The
	// rest were ciphertext. Lost: of Inferred, those of data connections
	// taken for a PASV or EPSV whose reply the capture lost or cut short
	// (track.MatchAnnounceLost): the port the client's SYN went to.
	Inferred, BeforeCapture, OneSide, Lost int
}

// ServerSummary is the diagnosis of one server (one control address and
// port as the capture sees it).
type ServerSummary struct {
	Server         netip.AddrPort
	Sessions       int
	PortsAnnounced PortStats
	// Range is the range passive ports should come from (the policy's);
	// OutsideRange counts announcements outside it.
	Range        policy.Ranges
	OutsideRange int
	Outcomes     map[track.Outcome]int
	Findings     map[string]int // per code
	Verdict      string
	// Rules are what to add: nftables, iptables, then server config lines.
	Rules []string
	// LoginFailures counts the refused logins (a USER or PASS answered
	// 530 or 430, other than for a connection limit or clear text: the
	// failures login-brute-force weighs), every one, reported or not;
	// LoginFailureClients, from how many client addresses, counted
	// exactly up to MaxLoginFailureClients (LoginFailureClientsMore: more
	// than that).
	LoginFailures           int
	LoginFailureClients     int
	LoginFailureClientsMore bool
	// BackendsSpread: the verdict reads the refused passive data
	// connections as more than one host answering at the control address
	// (backendsSpread): a data-refused finding whose RST came from that
	// address (RefusedByBackend) then needs no port opened
	// (BackendsSpreadAdvice).
	BackendsSpread bool
}

// MaxLoginFailureClients bounds the client addresses of a server's failed
// logins that are told apart (ServerSummary.LoginFailureClients): a
// guesser spread over a botnet's addresses is counted as such, in a set
// of 64-bit keyed hashes (about 12 KB at the bound, let go once it is
// passed: "more than 1024" says the scale, and the bound keeps what every
// server's count holds small).
const MaxLoginFailureClients = 1024

// loginAddrSeed keys the hashes of serverAcc.loginFailedFrom.
var loginAddrSeed = maphash.MakeSeed()

// manyLoginAddrs is how many client addresses of a server's refused
// logins are too many for one user's typo when every login was refused
// (loginRefusedVerdict): as many as the failures spreadFailure needs to
// call one account's failures from many addresses guessing.
const manyLoginAddrs = spreadFailures

// serverAcc accumulates one server's summary.
// bounceSeen is what a server's verdict needs of an ftp-bounce finding:
// not the finding, which would keep its whole session alive until the
// capture ends.
type bounceSeen struct {
	ok     bool
	fxp    bool // one PORT to one ordinary port each: FXP reads the same (Finding.fxpLike)
	tunnel bool // its session came only inside an unverified tunnel (Finding.tunnelOnly)
	sev    Severity
	verb   string
	target netip.Addr
}

func (b bounceSeen) seen() bool { return b.ok }

type serverAcc struct {
	// spread: passive data connections to the control address refused
	// and working interleaved by port (spread.go).
	spread spreadSeen
	// backendsLead: the verdict led with spread (backendsSpread).
	backendsLead bool
	// otherHost: passive data failures at another host than the
	// session's server (otherhost.go), left out of failPorts.
	otherHost otherHostSeen
	// implicitTLSFailed: of the control-tls-failed errors, those of
	// implicit FTPS (no AUTH: implicitTLSFailed), for the verdict's words.
	implicitTLSFailed int

	addr      netip.AddrPort
	sessions  int
	ports     workedPorts // distinct passive ports: a list, a portSet (8 KiB) past maxListedPorts
	passive   PortStats
	outcomes  map[track.Outcome]int
	findings  map[string]int
	failPorts map[string]*PortStats // passive failures per code
	// example: the example passive range the server's findings name
	// while its range is not known, the first one chosen (serverExample):
	// one output proposes one range per server.
	example policy.PortRange
	// ctlFail: of failPorts, the failures at the control connection's
	// address (no announced address of another caused them), allocated
	// at the first.
	ctlFail map[string]*PortStats
	// failIn, failOut: of failPorts, the ports inside and outside the
	// passive range the session's policy gave, when it gave one
	// (allocated at the first): a PortStats's span cannot tell them
	// apart (40011 and 50067 span 40000-40100's edge), and the verdict
	// opens the first and moves the server off the second.
	failIn, failOut map[string]*PortStats
	// modeFallback: epsv-pasv-fallback warnings by the form that then
	// worked: [0] PASV after EPSV failed, [1] EPSV after PASV failed;
	// failedVia: the passive failures of failPorts by form, [0] PASV
	// (or LPSV), [1] EPSV: a form that failed elsewhere is no way out.
	modeFallback, failedVia [2]int
	// loginFailed: refused logins (ServerSummary.LoginFailures);
	// loginFailedFrom: their client addresses' hashes (loginAddrSeed),
	// made at the first, let go past MaxLoginFailureClients;
	// loginFailedClients: how many; loginFailedMore: others beyond.
	loginFailed        int
	loginFailedFrom    map[uint64]struct{}
	loginFailedClients int
	loginFailedMore    bool
	// passiveBefore: data-unanswered findings whose client got through
	// to the same endpoint before (Finding.passiveBefore).
	passiveBefore int
	// boxDrops: data-unanswered findings whose SYNs the box this
	// capture was taken on dropped (Finding.boxDrop); boxAt, that box's
	// place (boxPlace) for the change lines when they are all of them.
	boxDrops int
	boxAt    place
	// activeDefaultPort: active-blocked findings of data connections on
	// RFC 959's default data port (defaultPortWords): no PORT or EPRT,
	// so no helper rule helps.
	activeDefaultPort int
	// refusedGreeting: of the session-refused findings (refused), the
	// sessions whose greeting refused them with a 4xx or 5xx other than
	// 421 (greetingRefused).
	refusedGreeting int
	// exhaustedFailed: passive-range-exhausted findings whose data
	// connection to the fallback port was dropped, refused or rejected
	// (counted in failPorts too): the exhausted range explains them.
	exhaustedFailed int
	// widened: the widest range the passive-range-exhausted findings
	// widen the server's to (zero without one).
	widened policy.PortRange
	// synAckLost: of the data-unanswered findings, those whose SYN-ACKs
	// the capture saw the server send and the client never take.
	synAckLost int
	// strangerOnce: passive data failures known only by another
	// address's one SYN (Finding.strangerOnce), left out of failPorts:
	// no proven failure of the data path; strangerMade: passive data
	// connections made that way and that carried nothing (a connect
	// scan's, or the client's through a NAT, unused); stranger: the
	// first of either.
	strangerOnce, strangerMade int
	stranger                   strangerSeen
	// lostEndpoint: passive data failures whose endpoint is inferred,
	// its announcement lost (Finding.lostEndpoint), left out of
	// failPorts; lostFirst: the first of them.
	lostEndpoint int
	lostFirst    *lostFailure
	// oneSide: undetermined data connections of sessions the capture
	// held one side of (track.DataConn.OneSide).
	oneSide int
	// inBreak: undetermined data connections whose wait the time between
	// two input files cut (track.DataConn.InBreak); afterCloseCut: those
	// the bound on announcements waiting past their session's close let
	// go (track.DataConn.AfterCloseCut).
	inBreak, afterCloseCut int
	aborted                int // transfer-aborted warnings: transfers the server broke off
	refused                int // session-refused findings: sessions turned away with 421, or closed before any greeting
	// refusedSilent: of refused, the sessions the server closed before
	// any greeting, without a word.
	refusedSilent int
	active        map[track.Outcome]int // active failures
	natAddr       netip.Addr            // first mismatching announced address
	natFix        string                // what to announce instead
	natByHand     bool                  // a client ignored natAddr and connected anyway
	natReached    int                   // nat-mismatch findings whose data connection arrived as announced and worked
	// natReset: nat-mismatch findings whose announced address answered
	// the client's SYN with an RST (Finding.resetThere); natResetAt:
	// the first such endpoint.
	natReset   int
	natResetAt netip.AddrPort
	// natCaused: nat-mismatch findings whose data connection failed
	// because of the address (Finding.caused); natCausedAddr: natAddr is
	// such a finding's. natSerious: nat-mismatch findings of warning or
	// error (an info one never displaces another verdict). natLatent: a
	// client ignored natAddr, connected to the control address and failed
	// there for another reason (the firewall verdict then names the
	// address too).
	natCaused     int
	natCausedAddr bool
	// natRoutedLAN: a nat-mismatch named another address of the
	// clients' network, where they reach the server too, but through a
	// router (Finding.routedLAN): the NAT in front is the TTLs' reading,
	// and the server's address setting is set (to the wrong address).
	natRoutedLAN bool
	natSerious   int
	// natSeriousActive: of natSerious, those of a client's PORT/EPRT that
	// its NAT did not rewrite, not of a passive announcement: when they
	// are all, the notes about the passive address keep their caution.
	natSeriousActive int
	// fxpNATErr: error nat-mismatch findings of the passive half of an
	// FXP pair (Finding.fxpAddr): the other server, at a public address,
	// could not reach the private address this one announced. They are
	// no client's NAT fault, but a cause all the same: fxpNATAddr, the
	// first such address, leads the verdict (fxpAddressUnreachable).
	fxpNATErr  int
	fxpNATAddr netip.Addr
	// natGaveUp: natLatent comes of a client that gave up on the endpoint
	// naming natAddr after its data connection to the control address
	// failed (gaveUpAfter), not of one that ignored the address.
	natGaveUp bool
	// activeNoSYN: active-blocked findings of connections the server
	// reported it could not make (425) with no SYN in the capture: the
	// server's output chain or the path stopped them, never the
	// client's firewall. activeBehindNAT: such findings whose PORT named
	// a private address the server cannot reach (Finding.portBehindNAT),
	// not counted in activeNoSYN: the client's NAT is the fault.
	activeNoSYN, activeBehindNAT int
	// activeNoSYNUnsure: of activeNoSYN, those read while the capture
	// held nothing but control connections (Finding.controlOnly): a
	// filter may have hidden SYNs that left the server.
	activeNoSYNUnsure int
	// activeNATGuessed: those of activeBehindNAT whose NAT is the
	// addresses' guess alone (Finding.natGuessed).
	activeNATGuessed int
	// activeExternal: active-blocked findings whose PORT named most
	// likely the public address of the NAT in front of the client, which
	// did not forward the port (externalBlocked), not counted in
	// activeNoSYN either.
	activeExternal int
	// activeBoxDrops: active-blocked findings whose SYNs the box this
	// capture was taken on dropped (Finding.boxDrop).
	activeBoxDrops int
	// lateFallback: data-not-attempted findings of endpoints the client
	// asked to replace a second or more after they were announced, seen
	// from where its SYNs would not show (lateFallback): its connect
	// failed.
	lateFallback int
	// openers: the earliest sessions whose control connections opened,
	// of two clients (openedBefore).
	openers openers
	// sweep: what the refused control connections tell of a scan of the
	// port (sweepProbe).
	sweep refusalSweep
	// scanned: its sessions whose control connection never opened that
	// were probes of a scan of many hosts (hostScanProbe), from scanFrom
	// (the first such client; scanFromMore: others too).
	scanned      int
	scanFrom     netip.Addr
	scanFromMore bool
	// fwd: the address the forward rules of the server's failed control
	// connections can name (forwardSeen), set at the first; none when
	// two differ.
	fwd    place
	fwdSet bool
	// staleUsed: data connections refused or lost at the endpoint of an
	// older passive announcement the client used after a newer one.
	staleUsed int
	// loginRefusedBan: of loginRefused, sessions whose last login
	// refusal was a 421 banning the client's address.
	loginRefusedBan int
	// helperBlind: active-mode refusals of PORT/EPRT a simulated Linux
	// FTP helper could not see (HelperBlind): the NAT has the helper.
	helperBlind int
	natLatent   bool
	// configAt: the time of the latest server-config-error, configDirs
	// the families of data connection it stops (configDirsOf);
	// workedAt: per family (familyOf), the latest start of a data
	// connection that got through; netFailedAt: the latest start of a
	// data connection that failed for a reason of its own (unanswered,
	// refused, unreachable, active-blocked, refused for its source). A
	// configuration error leads the verdict only while nothing on the
	// data path after it contradicts it (configLeads).
	configAt    time.Time
	configDirs  uint8
	workedAt    [configFamilies]time.Time
	netFailedAt time.Time
	// natRoutedOrNAT: info nat-mismatch findings of private clients from
	// other networks that reached the private address as announced
	// (Finding.routedOrNAT): a routed network or a DNAT.
	natRoutedOrNAT int
	// natHairpin: nat-mismatch findings of clients on the server's own
	// network sent to its public address (Finding.hairpin); natHairpinCaused
	// those whose data connection failed there; hairpin: data-source-nat
	// findings of the router's NAT loopback masquerading such a client.
	natHairpin, natHairpinCaused, hairpin int
	// ctlAfterDNAT: a session's capture may see the control port after
	// a router's DNAT changed it (PortMayBeTranslated): the change
	// lines' helper rules say so (ctlPortLines).
	ctlAfterDNAT bool
	// hairpinDirect: data-source-nat findings whose control connection
	// went through the router and data connection straight to the
	// server (Finding.hairpinDirect).
	hairpinDirect int
	// hairpinDirectForeign: the same of data-foreign-source findings.
	hairpinDirectForeign int
	// natUnmasq: those of natHairpinCaused whose capture shows the
	// router's loopback without masquerade (Finding.unmasqueraded).
	natUnmasq int
	// hairpinForeign: data-foreign-source findings whose source is
	// another host of the server's own network, the client sent to the
	// public address (the router's loopback, or a theft).
	hairpinForeign int
	// ownPrefix, ownPrefixForeign: data-source-nat and
	// data-foreign-source findings whose source is another IPv6 address
	// of the client's /64 (Finding.ownPrefix): its temporary address.
	ownPrefix, ownPrefixForeign int
	// fxpForeign: data-foreign-source findings from another host's
	// port below 1024 (Finding.fxpLike): FXP, or a theft.
	fxpForeign int
	// natIf: nat-mismatch warnings of clients from other private
	// networks that never connected (unprovenNAT): the address is a
	// fault only if a NAT sits between; natIfAddr the first such
	// address, natIfFix what to announce instead.
	natIf     int
	natIfAddr netip.Addr
	natIfFix  string
	// reachedAs: the addresses passive data connections of clients on
	// the same network arrived at exactly as announced and got through,
	// with how many (at most maxReachedAs addresses; the server's own,
	// usually one or two).
	reachedAs [maxReachedAs]addrCount
	// passiveClients, activeClients: per direction, which clients' data
	// connections got through and which failed (bounded lists): a failure
	// of some clients only is their path's, not the server's (minority.go).
	passiveClients, activeClients directionStats
	// loginWarn: login-brute-force warnings (an info one is a shared
	// address, not guessing).
	loginWarn int
	// loginSpread: of loginWarn, the warnings about one account guessed
	// from many addresses (Finding.spread); loginSpreadSame: the info
	// ones, one account failing from many addresses with one password.
	loginSpread, loginSpreadSame int
	// loginTunnel: of loginWarn, those hedged for a tunnel
	// (Finding.tunnelOnly).
	loginTunnel int

	encrypted int
	// hidden: data connections whose announcement the capture could not
	// read (MatchInferred: made while the control channel was encrypted).
	// The encrypted verdicts speak of these; a server whose data
	// connections were all announced in clear (after CCC) gets the
	// verdict of what they show.
	hidden int
	// undelivered: control-undelivered errors, control segments that
	// never got through; undeliveredLarge: of them, those whose line was
	// too large for a small link (Finding.pathMTU).
	undelivered, undeliveredLarge int
	// undeliveredHedged: of them, those that name both causes alike
	// (Finding.mtuHedged).
	undeliveredHedged int
	// pmtuSuspected: pmtu-blackhole findings read from the sender's
	// resends alone, no ICMP error in the capture (Finding.mtuSuspected).
	pmtuSuspected int
	// refusedTransfers: file transfers the server refused outright
	// (RefusedTransfer).
	refusedTransfers int
	// pmtuReceiver: of them, those read on the receiver's side, the
	// sender's FIN come and its data not (Finding.mtuReceiver).
	pmtuReceiver int
	// abortStalls: transfers the client aborted after their data had
	// stopped coming (Finding.abortStall): stalls, not a user's choice.
	abortStalls int
	// stallsHalfway: transfer-stalled warnings of transfers stalled
	// half-way (stalledHalfwayFinding); stallEnds: the notes of their
	// final replies in the sessions that picked them up again, of them
	// stallsCompleted 2yz (stallEnded).
	stallsHalfway, stallEnds, stallsCompleted int
	// emptyStalled: data connections made that carried nothing for a
	// transfer the server began (1yz) and never ended with a final
	// reply: a stall on the path, not a refusal (stalledTransfer).
	emptyStalled int
	// emptyTooSoon: the same, but ended (an ABOR) or cut by the capture's
	// end within stallWait of the 1yz: too soon to tell (waitedOut).
	emptyTooSoon int
	// connectRejected: control-unreachable findings whose ICMP error is
	// a firewall's reject (connect.go).
	connectRejected int
	blind           int // endpoints the capture cannot see the data path of
	filtered        int // endpoints whose connection the user's packet filter may have left out
	controlOnly     int // findings read in a capture of control connections alone (Finding.controlOnly)
	dropped         int // findings hedged for the capture point's drops (hedgeDropped), not counted as failures
	// unusedSerious: the data-not-attempted findings of warning or error
	// (the client gave up waiting, the capture cannot see the path); the
	// others are notes (a client that cancelled, or asked again).
	unusedSerious int
	unaccepted    int // announcements refused or never answered
	// cutAnnounce: announcements whose address the capture cut short,
	// and transfers whose announcement a capture gap may hold
	// (announcementCut, announcementLost).
	cutAnnounce int
	// gapped: sessions whose control connection the capture did not
	// hold whole (capture gaps): an announcement may be in a gap.
	gapped int
	// gappedUnread: of them, those whose client never had the greeting
	// whole (greetingNeverWhole): the bytes never reached it.
	gappedUnread int
	// failedV4, failedV6: failed passive data connections that reached
	// the capture, by the family they went over (passiveFamilies).
	failedV4, failedV6 int
	// oneSided: sessions the capture held one side of only, by the side
	// it held (track.OneSide): the other side's announcements, and its
	// data connections' matches, are not in it.
	oneSided  [3]int
	outside   PortStats
	v6        bool
	recent    portWindow // passive announcements of the last timeWait
	activeNAT bool       // an active-mode client announced an address a NAT did not rewrite
	// activeEncrypted: active-blocked findings of sessions whose control
	// channel is encrypted, where no helper can read the PORT.
	activeEncrypted int
	// activeWindows: active-blocked findings of sessions whose client
	// showed itself Windows's (windowsVerb); activeFtpExe: of those, the
	// ones of Windows's ftp.exe (ftpExe).
	activeWindows, activeFtpExe int
	bounce                      bounceSeen // the latest of the gravest ftp-bounce findings (warning or error) that prove another host
	// bounceUnproven: the same among the ftp-bounce findings whose target
	// may be the client's own address behind a NAT (unprovenBounce).
	bounceUnproven bounceSeen
	// greeting: the family its sessions' greetings name, merged over
	// them (a session naming none does not contradict).
	greeting kindVote
	// passiveAt and activeAt: where the firewalls of its passive and
	// active data connections sit, over all of them (passivePlace,
	// activePlace); tlsRefused, tlsUnresumed: data connections whose TLS
	// handshake did not resume the control connection's session, refused
	// by a reply the capture shows (tlsRefusedNamed: one that names
	// resumption), or not (the reply was ciphertext, or not captured;
	// tlsHandshakeOnly: of those, the ones that carried a handshake and
	// nothing else; tlsCutOff: the uploads the server cut off).
	passiveAt, activeAt      place
	insideMixed              bool
	tlsRefused, tlsUnresumed int
	tlsRefusedNamed          int
	tlsHandshakeOnly         int
	tlsCutOff                int
	// shared: what every serverAcc of a Diagnoser shares, the capture's:
	// the handshake timing of every data connection, by the networks of
	// its hosts (prefixVotes: what the capture point is near and far
	// from, Diagnoser.vantage) and the clients active data connections got
	// through to or failed for, and from which servers; activeFailing: this server's clients whose active data
	// connections failed; activeFrom20, activeFromOther: of those failures
	// with a SYN, the ones from port 20 and from another port.
	shared *captureShared
	// icmpKinds: the passive data-unreachable findings by what their
	// ICMP error means (icmpKindOf), so that the verdict says what the
	// findings say: a firewall's reject, an unreachable address, a
	// routing loop, a parameter problem.
	icmpKinds                     [4]int
	activeFailing                 failingSet
	activeFrom20, activeFromOther int
	// activeBeyondNAT: failing active data connections whose SYNs the
	// capture also shows on the far side of a NAT (DataConn.Twin: a
	// capture on the box that translates them): the box let them out,
	// so the block is beyond it, not on the server's side.
	activeBeyondNAT int
	// activeRouter: the router whose ICMP error answered the first
	// blocked active data connection that one answered (not the client
	// itself); activeRouters: another router answered others.
	activeRouter  netip.Addr
	activeRouters bool
	// passiveUnused: data-not-attempted warnings of passive endpoints on
	// a path the capture sees (not blind, not filtered): the client never
	// came, so passive mode is no proven way out.
	passiveUnused int
	// idleUnplaced: control-idle-timeout findings that may be the
	// client's own firewall's doing (Finding.unplaced).
	idleUnplaced int
	// activeAlone: the active-blocked findings of unanswered SYNs made
	// for clients not seen (yet) taking active data connections from
	// another server: each read alone, they name the client's side, which
	// the server's verdict, made at the end, may overrule.
	activeAlone int
	// activeRefused: active-refused findings of warning or error, sessions
	// whose PORT/EPRT naming the client's own address the server refused
	// and that did not fall back to passive mode; activeRefusedAddr: of
	// those, the ones refused for the address (a NAT in front of the
	// client); activeRefusedNone: of those, the ones whose session made
	// no data connection; activeRefusal: the first one's reply. Set by
	// settleActive at the summary from activeOff and activeAddrBy, leaving
	// out the refusals the capture as a whole contradicts (activePerUser:
	// the server accepted a PORT/EPRT elsewhere).
	activeRefused, activeRefusedAddr, activeRefusedNone, activePerUser int
	// activeOff, activeOffNone: the refusals of active mode as such
	// (activeModeOff), and of those the sessions with no data connection;
	// activeAddrBy: the refusals of the address (activeAddrRefused), by
	// client address (at most maxActiveClients; activeAddrMore the rest);
	// activeRefusalOff, activeRefusalAddr: the first reply of each kind.
	activeOff, activeOffNone            int
	activeAddrBy                        [maxActiveClients]activeRefusedFrom
	activeAddrMore                      activeRefusedFrom
	activeRefusalOff, activeRefusalAddr string
	// activeAccepted: the server accepted a PORT/EPRT (2yz) in some
	// session; activeAcceptedFrom: from which client addresses (at most
	// maxActiveClients, the first ones).
	activeAccepted     bool
	activeAcceptedFrom [maxActiveClients]netip.Addr
	// passiveAccepted: the server accepted a passive announcement (227,
	// 228, 229) in some session: passive mode is on, and a session's
	// refusal is not passive mode turned off (pendingPassiveRefused).
	passiveAccepted bool
	// routerResets: of failPorts' data-refused, the RSTs a router in
	// front of the server sent in its name (routerReset).
	routerResets int
	// passiveRefused: passive-refused warnings and errors, sessions whose
	// server refused every passive form; passiveRefusedNone: of those,
	// the ones that made no data connection (errors);
	// passiveRefusal: the first of those's reply.
	passiveRefused, passiveRefusedNone int
	passiveRefusal                     string
	activeRefusal                      string
	// loginRefused: counted sessions whose login the server refused and
	// that never logged in (track.LoginFailed); loginRefusedAnon: of
	// those, anonymous ones; loginRefusal: the words of the first 530 to
	// a USER or PASS.
	loginRefused, loginRefusedAnon int
	loginRefusal                   string
	// loginRefusedTLS: of loginRefused, the sessions whose refusal said
	// the server takes logins over TLS only (tlsRequiredText).
	loginRefusedTLS int
	// refusedLogin: of refused, the sessions refused at login with words
	// that name a connection limit (loginLimitRefused: ProFTPD's 530
	// past MaxClients). refusedFrom: the client addresses of the refused
	// sessions (at most maxRefusedClients; refusedFromMore: more).
	refusedLogin int
	// refusedBan: of refused, the sessions refused with a 421 that says
	// the server bans the client's address (banText).
	refusedBan int
	// refusedCut: of refused, the sessions refused with a 421 the
	// capture cut short (ftp.ReplyUnterminated), whose cause it lost.
	refusedCut      int
	refusedFrom     [maxRefusedClients]netip.Addr
	refusedFromMore bool
	// loginSeen: the latest refused login line of each live session
	// that has one, for its end (sessionFindings): outputs that keep no
	// transcript (RecentOnly) keep no USER or PASS to look back at. An
	// entry leaves at the session's end (takeLogin), so the map holds at
	// most the live sessions.
	loginSeen map[*track.Session]*loginRefusalSeen

	// errs: of findings, those of error severity, by code (the verdict
	// names those it does not account for: otherErrors); problems: the
	// warnings of the kinds otherProblems names.
	errs, problems map[string]int
}

// loginRefusalSeen is a refused login line, as kept for the session's
// end: its verb, its text (commandText: a password masked), its packet,
// the reply's code, words, packet and time, and whether the reply repeats
// a line taken for a password (track.Reply.Secret).
type loginRefusalSeen struct {
	// cmd is the line's command, for the finding to go under: with
	// RecentOnly the session's commands drop a login's once it is
	// judged.
	cmd        *track.Command
	verb, line string
	num        uint64
	code       int
	text       string
	quote      string // the reply as sent (replyText), for control-tls-required's words: only when tlsRequiredText
	secret     bool
	replyNum   uint64
	ts         time.Time
}

// noteLoginReply keeps s's latest login line c if final refused it, and
// forgets an earlier one if not.
func (a *serverAcc) noteLoginReply(s *track.Session, c *track.Command, final *track.Reply) {
	if final.Code < 400 {
		delete(a.loginSeen, s)
		return
	}
	if a.loginSeen == nil {
		a.loginSeen = map[*track.Session]*loginRefusalSeen{}
	}
	l := &loginRefusalSeen{cmd: c, verb: strings.ToUpper(c.Verb), line: commandText(c), num: c.Num,
		code: final.Code, text: final.Text, secret: final.Secret, replyNum: final.Num, ts: final.TS}
	if tlsRequiredText(final.Text) {
		l.quote = replyText(final)
	}
	a.loginSeen[s] = l
}

// takeLogin returns s's latest refused login line, if its latest was
// refused, and forgets it.
func (a *serverAcc) takeLogin(s *track.Session) *loginRefusalSeen {
	l := a.loginSeen[s]
	delete(a.loginSeen, s)
	return l
}

// maxActiveClients bounds the client addresses a server's active-mode
// acceptances and address refusals are kept for; maxRefusedClients the
// client addresses of its refused sessions named in the verdict.
const (
	maxActiveClients  = 16
	maxRefusedClients = 3
)

// activeRefusedFrom counts the active-refused findings of one client
// address: n, and of those none, the sessions with no data connection.
type activeRefusedFrom struct {
	addr    netip.Addr
	n, none int
}

// noteActiveAccepted records a PORT/EPRT the server accepted from cli.
func (a *serverAcc) noteActiveAccepted(cli netip.Addr) {
	a.activeAccepted = true
	addBounded(a.activeAcceptedFrom[:], cli)
}

// addBounded puts a in the first free place of list unless it is there:
// a bounded set of addresses. It tells whether list was full without it.
func addBounded(list []netip.Addr, a netip.Addr) (full bool) {
	for i := range list {
		switch x := &list[i]; {
		case *x == a:
			return false
		case !x.IsValid():
			*x = a
			return false
		}
	}
	return true
}

// activeAcceptedBy tells whether the server accepted a PORT/EPRT from cli
// in some session (as far as the bounded list tells).
func (a *serverAcc) activeAcceptedBy(cli netip.Addr) bool {
	return slices.Contains(a.activeAcceptedFrom[:], cli)
}

// settleActive sets activeRefused, activeRefusedAddr, activeRefusedNone,
// activeRefusal and activePerUser from what the capture as a whole
// shows: a refusal of active mode as such does not count when the server
// accepted a PORT/EPRT in any session, a refusal of the address not when
// it accepted one from the same client address (a per-user or
// per-session refusal: vsftpd user_config_dir port_enable, cmds_denied).
func (a *serverAcc) settleActive() {
	a.activeRefused, a.activeRefusedAddr, a.activeRefusedNone, a.activePerUser = 0, 0, 0, 0
	a.activeRefusal = ""
	if a.activeAccepted {
		a.activePerUser += a.activeOff
	} else if a.activeOff > 0 {
		a.activeRefused, a.activeRefusedNone = a.activeOff, a.activeOffNone
		a.activeRefusal = a.activeRefusalOff
	}
	addr := 0
	for _, x := range append(a.activeAddrBy[:], a.activeAddrMore) {
		if x.n == 0 {
			continue
		}
		if x.addr.IsValid() && a.activeAcceptedBy(x.addr) {
			a.activePerUser += x.n
			continue
		}
		addr += x.n
		a.activeRefusedNone += x.none
	}
	if addr > 0 {
		a.activeRefused += addr
		a.activeRefusedAddr = addr
		if a.activeRefusal == "" {
			a.activeRefusal = a.activeRefusalAddr
		}
	}
}

// countActiveRefused adds an active-refused finding of warning or error
// to the server's counts (settleActive weighs them at the end): a
// refusal of active mode or of the address, not of the EPRT's network
// protocol nor of a loosely written form.
func (a *serverAcc) countActiveRefused(f *Finding) {
	c := f.Command
	if c == nil || c.Anomaly&ftp.CmdTabSeparator != 0 {
		// nil, or a TAB after the verb the server did not read
		// (tabRefused): the client's doing, not the server's refusal.
		return
	}
	r := c.Final()
	if activeRefusalOf(r) == activeFamilyRefused || looseRefusal(c, r) {
		// An EPRT of a family the server has no route for (522), or a
		// loosely written PORT/EPRT it did not read: the client's to
		// change, no active mode turned off (familyRefused,
		// looseRefused).
		return
	}
	s := f.Session
	none := s.DataOutcomes[track.OutcomeTransferred]+s.DataOutcomes[track.OutcomeConnected] == 0
	one := func(x *activeRefusedFrom) {
		x.n++
		if none {
			x.none++
		}
	}
	if activeRefusalOf(r) != activeAddrRefused {
		a.activeOff++
		if none {
			a.activeOffNone++
		}
		if r != nil && a.activeRefusalOff == "" {
			a.activeRefusalOff = replyText(r)
		}
		return
	}
	if r != nil && a.activeRefusalAddr == "" {
		a.activeRefusalAddr = replyText(r)
	}
	cli := s.Client.Addr().Unmap()
	for i := range a.activeAddrBy {
		switch x := &a.activeAddrBy[i]; {
		case x.addr == cli:
			one(x)
			return
		case !x.addr.IsValid():
			x.addr = cli
			one(x)
			return
		}
	}
	one(&a.activeAddrMore)
}

// noteRefusedClient records the client address of a refused session.
func (a *serverAcc) noteRefusedClient(cli netip.Addr) {
	if addBounded(a.refusedFrom[:], cli) {
		a.refusedFromMore = true
	}
}

// refusedFromWords is " from 1 client (198.19.0.9)" when the refused
// sessions came from at most maxRefusedClients client addresses, at
// least two per address, "" otherwise: a single client looping, or a few, is what to
// look at, not the server's limit alone.
func (a *serverAcc) refusedFromWords() string {
	if a.refusedFromMore {
		return ""
	}
	var l []string
	for _, x := range a.refusedFrom {
		if x.IsValid() {
			l = append(l, x.String())
		}
	}
	if len(l) == 0 || a.refused < 2*len(l) {
		// One session per client says nothing of where they come from.
		return ""
	}
	return fmt.Sprintf(" from %s (%s)", plural(len(l), "client", "clients"), strings.Join(l, ", "))
}

// maxReachedAs bounds serverAcc.reachedAs.
const maxReachedAs = 4

// addrCount is an address and how often it was seen.
type addrCount struct {
	addr netip.Addr
	n    int
}

// reached counts a data connection that arrived at a as announced and got
// through; addresses beyond maxReachedAs are not counted.
func (a *serverAcc) reached(addr netip.Addr) {
	for i := range a.reachedAs {
		switch r := &a.reachedAs[i]; {
		case r.addr == addr:
			r.n++
			return
		case !r.addr.IsValid():
			r.addr, r.n = addr, 1
			return
		}
	}
}

// reachedCount is how many data connections arrived at addr as
// announced and got through.
func (a *serverAcc) reachedCount(addr netip.Addr) int {
	for _, r := range a.reachedAs {
		if r.addr == addr {
			return r.n
		}
	}
	return 0
}

// at adds one data connection's place to the server's.
func (a *serverAcc) at(p place, to *place) {
	if !p.host && !p.router {
		return
	}
	switch {
	case !to.host && !to.router:
		*to = p
		return
	case p.inside != to.inside && p.inside.IsValid() && to.inside.IsValid() || p.public != to.public && p.public.IsValid() && to.public.IsValid():
		// (One data connection that shows no address behind the NAT
		// does not contradict another that does: the same server.)
		a.insideMixed = true
	}
	if !to.public.IsValid() {
		to.public = p.public
	}
	if !to.inside.IsValid() {
		to.inside = p.inside
	}
	to.host = to.host || p.host
	to.router = to.router || p.router
	to.nat = to.nat || p.nat
	to.far = to.far || p.far
	to.box = to.box && p.box // (the capture's box alone: no other firewall named)
	switch {
	case p.answers && !to.answers:
		to.answers, to.ctl = true, p.ctl
	case p.answers && p.ctl != to.ctl:
		// (A helper for the sessions whose control connection it can
		// read only, or on another port: named for none.)
		to.ctl = 0
	}
}

// passiveFamilies are the families of the rules that open the server's
// passive ports: its data connections', which over an IPv6 control
// connection may be IPv4 (a dual-stack client that trusted the IPv4
// address of a 227, trustedPublicIPv4). Every family the failed passive
// data connections the capture saw went over, both when they went over
// both (ip6tables rules leave IPv4 shut, and the reverse); the control
// connection's when none was seen.
func (a *serverAcc) passiveFamilies() (v4, v6 bool) {
	if a.failedV4 == 0 && a.failedV6 == 0 {
		return !a.v6, a.v6
	}
	return a.failedV4 > 0, a.failedV6 > 0
}

// placeOf is the place the server's rules are for: both, each named, when
// no data connection told.
func (a *serverAcc) placeOf(p place) place {
	if !p.host && !p.router {
		return p.either()
	}
	if a.insideMixed {
		// Different addresses behind the NAT: a rule for one is not for
		// the others.
		p.inside, p.public = netip.Addr{}, netip.Addr{}
	}
	return p.v4Side()
}

// MaxServers bounds the servers summarised one by one. Sessions of
// servers beyond it are diagnosed and written all the same, but counted
// in Omitted instead of a summary of their own: a scan of many addresses
// cannot grow the table or the output without bound.
const MaxServers = 1000

// Omitted says what the diagnoser's bounds left out: of the server
// summaries (MaxServers), of the logins weighed, of what the capture
// as a whole tells, of the sessions' held data connections.
type Omitted struct {
	// Sessions of servers beyond the first MaxServers: diagnosed and
	// written, but in no server summary.
	Sessions int `json:"sessions_not_summarised,omitempty"`
	// LoginFailures: failed logins of (client, server) pairs beyond
	// maxLoginClients, not weighed for guessing.
	LoginFailures int `json:"login_failures_not_followed,omitempty"`
	// LoginSuccesses: successful logins at servers beyond MaxServers,
	// not weighed against failures.
	LoginSuccesses int `json:"login_successes_not_weighed,omitempty"`
	// TimingVotesForgotten: pairs of networks whose handshake timing
	// votes (the capture point) the oldest-first bound pushed out.
	TimingVotesForgotten int `json:"timing_votes_forgotten,omitempty"`
	// ActiveClientsForgotten: client addresses whose active data
	// connections from other servers the bound pushed out.
	ActiveClientsForgotten int `json:"active_clients_forgotten,omitempty"`
	// DataSourceClientsForgotten: client addresses whose passive data
	// connections from another address the bound (maxSourceClients)
	// pushed out, oldest first: a later single SYN from that address
	// is no longer shown to be the client's (strangerOwned), and reads
	// as a warning with both readings instead of the data path's error.
	DataSourceClientsForgotten int `json:"data_source_clients_forgotten,omitempty"`
	// BounceClientsNotFollowed: client addresses whose PORTs to other
	// hosts were not followed across sessions: the bound of clients
	// (maxBounceClients) was full; each session still judged alone.
	BounceClientsNotFollowed int `json:"bounce_clients_not_followed,omitempty"`
	// LoginSpreadNotWeighed: failed logins at servers beyond the first
	// MaxServers with failures for a named user, not weighed for
	// password guessing spread over many addresses (spreadFailure); each
	// address's own failures still are.
	LoginSpreadNotWeighed int `json:"login_failures_not_weighed_for_spread,omitempty"`
	// LoginSpreadUsersForgotten: times a user name was pushed out of a
	// server's maxSpreadUsers followed for guessing spread over many
	// addresses (the fewest failures first) while it had failures
	// within the window (a name pushed out twice counts twice): those
	// are not weighed with the name's later ones.
	LoginSpreadUsersForgotten int `json:"login_users_forgotten_for_spread,omitempty"`
	// LoginSpreadReportsForgotten: names already reported (the warning)
	// or noted (the info) for guessing spread over many addresses that
	// the memory of maxSpreadGone per server pushed out, oldest first:
	// each may be reported or noted again.
	LoginSpreadReportsForgotten int `json:"login_spread_reports_forgotten,omitempty"`
	// ForeignClosesNotJudged: data connections from another address
	// than the control connection's that the server closed at once, not
	// held for foreignClosed: their session held maxClosedForeign whose
	// transfer commands were not answered yet. A silent refusal among
	// them raises no data-source-nat.
	ForeignClosesNotJudged int `json:"foreign_closes_not_judged,omitempty"`
	// TLSResetsNotJudged: data connections of an FTPS session that
	// carried nothing and that the server reset, past the 4 a session
	// holds to judge at its end (data-tls-required's warning): not judged.
	TLSResetsNotJudged int `json:"tls_resets_not_judged,omitempty"`
	// StallsNotJudged: data connections of transfers that may have
	// stalled, past the maxStallWait a session holds to judge at its end
	// (transfer-stalled): not judged.
	StallsNotJudged int `json:"stalls_not_judged,omitempty"`
	// StallEndsNotKept: transfers stalled half-way in sessions closed as
	// idle let go past the maxStallsOpen kept for the session that picks
	// one up again: a final reply there reads as a reply to a command
	// before the idle close, with no word of the stall's end.
	StallEndsNotKept int `json:"stall_ends_not_kept,omitempty"`
	// SweepClientsForgotten: client addresses whose control connections
	// opened, which a port scan's probes are told from (sweepProbe),
	// that clientsSpoke forgot, the least recently opened first (the
	// maxSpokeClients latest are kept): a later refusal of one of them
	// may be taken for a probe.
	SweepClientsForgotten int `json:"clients_forgotten_for_sweep,omitempty"`
	// LoginAttackersLetGo: (client, server) pairs reported for password
	// guessing that the full login table let go past the window
	// (evictReported), the oldest first; each is remembered as reported
	// for reportedMemory of packet time (at most maxReportedGone), then
	// may be reported again.
	LoginAttackersLetGo int `json:"login_attackers_let_go,omitempty"`
	// HostScanClientsNotFollowed: never-opened control connections from
	// client addresses not followed for a scan of many hosts
	// (hostScans): maxHostScanners others' runs were live. Each stays
	// an error.
	HostScanClientsNotFollowed int `json:"host_scan_clients_not_followed,omitempty"`
}

// Omitted returns what the diagnoser's bounds left out so far.
func (d *Diagnoser) Omitted() Omitted {
	o := d.omitted
	o.LoginFailures, o.LoginSuccesses = d.logins.omitted, d.logins.okOmitted
	o.TimingVotesForgotten, o.ActiveClientsForgotten = d.capture.votes.forgotten, d.capture.peers.forgotten
	o.BounceClientsNotFollowed = d.bounces.forgotten
	o.DataSourceClientsForgotten = d.capture.sources.forgotten
	o.LoginSpreadNotWeighed, o.LoginSpreadUsersForgotten = d.logins.spreadOmitted, d.logins.spreadForgotten
	o.LoginSpreadReportsForgotten = d.logins.spreadGoneForgotten
	o.SweepClientsForgotten, o.LoginAttackersLetGo = d.capture.spoke.forgotten, d.logins.letGo
	o.HostScanClientsNotFollowed = d.capture.scans.notFollowed
	return o
}

// server returns the summary a session counts in; past MaxServers, one
// that is never reported.
func (d *Diagnoser) server(s *track.Session) *serverAcc {
	a := d.servers[s.Server]
	if a == nil {
		if len(d.servers) >= MaxServers {
			if d.overflow == nil {
				d.overflow = newServerAcc(netip.AddrPort{})
				d.overflow.shared = d.capture
			}
			return d.overflow
		}
		a = newServerAcc(s.Server)
		a.shared = d.capture
		d.servers[s.Server] = a
	}
	return a
}

func newServerAcc(addr netip.AddrPort) *serverAcc {
	return &serverAcc{addr: addr, outcomes: map[track.Outcome]int{}, findings: map[string]int{}, errs: map[string]int{},
		failPorts: map[string]*PortStats{}, active: map[track.Outcome]int{}, v6: rulesV6(addr)}
}

// portSet is a set of port numbers in 8 KiB.
type portSet [65536 / 64]uint64

// add adds p and reports whether it was new.
func (ps *portSet) add(p uint16) bool {
	w, b := &ps[p/64], uint64(1)<<(p%64)
	if *w&b != 0 {
		return false
	}
	*w |= b
	return true
}

// anyIn reports whether a port of the set lies in lo-hi (hi not below
// lo).
func (ps *portSet) anyIn(lo, hi uint16) bool {
	for w := lo / 64; w <= hi/64; w++ {
		m := ps[w]
		if w == lo/64 {
			m &= ^uint64(0) << (lo % 64)
		}
		if w == hi/64 {
			m &= ^uint64(0) >> (63 - hi%64)
		}
		if m != 0 {
			return true
		}
	}
	return false
}

// bounds are the lowest and highest port of the set (ok: any).
func (ps *portSet) bounds() (lo, hi uint16, ok bool) {
	first, last := -1, -1
	for i, w := range ps {
		if w != 0 {
			if first < 0 {
				first = i*64 + bits.TrailingZeros64(w)
			}
			last = i*64 + 63 - bits.LeadingZeros64(w)
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	return uint16(first), uint16(last), true
}

// tallyPort adds the failed port p to (*m)[code], creating what is
// missing. Distinct is a bound: exact for one or two ports, which is
// what String needs.
func tallyPort(m *map[string]*PortStats, code string, p uint16) {
	if *m == nil {
		*m = map[string]*PortStats{}
	}
	ps := (*m)[code]
	if ps == nil {
		ps = &PortStats{}
		(*m)[code] = ps
	}
	ps.tally(p)
}

// tally counts p, and it as a distinct port when it is neither bound
// seen so far (Distinct: a lower bound of the distinct ports).
func (ps *PortStats) tally(p uint16) {
	if ps.Count == 0 || p != ps.Min && p != ps.Max {
		ps.Distinct++
	}
	ps.add(p)
}

func (ps *PortStats) add(p uint16) {
	if ps.Count == 0 || p < ps.Min {
		ps.Min = p
	}
	if ps.Count == 0 || p > ps.Max {
		ps.Max = p
	}
	ps.Count++
}

// String lists what was seen without presenting it as a range: two
// ports announced 11 apart are two ports, not a configured span.
func (ps PortStats) String() string {
	switch {
	case ps.Min == ps.Max:
		return fmt.Sprint(ps.Min)
	case ps.Distinct == 2 || ps.Distinct == 0 && ps.Count == 2:
		return fmt.Sprintf("%d and %d", ps.Min, ps.Max)
	case ps.Distinct > 2:
		return fmt.Sprintf("%d different, lowest %d, highest %d", ps.Distinct, ps.Min, ps.Max)
	}
	return fmt.Sprintf("between %d and %d", ps.Min, ps.Max)
}

// data counts dc in the server's summary; misfit: dc went to an
// endpoint inferred under TLS that does not fit the session's passive
// range (a failure misfitOf hedges, or serviceAside), maybe another
// service's, kept out of the passive ports seen and the example range
// made from them.
func (a *serverAcc) data(dc *track.DataConn, misfit bool) {
	a.outcomes[dc.Outcome]++
	if dc.Outcome == track.OutcomeConnected && dc.TotalBytes() == 0 && stalledTransfer(dc.Session, dc.Command) {
		if waitedOut(dc) {
			a.emptyStalled++
		} else {
			a.emptyTooSoon++
		}
	}
	if dc.Outcome == track.OutcomeUndetermined && dc.OneSide != track.BothSides {
		a.oneSide++
	}
	if dc.Outcome == track.OutcomeUndetermined && dc.InBreak() {
		a.inBreak++
	}
	if dc.Outcome == track.OutcomeUndetermined && dc.AfterCloseCut() {
		a.afterCloseCut++
	}
	if dc.Match == track.MatchInferred {
		a.hidden++
	}
	a.shared.votes.add(dc)
	a.spread.note(dc, a.addr.Addr().Unmap())
	if dc.Passive && dc.Seen() && dc.Outcome.Failed() {
		if rulesV6(dc.Server) {
			a.failedV6++
		} else {
			a.failedV4++
		}
	}
	if dc.ModeUnknown() {
		// Begun before the capture, and who connected is not in it: no
		// passive port seen, no place of either mode's firewall.
		return
	}
	if dc.Session != nil {
		if dc.Passive {
			a.at(passivePlace(a.shared, dc.Session, dc), &a.passiveAt)
		} else {
			a.at(activePlace(a.shared, dc.Session, dc, dc.Announced.Addr()), &a.activeAt)
		}
		if gotThrough(dc) {
			a.noteWorked(dc)
			cli := dc.Session.Client.Addr().Unmap()
			k := kindOf(a.addr.Addr().Unmap(), cli)
			if dc.Passive {
				a.passiveClients.got(cli, k, dc.Server.Port(), connTime(dc))
				if to := dc.Server.Addr().Unmap(); dc.Match == track.MatchExact && SameNet(to, cli) {
					// A client of the address's own network: it routes
					// there, where one from elsewhere may have been
					// forwarded by a DNAT of another address.
					a.reached(to)
				}
			} else {
				a.activeClients.got(cli, k, 0, connTime(dc))
				a.shared.peers.got(cli, a.addr)
			}
		}
	}
	if dc.Passive && !misfit && !dc.AfterUnsolicited() {
		// (One reply that answered no command tells nothing of the
		// server's passive ports: hedgeUnsolicited.)
		p := dc.Announced.Port()
		if dc.Match == track.MatchInferred || dc.Match == track.MatchAnnounceLost {
			p = dc.Server.Port() // no announcement visible: the port seen
		}
		if p == 0 {
			return
		}
		a.passive.add(p)
		if dc.Match == track.MatchAnnounceLost {
			a.passive.Inferred++
			a.passive.Lost++
		}
		if dc.Match == track.MatchInferred {
			a.passive.Inferred++
			switch {
			case dc.Session.OneSide == track.ClientSideOnly:
				a.passive.OneSide++
			case !dc.Session.WasEncrypted:
				a.passive.BeforeCapture++
			}
		}
		if a.ports.add(p) {
			a.passive.Distinct++
		}
	}
}

func (a *serverAcc) finding(d *Diagnoser, f *Finding) {
	a.findings[f.Code]++
	switch {
	case f.stallEnd:
		a.stallEnds++
		if f.completed {
			a.stallsCompleted++
		}
	case f.halfway:
		a.stallsHalfway++
	}
	if f.ControlOnly() && f.Severity >= SeverityWarning {
		// (Still said: a later reading, a control reset's, may have
		// rewritten it into a note.)
		a.controlOnly++
	}
	if f.capDropped {
		a.dropped++
		return
	}
	if f.Severity >= SeverityError {
		a.errs[f.Code]++
	} else if f.Severity == SeverityWarning && (problemWarnings[f.Code] || f.strangerOnce) {
		if a.problems == nil {
			a.problems = map[string]int{}
		}
		a.problems[f.Code]++
	}
	dc := f.Data
	if f.Code == CodeDataNotAttempted && f.Severity >= SeverityWarning {
		a.unusedSerious++
	}
	switch f.Code {
	case CodeDataUnanswered, CodeDataRefused, CodeDataUnreachable:
		if dc.Superseded() {
			// A stale announcement used: nothing about the range.
			a.staleUsed++
			break
		}
		if f.strangerOnce {
			// Another address's one SYN, which a firewall may have
			// stopped rightly: the verdict says both readings
			// (strangerOnly), and no range is opened for it.
			a.noteStranger(f)
			break
		}
		if f.lostEndpoint {
			// Its port inferred, the announcement lost: maybe another
			// service's (lostEndpointOnly); no range is opened for it.
			a.noteLostEndpoint(f)
			break
		}
		a.noteNetFailed(f)
		if f.otherHost {
			// Another host than the server answered or dropped it
			// (otherHostLed): no range is opened for it.
			a.noteOtherHost(f)
			break
		}
		if f.Code == CodeDataUnanswered && dc.SynAckLost {
			a.synAckLost++
		}
		if f.passiveBefore {
			a.passiveBefore++
		}
		if f.boxDrop {
			if a.boxDrops == 0 {
				a.boxAt = boxPlace(f.Session, dc)
			} else {
				a.at(boxPlace(f.Session, dc), &a.boxAt)
			}
			a.boxDrops++
		}
		if nearer, _ := routerReset(f.Session, dc); nearer && f.Code == CodeDataRefused {
			a.routerResets++
		}
		p := dc.Server.Port()
		tallyPort(&a.failPorts, f.Code, p)
		if dc.Server.Addr().Unmap() == f.Session.Server.Addr().Unmap() {
			tallyPort(&a.ctlFail, f.Code, p)
		}
		switch dc.Via {
		case ftp.ViaPASV, ftp.ViaLPSV:
			a.failedVia[0]++
		case ftp.ViaEPSV:
			a.failedVia[1]++
		}
		if rs := d.polOf(f.Session).PassiveRanges(); len(rs) > 0 {
			if rs.Contains(p) {
				tallyPort(&a.failIn, f.Code, p)
			} else {
				tallyPort(&a.failOut, f.Code, p)
			}
		}
		cli := f.Session.Client.Addr().Unmap()
		a.passiveClients.lost(cli, kindOf(a.addr.Addr().Unmap(), cli), p, connTime(dc))
		if i := dc.ICMP; f.Code == CodeDataUnreachable && i != nil {
			a.icmpKinds[icmpKindOf(i, dc.Server.Addr(), f.Session.Server.Addr())]++
			if i.From.Unmap() == f.Session.Server.Addr().Unmap() {
				a.passiveClients.icmpServer++
			} else {
				a.passiveClients.icmpOther++
			}
		}
	case CodeActiveBlocked:
		a.noteNetFailed(f)
		if dc != nil {
			a.active[dc.Outcome]++
			switch {
			case f.portBehindNAT:
				a.activeBehindNAT++
				if f.natGuessed {
					a.activeNATGuessed++
				}
			case f.external:
				// Counted below, once: its no-SYN is the client's router's
				// doing, not the server's output chain's.
			case dc.Outcome == track.OutcomeNotAttempted && dc.SYNs == 0:
				a.activeNoSYN++
				if f.controlOnly {
					a.activeNoSYNUnsure++
				}
			}
		}
		if f.external {
			a.activeExternal++
		}
		if f.boxDrop {
			a.activeBoxDrops++
		}
		if dc != nil && dc.Match == track.MatchDefaultPort {
			a.activeDefaultPort++
		}
		if encryptedControl(f.Session) {
			a.activeEncrypted++
		}
		if windowsVerb(f.Session) != "" {
			a.activeWindows++
			if ftpExe(f.Session) {
				a.activeFtpExe++
			}
		}
		cli := f.Session.Client.Addr().Unmap()
		a.activeClients.lost(cli, kindOf(a.addr.Addr().Unmap(), cli), 0, connTime(dc))
		a.activeFailing.add(cli)
		a.shared.peers.failed(cli, a.addr)
		if dc != nil && dc.Twin != nil && dc.Twin.SYNs > 0 {
			a.activeBeyondNAT++
		}
		if dc != nil && dc.ICMP != nil && dc.ICMP.From.Unmap() != dc.Client.Addr().Unmap() {
			i := dc.ICMP
			if !a.activeRouter.IsValid() {
				a.activeRouter = i.From.Unmap()
			} else if a.activeRouter != i.From.Unmap() {
				a.activeRouters = true
			}
		}
		if dc != nil && dc.SYNs > 0 {
			if dc.Client.Port() == 20 {
				a.activeFrom20++
			} else {
				a.activeFromOther++
			}
		}
	case CodeServerConfigError:
		if a.configAt.IsZero() || !f.TS.Before(a.configAt) {
			a.configAt, a.configDirs = f.TS, configDirsOf(f.Command)
		}
	case CodeLoginAttack:
		if f.Severity >= SeverityWarning && f.spread {
			a.loginSpread++
		}
		if f.Severity == SeverityInfo && f.spread {
			a.loginSpreadSame++
		}
		if f.Severity >= SeverityWarning {
			a.loginWarn++
			if f.tunnelOnly {
				a.loginTunnel++
			}
		}
	case CodeTransferAborted:
		if f.Severity >= SeverityWarning {
			a.aborted++
		}
	case CodeServerDataError:
		if f.abortStall {
			a.abortStalls++
		}
	case CodeModeFallback:
		if f.Severity >= SeverityWarning && dc != nil {
			// (dc is the data connection that worked.)
			if dc.Via == ftp.ViaEPSV {
				a.modeFallback[1]++
			} else {
				a.modeFallback[0]++
			}
		}
	case CodePassiveRefused:
		if f.Severity >= SeverityWarning {
			a.passiveRefused++
		}
		if f.Severity == SeverityError {
			a.passiveRefusedNone++
			if r := f.Command.Final(); a.passiveRefusal == "" && r != nil {
				a.passiveRefusal = replyText(r)
			}
		}
	case CodeActiveRefused:
		if f.Severity >= SeverityWarning {
			a.countActiveRefused(f)
		}
	case CodeSessionRefused:
		a.refused++
		if f.silent {
			a.refusedSilent++
		}
		if f.greetingCode != 0 {
			a.refusedGreeting++
		}
		a.noteRefusedClient(f.Session.Client.Addr().Unmap())
	case CodeDataSourceNAT:
		a.noteNetFailed(f)
		if f.hairpin {
			a.hairpin++
		}
		if f.hairpinDirect {
			a.hairpinDirect++
		}
		if f.ownPrefix {
			a.ownPrefix++
		}
	case CodeRangeExhausted:
		if f.widened.Len() > a.widened.Len() {
			a.widened = f.widened
		}
		if dc != nil && !dc.Superseded() && (dc.Outcome == track.OutcomeUnanswered || dc.Outcome == track.OutcomeRefused || dc.Outcome == track.OutcomeUnreachable) {
			a.exhaustedFailed++
		}
	case CodeDataForeignSource:
		if f.hairpin {
			a.hairpinForeign++
		}
		if f.hairpinDirect {
			a.hairpinDirectForeign++
		}
		if f.ownPrefix {
			a.ownPrefixForeign++
		}
		if f.fxpLike {
			a.fxpForeign++
		}
	case CodeFTPBounce:
		// The gravest wins: a scan the server served stays the verdict
		// when a later session's attempt was only refused or ignored.
		slot := &a.bounce
		if f.unproven {
			slot = &a.bounceUnproven
		}
		if f.Severity >= SeverityWarning && (!slot.seen() || f.Severity >= slot.sev) {
			// (fxp: every one of the gravest reads as FXP as well.)
			fxp := f.fxpLike && (!slot.seen() || f.Severity > slot.sev || slot.fxp)
			*slot = bounceSeen{ok: true, sev: f.Severity, fxp: fxp, tunnel: f.tunnelOnly}
			if c := f.Command; c != nil {
				slot.verb, slot.target = c.Verb, c.Endpoint.Addr()
			}
		}
	case CodeNATMismatch:
		if (dc == nil || !dc.Passive) && (f.Session == nil || !lanActiveClient(f.Session)) {
			// (A client of the server's own network: "if a NAT sits
			// between them", natActiveLAN; no NAT verdict.)
			a.activeNAT = true
		}
		if f.fxpAddr {
			// (The address went to another server, not to the clients:
			// none of the client NAT verdicts; an error is the cause of
			// that server's failed connection, and leads as one.)
			if f.Severity == SeverityError && dc != nil {
				if a.fxpNATErr++; !a.fxpNATAddr.IsValid() {
					a.fxpNATAddr = dc.Announced.Addr()
				}
			}
			break
		}
		if dc != nil && !dc.Passive && doneUnseen(dc) {
			// The server reported the transfer done: no verdict that it
			// cannot reach the address (natActive's warning says both).
			break
		}
		if unprovenNAT(f, dc) {
			// "If a NAT sits between them": no proven fault, so none of
			// the verdicts that state one; its own says the condition.
			if a.natIf++; !a.natIfAddr.IsValid() {
				a.natIfAddr = dc.Announced.Addr()
				a.natIfFix = suggestPublic(d.capture, f.Session, a.natIfAddr.Unmap(), d.polOf(f.Session).Public().Unmap())
			}
			break
		}
		if f.hairpin {
			// The address is right for outside clients: the router's
			// NAT loopback is the fix, never another address.
			a.natHairpin++
			if f.caused {
				a.natHairpinCaused++
			}
			if f.unmasqueraded {
				a.natUnmasq++
			}
			break
		}
		if f.reached {
			a.natReached++
		}
		if f.resetThere && dc != nil {
			if a.natReset++; a.natReset == 1 {
				a.natResetAt = dc.Server
			}
		}
		if f.routedOrNAT {
			a.natRoutedOrNAT++
		}
		a.natRoutedLAN = a.natRoutedLAN || f.routedLAN
		if f.Severity >= SeverityWarning {
			a.natSerious++
			if dc == nil || !dc.Passive {
				a.natSeriousActive++
			}
		}
		// A client that gave up on the endpoint after its data connection
		// to the control address failed: that failure is the verdict's,
		// the address a note beside it (natNote).
		gave := f.caused && gaveUpAfter(f.Session, dc) != nil
		caused := f.caused && !gave
		if caused {
			a.natCaused++
		}
		if dc != nil && dc.Passive && (dc.Match == track.MatchControlAddress && dc.Outcome.Failed() || gave) && !caused && f.Severity >= SeverityWarning {
			a.natLatent = true
			a.natGaveUp = a.natGaveUp || gave
		}
		if dc != nil && dc.Passive && (!a.natAddr.IsValid() || caused && !a.natCausedAddr) {
			// The first mismatching address, or the first whose failure
			// it caused: that one is the verdict's.
			a.natCausedAddr = caused
			a.natAddr = dc.Announced.Addr()
			if dc.Via == 0 {
				// Inferred under TLS: where the client went is what the
				// hidden 227 said (see hiddenPrivateAddress).
				a.natAddr = dc.Server.Addr()
			}
			a.natFix = suggestPublic(d.capture, f.Session, a.natAddr.Unmap(), d.polOf(f.Session).Public().Unmap())
			a.natByHand = dc.Match == track.MatchControlAddress && !dc.Outcome.Failed()
		}
	case CodeControlIdle:
		if f.unplaced {
			a.idleUnplaced++
		}
	case CodePMTUBlackHole:
		if f.mtuSuspected {
			a.pmtuSuspected++
		}
		if f.mtuReceiver {
			a.pmtuReceiver++
		}
	case CodeControlUndelivered:
		if f.Severity >= SeverityError {
			a.undelivered++
			if f.pathMTU {
				a.undeliveredLarge++
			}
			if f.mtuHedged {
				a.undeliveredHedged++
			}
		}
	case CodeControlEncrypted:
		// Info: the channel was readable again for every announcement
		// (CCC), so helpers could follow the data connections.
		if f.Severity >= SeverityWarning {
			a.encrypted++
		}
	case CodeDataNotAttempted:
		if f.blind {
			a.blind++
		}
		if f.filtered {
			a.filtered++
		}
		if dc != nil && dc.Passive && f.Severity >= SeverityWarning && !f.blind && !f.filtered {
			a.passiveUnused++
		}
		if dc != nil && dc.Passive && f.Severity >= SeverityWarning && f.Session != nil {
			// A passive transfer that failed with no SYN seen: after a
			// failure, it keeps the failures from being taken as stopped.
			a.passiveClients.notTried(f.Session.Client.Addr().Unmap(), connTime(dc))
		}
		if v, _ := d.vantage(f.Session); dc != nil && f.Severity >= SeverityWarning && lateFallback(dc, nextAnnounce(f.Session, dc.Announce), v) {
			a.lateFallback++
		}
	case CodeTLSNotResumed:
		// Counted as refused only where the reply the capture shows is
		// the refusal for not resuming (resumptionRefusal), the only
		// readable reply this finding is raised with.
		var final *track.Reply
		if c := dc.Command; c != nil {
			final = c.Final()
		}
		switch {
		case final != nil && resumptionRefusal(d.family(f.Session), final):
			a.tlsRefused++
			if namesResumption(final) {
				a.tlsRefusedNamed++
			}
		case final == nil:
			a.tlsUnresumed++
			switch {
			case dc.TLSHandshakeOnly():
				a.tlsHandshakeOnly++
			case dc.ServerAbortedUpload() && !dc.TLSHandshakeOnly():
				a.tlsCutOff++
			}
		}
	case CodePortOutsideRange:
		if !dc.Announce.Unproven() {
			// (Two copies of the reply, neither proven: no range change
			// on it, hedgeConflicted.)
			a.outside.add(dc.Announced.Port())
		}
	}
}

// Summaries returns one summary per server seen, ordered by address and
// port.
func (d *Diagnoser) Summaries() []ServerSummary {
	out := make([]ServerSummary, 0, len(d.servers))
	for _, a := range d.servers {
		out = append(out, d.summarize(a))
	}
	slices.SortFunc(out, func(x, y ServerSummary) int { return x.Server.Compare(y.Server) })
	return out
}

// summarize is a's summary: what it counted, and its verdict and change
// lines (verdictWriter).
func (d *Diagnoser) summarize(a *serverAcc) ServerSummary {
	pol, _ := d.serverPol(a)
	sum := ServerSummary{Server: a.addr, Sessions: a.sessions, PortsAnnounced: a.passive, Range: pol.PassiveRanges(),
		OutsideRange: a.outside.Count, Outcomes: map[track.Outcome]int{}, Findings: map[string]int{}}
	for k, v := range a.outcomes {
		sum.Outcomes[k] = v
	}
	for k, v := range a.findings {
		sum.Findings[k] = v
	}
	a.settleActive()
	sum.Verdict, sum.Rules = d.verdict(a, pol)
	sum.BackendsSpread = a.backendsLead
	if a.ctlAfterDNAT {
		sum.Rules = ctlPortLines(sum.Rules, a.addr.Port())
	}
	sum.LoginFailures, sum.LoginFailureClients, sum.LoginFailureClientsMore = a.loginFailed, a.loginFailedClients, a.loginFailedMore
	return sum
}

// noteLoginFailed counts a refused login from cli (loginFailure).
func (a *serverAcc) noteLoginFailed(cli netip.Addr) {
	a.loginFailed++
	if a.loginFailedMore {
		return
	}
	h := maphash.Comparable(loginAddrSeed, cli)
	if _, ok := a.loginFailedFrom[h]; ok {
		return
	}
	if a.loginFailedClients == MaxLoginFailureClients {
		a.loginFailedMore, a.loginFailedFrom = true, nil
		return
	}
	if a.loginFailedFrom == nil {
		a.loginFailedFrom = map[uint64]struct{}{}
	}
	a.loginFailedFrom[h] = struct{}{}
	a.loginFailedClients++
}

// loginFailedWords says from how many client addresses the server's
// logins were refused: "from 3 client addresses", "from more than 16384
// client addresses".
func (a *serverAcc) loginFailedWords() string {
	if a.loginFailedMore {
		return fmt.Sprintf("from more than %d client addresses", a.loginFailedClients)
	}
	return "from " + plural(a.loginFailedClients, "client address", "client addresses")
}

// activeHelperLines are the change lines that let the server's active
// data connections in to its clients: the FTP helper and the RELATED
// accept on the client's NAT router (nat), else where at places the
// firewall (the client host, a router in front of it, or both). Sessions
// whose control channel is encrypted get a line saying no helper can read
// their PORT instead.
func (a *serverAcc) activeHelperLines(at place, nat bool) []string {
	var l []string
	port := a.addr.Port()
	if a.activeEncrypted < a.findings[CodeActiveBlocked] {
		if nat {
			l = append(l, "# on the client's NAT router (its helper also rewrites the PORT/EPRT address): attach the FTP helper, accept what it expects in forward:")
			l = append(l, helperLines(port, false, "forward", a.v6)...)
		}
		if !nat && at.host && a.activeWindows < a.findings[CodeActiveBlocked] {
			l = append(l, "# on the client: attach the FTP helper to its control connection, accept what it expects in input:")
			l = append(l, helperLines(port, true, "input", a.v6)...)
		}
		if !nat && at.host && a.activeWindows > 0 {
			// Clients that showed themselves Windows's (windowsVerb):
			// Windows Defender Firewall, no helper.
			l = append(l, "# on a Windows client (Windows Defender Firewall): allow the FTP client program's incoming connections, and check no block rule covers it:")
			l = append(l, netshAllowRule(a.activeFtpExe == a.activeWindows))
		}
		if !nat && at.router {
			l = append(l, "# on a router in front of the client: attach the FTP helper, accept what it expects in forward:")
			l = append(l, helperLines(port, false, "forward", a.v6)...)
		}
	}
	if a.activeEncrypted > 0 {
		l = append(l, "# encrypted control: no helper can see the PORT; use passive mode, or open the client's listening ports statically")
	}
	return l
}

// exampleRange is the example passive range for the server's change
// lines: near the ports it announced (exampleNear); with holdFailed, the
// one its findings named (serverExample) when they named one, else where
// those read as no range (exampleRange) that leaves out a port that
// failed, the hundreds around the failed ports, as each finding's
// (sessionExample). (Without: the example of narrowing the kernel's
// range, for a server with no range setting, whose rules open the
// kernel's whole range.)
func (a *serverAcc) exampleRange(holdFailed bool) policy.PortRange {
	r := exampleNear(a.passive.Min, a.passive.Max, a.passive.Distinct)
	if !holdFailed {
		return r
	}
	if a.example != (policy.PortRange{}) {
		return a.example // the one the findings named
	}
	var lo, hi uint16
	for _, ps := range a.failPorts {
		if lo == 0 || ps.Min < lo {
			lo = ps.Min
		}
		hi = max(hi, ps.Max)
	}
	if r != exampleRange || lo < 1024 || r.Contains(lo) && r.Contains(hi) {
		return r
	}
	if int(hi)-int(lo) > MaxExampleSpan {
		// Failed ports far apart: a range holding them all would be a
		// wide rule from a few failures; the hundred around the lowest.
		return hundredAround(lo)
	}
	lo = lo / 100 * 100
	return policy.PortRange{Lo: lo, Hi: uint16(min(max((int(hi)+99)/100*100, int(lo)+100), 65535))}
}

// MaxExampleSpan is the widest example range made to hold several
// failed ports (the server's change block, a summary group's fix): past
// it the example holds one failed port's hundred, as a server picking
// its ports anywhere would need no narrower rule to be told.
const MaxExampleSpan = 1000

// serverOutputLines are the change lines that let the server's active
// data connections out of its own output chain, when no SYN of them
// reached the capture point: from port 20 statically, or what the FTP
// helper expects; then a router on the path, in its forward chain. The
// server's own rules follow fam's system (hostrule.go): Windows Defender
// Firewall's outbound rule for IIS, no Linux helper on a Windows host;
// vsftpd's setting is named for vsftpd, or a server the greeting does
// not name, only.
func (a *serverAcc) serverOutputLines(fam family) []string {
	port := a.addr.Port()
	from20 := "# on the server, its output chain: the connections from port 20 (vsftpd connect_from_port_20=YES, the usual):"
	if fam.known() && fam.kind != policy.ServerVsftpd {
		from20 = "# on the server, its output chain: the connections from port 20, when the server connects from it:"
	}
	linux := []string{from20, nftOutput20, iptablesOutput20(a.v6),
		"# or, from any port: attach the FTP helper to the control connections it takes, accept what it expects in output:"}
	linux = append(linux, helperLines(port, false, "output", a.v6)...)
	windows := []string{"# on the server, in Windows Defender Firewall: its connections from port 20, with no outbound block rule covering them (a block rule wins over any allow rule):",
		netshOutput20, powershellOutput20}
	if fam.kind == policy.ServerFileZilla {
		// From port 20 or any port, as it is set: a rule for the
		// program covers both.
		windows = []string{"# on the server, in Windows Defender Firewall: the server program's connections, whatever port they come from, with no outbound block rule covering it (a block rule wins over any allow rule); " + fileZillaExeNote + ":",
			netshOutputFileZilla, powershellOutputFileZilla}
	}
	var l []string
	switch fam.host() {
	case hostWindows:
		l = append(windows, "# or, if a router or firewall on the path drops them: attach the FTP helper there, accept what it expects in its forward chain:")
		return append(l, helperLines(port, false, "forward", a.v6)...)
	case hostWindowsOrLinux:
		l = append([]string{"# on Windows:"}, windows...)
		l = append(l, "# on Linux:")
		l = append(l, linux...)
	default:
		l = linux
	}
	l = append(l, "# or, if a router or firewall on the path drops them: the same helper there, and in its forward chain:")
	return append(l, nftRelatedRule("forward"), iptablesRelatedRule("forward", a.v6))
}

// icmpPathVerdict is the verdict for passive data connections ended by
// ICMP errors none of which is a firewall's reject (icmpKinds).
func (a *serverAcc) icmpPathVerdict() string {
	k := a.icmpKinds
	n := k[icmpRoute] + k[icmpLoop] + k[icmpParam]
	conns := plural(n, "passive data connection", "passive data connections")
	switch n {
	case k[icmpLoop]:
		return conns + " got ICMP time exceeded from a router: the packets loop on the way to the server (a routing loop), or the path is longer than the clients' TTL; fix the routing toward the server (see data-unreachable); no firewall rule helps"
	case k[icmpParam]:
		return conns + " got ICMP parameter problem: a malformed header or an option a router or middlebox on the path rejects, not a firewall rule of the port (see data-unreachable)"
	case k[icmpRoute]:
		return conns + " got ICMP net or host unreachable from a router on the path: the address the server announces cannot be reached from the clients (routing, or an address only valid inside the server's network: see data-unreachable and nat-mismatch); make the server announce an address they can reach"
	}
	return conns + " got ICMP errors from routers on the path that no firewall's reject sends (net or host unreachable, time exceeded, parameter problem): the way to the server is broken, not its ports; see the data-unreachable findings"
}

// Families of data connection a configuration error stops (configDirs),
// told apart by the verb that announced them: PASV, LPSV and SPSV
// announce an address (configPassiveAddr), EPSV none (configEPSV), PORT,
// EPRT and LPRT are active (configActive); configPassiveUnknown is a
// passive one whose announcement the capture lacks. An error about the
// address a PASV announces stops that family only: vsftpd's invalid
// pasv_address is checked at PASV after EPSV has returned (postlogin.c
// handle_pasv), so an EPSV that works proves nothing of it. Any other
// error at a passive verb stops every passive family (vsftpd's bind
// retries, vsf_privop_pasv_listen, serve PASV and EPSV alike), one at an
// active verb the active family, one at any other command them all.
const (
	configActive uint8 = 1 << iota
	configPassiveAddr
	configEPSV
	configPassiveUnknown
	configFamilies = iota
)

// configDirsOf says which families of data connection the configuration
// error answered to c stops.
func configDirsOf(c *track.Command) uint8 {
	if c == nil {
		return 1<<configFamilies - 1
	}
	const passive = configPassiveAddr | configEPSV | configPassiveUnknown
	switch strings.ToUpper(c.Verb) {
	case "PASV", "LPSV", "SPSV":
		if r := c.Final(); r != nil && addressError(r.Text) {
			return configPassiveAddr
		}
		return passive
	case "EPSV":
		return passive
	case "PORT", "EPRT", "LPRT":
		return configActive
	}
	return 1<<configFamilies - 1
}

// addressError tells whether a configuration error's text is about the
// address a PASV announces (vsftpd's "500 OOPS: invalid pasv_address",
// a bind to an announced address the host does not have: "425 ...
// Cannot assign requested address").
func addressError(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "pasv_address") || strings.Contains(t, "pasv address") ||
		strings.Contains(t, "cannot assign requested address") // a bind to an address it announced
}

// familyOf is dc's family (configActive ...) as a bit.
func familyOf(dc *track.DataConn) uint8 {
	switch {
	case !dc.Passive:
		return configActive
	case dc.Via == ftp.ViaPASV || dc.Via == ftp.ViaLPSV:
		return configPassiveAddr
	case dc.Via == ftp.ViaEPSV:
		return configEPSV
	}
	return configPassiveUnknown
}

// noteWorked records a data connection that got through.
func (a *serverAcc) noteWorked(dc *track.DataConn) {
	i := bits.TrailingZeros8(familyOf(dc))
	if ts := connTime(dc); ts.After(a.workedAt[i]) {
		a.workedAt[i] = ts
	}
}

// noteNetFailed records a data connection that failed for a reason no
// configuration error of the server explains (f: data-unanswered,
// data-refused, data-unreachable, active-blocked, data-source-nat), at
// its start, else at the finding's time.
func (a *serverAcc) noteNetFailed(f *Finding) {
	ts := connTime(f.Data)
	if ts.IsZero() {
		ts = f.TS
	}
	if ts.After(a.netFailedAt) {
		a.netFailedAt = ts
	}
}

// configWorkedAfter reports whether a data connection of a direction the
// latest configuration error stops got through after it: the error was
// mended, or came and went.
func (a *serverAcc) configWorkedAfter() bool {
	for i := range a.workedAt {
		if a.configDirs&(1<<i) != 0 && a.workedAt[i].After(a.configAt) {
			return true
		}
	}
	return false
}

// configOthersWorkedAfter reports whether a data connection of a family
// the latest configuration error does not stop got through after it (a
// passive one whose announcement the capture lacks is of no known family).
func (a *serverAcc) configOthersWorkedAfter() bool {
	for i := range a.workedAt {
		if 1<<i != configPassiveUnknown && a.configDirs&(1<<i) == 0 && a.workedAt[i].After(a.configAt) {
			return true
		}
	}
	return false
}

// configVerbs names the announcing verbs of the families in dirs.
func configVerbs(dirs uint8) string {
	var v []string
	if dirs&configPassiveAddr != 0 {
		v = append(v, "PASV")
	}
	if dirs&configEPSV != 0 {
		v = append(v, "EPSV")
	}
	if dirs&configActive != 0 {
		v = append(v, "PORT/EPRT")
	}
	return strings.Join(v, ", ")
}

// configLeads reports whether the server's verdict is its configuration
// error: one was reported, and it explains what the data path shows
// after it. A data connection that failed after the latest one for a
// reason of its own (a dropped or refused SYN, a source NAT) is a
// problem the error does not explain, and one of the directions it
// stops that got through after it shows the error mended: either way
// the verdict is what the data connections show, and configNote names
// the error beside it.
func (a *serverAcc) configLeads() bool {
	if a.findings[CodeServerConfigError] == 0 {
		return false
	}
	return !a.netFailedAt.After(a.configAt) && !a.configWorkedAfter()
}

// configNote is the clause a verdict other than the configuration error
// ends with when the server reported one (configLeads).
func (a *serverAcc) configNote() string {
	n := a.findings[CodeServerConfigError]
	if n == 0 || a.configLeads() {
		return ""
	}
	note := fmt.Sprintf("; besides, the server reported a configuration error of its own in %s (see server-config-error)", plural(n, "session", "sessions"))
	if a.configWorkedAfter() {
		which := "data connections"
		switch a.configDirs {
		case configPassiveAddr:
			which = "passive data connections announced with an address (PASV)"
		case configPassiveAddr | configEPSV | configPassiveUnknown:
			which = "passive data connections"
		case configActive:
			which = "active data connections"
		}
		last := "it"
		if n > 1 {
			last = "the last one"
		}
		note += fmt.Sprintf(", and %s got through after %s", which, last)
	}
	return note
}

// passiveFailures counts the passive data connections in failPorts.
func (a *serverAcc) passiveFailures() int {
	n := 0
	for _, ps := range a.failPorts {
		n += ps.Count
	}
	return n
}

// passiveFailing reports whether the server's passive data connections
// failed in a way the verdict names: dropped, refused or rejected
// (failPorts), or refused for their source address (data-source-nat).
// Advice to use passive mode does not go beside it.
func (a *serverAcc) passiveFailing() bool {
	return a.passiveFailures() > 0 || a.findings[CodeDataSourceNAT] > 0
}

// failedHow says how the server's passive data connections failed:
// "dropped", "refused with RST", "rejected with ICMP unreachable", or,
// when they failed in more than one way, all of them.
func (a *serverAcc) failedHow() string {
	var ways []string
	for _, w := range passiveWays {
		if a.failPorts[w.code] != nil {
			ways = append(ways, w.open)
		}
	}
	switch len(ways) {
	case 0, 1:
		return strings.Join(ways, "")
	case 2:
		return ways[0] + " or " + ways[1]
	}
	return ways[0] + ", " + ways[1] + " or " + ways[2]
}

// natRules are the change lines for the announced address: the setting,
// and, when clients were seen reaching the private address as announced
// (a NAT helper may be rewriting it), the condition it depends on.
func (a *serverAcc) natRules(fam family) []string {
	if a.natReached > 0 {
		return append([]string{"# only if clients receive the 227 unchanged (no FTP helper rewrites it); with a helper, change nothing:"}, fam.addrLines(a.natFix)...)
	}
	if a.natRoutedOrNAT > 0 && a.natSerious == a.natSeriousActive {
		// (Serious ones of PORT/EPRT alone say nothing of the 227.)
		return append([]string{"# only if a NAT forwards these clients and they receive the 227 unchanged (no FTP helper rewrites it); routed, or with a helper, change nothing:"}, fam.addrLines(a.natFix)...)
	}
	return fam.addrLines(a.natFix)
}

// failedPassive counts passive data connections that failed at a server.
func failedPassive(a *serverAcc) int {
	n := 0
	for _, c := range []string{CodeDataUnanswered, CodeDataRefused, CodeDataUnreachable, CodeDataNotAttempted} {
		n += a.findings[c]
	}
	return n
}

// openRange is what to open after passive failures on ports ps: the
// policy's range when it covers them, else the server's configured range,
// else nothing (nil): a port the server picked itself changes every
// session, and the span between two seen ports is no range of the
// server's, so the rules say to set a fixed range first.
func openRange(ps PortStats, a *serverAcc, p policy.Policy) policy.Ranges {
	failed := policy.PortRange{Lo: ps.Min, Hi: ps.Max}
	if rs := p.PassiveRanges(); rs.Covers(failed) {
		return rs
	}
	if sc := p.Server; sc != nil && sc.PassiveRange.Covers(failed) {
		return sc.PassiveRange
	}
	return nil
}

// failedPortsVerdict names the failed ports and what to open: the known
// range; when the configuration given sets none, a fixed range to set
// first; when no range is known at all, the server's own if it has one,
// else a fixed range to set (ftpsniff cannot tell which).
func (d *Diagnoser) failedPortsVerdict(ps PortStats, a *serverAcc, fam family) string {
	return portsWord(ps) + d.failedPortsAdvice(ps, a, fam)
}

// failedPortsAdvice is what failedPortsVerdict says after the ports.
func (d *Diagnoser) failedPortsAdvice(ps PortStats, a *serverAcc, fam family) string {
	pol, _ := d.serverPol(a)
	if rs := openRange(ps, a, pol); rs != nil {
		// The range, not the port: read alone, "open it" opened one
		// port, and the next transfer gets another.
		return fmt.Sprintf("; open %s with the rest of %s", themWord(ps), rangeWhose(rs, pol))
	}
	if fw := pol.Ranges; len(fw) > 0 {
		return fmt.Sprintf(", outside the range %s the firewall allows", fw)
	}
	if sc := pol.Server; sc != nil && len(sc.PassiveRange) > 0 && len(pol.Ranges) == 0 {
		// The configuration's own range: advice never sets what it sets.
		return fmt.Sprintf(", outside the range %s that %s sets: the server that answered does not run that configuration (check which file it reads, and restart it)", sc.PassiveRange, sc.Path)
	}
	if sc := pol.Server; sc != nil && len(sc.PassiveRange) == 0 {
		if u := sc.Unread(); u != "" {
			// An Include not followed may set one: not "sets none".
			return fmt.Sprintf(", which the server picked itself if it has no passive range: %s sets none in what ftpsniff read, but %s may set one: if so, open that range, else set one (%s) and open it", sc.Path, u, fam.rangeNameIn())
		}
		return fmt.Sprintf(", which the server picked itself: %s sets no passive range; set one (%s) and open it", sc.Path, fam.rangeNameIn())
	}
	return fmt.Sprintf("; %s: if it has a fixed passive range, open that range; if it has none, set one (%s) and open it", lowerFirst(rangeUnknown(fam)), fam.rangeNameIn())
}

// rangeWhose names rs, a range to open: "the passive range R", or "the
// server's passive range R" when it is the configuration's.
func rangeWhose(rs policy.Ranges, pol policy.Policy) string {
	if sc := pol.Server; sc != nil && len(sc.PassiveRange) > 0 && slices.Equal(rs, sc.PassiveRange) {
		return "the server's passive range " + rs.String()
	}
	return "the passive range " + rs.String()
}

// mixedPortsVerdict names failed ports of which in lie inside the passive
// range and out outside it: the first to be opened with the rest of it,
// the others what failedPortsAdvice says of ports outside (the server's
// straying). Told apart, not spanned: the span of 40011 and 50067 is no
// more inside 40000-40100 than 50067 is, and 40011 stays dropped when
// the server is only kept inside. on goes before the second ports ("on "
// after "dropped … on port 40011, …, and").
func (d *Diagnoser) mixedPortsVerdict(in, out PortStats, a *serverAcc, fam family, on string) string {
	pol, _ := d.serverPol(a)
	rs := openRange(in, a, pol)
	if rs == nil {
		rs = pol.PassiveRanges()
	}
	inside := fmt.Sprintf("inside %s (open %s with the rest of that range)", rangeWhose(rs, pol), themWord(in))
	if len(pol.Ranges) > 0 && slices.Equal(rs, pol.Ranges) {
		// The firewall's: meant to be open already, as the finding
		// says.
		inside = fmt.Sprintf("inside the range %s meant to be open (check that its accept rule is loaded and comes before any drop)", rs)
	}
	return fmt.Sprintf("%s, %s, and %s%s%s", portsWord(in), inside, on, portsWord(out), d.failedPortsAdvice(out, a, fam))
}

// joinAnd joins l as "a", "a and b", "a, b and c".
func joinAnd(l []string) string {
	if len(l) < 2 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " and " + l[len(l)-1]
}

func publicOr(a netip.Addr) string {
	if a.IsValid() {
		return a.String()
	}
	return "<public address>"
}

func dedupe(l []string) []string {
	var out []string
	for _, s := range l {
		if !slices.Contains(out, s) && strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// portsWord is "port 40011", "ports 40011 and 40035" or "ports between
// 40011 and 40035": seen ports, never written as a range.
func portsWord(ps PortStats) string {
	switch {
	case ps.Min == ps.Max:
		return "port " + ps.String()
	case ps.Distinct > 2:
		// Not String's "1935 different, lowest ...", which reads badly
		// after "ports"; and a failure list's Distinct is a bound.
		return fmt.Sprintf("ports between %d and %d", ps.Min, ps.Max)
	}
	return "ports " + ps.String()
}

func themWord(ps PortStats) string {
	if ps.Min == ps.Max {
		return "it"
	}
	return "them"
}

// seenData counts the server's data connections the capture holds a
// packet of: transferred, connected, unanswered, refused or unreachable.
func seenData(a *serverAcc) int {
	return a.outcomes[track.OutcomeTransferred] + a.outcomes[track.OutcomeConnected] +
		a.outcomes[track.OutcomeUnanswered] + a.outcomes[track.OutcomeRefused] + a.outcomes[track.OutcomeUnreachable]
}

// refusedHow words how the server turned its refused sessions away
// (session-refused): with 421, closed before a greeting, or both.
func (a *serverAcc) refusedHow() string {
	were := wasWere(a.refused)
	switch {
	case a.refusedSilent == a.refused:
		return were + " closed by the server before its greeting"
	case a.refusedLogin == a.refused:
		return were + " refused at login for the server's connection limit"
	case a.refusedGreeting == a.refused:
		return were + " refused in the server's greeting, before any command"
	case a.refusedSilent > 0 || a.refusedLogin > 0 || a.refusedGreeting > 0:
		return were + " refused at connect or at login, with 421 or another refusal as the greeting, a login refusal naming the connection limit, or closed before a greeting"
	}
	return were + " refused with 421 at connect"
}

// loginRefusedVerdict is the verdict of a server that refused every
// login it was offered (loginRefused), in as many sessions, the others
// refused at connect: nothing could be tried. Anonymous logins get the
// setting that allows them, if that was meant.
func (a *serverAcc) loginRefusedVerdict(fam family) string {
	reply := ""
	if a.loginRefusal != "" {
		reply = fmt.Sprintf(" (%q)", a.loginRefusal)
	}
	v := fmt.Sprintf("every login was refused%s, in %s: no announcement or transfer was tried", reply, plural(a.loginRefused, "session", "sessions"))
	if a.refused > 0 {
		// (refusedHow: at connect, before a greeting, or at login for
		// the connection limit.)
		sessions := "sessions"
		if a.refused == 1 {
			sessions = "session"
		}
		v = fmt.Sprintf("%d %s %s (see session-refused), and every other login was refused%s, in %s: no announcement or transfer was tried",
			a.refused, sessions, a.refusedHow(), reply, plural(a.loginRefused, "session", "sessions"))
	}
	switch {
	case a.loginRefusedTLS == a.loginRefused:
		return v + "; the server takes logins over TLS only: use FTPS in the client (explicit AUTH TLS: curl --ssl-reqd, lftp set ftp:ssl-force true, FileZilla \"Require explicit FTP over TLS\"), or, if clear-text logins are meant to work, change the server's setting (" + tlsRequiredSetting(fam) + ")"
	case a.loginRefusedTLS > 0:
		v += fmt.Sprintf("; %d of them because the server takes logins over TLS only (use FTPS in those clients, or change %s)", a.loginRefusedTLS, tlsRequiredSetting(fam))
	}
	switch {
	case a.loginRefusedTLS == a.loginRefused:
	case a.loginRefusedAnon == a.loginRefused:
		v += fmt.Sprintf("; the logins were anonymous: if anonymous FTP is meant to work, allow it (%s)", anonymousOn(fam))
	case a.loginRefusedAnon > 0:
		v += fmt.Sprintf("; %d of them anonymous: if anonymous FTP is meant to work, allow it (%s); else check the user names and passwords", a.loginRefusedAnon, anonymousOn(fam))
	case a.loginSpread > 0:
		v += fmt.Sprintf("; they came %s, one account tried with different passwords, no address failing often enough to stand out (see login-brute-force): password guessing spread over many addresses, not a mistyped password; blocking addresses does not stop it: protect the account (a strong password; if it needs no FTP login, disable it: %s; limit attempts on the server: %s)",
			a.loginFailedWords(), fam.noLogin(), fam.loginLimit())
	case a.loginSpreadSame > 0:
		v += fmt.Sprintf("; they came %s, one account with the same password every time, no address failing often enough to stand out (see login-brute-force): one stored credential retried by many clients (a job whose password changed) or a login replayed from many addresses, not one user's mistyped password; if those clients are not yours, disable the account's FTP login if it needs none (%s) and limit attempts on the server (%s)",
			a.loginFailedWords(), fam.noLogin(), fam.loginLimit())
	case a.loginFailedMore || a.loginFailedClients >= manyLoginAddrs:
		v += fmt.Sprintf("; they came %s, too many for one user's mistyped password: if those clients are yours, the server refuses everyone (its user database or authentication: see its log for why); if not, logins tried from many addresses: limit attempts on the server (%s)",
			a.loginFailedWords(), fam.loginLimit())
	default:
		v += "; check the user names and passwords, and the server's log for why it refused them"
	}
	if a.loginRefusedBan > 0 {
		v += fmt.Sprintf("; after them the server banned the client's address, in %s (its 421): once the logins are fixed, lift the ban in %s",
			plural(a.loginRefusedBan, "session", "sessions"), banWhere(fam, "CLIENT"))
	}
	return v
}

// tlsRequiredSetting is the family's setting that makes a server refuse
// logins outside TLS, for a verdict.
func tlsRequiredSetting(fam family) string {
	switch fam.kind {
	case policy.ServerVsftpd:
		return "vsftpd force_local_logins_ssl, force_anon_logins_ssl"
	case policy.ServerProFTPD:
		return "ProFTPD TLSRequired"
	case policy.ServerPureFTPd:
		return "Pure-FTPd -Y (--tls; TLS in pure-ftpd.conf) level 2 or 3"
	case policy.ServerFileZilla:
		return "FileZilla Server's \"Disallow plain unencrypted FTP\" / \"Force explicit FTP over TLS\""
	case policy.ServerIIS:
		return "IIS FTP SSL Settings: Require SSL connections"
	}
	return "vsftpd force_local_logins_ssl; ProFTPD TLSRequired; Pure-FTPd -Y 2; IIS Require SSL connections"
}

// activeRefusedVerdict is the verdict of a server that refused the
// PORT/EPRT of sessions that then made no data connection (active-refused
// errors): active mode turned off, or the clients' addresses refused
// (a NAT in front of them).
func (a *serverAcc) activeRefusedVerdict(fam family) string {
	reply := ""
	if a.activeRefusal != "" {
		reply = fmt.Sprintf(" (%q)", a.activeRefusal)
	}
	n := plural(a.activeRefused, "session", "sessions")
	switch {
	case a.activeRefusedAddr == a.activeRefused && a.helperBlind > 0:
		// The simulated helper was attached and could not see them.
		return fmt.Sprintf("the server refused the addresses clients named in PORT/EPRT%s in %s, and no data connection was made: it sees them come from other addresses, through a NAT in front of the clients whose FTP helper could not see the PORT/EPRT (see helper-no-expectation and active-refused); use passive mode on the clients, or make them send each PORT/EPRT at the start of a segment of its own", reply, n)
	case a.activeRefusedAddr == a.activeRefused:
		return fmt.Sprintf("the server refused the addresses clients named in PORT/EPRT%s in %s, and no data connection was made: it sees them come from other addresses, through a NAT in front of the clients that does not rewrite PORT/EPRT (see active-refused); use passive mode on the clients, or attach the FTP helper on the clients' NAT router", reply, n)
	case a.activeRefusedAddr == 0 && a.findings[CodePassiveRefused] > 0 && !a.passiveAccepted:
		// Passive mode refused too: no mode to send the clients to.
		return fmt.Sprintf("the server refused active mode: it refused PORT/EPRT%s in %s, and no data connection was made (see active-refused); it refused passive mode too (see passive-refused), so the clients have no mode left: turn passive mode on in the server (clients behind NAT need it), or %s", reply, n, activeOnBrief(fam))
	case a.activeRefusedAddr == 0:
		return fmt.Sprintf("the server refused active mode: it refused PORT/EPRT%s in %s, and no data connection was made (see active-refused); %s, or use passive mode on the clients", reply, n, activeOnBrief(fam))
	}
	return fmt.Sprintf("the server refused PORT/EPRT%s in %s, and no data connection was made: active mode turned off, or clients behind a NAT that does not rewrite PORT/EPRT (see active-refused); use passive mode on the clients", reply, n)
}

// passiveRefusedVerdict: the server refused passive mode in sessions
// that then made no data connection (passive-refused errors).
func (a *serverAcc) passiveRefusedVerdict(fam family) string {
	reply := ""
	if a.passiveRefusal != "" {
		reply = fmt.Sprintf(" (%q)", a.passiveRefusal)
	}
	return fmt.Sprintf("the server refused passive mode: it refused PASV/EPSV%s in %s, and no data connection was made (see passive-refused); %s, or use active mode on the clients",
		reply, plural(a.passiveRefusedNone, "session", "sessions"), passiveOnBrief(fam))
}

// passiveOnBrief is the family's setting that turns passive mode on, for
// a verdict.
func passiveOnBrief(fam family) string {
	switch fam.kind {
	case policy.ServerVsftpd:
		return "set pasv_enable=YES"
	case policy.ServerPureFTPd:
		return "remove -N (--natmode)"
	case policy.ServerProFTPD:
		return "remove the <Limit PASV EPSV> that denies them"
	}
	return "turn passive mode on in the server (vsftpd pasv_enable=YES; Pure-FTPd: remove -N/--natmode; ProFTPD: remove a <Limit> that denies PASV/EPSV)"
}

// activeOnBrief is the family's setting that turns active mode on, for a
// verdict.
func activeOnBrief(fam family) string {
	switch fam.kind {
	case policy.ServerVsftpd:
		return "set port_enable=YES"
	case policy.ServerProFTPD:
		return "remove the <Limit PORT EPRT> that denies them"
	}
	return "turn active mode on in the server (vsftpd port_enable=YES; ProFTPD: remove a <Limit PORT EPRT> that denies them)"
}

// stalledTransfer tells whether c, a transfer of s, is one the server
// began (its first reply a 1yz) that no final reply of its own ended (an
// ABOR's reply is not one), or that the server failed with a 426 the
// client's ABOR did not ask for (the server gave up waiting on the data
// connection: vsftpd's "426 Failure writing network stream."): the data
// it announced never came, which a refusal (a 550 for a missing file)
// does not look like. Whether it waited long enough to call it stalled
// is waitedOut's.
func stalledTransfer(s *track.Session, c *track.Command) bool {
	if c == nil || len(c.Replies) == 0 || c.Replies[0].Code/100 != 1 {
		return false
	}
	r := c.Final()
	return r == nil || r.Code == 426 && s != nil && !aborted(s, c)
}

// stallWait is how long after a transfer's 1yz a data connection that
// carried nothing must have lasted to be called stalled: a client that
// aborted at once, or a capture that ended just after the 150, shows
// nothing of the path.
const stallWait = 2 * time.Second

// waitedOut tells whether dc, a data connection of a transfer the server
// began (stalledTransfer), lasted stallWait past the transfer's first
// reply with nothing on it: closed by its client after waiting, broken
// off by a late ABOR, or still open when the capture ended.
func waitedOut(dc *track.DataConn) bool {
	end := dc.End
	if end.IsZero() {
		// A connection the capture cut keeps none: it lasted at least to
		// its own last packet, and to its session's end (a client
		// resending to a receiver that went away while the control
		// connection was silent: the latter alone said "too soon").
		end = dc.LastSeen()
		if dc.Session != nil && dc.Session.End.After(end) {
			end = dc.Session.End
		}
	}
	if r := dc.Command.Final(); r != nil && r.TS.Before(end) {
		end = r.TS // (the 426 ended the wait; the connection may close later)
	}
	return !end.IsZero() && end.Sub(dc.Command.Replies[0].TS) >= stallWait
}
