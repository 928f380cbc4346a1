package track

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// The pairing of replies with commands when the order on the wire is not
// one reply per command in turn: a greeting after the client's first
// commands, lines a server skipped, client lines decode does not read as
// commands (review rev17, compared with Zeek and Suricata on their test
// captures).

// pairingSession drives a tracker through a script: "C verb arg" a
// client command, "J line" a client junk line, "S line" a junk line
// decode took for a password, "G" a capture gap, a leading "=" keeps the
// packet number of the line before (several lines in one packet), and
// "NNN text" a reply. open says how the session was picked up.
type pairingScript struct {
	midstream bool
	lines     []string
}

func runPairing(t *testing.T, sc pairingScript) (*session, *Session) {
	t.Helper()
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: sc.midstream})
	for _, l := range sc.lines {
		samePacket := strings.HasPrefix(l, "=")
		l = strings.TrimPrefix(l, "=")
		var e decode.ControlEvent
		switch {
		case strings.HasPrefix(l, "C "):
			verb, arg, _ := strings.Cut(l[2:], " ")
			e = decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: verb, Arg: arg}, Secret: verb == "PASS"}
		case strings.HasPrefix(l, "J "), strings.HasPrefix(l, "S "):
			e = decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Line: l[2:], Secret: l[0] == 'S'}
		case l == "G":
			e = decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: 10}
		default:
			code, text, _ := strings.Cut(l, " ")
			n := 0
			for _, d := range code {
				n = n*10 + int(d-'0')
			}
			e = decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: n, Text: text}}
			if n == 227 {
				ap, form, err := ftp.ParsePASV(text)
				e.Endpoint, e.EndpointErr = decode.Endpoint{Via: ftp.ViaPASV, Addr: ap, Form: form}, err
			}
		}
		if !samePacket {
			s.num++
		}
		s.tick(time.Millisecond)
		e.Num, e.TS, e.Client, e.Server = s.num, s.now, cli, srv
		s.trk.Control(&e)
	}
	return s, s.end()
}

// pairs renders the commands as "VERB<-code" (the final reply's code),
// "VERB!" for one with no reply, "VERB*" for one interrupted, in the
// order they were sent; unseen commands as "(VERB)".
func pairs(cs []*Command) string {
	byIndex := make(map[int]*Command)
	last := 0
	for _, c := range cs {
		byIndex[c.Index] = c
		last = max(last, c.Index)
	}
	var out []string
	for i := 1; i <= last; i++ {
		c := byIndex[i]
		if c == nil {
			out = append(out, "?")
			continue
		}
		v := c.Verb
		if c.Unseen {
			v = "(" + v + ")"
		}
		switch c.Status {
		case StatusAnswered:
			v += "<-" + itoa(c.Final().Code)
		case StatusInterrupted:
			v += "*"
		default:
			v += "!"
		}
		out = append(out, v)
	}
	return strings.Join(out, " ")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func greetingCodes(sess *Session) string {
	var out []string
	for _, r := range sess.Greeting {
		out = append(out, itoa(r.Code))
	}
	return strings.Join(out, ",")
}

// TestGreetingAfterPipelinedCommands guards the greeting that arrives
// after the client's first commands (zeek's fake-server-delays-all.pcap:
// USER to QUIT sent, then "220 py.fake ready"; a client that pipelines
// its login before the banner). Paired with USER, it shifted every reply
// after it: PASV took TYPE's 200 ("PASV refused"), a phantom PASV took
// the 227, the real 221 was unsolicited. RFC 959 section 5.4: 120 and
// 220 answer the connection. Mid-stream, or after a gap, the old FIFO
// stays: there a 220 may answer a REIN.
func TestGreetingAfterPipelinedCommands(t *testing.T) {
	tests := []struct {
		name     string
		sc       pairingScript
		want     string
		greeting string
	}{
		{"login and PASV pipelined before the greeting", pairingScript{false, []string{
			"C USER bob", "C PASS x", "C TYPE I", "C PASV",
			"220 ready", "331 Password required", "230 Logged in", "200 Type set to I",
			"227 Entering Passive Mode (192,0,2,10,156,66).", "C QUIT", "221 Goodbye"}},
			"USER<-331 PASS<-230 TYPE<-200 PASV<-227 QUIT<-221", "220"},
		{"every command before the greeting (fake-server-delays-all)", pairingScript{false, []string{
			"C USER anonymous", "C PASS x", "C SYST", "C QUIT",
			"220 py.fake ready", "230 Fake response USER", "230 Fake response PASS", "215 Fake response SYST", "221 Fake response QUIT"}},
			"USER<-230 PASS<-230 SYST<-215 QUIT<-221", "220"},
		{"120 then 220, after the USER", pairingScript{false, []string{
			"C USER bob", "120 Service ready in 1 minute", "220 ready", "331 Password required"}},
			"USER<-331", "120,220"},
		{"greeting first: a later 220 is a reply", pairingScript{false, []string{
			"220 ready", "C USER bob", "331 Password required", "C PASS x", "230 ok", "C REIN", "220 Service ready for new user."}},
			"USER<-331 PASS<-230 REIN<-220", "220"},
		{"421 before any answer still interrupts the commands", pairingScript{false, []string{
			"C USER bob", "421 Too many connections (2) from this IP"}},
			"USER*", ""},
		{"mid-stream: a 220 after a command answers it", pairingScript{true, []string{
			"C REIN", "220 Service ready for new user."}},
			"REIN<-220", ""},
		{"after a gap: FIFO", pairingScript{false, []string{
			"G", "C REIN", "220 Service ready for new user."}},
			"REIN<-220", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, sess := runPairing(t, tc.sc)
			if got := pairs(s.rec.commands); got != tc.want {
				t.Errorf("pairs %q, want %q", got, tc.want)
			}
			if got := greetingCodes(sess); got != tc.greeting {
				t.Errorf("greeting %q, want %q", got, tc.greeting)
			}
			for _, c := range s.rec.commands {
				if c.Refused {
					t.Errorf("%s refused", c.Verb)
				}
			}
			for _, e := range s.rec.events {
				if e.Kind == EventReplyNoCommand || e.Kind == EventUnsolicited && e.Code != 421 {
					t.Errorf("event %s %d %s", e.Kind, e.Code, e.Text)
				}
			}
		})
	}
}

