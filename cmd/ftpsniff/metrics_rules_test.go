package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// monitoringRuleTests are promtool unit tests (`promtool test rules`) of
// the alerts in docs/monitoring.md: samples start at time 0, one every
// 15 s. The old counter is the case that must not fire: Prometheus (fresh,
// or back from a scrape gap) sees a counter whose events are older than
// the window; the new series and the increment must fire.
const monitoringRuleTests = `rule_files:
  - rules.yml
evaluation_interval: 15s
tests:
  # Prometheus starts at 0 and finds an unanswered counter of 2 (events of
  # an hour ago) in an ftpsniff that started an hour ago: nothing fires,
  # not 10 s after the start, not later.
  - name: old counters at Prometheus's start
    interval: 15s
    input_series:
      - series: 'up{job="ftpsniff",instance="gw1:9121"}'
        values: '1x60'
      - series: 'ftpsniff_start_time_seconds{job="ftpsniff",instance="gw1:9121"}'
        values: '-3600+0x60'
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",via="PASV",outcome="unanswered"}'
        values: '2x60'
      - series: 'ftpsniff_findings_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",code="port-outside-range",severity="warning"}'
        values: '3x60'
      - series: 'ftpsniff_findings_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",code="data-unanswered",severity="error"}'
        values: '2x60'
    alert_rule_test:
      - {eval_time: 10s, alertname: FTPDataConnectionsUnanswered, exp_alerts: []}
      - {eval_time: 10s, alertname: FTPPassivePortOutsideRange, exp_alerts: []}
      - {eval_time: 10s, alertname: FTPErrorFindings, exp_alerts: []}
      - {eval_time: 4m, alertname: FTPDataConnectionsUnanswered, exp_alerts: []}
      - {eval_time: 9m, alertname: FTPPassivePortOutsideRange, exp_alerts: []}
      - {eval_time: 14m, alertname: FTPDataConnectionsUnanswered, exp_alerts: []}
      - {eval_time: 14m, alertname: FTPErrorFindings, exp_alerts: []}

  # A scrape gap of 10 minutes (up is 0, no samples) in front of the same
  # old counters: nothing fires when the scrapes come back.
  - name: old counters after a scrape gap
    interval: 15s
    input_series:
      - series: 'up{job="ftpsniff",instance="gw1:9121"}'
        values: '1x20 0x40 1x40'
      - series: 'ftpsniff_start_time_seconds{job="ftpsniff",instance="gw1:9121"}'
        values: '-3600+0x20 _x40 -3600+0x40'
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",via="PASV",outcome="unanswered"}'
        values: '2x20 _x40 2x40'
      - series: 'ftpsniff_findings_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",code="port-outside-range",severity="warning"}'
        values: '3x20 _x40 3x40'
    alert_rule_test:
      - {eval_time: 15m30s, alertname: FTPDataConnectionsUnanswered, exp_alerts: []}
      - {eval_time: 15m30s, alertname: FTPPassivePortOutsideRange, exp_alerts: []}
      - {eval_time: 19m, alertname: FTPDataConnectionsUnanswered, exp_alerts: []}

  # Scraped for 10 minutes, then a server's first unanswered connection
  # (a new series) and a first port-outside-range finding: both fire, and
  # stop once the window has passed.
  - name: new series while scraped
    interval: 15s
    input_series:
      - series: 'up{job="ftpsniff",instance="gw1:9121"}'
        values: '1x100'
      - series: 'ftpsniff_start_time_seconds{job="ftpsniff",instance="gw1:9121"}'
        values: '-3600+0x100'
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",via="PASV",outcome="unanswered"}'
        values: '_x40 1x60'
      - series: 'ftpsniff_findings_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",code="port-outside-range",severity="warning"}'
        values: '_x40 1x60'
    alert_rule_test:
      - eval_time: 10m30s
        alertname: FTPDataConnectionsUnanswered
        exp_alerts:
          - exp_labels: {severity: warning, instance: "gw1:9121", server: "10.0.0.1"}
            exp_annotations:
              summary: "FTP data connections unanswered on 10.0.0.1"
              description: "Clients' SYNs to announced data ports got no answer in the last 5 minutes. Run ` + "`ftpsniff read`" + ` on a capture or see the data-unanswered findings in the JSON records for the rule to add."
      - eval_time: 10m30s
        alertname: FTPPassivePortOutsideRange
        exp_alerts:
          - exp_labels: {severity: warning, instance: "gw1:9121", server: "10.0.0.1"}
            exp_annotations:
              summary: "FTP server 10.0.0.1 announces passive ports outside the allowed range"
      - {eval_time: 16m, alertname: FTPDataConnectionsUnanswered, exp_alerts: []}
      - {eval_time: 21m, alertname: FTPPassivePortOutsideRange, exp_alerts: []}

  # ftpsniff and Prometheus both just started (the lab's integration test):
  # the first unanswered connection is a new series with no earlier scrape,
  # and it fires because ftpsniff's own start is within the window.
  - name: new series in a process that just started
    interval: 1s
    input_series:
      - series: 'up{job="ftpsniff",instance="gw1:9121"}'
        values: '1x60'
      - series: 'ftpsniff_start_time_seconds{job="ftpsniff",instance="gw1:9121"}'
        values: '0x60'
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",via="EPSV",outcome="unanswered"}'
        values: '_x5 1x55'
    alert_rule_test:
      - eval_time: 15s
        alertname: FTPDataConnectionsUnanswered
        exp_alerts:
          - exp_labels: {severity: warning, instance: "gw1:9121", server: "10.0.0.1"}
            exp_annotations:
              summary: "FTP data connections unanswered on 10.0.0.1"
              description: "Clients' SYNs to announced data ports got no answer in the last 5 minutes. Run ` + "`ftpsniff read`" + ` on a capture or see the data-unanswered findings in the JSON records for the rule to add."

  # No packet yet (timestamp 0): silent only once ftpsniff has run 10
  # minutes, not from its first scrape.
  - name: capture silent from the start
    interval: 1m
    input_series:
      - series: 'up{job="ftpsniff",instance="gw1:9121"}'
        values: '1x30'
      - series: 'ftpsniff_start_time_seconds{job="ftpsniff",instance="gw1:9121"}'
        values: '0x30'
      - series: 'ftpsniff_capture_last_packet_timestamp_seconds{job="ftpsniff",instance="gw1:9121"}'
        values: '0x30'
    alert_rule_test:
      - {eval_time: 8m, alertname: FTPSniffCaptureSilent, exp_alerts: []}
      - eval_time: 16m
        alertname: FTPSniffCaptureSilent
        exp_alerts:
          - exp_labels: {severity: warning, instance: "gw1:9121", job: "ftpsniff"}

  # An existing series that grows: increase() fires.
  - name: counter that grows
    interval: 15s
    input_series:
      - series: 'up{job="ftpsniff",instance="gw1:9121"}'
        values: '1x60'
      - series: 'ftpsniff_start_time_seconds{job="ftpsniff",instance="gw1:9121"}'
        values: '-3600+0x60'
      - series: 'ftpsniff_findings_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",code="data-refused",severity="error"}'
        values: '1x30 2x30'
    alert_rule_test:
      - {eval_time: 5m, alertname: FTPErrorFindings, exp_alerts: []}
      - eval_time: 9m
        alertname: FTPErrorFindings
        exp_alerts:
          - exp_labels: {severity: warning, instance: "gw1:9121", code: "data-refused"}
`

