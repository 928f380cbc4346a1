package track

import (
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Sink receives what the tracker concludes, as soon as it is final. Calls
// come from the goroutine that feeds the tracker. The values passed stay
// valid and are not changed after the call, except that a Session keeps
// growing until SessionEnd.
type Sink interface {
	SessionStart(s *Session)
	// Command is called when a command has its final reply (or never will).
	Command(s *Session, c *Command)
	// Data is called when a data connection's outcome is final.
	Data(s *Session, d *DataConn)
	Event(s *Session, e *Event)
	// SessionEnd is called after every other call for the session.
	SessionEnd(s *Session)
}

// Options bounds the tracker's tables and sets its timeouts.
type Options struct {
	MaxSessions       int // sessions followed at once; 0 = 10000
	MaxTranscript     int // commands kept per session for the transcript; 0 = 10000
	MaxPending        int // commands awaiting a reply per session; 0 = 64
	MaxDataPerSession int // data connections per session; 0 = 4096
	MaxDataConns      int // data connections followed at once; 0 = 100000
	MaxEventsPerSess  int // events kept per session; 0 = 1000
	TranscriptBudget  int // commands and events kept by all open sessions' transcripts together; 0 = DefaultTranscriptBudget (10000); with RecentOnly, what the sessions keep together before each keeps only its latest few
	// TranscriptBytes bounds the bytes the entries of TranscriptBudget
	// take together (their text and records, a kept command's replies
	// too): a server chooses how long its replies are. 0 =
	// DefaultTranscriptBytes.
	TranscriptBytes int
	// CommandBytes bounds, the same way, the bytes of the commands all
	// open sessions hold outside their transcripts (waiting for a reply,
	// or kept for the diagnosis to look back at) and of their replies: a
	// server may send 64 preliminary replies of 256 KiB to each command,
	// a client pipeline 64 commands of --max-line bytes. 0 =
	// DefaultCommandBytes.
	CommandBytes int
	// DataBudget bounds the data connections all open sessions keep in
	// Data together (datakept.go). 0 = DefaultDataBudget.
	DataBudget         int
	UnansweredWait     time.Duration // SYN-only connection final after this (packet time); 0 = 2 min
	ExpectationTimeout time.Duration // announcement with no SYN final after this; 0 = 5 min
	PortOnlyWindow     time.Duration // how long a port-only match is allowed after arming; 0 = 2 min
	// EvidenceWait: a SYN unanswered, or an announcement not connected
	// to, this little before the capture ended is undetermined, not a
	// failure: no answer or connection could be expected yet. 0 = 3 s
	// (Linux resends an unanswered SYN after 1 s, then 2 s later).
	EvidenceWait time.Duration
	// RecentOnly keeps, of a session's history, only what the diagnosis
	// looks back at (the latest commands and data connections, and the
	// events it weighs: lookedBackAtEvent), for
	// outputs that write each record as it happens (JSON, the live
	// stream). Off, a session keeps its transcript for the text output
	// until it ends.
	RecentOnly bool
	// Transcript, with RecentOnly off, tells at a session's start whether
	// its transcript is wanted (text output with --session, --server or
	// --client shows only some sessions): one it is not wanted for keeps
	// what RecentOnly keeps, and leaves the budget
	// (TranscriptBudget) to those shown. nil: every session's is wanted.
	Transcript func(*Session) bool
	// KeepData, with RecentOnly (or a session whose transcript is not
	// wanted), keeps every data connection of a session as a transcript
	// does (up to MaxDataPerSession; past it the live and latest), and of
	// its commands and events only what RecentOnly keeps: for an output
	// that looks back at a session's data connections but writes no
	// transcript (the text summary view lists a failed session's failed
	// data connections).
	KeepData bool
	// NumberData, when set, gives each data connection its number: once,
	// just before the first sink call that names it, and never changed
	// after. Trackers that report into one output (live --workers) share
	// one count this way, so that no two data connections there have the
	// same number. It is called from the goroutine that feeds the
	// tracker. nil: the tracker counts its own from 1 (countData).
	NumberData func() int
	// PassiveRange, when set, is the range a session's server hands out
	// passive ports from as the user gave it (--pasv-range, or the
	// server's configuration: the diagnosis's Policy.PassiveRanges), nil
	// when not known. A connection to a port outside it is not taken for
	// the passive data connection of an encrypted session, whose
	// announcements the capture cannot read (inferData): it is another
	// service's.
	PassiveRange func(*Session) policy.Ranges
}

// DefaultTranscriptBudget bounds the commands and events all open
// sessions' transcripts keep together.
const DefaultTranscriptBudget = 10000

// DefaultTranscriptBytes bounds the bytes those commands and events take
// together, their replies' text included: 10,000 commands of a few
// hundred bytes fit; 10,000 STATs each answered by 100 KB do not. A
// command kept before the bound was reached keeps the replies it gets
// after, each cut to its first line and at most RepliesMin preliminary
// ones once the bound is reached (cutReply, replyBound): the bound may be
// passed by one whole reply (up to decode/ftp's 256 KiB) and those first
// lines.
const DefaultTranscriptBytes = 8 << 20

// DefaultCommandBytes bounds the bytes of the commands all open sessions
// hold outside their transcripts and of their replies (CommandBytes):
// 10,000 sessions each waiting on a few commands fit. Once they hold it,
// the open sessions keep commands and replies short, as once the
// transcripts hold TranscriptBytes (cutReply, holdCommand, replyBound).
const DefaultCommandBytes = 16 << 20

// What a command and a reply keep of their text once the bytes they
// count against (TranscriptBytes, or CommandBytes) are all taken: a
// reply its first line (what the outputs show of it on one line, and
// what the diagnosis reads of a preliminary reply), an argument its
// first bytes; each command at most RepliesMin replies (a preliminary one
// past them is counted, not kept). Short commands and replies lose
// nothing.
const (
	ReplyKept  = 256
	ArgKept    = 128
	RepliesMin = 4
)

// What a kept record costs of TranscriptBytes besides its text (its
// size, rounded up). dataRecordCost: the data connection a kept command
// announced (Command.Data), which it holds whatever its session keeps
// in Data (TestTranscriptCountsWhatItHolds: a kept PASV with its 227
// holds about 1,170 bytes, of which the record 704).
const (
	commandCost    = 256
	replyCost      = 128
	eventCost      = 160
	dataRecordCost = 768
)

// linkAnnounced links c to dc, the data connection its reply announced: a
// command of its session's transcript counts the record against
// TranscriptBytes, as it holds it as long as it is kept.
func (t *Tracker) linkAnnounced(sess *Session, c *Command, dc *DataConn) {
	if c.kept() && c.Data == nil {
		t.countTranscript(sess, dataRecordCost)
	}
	c.Data = dc
}

// transcriptUnit is the unit a session counts its transcript's bytes in
// (Session.transcriptCost).
const transcriptUnit = 64

// recentMin is how many a session keeps with RecentOnly when the
// sessions open at once hold the whole transcript budget.
const recentMin = 4

// DefaultMaxDataPerSession is how many data connections one session keeps
// (with RecentOnly, not yet reported; else all of them, for its
// transcript), unless Options say otherwise. Past it a transcript's
// session keeps what RecentOnly keeps, the live and latest, and follows
// every new one all the same; only a session with that many not yet
// reported follows no more.
const DefaultMaxDataPerSession = 4096

// recentKept is how many commands and finished data connections a
// session keeps with RecentOnly.
const recentKept = 32

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxSessions, 10000)
	def(&o.MaxTranscript, 10000)
	def(&o.MaxPending, 64)
	def(&o.MaxDataPerSession, DefaultMaxDataPerSession)
	def(&o.MaxDataConns, 100000)
	def(&o.MaxEventsPerSess, 1000)
	def(&o.TranscriptBudget, DefaultTranscriptBudget)
	def(&o.TranscriptBytes, DefaultTranscriptBytes)
	def(&o.CommandBytes, DefaultCommandBytes)
	def(&o.DataBudget, DefaultDataBudget)
	if o.UnansweredWait <= 0 {
		o.UnansweredWait = 2 * time.Minute
	}
	if o.ExpectationTimeout <= 0 {
		o.ExpectationTimeout = 5 * time.Minute
	}
	if o.PortOnlyWindow <= 0 {
		o.PortOnlyWindow = 2 * time.Minute
	}
	if o.EvidenceWait <= 0 {
		o.EvidenceWait = 3 * time.Second
	}
}

// How long an established data connection may stay quiet before it is
// taken as over: long while its session lives (a stalled transfer), short
// once the session has ended (dataQuiet).
const (
	dataIdle             = 10 * time.Minute
	dataIdleAfterSession = 30 * time.Second
)

// dataQuiet tells whether the established data connection dc has been
// quiet long enough to be taken as over: dataIdleAfterSession once its
// session ended; while it lives, dataIdle, but never while its transfer
// command waits for its final reply. A transfer stalls longer than that
// and goes on (ProFTPD's TimeoutStalled is an hour, a STOR from a slow
// pipe, a tape library staging a file), and its later bytes, FIN and 226
// belong to it. The wait ends with that reply (then dataIdle counts from
// the connection's last segment) or the session's end (decode closes a
// control connection an hour silent); the connection tables bound how
// many wait (MaxDataConns, MaxDataPerSession).
func (t *Tracker) dataQuiet(dc *DataConn) bool {
	quiet := t.clock.since(dc.lastSeen)
	switch {
	case dc.Session.ended:
		return quiet > dataIdleAfterSession
	case dc.Command != nil && dc.Command.Status == StatusPending:
		return false
	}
	return quiet > dataIdle
}

