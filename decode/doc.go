// Package decode turns captured frames into what ftpsniff reasons about:
// the header of every TCP segment, every ICMP/ICMPv6 error that quotes one
// (destination unreachable, packet too big, time exceeded, parameter
// problem: Unreachable), and the events of FTP control connections
// (commands, replies, endpoints, gaps, open and close).
//
// # What it owns
//
// The Decoder owns the frames' layers (one DecodingLayerParser per link
// type, reused), the IP fragments being reassembled, and the control
// table. The control table owns every FTP control connection, and every
// connection being checked for FTP by its content, from its first segment
// to its close; nothing else holds one. A control connection is a
// reassembler (reasm.go: segments in, ordered bytes and gaps out; each run
// of bytes carries the packet that brought it) feeding a session parser
// (session.go: bytes in, commands, replies, endpoints and gaps out; no
// TCP). When a connection closes, its buffers are released and it leaves
// the table at once; what later packets of it still need (its last ACK
// must not start a session) is a tombstone: a key and a time in a ring.
//
// Whether a control connection ended by FIN or RST (in window only; an
// RST at an established one is held while the connection or data between
// its hosts goes on, or a command waits for its reply (hold_owed.go), and
// ends nothing if its bytes go on after it: hold.go; a FIN or RST behind
// bytes their receiver never acknowledged ends the stream there, the
// bytes not taken: unconfirmed.go), was
// reused, idled out or was evicted, and whether it turned to TLS (a 234
// to AUTH, RFC 2228 protected commands, an implicit-FTPS port), is decided
// here, once, and passed on as values in ControlEvent. A connection read
// from its headers (TLS) keeps no bytes, but its reassembler still follows
// each direction's sequence numbers (headers.go): text that turns it back
// to FTP, and an RST or FIN that ends it, count only where the stream
// stands, so a segment forged with a guessed number changes nothing.
// While its TLS handshake goes on (from its start in the capture), the
// client's record headers are walked until its first application data
// record, and copies sent again unacknowledged are looked for as in text
// (tlsctl.go, stall.go): a connection that ends with the walk not over
// says its handshake never completed (ControlEvent.TLSUnfinished). One
// walk per such connection, 48 bytes, in a map of the table's
// (controlTable.handshakes), dropped when the handshake completes, the
// walk is lost (a gap, bytes that are no record) or the connection leaves.
//
// A control connection whose segments came inside a tunnel (GRE, VXLAN,
// GENEVE, IP in IP, GTP-U, MPLS in UDP or IP; not ERSPAN or TZSP, which
// carry mirrored traffic to the capture) keeps the tunnel's kind and the
// outer addresses each side's segments came with (encap.go: kept beside
// the table, for such a connection only), handed over with its
// ControlClose: anyone can send tunnel packets carrying a made-up
// session, and only the outer addresses tell a monitored fabric's from
// those. A client line the line bound cut hands over the PORT or EPRT in
// its kept tail, past the cut (smuggled.go), which a server that splits
// lines at its own bound reads as a command of its own.
//
// Data connections are not reassembled unless asked: decode hands their
// headers on (Segment, with the payload length from the IP header, or
// from the frame's length where an offload left that 0 or stale:
// lengthFromFrame, counted) and
// keeps nothing of them. With Options.DataPayload and a handler that
// implements PayloadHandler (file extraction), a payload table follows the
// connections the handler wants from their SYN, else their SYN-ACK, else
// their first bytes (payload.go: at most 4,096; when full, the least
// recently seen is given up and counted if it has been silent for 150 s,
// else the newcomer is refused and counted; out-of-order bytes 8 MiB per
// direction and 64 MiB in all) and delivers their
// bytes and gaps in order. One that ended (an RST, both FINs) is
// remembered, so that its late segments start nothing, for 4 minutes of
// packet time after its last packet (payload_ended.go: twice the maximum
// segment lifetime; expired with the table's idle connections, once a
// second), one that went on past its FINs until the bound pushes it out:
// at most 16,384, 64 bytes each and an index entry (about 1.6 MB); one
// forgotten sooner is counted (PayloadStats.EndedForgotten). A handler
// that implements DataExpecter tells decode which SYNs to a control port
// are expected data connections.
//
// # Lines a capture gap cuts
//
// A client line whose start the capture holds and whose rest a gap took
// (a snap length shorter than the packet, tcpdump -s 96; a lost segment)
// is delivered as the command it begins, its argument as far as it was
// captured (ControlEvent.RestNotCaptured), only while a login stands as
// the server's replies prove it (session.go's provedLogin: a 230 or 232,
// or a reply only a logged-in user draws, 125, 150, 226, 250 or 257; and
// no USER or REIN line since, nor a 331, 332, or 120 or 220 to a REIN); a
// PORT, EPRT or LPRT whenever. A gap does not end that login: a USER or
// REIN the gap took is answered, 331, 332 or 220, and that answer does.
// Never a USER, PASS, ACCT, REIN, AUTH, ADAT or SITE (a cut one names a
// user that is not the one, or its refusal repeats a password the cut
// hid: "SITE PS" of "SITE PSWD old new"), nor a line that may be a
// password (one is due; the first line after a gap). Those are dropped
// with their line, and their reply answers a command lost in a gap.
//
// Picked up mid-stream, the capture shows no login: it may begin after a
// 331 (the first client line, whatever it reads, may be the password:
// masked), or inside a login the client has not finished. The choice made
// is to show what the administrator needs, the file names of the
// transfers a snap length cut, once the server has proved the login stood
// by a reply only a logged-in user draws (the evidence track takes for
// track.Session.LoginBefore): from there no password is due but after a
// 331 or 332, which ends it again. Before such a reply, cut lines are
// dropped.
//
// A line the snap length cut only in its line end (the segment's last
// two bytes, or its LF after the CR) is whole: delivered as any line is,
// not marked cut, whatever its verb and whenever it comes.
//
// # The clock
//
// Time is packet time, never the wall clock, so a file is analysed the
// same way on any machine. Once per second of packet time (and when a
// quiet live capture calls Tick), the decoder expires what is due (holes
// that waited holeWait, connections idle past their limit, IP datagrams
// not rebuilt in time) and then calls Handler.Tick, which drives the tracker's
// expiry too: there is one clock. A packet more than a second earlier than
// the clock is the capture's clock set back (NTP stepping it): the clock
// follows it, as the tracker's waits do, so a wait begun after the step
// (a hole, a datagram's fragments, a data connection's idle time) is
// measured in the time that passed since, not from the latest time before
// the step, and one begun before it waits longer by the step; a packet
// back on the time before the step within a second after it is another
// clock interleaved, and the clock goes back there (clockStepBack); a
// step back that stands is counted (Stats.ClockStepsBack). An
// input that overlaps the one before it (SetInput) is no step until its
// packets pass the earlier input's end; in a file of several interfaces,
// whose clocks may disagree by minutes, a step back is not followed. A
// forward step of more than 30 s is held until the next packet confirms
// it; reading a file, its frame is decoded only then (a handler that
// writes packets is told: HeldFrameHandler), and one packet's
// time (the next came back) is read at the time of the packet before it
// (Stats.ClockOutliers; outlier.go): its own time enters no event. A
// packet stamped before year 1 or from 2262 on is counted
// (Stats.TimeOutOfRange) and not decoded. Finish closes every control connection
// (ControlClose, reason capture-end, at the latest packet time) and then
// calls Handler.Finish.
//
// The control table's idle limits and tombstones run on an idle clock:
// packet time, except that a forward step of more than a day between two
// packets moves it not at all: it is counted (Stats.ClockJumps) as the
// capture host's clock set, unless it is where the next file of a capture
// read as several begins (SetInput: the gap between the files), and it
// never goes back (a step back waits until packet time passes the
// latest). Ten years between two packets are not ten years of silence.
// In live (Options.SteadyClock) a forward step of the host's wall clock
// of more than 30 s, which the steady clock shows, moves it by the time
// that passed only, and is counted (Stats.ClockSetLive) and handed to the
// tracker (ClockStepHandler) before the packet or tick after it
// (liveclock.go).
// Events still carry packet time.
//
// A control connection is idle when neither it nor any other TCP
// connection between its two hosts was seen for the limit: it is silent
// for a whole transfer (hours for a large file on a slow link), and its
// data connections run between the same two addresses (passive and
// active; a NAT's announced address is not where the packets go). Which
// session a data connection belongs to is the tracker's to say, so data
// between two hosts keeps every control connection between them open.
// Idle is still a guess: bytes of a control connection (on a control
// port, or found by its content on another port: FTP already, its
// tombstone keeps which end was the server) that came after it was
// closed as idle, while its tombstone holds, pick it up again
// mid-stream, as a capture starting there would (Stats.IdleResumed);
// packets without bytes stay late packets. Its ControlOpen says which
// close it continues (ControlEvent.ResumesIdleClose, read with Resumed):
// the tombstone of an idle close keeps its time; it is not counted again
// in Stats.ControlConns. Bytes after any other close of a control
// connection (its FINs, an RST) are not read, and are counted once a
// connection (Stats.ClosedLateBytes) when they go past what was read before
// the close; a retransmission of bytes read (its ACK lost) is not. Bytes
// that go on in sequence exactly where a stream stood at a close by FINs
// or by an RST held (hold.go), from a side whose going on shows the close
// was not taken (tombstone.goesOn: the FIN's own sender, unless its peer
// acknowledged that FIN or the bytes acknowledge the peer's: a true close,
// the bytes injected after it; an RST's receiver, or its sender unless its
// TTL was unlike its sender's), show a forged close (or a real RST lost on
// the way): the connection (on a control port) is picked up again there,
// mid-stream, its streams starting where they stood, as a session of its
// own (Stats.ClosedResumed). An RST in the server's name whose TTL was
// unlike the server's (a box between), its hold over, does not close the
// connection until the server is quiet for a minute more: what the
// server says after it (its reply to the command the client was reset
// at, which it carried out) is the session's, shown before the close the
// RST reports, marked (ControlEvent.AfterReset: afterreset.go). Past that
// wait, bytes of the sender of an RST whose TTL was
// unlike its own pick it up too, the RST held again (hold.go): its events
// wait until the receiver goes on as well (both sides talking on past the
// RST: it was not taken); if it never does (it took the RST), they are
// shown all the same, as a pick-up after the close
// (Stats.ResetSenderWentOn): what a server said after a firewall reset
// its client, a command carried out that the client never heard of. The
// tombstone keeps one byte more for it (tombstone.ended, in what was
// padding). A SYN on the 4-tuple drops the
// tombstone: a new connection after a true close is never taken for one.
//
// # Bounds
//
//   - control connections followed at once: Options.MaxControlConns
//     (10,000); when full, the one silent longest is forgotten, else the one
//     idle longest is closed as "evicted" (Stats.ControlConnsFull,
//     SilentEvicted, ControlEvicted)
//   - connections checked for FTP by content: Options.MaxCandidates (4,096);
//     a connection refused while they are at the bound is counted once
//     (Stats.CandidatesFull, connections, not segments): its key is kept,
//     as a tombstone is, for 4 minutes after its last refused segment, in
//     a ring of its own allocated as refusals come and bounded at 4 per
//     candidate (16,384 by default, 128 bytes each and an index entry:
//     about 2.5 MB); past that ring one may be counted twice; a candidate's server may send 8 KiB before
//     its client speaks, and it holds back at most 64 events; a candidate
//     picked up mid-stream (no greeting: the client's FTP commands and the
//     server's numbered replies, midstream.go; a first segment that
//     begins inside a line is judged by the line after its first line
//     end, within 512 bytes of text) holds back at most 64 events and is
//     given up after 16 KiB undecided
//   - out-of-order bytes: 64 segments per direction, 4 MiB in all; past
//     either, the oldest hole is given up as its wait would give it up
//     (Stats.HeldOverflow), and a segment beyond the receiver's window
//     that finds them full is dropped, evicting nothing (Stats.BeyondWindow);
//     a hole waits at most 5 s of packet time unless an ACK proves it lost;
//     when the receiver acknowledged the stream that went on in its place
//     but never past the hole, the held bytes are dropped instead
//     (Stats.Unacknowledged: forged or stale)
//   - the receiver's advertised window (tcpwindow.go): bytes past a hole
//     that start beyond the right edge of the window the receiver last
//     advertised (its highest ACK plus its latest window, shifted as the
//     SYNs agreed, RFC 7323) are never skipped to: unless its ACK reaches
//     them they are dropped when the hole is given up
//     (Stats.BeyondWindow), and their ACK is not taken. Without the SYNs the
//     scale is unknown and a window is read at the largest, 2^14: reading
//     it unscaled, or as 64 KiB, would put the edge below the real window
//     of every scaled connection picked up mid-stream and drop real bytes
//     after a loss, worse than leaving a forgery to the 64 KiB guess
//     above. A window's worth of bytes beyond the edge with the receiver
//     not heard, in one run from the first held byte, makes the edge stale
//     (the capture lost its segments; bytes scattered further ahead, an
//     injector's filler, do not);
//     bytes in order are never bounded. Reading the window and the scale
//     option costs a data segment 2 to 4 ns (best 71.2 ns before, 73.3
//     after; median 73.5, 78.0) and a control segment about 6 (a pure
//     ACK: best 107.8, 113.4; median 110.3, 116.6); 15 alternating runs
//     of each build on two shared cores: go test ./decode -run '^$'
//     -bench 'DecodeDataSegment$|DecodeControlACK' -benchtime 5000000x
//   - openings (connect.go): a connection whose client sent a SYN and that
//     carried no byte keeps what its opening showed (the SYN's copies,
//     an RST or ICMP error answering it) in one 128-byte record, only once
//     a SYN is sent again or answered, at most one per connection and
//     dropped with it; closed never having opened, it is said
//     (ControlEvent.Connect), one SYN with no answer is not. ICMP errors
//     written before the SYN they quote: the latest 8, each waiting 2 ms
//     (100 in a capture that may reorder) for its SYN; one pushed out
//     within its wait is counted (Stats.EarlyICMPOverwritten)
//   - idle: a connection that carried no byte (or is not FTP) is forgotten
//     after a minute, one that did is closed an hour after it or another
//     connection between its two hosts that may be FTP data (from a
//     control port's L-1, or between two unprivileged ports) was last
//     seen (idle clock)
//   - host pairs: one entry (8 bytes and its map slot, keyed by a seeded
//     hash of the two addresses) per pair of hosts of the control
//     connections that carried bytes, so at most MaxControlConns. A
//     segment of any other connection costs one hash and one map lookup
//     there, and no allocation (none at all while the table holds no such
//     connection): 132 ns a data segment against 93 with no pair (best of
//     8, two shared cores: go test ./decode -run '^$' -bench
//     DecodeDataSegment -benchtime 1000000x). The pairs are read only when a connection falls due
//     (expiry, eviction), which then moves it to its place in the list by
//     the pair's time (walking from the back, past the entries seen
//     since) or closes it; each is looked at once per walk
//   - tombstones: a ring allocated as connections close, that doubles
//     (from 64, and always to at least 4,096) while the slot it would
//     overwrite still holds, up to 4 per control connection the table may
//     hold (Options.MaxControlConns; 40,000 by default, 128 bytes each
//     and an index entry: about 6 MB at most), each valid for 4 minutes
//     after the last packet (an evicted session's for an hour: it was
//     alive, and its next packet may come as late as an idle one's: its
//     bytes are dropped while the table is full of live sessions, not a
//     session that would evict another in turn, counted once a session
//     (Stats.EvictedLateDropped), and picked up mid-stream once there is
//     room (Stats.EvictedPickedUp)); indexed by a seeded hash of the key
//     (ConnIndex), the key checked. 40,000 slots hold 166 closes a second for 4 minutes; past
//     the bound a tombstone still valid is overwritten and counted
//     (Stats.TombstonesForgotten): that connection's late bytes may start
//     a session of their own. A close at the capture's end leaves none.
//   - line buffers: a connection between lines holds none (splitters at
//     rest go back to a shared pool)
//   - a connection where the side an RST unlike its own was sent in the
//     name of talks on (picked up again by its bytes, or its RST still
//     held: hold.go, hold_owed.go, afterreset.go) keeps at most 8 of its
//     events (512 bytes each: 4 KiB) waiting for its peer to go on too,
//     or for its close; past them they are shown at once
//     (Stats.PickUpWaitsFull)
//   - out-of-order bytes further than 1 MiB beyond where the receiver
//     stands (the next byte, or its ACK) are dropped (Stats.FarAhead).
//     A data connection's reach is 16 MiB (payloadAhead); its bytes (and
//     FIN) beyond it are held, within the payload bounds and giving way
//     to any other held bytes, only until the receiver's ACK reaches
//     them (a capture outage: they land at their offsets after a gap) or
//     their hole is given up (5 s, the connection's end: dropped, never
//     skipped to, so a forged sequence number still makes no hole)
//   - tunnel layers the parser decodes are bounded by the frame's length;
//     tags in front of an EtherType peeled by hand (VLAN TPIDs gopacket
//     does not know, Cisco MetaData, E-tags, VN-Tags, LLC/SNAP) at most
//     8 a frame; MPLS and PPPoE peeled by hand, and packets rebuilt from IP
//     fragments decoded again from their IP header (tunnels included):
//     at most 8 re-decodings of one frame, beyond that Stats.Malformed
//   - one control line: Options.MaxLine (4,096 bytes; the excess is counted)
//   - IP fragments held: 4,096 fragments and 32 MiB of their data (only a
//     fragment's data is copied, as its IP header states it: never its
//     headers or the frame's padding); past either, the reassembly is
//     emptied (Stats.FragmentsFull, its fragments Stats.FragmentsLost).
//     Each datagram waits for its fragments Linux's default time from
//     its first fragment, however later ones spread: 30 seconds of packet
//     time for IPv4 (net.ipv4.ipfrag_time), 60 for IPv6
//     (net.ipv6.ip6frag_time, RFC 8200 4.5); then its fragments are lost
//     (Stats.FragmentsLost). Fragments belong to one datagram when
//     addresses and identification match, and for IPv4 the protocol too
//     (RFC 791 2.3). A segment or ICMP error rebuilt from fragments names
//     the packets of the first 64 of its other fragments
//     (Segment.Fragments, Unreachable.Fragments) and counts the rest
//     (FragmentsUnlisted)
//
// Expiry and eviction walk lists kept in least-recently-seen order and stop
// at the first entry not due, so their cost follows what they remove, not
// what the table holds. (IP datagrams, bounded at 4,096 fragments, are
// walked whole, once per second of packet time while any is held.)
package decode
