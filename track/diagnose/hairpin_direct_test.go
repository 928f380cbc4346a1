package diagnose

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestHairpinOfTheControlConnectionReadByTTLs guards the hairpin NAT of
// a client on the server's own network that dials the router's public
// address: the router forwards the control port and masquerades it, the
// client trusts the 227 (the server's own address) and connects to the
// server directly, and vsftpd refuses the data connection from another
// address than the control connection's. Recorded through a Linux
// router (reviewer's hairpin-pasv-trust-br): the server's control
// segments came with TTL 63 and the data SYN-ACK with 64 on the client's
// side, the control connection from the router's 10.99.2.1 with TTL 63
// and the data connection from 10.99.2.3 with 64 on the server's. It was
// blamed on a proxy, load balancer, Docker or CGNAT translating the
// data connection's source, beside an info "this is the correct setup.
// Nothing to change". Without the TTLs' evidence the readings stay.
func TestHairpinOfTheControlConnectionReadByTTLs(t *testing.T) {
	banned := []string{"Docker", "CGNAT", "load balancer", "correct setup", "Nothing to change"}
	const clientSide = decode.ClientUnrouted | decode.ServerRouted
	const serverSide = decode.ClientRouted | decode.ServerUnrouted
	direct := map[string]uint8{"10.99.2.3": 64, "10.99.2.2": 64}
	const pasv = "Entering Passive Mode (10,99,2,2,156,89)."
	served2 := [][2]any{{150, "Opening BINARY mode data connection."}, {226, "Transfer complete."}}
	for _, tc := range []struct {
		name string
		sc   lanScene
		hops decode.Hops
		ttl  map[string]uint8
		want lanWant
	}{
		{"client's side, vsftpd refuses",
			lanScene{"10.99.2.3:42284", "10.99.1.1:21", "(vsFTPd 3.0.3)", pasv, served("10.99.2.3:43828", "10.99.2.2:40025", 0, 0, badIP)},
			clientSide, direct,
			lanWant{code: CodeDataSourceNAT, sev: SeverityError,
				in:   []string{"hairpin NAT", "at 10.99.1.1 through a router", "connected to 10.99.2.2 directly", "Attach the FTP helper on the router", "ct original proto-dst 21", "inside address 10.99.2.2 (split DNS", "pasv_address=<public address> and have the router forward the passive range"},
				none: []string{CodeNATTranslated}, verdict: "hairpin NAT", banned: banned}},
		{"server's side, vsftpd refuses",
			lanScene{"10.99.2.1:42284", "10.99.2.2:21", "(vsFTPd 3.0.3)", pasv, served("10.99.2.3:43828", "10.99.2.2:40025", 0, 0, badIP)},
			serverSide, direct,
			lanWant{code: CodeDataSourceNAT, sev: SeverityError,
				in:      []string{"hairpin NAT", "from 10.99.2.1 through a router", "from 10.99.2.3 directly", "masquerades it as 10.99.2.1", "the port clients dial, before its DNAT", "split DNS"},
				verdict: "hairpin NAT", banned: banned}},
		{"client's side, the server accepts it",
			lanScene{"10.99.2.3:42284", "10.99.1.1:21", "(vsFTPd 3.0.3)", pasv, served("10.99.2.3:43828", "10.99.2.2:40025", 0, 900, served2...)},
			clientSide, direct,
			lanWant{code: CodeNATTranslated, sev: SeverityInfo, in: []string{"hairpin NAT", "It worked because the server accepts", "Attach the FTP helper on the router"},
				none: []string{CodeDataSourceNAT}, verdict: "worked", banned: banned}},
		{"server's side, the server accepts it",
			lanScene{"10.99.2.1:42284", "10.99.2.2:21", "(vsFTPd 3.0.3)", pasv, served("10.99.2.3:43828", "10.99.2.2:40025", 0, 900, served2...)},
			serverSide, direct,
			lanWant{code: CodeDataForeignSource, sev: SeverityInfo, in: []string{"hairpin NAT", "from 10.99.2.3 directly", "Attach the FTP helper on the router"},
				none: []string{CodeDataSourceNAT}, verdict: "hairpin NAT", banned: []string{"Docker", "CGNAT", "passive port theft"}}},
		// The data connection's answer came through a router too: no
		// second path is shown, the reading of a translator stays.
		{"client's side, the data connection routed too",
			lanScene{"10.99.2.3:42284", "10.99.1.1:21", "(vsFTPd 3.0.3)", pasv, served("10.99.2.3:43828", "10.99.2.2:40025", 0, 0, badIP)},
			clientSide, map[string]uint8{"10.99.2.3": 64, "10.99.2.2": 63},
			lanWant{code: CodeDataSourceNAT, sev: SeverityError, in: []string{"this capture does not show the data connection's source"}, verdict: "a source NAT translates", banned: []string{"hairpin"}}},
		{"server's side, the data connection routed too",
			lanScene{"10.99.2.1:42284", "10.99.2.2:21", "(vsFTPd 3.0.3)", pasv, served("10.99.2.3:43828", "10.99.2.2:40025", 0, 0, badIP)},
			serverSide, map[string]uint8{"10.99.2.3": 63, "10.99.2.2": 64},
			lanWant{code: CodeDataSourceNAT, sev: SeverityError, in: []string{"translates the source of the data connection only"}, verdict: "a source NAT translates", banned: []string{"hairpin"}}},
		// The server beside the capture on the client's network: the
		// capture is on the server's side of a DNAT at 10.99.2.2.
		{"the control server beside the capture",
			lanScene{"10.99.2.3:42284", "10.99.1.1:21", "(vsFTPd 3.0.3)", pasv, served("10.99.2.3:43828", "10.99.2.2:40025", 0, 900, served2...)},
			decode.ClientUnrouted | decode.ServerUnrouted, direct,
			lanWant{code: CodeNATTranslated, sev: SeverityInfo, in: []string{"this is the correct setup"}, verdict: "worked", banned: []string{"hairpin"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, tc.sc.cli, tc.sc.srv)
			w.hops, w.ttl = tc.hops, map[netip.Addr]uint8{}
			for a, ttl := range tc.ttl {
				w.ttl[netip.MustParseAddr(a)] = ttl
			}
			checkLAN(t, tc.sc.runOn(w), tc.want)
		})
	}
}
