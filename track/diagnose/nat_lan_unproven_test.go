package diagnose

import (
	"testing"
	"time"
)

// TestLANPublicAddressUnprovenSaysBothReadings: a 227 naming a public
// address to a client on the server's own network is the server's public
// address only when something shows it: a connection to it that reached
// the server says it as before. Without that, the address may as well be
// another host's, to which a misconfigured or hostile server sends its
// clients (rv-attack2 adv-pasv3rd.pcap): the finding says both readings,
// NAT loopback first on an ordinary port; on a privileged one (445) the
// other host leads, passive-privileged-port warns, and the verdict blames
// the address, not the router. Before, each was "announces the public
// address" and a missing NAT loopback.
func TestLANPublicAddressUnprovenSaysBothReadings(t *testing.T) {
	for _, tc := range []struct {
		name string
		sc   lanScene
		want lanWant
	}{
		{"ordinary port, SYNs unanswered",
			lanScene{"10.0.0.20:52300", "10.0.0.5:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (203,0,113,10,156,64).",
				unanswered("10.0.0.20:52301", "203.0.113.10:40000")},
			lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"203.0.113.10, a public address", "or another host's", "NAT loopback", "If 203.0.113.10 is not the server's at all"},
				none: []string{CodePassivePrivilegedPort}, verdict: "NAT loopback", banned: []string{"announces the public address 203.0.113.10"}}},
		{"port 445, SYNs unanswered",
			lanScene{"10.0.0.20:52300", "10.0.0.5:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (203,0,113,10,1,189).",
				unanswered("10.0.0.20:52301", "203.0.113.10:445")},
			lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"or another host's", "Port 445 makes the second likelier", "If 203.0.113.10 is not the server's, no router setting mends it"},
				verdict: "203.0.113.10, an address clients cannot reach", banned: []string{"announces the public address 203.0.113.10", "the server announces its public address"}}},
		{"answered through the router's loopback: the server's",
			lanScene{"10.0.0.20:51600", "10.0.0.5:21", "(vsFTPd 3.0.5)", "Entering Passive Mode (203,0,113,10,195,80).",
				served("10.0.0.20:51601", "203.0.113.10:50000", time.Millisecond, 900, [2]any{150, "Here comes the directory listing."}, [2]any{226, "Directory send OK."})},
			lanWant{code: CodeNATTranslated, sev: SeverityInfo, in: []string{"announces the public address 203.0.113.10"},
				verdict: "worked", banned: []string{"or another host's"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.sc.run(t)
			checkLAN(t, w, tc.want)
			if f := w.c.find(CodePassivePrivilegedPort); (f != nil) != (tc.name == "port 445, SYNs unanswered") {
				t.Errorf("passive-privileged-port: %v", f)
			}
		})
	}
}
