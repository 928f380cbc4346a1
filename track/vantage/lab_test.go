package vantage

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A lab is a path from an FTP client to an FTP server through a DNAT
// router, captured at several points (taps) along it, built packet by
// packet and decoded by each tap's own Decoder into its own Collector, as
// read --vantage does with files. The client dials 10.9.0.1, which the
// router forwards to the server's own 10.1.0.2 (the same text length, so
// a rewritten 227 moves no sequence number). Taps before natAt see the
// public address, the others the server's own. Each hop takes hopDelay.
type lab struct {
	t     *testing.T
	now   time.Time // on the true clock
	taps  []*tap
	natAt int
	// helper: the router rewrites 227s for the client's side.
	helper bool
	// lag is added to each hop of what the client sends on the control
	// connection (a queue on the forward path); step, when set, is the
	// time between its lines instead of 5 ms, so that no reply passes a
	// point before its command.
	lag, step time.Duration
	// noTransit: every tap sees a frame at the same instant (a transit
	// below the timestamps' resolution).
	noTransit bool
	// public, when valid, is the address taps before natAt see the server
	// at instead of labPublic.
	public netip.Addr
	// reversed gives the taps to Merge from the server's side on.
	reversed bool
	// snat, when valid, is the address taps from natAt on see the
	// client at, its ports moved by snatShift (a box that source-NATs
	// the client too).
	snat      netip.Addr
	snatShift uint16
}

// tap is one capture point.
type tap struct {
	c    *Collector
	dec  *decode.Decoder
	skew func(time.Time) time.Duration // its clock minus the true clock
	// snap cuts frames to that many bytes (0: whole).
	snap int
	// from and until bound what it captured (zero: no bound), on the
	// true clock.
	from, until time.Time
	dup         bool                // every frame twice (a mirror port)
	miss        func(f *frame) bool // frames the capture missed
	num         uint64
	// hold keeps the frames until merge, which hands them to the
	// decoder in time order: for labs sharing taps (concurrent sessions,
	// each with its own clock, forked).
	hold    bool
	pending []pending
}

type pending struct {
	f  frame
	at time.Time
}

// frame is one TCP segment on its way.
type frame struct {
	fromClient bool
	cport      uint16 // the client's port
	sport      uint16 // the server's port
	seq, ack   uint32
	syn, ackf  bool
	rst, fin   bool
	payload    string
}

var (
	labClient = netip.MustParseAddr("10.0.0.2")
	labPublic = netip.MustParseAddr("10.9.0.1")
	labServer = netip.MustParseAddr("10.1.0.2")
	labOther  = netip.MustParseAddr("93.184.216.34")
)

const hopDelay = time.Millisecond

func newLab(t *testing.T, points ...string) *lab {
	l := &lab{t: t, now: time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC), natAt: len(points) - 1}
	for _, p := range points {
		c := NewCollector(p, Options{})
		l.taps = append(l.taps, &tap{c: c, dec: decode.New(c, decode.Options{}), skew: func(time.Time) time.Duration { return 0 }})
	}
	return l
}

// send puts f on the wire at l.now: it passes the taps in its direction
// of travel, up to and including the reach'th (-1: all of them).
func (l *lab) send(f frame, reach int) {
	n := len(l.taps)
	for k := 0; k < n; k++ {
		if reach >= 0 && k > reach {
			break
		}
		i := k
		if !f.fromClient {
			i = n - 1 - k
		}
		hop := hopDelay
		if f.fromClient && f.sport == 21 {
			hop += l.lag
		}
		if l.noTransit {
			hop = 0
		}
		at := l.now.Add(time.Duration(k) * hop)
		if tp := l.taps[i]; tp.hold {
			tp.pending = append(tp.pending, pending{f, at})
			continue
		}
		l.deliver(i, f, at)
	}
}

