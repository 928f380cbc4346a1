package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/extract"
)

// TestExtractNoFileForUndeliveredTransfer: a transfer that delivered no
// byte to its receiver made a file all the same: 4,640 bytes of holes
// (zeros, with their hashes) for a download whose every segment a path
// MTU black hole dropped before the client (its server's FIN past them),
// and 1,536 bytes sent again and again that the client, seen after the
// handshake (its RST), acknowledged none of, answered 426
// (pcaps/hostile/extract/stall.py). Neither is written now: the transcript says why
// under the data connection, the summary and the JSON extraction record
// count it; a file that got some of its bytes keeps its hole report.
func TestExtractNoFileForUndeliveredTransfer(t *testing.T) {
	for _, c := range []struct{ name, why string }{
		{"pmtu-small-client.pcap", "file not written: no byte of it was delivered: the 4640 bytes its end shows sent are missing from the capture (never received), so the file would hold zeros alone"},
		{"../hostile/extract/stall-rst-426.pcap", "file not written: no byte of it was delivered: the receiver, seen after the handshake, acknowledged none of the 1536 bytes sent (again and again) and no 226 or 250 says the transfer completed, so the file would hold what never arrived"},
	} {
		t.Run(filepath.Base(c.name), func(t *testing.T) {
			capFile := filepath.Join("..", "..", "pcaps", "real", c.name)
			dir := filepath.Join(t.TempDir(), "x")
			var stdout, stderr bytes.Buffer
			if code := run([]string{"read", "--color", "never", "--extract", dir, capFile}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			out := strings.Join(strings.Fields(stdout.String()), " ")
			if !strings.Contains(out, c.why) {
				t.Errorf("no %q in:\n%s", c.why, stdout.String())
			}
			if !strings.Contains(out, "extracted: 0 files, 0 bytes into "+dir+"; 1 transfer that delivered no byte to its receiver, not written") {
				t.Errorf("the summary does not count it:\n%s", stdout.String())
			}
			if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
				t.Errorf("the folder holds %v (%v), want nothing", ents, err)
			}
			files, _, st, _ := fileRecordsStats(t, capFile)
			if len(files) != 0 || st.NotDelivered != 1 || st.NotDeliveredBytes == 0 || st.Files.Files != 0 || st.Files.HoleBytes != 0 {
				t.Errorf("JSON: %d file records, not_delivered %d (%d bytes), folder files %d, hole bytes %d; want 0, 1 (>0), 0, 0",
					len(files), st.NotDelivered, st.NotDeliveredBytes, st.Files.Files, st.Files.HoleBytes)
			}
		})
	}
	// A file with a hole and bytes around it is written, its hole said.
	files, _, st, _ := fileRecordsStats(t, filepath.Join("..", "..", "pcaps", "synthetic", "extract-gap.pcap"))
	if len(files) != 1 || st.NotDelivered != 0 || !strings.Contains(strings.Join(files[0].Reasons, "; "), "gap at offset 1460 for 1460 bytes") {
		t.Errorf("a partly delivered file: %d records, not_delivered %d, %+v", len(files), st.NotDelivered, files)
	}
}

// TestExtractStalledBytesWrittenUnlessProvenLost guards a transfer whose
// bytes the capture holds, sent again and again, none of them
// acknowledged in the capture: with nothing of the receiver's after the
// handshake (its ACKs and FIN lost to the capture: an asymmetric return
// path, kernel drops) and a 226, "file not written: no byte of it was
// delivered" had replaced the file the old binary wrote
// (pcaps/hostile/extract/stall-noacks.pcap, from rt-f). It is written,
// not complete, and says why: the receiver's acknowledgements are missing
// and the 226 says the transfer completed; not counted as undelivered.
// The sender's FIN places the file's end: no "the data connection's end
// is not in the capture".
func TestExtractStalledBytesWrittenUnlessProvenLost(t *testing.T) {
	capFile := filepath.Join("..", "..", "pcaps", "hostile", "extract", "stall-noacks.pcap")
	files, _, st, dir := fileRecordsStats(t, capFile)
	if len(files) != 1 || st.NotDelivered != 0 || st.NotCaptured != 0 {
		t.Fatalf("%d file records, not_delivered %d, not_captured %d; want 1, 0, 0", len(files), st.NotDelivered, st.NotCaptured)
	}
	f := files[0]
	why := strings.Join(f.Reasons, "; ")
	if f.Complete || f.Bytes != 1536 || why != "unverified: the capture holds no segment of the receiver's after the handshake, so none of the 1536 bytes sent (again and again) shows acknowledged, yet the 226 says the transfer completed (the receiver's acknowledgements are missing from the capture): the file holds the bytes sent" {
		t.Errorf("complete %v, %d bytes, reasons %q", f.Complete, f.Bytes, why)
	}
	got, err := os.ReadFile(filepath.Join(dir, f.File))
	if want := bytes.Repeat(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}(), 6); err != nil || !bytes.Equal(got, want) {
		t.Errorf("the file holds %d bytes (%v), not the 1536 sent", len(got), err)
	}
}

// TestExtractSnapCutNotCaptured guards a transfer whose data segments the
// capture kept the headers of alone (tcpdump -s 54), the client
// acknowledging every byte, 226: it read "file not written: no byte of it
// was delivered … (never received)" and counted not_delivered. Delivered;
// the capture kept none of its bytes: no file of zeros, said so, counted
// apart (not_captured, the text summary too).
func TestExtractSnapCutNotCaptured(t *testing.T) {
	capFile := filepath.Join("..", "..", "pcaps", "hostile", "extract", "snapcut.pcap")
	dir := filepath.Join(t.TempDir(), "x")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--extract", dir, capFile}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := strings.Join(strings.Fields(stdout.String()), " ")
	for _, want := range []string{
		"file not written: its bytes are not in the capture (the snap length / capture loss): the 1000 bytes the data connection carried this way would be zeros alone",
		"extracted: 0 files, 0 bytes into " + dir + "; 1 transfer whose bytes are not in the capture (the snap length / capture loss), not written",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(out, "delivered") {
		t.Errorf("said undelivered:\n%s", stdout.String())
	}
	files, _, st, _ := fileRecordsStats(t, capFile)
	if len(files) != 0 || st.NotDelivered != 0 || st.NotCaptured != 1 || st.NotCapturedBytes != 1000 {
		t.Errorf("JSON: %d file records, not_delivered %d, not_captured %d (%d bytes); want 0, 0, 1 (1000)", len(files), st.NotDelivered, st.NotCaptured, st.NotCapturedBytes)
	}
}

// TestExtractNotCapturedMetric: the transfers whose bytes the capture
// does not hold are their own reason of
// ftpsniff_extract_files_not_written_total (not_captured), not
// not_delivered.
func TestExtractNotCapturedMetric(t *testing.T) {
	d, err := extract.Open(filepath.Join(t.TempDir(), "files"), extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p := &pipeline{ext: newExtractor(nil, d, false)}
	p.ext.st.NotCaptured, p.ext.st.NotDelivered = 2, 1
	m := newMetrics(10)
	m.snap.update(snapshot{Extract: p.extractCounts()})
	for reason, want := range map[string]string{"not_captured": "2", "not_delivered": "1"} {
		if got := metricValue(t, m, "ftpsniff_extract_files_not_written_total", "reason="+reason); got != want {
			t.Errorf("reason=%s: %q, want %s", reason, got, want)
		}
	}
}
