package bench

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// Config says what capture to generate. The zero value, with Size set, is
// the documented mix.
type Config struct {
	// Size is the capture size in bytes at which no new flow starts; flows
	// under way then finish, so the file ends a little larger.
	Size int64
	// Seed makes the capture; the same seed and config give the same bytes.
	Seed uint64
	// OtherShare is the share of packets that are not FTP (HTTPS-like bulk
	// downloads and short flows); 0 means 0.3.
	OtherShare float64
	// IPv6Share is the share of clients on IPv6; 0 means 0.12, negative none.
	IPv6Share float64
	// Concurrency is how many flows are under way at once; 0 picks one
	// from Size (128 for large captures).
	Concurrency int
	// MaxTransfer bounds one file transfer; 0 picks one from Size (4 MiB
	// for large captures).
	MaxTransfer int64
}

// Stats counts what was generated: the numbers an analyser must find.
type Stats struct {
	Packets        int64 `json:"packets"`
	Bytes          int64 `json:"bytes"` // file size
	ControlPackets int64 `json:"control_packets"`
	DataPackets    int64 `json:"data_packets"`
	OtherPackets   int64 `json:"other_packets"`
	IPv6Packets    int64 `json:"ipv6_packets"`

	Sessions       int   `json:"sessions"`
	FailedLogins   int   `json:"failed_logins"`
	Commands       int   `json:"commands"`
	DataConns      int   `json:"data_connections"`
	Transferred    int   `json:"transferred"` // data connections that moved payload
	ConnectedOnly  int   `json:"connected"`   // data connections without payload (RETR answered 550)
	DataBytes      int64 `json:"data_bytes"`  // payload over all data connections
	OtherFlows     int   `json:"other_flows"`
	OtherBulkFlows int   `json:"other_bulk_flows"`

	ShortFlowPackets int64 `json:"short_flow_packets"` // of OtherPackets
}

// Start is the first packet's time in every generated capture.
var Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// ErrConfig reports an unusable Config.
var ErrConfig = errors.New("bench: bad config")

// Generate writes a pcap (Ethernet, microseconds) of the configured mix to
// out and returns what it contains.
func Generate(out io.Writer, cfg Config) (Stats, error) {
	r, err := newRun(out, cfg)
	if err != nil {
		return Stats{}, err
	}
	for r.step() {
	}
	return r.g.stats, r.w.flush()
}

// run is one generation in progress: Generate's loop, also driven step by
// step by the benchmarks, which make endless captures.
type run struct {
	g     *generator
	w     *writer
	pools [numKinds]pool
}

func (c *Config) check() error {
	if c.Size <= 0 {
		return fmt.Errorf("%w: size %d", ErrConfig, c.Size)
	}
	if c.OtherShare == 0 {
		c.OtherShare = 0.3
	}
	if c.OtherShare < 0 || c.OtherShare >= 1 {
		return fmt.Errorf("%w: other share %v not in [0,1)", ErrConfig, c.OtherShare)
	}
	switch {
	case c.IPv6Share == 0:
		c.IPv6Share = 0.12
	case c.IPv6Share < 0:
		c.IPv6Share = 0
	case c.IPv6Share > 1:
		return fmt.Errorf("%w: IPv6 share %v above 1", ErrConfig, c.IPv6Share)
	}
	if c.Concurrency == 0 {
		c.Concurrency = int(min(max(c.Size/(256<<10), 4), 128))
	}
	if c.MaxTransfer == 0 {
		c.MaxTransfer = min(max(c.Size/64, 64<<10), 4<<20)
	}
	if c.Concurrency < 1 || c.MaxTransfer < 1 {
		return fmt.Errorf("%w: concurrency %d, max transfer %d", ErrConfig, c.Concurrency, c.MaxTransfer)
	}
	return nil
}

