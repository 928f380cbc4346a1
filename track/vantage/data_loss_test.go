package vantage

import (
	"strings"
	"testing"
	"time"
)

// dataLossCase says what happens to a passive data connection's payload
// in a two-point lab ("client" first, then "server").
type dataLossCase struct {
	name string
	// upload: the client sends the bytes (STOR), else the server (RETR).
	upload bool
	// lostFrom: the segments from this one on (0-based, of 6) pass the
	// sender's point only; -1: all pass.
	lostFrom int
	// resend: the sender resends the first lost segment that many times,
	// 200 ms apart, after the receiver's last acknowledgment.
	resend int
	// recvAcksAll: the receiver acknowledges every byte (it got them:
	// the receiver's point missed them, a capture gap).
	recvAcksAll bool
	// recvCaptureEnds: the receiver's point stops capturing just after
	// the segments that passed it.
	recvCaptureEnds bool
	want            Where
}

const segLen = 1000

// runDataLoss builds the lab for tc and returns its one path.
func runDataLoss(t *testing.T, tc dataLossCase) *Path {
	t.Helper()
	l := newLab(t, "client", "server")
	c := l.control(40000, 1000, 9000)
	c.pasv(40001)
	if tc.upload {
		c.command("STOR up.bin")
	} else {
		c.command("RETR big.bin")
	}
	const dport, port = 50000, 40001
	const isn, sisn = uint32(77000), uint32(88000)
	l.send(frame{fromClient: true, cport: dport, sport: port, seq: isn, syn: true}, -1)
	l.tick(2 * time.Millisecond)
	l.send(frame{cport: dport, sport: port, seq: sisn, ack: isn + 1, syn: true, ackf: true}, -1)
	l.tick(2 * time.Millisecond)
	l.send(frame{fromClient: true, cport: dport, sport: port, seq: isn + 1, ack: sisn + 1, ackf: true}, -1)
	c.reply("150 Here comes the data.")
	// The sender's and the receiver's sequence numbers, and which point
	// is the sender's (the first a frame of it passes).
	sendSeq, recvSeq := sisn+1, isn+1
	fromClient := tc.upload
	if tc.upload {
		sendSeq, recvSeq = isn+1, sisn+1
	}
	pointOf := func(i int) *tap {
		if fromClient {
			return l.taps[i]
		}
		return l.taps[len(l.taps)-1-i]
	}
	if tc.recvAcksAll {
		// The receiver's point misses the lost segments; they reach
		// the receiver.
		pointOf(1).miss = func(f *frame) bool {
			return f.fromClient == fromClient && f.payload != "" && f.seq-sendSeq >= uint32(tc.lostFrom*segLen)
		}
	}
	data := func(seq uint32, reach int) {
		l.send(frame{fromClient: fromClient, cport: dport, sport: port, seq: seq, ack: recvSeq, ackf: true, payload: strings.Repeat("x", segLen)}, reach)
	}
	ack := func(n uint32) {
		l.send(frame{fromClient: !fromClient, cport: dport, sport: port, seq: recvSeq, ack: sendSeq + n, ackf: true}, -1)
	}
	acked := uint32(0)
	for k := 0; k < 6; k++ {
		reach := -1
		lost := tc.lostFrom >= 0 && k >= tc.lostFrom
		if lost && !tc.recvAcksAll {
			reach = 0
		}
		data(sendSeq+uint32(k*segLen), reach)
		l.tick(time.Millisecond)
		if !lost || tc.recvAcksAll {
			acked = uint32((k + 1) * segLen)
			ack(acked)
		}
		l.tick(time.Millisecond)
	}
	if tc.recvCaptureEnds {
		pointOf(1).until = l.now
	}
	for k := 0; k < tc.resend; k++ {
		l.tick(200 * time.Millisecond)
		data(sendSeq+acked, 0)
		l.tick(time.Millisecond)
		ack(acked) // a duplicate acknowledgment: still nothing past it
	}
	l.tick(5 * time.Second)
	c.reply("426 Failure writing network stream.")
	l.tick(5 * time.Second)
	c.quit()
	return onlyPath(t, l.merge())
}

