package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// unwritableFolder returns an existing folder this process cannot create
// files in: mode 0555 for a user other than root (whom modes do not
// stop), a read-only tmpfs for root; the test is skipped when neither
// can be had.
func unwritableFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "files")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return dir
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_RDONLY, "size=64k"); err != nil {
		t.Skipf("no read-only tmpfs to test with: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	return dir
}

// TestExtractUnwritableFolderRefusedBeforeReading guards `read --extract
// DIR` with a DIR that exists and takes no file (another user's, mode
// 555, a read-only mount): one line naming DIR and why, exit 2, before
// any packet. Before, the whole capture was analysed, exit 0, and the
// only trace was "0 files ... 32 write errors" at the end of the summary.
func TestExtractUnwritableFolderRefusedBeforeReading(t *testing.T) {
	dir := unwritableFolder(t)
	capFile := filepath.Join("..", "..", "pcaps", "real", "passive-curl.pcap")
	for _, format := range []string{"text", "json"} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"read", "--format", format, "--extract", dir, capFile}, &stdout, &stderr)
		msg := stderr.String()
		if code != exitError || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "--extract "+dir+": ") ||
			!strings.Contains(msg, "cannot create files in this folder: ") {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line naming the folder and why", format, code, msg, exitError)
		}
		if stdout.Len() != 0 {
			t.Errorf("%s: the capture was analysed:\n%s", format, stdout.String())
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("the check left %d files in the folder", len(ents))
	}
}

// TestExtractCreateFailureSaidUnderItsData guards the transcript of a
// transfer whose file could not be created once reading had begun (the
// folder removed, full, or made read-only during the run): it says so
// under its data connection, as a transfer a bound kept out does. Before,
// only the summary's "write errors" counted it, and the data connection
// showed no file line, as if extraction had not looked at it.
func TestExtractCreateFailureSaidUnderItsData(t *testing.T) {
	capFile := filepath.Join("..", "..", "pcaps", "real", "passive-curl.pcap")
	// (With --report too: the report's tee passes the line on.)
	for _, report := range []string{"", filepath.Join(t.TempDir(), "r.html")} {
		dir := filepath.Join(t.TempDir(), "files")
		opts := &readOptions{}
		opts.analysisOptions = analysisOptions{Color: "never", MaxLine: 4096, FailOn: "never"}
		opts.ExtractDir, opts.ExtractMaxOpen, opts.ExtractMaxFile, opts.ExtractMaxTotal = dir, 8, 1<<20, 1<<20
		opts.Report, opts.ReportSessions = report, 10
		if err := opts.validate(); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(dir); err != nil { // gone after the start
			t.Fatal(err)
		}
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		out := newTextOutput(bw, newPalette(false), false)
		p := newPipelineWith(&opts.analysisOptions, withReport(out, opts, []string{capFile}), track.Options{})
		if _, err := readInput(capFile, p, opts, &progress{}, out); err != nil {
			t.Fatal(err)
		}
		if err := p.finish(); err != nil {
			t.Fatal(err)
		}
		bw.Flush()
		text := buf.String()
		lines := strings.Split(text, "\n")
		found := false
		for i, l := range lines {
			if strings.Contains(l, "file not written: extract: create s1-d1-report.txt in "+dir+": ") {
				found = true
				if i < 2 || !strings.Contains(lines[i-2], "data #1 ") {
					t.Errorf("report %q: the line is not under data connection 1:\n%s", report, strings.Join(lines[max(i-3, 0):i+1], "\n"))
				}
			}
		}
		if !found || !strings.Contains(text, "1 write error (last: extract: create s1-d1-report.txt") {
			t.Errorf("report %q: want a line under the data connection and the write error in the summary:\n%s", report, text)
		}
	}
}

