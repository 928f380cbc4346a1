package vantage

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// Options bounds a Collector.
type Options struct {
	MaxConns         int // control connections, and data connections, kept; 0 = 100000
	MaxAnnouncements int // announcements kept per control connection; 0 = 64
}

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
}

// maxText bounds an announcement's kept text.
const maxText = 160

// Announcement is one data endpoint a control connection announced, as
// one point saw it.
type Announcement struct {
	Via      ftp.Via
	Endpoint netip.AddrPort // as the text states it (EPSV: invalid address)
	Text     string         // the line, bounded
	TS       time.Time
	Num      uint64
}

// Control is one control connection as one point saw it.
type Control struct {
	Client, Server netip.AddrPort
	// ISN: the initial sequence numbers, [0] the client's (SYN), [1] the
	// server's (SYN-ACK); valid when HaveISN says so.
	ISN         [2]uint32
	HaveISN     [2]bool
	SYN, SYNACK time.Time
	Start       time.Time
	Announce    []Announcement
	Encrypted   bool
	annDropped  int
}

// Data is one data connection (a SYN) as one point saw it.
type Data struct {
	Src, Dst  netip.AddrPort // the SYN's
	ISN       uint32
	SYNs      int
	FirstSYN  time.Time
	SYNNum    uint64
	SYNACK    time.Time
	SYNACKISN uint32
	SYNACKs   int
	// RST: a reset seen, and whether the SYN's receiver sent it.
	RST        time.Time
	RSTFromDst bool
	RSTFrom    netip.Addr
	ICMPFrom   netip.Addr
	ICMP       time.Time
	ICMPType   uint8
	ICMPCode   uint8
	Bytes      int64
}

// Collector records one capture point. It implements decode.Handler.
type Collector struct {
	Name  string
	Files []string
	opts  Options

	control  map[decode.ConnKey]*Control
	ctlList  []*Control
	data     map[decode.ConnKey]*Data
	dataList []*Data
	limits   Limits
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
	syn, ack := s.Flags.Has(decode.FlagSYN), s.Flags.Has(decode.FlagACK)
	key := decode.MakeConnKey(s.Src, s.Dst)
	if s.Control {
		x := c.ctl(key)
		if x == nil {
			return
		}
		switch {
		case syn && !ack && !x.HaveISN[0]:
			x.ISN[0], x.HaveISN[0], x.SYN = s.Seq, true, s.TS
			x.Client, x.Server = s.Src, s.Dst
			if x.Start.IsZero() {
				x.Start = s.TS
			}
		case syn && ack && !x.HaveISN[1]:
			x.ISN[1], x.HaveISN[1], x.SYNACK = s.Seq, true, s.TS
		}
		return
	}
	d := c.data[key]
	if syn && !ack {
		if d != nil && d.ISN != s.Seq && d.Src == s.Src {
			d = nil // the 4-tuple used again: a new connection
		}
		if d == nil {
			if len(c.dataList) >= c.opts.MaxConns {
				c.limits.DataDropped++
				return
			}
			d = &Data{Src: s.Src, Dst: s.Dst, ISN: s.Seq, FirstSYN: s.TS, SYNNum: s.Num}
			c.data[key] = d
			c.dataList = append(c.dataList, d)
		}
		d.SYNs++
		return
	}
	if d == nil {
		return
	}
	if syn && s.Src == d.Dst {
		if d.SYNACKs == 0 {
			d.SYNACK, d.SYNACKISN = s.TS, s.Seq
		}
		d.SYNACKs++
	}
	if s.Flags.Has(decode.FlagRST) && d.RST.IsZero() {
		d.RST, d.RSTFrom, d.RSTFromDst = s.TS, s.Src.Addr(), s.Src == d.Dst
	}
	d.Bytes += int64(s.PayloadLen)
}

// Unreachable implements decode.Handler.
func (c *Collector) Unreachable(u *decode.Unreachable) {
	d := c.data[decode.MakeConnKey(u.Src, u.Dst)]
	if d == nil || !d.ICMP.IsZero() {
		return
	}
	d.ICMP, d.ICMPFrom, d.ICMPType, d.ICMPCode = u.TS, u.From, u.Type, u.Code
}

// Control implements decode.Handler.
func (c *Collector) Control(e *decode.ControlEvent) {
	x := c.ctl(decode.MakeConnKey(e.Client, e.Server))
	if x == nil {
		return
	}
	if !x.Client.IsValid() {
		x.Client, x.Server = e.Client, e.Server
	}
	if x.Start.IsZero() {
		x.Start = e.TS
	}
	if e.Encrypts {
		x.Encrypted = true
	}
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
	if len(text) > maxText {
		text = text[:maxText]
	}
	x.Announce = append(x.Announce, Announcement{Via: e.Endpoint.Via, Endpoint: e.Endpoint.Addr, Text: text, TS: e.TS, Num: e.Num})
}

// Tick implements decode.Handler.
func (c *Collector) Tick(time.Time) {}

// Finish implements decode.Handler.
func (c *Collector) Finish() {}
