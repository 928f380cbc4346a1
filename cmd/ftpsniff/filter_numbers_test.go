package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// numberedRecords is what the JSON records say with packet numbers in
// them: each command and the packet that completed it, each finding with
// its packets and its evidence (whose text names packets too), in order.
func numberedRecords(t *testing.T, args ...string) []string {
	t.Helper()
	var out []string
	for _, r := range jsonRecords(t, append([]string{"read", "--json"}, args...)...) {
		switch r["type"] {
		case "command":
			out = append(out, fmt.Sprintf("%v %v @%v", r["session"], r["command"], r["packet"]))
		case "finding":
			out = append(out, fmt.Sprintf("%v %v @%v: %v", r["session"], r["code"], r["packets"], r["evidence"]))
		}
	}
	return out
}

// filteredCount is the summary's count of the packets the filters left
// out (0 when it has none).
func filteredCount(t *testing.T, args ...string) float64 {
	t.Helper()
	sums := ofType(jsonRecords(t, append([]string{"read", "--json"}, args...)...), "summary")
	if len(sums) != 1 {
		t.Fatalf("%v: %d summary records, want 1", args, len(sums))
	}
	f, _ := sums[0]["filtered"].(map[string]any)
	n, _ := f["packets"].(float64)
	return n
}

// TestFilteredReadKeepsFileFrameNumbers: read's packet filters (--host,
// --net, --filter-ports, --bpf-raw) leave packets out before the decoder,
// and the packets they keep are still numbered as the file numbers them
// (Wireshark's frame numbers, what docs/json.md promises). Before, the
// decoder numbered only what the filter kept: with --filter-ports,
// pasv-reject-icmp.pcap's PASS (frame 11, after two ARP frames the filter
// drops) was "packet 9" and the 229 (frame 16) "packet 14".
func TestFilteredReadKeepsFileFrameNumbers(t *testing.T) {
	file := viewRealDir + "pasv-reject-icmp.pcap"
	// IPv4 only: drops the ARP and ICMPv6 frames (1, 2, 26-28).
	ipv4Only := "4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0"
	filters := [][]string{
		{"--filter-ports"},
		{"--host", "10.99.0.1"},
		{"--net", "10.99.0.0/24"},
		{"--bpf-raw", ipv4Only},
	}
	for _, workers := range []string{"1", "2"} {
		want := numberedRecords(t, "--workers", workers, file)
		// The frames tshark shows: PASS is frame 11, EPSV 15, its 229
		// 16, the SYN to 40012 17 and the ICMP error about it 18.
		for _, frame := range []string{"1 PASS @11", "1 EPSV @15", "1 data-unreachable @[16 17 18]"} {
			if !slices.ContainsFunc(want, func(s string) bool { return len(s) >= len(frame) && s[:len(frame)] == frame }) {
				t.Fatalf("--workers %s, no filter: no %q in %q", workers, frame, want)
			}
		}
		for _, f := range filters {
			args := append([]string{"--workers", workers}, f...)
			args = append(args, file)
			if n := filteredCount(t, args...); n == 0 {
				t.Fatalf("%v left nothing out: the test proves nothing", f)
			}
			if got := numberedRecords(t, args...); !reflect.DeepEqual(got, want) {
				t.Errorf("--workers %s %v: packet numbers differ from the file's:\n got %q\nwant %q", workers, f[0], got, want)
			}
		}
	}
}

// concatCaptures writes the packets of the files one after the other
// into one pcap in dir, as mergecap -a does.
func concatCaptures(t *testing.T, dir string, files ...string) string {
	t.Helper()
	name := filepath.Join(dir, "concat.pcap")
	out, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := pcapgo.NewWriterNanos(out)
	for i, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := w.WriteFileHeader(65536, r.LinkType()); err != nil {
				t.Fatal(err)
			}
		}
		for {
			data, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WritePacket(ci, data); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}
	return name
}

// writtenFrames is the frames of a pcapng --write made, in order.
func writtenFrames(t *testing.T, name string) [][]byte {
	t.Helper()
	src, err := capture.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var frames [][]byte
	for {
		data, _, _, err := src.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, bytes.Clone(data))
	}
}

// TestFilteredReadNumbersAfterDroppedSessions: a filter that drops a
// whole other capture's worth of packets before the session it keeps
// (226 frames of 10.99.1.0/24 before pasv-reject-icmp.pcap's) leaves its
// packet numbers as the file's, read from a file or from standard input,
// and read --write, whose two passes find a session's packets by number,
// writes the same packets as --server picks from the unfiltered file.
func TestFilteredReadNumbersAfterDroppedSessions(t *testing.T) {
	dir := t.TempDir()
	file := concatCaptures(t, dir, viewRealDir+"control-idle-nat-client.pcap", viewRealDir+"pasv-reject-icmp.pcap")
	var want []string
	for _, s := range numberedRecords(t, file) {
		if len(s) > 2 && s[:2] == "2 " { // the second file's session
			want = append(want, "1"+s[1:])
		}
	}
	if !slices.ContainsFunc(want, func(s string) bool { return len(s) >= 11 && s[:11] == "1 PASS @237" }) {
		t.Fatalf("no PASS at frame 237 (226 + 11) in the unfiltered read: %q", want)
	}
	host := []string{"--host", "10.99.0.1"}
	if got := numberedRecords(t, append(host, file)...); !reflect.DeepEqual(got, want) {
		t.Errorf("--host 10.99.0.1: packet numbers differ from the file's:\n got %q\nwant %q", got, want)
	}

	in, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	old := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = old }()
	if got := numberedRecords(t, append(host, "-")...); !reflect.DeepEqual(got, want) {
		t.Errorf("--host 10.99.0.1 from standard input: packet numbers differ from the file's:\n got %q\nwant %q", got, want)
	}

	picked, filtered := filepath.Join(dir, "picked.pcapng"), filepath.Join(dir, "filtered.pcapng")
	numberedRecords(t, "--write", picked, "--server", "10.99.0.1:21", file)
	numberedRecords(t, append(host, "--write", filtered, file)...)
	p, f := writtenFrames(t, picked), writtenFrames(t, filtered)
	if len(p) == 0 || !reflect.DeepEqual(p, f) {
		t.Errorf("--write with --host 10.99.0.1 wrote %d packets, --server 10.99.0.1:21 without a filter %d: they differ", len(f), len(p))
	}
}
