package track

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// recorder is a Sink that keeps what it is told.
type recorder struct {
	commands []*Command
	data     []*DataConn
	events   []Event
	ended    []*Session
	late     int // calls for a session after its SessionEnd: a contract breach
}

func (r *recorder) after(s *Session) {
	for _, e := range r.ended {
		if e == s {
			r.late++
		}
	}
}

func (r *recorder) SessionStart(*Session)          {}
func (r *recorder) Command(s *Session, c *Command) { r.after(s); r.commands = append(r.commands, c) }
func (r *recorder) Data(s *Session, d *DataConn)   { r.after(s); r.data = append(r.data, d) }
func (r *recorder) Event(s *Session, e *Event)     { r.after(s); r.events = append(r.events, *e) }
func (r *recorder) SessionEnd(s *Session)          { r.after(s); r.ended = append(r.ended, s) }

var (
	t0      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cli     = netip.MustParseAddrPort("198.51.100.7:50000")
	srv     = netip.MustParseAddrPort("192.0.2.10:21")
	natPriv = netip.MustParseAddr("10.0.0.5")
)

// session drives a Tracker with control events and segments.
type session struct {
	t   *testing.T
	trk *Tracker
	rec *recorder
	now time.Time
	num uint64
	// client: the client of the session the next control events are
	// for (as); zero for cli, newSession's.
	client netip.AddrPort
}

// as makes the next control events those of the session of client c
// (zero: cli), so that one test drives several sessions of one client
// host; a new one is opened with its greeting.
func (s *session) as(c netip.AddrPort, open bool) {
	s.client = c
	if open {
		s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
		s.reply(220, "(vsFTPd 3.0.3)")
	}
}

func newSession(t *testing.T) *session { return newSessionWith(t, Options{}) }

// newSessionWith is newSession with a tracker of those options.
func newSessionWith(t *testing.T, o Options) *session {
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, o), rec: rec, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	s.reply(220, "(vsFTPd 3.0.3)")
	return s
}

func (s *session) tick(d time.Duration) { s.now = s.now.Add(d) }

func (s *session) ctl(e decode.ControlEvent) {
	s.num++
	s.tick(time.Millisecond)
	e.Num, e.TS, e.Client, e.Server = s.num, s.now, cli, srv
	if s.client.IsValid() {
		e.Client = s.client
	}
	s.trk.Control(&e)
}

func (s *session) cmd(verb, arg string) {
	e := decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: verb, Arg: arg}}
	switch verb {
	case "PORT":
		ap, err := ftp.ParsePORT(arg)
		e.Endpoint, e.EndpointErr = decode.Endpoint{Via: ftp.ViaPORT, Addr: ap}, err
	case "EPRT":
		ap, _, err := ftp.ParseEPRT(arg)
		e.Endpoint, e.EndpointErr = decode.Endpoint{Via: ftp.ViaEPRT, Addr: ap}, err
	}
	s.ctl(e)
}

func (s *session) reply(code int, text string) {
	e := decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: code, Text: text}}
	switch code {
	case 227:
		ap, form, err := ftp.ParsePASV(text)
		e.Endpoint, e.EndpointErr = decode.Endpoint{Via: ftp.ViaPASV, Addr: ap, Form: form}, err
	case 229:
		a, p, err := ftp.ParseEPSV(text)
		e.Endpoint, e.EndpointErr = decode.Endpoint{Via: ftp.ViaEPSV, Addr: netip.AddrPortFrom(a, p)}, err
	case 234:
		e.Encrypts = true // decode's verdict: the 234 accepted an AUTH
	}
	s.ctl(e)
}

func (s *session) seg(src, dst netip.AddrPort, flags decode.TCPFlags, seq uint32, payload int) {
	s.num++
	s.tick(time.Millisecond)
	seg := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Payload: make([]byte, payload), PayloadLen: payload}
	s.trk.Segment(&seg)
}

func (s *session) end() *Session {
	s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	s.trk.Finish()
	if len(s.rec.ended) != 1 {
		s.t.Fatalf("%d sessions ended, want 1", len(s.rec.ended))
	}
	if s.rec.late > 0 {
		s.t.Errorf("%d sink calls came after SessionEnd", s.rec.late)
	}
	return s.rec.ended[0]
}

func (s *session) login() {
	s.cmd("USER", "anonymous")
	s.reply(331, "Please specify the password.")
	s.cmd("PASS", "x@y")
	s.reply(230, "Login successful.")
}

// handshakeTransfer runs a full data connection from a to b carrying n bytes b->a.
func (s *session) handshakeTransfer(a, b netip.AddrPort, n int) {
	s.seg(a, b, decode.FlagSYN, 1000, 0)
	s.seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, 0)
	s.seg(a, b, decode.FlagACK, 1001, 0)
	sent := 0
	for sent < n {
		k := min(1448, n-sent)
		s.seg(b, a, decode.FlagACK, 5001+uint32(sent), k)
		sent += k
	}
	// A retransmission of the last segment adds nothing.
	if n > 0 {
		k := min(1448, n)
		s.seg(b, a, decode.FlagACK, 5001+uint32(n-k), k)
	}
	s.seg(b, a, decode.FlagFIN|decode.FlagACK, 5001+uint32(n), 0)
	s.seg(a, b, decode.FlagFIN|decode.FlagACK, 1001, 0)
}

