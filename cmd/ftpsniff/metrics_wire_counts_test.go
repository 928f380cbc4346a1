package main

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestSYNsToTakenEndpointNotALimitHit: a SYN to a data endpoint another
// connection had taken (a client's retry from a new port, a scan of a
// passive range) is traffic, not a bound of ftpsniff's tables: it must not
// raise ftpsniff_limit_hits_total, whose FTPSniffLimitHit alert says some
// sessions are not fully reported. Its count goes down when an
// announcement claims the SYN after all (Tracker.untaken), so it is a
// gauge of its own, not a counter that would go back.
func TestSYNsToTakenEndpointNotALimitHit(t *testing.T) {
	c := newSnapshotCollector(false)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	c.update(snapshot{Limits: track.Limits{DataEndpointTaken: 5}})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var gauge *dto.MetricFamily
	for _, mf := range mfs {
		switch mf.GetName() {
		case "ftpsniff_limit_hits_total":
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "limit" && l.GetValue() == "data_endpoint_taken" {
						t.Errorf("data_endpoint_taken is exported as a limit hit (%v)", m.GetCounter().GetValue())
					}
				}
			}
		case "ftpsniff_data_syns_to_taken_endpoint":
			gauge = mf
		}
	}
	if gauge == nil || len(gauge.GetMetric()) != 1 {
		t.Fatal("ftpsniff_data_syns_to_taken_endpoint missing")
	}
	if gauge.GetType() != dto.MetricType_GAUGE || gauge.GetMetric()[0].GetGauge().GetValue() != 5 {
		t.Errorf("ftpsniff_data_syns_to_taken_endpoint: %v %v, want a gauge of 5", gauge.GetType(), gauge.GetMetric()[0].GetGauge().GetValue())
	}
}

// TestMonitoringDocListsLimitHits keeps docs/monitoring.md's row of
// ftpsniff_limit_hits_total in step with what the scrape exports: the
// decode limits, the track fields left out (not bounds), the diagnose
// limits. Guards a doc that missed data_source_clients_forgotten and
// called data_endpoint_taken a bound.
func TestMonitoringDocListsLimitHits(t *testing.T) {
	b, err := os.ReadFile("../../docs/monitoring.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "| `ftpsniff_limit_hits_total` |") {
			row = line
		}
	}
	if row == "" {
		t.Fatal("docs/monitoring.md has no row for ftpsniff_limit_hits_total")
	}
	// Each stage's list is the parenthesis after its `stage="…"`.
	list := func(stage string) []string {
		_, rest, ok := strings.Cut(row, "`stage=\""+stage+"\"` (")
		if !ok {
			t.Fatalf("the row names no stage %q", stage)
		}
		inside, _, _ := strings.Cut(rest, ")")
		if stage == "track" { // "every field … but A, B and C, which …"
			_, inside, _ = strings.Cut(inside, " but ")
			inside, _, _ = strings.Cut(inside, ", which")
		}
		var names []string
		for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(inside, -1) {
			names = append(names, m[1])
		}
		slices.Sort(names)
		return names
	}
	keys := func(m map[string]bool) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	var diag []string
	for _, f := range jsonFields(reflect.TypeOf(diagnose.Omitted{})) {
		diag = append(diag, f.name)
	}
	slices.Sort(diag)
	for _, tc := range []struct {
		stage string
		want  []string
	}{
		{"decode", keys(decodeLimits)},
		{"track", keys(trackNotBounds)},
		{"diagnose", diag},
	} {
		if got := list(tc.stage); !slices.Equal(got, tc.want) {
			t.Errorf("docs/monitoring.md, stage=%q lists %v; the scrape has %v", tc.stage, got, tc.want)
		}
	}
}

// TestRaceCountersExported guards the scrape's series for racing
// sessions: files --extract wrote under a guess of their session
// (extraction's race_guessed) and data connections recorded under one
// (limits.data_race_unplaced), each a counter of its own, never a limit
// hit (neither is a bound of ftpsniff's: an alert on one would fire on a
// server that hands one port to two sessions). Before, race_guessed had
// no series, and a data_race_unplaced would have counted as a limit hit.
func TestRaceCountersExported(t *testing.T) {
	for _, tc := range []struct {
		series string
		snap   snapshot
	}{
		{"ftpsniff_extract_files_race_guessed_total", snapshot{Extract: &extractCounters{extractStats: extractStats{RaceGuessed: 3}}}},
		{"ftpsniff_data_race_unplaced_total", snapshot{Limits: track.Limits{DataRaceUnplaced: 3}}},
	} {
		t.Run(tc.series, func(t *testing.T) {
			m := newMetrics(10)
			m.snap.update(tc.snap)
			if got := metricValue(t, m, tc.series); got != "3" {
				t.Errorf("%s %q, want 3", tc.series, got)
			}
			if got := metricValue(t, m, "ftpsniff_limit_hits_total", "stage=track", "limit=data_race_unplaced"); got != "" {
				t.Errorf("data_race_unplaced exported as a limit hit (%s)", got)
			}
			mfs, err := m.reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, mf := range mfs {
				if mf.GetName() == tc.series && (mf.GetType() != dto.MetricType_COUNTER || len(mf.GetMetric()[0].GetLabel()) != 0) {
					t.Errorf("%s: %v with %d labels, want a counter without", tc.series, mf.GetType(), len(mf.GetMetric()[0].GetLabel()))
				}
			}
		})
	}
}
