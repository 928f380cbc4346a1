package main

import (
	"bytes"
	"strings"
	"testing"
)

// vantagePair runs read --json over the real pair base-client.pcap and
// base-server.pcap.
func vantagePair(t *testing.T, base string) []map[string]any {
	t.Helper()
	needCaptures(t, base+"-client.pcap", base+"-server.pcap")
	return jsonRecords(t, "read", "--json", "--vantage", "client="+vantageRealDir+base+"-client.pcap",
		"--vantage", "server="+vantageRealDir+base+"-server.pcap")
}

// findingAt is the finding code of the point observer about a data
// connection, failing when there is not exactly one.
func findingAt(t *testing.T, recs []map[string]any, observer, code string) map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range ofType(recs, "finding") {
		if r["observer"] == observer && r["code"] == code {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		t.Fatalf("want 1 %s finding at %q, got %d", code, observer, len(out))
	}
	return out[0]
}

func serverAt(t *testing.T, recs []map[string]any, observer string) map[string]any {
	t.Helper()
	for _, r := range ofType(recs, "server") {
		if r["observer"] == observer {
			return r
		}
	}
	t.Fatalf("no server record at %q", observer)
	return nil
}

func wantPathRef(t *testing.T, r map[string]any, where string) {
	t.Helper()
	vp, _ := r["vantage_path"].(map[string]any)
	if vp == nil || vp["session"] != 1.0 || vp["data"] != 1.0 || vp["where"] != where {
		t.Errorf("%s %v at %v: vantage_path %v, want session 1, data 1, %s", r["type"], r["code"], r["observer"], r["vantage_path"], where)
	}
}

// TestVantageJSONSupersedesAnsweredSYNs guards one story per data
// connection when the router drops the SYN-ACKs: the client's side alone
// reads "a firewall is dropping the SYNs" and its verdict says to open
// the passive range, while the server's side and the merged view show
// the server answered. The client's finding and verdict say the other
// points overturn them; the server's, which agree, are left alone.
func TestVantageJSONSupersedesAnsweredSYNs(t *testing.T) {
	recs := vantagePair(t, "router-drop-data-synack")
	c := findingAt(t, recs, "client", "data-unanswered")
	wantPathRef(t, c, "syn-ack-lost")
	sup, _ := c["superseded"].(string)
	if !strings.Contains(sup, "the receiver answered these SYNs") || !strings.Contains(sup, "syn-ack-lost") {
		t.Errorf("client data-unanswered: superseded %q, want the receiver's answer and the merged syn-ack-lost", sup)
	}
	s := findingAt(t, recs, "server", "data-unanswered")
	wantPathRef(t, s, "syn-ack-lost")
	if s["superseded"] != nil {
		t.Errorf("server data-unanswered (the SYN-ACKs dropped on the way back) agrees with the merged view, yet superseded %q", s["superseded"])
	}
	if v, _ := serverAt(t, recs, "client")["superseded"].(string); !strings.Contains(v, "data-unanswered of session 1") {
		t.Errorf("client's server record: superseded %q, want it to name the overturned data-unanswered", v)
	}
	if v := serverAt(t, recs, "server")["superseded"]; v != nil {
		t.Errorf("server's server record: superseded %q, want none", v)
	}
	for _, r := range ofType(recs, "data") {
		wantPathRef(t, r, "syn-ack-lost")
	}
}

// TestVantageJSONSupersedesNotAttempted guards the server's side of a
// router that drops the data SYN: alone it cannot see the SYN and
// asks for pasv_address, while the client's side shows the client
// ignored the announced address and its SYN to the control address was
// dropped in between.
func TestVantageJSONSupersedesNotAttempted(t *testing.T) {
	recs := vantagePair(t, "router-drop-data-syn")
	s := findingAt(t, recs, "server", "data-not-attempted")
	wantPathRef(t, s, "syn-lost")
	if sup, _ := s["superseded"].(string); !strings.HasPrefix(sup, `"client" saw this data connection`) {
		t.Errorf("server data-not-attempted: superseded %q", sup)
	}
	if v, _ := serverAt(t, recs, "server")["superseded"].(string); !strings.Contains(v, "data-not-attempted of session 1") {
		t.Errorf("server's server record: superseded %q", v)
	}
	c := findingAt(t, recs, "client", "data-unanswered")
	wantPathRef(t, c, "syn-lost")
	if c["superseded"] != nil {
		t.Errorf("client data-unanswered agrees with syn-lost after the client, yet superseded %q", c["superseded"])
	}
	// The last field is still the observer.
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetArgs([]string{"read", "--json", "--vantage", "client=" + vantageRealDir + "router-drop-data-syn-client.pcap",
		"--vantage", "server=" + vantageRealDir + "router-drop-data-syn-server.pcap"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.Contains(line, `"vantage_path"`) && !strings.HasSuffix(line, `,"observer":"client"}`) && !strings.HasSuffix(line, `,"observer":"server"}`) {
			t.Errorf("observer not last: %s", line)
		}
	}
}

// TestVantageUntranslatedTargetSaysTheAddress guards the merged verdict
// of a data SYN sent to the private address a 227 named untranslated:
// "dropped in between" alone sends the admin to the router's rules,
// while the client's side says the address is the fault. The server's
// data-not-attempted, whose first reading (the client trusted the
// announced address) the merged view confirms, is not superseded.
func TestVantageUntranslatedTargetSaysTheAddress(t *testing.T) {
	recs := vantagePair(t, "nat-no-pasv-address-trusting")
	paths := ofType(recs, "path")
	if len(paths) != 1 {
		t.Fatalf("want 1 path, got %d", len(paths))
	}
	v, _ := paths[0]["verdict"].(string)
	if paths[0]["where"] != "syn-lost" || strings.Contains(v, "dropped in between") ||
		!strings.Contains(v, "it was sent to 10.99.2.2:40050, the private address the server announced (left untranslated), not to 10.99.1.1") ||
		!strings.Contains(v, "make the server announce 10.99.1.1") {
		t.Errorf("path verdict %q", v)
	}
	s := findingAt(t, recs, "server", "data-not-attempted")
	wantPathRef(t, s, "syn-lost")
	if s["superseded"] != nil {
		t.Errorf("server data-not-attempted: the client trusted the announced address, as its first reading says, yet superseded %q", s["superseded"])
	}
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--vantage", "client=" + vantageRealDir + "nat-no-pasv-address-trusting-client.pcap",
		"--vantage", "server=" + vantageRealDir + "nat-no-pasv-address-trusting-server.pcap"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(unwrapped(out.String()), "-> syn-lost: the SYN passed \"client\" and never reached \"server\": it was sent to 10.99.2.2:40050") {
		t.Errorf("text:\n%s", out.String())
	}
}
