package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

const vantageRealDir = "../../pcaps/real/"

func needCaptures(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Stat(vantageRealDir + n); err != nil {
			t.Skipf("capture %s not present: %v", n, err)
		}
	}
}

// jsonRecords runs ftpsniff with args and returns its JSON records.
func jsonRecords(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		t.Fatalf("%v: %v (%s)", args, err, errb.String())
	}
	var recs []map[string]any
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		recs = append(recs, m)
	}
	return recs
}

func ofType(recs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["type"] == typ {
			out = append(out, r)
		}
	}
	return out
}

// TestVantageLossPlacement guards where a lost data SYN is placed: the
// router drops the data SYN, so it is seen at the client's side only.
func TestVantageLossPlacement(t *testing.T) {
	needCaptures(t, "router-drop-data-syn-client.pcap", "router-drop-data-syn-server.pcap")
	recs := jsonRecords(t, "read", "--json", "--vantage", "client="+vantageRealDir+"router-drop-data-syn-client.pcap",
		"--vantage", "server="+vantageRealDir+"router-drop-data-syn-server.pcap")
	paths := ofType(recs, "path")
	if len(paths) != 1 {
		t.Fatalf("want 1 path record, got %d", len(paths))
	}
	p := paths[0]
	if p["where"] != "syn-lost" || p["lost_after"] != "client" || p["lost_before"] != "server" || p["mode"] != "passive" {
		t.Fatalf("path: %v", p)
	}
	// Each point's own analysis is stamped with its name.
	obs := map[any]bool{}
	for _, r := range ofType(recs, "session") {
		obs[r["observer"]] = true
	}
	if !obs["client"] || !obs["server"] {
		t.Fatalf("session records not stamped with both points: %v", obs)
	}
}

// TestVantageRewriteSeen guards the comparison of announcements: the
// router's nf_nat_ftp rewrote the 227 (seen at both points, different),
// and the transfer passed every point.
func TestVantageRewriteSeen(t *testing.T) {
	needCaptures(t, "helper-nat-client.pcap", "helper-nat-server.pcap")
	recs := jsonRecords(t, "read", "--json", "--vantage", "client="+vantageRealDir+"helper-nat-client.pcap",
		"--vantage", "server="+vantageRealDir+"helper-nat-server.pcap")
	vs := ofType(recs, "vantage_session")
	if len(vs) != 1 {
		t.Fatalf("want 1 paired session, got %d", len(vs))
	}
	anns := vs[0]["announcements"].([]any)
	a := anns[0].(map[string]any)
	if a["rewritten"] != true {
		t.Fatalf("227 not seen as rewritten: %v", a)
	}
	views := a["views"].([]any)
	if views[0].(map[string]any)["point"] != "client" || !strings.HasPrefix(views[1].(map[string]any)["endpoint"].(string), "10.99.2.2:") {
		t.Fatalf("views: %v", views)
	}
	if p := ofType(recs, "path"); len(p) != 1 || p[0]["where"] != "delivered" {
		t.Fatalf("paths: %v", p)
	}
	for _, v := range ofType(recs, "vantage") {
		if v["point"] != "client" && v["offset_samples"].(float64) < 1 {
			t.Fatalf("no clock offset estimated: %v", v)
		}
	}
}

var ctNew = regexp.MustCompile(`\[NEW\] \d+ proto=6 src=(\S+) dst=(\S+) sport=0 dport=(\d+) `)

