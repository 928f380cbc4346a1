package bench

import (
	"container/heap"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// SessionsConfig says what many-session capture GenerateSessions writes:
// Sessions vsftpd sessions arriving about Gap apart, at most Concurrency
// under way at once, so the packet time grows with the session count
// (10,000 sessions at the default 1 s span about 2.8 hours) while the
// number of live sessions stays bounded. The zero value of every field but
// Sessions picks the default given with it.
type SessionsConfig struct {
	// Sessions is how many FTP sessions the capture holds (1 to 100 million).
	Sessions int `json:"sessions"`
	// Seed makes the capture; the same seed and config give the same bytes.
	Seed uint64 `json:"seed"`
	// Concurrency is the most sessions under way at once (0 means 32); a
	// session that arrives when that many are open waits for one to end.
	Concurrency int `json:"concurrency"`
	// Gap is the mean time between session arrivals (0 means 1 s).
	Gap time.Duration `json:"gap_ns"`
	// Think is the mean pause of an interactive client before a command
	// (0 means Concurrency*Gap/12, which keeps about half the slots busy;
	// scripted clients pause milliseconds).
	Think time.Duration `json:"think_ns"`
	// Clients is the number of distinct client hosts (0 means 4096).
	Clients int `json:"clients"`
	// Servers is the number of vsftpd servers, each with an IPv4 and an
	// IPv6 address (0 means 4).
	Servers int `json:"servers"`
	// IPv6Share is the share of clients on IPv6: 0 means 0.1, negative none.
	IPv6Share float64 `json:"ipv6_share"`
	// MaxFile bounds a transferred file; sizes are log-uniform from 200
	// bytes (0 means 32 KiB).
	MaxFile int64 `json:"max_file"`
}

// Bounds of SessionsConfig.
const (
	maxSessionsCount    = 100_000_000
	maxSessionsParallel = 4096
	maxClientHosts      = 1 << 20
	maxServerHosts      = 200
	minFileSize         = 200
	maxFileSize         = 16 << 20
)

// SessionStats counts what GenerateSessions wrote: the numbers an analyser
// must find, and the shape of the capture.
type SessionStats struct {
	Config SessionsConfig `json:"config"` // with the defaults filled in

	Packets        int64 `json:"packets"`
	Bytes          int64 `json:"bytes"` // file size
	ControlPackets int64 `json:"control_packets"`
	DataPackets    int64 `json:"data_packets"`
	IPv6Packets    int64 `json:"ipv6_packets"`
	ControlBytes   int64 `json:"control_bytes"` // control-connection payload, both directions

	Sessions     int `json:"sessions"`
	FailedLogins int `json:"failed_logins"` // answered 530
	Commands     int `json:"commands"`      // control lines the clients sent
	Replies550   int `json:"replies_550"`   // RETR or SIZE of a missing file, anonymous STOR, CWD to a missing directory

	// DataConns counts the announced data endpoints (227, 229, PORT/EPRT
	// answered 200), each used by one transfer command, by outcome.
	DataConns     int   `json:"data_connections"`
	Transferred   int   `json:"transferred"`   // payload moved, FIN
	ConnectedOnly int   `json:"connected"`     // passive, answered 550: handshake, no payload
	NotAttempted  int   `json:"not_attempted"` // active, answered 550: vsftpd never connects
	DataBytes     int64 `json:"data_bytes"`    // payload over all data connections
	Via           struct {
		PASV int `json:"pasv"`
		EPSV int `json:"epsv"`
		PORT int `json:"port"`
		EPRT int `json:"eprt"`
	} `json:"via"`
	Verbs struct {
		LIST int `json:"list"`
		RETR int `json:"retr"`
		STOR int `json:"stor"`
	} `json:"verbs"`

	ClientHosts    int     `json:"client_hosts"`    // distinct client hosts that had a session
	MaxConcurrent  int     `json:"max_concurrent"`  // most sessions open at once
	MeanConcurrent float64 `json:"mean_concurrent"` // sessions open on average over the packet time
	LongPauses     int     `json:"long_pauses"`     // sessions idle 70 s to 280 s before a command
	First          string  `json:"first"`           // first packet's time, RFC 3339
	Last           string  `json:"last"`            // last packet's time
	SpanSeconds    float64 `json:"span_seconds"`
}

// Shape of the sessions. Every longPauseEvery-th session (or rarer, so
// that these take about an eighth of the Concurrency slots) pauses for
// long before one command: over the one-minute windows an analyser may
// expire state by, under vsftpd's 300 s idle_session_timeout.
const (
	longPauseEvery = 40
	longPauseMin   = 70 * time.Second
	longPauseMax   = 280 * time.Second
	catalogueFiles = 48
	delayedACK     = 40 * time.Millisecond // Linux's delayed-ACK timer
)

func (c *SessionsConfig) check() error {
	if c.Sessions < 1 || c.Sessions > maxSessionsCount {
		return fmt.Errorf("%w: %d sessions (want 1 to %d)", ErrConfig, c.Sessions, maxSessionsCount)
	}
	if c.Concurrency == 0 {
		c.Concurrency = 32
	}
	if c.Gap == 0 {
		c.Gap = time.Second
	}
	if c.Think == 0 {
		c.Think = time.Duration(c.Concurrency) * c.Gap / 12
	}
	if c.Clients == 0 {
		c.Clients = 4096
	}
	if c.Servers == 0 {
		c.Servers = 4
	}
	switch {
	case c.IPv6Share == 0:
		c.IPv6Share = 0.1
	case c.IPv6Share < 0:
		c.IPv6Share = -1
	case c.IPv6Share > 1:
		return fmt.Errorf("%w: IPv6 share %v above 1", ErrConfig, c.IPv6Share)
	}
	if c.MaxFile == 0 {
		c.MaxFile = 32 << 10
	}
	switch {
	case c.Concurrency < 1 || c.Concurrency > maxSessionsParallel:
		return fmt.Errorf("%w: concurrency %d (want 1 to %d)", ErrConfig, c.Concurrency, maxSessionsParallel)
	case c.Gap < time.Microsecond || c.Gap > time.Hour:
		return fmt.Errorf("%w: gap %v (want 1µs to 1h)", ErrConfig, c.Gap)
	case c.Think < time.Millisecond || c.Think > 4*time.Minute:
		return fmt.Errorf("%w: think time %v (want 1ms to 4m, under vsftpd's idle timeout)", ErrConfig, c.Think)
	case c.Clients < 1 || c.Clients > maxClientHosts:
		return fmt.Errorf("%w: %d clients (want 1 to %d)", ErrConfig, c.Clients, maxClientHosts)
	case c.Servers < 1 || c.Servers > maxServerHosts:
		return fmt.Errorf("%w: %d servers (want 1 to %d)", ErrConfig, c.Servers, maxServerHosts)
	case c.MaxFile < minFileSize || c.MaxFile > maxFileSize:
		return fmt.Errorf("%w: max file %d (want %d to %d bytes)", ErrConfig, c.MaxFile, minFileSize, maxFileSize)
	}
	return nil
}

// GenerateSessions writes a pcap (Ethernet, microseconds) of many small
// vsftpd sessions spread over hours of packet time, as seen on the
// servers' link, and returns what it holds. Memory is bounded by
// Concurrency, not by Sessions.
func GenerateSessions(out io.Writer, cfg SessionsConfig) (SessionStats, error) {
	if err := cfg.check(); err != nil {
		return SessionStats{}, err
	}
	g := newSessionGen(cfg)
	var raw Stats // the writer's packet counts
	w := newWriter(out, Start, &raw)
	g.run(w)
	err := w.flush()

	st := &g.stats
	st.Config = cfg
	st.Packets, st.Bytes = raw.Packets, raw.Bytes
	st.ControlPackets, st.DataPackets, st.IPv6Packets = raw.ControlPackets, raw.DataPackets, raw.IPv6Packets
	for _, used := range g.used {
		if used {
			st.ClientHosts++
		}
	}
	st.First = Start.Format(time.RFC3339Nano)
	last := w.now.Truncate(time.Microsecond) // as the records have it
	st.Last = last.UTC().Format(time.RFC3339Nano)
	st.SpanSeconds = last.Sub(Start).Seconds()
	return *st, err
}

// clientHost is one client machine: its address, round-trip time to the
// servers and next ephemeral port.
type clientHost struct {
	ep   endpoint
	rtt  time.Duration
	port uint16
}

// ftpServer is one vsftpd host: both addresses, its next passive port and
// the files it serves.
type ftpServer struct {
	v4, v6  endpoint
	pasv    uint16 // next passive port, pasv_min_port 40000 to pasv_max_port 49999
	files   []servedFile
	listing []byte // LIST of the catalogue, vsftpd's ls -l format
}

type servedFile struct {
	name    string
	content []byte
}

// sessionGen builds sessions and schedules their packets.
type sessionGen struct {
	cfg     SessionsConfig
	rng     *rand.Rand
	stats   SessionStats
	noise   []byte
	clients []clientHost
	used    []bool // client hosts that had a session
	servers []ftpServer
	users   int // named-user sessions so far
	// pauseEvery: every pauseEvery-th session pauses for long.
	pauseEvery int
}

func newSessionGen(cfg SessionsConfig) *sessionGen {
	g := &sessionGen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x73657373))}
	// A long pause holds a slot for (longPauseMin+longPauseMax)/2 on
	// average; one in pauseEvery arrivals, Gap apart, fills that many slots.
	meanPause := float64(longPauseMin+longPauseMax) / 2
	g.pauseEvery = max(longPauseEvery, int(math.Ceil(8*meanPause/(float64(cfg.Concurrency)*float64(cfg.Gap)))))
	g.noise = make([]byte, max(cfg.MaxFile, 64<<10)+64<<10)
	for i := 0; i+8 <= len(g.noise); i += 8 {
		v := g.rng.Uint64()
		for j := range 8 {
			g.noise[i+j] = byte(v >> (8 * j))
		}
	}
	g.clients = make([]clientHost, cfg.Clients)
	g.used = make([]bool, cfg.Clients)
	for i := range g.clients {
		var a netip.Addr
		if float64(i%1000) < cfg.IPv6Share*1000 {
			a = netip.AddrFrom16(with32([16]byte{0x20, 0x01, 0x0d, 0xb8, 0xc1, 0x1e}, uint32(i)+1))
		} else {
			a = netip.AddrFrom4([4]byte{10, byte(20 + i/62500), byte(i / 250 % 250), byte(i%250 + 1)})
		}
		c := clientHost{ep: hostAt(a, 0), port: uint16(32768 + g.rng.IntN(28000))}
		// Seven in ten on the LAN or nearby, the rest across a WAN.
		if g.rng.IntN(10) < 7 {
			c.rtt = time.Duration(100+g.rng.IntN(1900)) * time.Microsecond
		} else {
			c.rtt = time.Duration(10+g.rng.IntN(110)) * time.Millisecond
		}
		g.clients[i] = c
	}
	exts := []string{".txt", ".csv", ".tar.gz", ".zip", ".pdf", ".log", ".json", ".md"}
	for i := range cfg.Servers {
		s := ftpServer{
			v4:   hostAt(netip.AddrFrom4([4]byte{192, 0, 2, byte(21 + i)}), 21),
			v6:   hostAt(netip.AddrFrom16(with32([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x00, 0x21}, uint32(i)+0x21)), 21),
			pasv: uint16(40000 + g.rng.IntN(10000)),
		}
		s.v6.mac = s.v4.mac // one host, two addresses
		for j := range catalogueFiles {
			n := g.fileSize()
			off := g.rng.Int64N(int64(len(g.noise)) - n)
			name := "file-" + strconv.Itoa(100+j) + exts[j%len(exts)]
			s.files = append(s.files, servedFile{name: name, content: g.noise[off : off+n]})
			s.listing = fmt.Appendf(s.listing, "-rw-r--r--    1 1000     1000     %8d Jan 05 08:%02d %s\r\n", n, j, name)
		}
		g.servers = append(g.servers, s)
	}
	return g
}

