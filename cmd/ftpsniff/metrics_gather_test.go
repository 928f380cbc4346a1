package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// TestCaptureSeriesWithNonUTF8InterfaceName guards the capture's health
// series when an interface's name is not UTF-8 (Linux allows
// `live -i $'r\xffx'`): client_golang refuses such a label value, and
// MustNewConstMetric's panic ended the collector, so the scrape went on
// without every series after it (packets, drops, open sessions, the
// output's losses) and the drop and capture-silent alerts went quiet. The
// label now reads as the capture record's "name" (U+FFFD for each byte
// that is not UTF-8), which has the bytes in "name_raw"; the text line
// escapes them.
func TestCaptureSeriesWithNonUTF8InterfaceName(t *testing.T) {
	const name = "r\xff\xfex"
	ks := []capture.IfaceStats{{Name: name, Received: 10, Drops: 2, QueueFreezes: 1}, {Name: "eth0", Received: 5}}
	c := newSnapshotCollector(false)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	c.update(snapshot{Kernel: ks, Packets: 7, OpenSessions: 1, OutputLost: 3, LastPacket: time.Unix(1700000000, 0)})
	got := gathered(t, reg) // fails the test on a gathering error

	var rec struct {
		Interfaces []struct {
			Name    string `json:"name"`
			NameRaw []byte `json:"name_raw"`
		} `json:"interfaces"`
	}
	var j, txt bytes.Buffer
	if err := writeCaptureSummary(&j, true, "", nil, ks, 7, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j.Bytes(), &rec); err != nil || len(rec.Interfaces) != 2 {
		t.Fatalf("capture record %s: %v", j.String(), err)
	}
	first := rec.Interfaces[0]
	if string(first.NameRaw) != name || first.Name != "r\ufffd\ufffdx" || rec.Interfaces[1].NameRaw != nil {
		t.Errorf("capture record: name %q, name_raw %q, then %+v; want the bytes in name_raw", first.Name, first.NameRaw, rec.Interfaces[1])
	}
	label := `{interface="` + first.Name + `"}` // as the JSON record names it
	for series, want := range map[string]float64{
		"ftpsniff_capture_received_packets_total" + label:           10,
		"ftpsniff_capture_dropped_packets_total" + label:            2,
		"ftpsniff_capture_queue_freezes_total" + label:              1,
		`ftpsniff_capture_received_packets_total{interface="eth0"}`: 5,
		"ftpsniff_packets_total":                                    7,
		"ftpsniff_sessions_open":                                    1,
		"ftpsniff_output_records_lost_total":                        3,
		"ftpsniff_capture_last_packet_timestamp_seconds":            1700000000,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}

	if err := writeCaptureSummary(&txt, false, "", nil, ks, 7, time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), `r\xff\xfex 10/2`) {
		t.Errorf("capture line %q: want the name escaped", txt.String())
	}
}

// failingCollector makes one series that cannot be made (a label value
// that is not UTF-8) between two good ones.
type failingCollector struct{ a, b *prometheus.Desc }

func (f failingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- f.a; ch <- f.b }

func (f failingCollector) Collect(ch chan<- prometheus.Metric) {
	sendConst(ch, f.a, prometheus.GaugeValue, 1, "good")
	sendConst(ch, f.a, prometheus.GaugeValue, 2, "bad\xff")
	sendConst(ch, f.b, prometheus.GaugeValue, 3)
}

// TestGatherErrorIsCountedAndSaid guards a scrape that leaves a series out:
// the series that could be made are served (a bad one no longer takes the
// rest of its collector with it), and the failure is counted
// (promhttp_metric_handler_errors_total{cause="gathering"}) and said on
// standard error, at most every gatherLogEvery with how many were not
// said. Before, ContinueOnError served the partial scrape and nothing
// told of it.
func TestGatherErrorIsCountedAndSaid(t *testing.T) {
	m := newMetrics(10)
	m.reg.MustRegister(failingCollector{
		a: prometheus.NewDesc("ftpsniff_test_a", "a", []string{"l"}, nil),
		b: prometheus.NewDesc("ftpsniff_test_b", "b", nil, nil),
	})
	var log bytes.Buffer
	m.errLog = newGatherLog(&log)
	now := time.Unix(1700000000, 0)
	m.errLog.now = func() time.Time { return now }
	h := m.handler()
	scrape := func() string {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest("GET", "/metrics", nil))
		return rr.Body.String()
	}
	body := scrape()
	for _, want := range []string{`ftpsniff_test_a{l="good"} 1`, "ftpsniff_test_b 3", "ftpsniff_packets_total 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("first scrape lacks %q", want)
		}
	}
	if n := strings.Count(log.String(), "ftpsniff: --metrics: "); n != 1 || !strings.Contains(log.String(), "not valid UTF-8") {
		t.Errorf("standard error after one failed scrape: %q", log.String())
	}
	body = scrape()
	if !strings.Contains(body, `promhttp_metric_handler_errors_total{cause="gathering"} 1`) {
		t.Errorf("second scrape does not count the first one's error")
	}
	if n := strings.Count(log.String(), "ftpsniff: --metrics: "); n != 1 {
		t.Errorf("the second error within %v was said too: %q", gatherLogEvery, log.String())
	}
	now = now.Add(gatherLogEvery)
	scrape()
	if n := strings.Count(log.String(), "ftpsniff: --metrics: "); n != 2 || !strings.Contains(log.String(), "(and 1 such error since the last one said)") {
		t.Errorf("standard error after %v: %q", gatherLogEvery, log.String())
	}
}