// Limits counts every bound the tracker hit.
type Limits struct {
	SessionsDropped int `json:"sessions_dropped"` // control connections not followed: session table full
	CommandsOmitted int `json:"commands_omitted"` // commands not kept in transcripts
	PendingOverflow int `json:"pending_overflow"` // commands given up as unanswered: pending queue full
	DataDropped     int `json:"data_dropped"`     // data connections not followed: table full
	// DataSessionFull counts data connections not followed because their
	// session had MaxDataPerSession not yet reported (open, or waiting
	// for their transfer command's reply) already.
	DataSessionFull int `json:"data_session_full,omitempty"`
	// UnusedNotKept counts announcements nothing used and a later one
	// superseded, past the first maxUnusedKept of their session, let go
	// from its Data once reported (datakept.go): their records and
	// findings were written; a transcript shows them only under their
	// kept announcement (else Session.DataNotKept), the summary's list
	// of failed sessions does not name them, and the diagnosis of the
	// session's later connections does not look back at them.
	UnusedNotKept int `json:"unused_announcements_not_kept,omitempty"`
	// DataBudget counts reported data connections let go from their
	// session's Data sooner because all open sessions held DataBudget
	// together (dataKeep): the same costs, for connections tried too.
	DataBudget          int `json:"data_budget_let_go,omitempty"`
	ExpectationsEvicted int `json:"expectations_evicted"`
	EventsOmitted       int `json:"events_omitted"`
	RepliesOmitted      int `json:"replies_omitted"` // greeting lines or 1yz replies beyond their bound
	// TranscriptBudget counts commands and events left out of transcripts
	// because all open sessions together held TranscriptBudget (they are
	// in CommandsOmitted and EventsOmitted too).
	TranscriptBudget int `json:"transcript_budget_omitted,omitempty"`
	// RepliesCut counts replies kept as their first line, at most
	// ReplyKept bytes, and ArgsCut command arguments kept as their first
	// ArgKept bytes, because the open sessions held all the bytes their
	// transcripts (TranscriptBytes) or their other commands (CommandBytes)
	// may take; BytesCut, the bytes of those replies' lines and arguments
	// not kept (each reply and command says how many lines and bytes of
	// its own). RepliesBudget counts the preliminary replies not kept because their
	// command had RepliesMin while the bytes it counts against were all
	// taken (they are in RepliesOmitted too; their bytes in BytesCut).
	RepliesCut    int   `json:"replies_cut_budget,omitempty"`
	ArgsCut       int   `json:"args_cut_budget,omitempty"`
	BytesCut      int64 `json:"bytes_cut_budget,omitempty"`
	RepliesBudget int   `json:"replies_omitted_budget,omitempty"`
	// ReplyLinesDropped counts the lines of multi-line replies beyond the
	// reply bound (each reply record says how many of its own).
	ReplyLinesDropped int `json:"reply_lines_dropped,omitempty"`
	// DataRSTIgnored counts RSTs on data connections the receiver would
	// drop (to a SYN, without ACK = ISN+1; later, outside the window, or
	// in it but not at the next byte and outlived by the receiver, as RFC
	// 5961 has it): forged or stale, they end nothing.
	DataRSTIgnored int `json:"data_rst_ignored,omitempty"`
	// ResumedUnlinked counts continuations of sessions closed as idle
	// whose record was no longer kept (past maxIdleEnded, or picked up
	// later than decode.ResumeWait): they say what they are, without the
	// session they continue or its login.
	ResumedUnlinked int `json:"resumed_unlinked,omitempty"`
	// IdleEndedForgotten counts records of sessions closed as idle
	// dropped within their wait (decode.ResumeWait) because maxIdleEnded
	// others were kept: a continuation of one is no longer linked to it.
	IdleEndedForgotten int `json:"idle_ended_forgotten,omitempty"`
	// EarlyOverwritten counts handshake segments of the capture's first
	// minutes, held for sessions picked up mid-stream to claim, that
	// newer ones replaced (maxEarly): a data connection announced before
	// the capture started may have lost its first SYNs with them.
	EarlyOverwritten int `json:"early_segments_overwritten,omitempty"`
	// EarlyLaterOverwritten counts segments held after such a handshake
	// (between data ports: its bytes and FINs), for a session confirmed
	// later to claim with it, that newer ones replaced (maxEarlyLater)
	// before a session claimed the connection: the data connection, one
	// that ran before its session was confirmed, misses them (its bytes
	// are still proven by the FINs' sequence numbers when those were
	// kept). Those of connections no session claims are not counted.
	EarlyLaterOverwritten int `json:"early_later_overwritten,omitempty"`
	// SYNsHeldOverwritten counts SYNs that matched no announcement,
	// held for one that may come just after them (maxHeldSYNs), that
	// newer ones replaced while they could still have matched: a data
	// connection whose SYN a multi-queue capture wrote before the reply
	// announcing its port is then matched by its SYN-ACK, if that came
	// after the reply, or not at all.
	SYNsHeldOverwritten int `json:"syns_held_overwritten,omitempty"`
	// SYNACKsHeldOverwritten counts SYN-ACKs that matched nothing, held
	// in the same ring as the SYN the capture lost (holdUnseen) for a gap
	// of a session's control bytes that may show just after them, that
	// newer ones replaced while they could still have matched: a data
	// connection whose announcement and SYN the capture both lost is then
	// not claimed for its session.
	SYNACKsHeldOverwritten int `json:"synacks_held_overwritten,omitempty"`
	// HeldLaterOverwritten counts segments held after a held SYN's answer
	// in a capture that may reorder (a whole data connection written
	// before its announcement), that newer ones replaced within 1 s: the
	// connection, matched later, misses them (its bytes are still proven
	// by the FINs' sequence numbers when those were kept).
	HeldLaterOverwritten int `json:"held_later_overwritten,omitempty"`
	// DataAfterExpiry counts SYNs to the endpoint of an announcement that
	// had expired unused (ExpectationTimeout), from the peer that was to
	// connect (expired.go): connections nothing waited for any more, not
	// followed.
	DataAfterExpiry int `json:"data_after_expiry,omitempty"`
	// AfterEndNotHeld counts announcements still waiting when their
	// session's control connection closed that were made final before
	// their wait was over because MaxAfterEnd (256) others waited so
	// already (afterend.go): a connection to one after that is not
	// followed (nor taken for another announcement of the port), and the
	// announcement's outcome is undetermined (DataConn.AfterCloseCut).
	AfterEndNotHeld int `json:"after_end_not_held,omitempty"`
	// DataAfterQuit counts SYNs from a session's peer that was to connect
	// to the endpoint of its latest announcement nothing had connected
	// to, sent within that announcement's wait after the session had
	// ended with a 221 to its QUIT (afterend.go): the server had ended the
	// session and its listener; another session's connection (one the
	// capture does not show) or a client reusing an old endpoint. Not
	// followed; the announcement's record tells it
	// (DataConn.ConnectedAfterQuit).
	DataAfterQuit int `json:"data_after_quit,omitempty"`
	// ResetsHeldOverwritten counts RSTs that matched nothing while
	// announcements waited (in a capture that may reorder, any that
	// answers a SYN between data ports: mayAnswerSYN), held for a SYN
	// written after them (maxHeldResets), that newer ones replaced
	// within answerWindow (answerHoldWindow, or reorderAnswerWindow): the
	// data SYN they refused then reads unanswered.
	ResetsHeldOverwritten int `json:"resets_held_overwritten,omitempty"`
	// UnreachablesHeldOverwritten counts the same for ICMP errors
	// (maxHeldResets of them held): the data SYN they quote then reads
	// unanswered.
	UnreachablesHeldOverwritten int `json:"unreachables_held_overwritten,omitempty"`
	// RefusalsNotKept counts RSTs and ICMP errors that answered a data SYN
	// the capture lost, left out because maxRefusals announcements still
	// waiting held one already: such an announcement's outcome may read
	// not attempted (or undetermined) instead of refused.
	RefusalsNotKept int `json:"refusals_not_kept,omitempty"`
	// DataBeyondWindow counts data segments (a run of them in sequence
	// once) that started past a hole and beyond the window their receiver
	// advertised, and that it never acknowledged: their bytes are not
	// counted as transferred (forged or stale).
	DataBeyondWindow int `json:"data_beyond_window,omitempty"`
	// DataEndpointTaken counts connection attempts (SYNs; one sent again
	// from the same port once) that matched nothing, to a data endpoint
	// another connection had taken within the last ExpectationTimeout
	// (takenEndpoints): a client's retry from a new port, or other hosts
	// trying the port. Not followed.
	DataEndpointTaken int `json:"data_endpoint_taken,omitempty"`
	// DataRaceUnplaced counts data connections to an endpoint several
	// sessions of one client were told whose announcements were all used
	// while one connection to it was still a guess of its session
	// (raceUnplaced): each is recorded under the session of that guess,
	// its session a guess too (DataConn.AmongRace), with no announcement
	// or command of its own.
	DataRaceUnplaced int `json:"data_race_unplaced,omitempty"`
	// UnsolicitedNotKept counts endpoints of passive replies no command
	// asked for (unsolicited.go) let go before their wait was over, past
	// maxUnsolicitedPerSession of one session or maxUnsolicited in all
	// (the oldest first): a client's connection to one is not tied to it
	// (it matches nothing, as before).
	UnsolicitedNotKept int `json:"unsolicited_not_kept,omitempty"`
	// EncryptedPairOverflow counts encrypted sessions taken out of the
	// index of their client and server addresses while still open: the
	// pair held maxEncryptedPerPair already, and the one quiet longest
	// left. A data connection of it is then inferred for another session
	// of the pair, or not at all.
	EncryptedPairOverflow int `json:"encrypted_pair_overflow,omitempty"`
	// ClockStepsNotKept counts steps of the capture's clock (set back
	// over a second, or forward over a day) that came while the waits'
	// clock held maxClockSteps others, all within the longest wait (an
	// hour of packet time): the oldest was merged into the time before it
	// (packetClock.dropOldest). A wait begun before that step may be
	// measured shorter than it ran (an announcement or SYN from then
	// waits longer before it is final), never longer.
	ClockStepsNotKept int `json:"clock_steps_not_kept,omitempty"`
	// InputBreaksNotKept counts times between input files the capture did
	// not look (InputBreak) that came while maxBreaks others within the
	// longest wait were kept: the oldest was forgotten, and a wait it cut
	// (a SYN whose answer, or an announcement whose SYN, was in a missing
	// file) reads unanswered or not attempted instead of undetermined.
	InputBreaksNotKept int `json:"input_breaks_not_kept,omitempty"`

	// RunningFull and RunningLate count transfers of sessions picked up
	// mid-stream whose data connection, begun before the capture, was
	// looked for (at the reply that ended the transfer, or at the
	// capture's end for one left waiting) and not found where a bound may
	// have kept it out (running.go): the maxRunning (16) connections
	// summed up had left one between the session's hosts out
	// (RunningFull), or the search came after the capture's first three
	// minutes, past which no new one is summed up (RunningLate). Such a
	// transfer shows no data connection.
	RunningFull int `json:"running_full,omitempty"`
	RunningLate int `json:"running_late,omitempty"`
}

