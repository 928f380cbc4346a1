package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/nfhelper"
	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// The JSON records are documented field by field in docs/json.md, the
// `file` and `extraction` records in docs/extraction.md (README promises
// it). These tests keep the documents from falling behind the output: a
// record type, a field (at any depth) or an enumerated value that is
// written but not documented fails them.

const (
	jsonDocPath       = "../../docs/json.md"
	extractionDocPath = "../../docs/extraction.md"
)

// docSection is the text of one part of a document, and the words of its
// code spans: a field or value is documented there when it is one of them.
type docSection struct {
	where string
	text  string
	words map[string]bool // identifiers inside `code spans`
	spans map[string]bool // whole code spans
}

var (
	codeSpan = regexp.MustCompile("`([^`\n]+)`")
	wordRE   = regexp.MustCompile(`[A-Za-z0-9_]+`)
)

func newDocSection(where, text string) docSection {
	d := docSection{where: where, text: text, words: map[string]bool{}, spans: map[string]bool{}}
	for _, m := range codeSpan.FindAllStringSubmatch(text, -1) {
		span := strings.ReplaceAll(m[1], `\|`, "|")
		d.spans[span] = true
		for _, part := range strings.Split(span, "|") {
			d.spans[part] = true
		}
		for _, w := range wordRE.FindAllString(span, -1) {
			d.words[w] = true
		}
	}
	return d
}

// jsonDocs reads the two documents and finds each record type's section:
// in json.md the "## " sections whose heading names the type in a code
// span; for file and extraction, extraction.md's "## Records" (json.md
// must still name them in a heading and link there).
type jsonDocs struct {
	whole    docSection // all of json.md
	sections map[string]docSection
}

func readJSONDocs(t *testing.T) jsonDocs {
	t.Helper()
	jd, err := os.ReadFile(jsonDocPath)
	if err != nil {
		t.Fatal(err)
	}
	xd, err := os.ReadFile(extractionDocPath)
	if err != nil {
		t.Fatal(err)
	}
	docs := jsonDocs{whole: newDocSection("docs/json.md", string(jd)), sections: map[string]docSection{}}
	headed := map[string][]string{}
	for _, sec := range splitSections(string(jd)) {
		heading, _, _ := strings.Cut(sec, "\n")
		for _, m := range codeSpan.FindAllStringSubmatch(heading, -1) {
			headed[m[1]] = append(headed[m[1]], sec)
		}
	}
	for typ, secs := range headed {
		docs.sections[typ] = newDocSection("docs/json.md, section "+strings.TrimSpace(strings.SplitN(secs[0], "\n", 2)[0]), strings.Join(secs, "\n"))
	}
	var records string
	for _, sec := range splitSections(string(xd)) {
		if strings.HasPrefix(sec, "## Records\n") {
			records = sec
		}
	}
	if records == "" {
		t.Fatalf("%s has no \"## Records\" section", extractionDocPath)
	}
	for _, typ := range []string{"file", "extraction"} {
		if _, ok := headed[typ]; !ok {
			t.Errorf("docs/json.md has no section naming the %q record", typ)
		}
		docs.sections[typ] = newDocSection("docs/extraction.md, section ## Records", records)
	}
	if !strings.Contains(string(jd), "(extraction.md") {
		t.Errorf("docs/json.md does not link extraction.md, where the file and extraction records are described")
	}
	return docs
}

// splitSections cuts a Markdown document at its "## " headings.
func splitSections(doc string) []string {
	var out []string
	cur := -1
	for line := range strings.SplitAfterSeq(doc, "\n") {
		if strings.HasPrefix(line, "## ") {
			out = append(out, "")
			cur++
		}
		if cur >= 0 {
			out[cur] += line
		}
	}
	return out
}

