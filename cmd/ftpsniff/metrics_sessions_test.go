package main

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestMetricsCountIdleResumedSessionOnce: a control connection closed as
// idle and picked up again is one session in the metrics as in the JSON
// summary (docs/monitoring.md: the sum over the series is the summary's
// count): one start, one end (the idle close), one login. Before, the
// continuation was a second start and a second end.
func TestMetricsCountIdleResumedSessionOnce(t *testing.T) {
	opts := &analysisOptions{Color: "never", MaxLine: 4096, FailOn: "never"}
	opts.JSON = true
	if err := opts.validate(); err != nil {
		t.Fatal(err)
	}
	m := newMetrics(10)
	var buf bytes.Buffer
	p := newPipelineWith(opts, &metricsOutput{out: newOutput(opts, &buf), m: m}, track.Options{})
	if err := readFile(idleResumedCapture(t), p.dec, &p.files); err != nil {
		t.Fatal(err)
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"resumed_from":1`) || !strings.Contains(buf.String(), `{"type":"summary","sessions":1,`) {
		t.Fatalf("the capture is not one session resumed after an idle close:\n%s", buf.String())
	}
	sums := map[string]float64{}
	for k, v := range gathered(t, m.reg) {
		name, labels, _ := strings.Cut(k, "{")
		switch name {
		case "ftpsniff_sessions_started_total", "ftpsniff_sessions_ended_total":
			sums[name] += v
		case "ftpsniff_logins_total":
			if strings.Contains(labels, `result="ok"`) {
				sums[name] += v
			}
		}
	}
	for name, want := range map[string]float64{
		"ftpsniff_sessions_started_total": 1,
		"ftpsniff_sessions_ended_total":   1,
		"ftpsniff_logins_total":           1,
	} {
		if sums[name] != want {
			t.Errorf("sum of %s = %v, want %v (the JSON summary's 1 session)", name, sums[name], want)
		}
	}
	if v := counterValue(m.sessionsEnded.WithLabelValues("192.0.2.10", "idle")); v != 1 {
		t.Errorf("sessions ended idle = %v, want 1", v)
	}
}

// TestMetricsLoginCountedOncePerSession: logins_total{result="ok"} counts
// a session's login once, however many 230s it draws (a USER answered
// 230, then the PASS the client sends anyway answered 230 again); each
// refused attempt counts under failed.
func TestMetricsLoginCountedOncePerSession(t *testing.T) {
	m := newMetrics(10)
	o := &metricsOutput{out: newJSONOutput(bufio.NewWriter(io.Discard), false), m: m}
	server := netip.MustParseAddr("192.0.2.10")
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("198.51.100.7:40000"), Server: netip.AddrPortFrom(server, 21), EndReason: track.EndFIN}
	answered := func(i int, verb string, code int) *track.Command {
		return &track.Command{Index: i, Verb: verb, Status: track.StatusAnswered, Replies: []track.Reply{{Code: code}}}
	}
	o.SessionStart(s)
	o.Command(s, answered(1, "USER", 331))
	o.Command(s, answered(2, "PASS", 530))
	o.Command(s, answered(3, "USER", 230))
	s.Login = track.LoginOK
	o.Command(s, answered(4, "PASS", 230))
	o.SessionEnd(s)
	if got := counterValue(m.logins.WithLabelValues(server.String(), "ok")); got != 1 {
		t.Errorf("logins ok = %v, want 1 (one session logged in)", got)
	}
	if got := counterValue(m.logins.WithLabelValues(server.String(), "failed")); got != 1 {
		t.Errorf("logins failed = %v, want 1 (the PASS refused)", got)
	}
	if len(o.loggedIn) != 0 {
		t.Errorf("%d sessions left in loggedIn after their end", len(o.loggedIn))
	}
}
