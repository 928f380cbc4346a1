package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ftpsniff/ftpsniff/decode/communityid"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// zeekSchema is Zeek's ftp.log: the field names and their Zeek types, from
// the header of Zeek's `scripts.base.protocols.ftp.ftp-ipv4` btest baseline
// and FTP::Info in base/protocols/ftp/info.zeek (shared/notes/
// integrations.md, section 2.1).
var zeekSchema = []struct{ name, typ string }{
	{"ts", "time"}, {"uid", "string"}, {"id.orig_h", "addr"}, {"id.orig_p", "port"}, {"id.resp_h", "addr"}, {"id.resp_p", "port"},
	{"user", "string"}, {"password", "string"}, {"command", "string"}, {"arg", "string"}, {"mime_type", "string"},
	{"file_size", "count"}, {"reply_code", "count"}, {"reply_msg", "string"}, {"data_channel.passive", "bool"},
	{"data_channel.orig_h", "addr"}, {"data_channel.resp_h", "addr"}, {"data_channel.resp_p", "port"}, {"fuid", "string"},
}

// zeekOwnFields are ftpsniff's own ftp.log fields (docs/json.md, the
// table of the "ftpsniff." fields) and the Zeek type each value has:
// "vector" is a JSON array of strings.
var zeekOwnFields = map[string]string{
	"ftpsniff.session": "count", "ftpsniff.index": "count", "ftpsniff.status": "string", "ftpsniff.data": "count",
	"ftpsniff.outcome": "string", "ftpsniff.findings": "vector", "ftpsniff.control_only": "bool",
	"ftpsniff.uncertain": "bool", "ftpsniff.unseen": "bool", "ftpsniff.rest_not_captured": "bool",
	"ftpsniff.community_id": "string", "ftpsniff.data_community_id": "string", "ftpsniff.observer": "string",
	"ftpsniff.user_raw": "string", "ftpsniff.password_raw": "string", "ftpsniff.command_raw": "string",
	"ftpsniff.arg_raw": "string", "ftpsniff.reply_msg_raw": "string",
}

// zeekTypeOK tells whether a decoded JSON value is what Zeek's JSON writer
// writes for a field of the Zeek type: time as epoch seconds (a number),
// addr as a string holding an address, port and count as non-negative
// integers, bool as a boolean.
func zeekTypeOK(typ string, v any) bool {
	switch typ {
	case "time":
		f, ok := v.(float64)
		return ok && f > 0
	case "string":
		_, ok := v.(string)
		return ok
	case "addr":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := netip.ParseAddr(s)
		return err == nil
	case "port":
		f, ok := v.(float64)
		return ok && f == float64(int(f)) && f >= 0 && f <= 65535
	case "count":
		f, ok := v.(float64)
		return ok && f == float64(int64(f)) && f >= 0
	case "bool":
		_, ok := v.(bool)
		return ok
	case "vector":
		a, ok := v.([]any)
		for _, x := range a {
			if _, s := x.(string); !s {
				return false
			}
		}
		return ok
	}
	return false
}

