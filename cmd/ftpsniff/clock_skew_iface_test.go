package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// readSkew is what read prints for the synthetic capture name with args.
func readSkew(t *testing.T, name string, args ...string) string {
	t.Helper()
	path := "../../pcaps/synthetic/" + name
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s absent (go run ./pcaps/synth)", path)
	}
	var stdout, stderr bytes.Buffer
	if c := run(append(append([]string{"read", "--color", "never"}, args...), path), &stdout, &stderr); c != exitOK {
		t.Fatalf("exit %d: %s", c, stderr.String())
	}
	return stdout.String()
}

// TestInterfaceClockSkewCorrected: a pcapng merged from two captures
// whose clocks disagree by 2 s (client to server on interface 0, server
// to client on interface 1, in the order of their stamps) read every
// reply as "came after the command below was sent", each PASV
// data-not-attempted (a false warning) and its transfer as "(no visible
// announcement) ... announced before the capture started" (ahead), or
// capture gaps (behind). The TCP handshakes across the two interfaces
// prove the offset; it is taken off interface 1's stamps from the first
// packet and said, with the offset, in text, --summary and JSON.
func TestInterfaceClockSkewCorrected(t *testing.T) {
	for _, c := range []struct{ file, way string }{
		{"iface-clock-ahead-2s.pcapng", "2.000s ahead of"},
		{"iface-clock-behind-2s.pcapng", "2.000s behind"},
	} {
		t.Run(c.file, func(t *testing.T) {
			text := readSkew(t, c.file)
			for _, bad := range []string{"came after", "not-attempted", "no visible announcement", "before the capture started", "capture gap", "step back"} {
				if strings.Contains(text, bad) {
					t.Errorf("skew alone reads %q:\n%s", bad, text)
				}
			}
			note := "pcapng interface 1's clock ran " + c.way + " interface 0's"
			if !strings.Contains(text, note) || !strings.Contains(text, "its packets are read at interface 0's time") {
				t.Errorf("the offset is not said (%q):\n%s", note, text)
			}
			if sum := readSkew(t, c.file, "--summary"); !strings.Contains(strings.Join(strings.Fields(sum), " "), note) {
				t.Errorf("--summary does not say the offset:\n%s", sum)
			}
			js := readSkew(t, c.file, "--json")
			want := `"clock_skews":[{"interface":1,"offset_ns":2000000000`
			if strings.Contains(c.way, "behind") {
				want = `"clock_skews":[{"interface":1,"offset_ns":-2000000000`
			}
			if !strings.Contains(js, want) || !strings.Contains(js, `"corrected":true`) {
				t.Errorf("the capture record lacks %s:\n%s", want, js)
			}
		})
	}
}

// TestInterfaceClocksAgreeUnchanged: the same capture whose two
// interfaces' clocks agree says nothing of clocks (zero lies within what
// every handshake allows).
func TestInterfaceClocksAgreeUnchanged(t *testing.T) {
	text := readSkew(t, "iface-clock-agree.pcapng")
	if strings.Contains(text, "clock") || strings.Contains(readSkew(t, "iface-clock-agree.pcapng", "--json"), "clock_skew") {
		t.Errorf("clocks that agree are said to disagree:\n%s", text)
	}
}
