package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
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
		src = newPrefetch(src, nil) // plain files too, which Prefetch reads directly
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

// TestPrefetchOnlyWherePays: a goroutine reads ahead a gzip file and a
// pipe, not a plain file, which the caller reads faster itself.
func TestPrefetchOnlyWherePays(t *testing.T) {
	plain := "../../pcaps/real/passive-lftp.pcap"
	raw, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	gz := filepath.Join(t.TempDir(), "x.pcap.gz")
	if err := os.WriteFile(gz, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { pw.Write(raw); pw.Close() }()
	defer pr.Close()

	open := func(path string) Source {
		src, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	pipe, err := OpenReader("pipe", pr)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		src   Source
		ahead bool
	}{
		{"plain file", open(plain), false},
		{"gzip file", open(gz), true},
		{"pipe", pipe, true},
	} {
		p := Prefetch(c.src)
		_, ahead := p.(*prefetch)
		if ahead != c.ahead {
			t.Errorf("%s: read ahead %v, want %v", c.name, ahead, c.ahead)
		}
		n := 0
		for {
			if _, _, _, err := p.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("%s: %v", c.name, err)
				}
				break
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s: no packet", c.name)
		}
		p.Close()
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
		p := newPrefetch(src, nil)
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

// TestGzipZeroPadding: zeros after the last gzip member are the end, as
// for gzip(1), not a corrupt record (review).
func TestGzipZeroPadding(t *testing.T) {
	raw, err := os.ReadFile("../../pcaps/synthetic/walkthrough.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(raw)
	w.Close()
	z.Write(make([]byte, 512))
	src, err := OpenReader("x.pcap.gz", &z)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, _, _, err := src.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Errorf("after %d packets: %v", n, err)
			}
			break
		}
		n++
	}
	if n != 50 {
		t.Errorf("%d packets, want 50", n)
	}
}

// TestPrefetchCloseDoesNotWaitForBlock: Close returns soon even when the
// source trickles packets (review: it waited for a whole 1 MiB block).
func TestPrefetchCloseDoesNotWaitForBlock(t *testing.T) {
	p := Prefetch(&trickle{})
	time.Sleep(20 * time.Millisecond)
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close still blocked after 2 s")
	}
}

// trickle yields a small packet every 2 ms, forever.
type trickle struct{}

func (trickle) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	time.Sleep(2 * time.Millisecond)
	return make([]byte, 60), gopacket.CaptureInfo{CaptureLength: 60, Length: 60}, layers.LinkTypeEthernet, nil
}
func (trickle) Name() string { return "trickle" }
func (trickle) Close() error { return nil }