// with32 puts v in the last four bytes of an IPv6 address.
func with32(b [16]byte, v uint32) [16]byte {
	b[12], b[13], b[14], b[15] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	return b
}

func hostAt(a netip.Addr, port uint16) endpoint {
	b := a.AsSlice()
	return endpoint{addr: a, port: port, mac: [6]byte{0x52, 0x54, b[len(b)-3], b[len(b)-2], b[len(b)-1], 0x02}}
}

// fileSize draws a size log-uniform from minFileSize to MaxFile.
func (g *sessionGen) fileSize() int64 {
	lo, hi := float64(minFileSize), float64(g.cfg.MaxFile)
	return min(int64(lo*math.Pow(hi/lo, g.rng.Float64())), g.cfg.MaxFile)
}

// sessOp is one step of a session: a handshake, a line, a bare ACK, a
// payload or a close on one of its connections, after a pause.
type sessOp struct {
	kind    opKind
	c       *conn
	server  int    // which side of c is the server (ep index)
	from    int    // side that sends (opLine, opAck, opSend) or closes first (opClose)
	line    []byte // opLine
	flags   uint8  // opAck: tcpFIN or tcpRST to send with the ACK
	content []byte // opSend
	rtt     time.Duration
	wait    time.Duration // pause after the previous op of the session
}

