package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/extract"
)

// fileRecords runs read --json --extract DIR on a capture and returns the
// `file` records, the `data` records of transfer commands, and DIR.
func fileRecords(t *testing.T, capFile string, extra ...string) (files []jsonFileRec, data []dataRecord, dir string) {
	files, data, _, dir = fileRecordsStats(t, capFile, extra...)
	return files, data, dir
}

// fileRecordsStats is fileRecords with the extraction record.
func fileRecordsStats(t *testing.T, capFile string, extra ...string) (files []jsonFileRec, data []dataRecord, st extractStats, dir string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "x")
	var stdout, stderr bytes.Buffer
	args := append([]string{"read", "--json", "--extract", dir}, extra...)
	if code := run(append(args, capFile), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var head struct{ Type string }
		if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		switch head.Type {
		case "file":
			var r jsonFileRec
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			files = append(files, r)
		case "data":
			var r dataRecord
			_ = json.Unmarshal(sc.Bytes(), &r)
			data = append(data, r)
		case "extraction":
			if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
				t.Fatal(err)
			}
		}
	}
	return files, data, st, dir
}

type jsonFileRec struct {
	extract.FileRecord
	Direction string `json:"direction"`
}

// servedFiles rebuilds the files the lab served and received, by the
// recipes in pcaps/record (netlab.sh netlab_ftproot, ftpclient.py
// payload): the originals every extracted file is compared with.
func servedFiles() map[string][]byte {
	var report strings.Builder
	for i := 1; i <= 80; i++ {
		fmt.Fprintf(&report, "line %03d: quarterly report, FTP lab file served by vsftpd\n", i)
	}
	data := make([]byte, 0, 131072)
	for range 512 {
		for b := range 256 {
			data = append(data, byte(b))
		}
	}
	upload := func(n int) []byte {
		line := "uploaded by ftplib in the ftpsniff lab\n"
		return []byte(strings.Repeat(line, n/len(line)+1)[:n])
	}
	return map[string][]byte{
		"RETR report.txt": []byte(report.String()),
		"RETR data.bin":   data,
		"STOR up.txt":     upload(20000),
		"APPE up.txt":     upload(5000),
		"STOR a.txt":      upload(3000), // record.sh's filecmds scenarios
		"APPE a.txt":      upload(1000),
		"STOU":            upload(500),
		"STOR up.bin":     data,                          // record.sh: head -c 131072 data.bin
		"RETR readme.txt": []byte("anonymous FTP lab\n"), // netlab.sh: notes/readme.txt
	}
}

// snappedData: the captures of pcaps/real whose data connections' frames
// were cut to a snap length to keep them small (pcaps/real/README.md).
var snappedData = map[string]bool{"control-cut-download-server.pcap": true}

// undeliveredFiles: the captures of pcaps/real with a transfer whose
// bytes never reached the receiver (a path MTU black hole: pcaps/real
// README, "Stalls behind a path MTU black hole"): it moved no bytes in its
// data record, and makes no file (before, one of holes alone, or of the
// sender's bytes never acknowledged): the extraction record counts it
// (not_delivered), one per capture.
var undeliveredFiles = map[string]bool{"pmtu-small-client.pcap": true, "pmtu-hostfw-client.pcap": true,
	"pmtu-v6-client.pcap": true}

// unverifiedFiles: the captures of pcaps/real with a transfer whose
// sender sent its bytes again and again, none acknowledged in the
// capture, which holds no segment of the receiver's after the handshake
// (pmtu-upload-client: the client's side of a stalled upload): nothing
// shows the bytes never arrived, so the file is written, not complete,
// "unverified: …" (its data record counts 0 bytes); one per capture.
var unverifiedFiles = map[string]bool{"pmtu-upload-client.pcap": true}

