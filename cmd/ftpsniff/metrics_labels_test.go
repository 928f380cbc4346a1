package main

import (
	"bufio"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// labelsLab drives a metricsOutput with sessions of given servers on a
// clock of its own.
type labelsLab struct {
	t        *testing.T
	m        *metrics
	o        *metricsOutput
	clock    time.Time
	sessions int
	port     uint16
}

func newLabelsLab(t *testing.T, n int) *labelsLab {
	m := newMetrics(n)
	lab := &labelsLab{t: t, m: m, clock: time.Unix(1e9, 0),
		o: &metricsOutput{out: newJSONOutput(bufio.NewWriter(io.Discard), false), m: m}}
	m.servers.now = func() time.Time { return lab.clock }
	return lab
}

// session runs one session: a greeting only (a scan), or a login and a
// data connection moving bytes (none for a light server: an empty
// listing).
func (lab *labelsLab) session(server netip.Addr, used bool, bytes int64) {
	lab.sessions++
	lab.port++
	s := &track.Session{ID: lab.sessions, Client: netip.AddrPortFrom(netip.MustParseAddr("198.51.100.7"), 1024+lab.port),
		Server: netip.AddrPortFrom(server, 21), EndReason: track.EndRST}
	lab.o.SessionStart(s)
	if used {
		s.EndReason = track.EndFIN
		lab.o.Command(s, &track.Command{Index: 1, Verb: "PASS", Status: track.StatusAnswered, Replies: []track.Reply{{Code: 230}}})
		d := &track.DataConn{ID: lab.sessions, Session: s, Passive: true, Done: true, Outcome: track.OutcomeTransferred}
		d.Bytes[1] = bytes
		lab.o.Data(s, d)
	}
	lab.o.SessionEnd(s)
	lab.clock = lab.clock.Add(100 * time.Millisecond)
}

// series returns every ftpsniff_ series with a server label, and the sum
// of sessions_started_total over them.
func (lab *labelsLab) series() (map[string]float64, float64, map[string]bool) {
	all := gathered(lab.t, lab.m.reg)
	out, servers := map[string]float64{}, map[string]bool{}
	started := 0.0
	for k, v := range all {
		if !strings.Contains(k, `server="`) {
			continue
		}
		out[k] = v
		_, rest, _ := strings.Cut(k, `server="`)
		srv, _, _ := strings.Cut(rest, `"`)
		servers[srv] = true
		if strings.HasPrefix(k, "ftpsniff_sessions_started_total{") {
			started += v
		}
	}
	return out, started, servers
}

// TestServerLabelsScanShape: the reviewer's scan (SYN, 220, RST from
// 8,000 addresses, /tmp/rev14/integ/scan2.py) after 9 light servers in real use. The scan takes no
// label from them; no series vanishes or goes back; the sum over the
// series is the total; a heavy newcomer later retires a light server
// without deleting its series; the label values stay bounded.
func TestServerLabelsScanShape(t *testing.T) {
	const n = 10
	lab := newLabelsLab(t, n)
	var real []netip.Addr
	for i := 1; i <= 9; i++ {
		a := netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})
		real = append(real, a)
		lab.session(a, true, 0)
	}
	before, _, _ := lab.series()
	for i := 0; i < 8000; i++ {
		lab.session(netip.AddrFrom4([4]byte{172, 16, byte(i / 250), byte(i%250 + 1)}), false, 0)
	}
	lab.clock = lab.clock.Add(time.Minute) // a quiet period, then the servers again
	for _, a := range real {
		lab.session(a, true, 0)
	}
	after, started, servers := lab.series()
	for k, v := range before {
		if w, ok := after[k]; !ok || w < v {
			t.Errorf("%s went from %v to %v (present %v)", k, v, w, ok)
		}
	}
	for _, a := range real {
		if got := lab.m.servers.label(a, 0); got != a.String() {
			t.Errorf("%s lost its label to the scan: %q", a, got)
		}
		if v := after[`ftpsniff_sessions_started_total{server="`+a.String()+`"}`]; v != 2 {
			t.Errorf("%s: %v sessions started under its label, want 2", a, v)
		}
	}
	if started != float64(lab.sessions) {
		t.Errorf("sum of sessions_started_total %v, %d sessions", started, lab.sessions)
	}
	if len(servers) > n+1 {
		t.Errorf("%d server label values after the scan: %v", len(servers), servers)
	}

	// Heavy newcomers, more than n of them: they retire light servers
	// (whose series stay as they were), at most n at a time.
	for i := 0; i < 3*n; i++ {
		lab.clock = lab.clock.Add(rebalanceEvery)
		heavy := netip.AddrFrom4([4]byte{10, 1, 0, byte(i)})
		for j := 0; j < 5; j++ {
			lab.session(heavy, true, 1<<20)
		}
	}
	lab.clock = lab.clock.Add(rebalanceEvery)
	for _, a := range real {
		lab.session(a, true, 0)
	}
	final, started, servers := lab.series()
	for k, v := range after {
		if w, ok := final[k]; !ok || w < v {
			t.Errorf("after the newcomers %s went from %v to %v (present %v)", k, v, w, ok)
		}
	}
	if started != float64(lab.sessions) {
		t.Errorf("after the newcomers: sum of sessions_started_total %v, %d sessions", started, lab.sessions)
	}
	if len(servers) > 2*n+1 {
		t.Errorf("%d server label values, want at most %d: %v", len(servers), 2*n+1, servers)
	}
	retired := 0
	for srv := range servers {
		if a, err := netip.ParseAddr(srv); err == nil && lab.m.servers.label(a, 0) != srv {
			retired++ // its series stay, its events count as other
		}
	}
	if retired == 0 || retired > n {
		t.Errorf("%d labels retired, want 1 to %d", retired, n)
	}
}
