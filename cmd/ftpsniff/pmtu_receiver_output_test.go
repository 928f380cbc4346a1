package main

import (
	"strings"
	"testing"
	"time"
)

// abortCapture writes one passive LIST whose data connection drive writes
// after the 150; then the client resets the data connection and sends
// ABOR, the server answers 426 and 226 (vsftpd), and the client quits:
// rev37's pmtu-client-abor.pcap, with the data as each case has it.
func abortCapture(t *testing.T, drive func(c *wireCap, k *wireConn)) string {
	c, path := newWireCap(t)
	s := newWireSession(c) // PASV 10.0.0.1:40000
	k := &s.data
	k.handshake()
	s.cmd("LIST -la")
	s.reply("150 Here comes the directory listing.")
	drive(c, k)
	c.pkt(k.a, k.b, k.aseq, k.bseq, "RA", nil)
	s.cmd("ABOR")
	s.reply("426 Failure writing network stream.")
	s.reply("226 ABOR successful.")
	s.quit()
	return path
}

// flowFor sends 100 bytes from b every half second for d, each
// acknowledged: a listing that moves.
func flowFor(c *wireCap, k *wireConn, d time.Duration) {
	for range int(d / (500 * time.Millisecond)) {
		c.wait(500 * time.Millisecond)
		k.fromB(wireBody(100))
	}
}

// TestAbortAfterStallReadsAsStall guards rev37's pmtu-client-abor.pcap: a
// listing whose data stopped after 300 bytes, the data connection open
// and silent for 30 s, then the client's ABOR, read "aborted by the
// client (ABOR): the 426 is the normal answer", "Nothing to change", and
// "the data connection worked". A client that gives up after such a stall
// did not choose to stop a transfer that moved: it reads as a stall, a
// warning with the path's causes and no port rule. An ABOR while data
// still came (a user's ^C), or one a few seconds after it stopped (less
// than abortStallWait), stays "nothing to change".
func TestAbortAfterStallReadsAsStall(t *testing.T) {
	stall := []string{"warning server-data-error: The client gave the transfer up (ABOR) after its data had stopped coming",
		"No port needs opening", "path MTU black hole",
		"verdict: the data connection was made, but its data stopped coming and the client gave the transfer up (ABOR) 10 s or more later"}
	choice := []string{"info server-data-error: The transfer was aborted by the client (ABOR)", "Nothing to change."}
	for _, tc := range []struct {
		name      string
		drive     func(c *wireCap, k *wireConn)
		want, not []string
	}{
		{"300 bytes, then 30 s of silence", func(c *wireCap, k *wireConn) {
			k.fromB(wireBody(300))
			c.wait(30 * time.Second)
		}, append(stall, "nothing new came on it for the 30.00",
			// (Every byte acknowledged, none resent: the sender's own
			// pause is as likely from here.)
			"either the server sent nothing (its own pause"), append(choice, "verdict: the data connection worked", "most likely lost on the path")},
		{"nothing at all for 30 s", func(c *wireCap, k *wireConn) {
			c.wait(30 * time.Second)
		}, append(stall, "nothing came on it in the 30.0"), choice},
		{"data coming until the user's ^C", func(c *wireCap, k *wireConn) {
			flowFor(c, k, 30*time.Second)
			c.wait(200 * time.Millisecond)
		}, append(choice, "verdict: the data connection worked"), []string{"stopped coming", "warning server-data-error"}},
		{"an ABOR 5 s after the data stopped", func(c *wireCap, k *wireConn) {
			flowFor(c, k, 10*time.Second)
			c.wait(5 * time.Second)
		}, append(choice, "verdict: the data connection worked"), []string{"stopped coming", "warning server-data-error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := abortCapture(t, tc.drive)
			out := readTextHas(t, path, tc.want, tc.not)
			js, _, _ := readText(t, "--json", path)
			if got, want := strings.Contains(js, `"code":"server-data-error","severity":"warning"`), strings.Contains(out, "warning server-data-error"); got != want {
				t.Errorf("JSON has the warning %v, the text %v", got, want)
			}
			if t.Failed() {
				t.Log(out)
			}
		})
	}
}

// TestPathMTUSuspectNeedsLiveReceiver guards the hedged pmtu-blackhole
// (full-size segments resent and never acknowledged, no ICMP error in the
// capture): a client that sent RETR, completed the data handshake and
// vanished (no packet from it again, the capture ending on the server's
// resends, or the server giving up with a 426 and its FIN unanswered)
// raised it too, though nothing showed smaller segments passing where the
// large ones did not. It is given only when the receiver spoke after the
// data stopped: its ABOR during the resends (at once), its QUIT after the
// 426 (the finding waits for it, in every output).
func TestPathMTUSuspectNeedsLiveReceiver(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after func(c *wireCap, s *wireSession) // after the resends
		want  bool
		also  string
	}{
		{"the client vanished, the capture ends", func(c *wireCap, s *wireSession) {}, false, ""},
		{"the client vanished, the server gives up", func(c *wireCap, s *wireSession) {
			k := &s.data
			c.wait(time.Second)
			s.ctl.c.pkt(s.ctl.b, s.ctl.a, s.ctl.bseq, s.ctl.aseq, "PA", []byte("426 Failure writing network stream.\r\n"))
			s.ctl.bseq += uint32(len("426 Failure writing network stream.\r\n"))
			c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
			c.pkt(s.ctl.b, s.ctl.a, s.ctl.bseq, s.ctl.aseq, "FA", nil)
		}, false, ""},
		{"the client quits after the 426", func(c *wireCap, s *wireSession) {
			k := &s.data
			c.wait(time.Second)
			s.reply("426 Failure writing network stream.")
			c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
			s.quit()
		}, true, "the client was still there: it sent a command"},
		{"the client aborts during the resends", func(c *wireCap, s *wireSession) {
			k := &s.data
			s.cmd("ABOR")
			s.reply("426 Failure writing network stream.")
			c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
			s.reply("226 ABOR successful.")
			s.quit()
		}, true, "the client was still there: it sent a command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c) // PASV 10.0.0.1:40000
			k := &s.data
			s.cmd("RETR big.iso")
			k.handshake()
			// The 150 and the data go unacknowledged: the client sends
			// nothing after its handshake's ACK.
			s.ctl.c.pkt(s.ctl.b, s.ctl.a, s.ctl.bseq, s.ctl.aseq, "PA", []byte("150 Opening BINARY mode data connection.\r\n"))
			s.ctl.bseq += uint32(len("150 Opening BINARY mode data connection.\r\n"))
			seq := k.bseq
			c.pkt(k.b, k.a, k.bseq, k.aseq, "A", wireBody(1448))
			c.pkt(k.b, k.a, k.bseq+1448, k.aseq, "A", wireBody(1448))
			k.bseq += 2896
			resendFromB(c, k, seq, 1448, 6)
			tc.after(c, s)
			for _, format := range []string{"-v", "--json", "--summary"} {
				out, errs, code := readText(t, format, path)
				if code != 0 {
					t.Fatalf("%s: exit %d: %s", format, code, errs)
				}
				out = strings.Join(strings.Fields(out), " ")
				if got := strings.Contains(out, "Likely a path MTU black hole"); got != tc.want {
					t.Errorf("%s: pmtu-blackhole given %v, want %v\n%s", format, got, tc.want, out)
				}
				if tc.also != "" && format == "-v" && !strings.Contains(out, tc.also) {
					t.Errorf("%s: lacks %q", format, tc.also)
				}
			}
		})
	}
}
