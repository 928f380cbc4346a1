package main

// --helper linux: the segments of every connection to a port the helper
// is attached to (--helper-ports, default 21: --control-port only says
// where to decode FTP, not where a router attaches the helper), from its
// first packet, go through a simulation of Linux's
// nf_conntrack_ftp/nf_nat_ftp (track/nfhelper), and every data connection
// is compared with the expectation the helper would have created. The layer sits twice in the pipeline, one way each:
// decoder -> helperLayer (decode.Handler) -> tracker, and tracker ->
// helperLayer (track.Sink) -> diagnoser. Its findings go through the
// pipeline's diagnose.Reporter, so text and JSON show them like any other.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// Finding codes of the helper simulation.
const (
	CodeHelperRewrite  = "helper-rewrite"        // nf_nat_ftp would rewrite this announcement (info)
	CodeHelperIgnored  = "helper-no-expectation" // the helper would create no expectation for this announcement
	CodeHelperDrop     = "helper-drop"           // the helper would drop the segment (partial match)
	CodeHelperBlocks   = "helper-would-block"    // the data connection would not be RELATED
	CodeHelperOpens    = "helper-opens"          // the data connection matches the helper's expectation (info)
	CodeHelperEncrypt  = "helper-encrypted"      // the helper cannot read the control channel
	helperMaxConns     = 10000                   // control connections simulated at once
	helperMaxDataNotes = 100000                  // data connections awaiting their verdict
	// helperIdle: a connection to an attached port that decode never
	// opened a session for is forgotten after this long without a
	// segment, in packet time (swept at most once per helperIdle).
	helperIdle = 5 * time.Minute
)

// helperOptions are the flags of the simulation.
type helperOptions struct {
	Helper      string // "" or "linux"
	HelperLoose bool
	// HelperPorts: the server ports the router's rules attach the helper
	// to ("21,2121", ranges "2100-2199"); empty: 21.
	HelperPorts string
	helperCfg   nfhelper.Config
	// helperAttach is HelperPorts read; nil when not given.
	helperAttach portSet
	// helperPortsGiven reports whether --helper-ports was given, even as
	// "" (nil: not registered).
	helperPortsGiven func() bool
	// knownRewrites: what other capture points saw of this capture's
	// 227s (read --vantage --json), told to the diagnoser.
	knownRewrites []diagnose.Rewrite
}

func (h *helperOptions) registerHelper(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&h.Helper, "helper", "", "simulate a firewall's FTP helper on every control connection: `linux` (nf_conntrack_ftp/nf_nat_ftp)")
	f.BoolVar(&h.HelperLoose, "helper-loose", false, "with --helper linux: simulate nf_conntrack_ftp loose=1")
	f.StringVar(&h.HelperPorts, "helper-ports", "", "with --helper linux: server `PORTS` the router's rules (nft ct helper set, iptables CT --helper ftp) attach the helper to, e.g. 21,2121 or 2100-2199 (default 21; --control-port does not attach it)")
	h.helperPortsGiven = func() bool { return f.Changed("helper-ports") }
}

func (h *helperOptions) validateHelper() error {
	switch h.Helper {
	case "", "linux":
	default:
		return usageErrorf("--helper must be linux, not %q", h.Helper)
	}
	if h.HelperLoose && h.Helper == "" {
		return usageErrorf("--helper-loose needs --helper linux")
	}
	// Given empty (--helper-ports "", a variable that expanded to
	// nothing): refused, not taken for the default.
	if h.HelperPorts != "" || (h.helperPortsGiven != nil && h.helperPortsGiven()) {
		if h.Helper == "" {
			return usageErrorf("--helper-ports needs --helper linux")
		}
		ps, err := parsePortSet(h.HelperPorts)
		if err != nil {
			return usageErrorf("--helper-ports %q: %v", h.HelperPorts, err)
		}
		h.helperAttach = ps
	}
	h.helperCfg = nfhelper.Config{Loose: h.HelperLoose}
	return nil
}

// attached is the set of server ports the simulation takes the router's
// rules to attach the helper to: --helper-ports, else 21 (--control-port
// says where to decode FTP, not where a router's rules attach the
// helper).
func (h *helperOptions) attached() portSet {
	if h.helperAttach != nil {
		return h.helperAttach
	}
	return portSetOf([]uint16{nfhelper.DefaultPort})
}

// readsPayload reports whether the simulation reads the payload of s, a
// segment decode does not know for FTP (yet): one to or from a port the
// helper is attached to, which it simulates from its first packet
// (helperLayer.conn).
func (ps portSet) readsPayload(s *decode.Segment) bool {
	return ps.has(s.Dst.Port()) || ps.has(s.Src.Port())
}

// helperHooks returns the sink the tracker reports to and a function
// wrapping the handler the decoder feeds: the plain ones without --helper.
func (p *pipeline) helperHooks(next track.Sink) (track.Sink, func(*track.Tracker) decode.Handler) {
	for _, rw := range p.opts.knownRewrites {
		p.diag.KnowRewrite(rw)
	}
	if p.opts.Helper == "" {
		return next, func(t *track.Tracker) decode.Handler { return t }
	}
	hl := newHelperLayer(p.opts.helperCfg, next, p, p.opts.attached())
	hl.attachSaid = p.opts.helperAttach != nil
	if p.diag != nil {
		hl.addrSetting = p.diag.AddrSetting
		hl.epsvAllow = p.diag.EPSVAllow
		hl.bounce = p.diag.NamesAnotherHost
	}
	if p.opts.cmd != nil {
		hl.notes = p.opts.cmd.ErrOrStderr()
	}
	return hl, func(t *track.Tracker) decode.Handler { hl.next = t; return hl }
}

// annNote is what the helper did with the latest announcement of one
// direction, kept until the tracker reports the command it belongs to.
type annNote struct {
	set  bool
	res  nfhelper.Result
	num  uint64
	text string // the announcement line as sent (bounded), for messages
	// pickedUp: the simulation began mid-connection (PickUp), so the
	// verdict assumes the helper saw the connection's earlier segments.
	pickedUp bool
	// hyp is the same segment under the NAT the announcement implies (the
	// announcer behind a router at the announced address); hypNAT names
	// the translation.
	hyp    nfhelper.Result
	hypSet bool
	// natVerdict: announcement() took the NAT of hyp as the verdict (the
	// addresses show it, on the side of the capture that can see it):
	// the data connection is judged against hyp.Expect then, and only
	// then.
	natVerdict bool
	// guess: the NAT hypothesis hyp is worth saying (a private address
	// announced, the capture where the sender may be seen translated):
	// the advice names it.
	guess bool
	// bounce: a PORT/EPRT that names another host than the client (an
	// FTP bounce, helperLayer.bounce): the helper expecting nothing for
	// it is the refusal it deserves, said as info with no advice.
	bounce bool
	// cut: the packet number of a segment the capture cut at the snap
	// length that this verdict depends on (the simulation assumed it
	// ended a line); 0: none.
	cut uint64
	// lost, lostLen: the announcement's segment (packet lost) came after
	// lostLen bytes of its sender that the capture does not hold, which
	// the simulation assumed ended a line; lostLen 0: none.
	lost    uint64
	lostLen uint32
}

// helperConn is one control connection's simulation.
type helperConn struct {
	sim            *nfhelper.Simulator
	client, server netip.AddrPort
	last           [2]annNote
	// enc: the simulation saw a segment that begins like a TLS record
	// (nfhelper.Result.TLS), first in packet encNum; encPending: the
	// tracker's encryption event (a 234 to AUTH) no TLS record has
	// followed yet, whose helper-encrypted waits for one.
	enc        bool
	encNum     uint64
	encPending *pendingEncryption
	// next: per direction, the sequence number after the furthest
	// payload fed (nextOK: one was), so that a hole the capture left
	// after a 234 (where a TLS handshake may be) is seen.
	next   [2]uint32
	nextOK [2]bool
	expKey expKey // its live expectation's key in helperLayer.expect
	// followKey: its live expectation's second key in helperLayer.expect
	// (zero: none), for a loose=1 expectation to an address announced
	// by a sender the capture shows on its side of a NAT: the data SYN
	// the router matched at the announced address reaches the capture
	// after nf_nat_follow_master translated it to the announcer's own
	// address, with the expectation's port.
	followKey expKey
	// cutNum, cutNext: per direction, the last segment the capture cut at
	// the snap length and the sequence number after its unseen end, until
	// the next segment of that direction (whose searching depends on the
	// unseen bytes) has been fed.
	cutNum  [2]uint64
	cutNext [2]uint32
	// sess: the tracker's session of the connection, from its first
	// announcement (nil before).
	sess *track.Session
	// spent: its latest expectations that are no more (used by a data
	// connection, or replaced by a later announcement), the latest
	// last, at most maxSpent, indexed in helperLayer.spent: a SYN to one
	// that the tracker links to no announcement still gets the helper's
	// verdict (PASV, PASV, a transfer on the second, then a SYN to the
	// first, whose expectation the second replaced).
	spent []spentExp
	// pickedUp: the capture holds no handshake of the connection, so the
	// simulation starts with NF_CT_FTP_SEQ_PICKUP (the kernel tracked it
	// from its SYN; its line starts before the capture are unknown).
	pickedUp bool
	// synISN: the client's ISN when its SYN was seen (synSeen): a SYN
	// with another is the 4-tuple's next connection.
	synSeen bool
	synISN  uint32
	// known: decode opened a session for it (its ControlClose ends the
	// simulation); else it ends at a RST, a FIN each way, or after
	// helperIdle without a segment (a SYN nobody answered).
	known    bool
	fin      [2]bool
	lastSeen time.Time
	// hasTwin: a capture on several interfaces (-i any) holds the
	// connection twice, the second copy (twinKey) with the server at
	// its address after a DNAT (serverAt): one conntrack on the router,
	// so one simulation, NATed, fed the copy the router received of
	// each segment (received).
	hasTwin  bool
	twinKey  decode.ConnKey
	serverAt netip.AddrPort
	// twinNote: per direction, the latest announcement's note, which
	// the first of the two copies' sessions took (twinSess), kept for
	// the other: its data connections are judged by it too.
	twinNote [2]annNote
	twinSess [2]*track.Session
	// drop: per direction, the latest segment the helper would drop
	// whose line is not known yet to be an announcement: its verdict
	// goes with the announcement the tracker raises, else (the line
	// turned out to be another, "22" + "0 ok") helper-drop is raised
	// here (followDrop).
	drop [2]pendingDrop
	// dropSaid: per direction, the sequence number of the last pending
	// drop resolved (said here, or left to its announcement): its
	// retransmissions are the same drop.
	dropSaid   [2]uint32
	dropSaidOK [2]bool
	// masterGone: the control connection closed (FIN, RST) with a live
	// expectation: when the kernel's conntrack entry goes, taking the
	// expectation with it (closedLinger); zero while open.
	masterGone time.Time
	closedAt   time.Time
}

// A closed control connection's conntrack entry stays a while (TIME_WAIT,
// nf_conntrack_tcp_timeout_time_wait, 120 s, after its FINs; CLOSE, 10 s,
// after an RST), and its expectation with it until the entry is destroyed
// (nf_ct_remove_expectations) or its own timeout: a data SYN sent after
// the control connection closed is RELATED then (seen on a real router:
// a SYN 3 s after both control FINs). helperLayer.closed keeps those
// simulations that far, at most helperMaxConns.
const (
	masterAfterFIN = 120 * time.Second
	masterAfterRST = 10 * time.Second
)

// pendingDrop is a segment the helper would drop (a prefix of its
// pattern at a line start), until the first bytes of its line tell
// whether the tracker will raise an announcement for it.
type pendingDrop struct {
	set  bool
	seq  uint32 // the dropped segment's (its retransmissions share it)
	next uint32 // the sequence number after the bytes in head
	head [4]byte
	n    int
	note annNote
}

// helperLayer is the simulation between decoder, tracker and diagnoser.
type helperLayer struct {
	cfg            nfhelper.Config
	handlerForward            // the tracker, and its optional interfaces
	sink           track.Sink // the diagnoser
	rep            diagnose.Reporter
	// attach: the server ports the helper is attached to; attachSaid: the
	// user said them (--helper-ports), else they are the default.
	attach     portSet
	attachSaid bool
	notes      io.Writer
	// addrSetting names the setting that makes a session's server
	// announce its public address, in its family's words (the
	// diagnoser's); nil: named generically.
	addrSetting func(*track.Session) string
	// epsvAllow names, with a leading space, where a session's server
	// refuses EPSV, in its family's words (the diagnoser's); nil or "":
	// not named.
	epsvAllow func(*track.Session) string
	// bounce reports whether a PORT/EPRT/LPRT's endpoint names another
	// host than the client (an FTP bounce), by the diagnoser's rules;
	// nil: never.
	bounce func(*track.Session, netip.AddrPort, *track.DataConn) bool

	conns map[decode.ConnKey]*helperConn
	// expect indexes the live expectations by source address and
	// destination, as the kernel's tuple does (source port free), in the
	// order they were created. Each control connection has its own: two
	// sessions of one client told the same server port hold one each (a
	// NAT router in front of the server moved the second's port outside,
	// rule N3, and translates both to this tuple).
	expect map[expKey][]*helperConn
	// spent indexes the control connections' spent expectations the same
	// way (one per control connection).
	spent map[expKey]*helperConn
	// opened: data connections whose SYN matched a live expectation.
	opened map[decode.ConnKey]bool
	// armed: what the helper did with the announcement of a data
	// connection, until the tracker reports it.
	armed map[*track.DataConn]annNote

	limits helperLimits
	swept  time.Time // packet time of the last idle sweep
	// bySYN indexes the connections whose SYN was seen by the client's
	// endpoint and ISN, where a twin's SYN finds them.
	bySYN map[synID]*helperConn
	// encHeld: the helper-encrypted findings that wait for a data
	// connection opened while the control channel was encrypted
	// (raiseEncrypted).
	encHeld map[*track.Session]heldEncryption
	// openedSYN: the data SYNs that matched an expectation, by client
	// endpoint and ISN, with when: the copy of the same SYN on the
	// router's other side (-i any, translated) is the same data
	// connection. The copies come together: the idle sweep makes the map
	// again from the entries of the last twinWait (a map does not shrink).
	openedSYN map[synID]time.Time
	// closed: the closed control connections whose expectation outlives
	// them (helperConn.masterGone), oldest first; each indexed in expect
	// until its entry goes, then in spent until its expectation would
	// have timed out (sweepClosed).
	closed []*helperConn
}

