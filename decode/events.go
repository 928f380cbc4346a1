package decode

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TCPFlags holds the TCP header flags ftpsniff acts on.
type TCPFlags uint8

const (
	FlagFIN TCPFlags = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
)

// Has reports whether all of the flags in x are set.
func (f TCPFlags) Has(x TCPFlags) bool { return f&x == x }

// Segment is the header view of one TCP segment. Decode hands every TCP
// segment to the Handler this way, control or not, before any of its payload
// is reassembled, so data-connection state never waits on reassembly.
type Segment struct {
	Num uint64 // 1-based packet number in the capture (in the current input)
	// Input counts the inputs read (Decoder.SetInput): segments of the
	// next file of several read as one have the next number; 0 when no
	// input was named.
	Input    uint32
	TS       time.Time
	Src, Dst netip.AddrPort
	Seq, Ack uint32
	Flags    TCPFlags
	// Window is the window field as sent: the receive window the sender
	// advertises past Ack, in units of 2^shift bytes, where shift is what
	// the sender's SYN announced (WindowScale) when both SYNs of the
	// connection carried the option, else 0; a SYN's own window is never
	// scaled (RFC 7323 2.2).
	Window uint16
	// Urgent is the urgent pointer field, meaningful with FlagURG: the
	// offset from Seq of the byte after the urgent byte (RFC 6093: every
	// stack reads it so).
	Urgent uint16
	// TTL is the IPv4 TTL, or the IPv6 hop limit, the segment carried
	// when captured (of the innermost IP header).
	TTL uint8
	// WindowScale is, on a SYN that carries the window scale option
	// (HasWindowScale), the shift it announces, at most 14 (RFC 7323
	// 2.3). Options are read on SYNs only.
	WindowScale    uint8
	HasWindowScale bool
	// Payload is the segment's TCP payload. It aliases the capture buffer and
	// is valid only during the Handler call.
	Payload []byte
	// PayloadLen is the payload's length on the wire, from the IP header:
	// more than len(Payload) when the snap length cut the capture.
	PayloadLen int
	// Control is set when the segment belongs to a connection decode treats
	// as an FTP control connection (by port, or by content once confirmed).
	Control bool
	// Reorders: the capture is known, by this segment, to be one whose
	// packets may come out of the order they crossed the wire across its
	// interfaces (Decoder.Reorders): a segment may come up to ReorderWait
	// (packet time) before one its sender sent first. (In what was
	// padding.)
	Reorders bool
	// PayloadWaits: the segment brought the second FIN of a data
	// connection whose payload decode reassembles (PayloadHandler), in a
	// capture that may reorder packets, while bytes before a FIN are still
	// missing: they may come after it (a TAP's port skewed behind the
	// other's). The connection's bytes are delivered on until they come,
	// or ReorderWait after that FIN, and PayloadEndHandler.DataEnd then
	// says it left the table; its end is final only then. Set on that
	// segment and on the later ones while it waits. (In what was padding.)
	PayloadWaits bool
	// LinkDir: which way the frame crossed the capture host, where its
	// link header records it (tcpdump -i any's cooked header): a box
	// that forwards a connection shows its packets arriving and leaving.
	// (In what was padding.)
	LinkDir LinkDir
	// Fragments, for a segment of an IP datagram rebuilt from fragments,
	// are the packet numbers of its other fragments (Num is the one that
	// completed it), in arrival order, the first MaxFragmentNums of them
	// (exact repeats too), those of the current input only (numbers start
	// again in each input); nil otherwise. Valid only during the Handler
	// call.
	Fragments []uint64
	// FragmentsUnlisted counts the datagram's other fragments Fragments
	// does not list: beyond MaxFragmentNums, or in an earlier input (0
	// when it lists them all).
	FragmentsUnlisted int
}

// FragmentHandler is an optional Handler interface: FragmentHeld says that
// the frame numbered num is an IP fragment of a datagram not yet complete
// (one the decoder keeps, or an exact repeat of bytes it keeps). A writer
// of chosen packets (read --write) keeps a copy, to write it before the
// packet that completes the datagram if that one is chosen
// (Segment.Fragments names it then, if it came in the same input).
type FragmentHandler interface {
	FragmentHeld(num uint64)
}

