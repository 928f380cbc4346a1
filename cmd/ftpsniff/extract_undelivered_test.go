package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExtractNoFileForUndeliveredTransfer: a transfer that delivered no
// byte to its receiver made a file all the same: 4,640 bytes of holes
// (zeros, with their hashes) for a download whose every segment a path
// MTU black hole dropped before the client (its server's FIN past them),
// and 15,928 bytes the receiver never acknowledged for a stalled upload
// seen at the client. Neither is written now: the transcript says why
// under the data connection, the summary and the JSON extraction record
// count it; a file that got some of its bytes keeps its hole report.
func TestExtractNoFileForUndeliveredTransfer(t *testing.T) {
	for _, c := range []struct{ name, why string }{
		{"pmtu-small-client.pcap", "file not written: no byte of it was delivered: the 4640 bytes its end shows sent are missing from the capture (never received), so the file would hold zeros alone"},
		{"pmtu-upload-client.pcap", "file not written: no byte of it was delivered: the receiver acknowledged none of the 15928 bytes sent (sent again and again: the transfer stalled), so the file would hold what never arrived"},
	} {
		t.Run(c.name, func(t *testing.T) {
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