// twinWait: a data SYN's copy on the router's other side comes within
// this of it (at once, in one capture); kept longer, openedSYN grew with
// every data connection of the capture.
const twinWait = time.Minute

// synID is a SYN's client endpoint and ISN: a connection's twin copy
// shares them.
type synID struct {
	client netip.AddrPort
	isn    uint32
}

// maxSpent bounds the spent expectations kept per control connection.
const maxSpent = 4

// spentExp is an expectation the helper no longer holds, and why.
type spentExp struct {
	key  expKey
	exp  nfhelper.Expectation
	why  string
	last decode.ConnKey // the last connection judged against it (a SYN's retransmissions are judged once)
	// by: the packet of the later announcement whose expectation
	// replaced it (0: not replaced), of kind byKind.
	by     uint64
	byKind nfhelper.Kind
}

// replacedWhy says that exp was replaced by the expectation of the later
// announcement of kind in packet num; refusal, when not "", is the reply
// that refused that announcement, which the helper does not read.
func replacedWhy(exp nfhelper.Expectation, kind nfhelper.Kind, num uint64, refusal string) string {
	why := fmt.Sprintf("its expectation %s was replaced by the one for the later %s (packet %d)", exp, kind, num)
	if refusal != "" {
		return why + fmt.Sprintf(", which the server refused (%s): the helper reads no replies, and keeps one expectation per control connection", refusal)
	}
	return why + ": the helper keeps one expectation per control connection"
}

// expKey is an expectation's tuple without the source port (the
// kernel's mask leaves it free): two clients told the same server port
// get two expectations.
type expKey struct {
	src netip.Addr
	dst netip.AddrPort
}

func expKeyOf(src netip.Addr, dst netip.AddrPort) expKey {
	return expKey{src.Unmap(), netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())}
}

// helperLimits counts what the bounded tables left out.
type helperLimits struct {
	ConnsSkipped int // control connections not simulated: table full
	DataSkipped  int // data verdicts not kept: table full
	// ClosedForgotten: closed control connections whose expectation was
	// let go before their conntrack entry would have gone (closed full).
	ClosedForgotten int
}

func newHelperLayer(cfg nfhelper.Config, sink track.Sink, rep diagnose.Reporter, attach portSet) *helperLayer {
	return &helperLayer{cfg: cfg, sink: sink, rep: rep, attach: attach,
		conns: map[decode.ConnKey]*helperConn{}, expect: map[expKey][]*helperConn{}, spent: map[expKey]*helperConn{},
		opened: map[decode.ConnKey]bool{}, encHeld: map[*track.Session]heldEncryption{}, armed: map[*track.DataConn]annNote{}, bySYN: map[synID]*helperConn{}, openedSYN: map[synID]time.Time{}}
}

// conn finds or starts the simulation of a segment's connection: as the
// kernel does, every connection to a port the helper is attached to,
// from its first packet, whether or not decode knows it for FTP yet (a
// session recognised by its content is confirmed only after its first
// lines, which the helper has searched by then). The roles come from the
// SYN, else from the attached port (ControlOpen corrects a guess). nil:
// the helper is not on the connection.
func (h *helperLayer) conn(s *decode.Segment) *helperConn {
	key := decode.MakeConnKey(s.Src, s.Dst)
	syn := s.Flags.Has(decode.FlagSYN)
	if c := h.conns[key]; c != nil {
		if !(syn && !s.Flags.Has(decode.FlagACK) && c.synSeen && s.Seq != c.synISN) {
			return c
		}
		h.drop(key, c) // the 4-tuple's next connection
	}
	var c *helperConn
	switch {
	case syn && !s.Flags.Has(decode.FlagACK):
		if !h.attach.has(s.Dst.Port()) {
			return nil
		}
		if t := h.bySYN[synID{s.Src, s.Seq}]; t != nil && h.twin(t, key, s.Dst) {
			return t
		}
		if c = h.start(key, s.Src, s.Dst, false); c != nil {
			c.synSeen, c.synISN = true, s.Seq
			h.bySYN[synID{s.Src, s.Seq}] = c
		}
	case syn:
		// The SYN-ACK: the capture missed only the SYN, which carries no
		// payload, so the helper's state is still known from the start.
		if !h.attach.has(s.Src.Port()) {
			return nil
		}
		c = h.start(key, s.Dst, s.Src, false)
	case s.Flags.Has(decode.FlagRST):
		return nil
	default:
		// No handshake in the capture: the kernel saw it, and attached
		// the helper at the server's port.
		toDst, toSrc := h.attach.has(s.Dst.Port()), h.attach.has(s.Src.Port())
		switch {
		case toDst:
			c = h.start(key, s.Src, s.Dst, true)
		case toSrc:
			c = h.start(key, s.Dst, s.Src, true)
		}
	}
	return c
}

// twin makes the connection whose SYN went to server under key the
// second copy of t (the same client endpoint and ISN: -i any on a router
// that DNATs t's server to server), and t's simulation the router's
// one conntrack, NATed. It reports whether it did: not for a third copy,
// nor once t carried payload.
func (h *helperLayer) twin(t *helperConn, key decode.ConnKey, server netip.AddrPort) bool {
	if t.hasTwin || server == t.server || t.nextOK[0] || t.nextOK[1] || server.Addr().Unmap().Is4() != t.server.Addr().Unmap().Is4() {
		return false
	}
	cfg := h.cfg
	cfg.PickUp = t.pickedUp
	sim, err := nfhelper.New(nfhelper.Conn{Client: t.client, Server: t.server, ServerAt: server}, cfg)
	if err != nil {
		return false
	}
	t.sim, t.hasTwin, t.twinKey, t.serverAt = sim, true, key, server
	h.conns[key] = t
	return true
}

// received reports whether s is the copy of its segment the router
// received (a twin's other copy is the one it sent on): from the client
// to the server's original address, from the server at its own.
func (h *helperLayer) received(c *helperConn, s *decode.Segment) bool {
	if !c.hasTwin {
		return true
	}
	if s.Src == c.client {
		return s.Dst == c.server
	}
	return s.Src == c.serverAt
}

func (h *helperLayer) start(key decode.ConnKey, client, server netip.AddrPort, pickUp bool) *helperConn {
	if len(h.conns) >= helperMaxConns {
		h.limits.ConnsSkipped++
		return nil
	}
	cfg := h.cfg
	cfg.PickUp = pickUp
	sim, err := nfhelper.New(nfhelper.Conn{Client: client, Server: server}, cfg)
	if err != nil {
		return nil // mixed families: nothing the helper could track
	}
	c := &helperConn{sim: sim, client: client, server: server, pickedUp: pickUp}
	h.conns[key] = c
	return c
}

// Segment implements decode.Handler.
func (h *helperLayer) Segment(s *decode.Segment) {
	if s.Flags.Has(decode.FlagSYN) && !s.Flags.Has(decode.FlagACK) {
		if (len(h.expect) > 0 && h.dataSYN(s)) || (len(h.openedSYN) > 0 && h.twinSYN(s)) {
			// A data connection the helper expected, whatever its port.
			h.next.Segment(s)
			return
		}
		if f := h.lateSYN(s); f != nil {
			h.next.Segment(s)
			if !h.linked(s) {
				// The tracker links it to no announcement, so Data
				// will not judge it: judged here.
				h.rep.Finding(f)
			}
			return
		}
	}
	if c := h.conn(s); c != nil {
		c.lastSeen = s.TS
		if h.received(c, s) {
			h.feed(c, s)
		}
		h.ended(c, s)
	}
	h.next.Segment(s)
}

// ended drops the simulation of a connection decode does not follow as
// FTP once it is over: a RST, or a FIN each way. (Decode's own close ends
// the others, after the tracker has had their last announcement.)
func (h *helperLayer) ended(c *helperConn, s *decode.Segment) {
	if c.known {
		return
	}
	switch {
	case s.Flags.Has(decode.FlagRST):
	case s.Flags.Has(decode.FlagFIN):
		c.fin[h.dirOf(c, s)] = true
		if !c.fin[0] || !c.fin[1] {
			return
		}
	default:
		return
	}
	h.drop(decode.MakeConnKey(s.Src, s.Dst), c)
}

func (h *helperLayer) dirOf(c *helperConn, s *decode.Segment) nfhelper.Dir {
	if s.Src != c.client {
		return nfhelper.ServerToClient
	}
	return nfhelper.ClientToServer
}

func (h *helperLayer) feed(c *helperConn, s *decode.Segment) {
	dir := h.dirOf(c, s)
	seg := nfhelper.Segment{Dir: dir, Seq: s.Seq, Payload: s.Payload, Time: s.TS, Cut: s.PayloadLen - len(s.Payload)}
	// cut: the packet this segment's verdict depends on, because the
	// capture cut it at the snap length: the one just before it in its
	// direction (the helper searches this one only if that one ended a
	// line, which the simulation assumed). (A verdict on the cut segment
	// itself does not depend on its unseen end unless the parser ran
	// into it: the simulation says CutUnknown then.)
	var cut uint64
	if c.cutNum[dir] != 0 && len(s.Payload) > 0 {
		if s.Seq == c.cutNext[dir] {
			cut = c.cutNum[dir]
		}
		c.cutNum[dir] = 0
	}
	// lost: bytes of the sender the capture does not hold just before
	// this segment (a hole in its sequence numbers). The router saw
	// them: like a snap-length cut, they are assumed to end a line, and
	// the verdict on this segment says that it depends on them.
	var lost uint32
	if c.nextOK[dir] && s.PayloadLen > 0 && int32(s.Seq-c.next[dir]) > 0 {
		lost = s.Seq - c.next[dir]
		c.sim.Feed(nfhelper.Segment{Dir: dir, Seq: c.next[dir], Time: s.TS, Cut: int(lost)})
	}
	old, hadOld := c.sim.Expectation(s.TS)
	oldKey := c.expKey
	r := c.sim.Feed(seg)
	if r.Evicted && hadOld {
		h.setSpent(c, spentExp{key: oldKey, exp: old, why: replacedWhy(old, r.Kind, s.Num, ""), by: s.Num, byKind: r.Kind})
	}
	if r.Cut {
		c.cutNum[dir], c.cutNext[dir] = s.Num, s.Seq+uint32(s.PayloadLen)
	}
	if s.PayloadLen > 0 {
		if p := c.encPending; p != nil && c.nextOK[dir] && int32(s.Seq-c.next[dir]) > 0 {
			// Bytes after the 234 the capture does not hold: the TLS it
			// announced may be there, which the kernel saw. The
			// tracker's word stands.
			c.encPending = nil
			f := h.tlsEncrypted(p.sess, &p.ev, 0)
			f.Evidence = fmt.Sprintf("bytes missing from the capture before packet %d, where the TLS handshake may be", s.Num)
			f.Packets = append(f.Packets, s.Num)
			h.raiseEncrypted(p.sess, f, cccRelief)
		}
		if end := s.Seq + uint32(s.PayloadLen); !c.nextOK[dir] || int32(end-c.next[dir]) > 0 {
			c.next[dir], c.nextOK[dir] = end, true
		}
	}
	if r.TLS {
		if !c.enc {
			c.enc, c.encNum = true, s.Num
		}
		if p := c.encPending; p != nil && dir == nfhelper.ServerToClient {
			// The TLS the 234 announced crossed: now the helper is blind.
			// (The server's record: a ClientHello the server answered in
			// clear text started no TLS, and the helper reads on.)
			c.encPending = nil
			h.raiseEncrypted(p.sess, h.tlsEncrypted(p.sess, &p.ev, s.Num), cccRelief)
		}
	}
	if r.Action == nfhelper.Expected {
		// One expectation per control connection: the new one replaces
		// the old in the index too.
		h.unindex(c)
		c.expKey = expKeyOf(r.Expect.Src, netip.AddrPortFrom(r.Expect.Dst, r.Expect.DstPort))
		h.expect[c.expKey] = append(h.expect[c.expKey], c)
		if looseFollowed(c, r) {
			c.followKey = expKeyOf(r.Expect.Src, netip.AddrPortFrom(r.Sender, r.Expect.DstPort))
			h.expect[c.followKey] = append(h.expect[c.followKey], c)
		}
	}
	h.followDrop(c, dir, s)
	if r.Kind == nfhelper.KindNone && r.NMissed == 0 {
		return
	}
	n := annNote{set: true, res: r, num: s.Num, text: firstLine(s.Payload, r), pickedUp: c.pickedUp, cut: cut}
	if lost > 0 {
		n.lost, n.lostLen = s.Num, lost
	}
	if r.Action == nfhelper.NotRecorded {
		n.hyp, n.hypSet = h.hypothesis(c, seg, r)
	}
	c.last[dir] = n
	if r.Action == nfhelper.PartialDrop {
		if d := &c.drop[dir]; (!d.set || d.seq != s.Seq) && !(c.dropSaidOK[dir] && c.dropSaid[dir] == s.Seq) {
			*d = pendingDrop{set: true, seq: s.Seq, note: n}
			d.n = copy(d.head[:], s.Payload)
			d.next = s.Seq + uint32(d.n)
		}
	}
}

