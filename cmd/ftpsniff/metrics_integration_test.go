package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// monitoringRules returns the first ```yaml block of docs/monitoring.md:
// the rules an admin pastes.
func monitoringRules(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/monitoring.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	if !ok {
		t.Fatal("docs/monitoring.md has no yaml block")
	}
	rules, _, ok := strings.Cut(rest, "```")
	if !ok || !strings.Contains(rules, "groups:") {
		t.Fatal("the first yaml block of docs/monitoring.md is not the rules")
	}
	return rules
}

// TestMonitoringRules: the documented rules are valid for Prometheus's own
// checker, and name only series ftpsniff exports.
func TestMonitoringRules(t *testing.T) {
	rules := monitoringRules(t)
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus; pcaps/record/APT_PACKAGES)")
	}
	f := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(f, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	m := newMetrics(10)
	exported := map[string]bool{}
	mfs, _ := m.reg.Gather()
	for _, mf := range mfs {
		exported[mf.GetName()] = true
	}
	// Vectors without series yet are not gathered: name them.
	for _, n := range []string{"ftpsniff_data_connections_total", "ftpsniff_findings_total", "ftpsniff_capture_dropped_packets_total", "ftpsniff_capture_received_packets_total"} {
		exported[n] = true
	}
	for _, w := range strings.FieldsFunc(rules, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		if strings.HasPrefix(w, "ftpsniff_") && !exported[w] {
			t.Errorf("the rules name %s, which ftpsniff does not export", w)
		}
	}
}

