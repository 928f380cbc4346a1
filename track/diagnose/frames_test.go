package diagnose

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// withoutFrames writes the pcap at path, less the frames numbered (from 1,
// as tshark numbers them) drop, to a temporary file and returns its path:
// a capture that lost those frames.
func withoutFrames(t *testing.T, path string, drop ...int) string {
	t.Helper()
	return rewriteCapture(t, path, func(n int, _ *[]byte, _ *gopacket.CaptureInfo, _ layers.LinkType) bool {
		return !slices.Contains(drop, n)
	})
}

// rewriteCapture writes the pcap at path to a temporary file and returns
// its path, each frame (numbered from 1) passed to edit first, which may
// change it and tells whether to keep it.
func rewriteCapture(t *testing.T, path string, edit func(n int, data *[]byte, ci *gopacket.CaptureInfo, link layers.LinkType) bool) string {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "rewritten.pcap")
	out, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := pcapgo.NewWriter(out)
	if err := w.WriteFileHeader(65535, r.LinkType()); err != nil {
		t.Fatal(err)
	}
	for n := 1; ; n++ {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if !edit(n, &data, &ci, r.LinkType()) {
			continue
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return name
}