// TestSkippedLinesDoNotShiftReplies guards a server that read a packet of
// several lines and answered only the first (suricata-verify's
// bug-8489-03.pcap: "PWD\r\nPWD\r\nPWD\r\n" drew one 257, then "CWD /tmp"
// drew 250). FIFO gave the 250 to the second PWD and left the CWD without
// a reply; with a RETR after it, its 550 went to the CWD and the RETR's
// failure vanished. A repeat of the line just answered, in the same
// packet, that the reply cannot answer, is passed over; any other
// pipelined line keeps FIFO, whatever code the table lacks.
func TestSkippedLinesDoNotShiftReplies(t *testing.T) {
	login := []string{"220 ready", "C USER bob", "331 Password required", "C PASS x", "230 ok"}
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"bug-8489-03: three PWDs, one answer", []string{
			"C PWD", "=C PWD", "=C PWD", "257 \"/\" is the current directory", "C CWD /tmp", "250 Directory changed."},
			"PWD<-257 PWD! PWD! CWD<-250"},
		{"the failure after stays its command's", []string{
			"C PWD", "=C PWD", "=C PWD", "257 \"/\"", "C CWD /tmp", "250 Directory changed", "C RETR a.txt", "550 No such file", "C QUIT", "221 Goodbye"},
			"PWD<-257 PWD! PWD! CWD<-250 RETR<-550 QUIT<-221"},
		{"pipelined lines all answered, one with a code the table lacks", []string{
			"C PWD", "=C CWD /x", "=C TYPE I", "257 \"/\"", "200 directory changed", "200 Type set to I"},
			"PWD<-257 CWD<-200 TYPE<-200"},
		{"a repeat in another packet keeps FIFO", []string{
			"C PWD", "257 \"/\"", "C PWD", "C CWD /tmp", "250 Directory changed"},
			"PWD<-257 PWD<-250 CWD!"},
		{"repeats all answered", []string{
			"C PWD", "=C PWD", "257 \"/\"", "257 \"/\""},
			"PWD<-257 PWD<-257"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := runPairing(t, pairingScript{false, append(append([]string(nil), login...), tc.lines...)})
			want := "USER<-331 PASS<-230 " + tc.want
			if got := pairs(s.rec.commands); got != want {
				t.Errorf("pairs %q, want %q", got, want)
			}
		})
	}
}

