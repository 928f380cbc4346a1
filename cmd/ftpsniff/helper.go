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
	// knownRewrites: what other capture points saw of this capture's
	// 227s (read --vantage --json), told to the diagnoser.
	knownRewrites []diagnose.Rewrite
}

func (h *helperOptions) registerHelper(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&h.Helper, "helper", "", "simulate a firewall's FTP helper on every control connection: `linux` (nf_conntrack_ftp/nf_nat_ftp)")
	f.BoolVar(&h.HelperLoose, "helper-loose", false, "with --helper linux: simulate nf_conntrack_ftp loose=1")
	f.StringVar(&h.HelperPorts, "helper-ports", "", "with --helper linux: server `PORTS` the router's rules (nft ct helper set, iptables CT --helper ftp) attach the helper to, e.g. 21,2121 or 2100-2199 (default 21; --control-port does not attach it)")
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
	if h.HelperPorts != "" {
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

// helperHooks returns the sink the tracker reports to and a function
// wrapping the handler the decoder feeds: the plain ones without --helper.
func (p *pipeline) helperHooks(next track.Sink) (track.Sink, func(*track.Tracker) decode.Handler) {
	for _, rw := range p.opts.knownRewrites {
		p.diag.KnowRewrite(rw)
	}
	if p.opts.Helper == "" {
		return next, func(t *track.Tracker) decode.Handler { return t }
	}
	attach, said := p.opts.helperAttach, p.opts.helperAttach != nil
	if !said {
		// --control-port says where to decode FTP, not where a router's
		// rules attach the helper: the simulation assumes port 21.
		attach = portSetOf([]uint16{nfhelper.DefaultPort})
	}
	hl := newHelperLayer(p.opts.helperCfg, next, p, attach)
	hl.attachSaid = said
	if p.diag != nil {
		hl.addrSetting = p.diag.AddrSetting
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
	// cut: the packet number of a segment the capture cut at the snap
	// length that this verdict depends on (the simulation assumed it
	// ended a line); 0: none.
	cut uint64
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
	// cutNum, cutNext: per direction, the last segment the capture cut at
	// the snap length and the sequence number after its unseen end, until
	// the next segment of that direction (whose searching depends on the
	// unseen bytes) has been fed.
	cutNum  [2]uint64
	cutNext [2]uint32
	// sess: the tracker's session of the connection, from its first
	// announcement (nil before).
	sess *track.Session
	// spent: its latest expectation that is no more (used by a data
	// connection, or replaced by a later announcement), indexed in
	// helperLayer.spent: a SYN to it that the tracker links to no
	// announcement still gets the helper's verdict.
	spent spentExp
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

	conns map[decode.ConnKey]*helperConn
	// expect indexes the live expectations by source address and
	// destination, as the kernel's tuple does (source port free).
	expect map[expKey]*helperConn
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
}

// spentExp is an expectation the helper no longer holds, and why.
type spentExp struct {
	key  expKey
	exp  nfhelper.Expectation
	why  string
	last decode.ConnKey // the last connection judged against it (a SYN's retransmissions are judged once)
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
}

func newHelperLayer(cfg nfhelper.Config, sink track.Sink, rep diagnose.Reporter, attach portSet) *helperLayer {
	return &helperLayer{cfg: cfg, sink: sink, rep: rep, attach: attach,
		conns: map[decode.ConnKey]*helperConn{}, expect: map[expKey]*helperConn{}, spent: map[expKey]*helperConn{},
		opened: map[decode.ConnKey]bool{}, armed: map[*track.DataConn]annNote{}}
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
		if c = h.start(key, s.Src, s.Dst, false); c != nil {
			c.synSeen, c.synISN = true, s.Seq
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
		if len(h.expect) > 0 && h.dataSYN(s) {
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
		h.feed(c, s)
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
	// capture cut it at the snap length: this one (its start is seen,
	// its end is not), or the one just before it in its direction (the
	// helper searches this one only if that one ended a line, which the
	// simulation assumed).
	var cut uint64
	if c.cutNum[dir] != 0 && len(s.Payload) > 0 {
		if s.Seq == c.cutNext[dir] {
			cut = c.cutNum[dir]
		}
		c.cutNum[dir] = 0
	}
	old, hadOld := c.sim.Expectation(s.TS)
	oldKey := c.expKey
	r := c.sim.Feed(seg)
	if r.Evicted && hadOld {
		h.setSpent(c, spentExp{key: oldKey, exp: old,
			why: fmt.Sprintf("its expectation %s was replaced by the one for the later %s (packet %d): the helper keeps one expectation per control connection", old, r.Kind, s.Num)})
	}
	if r.Cut {
		c.cutNum[dir], c.cutNext[dir] = s.Num, s.Seq+uint32(s.PayloadLen)
		if !wholeFirstLine(s.Payload) {
			cut = s.Num
		}
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
			h.rep.Finding(f)
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
			h.rep.Finding(h.tlsEncrypted(p.sess, &p.ev, s.Num))
		}
	}
	if r.Action == nfhelper.Expected {
		// One expectation per control connection: the new one replaces
		// the old in the index too.
		h.unindex(c)
		c.expKey = expKeyOf(r.Expect.Src, netip.AddrPortFrom(r.Expect.Dst, r.Expect.DstPort))
		h.expect[c.expKey] = c
	}
	if r.Kind == nfhelper.KindNone && r.NMissed == 0 {
		return
	}
	n := annNote{set: true, res: r, num: s.Num, text: firstLine(s.Payload, r), pickedUp: c.pickedUp, cut: cut}
	if r.Action == nfhelper.NotRecorded {
		n.hyp, n.hypSet = h.hypothesis(c, seg, r)
	}
	c.last[dir] = n
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

// wholeFirstLine reports whether p holds its first line to its newline:
// the helper's parsers stop within it, so what was cut after it does not
// change their result.
func wholeFirstLine(p []byte) bool {
	return bytes.IndexByte(p, '\n') >= 0
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
	c := h.expect[expKeyOf(s.Src.Addr(), s.Dst)]
	if c == nil {
		return false
	}
	e, _ := c.sim.Expectation(time.Time{})
	if c.sim.DataSYN(nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: s.Src, Dst: s.Dst, Time: s.TS}) != nfhelper.MatchOK {
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
	if lc := h.expect[key]; lc != nil {
		e, _ := lc.sim.Expectation(time.Time{})
		if nfhelper.Match(e, nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: s.Src, Dst: s.Dst, Time: s.TS}) != nfhelper.MismatchExpired {
			return nil
		}
		c = lc
		why = fmt.Sprintf("its expectation %s expired %s after the announcement (nf_conntrack_ftp's timeout is %s)", e, s.TS.Sub(e.Created).Round(time.Second), nfhelper.ExpectTimeout)
		if c.spent.last == ck {
			return nil
		}
		// (the expired expectation is judged once per connection too)
		h.setSpent(c, spentExp{key: key, exp: e, why: why})
	} else if sc := h.spent[key]; sc != nil {
		if sc.spent.last == ck {
			return nil
		}
		c, why = sc, sc.spent.why
	} else {
		return nil
	}
	c.spent.last = ck
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

// setSpent makes sp c's spent expectation, in the index too.
func (h *helperLayer) setSpent(c *helperConn, sp spentExp) {
	h.unspend(c)
	c.spent = sp
	h.spent[sp.key] = c
}

// unspend removes c's spent expectation from the index.
func (h *helperLayer) unspend(c *helperConn) {
	if c.spent.key.dst.IsValid() && h.spent[c.spent.key] == c {
		delete(h.spent, c.spent.key)
	}
	c.spent = spentExp{}
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
	h.next.Control(e)
	if e.Kind == decode.ControlClose {
		if c := h.conns[key]; c != nil {
			h.drop(key, c)
		}
	}
}

func (h *helperLayer) drop(key decode.ConnKey, c *helperConn) {
	delete(h.conns, key)
	h.unindex(c)
	h.unspend(c)
}

// unindex removes c's expectation from the index (another connection may
// have taken the key since).
func (h *helperLayer) unindex(c *helperConn) {
	if c.expKey.dst.IsValid() && h.expect[c.expKey] == c {
		delete(h.expect, c.expKey)
	}
	c.expKey = expKey{}
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
	}
	h.next.Tick(now)
}

// Finish implements decode.Handler.
func (h *helperLayer) Finish() {
	h.next.Finish()
	if h.notes != nil && (h.limits.ConnsSkipped > 0 || h.limits.DataSkipped > 0) {
		fmt.Fprintf(h.notes, "ftpsniff: --helper linux: %d control connections not simulated, %d data verdicts not kept (tables full)\n",
			h.limits.ConnsSkipped, h.limits.DataSkipped)
	}
}

// SessionStart implements track.Sink.
func (h *helperLayer) SessionStart(s *track.Session) { h.sink.SessionStart(s) }

// Command implements track.Sink: the announcement's simulation becomes
// findings about the command, and is kept for its data connection.
func (h *helperLayer) Command(s *track.Session, c *track.Command) {
	if c.EndpointVia != 0 {
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
	if !n.set || c.Refused {
		return // (a refused announcement expects nothing, helper or not)
	}
	r := n.res
	// guess: the NAT hypothesis is worth saying (a private address, on
	// the side of the capture where the sender is seen translated);
	// natEvident: the addresses show that NAT, so it is the verdict, for
	// the data connection too.
	guess := n.hypSet && r.Action == nfhelper.NotRecorded && r.Announced.Addr().IsPrivate() && !h.seenUntranslated(s, dir, r)
	n.natVerdict = guess && natEvident(r)
	if c.Data != nil {
		if len(h.armed) < helperMaxDataNotes {
			h.armed[c.Data] = n
		} else {
			h.limits.DataSkipped++
		}
	}
	f := &diagnose.Finding{Session: s, Command: c, TS: c.TS, Packets: []uint64{n.num}, Evidence: "helper saw: " + quoteWire(n.text)}
	if len(c.Replies) > 0 && dir == nfhelper.ServerToClient {
		f.TS = c.Replies[len(c.Replies)-1].TS
	}
	switch {
	case r.Action == nfhelper.PartialDrop:
		f.Code, f.Severity = CodeHelperDrop, diagnose.SeverityError
		f.Message = fmt.Sprintf("a Linux router with the FTP helper would drop this segment (%s: %s), and every retransmission of it: the session would stall", r.KernelLog(), r.Partial)
		f.Advice = "make the server send the announcement in one segment in the form the helper parses, or open the data ports without the helper"
		if dir == nfhelper.ClientToServer {
			// The client split its PORT/EPRT: the server has nothing to
			// change.
			f.Advice = "make the client send its PORT/EPRT in one segment in the form the helper parses, or use passive mode on the client"
		}
	case r.Action == nfhelper.Expected && r.Rewrite.Done:
		f.Code, f.Severity = CodeHelperRewrite, diagnose.SeverityInfo
		f.Message = fmt.Sprintf("the helper would rewrite this %s to %s (%+d bytes) and expect %s", r.Kind, r.Rewrite.Text(), r.Rewrite.Delta(), r.Expect)
	case r.Action == nfhelper.Expected:
		return // the helper would open it: said with the data connection
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
			f.Message += fmt.Sprintf(". This capture is on the server's side: %s is the server's own address, and %s the address clients reach it at (its passive address setting), which the helper of a NAT router in front of it does not take for the server's", r.Sender, r.Announced.Addr())
			f.Advice = fmt.Sprintf("nothing to change if the router forwards the passive port range to the server and accepts it without the helper; to have the helper open it instead, make the server announce its own address %s (%s unset) and attach the helper on the NAT router (%s), whose nf_nat_ftp rewrites the 227 (not under FTPS)",
				r.Sender, h.addrName(s), h.attachHelper(s))
		}
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
				if dir == nfhelper.ServerToClient {
					f.Advice = "attach the helper on the NAT router (" + attach + "), or set the server's public address (" + h.addrName(s) + ")"
				} else {
					f.Advice = "attach the helper on the NAT router in front of the client (" + attach + "), or use passive mode on the client"
				}
			} else {
				// Both addresses on one private network: nothing in
				// the capture shows a NAT, so the no-expectation
				// verdict stands and the NAT is the alternative.
				f.Message = fmt.Sprintf("%s. Only if %s translates %s would the FTP helper attached there rewrite %s", noExp, router, translation, rewrite)
				if dir == nfhelper.ServerToClient {
					f.Advice = "make the server announce " + r.Sender.String() + " (" + h.addrName(s) + "); or, if a NAT router forwards " + r.Sender.String() + " to the server, attach the helper there (" + attach + ")"
				} else {
					f.Advice = "make the client announce its own address " + r.Sender.String() + ", or use passive mode on the client; or, if a NAT router translates the client's address, attach the helper there (" + attach + ")"
				}
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

// seenUntranslated reports whether the capture shows the announcer at
// its own address, on its side of any NAT between the two hosts: then the
// announcer is not behind a NAT at the announced address as the capture
// sees it, and the NAT hypothesis does not apply. For a 227, the server's
// side, as the diagnoser places it: a server at a non-public address
// talking to a public client, or a private server announcing a private
// address on the client's network (/24, /64) and not its own (the
// address the client reaches through a DNAT). For a PORT, the client's
// side: a non-public client talking to a public server.
func (h *helperLayer) seenUntranslated(s *track.Session, dir nfhelper.Dir, r nfhelper.Result) bool {
	cli, srv := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	local := diagnose.Local
	if dir == nfhelper.ClientToServer {
		return local(cli) && !local(srv)
	}
	if !local(cli) && local(srv) {
		return true
	}
	a := r.Announced.Addr().Unmap()
	return local(a) && local(cli) && local(srv) && diagnose.SameNet(a, cli) && !diagnose.SameNet(a, srv)
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
func (h *helperLayer) attachHelper(s *track.Session) string {
	port := s.Server.Port()
	return "nftables: " + diagnose.NFTHelperTable(port) + "; or " + diagnose.IptablesHelperRule(port, s.Server.Addr().Unmap().Is6())
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
		f.Message = syn + " matches the expectation the Linux FTP helper would create: RELATED, let through"
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
	case s.Encrypted || s.ImplicitTLS:
		// Before the attachment: attached or not (implicit FTPS is on
		// 990, where it seldom is), the helper could not read it.
		why = "the control channel is encrypted: the helper cannot read the announcement"
	case !hasAnn && !h.attach.has(s.Server.Port()):
		why = h.notAttached(s.Server.Port())
		f.Advice = fmt.Sprintf("if a rule of the router attaches the helper to port %d, say so with --helper-ports %s,%d; to attach it there: %s",
			s.Server.Port(), h.attach, s.Server.Port(), h.attachHelper(s))
	case !hasAnn && s.Midstream:
		// The capture starts mid-connection and holds no announcement
		// for it: it came before the capture, where the helper saw it
		// and this simulation did not. No verdict either way.
		return nil
	case !hasAnn:
		why = "the helper found no announcement for it"
	case r.Action == nfhelper.PartialDrop:
		why = "the helper would have dropped the announcement (" + r.Partial.String() + ")"
	case r.Action == nfhelper.NotRecorded && n.natVerdict && nfhelper.Matches(n.hyp.Expect, nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: d.Client, Dst: d.Server, Time: d.FirstSYN}):
		f.Code, f.Severity = CodeHelperOpens, diagnose.SeverityInfo
		f.Message = fmt.Sprintf("%s matches the expectation %s a Linux NAT router with the FTP helper would create after rewriting the %s: RELATED, let through", syn, n.hyp.Expect, r.Kind)
		f.Message += n.notes()
		return f
	case r.Action == nfhelper.NotRecorded:
		why = fmt.Sprintf("the announcement named %s, not the sender's address %s, so no expectation was created (loose=0)", r.Announced.Addr(), r.Sender)
	case r.Action == nfhelper.Expected:
		m := nfhelper.Match(r.Expect, nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: d.Client, Dst: d.Server, Time: d.FirstSYN})
		if m == nfhelper.MatchOK {
			why = "its expectation " + r.Expect.String() + " was replaced by a later announcement or used by another connection first"
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
	return s
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
	if e.Kind == track.EventEncrypted {
		h.encrypted(s, e)
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
		h.rep.Finding(h.protectedCommands(s, e, e.Protected))
		return
	}
	c := h.conns[decode.MakeConnKey(s.Client, s.Server)]
	switch {
	case c == nil:
		h.rep.Finding(h.tlsEncrypted(s, e, 0))
	case c.enc:
		h.rep.Finding(h.tlsEncrypted(s, e, c.encNum))
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
		Message: "the helper cannot help while the control channel is encrypted: no firewall or NAT helper can read or rewrite the announcements sent under TLS (after a CCC the helper reads the clear-text lines again, from the segment after one that ends in a newline)",
		Advice:  "open the server's passive port range in the firewall and, behind NAT, set the server's public address (" + h.addrName(s) + "), or use clear-text control (CCC) where policy allows"}
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
		Message:  fmt.Sprintf("the helper cannot help while the control commands are RFC 2228 protected (%s): no firewall or NAT helper can read or rewrite the announcements, which travel %s", verb, how),
		Advice:   "open the server's passive port range in the firewall and, behind NAT, set the server's public address (" + h.addrName(s) + "), or leave the control commands unprotected where policy allows"}
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
	h.sink.SessionEnd(s)
}

// quoteWire shows wire text for a message: escaped, in quotes.
func quoteWire(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
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
			continue
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
