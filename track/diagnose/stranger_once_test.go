package diagnose

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// strangerWire runs sessions of client 198.51.100.7 at srv through one
// tracker and diagnoser: each logs in, asks PASV (the 227 names pasv,
// port 40000 + i for the i-th session), LIST, runs data, and ends with
// 425 (or 150/226 when data says the transfer went through) and QUIT.
type strangerWire struct {
	*wire
	n int
}

func newStrangerWire(t *testing.T, srv string) *strangerWire {
	w := &wire{t: t, c: &collect{}, cli: ap("198.51.100.7:50000"), srv: ap(srv), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, track.Options{})
	return &strangerWire{wire: w}
}

// session runs one session; data sends the data segments to port and
// reports whether a transfer went through.
func (w *strangerWire) session(pasv string, data func(port netip.AddrPort) bool) {
	w.n++
	w.cli = ap("198.51.100.7:" + strconv.Itoa(50000+w.n))
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER anonymous")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS x@y")
	w.reply(230, "Login successful.")
	p := 40000 + w.n - 1
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode ("+strings.ReplaceAll(pasv, ".", ",")+","+strconv.Itoa(p>>8)+","+strconv.Itoa(p&255)+").")
	w.cmd("LIST")
	w.wait(200 * time.Millisecond)
	port := netip.AddrPortFrom(w.srv.Addr(), uint16(p))
	if data(port) {
		w.reply(150, "Here comes the directory listing.")
		w.reply(226, "Directory send OK.")
	} else {
		w.wait(60 * time.Second)
		w.reply(425, "Failed to establish connection.")
	}
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
}

// syns sends n SYNs from from to to with a stack's back-off, each
// answered as answer says: "rst", "drop", "synack" (then the sender's
// RST, as a SYN scan does) or "connect" (a connect scan: the handshake,
// then the sender's RST).
func (w *strangerWire) syns(from, to netip.AddrPort, n int, answer string) {
	backoff := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second}
	for i := range n {
		w.wait(backoff[i])
		w.segAck(from, to, decode.FlagSYN, 777, 0)
		switch answer {
		case "rst":
			w.segAck(to, from, decode.FlagRST|decode.FlagACK, 0, 778)
		case "synack":
			w.segAck(to, from, decode.FlagSYN|decode.FlagACK, 9000, 778)
			w.segAck(from, to, decode.FlagRST, 778, 0)
		case "connect":
			w.segAck(to, from, decode.FlagSYN|decode.FlagACK, 9000, 778)
			w.segAck(from, to, decode.FlagACK, 778, 9001)
			w.segAck(from, to, decode.FlagRST|decode.FlagACK, 778, 9001)
		}
	}
}

// transfer is a data connection from from to to that carries a listing.
func (w *strangerWire) transfer(from, to netip.AddrPort) {
	w.helloConn(from, to, nil, []byte("-rw-r--r-- 1 0 0 5 Jan 01 00:00 a\r\n"))
}

func (w *strangerWire) finish() []ServerSummary {
	w.trk.Finish()
	return w.d.Summaries()
}

func (w *strangerWire) all(code string) string {
	var b strings.Builder
	for _, f := range w.c.fs {
		if f.Code == code {
			b.WriteString(f.Severity.String() + " | " + f.Message + " | " + f.Evidence + " | " + f.Advice + "\n")
		}
	}
	return b.String()
}