// TestZeekSchema runs `read --format zeek` on the shipped captures (and
// the synthetic one whose commands a snap length cut) and checks every
// line against Zeek's ftp.log schema: every field that is not ftpsniff's
// own (prefixed "ftpsniff.") is one of Zeek's with a value of its type,
// and every one of ftpsniff's is one it documents (zeekOwnFields), with
// a value of its type; ts, uid, id.* and user are always there;
// data_channel.* come all four or none. A command whose line's rest the
// capture cut carries ftpsniff.rest_not_captured, and no other does.
func TestZeekSchema(t *testing.T) {
	types := map[string]string{}
	for _, f := range zeekSchema {
		types[f.name] = f.typ
	}
	captures, _ := filepath.Glob("../../pcaps/real/*.pcap")
	if len(captures) == 0 {
		t.Fatal("no captures under pcaps/real")
	}
	const snapCut = "../../pcaps/synthetic/snap-cut-rest.pcap"
	captures = append(captures, snapCut)
	// cutArgs: the args of the lines marked rest_not_captured, in order.
	var cutArgs []string
	seen := map[string]bool{}
	for _, capFile := range captures {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"read", "--format", "zeek", "--community-id", "--observer", "t", capFile}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", capFile, code, stderr.String())
		}
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			if line == "" {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s: %v: %s", capFile, err, line)
			}
			if rec["ftpsniff.rest_not_captured"] != nil {
				if capFile != snapCut || rec["ftpsniff.rest_not_captured"] != true {
					t.Errorf("%s: rest_not_captured on a line of a capture that cut none: %s", capFile, line)
				}
				cutArgs = append(cutArgs, fmt.Sprint(rec["command"], " ", rec["arg"]))
			}
			for k, v := range rec {
				if strings.HasPrefix(k, "ftpsniff.") {
					if typ, ok := zeekOwnFields[k]; !ok {
						t.Errorf("%s: field %q is none of ftpsniff's documented ones", capFile, k)
					} else if !zeekTypeOK(typ, v) {
						t.Errorf("%s: %s = %v is not a %s", capFile, k, v, typ)
					}
					seen[k] = true
					continue
				}
				typ, ok := types[k]
				if !ok {
					t.Errorf("%s: field %q is not in Zeek's ftp.log", capFile, k)
					continue
				}
				if !zeekTypeOK(typ, v) {
					t.Errorf("%s: %s = %v is not a Zeek %s", capFile, k, v, typ)
				}
				seen[k] = true
			}
			for _, k := range []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "user"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("%s: line without %s: %s", capFile, k, line)
				}
			}
			n := 0
			for _, k := range []string{"data_channel.passive", "data_channel.orig_h", "data_channel.resp_h", "data_channel.resp_p"} {
				if _, ok := rec[k]; ok {
					n++
				}
			}
			if n != 0 && n != 4 {
				t.Errorf("%s: %d of the 4 data_channel fields: %s", capFile, n, line)
			}
			if n == 4 && rec["ftpsniff.outcome"] == nil {
				t.Errorf("%s: a data channel without its outcome: %s", capFile, line)
			}
			if rec["ftpsniff.observer"] != "t" || rec["ftpsniff.community_id"] == nil {
				t.Errorf("%s: no observer or community id: %s", capFile, line)
			}
		}
	}
	// The captures exercise the fields ftpsniff fills.
	for _, k := range []string{"password", "command", "arg", "file_size", "reply_code", "reply_msg", "data_channel.passive", "data_channel.resp_p", "ftpsniff.rest_not_captured"} {
		if !seen[k] {
			t.Errorf("no capture produced %s", k)
		}
	}
	// snap-cut-rest.pcap: "REST 12" of "REST 1234567", and a RETR whose
	// path was cut after "/pub/releases/2026/ftp".
	if want := []string{"REST ftp://192.0.2.21/./12", "RETR ftp://192.0.2.21/pub/releases/2026/ftp"}; !slices.Equal(cutArgs, want) {
		t.Errorf("lines marked ftpsniff.rest_not_captured: %q, want %q", cutArgs, want)
	}
}

// TestZeekPasswordHidden: as Zeek, a password is <hidden> (in password and
// in the PASS line's arg) unless --show-passwords.
func TestZeekPasswordHidden(t *testing.T) {
	capFile := "../../pcaps/real/passive-curl.pcap"
	for _, show := range []bool{false, true} {
		args := []string{"read", "--format", "zeek", capFile}
		if show {
			args = append(args, "--show-passwords")
		}
		var stdout, stderr bytes.Buffer
		run(args, &stdout, &stderr)
		var pass map[string]any
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			var rec map[string]any
			json.Unmarshal([]byte(line), &rec)
			if rec["command"] == "PASS" {
				pass = rec
			}
		}
		if pass == nil {
			t.Fatalf("no PASS line:\n%s", stdout.String())
		}
		hiddenWanted := !show
		if got := pass["password"] == hidden && pass["arg"] == hidden; got != hiddenWanted {
			t.Errorf("--show-passwords=%v: password %v, arg %v", show, pass["password"], pass["arg"])
		}
		if !strings.Contains(stderr.String(), `"type":"summary"`) {
			t.Errorf("no summary record on stderr: %q", stderr.String())
		}
	}
}