func TestWalkthroughOutcome(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("CWD", "/pub")
	s.reply(250, "Directory successfully changed.")
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,15,128)")
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:3968")
	// The client connects before it sends RETR: the expectation must be armed at the 227.
	s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
	s.cmd("RETR", "report.txt")
	s.reply(150, "Opening BINARY mode data connection for report.txt (12345 bytes).")
	s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 5000, 0)
	for sent := 0; sent < 12345; sent += 1448 {
		s.seg(dataSrv, dataCli, decode.FlagACK, 5001+uint32(sent), min(1448, 12345-sent))
	}
	s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 5001+12345, 0)
	s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
	s.reply(226, "Transfer complete.")
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	sess := s.end()

	if sess.User != "anonymous" || sess.Login != LoginOK || sess.Cwd != "/pub" {
		t.Errorf("user %q login %v cwd %q", sess.User, sess.Login, sess.Cwd)
	}
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	d := s.rec.data[0]
	if d.Outcome != OutcomeTransferred || d.TotalBytes() != 12345 || d.Bytes[1] != 12345 {
		t.Errorf("outcome %v bytes %v", d.Outcome, d.Bytes)
	}
	if d.Announced != dataSrv || d.Client != dataCli || d.Match != MatchExact {
		t.Errorf("announced %v client %v match %v", d.Announced, d.Client, d.Match)
	}
	if d.Command == nil || d.Command.Verb != "RETR" || d.Command.Cwd != "/pub" || d.ExpectedSize != 12345 {
		t.Errorf("linked to %+v expected %d", d.Command, d.ExpectedSize)
	}
	if d.EndReason != EndFIN {
		t.Errorf("end %v", d.EndReason)
	}
}

func TestOutcomes(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	router := netip.MustParseAddr("192.0.2.254")
	tests := []struct {
		name  string
		drive func(s *session)
		want  Outcome
		syns  int
	}{
		{"transferred", func(s *session) { s.handshakeTransfer(dataCli, dataSrv, 5000) }, OutcomeTransferred, 1},
		{"connected", func(s *session) { s.handshakeTransfer(dataCli, dataSrv, 0) }, OutcomeConnected, 1},
		{"unanswered", func(s *session) {
			for i := 0; i < 4; i++ {
				s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
				s.tick(time.Second)
			}
		}, OutcomeUnanswered, 4},
		{"refused", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.segAck(dataSrv, dataCli, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
		}, OutcomeRefused, 1},
		{"unreachable", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.num++
			s.trk.Unreachable(&decode.Unreachable{Num: s.num, TS: s.now, From: router, Type: 3, Code: 13, Src: dataCli, Dst: dataSrv, Seq: 1000})
		}, OutcomeUnreachable, 1},
		{"not attempted", func(s *session) {}, OutcomeNotAttempted, 0},
		{"client resets its own SYN: unanswered, not refused", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.seg(dataCli, dataSrv, decode.FlagRST, 1001, 0)
		}, OutcomeUnanswered, 1},
		// Seen at the server: each SYN answered, the client re-sending
		// its SYN and never ACKing: the SYN-ACKs were lost on the way
		// back, not a connection made.
		{"SYN-ACKs lost on the way back: unanswered, not connected", func(s *session) {
			for i := 0; i < 4; i++ {
				s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
				s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 7000, 0)
				s.tick(time.Second)
			}
		}, OutcomeUnanswered, 4},
		// A SYN re-sent while the SYN-ACK was still on its way, then the
		// ACK: a connection made.
		{"retransmitted SYN crossing the SYN-ACK, then ACK: connected", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 7000, 0)
			s.tick(time.Second)
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
		}, OutcomeConnected, 2},
		// Every packet seen twice, microseconds apart (tcpdump -i any on
		// a bridge, a mirror port fed twice): 3 SYNs, not 6.
		{"each SYN seen twice: the copies are not retries", func(s *session) {
			for i := 0; i < 3; i++ {
				s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
				s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
				s.tick(time.Second)
			}
		}, OutcomeUnanswered, 3},
		{"a new SYN at once with another sequence number counts", func(s *session) {
			s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
			s.seg(dataCli, dataSrv, decode.FlagSYN, 5000, 0)
		}, OutcomeUnanswered, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			tt.drive(s)
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tt.want || d.SYNs != tt.syns {
				t.Errorf("outcome %v with %d SYNs, want %v with %d", d.Outcome, d.SYNs, tt.want, tt.syns)
			}
			if lost := strings.HasPrefix(tt.name, "SYN-ACKs lost"); d.SynAckLost != lost {
				t.Errorf("SynAckLost %v, want %v", d.SynAckLost, lost)
			}
		})
	}
}

// TestNATAnnouncementStillMatches: a private 227 address with the SYN going
// to the control address (what curl and ftplib do) is matched, and says so.
func TestNATAnnouncementStillMatches(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (10,0,0,5,156,64)")
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	s.handshakeTransfer(dataCli, netip.AddrPortFrom(srv.Addr(), 40000), 100)
	s.end()
	d := s.rec.data[0]
	if d.Outcome != OutcomeTransferred || d.Match != MatchControlAddress || d.Announced.Addr() != natPriv {
		t.Errorf("outcome %v match %v announced %v", d.Outcome, d.Match, d.Announced)
	}
}

