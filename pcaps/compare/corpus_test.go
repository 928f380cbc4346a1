// Package compare checks ftpsniff against the public corpus of Zeek and
// Suricata test captures. The expectations in testdata were generated once by
// this test (-update) and then reviewed line by line against tshark 4.0 and
// the packets themselves; docs/tshark-comparison.md records that review.
// compare-tshark.sh, beside this file, reruns the tshark side.
package compare

import (
	"bufio"
	"flag"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// corpusDir is the shared corpus, beside the repository.
const corpusDir = "../../../shared/corpus"

const (
	endpointsFile = "testdata/corpus-endpoints.txt"
	dataFile      = "testdata/corpus-data.txt"
)

var update = flag.Bool("update", false, "rewrite the testdata expectation files from ftpsniff's output (review them against tshark before committing)")

// knownWrong lists captures on which ftpsniff is known to disagree with the
// packets. Their expectation lines hold what the packets say, not what
// ftpsniff says; the check is skipped while they differ and fails once they
// agree, so the entry gets removed with the fix.
var knownWrong = map[string]map[string]string{
	endpointsFile: {},
	dataFile:      {},
}

// recorder is a track.Sink that keeps what the comparison needs: each
// announced endpoint with the frame that carried it, and each data
// connection's outcome.
type recorder struct {
	endpoints []string
	data      []string
}

func (r *recorder) SessionStart(*track.Session)              {}
func (r *recorder) Event(*track.Session, *track.Event)       {}
func (r *recorder) SessionEnd(*track.Session)                {}
func (r *recorder) Data(_ *track.Session, d *track.DataConn) { r.data = append(r.data, dataToken(d)) }

func (r *recorder) Command(s *track.Session, c *track.Command) {
	if c.EndpointVia == 0 || c.EndpointErr != nil {
		return
	}
	addr := c.Endpoint
	if c.Data != nil {
		addr = c.Data.Announced
	}
	if !addr.Addr().IsValid() {
		// An EPSV reply without an address names the control server, the
		// address tshark shows as ftp.epsv.ip.
		addr = netip.AddrPortFrom(s.Server.Addr(), addr.Port())
	}
	frame := c.Num
	if c.EndpointVia.Passive() {
		// The endpoint is in the reply, the frame tshark shows it in.
		frame = 0
		for _, rp := range c.Replies {
			if rp.Code == passiveCode[c.EndpointVia] {
				frame = rp.Num
				break
			}
		}
	}
	r.endpoints = append(r.endpoints, fmt.Sprintf("%s/%s@%d", c.EndpointVia, addr, frame))
}

var passiveCode = map[ftp.Via]int{ftp.ViaPASV: 227, ftp.ViaEPSV: 229, ftp.ViaLPSV: 228}

// dataToken is one data connection: how it was announced, where to, what
// came of it and how many payload bytes it carried.
func dataToken(d *track.DataConn) string {
	if d.Match == track.MatchInferred {
		// No announcement: the observed connection stands for it.
		return fmt.Sprintf("%s/%s->%s=%s/%d", d.ViaName(), d.Client, d.Server, d.Outcome, d.TotalBytes())
	}
	return fmt.Sprintf("%s/%s=%s/%d", d.Via, d.Announced, d.Outcome, d.TotalBytes())
}

// analyse runs one capture through the read pipeline: capture -> decode ->
// track, with the options `ftpsniff read` uses by default.
func analyse(path string) (*recorder, error) {
	src, err := capture.Open(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	rec := &recorder{}
	trk := track.New(rec, track.Options{})
	dec := decode.New(trk, decode.Options{})
	readErr := dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	slices.Sort(rec.endpoints)
	slices.Sort(rec.data)
	return rec, readErr
}

// corpusFiles lists the captures under dir, relative to it.
func corpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".pcap") || strings.HasSuffix(n, ".pcapng") || strings.HasSuffix(n, ".pcap.gz")) {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// readExpect reads "name token token ..." lines.
func readExpect(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		m[fields[0]] = fields[1:]
	}
	return m, sc.Err()
}

