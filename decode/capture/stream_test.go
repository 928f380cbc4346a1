package capture

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestPrefetchHandsOverPipedPackets guards issue 10: packets written to a
// pipe reach the caller while the writer still holds the pipe open. The
// prefetch used to wait for a full block (or EOF) first, so
// `(cat x.pcap; sleep 4) | ftpsniff read -` showed nothing for 4 s.
func TestPrefetchHandsOverPipedPackets(t *testing.T) {
	le := binary.LittleEndian
	pkts := []pkt{{data: payload(1, 60)}, {data: payload(2, 70)}, {data: payload(3, 80)}}
	for _, tt := range []struct {
		name string
		file []byte
	}{
		{"pcap", writePcap(t, false, 65535, layers.LinkTypeEthernet, pkts)},
		{"pcapng", cat(ngSHB(le), ngIDB(le, layers.LinkTypeEthernet, 65535), ngEPB(le, pkts[0]), ngEPB(le, pkts[1]), ngEPB(le, pkts[2]))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			if _, err := w.Write(tt.file); err != nil {
				t.Fatal(err)
			}
			src, err := OpenReader("pipe", r)
			if err != nil {
				t.Fatal(err)
			}
			if !Streaming(src) {
				t.Fatal("a pipe is not taken for a streaming input")
			}
			waited := 0
			p := PrefetchWaiting(src, func() { waited++ })
			got := make(chan int, 1)
			go func() {
				n := 0
				for range pkts {
					if _, _, _, err := p.Next(); err != nil {
						break
					}
					n++
				}
				got <- n
			}()
			select {
			case n := <-got:
				if n != len(pkts) {
					t.Fatalf("read %d packets before the pipe closed, want %d", n, len(pkts))
				}
			case <-time.After(10 * time.Second):
				t.Fatal("packets written to the pipe were not handed over while it stayed open")
			}
			// (Whether the caller had to wait, and so whether the waiting
			// hook ran, depends on which goroutine got there first: it is
			// not asserted.)
			_ = waited
			w.Close()
			if _, _, _, err := p.Next(); err != io.EOF {
				t.Errorf("after the writer closed: %v, want io.EOF", err)
			}
			p.Close()
		})
	}
}

// TestRegularFileNotStreaming: a file on disk is read in full blocks.
func TestRegularFileNotStreaming(t *testing.T) {
	name := t.TempDir() + "/x.pcap"
	if err := os.WriteFile(name, writePcap(t, false, 65535, layers.LinkTypeEthernet, []pkt{{data: payload(1, 60)}}), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if Streaming(s) {
		t.Error("a regular file is taken for a stream")
	}
	if _, _, _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if n := BytesRead(Prefetch(s)); n != 24+16+60 {
		t.Errorf("BytesRead %d, want %d", n, 24+16+60)
	}
}

// TestOpenDirectory: a directory is refused at once, by name, not as a
// read failure of its first bytes.
func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir)
	var e *Error
	if !errors.As(err, &e) || e.Error() != dir+": is a directory, not a capture file" {
		t.Fatalf("Open(dir) = %v", err)
	}
}