// TestExtractRealCapturesByteForByte guards --extract on every capture
// of real servers and clients: each transferred RETR/STOR/APPE becomes
// one file whose bytes are the original's (rebuilt from the recorder's
// recipe), in the direction the command implies, active or passive.
func TestExtractRealCapturesByteForByte(t *testing.T) {
	served := servedFiles()
	caps, _ := filepath.Glob(filepath.Join("..", "..", "pcaps", "real", "*.pcap"))
	if len(caps) == 0 {
		t.Fatal("no captures in pcaps/real")
	}
	compared := 0
	for _, capFile := range caps {
		t.Run(filepath.Base(capFile), func(t *testing.T) {
			if snappedData[filepath.Base(capFile)] {
				t.Skip("its data frames were cut short to keep it small: no file to compare")
			}
			files, data, st, dir := fileRecordsStats(t, capFile)
			// Ciphertext is not a file (PROT P after CCC: ftps-ccc-proftpd).
			want := -int(st.Encrypted)
			for _, d := range data {
				switch d.Command {
				case "RETR", "STOR", "APPE", "STOU":
					if d.Bytes > 0 {
						want++
					}
				}
			}
			if unverifiedFiles[filepath.Base(capFile)] {
				want++
			}
			if got, want := st.NotDelivered, map[bool]int64{true: 1}[undeliveredFiles[filepath.Base(capFile)]]; got != want {
				t.Errorf("%d transfers counted as delivering nothing, want %d", got, want)
			}
			if len(files) != want {
				t.Fatalf("%d files extracted, %d transfers moved bytes", len(files), want)
			}
			for _, f := range files {
				if unverifiedFiles[filepath.Base(capFile)] && strings.HasPrefix(strings.Join(f.Reasons, "; "), "no final reply; capture ended; unverified: ") {
					if f.Complete || f.Bytes == 0 {
						t.Errorf("%s: the stalled transfer's file: complete %v, %d bytes", f.File, f.Complete, f.Bytes)
					}
					continue // (the bytes sent, not the file)
				}
				key := f.Command + " " + filepath.Base(f.Path)
				if f.Command == "STOU" {
					key = "STOU" // the server names the file
				}
				orig, known := served[key]
				if !known {
					t.Fatalf("no original known for %s %s", f.Command, f.Path)
				}
				got, err := os.ReadFile(filepath.Join(dir, f.File))
				if err != nil {
					t.Fatal(err)
				}
				if slices.Contains(f.Reasons, "no TYPE seen: ASCII by default, line endings may differ") && !bytes.Equal(got, orig) {
					// RFC 959's ASCII default, which ProFTPD and Pure-FTPd
					// honour (pcaps/real/*-port-refused.pcap): the wire
					// carried the file with CR LF line ends.
					orig = bytes.ReplaceAll(orig, []byte("\n"), []byte("\r\n"))
				}
				if !bytes.Equal(got, orig) {
					t.Errorf("%s: %d bytes differ from the original's %d", f.File, len(got), len(orig))
				}
				sum := sha256.Sum256(orig)
				if f.SHA256 != hex.EncodeToString(sum[:]) || f.Bytes != int64(len(orig)) {
					t.Errorf("%s: record says %d bytes sha256 %s", f.File, f.Bytes, f.SHA256)
				}
				if wantDir := map[bool]string{true: "download", false: "upload"}[f.Command == "RETR"]; f.Direction != wantDir {
					t.Errorf("%s: direction %s", f.File, f.Direction)
				}
				compared++
			}
		})
	}
	if compared < 15 {
		t.Errorf("only %d files compared", compared)
	}
}