// documented says whether field f of a record of type typ is described.
// Fields every record may carry are described once, in json.md: `type`,
// `observer`, and the `_raw` twins of wire text ("Text from the wire",
// or the record's own section).
func (d jsonDocs) documented(typ, f string) bool {
	switch {
	case f == "type":
		return true
	case f == "observer":
		return d.whole.words[f]
	case strings.HasSuffix(f, "_raw"):
		return d.whole.words[f] || d.sections[typ].words[f]
	}
	return d.sections[typ].words[f]
}

// mapFields hold counts keyed by a value (an outcome, a finding code),
// not field names.
var mapFields = map[string]bool{"outcomes": true, "findings": true}

// collectFields adds every field name of v (an object, or an array of
// them) to names, at any depth.
func collectFields(v any, names map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			names[k] = true
			if !mapFields[k] {
				collectFields(x, names)
			}
		}
	case []any:
		for _, x := range v {
			collectFields(x, names)
		}
	}
}

// jsonDocRuns are the command lines whose records are checked: every
// shipped capture with --community-id and --observer (all optional
// fields of session and data), and the flags that add record types:
// --pasv-range (policy), --helper linux, --vantage (with --helper linux:
// helper_check, helper_step), --extract (file, extraction), --host
// (the summary's filtered).
func jsonDocRuns(t *testing.T) [][]string {
	t.Helper()
	var runs [][]string
	for _, f := range goldenCaptures(t) {
		runs = append(runs, []string{"read", "--json", "--community-id", "--observer", "x", f})
	}
	real := "../../pcaps/real/"
	syn := "../../pcaps/synthetic/"
	runs = append(runs,
		[]string{"read", "--json", "--pasv-range", "40000-40100", "--helper", "linux", real + "helper-nat-client.pcap"},
		[]string{"read", "--json", "--helper", "linux", real + "helper-split-227-client.pcap"},
		[]string{"read", "--json", "--host", "10.99.0.99", real + "pasv-drop.pcap"},
		[]string{"read", "--json", "--observer", "gw", "--helper", "linux",
			"--vantage", "client=" + real + "helper-nat-client.pcap", "--vantage", "server=" + real + "helper-nat-server.pcap"},
		[]string{"read", "--json", "--helper", "linux",
			"--vantage", "client=" + real + "helper-split-227-client.pcap", "--vantage", "server=" + real + "helper-split-227-server.pcap"},
		[]string{"read", "--json", "--helper", "linux",
			"--vantage", "client=" + real + "helper-split-port-client.pcap", "--vantage", "server=" + real + "helper-split-port-server.pcap"},
		[]string{"read", "--json", "--vantage", "client=" + real + "router-drop-data-synack-client.pcap",
			"--vantage", "router=" + real + "router-drop-data-synack-router-in.pcap", "--vantage", "server=" + real + "router-drop-data-synack-server.pcap"},
		[]string{"read", "--json", "--vantage", "client=" + real + "router-drop-data-syn-client.pcap", "--vantage", "server=" + real + "router-drop-data-syn-server.pcap"},
	)
	for _, f := range []string{syn + "extract-gap.pcap", syn + "extract-abort.pcap", syn + "extract-type-a.pcap", real + "ftps-ccc-proftpd.pcap", real + "upload-stor.pcap"} {
		runs = append(runs, []string{"read", "--json", "--extract", t.TempDir(), f})
	}
	return runs
}

// runJSONRecords runs one command line through run, as the golden tests
// do, and decodes its records; an input error (truncated.pcap) is part of
// what is checked, so the exit code is not.
func runJSONRecords(t *testing.T, args []string) []map[string]any {
	t.Helper()
	var stdout, stderr bytes.Buffer
	run(args, &stdout, &stderr)
	return decodeJSONRecords(t, args, &stdout, &stderr)
}

// runJSONRecordsOK is runJSONRecords for a command line that must exit
// 0.
func runJSONRecordsOK(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
	}
	return decodeJSONRecords(t, args, &stdout, &stderr)
}