// live is a session under way: its ops and when the next one happens.
type live struct {
	ops []sessOp
	at  time.Time
	seq int // arrival order, to break ties in the schedule
}

type schedule []*live

func (s schedule) Len() int { return len(s) }
func (s schedule) Less(i, j int) bool {
	if s[i].at.Equal(s[j].at) {
		return s[i].seq < s[j].seq
	}
	return s[i].at.Before(s[j].at)
}
func (s schedule) Swap(i, j int) { s[i], s[j] = s[j], s[i] }
func (s *schedule) Push(x any)   { *s = append(*s, x.(*live)) }
func (s *schedule) Pop() any {
	old := *s
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*s = old[:len(old)-1]
	return x
}

// run starts sessions as they arrive (each waits for a free slot when
// Concurrency are open) and writes every session's next op in time order.
func (g *sessionGen) run(w *writer) {
	var open schedule
	next := Start // the next session's arrival
	started := 0
	var openTime float64 // session-seconds
	last := Start
	defer func() {
		if span := w.now.Sub(Start).Seconds(); span > 0 {
			g.stats.MeanConcurrent = math.Round(100*openTime/span) / 100
		}
	}()
	for w.err == nil {
		for started < g.cfg.Sessions && len(open) < g.cfg.Concurrency && (len(open) == 0 || !next.After(open[0].at)) {
			at := next
			if at.Before(w.now) {
				at = w.now // it waited for a slot
			}
			heap.Push(&open, &live{ops: g.session(), at: at, seq: started})
			started++
			g.stats.MaxConcurrent = max(g.stats.MaxConcurrent, len(open))
			// Uniform from 0 to twice the mean: arrivals bunch and thin out.
			next = next.Add(time.Duration(g.rng.Int64N(2*int64(g.cfg.Gap) + 1)))
		}
		if len(open) == 0 {
			return
		}
		s := open[0]
		if s.at.After(w.now) {
			w.now = s.at
		}
		openTime += float64(len(open)) * w.now.Sub(last).Seconds()
		last = w.now
		g.exec(w, &s.ops[0])
		s.ops = s.ops[1:]
		if len(s.ops) == 0 {
			heap.Pop(&open)
			continue
		}
		s.at = w.now.Add(s.ops[0].wait)
		heap.Fix(&open, 0)
	}
}

