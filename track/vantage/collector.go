package vantage

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// Options bounds a Collector.
type Options struct {
	MaxConns         int // control connections, and data connections, kept; 0 = 100000
	MaxAnnouncements int // announcements kept per control connection; 0 = 64
	// KeepControlBytes is how many bytes of control segments (payload
	// plus segOverhead each) the Collector keeps for CheckHelper; 0 keeps
	// none.
	KeepControlBytes int
	// Attached, when set, names the server ports a router's FTP helper
	// is attached to (CheckHelper): as the kernel's helper reads such a
	// connection from its first packet, one whose handshake the point
	// holds is recorded from it, before decode knows it for FTP (a port
	// it finds FTP on by content), and joins the control connections when
	// decode does; one decode never takes for FTP is left out. Nil: only
	// what decode knows for FTP.
	Attached func(port uint16) bool
}

// Bounds of the connections to an attached port recorded before decode
// knows them for FTP (Options.Attached): decode decides within a few
// kilobytes (docs of decode: 8 KiB from the server before the client
// speaks, 16 KiB undecided), so bytes past earlyMaxBytes are not kept
// (the check of such a connection, if FTP after all, says it is
// incomplete); at most maxEarly at once, as many as decode checks by
// content.
const (
	earlyMaxBytes = 32 << 10
	maxEarly      = 4096
)

func (o *Options) defaults() {
	if o.MaxConns <= 0 {
		o.MaxConns = 100000
	}
	if o.MaxAnnouncements <= 0 {
		o.MaxAnnouncements = 64
	}
}

// Limits counts what a Collector did not keep.
type Limits struct {
	ControlDropped       int `json:"control_dropped"`
	DataDropped          int `json:"data_dropped"`
	AnnouncementsDropped int `json:"announcements_dropped"`
	// SegmentsDropped: control segments not kept for CheckHelper once
	// Options.KeepControlBytes was spent.
	SegmentsDropped int `json:"control_segments_dropped,omitempty"`
	// A Stream's (read --vantage's merge as sessions end):
	// ForcedMerges: batches merged at once because the point held
	// Stream.MaxHeld ended control connections; TwinWaitExpired: control
	// connections merged while a copy at another point (the same
	// session, by ISN or lines) was still open, after maxTwinWait;
	// OffsetUnmeasured: 1 when the first batch was merged before the
	// point's clock offset could be measured (maxFirstWait, MaxHeld).
	ForcedMerges     int `json:"forced_merges,omitempty"`
	TwinWaitExpired  int `json:"twin_wait_expired,omitempty"`
	OffsetUnmeasured int `json:"offset_unmeasured,omitempty"`
	// PointRecordsUntied (read --vantage --json, set by the caller): the
	// point's own records written before their session's merge was done,
	// without vantage_path, because the records it held back ran past
	// their bound (its sessions open at once, or pulled ahead of the
	// merge).
	PointRecordsUntied int `json:"point_records_untied,omitempty"`
	// SupersededUnnoted (read --vantage --json, set by the caller): the
	// point's findings marked superseded that its server record's
	// superseded note does not count, their server past the servers
	// such notes are kept for (diagnose.MaxServers).
	SupersededUnnoted int `json:"superseded_unnoted,omitempty"`
}

// maxText bounds an announcement's kept text.
const maxText = 160

// Announcement is one data endpoint a control connection announced, as
// one point saw it.
type Announcement struct {
	Via      ftp.Via
	Endpoint netip.AddrPort // as the text states it (EPSV: invalid address)
	Text     string         // the line, bounded: cut at maxText, at a character boundary
	TextMore int            // bytes of the line past Text, not kept: 0 when Text is whole
	TS       time.Time
	Num      uint64
	// end: the sequence number past the highest byte its sender had sent
	// when the line was complete, at this point (haveEnd: known): an
	// acknowledgment from its receiver reaching it proves it arrived.
	end     uint32
	haveEnd bool
}

// Seg is one control segment with payload as one point saw it, kept for
// CheckHelper. It holds no pointer, so that thousands of them cost the
// garbage collector nothing to scan: the payload lives in its Collector's
// blocks (Control.Payload), the time as Unix nanoseconds (Seg.Time).
type Seg struct {
	Seq        uint32
	FromClient bool // sent by the control connection's client
	Cut        bool // the snap length cut it: the payload is incomplete
	Num        uint64
	ts         int64
	block      int32
	off, n     int32
}

// Time is the segment's packet time.
func (g *Seg) Time() time.Time { return time.Unix(0, g.ts).UTC() }

// segStore holds the kept payloads in blocks of arenaChunk bytes (or one
// segment's, when larger).
type segStore struct{ blocks [][]byte }

// Payload is the kept payload of g, one of x's segments.
func (x *Control) Payload(g *Seg) []byte {
	b := x.store.blocks[g.block]
	return b[g.off : g.off+g.n : g.off+g.n]
}

// segOverhead is what one kept Seg costs besides its payload, charged
// against Options.KeepControlBytes.
const segOverhead = 96

// arenaChunk is the size of the blocks kept payloads are copied into.
const arenaChunk = 64 << 10

