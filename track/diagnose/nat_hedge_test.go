package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// loopedUnmasqueraded: the router loops the client's SYNs to the public
// address b back to the server without masquerading them, so the server
// answers the client directly from its private address srv, and the
// client resets that SYN-ACK (it expected one from b): n times, then the
// server's 425.
func loopedUnmasqueraded(a, b, srv string, n int) func(w *wire) [][2]any {
	return func(w *wire) [][2]any {
		for i := range n {
			w.seg(ap(a), ap(b), decode.FlagSYN, 7000, nil)
			w.segAck(ap(srv), ap(a), decode.FlagSYN|decode.FlagACK, 9000, 7001)
			w.seg(ap(a), ap(srv), decode.FlagRST, 7001, nil)
			w.wait(time.Duration(1<<i) * time.Second)
		}
		w.wait(5 * time.Second)
		return [][2]any{{425, "Failed to establish connection."}}
	}
}

// slowServer: a data connection from a to b whose SYN-ACK comes synAck
// after the SYN and the client's ACK ack after that (a capture beside a
// slow server: the ACK comes a round trip after the SYN-ACK), carrying n
// bytes to a.
func slowServer(a, b string, synAck, ack time.Duration, n int, replies ...[2]any) func(w *wire) [][2]any {
	return func(w *wire) [][2]any {
		w.seg(ap(a), ap(b), decode.FlagSYN, 1000, nil)
		w.wait(synAck)
		w.seg(ap(b), ap(a), decode.FlagSYN|decode.FlagACK, 5000, nil)
		w.wait(ack)
		w.seg(ap(a), ap(b), decode.FlagACK, 1001, nil)
		w.seg(ap(b), ap(a), decode.FlagACK|decode.FlagPSH, 5001, make([]byte, n))
		w.seg(ap(b), ap(a), decode.FlagFIN|decode.FlagACK, 5001+uint32(n), nil)
		w.seg(ap(a), ap(b), decode.FlagFIN|decode.FlagACK, 1001, nil)
		w.seg(ap(b), ap(a), decode.FlagACK, 5002+uint32(n), nil)
		return replies
	}
}

