package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVantageRefusedPointPrintsNoReport guards a point with nothing to
// compare (a file that cannot be opened, a capture without TCP): refused
// with one line and exit 2, as docs/troubleshooting.md says, not the
// merged report of the other points first (review rev-vantage).
func TestVantageRefusedPointPrintsNoReport(t *testing.T) {
	dir := t.TempDir()
	a, empty := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "empty.pcap")
	vantageHostileCapture(t, a, "227 Entering Passive Mode (192,0,2,10,195,82)")
	hdr := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}
	if err := os.WriteFile(empty, hdr, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{empty, filepath.Join(dir, "missing.pcap")} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"read", "--vantage", "a=" + a, "--vantage", "server=" + bad}, &stdout, &stderr)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if code != exitError || len(lines) != 1 || !strings.Contains(lines[0], "--vantage server: ") || stdout.Len() > 0 {
			t.Errorf("%s: exit %d, stderr %q, stdout %d bytes; want one line, exit %d, nothing on stdout", bad, code, stderr.String(), stdout.Len(), exitError)
		}
	}
}

// TestVantageIdenticalCopiesOneLine guards several copies of one capture:
// one line per group of identical points (15 copies printed 105 lines,
// one per pair), and a name holding a quote or backslash quoted with
// them escaped once (it read "cl"i\\ent").
func TestVantageIdenticalCopiesOneLine(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.pcap")
	vantageHostileCapture(t, a, "227 Entering Passive Mode (192,0,2,10,195,82)")
	raw, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"read"}
	names := []string{"a", `cl"i\ent`, "c", "d"}
	for k, n := range names {
		f := a
		if k > 0 {
			f = filepath.Join(dir, "copy"+string(rune('0'+k))+".pcap")
			if err := os.WriteFile(f, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		args = append(args, "--vantage", n+"="+f)
	}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if n := strings.Count(out, "hold the same packets"); n != 1 ||
		!strings.Contains(unwrapped(out), `"a", "cl\"i\\ent", "c" and "d" hold the same packets at the same times: one capture given 4 times (under 4 names, or copies)?`) {
		t.Errorf("%d lines on identical points; want one naming the four:\n%s", n, out)
	}
}