// Line is one command or reply of a control connection as one point saw
// it, kept as a hash of its text: the lines and their order are what NAT
// and ISN randomisation leave alone, so they pair a connection across
// points when the sequence numbers cannot, and their times give the
// clock offset.
type Line struct {
	Hash       uint64
	TS         time.Time
	FromClient bool
	// Announce: a 227, 229, PORT or EPRT line (or one that failed to
	// parse as one), whose text a helper may rewrite: it matches any line.
	Announce bool
	// Port is the port an announcement names (0 when it did not parse):
	// NAT seldom changes it, so it tells apart identical sessions
	// (pairByPayload).
	Port uint16
	// Code is a reply's code (0 for a command).
	Code int
	// Text is what is kept to name the line in a verdict: a reply's last
	// line, a command's verb only (its argument may be a password), cut
	// at maxLineText (TextCut: it was longer). Raw bytes from the wire:
	// escape to print.
	Text    string
	TextCut bool
	// end: the sequence number past the highest byte its sender had sent
	// when the line was complete, at this point (haveEnd: known), as an
	// Announcement's: an acknowledgment reaching past it proves the line
	// arrived.
	end     uint32
	haveEnd bool
}

// maxLineText bounds Line.Text.
const maxLineText = 64

// maxLines bounds the lines kept per control connection.
const maxLines = 64

// Control is one control connection as one point saw it.
type Control struct {
	Client, Server netip.AddrPort
	// ISN: the initial sequence numbers, [0] the client's (SYN), [1] the
	// server's (SYN-ACK); valid when HaveISN says so.
	ISN         [2]uint32
	HaveISN     [2]bool
	SYN, SYNACK time.Time
	// SYNs and SYNACKs count the handshake's segments (retransmissions);
	// a clock offset is taken only from a handshake of one each.
	SYNs, SYNACKs int
	Start         time.Time
	// Last is the time of the connection's last packet at this point.
	Last      time.Time
	Announce  []Announcement
	Encrypted bool
	// Lines are its first maxLines commands and replies.
	Lines []Line
	// Cut counts segments with payload that the snap length cut, [0]
	// from the client, [1] from the server: what they carried could not
	// be read at this point.
	Cut [2]int
	// Packets counts its segments at this point, [0] from the client, [1]
	// from the server (copies within dupWindow once): a point that
	// captured one direction only (tcpdump -Q in, a SPAN port mirroring
	// one direction, asymmetric routing) holds none of the other.
	Packets [2]int
	// TTL is the TTL (IPv6 hop limit) each side's segments came with at
	// this point, [0] the client's, [1] the server's (0: none seen);
	// TTLVaried says they did not all come with the same one. A reset
	// in a side's name with another TTL was sent from another distance:
	// by a box, not by that side's host.
	TTL        [2]uint8
	TTLVaried  [2]bool
	annDropped int
	last       segSig
	// sent: per direction ([0] the client's), the sequence number past
	// the highest byte seen; acked: the highest acknowledgment of that
	// direction the other side sent (have*: one seen).
	sent, acked         [2]uint32
	haveSent, haveAcked [2]bool
	// lastFrom: per side ([0] the client), when its last segment other
	// than a reset passed: a receiver that sent on past a line without
	// acknowledging it never got it.
	lastFrom [2]time.Time
	// Segs are its segments with payload, in capture order, when the
	// Collector keeps them (Options.KeepControlBytes); SegsCut says some
	// were not kept.
	Segs    []Seg
	SegsCut bool
	store   *segStore
	// keptFrom: the sender of the first segment kept while the roles
	// were unknown (a capture begun mid-connection learns them from the
	// first line, which decode reads after the segment that brings it):
	// until settle, a kept segment's FromClient says it came from
	// keptFrom.
	keptFrom netip.AddrPort
	// keptBytes: the payload bytes kept of it.
	keptBytes int
	// fin: a FIN seen from each side ([0] the client's); rst: a reset.
	// A Stream merges a connection once it ended so.
	fin [2]bool
	rst bool
}

// ended says whether the connection closed at this point: a reset, or a
// FIN from every side whose packets the point captured.
func (x *Control) ended() bool {
	if x.rst {
		return true
	}
	return (x.fin[0] || x.Packets[0] == 0) && (x.fin[1] || x.Packets[1] == 0) && x.Packets != [2]int{}
}

// settle fixes the kept segments' sides once the roles are known: those
// kept before were taken as keptFrom's.
func (x *Control) settle() {
	if !x.keptFrom.IsValid() || !x.Client.IsValid() {
		return
	}
	if x.keptFrom != x.Client {
		for k := range x.Segs {
			x.Segs[k].FromClient = !x.Segs[k].FromClient
		}
	}
	x.keptFrom = netip.AddrPort{}
}

// ackedPast says whether the receiver of a's direction acknowledged, as
// this point saw it, every byte up to where a ended: a reached it.
func (x *Control) ackedPast(a *Announcement) bool {
	d := dirIndex(!a.Via.Passive()) // a 227 or 229 comes from the server
	return a.haveEnd && x.haveAcked[d] && !seqAfter(a.end, x.acked[d])
}

// OneWay says whether the point captured the connection's packets from
// one side only, and which: fromClient true when only the client's.
func (x *Control) OneWay() (fromClient, ok bool) {
	switch {
	case x.Packets[0] > 0 && x.Packets[1] == 0:
		return true, true
	case x.Packets[1] > 0 && x.Packets[0] == 0:
		return false, true
	}
	return false, false
}

