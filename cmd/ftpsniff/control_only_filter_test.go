package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

// pcapngWithFilter rewrites the pcap file src as a pcapng file of dir
// whose one interface records filter as its capture filter (if_filter:
// dumpcap -f FILTER writes it), none when filter is empty, and returns
// its path.
func pcapngWithFilter(t *testing.T, dir, src, filter string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".pcap")+"-"+strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, filter)+".pcapng")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	intf := pcapgo.DefaultNgInterface
	intf.LinkType, intf.SnapLength, intf.Filter = r.LinkType(), r.Snaplen(), filter
	w, err := pcapgo.NewNgWriterInterface(out, intf, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return path
}

// flat is s with its runs of white space one space: the text output
// wraps its lines.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// codeFindings are the finding records of recs with the given code.
func codeFindings(recs []map[string]any, code string) []map[string]any {
	var fs []map[string]any
	for _, r := range recs {
		if r["type"] == "finding" && r["code"] == code {
			fs = append(fs, r)
		}
	}
	return fs
}

// summaryRecord is the summary record of recs.
func summaryRecord(t *testing.T, recs []map[string]any) map[string]any {
	t.Helper()
	for _, r := range recs {
		if r["type"] == "summary" {
			return r
		}
	}
	t.Fatal("no summary record")
	return nil
}

// TestControlOnlyRuleSaysBothSides guards the newcomer's 'port 21' cut
// of active-client-firewall.pcap (the client's firewall drops the
// server's SYNs): with no data packet in the capture, active-blocked
// named the server's output chain and its rule, and said rules on the
// client change nothing, the doubt only at the verdict's end. Where
// the rule is printed (the finding's fix, the change lines) it must say
// both sides, each with its condition, the client's rules too.
func TestControlOnlyRuleSaysBothSides(t *testing.T) {
	p21 := tcpdumpPort21(t, t.TempDir(), "../../pcaps/real/active-client-firewall.pcap")
	recs := runJSONRecordsOK(t, "read", "--json", p21)
	fs := codeFindings(recs, "active-blocked")
	if len(fs) != 1 {
		t.Fatalf("%d active-blocked findings, want 1", len(fs))
	}
	advice, _ := fs[0]["advice"].(string)
	for _, want := range []string{"does not show whether the server's SYNs left the server", "If none did, let the server's outgoing data connections",
		"the client's side dropped them: let the connection in on the client", "iptables -I INPUT", "iptables -I OUTPUT"} {
		if !strings.Contains(advice, want) {
			t.Errorf("advice does not say %q:\n%s", want, advice)
		}
	}
	if strings.Contains(advice, "Rules on the client change nothing") {
		t.Errorf("advice still rules out the client's side:\n%s", advice)
	}
	out := flat(readSummary(t, p21))
	for _, want := range []string{"if a filter such as 'port 21' cut the SYNs out of the capture, a firewall on the client's side may",
		"# if no SYN left the server", "the client's side drops them: # on the client: attach the FTP helper"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary does not say %q:\n%s", want, out)
		}
	}
	// Unfiltered, the capture shows the SYNs leave: the client's side,
	// no doubt.
	if out := flat(readSummary(t, "../../pcaps/real/active-client-firewall.pcap")); strings.Contains(out, "'port 21'") || strings.Contains(out, "# if no SYN left") {
		t.Errorf("unfiltered: doubted:\n%s", out)
	}
}