// decodeJSONRecords decodes the JSON Lines records of args' output.
func decodeJSONRecords(t *testing.T, args []string, stdout, stderr *bytes.Buffer) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%v: bad JSON line %q: %v", args, sc.Text(), err)
		}
		recs = append(recs, m)
	}
	if len(recs) == 0 {
		t.Fatalf("%v: no records (%s)", args, stderr.String())
	}
	return recs
}

// enumFields are the fields whose values come from a fixed list: each
// value written must be in the list its record's section gives. Values
// joined by "|" (reply anomalies, telnet flags) are checked one by one.
var enumFields = map[string][]string{
	"session":         {"end_reason", "login_state", "one_side_captured"},
	"command":         {"status", "via", "telnet", "replies.anomaly"},
	"data":            {"via", "outcome", "match", "end_reason", "one_side_captured"},
	"event":           {"kind", "from"},
	"finding":         {"code", "severity"},
	"vantage_session": {"paired_by"},
	"path":            {"mode", "where", "helper.match"},
	"helper_step":     {"dir", "kind", "action", "partial", "missed"},
	"file":            {"direction", "command"},
}

// valuesAt returns the string values at a dotted path, through arrays.
func valuesAt(v any, path []string) []string {
	switch v := v.(type) {
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, valuesAt(x, path)...)
		}
		return out
	case map[string]any:
		if len(path) == 0 {
			return nil
		}
		return valuesAt(v[path[0]], path[1:])
	case string:
		if len(path) == 0 {
			return strings.Split(v, "|")
		}
	}
	return nil
}

// TestJSONDocCoversRecords runs `read --json` over every shipped capture
// in pcaps/real and pcaps/synthetic, plus --vantage pairs, --helper
// linux, --extract and --host, and checks that every record type written
// has its section in docs/json.md (file and extraction: extraction.md),
// every field name in it, at any depth, is in that section, and every
// value of an enumerated field is listed there. Guards the review that
// found error, vantage, vantage_session, path, helper_check and
// helper_step undocumented, event kind cleartext, end_reason evicted and
// the summary's capture_file and filtered missing.
func TestJSONDocCoversRecords(t *testing.T) {
	docs := readJSONDocs(t)
	fields := map[string]map[string]bool{} // type -> field names seen
	values := map[string]map[string]bool{} // "type field" -> values seen
	for _, args := range jsonDocRuns(t) {
		for _, r := range runJSONRecords(t, args) {
			typ, _ := r["type"].(string)
			if fields[typ] == nil {
				fields[typ] = map[string]bool{}
			}
			collectFields(r, fields[typ])
			for _, f := range enumFields[typ] {
				key := typ + " " + f
				if values[key] == nil {
					values[key] = map[string]bool{}
				}
				for _, v := range valuesAt(r, strings.Split(f, ".")) {
					values[key][v] = true
				}
			}
		}
	}
	for _, typ := range []string{"session", "command", "data", "event", "finding", "policy", "server", "summary",
		"error", "file", "extraction", "vantage", "vantage_session", "path", "helper_check", "helper_step"} {
		if fields[typ] == nil {
			t.Errorf("no %q record in the runs: the test no longer covers it", typ)
		}
	}
	for _, typ := range sortedKeys(fields) {
		sec, ok := docs.sections[typ]
		if !ok {
			t.Errorf("record type %q is written but docs/json.md has no section for it", typ)
			continue
		}
		for _, f := range sortedKeys(fields[typ]) {
			if !docs.documented(typ, f) {
				t.Errorf("%s record: field %q is written but not in %s", typ, f, sec.where)
			}
		}
	}
	for _, key := range sortedKeys(values) {
		typ, _, _ := strings.Cut(key, " ")
		sec := docs.sections[typ]
		for _, v := range sortedKeys(values[key]) {
			if !sec.spans[v] {
				t.Errorf("%s: value %q is written but not listed in %s", key, v, sec.where)
			}
		}
	}
}