// TestHelperMatchesRouterConntrack checks the simulation against the
// router's real conntrack: the expectation the kernel created (conntrack
// -E expect, recorded with the capture) is the one the simulation says
// the observed data SYN matches. Under FTPS the kernel created none, as
// the simulation says.
func TestHelperMatchesRouterConntrack(t *testing.T) {
	needCaptures(t, "helper-nat-client.pcap", "helper-nat-conntrack.txt", "helper-nat-ftps-client.pcap", "helper-nat-ftps-conntrack.txt")
	ct, err := os.ReadFile(vantageRealDir + "helper-nat-conntrack.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := ctNew.FindStringSubmatch(string(ct))
	if m == nil {
		t.Fatalf("no expectation in the router's conntrack log")
	}
	recs := jsonRecords(t, "read", "--json", "--helper", "linux", vantageRealDir+"helper-nat-client.pcap")
	var opens []string
	for _, f := range ofType(recs, "finding") {
		if f["code"] == CodeHelperOpens {
			opens = append(opens, f["message"].(string))
		}
		if strings.HasPrefix(f["code"].(string), "helper-") && f["code"] != CodeHelperOpens {
			t.Errorf("unexpected helper finding: %v", f)
		}
	}
	want := regexp.MustCompile(`^the data SYN ` + regexp.QuoteMeta(m[1]) + `:\d+ -> ` + regexp.QuoteMeta(m[2]+":"+m[3]) + ` matches`)
	if len(opens) != 1 || !want.MatchString(opens[0]) {
		t.Fatalf("simulation %q, router expected %s -> %s:%s", opens, m[1], m[2], m[3])
	}

	ct, err = os.ReadFile(vantageRealDir + "helper-nat-ftps-conntrack.txt")
	if err != nil {
		t.Fatal(err)
	}
	if ctNew.Match(ct) {
		t.Fatalf("the router created an expectation under FTPS?")
	}
	codes := map[any]int{}
	for _, f := range ofType(jsonRecords(t, "read", "--json", "--helper", "linux", vantageRealDir+"helper-nat-ftps-client.pcap"), "finding") {
		codes[f["code"]]++
	}
	if codes[CodeHelperEncrypt] != 1 || codes[CodeHelperBlocks] != 1 || codes[CodeHelperOpens] != 0 {
		t.Fatalf("FTPS findings: %v", codes)
	}
}

// TestHelperNATHypothesis guards the single-capture prediction: behind a
// NAT without the helper the client sees the private 227; the simulation
// says what a router with the helper would have written instead.
func TestHelperNATHypothesis(t *testing.T) {
	needCaptures(t, "nat-no-pasv-address-default-client.pcap")
	recs := jsonRecords(t, "read", "--json", "--helper", "linux", vantageRealDir+"nat-no-pasv-address-default-client.pcap")
	var rewrite string
	for _, f := range ofType(recs, "finding") {
		if f["code"] == CodeHelperRewrite {
			rewrite = f["message"].(string)
		}
	}
	if !strings.Contains(rewrite, "would rewrite this 227 to 10,99,1,1,156,68") {
		t.Fatalf("rewrite finding: %q", rewrite)
	}
}

func TestVantageFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"read", "--vantage", "client=a.pcap"},
		{"read", "--vantage", "nofile"},
		{"read", "--vantage", "a=x", "--vantage", "a=y"},
		{"read", "--helper", "bsd", "x.pcap"},
	} {
		var out, errb bytes.Buffer
		root := newRootCmd(&out, &errb)
		root.SetArgs(args)
		if err := root.Execute(); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestVantageRefusesWhatItIgnores: with --vantage, a file outside a point,
// a view or filter of a single capture, and stdin read twice are usage
// errors; --fail-on with --json applies to the points' findings.
func TestVantageRefusesWhatItIgnores(t *testing.T) {
	v := []string{"--vantage", "client=../../pcaps/real/router-drop-data-syn-client.pcap", "--vantage", "server=../../pcaps/real/router-drop-data-syn-server.pcap"}
	for _, tt := range []struct {
		extra []string
		code  int
	}{
		{[]string{"../../pcaps/real/passive-curl.pcap"}, exitError},
		{[]string{"--summary"}, exitError},
		{[]string{"--session", "1"}, exitError},
		{[]string{"--fail-on", "error"}, exitError},
		{[]string{"--json", "--fail-on", "error"}, exitFindings},
		{[]string{"--json", "--vantage", "third=-"}, exitError},
	} {
		var stdout, stderr bytes.Buffer
		args := append(append([]string{"read", "--color", "never"}, v...), tt.extra...)
		if code := run(args, &stdout, &stderr); code != tt.code {
			t.Errorf("%v: exit %d, want %d (%s)", tt.extra, code, tt.code, stderr.String())
		}
	}
}

// TestHelperNoRewriteForBounceOrRefused: --helper linux offers no NAT
// rewrite for a PORT naming a public third host (a bounce, not a NAT) or
// for an announcement the server refused; it does for a private 227 seen
// through a NAT.
func TestHelperNoRewriteForBounceOrRefused(t *testing.T) {
	for _, tt := range []struct {
		file     string
		rewrites bool
	}{
		{"../../pcaps/synthetic/bounce-scan.pcap", false},
		{"../../pcaps/synthetic/outcomes.pcap", false},
		{"../../pcaps/real/nat-no-pasv-address-default-client.pcap", true},
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"read", "--color", "never", "--helper", "linux", tt.file}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.file, code, stderr.String())
		}
		if got := strings.Contains(stdout.String(), "helper-rewrite"); got != tt.rewrites {
			t.Errorf("%s: helper-rewrite %v, want %v", tt.file, got, tt.rewrites)
		}
	}
}