// TestRefusedPORTArmsNothing: an announcement answered 500 is not an
// expectation (Zeek and Suricata arm it anyway).
func TestRefusedPORTArmsNothing(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PORT", "203,0,113,9,195,80")
	s.reply(500, "Illegal PORT command.")
	s.cmd("PORT", "198,51,100,7,195,81")
	s.reply(200, "PORT command successful. Consider using PASV.")
	s.cmd("RETR", "a")
	// Active: the server connects from port 20 to the announced port.
	s.handshakeTransfer(netip.MustParseAddrPort("192.0.2.10:20"), netip.MustParseAddrPort("198.51.100.7:50001"), 0)
	s.reply(226, "Transfer complete.")
	s.end()
	if len(s.rec.data) != 1 || s.rec.data[0].Announced.Port() != 50001 || s.rec.data[0].Passive {
		t.Fatalf("data records %+v", s.rec.data)
	}
}

// TestPairingPipelined: replies pair FIFO with pipelined commands, and a
// 1yz attaches to the head without popping it.
func TestPairingPipelined(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.cmd("LIST", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
	s.reply(150, "Here comes the directory listing.")
	s.reply(226, "Directory send OK.")
	s.end()
	var pasv, list *Command
	for _, c := range s.rec.commands {
		switch c.Verb {
		case "PASV":
			pasv = c
		case "LIST":
			list = c
		}
	}
	if pasv == nil || list == nil {
		t.Fatal("commands missing")
	}
	if f := pasv.Final(); f == nil || f.Code != 227 {
		t.Errorf("PASV final %+v", f)
	}
	if len(list.Replies) != 2 || list.Replies[0].Code != 150 || list.Final().Code != 226 {
		t.Errorf("LIST replies %+v", list.Replies)
	}
	if len(list.Transfer) != 1 || list.Transfer[0] != pasv.Data {
		t.Errorf("pipelined LIST not linked to the PASV endpoint")
	}
}

// TestUnsolicited421 is not the result of the pending command.
func TestUnsolicited421(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("NOOP", "")
	s.reply(421, "Timeout.")
	s.end()
	var noop *Command
	for _, c := range s.rec.commands {
		if c.Verb == "NOOP" {
			noop = c
		}
	}
	if noop == nil || noop.Status != StatusInterrupted {
		t.Fatalf("NOOP %+v", noop)
	}
	found := false
	for _, e := range s.rec.events {
		found = found || (e.Kind == EventUnsolicited && e.Code == 421)
	}
	if !found {
		t.Error("no unsolicited-reply event for 421")
	}
}

// TestCwdNotFooledByMKD: MKD's 257 does not change the working directory;
// PWD's does.
func TestCwdNotFooledByMKD(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("CWD", "/pub")
	s.reply(250, "ok")
	s.cmd("MKD", "new")
	s.reply(257, `"/pub/new" created`)
	s.cmd("CDUP", "")
	s.reply(250, "ok")
	s.cmd("CWD", "a b")
	s.reply(250, "ok")
	sess := s.end()
	if sess.Cwd != "/a b" {
		t.Errorf("cwd %q, want %q", sess.Cwd, "/a b")
	}
	s2 := newSession(t)
	s2.cmd("PWD", "")
	s2.reply(257, `"/srv/say ""hi""" is the current directory`)
	if sess := s2.end(); sess.Cwd != `/srv/say "hi"` {
		t.Errorf("cwd from PWD %q", sess.Cwd)
	}
}

// TestEPSVFallbackFinalisesOld: curl's EPSV whose SYNs die, then PASV:
// the EPSV expectation is final (unanswered) when the PASV arrives.
func TestEPSVFallbackFinalisesOld(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("EPSV", "")
	s.reply(229, "Entering Extended Passive Mode (|||40001|)")
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	s.seg(dataCli, netip.AddrPortFrom(srv.Addr(), 40001), decode.FlagSYN, 1, 0)
	s.tick(time.Second)
	s.seg(dataCli, netip.AddrPortFrom(srv.Addr(), 40001), decode.FlagSYN, 1, 0)
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,66)")
	if len(s.rec.data) != 1 || s.rec.data[0].Outcome != OutcomeUnanswered || s.rec.data[0].SYNs != 2 {
		t.Fatalf("EPSV not final as unanswered when PASV was armed: %+v", s.rec.data)
	}
	s.end()
	if len(s.rec.data) != 2 || s.rec.data[1].Outcome != OutcomeNotAttempted {
		t.Errorf("PASV outcome %+v", s.rec.data)
	}
}

// TestBytesAcrossSequenceWrap counts payload across the 2^32 wrap.
func TestBytesAcrossSequenceWrap(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
	a := netip.MustParseAddrPort("198.51.100.7:50001")
	b := netip.MustParseAddrPort("192.0.2.10:40000")
	s.seg(a, b, decode.FlagSYN, 1, 0)
	isn := uint32(0xffffff00)
	s.seg(b, a, decode.FlagSYN|decode.FlagACK, isn, 0)
	for i := uint32(0); i < 4; i++ {
		s.seg(b, a, decode.FlagACK, isn+1+i*100, 100)
	}
	s.seg(b, a, decode.FlagFIN|decode.FlagACK, isn+401, 0)
	s.seg(a, b, decode.FlagFIN|decode.FlagACK, 2, 0)
	s.end()
	if got := s.rec.data[0].TotalBytes(); got != 400 {
		t.Errorf("bytes %d, want 400", got)
	}
}

