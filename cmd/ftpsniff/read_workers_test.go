package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/pcaps/bench"
)

// readBothWays runs `ftpsniff read` with --workers 1 and --workers 2 and
// fails when stdout, stderr or the exit code differ.
func readBothWays(t *testing.T, args ...string) {
	t.Helper()
	var out [2]bytes.Buffer
	var errs [2]bytes.Buffer
	var codes [2]int
	for i, w := range []string{"1", "2"} {
		a := append([]string{"read", "--workers", w}, args...)
		codes[i] = run(a, &out[i], &errs[i])
	}
	if codes[0] != codes[1] {
		t.Errorf("%v: exit code %d with one worker, %d with two", args, codes[0], codes[1])
	}
	if out[0].String() != out[1].String() {
		t.Errorf("%v: stdout differs with two workers:\n%s", args, firstDiff(out[0].String(), out[1].String()))
	}
	if errs[0].String() != errs[1].String() {
		t.Errorf("%v: stderr differs with two workers:\n%s", args, firstDiff(errs[0].String(), errs[1].String()))
	}
	if out[0].Len()+errs[0].Len() == 0 {
		t.Errorf("%v: no output at all", args)
	}
}

// TestReadWorkersSameOutput: decoding on one goroutine and tracking on
// another (decode/relay) gives the same bytes as one goroutine, for every
// shipped capture and the shared corpus, in every output form.
func TestReadWorkersSameOutput(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	files := goldenCaptures(t)
	hostile, _ := filepath.Glob("../../pcaps/hostile/*.pcap*")
	corpus, _ := filepath.Glob("../../../shared/corpus/*/*")
	files = append(append(files, hostile...), corpus...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			readBothWays(t, "--color", "never", f)
			readBothWays(t, "--json", f)
			readBothWays(t, "--format", "zeek", f)
			readBothWays(t, "--color", "never", "--summary", "--pasv-range", "40000-40100", f)
			readBothWays(t, "--json", "--helper", "linux", f)
		})
	}
}

// TestReadWorkersSameOutputAcrossBatches: captures of many sessions, whose
// calls fill many of the relay's batches and whose expiries run at
// seconds' ticks inside them, and several files read as one capture.
func TestReadWorkersSameOutputAcrossBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("generates captures")
	}
	dir := t.TempDir()
	sessions := filepath.Join(dir, "sessions.pcap")
	if _, err := bench.WriteCapture(sessions, func(w io.Writer) (bench.SessionStats, error) {
		return bench.GenerateSessions(w, bench.SessionsConfig{Sessions: 400, Seed: 7, Concurrency: 16})
	}); err != nil {
		t.Fatal(err)
	}
	bulk := filepath.Join(dir, "bulk.pcap")
	if _, err := bench.WriteCapture(bulk, func(w io.Writer) (bench.Stats, error) {
		return bench.Generate(w, bench.Config{Size: 8 << 20, Seed: 3})
	}); err != nil {
		t.Fatal(err)
	}
	tls := "../../pcaps/real/ftps-explicit.pcap"
	if _, err := os.Stat(tls); err != nil {
		t.Fatal(err)
	}
	readBothWays(t, "--json", sessions)
	readBothWays(t, "--color", "never", "--full", sessions)
	readBothWays(t, "--json", bulk)
	// TLS first: every data payload after it is copied to the tracker.
	readBothWays(t, "--json", tls, sessions, bulk)
	readBothWays(t, "--json", "--session", "17", sessions)
}

// TestReadWorkersRefused: --workers out of range is a usage error, with
// --vantage too (which reads on one goroutine whatever it says).
func TestReadWorkersRefused(t *testing.T) {
	f := "../../pcaps/real/pasv-drop.pcap"
	for _, args := range [][]string{
		{"read", "--workers", "0", f},
		{"read", "--workers", "3", f},
		{"read", "--workers", "99", "--vantage", "a=" + f, "--vantage", "b=" + f},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitError || !strings.Contains(errb.String(), "--workers") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error naming --workers", args, code, errb.String())
		}
	}
}

// TestReadWorkersNothingOpenedStopsTheRelay: when no input can be opened
// the analysis goroutine is stopped all the same.
func TestReadWorkersNothingOpenedStopsTheRelay(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		var out, errb bytes.Buffer
		run([]string{"read", "--workers", "2", filepath.Join(t.TempDir(), "absent.pcap")}, &out, &errb)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after five reads of a missing file", before, n)
	}
}