// TestZeekHeldUntilOutcome: the PASV line waits for its data connection's
// outcome; the RETR after it waits behind it, and both come out, in order,
// with the data record's outcome (a session's lines are written when it
// ends, so that findings the diagnosis makes later still find their line).
func TestZeekHeldUntilOutcome(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	o := newZeekOutput(bw, false, idOptions{})
	o.notes = nil
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("192.0.2.1:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21"), Start: time.Unix(1e9, 0)}
	d := &track.DataConn{ID: 1, Session: s, Passive: true, Announced: netip.MustParseAddrPort("192.0.2.10:40100"), ExpectedSize: 42}
	pasv := &track.Command{Index: 1, Verb: "PASV", Status: track.StatusAnswered, EndpointVia: 1, Data: d, Replies: []track.Reply{{Code: 227, Text: "Entering Passive Mode (192,0,2,10,156,164)."}}}
	d.Announce = pasv
	retr := &track.Command{Index: 2, Verb: "RETR", Arg: "a.txt", Status: track.StatusAnswered, Transfer: []*track.DataConn{d}, Replies: []track.Reply{{Code: 226, Text: "ok"}}}
	d.Command = retr
	o.SessionStart(s)
	o.Command(s, pasv)
	o.Command(s, retr)
	bw.Flush()
	if buf.Len() != 0 {
		t.Fatalf("lines written before the outcome: %s", buf.String())
	}
	d.Done, d.Outcome = true, track.OutcomeUnanswered
	o.Finding(findingFor(s, d, "data-unanswered"))
	o.Data(s, d)
	o.SessionEnd(s)
	o.Flush()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var p, r map[string]any
	json.Unmarshal([]byte(lines[0]), &p)
	json.Unmarshal([]byte(lines[1]), &r)
	if p["command"] != "PASV" || p["ftpsniff.outcome"] != "unanswered" || p["data_channel.resp_p"] != float64(40100) {
		t.Errorf("PASV line: %s", lines[0])
	}
	if f, _ := p["ftpsniff.findings"].([]any); len(f) != 1 || f[0] != "data-unanswered" {
		t.Errorf("PASV line findings: %s", lines[0])
	}
	if r["command"] != "RETR" || r["arg"] != "ftp://192.0.2.10/./a.txt" || r["file_size"] != float64(42) || r["data_channel.passive"] != nil {
		t.Errorf("RETR line: %s", lines[1])
	}
	if p["uid"] != r["uid"] || !strings.HasPrefix(p["uid"].(string), "C") {
		t.Errorf("uids %v %v", p["uid"], r["uid"])
	}
}

func TestZeekURL(t *testing.T) {
	tests := []struct{ server, cwd, arg, want string }{
		{"192.0.2.10", "", "a.txt", "ftp://192.0.2.10/./a.txt"},
		{"192.0.2.10", "/pub", "a.txt", "ftp://192.0.2.10/pub/a.txt"},
		{"192.0.2.10", "/pub", "/etc/x", "ftp://192.0.2.10/etc/x"},
		{"192.0.2.10", "/pub", "../x", "ftp://192.0.2.10/x"},
		{"2001:db8::1", "/", "f", "ftp://[2001:db8::1]/f"},
	}
	for _, tt := range tests {
		if got := zeekURL(netip.MustParseAddr(tt.server), tt.cwd, tt.arg); got != tt.want {
			t.Errorf("zeekURL(%s, %q, %q) = %q, want %q", tt.server, tt.cwd, tt.arg, got, tt.want)
		}
	}
}

// TestJSONCommunityID: with --community-id, session and data records carry
// the Community ID of their connection, the one decode/communityid
// computes; without it, none.
func TestJSONCommunityID(t *testing.T) {
	capFile := "../../pcaps/real/passive-curl.pcap"
	for _, on := range []bool{false, true} {
		args := []string{"read", "--json", capFile}
		if on {
			args = append(args, "--community-id")
		}
		var stdout, stderr bytes.Buffer
		run(args, &stdout, &stderr)
		n := 0
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			var raw map[string]any
			json.Unmarshal([]byte(line), &raw)
			if raw["type"] != "session" && raw["type"] != "data" {
				continue
			}
			id, _ := raw["community_id"].(string)
			if !on {
				if id != "" {
					t.Errorf("community_id without --community-id: %s", line)
				}
				continue
			}
			c, _ := netip.ParseAddrPort(raw["client"].(string))
			s, _ := netip.ParseAddrPort(raw["server"].(string))
			if want := communityid.TCP(0, c, s); id != want || want == "" {
				t.Errorf("community_id %q, want %q: %s", id, want, line)
			}
			n++
		}
		if on && n < 2 {
			t.Errorf("only %d session/data records with a community_id", n)
		}
	}
}

func TestRecordFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"read", "--format", "xml", "x.pcap"},
		{"read", "--json", "--format", "zeek", "x.pcap"},
		{"read", "--observer", "a\u202eb", "x.pcap"},
		{"read", "--observer", strings.Repeat("x", 300), "x.pcap"},
		{"live", "-i", "lo", "--metrics", "9121"},
		{"live", "-i", "lo", "--metrics-servers", "-1"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
			t.Errorf("%q: exit %d, stderr %q: want 2 and one line", args, code, stderr.String())
		}
	}
}