func writeExpect(path, header string, m map[string][]string) error {
	var b strings.Builder
	b.WriteString(header)
	for _, name := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(strings.Join(append([]string{name}, m[name]...), " "))
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// multisetDiff returns the tokens only in got and only in want.
func multisetDiff(got, want []string) (onlyGot, onlyWant []string) {
	n := map[string]int{}
	for _, w := range want {
		n[w]++
	}
	for _, g := range got {
		if n[g] > 0 {
			n[g]--
		} else {
			onlyGot = append(onlyGot, g)
		}
	}
	for _, w := range want {
		if n[w] > 0 {
			n[w]--
			onlyWant = append(onlyWant, w)
		}
	}
	return onlyGot, onlyWant
}

func short(s []string) string {
	if len(s) > 12 {
		return strings.Join(s[:12], " ") + fmt.Sprintf(" ... (%d in all)", len(s))
	}
	return strings.Join(s, " ")
}

func TestCorpusEndpoints(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus %s is absent: %v", corpusDir, err)
	}
	if testing.Short() {
		t.Skip("reads 10 MB of captures")
	}
	files := corpusFiles(t, corpusDir)
	if len(files) == 0 {
		t.Fatalf("no captures under %s", corpusDir)
	}
	results := map[string]*recorder{}
	for _, name := range files {
		rec, err := analyse(filepath.Join(corpusDir, name))
		if err != nil {
			// No corpus capture is cut short: every one is read to its end.
			t.Errorf("%s: %v", name, err)
		}
		if rec != nil {
			results[name] = rec
		}
	}

	if *update {
		ep, dt := map[string][]string{}, map[string][]string{}
		for name, r := range results {
			ep[name], dt[name] = r.endpoints, r.data
		}
		if err := writeExpect(endpointsFile, "# file, then each data endpoint announced: VIA/addr:port@frame (the frame tshark shows it in)\n", ep); err != nil {
			t.Fatal(err)
		}
		if err := writeExpect(dataFile, "# file, then each expected data connection: VIA/announced=outcome/payload-bytes\n", dt); err != nil {
			t.Fatal(err)
		}
		t.Log("expectations rewritten: review them against tshark and restore the known-wrong lines")
		return
	}

	for _, c := range []struct {
		file string
		got  func(*recorder) []string
	}{
		{endpointsFile, func(r *recorder) []string { return r.endpoints }},
		{dataFile, func(r *recorder) []string { return r.data }},
	} {
		want, err := readExpect(c.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			t.Run(filepath.Base(c.file)+"/"+name, func(t *testing.T) {
				r, ok := results[name]
				if !ok {
					t.Skip("not analysed")
				}
				w, ok := want[name]
				if !ok {
					t.Fatalf("%s has no line for %s (run with -update and review)", c.file, name)
				}
				onlyGot, onlyWant := multisetDiff(c.got(r), w)
				reason, known := knownWrong[c.file][name]
				switch {
				case len(onlyGot) == 0 && len(onlyWant) == 0 && known:
					t.Errorf("now agrees with the packets: remove it from knownWrong (%s)", reason)
				case len(onlyGot) == 0 && len(onlyWant) == 0:
				case known:
					t.Skipf("known ftpsniff bug: %s\nftpsniff only: %s\npackets only: %s", reason, short(onlyGot), short(onlyWant))
				default:
					t.Errorf("ftpsniff only: %s\nexpected only: %s", short(onlyGot), short(onlyWant))
				}
			})
		}
	}
}

func TestMultisetDiff(t *testing.T) {
	for _, tc := range []struct {
		got, want, onlyGot, onlyWant []string
	}{
		{nil, nil, nil, nil},
		{[]string{"a", "b"}, []string{"b", "a"}, nil, nil},
		{[]string{"a", "a"}, []string{"a"}, []string{"a"}, nil},
		{[]string{"a"}, []string{"a", "a", "c"}, nil, []string{"a", "c"}},
	} {
		g, w := multisetDiff(tc.got, tc.want)
		if !slices.Equal(g, tc.onlyGot) || !slices.Equal(w, tc.onlyWant) {
			t.Errorf("multisetDiff(%q, %q) = %q, %q; want %q, %q", tc.got, tc.want, g, w, tc.onlyGot, tc.onlyWant)
		}
	}
}
