package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

var testIfaces = []capture.Interface{{Name: "test", Link: layers.LinkTypeEthernet, Kind: capture.FrameEthernet}}

// testPacket is packet i, 60 bytes, its first byte i.
func testPacket(i int) ([]byte, gopacket.CaptureInfo) {
	b := make([]byte, 60)
	b[0] = byte(i)
	return b, gopacket.CaptureInfo{Timestamp: time.Unix(2e9+int64(i), 0), CaptureLength: 60, Length: 60}
}

// packetsIn reads a pcapng file back: the first byte of each packet.
func packetsIn(t *testing.T, path string) []int {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer src.Close()
	var out []int
	for {
		d, _, _, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, int(d[0]))
	}
}

// TestWriteNeverOverwritesEvidence: live --write FILE on a FILE holding
// packets (a restart under Restart=on-failure) writes to FILE-2 before
// the extension, and leaves FILE as it was; an empty FILE (logrotate's
// create, a touch) is used. Before, O_TRUNC emptied it (the reviewer's
// evid.pcapng, 136,500 bytes to 204).
func TestWriteNeverOverwritesEvidence(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing []string // name -> made non-empty ("" entries: empty)
		empty    bool     // the given name exists, empty
		want     string
	}{
		{"new", nil, false, "ftp.pcapng"},
		{"empty", nil, true, "ftp.pcapng"},
		{"taken", []string{"ftp.pcapng"}, false, "ftp-2.pcapng"},
		{"two taken", []string{"ftp.pcapng", "ftp-2.pcapng"}, false, "ftp-3.pcapng"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			old := []byte("earlier capture")
			for _, n := range tc.existing {
				if err := os.WriteFile(filepath.Join(dir, n), old, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			name := filepath.Join(dir, "ftp.pcapng")
			if tc.empty {
				if err := os.WriteFile(name, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stderr bytes.Buffer
			cf, err := openCaptureFile(name, testIfaces, fileOwner{}, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			b, ci := testPacket(7)
			cf.packet(0, b, ci)
			if err := cf.close(nil, false, time.Time{}, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if got := filepath.Base(cf.path); got != tc.want {
				t.Errorf("written to %s, want %s (stderr %q)", got, tc.want, stderr.String())
			}
			for _, n := range tc.existing {
				if got, _ := os.ReadFile(filepath.Join(dir, n)); !bytes.Equal(got, old) {
					t.Errorf("%s was changed: %q", n, got)
				}
			}
			if got := packetsIn(t, cf.path); len(got) != 1 || got[0] != 7 {
				t.Errorf("%s holds %v, want [7]", cf.path, got)
			}
			if said := strings.Contains(stderr.String(), "holds packets already"); said != (tc.want != "ftp.pcapng") {
				t.Errorf("stderr %q: the other name said %v, want %v", stderr.String(), said, tc.want != "ftp.pcapng")
			}
		})
	}
}

// TestWriteFullDiskGoesOn: a --write file whose writes fail (a full
// disk) stops being written, with one line on stderr, and every packet
// from then on (and those in the buffer) is counted as not written, in
// the capture record; the capture goes on (a worker's packet callback
// does not ask to stop). Before, the first failed write ended the
// capture: the sessions after it were never reported.
func TestWriteFullDiskGoesOn(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "ftp.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	disk := &flakyWriter{mode: "ok"}
	pw, err := capture.NewPcapngWriter(disk, testIfaces)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cf := &captureFile{name: f.Name(), path: f.Name(), f: f, pw: pw, ifaces: testIfaces, stderr: &stderr}
	opts := &liveOptions{UnansweredWait: 10 * time.Second}
	r := newLiveWorkers(opts, nil, 1, newLiveOutputFor(&opts.analysisOptions, io.Discard, io.Discard, nil))
	r.cf = cf
	w := r.workers[0]
	b, ci := testPacket(1)
	for i := range 3 {
		if stop := r.packet(w, b, ci, layers.LinkTypeEthernet, 0); stop {
			t.Fatalf("packet %d: the capture was asked to stop", i)
		}
	}
	disk.mode = "fail"
	r.second() // the flush fails: the 3 buffered packets are lost
	for i := range 4 {
		if stop := r.packet(w, b, ci, layers.LinkTypeEthernet, 0); stop {
			t.Fatalf("packet %d after the write error: the capture was asked to stop", i)
		}
	}
	r.second()
	if got := cf.notWritten.Load(); got != 7 {
		t.Errorf("%d packets counted as not written, want 7", got)
	}
	if w.packets != 7 {
		t.Errorf("%d packets analysed, want 7", w.packets)
	}
	if n := strings.Count(stderr.String(), "no longer saved"); n != 1 {
		t.Errorf("stderr says the write stopped %d times, want once: %q", n, stderr.String())
	}
	var rec bytes.Buffer
	writeCaptureRecordFiles(&rec, true, "", testIfaces, nil, 7, time.Second, 0, filesCounts(cf, nil))
	if !strings.Contains(rec.String(), `"write_packets_not_written":7`) {
		t.Errorf("capture record %s: no write_packets_not_written 7", rec.String())
	}
	err = cf.close(nil, false, time.Time{}, time.Time{})
	if err == nil || !strings.Contains(err.Error(), "7 packets not written") {
		t.Errorf("close: %v, want the error with 7 packets not written", err)
	}
}

// TestWriteSIGHUPRotates: SIGHUP after logrotate moved the --write file
// away opens a new one by the name, with its own header, and the
// packets after it go there; a SIGHUP while the file is still at its
// name (meant for the -o file) changes nothing; one after writing
// stopped on an error opens a new file (ftp-2: ftp holds packets).
// Before, SIGHUP reopened only -o: a --write file grew for weeks.
func TestWriteSIGHUPRotates(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "ftp.pcapng")
	var stderr bytes.Buffer
	cf, err := openCaptureFile(name, testIfaces, fileOwner{}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	send := func(from, to int) {
		for i := from; i < to; i++ {
			b, ci := testPacket(i)
			cf.packet(0, b, ci)
		}
		cf.flush()
	}
	send(0, 2)
	cf.asked.Store(true) // not moved: the same file goes on
	cf.reopenIfAsked()
	send(2, 3)
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	cf.asked.Store(true)
	cf.reopenIfAsked()
	send(3, 5)
	// Writing stops on an error; SIGHUP starts a new file.
	cf.stop(errors.New("no space left on device"))
	send(5, 6)
	cf.asked.Store(true)
	cf.reopenIfAsked()
	send(6, 7)
	if err := cf.close(nil, false, time.Time{}, time.Time{}); err == nil || !strings.Contains(err.Error(), "1 packet not written") {
		t.Errorf("close: %v, want 1 packet not written", err)
	}
	for _, c := range []struct {
		path string
		want string
	}{{name + ".1", "[0 1 2]"}, {name, "[3 4]"}, {filepath.Join(dir, "ftp-2.pcapng"), "[6]"}} {
		if got := fmt.Sprint(packetsIn(t, c.path)); got != c.want {
			t.Errorf("%s holds %s, want %s", filepath.Base(c.path), got, c.want)
		}
	}
	if got := cf.reopened.Load(); got != 2 {
		t.Errorf("%d files reopened, want 2", got)
	}
}

// TestOutputReopenFailureCounted: a reopen of the -o file after SIGHUP
// that fails is counted: in the capture record (text and JSON) and the
// metrics, not only in a stderr line. Before, ftpsniff_output_records_lost_total
// stayed 0 and nothing but stderr said that the records went to the
// rotated file.
func TestOutputReopenFailureCounted(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "ftp.jsonl")
	var stderr bytes.Buffer
	r, err := openReopenFile(name, fileOwner{}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(name, 0o755); err != nil { // the name cannot be opened
		t.Fatal(err)
	}
	r.asked.Store(true)
	r.reopenIfAsked()
	fc := filesCounts(nil, r)
	if fc.OutputReopenFailed != 1 {
		t.Fatalf("reopen failures %d, want 1 (stderr %q)", fc.OutputReopenFailed, stderr.String())
	}
	var text, js bytes.Buffer
	writeCaptureRecordFiles(&text, false, "", testIfaces, nil, 1, time.Second, 0, fc)
	writeCaptureRecordFiles(&js, true, "", testIfaces, nil, 1, time.Second, 0, fc)
	if !strings.Contains(text.String(), "1 reopen after SIGHUP failed") {
		t.Errorf("capture line %q does not say the failed reopen", text.String())
	}
	if !strings.Contains(js.String(), `"output_reopen_failures":1`) {
		t.Errorf("capture record %s: no output_reopen_failures", js.String())
	}
	m := newMetrics(10)
	m.snap.update(snapshot{Files: fc})
	if got := metricValue(t, m, "ftpsniff_output_reopen_failures_total"); got != "1" {
		t.Errorf("ftpsniff_output_reopen_failures_total %q, want 1", got)
	}
}

// metricValue gathers m's series name with the labels given as
// "name=value" pairs, as text ("" when there is none).
func metricValue(t *testing.T, m *metrics, name string, labels ...string) string {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, s := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range s.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for _, l := range labels {
				k, v, _ := strings.Cut(l, "=")
				if have[k] != v {
					continue series
				}
			}
			switch {
			case s.GetCounter() != nil:
				return fmt.Sprint(s.GetCounter().GetValue())
			case s.GetGauge() != nil:
				return fmt.Sprint(s.GetGauge().GetValue())
			}
		}
	}
	return ""
}

// TestOutputRotatedWithCreate: live -o FILE started as root and dropping
// to nobody (a child process: privileges are dropped for good), the
// file rotated as logrotate's `create` does (the new file gets the old
// one's owner): the reopen after SIGHUP must open the new file, as
// nobody. Before, FILE was created as root, so the new one was root's
// too: "reopen after SIGHUP: permission denied", every record after the
// first rotation went to FILE.1.
func TestOutputRotatedWithCreate(t *testing.T) {
	if os.Getenv("FTPSNIFF_TEST_ROTATE_CHILD") != "" {
		rotateChild(os.Getenv("FTPSNIFF_TEST_ROTATE_CHILD"))
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody")
	}
	dir, err := os.MkdirTemp("", "ftpsniff-rotate-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil { // nobody reaches the file (the folder is not its)
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound, not a timing
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestOutputRotatedWithCreate$")
	cmd.Env = append(os.Environ(), "FTPSNIFF_TEST_ROTATE_CHILD="+filepath.Join(dir, "ftp.jsonl"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "reopened: after rotation") {
		t.Errorf("child said %q", out)
	}
}

// rotateChild is TestOutputRotatedWithCreate's child: it prints what it
// found and exits.
func rotateChild(name string) {
	fail := func(format string, a ...any) {
		fmt.Printf("FAIL "+format+"\n", a...)
		os.Exit(1)
	}
	r, err := openReopenFile(name, ownerFor("nobody"), io.Discard)
	if err != nil {
		fail("open: %v", err)
	}
	r.Write([]byte("before\n"))
	// logrotate (root): mv, then `create`: a new file with the old one's
	// owner and mode.
	fi, err := os.Stat(name)
	if err != nil {
		fail("stat: %v", err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if err := os.Rename(name, name+".1"); err != nil {
		fail("rename: %v", err)
	}
	if err := os.WriteFile(name, nil, fi.Mode().Perm()); err != nil {
		fail("create: %v", err)
	}
	if err := os.Chown(name, int(st.Uid), int(st.Gid)); err != nil {
		fail("chown: %v", err)
	}
	if _, err := capture.DropPrivileges("nobody"); err != nil {
		fail("drop: %v", err)
	}
	r.asked.Store(true) // postrotate's SIGHUP
	r.reopenIfAsked()
	r.Write([]byte("after\n"))
	b, err := os.ReadFile(name)
	switch {
	case err != nil:
		fail("read: %v", err)
	case r.failed.Load() != 0 || string(b) != "after\n":
		fail("the reopen failed (%d): the new file holds %q", r.failed.Load(), b)
	}
	fmt.Println("reopened: after rotation")
	os.Exit(0)
}