// TestServerLabelsBounded: a scan of 50,000 servers adds no series beyond
// the bound; the servers with real traffic keep their labels.
func TestServerLabelsBounded(t *testing.T) {
	var demoted []string
	l := newServerLabels(3, func(s string) { demoted = append(demoted, s) })
	clock := time.Unix(0, 0)
	l.now = func() time.Time { return clock }
	heavy := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")}
	labels := map[string]bool{}
	for i := 0; i < 50000; i++ {
		for _, h := range heavy {
			labels[l.label(h, 1000)] = true
		}
		a := netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)})
		labels[l.label(a, 1)] = true
		clock = clock.Add(time.Millisecond)
	}
	if len(labels) > 3+1 {
		t.Errorf("%d distinct labels, want at most 4", len(labels))
	}
	for _, h := range heavy {
		if got := l.label(h, 0); got != h.String() {
			t.Errorf("%s has label %q", h, got)
		}
	}
	if len(l.tracked) > maxTrackedServers {
		t.Errorf("%d servers tracked", len(l.tracked))
	}
	// A server that overtakes a labelled one by far takes its label.
	late := netip.MustParseAddr("10.0.0.3")
	l.label(late, 1<<40)
	clock = clock.Add(rebalanceEvery)
	l.label(late, 1)
	if got := l.label(late, 0); got != late.String() {
		t.Errorf("heavy late server has label %q (demoted %v)", got, demoted)
	}
}

// TestMetricsCount runs the analysis of a capture with a blocked passive
// port through the metrics wrapper and reads the counters back.
func TestMetricsCount(t *testing.T) {
	opts := &analysisOptions{Color: "never", MaxLine: 4096, FailOn: "never"}
	opts.JSON = true
	if err := opts.validate(); err != nil {
		t.Fatal(err)
	}
	m := newMetrics(10)
	var buf bytes.Buffer
	out := &metricsOutput{out: newOutput(opts, &buf), m: m}
	p := newPipelineWith(opts, out, track.Options{})
	if err := readFile("../../pcaps/real/pasv-drop.pcap", p.dec, &p.files); err != nil {
		t.Fatal(err)
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	server := "10.99.0.1"
	checks := []struct {
		name string
		got  float64
		want float64
	}{
		{"sessions started", counterValue(m.sessionsStarted.WithLabelValues(server)), 1},
		{"unanswered EPSV", counterValue(m.data.WithLabelValues(server, "EPSV", "unanswered")), 1},
		{"data-unanswered finding", counterValue(m.findings.WithLabelValues(server, "data-unanswered", "error")), 1},
		{"logins ok", counterValue(m.logins.WithLabelValues(server, "ok")), 1},
		{"PASS commands", counterValue(m.commands.WithLabelValues("PASS")), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	// The snapshot collector exports the decoder's and tracker's counters
	// and the capture's health.
	m.snap.update(snapshot{Decode: p.dec.Stats(), Limits: p.trk.Limits(), Packets: 30, LastPacket: time.Unix(1700000000, 0)})
	got := gathered(t, m.reg)
	for name, want := range map[string]float64{
		"ftpsniff_decode_packets_total":                                                       30,
		"ftpsniff_packets_total":                                                              30,
		"ftpsniff_capture_last_packet_timestamp_seconds":                                      1.7e9,
		`ftpsniff_limit_hits_total{limit="sessions_dropped",stage="track"}`:                   0,
		`ftpsniff_limit_hits_total{limit="lines_truncated",stage="decode"}`:                   0,
		`ftpsniff_data_connections_total{outcome="unanswered",server="10.99.0.1",via="EPSV"}`: 1,
	} {
		if v, ok := got[name]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
		}
	}
	if _, ok := got["go_goroutines"]; !ok {
		t.Errorf("no Go collector series")
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// gathered maps every series the registry exports, written as
// name{label="value",...} with labels sorted, to its value.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			if len(m.GetLabel()) > 0 {
				var ls []string
				for _, l := range m.GetLabel() {
					ls = append(ls, l.GetName()+"="+strconv.Quote(l.GetValue()))
				}
				sort.Strings(ls)
				key += "{" + strings.Join(ls, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Untyped != nil:
				out[key] = m.GetUntyped().GetValue()
			default:
				out[key] = 0
			}
		}
	}
	return out
}

// TestOutputReopen: after SIGHUP's request, the next tick writes to a new
// file by the same name; the moved file keeps what came before.
func TestOutputReopen(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "ftp.jsonl")
	r, err := openReopenFile(name, fileOwner{}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Write([]byte("one\n"))
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	r.reopenIfAsked() // not asked: still the moved file
	r.Write([]byte("two\n"))
	r.asked.Store(true)
	r.reopenIfAsked()
	r.Write([]byte("three\n"))
	old, _ := os.ReadFile(name + ".1")
	cur, _ := os.ReadFile(name)
	if string(old) != "one\ntwo\n" || string(cur) != "three\n" {
		t.Errorf("moved file %q, new file %q", old, cur)
	}
}

func findingFor(s *track.Session, d *track.DataConn, code string) *diagnose.Finding {
	return &diagnose.Finding{Code: code, Severity: diagnose.SeverityError, Session: s, Data: d}
}
