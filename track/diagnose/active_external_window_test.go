package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestExternalAddressChangeNotABounce guards the cross-session memory of
// the public addresses a client's PORTs named as its NAT's: two of them
// make both other hosts (a scan spread over sessions) only when named
// close in time. An hour apart, the router's public address most likely
// changed (a PPPoE or DHCP lease renewed) and the client announces the
// new one: calling the second session a bounce, and a stock server that
// accepted it one set to take foreign addresses, is backwards.
func TestExternalAddressChangeNotABounce(t *testing.T) {
	const srv = "93.184.216.34:21"
	run := func(gap time.Duration) extResult {
		return runExt(t, "192.168.1.10:50000", srv, func(w *wire) {
			extTransfer(w, "198.51.100.7:40000", 425)
			w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			w.wait(gap)
			extSession(w, "192.168.1.10:50001", srv)
			extTransfer(w, "203.0.113.50:40001", 425)
		})
	}
	t.Run("an hour apart: the NAT's address changed, no bounce", func(t *testing.T) {
		r := run(time.Hour)
		if n := r.has(CodeFTPBounce); n != 0 {
			dumpFindings(t, r.c)
			t.Errorf("%d ftp-bounce, want 0", n)
		}
		if strings.Contains(r.text(), "AllowForeignAddress on") {
			t.Errorf("advice says the server takes foreign addresses")
		}
		for _, v := range r.verdicts {
			if strings.Contains(v, "used this server for an FTP bounce") {
				t.Errorf("verdict %q", v)
			}
		}
	})
	t.Run("a minute apart: a scan spread over sessions, a bounce", func(t *testing.T) {
		r := run(time.Minute)
		if n := r.has(CodeFTPBounce); n != 1 {
			dumpFindings(t, r.c)
			t.Errorf("%d ftp-bounce, want 1", n)
		}
	})
	t.Run("back to the first address after an hour, then a third soon after: a bounce", func(t *testing.T) {
		r := runExt(t, "192.168.1.10:50000", srv, func(w *wire) {
			extTransfer(w, "198.51.100.7:40000", 425)
			w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			w.wait(time.Hour)
			extSession(w, "192.168.1.10:50001", srv)
			extTransfer(w, "203.0.113.50:40001", 425)
			w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			w.wait(time.Minute)
			extSession(w, "192.168.1.10:50002", srv)
			extTransfer(w, "45.33.32.156:40002", 425)
		})
		if n := r.has(CodeFTPBounce); n != 1 {
			dumpFindings(t, r.c)
			t.Errorf("%d ftp-bounce, want 1 (the third session)", n)
		}
		if !strings.Contains(r.text(), "session 2 named 203.0.113.50") {
			t.Errorf("the bounce does not name the nearby session's address")
		}
	})
}

// TestExternalPlaceholderInterface guards the router rules the
// external-IP reading prints: the WAN interface is a placeholder the
// shell rejects, not a valid interface name (WAN_IFACE) that a pasted
// rule would match nothing on, silently.
func TestExternalPlaceholderInterface(t *testing.T) {
	r := runExt(t, "192.168.1.10:50000", "93.184.216.34:21", func(w *wire) { extTransfer(w, "45.33.32.156:40000", 425) })
	txt := r.text()
	if !strings.Contains(txt, "PREROUTING -i <WAN interface> -d 45.33.32.156") || !strings.Contains(txt, "FORWARD -i <WAN interface>") {
		dumpFindings(t, r.c)
		t.Errorf("the rules do not name the interface with a placeholder")
	}
	if strings.Contains(txt, "WAN_IFACE") {
		t.Errorf("a rule names interface WAN_IFACE")
	}
}

// BenchmarkExternalLook measures the looks a PORT naming a public
// address makes (seenAsHost, vantage), in a doubling series of parallel
// sessions of one private client, each with many PORTs to its NAT's
// address answered 425. Each look had walked every open session and
// the first data connections of the client's (k sessions of m PORTs:
// k*k*m), and every data connection of the session for its capture
// point (m*m): ns/PORT grew with k. It should stay flat along the
// series; reads/PORT (the entries the looks read, hostsShown.reads and
// captureShared.ownReads) is the same measure without the clock. A
// benchmark, not a timed test: compare runs with benchstat.
//
//	go test -run '^$' -bench BenchmarkExternalLook ./track/diagnose
func BenchmarkExternalLook(b *testing.B) {
	const m = 20
	for _, k := range []int{25, 50, 100, 200} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			reads := 0
			for range b.N {
				reads += externalLookScene(b, k, m).lookReads()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k*m), "ns/PORT")
			b.ReportMetric(float64(reads)/float64(b.N*k*m), "reads/PORT")
		})
	}
}

// lookReads is what d's looks for the PORTs' addresses read: entries of
// the tables of hosts shown, data connections read for the capture
// point, and commands read for the addresses the session's PORTs named.
func (d *Diagnoser) lookReads() int {
	return d.hosts.reads + d.capture.ownReads + d.bounces.portReads
}

// externalLookScene feeds k parallel sessions of one private client,
// each naming m times its NAT's public address in a PORT answered 425,
// and returns the diagnoser.
func externalLookScene(tb testing.TB, k, m int) *Diagnoser {
	w := newWire(tb, "192.168.1.10:20000", "93.184.216.34:21")
	ws := make([]netip.AddrPort, k)
	for i := range ws {
		ws[i] = netip.AddrPortFrom(netip.MustParseAddr("192.168.1.10"), uint16(20000+i))
		if i == 0 {
			w.reply(220, vsftpdGreeting)
			w.cmd("USER alice")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			continue
		}
		extSession(w, ws[i].String(), "93.184.216.34:21")
	}
	for j := range m {
		for i := range ws {
			w.cli = ws[i]
			w.announceActive(ftp.ViaPORT, ap(fmt.Sprintf("198.51.100.7:%d", 30000+j)), 200, "PORT command successful. Consider using PASV.")
			w.cmd(fmt.Sprintf("RETR f%d", j))
			w.reply(425, "Failed to establish connection.")
		}
	}
	w.end()
	return w.d
}