// Reaction times as seen on the server's link: the server's kernel
// answers a handshake at once, vsftpd replies within a fraction of a
// millisecond, a client's packet comes one round trip after what it
// answers.
const (
	kernelGap = 30 * time.Microsecond
	sendGap   = 2 * time.Microsecond
)

// gapBefore is the delay before side's packet that answers the other side.
func (o *sessOp) gapBefore(side int) time.Duration {
	if side == o.server {
		return kernelGap
	}
	return o.rtt
}

func (g *sessionGen) exec(w *writer, o *sessOp) {
	c := o.c
	switch o.kind {
	case opOpen:
		w.emit(c, 0, tcpSYN, nil, 0)
		w.emit(c, 1, tcpSYN|tcpACK, nil, o.gapBefore(1))
		w.emit(c, 0, tcpACK, nil, o.gapBefore(0))
	case opLine:
		w.emit(c, o.from, tcpPSH|tcpACK, o.line, 0)
	case opAck:
		w.emit(c, o.from, tcpACK|o.flags, nil, 0)
	case opSend:
		// Full segments, the receiver's delayed ACK after every two.
		p := o.content
		for k := 0; len(p) > 0; k++ {
			n := min(len(p), c.mss)
			flags := uint8(tcpACK)
			if n == len(p) {
				flags |= tcpPSH
			}
			w.emit(c, o.from, flags, p[:n], sendGap)
			p = p[n:]
			if k%2 == 1 || len(p) == 0 {
				w.emit(c, 1-o.from, tcpACK, nil, sendGap)
			}
		}
	case opClose:
		w.emit(c, o.from, tcpFIN|tcpACK, nil, 0)
		w.emit(c, 1-o.from, tcpFIN|tcpACK, nil, o.gapBefore(1-o.from))
		w.emit(c, o.from, tcpACK, nil, o.gapBefore(o.from))
	}
}

