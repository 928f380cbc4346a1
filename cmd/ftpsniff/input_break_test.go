package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// nextWireFile makes c write its next packets into a new file (the next
// of a rotation), d of packet time after its last packet, and returns
// its path.
func nextWireFile(t *testing.T, c *wireCap, d time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wire.pcap1")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	c.w = pcapgo.NewWriter(f)
	if err := c.w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	c.wait(d - c.gap)
	return path
}

// TestReadTakesTimeBetweenFilesAsNotCaptured: read with a file of a
// rotation missing (h-0.pcap h-2.pcap), a data SYN at the end of the
// first file whose answer was in the missing one read "unanswered: 1
// SYN, no answer" with error data-unanswered ("a firewall is dropping
// it") and firewall rules, and a 227 there "no SYN to it" with warning
// data-not-attempted. runRead now tells the tracker of the time between
// the files: undetermined, and the verdict says a file is missing. Files
// that follow each other at once are one capture: the SYN nobody answers
// is still an error.
func TestReadTakesTimeBetweenFilesAsNotCaptured(t *testing.T) {
	for _, tc := range []struct {
		name    string
		syn     bool
		between time.Duration
		want    []string
		not     []string
	}{
		{"SYN, 30 min missing", true, 30 * time.Minute,
			[]string{"undetermined: the capture stopped 0.000s after the SYN until its next file (one missing?), before an answer could be expected",
				"verdict: the capture stopped between two of its files before the outcome of 1 data connection"},
			[]string{"data-unanswered", "nft "}},
		{"227, 30 min missing", false, 30 * time.Minute,
			[]string{"undetermined: the capture stopped 0.003s after the announcement until its next file (one missing?)"},
			[]string{"data-not-attempted", "nft "}},
		{"SYN, files contiguous", true, time.Second,
			[]string{"unanswered: 3 SYNs", "error data-unanswered"}, []string{"undetermined"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, first := newWireCap(t)
			s := newWireSession(c) // ... PASV, 227 10.0.0.1:40000
			s.cmd("RETR f.bin")
			if tc.syn {
				c.pkt(s.data.a, s.data.b, s.data.aseq, 0, "S", nil)
			}
			second := nextWireFile(t, c, tc.between)
			if tc.between <= time.Second {
				// The rotation's next file: the client's TCP sends its
				// SYN again, 1 s and 3 s after the first.
				c.pkt(s.data.a, s.data.b, s.data.aseq, 0, "S", nil)
				c.wait(2 * time.Second)
				c.pkt(s.data.a, s.data.b, s.data.aseq, 0, "S", nil)
			}
			c.wait(3 * time.Minute)
			s.quit()
			var out, errb bytes.Buffer
			if code := run([]string{"read", "--color", "never", first, second}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			text := strings.Join(strings.Fields(out.String()), " ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tc.not {
				if strings.Contains(text, w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
			if tc.between > time.Second {
				recs := runJSONRecords(t, []string{"read", "--json", first, second})
				n := 0
				for _, r := range recs {
					if r["type"] == "data" {
						n++
						if r["outcome"] != "undetermined" || r["capture_break"] != true {
							t.Errorf("JSON data record %v", r)
						}
					}
				}
				if n != 1 {
					t.Errorf("%d JSON data records", n)
				}
			}
		})
	}
}

// TestInputBreaksNotKeptAreNoted: of a rotation read with many files
// missing (each next file 10 s after the last one's end), the tracker
// keeps 16 breaks, and the oldest gave way silently: a wait it cut then
// reads unanswered or not attempted (track's
// TestInputBreaksPastTheBoundAreCounted) with nothing saying why. The
// summary's note and the JSON summary's limits count it.
func TestInputBreaksNotKeptAreNoted(t *testing.T) {
	c, first := newWireCap(t)
	s := newWireSession(c) // ... PASV, 227 10.0.0.1:40000
	s.cmd("RETR f.bin")
	files := []string{first}
	for range 17 {
		files = append(files, nextWireFile(t, c, 10*time.Second))
		s.cmd("NOOP")
		s.reply("200 NOOP ok")
	}
	c.wait(3 * time.Minute)
	s.quit()
	var out, errb bytes.Buffer
	if code := run(append([]string{"read", "--color", "never"}, files...), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	if want := "1 break between input files (time the capture did not look) beyond the 16 kept"; !strings.Contains(text, want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	recs := runJSONRecords(t, append([]string{"read", "--json"}, files...))
	var got any
	for _, r := range recs {
		if r["type"] == "summary" {
			got = r["limits"].(map[string]any)["input_breaks_not_kept"]
		}
	}
	if got != float64(1) {
		t.Errorf("summary limits.input_breaks_not_kept = %v, want 1", got)
	}
}