// followDrop follows the line of a dropped segment of dir with segment
// s: once its first four bytes, or its newline, are known, a
// line that is no announcement (the tracker will raise none, and so no
// helper-drop) gets its helper-drop here.
func (h *helperLayer) followDrop(c *helperConn, dir nfhelper.Dir, s *decode.Segment) {
	d := &c.drop[dir]
	if !d.set || len(s.Payload) == 0 || s.Seq == d.seq {
		return
	}
	if s.Seq == d.next {
		for _, b := range s.Payload {
			if d.n == len(d.head) || bytes.IndexByte(d.head[:d.n], '\n') >= 0 {
				break
			}
			d.head[d.n] = b
			d.n++
		}
		d.next = s.Seq + uint32(len(s.Payload))
		if d.n < len(d.head) && bytes.IndexByte(d.head[:d.n], '\n') < 0 {
			return // still too short to tell
		}
	}
	h.resolveDrop(c, dir)
}

// resolveDrop raises helper-drop for c's pending drop of dir unless its
// line is an announcement, whose command's finding says it.
func (h *helperLayer) resolveDrop(c *helperConn, dir nfhelper.Dir) {
	d := c.drop[dir]
	c.drop[dir] = pendingDrop{}
	if !d.set {
		return
	}
	c.dropSaid[dir], c.dropSaidOK[dir] = d.seq, true
	if nfhelper.LineKind(d.head[:d.n], dir) != nfhelper.KindNone {
		return
	}
	if c.last[dir].set && c.last[dir].res.Action == nfhelper.PartialDrop && c.last[dir].res.Seq == d.seq {
		c.last[dir] = annNote{}
	}
	if c.sess == nil {
		return
	}
	n, r := d.note, d.note.res
	f := &diagnose.Finding{Code: CodeHelperDrop, Severity: diagnose.SeverityError, Session: c.sess, TS: c.lastSeen, Packets: []uint64{n.num},
		Evidence: "helper saw: " + quoteWire(n.text)}
	what := "reply"
	f.Advice = "make the server send each reply's first line in one segment, or open the data ports without the helper"
	if dir == nfhelper.ClientToServer {
		what = "command"
		f.Advice = "make the client send each command in one segment, or use passive mode on the client and open the data ports without the helper"
	}
	f.Message = fmt.Sprintf("a Linux router with the FTP helper would drop this segment (%s: %s), and every retransmission of it that holds the same bytes: the session would stall. It starts a %s that is no announcement, but its bytes %s are all the segment holds and a prefix of the helper's pattern `%s'",
		r.KernelLog(), r.Partial, what, quoteWire(n.text), r.Kind.Pattern())
	f.Message += n.notes()
	h.rep.Finding(f)
}

// hypothesis runs the segment through a helper that sees the announcer
// behind a NAT at the announced address: what a Linux router doing that
// NAT with the helper attached would have written instead.
func (h *helperLayer) hypothesis(c *helperConn, seg nfhelper.Segment, r nfhelper.Result) (nfhelper.Result, bool) {
	conn := nfhelper.Conn{Client: c.client, Server: c.server}
	if seg.Dir == nfhelper.ServerToClient {
		conn.ServerAt = netip.AddrPortFrom(r.Announced.Addr(), c.server.Port())
	} else {
		conn.Client = netip.AddrPortFrom(r.Announced.Addr(), c.client.Port())
		conn.ClientAs = c.client
	}
	cfg := h.cfg
	cfg.PickUp = true // the real simulation searched this segment
	sim, err := nfhelper.New(conn, cfg)
	if err != nil {
		return nfhelper.Result{}, false
	}
	hr := sim.Feed(seg)
	return hr, hr.Action == nfhelper.Expected && hr.Rewrite.Done
}

// tabAfterVerb reports whether n is a PORT or EPRT whose verb a TAB ends
// ("PORT\t1,2,3,4,5,6", as ProFTPD takes it): the helper looks for a space
// after the verb and, finding none where the numbers should start, drops
// the segment.
func tabAfterVerb(n annNote) bool {
	k := n.res.Kind
	return (k == nfhelper.KindPORT || k == nfhelper.KindEPRT) && len(n.text) > 4 && n.text[4] == '\t'
}

// firstLine is the announcement line the result is about, bounded.
func firstLine(p []byte, r nfhelper.Result) string {
	off := 0
	if r.Kind == nfhelper.KindNone && r.NMissed > 0 {
		off = r.Missed[0].Off
	}
	line := p[off:]
	for i, b := range line {
		if b == '\r' || b == '\n' {
			line = line[:i]
			break
		}
	}
	if len(line) > 120 {
		line = line[:120]
	}
	return string(line)
}

// dataSYN reports whether s opens a connection a live expectation
// matched (and consumed).
func (h *helperLayer) dataSYN(s *decode.Segment) bool {
	var c *helperConn
	var e nfhelper.Expectation
	k := expKeyOf(s.Src.Addr(), s.Dst)
	for _, lc := range h.expect[k] {
		// The oldest live one first (one SYN consumes one).
		if h.closedGone(lc, s.TS) {
			continue
		}
		le, _ := lc.sim.Expectation(time.Time{})
		dst := s.Dst
		if k == lc.followKey && k != lc.expKey {
			// After nf_nat_follow_master: the router matched it at the
			// announced address.
			dst = netip.AddrPortFrom(le.Dst, s.Dst.Port())
		}
		if lc.sim.DataSYN(nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: s.Src, Dst: dst, Time: s.TS}) == nfhelper.MatchOK {
			c, e = lc, le
			break
		}
	}
	if c == nil {
		return false
	}
	key := c.expKey
	h.unindex(c)
	h.setSpent(c, spentExp{key: key, exp: e, last: decode.MakeConnKey(s.Src, s.Dst),
		why: fmt.Sprintf("its expectation %s was used by the data connection from %s (packet %d): an expectation lets one connection through", e, s.Src, s.Num)})
	if len(h.opened) >= helperMaxDataNotes {
		h.limits.DataSkipped++
		return true
	}
	h.opened[decode.MakeConnKey(s.Src, s.Dst)] = true
	if len(h.openedSYN) >= helperMaxDataNotes {
		h.openedSYN = map[synID]time.Time{} // (bounded: the copies come together)
	}
	h.openedSYN[synID{s.Src, s.Seq}] = s.TS
	return true
}

// twinSYN reports whether s is the other copy of a data SYN that matched
// an expectation (the same client endpoint and ISN to another
// destination: the router's translation of it), and takes its
// connection as opened too.
func (h *helperLayer) twinSYN(s *decode.Segment) bool {
	if _, ok := h.openedSYN[synID{s.Src, s.Seq}]; !ok {
		return false
	}
	key := decode.MakeConnKey(s.Src, s.Dst)
	if !h.opened[key] && len(h.opened) < helperMaxDataNotes {
		h.opened[key] = true
	}
	return true
}

// lateSYN is the verdict on a data SYN to an endpoint whose expectation
// the helper no longer holds or holds expired (the kernel lets nothing
// through for it): used by an earlier data connection (an expectation
// opens one), replaced by a later announcement of its control connection
// (max_expected = 1), or past its 300 s timeout. nil: no such endpoint.
func (h *helperLayer) lateSYN(s *decode.Segment) *diagnose.Finding {
	if h.attach.has(s.Dst.Port()) {
		return nil // a control connection, as the helper takes it
	}
	key := expKeyOf(s.Src.Addr(), s.Dst)
	ck := decode.MakeConnKey(s.Src, s.Dst)
	var c *helperConn
	var why string
	if lc, e := h.expired(key, s); lc != nil {
		c = lc
		why = fmt.Sprintf("its expectation %s expired %s after the announcement (nf_conntrack_ftp's timeout is %s)", e, s.TS.Sub(e.Created).Round(time.Second), nfhelper.ExpectTimeout)
		if sp := c.spentFor(key); sp != nil && sp.last == ck {
			return nil
		}
		// (the expired expectation is judged once per connection too)
		h.setSpent(c, spentExp{key: key, exp: e, why: why})
	} else if sc := h.spent[key]; sc != nil && sc.spentFor(key) != nil {
		if sc.spentFor(key).last == ck {
			return nil
		}
		c, why = sc, sc.spentFor(key).why
	} else {
		return nil
	}
	c.spentFor(key).last = ck
	if c.sess == nil {
		return nil
	}
	f := &diagnose.Finding{Code: CodeHelperBlocks, Severity: diagnose.SeverityWarning, Session: c.sess, TS: s.TS, Packets: []uint64{s.Num},
		Message: fmt.Sprintf("a Linux router with the FTP helper would not open this data connection: the data SYN %s -> %s: %s", s.Src, s.Dst, why)}
	if c.pickedUp {
		f.Message += pickUpNote
	}
	return f
}

// expired returns the first control connection holding an expectation
// for key that s matches but for its timer (dataSYN found no live one).
func (h *helperLayer) expired(key expKey, s *decode.Segment) (*helperConn, nfhelper.Expectation) {
	for _, lc := range h.expect[key] {
		e, _ := lc.sim.Expectation(time.Time{})
		dst := s.Dst
		if key == lc.followKey && key != lc.expKey {
			dst = netip.AddrPortFrom(e.Dst, s.Dst.Port()) // (looseFollowed)
		}
		if nfhelper.Match(e, nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: s.Src, Dst: dst, Time: s.TS}) == nfhelper.MismatchExpired {
			return lc, e
		}
	}
	return nil, nfhelper.Expectation{}
}

// setSpent adds sp to c's spent expectations (in place of one with its
// key; the oldest goes past maxSpent), in the index too.
func (h *helperLayer) setSpent(c *helperConn, sp spentExp) {
	kept := c.spent[:0]
	for _, o := range c.spent {
		if o.key != sp.key {
			kept = append(kept, o)
		}
	}
	if len(kept) >= maxSpent {
		if old := kept[0].key; h.spent[old] == c {
			delete(h.spent, old)
		}
		kept = append(kept[:0], kept[1:]...)
	}
	c.spent = append(kept, sp)
	h.spent[sp.key] = c
}

// spentFor is c's spent expectation for key, or nil.
func (c *helperConn) spentFor(key expKey) *spentExp {
	for i := len(c.spent) - 1; i >= 0; i-- {
		if c.spent[i].key == key {
			return &c.spent[i]
		}
	}
	return nil
}

// unspend removes c's spent expectations, from the index too.
func (h *helperLayer) unspend(c *helperConn) {
	for _, sp := range c.spent {
		if h.spent[sp.key] == c {
			delete(h.spent, sp.key)
		}
	}
	c.spent = nil
}

// linked reports whether the tracker took the connection of s for one of
// its sessions (a data connection it matched to an announcement, which
// Data will judge). Without the means to ask, it says yes: no verdict
// twice.
func (h *helperLayer) linked(s *decode.Segment) bool {
	o, ok := h.next.(interface {
		Owner(a, b netip.AddrPort) *track.Session
	})
	return !ok || o.Owner(s.Src, s.Dst) != nil
}

// Unreachable implements decode.Handler.
func (h *helperLayer) Unreachable(u *decode.Unreachable) { h.next.Unreachable(u) }

// Control implements decode.Handler.
func (h *helperLayer) Control(e *decode.ControlEvent) {
	key := decode.MakeConnKey(e.Client, e.Server)
	if e.Kind == decode.ControlOpen {
		if c := h.conns[key]; c != nil {
			c.known = true
			if c.client != e.Client && !c.synSeen {
				// The roles were guessed from the ports: decode read
				// them from the lines. (With the SYN seen, the SYN's
				// direction is the kernel's, whatever the lines say.)
				h.drop(key, c)
				if c = h.start(key, e.Client, e.Server, c.pickedUp); c != nil {
					c.known = true
				}
			}
		}
	}
	if e.Kind == decode.ControlClose {
		if c := h.conns[key]; c != nil {
			// A dropped segment whose line never went on.
			h.resolveDrop(c, nfhelper.ClientToServer)
			h.resolveDrop(c, nfhelper.ServerToClient)
		}
	}
	h.next.Control(e)
	if e.Kind == decode.ControlClose {
		if c := h.conns[key]; c != nil && !h.keepClosed(key, c, e) {
			h.drop(key, c)
		}
	}
}