// TestEncryptedSessionInfersData: after AUTH TLS is accepted, the data
// connection between the same peers is reported, marked inferred.
func TestEncryptedSessionInfersData(t *testing.T) {
	s := newSession(t)
	s.cmd("AUTH", "TLS")
	s.reply(234, "Proceed with negotiation.")
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	s.handshakeTransfer(dataCli, netip.MustParseAddrPort("192.0.2.10:40007"), 3000)
	// Another service between the same hosts is not FTP data.
	s.seg(netip.MustParseAddrPort("198.51.100.7:50002"), netip.MustParseAddrPort("192.0.2.10:22"), decode.FlagSYN, 1, 0)
	sess := s.end()
	if !sess.Encrypted {
		t.Error("session not marked encrypted")
	}
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	d := s.rec.data[0]
	if d.Match != MatchInferred || d.Outcome != OutcomeTransferred || d.TotalBytes() != 3000 || d.ViaName() != "unknown" {
		t.Errorf("match %v outcome %v bytes %d via %s", d.Match, d.Outcome, d.TotalBytes(), d.ViaName())
	}
}

// TestImplicitTLSSession: a connection decode reports as implicit FTPS is
// an encrypted session from its start.
func TestImplicitTLSSession(t *testing.T) {
	rec := &recorder{}
	trk := New(rec, Options{})
	trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, TS: t0, Client: cli, Server: netip.MustParseAddrPort("192.0.2.10:990"), ImplicitTLS: true, Encrypts: true})
	trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, TS: t0.Add(time.Second), Client: cli, Server: netip.MustParseAddrPort("192.0.2.10:990")})
	if len(rec.ended) != 1 || !rec.ended[0].Encrypted {
		t.Fatalf("ended %+v", rec.ended)
	}
}

// Regression tests for the review of the tracker.

// TestReusedFourTupleAfterFinish: active data from port 20 to a client
// port used again within the minute a finished connection is remembered.
func TestReusedFourTupleAfterFinish(t *testing.T) {
	s := newSession(t)
	s.login()
	srv20 := netip.MustParseAddrPort("192.0.2.10:20")
	cliP := netip.MustParseAddrPort("198.51.100.7:50001")
	for i := 0; i < 2; i++ {
		s.cmd("PORT", "198,51,100,7,195,81")
		s.reply(200, "PORT command successful.")
		s.cmd("RETR", "a")
		s.handshakeTransfer(srv20, cliP, 3000)
		s.reply(226, "Transfer complete.")
		s.tick(5 * time.Second)
	}
	s.end()
	if len(s.rec.data) != 2 {
		t.Fatalf("%d data records", len(s.rec.data))
	}
	for i, d := range s.rec.data {
		if d.Outcome != OutcomeTransferred || d.TotalBytes() != 3000 {
			t.Errorf("data %d: %v, %d bytes", i+1, d.Outcome, d.TotalBytes())
		}
	}
}

// TestSamePortTwoSessionsNewestWins: two sessions from one address are
// told the same passive port; the SYN belongs to the newer announcement.
func TestSamePortTwoSessionsNewestWins(t *testing.T) {
	rec := &recorder{}
	trk := New(rec, Options{})
	now := t0
	num := uint64(0)
	ctl := func(client netip.AddrPort, e decode.ControlEvent) {
		num++
		now = now.Add(time.Millisecond)
		e.Num, e.TS, e.Client, e.Server = num, now, client, srv
		trk.Control(&e)
	}
	pasv := func(client netip.AddrPort) {
		ctl(client, decode.ControlEvent{Kind: decode.ControlOpen})
		ctl(client, decode.ControlEvent{Kind: decode.ControlCommand, Command: ftp.Command{Verb: "PASV"}})
		ap, form, _ := ftp.ParsePASV("Entering Passive Mode (192,0,2,10,156,64)")
		ctl(client, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 227, Text: "Entering Passive Mode (192,0,2,10,156,64)"},
			Endpoint: decode.Endpoint{Via: ftp.ViaPASV, Addr: ap, Form: form}})
	}
	a := netip.MustParseAddrPort("198.51.100.7:50000")
	b := netip.MustParseAddrPort("198.51.100.7:50100")
	pasv(a)
	now = now.Add(70 * time.Second)
	pasv(b)
	num++
	syn := decode.Segment{Num: num, TS: now, Src: netip.MustParseAddrPort("198.51.100.7:50101"), Dst: netip.MustParseAddrPort("192.0.2.10:40000"), Flags: decode.FlagSYN}
	trk.Segment(&syn)
	// The capture goes on long enough for the SYN to count as unanswered.
	trk.Tick(now.Add(10 * time.Second))
	trk.Finish()
	for _, d := range rec.data {
		want := OutcomeNotAttempted
		if d.Session.Client == b {
			want = OutcomeUnanswered // the SYN is b's
		}
		if d.Outcome != want {
			t.Errorf("session %v: %v, want %v", d.Session.Client, d.Outcome, want)
		}
	}
}

// TestUnacceptedPORTHasNoDataNumber: a PORT that never got its 200 is
// retracted; its command record must not name a data id that never comes.
func TestUnacceptedPORTHasNoDataNumber(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PORT", "198,51,100,7,195,81")
	s.end()
	for _, c := range s.rec.commands {
		if c.Verb == "PORT" && c.Data != nil && c.Data.ID != 0 {
			t.Errorf("PORT names data %d", c.Data.ID)
		}
	}
	if len(s.rec.data) != 0 {
		t.Errorf("%d data records", len(s.rec.data))
	}
}

