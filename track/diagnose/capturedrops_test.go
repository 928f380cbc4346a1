package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestCaptureDropsHedgeAbsence guards the findings that rest on a packet
// missing from the capture against the capture point's own drops
// (CaptureDropped, live's kernel counters). A live capture whose ring
// overflowed (100,329 of 599,040 packets lost) gave an endpoint whose
// RETR, data connection and QUIT were all lost in the ring a warning
// data-not-attempted "the client never connected ... gave up", advice
// "the SYNs were dropped before this capture point", and the verdict
// "were never used"; SYNs whose SYN-ACK the ring lost read as an error
// data-unanswered with firewall rules. With a drop window at that time
// the finding must say the capture dropped packets then (count and time),
// be one step less grave, give no rule or setting, and the verdict must
// not count the endpoint as unused or blocked, nor give change lines. A
// window far from the finding changes nothing.
func TestCaptureDropsHedgeAbsence(t *testing.T) {
	dcli, dsrv := ap("10.0.0.2:50001"), ap("10.0.0.1:40000")
	for _, tc := range []struct {
		name    string
		syns    bool // the client's SYNs, unanswered; else no connection at all
		window  time.Duration
		code    string
		sev     Severity // with no window, or one far off
		hedged  Severity // with a window at that time
		badText []string // advised with no window, not with one
	}{
		{"endpoint never used", false, 0, CodeDataNotAttempted, SeverityWarning, SeverityInfo,
			[]string{"before this capture point"}},
		{"SYNs unanswered", true, 0, CodeDataUnanswered, SeverityError, SeverityWarning,
			[]string{"nft "}},
		{"endpoint never used, drops an hour later", false, time.Hour, CodeDataNotAttempted, SeverityWarning, SeverityWarning, nil},
	} {
		for _, drops := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: ", no drops", true: ", drops"}[drops], func(t *testing.T) {
				w := newWire(t, "10.0.0.2:50000", "10.0.0.1:21")
				wireLogin(w)
				if drops {
					at := w.now.Add(tc.window)
					w.d.CaptureDropped(DropWindow{From: at, To: at.Add(time.Second), Packets: 52251})
				}
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (10,0,0,1,156,64).")
				if tc.syns {
					w.cmd("RETR file")
					w.reply(150, "Opening BINARY mode data connection.")
					for range 3 {
						w.seg(dcli, dsrv, decode.FlagSYN, 7777, nil)
						w.wait(time.Second)
					}
					w.wait(10 * time.Second)
					w.reply(425, "Failed to establish connection.")
				} else {
					w.wait(20 * time.Second) // longer than a client whose SYNs are dropped waits
				}
				w.cmd("QUIT")
				w.reply(221, "Goodbye.")
				w.end()
				f := w.c.find(tc.code)
				if f == nil {
					dumpFindings(t, w.c)
					t.Fatalf("no %s finding", tc.code)
				}
				verdict := w.d.Summaries()[0].Verdict
				all := f.Message + " | " + f.Advice
				want := tc.sev
				if drops {
					want = tc.hedged
				}
				if f.Severity != want {
					t.Errorf("severity %s, want %s: %q", f.Severity, want, f.Message)
				}
				if !drops || tc.window != 0 {
					if strings.Contains(all, "dropped 52251") || strings.Contains(verdict, "dropped packets") {
						t.Errorf("hedged for drops far from it: %q; verdict %q", all, verdict)
					}
					for _, s := range tc.badText {
						if !strings.Contains(f.Advice, s) {
							t.Errorf("without drops, %q not advised (the test proves nothing): %q", s, f.Advice)
						}
					}
					return
				}
				if !strings.Contains(f.Message, "This capture point dropped 52251 packets at that time (between 03:04:05 and 03:04:06 UTC)") {
					t.Errorf("message does not hedge with the drops: %q", f.Message)
				}
				for _, s := range append(tc.badText, "pasv_min_port") {
					if strings.Contains(f.Advice, s) {
						t.Errorf("advises %q though the capture dropped packets then: %q", s, f.Advice)
					}
				}
				if !strings.Contains(f.Advice, "Capture again without drops") {
					t.Errorf("advice %q", f.Advice)
				}
				sum := w.d.Summaries()[0]
				if strings.Contains(verdict, "never used") || strings.Contains(verdict, "dropped between") || len(sum.Rules) > 0 {
					t.Errorf("verdict %q (rules %q) counts the endpoint as unused or blocked", verdict, sum.Rules)
				}
				if !strings.Contains(verdict, "this capture point dropped packets (52251 in all)") {
					t.Errorf("verdict %q does not say the capture dropped packets", verdict)
				}
			})
		}
	}
}

