package diagnose

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// refusedBy: a SYN from a to b answered by b's RST, then the server's 425.
func refusedBy(a, b string) func(w *wire) [][2]any {
	return func(w *wire) [][2]any {
		w.segAck(ap(a), ap(b), decode.FlagSYN, 7000, 0)
		w.segAck(ap(b), ap(a), decode.FlagRST|decode.FlagACK, 0, 7001)
		w.wait(time.Second)
		return [][2]any{{425, "Can't open data connection."}}
	}
}

// TestPrivateMasqueradeAddressKept: pyftpdlib at 10.220.9.2 with
// masquerade_address=10.220.8.254, the outside address of the router
// that DNATs it for clients on 10.220.8.0/24 (rev-newsrv's
// py-hairpin-lan.pcap). A client on the server's own network sent to
// 10.220.8.254 was refused there by the router itself, and the findings
// and the verdict said to set masquerade_address = "10.220.9.2", which
// breaks every client beyond the router. The box at the announced
// address answering the SYN itself proves it is not the server: the
// setting is deliberate, kept, and the per-network ways are given. The
// same with the router looping the connection back without masquerade
// (the server's SYN-ACK from 10.220.9.2).
func TestPrivateMasqueradeAddressKept(t *testing.T) {
	undo := []string{`masquerade_address = "10.220.9.2"`, "belongs to a network the client is not on"}
	for _, tc := range []struct {
		name string
		sc   lanScene
		want lanWant
	}{
		// An RST "from" the announced address is no proof: a router's
		// reject rule with tcp-reset forges it with the blocked
		// destination's address (rev2-diff's
		// dnat-own-addr-reject-tcp-reset.pcap, a server behind a DNAT
		// announcing its own address): read as the server's own.
		{"RST from the announced address alone",
			lanScene{"10.220.9.254:34896", "10.220.9.2:21", "pyftpdlib 1.5.7 ready.", "Entering passive mode (10,220,8,254,156,68).",
				refusedBy("10.220.9.254:50620", "10.220.8.254:40004")},
			lanWant{code: CodeNATMismatch, sev: SeverityError,
				in: []string{"belongs to a network the client is not on"}, banned: []string{"keep it", "not its own"}}},
		{"the client on the router itself: the SYN from its outside address",
			lanScene{"10.220.9.254:34896", "10.220.9.2:21", "pyftpdlib 1.5.7 ready.", "Entering passive mode (10,220,8,254,156,68).",
				refusedBy("10.220.8.254:50620", "10.220.8.254:40004")},
			lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"not its own", "keep it"}, verdict: "NAT loopback", banned: undo}},
		{"loopback without masquerade",
			lanScene{"10.220.9.20:52300", "10.220.9.2:21", "pyftpdlib 1.5.7 ready.", "Entering passive mode (10,220,8,254,156,64).",
				reflectedSYNs("10.220.9.20:52301", "10.220.8.254:40000", "10.220.9.2:40000", 3, true)},
			lanWant{code: CodeNATMismatch, sev: SeverityError, in: []string{"not its own", "loopback without masquerade", "need 10.220.8.254: keep it"},
				verdict: "without masquerading", banned: undo}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLAN(t, tc.sc.run(t), tc.want) })
	}
}

// TestNATAdviceHonorsRefusedEPSV: Twisted answers EPSV with "502 Command
// 'EPSV' not implemented" (rev-newsrv's tw-nat-private-client.pcap), and
// the nat-mismatch fix ended "Using EPSV avoids the address altogether"
// while epsv-pasv-fallback told the client to use PASV. A refused EPSV
// makes the sentence say so; a 522 (another network protocol) or an
// EPSV accepted later is no refusal.
func TestNATAdviceHonorsRefusedEPSV(t *testing.T) {
	for _, tc := range []struct {
		name    string
		epsv    [][2]any // EPSV replies before the PASV: code, text
		in, not []string
	}{
		{"502", [][2]any{{502, "Command 'EPSV' not implemented"}},
			[]string{`but this server refused it ("502 Command 'EPSV' not implemented")`}, []string{"Using EPSV avoids", "use EPSV"}},
		{"500", [][2]any{{500, "Unknown command."}},
			[]string{"but this server refused it"}, []string{"Using EPSV avoids"}},
		{"522 is another protocol", [][2]any{{522, "Network protocol not supported, use (1)"}},
			[]string{"Using EPSV avoids"}, []string{"refused it"}},
		{"refused, then accepted", [][2]any{{502, "Not now"}, {229, "Entering Extended Passive Mode (|||40001|)"}},
			[]string{"Using EPSV avoids"}, []string{"refused it"}},
		{"no EPSV", nil, []string{"Using EPSV avoids"}, []string{"refused it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.220.8.1:53244", "10.220.8.254:21")
			for i, r := range tc.epsv {
				cmd(s, uint64(10+2*i), "EPSV", "", r[0].(int), r[1].(string))
			}
			dc := announce(s, 16, "PASV", ftp.ViaPASV, "10.220.9.2:40000", 227, "Entering Passive Mode (10,220,9,2,156,64).")
			syn(dc, "10.220.8.1:58830", "10.220.8.254:40000", 20, 1, 0)
			dc.Match, dc.Outcome, dc.SynAckTS, dc.AckTS, dc.Bytes = track.MatchControlAddress, track.OutcomeTransferred, at(21), at(21), [2]int64{0, 12}
			c, _ := feed(policy.Policy{}, s)
			f := c.find(CodeNATMismatch)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no nat-mismatch")
			}
			wants(t, "nat-mismatch advice", f.Advice, tc.in, tc.not)
		})
	}
}
