// Package track follows FTP sessions and their data connections from what
// decode reports, and tells a Sink what it concludes as soon as each thing
// is final: a command with its final reply, a data connection with its
// outcome, a session's end.
//
// # What it owns
//
// The Tracker owns the sessions open now (one per control connection,
// created at ControlOpen, ended at ControlClose; indexed by a hash of
// the connection key, decode.ConnIndex, and what only sessions that
// transfer need allocated when they do), the announcements
// waiting for a SYN (indexed by port) and the data connections under way
// (indexed by 4-tuple). A SYN that fits announcements of one endpoint by
// several sessions equally goes to a session's latest over one it
// superseded with another since (the server may have handed the port on),
// to one a transfer command waits on over one none does, else to the
// newest: a host has one listener on a port at a time. When that left a
// choice between sessions (DataConn.AmongRace; at most 16 wait so:
// race.go), the first 125 to a transfer command of one of them after
// the SYN ("already open"; not a 150, which some servers send as they
// start waiting, before the connection came), or their
// 2yz final reply after the connection ended (or, still up, carried its
// last bytes: a 226 may come before the FIN), settles it: another's
// reply, its transfer waiting on its own announcement of the endpoint
// nothing connected to, takes the connection (with its own transfer
// command), and the announcement the guess took is its session's again.
// A reply settles only the one connection it can be (a 125 the one still
// open); where several fit, a 125 settles none, and a 2yz takes the one
// whose last packet came last as a guess (its transfer had a
// connection). Once a guess on the endpoint is in doubt (a 2yz took one
// of several, a reply told a connection no swap could move, or a guess
// was reported before its session's transfer was answered), a reply
// that fits one alone settles it as a guess still, and a connection
// that takes an announcement of the race left free is a guess too. A
// SYN that finds every announcement of the endpoint used while a guess
// on it stands is recorded under that guess's session, a guess too
// (Limits.DataRaceUnplaced), never dropped.
// Unsettled, the connection says its session is a guess. A data
// connection leaves both tables
// the moment its outcome is final; a late segment of it matches nothing
// (nor is it picked up for another announcement of the endpoint: the
// endpoints taken, below, remember its peers), and only a
// new SYN can start another, or, when the capture missed the SYN (lost
// it, or a multi-queue capture wrote it before the reply announcing the
// port), a later segment that opens one between exactly an announcement's
// peers (its SYN-ACK: pickUp; bytes, once the server said the connection
// is open or after the transfer command; bytes before any transfer
// command only for now, kept when a capture gap of the control stream
// after them may hold that command, given back when the session moves on
// without one, at its next command with no gap before it, or the
// announcement's own SYN comes). For that
// reordering, the latest 16 SYNs to unprivileged ports that matched
// nothing while sessions are open are held (header only) for an
// announcement within a second of packet time (early.go). A data
// connection whose SYN-ACK the capture lost is still answered when the
// rest of its handshake or its bytes show it (DataConn.Answered). In a
// capture of two interfaces whose server side is late (reorder.go), a
// data SYN taken for a client-only session's connection (its reply not
// yet seen) is adopted by that reply when it comes, within a second, with
// all it carried; so is one taken for a PASV whose reply a capture gap
// seemed to hold (decode takes bytes for lost at the ACK of them, and one
// interface's queues may write the client's ACK and SYN before the 227).
// An ended session is handed to the Sink and
// dropped; it stays reachable only while one of its data connections is
// still moving data, whose end it reports after, or while its latest
// announcement (or the one its transfer command waits on), nothing
// connected to it when its control connection closed by FIN or RST with
// no 221 to a QUIT before, waits out its wait for a connection from its
// own peer (a client may connect after the close; another host's that it
// completed and used is taken as while the session was open, one that
// failed is not: afterend.go; after a 221 to a QUIT it takes none, the
// server's listener gone, and only tells of its own peer's SYN then,
// counted in Limits.DataAfterQuit); so does a
// connection its own peer began after the control connection's last
// packet, linked before the close came (decode delivers an RST's close
// after its copies had their time). A transfer command with no
// announcement of its own, after the session's latest passive one was
// used by its own client and that connection ended, arms the same
// endpoint again for itself, for its own client's SYN only (a server
// that keeps its listener: reuse.go). Sessions whose client
// SYN was seen are also indexed by its sequence number for two seconds
// of packet time, until a copy of the same connection under other
// addresses pairs with them or they end (Session.SameConnection: one capture taken on a NAT router
// holds each connection twice). Of a session decode closed as idle, a
// small record (its number, login, directory, type, protection) waits
// decode.ResumeWait of packet time (a day, as long as decode keeps the
// idle close's tombstone: a client silent for hours continues its
// session) for the connection's bytes to pick it up again: the
// continuation takes it over (Session.Resumed) and is counted with the
// session it continues. Later (a late packet without bytes renewed the
// tombstone) or past the bound the continuation still says it follows an
// idle close, without the record (Limits.ResumedUnlinked). Sessions
// whose announcements cannot be read are indexed by their peers, so
// that a SYN between them on data ports is taken for their data
// connection (MatchInferred): those
// whose control channel is TLS while it is (only a SYN that follows the
// control records that announce one: in passive mode, the client's
// request answered by the server within two seconds before it, once
// per such exchange, not
// for one made while the session's answered data connection held its
// transfer (connected and waiting for its bytes, or moving them: one
// whose bytes stopped before the server's next record is done, its
// close lost to the capture) nor while one does, never to a port
// outside the passive range the user gave (Options.PassiveRange), and
// the same SYN sent again not after one turned down: announcedInside,
// Session.noteExchange; a capture of
// one side of the control connection cannot show the exchange and
// takes it by peers and time), and those picked up mid-stream
// until their first announcement or a minute of packet time after they
// last spoke (an announcement made before the capture started), and
// those whose PASV, EPSV or LPSV reply fell in a capture gap, for one
// connection within 10 s (MatchAnnounceLost; also after a gap of the
// server's bytes while no command waited, the request lost with its
// reply: kept only when a transfer used it or its SYNs were sent again
// unanswered, or, the transfer command lost too, it carried bytes one
// way while the 150 to that command came; an answered one gives way when
// the transfer's first reply is a 425, and one whose bytes went the way
// its transfer's never do, in clear text, is another service's, given
// back unreported: lostPickWrongWay), and those whose client's
// bytes had a gap that may have held a PORT, EPRT or LPRT (one long
// enough for such a line naming the client's address, counting what the
// capture kept of one the gap cut), for the server's one connection back
// (also MatchAnnounceLost, with no announcement; from an unprivileged
// port only when the session's latest announcement was not passive or a
// transfer command waits, and held untied to its transfer command while
// one from the server's data port may still take its place; it replaces
// the active announcement nothing connected to, or the earlier gap's
// connection no transfer took, which the transfer command after the gap
// gives back; a candidate answered and ended before the transfer's
// reply gives way to the next connection from any port, and one answered
// gives way to none when the transfer's first reply is a 425; one no
// visible transfer used is kept when failed and a 425 or 426 to a
// command the capture lost came after it); one entry
// per client and server address pair, a lost-announcement one giving
// way to another session's once its window has passed, and beside it up
// to 8 other sessions of the pair that lost theirs while it waited
// (Tracker.lostOthers): a SYN goes to the one with no connection yet
// whose transfer waited longest, and when two or more waited at once
// the connection, and the one the others take next, says its session is
// a guess (DataConn.AmongLost). Where the capture lost the connection's
// SYN too, for either loss, its SYN-ACK (from the unprivileged port that
// listens) stands for it: taken as it comes, or held as the SYN it
// answers (heldSYNs.unseen) for a gap that shows within a second after
// it (the client acknowledges a lost 227 with its next command, sent
// after the handshake); the connection counts no SYN. Of SYNs held
// until the gap shows, one answered and ended by then gives way to one
// that was not, and, before that, one that carried the client's bytes
// (summed up in the capture's first minutes: running.go) to one that did
// not. Of the encrypted ones, up to 8 per client
// and server address pair are indexed (a client's parallel transfers;
// past that the one quiet longest leaves, counted in
// Limits.EncryptedPairOverflow), each with when its client and its server
// last sent bytes past the TLS handshake (two times, no copy of the
// bytes): a passive data SYN goes to the session whose server spoke last
// before it (the 227 or 229), an active one to the session whose client
// did (the PORT or EPRT), and when another session of the pair spoke
// within a second of that (ownerMargin), the data connection says it
// could be either (DataConn.AmongEncrypted). When another session of the
// pair had spoken past its handshake by then, that choice is
// provisional: of a connection that was answered, the first record after
// its first FIN or RST that a server of those sessions sends with
// nothing of its client's since its own last (the 226 after the 150; a
// reply to a command is not it), and whose previous record came before
// that end (not the second segment of a reply begun after it, nor a
// close_notify after a 221), names the session; the connection moves
// to it if it was another's, and is no longer a guess (one moved on a
// record sent at the very time of the end stays hedged). Its record
// waits for that reply (an output that writes records as they happen
// writes it then; the end of the session it was taken for waits with
// it), at most a second of packet time after the end, or to the
// capture's end; at most 16 per pair wait (past that the oldest keeps
// its guess). For those to claim, the handshake segments
// of the capture's first three minutes that matched nothing are held
// (header only, at most 256, the oldest replaced first and counted in
// Limits.EarlyOverwritten): a client waiting on its data SYNs says nothing
// on its control connection until it gives up. Of a connection between
// data ports whose SYN or SYN-ACK is held, the segments that follow are
// held too (header only, with their payload length), for a session decode
// confirms only after a few exchanges (one on another port than 21) whose
// data connection ran whole before: they are replayed with the handshake,
// in the order they came. Such a session's announcements are armed only
// when it is confirmed: one takes the first SYN held to exactly its
// endpoint, from the peer that connects, sent at or after it, with what
// its connection carried (and nothing sent before it, to another port or
// from another host). One that the replay finishes (it ended before the
// session was confirmed) is held until the events decode held back with
// the announcement have come as far as its end: the transfer command sent
// before its end uses it, and it is reported with that command's final
// reply, as when the events come in time; with none, at the session's
// first event from after its end, or at the session's end. A connection
// between data ports the capture began during (its first segment, in the
// capture's first three minutes, no SYN) that matched nothing is summed
// up as it passes (header only: its bytes by sequence number, FINs,
// RST; running.go), for a session picked up mid-stream whose first reply
// ends a transfer (226, 426, 451, 552) within two seconds after that
// connection ended, or while it still ran and had sent within two
// seconds: exactly one between the session's peers must fit, and no
// other session picked up mid-stream between the same hosts may be
// waiting on its own transfer (no reply but a 1yz, no data connection:
// at most 8 such sessions listed per host pair, past them none claims).
// It becomes the session's inferred data connection whose start the
// capture missed (DataConn.StartMissed; one still running is followed
// from there). A session that is itself waiting so when the capture ends
// (the transfer that hangs) takes the one such connection between its
// peers still open then, its transfer never ended in the capture
// (EndCode 0). Its mode is active from the server's port 20, else unknown
// (DataConn.ModeUnknown): the SYN, which would tell, is not in the
// capture. A search that found none where a bound may have kept it out
// is counted (Limits.RunningFull, RunningLate).
//
// What a session keeps of its history depends on the output: for the text
// transcript it keeps its commands, data connections and events (bounded
// per session and by one budget for all open sessions) until it ends; with
// Options.RecentOnly, for outputs that write each record as it happens
// (JSON, the live stream), it keeps only the latest few announcing,
// transfer and login (USER, PASS) commands and data connections the
// diagnosis looks back at (4 each once the open sessions together hold
// the budget), and of its events only the kinds the diagnosis weighs
// (capture gaps, replies no command took, an unsolicited 421), bounded as
// the transcript's. Options.KeepData (the text summary view, which writes
// no transcript but lists a failed session's failed data connections)
// keeps the commands and events RecentOnly keeps and the data connections
// a transcript keeps. Whatever it keeps, the few facts about its commands
// a diagnosis needs that RecentOnly would drop are noted as the commands
// pass (Session.NoteCommand: the RFC 775 verbs, a passive request and
// when the latest command came on the session, a client gap before a
// command and an ABOR or QUIT right after an announcement on the
// command), without growing the session's or the command's allocation:
// the inferences of an announcement a capture gap held read those, not
// Commands, and decide the same whatever the session keeps.
//
// A 227/228/229 that pairs with no command stands for a PASV the capture
// lost, except in a session whose every command is in the capture (from
// its SYN, no gap or conflict) while none waits: no PASV was sent, and it
// is an unsolicited reply that arms nothing (unsolicited.go), though its
// own client's SYN to exactly its endpoint within ExpectationTimeout is
// tied to it all the same (DataConn.AfterUnsolicited), the last reading
// tried, and only while no other session of that client address may own
// it. Client
// commands decode shows were not the client's (ControlUnconfirmed: never
// acknowledged, the client's own FIN or RST at their bytes) are marked
// Unconfirmed, an active endpoint of theirs nothing used is retracted,
// and the diagnosis draws nothing from them (unconfirmed.go).
//
// The end of a control connection, and whether it is encrypted, come from
// decode as values; track reads control segments only to know an
// encrypted session is still active. With file extraction, the Tracker is
// decode's PayloadHandler and passes the payload of each live data
// connection on to a Sink that implements PayloadSink, with the data
// connection it belongs to; a data connection both of whose FINs came
// while decode still waits for bytes before one (Segment.PayloadWaits, a
// capture that reorders) is final when decode says they are delivered
// (DataEnd), its end the FINs'. The TLS hellos of an encrypted session's data
// connections are read in order (at most two scanners of 16 KiB each per
// live data connection), and their record headers up to the first
// application data record; only the verdict is kept once it is final. A
// data connection whose records were all handshake (decode/tlshello's
// ContentHandshakeOnly) moved no file: its outcome is connected.
//
// # The clock
//
// The decoder's packet clock drives the tracker through Tick (once per
// second of packet time) and Finish (the capture's end). Expiry walks only
// the announcements and data connections still open. Its waits (and how
// long a capture went on after a SYN or an announcement) are measured on
// packetClock (tracker.go): packet time in segments, one per step back of
// the capture's clock of more than a second (NTP setting it), so that a
// step back neither ends a wait early nor makes a SYN sent just after it
// look unanswered, and one per forward step of more than
// decode.MaxClockStep (a day: the clock set forward, files of different
// days read as one), which, as on decode's idle clock, is no time passing:
// a wait measured across it leaves it out, so no announcement, SYN or
// data connection runs out on it. A step is kept until the longest wait
// (an hour of packet time: the expired announcements' tombstones) has
// passed since it; at most 16 at once: a step beyond them is still a
// step, and the oldest is merged into the time before it
// (Limits.ClockStepsNotKept), which makes a wait begun before it shorter,
// never longer. A forward step up to a day is time that passed, except
// in live: a forward step of the host's wall clock that its steady clock
// showed (decode.Options.SteadyClock) comes before the packet or tick
// after it (decode.ClockStepHandler, Tracker.ClockStep) and is kept as a
// forward step the same way, of its own length, counted apart
// (ClockSteps.Set, SetBy: the time the session lasted leaves it out). The
// clock also counts every step, never forgotten; each session records
// the steps it lived through, between its first packet and its last
// (Session.ClockSteps: steps back, by how much, forward steps), so that
// the outputs can say how long it lasted without deriving them again. A
// step between a session's first packet and the one that announced it
// (its greeting) is the session's; one after its last packet, before an
// idle close or the capture's end, is not.
//
// A session ended in silence (an idle close, the capture's end) was
// watched after its last packet for the packet time the clock counts
// since (Session.Watched), not the stamps' difference; one silent from
// before a gap where nothing was captured (an input break below, a forward
// step of more than a day) ends with what was captured (EndCaptureEnd,
// watched until the gap), not as idle: it may have closed in the gap
// (silence.go).
//
// A capture read from several files is one clock, but the time between one
// file's last packet and the next one's first, when longer than
// EvidenceWait, was not captured (a rotation's missing file): the caller
// says so (Tracker.InputBreak, breaks.go), and a SYN or an announcement
// that had less than EvidenceWait of packet time before it, with no SYN
// of it after, is undetermined (DataConn.InBreak), as at the capture's end.
// At most 16 such breaks within the longest wait are kept; the oldest
// beyond them is forgotten (Limits.InputBreaksNotKept), and a wait it cut
// is judged as if the capture had looked.
//
// # Bounds
//
//   - sessions at once: Options.MaxSessions (10,000; Limits.SessionsDropped);
//     the sequence-number index holds the sessions opened in the last two
//     seconds of packet time, at most one entry per open session
//   - data connections under way and announcements waiting, together
//     (not yet finished: finished ones make room at once):
//     Options.MaxDataConns (100,000; Limits.DataDropped); per session,
//     those it keeps: with RecentOnly the live and latest; for a
//     transcript (and with KeepData) all of them up to MaxDataPerSession
//     (4,096), then the live and latest too, every new one followed and
//     reported all the same (the transcript shows those let go under
//     their kept commands; Session.DataNotKept counts those it cannot);
//     only a session with MaxDataPerSession not yet reported follows no
//     more (Limits.DataSessionFull); of announcements nothing used and
//     a later one superseded, a session keeps its first 16, the others
//     leave Data once reported, together once they are half of it
//     (Limits.UnusedNotKept; datakept.go); all open sessions together
//     keep Options.DataBudget (4,096) in Data, past it each only its
//     live and latest, the latest 4 (Limits.DataBudget); 64
//     announcements per port (Limits.ExpectationsEvicted)
//   - commands awaiting a reply per session: MaxPending (64;
//     Limits.PendingOverflow)
//   - what all open sessions hold of commands outside their transcripts
//     (waiting for a reply, or with RecentOnly kept for the diagnosis to
//     look back at) and of their replies, together: CommandBytes (16
//     MiB; each command's share in Command.cost, given back when its
//     session lets it go). Once it is all taken, and likewise for a
//     transcript's commands once TranscriptBytes is, a reply keeps only
//     its first line (ReplyKept bytes), a command's argument its first
//     ArgKept bytes, a command at most RepliesMin replies
//     (Limits.RepliesCut, ArgsCut, BytesCut, RepliesBudget); a session
//     still keeps MaxPending commands waiting (fewer would pair later
//     replies with the wrong commands): a server chooses how long
//     and how many its preliminary replies are, a client how many long
//     commands it pipelines; short ones lose nothing
//   - transcript per session: MaxTranscript commands (10,000;
//     Limits.CommandsOmitted), MaxEventsPerSess events (1,000;
//     Limits.EventsOmitted; the Sink is handed every event all the same:
//     an output that writes them as they happen bounds them itself, as
//     live's text stream does with the same 1,000), 16 greeting lines and 64 preliminary replies
//     per command (Limits.RepliesOmitted); all open sessions' transcripts
//     together TranscriptBudget commands and events (10,000) and
//     TranscriptBytes of their text and records, a kept command's replies
//     included (8 MiB: a server chooses how long its replies are; a
//     command kept under it keeps the replies it gets after, cut as above
//     once the bytes are all taken)
//     (Limits.TranscriptBudget), given back as each session is reported;
//     only the sessions whose transcript is wanted (Options.Transcript:
//     the text output's --session, --server, --client) draw on it, the
//     others keep what RecentOnly keeps
//   - SYNs held for an announcement that comes just after them, and
//     SYN-ACKs that matched nothing held as the SYN the capture lost
//     (answerUnseen), in one ring: 16, for 1 s of packet time
//     (Limits.SYNsHeldOverwritten, Limits.SYNACKsHeldOverwritten; held
//     while sessions are open, and in a capture that may reorder also
//     before any is);
//     in a capture that may reorder, the segments after their answers:
//     the newest 64 (Limits.HeldLaterOverwritten)
//   - RSTs and ICMP errors held for a data SYN written just after them:
//     8 of each, for 2 ms of packet time, 100 ms in a capture that may
//     reorder (its two interfaces skewed by up to tens of ms; held there
//     whether or not an announcement waits: reorder.go)
//     (Limits.ResetsHeldOverwritten,
//     Limits.UnreachablesHeldOverwritten); the RST or ICMP error that
//     answered a SYN the capture lost, kept for the announcement it
//     refuses while that waits: 256 announcements' of each (those of
//     announcements already final swept first; Limits.RefusalsNotKept)
//   - segments of the capture's first three minutes that matched
//     nothing, held for a session picked up or confirmed later: 256
//     handshake segments (Limits.EarlyOverwritten) and the newest 128
//     segments after those between data ports
//     (Limits.EarlyLaterOverwritten); the records of data connections
//     their replay finished, held for the session's events up to their
//     end: 16 (past it the oldest is reported at once)
//   - connections the capture began during (no SYN), summed up for a
//     session picked up mid-stream to claim: 16 (a newcomer takes the
//     place of one ended two seconds before, else of one whose bytes
//     turn like a service's, no data connection's, else of the one with
//     the fewest segments: unrelated single segments cannot keep a
//     transfer out); only one whose bytes go one way (but for a TLS
//     handshake's and close's few turns) is claimed; the host pairs of
//     those the full table left out: 8 (past them any pair counts as
//     left out); a transfer
//     that found none while its pair was left out, or after the first
//     three minutes, is counted (Limits.RunningFull, RunningLate)
//   - sessions picked up mid-stream listed by host pair, for a
//     connection the capture began during to be claimed only when no
//     other may own it: 8 per pair (past them counted, and none of the
//     pair claims one); each until its end, or the capture's
//   - announcements that expired unused: 1,024 tombstones (endpoint and
//     the peer that was to connect), each for an hour of packet time; a
//     SYN to one is counted (Limits.DataAfterExpiry), not followed
//   - endpoints a data connection's SYN was matched to (its announcement
//     leaves the port index), or pickUp tied one to without it: 256 in
//     one ring, each for ExpectationTimeout; a later SYN to one a SYN took
//     from another source is counted (Limits.DataEndpointTaken), not
//     followed; a segment between the peers of one, no data connection's
//     now, is a late one of that connection, picked up for none
//   - announcements waiting past their session's close by FIN or RST
//     (afterend.go), each holding its session: 256, each at most
//     afterEndWait (2 minutes of packet time) past the close (past the
//     bound the oldest is let go at once, its outcome undetermined:
//     DataConn.AfterCloseCut, Limits.AfterEndNotHeld; its endpoint and
//     peer are kept, 256 at most, so that its own peer's connection is
//     taken for no other announcement of the port); those held past a
//     221 to a QUIT give way to the others: let go first, not held when
//     the bound is reached
//   - endpoints of passive replies no command asked for, kept for their
//     client's connection (unsolicited.go): 4 per session, 128 in all,
//     each until its session announces again or ends, or
//     ExpectationTimeout; past the bound the oldest is let go
//     (Limits.UnsolicitedNotKept)
//   - sessions closed as idle a continuation can link to: 1,024, each for
//     decode.ResumeWait (a day of packet time, as decode's tombstone);
//     past the bound the oldest is dropped (Limits.IdleEndedForgotten)
//     and its continuation still says what it is, without the session's
//     number
//   - waits: an announcement with no SYN is final after
//     ExpectationTimeout (5 min) from its reply or its transfer command,
//     whichever came later; past it the session's latest announcement
//     waits on while its session lives, its client has not moved on and
//     its transfer has no final reply, for its own peers' SYN to exactly
//     its endpoint (expired.go: one per session), SYNs with no answer after
//     UnansweredWait (2 min), an established data connection idle for 10
//     min (30 s once its session has ended; while the session lives and
//     its transfer command waits for its final reply, a stalled transfer,
//     it waits on: the connection tables bound how many)
package track
