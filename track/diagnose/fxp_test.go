package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// fxpCase is one server-to-server transfer driven by a client over two
// control connections (rv-corners fxp.py, fxp2.py): the client's passive
// announcement on server A, its PORT/EPRT naming ep on server B, a
// transfer command on each, and what the capture shows of B's connection
// to A (syns: B's unanswered SYNs; data: the connection transferred).
type fxpCase struct {
	name        string
	cli, a, b   string // the client's address, the servers' control endpoints
	epsv        bool   // EPSV/EPRT instead of PASV/PORT
	ep          string // the endpoint the PORT/EPRT names
	portReply   int    // B's reply to the PORT/EPRT
	syns        int    // B's unanswered SYNs to ep
	data        bool   // B's connection to ep transferred
	bFinal      int    // B's final reply to RETR (0: none, the PORT was refused)
	aFinal      int    // A's final reply to STOR (0: 426 after B's 425, else 226)
	aStops      bool   // B's connection to ep carries data, then A resets it
	wantFXP     []Severity
	notWant     []string // codes no finding may have
	noText      []string // words no finding may hold
	wantText    []string // words some finding holds
	wantVerdict string   // in some server's verdict ("" : not checked)
}

// runFXP plays c on a wire and returns what the diagnoser said.
func runFXP(t *testing.T, c fxpCase) extResult {
	t.Helper()
	return runExt(t, c.cli+":40001", c.a, func(w *wire) {
		a := ap(c.a)
		ep := ap(c.ep)
		// Session 1, server A: the passive announcement.
		if c.epsv {
			w.cmd("EPSV")
			e := netip.AddrPortFrom(a.Addr(), 40000)
			w.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 229, Text: "Entering Extended Passive Mode (|||40000|)"},
				Endpoint: decode.Endpoint{Via: ftp.ViaEPSV, Addr: e}})
		} else {
			b := a.Addr().As4()
			w.reply227(b, 40000)
		}
		// Session 2, server B: the PORT/EPRT naming it.
		extSession(w, c.cli+":40002", c.b)
		via := ftp.ViaPORT
		if c.epsv {
			via = ftp.ViaEPRT
		}
		text := "PORT command successful. Consider using PASV."
		if c.portReply >= 400 {
			text = "Illegal PORT command."
		}
		w.announceActive(via, ep, c.portReply, text)
		// Session 1: STOR; session 2: RETR.
		w.cli, w.srv = ap(c.cli+":40001"), a
		w.cmd("STOR f.bin")
		w.reply(150, "Ok to send data.")
		w.cli, w.srv = ap(c.cli+":40002"), ap(c.b)
		if c.bFinal == 0 {
			w.cli, w.srv = ap(c.cli+":40001"), a
			w.reply(226, "Transfer complete.")
			return
		}
		w.cmd("RETR f.bin")
		w.reply(150, "Opening BINARY mode data connection for f.bin (5000 bytes).")
		from := netip.AddrPortFrom(ap(c.b).Addr(), 20)
		for i := range c.syns {
			if i > 0 {
				w.wait(time.Second)
			}
			w.seg(from, ep, decode.FlagSYN, 9000, nil)
		}
		if c.data {
			w.helloConn(from, ep, []byte(strings.Repeat("x", 500)), nil)
		}
		if c.aStops {
			w.seg(from, ep, decode.FlagSYN, 1000, nil)
			w.seg(ep, from, decode.FlagSYN|decode.FlagACK, 5000, nil)
			w.seg(from, ep, decode.FlagACK, 1001, nil)
			w.seg(from, ep, decode.FlagACK|decode.FlagPSH, 1001, []byte(strings.Repeat("x", 500)))
			w.seg(ep, from, decode.FlagRST, 5001, nil)
		}
		w.wait(time.Second)
		aFinal, aText := 226, "Transfer complete."
		switch c.bFinal {
		case 425:
			w.reply(425, "Can't open data connection.")
			aFinal, aText = 426, "Failure reading network stream."
		case 426:
			w.reply(426, "Failure writing network stream.")
		default:
			w.reply(c.bFinal, "Transfer complete.")
		}
		switch c.aFinal {
		case 0:
		case 425:
			aFinal, aText = 425, "Failed to establish connection."
		default:
			aFinal, aText = c.aFinal, "Quota exceeded."
		}
		w.cli, w.srv = ap(c.cli+":40001"), a
		w.reply(aFinal, aText)
	})
}

