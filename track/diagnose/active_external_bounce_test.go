package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// extSession opens another control connection on w's tracker and
// diagnoser, from cli to srv, and logs in: the sessions before it stay
// open, as a client's parallel connections do.
func extSession(w *wire, cli, srv string) {
	w.cli, w.srv = ap(cli), ap(srv)
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	w.reply(220, vsftpdGreeting)
	w.cmd("USER alice")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS secret")
	w.reply(230, "Login successful.")
}

// extTransfer sends a PORT naming target, a LIST, and the server's
// replies to it (none of its connection reaches the capture).
func extTransfer(w *wire, target string, replies ...int) {
	w.announceActive(ftp.ViaPORT, ap(target), 200, "PORT command successful. Consider using PASV.")
	w.cmd("LIST")
	for _, code := range replies {
		w.wait(500 * time.Millisecond)
		switch code {
		case 150:
			w.reply(150, "Here comes the directory listing.")
		case 226:
			w.reply(226, "Directory send OK.")
		case 425:
			w.reply(425, "Failed to establish connection.")
		}
	}
}

// extResult is what a TestExternalIPNotABounce case leaves: the
// findings, each server's verdict, and both joined for a search.
type extResult struct {
	c        *collect
	verdicts []string
}

func (r extResult) has(code string) int { return codesOf(r.c)[code] }

// text is every finding's message and advice.
func (r extResult) text() string {
	var b strings.Builder
	for _, f := range r.c.fs {
		b.WriteString(f.Message + " " + f.Advice + "\n")
	}
	return b.String()
}

func runExt(t *testing.T, cli, srv string, run func(w *wire)) extResult {
	t.Helper()
	w := newWire(t, cli, srv)
	w.reply(220, vsftpdGreeting)
	w.cmd("USER alice")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS secret")
	w.reply(230, "Login successful.")
	run(w)
	w.end()
	r := extResult{c: w.c}
	for _, sum := range w.d.Summaries() {
		r.verdicts = append(r.verdicts, sum.Verdict)
	}
	return r
}