// Tracker follows FTP sessions and their data connections. It implements
// decode.Handler. It is single-owner, like the decoder that feeds it.
type Tracker struct {
	opts    Options
	sink    Sink
	payload PayloadSink // the sink's, when it takes data payload (payload.go)

	sessions *decode.ConnIndex[*Session] // the open sessions, by control connection
	nextSess int

	data map[decode.ConnKey]*DataConn // data connections seen (SYN matched)
	// reportedData counts data connections reported; dropWalkedID and
	// dropWalkedAt, the session noDataRoom last walked for reported ones
	// to drop and that count then (by ID: no ended session is held).
	reportedData, dropWalkedAt uint64
	dropWalkedID               int
	// dataListed: the data connections the open sessions hold in Data
	// together (DataBudget); unusedKept, of the open sessions that
	// reported announcements nothing used, how many of those they hold
	// (letUnusedGo), let go with the session (dataReleased). A map here,
	// not in Session: an unusedRun's 16 bytes would take Session (568,
	// no padding left; session_size_test.go) past its 576-byte class,
	// and few sessions have one.
	dataListed int
	unusedKept map[*Session]unusedRun
	// encrypted indexes the open sessions whose control channel is TLS by
	// their (client, server) addresses, up to maxEncryptedPerPair of each
	// pair (a client may hold several at once, to one server): their data
	// connections can only be inferred from peers and timing
	// (encryptedOwner).
	encrypted map[[2]netip.Addr][]*Session
	// declined holds the latest SYNs between an encrypted session's
	// peers not taken for its data connection (announcedInside), so that
	// the same SYN sent again is not taken either; declinedNext is where
	// the next goes.
	declined     [declinedKept]declinedSYN
	declinedNext int
	// encryptedClients indexes the same sessions by client address: a
	// client that trusted a private 227 it read inside TLS connects to
	// another address than the server's.
	encryptedClients map[netip.Addr]*Session
	// ownerWaits holds, by (client, server) addresses, the data
	// connections inferred for one of several encrypted sessions of the
	// pair, their records held until the first server record after their
	// end settles which session they belong to (settleOwner); at most
	// maxOwnerWaits per pair, each until ownerSettleWait after its end.
	ownerWaits map[[2]netip.Addr][]ownerWait
	// raced: the data connections whose session is a guess among several
	// that announced their endpoint (DataConn.AmongRace), until the reply
	// that settles it as certain (settleRace) or their report; at most
	// maxRaced.
	raced []*DataConn
	// raceDoubt: the endpoints of races a guess on which was taken by a
	// 2yz that fitted several, found wrong where no swap mends it, or
	// reported a guess still (doubtedRace): a reply after that fits one
	// connection of the race alone settles it as a guess still, and a
	// connection that takes an announcement of the race left free is a
	// guess (racedBefore). At most maxRaced; a reported guess's let go at
	// its session's next final reply to a transfer (raceTransferDone),
	// the others with the last of raced; any ExpectationTimeout after.
	raceDoubt []doubtedRace
	// unannounced indexes the open sessions picked up mid-stream that have
	// shown no announcement yet, by their (client, server) addresses: a
	// data connection whose PORT or 227 came before the capture started
	// can only be tied to them by peers and timing (midstreamData). An
	// entry leaves at the session's first announcement, at its end, or
	// once it is found past midstreamWindow. A session whose passive
	// reply fell in a capture gap joins it too, for that reply's one
	// connection (announceMayBeLost, MatchAnnounceLost).
	unannounced map[[2]netip.Addr]*Session
	// lostOthers holds, by (client, server) addresses, the other open
	// sessions that found an announcement lost (announceMayBeLost,
	// activeMayBeLost) while the unannounced index held another session
	// of the pair that waited for its own lost announcement's
	// connection: two sessions of one client host losing their PORTs in
	// one burst of capture gaps each get theirs (pickLostOwner). At
	// most maxLostOthers per pair; a session leaves it where it leaves
	// the unannounced index (announced), or when it takes that index.
	lostOthers map[[2]netip.Addr][]*Session
	// clientOnly indexes the open sessions the capture holds the client's
	// side of only (Session.OneSide), by their (client, server)
	// addresses: their 227s and 229s are not in it, so a passive data
	// connection can only be tied to them by peers and timing
	// (clientOnlyData). An entry leaves at the session's end, or when
	// the server's side shows after all.
	clientOnly map[[2]netip.Addr]*Session
	// unsolicited: the endpoints of passive replies no command asked for
	// in sessions seen whole, armed for nothing, kept for their own
	// client's connection (unsolicited.go): at most
	// maxUnsolicitedPerSession of a session, maxUnsolicited in all, each
	// until its session ends or announces again, or ExpectationTimeout.
	unsolicited []unsolicitedEndpoint
	// start is the packet time of the capture's first segment; held, the
	// handshake segments of its first earlyWindow that matched nothing,
	// for sessions picked up mid-stream to claim (early.go); nil after.
	start time.Time
	held  *earlySegments
	// running: connections between data ports the capture began during
	// (no SYN) that matched nothing, for a session picked up mid-stream
	// whose first reply ends their transfer (running.go); nil until one.
	running *runningFlows
	// runningLeftOut: the host pairs of connections the running table
	// left out, full (running.go); nil until one.
	runningLeftOut *leftOutPairs
	// midstream lists the open sessions picked up mid-stream by host
	// pair (either way), for a connection the capture began during to be
	// claimed only when no other session between its hosts may own it
	// (running.go); nil until one.
	midstream map[[2]netip.Addr]*midstreamPair
	// syns holds the latest SYNs to unprivileged ports that matched
	// nothing, for an announcement that comes just after them
	// (early.go); nil until one is held.
	syns *heldSYNs
	// resets holds the latest RSTs that matched nothing while
	// announcements waited (in a capture that may reorder, any that
	// answers a SYN between data ports: mayAnswerSYN), for the SYN they
	// answer if a capture's queues wrote it after them (early.go); nil
	// until one is held.
	resets *heldResets
	// unreach holds, likewise, the latest ICMP errors quoting a segment
	// of no known connection while announcements waited (early.go).
	unreach *heldUnreachables
	// reorders: the capture is known to be one whose packets may come
	// out of order by tens of milliseconds (decode.Segment.Reorders, as
	// its control segments tell): answers are held longer
	// (answerWindow).
	reorders bool
	// ctlTooBig: sessions given a path MTU error about their control
	// connection (controlTooBig); while none was, control segments are
	// not looked up for them.
	ctlTooBig int
	// replaying is the held segment being replayed to a data connection
	// (early.go), nil otherwise; awaiting, the data connections such a
	// replay finished before their transfer command could reach them,
	// held for it (awaitCommand). Both empty but for the moment of a
	// replay and the burst of events that follows it.
	replaying *decode.Segment
	awaiting  []awaitedData
	// byISN indexes open sessions whose client SYN was seen in the last
	// two seconds and that have no twin yet, by that SYN's sequence
	// number (twin.go). The sessions table owns them; an entry leaves when
	// its session ends or ages out.
	byISN    map[uint32]isnSlot
	isnOrder []isnEntry // byISN's entries, oldest first from isnHead, for expireISN
	isnHead  int
	// idleEnded keeps, for each session whose control connection decode
	// closed as idle less than decode.ResumeWait ago, what the session
	// that continues it takes on should the connection's bytes pick it up
	// again: a few fields, never the Session. idleOrder lists them oldest
	// first from idleHead on, for expiry and the bound maxIdleEnded
	// (keepIdleEnd, resumeSession). Both nil while none is kept.
	idleEnded map[decode.ConnKey]idleEnd
	idleOrder []idleEntry
	idleHead  int
	// portRefs counts the data connections in data using each port;
	// recentData caches lookups in data, one per slot (dataSlot): the
	// segments of the transfers under way at once come interleaved.
	portRefs   [65536]uint32
	recentData [dataSlots]recentData
	byPort     map[uint16][]*DataConn // armed announcements awaiting a SYN
	expired    expiredAnns            // tombstones of announcements that expired unused (expired.go)
	taken      takenEndpoints         // endpoints data connections were matched to (noteTaken)
	open       []*DataConn            // armed or live data connections, for timeouts
	// openCompactAt: the length of open at which finished entries are
	// dropped before the next append.
	openCompactAt int
	// doneInOpen counts data connections finished since open was last
	// compacted: when the table looks full, whether compacting may help.
	doneInOpen int
	nextData   int

	limits Limits
	// transcript counts the entries the open sessions' transcripts hold;
	// transcriptBytes, their bytes (Options.TranscriptBytes).
	transcript      int
	transcriptBytes int
	// commandBytes counts the bytes of the commands the open sessions
	// hold outside their transcripts, and of their replies
	// (Options.CommandBytes; Command.cost).
	commandBytes int
	seq          uint64 // arrival order of commands, replies and events
	last         time.Time
	// clock measures the waits: packet time that a step back of the
	// capture's clock does not stretch (packetClock).
	clock packetClock
	input uint32 // the input the latest segment came from (decode.Segment.Input)
	// inputSegs counts the TCP segments of the input being read;
	// inputOther: that input showed a packet other than a control
	// connection's segment (ControlOnly).
	inputSegs  uint64
	inputOther bool
	// breaks: the recent times between input files the capture did not
	// look (InputBreak, breaks.go), oldest first; at most maxBreaks.
	breaks []captureBreak
	// afterEnd: the announcements waiting on past their session's end
	// (afterend.go), oldest first; at most MaxAfterEnd.
	afterEnd []*DataConn
	// cut: those the bound let go before their wait was over, kept to
	// know their own peer's connection (cutAfterEnd); at most MaxAfterEnd.
	cut []cutAnn
}

// ControlOnly reports whether every packet of the input being read, up
// to the latest, was a segment of an FTP control connection (or a bare
// ACK, FIN or RST of none): no data connection, no other TCP that opens
// or carries bytes, no ICMP, ARP or UDP. Such a capture was most likely
// filtered to the control port ('port 21') or taken where only the
// control connections pass: that no data connection is in it tells
// nothing of where one stopped. Packets after the latest TCP segment
// are not counted.
func (t *Tracker) ControlOnly() bool {
	return t.inputSegs > 0 && !t.inputOther
}

// New returns a Tracker reporting to sink.
func New(sink Sink, o Options) *Tracker {
	o.defaults()
	t := &Tracker{
		opts:      o,
		sink:      sink,
		payload:   payloadSinkOf(sink),
		sessions:  decode.NewConnIndex(isSessionKey),
		data:      make(map[decode.ConnKey]*DataConn),
		byPort:    make(map[uint16][]*DataConn),
		encrypted: make(map[[2]netip.Addr][]*Session),

		encryptedClients: make(map[netip.Addr]*Session),
		ownerWaits:       make(map[[2]netip.Addr][]ownerWait),
		unannounced:      make(map[[2]netip.Addr]*Session),
		lostOthers:       make(map[[2]netip.Addr][]*Session),
		clientOnly:       make(map[[2]netip.Addr]*Session),
		byISN:            make(map[uint32]isnSlot),
	}
	if t.opts.NumberData == nil {
		t.opts.NumberData = t.countData
	}
	// The longest a wait measured on the clock runs: a step further back
	// than that is spanned by none still open.
	// (Not decode.ResumeWait, a day: a step forgotten sooner only makes
	// an idle-closed session's record last longer, within its bound.)
	t.clock.keepFor(max(o.ExpectationTimeout, o.UnansweredWait, o.EvidenceWait, dataIdle, elsewhereWindow, expiredAnnKeep))
	return t
}

// isSessionKey tells whether k is the key of s's control connection.
func isSessionKey(s *Session, k decode.ConnKey) bool {
	return s.Client == k.A && s.Server == k.B || s.Client == k.B && s.Server == k.A
}

// countData is NumberData when the options give none: the tracker's own
// count of the data connections it numbered.
func (t *Tracker) countData() int {
	t.nextData++
	return t.nextData
}

// Limits returns the bounds hit so far.
func (t *Tracker) Limits() Limits {
	l := t.limits
	l.ClockStepsNotKept = t.clock.notKept
	return l
}

// Sessions returns how many sessions are open now.
func (t *Tracker) OpenSessions() int { return t.sessions.Len() }

// OpenExpectations returns how many announcements await a SYN.
func (t *Tracker) OpenExpectations() int {
	n := 0
	for _, l := range t.byPort {
		n += len(l)
	}
	return n
}

// Segment implements decode.Handler.
func (t *Tracker) Segment(s *decode.Segment) {
	if s.Input != t.input {
		// The next of several files read as one. (A time between them
		// is not taken for a gap in the capture: tcpdump -C or -G starts
		// the next file at the next packet, so a quiet moment looks the
		// same.)
		t.input = s.Input
		t.clock.newInput()
		t.inputSegs, t.inputOther = 0, false
	}
	// A packet number past the segments counted: a frame before this one
	// was no TCP segment (ARP, UDP, an ICMP message). A segment of no
	// control connection that opens one or carries bytes is other TCP; a
	// bare ACK, FIN or RST is not (a control connection's last ACK comes
	// after decode closed it).
	t.inputSegs++
	if s.Num != t.inputSegs || !s.Control && (s.Flags.Has(decode.FlagSYN) || s.PayloadLen > 0) {
		t.inputOther = true
	}
	if s.TS.After(t.last) {
		t.last = s.TS
	}
	t.clock.advance(s.TS)
	if t.start.IsZero() {
		t.start = s.TS
	}
	if s.Control {
		t.reorders = s.Reorders // (control segments only: not a cost on every packet)
		if t.ctlTooBig > 0 {
			t.controlTooBigSegment(s)
		}
		// Decode owns control connections: their end comes as ControlClose.
		// Under TLS no event says the session is still active; its
		// segments do.
		if len(t.encrypted) > 0 {
			if sess := t.sessions.Get(decode.MakeConnKey(s.Src, s.Dst)); sess != nil && sess.Encrypted {
				sess.lastSeen = s.TS
				// unasked: the server speaks again with nothing of its
				// client's between, as a 226 follows the 150; prev, when
				// it spoke before (settleOwner wants it before the data
				// connection's end).
				unasked := s.Src == sess.Server && sess.spokeAt[1] >= sess.spokeAt[0]
				prev := sess.spokeAt[1]
				if sess.noteRecord(s) && unasked && len(t.ownerWaits) > 0 && sess.spokePast(1) {
					t.settleOwner(sess, prev) // (data.go)
				}
				t.noteClock(sess)
			}
		}
		return
	}
	hold := s.Flags&(decode.FlagSYN|decode.FlagRST) != 0 && t.early(s)
	// follows: s comes after a handshake held (held below, if nothing
	// else takes it). Looked up only where it is read: not for a segment
	// of a data connection tracked (nothing on that path changes what
	// it reads).
	follows, followsKnown := false, false
	syn := s.Flags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN
	// synAck: a SYN-ACK, which starts what the capture shows of a
	// connection whose SYN it lost (answerUnseen).
	synAck := s.Flags&(decode.FlagSYN|decode.FlagACK|decode.FlagRST) == decode.FlagSYN|decode.FlagACK
	// Past here only with data connections under way, announcements
	// waiting (a segment may pick one up), or a SYN or SYN-ACK while FTP
	// sessions are open (in a capture that may reorder, any SYN or RST:
	// reorder.go): most segments of other traffic stop here.
	if len(t.data) == 0 && !hold {
		follows, followsKnown = t.followsHeld(s), true
		if !follows && len(t.byPort) == 0 && !((syn || synAck) && (t.sessions.Len() > 0 || len(t.encrypted) > 0 || len(t.unannounced) > 0 || len(t.lostOthers) > 0 || len(t.clientOnly) > 0 || t.reorders)) &&
			!(t.syns != nil && t.syns.live > 0) && !(s.Flags.Has(decode.FlagRST) && t.reorders) && !(syn && len(t.afterEnd) > 0) {
			t.noteRunning(s)
			return
		}
	}
	if dc := t.lookupData(s.Src, s.Dst); dc != nil {
		if !dc.viaAlias(s.Src, s.Dst) {
			t.dataSegment(dc, s)
			if dc.Match == MatchAnnounceLost && lostPickWrongWay(dc) {
				// Bytes the way its transfer's never go: at once, so
				// that the lost announcement is free again for the
				// transfer's own connection.
				t.refuteLostPick(dc)
			}
			return
		}
		if t.reflection(dc, s) {
			return
		}
		// Not the reflection: the alias left; taken as any segment below.
	}
	if !followsKnown && !hold {
		follows = t.followsHeld(s)
	}
	// A finished data connection is forgotten at once: a late segment of
	// it matches nothing (pickUp leaves it alone), and only a SYN starts
	// a new one (active mode from port 20 to a client port used again).
	switch {
	case syn:
		if t.matchSYN(s) {
			t.takenSYN(s)
			return
		}
		if (len(t.encrypted) > 0 || len(t.unannounced) > 0 || len(t.lostOthers) > 0 || len(t.clientOnly) > 0) && t.inferData(s) {
			return
		}
		if len(t.unsolicited) > 0 && t.unsolicitedData(s) {
			// (After every other reading: unsolicited.go.)
			t.takenSYN(s)
			return
		}
		if len(t.raced) > 0 && t.raceUnplaced(s) {
			t.noteTaken(s)
			return
		}
		// (Counted at once, and held all the same: the endpoint may be
		// announced again just after it, two NIC queues.)
		counted := countedNone
		switch {
		case len(t.afterEnd) > 0 && t.afterQuit(s):
			counted = countedAfterQuit
		case t.afterExpiry(s):
			counted = countedAfterExpiry
		case t.toTaken(s):
			counted = countedTaken
		}
		if s.Dst.Port() >= 1024 && (t.sessions.Len() > 0 || t.reorders) {
			// Its announcement may come just after it (early.go); in a
			// capture that may reorder, its session too (decode confirms
			// a session from both sides: one side late holds it back).
			t.holdSYN(s, counted)
		}
	case len(t.byPort) > 0 && !s.Flags.Has(decode.FlagRST) && t.pickUp(s):
		return
	case t.syns != nil && t.syns.live > 0 && !(len(t.byPort) > 0 && s.Flags&(decode.FlagSYN|decode.FlagRST) == 0):
		// (pickUp has looked at such a segment for the held SYNs.)
		if t.syns.answered(s) {
			t.limits.HeldLaterOverwritten++
		}
	}
	if synAck && t.answerUnseen(s) { // (early.go)
		return
	}
	if s.Flags.Has(decode.FlagRST) && (len(t.byPort) > 0 && s.Flags.Has(decode.FlagACK) || t.mayAnswerSYN(s)) {
		t.holdReset(s) // the SYN it refuses may come just after it (early.go)
	}
	switch {
	case hold:
		t.holdEarly(s)
	case follows:
		t.holdEarlyLater(s) // what its data record needs (early.go)
	}
	t.noteRunning(s)
}

