package hostile

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// small is a scale that makes every shape in well under a second.
var small = Defaults().Scaled(0.0002)

// readCapture reads a whole capture as ftpsniff read does (through
// Prefetch), recovering a panic into a test failure.
func readCapture(t *testing.T, name string, file []byte) (packets int, st capture.Stats, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v", name, r)
		}
	}()
	src, err := capture.OpenReader(name, bytes.NewReader(file))
	if err != nil {
		return 0, st, err
	}
	src = capture.Prefetch(src)
	defer src.Close()
	for {
		_, _, _, err := src.Next()
		if err == io.EOF {
			return packets, capture.StatsOf(src), nil
		}
		if err != nil {
			return packets, capture.StatsOf(src), err
		}
		packets++
	}
}

func build(t *testing.T, s Shape, p Params) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := s.Write(&b, p); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	return b.Bytes()
}

// TestCaptureShapesThroughReader reads the small capture-layer shapes:
// none panics, an error is one line naming the file, and the packets of the
// sessions around the bad part are read (both when the file is read to the
// end and when it stops at the bad block).
func TestCaptureShapesThroughReader(t *testing.T) {
	const session = 15 // packets of shortSession
	tests := []struct {
		shape   string
		packets int    // packets before the end or the error
		err     string // part of the error; "" for a clean end
		stats   capture.Stats
	}{
		// The reader keeps 4096 interfaces a section; the shape has one more
		// than its count.
		{"idb-flood", 2 * session, "", capture.Stats{Sections: 1, InterfacesIgnored: uint64(small["idbs"]) + 1 - 4096}},
		{"pcapng-sections", 2 * session, "", capture.Stats{Sections: 1 + uint64(small["sections"])}},
		{"pcap-header-cut", 0, "truncated file header", capture.Stats{}},
		{"pcapng-blocklen-zero", session, "has length 0, below its minimum 32", capture.Stats{Sections: 1}},
		{"pcapng-blocklen-odd", session, "not a multiple of 4", capture.Stats{Sections: 1}},
		{"pcapng-blocklen-past-eof", session, "truncated packet record", capture.Stats{Sections: 1}},
		{"pcapng-blocklen-4g", session, "above the 16777216-byte limit", capture.Stats{Sections: 1}},
		{"pcapng-option-huge", session, "option 1 of 65535 bytes runs past the end of its block", capture.Stats{Sections: 1}},
		{"pcapng-caplen-past-block", session, "captured length 1048576 does not fit", capture.Stats{Sections: 1}},
		{"pcapng-unknown-15mib", 2 * session, "", capture.Stats{Sections: 1}},
		{"pcap-snaplen-0", 2 * session, "", capture.Stats{}},
		{"pcap-snaplen-max", 2 * session, "", capture.Stats{}},
		// Frames over 64 bytes: those with 10 or more bytes of text, 7 a session.
		{"pcap-caplen-over-snaplen", 2 * session, "", capture.Stats{OverSnaplen: 2 * 7}},
		{"pcap-caplen-1mib", session, "capture length exceeds snap length", capture.Stats{}},
		// Read on, as tshark does: the record's bytes are in the file.
		{"pcap-caplen-over-origlen", 2*session + 1, "", capture.Stats{OverLength: 1}},
		{"gzip-bomb", 2*session + 16*small["bomb-mib"], "", capture.Stats{}},
	}
	for _, tt := range tests {
		t.Run(tt.shape, func(t *testing.T) {
			s, ok := Lookup(tt.shape)
			if !ok {
				t.Fatalf("no shape %q", tt.shape)
			}
			name := s.File()
			n, st, err := readCapture(t, name, build(t, s, small))
			if n != tt.packets {
				t.Errorf("%d packets, want %d", n, tt.packets)
			}
			if tt.err == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
			} else {
				var ce *capture.Error
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				if !errors.As(err, &ce) || !strings.HasPrefix(msg, name+": ") || !strings.Contains(msg, tt.err) || strings.ContainsAny(msg, "\r\n") {
					t.Errorf("error %q: want one line naming %s and saying %q", msg, name, tt.err)
				}
			}
			if st != tt.stats {
				t.Errorf("stats %+v, want %+v", st, tt.stats)
			}
		})
	}
}

// TestIDBFloodTableBounded: past the reader's interface bound, more
// interface blocks cost time, not memory: reading 3 times as many leaves
// the same live heap, and every block beyond the bound is counted.
func TestIDBFloodTableBounded(t *testing.T) {
	s, _ := Lookup("idb-flood")
	heap := func(idbs int) (uint64, capture.Stats) {
		p := Params{"idbs": idbs}
		file := build(t, s, p)
		src, err := capture.OpenReader(s.File(), bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		for {
			if _, _, _, err := src.Next(); err != nil {
				if err != io.EOF {
					t.Fatal(err)
				}
				break
			}
		}
		file = nil
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		runtime.KeepAlive(src)
		return m.HeapAlloc, capture.StatsOf(src)
	}
	h1, st1 := heap(20_000)
	h2, st2 := heap(60_000)
	if st1.InterfacesIgnored == 0 || st2.InterfacesIgnored != st1.InterfacesIgnored+40_000 {
		t.Errorf("ignored %d then %d interfaces, want a difference of 40000", st1.InterfacesIgnored, st2.InterfacesIgnored)
	}
	// The table holds a few thousand interfaces of 232 bytes at most.
	if h2 > h1+1<<20 || h2 > 16<<20 {
		t.Errorf("live heap %d bytes after 20000 interfaces, %d after 60000", h1, h2)
	}
}

// TestShapesDeterministic: the same counts give the same bytes.
func TestShapesDeterministic(t *testing.T) {
	for _, s := range Shapes() {
		if s.Layer == "capture" && strings.HasPrefix(s.Name, "pcapng-unknown") {
			continue // 15 MiB of zeros whatever the counts
		}
		a, b := build(t, s, small), build(t, s, small)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs differ", s.Name)
		}
	}
}

// TestShapesAreCaptures: every shape other than the broken capture files
// reads to its end, and the packet-layer and FTP-layer shapes have the
// packets their counts say, at least.
func TestShapesAreCaptures(t *testing.T) {
	for _, s := range Shapes() {
		if s.Layer == "capture" {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			n, _, err := readCapture(t, s.File(), build(t, s, small))
			if err != nil || n == 0 {
				t.Errorf("%d packets, %v", n, err)
			}
		})
	}
}

// TestPasswordsShapeHoldsSecrets: the passwords shape carries each secret
// once, in the forms the masking must catch.
func TestPasswordsShapeHoldsSecrets(t *testing.T) {
	s, _ := Lookup("passwords")
	b := build(t, s, small)
	for _, want := range []string{"ASS " + Secrets[0] + "\r\n", "PASS\t" + Secrets[1] + "\r\n", "\x00PASS " + Secrets[2] + "\r\n", "PASS \rSite " + Secrets[3] + "\r\n"} {
		if bytes.Count(b, []byte(want)) != 1 {
			t.Errorf("%q appears %d times", want, bytes.Count(b, []byte(want)))
		}
	}
	if bytes.Contains(b, []byte("PASS "+Secrets[0])) {
		t.Error("the first password's lost P is in the capture")
	}
}