// TestExternalIPNotABounce guards the reading of a PORT naming a public
// address that is not the client's, from a private client seen on its
// side of a NAT, as that NAT's own (a client's external-IP setting):
// it hid real bounces and advised harmful rules. It applies only where
// nothing in the capture contradicts it, and where something supports
// it: an address the capture shows as a host (an FXP transfer's other
// server) is another host, and a DNAT rule for it on the client's router
// would hijack the LAN's own connections to that server; a client
// cannot sit behind two NAT addresses, across sessions too; a transfer
// the server reported made while no SYN came to the client's side, or a
// refusal of the PORT (a stock server refuses it for not being the
// control connection's address, which the NAT's is) contradict it. A
// single failed one says both readings; the verdict of a mix of causes
// names each.
func TestExternalIPNotABounce(t *testing.T) {
	const (
		cli  = "192.168.1.10:53000"
		srvA = "93.184.216.34:21"
		srvB = "151.101.1.69:21"
	)
	t.Run("FXP: the PORT names the other server of the client's sessions", func(t *testing.T) {
		// (The 227's own endpoint, while it waits: an FXP transfer,
		// fxp-transfer, neither the NAT's address nor a bounce.)
		for _, replies := range [][]int{{425}, {150, 226}} {
			r := runExt(t, cli, srvA, func(w *wire) {
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (93,184,216,34,156,64).")
				extSession(w, "192.168.1.10:53001", srvB)
				extTransfer(w, "93.184.216.34:40000", replies...)
			})
			if r.has(CodeFTPBounce) != 0 || r.has(CodeFXP) == 0 {
				t.Errorf("replies %v: %d ftp-bounce, %d fxp-transfer, want 0 and some", replies, r.has(CodeFTPBounce), r.has(CodeFXP))
			}
			if r.has(CodeNATTranslated) != 0 {
				t.Errorf("replies %v: a nat-translated", replies)
			}
			txt := r.text()
			for _, bad := range []string{"PREROUTING", "DNAT", "no FTP bounce", "NAT's own"} {
				if strings.Contains(txt, bad) {
					t.Errorf("replies %v: a finding holds %q", replies, bad)
				}
			}
			if !strings.Contains(txt, "the passive endpoint server 93.184.216.34:21 announced to the same client in session 1") {
				t.Errorf("replies %v: fxp-transfer does not say 93.184.216.34:40000 is session 1's server's endpoint", replies)
			}
			if t.Failed() {
				dumpFindings(t, r.c)
			}
		}
	})
	t.Run("a scan spread over sessions, one public host each: the second and third are bounces", func(t *testing.T) {
		r := runExt(t, "192.168.1.10:50000", srvA, func(w *wire) {
			extTransfer(w, "45.33.32.156:8080", 425)
			extSession(w, "192.168.1.10:50001", srvA)
			extTransfer(w, "104.16.1.1:8080", 425)
			extSession(w, "192.168.1.10:50002", srvA)
			extTransfer(w, "151.101.1.69:8080", 425)
		})
		if n := r.has(CodeFTPBounce); n != 2 {
			t.Errorf("%d ftp-bounce, want 2 (sessions 2 and 3)", n)
		}
		if n := r.has(CodeActiveBlocked); n > 1 {
			t.Errorf("%d active-blocked, want at most 1 (session 1, before the second host showed)", n)
		}
		txt := r.text()
		if strings.Count(txt, "PREROUTING") > 1 || strings.Contains(txt, "no FTP bounce") {
			t.Errorf("a DNAT rule for each host, or a bounce denied")
		}
		if !strings.Contains(txt, "session 1 named 45.33.32.156") {
			t.Errorf("the bounce does not name the first session's host")
		}
		if t.Failed() {
			dumpFindings(t, r.c)
		}
	})
	t.Run("one failed PORT to a public host: both readings, no bounce denied", func(t *testing.T) {
		r := runExt(t, "192.168.1.10:50000", srvA, func(w *wire) { extTransfer(w, "45.33.32.156:6379", 425) })
		f := r.c.find(CodeActiveBlocked)
		if f == nil {
			dumpFindings(t, r.c)
			t.Fatal("no active-blocked")
		}
		for _, want := range []string{"Most likely it is that NAT's own", "Otherwise it is another host", "FTP bounce", "-i <WAN interface> -d 45.33.32.156"} {
			if !strings.Contains(f.Message+" "+f.Advice, want) {
				t.Errorf("active-blocked lacks %q", want)
			}
		}
		if strings.Contains(f.Message, "this is no FTP bounce") {
			t.Errorf("active-blocked denies the bounce as a fact: %s", f.Message)
		}
	})
	t.Run("a transfer the server reported made, no SYN at the client: a bounce", func(t *testing.T) {
		r := runExt(t, "192.168.1.10:50000", srvA, func(w *wire) { extTransfer(w, "45.33.32.156:8080", 150, 226) })
		if r.has(CodeFTPBounce) != 1 {
			dumpFindings(t, r.c)
			t.Errorf("%d ftp-bounce, want 1", r.has(CodeFTPBounce))
		}
	})
	t.Run("a failed PORT, then a port below 1024 of the same host: both in the bounce", func(t *testing.T) {
		r := runExt(t, "192.168.1.10:50000", srvA, func(w *wire) {
			extTransfer(w, "45.33.32.156:8080", 425)
			w.announceActive(ftp.ViaPORT, ap("45.33.32.156:25"), 200, "PORT command successful. Consider using PASV.")
		})
		f := r.c.find(CodeFTPBounce)
		if f == nil {
			dumpFindings(t, r.c)
			t.Fatal("no ftp-bounce")
		}
		if !strings.Contains(f.Evidence, "PORT 45,33,32,156,31,144") || !strings.Contains(f.Evidence, "2 accepted") {
			t.Errorf("the bounce leaves out the earlier PORT to port 8080: %s", f.Evidence)
		}
	})
	t.Run("refused PORTs to public hosts over sessions: info bounces, no error", func(t *testing.T) {
		r := runExt(t, "192.168.1.10:50000", srvA, func(w *wire) {
			for i, target := range []string{"45.33.32.156:6379", "104.16.1.1:8080", "151.101.1.69:8443"} {
				if i > 0 {
					extSession(w, netip.AddrPortFrom(netip.MustParseAddr("192.168.1.10"), uint16(50000+i)).String(), srvA)
				}
				w.announceActive(ftp.ViaPORT, ap(target), 500, "Illegal PORT command.")
			}
		})
		if r.has(CodeActiveRefused) != 0 || r.has(CodeFTPBounce) != 3 {
			t.Errorf("%d active-refused, %d ftp-bounce; want 0 and 3", r.has(CodeActiveRefused), r.has(CodeFTPBounce))
		}
		for _, f := range r.c.fs {
			if f.Severity >= SeverityWarning {
				t.Errorf("%s %s: want info at most", f.Severity, f.Code)
			}
		}
		if t.Failed() {
			dumpFindings(t, r.c)
		}
	})
	t.Run("verdict: a private address one client names and a public one another names", func(t *testing.T) {
		r := runExt(t, "192.168.1.10:50000", srvA, func(w *wire) {
			extTransfer(w, "192.168.1.10:50000", 425)
			extSession(w, "192.168.1.11:50001", srvA)
			extTransfer(w, "81.2.69.142:50001", 425)
		})
		if r.has(CodeActiveBlocked) != 2 {
			dumpFindings(t, r.c)
			t.Fatalf("%d active-blocked, want 2", r.has(CodeActiveBlocked))
		}
		v := strings.Join(r.verdicts, "\n")
		for _, want := range []string{"private address", "public address", "no rule on the server's side helps"} {
			if !strings.Contains(v, want) {
				t.Errorf("verdict lacks %q: %s", want, v)
			}
		}
		if strings.Contains(v, "let them out on the server") {
			t.Errorf("verdict blames the server's side: %s", v)
		}
	})
	t.Run("verdict: a public client's own address and a private client's public one", func(t *testing.T) {
		r := runExt(t, "198.51.100.7:50000", srvA, func(w *wire) {
			extTransfer(w, "198.51.100.7:50000", 425)
			extSession(w, "192.168.1.11:50001", srvA)
			extTransfer(w, "81.2.69.142:50001", 425)
		})
		v := strings.Join(r.verdicts, "\n")
		if !strings.Contains(v, "whose port that NAT does not forward") {
			t.Errorf("verdict does not name the second one's cause: %s", v)
		}
		if t.Failed() {
			dumpFindings(t, r.c)
		}
	})
}
