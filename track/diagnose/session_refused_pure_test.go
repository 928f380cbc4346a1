package diagnose

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestSessionRefusedPureFTPdRangeCap guards session-refused's advice for
// Pure-FTPd's "421 N users (the maximum) are already logged in": Pure-FTPd
// lowers its client limit to half its passive range (ftpd.c main:
// maxusers = min(-c, (last-first+1)/2) when -p is set), so with
// "pure-ftpd -p 40000:40001" six parallel curls met "1 users (the
// maximum)" and raising -c did nothing; widening -p fixed it. The advice
// said only "raise -c". Now it names the range cap always, and the range
// as the cause when one known here (the configuration's, the firewall's
// --pasv-range, or the ports the server announced) is about 2N ports.
func TestSessionRefusedPureFTPdRangeCap(t *testing.T) {
	const full = "1 users (the maximum) are already logged in, sorry"
	pureCfg := func(lo, hi uint16) policy.Policy {
		return policy.Policy{Server: &policy.ServerConfig{Kind: policy.ServerPureFTPd, Path: "/etc/pure-ftpd.conf", PassiveEnabled: true,
			PassiveRange: policy.Ranges{{Lo: lo, Hi: hi}}}}
	}
	tests := []struct {
		name     string
		pol      policy.Policy
		text     string
		announce []uint16 // passive ports an earlier session of the same server used
		want     []string
		not      []string
	}{
		{"no range known", policy.Policy{}, full, nil,
			[]string{"Pure-FTPd -c", "half its passive range", "(last-first+1)/2", "a 2-port range allows 1", "raising -c changes nothing", "widen the passive range"},
			[]string{"The limit of 1 is half"}},
		{"the configuration's 2-port range", pureCfg(40000, 40001), full, nil,
			[]string{"The limit of 1 is half the passive range 40000-40001 (2 ports; from /etc/pure-ftpd.conf)", "raising -c changes nothing", "-p 40000:40199", "PassivePortRange 40000 40199"},
			nil},
		{"the firewall's 2-port range", policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40001}}}, full, nil,
			[]string{"The limit of 1 is half the passive range 40000-40001", "if the server's -p is the same", "raising -c changes nothing"},
			nil},
		{"a range of 21 ports caps at 10", pureCfg(50000, 50020), "10 users (the maximum) are already logged in, sorry", nil,
			[]string{"The limit of 10 is half the passive range 50000-50020 (21 ports"},
			nil},
		{"the configuration's wide range is not the cause", pureCfg(40000, 40100), full, nil,
			[]string{"the setting is Pure-FTPd -c", "would allow 50, so it is not what limits here"},
			[]string{"raising -c changes nothing"}},
		{"the ports announced span 2", policy.Policy{}, full, []uint16{40000, 40001},
			[]string{"The limit of 1 is half the span of the passive ports the server announced (40000-40001, 2 ports)", "if that is its whole passive range"},
			nil},
		{"the ports announced span far more", policy.Policy{}, full, []uint16{40000, 40090},
			[]string{"Pure-FTPd -c", "half its passive range"},
			[]string{"The limit of 1 is half"}},
		{"the per-address limit is -C alone", policy.Policy{}, "Too many connections (2) from this IP", nil,
			[]string{"Pure-FTPd -C"},
			[]string{"half its passive range"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("10.0.0.2:50000"), srv: ap("10.0.0.1:21"), now: t0}
			w.d = New(tc.pol, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			if len(tc.announce) > 0 {
				w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
				w.reply(220, "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------")
				w.cmd("USER anonymous")
				w.reply(230, "Anonymous user logged in")
				for i, p := range tc.announce {
					w.cmd("PASV")
					w.reply(227, "Entering Passive Mode (10,0,0,1,"+strconv.Itoa(int(p>>8))+","+strconv.Itoa(int(p&0xff))+")")
					w.cmd("LIST")
					w.reply(150, "Accepted data connection")
					cli := ap("10.0.0.2:" + strconv.Itoa(51000+i))
					srv := ap("10.0.0.1:" + strconv.Itoa(int(p)))
					w.helloConn(cli, srv, nil, []byte("x\r\n"))
					w.reply(226, "Transfer complete")
				}
				// A second client, refused while the first is still on.
				w.cli = ap("10.0.0.3:50000")
			}
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(421, tc.text)
			w.end()
			fs := w.c.all(CodeSessionRefused)
			if len(fs) != 1 {
				dumpFindings(t, w.c)
				t.Fatalf("%d session-refused findings, want 1", len(fs))
			}
			all := fs[0].Message + " | " + fs[0].Advice
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("no %q in:\n%s", s, all)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(all, s) {
					t.Errorf("%q in:\n%s", s, all)
				}
			}
		})
	}
}
