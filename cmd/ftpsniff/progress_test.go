package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// progressCapture has several sessions in a few hundred packets.
const progressCapture = "../../pcaps/real/login-brute-force.pcap"

// TestProgressLine: what the line says about the input, bytes read of its
// size, packets, sessions and the rate.
func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		name              string
		read, size        int64
		packets, sessions uint64
		elapsed           time.Duration
		want              string
	}{
		{"day.pcap", 5 << 20, 10 << 20, 1000, 3, 2 * time.Second,
			"day.pcap  5.0 MiB of 10.0 MiB (50%)  1000 packets  3 sessions  2.5 MiB/s"},
		{"day.pcap.gz", 10 << 20, 10 << 20, 123456, 787, 4 * time.Second,
			"day.pcap.gz  10.0 MiB of 10.0 MiB (100%)  123456 packets  787 sessions  2.5 MiB/s"},
		// A pipe's size is unknown: no "of", no percentage.
		{"-", 3 << 19, 0, 42, 1, 3 * time.Second,
			"stdin  1.5 MiB  42 packets  1 session  0.5 MiB/s"},
		{"/dev/fd/3", 1 << 20, 0, 7, 0, time.Second,
			"/dev/fd/3  1.0 MiB  7 packets  0 sessions  1.0 MiB/s"},
		// The percentage is rounded down: 100% only once all is read.
		{"a.pcap", 1, 3, 0, 0, time.Second,
			"a.pcap  0.0 MiB of 0.0 MiB (33%)  0 packets  0 sessions  0.0 MiB/s"},
		{"b.pcap", 999, 1000, 5, 1, time.Second,
			"b.pcap  0.0 MiB of 0.0 MiB (99%)  5 packets  1 session  0.0 MiB/s"},
		// No time gone by: a rate of 0, not infinity.
		{"c.pcap", 1 << 20, 2 << 20, 1, 0, 0,
			"c.pcap  1.0 MiB of 2.0 MiB (50%)  1 packet  0 sessions  0.0 MiB/s"},
	} {
		got := progressLine(tc.name, tc.read, tc.size, tc.packets, tc.sessions, tc.elapsed)
		if got != tc.want {
			t.Errorf("progressLine(%q, %d, %d, %d, %d, %v)\n got %q\nwant %q", tc.name, tc.read, tc.size, tc.packets, tc.sessions, tc.elapsed, got, tc.want)
		}
	}
}

// TestProgressOnlyOnTerminal: the line is drawn on a terminal that knows
// the erase-line escape, and never on a file, a pipe or a buffer.
func TestProgressOnlyOnTerminal(t *testing.T) {
	for _, tc := range []struct {
		terminal bool
		term     string
		want     bool
	}{
		{true, "xterm-256color", true},
		{true, "", true},
		{true, "dumb", false},
		{false, "xterm-256color", false},
		{false, "dumb", false},
	} {
		if got := drawsProgress(tc.terminal, tc.term); got != tc.want {
			t.Errorf("drawsProgress(%v, %q) = %v, want %v", tc.terminal, tc.term, got, tc.want)
		}
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, stderr := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "pipe": w, os.DevNull: null} {
		if newProgress(stderr).on {
			t.Errorf("progress is on for a %s", name)
		}
	}
}

// stepClock is a clock that moves on by step each time it is read.
func stepClock(step time.Duration) func() time.Time {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		now = now.Add(step)
		return now
	}
}