// encrypt marks a session's control channel as TLS from here on.
func (t *Tracker) encrypt(sess *Session, ev Event) {
	sess.Encrypted, sess.WasEncrypted = true, true
	sess.flags &^= flagTLSRefused | flagExchangeOpen
	sess.spokeAt, sess.spokeEnd, sess.turns = [2]int64{}, [2]uint32{}, [2]uint8{}
	if sess.Midstream && sess.CommandCount == 0 {
		// Encrypted before the capture started: its handshake is not in
		// it, and what it sends is commands and replies from the first.
		sess.turns = [2]uint8{handshakeTurns, handshakeTurns}
	}
	pair := [2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}
	if list := t.encrypted[pair]; !slices.Contains(list, sess) {
		if len(list) >= maxEncryptedPerPair {
			// The one quiet longest leaves: its data connections are
			// those least likely to come.
			i := 0
			for j, x := range list {
				if x.lastSeen.Before(list[i].lastSeen) {
					i = j
				}
			}
			list = slices.Delete(list, i, i+1)
			t.limits.EncryptedPairOverflow++
		}
		t.encrypted[pair] = append(list, sess)
	}
	t.encryptedClients[sess.Client.Addr()] = sess
	t.announced(sess)
	t.event(sess, ev)
}

// indexOneSide keeps sess in the clientOnly index while the capture holds
// its client's side only and it has not ended.
func (t *Tracker) indexOneSide(sess *Session, ended bool) {
	pair := [2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}
	switch {
	case sess.OneSide == ClientSideOnly && !ended:
		t.clientOnly[pair] = sess
	case t.clientOnly[pair] == sess:
		delete(t.clientOnly, pair)
	}
}

// unannouncedSession tells whether sess is the one the unannounced index
// holds for its peers (see Tracker.unannounced).
func (t *Tracker) unannouncedSession(sess *Session) bool {
	return t.unannounced[[2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}] == sess
}

// announced takes a session out of the unannounced index: it showed an
// announcement (every data connection after it is matched by the ones it
// shows), its control channel turned to TLS (the encrypted indexes infer
// for it), or it ended.
func (t *Tracker) announced(sess *Session) {
	if t.unannouncedSession(sess) {
		delete(t.unannounced, [2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()})
	}
	t.leaveLostOthers(sess)
}

// unencrypt takes a session out of the encrypted indexes (it ended, or
// its control channel is clear text again).
func (t *Tracker) unencrypt(sess *Session) {
	pair := [2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}
	if list := t.encrypted[pair]; slices.Contains(list, sess) {
		if list = slices.DeleteFunc(list, func(x *Session) bool { return x == sess }); len(list) == 0 {
			delete(t.encrypted, pair)
		} else {
			t.encrypted[pair] = list
		}
	}
	if t.encryptedClients[sess.Client.Addr()] == sess {
		delete(t.encryptedClients, sess.Client.Addr())
	}
}

// helloOnPlain takes the client's lines of a plain control connection
// whose client began with a TLS ClientHello (implicit FTPS against a port
// that speaks FTP first): the first, the ClientHello's start, becomes one
// event saying so (Session.HelloOnPlain); it and every client line after
// it that is no command (the rest of the ClientHello's binary, split at
// its newline bytes) are dropped, not shown byte by byte.
func (t *Tracker) helloOnPlain(sess *Session, e *decode.ControlEvent) bool {
	if sess.flags&flagHelloOnPlain != 0 {
		return !e.Secret
	}
	if sess.CommandCount > 0 || sess.Midstream || sess.WasEncrypted || !startsClientHello(e.Line) {
		return false
	}
	sess.flags |= flagHelloOnPlain
	t.event(sess, Event{Kind: EventJunk, TS: e.TS, Num: e.Num, FromClient: true,
		Text: "TLS ClientHello: the client began implicit FTPS (TLS first) on a control connection that speaks FTP text"})
	return true
}

// startsClientHello tells whether line begins as a TLS handshake record
// holding a ClientHello (RFC 8446 5.1, 4): content type 22, version 3.x,
// handshake type 1. FTP text never begins so.
func startsClientHello(line string) bool {
	return len(line) >= 6 && line[0] == 22 && line[1] == 3 && line[2] <= 4 && line[5] == 1
}

// minServerHello is the shortest a server's first TLS flight can be: one
// record header (5 bytes) around a ServerHello (a 4-byte message header,
// version 2, random 32, session ID length 1, cipher suite 2, compression
// 1). A server that sent less to a ClientHello set up no TLS session.
const minServerHello = 5 + 4 + 2 + 32 + 1 + 2 + 1

// implicitRefused ends the TLS of an implicit-FTPS session whose server
// answered the client's ClientHello with fewer bytes than a ServerHello
// (a 7-byte alert, vsftpd's "500 OOPS: " after it) or none, and closed:
// no TLS session was set up, so nothing was hidden (Session.TLSRefused).
func (t *Tracker) implicitRefused(sess *Session, e *decode.ControlEvent) {
	sess.Encrypted = false
	t.unencrypt(sess)
	sess.flags |= flagTLSRefused
	text := "the server answered the TLS hello with " + strconv.FormatUint(e.TLSBytes[1], 10) + " bytes, fewer than a ServerHello, and the connection closed: TLS never started"
	if e.TLSBytes[1] == alertRecordLen {
		text = "the server answered the TLS hello with a TLS alert (7 bytes) and the connection closed: TLS never started"
	} else if e.TLSBytes[1] == 0 {
		text = "the server sent no TLS byte back to the TLS hello and the connection closed: TLS never started"
	}
	t.event(sess, Event{Kind: EventCleartext, TS: e.TS, Num: e.Num, TLSSent: tlsSent(e.TLSBytes), Text: text})
}

// maxEncryptedPerPair bounds the encrypted sessions indexed per client
// and server address pair (Tracker.encrypted): clients open a few at
// once (parallel transfers), not more.
const maxEncryptedPerPair = 8

// handshakeTurns: the turns (records sent after the other side's) each
// side of an encrypted session takes before it can have sent a command
// or a reply: the TLS handshake takes the first two of each (TLS 1.2:
// the hellos, then the key exchange and the finished messages; TLS 1.3
// and a resumed session take fewer), and a login more before any
// PASV, PORT or their replies.
const handshakeTurns = 2

// noteRecord notes, of a control segment of an encrypted session, when
// its sender last sent a command or a reply (Session.spokeAt): a segment
// with payload that moves its sender's stream on (one sent again is not
// news). The payload is not read (decode's relay keeps none of a control
// segment's): records within each side's first handshakeTurns turns are
// taken for the handshake. It tells whether s was news.
func (sess *Session) noteRecord(s *decode.Segment) bool {
	if s.PayloadLen == 0 {
		return false
	}
	side, other := 1, 0
	if s.Src == sess.Client {
		side, other = 0, 1
	}
	end := s.Seq + uint32(s.PayloadLen)
	if sess.spokeAt[side] != 0 && int32(end-sess.spokeEnd[side]) <= 0 {
		return false
	}
	if sess.spokeAt[side] == 0 || sess.spokeAt[other] > sess.spokeAt[side] {
		if sess.turns[side] < 255 {
			sess.turns[side]++
		}
		if side == 1 {
			sess.noteExchange() // (before spokeAt[1] moves on: it reads it)
		}
	}
	sess.spokeAt[side], sess.spokeEnd[side] = s.TS.UnixNano(), end
	return true
}

// Unreachable implements decode.Handler. An ICMP error is about a data
// connection when it quotes a segment the connection's sender could have
// sent, as the sender's TCP checks it (Linux's tcp_v4_err, tcp_v6_err):
// the quoted source is the sender's own end, and the quoted sequence
// number is within what it sent and had not seen acknowledged (before the
// handshake, the opener's SYN). Only such an error quoting the SYN, and
// of a kind that ends a connect (ICMPInfo.EndsConnect), makes the
// connection unreachable; a path MTU error about its data is kept for the
// path MTU finding (PathMTU); every other is counted (ICMPErrors.Ignored).
func (t *Tracker) Unreachable(u *decode.Unreachable) {
	t.inputOther = true
	dc := t.lookupData(u.Src, u.Dst)
	if dc == nil && (len(t.byPort) > 0 || t.mayQuoteSYN(u) || t.quotesHeldSYN(u)) {
		t.holdUnreachable(u) // the SYN it quotes may come just after it (early.go)
	}
	if dc == nil && t.controlTooBig(u) {
		return
	}
	if dc == nil || dc.Done {
		return
	}
	t.icmpError(dc, u)
}