// HeldFrameHandler is an optional Handler interface for a writer of
// chosen packets (read --write), which takes each packet's events as
// ending when the next packet is read: reading a file, the frame of a
// forward clock step is decoded only once the next packet, the next
// input or the capture's end judges it (outlier.go). FrameHeld says that
// the frame just read, numbered num, is held (no event of it yet); its
// events come later, with the next packet's or at SetInput, Tick or
// Finish, and HeldFrameDecoded(num) follows the last of them. A writer
// keeps a copy of the frame in between: the reader's buffer is reused.
type HeldFrameHandler interface {
	FrameHeld(num uint64)
	HeldFrameDecoded(num uint64)
}

// Unreachable is an ICMP or ICMPv6 error that quotes a TCP segment: every
// kind a TCP stack acts on, not only destination unreachable. For IPv4
// (V6 false) ICMP types 3 (destination unreachable, code 4 fragmentation
// needed among them), 11 (time exceeded) and 12 (parameter problem); for
// IPv6 (V6 true) ICMPv6 types 1 (destination unreachable), 2 (packet too
// big), 3 (time exceeded), 4 (parameter problem) and every other error
// type (5 to 127: RFC 4443 2.4(d) passes an unknown error to the upper
// layer, and Linux's TCP takes it as EPROTO, ending a connect). Handlers tell them
// apart by V6, Type and Code, or by EndsConnect (the kinds that end a
// connection attempt, as Linux's TCP does) and PacketTooBig (the kinds
// that lower the path MTU, and the MTU).
type Unreachable struct {
	Num      uint64
	TS       time.Time
	From     netip.Addr // who sent the ICMP message
	V6       bool       // ICMPv6: Type and Code are ICMPv6's
	Type     uint8
	Code     uint8
	TTL      uint8          // the message's own IPv4 TTL or IPv6 hop limit: how far its sender is
	Src, Dst netip.AddrPort // the quoted segment's endpoints
	Seq      uint32         // the quoted segment's sequence number
	// MTU is, on a packet too big (IPv6 type 2) or a fragmentation
	// needed (IPv4 type 3 code 4), the MTU the message gives (0 from an
	// IPv4 router older than RFC 1191); 0 on other kinds.
	MTU uint32
	// Fragments and FragmentsUnlisted, for an ICMP message rebuilt
	// from IP fragments, are as Segment's: the packet numbers of its
	// other fragments (the first 64), and how many more there are.
	// Valid only during the Handler call.
	Fragments         []uint64
	FragmentsUnlisted int
}

// ControlKind says what a ControlEvent carries.
type ControlKind uint8

const (
	// ControlOpen is the first event of a control connection.
	ControlOpen ControlKind = iota + 1
	// ControlCommand carries one client command.
	ControlCommand
	// ControlReply carries one complete (possibly multi-line) server reply.
	ControlReply
	// ControlGap reports bytes missing from the capture in one direction.
	ControlGap
	// ControlJunk reports a line that is neither a command nor part of a reply.
	ControlJunk
	// ControlClose is the last event of a control connection.
	ControlClose
	// ControlCleartext: after TLS, the control connection carries FTP
	// text again (CCC, or TLS closed by alerts and plain FTP after it).
	ControlCleartext
	// ControlEncrypted: the control connection turned to TLS though the
	// reply that accepted it is not in the capture (an AUTH's 234 lost in
	// a capture gap, then a TLS record where the next line would start).
	// Encrypts is set; nothing after it is parsed.
	ControlEncrypted
	// ControlStalled: bytes of one direction (FromClient) were sent
	// again and again (StallResent copies since StallSince) and their
	// receiver acknowledged none of them: something on the path drops
	// that segment (stall.go). With StallCleared, bytes reported so were
	// acknowledged at last.
	ControlStalled
	// ControlConflict: a later copy of bytes of one direction
	// (FromClient) already delivered differs from them: the capture
	// holds two versions of that stretch of the stream (one forged, or
	// corrupted), and the first one was taken (decode/conflict.go). Num
	// is the later copy's packet, ConflictWith the first one's (0 when
	// not known).
	ControlConflict
	// ControlUnconfirmed: bytes of one direction (FromClient) delivered
	// past the place where their receiver's ACKs stopped, at which the
	// sender's own FIN, or an RST in its name (UnconfirmedBy), then
	// stood: the receiver never got them, and the stream ended before
	// them (decode/unconfirmed.go). Gap is how many, UnconfirmedFrom the
	// packet that brought the first; the events they made came before
	// this one, and are not taken.
	ControlUnconfirmed
)

