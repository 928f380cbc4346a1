package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// clockStepCapture writes a capture of one session, every packet 20 ms
// after the one before: a login, three NOOPs, a PASV and a RETR of 3,000
// bytes over its data connection, its 226, QUIT, FINs. The capture's
// clock steps by step once: before the greeting ("greeting"), after the
// login ("login"), or in the middle of the data ("data"). It returns the
// capture's path and how long the session lasted as the outputs measure
// it (the tracker's Session.ClockSteps): from its first packet to its
// last, less, for a step back, the time across it, between the capture's
// two packets either side of it (not known, not counted); a step forward
// counted as it is stamped.
func clockStepCapture(t *testing.T, where string, step time.Duration) (string, time.Duration) {
	t.Helper()
	w, path := newWireCap(t)
	const gap = 20 * time.Millisecond
	w.gap = gap
	send := func(src, dst netip.AddrPort, seq, ack uint32, flags string, p string) {
		if p != "" {
			flags += "P"
		}
		w.pkt(src, dst, seq, ack, flags, []byte(p))
	}
	cli, srv := netip.MustParseAddrPort("192.0.2.1:50001"), netip.MustParseAddrPort("192.0.2.10:21")
	dcli, dsrv := netip.MustParseAddrPort("192.0.2.1:50002"), netip.MustParseAddrPort("192.0.2.10:40001")
	cseq, sseq := uint32(1000), uint32(5000)
	c := func(p string) { send(cli, srv, cseq, sseq, "A", p); cseq += uint32(len(p)) }
	s := func(p string) { send(srv, cli, sseq, cseq, "A", p); sseq += uint32(len(p)) }
	send(cli, srv, cseq, 0, "S", "")
	cseq++
	send(srv, cli, sseq, cseq, "SA", "")
	sseq++
	send(cli, srv, cseq, sseq, "A", "")
	if where == "greeting" {
		w.ts = w.ts.Add(step)
	}
	s("220 (vsFTPd 3.0.3)\r\n")
	c("USER alice\r\n")
	s("331 Please specify the password.\r\n")
	c("PASS secret\r\n")
	s("230 Login successful.\r\n")
	if where == "login" {
		w.ts = w.ts.Add(step)
	}
	for range 3 {
		c("NOOP\r\n")
		s("200 NOOP ok.\r\n")
	}
	c("PASV\r\n")
	s("227 Entering Passive Mode (192,0,2,10,156,65).\r\n")
	dc, ds := uint32(7000), uint32(9000)
	send(dcli, dsrv, dc, 0, "S", "")
	dc++
	send(dsrv, dcli, ds, dc, "SA", "")
	ds++
	send(dcli, dsrv, dc, ds, "A", "")
	c("RETR f.bin\r\n")
	s("150 Opening BINARY mode data connection for f.bin (3000 bytes).\r\n")
	chunk := strings.Repeat("x", 1000)
	for i := range 3 {
		if i == 1 && where == "data" {
			w.ts = w.ts.Add(step)
		}
		send(dsrv, dcli, ds, dc, "A", chunk)
		ds += uint32(len(chunk))
		send(dcli, dsrv, dc, ds, "A", "")
	}
	send(dsrv, dcli, ds, dc, "FA", "")
	ds++
	send(dcli, dsrv, dc, ds, "FA", "")
	dc++
	send(dsrv, dcli, ds, dc, "A", "")
	s("226 Transfer complete.\r\n")
	c("QUIT\r\n")
	s("221 Goodbye.\r\n")
	// (The last ACK is left out: the session ends at the second FIN.)
	send(srv, cli, sseq, cseq, "FA", "")
	sseq++
	send(cli, srv, cseq, sseq, "FA", "")
	if step >= 0 {
		return path, time.Duration(w.packets-1)*gap + step
	}
	return path, time.Duration(w.packets-2) * gap
}