// TestDataOutlivesSession: a download still moving when the control
// connection ends is counted to its FIN, and the session's end is
// reported after it.
func TestDataOutlivesSession(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
	a := netip.MustParseAddrPort("198.51.100.7:50001")
	b := netip.MustParseAddrPort("192.0.2.10:40000")
	s.cmd("RETR", "big")
	s.reply(150, "Opening BINARY mode data connection for big (3000 bytes).")
	s.seg(a, b, decode.FlagSYN, 1000, 0)
	s.seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, 0)
	s.seg(a, b, decode.FlagACK, 1001, 0)
	s.seg(b, a, decode.FlagACK, 5001, 1000)
	s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	if len(s.rec.ended) != 0 {
		t.Fatal("session reported ended while its data connection moves")
	}
	s.seg(b, a, decode.FlagACK, 6001, 2000)
	s.seg(b, a, decode.FlagFIN|decode.FlagACK, 8001, 0)
	s.seg(a, b, decode.FlagFIN|decode.FlagACK, 1001, 0)
	if len(s.rec.ended) != 1 || len(s.rec.data) != 1 {
		t.Fatalf("ended %d, data %d", len(s.rec.ended), len(s.rec.data))
	}
	if d := s.rec.data[0]; d.TotalBytes() != 3000 || d.EndReason != EndFIN {
		t.Errorf("bytes %d end %v, want 3000 fin", d.TotalBytes(), d.EndReason)
	}
	s.trk.Finish()
}

// TestResyncAfterGap: after a gap, once every command is answered, an
// unknown verb's reply pairs FIFO again (MFMT's 213).
func TestResyncAfterGap(t *testing.T) {
	s := newSession(t)
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 100})
	s.login()
	s.cmd("MFMT", "20260101000000 a.txt")
	s.reply(213, "Modify=20260101000000; a.txt")
	s.cmd("NOOP", "")
	s.reply(200, "ok")
	s.end()
	for _, c := range s.rec.commands {
		if c.Verb == "MFMT" && (c.Status != StatusAnswered || c.Final().Code != 213) {
			t.Errorf("MFMT %v %+v", c.Status, c.Replies)
		}
	}
}

// TestSizeOnlyForRETR: the remembered SIZE is not what an upload moves.
func TestSizeOnlyForRETR(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("EPSV", "")
	s.reply(229, "Entering Extended Passive Mode (|||40000|)")
	s.cmd("SIZE", "f.bin")
	s.reply(213, "1000")
	s.cmd("APPE", "f.bin")
	s.end()
	if d := s.rec.data[0]; d.ExpectedSize != -1 {
		t.Errorf("APPE expects %d bytes", d.ExpectedSize)
	}
}

// TestRepliesBounded: a server's endless 1yz replies and greeting lines
// are bounded and counted.
func TestRepliesBounded(t *testing.T) {
	s := newSession(t)
	for i := 0; i < 100; i++ {
		s.reply(220, "hello")
	}
	s.login()
	s.cmd("RETR", "a")
	for i := 0; i < 1000; i++ {
		s.reply(150, "still opening")
	}
	s.reply(226, "done")
	sess := s.end()
	if len(sess.Greeting) > maxGreeting {
		t.Errorf("%d greeting lines kept", len(sess.Greeting))
	}
	for _, c := range s.rec.commands {
		if c.Verb == "RETR" && (len(c.Replies) > maxReplies+1 || c.Final() == nil || c.Final().Code != 226) {
			t.Errorf("RETR keeps %d replies, final %+v", len(c.Replies), c.Final())
		}
	}
	if s.trk.Limits().RepliesOmitted == 0 {
		t.Error("omitted replies not counted")
	}
}

// TestUnsolicited221: a 221 nobody asked for is not NOOP's answer.
func TestUnsolicited221(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("NOOP", "")
	s.reply(221, "Goodbye.")
	s.end()
	for _, c := range s.rec.commands {
		if c.Verb == "NOOP" && c.Status != StatusInterrupted {
			t.Errorf("NOOP %v", c.Status)
		}
	}
}

// TestUnreachableCountsRetries: after an ICMPv6 error the client may send
// the SYN again (Linux does for admin-prohibited); the record counts every
// SYN and stays unreachable (review: it reported 1 SYN where tshark shows 2).
func TestUnreachableCountsRetries(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("EPSV", "")
	s.reply(229, "Entering Extended Passive Mode (|||40000|)")
	a := netip.MustParseAddrPort("198.51.100.7:50001")
	b := netip.MustParseAddrPort("192.0.2.10:40000")
	for i := 0; i < 2; i++ {
		s.seg(a, b, decode.FlagSYN, 1000, 0)
		s.num++
		s.trk.Unreachable(&decode.Unreachable{Num: s.num, TS: s.now, From: b.Addr(), V6: true, Type: 1, Code: 1, Src: a, Dst: b, Seq: 1000})
		s.tick(time.Second)
	}
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Outcome != OutcomeUnreachable || d.SYNs != 2 {
		t.Errorf("outcome %v with %d SYNs, want unreachable with 2", d.Outcome, d.SYNs)
	}
}

func TestICMPCodeName(t *testing.T) {
	for _, tt := range []struct {
		v6   bool
		code uint8
		want string
	}{
		{false, 3, "port unreachable"},
		{false, 9, "network administratively prohibited"}, // one table now; the CLI's copy had it as host
		{false, 13, "communication administratively prohibited"},
		{true, 1, "communication administratively prohibited"},
		{true, 4, "port unreachable"},
		{true, 99, "unknown code"},
	} {
		if got := (&ICMPInfo{V6: tt.v6, Code: tt.code}).CodeName(); got != tt.want {
			t.Errorf("v6=%v code %d: %q, want %q", tt.v6, tt.code, got, tt.want)
		}
	}
}