func newRun(out io.Writer, cfg Config) (*run, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	g := newGenerator(cfg)
	c := cfg.Concurrency
	return &run{
		g: g,
		w: newWriter(out, Start, &g.stats),
		pools: [numKinds]pool{
			kindFTP:   {spawn: g.ftpSession, slots: max(c*11/16, 1)},
			kindBulk:  {spawn: g.bulk, slots: max(c/16, 1)},
			kindShort: {spawn: g.short, slots: max(c/4, 1)},
		},
	}, nil
}

// step advances one flow by one exchange and reports whether there is
// more to do.
func (r *run) step() bool {
	g, w, pools := r.g, r.w, &r.pools
	if w.err != nil {
		return false
	}
	// Stop starting FTP sessions once what is written plus what the
	// started transfers still owe (with ~5% for headers) reaches Size;
	// the other traffic goes on until the last session ends, so the
	// shares hold to the end of the file.
	ftp := &pools[kindFTP]
	owed := float64(g.committed) * 1.05 / (1 - g.cfg.OtherShare)
	if !ftp.wrapping && g.stats.Bytes+int64(owed) >= g.cfg.Size {
		ftp.wrapUp()
	}
	if ftp.wrapping && len(ftp.active) == 0 && !pools[kindBulk].wrapping {
		pools[kindBulk].wrapUp()
		pools[kindShort].wrapUp()
	}
	k := g.nextKind()
	if pools[k].drained() {
		k = -1
		for j := range pools {
			if !pools[j].drained() {
				k = kind(j)
				break
			}
		}
		if k < 0 {
			return false
		}
	}
	// Up to 25 µs of idle wire between exchanges: a few hundred
	// megabits per second, so the file spans seconds to minutes.
	w.now = w.now.Add(time.Duration(g.rng.IntN(25_000)))
	pools[k].step(w, g)
	return true
}

// kind is a kind of flow; each has its own pool of flows under way.
type kind int

const (
	kindFTP kind = iota
	kindBulk
	kindShort
	numKinds
)

// shortShare is the share of the other (non-FTP) packets that short flows
// make; bulk downloads make the rest.
const shortShare = 0.4

// nextKind picks the kind of flow that steps next, steering the packet
// shares to OtherShare and shortShare.
func (g *generator) nextKind() kind {
	st := &g.stats
	if float64(st.OtherPackets) >= g.cfg.OtherShare*float64(st.Packets+1) {
		return kindFTP
	}
	if float64(st.ShortFlowPackets) < shortShare*float64(st.OtherPackets+1) {
		return kindShort
	}
	return kindBulk
}

// pool is the set of flows of one kind under way.
type pool struct {
	spawn    func() *script
	slots    int
	active   []*script
	wrapping bool // no new flows; the ones under way end soon
}

func (p *pool) drained() bool { return p.wrapping && len(p.active) == 0 }

func (p *pool) wrapUp() {
	p.wrapping = true
	for _, s := range p.active {
		s.wrapUp()
	}
}

// step advances one random flow of the pool, filling free slots first
// unless the capture is being wrapped up.
func (p *pool) step(w *writer, g *generator) {
	if !p.wrapping && len(p.active) < p.slots {
		p.active = append(p.active, g.started(p.spawn()))
	}
	i := g.rng.IntN(len(p.active))
	if p.active[i].step(w, g) {
		return
	}
	if p.wrapping {
		p.active[i] = p.active[len(p.active)-1]
		p.active = p.active[:len(p.active)-1]
	} else {
		p.active[i] = g.started(p.spawn())
	}
}

// started accounts for the sends a new script's first ops owe.
func (g *generator) started(s *script) *script {
	g.commit(s.queue)
	return s
}

// commit adds the bytes that ops will send for sure (not cuttable).
func (g *generator) commit(ops []op) {
	for _, o := range ops {
		if o.kind == opSend && !o.cuttable {
			g.committed += o.n
		}
	}
}

// generator holds the address plan, the port counters and the randomness.
type generator struct {
	cfg       Config
	rng       *rand.Rand
	stats     Stats
	committed int64  // bytes that started transfers will still send
	noise     []byte // payload bytes for file and TLS data

	ftp4, ftp6     []endpoint // FTP servers (port 21)
	web4, web6     []endpoint // bulk HTTPS servers
	misc4, misc6   []endpoint // servers of short flows
	clients        []endpoint
	ephemeral      []uint16 // next source port per client
	pasv           []uint16 // next passive port per FTP server (v4 then v6)
	router         [6]byte
	sessionsByUser int
}

