package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLayersKeepTheTrackersDecoderHooks: --helper linux and --write put a
// layer between the decoder and the tracker; with either, --extract still
// writes the transferred files, and the decoder still asks whether a SYN
// is an expected data connection.
func TestLayersKeepTheTrackersDecoderHooks(t *testing.T) {
	name := "../../pcaps/real/passive-curl.pcap"
	count := func(extra ...string) int {
		dir := filepath.Join(t.TempDir(), "files")
		var stdout, stderr bytes.Buffer
		args := append([]string{"read", "--json", "--extract", dir}, extra...)
		if code := run(append(args, name), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr.String())
		}
		entries, _ := os.ReadDir(dir)
		return len(entries)
	}
	want := count()
	if want == 0 {
		t.Fatal("nothing extracted without a layer: the test needs a transfer")
	}
	for _, extra := range [][]string{
		{"--helper", "linux"},
		{"--session", "1", "--write", filepath.Join(t.TempDir(), "s.pcapng")},
	} {
		if got := count(extra...); got != want {
			t.Errorf("with %v %d files extracted, without %d", extra, got, want)
		}
	}
	var h decode.Handler = &helperLayer{}
	if _, ok := h.(decode.DataExpecter); !ok {
		t.Error("the helper layer hides the tracker's DataExpecter")
	}
	h = &carveHandler{}
	if _, ok := h.(decode.PayloadHandler); !ok {
		t.Error("the carving layer hides the tracker's PayloadHandler")
	}
	if _, ok := h.(decode.PayloadEndHandler); !ok {
		t.Error("the carving layer hides the tracker's PayloadEndHandler")
	}
}