// TestRecentOnlyKeepsNoHistory: with RecentOnly a long session keeps only
// its latest commands, and none of the events the diagnosis does not
// weigh (junk lines here), however many it sends.
func TestRecentOnlyKeepsNoHistory(t *testing.T) {
	rec := &recorder{}
	trk := New(rec, Options{RecentOnly: true})
	e := decode.ControlEvent{Kind: decode.ControlOpen, TS: t0, Client: cli, Server: srv}
	trk.Control(&e)
	for i := range 5000 {
		ts := t0.Add(time.Duration(i) * time.Millisecond)
		trk.Control(&decode.ControlEvent{Kind: decode.ControlCommand, TS: ts, Client: cli, Server: srv, Command: ftp.Command{Verb: "NOOP"}})
		trk.Control(&decode.ControlEvent{Kind: decode.ControlReply, TS: ts, Client: cli, Server: srv, Reply: &ftp.Reply{Code: 200, Text: "ok"}})
		trk.Control(&decode.ControlEvent{Kind: decode.ControlJunk, TS: ts, Client: cli, Server: srv, Line: "junk"})
	}
	trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, TS: t0.Add(time.Hour), Client: cli, Server: srv})
	if len(rec.ended) != 1 {
		t.Fatalf("%d sessions ended", len(rec.ended))
	}
	s := rec.ended[0]
	if len(s.Commands) > 32 || len(s.Events) != 0 || s.CommandsOmitted != 0 || s.CommandCount != 5000 {
		t.Errorf("kept %d commands, %d events; omitted %d of %d", len(s.Commands), len(s.Events), s.CommandsOmitted, s.CommandCount)
	}
}

// TestTranscriptBudgetBoundsAllSessions: the transcripts of all open
// sessions together keep at most TranscriptBudget entries; what is left
// out is counted, and an ended session gives its share back.
func TestTranscriptBudgetBoundsAllSessions(t *testing.T) {
	rec := &recorder{}
	trk := New(rec, Options{TranscriptBudget: 100})
	client := func(i int) netip.AddrPort { return netip.AddrPortFrom(cli.Addr(), uint16(40000+i)) }
	for i := range 10 {
		trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, TS: t0, Client: client(i), Server: srv})
	}
	for range 50 {
		for i := range 10 {
			trk.Control(&decode.ControlEvent{Kind: decode.ControlCommand, TS: t0, Client: client(i), Server: srv, Command: ftp.Command{Verb: "NOOP"}})
			trk.Control(&decode.ControlEvent{Kind: decode.ControlReply, TS: t0, Client: client(i), Server: srv, Reply: &ftp.Reply{Code: 200}})
		}
	}
	if lim := trk.Limits(); lim.TranscriptBudget != 400 || lim.CommandsOmitted != 400 {
		t.Errorf("budget omitted %d, commands omitted %d; want 400 each", lim.TranscriptBudget, lim.CommandsOmitted)
	}
	trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, TS: t0, Client: client(0), Server: srv})
	trk.Control(&decode.ControlEvent{Kind: decode.ControlCommand, TS: t0, Client: client(1), Server: srv, Command: ftp.Command{Verb: "NOOP"}})
	if s := rec.ended[0]; len(s.Commands)+s.CommandsOmitted != 50 {
		t.Errorf("session kept %d and omitted %d of 50", len(s.Commands), s.CommandsOmitted)
	}
	if lim := trk.Limits(); lim.TranscriptBudget != 400 {
		t.Errorf("after a session ended, a command was still refused (%d)", lim.TranscriptBudget)
	}
}

// TestCaptureEndTooSoonIsUndetermined: a SYN or an announcement the
// capture ended right after is undetermined, not unanswered or not
// attempted: no answer could be expected yet. With the wait elapsed, the
// outcome stands.
func TestCaptureEndTooSoonIsUndetermined(t *testing.T) {
	tests := []struct {
		name     string
		syn      bool
		waitThen time.Duration // packet time that passes before the capture ends
		want     Outcome
	}{
		{"SYN, capture ends 10 ms later", true, 10 * time.Millisecond, OutcomeUndetermined},
		{"SYN, capture ends 5 s later", true, 5 * time.Second, OutcomeUnanswered},
		{"227, capture ends 10 ms later", false, 10 * time.Millisecond, OutcomeUndetermined},
		{"227, capture ends 5 s later", false, 5 * time.Second, OutcomeNotAttempted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,71).")
			if tc.syn {
				s.seg(netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40007"), decode.FlagSYN, 1, 0)
			}
			s.tick(tc.waitThen)
			// The capture ends with the session still open.
			s.trk.Tick(s.now)
			s.trk.Finish()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want {
				t.Errorf("outcome %v, want %v", d.Outcome, tc.want)
			}
			if tc.want == OutcomeUndetermined && (d.CaptureEndedAfter <= 0 || d.CaptureEndedAfter > time.Second) {
				t.Errorf("capture ended after %v", d.CaptureEndedAfter)
			}
		})
	}
}