func newGenerator(cfg Config) *generator {
	g := &generator{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x66747073))}
	g.noise = make([]byte, 1<<20)
	for i := 0; i < len(g.noise); i += 8 {
		v := g.rng.Uint64()
		for j := range 8 {
			g.noise[i+j] = byte(v >> (8 * j))
		}
	}
	g.router = [6]byte{0x02, 0x00, 0x5e, 0x00, 0x00, 0x01}
	host := func(a netip.Addr, port uint16) endpoint {
		b := a.AsSlice()
		return endpoint{addr: a, port: port, mac: [6]byte{0x52, 0x54, b[len(b)-3], b[len(b)-2], b[len(b)-1], 0x01}}
	}
	for i := range 16 {
		g.ftp4 = append(g.ftp4, host(netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)}), 21))
		g.ftp6 = append(g.ftp6, host(netip.MustParseAddr(fmt.Sprintf("2001:db8:f::%x", 10+i)), 21))
		g.web4 = append(g.web4, host(netip.AddrFrom4([4]byte{198, 51, 100, byte(20 + i)}), 443))
		g.web6 = append(g.web6, host(netip.MustParseAddr(fmt.Sprintf("2001:db8:443::%x", 20+i)), 443))
	}
	for i := range 64 {
		g.misc4 = append(g.misc4, host(netip.AddrFrom4([4]byte{203, 0, 113, byte(1 + i)}), 0))
		g.misc6 = append(g.misc6, host(netip.MustParseAddr(fmt.Sprintf("2001:db8:113::%x", 1+i)), 0))
	}
	for i := range 1000 {
		var a netip.Addr
		if float64(i%100) < cfg.IPv6Share*100 {
			a = netip.MustParseAddr(fmt.Sprintf("2001:db8:c1::%x", i+1))
		} else {
			a = netip.AddrFrom4([4]byte{10, 1, byte(i / 250), byte(i%250 + 1)})
		}
		g.clients = append(g.clients, host(a, 0))
		g.ephemeral = append(g.ephemeral, uint16(32768+g.rng.IntN(28000)))
	}
	for range 2 * len(g.ftp4) {
		// vsftpd pasv_min_port..pasv_max_port 40000-49999, each server
		// starting elsewhere so ports coincide only by chance.
		g.pasv = append(g.pasv, uint16(40000+g.rng.IntN(10000)))
	}
	return g
}

func (g *generator) u32() uint32 { return g.rng.Uint32() }

// client picks a client host and gives it its next source port.
func (g *generator) client() (endpoint, int) {
	i := g.rng.IntN(len(g.clients))
	return g.from(i), i
}

// from gives client i's next source port, as Linux hands them out.
func (g *generator) from(i int) endpoint {
	e := g.clients[i]
	e.port = g.ephemeral[i]
	g.ephemeral[i]++
	if g.ephemeral[i] > 60999 {
		g.ephemeral[i] = 32768
	}
	return e
}

func (g *generator) passivePort(server int) uint16 {
	p := g.pasv[server]
	g.pasv[server]++
	if g.pasv[server] > 49999 {
		g.pasv[server] = 40000
	}
	return p
}

// size draws a file size, log-uniform from 100 bytes to MaxTransfer.
func (g *generator) size() int64 {
	lo, hi := 100.0, float64(max(g.cfg.MaxTransfer, 101))
	return int64(lo * math.Pow(hi/lo, g.rng.Float64()))
}

func line(s string) []byte { return []byte(s + "\r\n") }

