package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVantageFileTwiceAtOnePointReadOnce guards a file given twice to one
// point: read once, as read --help says (and said on stderr), so that its
// announcements and data connections are not doubled.
func TestVantageFileTwiceAtOnePointReadOnce(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	vantageHostileCapture(t, a, "227 Entering Passive Mode (192,0,2,10,195,82)")
	vantageHostileCaptureAt(t, b, "227 Entering Passive Mode (192,0,2,10,195,82)", time.Millisecond)
	var once, twice, stderr bytes.Buffer
	if code := run([]string{"read", "--vantage", "a=" + a, "--vantage", "b=" + b}, &once, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"read", "--vantage", "a=" + a, "--vantage", "a=" + a, "--vantage", "b=" + b}, &twice, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if twice.String() != once.String() {
		t.Errorf("the file given twice changed the merged view:\n%s\nwant:\n%s", twice.String(), once.String())
	}
	if !strings.Contains(stderr.String(), "given more than once: read once") {
		t.Errorf("stderr %q: want it said the file is read once", stderr.String())
	}
}

// TestVantageSameCaptureUnderTwoNames guards one capture given to two
// points under two names (a copy; standard input): noted as the same
// packets at the same times, and no loss placed between the points.
func TestVantageSameCaptureUnderTwoNames(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "copy.pcap")
	vantageHostileCapture(t, a, "227 Entering Passive Mode (192,0,2,10,195,82)")
	raw, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--vantage", "a=" + a, "--vantage", "b=" + b}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, `"a" and "b" hold the same packets at the same times`) || !strings.Contains(out, "order along the path is unknown") {
		t.Errorf("output does not say the two points hold one capture:\n%s", out)
	}
	recs := jsonRecords(t, "read", "--json", "--vantage", "a="+a, "--vantage", "b="+b)
	pts := ofType(recs, "vantage")
	if len(pts) != 2 || pts[0]["identical_to"] == nil {
		t.Errorf("vantage records %v: want identical_to on them", pts)
	}
	for _, s := range ofType(recs, "vantage_session") {
		if s["order_unknown"] != true {
			t.Errorf("session %v: want order_unknown", s["session"])
		}
	}
}