// TestDataRecordCarriesFinalReply: a data connection that closes before
// its transfer's 226 (the usual order on the wire) is reported with it.
func TestDataRecordCarriesFinalReply(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,71).")
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection for f (3000 bytes).")
	s.handshakeTransfer(netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40007"), 3000)
	if len(s.rec.data) != 0 {
		t.Fatal("data connection reported before its transfer's final reply")
	}
	s.reply(226, "Transfer complete.")
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records after the 226", len(s.rec.data))
	}
	if f := s.rec.data[0].Command.Final(); f == nil || f.Code != 226 {
		t.Errorf("final reply %v", f)
	}
	s.end()
}

// TestDataTLSHelloReadInOrderOnly: the TLS hellos of an encrypted
// session's data connection are read from in-order bytes only; a hole
// stops the reading instead of feeding the scanner bytes out of place.
func TestDataTLSHelloReadInOrderOnly(t *testing.T) {
	var x dataTLS
	seg := func(fl decode.TCPFlags, seq uint32, p string) *decode.Segment {
		return &decode.Segment{Flags: fl, Seq: seq, Payload: []byte(p), PayloadLen: len(p)}
	}
	x.feed(0, seg(decode.FlagSYN, 100, ""))
	x.feed(0, seg(decode.FlagACK, 101, "\x16\x03\x01"))
	if x.stop[0] || x.next[0] != 104 {
		t.Fatalf("in-order bytes: stop %v next %d", x.stop[0], x.next[0])
	}
	x.feed(0, seg(decode.FlagACK, 101, "\x16\x03\x01")) // a retransmission: ignored
	if x.stop[0] || x.next[0] != 104 {
		t.Fatalf("retransmission: stop %v next %d", x.stop[0], x.next[0])
	}
	x.feed(0, seg(decode.FlagACK, 200, "zz")) // a hole
	if !x.stop[0] {
		t.Error("bytes after a hole were read")
	}
	if _, seen := (&DataConn{}).TLSHandshake(); seen {
		t.Error("a data connection without TLS reports a handshake")
	}
}

// TestDataSYNToControlPortIsExpected: a PORT naming port 21 (a bounce, or
// a client listening there) makes the server's SYN to it an expected data
// connection, which decode must not take for a new control connection;
// another host's SYN to that port is not.
func TestDataSYNToControlPortIsExpected(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PORT", "192,0,2,50,0,21")
	s.reply(200, "PORT command successful.")
	from := netip.AddrPortFrom(srv.Addr(), 20)
	target := netip.MustParseAddrPort("192.0.2.50:21")
	if !s.trk.ExpectsData(from, target) {
		t.Error("the server's SYN to the announced port 21 is not expected")
	}
	if s.trk.ExpectsData(netip.MustParseAddrPort("192.0.2.99:40000"), target) {
		t.Error("a third host's SYN to port 21 is taken for the data connection")
	}
	s.end()
}

// TestHeldDataRecordNeverLost: a data connection held for its transfer's
// final reply is reported however the command's wait ends (here a gap
// that loses the 226, with RecentOnly pruning the session's list).
func TestHeldDataRecordNeverLost(t *testing.T) {
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, Options{RecentOnly: true}), rec: rec, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	s.reply(220, "hi")
	s.login()
	xfer := func(i int, lose bool) {
		p := 40000 + i
		s.cmd("PASV", "")
		s.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", p/256, p%256))
		s.cmd("RETR", "f")
		s.reply(150, "Opening")
		s.handshakeTransfer(netip.AddrPortFrom(cli.Addr(), uint16(50001+i)), netip.AddrPortFrom(srv.Addr(), uint16(p)), 100)
		if lose {
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 30})
			return
		}
		s.reply(226, "Transfer complete.")
	}
	xfer(0, true)
	for i := 1; i <= 40; i++ {
		xfer(i, false)
	}
	s.end()
	if len(rec.data) != 41 {
		t.Errorf("%d data records for 41 data connections", len(rec.data))
	}
}

// TestEncryptedSessionDataElsewhere: inside TLS a client trusted a private
// 227 and connected to that address, not the server's: the connection is
// the session's (inferred) and its outcome reported; the client's traffic
// on its own network is not taken for it.
func TestEncryptedSessionDataElsewhere(t *testing.T) {
	s := newSession(t)
	s.cmd("AUTH", "TLS")
	s.reply(234, "Proceed with negotiation.")
	s.seg(netip.MustParseAddrPort("198.51.100.7:50002"), netip.MustParseAddrPort("192.168.50.5:40001"), decode.FlagSYN, 1, 0)
	s.seg(netip.MustParseAddrPort("198.51.100.7:50003"), netip.MustParseAddrPort("198.51.100.9:40001"), decode.FlagSYN, 1, 0)
	s.tick(10 * time.Second)
	sess := s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	d := s.rec.data[0]
	if d.Match != MatchInferred || d.Server.Addr() != netip.MustParseAddr("192.168.50.5") || d.Outcome != OutcomeUnanswered || d.Session != sess {
		t.Errorf("match %v server %v outcome %v", d.Match, d.Server, d.Outcome)
	}
}

// TestDataConnKeepsTheTypeOfItsTransfer guards the type a transfer ran in:
// clients switch to TYPE A for the listing after a binary RETR (lftp,
// curl, ftplib), and the RETR's data connection, reported later, must
// still say image type, so that a short download is still compared with
// its announced size.
func TestDataConnKeepsTheTypeOfItsTransfer(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("TYPE", "I")
	s.reply(200, "Switching to Binary mode.")
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,15,128)")
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:3968")
	s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
	s.cmd("RETR", "report.txt")
	s.reply(150, "Opening BINARY mode data connection for report.txt (12345 bytes).")
	s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 5000, 0)
	s.seg(dataSrv, dataCli, decode.FlagACK, 5001, 1000)
	s.cmd("TYPE", "A")
	s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 6001, 0)
	s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
	s.reply(226, "Transfer complete.")
	s.reply(200, "Switching to ASCII mode.")
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Type != "I" {
		t.Errorf("the RETR's data connection has type %q, want I", d.Type)
	}
}