// TestCaptureDroppedWindowsBounded guards the windows CaptureDropped
// keeps: at most maxDropWindows whatever comes, windows within dropSlack
// one, and every time a drop was told for still inside a window kept,
// its packets counted.
func TestCaptureDroppedWindowsBounded(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	var total uint64
	for i := range 1000 {
		at := t0.Add(time.Duration(i*i) * time.Second)
		d.CaptureDropped(DropWindow{From: at, To: at.Add(time.Second), Packets: uint64(i + 1)})
		total += uint64(i + 1)
	}
	if len(d.drops.w) > maxDropWindows {
		t.Fatalf("%d windows kept", len(d.drops.w))
	}
	var sum uint64
	for _, w := range d.drops.w {
		sum += w.Packets
	}
	if sum != total || d.drops.total != total {
		t.Errorf("windows hold %d packets, total %d, want %d", sum, d.drops.total, total)
	}
	for _, i := range []int{0, 1, 500, 999} {
		at := t0.Add(time.Duration(i*i) * time.Second)
		if n, _, _ := d.drops.near(at, at); n == 0 {
			t.Errorf("the drop at %d² s is in no window kept", i)
		}
	}
	e := New(policy.Policy{}, nil, nil)
	e.CaptureDropped(DropWindow{From: t0, To: t0.Add(time.Second), Packets: 1})
	e.CaptureDropped(DropWindow{From: t0.Add(2 * time.Second), To: t0.Add(3 * time.Second), Packets: 2})
	if len(e.drops.w) != 1 || e.drops.w[0].Packets != 3 {
		t.Errorf("adjacent windows not joined: %v", e.drops.w)
	}
}

// TestCaptureDropsHedgeOnlyNearControlEvidence guards the span a finding
// with no data connection (control-idle-timeout, control-undelivered)
// rests on: its own time and the command it cites, not its whole
// session. Live, a drop burst after the login of a session hours long
// hedged (downgraded, its fix removed) the control-idle-timeout of a 226
// lost at the end, whose own packets were all captured. A window 10 s
// before the finding's evidence, or hours before in the same session,
// must not hedge; one at the time the missing packet was due must.
func TestCaptureDropsHedgeOnlyNearControlEvidence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		window time.Duration // from the 226 (the finding's time)
		hedged bool
	}{
		{"no drops", 0, false},
		{"drops at the login, hours before", -3 * time.Hour, false},
		{"drops 10 s before the evidence", -10 * time.Second, false},
		{"drops right after the 226", time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := idleAfterReply(3*time.Hour, 10)
			final := s.Commands[len(s.Commands)-1].Final()
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			if tc.window != 0 {
				at := final.TS.Add(tc.window)
				d.CaptureDropped(DropWindow{From: at, To: at.Add(time.Second), Packets: 4242})
			}
			d.SessionStart(s)
			for _, x := range s.Commands {
				d.Command(s, x)
			}
			for _, dc := range s.Data {
				dc.Done = true
				d.Data(s, dc)
			}
			d.SessionEnd(s)
			f := c.find(CodeControlIdle)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no control-idle-timeout finding")
			}
			if got := strings.Contains(f.Message, "This capture point dropped 4242 packets"); got != tc.hedged {
				t.Errorf("hedged %v, want %v: %q", got, tc.hedged, f.Message)
			}
			want := SeverityWarning
			if tc.hedged {
				want = SeverityInfo
			}
			if f.Severity != want {
				t.Errorf("severity %s, want %s", f.Severity, want)
			}
		})
	}
}