// TestExtractEncryptedSessionClearDataNotCalledEarly guards the count of
// a cleartext data connection (PROT C) of a session whose control channel
// is TLS: its transfer command is ciphertext, never seen. Before, it was
// counted and worded as bytes "before their transfer command was seen"
// (no_command), as if the command had come late; it is counted apart
// (no_command_tls) and worded as what it is.
func TestExtractEncryptedSessionClearDataNotCalledEarly(t *testing.T) {
	c, path := newWireCap(t)
	cli, srv := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
	ctl := wireConn{c: c, a: netip.AddrPortFrom(cli, 50000), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000}
	data := wireConn{c: c, a: netip.AddrPortFrom(cli, 50001), b: netip.AddrPortFrom(srv, 40003), aseq: 70000, bseq: 90000}
	hello := append([]byte{22, 3, 1, 2, 0, 1, 0, 1, 252, 3, 3}, make([]byte, 505)...)
	record := func(n int) []byte { return append([]byte{23, 3, 3, byte(n >> 8), byte(n)}, make([]byte, n)...) }
	ctl.handshake()
	ctl.fromB([]byte("220 (vsFTPd 3.0.5)\r\n"))
	ctl.fromA([]byte("AUTH TLS\r\n"))
	ctl.fromB([]byte("234 Proceed with negotiation.\r\n"))
	ctl.fromA(hello)
	ctl.fromB(append([]byte{22, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3}, make([]byte, 85)...))
	for range 6 { // USER, PASS, PBSZ, PROT C, PASV, RETR and their replies: ciphertext
		ctl.fromA(record(40))
		ctl.fromB(record(50))
	}
	data.handshake()
	data.fromB(wireBody(3000)) // the file, in clear
	data.closeFromB()
	ctl.fromB(record(50))
	ctl.fromA(record(30))
	ctl.closeFromB()

	_, _, st, _ := fileRecordsStats(t, path)
	if st.NoCommand != 0 || st.NoCommandTLS != 1 || st.EncryptedSession != 0 {
		t.Errorf("no_command %d, no_command_tls %d, encrypted_session %d; want 0, 1, 0", st.NoCommand, st.NoCommandTLS, st.EncryptedSession)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--extract", filepath.Join(t.TempDir(), "x"), path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	text := stdout.String()
	if strings.Contains(text, "before its transfer command was seen") || strings.Contains(text, "before their transfer command was seen") ||
		!strings.Contains(text, "1 data connection of an encrypted session with no TLS handshake seen (PROT C, in clear), not written: its transfer command is inside TLS") {
		t.Errorf("summary:\n%s", text)
	}
}

// TestExtractSummaryCountsInTheSingular guards the extracted: line's
// words for counts of one, and for bounds of one ("1 file was open", not
// "1 files were open").
func TestExtractSummaryCountsInTheSingular(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	o := newTextOutput(bw, newPalette(false), false)
	st := extractStats{Dir: "x", Limits: extractLimits{MaxOpen: 1, MaxFiles: 1, MaxFileBytes: 100, MaxTotalBytes: 1000},
		NoCommand: 1, Encrypted: 1, EncryptedSession: 1, NoCommandTLS: 1, NotReassembled: 1, StolenNotWritten: 1, StolenNotWrittenBytes: 2400}
	st.Files.Files, st.Files.RefusedOpen, st.Files.RefusedFiles = 1, 1, 1
	st.Payload.Evicted, st.Payload.HeldOverflow, st.Payload.StartUnknown, st.Payload.Conflicts, st.Payload.AfterEnd = 1, 1, 1, 1, 1
	st.Payload.EndedForgotten = 1
	o.ExtractSummary(st)
	o.extractSummary()
	bw.Flush()
	got := buf.String()
	for _, want := range []string{
		"extracted: 1 file, ",
		"1 not written: 1 file was open (--extract-max-open)",
		"1 not written: 1 file written already",
		"1 data connection dropped from the reassembly table",
		"1 data-stream hole given up early",
		"1 data connection that carried bytes before its transfer command was seen",
		"1 transfer whose bytes were not reassembled",
		"1 data connection of a transfer another host took whose bytes could not go in its file (2400 bytes), not written",
		"1 data connection without SYN or SYN-ACK: its file starts at an unknown offset",
		"1 place where the capture held",
		"1 data connection encrypted (a TLS ClientHello first)",
		"1 data connection of an encrypted session (TLS, no command visible), encrypted too",
		"1 data segment after its connection's reset or close (in flight, or a late copy)",
		"1 data connection forgotten soon after its reset or close (too many ended at once)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"1 files", "1 data connections", "1 transfers", "1 places", "1 data segments", "1 data-stream holes"} {
		if strings.Contains(got, bad) {
			t.Errorf("summary says %q:\n%s", bad, got)
		}
	}
}