// TestUnaskedDataRefusalIsNotPaired guards reply pairing against a 425 no
// command asked for: pyftpdlib reports a data connection it dropped for
// its source the moment it drops it, while SIZE waits
// (pcaps/real/pyftpdlib-data-source-nat.pcap). Only a transfer (or a PASV,
// PORT...) can get a 425: paired with SIZE, every reply after it would
// shift one place. And a QUIT sent while the RETR still waits gets the
// 221; the RETR gets no reply.
func TestUnaskedDataRefusalIsNotPaired(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("SIZE", "report.txt")
	s.reply(213, "4640")
	s.cmd("TYPE", "I")
	s.reply(425, "Rejected data connection from foreign address 10.99.0.3:38606.")
	s.reply(200, "Type set to: Binary.")
	s.cmd("RETR", "report.txt")
	s.reply(150, "File status okay. About to open data connection.")
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	got := map[string]string{}
	for _, c := range s.rec.commands {
		st := c.Status.String()
		if f := c.Final(); f != nil {
			st = fmt.Sprint(f.Code)
		}
		got[c.Verb] = st
	}
	want := map[string]string{"USER": "331", "PASS": "230", "SIZE": "213", "TYPE": "200", "RETR": "no-reply", "QUIT": "221"}
	for v, w := range want {
		if got[v] != w {
			t.Errorf("%s: %s, want %s (all: %v)", v, got[v], w, got)
		}
	}
	unasked := false
	for _, e := range s.rec.events {
		unasked = unasked || e.Kind == EventUnsolicited && e.Code == 425
	}
	if !unasked {
		t.Errorf("the 425 is not reported as unsolicited: %+v", s.rec.events)
	}
}

// TestTransferReplyAfterGapStillPairs: after a capture gap the head's
// reply may be lost, so a 426 (or 425) that no command before the
// transfer can get finds the transfer it answers, as any reply does
// then; it is not taken for an unasked report.
func TestTransferReplyAfterGapStillPairs(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("CWD", "pub")
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 40})
	s.cmd("RETR", "a")
	s.reply(426, "Connection closed; transfer aborted.")
	s.end()
	for _, c := range s.rec.commands {
		if c.Verb == "RETR" {
			if f := c.Final(); f == nil || f.Code != 426 {
				t.Errorf("RETR: %v %+v, want answered by the 426", c.Status, f)
			}
		}
	}
	for _, e := range s.rec.events {
		if e.Kind == EventUnsolicited {
			t.Errorf("the 426 was taken for an unasked reply")
		}
	}
}

// TestMidstreamTransferReplyIsUnseenCommands: a capture that begins
// during a transfer sees its 426 with nothing pending: a reply to a
// command before the capture, not an unasked one.
func TestMidstreamTransferReplyIsUnseenCommands(t *testing.T) {
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
	s.reply(426, "Connection closed; transfer aborted.")
	s.cmd("NOOP", "")
	s.reply(200, "NOOP ok.")
	s.end()
	if len(rec.events) == 0 || rec.events[0].Kind != EventReplyUnseen {
		t.Errorf("events %+v, want the 426 as a reply to an unseen command", rec.events)
	}
}

// TestTranscriptOnlyForSessionsShown: with Options.Transcript, a session
// whose transcript is not wanted (text output showing other sessions)
// keeps what RecentOnly keeps and leaves the budget on all open
// transcripts to the one shown, which keeps every command however many
// sessions are open beside it.
func TestTranscriptOnlyForSessionsShown(t *testing.T) {
	rec := &recorder{}
	trk := New(rec, Options{TranscriptBudget: 100, Transcript: func(s *Session) bool { return s.ID == 4 }})
	client := func(i int) netip.AddrPort { return netip.AddrPortFrom(cli.Addr(), uint16(40000+i)) }
	for i := range 10 {
		trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, TS: t0, Client: client(i), Server: srv})
	}
	for range 50 {
		for i := range 10 {
			trk.Control(&decode.ControlEvent{Kind: decode.ControlCommand, TS: t0, Client: client(i), Server: srv, Command: ftp.Command{Verb: "NOOP"}})
			trk.Control(&decode.ControlEvent{Kind: decode.ControlReply, TS: t0, Client: client(i), Server: srv, Reply: &ftp.Reply{Code: 200}})
		}
	}
	for i := range 10 {
		trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, TS: t0, Client: client(i), Server: srv})
	}
	if lim := trk.Limits(); lim.TranscriptBudget != 0 || lim.CommandsOmitted != 0 {
		t.Errorf("budget omitted %d, commands omitted %d; want none", lim.TranscriptBudget, lim.CommandsOmitted)
	}
	for _, s := range rec.ended {
		switch {
		case s.ID == 4 && len(s.Commands) != 50:
			t.Errorf("the session shown kept %d of its 50 commands", len(s.Commands))
		case s.ID != 4 && len(s.Commands) > recentKept:
			t.Errorf("session %d, not shown, kept %d commands", s.ID, len(s.Commands))
		}
	}
}