// CloseReason says why a control connection ended.
type CloseReason uint8

const (
	CloseFIN        CloseReason = iota // FIN both ways
	CloseRST                           // reset (in window)
	CloseIdle                          // no packets for the idle time
	CloseCaptureEnd                    // the capture ended first
	CloseReused                        // a new connection took its 4-tuple
	CloseEvicted                       // the control table was full: the connection idle longest made room
)

// ControlEvent is one event of an FTP control connection, in stream order.
type ControlEvent struct {
	Kind ControlKind
	// StallCleared: see StallResent. (Here, in what was padding: the
	// event stays within its 512-byte size class.)
	StallCleared bool
	Num          uint64 // packet that completed the event
	TS           time.Time
	Client       netip.AddrPort
	Server       netip.AddrPort
	// FromClient tells the direction of Gap and Junk events.
	FromClient bool
	// Cut, on ControlGap: the bytes missing were in a frame the capture
	// holds, past its captured length (a snap length shorter than the
	// packet: tcpdump -s N); they crossed the capture point on their way
	// to the receiver. False: the capture never saw them (a segment it
	// lost, or one never sent that an ACK proves was).
	Cut bool

	// Open: whether the connection's start (SYN) was seen, and how it was
	// recognised as FTP.
	Midstream bool
	ByContent bool
	// File is the input the connection was first seen in (SetInput), when
	// several are read as one capture.
	File string
	// Open: the client's initial sequence number, when its SYN was seen
	// (ClientSYN). NAT keeps both sides' numbers, so one connection seen
	// at two points of its path in one capture (tcpdump -i any on a NAT
	// router) shows the same numbers under two address pairs.
	ClientSYN bool
	ClientISN uint32
	// ServerISN: the server's, when its SYN-ACK was seen (ServerSYN).
	ServerSYN bool
	ServerISN uint32
	// ResumesIdleClose: an Open of a connection decode had closed as idle
	// (at this time, the TS of that ControlClose) whose later bytes picked
	// it up again; zero for a connection that began here. Resumed reads it.
	ResumesIdleClose time.Time
	// ImplicitTLS: a connection to an implicit FTPS port (990): TLS from
	// the first byte, so nothing in it can be read.
	ImplicitTLS bool
	// NoClientHello: Open of a connection to an implicit FTPS port whose
	// server sent TLS (an alert) before the client sent any byte: the
	// client waited for a 220 in clear text (explicit FTPS or plain FTP
	// against an implicit-only port). Neither ImplicitTLS nor Encrypts.
	NoClientHello bool
	// Encrypts: from this event on the control channel is ciphertext
	// (Open of an implicit-FTPS connection, the 234 that accepted AUTH,
	// an RFC 2228 ENC/MIC/CONF command). Decode decides it once; nothing
	// after it on the connection is parsed.
	Encrypts bool

	Command ftp.Command // ControlCommand
	Reply   *ftp.Reply  // ControlReply; the Handler may keep it
	// Endpoint is the data endpoint a PORT/EPRT/LPRT command or a
	// 227/228/229 reply announces. Valid when EndpointErr is nil and
	// Endpoint.Via is set.
	Endpoint    Endpoint
	EndpointErr error
	// EndpointAlt is, on a multi-line 227/228/229 reply whose last line
	// names another endpoint than Endpoint (read from the whole text, the
	// first found), the last line's: clients differ on which they take
	// (multiline.go). Its Via is 0 otherwise.
	EndpointAlt Endpoint
	// Tunnel, on ControlClose: the tunnel the connection's segments came
	// inside, and its outer addresses (encap.go); nil when none did. On
	// another event, a copy of it as it stands when a side first came
	// inside it or plain (its shape so far), else nil. The Handler may
	// keep it.
	Tunnel *Tunnel

	// Secret: the client line (command or junk) is, or may be, a
	// password: a PASS or ACCT, a mangled PASS, whatever non-empty line
	// follows a 331/332, or the first line after a client-side gap that
	// may be a PASS's or ACCT's tail (its verb ASS, SS, S, CCT, CT or T;
	// or, while no 230/232 has come since the last USER, REIN, 331/332 or
	// client-side gap, any line but a known command other than
	// PASS/ACCT). Outputs mask it.
	Secret bool
	// SecretArg: a command whose argument holds a password though it is
	// no login line (SITE PSWD old new, Serv-U's password change): outputs
	// mask the words after its first. (Secret would make it a PASS.)
	SecretArg bool
	// SecretEcho: a reply that repeats, in any case, a line decode masked
	// (Secret, SecretArg) since the last final reply: a server that echoes
	// the line it did not understand ("500 HUNTER2: command not
	// understood." after a bare password line). Outputs mask its text.
	SecretEcho bool

	// Hops is what the TTLs of the connection's segments so far tell of
	// routers between each side and the capture point.
	Hops Hops
	// PeerUnseen, on ControlCommand and ControlReply: no segment of the
	// other side was seen on this connection yet (not a byte, not a pure
	// ACK). Replies past the greeting with nothing of the client's before
	// them, or commands with nothing of the server's, are what a capture
	// of one direction shows (a SPAN port mirroring one direction,
	// asymmetric routing).
	PeerUnseen bool

	Telnet ftp.TelnetFlags // telnet sequences seen in the command's line (a client's junk line's too)
	Urgent bool            // the command's bytes arrived next to TCP urgent data
	// UrgentEnd, with Urgent: the urgent byte was the command's own line
	// feed, the last byte of the one-line segment that brought it in
	// order (Python's ftplib and Ruby's net/ftp send "ABOR\r\n" with
	// MSG_OOB). A server whose socket does not read urgent data inline
	// (no SO_OOBINLINE, RFC 6093) never reads that byte, and reads the
	// line and the client's next one as one line.
	UrgentEnd bool
	// CaptureEnded, on a command with ftp.CmdUnterminated: the capture
	// ended while the line was under way (CloseCaptureEnd), rather than
	// the connection (a FIN, an RST): its line end may have been sent
	// after the capture stopped.
	CaptureEnded bool
	// RestNotCaptured, on a command: a capture gap took the rest of its
	// line (a snap length shorter than the segment, lost segments), not
	// the connection: the line, its end with it, went on to the server,
	// and Command.Arg is only its start.
	RestNotCaptured bool
	Dropped         int         // bytes of an over-long line that were discarded
	Line            string      // ControlJunk: the line
	Closed          CloseReason // ControlClose: why the connection ended
	// ClientClosed, on ControlClose by CloseFIN or CloseRST: the client
	// sent the first FIN in order, or the RST (false: the server did, or
	// it is not known).
	ClientClosed bool
	// ClientFIN (ControlClose): the client had sent its FIN by the close
	// (an RST after it: bytes came to a client that had closed its end).
	ClientFIN bool
	// ClientFINAcked (ControlClose): the server acknowledged the
	// client's FIN: its TCP was still there, and the path between open
	// both ways, when the client closed.
	ClientFINAcked bool
	// ServerFIN (ControlClose): the server had sent its FIN, in order, by
	// the close: it ended its side of the session (an RST of its after
	// it answered bytes that came to a socket it had closed).
	ServerFIN bool
	// TLSBytes is, on ControlCleartext, the bytes the client ([0]) and
	// the server ([1]) sent while the connection was followed as TLS,
	// up to this FTP text (each counted up to 65535, more reading as
	// 65535): none from either side after a 234 is a client that asked
	// for TLS and went on in clear; the client's alone (its ClientHello)
	// a server, or a proxy between, that accepted AUTH but never began
	// TLS. On ControlClose of a connection followed as TLS to its end,
	// the same counts since it turned TLS.
	TLSBytes [2]uint64
	// StallResent, StallSince, StallCleared: on ControlStalled, the
	// copies of the unacknowledged bytes sent again, when the first copy
	// was, and whether they were acknowledged at last.
	StallResent int
	StallSince  time.Time
	// StallSize is, on ControlStalled, the payload of the largest copy
	// sent again, in bytes on the wire (up to 65535): one larger than a
	// small link carries is what a path MTU black hole drops.
	StallSize int
	// TLSUnfinished is, on ControlClose of a connection followed as TLS
	// to its end, that its TLS handshake began in the capture and never
	// completed: the client sent no application data record (tlsctl.go).
	// TLSClientAlert: the client sent an alert record in it.
	TLSUnfinished, TLSClientAlert bool
	// LastSeen is, on ControlClose, the time of the connection's last
	// segment (before an idle close or the capture's end, say).
	LastSeen time.Time
	// Heard is, on ControlCommand, when both sides had last been heard
	// before the segment that completed the command: the earlier of the
	// two sides' latest segments before it, whatever they carried (a
	// pure ACK, a TCP keepalive probe and its answer count as much as a
	// line). Zero when a side had sent nothing before it. A NAT or
	// stateful firewall between that passed segments both ways since
	// then had not seen the connection idle, however long no line came.
	Heard time.Time
	// ResetTTL is, on ControlClose by CloseRST, how the RST's IP TTL
	// (hop limit) compares with that of its side's latest segment
	// before it (ResetTTLUnknown otherwise).
	ResetTTL ResetTTL
	// ResetAcked, on ControlClose by CloseRST: before the RST, its side
	// had acknowledged every byte the other side had sent, in a segment
	// of its own (not the RST): the other side's latest line had reached
	// its TCP, or a box that acknowledges in its name.
	ResetAcked bool
	// ResetNoACK, on ControlClose by CloseRST: the RST came without the
	// ACK flag. A TCP that aborts a connection it has (Linux, Windows,
	// BSD) sets ACK; one without the ACK flag answers a segment that
	// reached no connection (RFC 9293: no TCB, its sequence number the
	// segment's ACK): a host that lost the connection (a reboot), or a
	// NAT or stateful firewall that had forgotten it, in that side's name.
	ResetNoACK bool
	// AfterReset, on an event of the server's: a box between reset the
	// control connection in the server's name (an RST whose TTL was
	// unlike the server's: ResetTTLOther), the client took that reset,
	// and the server, never reset, went on after it (its reply to the
	// command the client was reset at). Delivered before the
	// ControlClose that reports that reset, in the same session
	// (afterreset.go), which has AfterReset too. Unacked: the client never acknowledged the
	// server's bytes after the reset (its TCP had dropped the
	// connection). Resent, on the last such event: how many of the
	// server's segments after the reset sent its bytes again.
	AfterReset, Unacked bool
	Resent              uint16
	// ServerUnacked is, on ControlClose, how many bytes the server had
	// sent that the client had not acknowledged (0: it acknowledged every
	// one, the last reply included; -1: not known, no acknowledgement of
	// the client's at the stream's position seen).
	ServerUnacked int
	// Connect is, on the ControlClose of a connection that never opened
	// (announced only then, with no other event), how its opening failed;
	// nil otherwise.
	Connect *ConnectFailure
	Gap     int // ControlGap: bytes missing (0 when unknown)
	// ConflictWith, on ControlConflict: the packet whose copy of the
	// bytes was taken (0 when not known); Gap is then how many bytes of
	// the later copy, from the first that differs, were not taken.
	ConflictWith uint64
	// ConflictLast, on ControlConflict: the bytes taken lie in the line
	// of the direction's latest command or reply (its event came before
	// this one), and the other copy's line was read whole: ConflictCode
	// is then, from the server, the code of the reply the other copy's
	// line is (0: none), ConflictLine that line (its code included, its
	// line end not) when a 1yz or 2yz reply
	// (never a client line's: it may be a password), and Endpoint (with
	// EndpointErr) what it announces when it is a 227/228/229 reply or a
	// PORT/EPRT/LPRT command (Via unset otherwise). What follows (a data
	// connection to one of the two endpoints, a reply only one of the two
	// leads to) may show which copy the receiver took.
	ConflictLast bool
	ConflictCode int
	ConflictLine string
	// UnconfirmedFrom and UnconfirmedBy, on ControlUnconfirmed: the
	// packet that brought the first byte not confirmed, and the flag
	// (FlagFIN, FlagRST) of the sender's segment that stood there.
	UnconfirmedFrom uint64
	UnconfirmedBy   TCPFlags
}