// Data is one data connection (a SYN) as one point saw it.
type Data struct {
	Src, Dst netip.AddrPort // the SYN's
	ISN      uint32
	// HaveISN: the SYN was seen. A connection whose SYN this point did
	// not capture, but whose SYN-ACK it did, has a record too (SYNs 0):
	// the SYN-ACK proves the SYN passed.
	HaveISN  bool
	SYNs     int
	FirstSYN time.Time
	LastSYN  time.Time
	// SYNTimes: when each SYN (a retransmission too) passed, the first
	// maxSYNTimes of them; LastSYN is the last in any case.
	SYNTimes  []time.Time
	SYNNum    uint64
	SYNACK    time.Time
	SYNACKISN uint32
	SYNACKs   int
	// RST: a reset seen, and whether the SYN's receiver sent it.
	RST        time.Time
	RSTFromDst bool
	RSTFrom    netip.Addr
	// RSTTTL is the TTL (IPv6 hop limit) the reset came with (0: not
	// known).
	RSTTTL   uint8
	ICMPFrom netip.Addr
	ICMP     time.Time
	ICMPType uint8
	ICMPCode uint8
	// ICMPTTL is the TTL (IPv6 hop limit) the ICMP error came with (0:
	// not known).
	ICMPTTL uint8
	// Bytes: payload seen, both directions together, counted from
	// sequence numbers (each byte once, retransmissions excluded, as a
	// data record's bytes); Flows has each direction's, retransmissions
	// too.
	Bytes int64
	// Flows: [0] what the SYN's sender sent, [1] what its receiver sent.
	Flows [2]Flow
	// SenderSegs counts the segments the SYN's sender sent after its
	// SYNs (not resets): it got an answer. A point that captured the
	// sender's direction only shows a handshake that completed by them.
	SenderSegs int
	// Last is the time of the connection's last packet at this point.
	Last time.Time
	last segSig
}

// Flow is the payload one side of a data connection sent, as one point
// saw it, counted from sequence numbers. Offsets are bytes from the
// side's first byte (its ISN + 1; the first sequence number seen when the
// point captured neither its SYN nor an acknowledgment of it).
type Flow struct {
	// Bytes: payload bytes seen, each counted once.
	Bytes int64
	// Sent is the offset past the highest byte seen; SentAt when the
	// segment that carried it passed.
	Sent   int64
	SentAt time.Time
	// Resent counts segments that carried bytes seen before
	// (retransmissions), ResentBytes those bytes.
	Resent      int
	ResentBytes int64
	// Acked is the highest offset the other side acknowledged (a FIN's
	// sequence number not counted); HaveAck: one was seen.
	Acked   int64
	HaveAck bool
	// Stalled counts the retransmissions of bytes not acknowledged yet
	// since the acknowledged offset last moved: StallAcked is that
	// offset, StallEnd the offset past the highest byte they carried,
	// StallAt the last one's time.
	Stalled    int
	StallAcked int64
	StallEnd   int64
	StallAt    time.Time

	base     uint32 // the sequence number of offset 0
	haveBase bool
	fin      bool
	finOff   int64
	// Merged counts the times the holes were more than maxHoles and two
	// were merged into one (the bound was hit). Bytes stays right when
	// the bytes a merged hole lacked all come; a resent range over bytes
	// seen inside it, when the lacking ones never come, counts up to its
	// lacking bytes twice (see fill).
	Merged int
	// holes: ranges below Sent not seen yet (a segment that came out of
	// order, or that the capture missed and the sender resent), the
	// lowest first, at most maxHoles: bytes filling one are counted once,
	// not as resent. Past the bound the two nearest are merged (merge).
	holes []hole
}

// hole is a range [from, to) below Flow.Sent of which room bytes were not
// seen: all of it (room = to-from), or, for holes merged past maxHoles,
// the sum of theirs, the bytes seen between them inside.
type hole struct{ from, to, room int64 }

func (h hole) merged() bool { return h.room < h.to-h.from }

// maxHoles bounds Flow.holes.
const maxHoles = 8

// fill takes [start, end) out of the holes and returns how many bytes of
// it were in one. A merged hole, whose bytes seen inside are not known
// one by one, gives up to its room: bytes filling what it lacked are
// counted once, and it never counts more than it lacked (a resent range
// over bytes seen inside it may be counted as new in place of the bytes
// still lacking, which then count as resent: the total stays right once
// they come).
func (f *Flow) fill(start, end int64) int64 {
	var n int64
	kept := f.holes[:0]
	var split []hole
	for _, h := range f.holes {
		lo, hi := max(h.from, start), min(h.to, end)
		if lo >= hi {
			kept = append(kept, h)
			continue
		}
		if h.merged() {
			take := min(hi-lo, h.room)
			n += take
			h.room -= take
			if h.room > 0 && (start > h.from || end < h.to) {
				kept = append(kept, h)
			}
			continue
		}
		n += hi - lo
		if h.from < lo {
			kept = append(kept, hole{h.from, lo, lo - h.from})
		}
		if hi < h.to {
			split = append(split, hole{hi, h.to, h.to - hi})
		}
	}
	f.holes = append(kept, split...)
	if len(split) > 0 {
		// A segment inside a hole splits it: the bound holds here too
		// (at most 2*maxHoles to sort).
		slices.SortFunc(f.holes, func(a, b hole) int { return cmp.Compare(a.from, b.from) })
		f.merge()
	}
	return n
}

// merge keeps the holes within maxHoles: the two with the fewest bytes
// between them become one that lacks the bytes both lacked, so that the
// bytes filling either still count once and the total stays right
// (dropping the lowest, as before, counted its bytes as resent when they
// came: 109352 of 131072 bytes past 8 holes).
func (f *Flow) merge() {
	for len(f.holes) > maxHoles {
		k := 0
		for x := 1; x+1 < len(f.holes); x++ {
			if f.holes[x+1].from-f.holes[x].to < f.holes[k+1].from-f.holes[k].to {
				k = x
			}
		}
		a, b := f.holes[k], f.holes[k+1]
		f.holes[k] = hole{a.from, b.to, a.room + b.room}
		f.holes = slices.Delete(f.holes, k+1, k+2)
		f.Merged++
	}
}