// TestJSONDocCoversRecordFields checks the Go types of the records
// written from structs, so that a field no shipped capture shows (it is
// omitted while zero: capture_file, diagnosis, offset_one_way,
// text_truncated, steps_dropped, …) is documented too.
func TestJSONDocCoversRecordFields(t *testing.T) {
	docs := readJSONDocs(t)
	for typ, v := range map[string]any{
		"policy":          jsonPolicy{},
		"server":          jsonServer{},
		"summary":         jsonSummary{},
		"file":            jsonFile{},
		"extraction":      jsonExtraction{},
		"vantage":         jsonVantagePoint{},
		"vantage_session": jsonVantageSession{},
		"path":            jsonPath{},
		"helper_check":    jsonHelperCheck{},
		"helper_step":     jsonHelperStep{},
	} {
		names := map[string]bool{}
		structFields(reflect.TypeOf(v), names)
		if len(names) < 2 {
			t.Fatalf("%s: found only %v in %T", typ, names, v)
		}
		for _, f := range sortedKeys(names) {
			if !docs.documented(typ, f) {
				t.Errorf("%s record: field %q (%T) is not in %s", typ, f, v, docs.sections[typ].where)
			}
		}
	}
}

// structFields adds the JSON names of t's fields, at any depth, as
// encoding/json names them (embedded structs flattened).
func structFields(t reflect.Type, names map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			structFields(f.Type, names)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = true
		if !mapFields[name] {
			structFields(f.Type, names)
		}
	}
}

// TestJSONDocListsEnumValues checks the value lists json.md gives against
// the code's tables, so a value no capture shows (end_reason evicted,
// where not-captured) is listed too.
func TestJSONDocListsEnumValues(t *testing.T) {
	docs := readJSONDocs(t)
	var session, data, command, event, finding, path, step []string
	for i := 0; ; i++ {
		s := track.EndReason(i).String()
		if s == "unknown" {
			break
		}
		session = append(session, s)
	}
	for i := 1; ; i++ { // 0 is pending: never written
		s := track.Outcome(i).String()
		if s == "unknown" || i > 64 {
			break
		}
		data = append(data, s)
	}
	for i := 1; ; i++ { // 0 is pending: every command written has ended
		s := track.CommandStatus(i).String()
		if s == "unknown" {
			break
		}
		command = append(command, s)
	}
	for i := 1; i < 5; i++ {
		data = append(data, track.MatchRule(i).String())
	}
	for _, k := range []track.EventKind{track.EventGap, track.EventJunk, track.EventUnsolicited, track.EventReplyNoCommand,
		track.EventReplyGap, track.EventReplyUnseen, track.EventCommandLost, track.EventEncrypted,
		track.EventEndpointMalformed, track.EventEndpointFamily, track.EventLimit, track.EventCleartext} {
		event = append(event, string(k))
	}
	for i := 0; ; i++ {
		s := diagnose.Severity(i).String()
		if s == "unknown" {
			break
		}
		finding = append(finding, s)
	}
	for i := 0; ; i++ {
		s := vantage.Where(i).String()
		if s == "unknown" {
			break
		}
		path = append(path, s)
	}
	for i := 0; i <= int(nfhelper.MismatchExpired); i++ {
		path = append(path, nfhelper.Mismatch(i).String())
	}
	for i := 0; i <= int(nfhelper.Expected); i++ {
		step = append(step, nfhelper.Action(i).String())
	}
	for i := 1; i <= int(nfhelper.PartialParse); i++ {
		step = append(step, nfhelper.Partial(i).String())
	}
	for i := 1; i <= int(nfhelper.MissUnsupported); i++ {
		step = append(step, nfhelper.MissReason(i).String())
	}
	for i := 1; i <= int(nfhelper.KindLPSV); i++ {
		step = append(step, nfhelper.Kind(i).String())
	}
	for typ, vals := range map[string][]string{"session": session, "data": data, "command": command,
		"event": event, "finding": finding, "path": path, "helper_step": step} {
		sec := docs.sections[typ]
		for _, v := range vals {
			if !sec.spans[v] {
				t.Errorf("%s record: value %q of the code's table is not listed in %s", typ, v, sec.where)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
