package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// readSkew is what read prints for the synthetic captures names with args.
func readSkew(t *testing.T, args []string, names ...string) string {
	t.Helper()
	for _, name := range names {
		path := "../../pcaps/synthetic/" + name
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s absent (go run ./pcaps/synth)", path)
		}
		args = append(args, path)
	}
	var stdout, stderr bytes.Buffer
	if c := run(append([]string{"read", "--color", "never"}, args...), &stdout, &stderr); c != exitOK {
		t.Fatalf("exit %d: %s", c, stderr.String())
	}
	return stdout.String()
}

// skewFalseWords are what a 2 s interface clock offset alone made read
// say of sessions with nothing wrong.
var skewFalseWords = []string{"came after", "not-attempted", "no visible announcement", "before the capture started", "capture gap", "step back"}

func noSkewFalseWords(t *testing.T, what, text string) {
	t.Helper()
	for _, bad := range skewFalseWords {
		if strings.Contains(text, bad) {
			t.Errorf("%s reads %q:\n%s", what, bad, text)
		}
	}
}

// TestInterfaceClockSkewCorrected: a pcapng merged from two captures
// whose clocks disagree by 2 s (client to server on interface 0, server
// to client on interface 1, in the order of their stamps) read every
// reply as "came after the command below was sent", each PASV
// data-not-attempted and its transfer as "(no visible announcement) ...
// announced before the capture started" (ahead), or capture gaps
// (behind). The handshakes across the two prove the offset; the smallest
// shift they prove is taken off interface 1's stamps from the first
// packet, and said in text, --summary and JSON.
func TestInterfaceClockSkewCorrected(t *testing.T) {
	for _, c := range []struct{ file, way, js string }{
		{"iface-clock-ahead-2s.pcapng", "at least 1.999s ahead of", `"clock_skews":[{"interface":1,"offset_ns":1999000000,"within_ns":2000000,"handshakes":3,"corrected":true}]`},
		{"iface-clock-behind-2s.pcapng", "at least 1.999s behind", `"clock_skews":[{"interface":1,"offset_ns":-1999000000,"within_ns":2000000,"handshakes":3,"corrected":true}]`},
	} {
		t.Run(c.file, func(t *testing.T) {
			text := readSkew(t, nil, c.file)
			noSkewFalseWords(t, c.file, text)
			note := "pcapng interface 1's clock ran " + c.way + " interface 0's"
			flat := strings.Join(strings.Fields(text), " ")
			if !strings.Contains(flat, note) || !strings.Contains(flat, "at interface 0's time, from the input's first packet") {
				t.Errorf("the offset is not said (%q):\n%s", note, text)
			}
			if sum := readSkew(t, []string{"--summary"}, c.file); !strings.Contains(strings.Join(strings.Fields(sum), " "), note) {
				t.Errorf("--summary does not say the offset:\n%s", sum)
			}
			if js := readSkew(t, []string{"--json"}, c.file); !strings.Contains(js, c.js) {
				t.Errorf("the capture record lacks %s:\n%s", c.js, js)
			}
			// Read as the capture whose clocks agree reads, but for the
			// note, packet numbers and the 1 ms the proven shift leaves.
			// (Behind, each data connection's SYN/ACK and bytes come in
			// the file before its SYN, which no stamp moves: read from
			// the receiver's acknowledgments, as before.)
			if strings.Contains(c.way, "behind") {
				return
			}
			if got, want := skewShape(text), skewShape(readSkew(t, nil, "iface-clock-agree.pcapng")); got != want {
				t.Errorf("corrected, it does not read as the clocks that agree:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// skewShape is a reading without its numbers and the clock note.
func skewShape(text string) string {
	if i := strings.Index(text, "  note: pcapng interface"); i >= 0 {
		text = text[:i]
	}
	return regexp.MustCompile(`[0-9]+`).ReplaceAllString(text, "#")
}

// TestInterfaceClockSkewPipeReadsAsFile: the same bytes through a pipe
// read as the file does (the reverted correction had no first pass for
// a pipe: its replies before the proof read "came after"), from the
// window held at its start.
func TestInterfaceClockSkewPipeReadsAsFile(t *testing.T) {
	const name = "iface-clock-ahead-2s.pcapng"
	file := readSkew(t, nil, name)
	data, err := os.ReadFile("../../pcaps/synthetic/" + name)
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { w.Write(data); w.Close() }()
	stdin := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = stdin; r.Close() }()
	var stdout, stderr bytes.Buffer
	if c := run([]string{"read", "--color", "never", "-"}, &stdout, &stderr); c != exitOK {
		t.Fatalf("exit %d: %s", c, stderr.String())
	}
	noSkewFalseWords(t, "the pipe", stdout.String())
	if stdout.String() != file {
		t.Errorf("the pipe reads:\n%s\nthe file:\n%s", stdout.String(), file)
	}
}

// TestInterfaceClockSkewPerInput: an offset proved in one input ends with
// it (the reverted correction carried it into the next: a clean second
// file read 2 s off, replies before their commands): the clean file reads
// as it does alone, and only the first is named in the note and JSON.
func TestInterfaceClockSkewPerInput(t *testing.T) {
	both := readSkew(t, nil, "iface-clock-ahead-2s.pcapng", "iface-clock-agree-later.pcapng")
	noSkewFalseWords(t, "two inputs", both)
	alone := readSkew(t, nil, "iface-clock-agree-later.pcapng")
	// The clean file's sessions, as read alone (the first file's are
	// first, each session's heading names its file).
	part := both[strings.Index(both, "  user anonymous, logged in; in ../../pcaps/synthetic/iface-clock-agree-later.pcapng"):]
	for _, line := range strings.Split(alone[:strings.Index(alone, "\n\n")], "\n")[2:] {
		if strings.HasPrefix(line, "    +") && !strings.Contains(part, line) { // (its exchanges and their times)
			t.Errorf("the clean second file lacks %q as read alone:\n%s", line, part)
		}
	}
	js := readSkew(t, []string{"--json"}, "iface-clock-ahead-2s.pcapng", "iface-clock-agree-later.pcapng")
	want := `"clock_skews":[{"input":"../../pcaps/synthetic/iface-clock-ahead-2s.pcapng","interface":1,`
	if !strings.Contains(js, want) || strings.Count(js, `"interface":1,"offset_ns"`) != 1 {
		t.Errorf("JSON clock_skews not the first input's alone (%s):\n%s", want, js)
	}
}

// TestSplitTapJitterUntouched: a split-direction tap whose two ports are
// stamped with 60 us of interrupt jitter, the server answering within
// 20 us and the client 200 ms away (the reverted correction read it as
// interface 1 0.200s behind and made every reply that slow): nothing is
// said of clocks, nothing moved (its golden is the reading before any
// correction, byte for byte).
func TestSplitTapJitterUntouched(t *testing.T) {
	const name = "iface-clock-tap-jitter-60us.pcapng"
	if text := readSkew(t, nil, name); strings.Contains(text, "clock") {
		t.Errorf("jitter read as a clock offset:\n%s", text)
	}
	if js := readSkew(t, []string{"--json"}, name); strings.Contains(js, "clock_skews") {
		t.Errorf("jitter read as a clock offset:\n%s", js)
	}
}

// TestInterfaceClockSkewWithStepBack: a skewed capture whose clocks were
// also set back an hour between its sessions is corrected, and reads as
// the same capture with clocks that agree does (the reverted correction
// made a false step back of the capture's clock of its own).
func TestInterfaceClockSkewWithStepBack(t *testing.T) {
	text := readSkew(t, nil, "iface-clock-ahead-2s-stepback.pcapng")
	noSkewFalseWords(t, "skew and a step back", text)
	if !strings.Contains(strings.Join(strings.Fields(text), " "), "clock ran at least 1.999s ahead of interface 0's") {
		t.Errorf("the offset is not said:\n%s", text)
	}
	if got, want := skewShape(text), skewShape(readSkew(t, nil, "iface-clock-agree-stepback.pcapng")); got != want {
		t.Errorf("it does not read as the clocks that agree:\n%s\nwant:\n%s", got, want)
	}
}