// offset is seq's offset from the flow's first byte, taken within 2 GiB
// of the highest seen (so that a flow past 4 GiB keeps counting).
func (f *Flow) offset(seq uint32) int64 {
	return f.Sent + int64(int32(seq-(f.base+uint32(f.Sent))))
}

func (f *Flow) setBase(seq uint32) {
	if !f.haveBase {
		f.base, f.haveBase = seq, true
	}
}

// payload counts a segment of n bytes from seq sent at ts.
func (f *Flow) payload(seq uint32, n int, ts time.Time) int64 {
	f.setBase(seq)
	start := f.offset(seq)
	end := start + int64(n)
	fresh := f.fill(start, min(end, f.Sent))
	if start > f.Sent {
		f.holes = append(f.holes, hole{f.Sent, start, start - f.Sent})
		f.merge()
	}
	fresh += max(end-max(start, f.Sent), 0)
	fresh = min(fresh, int64(n))
	f.Bytes += fresh
	if fresh < int64(n) {
		f.Resent++
		f.ResentBytes += int64(n) - fresh
		if end > f.Acked {
			if f.Stalled == 0 || f.StallAcked != f.Acked {
				f.Stalled, f.StallAcked, f.StallEnd = 0, f.Acked, 0
			}
			f.Stalled++
			f.StallEnd = max(f.StallEnd, end)
			f.StallAt = ts
		}
	}
	if end > f.Sent {
		f.Sent, f.SentAt = end, ts
	}
	return fresh
}

// ack records the other side's acknowledgment number.
func (f *Flow) ack(ack uint32) {
	if !f.haveBase {
		return
	}
	a := max(f.offset(ack), 0)
	if f.fin && a > f.finOff {
		a = f.finOff
	}
	if !f.HaveAck || a > f.Acked {
		f.Acked, f.HaveAck = a, true
	}
}

// Start is when this point first saw the connection: its first SYN, else
// its SYN-ACK.
func (d *Data) Start() time.Time {
	if d.HaveISN {
		return d.FirstSYN
	}
	return d.SYNACK
}

// segSig is what tells a copy of a segment from the next segment: a
// capture that holds every frame twice (a mirror port fed by both
// directions of a tap, a bridge captured on two interfaces) repeats it
// right after the original, within microseconds to milliseconds, while
// TCP resends no sooner than its minimum retransmission timeout (200 ms
// on Linux, 1 s for a SYN). Two identical segments with another of the
// connection in between are both real: a server's timer resending its
// SYN-ACK and its answer to the client's resent SYN can be 0.1 ms apart.
type segSig struct {
	src        netip.AddrPort
	seq, ack   uint32
	flags      decode.TCPFlags
	window     uint16
	payloadLen int
	ts         time.Time
}

// maxSYNTimes bounds Data.SYNTimes: Linux sends at most 7 SYNs by
// default (tcp_syn_retries 6), other systems fewer.
const maxSYNTimes = 8

// dupWindow is how close in time a copy of a segment must follow it to be
// a duplicate frame rather than a retransmission.
const dupWindow = 50 * time.Millisecond

// duplicate says whether s repeats the connection's last segment (last)
// within dupWindow, and records s as the last one otherwise.
func duplicate(last *segSig, s *decode.Segment) bool {
	sig := segSig{src: s.Src, seq: s.Seq, ack: s.Ack, flags: s.Flags, window: s.Window, payloadLen: s.PayloadLen, ts: s.TS}
	if !last.ts.IsZero() && sig.src == last.src && sig.seq == last.seq && sig.ack == last.ack && sig.flags == last.flags &&
		sig.window == last.window && sig.payloadLen == last.payloadLen && !s.TS.Before(last.ts) && s.TS.Sub(last.ts) <= dupWindow {
		return true
	}
	*last = sig
	return false
}

func dirIndex(fromClient bool) int {
	if fromClient {
		return 0
	}
	return 1
}

// Collector records one capture point. It implements decode.Handler.
type Collector struct {
	Name  string
	Files []string
	opts  Options

	control map[decode.ConnKey]*Control
	ctlList []*Control
	// early: connections to an attached port (Options.Attached) decode
	// does not know for FTP yet, recorded from their handshake; each
	// joins control when decode takes it for FTP (ctl), and leaves at
	// its first FIN or RST otherwise.
	early    map[decode.ConnKey]*Control
	data     map[decode.ConnKey]*Data
	dataList []*Data
	limits   Limits

	kept  int // bytes charged against opts.KeepControlBytes
	store segStore

	// files: what each of the point's files covers (rotated files read
	// as one, Segment.Input telling them apart), in the order they were
	// read, one per file: bounded by the files given. cur is the one the
	// last segment came from (an ICMP error counts in it).
	files []fileSpan
	cur   int
	// res is the coarsest power of ten (in nanoseconds, at most a
	// second) that divides every packet time: the capture's timestamp
	// resolution as far as its packets show it (0 before the first).
	res time.Duration
	// icmpErrors counts the ICMP errors quoting TCP it holds, nonTCP the
	// packets neither TCP nor such an error (NonTCP): a capture filtered
	// by TCP port keeps none of either.
	icmpErrors int
	nonTCP     uint64
	// carry: what a Stream's earlier batches showed of the point, which
	// a later batch's connections alone may not (Report.dataAt,
	// Report.otherPorts).
	carry carried
}