// TestLiveMetricsPrometheus runs the real Prometheus server (Debian's
// prometheus package) with the documented rules, scraping `ftpsniff live
// --metrics` every second while a passive transfer whose data port a
// firewall drops runs in the namespace lab, and asks Prometheus's HTTP API
// for the unanswered-data counter and the alert.
func TestLiveMetricsPrometheus(t *testing.T) {
	needLab(t, "about 20 s of real traffic; skipped with -short", "ip", "nft", "vsftpd", "curl", "bash", "prometheus")
	began := time.Now()
	dir := t.TempDir()
	bin := buildFtpsniff(t, dir)
	lab := startLab(t)
	ns := lab["NETLAB_SERVER_NS"]
	metricsAddr, promAddr := freeLocalAddr(t), freeLocalAddr(t)

	// ftpsniff, in the server's namespace; its JSON goes to a file.
	jsonFile := filepath.Join(dir, "ftp.jsonl")
	sniff := exec.Command("ip", "netns", "exec", ns, bin, "live", "--json", "-o", jsonFile,
		"-i", lab["NETLAB_SERVER_IF"], "--duration", "60s", "--unanswered-wait", "2s",
		"--metrics", metricsAddr, "--pasv-range", "40000-40100")
	var sniffErr strings.Builder
	sniff.Stderr = &sniffErr
	if err := sniff.Start(); err != nil {
		t.Fatal(err)
	}
	sniffDone := make(chan struct{})
	go func() { sniff.Wait(); close(sniffDone) }()
	defer func() { sniff.Process.Kill(); <-sniffDone }()
	waitDropped(t, sniff.Process.Pid, sniffDone, &sniffErr)

	// Prometheus, in the same namespace (it scrapes the namespace's
	// loopback), with the documented rules, every second.
	rules := filepath.Join(dir, "rules.yml")
	if err := os.WriteFile(rules, []byte(monitoringRules(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: ftpsniff
    static_configs:
      - targets: [%q]
`, rules, metricsAddr)), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := exec.Command("ip", "netns", "exec", ns, "prometheus", "--config.file", conf,
		"--storage.tsdb.path", filepath.Join(dir, "tsdb"), "--web.listen-address", promAddr, "--log.level", "warn")
	var promLog strings.Builder
	prom.Stdout, prom.Stderr = &promLog, &promLog
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	promDone := make(chan struct{})
	go func() { prom.Wait(); close(promDone) }()
	defer func() {
		prom.Process.Signal(os.Interrupt)
		select {
		case <-promDone:
		case <-time.After(10 * time.Second):
			prom.Process.Kill()
			<-promDone
		}
	}()

	// api runs a query against Prometheus's HTTP API from inside the
	// namespace (curl), and returns the "data" member.
	api := func(path string) (json.RawMessage, error) {
		out, err := exec.Command("ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "2", "http://"+promAddr+path).Output()
		if err != nil {
			return nil, err
		}
		var r struct {
			Status string          `json:"status"`
			Data   json.RawMessage `json:"data"`
			Error  string          `json:"error"`
		}
		if err := json.Unmarshal(out, &r); err != nil || r.Status != "success" {
			return nil, fmt.Errorf("%s: %s %v %s", path, r.Status, err, out)
		}
		return r.Data, nil
	}
	query := func(q string) (float64, bool, error) {
		d, err := api("/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return 0, false, err
		}
		var v struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		}
		if err := json.Unmarshal(d, &v); err != nil || len(v.Result) == 0 {
			return 0, false, err
		}
		s, _ := v.Result[0].Value[1].(string)
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil, err
	}
	// seen says, when a wait fails, what each part saw: the scrape
	// targets' health, curl's exit and errors, and ftpsniff's records.
	var curlOut strings.Builder
	var curlErr error
	curlDone := make(chan struct{})
	seen := func() string {
		targets, err := api("/api/v1/targets")
		records, _ := os.ReadFile(jsonFile)
		curlSaw := "not started or still running"
		select {
		case <-curlDone:
			curlSaw = fmt.Sprintf("%v %s", curlErr, curlOut.String())
		case <-time.After(time.Second):
		}
		return fmt.Sprintf("prometheus targets: %s %v\ncurl: %s\nftpsniff records:\n%s", targets, err, curlSaw, records)
	}
	poll := func(what string, timeout time.Duration, ok func() (bool, error)) time.Duration {
		t.Helper()
		start := time.Now()
		var last error
		for time.Since(start) < timeout {
			if done, err := ok(); done {
				return time.Since(start)
			} else if err != nil {
				last = err
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Fatalf("%s: not within %s (last error %v)\nftpsniff: %s\nprometheus: %s\n%s", what, timeout, last, sniffErr.String(), promLog.String(), seen())
		return 0
	}
	poll("Prometheus scraping ftpsniff", 30*time.Second, func() (bool, error) {
		v, ok, err := query(`up{job="ftpsniff"}`)
		return ok && v == 1, err
	})

	// The firewall drops SYNs to the passive range; curl tries one
	// transfer and gives up. Loopback is left alone: the metrics and
	// Prometheus ports are free ports that may fall in that range (a
	// scrape or query dropped then failed this test now and then).
	nft := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	nft.Stdin = strings.NewReader("table inet ftpsniff_metrics_test {\n chain input {\n  type filter hook input priority 0; policy accept;\n  iifname \"lo\" accept\n  tcp dport 40000-40100 drop\n }\n}\n")
	if out, err := nft.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	url := "ftp://" + lab["NETLAB_SERVER_IP4"] + "/report.txt"
	blocked := time.Now()
	// --connect-timeout bounds the data connection's wait; -m only
	// guards against a hang, so a slow login on a loaded machine does not
	// end curl before it tries the data port.
	curl := exec.Command("ip", "netns", "exec", lab["NETLAB_CLIENT_NS"], "curl", "-sS", "-o", "/dev/null", "--connect-timeout", "4", "-m", "30", url)
	curl.Stdout, curl.Stderr = &curlOut, &curlOut
	if err := curl.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { curlErr = curl.Wait(); close(curlDone) }()
	defer func() { curl.Process.Kill(); <-curlDone }()

	// max_over_time: a scrape that times out on a loaded machine marks
	// the series stale, which an instant query would read as absent.
	counter := `sum(max_over_time(ftpsniff_data_connections_total{outcome="unanswered"}[5m]))`
	var unanswered float64
	poll("the unanswered-data counter in Prometheus", 40*time.Second, func() (bool, error) {
		v, ok, err := query(counter)
		unanswered = v
		return ok && v >= 1, err
	})
	toCounter := time.Since(blocked)
	v, ok, err := query(`sum(max_over_time(ftpsniff_findings_total{code="data-unanswered"}[5m]))`)
	if !ok || v < 1 {
		t.Errorf("no data-unanswered finding counted in Prometheus: %v %v", v, err)
	}
	if v, ok, _ := query(`max_over_time(ftpsniff_capture_last_packet_timestamp_seconds[5m])`); !ok || v <= 0 {
		t.Errorf("last packet timestamp %v", v)
	}
	poll("the FTPDataConnectionsUnanswered alert firing", 30*time.Second, func() (bool, error) {
		d, err := api("/api/v1/alerts")
		if err != nil {
			return false, err
		}
		var a struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		}
		json.Unmarshal(d, &a)
		for _, al := range a.Alerts {
			if al.Labels["alertname"] == "FTPDataConnectionsUnanswered" && al.State == "firing" {
				return true, nil
			}
		}
		return false, nil
	})
	toAlert := time.Since(blocked)
	t.Logf("unanswered data connections in Prometheus: %v, %.1f s after the blocked transfer began; alert firing after %.1f s; whole test %.1f s",
		unanswered, toCounter.Seconds(), toAlert.Seconds(), time.Since(began).Seconds())

	// The JSON records went to the --output file.
	sniff.Process.Signal(os.Interrupt)
	select {
	case <-sniffDone:
	case <-time.After(10 * time.Second):
		t.Fatal("ftpsniff did not stop after SIGINT")
	}
	b, _ := os.ReadFile(jsonFile)
	if !strings.Contains(string(b), `"outcome":"unanswered"`) || !strings.Contains(string(b), `"type":"capture"`) {
		t.Errorf("--output file lacks the unanswered data record or the capture record:\n%s", b)
	}
}

// freeLocalAddr is a 127.0.0.1 address with a port free now (in the test's
// namespace; a fresh namespace has all of them free).
func freeLocalAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
