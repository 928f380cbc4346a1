package main

// --helper linux: every control connection's segments go through a
// simulation of Linux's nf_conntrack_ftp/nf_nat_ftp (track/nfhelper), and
// every data connection is compared with the expectation the helper would
// have created. The layer sits twice in the pipeline, one way each:
// decoder -> helperLayer (decode.Handler) -> tracker, and tracker ->
// helperLayer (track.Sink) -> diagnoser. Its findings go through the
// pipeline's diagnose.Reporter, so text and JSON show them like any other.

import (
	"fmt"
	"io"
	"net/netip"
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
)

// helperOptions are the flags of the simulation.
type helperOptions struct {
	Helper      string // "" or "linux"
	HelperLoose bool
	HelperPorts string
	helperCfg   nfhelper.Config
	// knownRewrites: what other capture points saw of this capture's
	// 227s (read --vantage --json), told to the diagnoser.
	knownRewrites []diagnose.Rewrite
}

func (h *helperOptions) registerHelper(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&h.Helper, "helper", "", "simulate a firewall's FTP helper on every control connection: linux (nf_conntrack_ftp/nf_nat_ftp)")
	f.BoolVar(&h.HelperLoose, "helper-loose", false, "with --helper linux: simulate nf_conntrack_ftp loose=1")
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
	hl := newHelperLayer(p.opts.helperCfg, next, p, p.opts.controlPorts())
	if p.diag != nil {
		hl.addrSetting = p.diag.AddrSetting
	}
	if p.opts.cmd != nil {
		hl.notes = p.opts.cmd.ErrOrStderr()
	}
	return hl, func(t *track.Tracker) decode.Handler { hl.next = t; return hl }
}

func (o *analysisOptions) controlPorts() []uint16 {
	ports := []uint16{21}
	for _, p := range o.ControlPorts {
		ports = append(ports, uint16(p))
	}
	return ports
}

// annNote is what the helper did with the latest announcement of one
// direction, kept until the tracker reports the command it belongs to.
type annNote struct {
	set  bool
	res  nfhelper.Result
	num  uint64
	text string // the announcement line as sent (bounded), for messages
	// hyp is the same segment under the NAT the announcement implies (the
	// announcer behind a router at the announced address); hypNAT names
	// the translation.
	hyp    nfhelper.Result
	hypSet bool
}

// helperConn is one control connection's simulation.
type helperConn struct {
	sim            *nfhelper.Simulator
	client, server netip.AddrPort
	last           [2]annNote
	enc            bool
	expKey         netip.AddrPort // its live expectation's key in helperLayer.expect
}

// helperLayer is the simulation between decoder, tracker and diagnoser.
type helperLayer struct {
	cfg            nfhelper.Config
	handlerForward            // the tracker, and its optional interfaces
	sink           track.Sink // the diagnoser
	rep            diagnose.Reporter
	ports          []uint16
	notes          io.Writer
	// addrSetting names the setting that makes a session's server
	// announce its public address, in its family's words (the
	// diagnoser's); nil: named generically.
	addrSetting func(*track.Session) string

	conns map[decode.ConnKey]*helperConn
	// expect indexes the live expectations by destination, as the
	// kernel's hash does (source port free).
	expect map[netip.AddrPort]*helperConn
	// opened: data connections whose SYN matched a live expectation.
	opened map[decode.ConnKey]bool
	// armed: what the helper did with the announcement of a data
	// connection, until the tracker reports it.
	armed map[*track.DataConn]annNote

	limits helperLimits
}

// helperLimits counts what the bounded tables left out.
type helperLimits struct {
	ConnsSkipped int // control connections not simulated: table full
	DataSkipped  int // data verdicts not kept: table full
}

func newHelperLayer(cfg nfhelper.Config, sink track.Sink, rep diagnose.Reporter, ports []uint16) *helperLayer {
	return &helperLayer{cfg: cfg, sink: sink, rep: rep, ports: ports,
		conns: map[decode.ConnKey]*helperConn{}, expect: map[netip.AddrPort]*helperConn{},
		opened: map[decode.ConnKey]bool{}, armed: map[*track.DataConn]annNote{}}
}