// carried is what a point's earlier batches showed (Stream).
type carried struct {
	dataAt     [2]bool
	otherPorts bool
}

// NonTCP adds n to the packets of the point's capture that were neither
// TCP nor an ICMP error quoting TCP (ARP, UDP, neighbour discovery:
// decode.Stats NotIP plus NotTCP). A capture that holds some was not
// filtered to FTP's ports: the data connections it holds none of did not
// pass it.
func (c *Collector) NonTCP(n uint64) { c.nonTCP += n }

// Span is what a point's capture covers: its first and last packet times
// (TCP segments and ICMP errors) and how many it held. An event outside a
// point's span was not captured there, which says nothing about the
// network.
type Span struct {
	First, Last time.Time
	Packets     int
	// Breaks: the times between First and Last that none of the point's
	// files covers (rotated files with one missing: between the last
	// packet of one and the first of the next, over rotationGap apart),
	// earliest first. They were not captured.
	Breaks []Break
}

// Break is a time a point's capture did not cover: its files stopped
// after After and resumed at Before.
type Break struct{ After, Before time.Time }

// Covers says whether t lies within the span, slack inside either end
// (and either end of a break).
func (p Span) Covers(t time.Time, slack time.Duration) bool {
	if p.Packets == 0 || t.Before(p.First.Add(slack)) || t.After(p.Last.Add(-slack)) {
		return false
	}
	for _, b := range p.Breaks {
		if t.After(b.After.Add(-slack)) && t.Before(b.Before.Add(slack)) {
			return false
		}
	}
	return true
}

// Through says whether the span covers all of [from, to], no break in it.
func (p Span) Through(from, to time.Time) bool {
	if p.Packets == 0 || from.Before(p.First) || to.After(p.Last) {
		return false
	}
	return !slices.ContainsFunc(p.Breaks, func(b Break) bool { return b.After.Before(to) && b.Before.After(from) })
}

// breakAround is the break that t, or the time up to d after it, falls
// in (ok false when none).
func (p Span) breakAround(t time.Time, d time.Duration) (Break, bool) {
	for _, b := range p.Breaks {
		if b.After.Before(t.Add(d)) && b.Before.After(t) {
			return b, true
		}
	}
	return Break{}, false
}

// fileSpan is what one of a point's files covers.
type fileSpan struct {
	input       uint32
	first, last time.Time
	packets     int
}

// seen counts a packet of the point's input'th file (Segment.Input);
// known false for an ICMP error, which counts in the file of the last
// segment.
func (c *Collector) seen(t time.Time, input uint32, known bool) {
	if known && (len(c.files) == 0 || c.files[c.cur].input != input) {
		c.cur = slices.IndexFunc(c.files, func(f fileSpan) bool { return f.input == input })
		if c.cur < 0 {
			c.files = append(c.files, fileSpan{input: input})
			c.cur = len(c.files) - 1
		}
	}
	if len(c.files) == 0 {
		c.files, c.cur = append(c.files, fileSpan{input: input}), 0
	}
	f := &c.files[c.cur]
	if f.packets == 0 || t.Before(f.first) {
		f.first = t
	}
	if t.After(f.last) {
		f.last = t
	}
	f.packets++
	if c.res == 0 {
		c.res = time.Second
	}
	for c.res > 1 && t.UnixNano()%int64(c.res) != 0 {
		c.res /= 10
	}
}

// Resolution is the point's timestamp resolution as its packets show it:
// the coarsest power of ten of nanoseconds (at most a second) dividing
// every packet time; 0 when it captured nothing.
func (c *Collector) Resolution() time.Duration { return c.res }

// rotationGap: files of a point that follow each other less than this
// apart are one capture, no break between them (tcpdump -C or -G starts
// the next file at the next packet, and a quiet moment looks the same).
// Shorter than TCP's first retransmission of a SYN or SYN-ACK (1 s), so a
// missing file this short could have held one try at most: the next
// file shows the retry. Not read's 3 s (track's EvidenceWait): a missing
// file that long may hold every try of a SYN, and its silence would
// read as a loss.
const rotationGap = coverAfter

// Span returns what the point's capture covers: from its first packet to
// its last, less the breaks between its files (files that overlap in
// time cover their union; files that follow each other within
// rotationGap are one capture, no break).
func (c *Collector) Span() Span {
	var sp Span
	fs := slices.Clone(c.files)
	slices.SortFunc(fs, func(a, b fileSpan) int { return a.first.Compare(b.first) })
	for _, f := range fs {
		if f.packets == 0 {
			continue
		}
		switch {
		case sp.Packets == 0:
			sp.First, sp.Last = f.first, f.last
		case f.first.Sub(sp.Last) >= rotationGap:
			sp.Breaks = append(sp.Breaks, Break{After: sp.Last, Before: f.first})
			sp.Last = f.last
		case f.last.After(sp.Last):
			sp.Last = f.last
		}
		sp.Packets += f.packets
	}
	return sp
}

// NewCollector returns a Collector for the point named name.
func NewCollector(name string, o Options) *Collector {
	o.defaults()
	return &Collector{Name: name, opts: o, control: map[decode.ConnKey]*Control{}, data: map[decode.ConnKey]*Data{}}
}

// Limits returns what was not kept.
func (c *Collector) Limits() Limits { return c.limits }