// keepClosed keeps the live expectation of c, whose control connection
// decode closed (e), for as long as the kernel's conntrack entry stays
// (masterAfterFIN, masterAfterRST), and reports whether it did; the
// connection itself is forgotten.
func (h *helperLayer) keepClosed(key decode.ConnKey, c *helperConn, e *decode.ControlEvent) bool {
	var linger time.Duration
	switch e.Closed {
	case decode.CloseFIN:
		linger = masterAfterFIN
	case decode.CloseRST:
		linger = masterAfterRST
	default:
		return false
	}
	if !c.expKey.dst.IsValid() {
		return false
	}
	last := e.LastSeen
	if last.IsZero() {
		last = e.TS
	}
	c.closedAt, c.masterGone = last, last.Add(linger)
	h.forget(key, c)
	if len(h.closed) >= helperMaxConns {
		h.limits.ClosedForgotten++
		old := h.closed[0]
		h.unindex(old)
		h.unspend(old)
		h.closed[0] = nil
		h.closed = h.closed[1:]
	}
	h.closed = append(h.closed, c)
	return true
}

// closedGone tells whether c's control connection closed and its
// conntrack entry, with its expectation, is gone by ts; and when so,
// takes the expectation out of the index, spent for that reason.
func (h *helperLayer) closedGone(c *helperConn, ts time.Time) bool {
	if c.masterGone.IsZero() || !ts.After(c.masterGone) {
		return false
	}
	if c.expKey.dst.IsValid() {
		key := c.expKey
		e, _ := c.sim.Expectation(time.Time{})
		h.unindex(c)
		h.setSpent(c, spentExp{key: key, exp: e,
			why: fmt.Sprintf("its expectation %s went with its control connection's conntrack entry, which the kernel keeps %s after the control connection closed", e, c.masterGone.Sub(c.closedAt).Round(time.Second))})
	}
	return true
}

// sweepClosed lets go of the closed control connections whose entry went
// (their expectation spent) and whose expectation would have timed out by
// now anyway.
func (h *helperLayer) sweepClosed(now time.Time) {
	h.closed = slices.DeleteFunc(h.closed, func(c *helperConn) bool {
		if !h.closedGone(c, now) || now.Sub(c.masterGone) < nfhelper.ExpectTimeout {
			return false
		}
		h.unspend(c)
		return true
	})
}

func (h *helperLayer) drop(key decode.ConnKey, c *helperConn) {
	h.forget(key, c)
	h.unindex(c)
	h.unspend(c)
}

// forget takes c out of the tables of live connections.
func (h *helperLayer) forget(key decode.ConnKey, c *helperConn) {
	delete(h.conns, key)
	if c.hasTwin {
		// Both copies are one conntrack.
		for _, k := range []decode.ConnKey{decode.MakeConnKey(c.client, c.server), c.twinKey} {
			if h.conns[k] == c {
				delete(h.conns, k)
			}
		}
	}
	if id := (synID{c.client, c.synISN}); c.synSeen && h.bySYN[id] == c {
		delete(h.bySYN, id)
	}
}

