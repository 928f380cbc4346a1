package vantage

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestUnrelatedSessionsNotPaired guards payload pairing against two
// control connections that share no line (another server, another user),
// one seen at each point: timing alone (their SYN-ACKs) must not pair
// them, nor a lost SYN of one be placed by the other's answer.
func TestUnrelatedSessionsNotPaired(t *testing.T) {
	l := newLab(t, "client", "server")
	l.taps[0].miss = func(f *frame) bool { return f.cport == 41000 || f.cport == 51000 }
	l.taps[1].miss = func(f *frame) bool { return f.cport == 40000 || f.cport == 50000 }
	b := l.fork(300*time.Millisecond, 0)

	a := l.open(40000, 1000, 9000)
	for _, x := range []string{"220 alpha ready", "USER alice", "331 pw", "PASS a", "230 ok"} {
		if x[0] >= 'A' {
			a.command(x)
		} else {
			a.reply(x)
		}
	}
	a.pasv(40001)
	a.command("RETR a.bin")
	a.data(50000, 40001, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
	a.reply("425 no data connection")

	c := b.open(41000, 424242, 777777)
	for _, x := range []string{"220-Welcome to beta", "USER bob", "331 Password required for bob", "PASS b", "230 User bob logged in", "CWD /pub", "250 CWD command successful"} {
		if x[0] >= 'A' {
			c.command(x)
		} else {
			c.reply(x)
		}
	}
	c.pasv(50505)
	c.command("LIST")
	c.data(51000, 50505, 17000, 18000, dataOpts{synReach: -1, synACKReach: -1}, 1000)
	c.quit()

	r := l.merge()
	if len(r.Sessions) != 0 || r.Unpaired[0] != 1 || r.Unpaired[1] != 1 {
		t.Fatalf("want both connections unpaired, got %s", describe(r))
	}
}

// TestPayloadNeedsMostLinesToAgree guards the share of lines two views
// must have in common: three lines where one view's tail meets the
// other's head (a QUIT and its reply, say) do not make two eight-line
// sessions one; a short view wholly inside a long one does.
func TestPayloadNeedsMostLinesToAgree(t *testing.T) {
	lines := func(from, to int) []Line {
		var v []Line
		for h := from; h <= to; h++ {
			v = append(v, Line{Hash: uint64(h), FromClient: h%2 == 0})
		}
		return v
	}
	x, y := lines(1, 8), lines(6, 13)
	if sh, m, ok := align(x, y); !ok || sh != 5 || m != 3 {
		t.Fatalf("align: shift %d matched %d ok %v; want the 3-line overlap", sh, m, ok)
	}
	if linesAgree(x, y, 3) {
		t.Fatal("3 lines of 8 in common paired two sessions")
	}
	if _, m, ok := align(x, lines(3, 6)); !ok || !linesAgree(x, lines(3, 6), m) {
		t.Fatalf("a view wholly inside the other must pair (matched %d)", m)
	}
}

// concurrentMirrors runs two identical sessions 15 ms apart through a
// firewall that randomises the client's ISNs (of each connection its
// own shift), the first one's commands 40 ms slower on their way (lines
// 100 ms apart); the first one's last data SYN is dropped in between. sameServerISN says whether
// the firewall left the server's ISN; distinct whether the sessions
// announce different ports and the router keeps the client's port.
func concurrentMirrors(t *testing.T, sameServerISN, distinct bool) *Report {
	l := newLab(t, "client", "server")
	l.taps[1].miss = func(f *frame) bool {
		shift := 0x01000000 * uint32(f.cport)
		if f.fromClient {
			f.seq += shift
		} else if f.ackf {
			f.ack += shift
		}
		if !sameServerISN {
			if f.fromClient && f.ackf {
				f.ack += 0x77
			} else if !f.fromClient {
				f.seq += 0x77
			}
		}
		if !distinct {
			f.cport += 5000 // the router changes the client's port
		}
		return false
	}
	l.lag, l.step = 40*time.Millisecond, 100*time.Millisecond
	second := l.fork(15*time.Millisecond, 0)
	run := func(l *lab, cport uint16, base uint16, fail int) {
		c := l.open(cport, 1000+uint32(cport), 9000+uint32(cport)*7)
		for _, x := range []string{"220 FTP ready", "USER mirror", "331 Please specify the password.", "PASS x", "230 Login successful.", "TYPE I", "200 Switching to Binary mode."} {
			if x[0] >= 'A' {
				c.command(x)
			} else {
				c.reply(x)
			}
		}
		// 12 transfers: the lines past the 64 kept (the last one's
		// 425) cannot tell the sessions apart.
		for k := range 12 {
			port := base + uint16(k)
			if !distinct {
				port = 40001
			}
			c.pasv(port)
			c.command(fmt.Sprintf("RETR file%02d", k))
			dport := cport + 1 + uint16(k)
			isn := 70000 + uint32(dport)*1000
			if k == fail {
				c.data(dport, port, isn, isn+50, dataOpts{synReach: 0, synTries: 3}, 0)
				c.reply("425 Failed to establish connection.")
				continue
			}
			c.data(dport, port, isn, isn+50, dataOpts{synReach: -1, synACKReach: -1}, 1000)
		}
		c.quit()
	}
	run(l, 50000, 40001, 11)
	run(second, 51000, 40101, -1)
	return l.merge()
}

// TestIdenticalConcurrentSessionsPairRight guards payload pairing of two
// identical sessions 15 ms apart whose client ISNs a firewall randomised:
// the server's ISN, the announced ports and the endpoints tell them
// apart where the clocks cannot (the first one's commands queue 40 ms): no false rewrite, and the dropped SYN on its own session.
func TestIdenticalConcurrentSessionsPairRight(t *testing.T) {
	r := concurrentMirrors(t, true, true)
	if len(r.Sessions) != 2 || r.Ambiguous != 0 {
		t.Fatalf("%s", describe(r))
	}
	for _, s := range r.Sessions {
		if s.Views[0].Client.Port() != s.Views[1].Client.Port() {
			t.Fatalf("session %d pairs client port %d with %d: %s", s.ID, s.Views[0].Client.Port(), s.Views[1].Client.Port(), describe(r))
		}
		for _, a := range s.Announcements {
			if a.Rewritten || strings.Contains(a.Verdict, "rewrote") {
				t.Fatalf("false rewrite: %s", describe(r))
			}
		}
		lost := 0
		for _, p := range s.Data {
			if p.Where == LostSYN {
				lost++
			}
		}
		if want := btoi(s.Views[0].Client.Port() == 50000); lost != want {
			t.Fatalf("session from port %d: %d syn-lost, want %d: %s", s.Views[0].Client.Port(), lost, want, describe(r))
		}
	}
}

// TestIdenticalSessionsLeftUnpairedWhenNothingTellsThemApart: the same
// two sessions through a firewall that randomises both ISNs and a NAT
// that changes the client's port, both announcing one port: nothing but
// 15 ms of clock tells them apart, so neither is paired (and it is said,
// Ambiguous), rather than guessed.
func TestIdenticalSessionsLeftUnpairedWhenNothingTellsThemApart(t *testing.T) {
	r := concurrentMirrors(t, false, false)
	if len(r.Sessions) != 0 || r.Ambiguous != 2 {
		t.Fatalf("want no session and 2 ambiguous, got ambiguous %d: %s", r.Ambiguous, describe(r))
	}
}

// TestRetransmittedSYNInsideCaptureIsLost guards a data SYN dropped in
// between whose first try came before the server's capture started, its
// retransmissions after: the point was capturing while SYNs passed and
// saw none, so it is syn-lost, not not-captured.
func TestRetransmittedSYNInsideCaptureIsLost(t *testing.T) {
	run := func(start time.Duration) *Path {
		l := newLab(t, "client", "server")
		// The server's capture starts after the first data SYN (74 ms
		// in), before (or after) its retransmissions at 1 and 2 s.
		l.taps[1].from = l.now.Add(start)
		// Other traffic there every 200 ms: the capture was running.
		bg := l.fork(0, 0)
		for k := range 25 {
			bg.send(frame{cport: 30000 + uint16(k), sport: 443, seq: 1, syn: true, ackf: true}, 0)
			bg.tick(200 * time.Millisecond)
		}
		c := l.control(40000, 1000, 9000)
		c.pasv(40001)
		c.command("RETR a.bin")
		c.data(50000, 40001, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
		c.reply("425 Failed to establish connection.")
		c.command("PWD")
		c.reply(`257 "/" is the current directory`)
		c.command("NOOP")
		c.reply("200 NOOP ok.")
		c.quit()
		return onlyPath(t, l.merge())
	}
	if p := run(600 * time.Millisecond); p.Where != LostSYN || p.After != 0 || p.Before != 1 {
		t.Fatalf("where %v (%s) gaps %q; want syn-lost between client and server", p.Where, p.Verdict, p.Gaps)
	}
	if p := run(2500 * time.Millisecond); p.Where != NotCaptured {
		t.Fatalf("capture started after the last SYN: where %v (%s); want not-captured", p.Where, p.Verdict)
	}
}