// bulk is an HTTPS-like download: handshake, TLS-sized hello records, a
// long server-to-client stream, close.
func (g *generator) bulk() *script {
	cl, _ := g.client()
	srv := g.web4[g.rng.IntN(len(g.web4))]
	if cl.addr.Is6() {
		srv = g.web6[g.rng.IntN(len(g.web6))]
	}
	c := newConn(cl, srv, classOther, g.u32)
	g.stats.OtherFlows++
	g.stats.OtherBulkFlows++
	hello := append([]byte{0x16, 0x03, 0x01, 0x02, 0x00}, g.noise[:512]...)
	n := int64(1<<20 + g.rng.IntN(15<<20))
	return &script{
		queue: []op{
			{kind: opOpen, c: c},
			{kind: opLine, c: c, fromOpener: true, line: hello},
			{kind: opSend, c: c, n: 4000 + int64(g.rng.IntN(1500))},
			{kind: opLine, c: c, fromOpener: true, line: g.noise[1000:1080]},
			{kind: opSend, c: c, n: n, cuttable: true},
		},
		tail: []op{{kind: opClose, c: c}},
	}
}

var miscPorts = []uint16{80, 443, 8080, 22, 3306, 5432, 6379, 993}

// short is a request/response flow of a few packets to a web, database or
// mail port.
func (g *generator) short() *script {
	cl, _ := g.client()
	srv := g.misc4[g.rng.IntN(len(g.misc4))]
	if cl.addr.Is6() {
		srv = g.misc6[g.rng.IntN(len(g.misc6))]
	}
	srv.port = miscPorts[g.rng.IntN(len(miscPorts))]
	c := newConn(cl, srv, classShort, g.u32)
	g.stats.OtherFlows++
	req := g.noise[2000 : 2000+100+g.rng.IntN(400)]
	if srv.port == 80 || srv.port == 8080 {
		req = line("GET /api/v1/items?page=" + strconv.Itoa(g.rng.IntN(100)) + " HTTP/1.1\r\nHost: example.net\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n")
	}
	closer := g.rng.IntN(2) == 0
	return &script{
		queue: []op{
			{kind: opOpen, c: c},
			{kind: opLine, c: c, fromOpener: true, line: req},
			{kind: opSend, c: c, n: int64(200 + g.rng.IntN(6000))},
			{kind: opClose, c: c, fromOpener: closer},
		},
	}
}

// File names a session picks from.
var fileNames = []string{"report.txt", "backup.tar.gz", "data.csv", "image.iso", "notes.md", "dump.sql", "photo.jpg", "release-1.4.2.zip", "logs/app.log", "pub/README"}

