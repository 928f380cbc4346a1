// Package diagnose turns what the tracker reports into findings: why a
// data connection failed, what the firewall or NAT in the way does, what
// a session's logins or PORTs to other hosts mean, and what to change;
// and, per server, a summary with a verdict and rules. A Diagnoser sits
// between the tracker and the output as a track.Sink: it forwards every
// call to the next Sink and reports each finding to its Reporter before
// it forwards the call that completed the finding's evidence (Data for a
// data connection's findings, Command for a command's, SessionEnd for the
// session's).
//
// # What it owns
//
// The sessions, commands, replies, events and data connections are the
// tracker's: the Diagnoser reads them during the call and keeps pointers
// to them only where listed below. It owns, per open session, a sessState
// (made at the session's first call, dropped at SessionEnd, which the
// tracker makes once every data connection of the session is reported);
// and across the capture one summary per server (serverAcc), the login
// table (logins.go), the table of hosts clients' PORTs named
// (bounceClients, stories.go), where the open sessions show an address
// as a host's (hostsShown, stories.go), what the capture as a whole
// tells, shared by every server summary (captureShared: the capture
// point's handshake timing votes and the clients' active data
// connections), and the rewrites KnowRewrite was told. A finding is handed to the Reporter and
// not kept, but for the held ones below. Summaries, LoginAttacks and
// Omitted read the tables at any time. A Diagnoser is not safe for
// concurrent use.
//
// # The clock
//
// It has no clock of its own and never reads the wall clock: every wait
// and window (loginWindow, spreadWindow, timeWait, waitedOn, closeAtOnce,
// sweepSpan, sweepGap) is measured on the packets' times, as the tracker
// reports them in commands, replies, events and data connections. Nothing expires on a
// timer. The login table forgets the (client, server) pairs with no login
// within loginWindow when a failure comes, once per window of packet
// time, or when the table is full (the reported ones only then, each
// remembered as reported for reportedMemory); the other tables keep what
// they hold until the capture ends or their bound pushes it out. What a session
// holds for its end (held findings, closed foreign data connections, a
// refused login line) is judged at SessionEnd, however the session ended
// (its close, eviction, the capture's end).
//
// # Bounds
//
// Each bound, what is kept up to it, and what happens past it; counts of
// what was left out are in Omitted, which the text output's notes and the
// JSON summary show.
//
// Per open session (sessState, sessMore):
//
//   - blind data-not-attempted findings held for a data connection seen
//     later: maxHeld (16); past it they go out at once as they are
//   - the server's private addresses a client from another network
//     reached as announced: maxReached (8); past it one more is not
//     remembered, and an endpoint at it that the client did not use may
//     be blamed on the address
//   - data connections from another address than the client's that the
//     server closed at once, their transfer command not answered yet,
//     held for foreignClosed: maxClosedForeign (4); one whose command
//     is answered gives up its place; past it the connection is not
//     judged for a silent refusal (Omitted.ForeignClosesNotJudged)
//   - passive data connections of an FTPS session that carried nothing
//     and that the server reset, held to be judged for data-tls-required
//     once the session shows whether any data connection carried TLS:
//     maxTLSResets (4); past it not judged (Omitted.TLSResetsNotJudged)
//   - data connections whose likely path MTU black hole (pmtu-blackhole
//     read from the sender's resends alone) waits for its receiver to
//     show it was still there (awaitReceiver): maxMTUWait (4), released
//     at the session's commands, let go with no finding at its end; past
//     it one goes out at once, saying a receiver that went away looks the
//     same
//   - data connections of transfers that may have stalled (a 1yz, no
//     final reply, nothing delivered), held to be judged at the
//     session's end, when whether the client gave up is known
//     (transfer-stalled, stallFindings): maxStallWait (4); past it one is
//     not judged (Omitted.StallsNotJudged)
//   - transfers stalled half-way (part of the size announced, then
//     nothing) in sessions closed as idle, kept for the session that
//     picks the control connection up again and may bring the final
//     reply (stallhalfway.go): maxStallsOpen (64); past it the oldest is
//     let go (Omitted.StallEndsNotKept)
//   - ftp-bounce attempts kept for the session's finding (each with its
//     command and data connection): maxBounces (4,096); past it counted
//     in the finding only
//   - the announced addresses already reported as nat-translated: one
//     entry per distinct address, for the session's life (no constant:
//     each needs a data connection that arrived translated)
//   - the session's latest refused login line (serverAcc.loginSeen),
//     with its command: one per open session
//   - the PORTs, EPRTs and LPRTs naming the client's own address that
//     the server refused, for active-refused: the first
//     maxActiveRefusedQuoted (3), the rest counted
//   - for a client seen at a private or CGNAT address, the public
//     addresses its data connections showed as a host's (hostsShown: the
//     passive-mode address announced, an end the capture saw), for
//     seenAsHost: maxHostsShown (16); past it one more is not kept, and
//     a PORT of another session of that client naming it is not told
//     another host by it
//   - the FXP transfers it is a half of (fxpPair: the passive
//     announcement of one session, the PORT of another of the same
//     client address naming it): maxFXP (4); past it a PORT is judged
//     as any other. The pair's pointers into a session are let go at
//     its end, its quoted values stay with the other session
//   - the latest capture gaps of its control connection, either stream
//     (recentGaps: order, packet, side, bytes): maxRecentGaps (4), the
//     oldest out first; a question about a span older gaps may lie in
//     (a late request for another endpoint, a refusal paired across a
//     gap) is then answered as if one did
//   - its last command, when the session ended with it unanswered
//     (sessMore.unanswered, noted as the tracker reports it at the end):
//     one, read at SessionEnd for control-reset and command-unanswered
//     (ctlcut.go) whatever the tracker keeps of its commands
//   - what its own data connections vote of the capture point
//     (ownVotes, made at its first look or data connection reported):
//     one tally, and the places of those not final yet
//
// Every output but the text transcript runs the tracker with
// RecentOnly, whose sessions keep only their latest few announcing,
// transfer and login commands (track.Options), and the diagnosis must
// say the same whatever the output. So what a finding needs of commands
// RecentOnly drops, or of a session's whole length, is noted as the
// commands are reported (the flags and lists above and in sessState),
// or by the tracker as they pass (track.Session's RFC775Verb and
// AskedPassive, track.Command's GapBefore and CancelledBy), rather than
// looked up among the session's commands.
//
// Per server: MaxServers (1,000) summaries; sessions of servers beyond
// them are diagnosed and written all the same, counted in one summary
// that is never reported (Omitted.Sessions). Each summary holds counts by
// finding code and by outcome (fixed sets), a set of every passive port
// (workedPorts: a list of a few, 8 KiB past 512), and:
//
//   - clients whose data connections got through and failed, per
//     direction: maxSummaryClients (32) each; beyond, not named, their
//     data connections counted
//   - distinct ports that worked per direction and kind of client: every
//     one (workedPorts: a sorted list up to maxListedPorts, 512, 1 KiB;
//     past it a portSet, 8 KiB, so at most 3 × 8 KiB per server, 24 MiB
//     for MaxServers busy servers), and the times of the latest
//     recentWorked (64) until the first failure, then the earliest and
//     latest that a later failure's span may take in (the latest the ring
//     let go before the first failure is kept: past it, whether one lay
//     between the failures is not known); clients that got through past
//     maxSummaryClients, hashed (addrBloom, 8 KiB per direction, made at
//     the first such client: a failing client may be taken for one that
//     got through, never the other way); distinct failed ports:
//     maxFailedPorts (64), each with the kinds of client that failed on it
//     and that got through on it since the latest failure; beyond it,
//     counted. Where one of these bounds (or maxSummaryClients' for the
//     failing clients) leaves out what the reading of a failure of some
//     clients only needs, and all that was kept points to those clients,
//     the verdict says what is missing and gives no rule (someCut); beyond
//     maxFailedPorts, in the present tense: the failures are not taken
//     as stopped either
//   - clients whose active data connections failed: maxFailingClients
//     (1,024); beyond, counted, not named
//   - passive announcements of the last timeWait (60 s) for the range
//     exhaustion check: maxRecentPorts (1,024), the oldest first out; a
//     block of cycled ports is looked for up to maxCycled (256) wide
//   - passive data connections to the control address, for an
//     interleaving of refused and working ports: the latest maxSpread
//     (32) within spreadWindow (30 s)
//   - client addresses of failed logins told apart: MaxLoginFailureClients
//     (64; ServerSummary.LoginFailureClientsMore); of active-mode
//     acceptances and address refusals: maxActiveClients (16), the rest
//     in one count; of refused sessions named in the verdict:
//     maxRefusedClients (3); addresses data connections of the server's
//     own network arrived at: maxReachedAs (4)
//   - client addresses of a sweep of the control port told apart
//     (connect.go's refusalSweep): maxSweepAddrs (256), those of the
//     current burst only (a burst ends after sweepGap, 2 min, with no
//     refusal, and lets them go; the bursts whose sweep showed are
//     counted for the verdict); beyond, the verdict says "or more", and
//     within that burst a repeat of one not told apart is not caught
//
// The login table (logins.go):
//
//   - (client address, server) pairs with failed logins: maxLoginClients
//     (4,096); a pair with no login within loginWindow (10 min) goes when
//     a failure comes; a reported one stays until the table is full, and
//     then the one with the oldest latest login past the window goes
//     (Omitted.LoginAttackersLetGo), remembered as reported for
//     reportedMemory (a day of packet time from its latest login;
//     maxReportedGone, 4,096, the first let go out first), so that it is
//     reported again only if it fails again after that; when full of
//     pairs within the window, failures of new pairs are not weighed
//     (Omitted.LoginFailures); per pair the latest
//     maxLoginFails (256) failures, each user name cut to maxLoginUser
//     (64) bytes, and maxOKNames (256) names that logged in (beyond, no
//     name is judged a stranger); per client address the servers its
//     logins failed at: maxCrossServers (16), more counted
//   - successful logins: per server the maxOKClients (8) busiest
//     addresses (by named users' logins, then anonymous ones), for
//     MaxServers servers; successes at servers beyond are not weighed
//     against failures (Omitted.LoginSuccesses)
//   - failures of named users spread over many addresses: per server the
//     maxSpreadUsers (8) names with the most failures in the window, for
//     MaxServers servers; failures at servers beyond are not weighed for
//     guessing spread over addresses, each address's own still are
//     (Omitted.LoginSpreadNotWeighed); each time a name is pushed out
//     with failures in the window it is counted
//     (Omitted.LoginSpreadUsersForgotten), and one whose finding was
//     given is remembered, up to maxSpreadGone (32) per server, oldest
//     out first, so that it is not reported again when followed anew;
//     one pushed out of that memory is counted
//     (Omitted.LoginSpreadReportsForgotten), whether its finding was the
//     warning or the info, and may be given again
//
// What the whole capture tells:
//
//   - client addresses whose control connections opened, which a sweep
//     of another server's port leaves out: the maxSpokeClients (8,192)
//     that opened most recently are kept, up to twice that in two
//     generations; the least recently opened beyond are forgotten
//     (Omitted.SweepClientsForgotten), and a refusal from one of them
//     later is judged as a new address's: it may be taken for a probe
//   - client addresses whose control connections to other servers never
//     opened, for a scan of many hosts (hostscan.go): maxHostScanners
//     (64) runs at once, each telling apart up to maxSweepAddrs (256)
//     servers as hashes; a run idle for sweepGap is over and makes room,
//     and a client that finds none is not followed, counted
//     (Omitted.HostScanClientsNotFollowed): its failures stay errors
//   - the capture point's timing votes: maxVoteNets (4,096) pairs of
//     networks, the one first seen longest ago out first
//     (Omitted.TimingVotesForgotten)
//   - clients active data connections got through to or failed for, and
//     from which servers (two of each): maxActivePeers (8,192), the one
//     first seen longest ago out first (Omitted.ActiveClientsForgotten)
//   - the latest passive data connections that got through (client
//     address, endpoint, when: passivePeers, read when the same client's
//     SYNs to the same endpoint are dropped later): maxPassivePeers
//     (1,024), a ring allocated whole at the first, the oldest out
//     first; a failure on an endpoint forgotten gets the range advice,
//     as one with none before it
//   - the other addresses clients' passive data connections got through
//     from, matched by the announced port alone (stranger.go, read when
//     one SYN from such an address is all a later data connection
//     shows): maxSourceClients (4,096) client addresses, the one first
//     seen longest ago out first (Omitted.DataSourceClientsForgotten:
//     such a SYN then reads with both readings, a warning, the cautious
//     side), maxSourcesPerClient (4) addresses each (the first seen)
//   - hosts clients' PORTs named as other hosts: maxBounceClients (1,024)
//     client addresses (past it new clients are not followed across
//     sessions, each session judged alone: Omitted.BounceClientsNotFollowed),
//     maxClientHosts (8) hosts each (past it not followed), maxClientPorts
//     (64) ports per host (more counted)
//   - rewrites told by KnowRewrite: MaxRewrites (256); past it KnowRewrite
//     reports false
//   - for seenAsHost (hostsShown): the open sessions by server and by
//     client address, one entry each per open session (made at the
//     first look); and per client address seen at a private or CGNAT
//     address, the data connections of its open sessions announced and
//     not yet reported: maxPendingLook (32), the oldest let go (what it
//     shows is kept once it is reported)
//
// The work of one call is bounded too: a look back over a session's
// commands reads at most maxHostLook (256), maxUserLook (64) or
// maxPasswordLook (64) of them; a look for an address among the open
// sessions (seenAsHost) reads a few entries of hostsShown and at most
// maxPendingLook data connections, whatever the count of open sessions;
// a PORT naming another address than its client's is compared with the
// latest maxFXPData (4) data connections of at most maxFXPLook (16) open
// sessions of its client address, the latest first (noteFXP);
// a look for a session's capture point (vantage) reads only its data
// connections that came, or were not final, since its last look; and so
// is what one finding or verdict says: a reply or command quoted in
// evidence is cut to maxEvidenceText (160) bytes, active-refused quotes
// maxActiveRefusedQuoted (3) refused commands, and a verdict names
// maxOtherErrors (4) other kinds of error or warning.
package diagnose
