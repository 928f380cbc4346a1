package main

import (
	"fmt"
	"html"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// ladderLabels are the arrow, bar and marker labels of a page, in
// drawing order, tooltips left out.
func ladderLabels(page string) []string {
	var out []string
	title := regexp.MustCompile(`<title>.*?</title>`)
	for _, m := range regexp.MustCompile(`<text class="lbl[^"]*"[^>]*>(.*?)</text>`).FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(title.ReplaceAllString(m[1], ""), "")))
	}
	return out
}

// TestReportMarksEveryGap: past the row bound, a session whose refused
// transfers alternate with good ones draws the refused ones with a
// marker between each two (the good transfer left out there) and one
// after the last drawn row, each with its own count, the counts adding
// up to the rows not drawn. Regression: one marker, before the first
// failure, said nothing of the transfers between the failures nor of the
// commands after the last (caps manydata.pcap, long100k.pcap).
func TestReportMarksEveryGap(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("192.0.2.1:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21"), Start: t0, End: t0.Add(time.Hour)}
	r.SessionStart(s)
	seq := uint64(1)
	at := func() time.Time { return t0.Add(time.Duration(seq) * time.Millisecond) }
	cmd := func(verb, arg string, code int) *track.Command {
		c := &track.Command{Seq: seq, TS: at(), Verb: verb, Arg: arg, Status: track.StatusAnswered,
			Replies: []track.Reply{{Seq: seq + 1, Code: code, Lines: []string{fmt.Sprintf("%d %s reply", code, verb)}, TS: at()}}}
		seq += 2
		return c
	}
	rows := 0
	for i := 0; i < maxLadderRows/2; i++ {
		r.Command(s, cmd("NOOP", "", 200))
		rows += 2
	}
	for id := 1; id <= 6; id++ {
		pasv := cmd("PASV", "", 227)
		pasv.EndpointVia = 1
		r.Command(s, pasv)
		retr := cmd("RETR", fmt.Sprintf("f%d", id), 150)
		rows += 4
		d := &track.DataConn{ID: id, Seq: seq, Session: s, Passive: true, Announce: pasv, Command: retr,
			Announced: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), uint16(40000+id)), ExpectedSize: -1,
			SYNs: 1, FirstSYN: at(), LastSYN: at(), Client: netip.MustParseAddrPort("192.0.2.1:50000"),
			Server: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), uint16(40000+id))}
		seq++
		if id%2 == 0 {
			d.Outcome, d.RSTTS, d.RSTFromServer = track.OutcomeRefused, at(), true
		} else {
			d.Outcome, d.SynAckTS, d.End, d.Bytes = track.OutcomeTransferred, at(), at().Add(time.Millisecond), [2]int64{0, 1000}
		}
		seq += 2 // the next command comes after the data connection's packets
		rows += len(dataRows(d))
		r.Data(s, d)
		r.Command(s, retr) // its reply to the transfer came after the data connection
	}
	for i := 0; i < 5; i++ {
		r.Command(s, cmd("NOOP", "", 200))
		rows += 2
	}
	r.SessionEnd(s)
	page := writeReport(t, r)
	checkWellFormed(t, page)

	labels := ladderLabels(page)
	marker := regexp.MustCompile(`^… (\d+) more commands, replies and packets not drawn`)
	var order []string // "#N" for a refused data row, "gap" for a marker
	drawn, notDrawn := 0, 0
	for _, l := range labels {
		if m := marker.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			notDrawn += n
			order = append(order, "gap")
			continue
		}
		drawn++
		if strings.HasSuffix(l, "RST: refused") {
			order = append(order, strings.Fields(l)[0])
		}
	}
	got := strings.Join(order, " ")
	// #1 is left out with the rows before #2; #3 and #5 between the
	// refused ones; the last NOOPs after #6.
	if want := "gap #2 gap #4 gap #6 gap"; got != want {
		t.Errorf("refused transfers and markers drawn as %q, want %q", got, want)
	}
	if drawn+notDrawn != rows {
		t.Errorf("%d rows drawn and %d counted not drawn, want %d in all", drawn, notDrawn, rows)
	}
}