func (c *Collector) ctl(key decode.ConnKey) *Control {
	if x := c.control[key]; x != nil {
		return x
	}
	if x := c.early[key]; x != nil {
		// Decode took it for FTP: its record from the handshake on.
		delete(c.early, key)
		if len(c.ctlList) >= c.opts.MaxConns {
			c.limits.ControlDropped++
			return nil
		}
		c.control[key] = x
		c.ctlList = append(c.ctlList, x)
		return x
	}
	return c.newCtl(key)
}

// newCtl starts a new record for key, replacing the one it had (a new
// SYN on a 4-tuple used before is a new connection).
func (c *Collector) newCtl(key decode.ConnKey) *Control {
	if len(c.ctlList) >= c.opts.MaxConns {
		c.limits.ControlDropped++
		return nil
	}
	x := &Control{}
	c.control[key] = x
	c.ctlList = append(c.ctlList, x)
	return x
}

// Segment implements decode.Handler.
func (c *Collector) Segment(s *decode.Segment) {
	c.seen(s.TS, s.Input, true)
	syn, ack := s.Flags.Has(decode.FlagSYN), s.Flags.Has(decode.FlagACK)
	key := decode.MakeConnKey(s.Src, s.Dst)
	if s.Control {
		x := c.ctl(key)
		if x == nil {
			return
		}
		if syn && !ack && x.HaveISN[0] && s.Seq != x.ISN[0] && s.Src == x.Client {
			// The same 4-tuple with another ISN: a new connection (the
			// client reused its port after the old one closed).
			if x = c.newCtl(key); x == nil {
				return
			}
		}
		c.controlSegment(x, s, syn, ack)
		return
	}
	if c.opts.Attached != nil {
		c.earlySegment(key, s, syn, ack)
	}
	c.dataSegment(key, s, syn, ack)
}

// earlySegment records s, of a connection decode does not know for FTP
// (yet), when the connection goes to an attached port
// (Options.Attached) and the point holds its handshake: the roles and
// every byte from its start are known then. (The data record it gets
// too, as before decode knew it, pairs with no announcement.)
func (c *Collector) earlySegment(key decode.ConnKey, s *decode.Segment, syn, ack bool) {
	x := c.early[key]
	if x == nil || syn && !ack && x.HaveISN[0] && s.Seq != x.ISN[0] && s.Src == x.Client {
		switch {
		case syn && !ack && c.opts.Attached(s.Dst.Port()):
		case syn && ack && x == nil && c.opts.Attached(s.Src.Port()):
		default:
			return
		}
		if x == nil && len(c.early) >= maxEarly {
			return
		}
		if c.early == nil {
			c.early = map[decode.ConnKey]*Control{}
		}
		x = &Control{}
		c.early[key] = x
	}
	c.controlSegment(x, s, syn, ack)
	if s.Flags.Has(decode.FlagRST) || s.Flags.Has(decode.FlagFIN) {
		delete(c.early, key) // closing before decode took it for FTP
	}
}

// controlSegment records a segment of the control connection x.
func (c *Collector) controlSegment(x *Control, s *decode.Segment, syn, ack bool) {
	fromClient := !x.Client.IsValid() || s.Src == x.Client
	if syn && !ack {
		fromClient = true
	} else if syn {
		fromClient = false
	}
	if duplicate(&x.last, s) {
		return
	}
	x.Last = s.TS
	x.Packets[dirIndex(fromClient)]++
	if s.Flags.Has(decode.FlagRST) {
		x.rst = true
	} else {
		x.lastFrom[dirIndex(fromClient)] = s.TS
		if s.Flags.Has(decode.FlagFIN) {
			x.fin[dirIndex(fromClient)] = true
		}
	}
	if d := dirIndex(fromClient); x.TTL[d] == 0 {
		x.TTL[d] = s.TTL
	} else if s.TTL != 0 && s.TTL != x.TTL[d] {
		x.TTLVaried[d] = true
	}
	switch {
	case syn && !ack && !x.HaveISN[0]:
		x.ISN[0], x.HaveISN[0], x.SYN = s.Seq, true, s.TS
		x.Client, x.Server = s.Src, s.Dst
		if x.Start.IsZero() || s.TS.Before(x.Start) {
			x.Start = s.TS
		}
		x.SYNs++
	case syn && !ack && s.Seq == x.ISN[0]:
		x.SYNs++
	case syn && ack && !x.HaveISN[1]:
		x.ISN[1], x.HaveISN[1], x.SYNACK = s.Seq, true, s.TS
		x.SYNACKs++
		if !x.Client.IsValid() {
			// Its SYN not captured (one direction only, or a capture
			// that began after it): the SYN-ACK names the client, so
			// that the server's later segments count as its own.
			x.Client, x.Server = s.Dst, s.Src
		}
	case syn && ack && s.Seq == x.ISN[1]:
		x.SYNACKs++
	}
	if s.PayloadLen > len(s.Payload) {
		x.Cut[dirIndex(fromClient)]++
	}
	// Sequence numbers only once the sides are known (a capture
	// begun mid-connection learns them from its first line).
	if d := dirIndex(fromClient); s.PayloadLen > 0 && x.Client.IsValid() {
		if end := s.Seq + uint32(s.PayloadLen); !x.haveSent[d] || seqAfter(end, x.sent[d]) {
			x.sent[d], x.haveSent[d] = end, true
		}
	}
	if d := 1 - dirIndex(fromClient); ack && !s.Flags.Has(decode.FlagRST) && x.Client.IsValid() && (!x.haveAcked[d] || seqAfter(s.Ack, x.acked[d])) {
		x.acked[d], x.haveAcked[d] = s.Ack, true
	}
	if s.PayloadLen > 0 && c.opts.KeepControlBytes > 0 {
		c.keep(x, s, !s.Control)
	}
}