// Control implements decode.Handler.
func (t *Tracker) Control(e *decode.ControlEvent) {
	if e.TS.After(t.last) {
		// (Decode hands each packet to Segment first: only an event
		// past every packet moves the clock here.)
		t.last = e.TS
		t.clock.advance(e.TS)
	}
	sess := t.sessions.GetPair(e.Client, e.Server) // (the key made only where kept or dropped)
	if sess == nil {
		if e.Kind == decode.ControlClose {
			return
		}
		if t.sessions.Len() >= t.opts.MaxSessions {
			t.limits.SessionsDropped++
			return
		}
		t.nextSess++
		sess = &Session{ID: t.nextSess, Client: e.Client, Server: e.Server, Start: e.TS, Cwd: "", ServerUnacked: -1}
		sess.recentOnly = t.opts.RecentOnly || t.opts.Transcript != nil && !t.opts.Transcript(sess)
		sess.recentData = sess.recentOnly && !t.opts.KeepData
		sess.Midstream = e.Midstream
		sess.File = e.File
		sess.ByContent = e.ByContent
		t.clockAtStart(sess)
		sess.ImplicitTLS = e.ImplicitTLS
		if e.NoClientHello {
			sess.flags |= flagNoClientHello
		}
		if r, ok := e.Resumed(); ok {
			// Before SessionStart: the sink counts sessions there.
			t.resumeSession(sess, r)
		}
		t.sessions.Put(decode.MakeConnKey(e.Client, e.Server), sess)
		if e.Midstream {
			t.noteMidstream(sess)
			if !t.start.IsZero() && e.TS.Sub(t.start) > decode.ResumeWait {
				sess.memo().pickedUpLate = true // (rare: worth the memo)
			}
		}
		if e.Midstream && !e.Encrypts {
			t.unannounced[[2]netip.Addr{e.Client.Addr(), e.Server.Addr()}] = sess
		}
		t.pairSameConnection(sess, e)
		t.sink.SessionStart(sess)
		if e.Kind == decode.ControlOpen && e.Encrypts {
			text := "implicit TLS"
			if _, resumed := e.Resumed(); resumed && !e.ImplicitTLS {
				text = "TLS (picked up again after an idle close)"
			} else if !e.ImplicitTLS {
				text = "TLS (picked up mid-stream: encrypted before the capture started)"
			}
			t.encrypt(sess, Event{Kind: EventEncrypted, TS: e.TS, Num: e.Num, Text: text})
		}
	}
	if e.Tunnel != nil && e.Kind != decode.ControlClose {
		sess.memo().rareMemo().tunnelSoFar = e.Tunnel // (tunnel.go)
	}
	if e.Kind != decode.ControlClose || e.LastSeen.IsZero() {
		// (A close's own time is when decode let the connection go: an
		// idle sweep, the capture's end. Its LastSeen is the last
		// packet.)
		if e.Kind == decode.ControlCommand {
			sess.noteQuiet(e.TS, e.Heard) // (before lastSeen moves on to it)
		}
		sess.lastSeen = e.TS
		if e.Kind != decode.ControlOpen {
			// (An open's time is the connection's first packet, which
			// may have come before the packet announcing it:
			// clockAtStart.)
			t.noteClock(sess)
		}
	}
	sess.Hops |= e.Hops
	if len(t.awaiting) > 0 {
		t.releaseAwaited(sess, e)
	}
	if e.Endpoint.Via != 0 && e.EndpointErr == nil && len(t.unannounced) > 0 {
		t.announced(sess)
	}
	switch e.Kind {
	case decode.ControlOpen:
		// Open carries only what the session was created with.
	case decode.ControlCommand:
		t.command(sess, e)
	case decode.ControlReply:
		t.reply(sess, e)
	case decode.ControlGap:
		sess.Desync = true
		sess.resync = true
		for _, c := range sess.pending {
			c.Uncertain = true
		}
		t.event(sess, Event{Kind: EventGap, TS: e.TS, Num: e.Num, FromClient: e.FromClient, Cut: e.Cut, Bytes: e.Gap})
		if !e.FromClient {
			t.announceMayBeLost(sess) // (data.go)
		}
	case decode.ControlJunk:
		if e.FromClient && !sess.Encrypted && t.helloOnPlain(sess, e) {
			break
		}
		// A client line the server will answer is a command (Junk), not
		// an event of its own: shown once, with its reply.
		if !sess.Encrypted && !(e.FromClient && !e.Secret && t.junkCommand(sess, e)) {
			ev := Event{Kind: EventJunk, TS: e.TS, Num: e.Num, FromClient: e.FromClient, Text: e.Line, Secret: e.Secret, Dropped: e.Dropped}
			if e.Line == "" && e.Telnet != 0 {
				ev.Text = telnetOnly(e.Telnet)
			} else if e.Line == "" && e.Dropped == 0 {
				ev.Text = "(empty line)"
			}
			if e.FromClient && !e.Secret && e.Line == "" {
				sess.flags |= flagBlankLine
			}
			t.event(sess, ev)
		}
	case decode.ControlCleartext:
		if sess.Encrypted {
			sess.Encrypted = false
			t.unencrypt(sess)
			text := "the control channel carries FTP text again (CCC, or TLS closed): commands and endpoints are readable from here"
			if e.TLSBytes[0] > 0 && e.TLSBytes[1] == alertRecordLen {
				// The server's one alert record answered the ClientHello.
				text = "the control channel carries FTP text again: the server answered the TLS hello with a TLS alert (7 bytes), so TLS never started"
			}
			if e.TLSBytes[0] == 0 || e.TLSBytes[1] != 0 && e.TLSBytes[1] != alertRecordLen {
				sess.flags |= flagTLSSetUp
			}
			if sess.flags&flagTLSSetUp == 0 && !sess.ImplicitTLS && sess.Resumed == nil {
				sess.flags |= flagTLSRefused
			}
			t.event(sess, Event{Kind: EventCleartext, TS: e.TS, Num: e.Num, TLSSent: tlsSent(e.TLSBytes), Text: text})
		}
	case decode.ControlStalled:
		t.stalled(sess, e)
	case decode.ControlConflict:
		// As after a gap: the pairing from here may be wrong.
		sess.Desync = true
		sess.resync = true
		for _, c := range sess.pending {
			c.Uncertain = true
		}
		t.event(sess, Event{Kind: EventConflict, TS: e.TS, Num: e.Num, FromClient: e.FromClient, Text: conflictText(e)})
		t.lineConflict(sess, e)
	case decode.ControlUnconfirmed:
		t.unconfirmed(sess, e)
	case decode.ControlEncrypted:
		if !sess.Encrypted {
			t.encryptControl(sess, Event{Kind: EventEncrypted, TS: e.TS, Num: e.Num, FromClient: e.FromClient, Text: "TLS after AUTH, the AUTH or its 234 reply lost in a capture gap"})
		}
	case decode.ControlClose:
		if e.LastSeen.After(sess.lastSeen) {
			sess.lastSeen = e.LastSeen
			// The clock as it stood at the last packet: a close is
			// delivered later (an RST held for its copies, an idle
			// close, the capture's end), past steps the session did
			// not live through.
			t.noteClockAt(sess, e.LastSeen)
		}
		sess.Watched = e.TS
		if e.Closed == decode.CloseEvicted {
			// Let go for room in decode's table, not for silence: its
			// later packets were not followed.
			sess.Watched = sess.lastSeen
		}
		if e.Closed == decode.CloseIdle {
			// Idle is decode's guess: the connection's bytes may yet pick
			// it up again.
			t.keepIdleEnd(decode.MakeConnKey(e.Client, e.Server), sess, e.TS)
		}
		if sess.Encrypted && sess.ImplicitTLS && e.TLSBytes[0] > 0 && e.TLSBytes[1] < minServerHello {
			t.implicitRefused(sess, e)
		}
		if e.TLSUnfinished && sess.Encrypted {
			t.tlsUnfinished(sess, e) // (tlsctl.go)
		}
		sess.ClientClosed = e.ClientClosed
		sess.ClientFIN = e.ClientFIN
		if e.ServerFIN && e.Closed != decode.CloseFIN {
			// (A close by both FINs says it: ServerFIN.)
			sess.memo().serverFIN = true
		}
		if e.Closed == decode.CloseRST && (e.ResetTTL != decode.ResetTTLUnknown || e.ResetAcked || e.ResetNoACK) {
			r := uint8(e.ResetTTL)
			if e.ResetAcked {
				r |= resetAcked
			}
			if e.ResetNoACK {
				r |= resetNoACK
			}
			sess.memo().reset = r
		}
		if e.ClientFINAcked && sess.xfer != nil {
			sess.xfer.reset |= clientFINAcked
		}
		sess.ServerUnacked = int32(max(e.ServerUnacked, -1))
		if e.Tunnel != nil {
			sess.noteTunnel(e.Tunnel)
		}
		if c := e.Connect; c != nil {
			// Never opened: it ended with its last SYN or the answer
			// to it, not when decode let it go.
			sess.Connect = c
			sess.lastSeen = e.LastSeen
		}
		if e.AfterReset {
			// The server went on after a box's reset in its name: the
			// session ended, for the client, at that reset.
			sess.lastSeen = e.LastSeen
		}
		t.endSession(sess, t.silentEnd(sess, closeReasons[e.Closed]))
		t.sessions.Delete(decode.MakeConnKey(e.Client, e.Server))
		t.unencrypt(sess)
		t.announced(sess)
		t.indexOneSide(sess, true)
	}
}

// junkCommand queues (and reports whether it queued) a client's junk
// line the server will answer as a command (Command.Junk): a line whose
// verb is too long or too short ("TYPEEEEEEEEEEEEEEEEEEEE I") draws its
// 500 like any command, and a cut one counts once; not queued, its reply
// went to the next command and every reply after it shifted one place.
// Lines that may be a password (Secret) stay out, as before: the 230
// after one answers the login. Neither are empty lines (servers ignore
// some), lines whose first word holds bytes no command has (binary
// noise), nor a junk line while another waits unanswered: text that is
// no FTP (a log or a banner sent to port 21) would make each of its
// lines a command no reply comes to. Verb and Arg are the line's words
// as sent (ParseCommand upper-cases the verb).
func (t *Tracker) junkCommand(sess *Session, e *decode.ControlEvent) bool {
	cmd, err := ftp.ParseCommand([]byte(e.Line))
	if err != ftp.ErrBadVerb || cmd.Anomaly&ftp.CmdVerbNonPrintable != 0 {
		return false
	}
	for _, p := range sess.pending {
		if p.Junk && len(p.Replies) == 0 {
			return false
		}
	}
	if v, _, _ := strings.Cut(e.Line, " "); strings.EqualFold(v, cmd.Verb) {
		cmd.Verb = v
	}
	ce := *e
	ce.Command = cmd
	t.command(sess, &ce)
	return true
}

func (t *Tracker) event(sess *Session, ev Event) {
	t.seq++
	ev.Seq = t.seq
	if ev.Kind == EventGap && ev.FromClient {
		sess.clientGap = true // (Command.GapBefore of the next command)
	}
	if sess.recentOnly && !lookedBackAtEvent(ev.Kind) {
		// Written as it happens; the diagnosis does not look back at it.
	} else if len(sess.Events) >= t.opts.MaxEventsPerSess || !t.transcriptRoom() {
		if !sess.recentOnly {
			// (With RecentOnly the output wrote it: only the diagnosis
			// looks back, and misses it, as it misses commands not kept.)
			if sess.EventsOmitted < math.MaxInt32 {
				sess.EventsOmitted++
			}
			t.limits.EventsOmitted++
		}
	} else {
		sess.Events = append(sess.Events, ev)
		t.transcript++
		t.countTranscript(sess, eventCost+len(ev.Text)+len(ev.Protected))
	}
	t.sink.Event(sess, &ev)
}

// transcriptRoom tells whether the open sessions' transcripts may keep one
// more entry. The per-session bounds alone allow 10,000 sessions times
// 10,000 commands; this one bounds them all together, and what it leaves
// out is counted with the per-session omissions.
func (t *Tracker) transcriptRoom() bool {
	if t.transcript < t.opts.TranscriptBudget && t.transcriptBytes < t.opts.TranscriptBytes {
		return true
	}
	t.limits.TranscriptBudget++
	return false
}

// countTranscript counts n bytes more that sess's transcript keeps
// (TranscriptBytes), rounded up to transcriptUnit.
func (t *Tracker) countTranscript(sess *Session, n int) {
	u := (n + transcriptUnit - 1) / transcriptUnit
	sess.transcriptCost += uint32(u)
	t.transcriptBytes += u * transcriptUnit
}