// reply227 is a 227 naming b, port.
func (w *wire) reply227(b [4]byte, port uint16) {
	w.cmd("PASV")
	w.reply(227, fmt.Sprintf("Entering Passive Mode (%d,%d,%d,%d,%d,%d).", b[0], b[1], b[2], b[3], port>>8, port&0xff))
}

// TestFXPNotANATFault guards server-to-server (FXP) transfers read as the
// client's NAT faults (rev37 rv-corners fxp-client.pcap,
// fxp2-fail-all-prv.pcap, fxp2-epsv-client-prv.pcap, fxppub-*.pcap): a
// PORT/EPRT naming exactly the endpoint another session of the same
// client was given by its 227/229 was an error nat-mismatch with helper
// rules for "the NAT router in front of the client" (private addresses),
// or an ftp-bounce (public ones); B's unanswered SYNs to A's endpoint an
// active-blocked with client-NAT rules; A's endpoint a data-not-attempted.
// Now fxp-transfer: info when it worked or is not seen, an error naming
// A's passive ports when B's SYNs failed, a warning when B refused the
// PORT; never a NAT or bounce reading. A PORT naming another port than
// the 227's is still judged as before.
func TestFXPNotANATFault(t *testing.T) {
	const (
		prvC, prvA, prvB = "10.1.0.5", "10.2.0.9:21", "10.3.0.7:21"
		pubC, pubA, pubB = "198.51.100.5", "203.0.113.9:21", "192.0.2.7:21"
	)
	natWords := []string{"NAT router in front of the client", "PREROUTING", "cannot arrive", "FTP bounce"}
	for _, tc := range []fxpCase{
		{name: "private, seen at the client, worked", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, bFinal: 226,
			wantFXP: []Severity{SeverityInfo, SeverityInfo}, notWant: []string{CodeActiveBlocked, CodeFTPBounce}, noText: natWords,
			wantText: []string{"the passive endpoint server 10.2.0.9:21 announced to the same client in session 1", "to server 10.3.0.7:21 in session 2"}},
		{name: "private, B's SYNs unanswered", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, syns: 3, bFinal: 425,
			wantFXP: []Severity{SeverityInfo, SeverityError}, notWant: []string{CodeActiveBlocked, CodeFTPBounce}, noText: natWords,
			wantText:    []string{"Its 3 SYNs to 10.2.0.9:40000 got no answer", "reach server 10.2.0.9's passive ports"},
			wantVerdict: "a server-to-server (FXP) transfer's connection, between this server and another one, failed"},
		{name: "EPSV and EPRT, private, seen at the client", cli: prvC, a: prvA, b: prvB, epsv: true, ep: "10.2.0.9:40000", portReply: 200, bFinal: 226,
			wantFXP: []Severity{SeverityInfo, SeverityInfo}, notWant: []string{CodeActiveBlocked, CodeFTPBounce}, noText: natWords},
		{name: "public, all captured, worked", cli: pubC, a: pubA, b: pubB, ep: "203.0.113.9:40000", portReply: 200, data: true, bFinal: 226,
			wantFXP: []Severity{SeverityInfo, SeverityInfo}, notWant: []string{CodeActiveBlocked, CodeFTPBounce, CodeNATMismatch, CodeDataNotAttempted}, noText: natWords,
			wantText: []string{"The connection got through (data connection #2)", "data connection #2, 192.0.2.7:20 -> 203.0.113.9:40000, transferred"}},
		{name: "public, B's SYNs unanswered", cli: pubC, a: pubA, b: pubB, ep: "203.0.113.9:40000", portReply: 200, syns: 3, bFinal: 425,
			wantFXP: []Severity{SeverityInfo, SeverityError}, notWant: []string{CodeActiveBlocked, CodeFTPBounce}, noText: natWords},
		{name: "B refuses the PORT", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 500,
			wantFXP: []Severity{SeverityWarning}, notWant: []string{CodeActiveBlocked, CodeFTPBounce, CodeActiveRefused}, noText: natWords,
			wantText: []string{"this server refused it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runFXP(t, tc)
			var got []Severity // (sorted: B's is reported first or last)
			for _, f := range r.c.fs {
				if f.Code == CodeFXP {
					got = append(got, f.Severity)
				}
				if f.Code == CodeNATMismatch && f.Session != nil && f.Session.ID == 2 {
					t.Errorf("a nat-mismatch on B's PORT: %s", f.Message)
				}
			}
			slices.Sort(got)
			if len(got) != len(tc.wantFXP) {
				t.Errorf("fxp-transfer severities %v, want %v", got, tc.wantFXP)
			} else {
				for i := range got {
					if got[i] != tc.wantFXP[i] {
						t.Errorf("fxp-transfer severities %v, want %v", got, tc.wantFXP)
						break
					}
				}
			}
			for _, c := range tc.notWant {
				if r.has(c) != 0 {
					t.Errorf("%d %s", r.has(c), c)
				}
			}
			txt := r.text()
			for _, w := range tc.noText {
				if strings.Contains(txt, w) {
					t.Errorf("a finding says %q", w)
				}
			}
			for _, w := range tc.wantText {
				if !strings.Contains(txt, w) {
					t.Errorf("no finding says %q", w)
				}
			}
			if tc.wantVerdict != "" && !strings.Contains(strings.Join(r.verdicts, "\n"), tc.wantVerdict) {
				t.Errorf("verdicts %q, want one with %q", r.verdicts, tc.wantVerdict)
			}
			if t.Failed() {
				dumpFindings(t, r.c)
			}
		})
	}
	t.Run("another port than the 227's: no FXP", func(t *testing.T) {
		r := runFXP(t, fxpCase{cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40001", portReply: 200, bFinal: 226})
		if r.has(CodeFXP) != 0 || r.has(CodeNATMismatch) == 0 {
			dumpFindings(t, r.c)
			t.Errorf("%d fxp-transfer, %d nat-mismatch: want none, and the NAT reading as before", r.has(CodeFXP), r.has(CodeNATMismatch))
		}
	})
}

// TestNATMismatchTransferDoneUnseen guards a false alarm (rev37
// rv-corners nm226-pub.pcap, nm226-priv.pcap, nm226-pasv.pcap): a
// PORT (or 227) naming a private address, the data connection not in the
// capture, and the server's 150 and 226 was an error nat-mismatch,
// "cannot arrive", "use passive mode", and a verdict that the server
// cannot reach the address: Outcome.Failed counts a not-attempted
// connection as failed whatever the final reply. Now a warning that says
// the transfer was done; with a 425 it stays an error.
func TestNATMismatchTransferDoneUnseen(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cli, srv string
		passive  bool
		final    int
		want     Severity
		noText   []string
		noVerdct string
	}{
		{"PORT private, public client, 226", "198.51.100.5:40001", "192.0.2.7:21", false, 226, SeverityWarning,
			[]string{"cannot arrive", "Use passive mode on the client (the usual fix)"}, "cannot reach"},
		{"PORT private, private client elsewhere, 226", "10.1.0.5:40001", "10.3.0.7:21", false, 226, SeverityWarning,
			[]string{"cannot arrive"}, "cannot reach"},
		{"PORT private, 425: still an error", "198.51.100.5:40001", "192.0.2.7:21", false, 425, SeverityError, nil, ""},
		{"227 private, public client, 226", "198.51.100.5:40001", "192.0.2.7:21", true, 226, SeverityWarning, nil, ""},
		{"227 private, 425: still an error", "198.51.100.5:40001", "192.0.2.7:21", true, 425, SeverityError, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runExt(t, tc.cli, tc.srv, func(w *wire) {
				if tc.passive {
					w.reply227([4]byte{10, 0, 0, 7}, 40000)
				} else {
					port := "192.168.1.100:41000"
					if strings.HasPrefix(tc.cli, "10.") {
						port = "172.16.0.5:41000"
					}
					w.announceActive(ftp.ViaPORT, ap(port), 200, "PORT command successful.")
				}
				w.cmd("RETR a.txt")
				if tc.final == 425 {
					w.wait(time.Second)
					w.reply(425, "Failed to establish connection.")
					return
				}
				w.reply(150, "Opening BINARY mode data connection for a.txt (3000 bytes).")
				w.reply(226, "Transfer complete.")
			})
			f := r.c.find(CodeNATMismatch)
			if f == nil || f.Severity != tc.want {
				dumpFindings(t, r.c)
				t.Fatalf("nat-mismatch %v, want one of severity %s", f, tc.want)
			}
			for _, w := range tc.noText {
				if strings.Contains(f.Message+" "+f.Advice, w) {
					t.Errorf("nat-mismatch says %q: %s | %s", w, f.Message, f.Advice)
				}
			}
			if tc.noVerdct != "" && strings.Contains(strings.Join(r.verdicts, "\n"), tc.noVerdct) {
				t.Errorf("verdict %q says %q", r.verdicts, tc.noVerdct)
			}
		})
	}
}

