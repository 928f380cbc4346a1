package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ftpConv writes one control connection's packets to a wireCap, 1 ms
// apart as the cap's gap says: open with its greeting and login, then
// lines either way.
type ftpConv struct {
	w          *wireCap
	cli, srv   netip.AddrPort
	cseq, sseq uint32
}

func openConv(w *wireCap, cli, srv string) *ftpConv {
	c := &ftpConv{w: w, cli: netip.MustParseAddrPort(cli), srv: netip.MustParseAddrPort(srv), cseq: 1000, sseq: 5000}
	w.pkt(c.cli, c.srv, c.cseq, 0, "S", nil)
	c.cseq++
	w.pkt(c.srv, c.cli, c.sseq, c.cseq, "SA", nil)
	c.sseq++
	w.pkt(c.cli, c.srv, c.cseq, c.sseq, "A", nil)
	c.s("220 (vsFTPd 3.0.3)\r\n")
	c.c("USER alice\r\n")
	c.s("331 Please specify the password.\r\n")
	c.c("PASS secret\r\n")
	c.s("230 Login successful.\r\n")
	return c
}

func (c *ftpConv) c(p string) {
	c.w.pkt(c.cli, c.srv, c.cseq, c.sseq, "PA", []byte(p))
	c.cseq += uint32(len(p))
}

func (c *ftpConv) s(p string) {
	c.w.pkt(c.srv, c.cli, c.sseq, c.cseq, "PA", []byte(p))
	c.sseq += uint32(len(p))
}

// noops has the connection trade NOOPs every interval for span.
func (c *ftpConv) noops(span, interval time.Duration) {
	for end := c.w.ts.Add(span); c.w.ts.Before(end); {
		c.w.wait(interval)
		c.c("NOOP\r\n")
		c.s("200 NOOP ok.\r\n")
	}
}

// readClient1 runs read over paths and returns the transcript of --client
// 192.0.2.1 with its summary.
func readClient1(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"read", "--color", "never", "--client", "192.0.2.1"}, args...), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	return out.String()
}

// TestSilenceAcrossCaptureGapIsNotIdle: a session whose last packet (a
// STOR no reply answered) came shortly before a gap where nothing was
// captured (the time between two files read together, 14 days or 20
// hours; a forward step of the clock of 14 days in one file) was closed
// as idle an hour into the next stretch, "the control connection silent
// for 13d 22h00m29.0s": the gap taken for its client's silence, though
// the connection may have closed in it. It now ends with what was
// captured, as in the first file alone: capture-end, silent for the 30 s
// the capture watched it before the gap.
func TestSilenceAcrossCaptureGapIsNotIdle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		gap     time.Duration
		oneFile bool
	}{
		{"two files 14 days apart", 14 * 24 * time.Hour, false},
		{"two files 20 hours apart", 20 * time.Hour, false},
		{"one file, clock set forward 14 days", 14 * 24 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wa, pa := newWireCap(t)
			sess := openConv(wa, "192.0.2.1:40030", "192.0.2.21:21")
			other := openConv(wa, "192.0.2.2:40031", "192.0.2.21:21")
			sess.c("STOR upload.bin\r\n")
			other.noops(30*time.Second, 10*time.Second)
			args := []string{pa}
			wb := wa
			if !tc.oneFile {
				var pb string
				wb, pb = newWireCap(t)
				args = append(args, pb)
				wb.ts = wa.ts
			}
			wb.ts = wb.ts.Add(tc.gap)
			later := openConv(wb, "192.0.2.3:40032", "192.0.2.21:21")
			later.noops(90*time.Minute, 5*time.Minute)
			text := readClient1(t, args...)
			want := "end: capture-end, the control connection silent for 30.0"
			if !strings.Contains(text, want) || strings.Contains(text, "end: idle") {
				t.Errorf("transcript lacks %q:\n%s", want, text)
			}
		})
	}
}

