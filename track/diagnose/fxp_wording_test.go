package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// sessionFindings are the findings of code about session id.
func sessionFindings(r extResult, code string, id int) []*Finding {
	var out []*Finding
	for _, f := range r.c.fs {
		if f.Code == code && f.Session != nil && f.Session.ID == id {
			out = append(out, f)
		}
	}
	return out
}

// TestPORTAnsweredElsewhereDoesNotAssertNAT guards the B side of an FXP
// transfer captured alone (rev37 rv-corners fxp-B.pcap): a PORT naming a
// private address that is not the client's, whose connection the server
// made and something there answered, was an info nat-mismatch asserting
// "a NAT in front of the client does not rewrite PORT", with the NAT
// router's helper rules for a transfer that worked. The address is
// routed from the server's side: the client's behind a NAT is one
// reading, another host's (an FXP transfer's other server, or a bounce)
// the other; the text says so and gives no rule. A connection that
// failed keeps the NAT error and its rules.
func TestPORTAnsweredElsewhereDoesNotAssertNAT(t *testing.T) {
	for _, tc := range []struct {
		name, cli, srv, port string
		answered             bool
		sev                  Severity
		want, notWant        []string
	}{
		{name: "FXP's B side: private client, private server, another network", cli: "10.1.0.5:40002", srv: "10.3.0.7:21", port: "10.2.0.9:40000", answered: true, sev: SeverityInfo,
			want:    []string{"Whose it is, this capture cannot tell", "a server-to-server (FXP) transfer", "Nothing to change while it works", "port_promiscuous=NO"},
			notWant: []string{"a NAT in front of the client does not rewrite", "PREROUTING", "nf_nat_ftp", "Use passive mode on the client (the usual fix)"}},
		{name: "private client, private PORT of a third network answered", cli: "172.16.4.5:40002", srv: "10.3.0.7:21", port: "192.168.7.9:41000", answered: true, sev: SeverityInfo,
			want:    []string{"Whose it is, this capture cannot tell", "a server-to-server (FXP) transfer"},
			notWant: []string{"a NAT in front of the client does not rewrite", "PREROUTING", "nf_nat_ftp"}},
		{name: "unanswered: the NAT error as before", cli: "198.51.100.5:40002", srv: "192.0.2.7:21", port: "192.168.1.100:41000", sev: SeverityError,
			want:    []string{"a NAT in front of the client does not rewrite PORT, so the server's connection back cannot arrive", "Use passive mode on the client (the usual fix)"},
			notWant: []string{"FXP"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runExt(t, tc.cli, tc.srv, func(w *wire) {
				w.announceActive(ftp.ViaPORT, ap(tc.port), 200, "PORT command successful. Consider using PASV.")
				w.cmd("RETR f.bin")
				w.reply(150, "Opening BINARY mode data connection for f.bin (500 bytes).")
				from := ap(tc.srv).Addr().String() + ":20"
				if tc.answered {
					w.helloConn(ap(from), ap(tc.port), []byte(strings.Repeat("x", 500)), nil)
					w.reply(226, "Transfer complete.")
					return
				}
				for i := range 3 {
					if i > 0 {
						w.wait(time.Second)
					}
					w.seg(ap(from), ap(tc.port), decode.FlagSYN, 9000, nil)
				}
				w.wait(time.Second)
				w.reply(425, "Failed to establish connection.")
			})
			f := r.c.find(CodeNATMismatch)
			if f == nil || f.Severity != tc.sev {
				dumpFindings(t, r.c)
				t.Fatalf("nat-mismatch %v, want one of severity %s", f, tc.sev)
			}
			txt := f.Message + " | " + f.Advice
			for _, w := range tc.want {
				if !strings.Contains(txt, w) {
					t.Errorf("nat-mismatch lacks %q: %s", w, txt)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(txt, w) {
					t.Errorf("nat-mismatch says %q: %s", w, txt)
				}
			}
		})
	}
}

// TestFXPPassiveAddressJudgedForTheOtherServer guards the passive half
// of an FXP transfer (rev37 rv-corners fxp-all.pcap, fxp-client.pcap,
// fxp2-fail-all-prv.pcap): server A's private address in its 227 was
// judged for the client ("clients that trust the 227 cannot reach
// that address", and a verdict to set A's passive address), though the
// client hands it to server B, which connects there. Now it is judged for
// B: nothing when B reached it (or reported the transfer done), a
// hedged warning when B, on another private network, failed, and an
// error when B, at a public address, failed: a private address it cannot
// reach, which before went unsaid when the client shared A's network
// (and B's fxp-transfer blamed a firewall alone).
func TestFXPPassiveAddressJudgedForTheOtherServer(t *testing.T) {
	const (
		prvC, prvA, prvB = "10.1.0.5", "10.2.0.9:21", "10.3.0.7:21"
		lanC, pubB       = "10.2.0.5", "192.0.2.7:21"
	)
	for _, tc := range []struct {
		c        fxpCase
		sev      Severity // of session 1's nat-mismatch; 0: none
		want     []string // in session 1's nat-mismatch
		wantFXP  string   // in session 2's fxp-transfer ("": not checked)
		noFXP    string   // not in session 2's fxp-transfer
		noVerdct string   // in no verdict
	}{
		{c: fxpCase{name: "private servers, B reported the transfer done", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, bFinal: 226}},
		{c: fxpCase{name: "private servers, B's connection got through", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, data: true, bFinal: 226}},
		{c: fxpCase{name: "private servers, B's SYNs unanswered", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, syns: 3, bFinal: 425},
			sev:      SeverityWarning,
			want:     []string{"the client passed this endpoint to the active server 10.3.0.7:21 (session 2)", "if a NAT sits between the two servers, it cannot reach 10.2.0.9", "PASV on server 10.3.0.7 and PORT on this one"},
			wantFXP:  "if a NAT sits between the two servers, 10.2.0.9",
			noVerdct: "to clients on other networks"},
		{c: fxpCase{name: "A on the client's network, B public, B's SYNs unanswered", cli: lanC, a: prvA, b: pubB, ep: "10.2.0.9:40000", portReply: 200, syns: 3, bFinal: 425},
			sev:     SeverityError,
			want:    []string{"Seen at 192.0.2.7, a public address, that server reaches 10.2.0.9 only if a VPN or a route joins it", "most likely for this address"},
			wantFXP: "at the public address 192.0.2.7, reaches only if a VPN or a route joins it to that network: most likely that is why",
			noFXP:   "got no answer: a firewall"},
		{c: fxpCase{name: "A on the client's network, B public, B gave up unseen", cli: lanC, a: prvA, b: pubB, ep: "10.2.0.9:40000", portReply: 200, bFinal: 425},
			sev:     SeverityError,
			want:    []string{"It reported it could not connect (\"425 Can't open data connection.\")"},
			wantFXP: "most likely that is why"},
		{c: fxpCase{name: "A on the client's network, B public, got through", cli: lanC, a: prvA, b: pubB, ep: "10.2.0.9:40000", portReply: 200, data: true, bFinal: 226}},
		{c: fxpCase{name: "A on the client's network, B refused the PORT", cli: lanC, a: prvA, b: pubB, ep: "10.2.0.9:40000", portReply: 500}},
	} {
		t.Run(tc.c.name, func(t *testing.T) {
			r := runFXP(t, tc.c)
			defer func() {
				if t.Failed() {
					dumpFindings(t, r.c)
				}
			}()
			nm := sessionFindings(r, CodeNATMismatch, 1)
			if tc.sev == 0 {
				if len(nm) != 0 {
					t.Fatalf("session 1 nat-mismatch %s: %s", nm[0].Severity, nm[0].Message)
				}
			} else {
				if len(nm) != 1 || nm[0].Severity != tc.sev {
					t.Fatalf("session 1 nat-mismatch %d, want one %s", len(nm), tc.sev)
				}
				txt := nm[0].Message + " | " + nm[0].Advice
				for _, w := range tc.want {
					if !strings.Contains(txt, w) {
						t.Errorf("nat-mismatch lacks %q: %s", w, txt)
					}
				}
				if strings.Contains(txt, "clients that trust the 227") {
					t.Errorf("nat-mismatch judges the address for the client: %s", txt)
				}
			}
			if tc.wantFXP != "" || tc.noFXP != "" {
				fs := sessionFindings(r, CodeFXP, 2)
				if len(fs) != 1 {
					t.Fatalf("%d fxp-transfer in session 2", len(fs))
				}
				if tc.wantFXP != "" && !strings.Contains(fs[0].Message, tc.wantFXP) {
					t.Errorf("fxp-transfer lacks %q: %s", tc.wantFXP, fs[0].Message)
				}
				if tc.noFXP != "" && strings.Contains(fs[0].Message, tc.noFXP) {
					t.Errorf("fxp-transfer says %q: %s", tc.noFXP, fs[0].Message)
				}
			}
			if tc.noVerdct != "" && strings.Contains(strings.Join(r.verdicts, "\n"), tc.noVerdct) {
				t.Errorf("verdicts %q say %q", r.verdicts, tc.noVerdct)
			}
		})
	}
}

// TestFXPDataErrorNamesBothServers guards the 425 and 426 of an FXP
// transfer whose connection between the servers failed (rev37
// rv-corners fxp2-fail-*.pcap): server B's 425 said "the connect back to
// the client failed", server A's 426 "the data connection broke during
// the transfer", though the client is no end of that connection and A's
// was never made. Now each names the servers: B's connection to the
// passive server A's endpoint, A waiting for the active server B. A 425
// of an ordinary PORT still says the connect back to the client.
func TestFXPDataErrorNamesBothServers(t *testing.T) {
	const (
		prvC, prvA, prvB = "10.1.0.5", "10.2.0.9:21", "10.3.0.7:21"
		pubC, pubA, pubB = "198.51.100.5", "203.0.113.9:21", "192.0.2.7:21"
	)
	for _, tc := range []struct {
		c            fxpCase
		wantA, wantB []string // in session 1's (A's) and session 2's (B's) server-data-error; nil: none checked
	}{
		{c: fxpCase{name: "private, B's SYNs seen unanswered", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, syns: 3, bFinal: 425},
			wantA: []string{"This server, the passive end of a server-to-server (FXP) transfer, gave the transfer up", "the active server 10.3.0.7:21 (session 2)", "that server's connection to it failed (data connection #2, unanswered)"},
			wantB: []string{"the server-to-server (FXP) data connection", "the passive server 10.2.0.9:21 announced in session 1", "the client is no end of it"}},
		{c: fxpCase{name: "public, B's SYNs seen unanswered", cli: pubC, a: pubA, b: pubB, ep: "203.0.113.9:40000", portReply: 200, syns: 3, bFinal: 425},
			// (B's 425 goes unsaid for a public address, as for a
			// bounce: fxp-transfer's error speaks for it.)
			wantA: []string{"the active server 192.0.2.7:21 (session 2)", "Let server 192.0.2.7 reach this server's passive ports"}},
		{c: fxpCase{name: "public, nothing seen between the servers", cli: pubC, a: pubA, b: pubB, ep: "203.0.113.9:40000", portReply: 200, bFinal: 425},
			wantA: []string{"the active server 192.0.2.7:21 (session 2)", "this capture does not see the connection between the two servers", "tcpdump -i any host 192.0.2.7 and host 203.0.113.9"}},
		{c: fxpCase{name: "private, A answers 425", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, syns: 3, bFinal: 425, aFinal: 425},
			wantA: []string{"the client passed this server's passive endpoint 10.2.0.9:40000 to the active server 10.3.0.7:21 (session 2), and no connection from it came", "(that server's connection to it: unanswered, data connection #2)"}},
		{c: fxpCase{name: "private, B answers 426 to its unanswered SYNs", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, syns: 3, bFinal: 426, aFinal: 552},
			wantB: []string{"This server, the active end of a server-to-server (FXP) transfer, gave the transfer up", "the passive server 10.2.0.9:21 announced in session 1, was never made (3 SYNs, no answer by then)"}},
		{c: fxpCase{name: "private, A resets B's connection mid-way", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, aStops: true, bFinal: 426, aFinal: 552},
			wantB: []string{"The passive server 10.2.0.9:21 (session 1), the receiving end of this server-to-server (FXP) transfer", "The client is no end of this connection", "See session 1's replies"}},
	} {
		t.Run(tc.c.name, func(t *testing.T) {
			r := runFXP(t, tc.c)
			for _, side := range []struct {
				id   int
				want []string
			}{{1, tc.wantA}, {2, tc.wantB}} {
				if side.want == nil {
					continue
				}
				fs := sessionFindings(r, CodeServerDataError, side.id)
				if len(fs) != 1 {
					dumpFindings(t, r.c)
					t.Fatalf("session %d: %d server-data-error", side.id, len(fs))
				}
				txt := fs[0].Message + " | " + fs[0].Advice
				for _, w := range side.want {
					if !strings.Contains(txt, w) {
						t.Errorf("session %d's server-data-error lacks %q: %s", side.id, w, txt)
					}
				}
				for _, w := range []string{"connect back to the client", "broke during the transfer", "a client killed mid-transfer", "The client stopped", "nobody connected"} {
					if strings.Contains(txt, w) {
						t.Errorf("session %d's server-data-error says %q: %s", side.id, w, txt)
					}
				}
			}
		})
	}
	t.Run("an ordinary PORT's 425: the connect back to the client", func(t *testing.T) {
		r := runExt(t, "198.51.100.5:40001", "192.0.2.7:21", func(w *wire) {
			w.announceActive(ftp.ViaPORT, ap("198.51.100.5:41000"), 200, "PORT command successful. Consider using PASV.")
			w.cmd("RETR f.bin")
			for i := range 3 {
				if i > 0 {
					w.wait(time.Second)
				}
				w.seg(ap("192.0.2.7:20"), ap("198.51.100.5:41000"), decode.FlagSYN, 9000, nil)
			}
			w.wait(time.Second)
			w.reply(425, "Failed to establish connection.")
		})
		f := r.c.find(CodeServerDataError)
		if f == nil || !strings.Contains(f.Message, "the connect back to the client failed") {
			dumpFindings(t, r.c)
			t.Errorf("server-data-error %v, want the connect back to the client", f)
		}
	})
}