func (h *helperLayer) isControlPort(p uint16) bool {
	for _, c := range h.ports {
		if c == p {
			return true
		}
	}
	return false
}

// conn finds or starts the simulation of a control connection segment's
// connection. The roles come from the SYN, else from the control port;
// ControlOpen corrects them.
func (h *helperLayer) conn(s *decode.Segment) *helperConn {
	key := decode.MakeConnKey(s.Src, s.Dst)
	if c := h.conns[key]; c != nil {
		return c
	}
	client, server := s.Src, s.Dst
	switch {
	case s.Flags.Has(decode.FlagSYN) && !s.Flags.Has(decode.FlagACK):
	case s.Flags.Has(decode.FlagSYN):
		client, server = s.Dst, s.Src
	case h.isControlPort(s.Src.Port()) && !h.isControlPort(s.Dst.Port()):
		client, server = s.Dst, s.Src
	}
	return h.start(key, client, server)
}

func (h *helperLayer) start(key decode.ConnKey, client, server netip.AddrPort) *helperConn {
	if len(h.conns) >= helperMaxConns {
		h.limits.ConnsSkipped++
		return nil
	}
	sim, err := nfhelper.New(nfhelper.Conn{Client: client, Server: server}, h.cfg)
	if err != nil {
		return nil // mixed families: nothing the helper could track
	}
	c := &helperConn{sim: sim, client: client, server: server}
	h.conns[key] = c
	return c
}

// Segment implements decode.Handler.
func (h *helperLayer) Segment(s *decode.Segment) {
	if s.Control {
		if c := h.conn(s); c != nil {
			h.feed(c, s)
		}
	} else if s.Flags.Has(decode.FlagSYN) && !s.Flags.Has(decode.FlagACK) && len(h.expect) > 0 {
		h.dataSYN(s)
	}
	h.next.Segment(s)
}

func (h *helperLayer) feed(c *helperConn, s *decode.Segment) {
	dir := nfhelper.ClientToServer
	if s.Src != c.client {
		dir = nfhelper.ServerToClient
	}
	if len(s.Payload) < s.PayloadLen {
		// Cut by the snap length: the helper saw bytes we do not have.
		return
	}
	seg := nfhelper.Segment{Dir: dir, Seq: s.Seq, Payload: s.Payload, Time: s.TS}
	r := c.sim.Feed(seg)
	if r.TLS {
		c.enc = true
	}
	if r.Action == nfhelper.Expected {
		// One expectation per control connection: the new one replaces
		// the old in the index too.
		h.unindex(c)
		c.expKey = netip.AddrPortFrom(r.Expect.Dst, r.Expect.DstPort)
		h.expect[c.expKey] = c
	}
	if r.Kind == nfhelper.KindNone && r.NMissed == 0 {
		return
	}
	n := annNote{set: true, res: r, num: s.Num, text: firstLine(s.Payload, r)}
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

func (h *helperLayer) dataSYN(s *decode.Segment) {
	c := h.expect[s.Dst]
	if c == nil {
		return
	}
	if c.sim.DataSYN(nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: s.Src, Dst: s.Dst, Time: s.TS}) != nfhelper.MatchOK {
		return
	}
	h.unindex(c)
	if len(h.opened) >= helperMaxDataNotes {
		h.limits.DataSkipped++
		return
	}
	h.opened[decode.MakeConnKey(s.Src, s.Dst)] = true
}

// Unreachable implements decode.Handler.
func (h *helperLayer) Unreachable(u *decode.Unreachable) { h.next.Unreachable(u) }

