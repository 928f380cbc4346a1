package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadGoesOnAfterSIGHUP: logrotate's postrotate (pkill -HUP -x
// ftpsniff, docs/json.md) signals every ftpsniff, a `read` of a pipe
// (tcpdump ... | ftpsniff read -) too: it says on stderr that it ignored
// the signal and finishes with its server and summary records. Before,
// only live caught SIGHUP, and its default action ended the read at once.
// The signal goes to a child process running main.
func TestReadGoesOnAfterSIGHUP(t *testing.T) {
	if os.Getenv("FTPSNIFF_TEST_HUP_READ") == "1" {
		os.Args = []string{"ftpsniff", "read", "--json", "-"}
		main() // exits
		return
	}
	capture, err := os.ReadFile("../../pcaps/real/active-curl-eprt.pcap")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound, not a timing
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestReadGoesOnAfterSIGHUP$")
	cmd.Env = append(os.Environ(), "FTPSNIFF_TEST_HUP_READ=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := func(r *bufio.Scanner) <-chan string {
		c := make(chan string, 1000)
		go func() {
			defer close(c)
			for r.Scan() {
				c <- r.Text()
			}
		}()
		return c
	}
	outc, errc := lines(bufio.NewScanner(stdout)), lines(bufio.NewScanner(stderr))
	// The whole capture, the pipe left open: read waits for more.
	if _, err := stdin.Write(capture); err != nil {
		t.Fatal(err)
	}
	var out, errs []string
	// Its first record: the child is in read's loop, past main's start.
	select {
	case l, ok := <-outc:
		if !ok {
			t.Fatal("the child wrote nothing")
		}
		out = append(out, l)
	case <-ctx.Done():
		t.Fatal("no record from the child")
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// Its line on stderr, or its end (killed by the signal).
	said := false
	for !said {
		l, ok := <-errc
		if !ok {
			break
		}
		errs = append(errs, l)
		said = strings.Contains(l, "SIGHUP ignored")
	}
	stdin.Close() // the end of the capture
	for l := range outc {
		out = append(out, l)
	}
	for l := range errc {
		errs = append(errs, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the child ended with %v after SIGHUP (stderr %q)", err, errs)
	}
	if !said {
		t.Errorf("stderr %q, want the SIGHUP ignored line", errs)
	}
	all := strings.Join(out, "\n")
	for _, want := range []string{`{"type":"session",`, `{"type":"server",`, `{"type":"summary",`} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %s:\n%s", want, all)
		}
	}
}
