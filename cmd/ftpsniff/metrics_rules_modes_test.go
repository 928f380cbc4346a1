package main

import "testing"

// dataModeRuleTests are promtool unit tests of docs/monitoring.md's rules
// by the data connection's mode: an unanswered active connection (the
// server's SYNs back to the client) fires the active alert, not the one
// that tells to open the passive range; an unanswered passive one fires
// the passive alert only. Connections never attempted (most of them the
// capture's position: info) are not failures in the recording rules.
const dataModeRuleTests = `rule_files:
  - rules.yml
evaluation_interval: 15s
tests:
  - name: active and passive unanswered alert apart
    interval: 15s
    input_series:
      - series: 'up{job="ftpsniff",instance="gw1:9121"}'
        values: '1x60'
      - series: 'ftpsniff_start_time_seconds{job="ftpsniff",instance="gw1:9121"}'
        values: '-3600+0x60'
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",via="PORT",outcome="unanswered"}'
        values: '1x20 2x40'
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.2",via="EPSV",outcome="unanswered"}'
        values: '1x20 2x40'
    alert_rule_test:
      - eval_time: 6m
        alertname: FTPDataConnectionsUnanswered
        exp_alerts:
          - exp_labels: {severity: warning, instance: "gw1:9121", server: "10.0.0.2"}
            exp_annotations:
              summary: "FTP data connections unanswered on 10.0.0.2"
              description: "Clients' SYNs to announced data ports got no answer in the last 5 minutes. Run ` + "`ftpsniff read`" + ` on a capture or see the data-unanswered findings in the JSON records for the rule to add."
      - eval_time: 6m
        alertname: FTPActiveDataConnectionsUnanswered
        exp_alerts:
          - exp_labels: {severity: warning, instance: "gw1:9121", server: "10.0.0.1"}
            exp_annotations:
              summary: "FTP active-mode data connections from 10.0.0.1 unanswered"
              description: "The server's SYNs back to the data ports clients named in PORT/EPRT/LPRT got no answer in the last 5 minutes: a firewall or NAT on the clients' side drops them. See the active-blocked findings in the JSON records for where; the usual fix is passive mode on the client."

  # A tap that sees one direction: every connection not attempted, info
  # findings. Nothing failed.
  - name: not-attempted is not a failure
    interval: 1m
    input_series:
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",via="PASV",outcome="not-attempted"}'
        values: '0+10x10'
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",via="PASV",outcome="transferred"}'
        values: '0+10x10'
      - series: 'ftpsniff_data_connections_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",via="PASV",outcome="unanswered"}'
        values: '0x10'
      - series: 'ftpsniff_findings_total{job="ftpsniff",instance="gw1:9121",server="10.0.0.1",code="data-not-attempted",severity="info"}'
        values: '0+10x10'
    promql_expr_test:
      - expr: ftpsniff:data_connections_failed:ratio5m
        eval_time: 8m
        exp_samples:
          - labels: 'ftpsniff:data_connections_failed:ratio5m{instance="gw1:9121", server="10.0.0.1"}'
            value: 0
      - expr: ftpsniff:data_not_attempted_findings:rate5m
        eval_time: 8m
        exp_samples: []
`

// TestMonitoringRulesByDataMode runs dataModeRuleTests on the rules of
// docs/monitoring.md.
func TestMonitoringRulesByDataMode(t *testing.T) {
	runRuleTests(t, dataModeRuleTests)
}