// TestSessionLengthLeavesOutClockSteps: a session across a step back of
// the capture's clock (NTP setting it back) read "end: fin after
// 0.000s", or less than it lasted, and its JSON record had an end before
// its start with nothing saying why. The tracker takes a step back as no
// time passing (track/doc.go, "The clock"); the end line now gives the
// packet time without it and says it left a step out, and the JSON
// record adds elapsed_ms and clock_steps_back; a step between the SYN
// and the greeting, which no reply shows, is the session's too. A step
// forward of more than a day, no packet of the capture between, cannot be
// told from a capture silent that long: the end line says it may be
// less. A session with no step reads as before.
func TestSessionLengthLeavesOutClockSteps(t *testing.T) {
	for _, tc := range []struct {
		name, where string
		step        time.Duration
		words       string // after "end: fin after", "" for the time alone
		json        []string
	}{
		{"set back an hour after the login", "login", -time.Hour, "%s, leaving out a step back of the capture's clock (the time across it is not known);",
			[]string{`"elapsed_ms":%s,`, `"clock_steps_back":1,`}},
		{"set back ten seconds during the transfer", "data", -10 * time.Second, "%s, leaving out a step back of the capture's clock (the time across it is not known);",
			[]string{`"elapsed_ms":%s,`, `"clock_steps_back":1,`}},
		{"set back an hour before the greeting", "greeting", -time.Hour, "%s, leaving out a step back of the capture's clock (the time across it is not known);",
			[]string{`"elapsed_ms":%s,`, `"clock_steps_back":1,`}},
		{"set forward two days after the login", "login", 48 * time.Hour, "%s, more than a day of it with no packet captured (less, if the capture's clock was set forward then: a step of more than a day is no time passing);", nil},
		{"no step", "", 0, "%s;", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, want := clockStepCapture(t, tc.where, tc.step)
			var out, errb bytes.Buffer
			if code := run([]string{"read", "--color", "never", path}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			end := "  end: fin after " + fmt.Sprintf(tc.words, seconds(max(want, -want)))
			if !strings.Contains(out.String(), end) {
				t.Errorf("transcript lacks %q:\n%s", end, out.String())
			}
			// The live stream's end line says the same (it printed the
			// end minus the start: "0.000s" across a step back).
			stream := liveStreamOf(t, path)
			if streamEnd := strings.Replace(end, "  end:", " end:", 1); !strings.Contains(stream, streamEnd) {
				t.Errorf("live stream lacks %q:\n%s", streamEnd, stream)
			}
			out.Reset()
			if code := run([]string{"read", "--json", path}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var rec string
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(l, `{"type":"session"`) {
					rec = l
				}
			}
			for _, w := range tc.json {
				if strings.Contains(w, "%s") {
					w = fmt.Sprintf(w, appendMillis(nil, want.Microseconds()))
				}
				if !strings.Contains(rec, w) {
					t.Errorf("session record lacks %s:\n%s", w, rec)
				}
			}
			if len(tc.json) == 0 && strings.Contains(rec, "clock_steps") {
				t.Errorf("a session with no step back has clock_steps:\n%s", rec)
			}
			if len(tc.json) < 2 && strings.Contains(rec, "elapsed_ms") {
				t.Errorf("elapsed_ms with no known step back:\n%s", rec)
			}
		})
	}
}

// TestTransferAcrossClockStepHasNoLength: a data connection whose packets
// lie either side of a step of the capture's clock read "3000 bytes in
// 172800.1s" (set forward two days: no time passing to the tracker), or,
// set back, "3000 bytes" with no word of why. Set back, it now says so
// and that how long it took is not known; more than a day long, that it
// took less if the clock was set forward meanwhile (the outputs cannot
// tell that from a day-long transfer).
func TestTransferAcrossClockStepHasNoLength(t *testing.T) {
	for _, tc := range []struct {
		name string
		step time.Duration
		want string
	}{
		{"set forward two days", 48 * time.Hour, "transferred: 3000 bytes in 2d 0h00m00.2s between its first and last packets: more than a day, less if the capture's clock was set forward meanwhile (a step of more than a day is no time passing)"},
		{"set back an hour", -time.Hour, "transferred: 3000 bytes; the capture's clock was set back while it ran, so how long it took is not known"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, _ := clockStepCapture(t, "data", tc.step)
			var out, errb bytes.Buffer
			if code := run([]string{"read", "--color", "never", path}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("transcript lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}
