package main

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestLimitHitsAreBoundsOnly: ftpsniff_limit_hits_total (whose alert says
// a bound of ftpsniff's tables was hit) holds the bounds only; RSTs and
// data a receiver would drop, and SYNs to an announcement that had
// expired unused, have metrics of their own. The count of data beyond the
// window, which goes down when a later ACK takes a run back, and that of
// SYNs after expiry, which goes down when a new announcement of the
// endpoint claims the SYN (track/early.go), are gauges, not counters that
// go back.
func TestLimitHitsAreBoundsOnly(t *testing.T) {
	c := newSnapshotCollector(false)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	c.update(snapshot{Limits: track.Limits{SessionsDropped: 2, DataRSTIgnored: 3, DataBeyondWindow: 1, DataAfterExpiry: 4}})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		byName[mf.GetName()] = mf
	}
	limits := map[string]float64{}
	for _, m := range byName["ftpsniff_limit_hits_total"].GetMetric() {
		var stage, limit string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "stage":
				stage = l.GetValue()
			case "limit":
				limit = l.GetValue()
			}
		}
		limits[stage+"/"+limit] = m.GetCounter().GetValue()
	}
	if limits["track/sessions_dropped"] != 2 {
		t.Errorf("track/sessions_dropped = %v, want 2", limits["track/sessions_dropped"])
	}
	for _, not := range []string{"track/data_rst_ignored", "track/data_beyond_window", "track/data_after_expiry"} {
		if _, ok := limits[not]; ok {
			t.Errorf("%s is exported as a limit hit", not)
		}
	}
	for _, tc := range []struct {
		name string
		typ  dto.MetricType
		want float64
	}{
		{"ftpsniff_data_rsts_ignored_total", dto.MetricType_COUNTER, 3},
		{"ftpsniff_data_beyond_window", dto.MetricType_GAUGE, 1},
		{"ftpsniff_data_syns_after_expiry", dto.MetricType_GAUGE, 4},
	} {
		mf := byName[tc.name]
		if mf == nil || len(mf.GetMetric()) != 1 {
			t.Errorf("%s missing", tc.name)
			continue
		}
		m := mf.GetMetric()[0]
		got := m.GetCounter().GetValue() + m.GetGauge().GetValue()
		if mf.GetType() != tc.typ || got != tc.want {
			t.Errorf("%s: %v %v, want %v %v", tc.name, mf.GetType(), got, tc.typ, tc.want)
		}
	}
}

// TestBytesCutIsNotCountedAsHits: the bytes the transcript budget cut
// (track.Limits.BytesCut) are a byte count, not hits of the bound: they
// have a counter of their own, and ftpsniff_limit_hits_total counts the
// hits (the replies and arguments cut). Before, one cut of a 4,000-byte
// reply raised limit_hits_total{limit="bytes_cut_budget"} by 4,000.
func TestBytesCutIsNotCountedAsHits(t *testing.T) {
	c := newSnapshotCollector(false)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	c.update(snapshot{Limits: track.Limits{RepliesCut: 1, ArgsCut: 2, BytesCut: 4000}})
	got := gathered(t, reg)
	for series, want := range map[string]float64{
		`ftpsniff_limit_hits_total{limit="replies_cut_budget",stage="track"}`: 1,
		`ftpsniff_limit_hits_total{limit="args_cut_budget",stage="track"}`:    2,
		`ftpsniff_transcript_bytes_cut_total`:                                 4000,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}
	if v, ok := got[`ftpsniff_limit_hits_total{limit="bytes_cut_budget",stage="track"}`]; ok {
		t.Errorf("bytes_cut_budget is exported as %v limit hits", v)
	}
}