// ResetTTL says what the IP TTL (hop limit) of the RST that ended a
// control connection tells of who sent it (ControlEvent.ResetTTL).
type ResetTTL uint8

const (
	// ResetTTLUnknown: not an RST close, or its side had sent nothing
	// before it to compare with.
	ResetTTLUnknown ResetTTL = iota
	// ResetTTLSame: the TTL of its side's latest segment before it.
	// Weak evidence that the endpoint sent it: a box between as many
	// hops from the capture point whose initial TTL is the endpoint's
	// (a transparent firewall that does not lower TTLs, a host firewall
	// on the endpoint) looks the same.
	ResetTTLSame
	// ResetTTLOther: another TTL than its side's latest segment's:
	// strong evidence that a box between (a firewall, an IPS, a NAT)
	// sent it in that side's name, not the endpoint, whose TCP sends
	// every segment with one initial TTL over one path.
	ResetTTLOther
)

// Hops records, for one control connection, whether each side's
// segments reached the capture point with a TTL (hop limit) a host sends
// with (64, 128 or 255: Linux, BSD and macOS; Windows; network gear), or
// with another, lowered by a router on the way, and whether by more than
// one. Both sides seen unrouted is proof that no router lies between
// them: nothing between them forwards, so no firewall but the hosts' own
// can drop what passes, and no NAT can stand there.
type Hops uint8

