// Package vantage merges captures of the same FTP traffic taken at several
// points of its path (the client's side and the server's side of a NAT
// router or firewall, say) and says where each data connection was lost
// and which box in between rewrote an announcement.
//
// What it owns: one Collector per capture point, a decode.Handler that
// keeps a compact record of every control connection (its initial
// sequence numbers, the times of SYN and SYN-ACK, the hashes and times of
// its first commands and replies, its announcements, how many segments
// the snap length cut) and every data connection (SYN, SYN-ACK, RST,
// ICMP, payload bytes; a connection whose SYN the point missed is
// recorded from its SYN-ACK), and the span of the point's capture (first
// and last packet; for rotated files read as one point, each file's, the
// time between two files a second or more apart not captured:
// Span.Breaks); and Merge, which pairs the records across points and
// judges them. A frame repeating the connection's previous segment within
// 50 ms (a mirror port's copy) is counted once; a new SYN with another
// ISN on a 4-tuple starts a new control connection.
//
// Pairing: control connections are paired by their initial sequence
// numbers, which NAT keeps (an FTP helper that rewrites a 227 moves the
// sequence numbers after it, never the SYN's): both numbers equal pair
// whatever the clocks say. The ones left (a firewall that randomises
// ISNs, a capture started after the SYN) are paired by their commands
// and replies in order (announcements, which a helper may rewrite, match
// any line), at least three agreeing and at least half the shorter
// view's lines (timing alone never pairs). A view that holds one
// direction only (Control.OneWay: the point captured one, tcpdump -Q in
// or a SPAN port mirroring one) pairs by the client's ISN on the lines
// of that direction, or, holding the server's packets only, by the
// server's ISN its SYN-ACK carries; up to 3 lines one view lost
// may be skipped, never a line replaced by another. Every pair of points
// is tried both ways until nothing more pairs, whatever the order the
// points were given in; a session offers itself to the unpaired
// connections of a point it lacks, and to the sessions seen at none of
// its points (the other half, past a box randomising ISNs with two or
// more points on each side), which join it. A candidate whose
// server-announced ports (227, 229) differ, on which three or more
// markers known at both points differ (both ISNs, the client's address
// and port, the announced ports; once more each, the client's port
// changed where its address did not and a server's announcement naming
// the same address with another port, which no box makes of one
// session) and none agrees, is another session (a PORT a helper or an ASA's
// inspection rewrote does not count: the box changes it with the PAT);
// one whose offset nothing but its own lines measures, with neither ISN
// nor the client's endpoint agreeing, must lie within an hour when a
// server-announced port agrees, else within 5 minutes, and where, at the
// offset such candidates imply, fewer than half of the views whose lines
// line up there pair (chance agreements of a passive port), none of
// them pairs; one on which
// nothing agrees and whose client port changed where its address did
// not, further from the offset measured (below) than the sessions that
// measured it, or, nothing measuring it, over 2 s from the clocks as they
// stand. Between sessions that carry
// the same lines the evidence decides, most telling first: the server's
// ISN equal at both points (a firewall that randomises the client's
// leaves it), the ports the announcements name (NAT seldom changes
// them), the endpoints, then the clock offset: the one the sessions
// already paired between the two points and the candidates the server's
// ISN confirms measured, else, only where there are none, the one most
// candidates share (100 ms apart or less is no difference). Comparisons
// by lines alone are bounded (MaxPayloadCompares per pair of points):
// with the offset measured, only views whose times meet within 2 s of
// it are compared; past the bound, only the pairs the server's ISN
// confirms are made (Report.PayloadSkipped). A view pairs only with a
// candidate better than every other of either view; when two are equally
// good it stays unpaired (Report.Ambiguous) rather than guessed. The
// session says it was paired so, and which points its sequence numbers
// paired (Session.ISNGroups). Clocks: each session's own offset per point is
// the mean of the median time differences of what the client sent (SYN,
// commands) and what the server sent (SYN-ACK, replies), NTP style, so
// the transit time cancels; half their difference is the transit time
// between the points, whose sign orders the points along the path from
// that session's own packets (a drifting clock cannot reverse them). A
// handshake counts only when each point saw one SYN and one SYN-ACK. A
// transit smaller than twice the timestamps' resolution (the coarsest
// power of ten dividing every packet time at the point) is a tie, never
// an order: then the packets order the points, when all they say agrees
// (the point that saw a NAT's private address is on its side; the point
// that saw two or more SYN-ACKs is nearer their sender than one that saw
// the SYN without them; the point that saw two or more SYNs is nearer
// their sender than one capturing then that saw none), else the order is
// unknown (Session.OrderKnown) and no loss is placed between the points
// (OrderUnknown). Two points holding the same packets at the same times
// (one capture given twice) are listed in Report.Identical. A
// point's reported offset is the median over sessions. Data connections
// belong to the session whose announcement they answer at that point
// (port, and address or the control connection's peer; one its point
// missed, as another point saw it, ranked with those it saw, after one it
// saw that ranks alike), the session's control connection still open,
// one not answered yet first; when two sessions' fit alike
// the connection is said to be ambiguous (Path.Ambiguous). They pair by
// the SYN's or the SYN-ACK's ISN, else (ISNs randomised) by answering
// the same announcement unless their sources contradict it (the box
// keeps the sender's address, or address and port, on the control
// connection, or their outcomes cannot both be true: one saw the
// handshake complete, the other the sender resending its unanswered SYN
// more than 0.5 s later), and are numbered in the order of the
// announcements.
//
// Announcements are paired across points by kind and port in order (then
// by time, for a helper that had to change the port), so one lost on the
// way is reported as seen on one side only without shifting the others.
//
// Judging: nothing is called lost unless the captures prove it. A point
// that did not capture something a point further on (or the answer to
// it) proves passed it, that was not capturing then (outside its span,
// or less than a second before its last packet; its clock offset not
// known: none of its connections paired, or only with points not tied
// to the first point's clock), or could not read it
// (cut by the snap length, encrypted), is said to be so (Path.Gaps,
// NotCaptured, "not a loss") rather than blamed. A point whose packets
// run past the time a reset or ICMP error came back to the sender's
// side, plus the round trip between the two points the session
// measured, and that holds data connections made as the refused one was
// (passive or active, some session's), was capturing when the SYN would
// have passed it, though the sender gave up at once; the refusal,
// whatever address it bears (an ICMP error too), came from a box in
// between. One that holds none, nor anything a capture filter on FTP's
// ports would drop (a packet not TCP: Collector.NonTCP; an ICMP error; a
// connection on other ports), may be a capture filtered to the control
// port, or to ports 20 and 21: its silence on a data connection is no
// loss, refused or not (NotCaptured, the verdict saying where the SYN was
// dropped if it captured every packet). The TTLs of a refusal tell where
// it cannot: a reset or ICMP error with another TTL than the receiver's
// own packets at the same point (the ICMP error's own TTL, decode's
// Unreachable.TTL) came from a box that many hops nearer, before a point
// the receiver's packets reach in fewer (RSTInBetween, ICMPInBetween); a
// reset with the same TTL, from the receiver's distance
// (RSTFromReceiver; an ICMP error so, NotCaptured, said); an ICMP error
// from another address than the receiver's, before a point at the
// receiver. Else NotCaptured. The reset or ICMP error a verdict names is
// the first seen where the SYN bore the address it had at the last point
// before the box (a reset that passed another NAT router bears that
// router's address), and a reset that passed a router on its way back
// (its TTL) is not said to be the dialled router's own. When the next point
// toward the receiver was not capturing (or captured the other direction
// only), the first further one that was judges the SYN, the skipped one
// noted. Points that hold one capture only (Report.Identical) saw a SYN
// unanswered: NotCaptured, not NoAnswer. A SYN retransmitted is
// judged by all its tries: a point capturing at any of them (and for a
// second after) that saw none is a loss, though its capture began after
// the first or ended less than a second after the last; at the point
// nearest the receiver, a capture that went on for a second after the
// first SYN there and holds no answer is the receiver's silence
// (NoAnswer), however soon after the last the client gave up. A point
// that captured one direction of the session only (Session.Sees) is
// never said to have missed, by loss or silence, what travels the other
// way: the SYN, or the answer, is a gap there; where it was the only
// point that could tell, nothing is placed (NotCaptured, OrderUnknown),
// and where it holds the sender's SYNs and nothing the sender sent after
// (Data.SenderSegs), the verdict says the answer never reached the
// sender. A failed SYN sent to the private address its announcement
// named, left untranslated at every point, says that address is what to
// change. A point is
// never said to have been passed by what it did not capture while it was
// capturing the receiver's traffic: a SYN-ACK seen on the sender's side
// while the next point toward the receiver, capturing, saw nothing of the
// connection and holds the receiver's other data connections or the
// server's 425 after it, came from a box in between (a SYN proxy, a
// proxy): with no payload either, the SYN was lost between the points
// (LostSYN); not when the server's reply there after the SYN completed
// a transfer (226, 250: for a passive connection, the server had it). A
// sender that went on after its SYN (Data.SenderSegs: its
// acknowledgment of the SYN-ACK) got the answer: the SYN reached the
// receiver (or the box above answering for it) and the SYN-ACK came
// back through every point, so what a point lacks of the handshake is a
// capture gap, never NoAnswer or LostSYNACK, nor LostSYN but for that
// box. An announcement one point saw with its receiver's
// acknowledgment of its bytes (cumulative, as that point saw it) reached
// the receiver: a point lacking it did not capture it, not a loss. A
// reset seen on the sender's side of a point, capturing,
// that the SYN never reached came from a box in between (RSTInBetween),
// whatever address it bears (a reject rule answers in the receiver's
// name). A point that holds a paired control connection twice, the same
// handshake under other addresses (both sides of a NAT: tcpdump -i any on
// the router), counts the second copy in Report.Twins, not as unpaired.
//
// A point capturing then that holds nothing of a connection a point
// further on proves passed it (a capture filter, frames it dropped) says
// nothing of the answer either: the SYN-ACK is judged by the points
// nearer the sender, and when none saw the connection and none saw the
// sender go on after its SYN (Data.SenderSegs), it is NotCaptured, not
// delivered. A point holding a data connection twice, the same SYN (and
// SYN-ACK) ISN under other addresses within a second (both sides of a
// NAT), holds it once: under the addresses of its control connection's
// copy, with what either copy saw, the two noted in Path.Gaps.
//
// A connection whose handshake passed every point is judged by its
// payload, each direction counted from sequence numbers at each point
// (each byte once, a segment filling a hole left by a later one too;
// retransmissions counted apart, as a data record counts bytes): bytes
// that passed one point and never reached the next, that point capturing
// when they passed (and for a second after), while the point on the
// sender's side saw the sender resend unacknowledged bytes past what the
// next point saw and no point saw the receiver acknowledge them, were
// lost in between (LostData, Path.Lost: the offsets each point saw, the
// last acknowledged, the retransmissions). Bytes a point lacks that the
// receiver acknowledged passed it (a capture gap); bytes never resent
// prove nothing (the connection may have been reset or closed).
//
// The control connection is judged so too (judgeControl), line by line:
// its commands and replies (the first 64 each point kept, aligned as for
// pairing by lines) one point saw and the next toward their receiver,
// capturing then and capturing that direction, did not were lost between
// them (LineLost: a NAT that forgot the idle connection, the 226 after
// a long transfer) unless some point saw the receiver acknowledge them
// (a capture gap); those the point nearest their receiver saw, the
// receiver sending on for over coverAfter without acknowledging them and
// no reset there, were dropped past it (LineUnacked: on the receiver's
// host when its packets reach the point with a host's initial TTL, its
// own firewall). Per session ControlLost counts them, ControlLosses holds
// the first 4; a line is named by a reply's last line or a command's verb
// (never its argument, which may be a password), kept to 64 bytes.
//
// CheckHelper runs the router between the outermost points as a Linux
// router with nf_conntrack_ftp and nf_nat_ftp (track/nfhelper): each
// direction's control segments as the point on the sender's side saw them,
// interleaved with the data SYNs on the reference clock, then compares the
// model's output with the far point's: the rewritten bytes, the sequence
// offset of the next segment, whether a dropped segment ever arrived, and
// each data SYN against the expectation. A step's segment is looked for
// at the far point at the sequence offset seen after the direction's
// previous step (the simulated one when none was seen): a router that did
// not rewrite as simulated moved nothing. A rewrite that matches the model
// but for a higher port is nf_nat_exp_find_port moving it (another
// expectation held the tuple): it agrees (HelperStep.MovedPort), the data
// SYNs are judged against the moved port and later offsets counted with
// its text's length. A hole in a sender's sequence numbers at its point
// (bytes the capture missed, which the router saw) is fed like a
// snap-length cut: assumed to end a line, never taken to blind the helper.
// A direction whose start (the client's SYN, the server's SYN-ACK) the
// point on its sender's side does not hold is picked up: its first
// segment there is searched, as the kernel tracked it from its start
// (HelperCheck.PickedUp). With Options.Attached a Collector records a
// connection to a port the helper is attached to from its handshake,
// before decode knows it for FTP by its content; and any Collector keeps
// a segment that comes before decode has read the roles (a capture begun
// mid-connection) by its sender until it has.
//
// Bounds: a Collector keeps at most Options.MaxConns control and
// Options.MaxConns data connections (default 100,000 each; the times of
// at most 8 SYNs each, and per direction at most 8 holes in the
// sequence numbers seen, the two nearest merged past that
// (Flow.Merged): the bytes they lacked still count once when they come),
// one span per file read (the files given),
// Options.MaxAnnouncements announcements per control connection (default
// 64) and 64 lines per control connection (a hash, and up to 64 bytes of
// text to name one in a verdict); with Options.KeepControlBytes it also copies control segments, at
// most that many bytes (payload plus a fixed overhead per segment) per
// Collector, into 64 KiB blocks; a connection whose segments no longer fit
// keeps none after that and its check says it is incomplete; of a
// connection to an attached port decode does not know for FTP yet, at
// most 32 KiB, and at most 4,096 such connections at once (the first FIN
// or RST of one decode never takes ends its record). CheckHelper
// keeps at most 64 steps per session. What does not fit is counted in
// Limits. Time is packet time. Merge and CheckHelper allocate in
// proportion to what the Collectors kept; payload pairing compares every
// unpaired control connection of one point with every one of another
// (64 lines each), which is quadratic in the unpaired connections.
//
// Stream bounds a run by what is open: the caller reads the points side
// by side in time order (each on the first point's clock, Stream.Offsets)
// and calls Advance. Nothing is merged before the clock offsets are
// measured on what the Collectors hold (measureOffsets, the pairing of
// Merge without the judging: at 256 ended control connections at a
// point or 5 minutes of packet time, tried again as more come, given up
// after an hour, Limits.OffsetUnmeasured). Then every batchEvery (30 s)
// of packet time, the control connections over at their point (FIN both
// ways, a reset, or an hour idle: Control.over) Wait (3 minutes) before
// what every point has read, with the data connections that answer their
// announcements, move out of the Collectors into Collectors of their own
// (drainReady), are merged (Merge, the sessions numbered on) and emitted.
// A control connection with a data connection not over (not closed, idle
// less than 30 minutes) waits with it, a data connection waits with every
// control connection it may answer (started from a second before its
// start to a minute after its end), and a control connection waits for
// its copy at every other point (twinIndex: the same ISN, else the
// nearest start within 2 minutes whose lines line up), at most an hour
// and two Waits (Limits.TwinWaitExpired), so that a session whose close
// one point saw late or never is merged whole. Each batch sees the
// points' spans and counts so far and what earlier batches showed (the
// point holds data connections, packets a port filter would drop:
// carried); its clock offsets are its own, and a batch that measured one
// sets the point's Offsets for the reading. Stream.MaxHeld (20,000)
// control connections over and waiting at a point merge the batch at once
// (Stream.Forced, Limits.ForcedMerges; their data connections idle a
// minute taken as over). Combine adds the batches' reports up.
package vantage
