package compare

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDocTableMatchesData keeps the "Results per file" table of
// docs/tshark-comparison.md in step with testdata/corpus-data.txt, which
// TestCorpus holds to what ftpsniff reports: each file's count of data
// connections and its outcomes. Guards the row of
// ftp-active-dynamic_port-02 that said not-attempted after the program
// (and the data file) had come to undetermined. Needs no corpus.
func TestDocTableMatchesData(t *testing.T) {
	data, err := os.ReadFile(dataFile)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // file -> "N | a=1, b=2"
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		count := map[string]int{}
		for _, conn := range f[1:] {
			_, rest, ok := strings.Cut(conn, "=")
			outcome, _, ok2 := strings.Cut(rest, "/")
			if !ok || !ok2 {
				t.Fatalf("%s: bad entry %q", dataFile, conn)
			}
			count[outcome]++
		}
		var parts []string
		for _, o := range slices.Sorted(maps.Keys(count)) {
			parts = append(parts, fmt.Sprintf("%s=%d", o, count[o]))
		}
		want[f[0]] = fmt.Sprintf("%d | %s", len(f)-1, strings.Join(parts, ", "))
	}
	doc, err := os.ReadFile("../../docs/tshark-comparison.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for line := range strings.SplitSeq(string(doc), "\n") {
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if !strings.HasPrefix(line, "| ") || len(cells) != 10 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		w, ok := want[cells[0]]
		if !ok {
			continue // the header
		}
		rows++
		if got := cells[8] + " | " + cells[9]; got != w {
			t.Errorf("docs/tshark-comparison.md, %s: data | outcomes %q; %s has %q", cells[0], got, dataFile, w)
		}
	}
	if rows != len(want) {
		t.Errorf("docs/tshark-comparison.md has %d rows of the %d files in %s", rows, len(want), dataFile)
	}
}