// Control implements decode.Handler.
func (h *helperLayer) Control(e *decode.ControlEvent) {
	key := decode.MakeConnKey(e.Client, e.Server)
	if e.Kind == decode.ControlOpen {
		if c := h.conns[key]; c != nil && c.client != e.Client {
			h.drop(key, c)
			h.start(key, e.Client, e.Server)
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
}

// unindex removes c's expectation from the index (another connection may
// have taken the key since).
func (h *helperLayer) unindex(c *helperConn) {
	if c.expKey.IsValid() && h.expect[c.expKey] == c {
		delete(h.expect, c.expKey)
	}
	c.expKey = netip.AddrPort{}
}

// Tick implements decode.Handler.
func (h *helperLayer) Tick(now time.Time) { h.next.Tick(now) }

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
	dir := nfhelper.ClientToServer
	if c.EndpointVia.Passive() {
		dir = nfhelper.ServerToClient
	}
	n := hc.last[dir]
	hc.last[dir] = annNote{}
	if !n.set || c.Refused {
		return // (a refused announcement expects nothing, helper or not)
	}
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
	r := n.res
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
		f.Message = fmt.Sprintf("the Linux helper would create no expectation: the %s announces %s, but the sender's address as the router sees it is %s (loose=0)", r.Kind, r.Announced.Addr(), r.Sender)
		if n.hypSet && r.Announced.Addr().IsPrivate() {
			// A private address announced by a sender seen at another:
			// a NAT in between, which the helper would translate. (A
			// public address is a third host: a bounce, not a NAT.)
			f.Code, f.Severity = CodeHelperRewrite, diagnose.SeverityInfo
			f.Message = fmt.Sprintf("a Linux router translating %s to %s with the FTP helper attached would rewrite this %s to %s and expect %s",
				r.Sender, r.Announced.Addr(), r.Kind, n.hyp.Rewrite.Text(), n.hyp.Expect)
			attach := h.attachHelper(s)
			if dir == nfhelper.ServerToClient {
				f.Advice = "attach the helper on the NAT router (" + attach + "), or set the server's public address (" + h.addrName(s) + ")"
			} else {
				f.Advice = "attach the helper on the NAT router in front of the client (" + attach + "), or use passive mode on the client"
			}
		}
	case r.NMissed > 0:
		m := r.Missed[0]
		f.Code, f.Severity = CodeHelperIgnored, diagnose.SeverityWarning
		f.Message = fmt.Sprintf("the Linux helper would not see this %s: %s", m.Kind, m.Why)
		f.Advice = "the helper reads only the first line of a segment that starts after a newline; a server or client that sends the announcement with other text in one segment defeats it"
	default:
		return
	}
	h.rep.Finding(f)
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
		why = "the control channel is encrypted: the helper cannot read the announcement"
	case !hasAnn:
		why = "the helper found no announcement for it"
	case r.Action == nfhelper.PartialDrop:
		why = "the helper would have dropped the announcement (" + r.Partial.String() + ")"
	case r.Action == nfhelper.NotRecorded && n.hypSet && nfhelper.Matches(n.hyp.Expect, nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: d.Client, Dst: d.Server, Time: d.FirstSYN}):
		f.Code, f.Severity = CodeHelperOpens, diagnose.SeverityInfo
		f.Message = fmt.Sprintf("%s matches the expectation %s a Linux NAT router with the FTP helper would create after rewriting the %s: RELATED, let through", syn, n.hyp.Expect, r.Kind)
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
	return f
}

// Event implements track.Sink.
func (h *helperLayer) Event(s *track.Session, e *track.Event) {
	if e.Kind == track.EventEncrypted {
		h.rep.Finding(&diagnose.Finding{Code: CodeHelperEncrypt, Severity: diagnose.SeverityWarning, Session: s, TS: e.TS,
			Packets: []uint64{e.Num},
			Message: "the helper cannot help: the control channel is encrypted, so no firewall or NAT helper can read or rewrite the announcements",
			Advice:  "open the server's passive port range in the firewall and set the server's public address (" + h.addrName(s) + "), or use clear-text control (CCC) where policy allows"})
	}
	h.sink.Event(s, e)
}

// SessionEnd implements track.Sink.
func (h *helperLayer) SessionEnd(s *track.Session) { h.sink.SessionEnd(s) }

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
