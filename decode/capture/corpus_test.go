package capture

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// corpusDir holds real captures from Zeek and Suricata test suites.
const corpusDir = "../../../shared/corpus"

type tally struct {
	packets int
	links   map[layers.LinkType]int
}

func (t tally) String() string {
	var parts []string
	for l, n := range t.links {
		parts = append(parts, fmt.Sprintf("%v:%d", l, n))
	}
	slices.Sort(parts)
	return fmt.Sprintf("%d packets (%s)", t.packets, strings.Join(parts, " "))
}

// count reads a source to its end without copying packets.
func count(t *testing.T, s Source) tally {
	t.Helper()
	c := tally{links: map[layers.LinkType]int{}}
	for {
		_, _, link, err := s.Next()
		if err == io.EOF {
			return c
		}
		if err != nil {
			t.Fatalf("after %d packets: %v", c.packets, err)
		}
		c.packets++
		c.links[link]++
	}
}

// capinfosCount asks Wireshark's capinfos for the packet count, if it is
// installed, as an independent reading of the same file.
func capinfosCount(t *testing.T, path string) (int, bool) {
	bin, err := exec.LookPath("capinfos")
	if err != nil {
		return 0, false
	}
	out, err := exec.Command(bin, "-T", "-r", "-c", "-M", path).Output()
	if err != nil {
		t.Fatalf("capinfos %s: %v", path, err)
	}
	fields := strings.Split(strings.TrimSpace(string(out)), "\t")
	n, err := strconv.Atoi(fields[len(fields)-1])
	if err != nil {
		t.Fatalf("capinfos output %q: %v", out, err)
	}
	return n, true
}

func corpusFiles(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*"))
	if len(files) == 0 {
		t.Skipf("no corpus at %s", corpusDir)
	}
	return files
}

// TestCorpus opens every real capture, reads it to io.EOF and compares the
// packet count with capinfos.
func TestCorpus(t *testing.T) {
	for _, path := range corpusFiles(t) {
		rel, _ := filepath.Rel(corpusDir, path)
		t.Run(rel, func(t *testing.T) {
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c := count(t, s)
			if want, ok := capinfosCount(t, path); ok && c.packets != want {
				t.Errorf("read %d packets, capinfos counts %d", c.packets, want)
			}
			t.Logf("%s: %v", rel, c)
		})
	}
}

// TestCorpusPcapngMerged converts real captures with Wireshark's mergecap
// into one pcapng whose interfaces have different link types (BSD loopback
// and Ethernet), so the pcapng path is checked against files that pcapgo
// did not write.
func TestCorpusPcapngMerged(t *testing.T) {
	mergecap, err := exec.LookPath("mergecap")
	if err != nil {
		t.Skip("mergecap not installed")
	}
	null := filepath.Join(corpusDir, "suricata-verify", "ftp-port-memcap.pcap") // link type NULL
	ether := filepath.Join(corpusDir, "zeek", "ipv6.pcap")
	for _, f := range []string{null, ether} {
		if _, err := os.Stat(f); err != nil {
			t.Skip(err)
		}
	}
	want := map[layers.LinkType]int{}
	for _, f := range []string{null, ether} {
		s, err := Open(f)
		if err != nil {
			t.Fatal(err)
		}
		for l, n := range count(t, s).links {
			want[l] += n
		}
		s.Close()
	}
	if len(want) != 2 {
		t.Fatalf("inputs have link types %v, want two different ones", want)
	}

	out := filepath.Join(t.TempDir(), "merged")
	if b, err := exec.Command(mergecap, "-F", "pcapng", "-w", out, null, ether).CombinedOutput(); err != nil {
		t.Fatalf("mergecap: %v\n%s", err, b)
	}
	merged, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"pcapng": merged, "pcapng.gz": gz(t, merged)} {
		t.Run(name, func(t *testing.T) {
			s, err := OpenReader(name, nonSeekable{bytes.NewReader(in)})
			if err != nil {
				t.Fatal(err)
			}
			got := count(t, s)
			if !maps.Equal(got.links, want) {
				t.Errorf("link types %v, want %v", got.links, want)
			}
			t.Logf("%s: %v", name, got)
		})
	}
}