// unindex removes c's expectation from the index (another connection may
// have taken the key since).
func (h *helperLayer) unindex(c *helperConn) {
	for _, k := range [...]expKey{c.expKey, c.followKey} {
		if !k.dst.IsValid() {
			continue
		}
		l := h.expect[k]
		for i, lc := range l {
			if lc == c {
				l = append(l[:i:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(h.expect, k)
		} else {
			h.expect[k] = l
		}
	}
	c.expKey, c.followKey = expKey{}, expKey{}
}

// looseFollowed reports whether r is a loose=1 expectation (an announced
// address other than the sender's, trusted) whose sender the capture
// shows at its own address, on its side of the NAT between the two
// hosts (seenUntranslatedAt), and not already NATed in the simulation:
// the router in front of the announcer matches the data SYN at the
// announced address and nf_nat_follow_master sends it on to the
// announcer's own address (the master's tuple source in the
// announcement's direction) with the expectation's port, which is what
// this capture shows.
func looseFollowed(c *helperConn, r nfhelper.Result) bool {
	return r.Action == nfhelper.Expected && !r.Rewrite.Done && !c.hasTwin &&
		r.Announced.Addr().Unmap() != r.Sender.Unmap() && r.Expect.Dst.Unmap() != r.Sender.Unmap() &&
		seenUntranslatedAt(c.client, c.server, c.hops(), r.Dir, r)
}

// hops is what the TTLs of c's control connection told the tracker so
// far (none before its session is known).
func (c *helperConn) hops() decode.Hops {
	if c.sess == nil {
		return 0
	}
	return c.sess.Hops
}

// Tick implements decode.Handler.
func (h *helperLayer) Tick(now time.Time) {
	if now.Sub(h.swept) >= helperIdle {
		h.swept = now
		for key, c := range h.conns {
			if !c.known && now.Sub(c.lastSeen) >= helperIdle {
				h.drop(key, c)
			}
		}
		h.forgetTwins(now)
		h.sweepClosed(now)
	}
	h.next.Tick(now)
}

// forgetTwins keeps of openedSYN the SYNs of the last twinWait, in a new
// map: a map does not shrink.
func (h *helperLayer) forgetTwins(now time.Time) {
	kept := map[synID]time.Time{}
	for id, at := range h.openedSYN {
		if now.Sub(at) < twinWait {
			kept[id] = at
		}
	}
	h.openedSYN = kept
}

// Finish implements decode.Handler.
func (h *helperLayer) Finish() {
	h.next.Finish()
	if h.notes != nil && (h.limits.ConnsSkipped > 0 || h.limits.DataSkipped > 0) {
		fmt.Fprintf(h.notes, "ftpsniff: --helper linux: %s, %s (tables full)\n",
			counted(int64(h.limits.ConnsSkipped), "control connection{s} not simulated"), counted(int64(h.limits.DataSkipped), "data verdict{s} not kept"))
	}
	if h.notes != nil && h.limits.ClosedForgotten > 0 {
		fmt.Fprintf(h.notes, "ftpsniff: --helper linux: %s\n", counted(int64(h.limits.ClosedForgotten),
			fmt.Sprintf("closed control connection{'s expectation|s' expectations} let go before {its|their} conntrack entry would have gone (%d kept at once): a data connection to one after that reads as blocked", helperMaxConns)))
	}
}

// SessionStart implements track.Sink.
func (h *helperLayer) SessionStart(s *track.Session) {
	if c := h.conns[decode.MakeConnKey(s.Client, s.Server)]; c != nil && c.sess == nil {
		c.sess = s
	}
	h.sink.SessionStart(s)
}

// Command implements track.Sink: the announcement's simulation becomes
// findings about the command, and is kept for its data connection.
func (h *helperLayer) Command(s *track.Session, c *track.Command) {
	if c.EndpointVia != 0 && !c.Unconfirmed() { // (not taken: track/unconfirmed.go)
		h.announcement(s, c)
	}
	h.sink.Command(s, c)
}

func (h *helperLayer) announcement(s *track.Session, c *track.Command) {
	hc := h.conns[decode.MakeConnKey(s.Client, s.Server)]
	if hc == nil {
		return
	}
	hc.sess = s
	dir := nfhelper.ClientToServer
	if c.EndpointVia.Passive() {
		dir = nfhelper.ServerToClient
	}
	n := hc.last[dir]
	hc.last[dir] = annNote{}
	// second: the twin copy's session, whose announcement the other
	// copy's session took first: its data is judged by the same note,
	// and the announcement's finding is not said twice.
	second := false
	if hc.hasTwin {
		switch {
		case n.set:
			hc.twinNote[dir], hc.twinSess[dir] = n, s
		case hc.twinNote[dir].set && hc.twinSess[dir] != s:
			n, second = hc.twinNote[dir], true
			hc.twinNote[dir], hc.twinSess[dir] = annNote{}, nil
		}
	}
	if d := &hc.drop[dir]; d.set && n.set && n.res.Seq == d.seq {
		*d = pendingDrop{} // its verdict goes with the command
		hc.dropSaid[dir], hc.dropSaidOK[dir] = n.res.Seq, true
	}
	if !n.set {
		return
	}
	if c.Refused {
		if n.res.Evicted && len(c.Replies) > 0 {
			// Its expectation replaced the one before all the same:
			// the reason given for that one names the refusal.
			last := &c.Replies[len(c.Replies)-1]
			for i := range hc.spent {
				if sp := &hc.spent[i]; sp.by == n.num {
					sp.why = replacedWhy(sp.exp, sp.byKind, sp.by, quoteReply(last))
				}
			}
		}
		// A refused announcement expects nothing, helper or not; but a
		// PORT/EPRT the helper could not see is one a NAT router with
		// the helper left as the client wrote it: that may be why it was
		// refused, and the helper is attached all the same.
		if f := h.refusedUnseen(s, c, n, dir); f != nil {
			// The diagnoser, told before it judges the command, does
			// not advise attaching the helper that is attached.
			if b, ok := h.sink.(interface {
				HelperBlind(*track.Session, *track.Command, string)
			}); ok {
				b.HelperBlind(s, c, n.res.Missed[0].Why.String())
			}
			if !second {
				h.rep.Finding(f)
			}
		}
		return
	}
	r := n.res
	// guess: the NAT hypothesis is worth saying (a private address, on
	// the side of the capture where the sender is seen translated);
	// natEvident: the addresses show that NAT, so it is the verdict, for
	// the data connection too.
	guess := n.hypSet && r.Action == nfhelper.NotRecorded && r.Announced.Addr().IsPrivate() && !h.seenUntranslated(s, dir, r)
	n.natVerdict = guess && natEvident(r)
	n.guess = guess
	// (A private address keeps the NAT hypothesis its advice names.)
	n.bounce = dir == nfhelper.ClientToServer && r.Action == nfhelper.NotRecorded && !guess && h.bounce != nil && h.bounce(s, r.Announced, c.Data)
	if c.Data != nil {
		if len(h.armed) < helperMaxDataNotes {
			h.armed[c.Data] = n
		} else {
			h.limits.DataSkipped++
		}
	}
	if second {
		return
	}
	f := &diagnose.Finding{Session: s, Command: c, TS: c.TS, Packets: []uint64{n.num}, Evidence: "helper saw: " + quoteWire(n.text)}
	if len(c.Replies) > 0 && dir == nfhelper.ServerToClient {
		f.TS = c.Replies[len(c.Replies)-1].TS
	}
	switch {
	case r.Action == nfhelper.CutUnknown:
		// The capture cut the announcement (its numbers run into the
		// snap length): what the router saw decides, not what the
		// capture holds. No verdict.
		return
	case r.Action == nfhelper.PartialDrop:
		f.Code, f.Severity = CodeHelperDrop, diagnose.SeverityError
		f.Message = fmt.Sprintf("a Linux router with the FTP helper would drop this segment (%s: %s), and every retransmission of it: the session would stall", r.KernelLog(), r.PartialReason())
		f.Advice = "make the server send the announcement in one segment in the form the helper parses, or open the data ports without the helper"
		if dir == nfhelper.ServerToClient && r.Kind == nfhelper.KindPASV && ipv6Control(s) {
			// ProFTPD's 227 on IPv6 names the port alone
			// ("(1,156,108)"): no server setting makes it six numbers.
			f.Advice = h.epsvOnlyAdvice(s) + "; or open the server's passive port range without the helper"
		}
		if dir == nfhelper.ClientToServer {
			// The client split its PORT/EPRT: the server has nothing to
			// change.
			f.Advice = "make the client send its PORT/EPRT in one segment in the form the helper parses, or use passive mode on the client"
		}
		if r.WrongFamily != 0 {
			// Not a split: the helper reads only the connection's own
			// family in an EPRT.
			f.Advice = "make the client name an address of the control connection's family in its EPRT (|1| on IPv4, |2| on IPv6), or use passive mode on the client"
		}
		if tabAfterVerb(n) {
			f.Message += fmt.Sprintf(". The client ended the verb with a TAB, not a space: the helper does not recognise the %s, as it needs a space after the verb (ProFTPD runs the TAB form; vsftpd and Pure-FTPd do not know it)", r.Kind)
			f.Advice = fmt.Sprintf("make the client write a space after %s, or use passive mode on the client", r.Kind.Pattern())
		}
	case r.Action == nfhelper.Expected && r.Rewrite.Done:
		f.Code, f.Severity = CodeHelperRewrite, diagnose.SeverityInfo
		f.Message = fmt.Sprintf("the helper would rewrite this %s to %s (%+d bytes) and expect %s", r.Kind, r.Rewrite.Text(), r.Rewrite.Delta(), r.Expect)
	case r.Action == nfhelper.Expected:
		return // the helper would open it: said with the data connection
	case r.Action == nfhelper.NotRecorded && n.bounce:
		f.Code, f.Severity = CodeHelperIgnored, diagnose.SeverityInfo
		f.Message = fmt.Sprintf("the Linux helper would create no expectation for this %s, as it should: it names %s, another host than the client %s (an FTP bounce: see ftp-bounce), and the helper expects only the sender's own address (loose=0), so a router with it would not let the server's connection there through as RELATED",
			r.Kind, r.Announced.Addr(), r.Sender)
		f.Advice = "nothing to change for the helper: it refuses what it should; see ftp-bounce for the server that accepted the " + r.Kind.String()
	case r.Action == nfhelper.NotRecorded:
		f.Code, f.Severity = CodeHelperIgnored, diagnose.SeverityWarning
		noExp := fmt.Sprintf("the Linux helper would create no expectation: the %s announces %s, but the sender's address as the router sees it is %s (loose=0), so the %s data connection would not be RELATED",
			r.Kind, r.Announced.Addr(), r.Sender, announcedPeer(dir))
		f.Message = noExp
		if dir == nfhelper.ServerToClient && h.seenUntranslated(s, dir, r) {
			// The capture sees the server at its own address: the 227
			// names the address the clients reach it at through a NAT
			// (its passive address setting), which the helper of the
			// router in front of it does not trust (loose=0).
			f.Message += fmt.Sprintf(". This capture is on the server's side: %s is the server's own address, and %s the address its passive address setting names, meant as the one clients reach it at, which the helper of a NAT router in front of it does not take for the server's", r.Sender, r.Announced.Addr())
		}
		f.Advice = h.notRecordedAdvice(s, dir, r, guess)
		if guess {
			// A private address announced by a sender seen at another:
			// perhaps a NAT in between, which the helper would
			// translate. (A public address is a third host: a bounce,
			// not a NAT.)
			router, translation := natGuess(dir, r)
			rewrite := fmt.Sprintf("this %s to %s and expect %s", r.Kind, n.hyp.Rewrite.Text(), n.hyp.Expect)
			attach := h.attachHelper(s)
			if n.natVerdict {
				f.Code, f.Severity = CodeHelperRewrite, diagnose.SeverityInfo
				f.Message = fmt.Sprintf("%s translating %s with the FTP helper attached would rewrite %s", router, translation, rewrite)
				switch {
				case dir == nfhelper.ServerToClient && hairpinShape(s, r):
					// The server on the client's own network, reached
					// through the router: the public address alone
					// sends the client to the router, which must then
					// forward the passive range and loop it back too.
					a := r.Announced.Addr()
					if bridgedHairpin(s, r) {
						f.Message += fmt.Sprintf(". Every segment of both sides came with a host's initial TTL: the client's put this capture on its side, and no router lowered the server's, so the box that translates %s to %s does not route them (a bridge with netfilter, say) while it translates: a hairpin NAT, the server on the client's own network", r.Sender, a)
					}
					f.Advice = fmt.Sprintf("attach the helper on the NAT router (%s); or have the clients on the server's own network reach it at its inside address %s (split DNS), so that no router is in between; or set the server's public address (%s) and have the router forward the passive range to %s and loop it back masqueraded (hairpin NAT), as it does the control port", attach, a, h.addrName(s), a)
				case dir == nfhelper.ServerToClient:
					f.Advice = "attach the helper on the NAT router (" + attach + "), or set the server's public address (" + h.addrName(s) + ")"
				default:
					f.Advice = "attach the helper on the NAT router in front of the client (" + attach + "), or use passive mode on the client"
				}
			} else if dir == nfhelper.ServerToClient && routedOnLAN(s, r) {
				// The TTLs put a router in front of the server though
				// the client dials an address of its own network: that
				// address is most likely the router's, forwarding the
				// control port, and the announced one a wrong passive
				// address setting, which no helper follows.
				f.Message = fmt.Sprintf("%s. The client reaches %s on its own network, but the server's segments come through a router (their TTL lowered on the way): most likely %s is that router's own address, forwarding port %d to the server behind it, and %s is what the server's passive address setting names, not the server's own address, the one the helper there expects. Only if the server itself is at %s, looped back to by that router, would the FTP helper attached there rewrite %s",
					noExp, r.Sender, r.Sender, s.Server.Port(), r.Announced.Addr(), r.Announced.Addr(), rewrite)
			} else {
				// Both addresses on one private network: nothing in
				// the capture shows a NAT, so the no-expectation
				// verdict stands and the NAT is the alternative.
				f.Message = fmt.Sprintf("%s. Only if %s translates %s would the FTP helper attached there rewrite %s", noExp, router, translation, rewrite)
			}
		}
	case r.NMissed > 0:
		m := r.Missed[0]
		f.Code, f.Severity = CodeHelperIgnored, diagnose.SeverityWarning
		f.Message = fmt.Sprintf("the Linux helper would not see this %s: %s", m.Kind, m.Why)
		switch {
		case m.Why == nfhelper.MissUnsupported && dir == nfhelper.ServerToClient:
			f.Advice = "the Linux helper has no parser for the 228 reply (LPSV, RFC 1639): have the client use PASV or EPSV, or open the server's passive port range without the helper"
		case m.Why == nfhelper.MissUnsupported:
			f.Advice = "the Linux helper has no parser for LPRT (RFC 1639): have the client use PORT or EPRT (or passive mode), or open the data ports without the helper"
		default:
			f.Advice = "the helper reads only the first line of a segment that starts after a newline; a server or client that sends the announcement with other text in one segment defeats it"
		}
	default:
		return
	}
	f.Message += n.notes()
	h.rep.Finding(f)
}

// notRecordedAdvice is the advice on an announcement r of dir the helper
// creates no expectation for (loose=0: it names another address than the
// sender's), and on its data connection, unless the NAT hypothesis is the
// verdict (annNote.natVerdict); guess: the hypothesis is worth naming.
func (h *helperLayer) notRecordedAdvice(s *track.Session, dir nfhelper.Dir, r nfhelper.Result, guess bool) string {
	attach := h.attachHelper(s)
	server := dir == nfhelper.ServerToClient
	if server && r.Kind == nfhelper.KindPASV && ipv6Control(s) {
		// A 227 on an IPv6 control connection: no address it can carry
		// is the one the client reaches the server at (vsftpd's
		// 0,0,0,0, the IPv4 address a NAT64 address embeds), so no
		// address setting nor helper mends it.
		return h.epsvOnlyAdvice(s)
	}
	switch {
	case server && h.seenUntranslated(s, dir, r):
		// (This capture cannot check the setting: the address clients
		// reach is beyond the router. A wrong one is not mended by the
		// range forwarded: rv-nat pasvaddr-wrong with its DNAT failed.)
		return fmt.Sprintf("nothing to change if %s is the address clients reach the server at and the router forwards the passive port range to the server and accepts it without the helper (if it is not, forwarding the range does not help: set it right); to have the helper open it instead, make the server announce its own address %s (%s unset) and attach the helper on the NAT router (%s), whose nf_nat_ftp rewrites the 227 (not under FTPS)",
			r.Announced.Addr(), r.Sender, h.addrName(s), attach)
	case guess && server && routedOnLAN(s, r):
		// The router the TTLs show forwards the control port (rv-nat
		// pasvaddr-wrong): the address set to the router's alone is
		// its own RST (pasvaddr-public); unset, the helper rewrites
		// the server's own address and expects the data connection
		// (assigned21); set, the range must be forwarded too.
		return fmt.Sprintf("leave the server's passive address unset (%s): it then announces its own address, which the FTP helper on that router rewrites to %s (nf_nat_ftp) and expects, so the data connection is RELATED (not under FTPS; attach the helper there if it is not: %s); or set it to %s and also forward (DNAT) the passive port range on that router to the server and accept it in its forward chain: setting the address alone does not do, as the helper (loose=0) expects nothing for an address other than the server's own and a router that forwards port %d only answers the passive ports itself",
			h.addrName(s), r.Sender, attach, r.Sender, s.Server.Port())
	case guess && server:
		return "make the server announce " + r.Sender.String() + " (" + h.addrName(s) + "); or, if a NAT router forwards " + r.Sender.String() + " to the server, attach the helper there (" + attach + ")"
	case guess:
		return "make the client announce its own address " + r.Sender.String() + ", or use passive mode on the client; or, if a NAT router translates the client's address, attach the helper there (" + attach + ")"
	}
	// A public address, the unspecified one, or another host's: the
	// announcer's own is what the helper expects, and what nf_nat_ftp on
	// a NAT router in front of it rewrites to the address outside. The
	// capture names it only where it sees the announcer at its own.
	own := "its own address"
	if announcerSeenOwn(s, dir) {
		own += " " + r.Sender.String()
	}
	if server {
		return fmt.Sprintf("make the server announce %s in its 227 (%s): the helper expects that, and a Linux NAT router in front of the server with the helper attached (%s) rewrites it to the address clients reach (nf_nat_ftp; not under FTPS); or have the client use EPSV, whose 229 names no address",
			own, h.addrName(s), attach)
	}
	fix := fmt.Sprintf("make the client announce %s in its %s (turn off its external IP address setting for active mode, which FileZilla and WinSCP have): the helper expects that, and a Linux NAT router in front of the client with the helper attached (%s) rewrites it to the router's public address (nf_nat_ftp); or use passive mode on the client",
		own, r.Kind, attach)
	if a := r.Announced.Addr().Unmap(); !diagnose.Local(r.Sender.Unmap()) && !diagnose.Local(a) {
		// A client seen at a public address naming another: its stale
		// external IP setting, or another host on purpose.
		return fmt.Sprintf("nothing to change in the firewall if the %s names another host on purpose (a server-to-server transfer) or is an FTP bounce: the helper rightly expects nothing for it; if %s is meant to be the client's own public address (its external IP address setting for active mode), %s", r.Kind, a, fix)
	}
	return fix
}

// ipv6Control: s's control connection is IPv6, where a 227 cannot carry
// the address the client reaches the server at.
func ipv6Control(s *track.Session) bool { return s.Server.Addr().Unmap().Is6() }

// epsvOnlyAdvice is the helper's advice on a 227 of s, an IPv6 control
// connection: EPSV, whose 229 names the port alone and which the helper
// reads, allowed in the server when it refused it in the session; never
// an address setting (vsftpd answers every PASV "500 OOPS: invalid
// pasv_address" when pasv_address names an IPv6 address).
func (h *helperLayer) epsvOnlyAdvice(s *track.Session) string {
	a := fmt.Sprintf("have the client use EPSV (RFC 2428), whose 229 names the port alone and which the helper reads: a 227 carries only an IPv4 address, so on this IPv6 control connection no server setting makes it name %s, where the client reaches the server", s.Server.Addr().Unmap())
	for _, c := range s.Commands {
		// (Not a line taken for a password: the server read it as one,
		// or as junk, not as an EPSV.)
		if r := c.Final(); c.Verb == "EPSV" && !c.Secret && r != nil && r.Code >= 400 {
			where := ""
			if h.epsvAllow != nil {
				where = h.epsvAllow(s)
			}
			a += fmt.Sprintf("; the server refused EPSV here (%s): allow it%s", quoteReply(r), where)
			break
		}
	}
	return a
}

// refusedUnseen is the helper's verdict on a PORT/EPRT the server
// refused that the helper would not have seen (not at the start of its
// segment, the first segment of its direction, one that does not start
// after a remembered newline, or LPRT): the kernel creates no
// expectation and nf_nat_ftp, which rewrites only what the helper
// matched, leaves the address as the client wrote it. nil: the helper
// saw it (what it did with a refused announcement does not matter).
func (h *helperLayer) refusedUnseen(s *track.Session, c *track.Command, n annNote, dir nfhelper.Dir) *diagnose.Finding {
	r := n.res
	if dir != nfhelper.ClientToServer || r.Kind != nfhelper.KindNone || r.NMissed == 0 || r.Action == nfhelper.PartialDrop || r.Action == nfhelper.CutUnknown {
		return nil
	}
	m := r.Missed[0]
	f := &diagnose.Finding{Code: CodeHelperIgnored, Severity: diagnose.SeverityWarning, Session: s, Command: c, TS: c.TS,
		Packets: []uint64{n.num}, Evidence: "helper saw: " + quoteWire(n.text)}
	reply := ""
	if len(c.Replies) > 0 {
		last := &c.Replies[len(c.Replies)-1]
		reply = fmt.Sprintf(" (%s)", quoteReply(last))
		f.Packets = append(f.Packets, last.Num)
	}
	f.Message = fmt.Sprintf("the Linux helper would not see this %s: %s, so it would create no expectation for it, and nf_nat_ftp, which rewrites only what the helper matched, would leave its address as the client wrote it", m.Kind, m.Why)
	announced := c.Endpoint.Addr().Unmap()
	cli := s.Client.Addr().Unmap()
	if announced.IsValid() && diagnose.Local(announced) && (announced != cli || (diagnose.Local(cli) && !diagnose.Local(s.Server.Addr().Unmap()))) {
		f.Message += fmt.Sprintf(". The server refused it%s: through a NAT router in front of the client, the helper attached there or not, the server gets the client's own address %s, not the one it sees the control connection come from", reply, announced)
	} else {
		f.Message += fmt.Sprintf(". The server refused it%s", reply)
	}
	switch {
	case m.Why == nfhelper.MissUnsupported:
		f.Advice = "the Linux helper has no parser for LPRT (RFC 1639): have the client use PORT or EPRT (or passive mode), or open the data ports without the helper"
	case m.Why == nfhelper.MissMidSegment:
		f.Advice = "the helper is attached (--helper linux) and does not see it, so attaching it is no fix: make the client send the PORT/EPRT at the start of its own segment, after waiting for the reply to the command before it (lftp: set ftp:sync-mode on, which is off by default and sends several commands in one segment), or use passive mode on the client"
	default:
		f.Advice = "the helper is attached (--helper linux) and does not see it, so attaching it is no fix: make the client send the PORT/EPRT in a segment of its own that follows a complete line, or use passive mode on the client"
	}
	f.Message += n.notes()
	return f
}

// seenUntranslated reports whether the capture shows the announcer at
// its own address, on its side of any NAT between the two hosts: then the
// announcer is not behind a NAT at the announced address as the capture
// sees it, and the NAT hypothesis does not apply. For a 227, the server's
// side, as the diagnoser places it: a server at a non-public address
// talking to a public client, or a private server announcing a private
// address on the client's network (/24, /64) and not its own (the
// address the client reaches through a DNAT), unless the TTLs show a
// router between the server and the capture point (hops, the control
// connection's decode.Hops): then the capture is not on the server's
// side, and the address on the client's network is the server's own,
// behind a router the client dials (a hairpin NAT). Nor is it when every
// client segment came with a host's initial TTL: on the server's side
// of that DNAT the client's segments would have crossed it; with both
// sides' TTLs initial the translating box does not route (a bridge
// with netfilter: rv-nat hairpin-pasv-trust, every TTL 64 on the
// client's capture), and nothing shows the capture behind it. For a
// PORT, the client's side: a non-public client talking to a public
// server.
func (h *helperLayer) seenUntranslated(s *track.Session, dir nfhelper.Dir, r nfhelper.Result) bool {
	return seenUntranslatedAt(s.Client, s.Server, s.Hops, dir, r)
}

// seenUntranslatedAt is seenUntranslated for a control connection from
// client to server whose segments' TTLs told hops.
func seenUntranslatedAt(client, server netip.AddrPort, hops decode.Hops, dir nfhelper.Dir, r nfhelper.Result) bool {
	cli, srv := client.Addr().Unmap(), server.Addr().Unmap()
	local := diagnose.Local
	if dir == nfhelper.ClientToServer {
		return local(cli) && !local(srv)
	}
	if !local(cli) && local(srv) {
		return true
	}
	a := r.Announced.Addr().Unmap()
	return local(a) && local(cli) && local(srv) && diagnose.SameNet(a, cli) && !diagnose.SameNet(a, srv) && !hops.Beyond(true) && !hops.Direct(false)
}

// routedOnLAN reports whether r, a 227 of s, names an address of the
// network the client reaches the control address on (its own: /24,
// /64) while every server segment came with a lowered TTL (s.Hops): the
// control address is most likely a NAT router's own on the client's
// network, forwarding the control port to the server behind it, and the
// announced address a wrong passive address setting (rv-nat
// pasvaddr-wrong: 10.99.1.77 announced, 10.99.1.1 dialled from
// 10.99.1.2, the server's segments with TTL 63).
func routedOnLAN(s *track.Session, r nfhelper.Result) bool {
	cli, srv, a := s.Client.Addr().Unmap(), s.Server.Addr().Unmap(), r.Announced.Addr().Unmap()
	return diagnose.Local(a) && diagnose.SameNet(cli, srv) && diagnose.SameNet(a, srv) && s.Hops.Beyond(true)
}

// hairpinShape reports whether r, a 227 of s, names an address on the
// client's own network while the TTLs show a router between the capture
// and the control address (s.Hops): the server is on the client's
// network, and the client reaches it through the router's address (a
// hairpin NAT).
func hairpinShape(s *track.Session, r nfhelper.Result) bool {
	a := r.Announced.Addr().Unmap()
	return diagnose.Local(a) && diagnose.SameNet(a, s.Client.Addr().Unmap()) && (s.Hops.Beyond(true) || bridgedHairpin(s, r))
}

// bridgedHairpin reports whether r, a 227 of s naming an address of the
// client's own network while the client dials an address of another,
// came with every segment of both sides at a host's initial TTL: no
// router lowered either, so the box that translates the control address
// does not route (a bridge with netfilter, br_netfilter: rv-nat
// hairpin-pasv-trust), and the client's unrouted segments put the
// capture on the client's side of it: the server is on the client's
// network, reached through that box's address.
func bridgedHairpin(s *track.Session, r nfhelper.Result) bool {
	a, cli, srv := r.Announced.Addr().Unmap(), s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	return diagnose.Local(a) && diagnose.SameNet(a, cli) && !diagnose.SameNet(a, srv) && s.Hops.NoRouter()
}

// cutNote qualifies a verdict that depends on a segment the capture cut
// at the snap length.
func cutNote(num uint64) string {
	return fmt.Sprintf(" (this assumes packet %d, which the capture cut at the snap length, ended a line: if it did not, the helper does not search the announcement's segment, and the capture cannot tell)", num)
}

// announcedPeer names who opens the data connection an announcement of
// dir asks for.
func announcedPeer(dir nfhelper.Dir) string {
	if dir == nfhelper.ServerToClient {
		return "client's"
	}
	return "server's"
}

// natGuess names the router and the translation it would make for the
// announcement r of dir to be the sender's own address: for a 227/229, a
// DNAT of the address the client connects to (r.Sender) to the server's
// (r.Announced); for a PORT/EPRT, an SNAT of the client's own address
// (r.Announced) to the one the server sees (r.Sender).
func natGuess(dir nfhelper.Dir, r nfhelper.Result) (router, translation string) {
	if dir == nfhelper.ServerToClient {
		return "a Linux router in front of the server", fmt.Sprintf("connections for %s to the server at %s (DNAT)", r.Sender, r.Announced.Addr())
	}
	return "a Linux router in front of the client", fmt.Sprintf("the client's address %s to %s (SNAT or masquerade)", r.Announced.Addr(), r.Sender)
}

// natEvident reports whether the addresses alone show a NAT between the
// announcer and the router: a private address announced by a sender seen
// at a public one, or on another private network (another /24, /64 for
// IPv6). Two addresses of one private network are more likely a host
// naming another (a bounce, a misconfigured address) than a NAT.
func natEvident(r nfhelper.Result) bool {
	a, snd := r.Announced.Addr().Unmap(), r.Sender.Unmap()
	if !a.IsPrivate() {
		return false
	}
	if !snd.IsPrivate() {
		return true
	}
	return !diagnose.SameNet(a, snd)
}

// attachHelper is how to attach the FTP helper on a Linux router to the
// session's control connection, at the server's own port: the nftables
// helper object with its chain (diagnose.NFTHelperTable), or the
// iptables raw-table rule (ip6tables for IPv6).
// Where the capture may see the control port after a router's DNAT
// changed it (diagnose.PortMayBeTranslated), it says so: the rule must match the
// port clients dial, which the router sees before its DNAT.
func (h *helperLayer) attachHelper(s *track.Session) string {
	port := s.Server.Port()
	a := "nftables: " + diagnose.NFTHelperTable(port) + "; or " + diagnose.IptablesHelperRule(port, s.Server.Addr().Unmap().Is6())
	if diagnose.PortMayBeTranslated(s) {
		a += fmt.Sprintf("; %d is the control port as this capture sees it, which may be after a router's DNAT: the rule must match the port clients dial, as the router sees it before its DNAT", port)
	}
	return a
}

// addrName is the setting that makes the server of s announce its public
// address.
func (h *helperLayer) addrName(s *track.Session) string {
	if h.addrSetting == nil {
		return "its passive address setting"
	}
	return h.addrSetting(s)
}

// Data implements track.Sink: the data connection against the helper's
// expectation.
func (h *helperLayer) Data(s *track.Session, d *track.DataConn) {
	if held, ok := h.encHeld[s]; ok && hiddenByEncryption(s, d) {
		held.hidden = true
		held.passive = held.passive || d.Passive
		held.active = held.active || !d.Passive
		h.encHeld[s] = held
	}
	n, hasAnn := h.armed[d]
	delete(h.armed, d)
	if d.SYNs > 0 {
		key := decode.MakeConnKey(d.Client, d.Server)
		opened := h.opened[key]
		delete(h.opened, key)
		if f := h.dataFinding(s, d, opened, n, hasAnn); f != nil {
			h.rep.Finding(f)
		}
	}
	h.sink.Data(s, d)
}

func (h *helperLayer) dataFinding(s *track.Session, d *track.DataConn, opened bool, n annNote, hasAnn bool) *diagnose.Finding {
	f := &diagnose.Finding{Session: s, Data: d, TS: d.FirstSYN, Packets: []uint64{d.SYNNum}}
	syn := fmt.Sprintf("the data SYN %s -> %s", d.Client, d.Server)
	if opened {
		f.Code, f.Severity = CodeHelperOpens, diagnose.SeverityInfo
		r := n.res
		switch {
		case hasAnn && r.Action == nfhelper.Expected && !r.Rewrite.Done && d.Server.Addr().Unmap() != r.Expect.Dst.Unmap():
			// looseFollowed: seen after the router's DNAT.
			f.Message = fmt.Sprintf("%s matches the expectation %s a Linux NAT router in front of the %s with the FTP helper creates with loose=1, which trusts the announced address %s: it receives the SYN at %s and nf_nat_follow_master forwards it to %s, as this capture shows: RELATED, let through",
				syn, r.Expect, announcer(r.Dir), r.Announced.Addr(), netip.AddrPortFrom(r.Expect.Dst, d.Server.Port()), d.Server)
		case hasAnn && h.announcerHidden(s, r):
			return h.undecidedOpen(f, s, d, syn, r, n)
		default:
			f.Message = syn + " matches the expectation the Linux FTP helper would create: RELATED, let through"
		}
		if hasAnn {
			f.Message += n.notes()
		}
		return f
	}
	f.Code, f.Severity = CodeHelperBlocks, diagnose.SeverityWarning
	if d.Outcome.Failed() {
		f.Severity = diagnose.SeverityError
	}
	why := ""
	r := n.res
	switch {
	case hiddenByEncryption(s, d):
		// Before the attachment: attached or not (implicit FTPS is on
		// 990, where it seldom is), the helper could not read it. (Its
		// state now does not tell: a CCC may have come since.)
		why = "the control channel is encrypted: the helper cannot read the announcement"
	case !hasAnn && !h.attach.has(s.Server.Port()):
		why = h.notAttached(s.Server.Port())
		by := fmt.Sprintf("port %d", s.Server.Port())
		if diagnose.PortMayBeTranslated(s) {
			by += fmt.Sprintf(", or to the port it forwards to %d", s.Server.Port())
		}
		f.Advice = fmt.Sprintf("if a rule of the router attaches the helper to %s, say so with --helper-ports %s,%d; to attach it there: %s",
			by, h.attach, s.Server.Port(), h.attachHelper(s))
		if d.Outcome == track.OutcomeTransferred || d.Outcome == track.OutcomeConnected {
			// It got through: whatever is in between passed it, by a
			// helper this simulation is not told of (attached by a port
			// before a DNAT the capture does not see, say) or without
			// one. No warning that the helper would block it.
			f.Severity = diagnose.SeverityInfo
			f.Message = fmt.Sprintf("%s got through; %s. A helper on this control connection is needed only where a router lets data connections through as RELATED, attached by the port clients dial", syn, why)
			if diagnose.PortMayBeTranslated(s) {
				f.Message += fmt.Sprintf(", which may not be %d: this capture may see the control port after a router's DNAT changed it, and a single capture cannot tell", s.Server.Port())
			}
			return f
		}
	case !hasAnn && s.Midstream:
		// The capture starts mid-connection and holds no announcement
		// for it: it came before the capture, where the helper saw it
		// and this simulation did not. No verdict either way.
		return nil
	case !hasAnn && d.Passive && d.Announce != nil && d.Announce.Final() == nil:
		// Its announcement's reply is not in the capture (lost in a
		// gap; the tracker took the port from the client's SYN): the
		// router saw it, this simulation did not. No verdict either way.
		return nil
	case !hasAnn && diagnose.HelperNoSpace(d) != "":
		why = "the helper found no announcement for it: " + diagnose.HelperNoSpace(d)
	case !hasAnn:
		why = "the helper found no announcement for it"
	case r.Action == nfhelper.CutUnknown:
		// The capture cut the announcement where the helper's parser
		// was still reading: the router saw the rest, which decides.
		// No verdict either way.
		return nil
	case r.Action == nfhelper.PartialDrop && tabAfterVerb(n):
		why = fmt.Sprintf("the helper would have dropped the announcement: it did not recognise the %s, whose verb the client ended with a TAB, not the space the helper needs", r.Kind)
	case r.Action == nfhelper.PartialDrop:
		why = "the helper would have dropped the announcement (" + r.PartialReason() + ")"
	case r.Action == nfhelper.NotRecorded && n.natVerdict:
		// The verdict on the announcement is the NAT router's rewrite
		// (helper-rewrite): the data connection is judged against the
		// expectation that router would create, never against the
		// no-expectation of the untranslated view.
		return h.natDataFinding(f, syn, d, r, n.hyp.Expect, n.hyp.Rewrite.Text(), n.notes())
	case r.Action == nfhelper.NotRecorded && n.bounce && h.bounce(s, r.Announced, d):
		// The refusal a bounce deserves: info, nothing to advise away
		// (asked again: the connection may have gone to the client).
		f.Severity = diagnose.SeverityInfo
		f.Message = fmt.Sprintf("a Linux router with the FTP helper would not let %s through, as it should: the %s named %s, another host than the client %s (an FTP bounce: see ftp-bounce), so no expectation was created (loose=0)",
			syn, r.Kind, r.Announced.Addr(), r.Sender) + n.notes()
		f.Advice = "nothing to change for the helper: it refuses what it should; see ftp-bounce for the server that accepted the " + r.Kind.String()
		return f
	case r.Action == nfhelper.NotRecorded:
		why = fmt.Sprintf("the announcement named %s, not the sender's address %s, so no expectation was created (loose=0)", r.Announced.Addr(), r.Sender)
		f.Advice = h.notRecordedAdvice(s, r.Dir, r, n.guess)
	case r.Action == nfhelper.Expected && r.Rewrite.Done && !nfhelper.Matches(r.Expect, nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: d.Client, Dst: d.Server, Time: d.FirstSYN}):
		// A NATed simulation (the two copies of -i any): the peer
		// follows the rewritten announcement.
		return h.natDataFinding(f, syn, d, r, r.Expect, r.Rewrite.Text(), n.notes())
	case r.Action == nfhelper.Expected:
		m := nfhelper.Match(r.Expect, nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: d.Client, Dst: d.Server, Time: d.FirstSYN})
		if m == nfhelper.MatchOK {
			why = "its expectation " + r.Expect.String() + " was replaced by a later announcement or used by another connection first"
			k := expKeyOf(r.Expect.Src, netip.AddrPortFrom(r.Expect.Dst, r.Expect.DstPort))
			if sc := h.spent[k]; sc != nil {
				// What became of it, when known: the later announcement
				// that replaced it (named), the connection that used
				// it, or its control connection's entry that went
				// (closedGone).
				if sp := sc.spentFor(k); sp != nil && (!sc.masterGone.IsZero() || sc.sess == s && !sp.exp.Created.Before(r.Expect.Created)) {
					why = sp.why
				}
			}
		} else {
			why = fmt.Sprintf("it does not match the expectation %s: %s", r.Expect, m)
		}
	case r.NMissed > 0:
		why = fmt.Sprintf("the helper would not see the %s: %s", r.Missed[0].Kind, r.Missed[0].Why)
	default:
		why = "the helper did not act on the announcement"
	}
	f.Message = "a Linux router with the FTP helper would not open this data connection: " + syn + ": " + why
	if hasAnn {
		f.Message += n.notes()
	}
	return f
}

// announcerHidden reports whether the capture cannot tell whether the
// announcement r (an expectation to the address the sender is seen at,
// loose=0) is the one a router with the helper parsed: the address the
// capture sees the announcer at may be a NAT router's, with the
// announcer behind it, private addresses included (a router DNATing
// 10.99.1.1 to a server at 10.99.2.2). A helper on that router compares
// the announced address with the announcer's own (help():
// ct->tuplehash[dir].tuple.src, the server's real address after a
// DNAT) and, loose=0, expects nothing for an announcer that wrote the
// translated address itself; the same bytes on the wire also come from
// an announcer with that address (no NAT) or from nf_nat_ftp rewriting
// the announcer's own address, both RELATED. Only a capture that shows
// the announcer at its own address tells (announcerSeenOwn). A 229 names
// no address: the kernel takes the sender's, and expects it either way.
func (h *helperLayer) announcerHidden(s *track.Session, r nfhelper.Result) bool {
	if h.cfg.Loose || r.Action != nfhelper.Expected || r.Rewrite.Done || r.Kind == nfhelper.KindEPSV {
		return false
	}
	if c := h.conns[decode.MakeConnKey(s.Client, s.Server)]; c != nil && c.hasTwin {
		return false // the router's own capture: the simulation knows its NAT
	}
	return !announcerSeenOwn(s, r.Dir)
}

// announcerSeenOwn reports whether the capture shows the announcer of dir
// at its own address, with no NAT between it and the capture point: a
// private announcer whose segments on the control connection all came
// with a host's initial TTL (64, 128, 255: no router between it and the
// capture point, where a NAT router in front of it would have lowered the
// TTL by one), or a private announcer talking to a public peer with no
// lowered TTL (the capture on its side of any NAT, as seenUntranslatedAt
// reads the addresses). A public announcer is never taken as seen at its
// own address this way (see below).
func announcerSeenOwn(s *track.Session, dir nfhelper.Dir) bool {
	unrouted := decode.ServerUnrouted
	if dir == nfhelper.ClientToServer {
		unrouted = decode.ClientUnrouted
	}
	cli, srv := diagnose.Local(s.Client.Addr().Unmap()), diagnose.Local(s.Server.Addr().Unmap())
	own, peer := srv, cli
	if dir == nfhelper.ClientToServer {
		own, peer = cli, srv
	}
	if announcerRouted(s, dir) {
		return false // a router between it and the capture: its NAT may be there
	}
	// A host's initial TTL shows no router in between for a private
	// announcer only: a public address may be a NAT on the announcer's
	// own host (local delivery lowers no TTL), a device that does not
	// lower it (a firewall appliance, a cloud's 1:1 NAT) or a rule that
	// sets it.
	if s.Hops&unrouted != 0 && own {
		return true
	}
	return own && !peer
}

// undecidedOpen is the verdict on data connection d, which matched the
// expectation of announcement r as the capture shows it, when the
// capture cannot tell whether that is the announcement the router
// parsed (announcerHidden): never "RELATED" outright, and, when the
// data connection failed, the case that explains it.
func (h *helperLayer) undecidedOpen(f *diagnose.Finding, s *track.Session, d *track.DataConn, syn string, r nfhelper.Result, n annNote) *diagnose.Finding {
	who := announcer(r.Dir)
	a := r.Announced.Addr()
	setting := "the client's external IP address setting for active mode"
	if r.Dir == nfhelper.ServerToClient {
		setting = h.addrName(s)
	}
	routed := ""
	if announcerRouted(s, r.Dir) {
		routed = fmt.Sprintf(" (the %s's segments reached this capture with a lowered TTL: a router is in between)", who)
	}
	hidden := fmt.Sprintf("This capture sees the %s at %s, which may be a NAT router's address with the %s behind it%s: RELATED if no NAT is in between, or if that router's nf_nat_ftp rewrote the %s's own address to %s; not RELATED (no expectation, loose=0) if the %s wrote %s into the %s itself (%s), since that router's helper compares the announced address with the %s's own address behind it. A capture on the %s's side of that router (read --vantage with both captures) tells which; nf_conntrack_ftp loose=1 on that router trusts the announced address",
		who, a, who, routed, who, a, who, a, r.Kind, setting, who, who)
	matches := fmt.Sprintf("%s matches the expectation %s of a Linux router with the FTP helper that sees the %s as this capture does", syn, r.Expect, r.Kind)
	if !d.Outcome.Failed() {
		f.Message = matches + ". " + hidden + n.notes()
		return f
	}
	f.Code, f.Severity = CodeHelperBlocks, diagnose.SeverityWarning
	f.Message = fmt.Sprintf("a Linux router with the FTP helper may not have opened this data connection, and this capture cannot tell: %s. %s. A %s that router's helper did not take would explain the failure seen here", matches, hidden, r.Kind) + n.notes()
	if r.Dir == nfhelper.ServerToClient {
		f.Advice = fmt.Sprintf("if the server sits behind a Linux NAT router with the FTP helper: make it announce its own address (unset %s) so that nf_nat_ftp rewrites the 227 to %s, or set loose=1 on that router (echo 1 > /sys/module/nf_conntrack_ftp/parameters/loose: "+looseScope+"), or forward the passive port range to the server without the helper", h.addrName(s), a)
	} else {
		f.Advice = fmt.Sprintf("if the client sits behind a Linux NAT router with the FTP helper: make it announce its own address (turn off its external IP setting for active mode) so that nf_nat_ftp rewrites the %s to %s, or set loose=1 on that router (echo 1 > /sys/module/nf_conntrack_ftp/parameters/loose: "+looseScope+"), or use passive mode on the client", r.Kind, a)
	}
	return f
}

// looseScope is what nf_conntrack_ftp's loose=1 changes besides the one
// connection: a module parameter, it holds for the whole kernel (every
// network namespace of that host), and with it the helper expects the data
// connection at whatever address a 227 or PORT names, not only at the
// announcer's own (nf_conntrack_ftp.c help(): loose skips the address
// check), so any FTP host whose control connection passes the router can
// have it let a connection through to or from another address.
const looseScope = "a kernel-wide setting, for every network namespace of that host, with which the helper expects the data connection at any address a 227 or PORT names, not only at the announcer's own, for every FTP connection it sees"

// announcerRouted reports whether a segment the announcer of dir sent on
// the control connection reached the capture with a lowered TTL: through
// a router.
func announcerRouted(s *track.Session, dir nfhelper.Dir) bool {
	if dir == nfhelper.ClientToServer {
		return s.Hops&decode.ClientRouted != 0
	}
	return s.Hops&decode.ServerRouted != 0
}

// announcer names who sent an announcement of dir.
func announcer(dir nfhelper.Dir) string {
	if dir == nfhelper.ServerToClient {
		return "server"
	}
	return "client"
}

// natDataFinding judges data connection d against the expectation of
// the NAT router that announcement n's verdict took (n.natVerdict): its
// peer follows the announcement it receives, so a SYN to the endpoint
// as announced here is one the rewritten announcement would have sent
// to the rewritten endpoint, which the expectation holds.
func (h *helperLayer) natDataFinding(f *diagnose.Finding, syn string, d *track.DataConn, r nfhelper.Result, exp nfhelper.Expectation, text, notes string) *diagnose.Finding {
	rewritten := netip.AddrPortFrom(exp.Dst, exp.DstPort)
	dst, followed := d.Server, false
	if d.Server.Addr().Unmap() == r.Announced.Addr().Unmap() && d.Server.Port() == r.Announced.Port() && d.Server != rewritten {
		dst, followed = rewritten, true
	}
	m := nfhelper.Match(exp, nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: d.Client, Dst: dst, Time: d.FirstSYN})
	if m == nfhelper.MatchOK {
		f.Code, f.Severity = CodeHelperOpens, diagnose.SeverityInfo
		f.Message = fmt.Sprintf("%s matches the expectation %s a Linux NAT router with the FTP helper would create after rewriting the %s: RELATED, let through", syn, exp, r.Kind)
		if followed {
			f.Message = fmt.Sprintf("%s went to the endpoint the %s names; a Linux NAT router with the FTP helper would rewrite that %s to %s, so the %s would connect to %s instead, which the expectation %s lets through: RELATED",
				syn, r.Kind, r.Kind, text, strings.TrimSuffix(announcedPeer(r.Dir), "'s"), rewritten, exp)
		}
		f.Message += notes
		return f
	}
	f.Message = fmt.Sprintf("a Linux router with the FTP helper would not open this data connection: %s: it does not match the expectation %s that a NAT router with the FTP helper would create after rewriting the %s: %s", syn, exp, r.Kind, m) + notes
	return f
}

