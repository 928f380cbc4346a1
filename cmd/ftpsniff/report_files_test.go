package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReportRefusesToOverwrite: --report naming an input capture (by its
// name, a symbolic link or a hard link), --write's file, a file inside
// --extract's folder, or - is refused with one line and exit 2 before
// anything is read, and the capture is left as it was.
func TestReportRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	orig, err := os.ReadFile("../../pcaps/real/pasv-drop.pcap")
	if err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(dir, "victim.pcap")
	if err := os.WriteFile(victim, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	soft, hard := filepath.Join(dir, "soft.pcap"), filepath.Join(dir, "hard.pcap")
	if err := os.Symlink("victim.pcap", soft); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(victim, hard); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pcap")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--report", victim, victim}, "is the input"},
		{[]string{"--report", soft, victim}, "is the input"},
		{[]string{"--report", hard, victim}, "is the input"},
		{[]string{"--report", victim, soft}, "is the input"},
		{[]string{"--report", "-", victim}, "--report needs a file name"},
		{[]string{"--report", out, "--write", out, victim}, "is --write's file"},
		{[]string{"--report", filepath.Join(dir, "ex", "r.html"), "--extract", filepath.Join(dir, "ex"), victim}, "inside --extract's folder"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"read"}, tt.args...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and one line with %q", tt.args, code, stderr.String(), tt.want)
		}
		if stdout.Len() > 0 {
			t.Errorf("%v: analysed before refusing: %.200s", tt.args, stdout.String())
		}
		if got, err := os.ReadFile(victim); err != nil || !bytes.Equal(got, orig) {
			t.Fatalf("%v: the input capture was changed (%v)", tt.args, err)
		}
		if fi, err := os.Lstat(soft); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%v: the link to the input was replaced (%v)", tt.args, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
		t.Error(`--report - wrote a file named "-"`)
	}
}

// TestReportIntoPipeAndLink: a --report FILE that is a named pipe is
// written in place and stays a pipe (renaming over it would have
// replaced it, as it did /dev/stdout); one that is a symbolic link stays
// a link, and the report is where it points, even where nothing was yet.
func TestReportIntoPipeAndLink(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo) // waits for the writer
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(io.LimitReader(f, 16<<20))
		got <- b
	}()
	capFile := "../../pcaps/real/pasv-drop.pcap"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--report", fifo, capFile}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		// Its reader waits on the pipe that was replaced: not waited for.
		t.Fatalf("the named pipe was replaced by the report (%v)", err)
	}
	page := <-got
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) || !bytes.Contains(page, []byte("</html>")) {
		t.Errorf("the pipe did not carry the report: %.200q", page)
	}

	for _, exists := range []bool{true, false} {
		target := filepath.Join(dir, "target.html")
		os.Remove(target)
		if exists {
			if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		link := filepath.Join(dir, "link.html")
		os.Remove(link)
		if err := os.Symlink("target.html", link); err != nil {
			t.Fatal(err)
		}
		if code := run([]string{"read", "--report", link, capFile}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("target there %v: the link was replaced by a file", exists)
		}
		if b, err := os.ReadFile(target); err != nil || !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
			t.Errorf("target there %v: the report is not where the link points: %v %.40q", exists, err, b)
		}
	}
}