// TestPayloadLostBetweenPoints guards the judgment of a data connection
// whose handshake passed every point: bytes that passed the sender's
// point, resent and never acknowledged, that the receiver's point,
// capturing, never saw, were lost in between (a router dropping the
// connection mid-transfer), not "delivered"; bytes the receiver
// acknowledged passed the receiver's point whatever its capture holds;
// a point that was not capturing proves nothing; without retransmissions
// nothing proves the sender still waited for them.
func TestPayloadLostBetweenPoints(t *testing.T) {
	for _, tc := range []dataLossCase{
		{name: "download dropped mid-transfer", lostFrom: 2, resend: 4, want: LostData},
		{name: "upload dropped mid-transfer", upload: true, lostFrom: 3, resend: 2, want: LostData},
		{name: "every byte passed", lostFrom: -1, want: Delivered},
		{name: "receiver's point missed bytes the receiver acknowledged", lostFrom: 2, recvAcksAll: true, want: Delivered},
		{name: "receiver's capture ended", lostFrom: 2, resend: 4, recvCaptureEnds: true, want: Delivered},
		{name: "never resent", lostFrom: 2, want: Delivered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := runDataLoss(t, tc)
			t.Logf("%v: %s; gaps %q", p.Where, p.Verdict, p.Gaps)
			if p.Where != tc.want {
				t.Fatalf("where %v (%s), want %v", p.Where, p.Verdict, tc.want)
			}
			if tc.want != LostData {
				if p.Lost != nil || p.After >= 0 {
					t.Fatalf("a loss placed: %+v after %d (%s)", p.Lost, p.After, p.Verdict)
				}
				if (tc.recvAcksAll || tc.recvCaptureEnds) && len(p.Gaps) == 0 {
					t.Errorf("the receiver's point's missing bytes not noted as a capture gap: %s", p.Verdict)
				}
				return
			}
			sender, recv := 1, 0 // server, client
			if tc.upload {
				sender, recv = 0, 1
			}
			if p.After != sender || p.Before != recv {
				t.Errorf("lost between %d and %d, want %d and %d", p.After, p.Before, sender, recv)
			}
			l := p.Lost
			reached := int64(tc.lostFrom * segLen)
			want := DataLoss{FromReceiver: !tc.upload, Sender: p.Views[sender].Dst, Sent: 6 * segLen, Reached: reached,
				Bytes: 6*segLen - reached, Acked: reached, Resent: tc.resend, ResentFrom: reached}
			if tc.upload {
				want.Sender = p.Views[sender].Src
			}
			if l == nil || *l != want {
				t.Fatalf("lost %+v, want %+v", l, want)
			}
			for _, s := range []string{"the handshake passed every point, but its data did not", "never reached", "acknowledged past offset " + itoa64(reached)} {
				if !strings.Contains(p.Verdict, s) {
					t.Errorf("verdict lacks %q: %s", s, p.Verdict)
				}
			}
		})
	}
}

// TestDataBytesCountedOnce guards the path's byte counts: each byte once
// (a segment filling a hole left by one that came later is new, not
// resent), retransmissions apart, as a data record counts them.
func TestDataBytesCountedOnce(t *testing.T) {
	l := newLab(t, "client", "server")
	c := l.control(40000, 1000, 9000)
	c.pasv(40001)
	c.command("RETR f")
	const isn, sisn = uint32(77000), uint32(88000)
	l.send(frame{fromClient: true, cport: 50000, sport: 40001, seq: isn, syn: true}, -1)
	l.tick(2 * time.Millisecond)
	l.send(frame{cport: 50000, sport: 40001, seq: sisn, ack: isn + 1, syn: true, ackf: true}, -1)
	l.tick(2 * time.Millisecond)
	c.reply("150 Here comes the data.")
	for _, k := range []int{0, 2, 1, 3, 3, 4} { // 1 out of order, 3 resent
		l.send(frame{cport: 50000, sport: 40001, seq: sisn + 1 + uint32(k*segLen), ack: isn + 1, ackf: true, payload: strings.Repeat("y", segLen)}, -1)
		l.tick(300 * time.Millisecond)
	}
	l.send(frame{fromClient: true, cport: 50000, sport: 40001, seq: isn + 1, ack: sisn + 1 + 5*segLen, ackf: true}, -1)
	c.reply("226 Transfer complete.")
	l.tick(2 * time.Second)
	c.quit()
	p := onlyPath(t, l.merge())
	for i, v := range p.Views {
		f := v.Flows[1]
		if v.Bytes != 5*segLen || f.Bytes != 5*segLen || f.Resent != 1 || f.ResentBytes != segLen || f.Acked != 5*segLen || f.Sent != 5*segLen {
			t.Errorf("point %d: bytes %d, flow %+v; want 5000 bytes once, 1 segment of 1000 resent, all acknowledged", i, v.Bytes, f)
		}
	}
	if p.Where != Delivered {
		t.Errorf("where %v (%s)", p.Where, p.Verdict)
	}
}

func itoa64(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
