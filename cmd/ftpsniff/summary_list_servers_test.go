package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// failedAtServers ends, in a summary view, perServer sessions with a
// failed login at each of n servers (11.x.y.z:21, each its own address,
// as a sender who spoofs them chooses), and returns the summary's list of
// failed sessions and its note line, unwrapped.
func failedAtServers(t *testing.T, n, perServer int) (list []string, note string) {
	t.Helper()
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	o := newTextOutput(w, newPalette(false), false)
	o.view, o.collapse, o.summaryAsked = viewSummary, newCollapser(), true
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id := 0
	for i := range n {
		server := netip.AddrPortFrom(netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)}), 21)
		for range perServer {
			id++
			o.SessionEnd(&track.Session{ID: id, Start: t0, End: t0, Server: server,
				Client: netip.MustParseAddrPort("10.0.0.2:40000"), Login: track.LoginFailed})
		}
	}
	if got := len(o.failed.counts); got > maxListedKeys {
		t.Errorf("%d servers: counts held for %d (server, reason) pairs, past the bound of %d", n, got, maxListedKeys)
	}
	if o.failed.otherServers > maxOtherServers {
		t.Errorf("%d servers: %d other servers counted, past the bound of %d", n, o.failed.otherServers, maxOtherServers)
	}
	o.Summary(totals{})
	w.Flush()
	text := out.String()
	head := "sessions that failed or raised a warning (each with the flag that shows it whole):\n"
	start, end := strings.Index(text, head), strings.Index(text, "\nsummary: ")
	if start < 0 || end < start {
		t.Fatalf("%d servers: no list of failed sessions:\n%s", n, text)
	}
	list = strings.Split(strings.TrimSpace(text[start+len(head):end]), "\n")
	if i := strings.Index(text, "  note: "); i >= 0 {
		note = unwrapped(text[i:])
	}
	return list, note
}

// TestSummaryListBoundedOverServers: the summary's list of failed
// sessions keeps counts for at most maxListedKeys (server, reason) pairs,
// the first seen, and writes as many lines whatever the number of servers
// past them: their sessions are one line per reason ("N more sessions of
// M other servers with R"), their servers counted up to maxOtherServers
// ("more than M" past it), and the note line says how many sessions the
// bound left unlisted by server. Regression: a failed session at each of
// 80,000 servers (addresses a sender chooses: spoofed handshakes, FTP
// found by content on any port) kept two counts per server and wrote
// 196,000 lines, 70,000 of them "… 1 more session of 11.0.39.16:21 with
// error data-unanswered", at 138 MB instead of 73.
func TestSummaryListBoundedOverServers(t *testing.T) {
	const perServer = listedPerReason + 1 // one not listed: a line of its own
	hint := "(the same command with --server ADDR:PORT lists one server's; --json writes every session)"
	lines := 0
	for _, n := range []int{maxListedKeys, 2 * maxListedKeys, 4 * maxListedKeys} {
		list, note := failedAtServers(t, n, perServer)
		if lines == 0 {
			lines = len(list)
			if want := maxListedKeys * (listedPerReason + 1); lines != want {
				t.Fatalf("%d servers: %d lines in the list, want %d (%d listed and a count per server):\n%s",
					n, lines, want, listedPerReason, strings.Join(list[max(len(list)-10, 0):], "\n"))
			}
			if strings.Contains(note, "counted by reason only") {
				t.Errorf("%d servers, within the bound: the note says some were counted by reason only: %s", n, note)
			}
			continue
		}
		other := n - maxListedKeys
		last := fmt.Sprintf("… %d more sessions of %d other servers with login failed %s", other*perServer, other, hint)
		if len(list) != lines+1 || strings.TrimSpace(list[len(list)-1]) != last {
			t.Errorf("%d servers: %d lines in the list, want %d, the last\n  %s\ngot\n  %s",
				n, len(list), lines+1, last, strings.TrimSpace(list[len(list)-1]))
		}
		want := fmt.Sprintf("%d sessions that failed or raised a warning counted by reason only in the summary's list, not by server: their server and reason came after the first %d such pairs", other*perServer, maxListedKeys)
		if !strings.Contains(note, want) {
			t.Errorf("%d servers: the note does not say %q:\n%s", n, want, note)
		}
	}
}