// readWithProgress reads progressCapture through read's path with prog,
// which looks at its clock on every packet, and returns how many packets
// the file holds.
func readWithProgress(t *testing.T, prog *progress) uint64 {
	t.Helper()
	prog.every = 1
	out := newTextOutput(bufio.NewWriter(io.Discard), newPalette(false), false)
	p := newPipelineWith(&analysisOptions{Color: "never", MaxLine: 4096}, out, track.Options{})
	if _, err := readInput(progressCapture, p, &readOptions{}, prog, out); err != nil {
		t.Fatal(err)
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	return p.dec.Stats().Packets
}

var progressFrame = regexp.MustCompile(`^` + regexp.QuoteMeta(progressCapture) +
	`  \d+\.\d MiB of 0\.0 MiB \(\d+%\)  (\d+) packets?  (\d+) sessions?  \d+\.\d MiB/s$`)

// TestProgressWhileReading: read draws the line in place on the clock's
// schedule (nothing for the first half second, then at most every 200 ms),
// counting up, and takes it off the terminal at the end of the file.
func TestProgressWhileReading(t *testing.T) {
	var stderr bytes.Buffer
	// Each look at the clock is 100 ms later: the first draw is at the
	// fifth packet (4 decoded), then every second packet.
	total := readWithProgress(t, newProgressFor(&stderr, true, stepClock(100*time.Millisecond)))

	got := stderr.String()
	if !strings.HasPrefix(got, "\r\x1b[K") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Fatalf("the line is not drawn in place and cleared: %s", head(got))
	}
	frames := strings.Split(strings.TrimSuffix(strings.TrimPrefix(got, "\r\x1b[K"), "\r\x1b[K"), "\r\x1b[K")
	// Packets are ticked before they are read, and the end of the
	// file is one more tick.
	wantFrames := 0
	for tick := uint64(5); tick <= total+1; tick += 2 {
		wantFrames++
	}
	if len(frames) != wantFrames {
		t.Fatalf("%d draws for %d packets, want %d", len(frames), total, wantFrames)
	}
	var lastSessions uint64
	for i, f := range frames {
		m := progressFrame.FindStringSubmatch(f)
		if m == nil {
			t.Fatalf("draw %d is %q", i, f)
		}
		packets, _ := strconv.ParseUint(m[1], 10, 64)
		sessions, _ := strconv.ParseUint(m[2], 10, 64)
		if want := uint64(4 + 2*i); packets != want {
			t.Errorf("draw %d says %d packets, want %d", i, packets, want)
		}
		if sessions < lastSessions {
			t.Errorf("draw %d says %d sessions after %d", i, sessions, lastSessions)
		}
		lastSessions = sessions
	}
	if lastSessions < 2 {
		t.Errorf("the last draw counts %d sessions; the capture has several", lastSessions)
	}
}

// TestProgressQuickReadDrawsNothing: a file read within the first half
// second leaves stderr untouched, the clearing included.
func TestProgressQuickReadDrawsNothing(t *testing.T) {
	var stderr bytes.Buffer
	readWithProgress(t, newProgressFor(&stderr, true, stepClock(time.Nanosecond)))
	if stderr.Len() != 0 {
		t.Errorf("a quick read wrote %s", head(stderr.String()))
	}
}

// TestProgressNotOnTerminal: with stderr not a terminal, nothing is
// written however long the read takes.
func TestProgressNotOnTerminal(t *testing.T) {
	var stderr bytes.Buffer
	prog := newProgress(&stderr)
	prog.now = stepClock(time.Second)
	readWithProgress(t, prog)
	if stderr.Len() != 0 {
		t.Errorf("stderr is not a terminal, yet got %s", head(stderr.String()))
	}
}

// TestProgressClear: clear erases a drawn line once, and writes nothing
// when no line is shown.
func TestProgressClear(t *testing.T) {
	var stderr bytes.Buffer
	p := newProgressFor(&stderr, true, stepClock(time.Second))
	p.clear()
	if stderr.Len() != 0 {
		t.Fatalf("clear with nothing drawn wrote %q", stderr.String())
	}
	p.shown = true
	p.clear()
	p.clear()
	if got := stderr.String(); got != "\r\x1b[K" {
		t.Errorf("clear wrote %q, want one erase", got)
	}
}

// head quotes the start of what was written, enough to tell what it is.
func head(s string) string {
	if len(s) > 160 {
		return strconv.Quote(s[:160]) + "..."
	}
	return strconv.Quote(s)
}

// TestProgressLineEscapesName guards the progress line against a file
// name that holds terminal escapes: drawn raw, ESC]0;…BEL would retitle
// the terminal and ESC[2J clear it. The line holds no control byte and
// shows the name escaped.
func TestProgressLineEscapesName(t *testing.T) {
	name := "day\x1b]0;owned\x07\x1b[2J\u202e\x9b.pcap"
	got := progressLine(name, 1<<20, 2<<20, 1, 0, time.Second)
	for i := 0; i < len(got); i++ {
		if got[i] < 0x20 || got[i] == 0x7f {
			t.Fatalf("progressLine(%q) = %q: control byte %#x at %d", name, got, got[i], i)
		}
	}
	if want := `day\x1b]0;owned\a\x1b[2J\u202e\x9b.pcap  1.0 MiB of 2.0 MiB (50%)`; !strings.HasPrefix(got, want) {
		t.Errorf("progressLine(%q) = %q, want it to start %q", name, got, want)
	}
}
