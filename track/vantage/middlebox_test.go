package vantage

import (
	"strings"
	"testing"
	"time"
)

// middleboxLab is a client and a server point; the session announces
// 40001 and (when first) runs a data connection to it delivered whole,
// then announces 40002 and its data connection meets what the case does
// at the client's point only.
func middleboxLab(t *testing.T, first bool, second func(l *lab, c *ctl)) *Path {
	t.Helper()
	l := newLab(t, "client", "server")
	l.helper = true
	c := l.control(40000, 1000, 9000)
	if first {
		c.pasv(40001)
		c.command("RETR a.bin")
		c.data(50000, 40001, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	}
	c.pasv(40002)
	c.command("RETR b.bin")
	second(l, c)
	c.command("NOOP")
	c.reply("200 NOOP ok.")
	c.quit()
	r := l.merge()
	if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != btoi(first)+1 {
		t.Fatalf("%s", describe(r))
	}
	d := r.Sessions[0].Data
	return d[len(d)-1]
}

// synProxied: a box between the points answers the client's SYN (nft
// synproxy, a proxy) and the connection goes no further: the client's
// point sees SYN, SYN-ACK and its ACK, the server's point nothing; the
// server gives up with reply.
func synProxied(reply string) func(l *lab, c *ctl) {
	return func(l *lab, c *ctl) {
		l.send(frame{fromClient: true, cport: 50001, sport: 40002, seq: 7100, syn: true}, 0)
		l.tick(time.Millisecond)
		l.deliver(0, frame{cport: 50001, sport: 40002, seq: 123456, ack: 7101, syn: true, ackf: true}, l.now)
		l.tick(time.Millisecond)
		l.send(frame{fromClient: true, cport: 50001, sport: 40002, seq: 7101, ack: 123457, ackf: true}, 0)
		c.reply("150 Here comes the data.")
		l.tick(3 * time.Second)
		c.reply(reply)
	}
}

// TestAnswerFromBoxInBetweenIsNotPassedThere guards a data SYN answered
// by a box between the points (a SYN proxy) while the server's point,
// capturing, saw nothing of it: when that point holds the server's other
// data connections or the server's 425, the connection was lost between
// the points, not "passed there". A server's point that holds none of
// the data connections and a 226 keeps the capture-gap reading.
func TestAnswerFromBoxInBetweenIsNotPassedThere(t *testing.T) {
	for _, tc := range []struct {
		name   string
		first  bool
		reply  string
		want   Where
		passed bool // the server's point noted as passed there
	}{
		{"other data connection and 425", true, "425 Failed to establish connection.", LostSYN, false},
		{"425 alone", false, "425 Failed to establish connection.", LostSYN, false},
		// Not 226: the server completing the transfer would prove it
		// had the connection (completedAfter).
		{"other data connection, no 425", true, "421 Data timeout. Reconnect. Sorry.", LostSYN, false},
		{"nothing tells: the server's point may filter data", false, "226 Transfer complete.", Delivered, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := middleboxLab(t, tc.first, synProxied(tc.reply))
			passed := strings.Contains(strings.Join(p.Gaps, "\n"), `"server" did not capture it, though it passed there`)
			if p.Where != tc.want || passed != tc.passed {
				t.Fatalf("where %v (%s) gaps %q; want %v, passed there %v", p.Where, p.Verdict, p.Gaps, tc.want, tc.passed)
			}
			if tc.want == LostSYN && (p.After != 0 || p.Before != 1 || !strings.Contains(p.Verdict, "box in between")) {
				t.Fatalf("lost between %d and %d (%s); want between client and server, the answer from a box in between", p.After, p.Before, p.Verdict)
			}
		})
	}
}

// TestResetBeforeServerPointIsRefusedInBetween guards a data SYN refused
// with a TCP reset bearing the server's public address (a reject rule)
// by a box between the points: the server's point, capturing, saw
// nothing, so the reset came from in between (rst-in-between), not a
// silent drop (syn-lost). The server itself refusing (its reset seen at
// both points) stays rst-from-receiver.
func TestResetBeforeServerPointIsRefusedInBetween(t *testing.T) {
	for _, tc := range []struct {
		name     string
		synReach int
		rstReach int
		want     Where
		between  bool
	}{
		{"router rejects with a reset", 0, 0, RSTInBetween, true},
		{"server refuses", -1, -1, RSTFromReceiver, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := middleboxLab(t, true, func(l *lab, c *ctl) {
				l.send(frame{fromClient: true, cport: 50001, sport: 40002, seq: 7100, syn: true}, tc.synReach)
				l.tick(time.Millisecond)
				if tc.rstReach == 0 {
					l.deliver(0, frame{cport: 50001, sport: 40002, ack: 7101, rst: true, ackf: true}, l.now)
				} else {
					l.send(frame{cport: 50001, sport: 40002, ack: 7101, rst: true, ackf: true}, tc.rstReach)
				}
				l.tick(3 * time.Second)
				c.reply("425 Failed to establish connection.")
			})
			if p.Where != tc.want {
				t.Fatalf("where %v (%s); want %v", p.Where, p.Verdict, tc.want)
			}
			if tc.between && (p.After != 0 || p.Before != 1 || !strings.Contains(p.Verdict, "refused in between") || !strings.Contains(p.Verdict, "in the receiver's name")) {
				t.Fatalf("after %d before %d (%s); want refused between client and server", p.After, p.Before, p.Verdict)
			}
		})
	}
}

// TestBothSidesOfNATAtOnePointIsNotUnpaired guards a point that captured
// on every interface of the router (tcpdump -i any): it holds each
// control connection twice, outside and inside the NAT, with the same
// handshake. The copy left unpaired is the same connection as the paired
// one (a twin), not one "not seen there (lost or blocked in between)". A
// connection with another handshake stays unpaired.
func TestBothSidesOfNATAtOnePointIsNotUnpaired(t *testing.T) {
	for _, tc := range []struct {
		name     string
		isn      [2]uint32
		twins    int
		unpaired int
	}{
		{"the inside copy of the same connection", [2]uint32{1000, 9000}, 1, 0},
		{"another connection", [2]uint32{1500, 9500}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli := point("client", 0, 0, "198.51.100.1", nil)
			router := point("router", 0, 1, "198.51.100.1", nil)
			inside := *router.ctlList[0]
			inside.Server, inside.ISN = ap("10.1.0.2:21"), tc.isn
			inside.SYN, inside.Start = inside.SYN.Add(time.Millisecond/2), inside.Start.Add(time.Millisecond/2)
			router.ctlList = append(router.ctlList, &inside)
			r, err := Merge([]*Collector{cli, router})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Sessions) != 1 || r.Twins[1] != tc.twins || r.Unpaired[1] != tc.unpaired {
				t.Fatalf("sessions %d, twins %v, unpaired %v; want twins %d unpaired %d at the router", len(r.Sessions), r.Twins, r.Unpaired, tc.twins, tc.unpaired)
			}
		})
	}
}