// releaseTranscript gives back what a reported session's transcript
// took of the budget.
func (t *Tracker) releaseTranscript(sess *Session) {
	// Every entry it kept is in Commands or Events (keepCommand, event),
	// and every one dropped was given back as it went.
	t.transcript -= len(sess.Commands) + len(sess.Events)
	t.transcriptBytes -= int(sess.transcriptCost) * transcriptUnit
	sess.transcriptCost = 0
	if sess.recentOnly {
		for _, c := range sess.Commands {
			t.letGo(c) // (the latest it kept outside a transcript)
		}
	}
}

// addReply appends r to c's replies and counts its bytes: against
// TranscriptBytes when c is in its session's transcript, else against
// CommandBytes until the tracker lets c go (letGo). Once the bytes it
// counts against are all taken, r keeps only its first line (cutReply):
// a server chooses how long its replies are, and sends up to 64
// preliminary ones to a command that waits.
func (t *Tracker) addReply(sess *Session, c *Command, r Reply) {
	if t.full(c) || !c.kept() && int(c.cost)+units(replyBytes(&r)) > maxCommandCost-commandSlack {
		// (Or past what one command holds: 4 MiB, which its cost counts.)
		t.cutReply(&r)
	}
	c.Replies = appendReply(c.Replies, r)
	if c.kept() {
		t.countTranscript(sess, replyBytes(&r))
	} else {
		t.holdBytes(c, replyBytes(&r))
	}
}

// replyBytes is what a kept reply costs of TranscriptBytes or
// CommandBytes: its record and its text (a multi-line reply's lines too).
func replyBytes(r *Reply) int {
	n := replyCost + len(r.Text)
	if len(r.Lines) > 1 {
		for _, l := range r.Lines {
			n += len(l)
		}
	}
	return n
}

// lineBytes is how many bytes r's text took on the wire, less line ends
// and what decode cut already: its lines, or its text when it has none.
func lineBytes(r *Reply) int {
	if len(r.Lines) == 0 {
		return len(r.Text)
	}
	n := 0
	for _, l := range r.Lines {
		n += len(l)
	}
	return n
}

// cutReply keeps of r its first line, at most ReplyKept bytes of it (a
// copy: the reply's own text is let go), and counts what it drops in the
// reply (LinesDropped, Dropped: the outputs say so where they show it)
// and in Limits.
func (t *Tracker) cutReply(r *Reply) {
	first, text := "", r.Text
	if len(r.Lines) > 0 {
		first = r.Lines[0]
	}
	if len(r.Lines) <= 1 && len(first) <= ReplyKept && len(text) <= ReplyKept {
		return
	}
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	dropped := 0
	if len(r.Lines) > 1 {
		for _, l := range r.Lines[1:] {
			dropped += len(l)
		}
		r.LinesDropped += len(r.Lines) - 1
		r.Anomaly |= ftp.ReplyTooManyLines
	}
	if n := len(first) - ReplyKept; n > 0 {
		dropped += n
		r.Dropped += n
		first = first[:ReplyKept]
	}
	text = text[:min(len(text), ReplyKept)]
	if len(r.Lines) > 0 {
		kept := strings.Clone(first)
		r.Lines = []string{kept}
		if i := len(kept) - len(text); i >= 0 && kept[i:] == text {
			text = kept[i:] // (the line's own bytes: one copy)
		}
	}
	if len(r.Lines) == 0 || !strings.HasSuffix(r.Lines[0], text) {
		text = strings.Clone(text)
	}
	r.Text = text
	t.limits.RepliesCut++
	t.limits.BytesCut += int64(dropped)
}

// holdCommand counts c, a command its session holds outside its
// transcript (waiting for its reply, or for the diagnosis to look back
// at), against CommandBytes until the tracker lets it go; once those
// bytes are all taken, its argument keeps only its first ArgKept bytes
// (a copy), the rest counted as a long line's are (Command.Dropped).
func (t *Tracker) holdCommand(c *Command) {
	if n := len(c.Arg) - ArgKept; n > 0 && t.commandBytes >= t.opts.CommandBytes {
		c.Arg = strings.Clone(c.Arg[:ArgKept])
		c.Dropped += n
		t.limits.ArgsCut++
		t.limits.BytesCut += int64(n)
	}
	t.holdBytes(c, commandCost+len(c.Verb)+len(c.Arg))
}

// holdBytes counts n bytes more that c holds against CommandBytes,
// rounded up to transcriptUnit as a transcript's are. What c's cost
// cannot hold (addReply cuts every reply once it nears it, so only
// a few cut ones) is not counted.
func (t *Tracker) holdBytes(c *Command, n int) {
	u := min(units(n), maxCommandCost-int(c.cost))
	c.cost += uint16(u)
	t.commandBytes += u * transcriptUnit
}

// units is n bytes in transcriptUnit, rounded up.
func units(n int) int { return (n + transcriptUnit - 1) / transcriptUnit }

// maxCommandCost is the most a command's cost holds (Command.cost: 4
// MiB in transcriptUnit); past maxCommandCost-commandSlack its replies
// are cut, so that the cut ones of its at most 64 preliminary replies
// and its final one still fit.
const (
	maxCommandCost = math.MaxUint16
	commandSlack   = 2048
)

// full tells whether the bytes c counts against are all taken:
// TranscriptBytes when it is in its session's transcript, else
// CommandBytes.
func (t *Tracker) full(c *Command) bool {
	if c.kept() {
		return t.transcriptBytes >= t.opts.TranscriptBytes
	}
	return t.commandBytes >= t.opts.CommandBytes
}

// letGo gives back what c held of CommandBytes: its session no longer
// holds it (reported and not kept, or no longer among the latest kept,
// or the session reported). Once: a command let go holds nothing.
func (t *Tracker) letGo(c *Command) {
	t.commandBytes -= int(c.cost) * transcriptUnit
	c.cost = 0
}

// replyBound is how many replies c keeps before further preliminary ones
// are counted, not kept: maxReplies, or RepliesMin once the bytes c
// counts against (TranscriptBytes when it is in a transcript, else
// CommandBytes) are all taken.
func (t *Tracker) replyBound(c *Command) int {
	if t.full(c) {
		return RepliesMin
	}
	return maxReplies
}

// tick runs once per second of packet time: announcements and SYN-only
// connections that waited too long become final, and sessions closed as
// idle too long ago to be picked up again are forgotten. The waits are
// measured on t.clock, which a step back of the capture's clock does not
// stretch.
func (t *Tracker) tick() {
	if len(t.idleOrder) > 0 {
		t.expireIdleEnded()
	}
	if t.held != nil && t.last.Sub(t.start) > earlyWindow {
		t.held = nil // nothing more is held (early.go)
	}
	if len(t.ownerWaits) > 0 {
		t.expireOwnerWaits(false)
	}
	if len(t.afterEnd) > 0 {
		t.forgetAfterEnd()
	}
	if len(t.cut) > 0 {
		t.forgetCut()
	}
	kept := t.open[:0]
	for _, dc := range t.open {
		switch {
		case awaitsBetterSYN(dc):
			// A port-only match held for a better SYN (finishData): it
			// stays in the port index, and its record held back, only
			// for as long as the announcement would have waited.
			if t.clock.since(dc.Armed) > t.opts.ExpectationTimeout {
				t.reportData(dc)
			}
		case dc.Done:
		case dc.endWaits:
			// Ended by its FINs, its bytes still coming: decode says
			// when they are all delivered (DataEnd), within
			// decode.ReorderWait; should it not, it is final a while
			// after (its end stays the FINs').
			if t.clock.since(dc.End) > dataIdleAfterSession {
				t.finishData(dc)
			}
		case !dc.matched() && t.overdue(dc):
			t.finishData(dc)
			t.rememberExpired(dc)
		case t.lingerOver(dc):
			t.finishData(dc) // (data.go: answerMayFollow)
		case dc.SYNs > 0 && !dc.answered() && dc.RSTTS.IsZero() && t.clock.since(dc.LastSYN) > t.opts.UnansweredWait:
			if dc.ICMP == nil {
				dc.End = dc.LastSYN
			}
			t.finishData(dc)
		case established(dc) && t.dataQuiet(dc):
			dc.End, dc.EndReason = dc.lastSeen, EndIdle
			t.finishData(dc)
		}
		if dc.Done && !awaitsBetterSYN(dc) {
			continue
		}
		kept = append(kept, dc)
	}
	clear(t.open[len(kept):])
	t.open = kept
	t.doneInOpen = 0
	if len(t.clock.steps) > 0 {
		t.clock.forget() // (after the waits above: none open spans them)
	}
}

// closeReasons maps decode's reason for a closed control connection to
// the session's end reason (FIN/RST seen on its segments come first).
var closeReasons = [...]EndReason{
	decode.CloseFIN:        EndFIN,
	decode.CloseRST:        EndRST,
	decode.CloseIdle:       EndIdle,
	decode.CloseCaptureEnd: EndCaptureEnd,
	decode.CloseReused:     EndOpen,
	decode.CloseEvicted:    EndEvicted,
}

// Tick implements decode.Handler: the decoder's packet clock. Waits that
// ran out by now become final.
func (t *Tracker) Tick(now time.Time) {
	if now.After(t.last) {
		// Time passing with no packet (a quiet live capture). The
		// decoder's clock is the latest packet time: behind it, now says
		// nothing the packets did not.
		t.last = now
		t.clock.advance(now)
	}
	t.tick()
}

// Finish implements decode.Handler: it ends every session at the end of
// the capture, after decode closed their control connections; what is
// still pending becomes final.
func (t *Tracker) Finish() {
	// No reply comes now to settle a data connection's session.
	t.expireOwnerWaits(true)
	// Nothing connected to them before the capture's end: final as at
	// their sessions' ends, which came before the capture's.
	t.releaseAfterEnd(len(t.afterEnd))
	open := t.sessions.All()
	// End them in the order they began, so output is deterministic.
	slices.SortFunc(open, func(a, b *Session) int { return a.ID - b.ID })
	for _, sess := range open {
		t.endSession(sess, EndCaptureEnd)
	}
	t.midstream = nil // (the sessions that ended with the capture)
	t.sessions.Clear()
	clear(t.unannounced)
	clear(t.lostOthers)
	clear(t.clientOnly)
	t.idleEnded, t.idleOrder, t.idleHead = nil, nil, 0
	for _, dc := range t.open {
		if !dc.Done {
			if dc.End.IsZero() {
				dc.EndReason = EndCaptureEnd
			}
			dc.atEnd = true
			t.finishData(dc)
		}
	}
	t.open = nil
	// Sessions whose end waited for a data connection not in t.open.
	for _, sess := range open {
		for _, dc := range sess.Data {
			if !dc.Done {
				dc.EndReason = EndCaptureEnd
				dc.atEnd = true
				t.finishData(dc)
			}
		}
		t.maybeReportEnd(sess)
	}
}

// A control connection silent for an hour, with no data between its
// hosts, is closed by decode as idle and its session ends; if its bytes
// come after all, decode picks it up again (decode.ControlEvent.Resumed)
// and the tracker opens a session that continues the ended one
// (Session.Resumed). What the ended session hands on is kept here, by
// connection, for as long as decode may pick the connection up again.

// maxIdleEnded bounds the sessions closed as idle the tracker keeps
// something of at once; past it the oldest is forgotten (counted:
// Limits.IdleEndedForgotten), and a session that continues it is one
// whose Resumption.From is 0. Each waits decode.ResumeWait (a day of
// packet time): a few fields (idleEnd: 96 bytes, its strings the
// session's) and a queue entry.
const maxIdleEnded = 1024

// idleEnd is what a session closed as idle hands on to the session that
// continues it: who logged in, and where the session stood.
type idleEnd struct {
	closed       time.Time // the idle close's packet time: which close
	id           int
	user         string
	cwd, typ     string
	login        LoginState
	prot         protLevel
	wasEncrypted bool
}

// idleEntry is one entry of idleOrder: a connection and the close its
// idleEnded entry was for (that entry may be gone, or newer).
type idleEntry struct {
	key    decode.ConnKey
	closed time.Time
}