// TestSummaryListCountsOtherServersBounded: past maxOtherServers other
// servers the reason's line counts them as "more than" what it could
// count, and holds no more.
func TestSummaryListCountsOtherServersBounded(t *testing.T) {
	n := maxListedKeys + maxOtherServers + 10
	list, _ := failedAtServers(t, n, 1)
	last := strings.TrimSpace(list[len(list)-1])
	want := fmt.Sprintf("… %d more sessions of more than %d other servers with login failed (", n-maxListedKeys, maxOtherServers)
	if !strings.HasPrefix(last, want) {
		t.Errorf("the last line is\n  %s\nwant it to begin\n  %s", last, want)
	}
	if len(list) != maxListedKeys+1 {
		t.Errorf("%d lines in the list, want %d", len(list), maxListedKeys+1)
	}
}

// TestFullViewListsNothing: the transcripts' view (viewFull) never writes
// the summary's list of failed sessions, so it keeps none of it: the
// lines it built for up to maxListed sessions were memory held to the
// end for nothing.
func TestFullViewListsNothing(t *testing.T) {
	var out bytes.Buffer
	o := newTextOutput(bufio.NewWriter(&out), newPalette(false), false)
	o.view, o.collapse = viewFull, newCollapser()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 50 {
		o.SessionEnd(&track.Session{ID: i + 1, Start: t0, End: t0, Server: netip.AddrPortFrom(netip.AddrFrom4([4]byte{11, 0, 0, byte(i)}), 21),
			Client: netip.MustParseAddrPort("10.0.0.2:40000"), Login: track.LoginFailed})
	}
	if n := len(o.failed.items) + len(o.failed.keys); n > 0 {
		t.Errorf("the full view kept %d items of the summary's list", n)
	}
}

// TestOtherServersHintKeepsDrop: the hint of a reason's line for other
// servers, like every "the same command" hint, says to leave out the flags
// that would overwrite a file (--report's).
func TestOtherServersHintKeepsDrop(t *testing.T) {
	o := newTextOutput(bufio.NewWriter(&bytes.Buffer{}), newPalette(false), false)
	o.rerunDrop = "--report"
	want := "the same command without --report: with --server ADDR:PORT it lists one server's, with --json every session"
	if got := o.otherHint(); got != want {
		t.Errorf("hint %q, want %q", got, want)
	}
}

// TestSummaryListKeepsWorkedServersFailure: a sender choosing server
// addresses fills the list's maxListedKeys (server, reason) pairs with
// one failed session per address; a real server where a transfer went
// through still has its later failure listed by server (workedReserve),
// not only counted by reason with the spoofed ones. Regression: the
// first maxListedKeys pairs seen were kept, and the real server's failure
// after them was one of "… 1001 more sessions of 1001 other servers".
func TestSummaryListKeepsWorkedServersFailure(t *testing.T) {
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	o := newTextOutput(w, newPalette(false), false)
	o.view, o.collapse, o.summaryAsked = viewSummary, newCollapser(), true
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	real := netip.MustParseAddrPort("192.0.2.10:21")
	client := netip.MustParseAddrPort("10.0.0.2:40000")
	id := 0
	spoofed := func(n int) {
		for range n {
			id++
			server := netip.AddrPortFrom(netip.AddrFrom4([4]byte{11, byte(id >> 16), byte(id >> 8), byte(id)}), 21)
			o.SessionEnd(&track.Session{ID: id, Start: t0, End: t0, Server: server, Client: client, Login: track.LoginFailed})
		}
	}
	spoofed(maxListedKeys / 2)
	id++ // a session at the real server that moved data
	worked := &track.Session{ID: id, Start: t0, End: t0, Server: real, Client: client, Login: track.LoginOK}
	worked.DataOutcomes[track.OutcomeTransferred] = 1
	o.SessionEnd(worked)
	spoofed(2 * maxListedKeys)
	id++
	failedID := id
	o.SessionEnd(&track.Session{ID: id, Start: t0, End: t0, Server: real, Client: client, Login: track.LoginFailed})
	spoofed(maxListedKeys)
	if n := len(o.failed.counts); n > maxListedKeys+workedReserve {
		t.Errorf("counts held for %d pairs, past %d", n, maxListedKeys+workedReserve)
	}
	o.Summary(totals{})
	w.Flush()
	want := fmt.Sprintf("--session %d  10.0.0.2:40000 -> %s,", failedID, real)
	if !strings.Contains(out.String(), want) {
		t.Errorf("the real server's failure after %d spoofed servers is not listed by server (%q):\n%s", 3*maxListedKeys, want, tail(out.String(), 12))
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	l := strings.Split(s, "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}