// notes qualifies a verdict that rests on announcement n: picked up
// after the control connection's handshake (pickUpNote), or cut by the
// snap length (cutNote).
func (n annNote) notes() string {
	var s string
	if n.pickedUp {
		s += pickUpNote
	}
	if n.cut != 0 {
		s += cutNote(n.cut)
	}
	if n.lostLen != 0 {
		s += lostNote(n.lost, n.lostLen)
	}
	if n.res.Refill {
		s += refillNote(n.num)
	}
	return s
}

// refillNote qualifies a verdict on the segment of packet num, which
// fills a hole the capture left at a line start (Result.Refill): the
// router searched there when it saw those bytes.
func refillNote(num uint64) string {
	return fmt.Sprintf(" (packet %d fills a hole this capture left where a line began, which the router searched when it saw those bytes: this copy is judged as searched there; if an earlier whole copy passed the router and was lost beyond it, that copy had this verdict and this retransmission passed unsearched and unrewritten)", num)
}

// lostNote qualifies a verdict on the segment of packet num, which
// came after n bytes of its sender that the capture lost.
func lostNote(num uint64, n uint32) string {
	return fmt.Sprintf(" (this assumes the %d byte%s the capture lost just before packet %d, which the router saw, ended a line: if they did not, the helper does not search the announcement's segment, and the capture cannot tell)", n, plural(int(n)), num)
}

