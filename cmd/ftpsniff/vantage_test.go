package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"strconv"
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
// errors; --fail-on with --json or --summary applies to the points' findings.
func TestVantageRefusesWhatItIgnores(t *testing.T) {
	v := []string{"--vantage", "client=../../pcaps/real/router-drop-data-syn-client.pcap", "--vantage", "server=../../pcaps/real/router-drop-data-syn-server.pcap"}
	for _, tt := range []struct {
		extra []string
		code  int
	}{
		{[]string{"../../pcaps/real/passive-curl.pcap"}, exitError},
		{[]string{"--full"}, exitError},
		{[]string{"--session", "1"}, exitError},
		{[]string{"--fail-on", "error"}, exitError},
		{[]string{"--json", "--fail-on", "error"}, exitFindings},
		{[]string{"--summary", "--fail-on", "error"}, exitFindings},
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

// TestVantageSYNACKLossPlacement guards where a lost SYN-ACK is placed:
// the router drops the data connection's SYN-ACK on its way back, so the
// SYN reached the server (seen there, answered), and the answer passed
// the server's side (and the router's inner interface) but never reached
// the client. The points are given in every order: the path's order
// comes from the packets.
func TestVantageSYNACKLossPlacement(t *testing.T) {
	const base = "router-drop-data-synack-"
	needCaptures(t, base+"client.pcap", base+"router-in.pcap", base+"server.pcap")
	point := func(name string) string { return name + "=" + vantageRealDir + base + name + ".pcap" }
	for _, tt := range []struct {
		points        []string
		after, before string
	}{
		{[]string{"client", "server"}, "server", "client"},
		{[]string{"server", "client"}, "server", "client"},
		{[]string{"client", "router-in", "server"}, "router-in", "client"},
		{[]string{"server", "router-in", "client"}, "router-in", "client"},
	} {
		args := []string{"read", "--json"}
		for _, p := range tt.points {
			args = append(args, "--vantage", point(p))
		}
		paths := ofType(jsonRecords(t, args...), "path")
		if len(paths) != 1 {
			t.Fatalf("%v: %d path records", tt.points, len(paths))
		}
		p := paths[0]
		if p["where"] != "syn-ack-lost" || p["lost_after"] != tt.after || p["lost_before"] != tt.before || p["mode"] != "passive" {
			t.Fatalf("%v: path %v", tt.points, p)
		}
		if v := p["verdict"].(string); !strings.Contains(v, `the SYN reached "server"`) || !strings.Contains(v, "dropped in between") {
			t.Errorf("%v: verdict %q", tt.points, v)
		}
		for _, pv := range p["points"].([]any) {
			view := pv.(map[string]any)
			// Every point saw the client's SYN and its retransmissions;
			// only the client never saw a SYN-ACK.
			if view["syns"].(float64) != 3 || (view["syn_ack"] == true) == (view["point"] == "client") {
				t.Errorf("%v: view %v", tt.points, view)
			}
		}
	}
}

// conntrackExpectations reads the [NEW] expectations of a recorded
// `conntrack -E expect` log as "src dst:dport".
func conntrackExpectations(t *testing.T, name string) map[string]bool {
	t.Helper()
	ct, err := os.ReadFile(vantageRealDir + name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range ctNew.FindAllStringSubmatch(string(ct), -1) {
		out[m[1]+" "+m[2]+":"+m[3]] = true
	}
	return out
}

// helperFindings runs --helper linux on one capture and returns its
// helper findings by code.
func helperFindings(t *testing.T, file string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, f := range ofType(jsonRecords(t, "read", "--json", "--helper", "linux", vantageRealDir+file), "finding") {
		if c := f["code"].(string); strings.HasPrefix(c, "helper-") {
			out[c] = append(out[c], f)
		}
	}
	return out
}

// TestHelperSplitLinesMatchRouterConntrack checks the simulation of a
// 227 and a PORT written in two TCP segments against a real router's
// nf_conntrack_ftp: the router's conntrack log holds an expectation for
// the announcement sent whole and none for the split one, and the
// simulation, fed the capture taken where the router received the line
// (the server's side for a 227, the client's for a PORT), says exactly
// that: the whole one opens the data connection, the split one's first
// segment is dropped (a partial match), with every retransmission.
func TestHelperSplitLinesMatchRouterConntrack(t *testing.T) {
	for _, tt := range []struct {
		name      string
		routerIn  string // the capture on the side the router received the announcement from
		dropped   string // the first segment of the split line, as the helper saw it
		whole     string // the data port the router's expectation names
		splitPort string // the data port of the split announcement
	}{
		{"helper-split-227", "helper-split-227-server.pcap", `"227 Entering Passive Mode (010,099,"`, "45000", "45001"},
		{"helper-split-port", "helper-split-port-client.pcap", `"PORT 10,99,1,2,"`, "35427", "41583"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			needCaptures(t, tt.routerIn, tt.name+"-conntrack.txt")
			exps := conntrackExpectations(t, tt.name+"-conntrack.txt")
			if len(exps) != 1 {
				t.Fatalf("the router's log holds %d expectations, want the whole line's only: %v", len(exps), exps)
			}
			for e := range exps {
				if !strings.HasSuffix(e, ":"+tt.whole) || strings.HasSuffix(e, ":"+tt.splitPort) {
					t.Fatalf("router expectation %q: want port %s, not the split line's %s", e, tt.whole, tt.splitPort)
				}
			}
			fs := helperFindings(t, tt.routerIn)
			if len(fs[CodeHelperDrop]) != 1 || !strings.Contains(fs[CodeHelperDrop][0]["evidence"].(string), tt.dropped) {
				t.Fatalf("helper-drop findings %v, want one for %s", fs[CodeHelperDrop], tt.dropped)
			}
			if len(fs[CodeHelperOpens]) != 1 || !strings.Contains(fs[CodeHelperOpens][0]["message"].(string), ":"+tt.whole+" matches") {
				t.Fatalf("helper-opens findings %v, want one for port %s", fs[CodeHelperOpens], tt.whole)
			}
			if n := len(fs[CodeHelperBlocks]) + len(fs[CodeHelperIgnored]); n != 0 {
				t.Fatalf("unexpected helper findings: %v", fs)
			}
		})
	}
}

// helperSteps runs --vantage client/server with --helper linux and
// returns the helper_step and path records.
func helperSteps(t *testing.T, name string) (steps, paths []map[string]any) {
	t.Helper()
	recs := jsonRecords(t, "read", "--json", "--helper", "linux",
		"--vantage", "client="+vantageRealDir+name+"-client.pcap", "--vantage", "server="+vantageRealDir+name+"-server.pcap")
	return ofType(recs, "helper_step"), ofType(recs, "path")
}

// TestHelperRewriteMatchesRouterAtBothPoints checks the simulated router
// against the real one from its two sides: for each 227 or PORT the
// helper rewrites, the text the simulation writes is byte for byte what
// the far side saw (address and port included), and the sequence offset
// it applies to the next segment is the one seen between the points; the
// expectations it creates are exactly the router's conntrack log; a split
// line's dropped first segment never reached the far side. The
// zero-padded 227 of helper-split-227 shrinks by 6 bytes, so the offset
// checked there is not zero. A router without the helper
// (router-drop-data-syn) must disagree, or the check could not fail.
func TestHelperRewriteMatchesRouterAtBothPoints(t *testing.T) {
	for _, tt := range []struct {
		name     string
		rewrites int   // steps rewritten as simulated
		drops    int   // steps dropped as simulated
		delta    int32 // the first rewrite's length change
	}{
		{"helper-nat", 1, 0, 0},
		{"helper-split-227", 1, 1, -6},
		{"helper-split-port", 1, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			needCaptures(t, tt.name+"-client.pcap", tt.name+"-server.pcap", tt.name+"-conntrack.txt")
			steps, paths := helperSteps(t, tt.name)
			simulated := map[string]bool{}
			rewrites, drops := 0, 0
			for _, st := range steps {
				if st["agrees"] != true {
					t.Errorf("step disagrees with the router: %v", st)
				}
				switch st["action"] {
				case "expected":
					rw := st["rewrite"].(map[string]any)
					if rewrites == 0 && int32(rw["delta"].(float64)) != tt.delta {
						t.Errorf("delta %v, want %d", rw["delta"], tt.delta)
					}
					rewrites++
					want := rw["addr"].(string) + ":" + strconv.Itoa(int(rw["port"].(float64)))
					if st["text_agrees"] != true || st["seen_endpoint"] != want {
						t.Errorf("simulated %s, the far side saw %v (%v)", want, st["seen_endpoint"], st["seen"])
					}
					if st["shift_seen"] == nil || st["shift_seen"] != st["shift_simulated"] || int32(st["shift_seen"].(float64)) != tt.delta {
						t.Errorf("sequence offset: simulated %v, seen %v, want %d", st["shift_simulated"], st["shift_seen"], tt.delta)
					}
					e := st["expect"].(map[string]any)
					simulated[e["src"].(string)+" "+e["dst"].(string)+":"+strconv.Itoa(int(e["dst_port"].(float64)))] = true
				case "partial-drop":
					drops++
					if st["forwarded"] != false || st["copies"].(float64) < 2 {
						t.Errorf("dropped step: %v", st)
					}
				default:
					t.Errorf("unexpected step: %v", st)
				}
			}
			if rewrites != tt.rewrites || drops != tt.drops {
				t.Fatalf("%d rewrites and %d drops, want %d and %d", rewrites, drops, tt.rewrites, tt.drops)
			}
			if router := conntrackExpectations(t, tt.name+"-conntrack.txt"); !maps.Equal(simulated, router) {
				t.Fatalf("simulated expectations %v, the router's %v", simulated, router)
			}
			for _, p := range paths {
				h := p["helper"].(map[string]any)
				if p["where"] != "delivered" || h["match"] != "match" {
					t.Errorf("data connection: %v", p)
				}
			}
		})
	}
	t.Run("no helper on the router", func(t *testing.T) {
		needCaptures(t, "router-drop-data-syn-client.pcap", "router-drop-data-syn-server.pcap")
		steps, _ := helperSteps(t, "router-drop-data-syn")
		if len(steps) != 1 || steps[0]["agrees"] != false || steps[0]["text_agrees"] != false {
			t.Fatalf("a router without the helper passed for one: %v", steps)
		}
	})
}

// TestVantageServerPointKnowsRewrite: read --vantage --json analyses each
// point on its own, told what the other points saw of its 227s. The
// server's side of a router whose helper rewrites the 227 is then the
// correct setup (nat-translated), with no pasv_address to set; read alone,
// the client reached the server's own address as announced, which a routed
// network and a DNAT both show: pasv_address is conditional on a NAT whose
// helper does not rewrite the 227.
func TestVantageServerPointKnowsRewrite(t *testing.T) {
	needCaptures(t, "helper-nat-client.pcap", "helper-nat-server.pcap")
	recs := jsonRecords(t, "read", "--json", "--vantage", "client="+vantageRealDir+"helper-nat-client.pcap",
		"--vantage", "server="+vantageRealDir+"helper-nat-server.pcap")
	translated := 0
	for _, f := range ofType(recs, "finding") {
		if f["observer"] == "server" && f["code"] == "nat-mismatch" {
			t.Errorf("server point: %v", f)
		}
		if f["observer"] == "server" && f["code"] == "nat-translated" {
			translated++
			if !strings.Contains(f["advice"].(string), "leave pasv_address unset") {
				t.Errorf("advice %q", f["advice"])
			}
		}
	}
	if translated != 1 {
		t.Fatalf("%d nat-translated findings at the server point", translated)
	}
	for _, s := range ofType(recs, "server") {
		if strings.Contains(fmt.Sprint(s["rules"]), "pasv_address") {
			t.Errorf("point %v asks for pasv_address: %v", s["observer"], s)
		}
	}
	alone := jsonRecords(t, "read", "--json", vantageRealDir+"helper-nat-server.pcap")
	for _, s := range ofType(alone, "server") {
		rules, _ := s["rules"].([]any)
		if len(rules) != 2 || !strings.HasPrefix(rules[0].(string), "# only if a NAT forwards these clients") {
			t.Errorf("server side alone: rules %v", rules)
		}
	}
}