// keepIdleEnd keeps what sess, whose control connection decode closed as
// idle at closed, hands on should the connection be picked up again.
func (t *Tracker) keepIdleEnd(key decode.ConnKey, sess *Session, closed time.Time) {
	if len(t.idleOrder)-t.idleHead >= maxIdleEnded {
		if t.forgetIdleEnd(t.idleOrder[t.idleHead]) {
			t.limits.IdleEndedForgotten++
		}
		t.idleHead++
	}
	if t.idleEnded == nil {
		t.idleEnded = make(map[decode.ConnKey]idleEnd)
	}
	t.idleEnded[key] = idleEnd{closed: closed, id: sess.ID, user: sess.User, cwd: sess.Cwd, typ: sess.Type,
		login: sess.Login, prot: sess.prot, wasEncrypted: sess.WasEncrypted}
	t.idleOrder = append(t.idleOrder, idleEntry{key: key, closed: closed})
	t.compactIdleOrder()
}

// resumeSession makes sess, just opened, the continuation of the session
// decode's Resumption names: linked to it, and logged in (or not) as it
// was, so that the rest of the conversation is not read as a session
// without a login.
func (t *Tracker) resumeSession(sess *Session, r decode.Resumption) {
	sess.Resumed = &Resumption{Closed: r.Closed}
	prev, ok := t.idleEnded[r.Key]
	if !ok || !prev.closed.Equal(r.Closed) {
		t.limits.ResumedUnlinked++ // forgotten, or kept for another close of the 4-tuple
		return
	}
	// Picked up once: its entry in idleOrder matches nothing now.
	delete(t.idleEnded, r.Key)
	sess.Resumed.From = prev.id
	sess.User, sess.Login, sess.Cwd, sess.Type = prev.user, prev.login, prev.cwd, prev.typ
	sess.prot, sess.WasEncrypted = prev.prot, prev.wasEncrypted
}

// expireIdleEnded forgets the sessions closed as idle more than
// decode.ResumeWait of packet time ago (packetClock). Decode's wait runs on its idle clock,
// which never runs ahead of packet time, so only a connection whose
// tombstone a late packet renewed (or a clock step kept) is picked up
// after its entry here is gone: its session is still a continuation,
// with From 0.
func (t *Tracker) expireIdleEnded() {
	for t.idleHead < len(t.idleOrder) && t.clock.since(t.idleOrder[t.idleHead].closed) > decode.ResumeWait {
		t.forgetIdleEnd(t.idleOrder[t.idleHead])
		t.idleHead++
	}
	t.compactIdleOrder()
}

// forgetIdleEnd drops the idleEnded entry en was queued for, unless the
// connection was closed as idle again since.
func (t *Tracker) forgetIdleEnd(en idleEntry) (forgot bool) {
	if prev, ok := t.idleEnded[en.key]; ok && prev.closed.Equal(en.closed) {
		delete(t.idleEnded, en.key)
		return true
	}
	return false
}

// compactIdleOrder moves idleOrder's live entries to its front once the
// dropped ones before idleHead are half of it, and lets both go when
// nothing is kept, so that what stays allocated follows what is kept.
func (t *Tracker) compactIdleOrder() {
	switch {
	case t.idleHead == len(t.idleOrder) || len(t.idleEnded) == 0:
		t.idleEnded, t.idleOrder, t.idleHead = nil, nil, 0
	case t.idleHead > len(t.idleOrder)/2:
		n := copy(t.idleOrder, t.idleOrder[t.idleHead:])
		clear(t.idleOrder[n:])
		t.idleOrder, t.idleHead = t.idleOrder[:n], 0
	}
}

// The tracker's waits are measured in packet time that a clock set back
// or forward (NTP stepping the capturing host's clock) does not turn into
// a false failure. Packet times after a step back are earlier than those
// before it: measured against the latest packet time seen, a SYN sent just
// after the step looked as if it had waited for the step's length already
// (unanswered, when the capture simply ended soon after it). Packet times
// after a forward step longer than decode.MaxClockStep are later by the
// step than the time that passed: an announcement or a data connection
// open across it ran out at the step, though its SYN and its bytes came
// right after. Decode's idle clock does not count such a step; neither do
// the waits. The clock below follows the capture's time in segments, one
// per step: a wait is measured from its start, in the segment its time
// falls in, to the latest packet time, with the steps back since added and
// the forward steps since taken away; a time that falls in more than one
// segment (the times a step back repeated) is taken in the latest, which
// never makes a wait longer than it was, and a time inside a forward step
// (seen by no packet but a joining input's) is taken as the step's end.

// stepBack: a packet this much earlier than the latest packet time is the
// capture's clock set back, not reordering: the queues of a multi-queue
// capture, the copies of a mirror port, the interfaces of one capture
// disagree by microseconds to milliseconds. Less than this is taken as
// reordering: the clock waits for packet time to pass the latest again.
const stepBack = time.Second

// maxClockSteps bounds the steps the clock keeps apart. A step is kept
// while a wait could still span it: until clockKeep of packet time passed
// after it (keepFor), then it is forgotten (forget). A step beyond the
// bound while all are kept is a step all the same: the oldest is merged
// into the segment before it (dropOldest) and counted
// (Limits.ClockStepsNotKept). A step taken for reordering instead would
// make every wait after it look longer by the step (a SYN expiring its
// own announcement); the merge only makes a wait begun before the merged
// step look shorter than it was.
const maxClockSteps = 16

// clockStep is where one step started a segment of packet time.
type clockStep struct {
	start  time.Time // the earliest packet time of the segment
	before time.Time // the latest packet time before the step
	// back: the steps back up to this one, summed, less the forward steps
	// not counted (start after before) up to it.
	back time.Duration
	// live: a forward step of a live capture's wall clock its steady
	// clock showed (ClockStep), not a gap of more than a day.
	live bool
}

// forward tells whether the step is a forward one not counted.
func (s *clockStep) forward() bool { return s.start.After(s.before) }

// packetClock is packet time as the waits measure it (see above).
type packetClock struct {
	now   time.Time   // the latest packet time of the current segment
	steps []clockStep // the steps, oldest first
	// base: the back of the latest step merged away (dropOldest), the
	// first segment's; floor: the start of the latest forward step merged
	// away, or of a step back merged after it that went below it: a time
	// before it in no segment kept is taken as at it, so a wait across it
	// still leaves the step out (no longer than it was), while the times
	// after a step back below it are measured as they are.
	base  time.Duration
	floor time.Time
	// keep: how long after a step a wait may still span it (keepFor);
	// notKept counts the steps merged away sooner (Limits.ClockStepsNotKept).
	keep    time.Duration
	notKept int
	// counted: the steps taken so far, never forgotten or merged; a
	// session's ClockSteps are what it gained between the session's first
	// packet and its latest.
	counted clockCount
	// joining: a new input began (newInput) and its packets have not yet
	// passed now. A file that overlaps the one before it (two interfaces'
	// captures given together) steps back at its start, but its packets
	// ran beside the earlier file's, not after them: until they pass the
	// earlier end, they are no time passing.
	joining bool
}

// keepFor sets how long after a step a wait may still span it: the
// longest wait measured on the clock.
func (c *packetClock) keepFor(d time.Duration) { c.keep = d }

// newInput tells the clock that the next packets come from another input
// of the same capture.
func (c *packetClock) newInput() { c.joining = true }

// advance moves the clock to a packet's time.
// maxClockStepSeconds: decode.MaxClockStep in whole seconds, for a quick
// test before the exact one.
const maxClockStepSeconds = int64(decode.MaxClockStep / time.Second)

func (c *packetClock) advance(ts time.Time) {
	if c.joining {
		if !ts.After(c.now) {
			return
		}
		c.joining = false
	}
	n := len(c.steps)
	// One difference, whose sign is After's: on every packet.
	if ahead := decode.PacketSub(ts, c.now); ahead > 0 {
		from := c.now
		if n > 0 && ahead > stepBack {
			if last := c.steps[n-1]; !last.forward() && c.now.Sub(last.start) < stepBack && ts.After(last.before.Add(-stepBack)) {
				// Back on the time before the step, moments after it: two
				// clocks interleaved (hosts or queues whose clocks
				// disagree), not a step. Their difference is not time
				// that passed.
				c.counted.back--
				c.counted.backBy -= c.own(n - 1)
				c.steps = c.steps[:n-1]
				if ts.Before(last.before) {
					ts = last.before
				}
				from = last.before
			}
		}
		// Whole seconds first: a Sub on every packet shows in a profile.
		if ts.Unix()-from.Unix() < maxClockStepSeconds {
			c.now = ts
			return
		}
		if d := ts.Sub(from); d > decode.MaxClockStep && !from.IsZero() {
			// The capture's clock set forward: no time passed. (From
			// the zero time, before any packet, is the first packet.)
			c.step(clockStep{start: ts, before: from, back: -d})
		}
		c.now = ts
		return
	}
	d := decode.PacketSub(c.now, ts)
	switch {
	case d > stepBack:
		c.step(clockStep{start: ts, before: c.now, back: d})
		c.now = ts
	case n > 0 && ts.Before(c.steps[n-1].start):
		c.steps[n-1].start = ts // reordering inside the segment
	}
}

// ClockStep implements decode.ClockStepHandler: packet time from before
// to at, the next packet's or tick's, is a live capture's wall clock set
// forward, kept as a step like one of more than a day (advance), so that
// no wait counts it, and counted apart (ClockSteps.Set).
func (t *Tracker) ClockStep(before, at time.Time) {
	c := &t.clock
	if c.joining || !at.After(c.now) {
		return
	}
	if before.Before(c.now) {
		before = c.now
	}
	if at.After(before) {
		c.step(clockStep{start: at, before: before, back: -at.Sub(before), live: true})
	}
	c.now = at
}

// step keeps s, whose back is its own step alone, as the latest step,
// making room first when the bound is reached.
func (c *packetClock) step(s clockStep) {
	switch {
	case s.live:
		c.counted.set++
		c.counted.setBy -= s.back
	case s.forward():
		c.counted.forward++
	default:
		c.counted.back++
		c.counted.backBy += s.back
	}
	if len(c.steps) == maxClockSteps {
		if c.age(&c.steps[0]) <= c.keep {
			c.notKept++
		}
		c.dropOldest()
	}
	if n := len(c.steps); n > 0 {
		s.back += c.steps[n-1].back
	} else {
		s.back += c.base
	}
	c.steps = append(c.steps, s)
}

// own is steps[k]'s own step: how far back (less than 0: a forward step
// not counted).
func (c *packetClock) own(k int) time.Duration {
	if k == 0 {
		return c.steps[0].back - c.base
	}
	return c.steps[k].back - c.steps[k-1].back
}

// countedAt is counted as it stood in the segment ts falls in (segment):
// without the steps kept since. A time in the first segment kept, or in
// none, leaves them all out.
func (c *packetClock) countedAt(ts time.Time) clockCount {
	n := c.counted
	for k, seg := len(c.steps)-1, c.segment(ts); k > seg; k-- {
		switch {
		case c.steps[k].live:
			n.set--
			n.setBy += c.own(k)
		case c.steps[k].forward():
			n.forward--
		default:
			n.back--
			n.backBy -= c.own(k)
		}
	}
	return n
}

// age is how much packet time passed since step s.
func (c *packetClock) age(s *clockStep) time.Duration {
	return c.now.Sub(s.start) + c.steps[len(c.steps)-1].back - s.back
}

// forget drops the steps more than keep ago: no wait open now began
// before them.
func (c *packetClock) forget() {
	for len(c.steps) > 0 && c.age(&c.steps[0]) > c.keep {
		c.dropOldest()
	}
}

// dropOldest merges the oldest step into the segment before it: the times
// of both are measured as the later's (a step back's, shorter by the step
// for those before it), those before a forward step as at its end. A step
// back to below the floor lowers it to the step's start: the times after
// the step are in its segment, measured as they are (a floor left above
// them took each wait begun there as begun at the floor, in packet time
// still to come: 0 until it passed it); a time before the step, in a
// segment before it, is taken as at the step's start, which it preceded.
func (c *packetClock) dropOldest() {
	s := c.steps[0]
	c.base = s.back
	if s.forward() || s.start.Before(c.floor) {
		c.floor = s.start
	}
	n := copy(c.steps, c.steps[1:])
	c.steps = c.steps[:n]
}

