package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// segAck is seg with an acknowledgment number and no payload.
func (w *wire) segAck(src, dst netip.AddrPort, flags decode.TCPFlags, seq, ack uint32) {
	w.next()
	s := decode.Segment{Num: w.num, TS: w.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack}
	w.trk.Segment(&s)
}

// reflectedSYNs: n SYNs from a to the public address b, each answered
// from the server's own address srv at the announced port with a SYN-ACK
// acknowledging it (a router's loopback without masquerade), reset by
// the client when rst, then the server's 425.
func reflectedSYNs(a, b, srv string, n int, rst bool) func(w *wire) [][2]any {
	return func(w *wire) [][2]any {
		for i := range n {
			isn := uint32(7000 + 100*i)
			w.segAck(ap(a), ap(b), decode.FlagSYN, isn, 0)
			w.segAck(ap(srv), ap(a), decode.FlagSYN|decode.FlagACK, 9000, isn+1)
			if rst {
				w.segAck(ap(a), ap(srv), decode.FlagRST|decode.FlagACK, isn+1, 9001)
			}
			w.wait(time.Duration(1<<i) * time.Second)
		}
		w.wait(5 * time.Second)
		return [][2]any{{425, "Failed to establish connection."}}
	}
}

// TestLoopbackWithoutMasqueradeShown: a LAN client sent to the server's
// public address whose SYNs the server answers from its private address
// (the router looped them back without masquerade), and the client
// resets those answers: the capture shows the cause, and the findings
// say it as the fact, with masquerade for the looped-back connections
// as the fix, not "turn on NAT loopback" (the router does loop them
// back) nor "unanswered" or "capture on the client to look for it"
// (/tmp/rev16/rev3-track/p/hairpin-nosnat.pcap: before, "got no
// answer", "most likely the router does not loop it back"). A SYN-ACK
// from the server's address that does not acknowledge the SYN is not
// the reflection: the hedged readings stay.
func TestLoopbackWithoutMasqueradeShown(t *testing.T) {
	hedged := []string{"likeliest", "Most likely", "most likely", "looks the same from here", "look the same from here", "turn on NAT loopback", "got no answer", "a capture on the client that shows"}
	for _, tc := range []struct {
		name              string
		sc                lanScene
		want              lanWant
		unanswered        []string // in data-unanswered's message
		unansweredBanned  []string
		unansweredBannedA []string // in data-unanswered's advice
	}{
		{"three SYN-ACKs from the private address, each reset",
			lanScene{"192.168.1.20:51100", "192.168.1.5:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (203,0,113,7,156,64).",
				reflectedSYNs("192.168.1.20:51101", "203.0.113.7:40000", "192.168.1.5:40000", 3, true)},
			lanWant{code: CodeNATMismatch, sev: SeverityError,
				in: []string{"loopback without masquerade", "answers the client directly from 192.168.1.5:40000 (3 SYN-ACKs)", "rejected them (3 RSTs)",
					"Enable automatic outbound NAT for Reflection", "chain=srcnat src-address=192.168.1.0/24 dst-address=192.168.1.5 action=masquerade",
					"-s 192.168.1.0/24 -d 192.168.1.5 -j MASQUERADE", "ip saddr 192.168.1.0/24 ip daddr 192.168.1.5 masquerade", "Bad IP connecting", "pasv_address"},
				verdict: "without masquerading them (loopback without masquerade)", banned: hedged},
			[]string{"were answered from the server's private address 192.168.1.5:40000 instead (3 SYN-ACKs)", "rejected them (3 RSTs)"},
			[]string{"got no answer"}, []string{"turn on NAT loopback"}},
		{"one SYN-ACK, the client's RST not captured",
			lanScene{"10.0.0.20:52300", "10.0.0.5:21", "ProFTPD Server (ProFTPD) [10.0.0.5]", "Entering Passive Mode (203,0,113,10,156,64).",
				reflectedSYNs("10.0.0.20:52301", "203.0.113.10:40000", "10.0.0.5:40000", 1, false)},
			lanWant{code: CodeNATMismatch, sev: SeverityError,
				in:      []string{"loopback without masquerade", "(1 SYN-ACK)", "did not take it", "MasqueradeAddress"},
				verdict: "loopback without masquerade", banned: hedged},
			[]string{"was answered from the server's private address 10.0.0.5:40000 instead (1 SYN-ACK)"},
			[]string{"got no answer"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.sc.run(t)
			checkLAN(t, w, tc.want)
			f := w.c.find(CodeDataUnanswered)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no data-unanswered")
			}
			for _, s := range tc.unanswered {
				if !strings.Contains(f.Message, s) {
					t.Errorf("data-unanswered lacks %q: %s", s, f.Message)
				}
			}
			for _, s := range tc.unansweredBanned {
				if strings.Contains(f.Message, s) {
					t.Errorf("data-unanswered says %q: %s", s, f.Message)
				}
			}
			for _, s := range tc.unansweredBannedA {
				if strings.Contains(f.Advice, s) {
					t.Errorf("data-unanswered's advice says %q: %s", s, f.Advice)
				}
			}
		})
	}
}

