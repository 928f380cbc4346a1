package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// spreadWire is portWire with one session per target, all from the
// client address cli (source ports 51000 up) to srv, one after another on
// one tracker and diagnoser: a bounce scan spread one PORT per session.
func spreadWire(t *testing.T, cli, srv string, targets []portTarget) *collect {
	t.Helper()
	w := newWire(t, fmt.Sprintf("%s:51000", cli), srv)
	srv20 := netip.AddrPortFrom(w.srv.Addr(), 20)
	for i, tg := range targets {
		if i > 0 {
			w.cli = ap(fmt.Sprintf("%s:%d", cli, 51000+i))
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
		}
		w.reply(220, vsftpdGreeting)
		w.cmd("USER anonymous")
		w.reply(331, "Please specify the password.")
		w.cmd("PASS guest@")
		w.reply(230, "Login successful.")
		a := ap(tg.addr)
		b := a.Addr().As4()
		w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true,
			Command:  ftp.Command{Verb: "PORT", Arg: fmt.Sprintf("%d,%d,%d,%d,%d,%d", b[0], b[1], b[2], b[3], a.Port()>>8, a.Port()&0xff)},
			Endpoint: decode.Endpoint{Via: ftp.ViaPORT, Addr: a}})
		w.reply(200, "PORT command successful. Consider using PASV.")
		w.cmd("LIST")
		isn := uint32(1000 + 10000*i)
		switch tg.answer {
		case answerRST:
			w.seg(srv20, a, decode.FlagSYN, isn, nil)
			w.next()
			w.trk.Segment(&decode.Segment{Num: w.num, TS: w.now, Src: a, Dst: srv20, Flags: decode.FlagRST | decode.FlagACK, Ack: isn + 1})
			w.reply(425, "Failed to establish connection.")
		case answerNone:
			for range 3 {
				w.seg(srv20, a, decode.FlagSYN, isn, nil)
			}
			w.reply(425, "Failed to establish connection.")
		case answerSYNACK:
			w.seg(srv20, a, decode.FlagSYN, isn, nil)
			w.seg(a, srv20, decode.FlagSYN|decode.FlagACK, 5000, nil)
			w.seg(srv20, a, decode.FlagACK, isn+1, nil)
			w.reply(150, "Here comes the directory listing.")
			w.seg(srv20, a, decode.FlagFIN|decode.FlagACK, isn+1, nil)
			w.seg(a, srv20, decode.FlagFIN|decode.FlagACK, 5001, nil)
			w.reply(226, "Directory send OK.")
		default:
			t.Fatalf("unknown answer %q", tg.answer)
		}
		w.cmd("QUIT")
		w.reply(221, "Goodbye.")
		w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	}
	w.trk.Finish()
	return w.c
}

// TestBounceSpreadOverSessions guards the evidence one client's sessions
// give each other: a bounce scan spread one PORT per session over an
// internal host is told as a scan once the client's sessions named
// bounceScanPorts ports of it, and a session whose PORT this session alone
// cannot tell from the client's own address behind a NAT (an ordinary
// port, no answer) is a bounce once an earlier session of the client
// proved that host another: no nat-mismatch "cannot arrive", no helper
// rules, no active-blocked. A client behind a NAT that names its own
// address in every session stays nat-mismatch.
func TestBounceSpreadOverSessions(t *testing.T) {
	ports := []uint16{22, 23, 25, 80, 443, 3306, 5432, 6379, 8080, 9200}
	var allRST []portTarget
	for _, p := range ports {
		allRST = append(allRST, portTarget{fmt.Sprintf("10.9.5.5:%d", p), answerRST})
	}
	for _, tc := range []struct {
		name    string
		targets []portTarget
		bounces int // ftp-bounce findings
		spread  int // of them, told as a scan spread over sessions
		nat     int // nat-mismatch findings
	}{
		{"ten sessions, one service port each, all RST", allRST, 10, 8, 0},
		{"one session proves the host, later ones name ordinary ports unanswered",
			[]portTarget{{"10.9.5.5:22", answerSYNACK}, {"10.9.5.5:50001", answerNone}, {"10.9.5.5:50002", answerNone}, {"10.9.5.5:50003", answerNone}}, 4, 2, 0},
		{"a client behind a NAT names its own address in every session",
			[]portTarget{{"192.168.1.5:50001", answerNone}, {"192.168.1.5:50002", answerNone}, {"192.168.1.5:50003", answerNone}}, 0, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := spreadWire(t, "198.51.100.7", "10.9.1.10:21", tc.targets)
			codes := codesOf(c)
			spread := 0
			for _, f := range c.fs {
				if f.Code == CodeFTPBounce && strings.Contains(f.Message, "spread over this client's sessions") {
					spread++
					if f.Severity != SeverityError {
						t.Errorf("spread scan %s, want error (the server connected out): %s", f.Severity, f.Message)
					}
				}
				if tc.nat == 0 && (strings.Contains(f.Message, "cannot arrive") || strings.Contains(f.Advice, "NAT router in front of the client")) {
					t.Errorf("%s %s: %s | %s", f.Severity, f.Code, f.Message, f.Advice)
				}
			}
			if codes[CodeFTPBounce] != tc.bounces || spread != tc.spread || codes[CodeNATMismatch] != tc.nat {
				dumpFindings(t, c)
				t.Errorf("ftp-bounce %d (%d spread), nat-mismatch %d; want %d (%d), %d",
					codes[CodeFTPBounce], spread, codes[CodeNATMismatch], tc.bounces, tc.spread, tc.nat)
			}
			if tc.nat == 0 && (codes[CodeActiveBlocked] != 0 || codes[CodeServerDataError] != 0) {
				t.Errorf("active-blocked %d, server-data-error %d; want 0: the bounce accounts for them", codes[CodeActiveBlocked], codes[CodeServerDataError])
			}
		})
	}
}

// TestBounceClientsBoundCounted guards the bound of the clients whose
// PORTs are followed across sessions: past maxBounceClients, a new
// client is not kept, and each one is counted where the diagnosis
// reports what its bounds left out (Omitted), not dropped in silence.
func TestBounceClientsBoundCounted(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	target := netip.MustParseAddrPort("10.9.5.5:22")
	for i := range maxBounceClients + 3 {
		cli := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		s := &track.Session{ID: i + 1, Client: netip.AddrPortFrom(cli, 50000), Server: netip.MustParseAddrPort("10.9.1.10:21")}
		d.bounces.note(s, target, bounceProof{reason: "names port 22 of 10.9.5.5", namesPort: true})
	}
	if n := len(d.bounces.m); n != maxBounceClients {
		t.Errorf("%d clients kept, bound %d", n, maxBounceClients)
	}
	if got := d.Omitted().BounceClientsNotFollowed; got != 3 {
		t.Errorf("Omitted().BounceClientsNotFollowed = %d, want 3", got)
	}
}
