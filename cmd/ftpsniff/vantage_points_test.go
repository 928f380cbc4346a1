package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVantagePointNamesShownOnce guards point names in verdicts: a name
// holding "#0" is not taken for a point reference (the rewrite verdict
// named `"router"client" side"`), and one holding a quote is quoted as
// Go quotes it, once: `"server\"x"`, not `"server\\"x"` or `"server"x"`.
func TestVantagePointNamesShownOnce(t *testing.T) {
	needCaptures(t, "helper-nat-client.pcap", "helper-nat-server.pcap", "router-drop-data-syn-client.pcap", "router-drop-data-syn-server.pcap")
	for _, tc := range []struct {
		client, server string
		names          [2]string
		want           string
	}{
		{"helper-nat-client.pcap", "helper-nat-server.pcap", [2]string{"client", "router#0 side"}, `"client" saw 10.99.1.1:40039, "router#0 side" saw 10.99.2.2:40039`},
		{"router-drop-data-syn-client.pcap", "router-drop-data-syn-server.pcap", [2]string{"client", `server"x`}, `the SYN passed "client" and never reached "server\"x": dropped in between`},
	} {
		var stdout, stderr bytes.Buffer
		args := []string{"read", "--vantage", tc.names[0] + "=" + vantageRealDir + tc.client, "--vantage", tc.names[1] + "=" + vantageRealDir + tc.server}
		if code := run(args, &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		if !strings.Contains(unwrapped(stdout.String()), tc.want) {
			t.Errorf("%v: output lacks %s:\n%s", tc.names, tc.want, stdout.String())
		}
	}
}

// TestVantageOneCaptureTwoPoints guards a capture given to two points
// (the same path, or another path to the same file): refused with one
// line naming both points, not merged with itself.
func TestVantageOneCaptureTwoPoints(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.pcap")
	vantageHostileCapture(t, a, "227 Entering Passive Mode (192,0,2,10,195,82)")
	link := filepath.Join(dir, "link.pcap")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	for _, second := range []string{a, link} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"read", "--vantage", "a=" + a, "--vantage", "b=" + second}, &stdout, &stderr)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if code != exitError || len(lines) != 1 || !strings.Contains(lines[0], "--vantage a and --vantage b both name") || stdout.Len() > 0 {
			t.Errorf("b=%s: exit %d, stderr %q, stdout %d bytes; want one line refusing it", second, code, stderr.String(), stdout.Len())
		}
	}
}

// TestVantageEmptyPoint guards a point whose capture holds no packet: one
// line saying so, naming the point and the file, and the exit code of
// the other bad inputs.
func TestVantageEmptyPoint(t *testing.T) {
	dir := t.TempDir()
	a, empty := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "empty.pcap")
	vantageHostileCapture(t, a, "227 Entering Passive Mode (192,0,2,10,195,82)")
	// A pcap file header (little-endian, microseconds, Ethernet) and no
	// packet.
	hdr := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}
	if err := os.WriteFile(empty, hdr, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"read", "--vantage", "a=" + a, "--vantage", "server=" + empty}, &stdout, &stderr)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if code != exitError || len(lines) != 1 || !strings.Contains(lines[0], "--vantage server: "+empty+" holds no TCP packets") {
		t.Fatalf("exit %d, stderr %q; want one line naming the empty point", code, stderr.String())
	}
}

// TestVantageJSONAnnouncementMissing guards the announcement records of
// the merged view: they carry `missing` as the text output's "not seen"
// does (false when every point saw it).
func TestVantageJSONAnnouncementMissing(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	vantageHostileCapture(t, a, "227 Entering Passive Mode (192,0,2,10,195,82)")
	vantageHostileCapture(t, b, "227 Entering Passive Mode (192,0,2,10,195,82)")
	recs := jsonRecords(t, "read", "--json", "--vantage", "a="+a, "--vantage", "b="+b)
	n := 0
	for _, s := range ofType(recs, "vantage_session") {
		anns, _ := s["announcements"].([]any)
		for _, x := range anns {
			m, _ := x.(map[string]any)
			if v, ok := m["missing"].(bool); !ok || v {
				t.Errorf("announcement %v: missing %v, want false present", m["index"], m["missing"])
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no announcement records")
	}
}