// TestSilenceAcrossStepBackCountsCapturedTime: a session after a step
// back of the capture's clock by a day, open at the capture's end, read
// "silent for 23h59m..." (the capture's end taken at its latest stamp,
// from before the step), and the summary said nothing of the step. Its
// silence is now the packet time that passed since its last packet, and
// the summary notes the step back.
func TestSilenceAcrossStepBackCountsCapturedTime(t *testing.T) {
	w, path := newWireCap(t)
	other := openConv(w, "192.0.2.2:40031", "192.0.2.21:21")
	other.noops(20*time.Minute, 5*time.Minute)
	w.ts = w.ts.Add(-24 * time.Hour)
	sess := openConv(w, "192.0.2.1:40030", "192.0.2.21:21")
	sess.c("PWD\r\n")
	sess.s("257 \"/\"\r\n")
	other.noops(40*time.Minute, 5*time.Minute)
	text := readClient1(t, path)
	if !strings.Contains(text, "end: capture-end, the control connection silent for 2400.0") {
		t.Errorf("silence across the step back not the time captured:\n%s", text)
	}
	if !strings.Contains(text, "note: 1 step back of packet time over a second") {
		t.Errorf("the summary does not note the step back:\n%s", text)
	}
	report := filepath.Join(t.TempDir(), "r.html")
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--report", report, path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	html, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "(as stamped; the capture's clock was set back once meanwhile, so not how long it ran)") ||
		!strings.Contains(string(html), "1 step back of packet time") {
		t.Errorf("the report's span does not say the clock was set back:\n%s", html)
	}
}

// TestLongTransferWithNoStepIsNotHedged: a transfer of 30 hours with a
// segment every 20 seconds, no step of the capture's clock, read "more
// than a day, less if the capture's clock was set forward meanwhile":
// the hedge is for a transfer across a forward step of more than a day
// (no time passing), which its session would have lived through.
func TestLongTransferWithNoStepIsNotHedged(t *testing.T) {
	w, path := newWireCap(t)
	c := openConv(w, "192.0.2.1:40030", "192.0.2.21:21")
	c.c("PASV\r\n")
	c.s("227 Entering Passive Mode (192,0,2,21,156,65).\r\n")
	dcli, dsrv := netip.MustParseAddrPort("192.0.2.1:50002"), netip.MustParseAddrPort("192.0.2.21:40001")
	dc, ds := uint32(7000), uint32(9000)
	w.pkt(dcli, dsrv, dc, 0, "S", nil)
	dc++
	w.pkt(dsrv, dcli, ds, dc, "SA", nil)
	ds++
	w.pkt(dcli, dsrv, dc, ds, "A", nil)
	c.c("RETR big.bin\r\n")
	c.s("150 Opening BINARY mode data connection for big.bin.\r\n")
	chunk := []byte(strings.Repeat("x", 100))
	for end := w.ts.Add(30 * time.Hour); w.ts.Before(end); {
		w.wait(20 * time.Second)
		w.pkt(dsrv, dcli, ds, dc, "A", chunk)
		ds += uint32(len(chunk))
	}
	w.pkt(dsrv, dcli, ds, dc, "FA", nil)
	ds++
	w.pkt(dcli, dsrv, dc, ds, "FA", nil)
	c.s("226 Transfer complete.\r\n")
	text := readClient1(t, path)
	if !strings.Contains(text, "transferred: 540000 bytes in 1d 6h00m") || strings.Contains(text, "set forward") {
		t.Errorf("a long transfer with no step is hedged:\n%s", text)
	}
	// Its 226 came 30 hours in: the offset keeps the column.
	if !regexp.MustCompile(`\n \+30:00:\d\d --> 226 `).MatchString(text) {
		t.Errorf("the 226's offset is not in the column:\n%s", text)
	}
}

// TestOffsetStampKeepsColumn: a transcript line's offset past 99,999
// seconds ("+259201.042", "+3456010.200") broke the 10-character column;
// it is now written in hours or days and fits.
func TestOffsetStampKeepsColumn(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{600032 * time.Microsecond, "+0.600"},
		{99999999 * time.Millisecond, "+99999.999"},
		{259201042 * time.Millisecond, "+72:00:01"},
		{3456010200 * time.Millisecond, "+960:00:10"},
		{-3456010200 * time.Millisecond, "-960:00:10"},
		{100000 * time.Hour, "+4166d16h"},
		{1<<63 - 1, "+106751d23h"},
	} {
		got := offsetStamp(tc.d)
		if got != tc.want {
			t.Errorf("offsetStamp(%v) = %q, want %q", tc.d, got, tc.want)
		}
		if len(got) > 10 && tc.d < 1000000*time.Hour {
			t.Errorf("offsetStamp(%v) = %q, past the column", tc.d, got)
		}
	}
}
