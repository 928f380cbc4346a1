package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestPrefetchSameAsSource: read ahead, a capture gives the same packets,
// link types, timestamps and final error as read directly, for whole and
// truncated files alike.
func TestPrefetchSameAsSource(t *testing.T) {
	files, _ := filepath.Glob("../../pcaps/synthetic/*.pcap*")
	files = append(files, filepath.Join("../../pcaps/real", "passive-lftp.pcap"))
	if len(files) < 5 {
		t.Fatal("captures missing")
	}
	for _, f := range files {
		direct := readEvery(t, f, false)
		ahead := readEvery(t, f, true)
		if len(direct.pkts) != len(ahead.pkts) {
			t.Fatalf("%s: %d packets direct, %d prefetched", f, len(direct.pkts), len(ahead.pkts))
		}
		for i := range direct.pkts {
			if !bytes.Equal(direct.pkts[i], ahead.pkts[i]) || direct.meta[i] != ahead.meta[i] {
				t.Fatalf("%s: packet %d differs", f, i+1)
			}
		}
		if (direct.err == nil) != (ahead.err == nil) || (direct.err != nil && direct.err.Error() != ahead.err.Error()) {
			t.Errorf("%s: error %v direct, %v prefetched", f, direct.err, ahead.err)
		}
	}
}

type readResult struct {
	pkts [][]byte
	meta []string
	err  error
}

func readEvery(t *testing.T, path string, prefetched bool) readResult {
	t.Helper()
	src, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if prefetched {
		src = Prefetch(src)
	}
	defer src.Close()
	var r readResult
	for {
		data, ci, link, err := src.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.err = err
			}
			// Errors are sticky.
			if _, _, _, again := src.Next(); again == nil {
				t.Errorf("%s: Next after an error returned a packet", path)
			}
			return r
		}
		r.pkts = append(r.pkts, append([]byte(nil), data...))
		r.meta = append(r.meta, ci.Timestamp.String()+link.String())
	}
}

// TestPrefetchCloseEarly: closing before the end stops the reader.
func TestPrefetchCloseEarly(t *testing.T) {
	f, err := os.Open("../../pcaps/real/passive-lftp.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := OpenReader("x.pcap", f)
	if err != nil {
		t.Fatal(err)
	}
	p := Prefetch(src)
	if _, _, _, err := p.Next(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkPrefetchNext(b *testing.B) {
	path := "../../pcaps/real/passive-lftp.pcap"
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		src, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		p := Prefetch(src)
		for {
			if _, _, _, err := p.Next(); err != nil {
				break
			}
			n++
		}
		p.Close()
	}
	b.ReportMetric(float64(n)/float64(b.N), "packets/op")
}