// pickUpNote qualifies a verdict on a control connection whose
// handshake the capture does not hold.
const pickUpNote = " (the capture starts after the control connection's handshake: this assumes the helper tracked it from its start, as the kernel does)"

// notAttached says that the helper is not on a control connection to
// port.
func (h *helperLayer) notAttached(port uint16) string {
	if h.attachSaid {
		return fmt.Sprintf("the helper is not attached to port %d (--helper-ports %s): nothing is expected unless a rule assigns it", port, h.attach)
	}
	return fmt.Sprintf("the simulation assumes the router's rules attach the helper to port %s only (--helper-ports, default 21), so nothing is expected for port %d; a Linux router attaches it to no port without such a rule (nft ct helper set, iptables CT --helper ftp): automatic assignment by port is off by default since Linux 4.7 and gone since 6.0", h.attach, port)
}

// Event implements track.Sink.
func (h *helperLayer) Event(s *track.Session, e *track.Event) {
	switch e.Kind {
	case track.EventEncrypted:
		h.encrypted(s, e)
	case track.EventCleartext:
		// CCC, or TLS closed: what is announced from here the helper
		// reads again.
		if held, ok := h.encHeld[s]; ok {
			held.clearNum = e.Num
			h.encHeld[s] = held
			if held.hidden {
				h.releaseEncrypted(s)
			}
		}
	}
	h.sink.Event(s, e)
}

