package diagnose

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// pasvHeld is one session per port of a server greeting as greeting:
// each announces its port gap ms after the one before and never
// connects (the client holds it, as a session waiting on its transfer
// does), then a last session announces last, whose SYNs go unanswered.
func pasvHeld(greeting string, ports []uint16, gap int, last uint16) []*track.Session {
	var out []*track.Session
	num := uint64(10)
	for i, p := range append(append([]uint16(nil), ports...), last) {
		s := greeted(sess("10.0.0.2:"+strconv.Itoa(33000+i), "10.0.0.1:21"), greeting)
		s.ID = i + 1
		ann := "10.0.0.1:" + strconv.Itoa(int(p))
		dc := announce(s, num, "PASV", ftp.ViaPASV, ann, 227, "Entering Passive Mode.")
		if p == last {
			syn(dc, "10.0.0.2:40004", ann, num+2, 5, 4*time.Second)
			dc.Outcome = track.OutcomeUnanswered
		} else {
			dc.Outcome = track.OutcomeNotAttempted
		}
		out = append(out, s)
		num += uint64(gap)
	}
	return out
}

// TestKnownSmallRangeExhausted guards passive-range-exhausted for a range
// that is given (--server-config, or --pasv-range without it) and has two
// or three ports: every port of it announced within TIME_WAIT and then a
// port far outside it is the range used up (ProFTPD: "unable to find open
// port in PassivePorts range 50000-50001: defaulting to INPORT_ANY"), not
// a server running another configuration. A range only inferred from
// announcements still needs minCycled ports; an announcement near the
// range outside it (a wider range, a sequential allocator), a one-port
// range, or ports announced longer than TIME_WAIT before are no
// exhaustion.
func TestKnownSmallRangeExhausted(t *testing.T) {
	proftpd := func(lo, hi uint16) policy.Policy {
		return policy.Policy{Server: &policy.ServerConfig{Path: "proftpd.conf", Kind: policy.ServerProFTPD, PassiveEnabled: true, PassiveRange: policy.Ranges{{Lo: lo, Hi: hi}}}}
	}
	const greet = "ProFTPD Server (rn) [10.0.0.1]"
	for _, tc := range []struct {
		name  string
		p     policy.Policy
		ports []uint16
		gap   int // ms between announcements
		last  uint16
		want  bool
		note  string // the exhaustion's message says this (want only)
	}{
		{"configured 2 ports, both held", proftpd(50000, 50001), []uint16{50000, 50001}, 20, 43417, true, "ports 50000-50001"},
		{"configured 3 ports, all held", proftpd(50000, 50002), []uint16{50002, 50000, 50001}, 20, 43417, true, "ports 50000-50002"},
		{"configured 2 ports, one held", proftpd(50000, 50001), []uint16{50000}, 20, 43417, false, ""},
		{"--pasv-range 2 ports, both held", rangePolicy(t, "50000-50001"), []uint16{50000, 50001}, 20, 43417, true, "the firewall's (--pasv-range), is inferred from the announcements"},
		{"--pasv-range 3 ports, all held", rangePolicy(t, "50000-50002"), []uint16{50000, 50001, 50002}, 20, 43417, true, "the firewall's (--pasv-range), is inferred from the announcements"},
		{"--pasv-range, the next port of a wider range", rangePolicy(t, "50000-50001"), []uint16{50000, 50001}, 20, 50002, false, ""},
		{"--pasv-range, a wider range announced before", rangePolicy(t, "50000-50001"), []uint16{50000, 50040, 50001}, 20, 43417, false, ""},
		{"configured, a wider range announced before", proftpd(50000, 50001), []uint16{50000, 50040, 50001}, 20, 43417, false, ""},
		{"--pasv-range of one port", rangePolicy(t, "50000"), []uint16{50000}, 20, 43417, false, ""},
		{"configured 2 ports, held longer than TIME_WAIT before", proftpd(50000, 50001), []uint16{50000, 50001}, 61000, 43417, false, ""},
		{"no range given, 2 ports are no cycled block", policy.Policy{}, []uint16{50000, 50001}, 20, 43417, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(tc.p, pasvHeld(greet, tc.ports, tc.gap, tc.last)...)
			f := c.find(CodeRangeExhausted)
			if (f != nil) != tc.want {
				t.Fatalf("passive-range-exhausted: %v, want %v (%v)", f != nil, tc.want, f)
			}
			if f == nil {
				return
			}
			if !strings.Contains(f.Message, tc.note) {
				t.Errorf("message lacks %q: %s", tc.note, f.Message)
			}
			for _, o := range c.fs {
				if o.Code == CodePortOutsideRange && strings.Contains(o.Message, "does not run that configuration") {
					t.Errorf("an exhausted range blamed on the configuration: %s", o.Message)
				}
			}
		})
	}
}

// TestPortWindowRecountsOnAnotherRange guards the window's counts when a
// server's sessions get different ranges (a greeting that names another
// family than the configuration's gets none of it): the counts are the
// window's ports against the range now given, never a mix.
func TestPortWindowRecountsOnAnotherRange(t *testing.T) {
	a := policy.Ranges{{Lo: 50000, Hi: 50001}}
	b := policy.Ranges{{Lo: 40000, Hi: 40003}}
	var w portWindow
	for i, p := range []uint16{50000, 50030, 40001, 50001, 40002} {
		rs := a
		if i%2 == 1 {
			rs = b
		}
		w.setRanges(rs)
		w.push(portUse{ts: at(i), port: p})
	}
	for _, tc := range []struct {
		rs            policy.Ranges
		inRange, near int
	}{{a, 2, 1}, {b, 2, 0}, {nil, 0, 0}} {
		w.setRanges(tc.rs)
		if w.inRange != tc.inRange || w.near != tc.near {
			t.Errorf("against %v: inRange %d near %d, want %d and %d", tc.rs, w.inRange, w.near, tc.inRange, tc.near)
		}
	}
	w.expire(at(2).Add(timeWait))
	w.setRanges(a)
	if w.inRange != 1 || w.near != 0 {
		t.Errorf("after expiry: inRange %d near %d, want 1 and 0", w.inRange, w.near)
	}
}