// TestMonitoringRulesWindow runs promtool's rule unit tests on the alerts
// of docs/monitoring.md: an old counter (Prometheus just started, or back
// from a scrape gap) must not fire; a new series and a growing counter
// must.
func TestMonitoringRulesWindow(t *testing.T) {
	runRuleTests(t, monitoringRuleTests)
}

// TestDocTablesWhole: every table of docs/monitoring.md and docs/json.md
// starts with its header and separator row, so that GitHub renders it: a
// paragraph in the middle of a table leaves its later rows as plain text.
func TestDocTablesWhole(t *testing.T) {
	for _, doc := range []string{"../../docs/monitoring.md", "../../docs/json.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		fence := false
		for i, line := range lines {
			if strings.HasPrefix(line, "```") {
				fence = !fence
			}
			if fence || !strings.HasPrefix(line, "|") || i > 0 && strings.HasPrefix(lines[i-1], "|") {
				continue
			}
			// The first row of a table: the next is its separator.
			if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "|---") && !strings.HasPrefix(lines[i+1], "| ---") {
				t.Errorf("%s:%d: a table row without a header above it: %s", doc, i+1, line)
			}
		}
	}
}

// runRuleTests runs promtool's rule unit tests (a rules_test.yml's
// content) against the rules of docs/monitoring.md; skipped without
// promtool.
func runRuleTests(t *testing.T, tests string) {
	t.Helper()
	rules := monitoringRules(t)
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus; pcaps/record/APT_PACKAGES)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "rules_test.yml")
	if err := os.WriteFile(file, []byte(tests), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", file)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}