const (
	ClientUnrouted Hops = 1 << iota // a client segment came with a host's initial TTL
	ClientRouted                    // one came with a lower TTL
	ServerUnrouted
	ServerRouted
	// ClientFar and ServerFar: a segment of that side came lowered by
	// two hops or more (with Routed). A side Routed and never Far nor
	// Unrouted is one router away (ServerOneHop).
	ClientFar Hops = 1 << 4
	ServerFar Hops = ClientFar << 2
	// ClientForwarded and ServerForwarded: segments of that side were
	// seen both arriving at the capture host and leaving it (LinkDir):
	// the capture was taken on a box that forwards them (tcpdump -i any
	// on a router, a firewall, a NAT), so what it receives of theirs and
	// never sends on, it dropped itself.
	ClientForwarded Hops = 1 << 5
	ServerForwarded Hops = ClientForwarded << 2
)

// InitialTTL tells whether ttl is one a host sends with (64, 128, 255):
// its sender is on the capture point's own link, no router between.
func InitialTTL(ttl uint8) bool { return ttl == 64 || ttl == 128 || ttl == 255 }

// ttlClass classes one segment's TTL as the client's bits of Hops: a
// host's initial value, one less (one router on the way), or another
// (two or more).
func ttlClass(ttl uint8) uint8 {
	switch {
	case InitialTTL(ttl):
		return uint8(ClientUnrouted)
	case InitialTTL(ttl + 1):
		return uint8(ClientRouted)
	}
	return uint8(ClientRouted | ClientFar)
}