// pendingEncryption is a tracker's encryption event whose TLS the
// simulation has not seen yet.
type pendingEncryption struct {
	sess *track.Session
	ev   track.Event
}

// encrypted raises helper-encrypted for the tracker's encryption event e
// from what the simulation sees, not from the event alone: RFC 2228
// protected commands (ENC, MIC, CONF) are on the wire at once, so at
// once; TLS only when a TLS record crosses the control connection (at
// once if one did already: implicit FTPS), since a client that goes on in
// clear after the 234 leaves every announcement readable to the helper.
// A connection the simulation does not follow keeps the tracker's word.
func (h *helperLayer) encrypted(s *track.Session, e *track.Event) {
	if e.Protected != "" {
		h.raiseEncrypted(s, h.protectedCommands(s, e, e.Protected), unprotectedRelief)
		return
	}
	c := h.conns[decode.MakeConnKey(s.Client, s.Server)]
	switch {
	case c == nil:
		h.raiseEncrypted(s, h.tlsEncrypted(s, e, 0), cccRelief)
	case c.enc:
		h.raiseEncrypted(s, h.tlsEncrypted(s, e, c.encNum), cccRelief)
	default:
		c.encPending = &pendingEncryption{sess: s, ev: *e}
	}
}

// tlsEncrypted is helper-encrypted for a control channel under TLS: e is
// the tracker's event (the 234, an implicit-FTPS connection), tlsNum the
// packet of the first TLS record the simulation saw (0: none followed).
func (h *helperLayer) tlsEncrypted(s *track.Session, e *track.Event, tlsNum uint64) *diagnose.Finding {
	f := &diagnose.Finding{Code: CodeHelperEncrypt, Severity: diagnose.SeverityWarning, Session: s, TS: e.TS,
		Packets: []uint64{e.Num},
		Message: "the helper cannot help while the control channel is encrypted: no firewall or NAT helper can read or rewrite the announcements sent under TLS (after a CCC the helper reads the clear-text lines again, from the segment after one that ends in a newline)"}
	if tlsNum != 0 {
		f.Evidence = fmt.Sprintf("a TLS record on the control connection at packet %d", tlsNum)
		if tlsNum != e.Num {
			f.Packets = append(f.Packets, tlsNum)
		}
	}
	return f
}

// protectedCommands is helper-encrypted for RFC 2228 protected commands
// (GSSAPI, as GridFTP uses): verb is the first protected command's (ENC,
// MIC or CONF). ENC and CONF carry the lines encrypted; MIC carries them
// in clear but base64-encoded under an integrity check: readable to
// anyone who decodes them, not to a helper, which matches the
// announcements at a line's start (and could not rewrite a line under
// its integrity check).
func (h *helperLayer) protectedCommands(s *track.Session, e *track.Event, verb string) *diagnose.Finding {
	how := "encrypted inside ENC or CONF commands and their 632 or 633 replies"
	if strings.EqualFold(verb, "MIC") {
		how = "inside MIC commands and their 631 replies: integrity-protected and base64-encoded, not encrypted (anyone who decodes them reads them), but the helper matches PORT, EPRT, 227 and 229 at a line's start only, and could not rewrite a line under its integrity check"
	}
	return &diagnose.Finding{Code: CodeHelperEncrypt, Severity: diagnose.SeverityWarning, Session: s, TS: e.TS,
		Packets:  []uint64{e.Num},
		Evidence: fmt.Sprintf("%s from packet %d", e.Text, e.Num),
		Message:  fmt.Sprintf("the helper cannot help while the control commands are RFC 2228 protected (%s): no firewall or NAT helper can read or rewrite the announcements, which travel %s", verb, how)}
}

// What lets a helper read the announcements again, as the advice of
// helper-encrypted ends.
const (
	cccRelief         = "use clear-text control (CCC) where policy allows"
	unprotectedRelief = "leave the control commands unprotected where policy allows"
)

// heldEncryption is a session's helper-encrypted finding whose advice
// waits for the data connection mode (helperLayer.encHeld).
type heldEncryption struct {
	f      *diagnose.Finding
	relief string // cccRelief, unprotectedRelief
	// clearNum: the packet where the control channel carried FTP text
	// again (the tracker's EventCleartext: CCC, or TLS closed); 0: not
	// (yet).
	clearNum uint64
	// hidden: a data connection was opened while the channel was
	// encrypted (hiddenByEncryption); passive, active: the modes of
	// those connections, for the advice.
	hidden, passive, active bool
}

// hiddenByEncryption reports whether data connection d of s was opened
// with no visible announcement because the control channel was
// encrypted then: the connection helper-encrypted is about. One
// announced in clear text (before AUTH, or after a CCC) the helper read.
func hiddenByEncryption(s *track.Session, d *track.DataConn) bool {
	return (s.WasEncrypted || s.ImplicitTLS) && d.Announce == nil && d.Match == track.MatchInferred
}

// raiseEncrypted holds f, helper-encrypted for session s, until the
// control channel carries FTP text again (CCC, or TLS closed) or the
// session ends, and reports it then if a data connection was opened while
// the channel was encrypted (Data), with the advice for those
// connections' modes: passive mode needs the server's passive range
// open, active mode (PORT/EPRT, which no helper reads under TLS either)
// the client's listening ports, or passive mode. A session with none
// gets it at its end too (the advice for the modes its clear-text
// announcements showed, else both), unless its channel carried FTP text
// again and it opened data connections: all were announced where the
// helper reads them.
func (h *helperLayer) raiseEncrypted(s *track.Session, f *diagnose.Finding, relief string) {
	if len(h.encHeld) >= helperMaxConns {
		passive, active := sessionModes(s)
		h.emitEncrypted(s, heldEncryption{f: f, relief: relief}, passive, active)
		return
	}
	if old, ok := h.encHeld[s]; ok && (old.hidden || old.clearNum == 0) {
		// Raised again while still held (encrypted again after a CCC):
		// the earlier one stands for what came before.
		h.releaseEncrypted(s)
	}
	h.encHeld[s] = heldEncryption{f: f, relief: relief}
}

// releaseEncrypted reports the held helper-encrypted finding of s, if
// any: with the advice for the modes of the data connections opened
// while the channel was encrypted, without any, for the modes the
// session's announcements showed (neither: both modes).
func (h *helperLayer) releaseEncrypted(s *track.Session) {
	held, ok := h.encHeld[s]
	if !ok {
		return
	}
	delete(h.encHeld, s)
	if held.hidden {
		h.emitEncrypted(s, held, held.passive, held.active)
		return
	}
	passive, active := sessionModes(s)
	h.emitEncrypted(s, held, passive, active)
}

// emitEncrypted gives the helper-encrypted finding of held its advice
// for the modes in use (neither known: both) and reports it. When the
// channel already carried FTP text again (held.clearNum), the finding
// says that only what was announced before that was hidden.
func (h *helperLayer) emitEncrypted(s *track.Session, held heldEncryption, passive, active bool) {
	f, relief := held.f, held.relief
	if held.hidden && held.clearNum != 0 && relief == cccRelief {
		f.Message = fmt.Sprintf("the helper could not help with the data connections opened while the control channel was encrypted, before it carried FTP text again at packet %d (CCC, or TLS closed): no firewall or NAT helper can read or rewrite the announcements sent under TLS; those sent after that packet it reads", held.clearNum)
		f.Packets = append(f.Packets, held.clearNum)
		relief = fmt.Sprintf("have the client send CCC before its first PASV, EPSV, PORT or EPRT where policy allows (this session returned to clear text only at packet %d, after data connections had been announced under TLS)", held.clearNum)
	}
	pasv := "open the server's passive port range in the firewall and, behind NAT, set the server's public address (" + h.addrName(s) + ")"
	port := "use passive mode on the client, since no helper can see the PORT or EPRT and open the port it names; to keep active mode, open the client's listening port range statically in the firewall in front of it (behind NAT: forward that range to the client and set the client's external IP address for active mode to the public address)"
	switch {
	case passive && !active:
		f.Advice = pasv + ", or " + relief
	case active && !passive:
		f.Advice = port + "; or " + relief
	default:
		f.Advice = "in passive mode (PASV, EPSV): " + pasv + "; in active mode (PORT, EPRT): " + port + "; or " + relief
	}
	h.rep.Finding(f)
}

// sessionModes reports whether s used passive mode and active mode, as far
// as its announcements and data connections so far show.
func sessionModes(s *track.Session) (passive, active bool) {
	for _, c := range s.Commands {
		if c.EndpointVia != 0 {
			passive = passive || c.EndpointVia.Passive()
			active = active || !c.EndpointVia.Passive()
		}
	}
	for _, d := range s.Data {
		passive = passive || d.Passive
		active = active || !d.Passive
	}
	return passive, active
}

// SessionEnd implements track.Sink.
func (h *helperLayer) SessionEnd(s *track.Session) {
	// Every announcement is reported (Data) or retracted before its
	// session ends; should one not be, its note goes with the session.
	for d := range h.armed {
		if d.Session == s {
			delete(h.armed, d)
		}
	}
	if held, ok := h.encHeld[s]; ok && !held.hidden && held.clearNum != 0 && len(s.Data) > 0 {
		// Clear text again, and every data connection announced where
		// the helper reads it: it was not kept from helping.
		delete(h.encHeld, s)
	}
	h.releaseEncrypted(s)
	h.sink.SessionEnd(s)
}

// quoteReply quotes r, its code and text, for a message (quoteWire):
// the text hidden when it repeats a line taken for a password
// (track.Reply.Secret), as the diagnoser's evidence hides it ("530
// ****"), whatever --show-passwords says: findings are shared.
func quoteReply(r *track.Reply) string {
	if r.Secret {
		return quoteWire(strconv.Itoa(r.Code) + " ****")
	}
	return quoteWire(strconv.Itoa(r.Code) + " " + r.Text)
}

// quoteWire shows wire text for a message: escaped, in quotes.
func quoteWire(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '\t' {
			b.WriteString(`\t`) // as the transcript shows it ("PORT\t1,2,...")
			continue
		}
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// The server ports the FTP helper is attached to (--helper-ports). The
// kernel attaches nf_conntrack_ftp only where the administrator's rules
// say (nft "ct helper set", iptables "CT --helper ftp", or the module's
// ports= by automatic assignment, default 21); ftpsniff cannot see those
// rules, so the user says them and the simulation follows.

// maxHelperPortRanges bounds --helper-ports (an nft set may hold more; a
// command line that names more is a mistake).
const maxHelperPortRanges = 64

// portRange is lo..hi, inclusive.
type portRange struct{ lo, hi uint16 }

// portSet is a short list of port ranges.
type portSet []portRange

var (
	errPortSetEmpty = errors.New("no port given")
	errPortSetBlank = errors.New("an empty item in the list")
	errPortSetLong  = errors.New("more than 64 ports or ranges")
	errPortSetPort  = errors.New("not a TCP port (1-65535)")
	errPortSetRange = errors.New("range ends below its start")
)

// parsePortSet reads "21,2121,2100-2199".
func parsePortSet(s string) (portSet, error) {
	var out portSet
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			if strings.TrimSpace(s) == "" {
				break // "": errPortSetEmpty
			}
			// "21,,22", "21,": a port lost (a variable that expanded
			// to nothing), refused as --pasv-range refuses it.
			return nil, errPortSetBlank
		}
		if len(out) == maxHelperPortRanges {
			return nil, errPortSetLong
		}
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := parsePort(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parsePort(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, errPortSetRange
			}
		}
		out = append(out, portRange{a, b})
	}
	if len(out) == 0 {
		return nil, errPortSetEmpty
	}
	return out, nil
}

func parsePort(s string) (uint16, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil || v == 0 {
		return 0, errPortSetPort
	}
	return uint16(v), nil
}

// portSetOf is the set of the given single ports.
func portSetOf(ports []uint16) portSet {
	out := make(portSet, 0, len(ports))
	for _, p := range ports {
		out = append(out, portRange{p, p})
	}
	return out
}

// has reports whether p is in the set.
func (ps portSet) has(p uint16) bool {
	for _, r := range ps {
		if r.lo <= p && p <= r.hi {
			return true
		}
	}
	return false
}

// String is the set as --helper-ports takes it.
func (ps portSet) String() string {
	var b strings.Builder
	for i, r := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(r.lo)))
		if r.hi != r.lo {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(r.hi)))
		}
	}
	return b.String()
}
