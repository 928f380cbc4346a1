package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestReadOverlappingInputsInSummaries: the same capture under a second
// name, read after it, overlaps it by its whole span; the JSON summary
// record names both files (input_overlaps), and the report's header says
// so; one file alone has neither. Regression: only stderr said it while
// every count was doubled (read --json P drop23.pcap: "sessions":20000).
func TestReadOverlappingInputsInSummaries(t *testing.T) {
	f := viewRealDir + "pasv-drop.pcap"
	raw, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	copyName := filepath.Join(t.TempDir(), "copy.pcap")
	if err := os.WriteFile(copyName, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		files []string
		want  bool
	}{{[]string{f, copyName}, true}, {[]string{f}, false}} {
		for _, args := range [][]string{{"--json"}, {"--json", "--min-severity", "error"}} {
			var stdout, stderr bytes.Buffer
			run(append(append([]string{"read"}, args...), c.files...), &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			var sum struct {
				Overlaps []struct {
					File, Previous string
					OverlapMS      float64 `json:"overlap_ms"`
				} `json:"input_overlaps"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
				t.Fatal(err)
			}
			got := len(sum.Overlaps) == 1 && sum.Overlaps[0].File == copyName && sum.Overlaps[0].Previous == f && sum.Overlaps[0].OverlapMS > 0
			if got != c.want || (!c.want && len(sum.Overlaps) > 0) {
				t.Errorf("%v %v: input_overlaps %+v, want one: %v", args, c.files, sum.Overlaps, c.want)
			}
		}
		page, _, _ := runReport(t, append([]string{"--color", "never"}, c.files...)...)
		head, _, _ := strings.Cut(page, "</header>")
		if got := strings.Contains(head, "inputs overlap in time") && strings.Contains(head, "copy.pcap starts"); got != c.want {
			t.Errorf("%v: report header says the overlap: %v, want %v", c.files, got, c.want)
		}
	}
}

// TestReadOverlapNamesTheFileThatEndsLast guards which file an overlap
// names: a third file that starts after the second ended, but inside the
// first, overlaps the first. Regression: it named the second, with the
// first's end time.
func TestReadOverlapNamesTheFileThatEndsLast(t *testing.T) {
	r, err := pcapgo.NewReader(mustOpen(t, viewRealDir+"pasv-drop.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	type pkt struct {
		data []byte
		ci   gopacket.CaptureInfo
	}
	var pkts []pkt
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pkts = append(pkts, pkt{data, ci})
	}
	dir := t.TempDir()
	write := func(name string, shift time.Duration, lastAt time.Duration) string {
		name = filepath.Join(dir, name)
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w := pcapgo.NewWriter(f)
		if err := w.WriteFileHeader(65535, r.LinkType()); err != nil {
			t.Fatal(err)
		}
		for i, p := range pkts {
			ci := p.ci
			ci.Timestamp = ci.Timestamp.Add(shift)
			if i == len(pkts)-1 && lastAt > 0 {
				ci.Timestamp = pkts[0].ci.Timestamp.Add(lastAt)
			}
			if err := w.WritePacket(ci, p.data); err != nil {
				t.Fatal(err)
			}
		}
		return name
	}
	// pasv-drop spans 3 s; the first file's last packet comes at 25 s
	// (a step under the decoder's clock-outlier step, so it counts).
	long := write("1-long.pcap", 0, 25*time.Second)
	inside := write("2-inside.pcap", 5*time.Second, 0)
	after := write("3-after-inside.pcap", 12*time.Second, 0)
	var stdout, stderr bytes.Buffer
	run([]string{"read", "--json", long, inside, after}, &stdout, &stderr)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var sum struct {
		Overlaps []struct{ File, Previous string } `json:"input_overlaps"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatal(err)
	}
	want := []struct{ File, Previous string }{{inside, long}, {after, long}}
	if len(sum.Overlaps) != len(want) {
		t.Fatalf("input_overlaps %+v, want %+v", sum.Overlaps, want)
	}
	for i, w := range want {
		if sum.Overlaps[i] != w {
			t.Errorf("overlap %d: %+v, want %+v", i, sum.Overlaps[i], w)
		}
	}
}

func mustOpen(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