// ServerOneHop tells whether every server segment seen came lowered by
// exactly one hop (63, 127, 254): one router lies between the server and
// the capture point, the one right in front of the server.
func (h Hops) ServerOneHop() bool {
	return h&(ServerUnrouted|ServerRouted|ServerFar) == ServerRouted
}

// NoRouter tells whether the TTLs prove no router between the two sides:
// each seen, never lowered.
func (h Hops) NoRouter() bool {
	return h&(ClientRouted|ServerRouted) == 0 && h&ClientUnrouted != 0 && h&ServerUnrouted != 0
}

// SegmentHops is the bit of Hops one segment with TTL (hop limit) ttl
// sets: the client's (the side that opened the connection) when client,
// else the server's. A data connection's segments are classed with it
// as decode classes a control connection's.
func SegmentHops(ttl uint8, client bool) Hops {
	h := Hops(ttlClass(ttl))
	if !client {
		h <<= 2
	}
	return h
}

// Direct reports whether the side's segments (the server's when server,
// else the client's) were seen, and all came with a host's initial TTL:
// no router between that side and the capture point.
func (h Hops) Direct(server bool) bool {
	if server {
		h >>= 2
	}
	return h&ClientUnrouted != 0 && h&ClientRouted == 0
}

// Beyond reports whether the side's segments were seen, and all came
// with a lowered TTL: a router between that side and the capture point.
func (h Hops) Beyond(server bool) bool {
	if server {
		h >>= 2
	}
	return h&ClientRouted != 0 && h&ClientUnrouted == 0
}

