package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLiveFileLinesEscapeNames: the stderr lines of live's --write and
// --output that name the file (another name taken, writing stopped, the
// file after SIGHUP, a reopen that failed) write the bidi controls and
// other format characters of the name escaped, as the wire's text is
// (safe): a name holding U+202E RIGHT-TO-LEFT OVERRIDE or U+2067 RIGHT-
// TO-LEFT ISOLATE cannot reorder the line in the terminal. Ordinary
// letters (é, 中) stay readable. Before, these lines printed the name
// raw; the errors main prints were escaped already.
func TestLiveFileLinesEscapeNames(t *testing.T) {
	dir := t.TempDir()
	base := "caf\u00e9-\u4e2d-\u202egnp\u2067x.pcapng"
	name := filepath.Join(dir, base)
	if err := os.WriteFile(name, []byte("earlier capture"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cf, err := openCaptureFile(name, testIfaces, fileOwner{}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	b, ci := testPacket(1)
	cf.packet(0, b, ci)
	cf.stop(fmt.Errorf("write %s: no space left on device", cf.path))
	cf.asked.Store(true)
	cf.reopenIfAsked() // writing had stopped: a new file, said
	if err := cf.close(nil, false, time.Time{}, time.Time{}); err == nil {
		t.Error("close: no error for the packets not written")
	}
	out, err := openReopenFile(filepath.Join(dir, "o-\u202etxt.jsonl"), fileOwner{}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := os.Rename(out.name, out.name+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(out.name, 0o755); err != nil { // the name cannot be opened
		t.Fatal(err)
	}
	out.asked.Store(true)
	out.reopenIfAsked()
	// A write to the --output file that fails names it (os.PathError).
	sink := &outputSink{w: failingWriter{fmt.Errorf("write %s: no space left on device", out.name)}, stderr: &stderr}
	fmt.Fprintln(sink, `{"type":"x"}`)
	if sink.commit() == nil {
		t.Error("commit: no error from the failing writer")
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	for _, want := range []string{"holds packets already; writing to", "--write " + dir, "after SIGHUP, writing to", "--output: reopen after SIGHUP", "output: write " + dir} {
		found := false
		for _, l := range lines {
			found = found || strings.Contains(l, want)
		}
		if !found {
			t.Errorf("no line says %q:\n%s", want, stderr.String())
		}
	}
	for _, l := range lines {
		for _, r := range l {
			if invisible(r) {
				t.Errorf("line keeps %U raw: %q", r, l)
				break
			}
		}
		if strings.Contains(l, "jsonl") && !strings.Contains(l, "o-\\u202etxt.jsonl") {
			t.Errorf("line does not name the file escaped: %q", l)
		}
		if strings.Contains(l, "pcapng") && !strings.Contains(l, "caf\u00e9-\u4e2d-\\u202egnp\\u2067x") {
			t.Errorf("line does not name the file escaped, its letters kept: %q", l)
		}
	}
}

// failingWriter fails every write with err.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
