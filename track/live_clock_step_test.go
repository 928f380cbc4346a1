package track_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// stepSink keeps the sessions that ended, the data connections and the
// findings.
type stepSink struct {
	endedSink
	data []*track.DataConn
}

func (s *stepSink) Data(_ *track.Session, d *track.DataConn) { s.data = append(s.data, d) }

// steadyHost is a live capture host's clocks, driven by values: its wall
// clock, which stamps the packets and ticks (wire.now), is the steady
// clock plus the steps it was set by.
type steadyHost struct {
	w     *wire
	t0    time.Time
	steps time.Duration
}

func (h *steadyHost) read() (time.Time, time.Duration) {
	return h.w.now, h.w.now.Sub(h.t0) - h.steps
}

// liveStepScene plays, through decode (with the steady clock), track and
// the diagnosis, a login, PASV, its 227 and RETR; then how, around which
// the host's wall clock may be set forward by step (NTP, date -s) or
// time pass; then the data connection to the announced port, 150, the
// data, 226, QUIT.
func liveStepScene(t *testing.T, how func(h *steadyHost, srv netip.AddrPort)) (*stepSink, *decode.Decoder) {
	t.Helper()
	sink := &stepSink{}
	trk := track.New(diagnose.New(policy.Policy{}, sink, sink), track.Options{})
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w := &wire{now: t0, buf: make([]byte, 0, 2048)}
	h := &steadyHost{w: w, t0: t0}
	w.d = decode.New(trk, decode.Options{SteadyClock: h.read})
	srv := netip.MustParseAddrPort("10.79.0.1:21")
	c := w.open(netip.MustParseAddrPort("10.80.0.2:50000"), srv)
	c.server("220 hi\r\n")
	c.client("USER bob\r\n")
	c.server("331 pw\r\n")
	c.client("PASS x\r\n")
	c.server("230 ok\r\n")
	c.client("PASV\r\n")
	c.server("227 Entering Passive Mode (10,79,0,1,156,65)\r\n")
	c.client("RETR f\r\n")
	w.d.Tick(w.now.Add(200 * time.Millisecond))
	how(h, srv)
	d := w.open(netip.MustParseAddrPort("10.80.0.2:50002"), netip.MustParseAddrPort("10.79.0.1:40001"))
	c.server("150 go\r\n")
	d.w.send(d.srv, d.cli, d.sseq, d.cseq, ack|psh, string(make([]byte, 1000)))
	d.sseq += 1000
	d.close()
	c.server("226 done\r\n")
	c.client("QUIT\r\n")
	c.server("221 bye\r\n")
	c.close()
	w.d.Finish()
	return sink, w.d
}

// TestLiveClockStepNotTimePassing: in live, the host's wall clock set
// forward (minutes or hours) while an announcement waits for its SYN is
// no time passing, as the steady clock shows: the data connection that
// came moments later is the announcement's, transferred; the session is
// not closed as idle and split; no data-not-attempted with a router or
// DNAT rule (rv-weeks jump7200-busy.pcap); the session says it lived
// through the step and how long it really lasted. The step shows first
// in an idle tick, in another client's SYN, or after a packet stamped
// before it that was still in the ring.
func TestLiveClockStepNotTimePassing(t *testing.T) {
	other := netip.MustParseAddrPort("10.80.0.9:51000")
	for _, step := range []time.Duration{10 * time.Minute, 2 * time.Hour} {
		for _, tc := range []struct {
			name string
			how  func(h *steadyHost, srv netip.AddrPort)
		}{
			{"tick", func(h *steadyHost, _ netip.AddrPort) {
				h.steps += step
				h.w.now = h.w.now.Add(step + 300*time.Millisecond)
				h.w.d.Tick(h.w.now)
			}},
			{"another's SYN", func(h *steadyHost, srv netip.AddrPort) {
				h.steps += step
				h.w.now = h.w.now.Add(step + 300*time.Millisecond)
				h.w.send(other, srv, 777, 0, syn, "")
			}},
			{"ring", func(h *steadyHost, srv netip.AddrPort) {
				h.steps += step // read after the step, stamped before it
				h.w.send(other, srv, 777, 0, syn, "")
				h.w.d.Tick(h.w.now) // nothing to read
				h.w.now = h.w.now.Add(step + 300*time.Millisecond)
			}},
		} {
			t.Run(step.String()+"/"+tc.name, func(t *testing.T) {
				sink, dec := liveStepScene(t, tc.how)
				if n := dec.Stats().ClockSetLive; n != 1 {
					t.Errorf("decode Stats.ClockSetLive = %d, want 1", n)
				}
				var ftp *track.Session
				for _, s := range sink.ended {
					if s.Client.Port() == 50000 {
						if ftp != nil {
							t.Fatalf("the session split: ended %s, then again %s", ftp.EndReason, s.EndReason)
						}
						ftp = s
					}
				}
				if ftp == nil || ftp.EndReason != track.EndFIN {
					t.Fatalf("session %+v; want one, ended by FIN", ftp)
				}
				if len(sink.data) != 1 || sink.data[0].Outcome != track.OutcomeTransferred || sink.data[0].Bytes[0]+sink.data[0].Bytes[1] != 1000 {
					for _, d := range sink.data {
						t.Logf("data %s bytes %d", d.Outcome, d.Bytes)
					}
					t.Fatalf("%d data connections; want the one announced, 1000 bytes transferred", len(sink.data))
				}
				for _, f := range sink.findings {
					if f.Severity >= diagnose.SeverityWarning {
						t.Errorf("finding %s (%s): %s", f.Code, f.Severity, f.Message)
					}
				}
				cs := ftp.ClockSteps
				if cs == nil || cs.Set != 1 || cs.SetBy > step || cs.SetBy < step-time.Second {
					t.Fatalf("session ClockSteps %+v; want one forward step set of %s", cs, step)
				}
				if lasted := ftp.End.Sub(ftp.Start) - cs.SetBy; lasted > 5*time.Second {
					t.Errorf("session lasted %s less the step; want under 5s", lasted)
				}
			})
		}
	}
}

// TestLiveSilenceStillTimePassing: hours of real silence in live, which
// the steady clock counts as the wall clock does, are time passing: the
// announcement expires and the control connection is closed as idle, as
// before.
func TestLiveSilenceStillTimePassing(t *testing.T) {
	sink, dec := liveStepScene(t, func(h *steadyHost, _ netip.AddrPort) {
		end := h.w.now.Add(2 * time.Hour)
		for h.w.now.Before(end) {
			h.w.now = h.w.now.Add(200 * time.Millisecond * 300) // a tick a minute
			h.w.d.Tick(h.w.now)
		}
	})
	if n := dec.Stats().ClockSetLive; n != 0 {
		t.Errorf("decode Stats.ClockSetLive = %d, want 0", n)
	}
	if len(sink.ended) == 0 || sink.ended[0].EndReason != track.EndIdle || sink.ended[0].ClockSteps != nil {
		t.Fatalf("first session ended %+v; want closed as idle, no clock step", sink.ended)
	}
}
