package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// readAllPackets reads src to its end: every packet, then the error.
func readAllPackets(src capture.Source) (string, error) {
	var b bytes.Buffer
	for {
		data, ci, link, err := src.Next()
		if err != nil {
			return b.String(), err
		}
		fmt.Fprintf(&b, "%v %d %d %d %x\n", ci.Timestamp.UnixNano(), ci.CaptureLength, ci.Length, link, data)
	}
}

// TestVantageMergeReaderSameAsRead guards the merge's reading of a
// point's file (openPoint): a plain pcap file read as a stream, with no
// goroutine reading blocks ahead (four of 128 KiB a file, live all along
// beside the points' own analyses, which read the same files), and
// every file, plain, gzip-compressed, pcapng or cut short, giving the
// same packets and the same error as read's capture.Open.
func TestVantageMergeReaderSameAsRead(t *testing.T) {
	dir := t.TempDir()
	plain := vantageRealDir + "active-curl-eprt.pcap"
	whole, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcap")
	if err := os.WriteFile(cut, whole[:len(whole)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	header := filepath.Join(dir, "header.pcap")
	if err := os.WriteFile(header, whole[:10], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{plain, cut, header, vantageRealDir + "abort-proftpd.pcap.gz",
		"../../pcaps/synthetic/tunnels.pcapng", filepath.Join(dir, "missing.pcap")} {
		want, wantErr := "", error(nil)
		if src, err := capture.Open(name); err != nil {
			wantErr = err
		} else {
			src = capture.Prefetch(src)
			want, wantErr = readAllPackets(src)
			src.Close()
		}
		got, gotErr := "", error(nil)
		src, file, err := openPoint(name)
		if err != nil {
			gotErr = err
		} else {
			got, gotErr = readAllPackets(src)
			src.Close()
			if file != nil {
				file.Close()
			}
		}
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%s: %d bytes of packets, %v; read's %d bytes, %v", name, len(got), gotErr, len(want), wantErr)
		}
		if errors.Is(wantErr, io.EOF) && want == "" {
			t.Errorf("%s: no packet read", name)
		}
	}

	// A plain pcap file starts no goroutine of its own: one larger than
	// the blocks a reading goroutine fills ahead would keep it waiting.
	big := bytes.Clone(whole)
	for len(big) < 2<<20 {
		big = append(big, whole[24:]...)
	}
	bigName := filepath.Join(dir, "big.pcap")
	if err := os.WriteFile(bigName, big, 0o644); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	src, file, err := openPoint(bigName)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if file != nil {
		defer file.Close()
	}
	if _, _, _, err := src.Next(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if n := runtime.NumGoroutine(); n > before || file == nil {
		t.Errorf("a plain pcap file read with %d goroutines more, its file closed by the source: %v", n-before, file == nil)
	}
}