// TestControlOnlyJSONSaysSo guards the JSON of a capture of the control
// connections alone: the findings that carry the caveat say so
// (control_only), and the summary record says the capture held nothing
// else and how many findings rest on it (control_only), in --json and
// in the summary record --format zeek writes; unfiltered, neither.
func TestControlOnlyJSONSaysSo(t *testing.T) {
	p21 := tcpdumpPort21(t, t.TempDir(), "../../pcaps/real/active-client-firewall.pcap")
	recs := runJSONRecordsOK(t, "read", "--json", p21)
	if fs := codeFindings(recs, "active-blocked"); len(fs) != 1 || fs[0]["control_only"] != true {
		t.Errorf("active-blocked: no control_only: %v", fs)
	}
	for _, code := range []string{"server-data-error", "cleartext-login"} {
		for _, f := range codeFindings(recs, code) {
			if _, ok := f["control_only"]; ok {
				t.Errorf("%s: control_only, though it rests on no missing connection", code)
			}
		}
	}
	c, _ := summaryRecord(t, recs)["control_only_totals"].(map[string]any)
	if c["input"] != true || c["findings"] != float64(1) || c["filtered_findings"] != float64(0) {
		t.Errorf("summary control_only_totals = %v", c)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--format", "zeek", p21}, &stdout, &stderr); code != exitOK {
		t.Fatalf("zeek: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `"control_only_totals":{"input":true,"findings":1`) {
		t.Errorf("zeek's summary record has no control_only:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), `"ftpsniff.findings":["active-blocked","server-data-error"],"ftpsniff.control_only":true`) {
		t.Errorf("zeek's PORT line has no ftpsniff.control_only:\n%s", stdout.String())
	}
	recs = runJSONRecordsOK(t, "read", "--json", "../../pcaps/real/active-client-firewall.pcap")
	if c, ok := summaryRecord(t, recs)["control_only_totals"]; ok {
		t.Errorf("unfiltered: summary control_only_totals = %v", c)
	}
}

// TestControlOnlyConnectBackCaveat guards pyftpdlib's active reject cut
// to port 21 (rt-d): the server answers the PORT itself with 425, its
// connection back refused by the client; with no data packet in the
// capture, active-blocked ("no SYN of it reached the capture point")
// came with no caveat at all.
func TestControlOnlyConnectBackCaveat(t *testing.T) {
	p21 := tcpdumpPort21(t, t.TempDir(), "../../pcaps/real/pyftpdlib-active-client-reject.pcap")
	recs := runJSONRecordsOK(t, "read", "--json", p21)
	fs := codeFindings(recs, "active-blocked")
	if len(fs) == 0 {
		t.Fatal("no active-blocked: the test proves nothing")
	}
	for _, f := range fs {
		msg, _ := f["message"].(string)
		advice, _ := f["advice"].(string)
		if f["control_only"] != true || !strings.Contains(msg, "holds nothing but the control connections") || !strings.Contains(advice, "capture again without a port filter") {
			t.Errorf("no caveat: %v", f)
		}
	}
	out := flat(readSummary(t, p21))
	if !strings.Contains(out, "3 findings rest on data connections missing") || !strings.Contains(out, "# read while the capture held nothing but the control connections' packets") {
		t.Errorf("verdict and change lines: no caveat:\n%s", out)
	}
}

// TestRecordedCaptureFilterSettles guards a pcapng capture whose file
// records its capture filter (if_filter): 'port 21' (or 'tcp port ftp')
// left the data connections out, and the findings say so with
// certainty, naming the filter, escaped, and blame no side; one that
// keeps data connections ('tcp') says the capture point saw none, and
// the reading stands with no caveat. A filter it cannot read (a host),
// or none recorded (as mergecap writes), keeps the caveat.
func TestRecordedCaptureFilterSettles(t *testing.T) {
	dir := t.TempDir()
	p21 := tcpdumpPort21(t, dir, "../../pcaps/real/active-client-firewall.pcap")
	for _, filter := range []string{"port 21", "tcp port ftp", "port 21 and host \x1b]0;x\x07evil"} {
		ng := pcapngWithFilter(t, dir, p21, filter)
		out := flat(readSummary(t, ng))
		for _, want := range []string{"warning data-not-attempted", "left the data connections out", "capture again with a filter that keeps them"} {
			if !strings.Contains(out, want) {
				t.Errorf("%q: does not say %q:\n%s", filter, want, out)
			}
		}
		for _, never := range []string{"error active-blocked", "output chain", "iptables", "\x1b", "\x07", "if a filter such as 'port 21' cut"} {
			if strings.Contains(out, never) {
				t.Errorf("%q: says %q:\n%s", filter, never, out)
			}
		}
		recs := runJSONRecordsOK(t, "read", "--json", ng)
		fs := codeFindings(recs, "data-not-attempted")
		if len(fs) != 1 || fs[0]["capture_filter"] != filter {
			t.Errorf("%q: data-not-attempted capture_filter: %v", filter, fs)
		}
		c, _ := summaryRecord(t, recs)["control_only_totals"].(map[string]any)
		if c["capture_filter"] != filter || c["capture_filter_effect"] != "drops-data" || c["filtered_findings"] != float64(1) {
			t.Errorf("%q: summary control_only_totals = %v", filter, c)
		}
	}
	if out := flat(readSummary(t, pcapngWithFilter(t, dir, p21, "port 21"))); !strings.Contains(out, `the capture filter "port 21" (recorded in the capture file) left the data connections out`) {
		t.Errorf("port 21: the filter not named:\n%s", out)
	}
	for filter, want := range map[string]string{"tcp": `its file records the capture filter "tcp", which keeps data connections`} {
		out := flat(readSummary(t, pcapngWithFilter(t, dir, p21, filter)))
		if !strings.Contains(out, "error active-blocked") || !strings.Contains(out, want) || strings.Contains(out, "if a filter such as 'port 21' cut") {
			t.Errorf("%q: not the reading, or no %q:\n%s", filter, want, out)
		}
	}
	// A host filter's effect, and no filter recorded (mergecap, editcap
	// and a conversion to pcapng record none for a 'port 21' pcap),
	// keep the caveat.
	for _, filter := range []string{"host 10.99.0.1", ""} {
		if out := flat(readSummary(t, pcapngWithFilter(t, dir, p21, filter))); !strings.Contains(out, "if a filter such as 'port 21' cut") || strings.Contains(out, "records no capture filter") {
			t.Errorf("%q: no caveat:\n%s", filter, out)
		}
	}
	// pyftpdlib's 425 to the PORT itself, the same.
	reject := pcapngWithFilter(t, dir, tcpdumpPort21(t, dir, "../../pcaps/real/pyftpdlib-active-client-reject.pcap"), "port 21")
	recs := runJSONRecordsOK(t, "read", "--json", reject)
	if fs := codeFindings(recs, "data-not-attempted"); len(fs) != 3 || fs[0]["capture_filter"] != "port 21" || fs[0]["severity"] != "warning" || len(codeFindings(recs, "active-blocked")) > 0 {
		t.Errorf("pyftpdlib reject: %v", recs)
	}
}