// ftpSession scripts one vsftpd session: greeting, login, a few passive
// transfers (RETR, STOR, LIST) each on its own data connection, QUIT.
func (g *generator) ftpSession() *script {
	cl, ci := g.client()
	si := g.rng.IntN(len(g.ftp4))
	srv, pasvIdx := g.ftp4[si], si
	if cl.addr.Is6() {
		srv, pasvIdx = g.ftp6[si], len(g.ftp4)+si
	}
	ctl := newConn(cl, srv, classControl, g.u32)
	g.stats.Sessions++
	s := &script{}
	cmd := func(text string, replies ...string) []op {
		ops := []op{{kind: opLine, c: ctl, fromOpener: true, command: true, line: line(text)}}
		for _, r := range replies {
			ops = append(ops, op{kind: opLine, c: ctl, line: line(r)})
		}
		return ops
	}
	// curl connects right after 227/229 and then sends TYPE, SIZE, RETR;
	// ftplib and lftp send the transfer command first and connect before
	// vsftpd answers 150.
	curlStyle := g.rng.IntN(2) == 0
	user, pass := "anonymous", "ftp@example.com"
	if g.rng.IntN(3) == 0 {
		g.sessionsByUser++
		user, pass = "user"+strconv.Itoa(g.sessionsByUser%200), "s3cret"
	}
	q := []op{{kind: opOpen, c: ctl}, {kind: opLine, c: ctl, line: line("220 (vsFTPd 3.0.3)")}, {kind: opAck, c: ctl, fromOpener: true}}
	q = append(q, cmd("USER "+user, "331 Please specify the password.")...)
	if g.rng.IntN(33) == 0 {
		g.stats.FailedLogins++
		q = append(q, cmd("PASS wrong", "530 Login incorrect.")...)
		s.queue = q
		s.tail = append(cmd("QUIT", "221 Goodbye."), op{kind: opClose, c: ctl})
		return s
	}
	q = append(q, cmd("PASS "+pass, "230 Login successful.")...)
	q = append(q, cmd("PWD", `257 "/" is the current directory`)...)
	if !curlStyle {
		q = append(q, cmd("SYST", "215 UNIX Type: L8")...)
	}
	s.queue = q

	names := fileNames[g.rng.IntN(3):]
	var listing []byte
	for i, n := range names {
		listing = fmt.Appendf(listing, "-rw-r--r--    1 1000     1000     %8d Jan 05 08:%02d %s\r\n", 100+i*7919, i, strings.TrimPrefix(n, "pub/"))
	}
	ntransfers := 1 + g.rng.IntN(6)
	for range ntransfers {
		var t []op
		port := g.passivePort(pasvIdx)
		data := newConn(g.from(ci), endpoint{addr: srv.addr, port: port, mac: srv.mac}, classData, g.u32)
		if cl.addr.Is6() || curlStyle && g.rng.IntN(4) != 0 {
			t = append(t, cmd("EPSV", fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", port))...)
		} else {
			t = append(t, cmd("PASV", "227 Entering Passive Mode ("+ftp.FormatPORT(netip.AddrPortFrom(srv.addr, port))+").")...)
		}
		name := names[g.rng.IntN(len(names))]
		var verb, ok150 string
		var n int64
		var content []byte
		fromClient := false
		outcome := &g.stats.Transferred
		switch r := g.rng.IntN(20); {
		case r < 4:
			verb, ok150, content = "LIST", "150 Here comes the directory listing.", listing
			n = int64(len(listing))
		case r < 8:
			n = g.size()
			verb, ok150, fromClient = "STOR "+name, "150 Ok to send data.", true
		case r == 8:
			verb, outcome = "RETR missing-"+name, &g.stats.ConnectedOnly
		default:
			n = g.size()
			verb, ok150 = "RETR "+name, fmt.Sprintf("150 Opening BINARY mode data connection for %s (%d bytes).", name, n)
		}
		open := op{kind: opOpen, c: data, onStart: func() {
			g.stats.DataConns++
			*outcome++
			g.stats.DataBytes += n
		}}
		tail := []op{{kind: opLine, c: ctl, line: line("226 Transfer complete.")}, {kind: opAck, c: ctl, fromOpener: true}}
		if verb == "LIST" {
			tail[0].line = line("226 Directory send OK.")
		}
		send := op{kind: opSend, c: data, fromOpener: fromClient, n: n, content: content}
		// The sender closes: vsftpd after RETR/LIST, the client after STOR.
		closeData := op{kind: opClose, c: data, fromOpener: fromClient}
		switch {
		case ok150 == "": // 550: the client had connected, then hangs up
			t = append(t, open)
			t = append(t, cmd(verb, "550 Failed to open file.")...)
			t = append(t, op{kind: opClose, c: data, fromOpener: true})
		case curlStyle:
			t = append(t, open)
			if verb != "LIST" {
				t = append(t, cmd("TYPE I", "200 Switching to Binary mode.")...)
				if !fromClient {
					t = append(t, cmd("SIZE "+name, "213 "+strconv.FormatInt(n, 10))...)
				}
			} else {
				t = append(t, cmd("TYPE A", "200 Switching to ASCII mode.")...)
			}
			t = append(t, cmd(verb, ok150)...)
			t = append(t, send, closeData)
			t = append(t, tail...)
		default:
			t = append(t, op{kind: opLine, c: ctl, fromOpener: true, command: true, line: line(verb)}, open)
			t = append(t, op{kind: opLine, c: ctl, line: line(ok150)}, send, closeData)
			t = append(t, tail...)
		}
		s.groups = append(s.groups, t)
	}
	s.tail = append(cmd("QUIT", "221 Goodbye."), op{kind: opClose, c: ctl})
	return s
}