func (l *lab) deliver(i int, f frame, at time.Time) {
	tp := l.taps[i]
	if !tp.from.IsZero() && at.Before(tp.from) || !tp.until.IsZero() && at.After(tp.until) || tp.miss != nil && tp.miss(&f) {
		return
	}
	server := labServer
	payload := f.payload
	if i < l.natAt {
		server = labPublic
		if l.public.IsValid() {
			server = l.public
		}
		if l.helper && len(payload) > 4 && payload[:4] == "227 " {
			payload = replaceAll(payload, "10,1,0,2", "10,9,0,1")
		}
	}
	client := netip.AddrPortFrom(labClient, f.cport)
	if i >= l.natAt && l.snat.IsValid() {
		client = netip.AddrPortFrom(l.snat, f.cport+l.snatShift)
	}
	srv := netip.AddrPortFrom(server, f.sport)
	if f.sport == 443 {
		srv = netip.AddrPortFrom(labOther, 443)
	}
	src, dst := client, srv
	if !f.fromClient {
		src, dst = srv, client
	}
	b := buildFrame(l.t, src, dst, f, payload)
	ci := gopacket.CaptureInfo{Timestamp: at.Add(tp.skew(at)), CaptureLength: len(b), Length: len(b)}
	if tp.snap > 0 && len(b) > tp.snap {
		b = b[:tp.snap]
		ci.CaptureLength = tp.snap
	}
	for copies := 0; copies < 1+btoi(tp.dup); copies++ {
		tp.num++
		tp.dec.DecodeNumbered(tp.num, b, ci, layers.LinkTypeEthernet)
		ci.Timestamp = ci.Timestamp.Add(time.Microsecond)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func replaceAll(s, old, repl string) string {
	out := ""
	for {
		i := indexOf(s, old)
		if i < 0 {
			return out + s
		}
		out += s[:i] + repl
		s = s[i+len(old):]
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func buildFrame(t *testing.T, src, dst netip.AddrPort, f frame, payload string) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: f.seq, Ack: f.ack,
		SYN: f.syn, ACK: f.ackf, RST: f.rst, FIN: f.fin, PSH: payload != "", Window: 65535}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// tick moves the true clock on.
func (l *lab) tick(d time.Duration) { l.now = l.now.Add(d) }

// ctl is one control connection in the lab.
type ctl struct {
	l          *lab
	cport      uint16
	cseq, sseq uint32
}

// control opens a control connection from cport with the given ISNs,
// logs in and leaves it ready for PASV.
func (l *lab) control(cport uint16, cisn, sisn uint32) *ctl {
	c := l.open(cport, cisn, sisn)
	c.reply("220 lab FTP server ready")
	c.command("USER anonymous")
	c.reply("331 Please specify the password.")
	c.command("PASS guest")
	c.reply("230 Login successful.")
	c.command("PWD")
	c.reply(`257 "/" is the current directory`)
	c.command("TYPE I")
	c.reply("200 Switching to Binary mode.")
	return c
}

// open makes the control connection's handshake, no line yet.
func (l *lab) open(cport uint16, cisn, sisn uint32) *ctl {
	c := &ctl{l: l, cport: cport, cseq: cisn, sseq: sisn}
	l.send(frame{fromClient: true, cport: cport, sport: 21, seq: cisn, syn: true}, -1)
	l.tick(3 * time.Millisecond)
	l.send(frame{cport: cport, sport: 21, seq: sisn, ack: cisn + 1, syn: true, ackf: true}, -1)
	l.tick(3 * time.Millisecond)
	c.cseq, c.sseq = cisn+1, sisn+1
	l.send(frame{fromClient: true, cport: cport, sport: 21, seq: c.cseq, ack: c.sseq, ackf: true}, -1)
	l.tick(3 * time.Millisecond)
	return c
}

func (l *lab) lineStep() time.Duration {
	if l.step > 0 {
		return l.step
	}
	return 5 * time.Millisecond
}

// fork is a lab on the same taps with its own clock, d later and its own
// lag: a second client running at the same time. The taps hold their
// frames until merge puts them in time order.
func (l *lab) fork(d, lag time.Duration) *lab {
	for _, tp := range l.taps {
		tp.hold = true
	}
	f := *l
	f.now, f.lag = l.now.Add(d), lag
	return &f
}

func (c *ctl) command(line string) {
	c.l.send(frame{fromClient: true, cport: c.cport, sport: 21, seq: c.cseq, ack: c.sseq, ackf: true, payload: line + "\r\n"}, -1)
	c.cseq += uint32(len(line) + 2)
	c.l.tick(c.l.lineStep())
}

func (c *ctl) reply(line string) {
	c.l.send(frame{cport: c.cport, sport: 21, seq: c.sseq, ack: c.cseq, ackf: true, payload: line + "\r\n"}, -1)
	c.sseq += uint32(len(line) + 2)
	c.l.tick(c.l.lineStep())
}

// pasv announces port.
func (c *ctl) pasv(port uint16) {
	c.command("PASV")
	c.reply(fmt.Sprintf("227 Entering Passive Mode (10,1,0,2,%d,%d).", port>>8, port&0xff))
}

// dataOpts says what happens to a data connection.
type dataOpts struct {
	synReach    int // how far the SYN gets (-1: all the way)
	synACKReach int // how far the SYN-ACK gets back (-1: all the way)
	synTries    int // SYNs sent (retransmissions 1 s apart); 0 = 1
}

// data opens a passive data connection from dport to port and, when it
// connects, sends size bytes to the client.
func (c *ctl) data(dport, port uint16, isn, sisn uint32, o dataOpts, size int) {
	l := c.l
	tries := max(o.synTries, 1)
	connected := false
	for k := 0; k < tries && !connected; k++ {
		l.send(frame{fromClient: true, cport: dport, sport: port, seq: isn, syn: true}, o.synReach)
		if o.synReach < 0 {
			l.tick(2 * time.Millisecond)
			l.send(frame{cport: dport, sport: port, seq: sisn, ack: isn + 1, syn: true, ackf: true}, o.synACKReach)
			connected = o.synACKReach < 0
		}
		if !connected {
			l.tick(time.Second)
		}
	}
	if !connected {
		return
	}
	l.tick(2 * time.Millisecond)
	l.send(frame{fromClient: true, cport: dport, sport: port, seq: isn + 1, ack: sisn + 1, ackf: true}, -1)
	c.reply("150 Here comes the data.")
	l.send(frame{cport: dport, sport: port, seq: sisn + 1, ack: isn + 1, ackf: true, payload: string(make([]byte, size))}, -1)
	l.tick(2 * time.Millisecond)
	l.send(frame{cport: dport, sport: port, seq: sisn + 1 + uint32(size), ack: isn + 1, ackf: true, fin: true}, -1)
	l.tick(2 * time.Millisecond)
	c.reply("226 Transfer complete.")
}

// quit ends the control connection.
func (c *ctl) quit() {
	c.command("QUIT")
	c.reply("221 Goodbye.")
}

// merge ends every tap's capture and merges them.
func (l *lab) merge() *Report {
	l.t.Helper()
	var cs []*Collector
	for i, tp := range l.taps {
		sort.SliceStable(tp.pending, func(a, b int) bool { return tp.pending[a].at.Before(tp.pending[b].at) })
		for _, p := range tp.pending {
			l.deliver(i, p.f, p.at)
		}
		tp.pending = nil
		tp.dec.Finish()
		cs = append(cs, tp.c)
	}
	if l.reversed {
		slices.Reverse(cs)
	}
	r, err := Merge(cs)
	if err != nil {
		l.t.Fatal(err)
	}
	return r
}

// onlyPath returns the report's one session's one data path.
func onlyPath(t *testing.T, r *Report) *Path {
	t.Helper()
	if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 1 {
		t.Fatalf("want 1 session with 1 data connection, got %s", describe(r))
	}
	return r.Sessions[0].Data[0]
}

func describe(r *Report) string {
	s := fmt.Sprintf("%d sessions (unpaired %v):", len(r.Sessions), r.Unpaired)
	for _, x := range r.Sessions {
		s += fmt.Sprintf(" [session %d by %s, order %v:", x.ID, x.PairedBy, x.Order)
		for _, p := range x.Data {
			s += fmt.Sprintf(" %v (%s) gaps %q;", p.Where, p.Verdict, p.Gaps)
		}
		for _, a := range x.Announcements {
			s += fmt.Sprintf(" ann %d missing %v %q;", a.Index, a.Missing, a.Verdict)
		}
		s += "]"
	}
	return s
}

// isDataSYN: the data connection's SYN (not the control connection's).
func isDataSYN(f *frame) bool { return f.syn && !f.ackf && f.sport != 21 }
