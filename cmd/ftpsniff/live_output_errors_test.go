package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// flakyWriter is a destination that works, fails (a full disk), or
// takes only the first cut bytes of a write and then fails, as told.
type flakyWriter struct {
	buf  bytes.Buffer
	mode string // "ok", "fail", "cut"
	cut  int
}

func (w *flakyWriter) Write(b []byte) (int, error) {
	switch w.mode {
	case "fail":
		return 0, syscall.ENOSPC
	case "cut":
		n := min(w.cut, len(b))
		w.buf.Write(b[:n])
		return n, syscall.ENOSPC
	}
	return w.buf.Write(b)
}

// liveTestSession is a session whose start and end the live outputs
// write as records.
func liveTestSession(id int) *track.Session {
	return &track.Session{ID: id, Client: netip.MustParseAddrPort("192.0.2.7:40000"), Server: netip.MustParseAddrPort("192.0.2.1:21"),
		Start: time.Unix(1e9, 0), End: time.Unix(1e9+1, 0), EndReason: track.EndFIN}
}

// TestLiveOutputRecoversAfterWriteErrors: live's output on a disk that
// fills up (the reviewer's 64 KiB tmpfs): records written while writes
// fail are lost, one stderr line says so; once writes work again the
// next records are written, on lines of their own even after a record
// cut in the middle, and one more line says how many were lost. Before,
// the bufio.Writer kept its first error: nothing was written after it.
func TestLiveOutputRecoversAfterWriteErrors(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			opts := &liveOptions{}
			opts.JSON = format == "json"
			w := &flakyWriter{mode: "ok", cut: 5}
			var stderr bytes.Buffer
			lines := newLiveOutputFor(&opts.analysisOptions, w, &stderr, nil)
			rec := func(id int) {
				s := liveTestSession(id)
				lines.SessionStart(s)
				lines.SessionEnd(s)
			}
			rec(1)
			good := w.buf.Len()
			if good == 0 {
				t.Fatal("the first session wrote nothing")
			}
			w.mode = "fail"
			rec(2)
			rec(3)
			w.mode = "cut"
			rec(4)
			w.mode = "ok"
			rec(5)
			if err := lines.Flush(); err != nil {
				t.Errorf("Flush: %v", err)
			}
			out := w.buf.String()
			if !strings.Contains(out[good:], "192.0.2.7") {
				t.Fatalf("nothing written once writes worked again:\n%s", out)
			}
			// The cut record's five bytes end their own line: every
			// line is either whole or that fragment.
			frag := 0
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if len(l) == 5 {
					frag++
					continue
				}
				if format == "json" && !strings.HasPrefix(l, "{") {
					t.Errorf("line %q is not a whole record", l)
				}
			}
			if frag != 1 {
				t.Errorf("%d five-byte fragments, want 1:\n%s", frag, out)
			}
			errs := stderr.String()
			if n := strings.Count(errs, "records are lost"); n != 1 {
				t.Errorf("%d lines say writes fail, want 1:\n%s", n, errs)
			}
			if n := strings.Count(errs, "writing again"); n != 1 {
				t.Errorf("%d lines say writes work again, want 1:\n%s", n, errs)
			}
		})
	}
}

// TestLiveOutputLostCount: the records lost are counted, lines of the
// output, the cut record's included.
func TestLiveOutputLostCount(t *testing.T) {
	opts := &liveOptions{}
	opts.JSON = true
	w := &flakyWriter{mode: "ok", cut: 5}
	lines := newLiveOutputFor(&opts.analysisOptions, w, io.Discard, nil)
	s := liveTestSession(1)
	lines.SessionStart(s)
	lines.SessionEnd(s)
	perSession := strings.Count(w.buf.String(), "\n")
	w.mode = "fail"
	for id := 2; id <= 3; id++ {
		s := liveTestSession(id)
		lines.SessionStart(s)
		lines.SessionEnd(s)
	}
	w.mode = "cut"
	s = liveTestSession(4)
	lines.SessionStart(s)
	lines.SessionEnd(s)
	if got, want := lines.lost(), uint64(3*perSession); got != want {
		t.Errorf("lost %d, want %d (%d lines a session)", got, want, perSession)
	}
	var capRec bytes.Buffer
	if err := writeCaptureRecord(&capRec, true, "", nil, nil, 9, time.Second, lines.lost()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(capRec.String(), `"records_lost":`) {
		t.Errorf("capture record without records_lost: %s", capRec.String())
	}
}

// TestLiveOutputReopenAfterWriteErrors: -o FILE whose writes fail, then
// logrotate's mv and SIGHUP: the records after the reopen go to the new
// file. Before, the bufio.Writer kept the old file's error and the new
// file stayed empty.
func TestLiveOutputReopenAfterWriteErrors(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "ftp.jsonl")
	var stderr bytes.Buffer
	r, err := openReopenFile(name, fileOwner{}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The file open for reading: every write fails (EBADF), as on a
	// full disk.
	r.f.Close()
	if r.f, err = os.Open(name); err != nil {
		t.Fatal(err)
	}
	opts := &liveOptions{}
	opts.JSON = true
	lines := newLiveOutputFor(&opts.analysisOptions, r, &stderr, nil)
	s := liveTestSession(1)
	lines.SessionStart(s)
	lines.SessionEnd(s)
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	r.asked.Store(true) // SIGHUP
	r.reopenIfAsked()
	s = liveTestSession(2)
	lines.SessionStart(s)
	lines.SessionEnd(s)
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"type":"session"`)) {
		t.Errorf("the reopened file has no session record: %q (stderr %q)", b, stderr.String())
	}
}

// TestLiveSIGHUPWithoutOutput: live without -o given SIGHUP (logrotate's
// postrotate signalling every ftpsniff) goes on, and says it ignored it.
// Before, SIGHUP's default action ended the capture (status 129): no
// summary, the open sessions lost. The signal goes to a child process.
func TestLiveSIGHUPWithoutOutput(t *testing.T) {
	if os.Getenv("FTPSNIFF_TEST_HUP_CHILD") == "1" {
		pr, pw, err := os.Pipe()
		if err != nil {
			os.Exit(3)
		}
		stop := onHUP(nil, nil, nil, pw)
		defer stop()
		syscall.Kill(os.Getpid(), syscall.SIGHUP)
		line := make([]byte, 200)
		n, _ := pr.Read(line) // what the handler said, once it ran
		os.Stdout.Write(line[:n])
		os.Exit(0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound, not a timing
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLiveSIGHUPWithoutOutput$")
	cmd.Env = append(os.Environ(), "FTPSNIFF_TEST_HUP_CHILD=1")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("the child ended with %v (output %q)", ee.ProcessState, out)
	} else if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "SIGHUP ignored") {
		t.Errorf("child said %q, want the SIGHUP ignored line", out)
	}
}