// Client programs: how they log in, which data commands they use and how
// long they pause.
type clientKind int

const (
	clientCurl        clientKind = iota // EPSV (EPRT when active), TYPE and SIZE before RETR
	clientFtplib                        // PASV/EPSV by family, PORT/EPRT when active
	clientLftp                          // FEAT first, PASV, SIZE
	clientInteractive                   // a person at netkit ftp or FileZilla: pauses, CWD, LIST
)

// anonymousPasswords is what each client sends as PASS for anonymous.
var anonymousPasswords = [...]string{clientCurl: "ftp@example.com", clientFtplib: "anonymous@", clientLftp: "lftp@", clientInteractive: "guest@example.org"}

// sessionBuilder accumulates one session's ops.
type sessionBuilder struct {
	g        *sessionGen
	ops      []sessOp
	ctl      *conn
	rtt      time.Duration
	kind     clientKind
	unacked  bool // the client has not yet acknowledged the server's last reply
	client   bool // the client sent the last packet so far
	longWait time.Duration
}

// think is the client's pause before its next command.
func (b *sessionBuilder) think() time.Duration {
	g := b.g
	if b.kind != clientInteractive {
		return time.Duration(500+g.rng.IntN(4500)) * time.Microsecond
	}
	t := time.Duration(g.rng.ExpFloat64() * float64(g.cfg.Think))
	return min(max(t, 200*time.Millisecond), 8*g.cfg.Think, longPauseMin-time.Second)
}

// serverDelay is vsftpd's time to answer a command.
func (b *sessionBuilder) serverDelay() time.Duration {
	return time.Duration(80+b.g.rng.IntN(400)) * time.Microsecond
}

