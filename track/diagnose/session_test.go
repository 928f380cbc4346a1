package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// wire drives the real tracker, and the diagnoser as its sink, with the
// events decode would give for one control connection and its data
// connections: the diagnosis of what the tracker reads from packets (a
// data connection's TLS hellos) without a capture file.
type wire struct {
	t        testing.TB
	trk      *track.Tracker
	c        *collect
	d        *Diagnoser
	cli, srv netip.AddrPort
	now      time.Time
	num      uint64
	// hops goes with every control event (decode.ControlEvent.Hops);
	// ttl is the TTL of the segments from each address (0 unless set).
	hops decode.Hops
	ttl  map[netip.Addr]uint8
}

func newWire(t testing.TB, cli, srv string) *wire {
	w := &wire{t: t, c: &collect{}, cli: ap(cli), srv: ap(srv), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, track.Options{})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	return w
}

func (w *wire) next() {
	w.num++
	w.now = w.now.Add(time.Millisecond)
}

func (w *wire) ctl(e decode.ControlEvent) {
	w.next()
	e.Num, e.TS, e.Client, e.Server = w.num, w.now, w.cli, w.srv
	e.Hops |= w.hops
	w.trk.Control(&e)
}

func (w *wire) cmd(line string) {
	verb, arg, _ := strings.Cut(line, " ")
	w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: verb, Arg: arg}})
}

func (w *wire) reply(code int, text string) {
	e := decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: code, Text: text}}
	switch code {
	case 227:
		a, form, err := ftp.ParsePASV(text)
		e.Endpoint, e.EndpointErr = decode.Endpoint{Via: ftp.ViaPASV, Addr: a, Form: form}, err
	case 234:
		e.Encrypts = true
	}
	w.ctl(e)
}

func (w *wire) seg(src, dst netip.AddrPort, flags decode.TCPFlags, seq uint32, p []byte) {
	w.next()
	s := decode.Segment{Num: w.num, TS: w.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Payload: p, PayloadLen: len(p), TTL: w.ttl[src.Addr()]}
	w.trk.Segment(&s)
}

// helloConn is a data connection from a to b whose first bytes each way
// are first and second, closed by b.
func (w *wire) helloConn(a, b netip.AddrPort, first, second []byte) {
	w.seg(a, b, decode.FlagSYN, 1000, nil)
	w.seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, nil)
	w.seg(a, b, decode.FlagACK, 1001, nil)
	w.seg(a, b, decode.FlagACK|decode.FlagPSH, 1001, first)
	w.seg(b, a, decode.FlagACK|decode.FlagPSH, 5001, second)
	w.seg(b, a, decode.FlagFIN|decode.FlagACK, 5001+uint32(len(second)), nil)
	w.seg(a, b, decode.FlagFIN|decode.FlagACK, 1001+uint32(len(first)), nil)
}

func (w *wire) end() {
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	w.trk.Finish()
}

// A TLS 1.2 full handshake's first flights (RFC 5246 section 7.4): a
// ClientHello offering nothing to resume; the ServerHello and a
// Certificate (an empty chain shows the handshake is full).
func tls12Full() (client, server []byte) {
	hello := []byte{3, 3}
	for i := range 32 {
		hello = append(hello, byte(i))
	}
	msg := func(typ byte, body []byte) []byte {
		n := len(body)
		return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
	}
	record := func(msgs []byte) []byte {
		n := len(msgs)
		return append([]byte{22, 3, 1, byte(n >> 8), byte(n)}, msgs...)
	}
	ch := append(append([]byte{}, hello...), 0, 0, 2, 0xc0, 0x2f, 1, 0)
	sh := append(append([]byte{}, hello...), 0, 0xc0, 0x2f, 0)
	return record(msg(1, ch)), record(append(msg(2, sh), msg(11, []byte{0, 0, 0})...))
}

// TestRefusalAfterUnresumedHandshakeIsNotATimeout: after CCC a ProFTPD's
// "425 Unable to build data connection" is readable, and it came after the
// client's data connection reached the server and made a full TLS
// handshake (ftplib does not resume the control connection's session,
// ProFTPD requires it). server-data-error must not say nobody connected,
// the handshake is read (data-tls-not-resumed), and the server's verdict
// does not call the data connections working.
func TestRefusalAfterUnresumedHandshakeIsNotATimeout(t *testing.T) {
	w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
	w.reply(220, "ProFTPD Server (Debian) [203.0.113.10]")
	w.cmd("AUTH TLS")
	w.reply(234, "AUTH TLS successful")
	w.ctl(decode.ControlEvent{Kind: decode.ControlCleartext})
	w.cmd("TYPE I")
	w.reply(200, "Type set to I")
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (203,0,113,10,156,145).")
	w.cmd("RETR report.pdf")
	w.reply(150, "Opening BINARY mode data connection for report.pdf (48213 bytes)")
	ch, sh := tls12Full()
	w.helloConn(ap("198.51.100.22:50621"), ap("203.0.113.10:40081"), ch, sh)
	w.reply(425, "Unable to build data connection: Operation not permitted")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()

	if w.c.find(CodeTLSNotResumed) == nil {
		dumpFindings(t, w.c)
		t.Fatal("the data connection's full TLS handshake after CCC was not read: no data-tls-not-resumed")
	}
	f := w.c.find(CodeServerDataError)
	if f == nil {
		dumpFindings(t, w.c)
		t.Fatal("no server-data-error for the 425")
	}
	if strings.Contains(f.Message, "nobody connected") || !strings.Contains(f.Message, "refused") || !strings.Contains(f.Advice, "data-tls-not-resumed") {
		t.Errorf("server-data-error for a 425 after the client's data connection arrived:\n%s\nfix: %s", f.Message, f.Advice)
	}
	sums := w.d.Summaries()
	if len(sums) != 1 || strings.Contains(sums[0].Verdict, "worked") || !strings.Contains(sums[0].Verdict, "refused") {
		t.Errorf("verdicts %+v, want the refusal, not a working data connection", sums)
	}
}

// TestEncryptedUnresumedDataIsNotCalledWorking: in the recorded
// ftps-reuse-required.pcap vsftpd (require_ssl_reuse=YES) closed two data
// connections after their full TLS handshake; the replies are ciphertext,
// so the verdict says what follows if the server requires resumption,
// never that the data connections worked.
func TestEncryptedUnresumedDataIsNotCalledWorking(t *testing.T) {
	rec, diag := run(t, "../../pcaps/real/ftps-reuse-required.pcap", policy.Policy{})
	sums := diag.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	v := sums[0].Verdict
	if strings.Contains(v, "worked") || !strings.Contains(v, "2 of them carried only a TLS handshake") || !strings.Contains(v, "if the server requires resumption") {
		t.Errorf("verdict %q\n%s", v, render(rec, diag))
	}
}