// TestJunkLineTakesItsPlace guards a client line decode does not read as
// a command (a verb over 16 bytes) that the server answers all the same:
// not queued, its 500 went to the PASV after it ("PASV refused") and the
// PASV's 227 to a phantom "(PASV not in the capture)"
// (rev-anchors/junk-then-pasv-pipelined.pcap); zeek's
// fake-long-commands.pcap had "200 Response to TYPEEEE... command" as a
// reply without a command. A junk line that may be a password is not
// queued (the 230 answers the login), nor an empty line or one whose verb
// holds bytes no command has.
func TestJunkLineTakesItsPlace(t *testing.T) {
	login := []string{"220 ready", "C USER bob", "331 Password required", "C PASS x", "230 ok"}
	tests := []struct {
		name   string
		lines  []string
		want   string
		refuse bool
	}{
		{"junk and PASV pipelined", []string{
			"J TYPEEEEEEEEEEEEEEEEEEEE I", "C PASV", "500 Unknown command.", "227 Entering Passive Mode (192,0,2,10,156,70)."},
			"TYPEEEEEEEEEEEEEEEEEEEE<-500 PASV<-227", false},
		{"junk answered in turn", []string{
			"J TYPEEEEEEEEEEEEEEEEEEEE I", "200 Response to TYPEEEE command", "C PASV", "227 Entering Passive Mode (192,0,2,10,156,70)."},
			"TYPEEEEEEEEEEEEEEEEEEEE<-200 PASV<-227", false},
		{"a too-short verb", []string{
			"J XY", "C PASV", "500 Unknown command.", "227 Entering Passive Mode (192,0,2,10,156,70)."},
			"XY<-500 PASV<-227", false},
		{"binary noise is not queued", []string{
			"J \x16\x03\x01\x02\x00\x01", "C PASV", "227 Entering Passive Mode (192,0,2,10,156,70)."},
			"PASV<-227", false},
		{"a junk line the server ignores", []string{
			"J XY", "C PASV", "227 Entering Passive Mode (192,0,2,10,156,70)."},
			"XY! PASV<-227", false},
		{"an empty line is not queued", []string{
			"J ", "C PASV", "227 Entering Passive Mode (192,0,2,10,156,70)."},
			"PASV<-227", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := runPairing(t, pairingScript{false, append(append([]string(nil), login...), tc.lines...)})
			want := "USER<-331 PASS<-230 " + tc.want
			if got := pairs(s.rec.commands); got != want {
				t.Errorf("pairs %q, want %q", got, want)
			}
			for _, c := range s.rec.commands {
				if c.Verb == "PASV" && c.Refused != tc.refuse {
					t.Errorf("PASV refused %v", c.Refused)
				}
				if c.Junk != (len(c.Verb) > 16 || c.Verb == "XY") {
					t.Errorf("%s: Junk %v", c.Verb, c.Junk)
				}
			}
			for _, e := range s.rec.events {
				if e.Kind == EventReplyNoCommand {
					t.Errorf("reply without a command: %d %s", e.Code, e.Text)
				}
			}
		})
	}

	// Text that is no FTP sent to the port (a log, a banner): one junk
	// line waits for its reply at a time, the others stay events, not a
	// command each that no reply comes to; its verb is kept as sent.
	var flood []string
	for range 50 {
		flood = append(flood, "J SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13")
	}
	s, _ := runPairing(t, pairingScript{false, append(append([]string(nil), login...), flood...)})
	junk := 0
	for _, c := range s.rec.commands {
		if c.Junk {
			junk++
			if c.Verb != "SSH-2.0-OpenSSH_9.6p1" {
				t.Errorf("junk verb %q, want it as sent", c.Verb)
			}
		}
	}
	if junk != 1 {
		t.Errorf("%d junk commands from 50 unanswered lines, want 1", junk)
	}

	// A junk line that may be a password: the 230 answers the login, as
	// before (it is no command of its own).
	s, sess := runPairing(t, pairingScript{false, []string{"220 ready", "C USER bob", "331 Password required", "S PASS\thunter2", "230 ok", "C PWD", "257 \"/\""}})
	if got := pairs(s.rec.commands); got != "USER<-331 PWD<-257" {
		t.Errorf("pairs %q", got)
	}
	if sess.Login != LoginOK {
		t.Errorf("login %v", sess.Login)
	}
}

// TestUnusedAnnouncementAfterQuit guards an announcement no one connected
// to before the 221 that answered the QUIT, in a capture that ends before
// the FINs (suricata-verify's ftp-bounce.pcap, session 1: PORT, 200,
// QUIT, 221): the session was over, so it is not-attempted, as with the
// FINs, not "undetermined: the capture ended too soon". Without the 221
// it stays undetermined.
func TestUnusedAnnouncementAfterQuit(t *testing.T) {
	tests := []struct {
		name string
		quit bool
		syn  bool
		want Outcome
	}{
		{"PORT, then QUIT answered", true, false, OutcomeNotAttempted},
		{"PORT, no QUIT", false, false, OutcomeUndetermined},
		{"PORT and a SYN unanswered, then QUIT answered", true, true, OutcomeUndetermined},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PORT", "198,51,100,7,195,81")
			s.reply(200, "PORT command successful")
			if tc.syn {
				s.seg(netip.MustParseAddrPort("192.0.2.10:20"), netip.MustParseAddrPort("198.51.100.7:50001"), decode.FlagSYN, 1, 0)
			}
			if tc.quit {
				s.cmd("QUIT", "")
				s.reply(221, "Goodbye")
			}
			s.trk.Finish()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records", len(s.rec.data))
			}
			if d := s.rec.data[0]; d.Outcome != tc.want {
				t.Errorf("outcome %v, want %v", d.Outcome, tc.want)
			}
		})
	}
}