// TestStrangerOnceNotTheDataPathFailure guards the passive data failure
// known only by one SYN from another address than the session's client,
// matched by the announced port alone, never sent again and refused or
// unanswered, with no SYN of the client's: a carrier-grade NAT client's
// data connection leaving from another address looks like that, and so
// does another host's scan that a firewall letting in only the client's
// own data connection (an FTP helper's expectation) rightly stopped while
// the client's own connection never came. Before, it was the session's
// data-refused or data-unanswered error, and the server's verdict told
// to open the passive range. The finding now names the other address and
// both readings, is a warning, and its advice and the verdict depend on
// whether the address is the client's; only what shows it to be (an
// earlier data connection of this client that got through from it) keeps
// the error. On a capture at a server behind a NAT, nat-mismatch said
// "the client's data connection arrived", and of a connect scan that
// carried nothing the verdict said the clients' data connections arrived
// as announced (a public server's: "not a firewall problem"). A CGNAT
// client's SYNs sent again, and the client's own SYN after a stranger's,
// stay as they were.
func TestStrangerOnceNotTheDataPathFailure(t *testing.T) {
	stranger, nat2 := ap("203.0.113.9:31367"), ap("198.51.100.8:40001")
	type check struct {
		code, sev string
		in, not   []string
	}
	for _, tc := range []struct {
		name    string
		srv     string
		pasv    string
		run     func(w *strangerWire)
		checks  []check
		verdict []string
		vnot    []string
	}{
		{"a stranger's one SYN refused, the client's never comes", "192.0.2.10:21", "192.0.2.10",
			func(w *strangerWire) {
				w.session("192.0.2.10", func(p netip.AddrPort) bool { w.syns(stranger, p, 1, "rst"); return false })
			},
			[]check{{CodeDataRefused, "warning",
				[]string{"came from 203.0.113.9, not from the session's client 198.51.100.7", "carrier-grade NAT", "scan of the port", "Find out first whether 203.0.113.9 is the client's", "If it is not the client's, open nothing", "If it is the client's, its data connection was stopped"},
				nil}},
			[]string{"203.0.113.9", "before opening anything", "see the data-refused warning"},
			[]string{"open that range", "refused with RST on port 40000;"}},
		{"a stranger's one SYN unanswered, the client's never comes", "192.0.2.10:21", "192.0.2.10",
			func(w *strangerWire) {
				w.session("192.0.2.10", func(p netip.AddrPort) bool { w.syns(stranger, p, 1, "drop"); return false })
			},
			[]check{{CodeDataUnanswered, "warning",
				[]string{"came from 203.0.113.9", "with no answer", "carrier-grade NAT", "scan of the port", "If it is not the client's, open nothing"},
				nil}},
			[]string{"203.0.113.9", "was dropped", "before opening anything"},
			[]string{"open that range", "dropped between client and server on port 40000"}},
		{"a CGNAT client's SYNs sent again from another address, refused", "192.0.2.10:21", "192.0.2.10",
			func(w *strangerWire) {
				w.session("192.0.2.10", func(p netip.AddrPort) bool { w.syns(nat2, p, 2, "rst"); return false })
			},
			[]check{{CodeDataRefused, "error", []string{"answered by RST"}, []string{"scan", "Find out first"}}},
			[]string{"refused with RST on port 40000"}, nil},
		{"a stranger's one SYN refused, then the client's own connects", "192.0.2.10:21", "192.0.2.10",
			func(w *strangerWire) {
				w.session("192.0.2.10", func(p netip.AddrPort) bool {
					w.syns(stranger, p, 1, "rst")
					w.wait(500 * time.Millisecond)
					w.transfer(ap("198.51.100.7:50101"), p)
					return true
				})
			},
			[]check{{CodeDataRefused, "", nil, nil}, {CodeDataUnanswered, "", nil, nil}},
			[]string{"the data connection worked"}, nil},
		{"one SYN refused from an address an earlier data connection of the client got through from", "192.0.2.10:21", "192.0.2.10",
			func(w *strangerWire) {
				w.session("192.0.2.10", func(p netip.AddrPort) bool { w.transfer(nat2, p); return true })
				w.wait(2 * time.Second)
				w.session("192.0.2.10", func(p netip.AddrPort) bool { w.syns(ap("198.51.100.8:40011"), p, 1, "rst"); return false })
			},
			[]check{{CodeDataRefused, "error", []string{"198.51.100.8 carried data connection #1 of session 1 of this client", "most likely the client's own data connection"}, []string{"Find out first"}}},
			[]string{"refused with RST on port 40001"}, nil},
		{"one SYN refused from an address whose earlier connection to the client's endpoint carried nothing", "192.0.2.10:21", "192.0.2.10",
			func(w *strangerWire) {
				w.session("192.0.2.10", func(p netip.AddrPort) bool { w.syns(stranger, p, 1, "connect"); return false })
				w.wait(2 * time.Second)
				w.session("192.0.2.10", func(p netip.AddrPort) bool { w.syns(ap("203.0.113.9:31999"), p, 1, "rst"); return false })
			},
			[]check{{CodeDataRefused, "warning", []string{"Find out first whether 203.0.113.9 is the client's"}, []string{"carried data connection"}}},
			[]string{"203.0.113.9", "before opening anything"}, []string{"open that range"}},
		{"server side, its own private address announced, a stranger's one SYN refused", "10.0.0.5:21", "10.0.0.5",
			func(w *strangerWire) {
				w.session("10.0.0.5", func(p netip.AddrPort) bool { w.syns(stranger, p, 1, "rst"); return false })
			},
			[]check{
				{CodeNATMismatch, "info", []string{"The only connection to that address and port came from 203.0.113.9, not from the client", "another host's scan", "203.0.113.9, not the client, connected"}, []string{"the client's data connection arrived", "The address is not why"}},
				{CodeDataRefused, "warning", []string{"came from 203.0.113.9", "see nat-mismatch"}, nil},
			},
			[]string{"203.0.113.9", "before opening anything"}, []string{"open that range"}},
		{"server side, its own private address announced, a stranger's connect scan", "10.0.0.5:21", "10.0.0.5",
			func(w *strangerWire) {
				w.session("10.0.0.5", func(p netip.AddrPort) bool { w.syns(stranger, p, 1, "connect"); return false })
			},
			[]check{{CodeNATMismatch, "info", []string{"came from 203.0.113.9, not from the client", "its handshake completed and it carried nothing"}, []string{"the client's data connection arrived"}}},
			[]string{"the only connection to passive port 40000 came from 203.0.113.9", "find out whether 203.0.113.9 is the client's"},
			[]string{"their data connections arrived as announced", "not a firewall problem"}},
		{"a stranger's connect scan, the client's never comes", "192.0.2.10:21", "192.0.2.10",
			func(w *strangerWire) {
				w.session("192.0.2.10", func(p netip.AddrPort) bool { w.syns(stranger, p, 1, "connect"); return false })
			},
			[]check{{CodeServerDataError, "warning", []string{"a connection from 203.0.113.9, another address than the client's"}, nil}},
			[]string{"the only connection to passive port 40000 came from 203.0.113.9", "find out whether 203.0.113.9 is the client's"},
			[]string{"not a firewall problem"}},
		{"server side, a CGNAT client's SYNs sent again to the private address, refused", "10.0.0.5:21", "10.0.0.5",
			func(w *strangerWire) {
				w.session("10.0.0.5", func(p netip.AddrPort) bool { w.syns(nat2, p, 2, "rst"); return false })
			},
			[]check{
				{CodeNATMismatch, "info", []string{"the client's data connection, from 198.51.100.8 (another address than its control connection's"}, nil},
				{CodeDataRefused, "error", nil, []string{"scan"}},
			},
			[]string{"refused with RST on port 40000"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStrangerWire(t, tc.srv)
			tc.run(w)
			sums := w.finish()
			for _, c := range tc.checks {
				got := w.all(c.code)
				if c.sev == "" {
					if got != "" {
						t.Errorf("%s: %s", c.code, got)
					}
					continue
				}
				if !strings.HasPrefix(got, c.sev+" | ") {
					dumpFindings(t, w.c)
					t.Errorf("%s: want one %s, got %q", c.code, c.sev, got)
					continue
				}
				for _, s := range c.in {
					if !strings.Contains(got, s) {
						t.Errorf("%s lacks %q: %s", c.code, s, got)
					}
				}
				for _, s := range c.not {
					if strings.Contains(got, s) {
						t.Errorf("%s has %q: %s", c.code, s, got)
					}
				}
			}
			if len(sums) != 1 {
				t.Fatalf("%d server summaries", len(sums))
			}
			v := sums[0].Verdict + " | " + strings.Join(sums[0].Rules, " | ")
			for _, s := range tc.verdict {
				if !strings.Contains(v, s) {
					t.Errorf("verdict lacks %q: %s", s, v)
				}
			}
			for _, s := range tc.vnot {
				if strings.Contains(v, s) {
					t.Errorf("verdict has %q: %s", s, v)
				}
			}
			if strings.Contains(strings.Join(tc.verdict, ""), "before opening anything") && len(sums[0].Rules) > 0 {
				t.Errorf("rules for another address's one SYN: %q", sums[0].Rules)
			}
		})
	}
}