// Endpoint is a data endpoint as the wire text states it.
type Endpoint struct {
	Via  ftp.Via
	Addr netip.AddrPort // for EPSV the address is invalid: the data goes to the control connection's
	Form ftp.Form       // how a 227 was matched
	// Loose: the PORT or EPRT argument breaks its RFC's syntax ("+25", a
	// trailing comma or word, no closing delimiter) and Addr is what the
	// servers that accept it read (ftp.ParsePORTLoose,
	// ftp.ParseEPRTLoose): a broken client's or an attacker's tell.
	Loose bool
	// Smuggled, on a command or junk line the line bound cut (Dropped)
	// that announces no endpoint itself: Addr is what a PORT, EPRT or
	// LPRT in the line's kept tail, past the cut, names (never of a line
	// that may be a password). A server that splits an over-long line at
	// its own bound (vsftpd at 4,096 bytes) reads what is past it as its
	// next command: a PORT there is one no line shows (smuggled.go). Not
	// the command's own endpoint.
	Smuggled bool
}

// DataExpecter is an optional Handler interface. ExpectsData tells whether
// a SYN from src to dst opens a data connection the handler expects (an
// FTP bounce to port 21, an active-mode client listening on 21 or 990), so
// that decode does not take it for a new control connection.
//
// A handler answers yes only when a ControlEvent before the SYN announced
// a data endpoint (Endpoint.Via set, EndpointErr nil) on dst's port; when
// it answered yes before for a SYN from dst's port (the other way on the
// same 4-tuple: a simultaneous open); or when dst's port is 1024 or above
// and a control connection before it turned to TLS (Encrypts, ImplicitTLS)
// or sent PROT: the announcements of an encrypted session cannot be read,
// so its data connections are inferred from their peers. A handler on
// another goroutine (decode/relay) relies on this to answer no without
// waiting for it.
type DataExpecter interface {
	ExpectsData(src, dst netip.AddrPort) bool
}

// ClockStepHandler is a Handler told of a forward step of a live
// capture's wall clock (Options.SteadyClock), before the packet or tick
// stamped after it: packet time from before to at is the clock set, not
// time that passed, and no wait may count it.
type ClockStepHandler interface {
	ClockStep(before, at time.Time)
}

// Handler receives decoded traffic. Calls come from one goroutine, in
// packet order; for a control segment, Segment is called before the control
// events its payload completes.
type Handler interface {
	Segment(s *Segment)
	Unreachable(u *Unreachable)
	Control(e *ControlEvent)
	// Tick is the packet clock: once per second of packet time, after
	// decode's own expiry, and when a quiet live capture lets time pass.
	Tick(now time.Time)
	// Finish ends the capture, after the last ControlClose.
	Finish()
}