// since is how much packet time passed from ts, a packet time seen
// earlier, to now: never more than did, and never less than zero.
func (c *packetClock) since(ts time.Time) time.Duration {
	n := len(c.steps)
	if n == 0 {
		if ts.Before(c.floor) {
			ts = c.floor
		}
		return max(decode.PacketSub(c.now, ts), 0)
	}
	k := c.segment(ts)
	if k < 0 && ts.After(c.steps[0].before) {
		// In no segment: inside a forward step, it is the step's end;
		// otherwise later than any packet time seen.
		for k = n - 1; k >= 0; k-- {
			if s := &c.steps[k]; s.forward() && ts.After(s.before) && ts.Before(s.start) {
				break
			}
		}
		if k < 0 {
			return 0
		}
		ts = c.steps[k].start
	}
	passed := c.steps[n-1].back // the steps since ts's segment began
	if k >= 0 {
		passed -= c.steps[k].back
	} else {
		passed -= c.base
		if ts.Before(c.floor) {
			ts = c.floor
		}
	}
	return max(decode.PacketSub(c.now, ts)+passed, 0)
}

// segment is the latest segment ts falls in: k for the one steps[k]
// began, -1 for the first, before any step kept, which ends where the
// first step kept began (and so is where a time in none falls).
func (c *packetClock) segment(ts time.Time) int {
	n := len(c.steps)
	for k := n - 1; k >= 0; k-- {
		end := c.now
		if k+1 < n {
			end = c.steps[k+1].before
		}
		if !ts.Before(c.steps[k].start) && !ts.After(end) {
			return k
		}
	}
	return -1
}

// clockCount counts steps of the capture's clock: back, the steps back,
// backBy, by how much in all; forward, the forward steps not counted;
// set, the forward steps of a live capture's wall clock, setBy, by how
// much in all.
type clockCount struct {
	back, forward, set int
	backBy, setBy      time.Duration
}

// ClockSteps are the steps of the capture's clock that a session lived
// through, between its first packet and its last, as the tracker's clock
// takes them (track/doc.go, "The clock"). Any packet of the capture shows
// a step, not only the session's own: the time a step leaves out is
// between the capture's two packets either side of it.
type ClockSteps struct {
	// Back: the steps back (a packet more than a second before the
	// latest: NTP setting the clock back); BackBy: by how much in all.
	// The time across each is not known: End.Sub(Start)+BackBy is how
	// long the session lasted, less that.
	Back   int
	BackBy time.Duration
	// Forward: the gaps of more than decode.MaxClockStep (a day) between
	// two packets of the capture, the clock set forward or a capture
	// silent that long: the waits take each as no time passing, and
	// End.Sub(Start) includes them.
	Forward int
	// Set: the forward steps of a live capture's wall clock (NTP, date
	// -s) that its steady clock showed (decode.ClockStepHandler); SetBy:
	// by how much in all. No time passed across them: End.Sub(Start)
	// includes them, End.Sub(Start)-SetBy does not.
	Set   int
	SetBy time.Duration
	// at: the clock's counted at the session's first packet.
	at clockCount
}

// clockAtStart notes the clock's count at sess's first packet, which
// may have come before the packet that announced the session (its
// greeting): a step between them is the session's. Nothing is kept
// while the capture has shown no step.
func (t *Tracker) clockAtStart(sess *Session) {
	if t.clock.counted == (clockCount{}) {
		return
	}
	if at := t.clock.countedAt(sess.Start); at != (clockCount{}) {
		sess.ClockSteps = &ClockSteps{at: at}
	}
}

// noteClock sets sess's ClockSteps as of its latest packet, the current
// one. A session takes room for them once the capture shows a step.
func (t *Tracker) noteClock(sess *Session) {
	if t.clock.counted == (clockCount{}) && sess.ClockSteps == nil {
		return
	}
	t.setClock(sess, t.clock.counted)
}

// noteClockAt is noteClock for a last packet at ts, earlier than the
// current one.
func (t *Tracker) noteClockAt(sess *Session, ts time.Time) {
	if t.clock.counted == (clockCount{}) && sess.ClockSteps == nil {
		return
	}
	t.setClock(sess, t.clock.countedAt(ts))
}

// setClock sets sess's ClockSteps from n, the clock's count at its
// latest packet.
func (t *Tracker) setClock(sess *Session, n clockCount) {
	cs := sess.ClockSteps
	if cs == nil {
		cs = &ClockSteps{} // (its first packet came before any step)
		sess.ClockSteps = cs
	}
	cs.Back, cs.BackBy, cs.Forward = n.back-cs.at.back, n.backBy-cs.at.backBy, n.forward-cs.at.forward
	cs.Set, cs.SetBy = n.set-cs.at.set, n.setBy-cs.at.setBy
	if cs.Back <= 0 || cs.BackBy <= 0 {
		// A step taken when the session began, found since to be two
		// clocks interleaved and undone (advance): no step back the
		// session lived through is left to tell.
		cs.Back, cs.BackBy = 0, 0
	}
}

// icmpInfo is what a data connection keeps of the ICMP error u.
func icmpInfo(u *decode.Unreachable) *ICMPInfo {
	return &ICMPInfo{From: u.From, V6: u.V6, Type: u.Type, Code: u.Code, TS: u.TS, Num: u.Num}
}

// tlsSent is decode's TLS byte counts as Event.TLSSent keeps them.
func tlsSent(b [2]uint64) [2]uint16 {
	return [2]uint16{uint16(min(b[0], 65535)), uint16(min(b[1], 65535))}
}

// lookedBackAtEvent tells the event kinds a session keeps with
// RecentOnly: those the diagnosis weighs at a later command or at the
// session's end (a capture gap where a line or a reply was lost, a reply
// no command took, a 421 that closed the session). Without them JSON's
// findings and verdicts differed from the text output's.
func lookedBackAtEvent(k EventKind) bool {
	switch k {
	case EventGap, EventUnsolicited, EventReplyNoCommand, EventReplyGap, EventReplyUnseen:
		return true
	}
	return false
}

// An announcement leaves the port index once a SYN takes it; a SYN to
// the same endpoint from elsewhere after that matches nothing: a client
// that tries again from a new port, or other hosts trying the port
// (ProFTPD's PassivePorts, scanned). takenEndpoints remembers, for
// Options.ExpectationTimeout of packet time, each endpoint a SYN was
// matched to and from where, so that such a SYN is counted
// (Limits.DataEndpointTaken), not dropped in silence. At most
// maxTakenEndpoints, the oldest out first (a SYN to one let go is not
// counted): retries and scans come within seconds.
const maxTakenEndpoints = 256

type takenEndpoints struct {
	by   map[netip.AddrPort]uint16 // an endpoint's latest slot in ring
	ring *[maxTakenEndpoints]takenEntry
	next int // the next slot, the oldest once ring is full
}

type takenEntry struct {
	endpoint netip.AddrPort
	from     netip.AddrPort // the source of the SYN that took it
	last     netip.AddrPort // the source of the latest SYN counted to it
	at       time.Time      // when it was taken
	dc       *DataConn      // the connection that took it (DataConn.OtherAttempts), if followed
}

// nextSlot takes the ring's next slot (allocating the ring at first use,
// its old entry out of the endpoint index) for the caller to fill, and
// its index.
func (e *takenEndpoints) nextSlot() (*takenEntry, uint16) {
	if e.ring == nil {
		e.by = make(map[netip.AddrPort]uint16)
		e.ring = new([maxTakenEndpoints]takenEntry)
	}
	i := e.next
	x := &e.ring[i]
	if j, ok := e.by[x.endpoint]; ok && int(j) == i {
		delete(e.by, x.endpoint)
	}
	e.next = (i + 1) % maxTakenEndpoints
	return x, uint16(i)
}

// takenSYN follows the SYN s just tied to an announcement: its endpoint
// remembered, the RST or ICMP error held for it replayed.
func (t *Tracker) takenSYN(s *decode.Segment) {
	t.noteTaken(s)
	if t.resets != nil && t.resets.live > 0 {
		t.replayReset(s)
	}
	if t.unreach != nil && t.unreach.live > 0 {
		t.replayUnreachable(s)
	}
}

// noteTaken remembers the endpoint the SYN s was just matched to.
func (t *Tracker) noteTaken(s *decode.Segment) {
	e := &t.taken
	x, slot := e.nextSlot()
	if i, ok := e.by[s.Dst]; ok {
		e.ring[i].dc = nil // (toTaken reads only the endpoint's latest slot)
	}
	*x = takenEntry{endpoint: s.Dst, from: s.Src, at: t.clock.now, dc: t.lookupData(s.Src, s.Dst)}
	e.by[s.Dst] = slot
}

// notePickedUp remembers a connection from connector to listener that
// pickUp tied to an announcement without its SYN, for tookBefore only:
// a SYN to its endpoint from elsewhere is not counted as to one taken
// (toTaken), that being the SYNs' record: so it stays out of the
// endpoint index (by), in the ring only.
func (t *Tracker) notePickedUp(connector, listener netip.AddrPort) {
	x, _ := t.taken.nextSlot()
	*x = takenEntry{endpoint: listener, from: connector, at: t.clock.now}
}

// tookBefore tells whether a connection from connector to listener took
// that endpoint within ExpectationTimeout (noteTaken, notePickedUp): a
// segment between them that no data connection followed is a late one of
// that connection, which ended (its closing ACK, a FIN or bytes sent
// again), not a new one whose SYN the capture lost. The whole ring is
// read, not the endpoint's latest slot: a later connection to the same
// endpoint (the next transfer) leaves the earlier one's late segments
// what they are. Read only where pickUp would take a segment.
func (t *Tracker) tookBefore(connector, listener netip.AddrPort) bool {
	e := &t.taken
	if e.ring == nil {
		return false
	}
	for i := range e.ring {
		if x := &e.ring[i]; x.endpoint == listener && x.from == connector && t.clock.since(x.at) <= t.opts.ExpectationTimeout {
			return true
		}
	}
	return false
}

// toTaken reports whether SYN s, which matched nothing, goes to an
// endpoint another connection took (noteTaken) within
// ExpectationTimeout, and counts it so; a SYN sent again from the source
// last counted is not counted again (false).
func (t *Tracker) toTaken(s *decode.Segment) bool {
	e := &t.taken
	if len(e.by) == 0 {
		return false
	}
	i, ok := e.by[s.Dst]
	if !ok {
		return false
	}
	x := &e.ring[i]
	if s.Src == x.from || s.Src == x.last || t.clock.since(x.at) > t.opts.ExpectationTimeout {
		return false // (s.Src == x.from: its own SYN again, late, of a connection finished)
	}
	x.last = s.Src
	t.limits.DataEndpointTaken++
	if dc := x.dc; dc != nil && !dc.reported && dc.OtherAttempts < 1<<31-1 {
		dc.OtherAttempts++ // (not once the sink has it: its values stay as told)
	}
	return true
}

// letTakenGo drops the taken ring's pointer to dc once the sink has its
// record: OtherAttempts counts no more then, and a pointer kept would keep
// dc's Session, every command and reply, alive until the slot is reused.
func (t *Tracker) letTakenGo(dc *DataConn) {
	e := &t.taken
	if e.ring == nil {
		return
	}
	for _, ep := range [2]netip.AddrPort{dc.Server, dc.Client} {
		if i, ok := e.by[ep]; ok && e.ring[i].dc == dc {
			e.ring[i].dc = nil
		}
	}
}

// untaken takes back what toTaken counted for a SYN to dst that an
// announcement claimed after all (releaseHeldSYN).
func (t *Tracker) untaken(dst netip.AddrPort) {
	t.limits.DataEndpointTaken--
	if i, ok := t.taken.by[dst]; ok {
		if dc := t.taken.ring[i].dc; dc != nil && !dc.reported && dc.OtherAttempts > 0 {
			dc.OtherAttempts--
		}
	}
}