// TestLANHairpinReadings: what the LAN client of a server announcing its
// public address shows on the wire, and what it does not. Each case failed
// before the findings said only what the capture shows:
//
//   - a data connection from another host of the server's network served
//     (192.168.1.66 took a RETR of 30,000 bytes): it was an info, "came
//     back through the router's NAT loopback ... Nothing needs to change",
//     and no warning, though nothing shows 192.168.1.66 is the router: a
//     host that took the transfer looks the same. data-foreign-source
//     stays a warning, the loopback its first reading;
//   - refused (vsftpd's 425 Security: Bad IP connecting.): data-source-nat
//     says both readings too;
//   - the client's SYNs to the public address unanswered (no loopback, or
//     a passive range not forwarded, or dropped by the server's
//     firewall): it was "the router does not loop connections ... back",
//     "Opening ports on a firewall changes nothing here", "no firewall
//     rule helps". The failure stays an error, its cause the likeliest
//     first (NAT loopback), the others named;
//   - answered by the server from its private address and reset by the
//     client: the capture shows a loopback without masquerade, said as
//     the fact (it was hedged with the others here until track recorded
//     that SYN-ACK: TestLoopbackWithoutMasqueradeShown);
//   - a server-side capture of a slow server (SYN-ACK 8 ms after the SYN,
//     the ACK 20 ms later): it was silenced as "captured where the client
//     is", losing the one note that clients trusting the 227 fail behind
//     a DNAT.
func TestLANHairpinReadings(t *testing.T) {
	cats := []string{"Nothing needs to change", "changes nothing here", "No firewall rule helps", "no firewall rule helps",
		"came back through the router's NAT loopback", "and the router does not loop it back to the server"}
	vsftpd := [][2]any{{150, "Opening BINARY mode data connection for secret.db (30000 bytes)."}, {226, "Transfer complete."}}
	for _, tc := range []struct {
		name string
		sc   lanScene
		want lanWant
		// first: in the wanted finding's message, each pair's first
		// string comes before its second (the likelier reading first).
		first [][2]string
		// also: another finding of this code and severity, holding these.
		also     string
		alsoSev  Severity
		alsoHave []string
	}{
		{"another host of the LAN served: the router's loopback, or a theft",
			lanScene{"192.168.1.20:51100", "192.168.1.5:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (203,0,113,7,156,64).",
				served("192.168.1.66:40555", "192.168.1.5:40000", 0, 30000, vsftpd...)},
			lanWant{code: CodeDataForeignSource, sev: SeverityWarning, in: []string{"is 192.168.1.66 the router?", "another host connected to the announced port", "pasv_address"},
				verdict: "port theft", banned: cats},
			[][2]string{{"NAT loopback", "port theft"}},
			CodeNATTranslated, SeverityInfo, []string{"If 192.168.1.66 is the router", "does not show which address is the router's"}},
		{"IIS serves the router's address: still info, hedged",
			lanScene{"10.0.0.20:51600", "10.0.0.5:21", "Microsoft FTP Service", "Entering Passive Mode (203,0,113,10,195,80).",
				served("10.0.0.1:61000", "10.0.0.5:50000", 0, 900, transferred...)},
			lanWant{code: CodeNATTranslated, sev: SeverityInfo, in: []string{"If 10.0.0.1 is the router", "NAT loopback"},
				none: []string{CodeNATMismatch}, verdict: "NAT loopback", banned: cats},
			nil, CodeDataForeignSource, SeverityWarning, []string{"is 10.0.0.1 the router?"}},
		{"another host of the LAN refused: data-source-nat says both readings",
			lanScene{"10.0.0.20:51600", "10.0.0.5:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (203,0,113,10,195,80).",
				served("10.0.0.1:61000", "10.0.0.5:50000", 0, 0, badIP)},
			lanWant{code: CodeDataSourceNAT, sev: SeverityError, in: []string{"is 10.0.0.1 the router?", "another host connected", "last resort"},
				none: []string{CodeDataForeignSource}, verdict: "likeliest", banned: cats},
			[][2]string{{"NAT loopback", "another host"}}, "", 0, nil},
		{"loopback without masquerade: SYN-ACK from the private address, reset by the client",
			lanScene{"192.168.1.20:51100", "192.168.1.5:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (203,0,113,7,156,64).",
				loopedUnmasqueraded("192.168.1.20:51101", "203.0.113.7:40000", "192.168.1.5:40000", 3)},
			lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"loopback without masquerade", "Enable automatic outbound NAT for Reflection", "srcnat", "MASQUERADE"},
				verdict: "without masquerading them", banned: append(cats, "turn on NAT loopback", "likeliest", "look the same from here", "looks the same from here")},
			[][2]string{{"loopback without masquerade", "rejected them (3 RSTs)"}}, CodeDataUnanswered, SeverityError, []string{"answered from the server's private address 192.168.1.5:40000", "without masquerading it"}},
		{"SYNs to the public address unanswered: no loopback first, not alone",
			lanScene{"10.0.0.20:52300", "10.0.0.5:21", "ProFTPD Server (ProFTPD) [10.0.0.5]", "Entering Passive Mode (203,0,113,10,156,64).",
				unanswered("10.0.0.20:52301", "203.0.113.10:40000")},
			lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"likeliest", "NAT loopback", "firewall drops", "MasqueradeAddress", "EPSV"},
				none: []string{CodeNATTranslated}, verdict: "most likely the router does not loop", banned: append(cats, "nft ", "iptables ")},
			[][2]string{{"NAT loopback", "without masquerade"}, {"NAT loopback", "firewall drops"}}, CodeDataUnanswered, SeverityError, []string{"Most likely"}},
		{"slow server beside the capture: the routed-or-DNAT note stays",
			lanScene{"10.2.0.20:51100", "192.168.1.5:21", "(vsFTPd 3.0.3)", "Entering Passive Mode (192,168,1,5,156,64).",
				slowServer("10.2.0.20:51101", "192.168.1.5:40000", 8*time.Millisecond, 20*time.Millisecond, 3000, vsftpd...)},
			lanWant{code: CodeNATMismatch, sev: SeverityInfo, in: []string{"this capture cannot tell which", "a NAT in between forwards"},
				verdict: "compare with a capture on the client's side"},
			nil, "", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.sc.run(t)
			checkLAN(t, w, tc.want)
			if f := w.c.find(tc.want.code); f != nil {
				for _, p := range tc.first {
					i, j := strings.Index(f.Message, p[0]), strings.Index(f.Message, p[1])
					if i < 0 || j < 0 || i > j {
						t.Errorf("%s: %q not before %q: %s", tc.want.code, p[0], p[1], f.Message)
					}
				}
			}
			if tc.also == "" {
				return
			}
			f := w.c.find(tc.also)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatalf("no %s", tc.also)
			}
			if f.Severity != tc.alsoSev {
				t.Errorf("%s is %s, want %s: %s", tc.also, f.Severity, tc.alsoSev, f.Message)
			}
			for _, s := range tc.alsoHave {
				if !strings.Contains(f.Message+" "+f.Advice, s) {
					t.Errorf("%s lacks %q:\n%s\n%s", tc.also, s, f.Message, f.Advice)
				}
			}
		})
	}
}