// TestExtractCompletenessReasons guards the completeness verdicts on the
// synthetic captures made for them (pcaps/synth/scenarios_extract.go,
// scenarios_snapcut.go).
func TestExtractCompletenessReasons(t *testing.T) {
	tests := []struct {
		file     string
		name     string
		bytes    int64
		missing  int64
		complete bool
		reasons  string
	}{
		{"extract-gap.pcap", "s1-d1-gap.bin", 5000, 1460, false, "gap at offset 1460 for 1460 bytes"},
		{"extract-abort.pcap", "s1-d1-big.bin", 4380, 0, false, "size mismatch: announced 20000, got 4380; final reply 426; aborted"},
		{"extract-rest.pcap", "s1-d1-part.bin", 2000, 0, false, "REST offset 1000: a part of the file"},
		// "REST 12" of "REST 1234567": not offset 12, nor a size
		// mismatch with the whole file's 1,236,567 announced.
		{"snap-cut-rest.pcap", "s1-d1-big.iso", 2000, 0, false, "REST offset unknown (the capture cut its line): a part of the file, from an offset not known"},
		{"extract-type-a.pcap", "s1-d1-notes.txt", 55, 0, true, "TYPE A: the size as announced, no line end converted"},
		{"extract-active-stor.pcap", "s1-d1-upload.dat", 7000, 0, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			files, _, dir := fileRecords(t, filepath.Join("..", "..", "pcaps", "synthetic", tt.file))
			if len(files) != 1 {
				t.Fatalf("%d files, want 1", len(files))
			}
			f := files[0]
			if f.File != tt.name || f.Bytes != tt.bytes || f.Missing != tt.missing || f.Complete != tt.complete || strings.Join(f.Reasons, "; ") != tt.reasons {
				t.Errorf("got %s %d bytes (%d missing) complete=%v reasons %q", f.File, f.Bytes, f.Missing, f.Complete, strings.Join(f.Reasons, "; "))
			}
			st, err := os.Stat(filepath.Join(dir, f.File))
			if err != nil || st.Size() != tt.bytes {
				t.Errorf("file on disk: %v, %v", st, err)
			}
		})
	}
}

// TestExtractTextAndLimits: the transcript names the file under its data
// connection, listings only with --extract-listings, and a per-file
// bound cuts the file and is counted in the summary.
func TestExtractTextAndLimits(t *testing.T) {
	capFile := filepath.Join("..", "..", "pcaps", "real", "passive-lftp.pcap")
	dir := filepath.Join(t.TempDir(), "x")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--extract", dir, "--extract-listings", "--extract-max-file", "100000", capFile}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"file s1-d1-data.bin  100000 bytes  sha256 ",
		"incomplete (cut at the per-file limit)",
		"file s1-d2-list",
		"extracted: 2 files, 100261 bytes into " + dir,
		"1 cut at 100000 bytes (--extract-max-file)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	files, _, _ := fileRecords(t, capFile)
	if len(files) != 1 || files[0].Command != "RETR" {
		t.Errorf("without --extract-listings: %+v", files)
	}
}

// TestExtractFlagErrors: bad extraction flags are one clear line.
func TestExtractFlagErrors(t *testing.T) {
	capFile := filepath.Join("..", "..", "pcaps", "real", "passive-curl.pcap")
	for _, args := range [][]string{
		{"read", "--extract-listings", capFile},
		{"read", "--extract", t.TempDir(), "--extract-max-open", "0", capFile},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "--extract") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
	}
}

// TestTLSHandshakeStart: only the client's ClientHello, a handshake record
// of TLS 1.0 to 1.3, marks a data connection's bytes as ciphertext; the
// server's bytes, or other record types, never do (the extractor asks only
// of the client's first bytes).
func TestTLSHandshakeStart(t *testing.T) {
	for _, tt := range []struct {
		b    []byte
		want bool
	}{
		{[]byte{22, 3, 1, 0, 200}, true},
		{[]byte{22, 3, 3, 2, 0}, true},
		{[]byte{23, 3, 3, 0, 20}, false}, // application data: not a first record
		{[]byte{22, 3, 0, 0, 5}, false},  // SSL 3.0
		{[]byte{22, 2}, false},
		{[]byte("USER x"), false},
	} {
		if got := tlsHandshakeStart(tt.b); got != tt.want {
			t.Errorf("tlsHandshakeStart(% x) = %v, want %v", tt.b, got, tt.want)
		}
	}
}