// TestScanSYNShowsThePortForwarded guards what a scan's SYN that the
// tracker gave back (one SYN from another address, answered by the
// server's SYN-ACK, never completed: track.DataConn.Scanned) shows on a
// capture at a server behind a NAT: sent from a public address to the
// server's private one, it crossed the NAT in front, which forwards the
// port. Before, the announcement read "no SYN reached the capture point",
// an error that the firewall or DNAT in front does not pass the port,
// with rules to forward and open the range; and, with the server's
// private address announced, "a router or DNAT in front did not pass
// port 40000". Without a scan, the error stands.
func TestScanSYNShowsThePortForwarded(t *testing.T) {
	stranger := ap("203.0.113.9:31367")
	for _, tc := range []struct {
		name      string
		pasv      string
		scan      bool
		code, sev string
		in, not   []string
	}{
		{"public address announced, a scan's SYN answered", "192.0.2.10", true, CodeDataNotAttempted, "warning",
			[]string{"no SYN of the client's reached the capture point", "from 203.0.113.9:31367 to 10.0.0.5:40000", "crossed the NAT in front, which forwards port 40000", "Look on the client's side first", "packet"},
			[]string{"does not pass port 40000", "dnat", "DNAT"}},
		{"public address announced, nothing", "192.0.2.10", false, CodeDataNotAttempted, "error",
			[]string{"no SYN reached the capture point", "does not pass port 40000"}, nil},
		{"private address announced, a scan's SYN answered", "10.0.0.5", true, CodeDataNotAttempted, "warning",
			[]string{"No connection of the client's to 10.0.0.5:40000", "from 203.0.113.9:31367", "forwards port 40000 already"},
			[]string{"did not pass port 40000"}},
		{"private address announced, a scan's SYN answered: nat-mismatch", "10.0.0.5", true, CodeNATMismatch, "error",
			[]string{"203.0.113.9:31367", "would most likely have arrived the same way"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStrangerWire(t, "10.0.0.5:21")
			w.session(tc.pasv, func(p netip.AddrPort) bool {
				if tc.scan {
					w.syns(stranger, p, 1, "synack")
				}
				return false
			})
			w.finish()
			got := w.all(tc.code)
			if !strings.HasPrefix(got, tc.sev+" | ") {
				dumpFindings(t, w.c)
				t.Fatalf("%s: want one %s, got %q", tc.code, tc.sev, got)
			}
			for _, s := range tc.in {
				if !strings.Contains(got, s) {
					t.Errorf("%s lacks %q: %s", tc.code, s, got)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(got, s) {
					t.Errorf("%s has %q: %s", tc.code, s, got)
				}
			}
		})
	}
}

// TestDataSourcesBoundCounted: past maxSourceClients the client address
// first seen longest ago is forgotten, and counted (Omitted's
// data_source_clients_forgotten): its later single SYN from the same
// address is no longer shown to be the client's.
func TestDataSourcesBoundCounted(t *testing.T) {
	var ds dataSources
	from := netip.MustParseAddr("198.51.100.8")
	for i := range maxSourceClients + 3 {
		cli := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		ds.note(cli, dataSource{from: from, session: i + 1, data: 1})
	}
	if ds.forgotten != 3 || len(ds.m) != maxSourceClients {
		t.Fatalf("forgotten %d, kept %d; want 3, %d", ds.forgotten, len(ds.m), maxSourceClients)
	}
	if _, ok := ds.of(netip.AddrFrom4([4]byte{10, 0, 0, 0}), from); ok {
		t.Error("the first client is still known after the bound pushed it out")
	}
	d := New(policy.Policy{}, nil, nil)
	d.capture.sources = ds
	if got := d.Omitted().DataSourceClientsForgotten; got != 3 {
		t.Errorf("Omitted().DataSourceClientsForgotten %d, want 3", got)
	}
}

// TestStrangerUnansweredTooSoonNotHedged: one unanswered SYN from
// another address, the capture ending within TCP's first resend (1 s)
// after it, shows nothing about a retry: "never sent again" is no
// evidence of a scan, and the data path's failure stands as before.
func TestStrangerUnansweredTooSoonNotHedged(t *testing.T) {
	s := &track.Session{Client: netip.MustParseAddrPort("198.51.100.7:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21")}
	syn := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	dc := &track.DataConn{Client: netip.MustParseAddrPort("203.0.113.9:31000"), Server: netip.MustParseAddrPort("192.0.2.10:40000"), Passive: true,
		Announced: netip.MustParseAddrPort("192.0.2.10:40000"), Match: track.MatchPortOnly, SYNs: 1, FirstSYN: syn, Outcome: track.OutcomeUnanswered}
	for _, tc := range []struct {
		end  time.Duration
		want bool
	}{{550 * time.Millisecond, false}, {5 * time.Second, true}} {
		s.End, s.Watched = syn.Add(tc.end), syn.Add(tc.end)
		if !strangerData(s, dc) {
			t.Fatal("not taken for another address's connection: the test's shape is wrong")
		}
		if got := strangerOnce(s, dc); got != tc.want {
			t.Errorf("capture watched %v after the SYN: strangerOnce %v, want %v", tc.end, got, tc.want)
		}
	}
}