// TestSYNACKNotAckingTheSYNIsNoReflection: a SYN-ACK from the server's
// address to the client's endpoint that acknowledges another number is
// not the answer to the client's SYN: the readings stay hedged.
func TestSYNACKNotAckingTheSYNIsNoReflection(t *testing.T) {
	sc := lanScene{"192.168.1.20:51100", "192.168.1.5:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (203,0,113,7,156,64).",
		func(w *wire) [][2]any {
			for i := range 3 {
				w.segAck(ap("192.168.1.20:51101"), ap("203.0.113.7:40000"), decode.FlagSYN, 7000, 0)
				w.segAck(ap("192.168.1.5:40000"), ap("192.168.1.20:51101"), decode.FlagSYN|decode.FlagACK, 9000, 4242)
				w.wait(time.Duration(1<<i) * time.Second)
			}
			return [][2]any{{425, "Failed to establish connection."}}
		}}
	w := sc.run(t)
	checkLAN(t, w, lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"likeliest", "a loopback without masquerade"},
		verdict: "most likely the router does not loop", banned: []string{"rejected them", "answers the client directly from 192.168.1.5:40000 ("}})
}

// TestCaptureSideFromHandshake: a client from another private network
// that reached the server's private address exactly as announced. A
// capture where the client is sees the SYN-ACK a round trip after the
// SYN and the ACK at once after it: the address is the one the client
// dialed, nothing to say (/tmp/rev16/rev-dialects/p/clientside.pcap:
// before, the routed-or-DNAT note). Beside the server the ACK comes a
// round trip after the SYN-ACK, however slow the server was to send it
// (/tmp/rev16/rev3-track/p/far-srvside.pcap), and a handshake too quick
// to time tells nothing (far-0.pcap): the note stays.
func TestCaptureSideFromHandshake(t *testing.T) {
	vsftpd := [][2]any{{150, "Opening BINARY mode data connection for f (3000 bytes)."}, {226, "Transfer complete."}}
	for _, tc := range []struct {
		name string
		// SYN to SYN-ACK, SYN-ACK to ACK (each segment of the wire
		// comes a millisecond after the one before: slowServer waits
		// a millisecond less)
		synAck, ack time.Duration
		note        bool
	}{
		{"client side: a 20 ms round trip, the ACK at once", 21 * time.Millisecond, time.Millisecond, false},
		{"client side at the bounds: 5 ms, four times the ACK's delay", 5 * time.Millisecond, 1250 * time.Microsecond, false},
		{"slow server beside the capture: the ACK a round trip later", 8500 * time.Microsecond, 20500 * time.Microsecond, true},
		{"too quick to time", time.Millisecond, time.Millisecond, true},
		{"under 5 ms", 4900 * time.Microsecond, time.Millisecond, true},
		{"under four times the ACK's delay", 8 * time.Millisecond, 2100 * time.Microsecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := lanScene{"10.2.0.20:51100", "192.168.1.5:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (192,168,1,5,156,64).",
				slowServer("10.2.0.20:51101", "192.168.1.5:40000", tc.synAck-time.Millisecond, tc.ack-time.Millisecond, 3000, vsftpd...)}
			w := sc.run(t)
			f := w.c.find(CodeNATMismatch)
			switch {
			case tc.note && f == nil:
				dumpFindings(t, w.c)
				t.Error("no routed-or-DNAT note")
			case tc.note && (f.Severity != SeverityInfo || !strings.Contains(f.Message, "this capture cannot tell which")):
				t.Errorf("%s: %s", f.Severity, f.Message)
			case !tc.note && f != nil:
				t.Errorf("%s nat-mismatch on a capture beside the client: %s", f.Severity, f.Message)
			}
		})
	}
}