func (b *sessionBuilder) add(o sessOp) {
	o.rtt = b.rtt
	if o.c == nil {
		o.c = b.ctl
	}
	if o.kind == opLine && o.c == b.ctl {
		b.g.stats.ControlBytes += int64(len(o.line))
	}
	last := o.from // side that sends the op's last packet
	switch o.kind {
	case opOpen:
		last = 0
	case opSend:
		last = 1 - o.from
	}
	b.client = last != o.server
	b.ops = append(b.ops, o)
}

// reply adds the server's reply lines on the control connection.
func (b *sessionBuilder) reply(lines ...string) {
	for _, r := range lines {
		b.add(sessOp{kind: opLine, server: 1, from: 1, line: line(r), wait: b.serverDelay()})
		b.unacked = true
	}
}

// cmd adds a command after the client's pause (acknowledging the last
// reply on its own first when the pause outlasts the delayed-ACK timer),
// then the replies. A command that follows the server's packet shows on
// the server's link one round trip later.
func (b *sessionBuilder) cmd(text string, replies ...string) {
	wait := b.think() + b.longWait
	b.longWait = 0
	if !b.client {
		wait += b.rtt
	}
	if b.unacked && !b.client && wait > b.rtt+delayedACK {
		b.add(sessOp{kind: opAck, server: 1, from: 0, wait: b.rtt + delayedACK})
		wait -= b.rtt + delayedACK
	}
	b.unacked = false
	b.g.stats.Commands++
	b.add(sessOp{kind: opLine, server: 1, from: 0, line: line(text), wait: wait})
	b.reply(replies...)
}

// session scripts one vsftpd session from SYN to the last ACK and counts it.
func (g *sessionGen) session() []sessOp {
	st := &g.stats
	st.Sessions++
	ci := g.rng.IntN(len(g.clients))
	g.used[ci] = true
	cl := &g.clients[ci]
	srv := &g.servers[g.rng.IntN(len(g.servers))]
	sep := srv.v4
	v6 := cl.ep.addr.Is6()
	if v6 {
		sep = srv.v6
	}
	ctl := newConn(g.clientPort(cl), sep, classControl, g.rng.Uint32)
	b := &sessionBuilder{g: g, ctl: ctl, rtt: cl.rtt, ops: make([]sessOp, 0, 48)}
	switch r := g.rng.IntN(20); {
	case r < 5:
		b.kind = clientCurl
	case r < 9:
		b.kind = clientFtplib
	case r < 12:
		b.kind = clientLftp
	default:
		b.kind = clientInteractive
	}
	active := g.rng.IntN(4) == 0 // PORT/EPRT for every transfer
	if st.Sessions%g.pauseEvery == g.pauseEvery/2 {
		st.LongPauses++
		b.longWait = longPauseMin + time.Duration(g.rng.Int64N(int64(longPauseMax-longPauseMin)))
	}
	long := b.longWait // placed before a command in the middle of the session
	b.longWait = 0

	b.add(sessOp{kind: opOpen, server: 1})
	b.reply("220 (vsFTPd 3.0.3)")
	if b.kind == clientLftp {
		b.cmd("FEAT", "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End")
	}
	anonymous := g.rng.IntN(5) < 3
	user, pass := "anonymous", anonymousPasswords[b.kind]
	if !anonymous {
		g.users++
		user, pass = "user"+strconv.Itoa(g.users%997), "pw-"+strconv.Itoa(g.rng.IntN(1e6))
	}
	b.cmd("USER "+user, "331 Please specify the password.")
	if g.rng.IntN(25) == 0 {
		st.FailedLogins++
		b.cmd("PASS "+pass, "530 Login incorrect.")
		b.longWait = long
		return b.quit()
	}
	b.cmd("PASS "+pass, "230 Login successful.")
	if b.kind != clientFtplib {
		b.cmd("PWD", `257 "/" is the current directory`)
	}
	if b.kind == clientInteractive {
		b.cmd("SYST", "215 UNIX Type: L8")
		if g.rng.IntN(2) == 0 {
			if g.rng.IntN(8) == 0 {
				st.Replies550++
				b.cmd("CWD incoming", "550 Failed to change directory.")
			} else {
				b.cmd("CWD pub", "250 Directory successfully changed.")
				b.cmd("PWD", `257 "/pub" is the current directory`)
			}
		}
	}
	typ := ""
	setType := func(t string) {
		if typ == t {
			return
		}
		typ = t
		if t == "A" {
			b.cmd("TYPE A", "200 Switching to ASCII mode.")
		} else {
			b.cmd("TYPE I", "200 Switching to Binary mode.")
		}
	}
	if b.kind != clientCurl {
		setType("I")
	}
	transfers := g.rng.IntN(5) // 0 to 4
	longAt := g.rng.IntN(transfers + 1)
	for i := range transfers {
		if i == longAt {
			b.longWait = long
		}
		b.transfer(srv, cl, sep, active, anonymous, setType)
	}
	if longAt == transfers {
		b.longWait = long
	}
	return b.quit()
}

