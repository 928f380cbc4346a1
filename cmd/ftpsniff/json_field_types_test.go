package main

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// jsonTypeName is the JSON type of a decoded value, as an index that maps
// a field from its first value sees it (a list has its elements' type).
func jsonTypeName(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case map[string]any:
		return "object"
	}
	return ""
}

// collectFieldTypes adds, for each dotted field path under v, its JSON
// type and the record type that wrote it.
func collectFieldTypes(path, recType string, v any, seen map[string]map[string]string) {
	if l, ok := v.([]any); ok {
		for _, e := range l {
			collectFieldTypes(path, recType, e, seen)
		}
		return
	}
	typ := jsonTypeName(v)
	if typ == "" { // null: maps to nothing
		return
	}
	if path != "" {
		if seen[path] == nil {
			seen[path] = map[string]string{}
		}
		if _, ok := seen[path][typ]; !ok {
			seen[path][typ] = recType
		}
	}
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			p := k
			if path != "" {
				p = path + "." + k
			}
			collectFieldTypes(p, recType, e, seen)
		}
	}
}

// TestJSONFieldOneTypeAcrossRecords: every field name has one JSON type
// across all record types, over every shipped capture (and the runs that
// add record types: --vantage, --helper, --extract). docs/json.md ships
// every record type to one Elasticsearch index, which fixes a field's
// type from the first value it sees and refuses every later record
// whose value has another: an event's numeric "code" (a reply code)
// first made every finding (whose "code" is its name) go missing.
func TestJSONFieldOneTypeAcrossRecords(t *testing.T) {
	runs := jsonDocRuns(t)
	inRuns := map[string]bool{}
	for _, f := range goldenCaptures(t) {
		inRuns[filepath.Clean(f)] = true
	}
	// Every other capture under pcaps/ (hostile/, its attack/, ...).
	err := filepath.WalkDir("../../pcaps", func(f string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || inRuns[filepath.Clean(f)] {
			return err
		}
		if strings.HasSuffix(f, ".pcap") || strings.HasSuffix(f, ".pcapng") || strings.HasSuffix(f, ".pcap.gz") {
			runs = append(runs, []string{"read", "--json", "--community-id", "--observer", "x", f})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A capture of the control connections alone: findings with
	// control_only, and the summary's totals of them.
	runs = append(runs, []string{"read", "--json", tcpdumpPort21(t, t.TempDir(), "../../pcaps/real/active-client-firewall.pcap")})
	seen := map[string]map[string]string{}
	for _, args := range runs {
		for _, r := range runJSONRecords(t, args) {
			typ, _ := r["type"].(string)
			collectFieldTypes("", typ, r, seen)
		}
	}
	var clashes []string
	for p, types := range seen {
		if len(types) > 1 {
			var ts []string
			for typ, rec := range types {
				ts = append(ts, fmt.Sprintf("%s in %s", typ, rec))
			}
			slices.Sort(ts)
			clashes = append(clashes, p+": "+strings.Join(ts, ", "))
		}
	}
	sort.Strings(clashes)
	for _, c := range clashes {
		t.Errorf("field %s", c)
	}
	if len(seen) < 100 {
		t.Fatalf("only %d field names seen", len(seen))
	}
}