// TestForeignSourceFromPort20NamesFXP guards the passive side of an FXP
// transfer captured at server A alone (rev37 rv-corners fxp-A.pcap,
// fxppub-A.pcap): the connection from the other server's port 20 was
// "passive port theft, or a NAT pool", and the fix was only to undo
// AllowUserFXP. From a port below 1024 no client or NAT pool connects:
// the finding and the verdict name FXP as the likelier reading, and the
// advice keeps a deliberate FXP setup. From an ordinary port, as before.
func TestForeignSourceFromPort20NamesFXP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		from    string
		fxp     bool
		verdict string
	}{
		{"from port 20 of another host", "192.0.2.7:20", true, "a server-to-server (FXP) transfer its client drove"},
		{"from an ordinary port of another host", "192.0.2.7:51000", false, "passive port theft, or a NAT pool"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runExt(t, "198.51.100.5:40001", "203.0.113.9:21", func(w *wire) {
				w.reply227([4]byte{203, 0, 113, 9}, 40000)
				w.cmd("STOR file.bin")
				w.reply(150, "Ok to send data.")
				w.helloConn(ap(tc.from), ap("203.0.113.9:40000"), []byte(strings.Repeat("x", 500)), nil)
				w.reply(226, "Transfer complete.")
			})
			f := r.c.find(CodeDataForeignSource)
			if f == nil {
				dumpFindings(t, r.c)
				t.Fatal("no data-foreign-source")
			}
			says := strings.Contains(f.Message, "server-to-server (FXP) transfer") && strings.Contains(f.Advice, "nothing to change")
			if says != tc.fxp || f.fxpLike != tc.fxp {
				t.Errorf("FXP named %v (flag %v), want %v: %s | %s", says, f.fxpLike, tc.fxp, f.Message, f.Advice)
			}
			if !strings.Contains(strings.Join(r.verdicts, "\n"), tc.verdict) {
				t.Errorf("verdicts %q, want one with %q", r.verdicts, tc.verdict)
			}
		})
	}
}