// quit ends the session: QUIT, 221, vsftpd closes first.
func (b *sessionBuilder) quit() []sessOp {
	b.cmd("QUIT", "221 Goodbye.")
	b.add(sessOp{kind: opClose, server: 1, from: 1, wait: 20 * time.Microsecond})
	return b.ops
}

// clientPort gives the client host its next source port, as Linux hands
// them out from 32768 to 60999.
func (g *sessionGen) clientPort(cl *clientHost) endpoint {
	e := cl.ep
	e.port = cl.port
	cl.port++
	if cl.port > 60999 {
		cl.port = 32768
	}
	return e
}

// transfer adds one data command: the endpoint announcement, the data
// connection (or none), the transfer command and its replies.
func (b *sessionBuilder) transfer(srv *ftpServer, cl *clientHost, sep endpoint, active, anonymous bool, setType func(string)) {
	g, st := b.g, &b.g.stats
	st.DataConns++
	v6 := sep.addr.Is6()

	// What to transfer and whether it fails.
	var verb, arg, ok150, done226 string
	var content []byte
	upload, fails := false, false
	f := srv.files[g.rng.IntN(len(srv.files))]
	switch r := g.rng.IntN(20); {
	case r < 5:
		st.Verbs.LIST++
		verb, ok150, done226, content = "LIST", "150 Here comes the directory listing.", "226 Directory send OK.", srv.listing
	case r < 9:
		st.Verbs.STOR++
		verb, arg, upload = "STOR", "upload-"+strconv.Itoa(g.rng.IntN(1e6))+".dat", true
		fails = anonymous // vsftpd: anon_upload_enable=NO
		n := g.fileSize()
		off := g.rng.Int64N(int64(len(g.noise)) - n)
		content, ok150, done226 = g.noise[off:off+n], "150 Ok to send data.", "226 Transfer complete."
	default:
		st.Verbs.RETR++
		verb, arg, content = "RETR", f.name, f.content
		ok150 = fmt.Sprintf("150 Opening BINARY mode data connection for %s (%d bytes).", f.name, len(f.content))
		done226 = "226 Transfer complete."
		if g.rng.IntN(10) == 0 {
			fails, arg = true, "old-"+f.name
		}
	}
	if fails {
		st.Replies550++
	}
	// TYPE and SIZE as the client needs them: curl after the endpoint
	// (EPSV or EPRT, then TYPE I, SIZE, RETR), the others before.
	prepare := func() {
		if verb == "LIST" {
			if b.kind == clientCurl {
				setType("A")
			}
		} else {
			setType("I")
		}
		if verb == "RETR" && (b.kind == clientCurl || b.kind == clientLftp) {
			if fails {
				st.Replies550++
				b.cmd("SIZE "+arg, "550 Could not get file size.")
			} else {
				b.cmd("SIZE "+arg, "213 "+strconv.Itoa(len(content)))
			}
		}
	}
	if b.kind != clientCurl {
		prepare()
	}
	command := verb
	if arg != "" {
		command += " " + arg
	}
	failText := "550 Failed to open file."
	if verb == "STOR" {
		failText = "550 Permission denied."
	}

	if active {
		// The client listens on its next port; vsftpd connects from 20
		// after the transfer command, and never when it fails.
		lis := g.clientPort(cl)
		if v6 || b.kind == clientCurl {
			st.Via.EPRT++
			fam := "1"
			if v6 {
				fam = "2"
			}
			b.cmd("EPRT |"+fam+"|"+lis.addr.String()+"|"+strconv.Itoa(int(lis.port))+"|", "200 EPRT command successful. Consider using EPSV.")
		} else {
			st.Via.PORT++
			b.cmd("PORT "+ftp.FormatPORT(netip.AddrPortFrom(lis.addr, lis.port)), "200 PORT command successful. Consider using PASV.")
		}
		if b.kind == clientCurl {
			prepare()
		}
		if fails {
			st.NotAttempted++
			b.cmd(command, failText)
			return
		}
		st.Transferred++
		st.DataBytes += int64(len(content))
		from20 := sep
		from20.port = 20
		data := newConn(from20, lis, classData, g.rng.Uint32)
		b.cmd(command)
		b.add(sessOp{kind: opOpen, c: data, server: 0, wait: b.serverDelay()})
		b.reply(ok150)
		b.dataFlow(data, 0, upload, content, done226)
		return
	}

	port := srv.pasv
	srv.pasv++
	if srv.pasv > 49999 {
		srv.pasv = 40000
	}
	if v6 || b.kind == clientCurl {
		st.Via.EPSV++
		b.cmd("EPSV", fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", port))
	} else {
		st.Via.PASV++
		b.cmd("PASV", "227 Entering Passive Mode ("+ftp.FormatPORT(netip.AddrPortFrom(sep.addr, port))+").")
	}
	// Every client connects right after the 227/229, before the transfer
	// command (curl, ftplib, lftp, FileZilla alike).
	data := newConn(g.clientPort(cl), endpoint{addr: sep.addr, port: port, mac: sep.mac}, classData, g.rng.Uint32)
	b.add(sessOp{kind: opOpen, c: data, server: 1, wait: b.rtt})
	if b.kind == clientCurl {
		prepare()
	}
	if fails {
		// The handshake completed in the kernel; vsftpd answers 550, the
		// client hangs up the data connection and the kernel resets it
		// when vsftpd drops the listening socket it never accepted on.
		st.ConnectedOnly++
		b.cmd(command, failText)
		b.add(sessOp{kind: opAck, c: data, server: 1, from: 0, flags: tcpFIN, wait: b.rtt})
		b.add(sessOp{kind: opAck, c: data, server: 1, from: 1, flags: tcpRST, wait: time.Duration(300+g.rng.IntN(700)) * time.Microsecond})
		return
	}
	st.Transferred++
	st.DataBytes += int64(len(content))
	b.cmd(command, ok150)
	b.dataFlow(data, 1, upload, content, done226)
}

// dataFlow adds the payload, the sender's close and the 226 after it. server
// is the server's side of data.
func (b *sessionBuilder) dataFlow(data *conn, server int, upload bool, content []byte, done226 string) {
	sender := server // RETR and LIST: vsftpd sends and closes
	wait := 50 * time.Microsecond
	if upload {
		sender, wait = 1-server, b.rtt // STOR: the client, once it has read the 150
	}
	b.add(sessOp{kind: opSend, c: data, server: server, from: sender, content: content, wait: wait})
	b.add(sessOp{kind: opClose, c: data, server: server, from: sender, wait: sendGap})
	b.reply(done226)
}
