package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// skippedCapture: two sessions each fetch f.bin (2000 bytes). With
// overlap, the first transfer is still open when the second's bytes come
// (--extract-max-open 1 keeps the second out); without, one after the
// other (--extract-max-total 2000: the folder is full when the second's
// bytes come).
func skippedCapture(t *testing.T, overlap bool) []byte {
	c, path := newWireCap(t)
	var ss [2]*wireSession
	open := func(i int) {
		s := newWireSessionN(c, i)
		s.data.handshake()
		s.cmd("RETR f.bin")
		s.reply("150 Opening BINARY mode data connection for f.bin (2000 bytes).")
		ss[i] = s
	}
	body := wireBody(2000)
	finish := func(s *wireSession, b []byte) {
		s.data.segments(b, nil)
		s.data.closeFromB()
		s.reply("226 Transfer complete.")
	}
	if overlap {
		open(0)
		open(1)
		ss[0].data.segments(body[:1000], nil) // the first transfer holds the one slot
		finish(ss[1], body)
		finish(ss[0], body[1000:])
	} else {
		open(0)
		finish(ss[0], body)
		open(1)
		finish(ss[1], body)
	}
	for _, s := range ss {
		s.quit()
	}
	c.w = nil
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLiveTextSaysFileKeptOutByLimit: a transfer an extraction bound kept
// from being written (--extract-max-total, --extract-max-open) reads
// "file not written: <why>" under its data connection in `read`; live's
// text stream said nothing of it (only the summary counted it). It now
// prints the same line, under the data line, in the session that made
// the transfer.
func TestLiveTextSaysFileKeptOutByLimit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		overlap  bool
		maxOpen  int
		maxTotal int64
		why      string
	}{
		{"folder full", false, 8, 2000, "file not written: the folder limit was reached (--extract-max-total)"},
		{"open files", true, 1, 1 << 20, "file not written: 1 file was open (--extract-max-open)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := skippedCapture(t, tc.overlap)
			path := filepath.Join(t.TempDir(), "c.pcap")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			args := []string{"read", "--color", "never", "--extract", filepath.Join(t.TempDir(), "r"),
				"--extract-max-open", strconv.Itoa(tc.maxOpen), "--extract-max-total", strconv.FormatInt(tc.maxTotal, 10), path}
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("read: exit %d: %s", code, stderr.String())
			}
			if strings.Count(stdout.String(), tc.why) != 1 {
				t.Fatalf("read does not say %q once:\n%s", tc.why, stdout.String())
			}

			opts := &liveOptions{UnansweredWait: 10 * time.Second}
			opts.analysisOptions = analysisOptions{Color: "never", MaxLine: 4096, FailOn: "never"}
			opts.ExtractDir, opts.ExtractMaxOpen, opts.ExtractMaxFile, opts.ExtractMaxTotal = filepath.Join(t.TempDir(), "l"), tc.maxOpen, 1<<20, tc.maxTotal
			if err := opts.analysisOptions.validate(); err != nil {
				t.Fatal(err)
			}
			out := runOneOn(t, data, opts)
			lines := strings.Split(out, "\n")
			at := -1
			for i, l := range lines {
				if strings.Contains(l, tc.why) {
					if at >= 0 {
						t.Errorf("said twice:\n%s", out)
					}
					at = i
				}
			}
			if at < 0 {
				t.Fatalf("live does not say %q:\n%s", tc.why, out)
			}
			// Under the data line of the transfer kept out: the one of
			// the session whose file was not written.
			prefix := lines[at][:strings.Index(lines[at], "]")+1]
			if !strings.HasPrefix(lines[at-2], prefix) || !strings.Contains(lines[at-2], "data #") || !strings.HasPrefix(lines[at-1], prefix) {
				t.Errorf("not under its data connection's lines:\n%s", out)
			}
			if strings.Count(out, "file s") != 1 {
				t.Errorf("want one file written:\n%s", out)
			}
		})
	}
}