// dataSegment records a segment of a connection decode does not know for
// FTP: a data connection.
func (c *Collector) dataSegment(key decode.ConnKey, s *decode.Segment, syn, ack bool) {
	d := c.data[key]
	if syn && !ack {
		if d != nil && d.HaveISN && d.ISN != s.Seq && d.Src == s.Src {
			d = nil // the 4-tuple used again: a new connection
		}
		if d == nil {
			if d = c.addData(key, s.Src, s.Dst); d == nil {
				return
			}
		}
		if duplicate(&d.last, s) {
			return
		}
		if !d.HaveISN {
			d.ISN, d.HaveISN, d.FirstSYN, d.SYNNum = s.Seq, true, s.TS, s.Num
			d.Flows[0].setBase(s.Seq + 1)
		}
		d.SYNs++
		d.LastSYN, d.Last = s.TS, s.TS
		if len(d.SYNTimes) < maxSYNTimes {
			d.SYNTimes = append(d.SYNTimes, s.TS)
		}
		return
	}
	if d == nil && syn {
		// A SYN-ACK whose SYN this point did not capture: the SYN passed
		// (it was answered), so the connection is on record.
		d = c.addData(key, s.Dst, s.Src)
	}
	if d == nil {
		return
	}
	if duplicate(&d.last, s) {
		return
	}
	d.Last = s.TS
	if !syn && s.Src == d.Src && !s.Flags.Has(decode.FlagRST) {
		d.SenderSegs++
	}
	if syn && s.Src == d.Dst {
		if d.SYNACKs == 0 {
			d.SYNACK, d.SYNACKISN = s.TS, s.Seq
		}
		d.SYNACKs++
	}
	if s.Flags.Has(decode.FlagRST) && d.RST.IsZero() {
		d.RST, d.RSTFrom, d.RSTFromDst, d.RSTTTL = s.TS, s.Src.Addr(), s.Src == d.Dst, s.TTL
	}
	d.flow(s, syn, ack)
}

// flow counts the segment's payload, FIN and acknowledgment in d.Flows.
func (d *Data) flow(s *decode.Segment, syn, ack bool) {
	x := 0
	if s.Src != d.Src {
		x = 1
	}
	f, peer := &d.Flows[x], &d.Flows[1-x]
	if syn {
		// A SYN-ACK: the receiver's first byte follows it, and it
		// acknowledges the SYN (the sender's first byte) though this
		// point missed the SYN.
		f.setBase(s.Seq + 1)
		if ack {
			peer.setBase(s.Ack)
		}
	}
	if s.PayloadLen > 0 {
		d.Bytes += f.payload(s.Seq, s.PayloadLen, s.TS)
	}
	if s.Flags.Has(decode.FlagFIN) {
		f.setBase(s.Seq)
		f.fin, f.finOff = true, f.offset(s.Seq)+int64(s.PayloadLen)
	}
	if ack && !s.Flags.Has(decode.FlagRST) {
		peer.ack(s.Ack)
	}
}

// keep copies a control segment for CheckHelper, within the budget
// (early: of a connection decode does not know for FTP yet, within
// earlyMaxBytes). A segment that comes before the roles are known (a
// capture begun mid-connection: decode reads the first line after the
// segment that brings it) is kept by its sender, and its side settled
// when they are (Control.settle).
func (c *Collector) keep(x *Control, s *decode.Segment, early bool) {
	fromClient := s.Src == x.Client
	if !x.Client.IsValid() {
		if !x.keptFrom.IsValid() {
			x.keptFrom = s.Src
		}
		fromClient = s.Src == x.keptFrom
	}
	cost := len(s.Payload) + segOverhead
	if x.SegsCut || c.kept+cost > c.opts.KeepControlBytes || early && x.keptBytes+len(s.Payload) > earlyMaxBytes {
		// Once one is missing the rest of the connection is useless to
		// the helper's model: keep nothing more of it.
		x.SegsCut = true
		c.limits.SegmentsDropped++
		return
	}
	c.kept += cost
	x.keptBytes += len(s.Payload)
	c.add(x, fromClient, s.Seq, s.TS, s.Num, s.Payload, len(s.Payload) < s.PayloadLen)
}

// add appends a segment to x, its payload copied into the blocks.
func (c *Collector) add(x *Control, fromClient bool, seq uint32, ts time.Time, num uint64, p []byte, cut bool) {
	st := &c.store
	last := len(st.blocks) - 1
	if last < 0 || cap(st.blocks[last])-len(st.blocks[last]) < len(p) {
		st.blocks = append(st.blocks, make([]byte, 0, max(arenaChunk, len(p))))
		last++
	}
	off := len(st.blocks[last])
	st.blocks[last] = append(st.blocks[last], p...)
	x.store = st
	x.Segs = append(x.Segs, Seg{Seq: seq, FromClient: fromClient, Cut: cut, Num: num, ts: ts.UnixNano(),
		block: int32(last), off: int32(off), n: int32(len(p))})
}

// Unreachable implements decode.Handler.
func (c *Collector) Unreachable(u *decode.Unreachable) {
	c.seen(u.TS, 0, false)
	c.icmpErrors++
	d := c.data[decode.MakeConnKey(u.Src, u.Dst)]
	if d == nil || !d.ICMP.IsZero() {
		return
	}
	d.ICMP, d.ICMPFrom, d.ICMPType, d.ICMPCode, d.ICMPTTL = u.TS, u.From, u.Type, u.Code, u.TTL
}

// Control implements decode.Handler.
func (c *Collector) Control(e *decode.ControlEvent) {
	x := c.ctl(decode.MakeConnKey(e.Client, e.Server))
	if x == nil {
		return
	}
	if !x.Client.IsValid() {
		x.Client, x.Server = e.Client, e.Server
		x.settle()
	}
	if x.Start.IsZero() {
		x.Start = e.TS
	}
	if e.Encrypts {
		x.Encrypted = true
	}
	c.line(x, e)
	if e.Endpoint.Via == 0 || e.EndpointErr != nil {
		return
	}
	if len(x.Announce) >= c.opts.MaxAnnouncements {
		x.annDropped++
		c.limits.AnnouncementsDropped++
		return
	}
	text := ""
	switch e.Kind {
	case decode.ControlCommand:
		text = e.Command.Verb + " " + e.Command.Arg
	case decode.ControlReply:
		if e.Reply != nil && len(e.Reply.Lines) > 0 {
			text = e.Reply.Lines[len(e.Reply.Lines)-1]
		}
	}
	text, more := cutText(text, maxText)
	// The segment completing the line went to Segment first: the highest
	// byte sent then is at or past the line's end.
	d := dirIndex(e.Kind == decode.ControlCommand)
	x.Announce = append(x.Announce, Announcement{Via: e.Endpoint.Via, Endpoint: e.Endpoint.Addr, Text: text, TextMore: more, TS: e.TS, Num: e.Num,
		end: x.sent[d], haveEnd: x.haveSent[d]})
}

// line keeps the hash of a command or reply. What a NAT helper may
// rewrite (an announcement) is kept as a wildcard; a password is hashed
// like any other argument and never kept.
func (c *Collector) line(x *Control, e *decode.ControlEvent) {
	if len(x.Lines) >= maxLines {
		return
	}
	h := fnvOffset
	l := Line{TS: e.TS, Announce: e.Endpoint.Via != 0 || e.EndpointErr != nil}
	if e.Endpoint.Via != 0 {
		l.Port = e.Endpoint.Addr.Port()
	}
	switch e.Kind {
	case decode.ControlCommand:
		l.FromClient = true
		h = fnvAdd(fnvAdd(fnvAdd(h, e.Command.Verb), " "), e.Command.Arg)
		l.Text, l.TextCut = lineText(e.Command.Verb)
		if e.Secret && !strings.EqualFold(e.Command.Verb, "PASS") && !strings.EqualFold(e.Command.Verb, "ACCT") {
			// A password line without its verb (after a 331, a gap):
			// its first word is the password, masked as outputs do.
			l.Text, l.TextCut = maskedText, false
		}
	case decode.ControlReply:
		if e.Reply == nil {
			return
		}
		l.Code = e.Reply.Code
		h = fnvAdd(h, strconv.Itoa(e.Reply.Code))
		for _, t := range e.Reply.Lines {
			h = fnvAdd(fnvAdd(h, "\n"), t)
		}
		if n := len(e.Reply.Lines); n > 0 {
			l.Text, l.TextCut = lineText(e.Reply.Lines[n-1])
		}
		if e.SecretEcho {
			// It repeats a line decode masked: a password, maybe.
			l.Text, l.TextCut = maskedText, false
		}
	default:
		return
	}
	// The segment completing the line went to Segment first (as for an
	// Announcement).
	d := dirIndex(l.FromClient)
	l.end, l.haveEnd = x.sent[d], x.haveSent[d]
	l.Hash = h
	x.Lines = append(x.Lines, l)
}

// maskedText stands for a line's text that may hold a password
// (decode's Secret, SecretEcho), as the outputs mask it.
const maskedText = "********"

// lineText is s bounded to maxLineText for Line.Text, and whether it was
// cut: a short line is kept as it is (it pins no more than itself), a
// longer one copied once cut so that the kept text never holds a long
// line alive.
func lineText(s string) (string, bool) {
	if len(s) <= maxLineText {
		return s, false
	}
	t, _ := cutText(s, maxLineText)
	return strings.Clone(t), true
}

// FNV-1a, 64 bits, over strings without copying them.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// cutText bounds s to n bytes without splitting a UTF-8 character: a
// character the bound would cut in two is left out whole, so what is kept
// reads as the line did (a split one shows as an invalid byte). It
// returns what is kept and how many bytes were left out. Bytes that are
// not UTF-8 to begin with are cut where the bound falls.
func cutText(s string, n int) (string, int) {
	if len(s) <= n {
		return s, 0
	}
	cut := n
	// The last character start at or before the bound, at most
	// utf8.UTFMax-1 bytes back: if its character does not end by the
	// bound, cut before it.
	for back := 1; back < utf8.UTFMax && cut-back >= 0; back++ {
		if i := cut - back; utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:cut]) {
				cut = i
			}
			break
		}
	}
	return s[:cut], len(s) - cut
}

// Tick implements decode.Handler.
func (c *Collector) Tick(time.Time) {}

// Finish implements decode.Handler.
func (c *Collector) Finish() {}

// addData records a data connection from src to dst under key, or counts
// it dropped (nil) when the point holds MaxConns already.
func (c *Collector) addData(key decode.ConnKey, src, dst netip.AddrPort) *Data {
	if len(c.dataList) >= c.opts.MaxConns {
		c.limits.DataDropped++
		return nil
	}
	d := &Data{Src: src, Dst: dst}
	c.data[key] = d
	c.dataList = append(c.dataList, d)
	return d
}
