package main

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// bigTipSession is a session of n STAT commands, each with a wire
// argument of 240 bytes that escape to four or five times that, and a
// reply of 13 such lines: each row's tooltip (the whole label, the
// reply's further lines) is 1 to 12 KB of HTML. The first reply is an
// ordinary FEAT list, whose tooltip must stay whole.
func bigTipSession(id, n int) (*track.Session, []*track.Command) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Hour)
	s := &track.Session{ID: id, Client: netip.MustParseAddrPort(fmt.Sprintf("192.0.2.%d:40000", id)), Server: netip.MustParseAddrPort("192.0.2.10:21"),
		Start: t0, End: t0.Add(time.Minute), User: "u", Login: track.LoginOK}
	body := strings.Repeat("\x01\x02\"<&>", 40)
	var lines []string
	for range 13 {
		lines = append(lines, "211-"+body)
	}
	feat := []string{"211-Features:", " EPRT", " EPSV", " MDTM", " PASV", " REST STREAM", " SIZE", " TVFS", " UTF8", "211 End"}
	cs := []*track.Command{{Seq: 1, Index: 1, TS: t0, Verb: "FEAT", Status: track.StatusAnswered,
		Replies: []track.Reply{{Seq: 2, Code: 211, Lines: feat, TS: t0}}}}
	seq := uint64(3)
	for i := 0; i < n; i++ {
		ts := t0.Add(time.Duration(i) * time.Millisecond)
		cs = append(cs, &track.Command{Seq: seq, Index: i + 2, TS: ts, Verb: "STAT", Arg: body, Status: track.StatusAnswered,
			Replies: []track.Reply{{Seq: seq + 1, Code: 211, Lines: lines, TS: ts}}})
		seq += 2
	}
	return s, cs
}

// TestReportTooltipsWithinBudget: a ladder of 150 rows whose tooltips
// would each be up to 12 KB holds none over maxTipBytes and at most
// maxSectionTipBytes of them together, says what was cut and how to see
// it whole, and keeps an ordinary reply's tooltip whole. Regression:
// 200 such sessions made a 213 MB page, a megabyte of tooltips each.
func TestReportTooltipsWithinBudget(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	s, cs := bigTipSession(7, 150)
	feed(r, s, cs, nil, nil, nil)
	page := writeReportPage(t, r)
	ladder := page[strings.Index(page, `<section id="sessions">`):]
	tips := regexp.MustCompile(`<title>([^<]*)</title>`).FindAllStringSubmatch(ladder, -1)
	total := 0
	for _, m := range tips {
		total += len(m[1])
		if len(m[1]) > maxTipBytes {
			t.Errorf("a tooltip of %d bytes, over %d: %.60q", len(m[1]), maxTipBytes, m[1])
		}
	}
	if total > maxSectionTipBytes {
		t.Errorf("the section's tooltips hold %d bytes, over %d", total, maxSectionTipBytes)
	}
	if want := "211-Features:\n EPRT\n EPSV\n MDTM\n PASV\n REST STREAM\n SIZE\n TVFS\n UTF8\n211 End"; len(tips) == 0 || tips[0][1] != want {
		t.Errorf("the FEAT reply's tooltip is not whole: %q", tips[0][1])
	}
	// A cut tooltip ends at a whole line (a reply's) or in an ellipsis.
	cut := 0
	for _, m := range tips[1:] {
		if strings.HasSuffix(m[1], "…") {
			cut++
		}
	}
	if cut == 0 {
		t.Error("no tooltip cut short")
	}
	if !regexp.MustCompile(`Of this ladder's tooltips, \d+ were cut short and \d+ left out to keep the page small .*the same command with --session 7 and without --report`).MatchString(page) {
		t.Error("the section does not say what of its tooltips was cut, and how to see it")
	}
	if n := len(page); n > 256<<10 {
		t.Errorf("the page is %d bytes", n)
	}
}

// TestReportSectionsWithinBudget: sections past the page's byte budget
// are left out, the last in drawing order, named with how to see them;
// the index and the servers' tables link only to sections the page
// holds, and every session is counted once.
func TestReportSectionsWithinBudget(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	r.fold = false // sessions alike but for their number: each its own section
	for id := 1; id <= 5; id++ {
		kind := ""
		if id == 4 {
			kind = "error"
		}
		harmSession(r, id, kind)
	}
	// Room for three sections: the error's, then sessions 1 and 2.
	var n int64
	for _, k := range r.order()[:3] {
		n += k.n
	}
	r.sectionsBudget = n
	page := harmPage(t, r, map[string]int{"harm-error": 1})
	checkWellFormed(t, page)
	if got := drawnIDs(page); got != "4 1 2" {
		t.Errorf("sections drawn: %s, want 4 1 2", got)
	}
	if !regexp.MustCompile(`2 sessions to draw left out, the last in drawing order, to keep the sections under \d+ KB: <span class="ok">3</span>, <span class="ok">5</span>\. The text output shows one \(the same command with --session N and without --report\)`).MatchString(page) {
		t.Error("the sessions left out by the budget are not named, with how to see them")
	}
	if !strings.Contains(page, "<p>3 sessions drawn, the most harmful first:</p>") {
		t.Error("the count of sessions drawn is not the sections the page holds")
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="(s\d+)"`).FindAllStringSubmatch(page, -1) {
		ids[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`href="#(s\d+)"`).FindAllStringSubmatch(page, -1) {
		if !ids[m[1]] {
			t.Errorf("a link to %s, which the page does not hold", m[1])
		}
	}
	if strings.Contains(page, "not drawn (--report-sessions") {
		t.Error("sessions counted as not drawn by --report-sessions though every one was kept")
	}
}

// TestReportRerunHintDropsSummaryAndWrite: the page's "the same command
// with --session N" (a ladder's tooltips cut, sections left out by the
// budget) leaves out --summary, which would still print the summary
// (it wins over --session), and --write, which would overwrite the
// capture written, as the text summary's hints do. Regression: both
// said "without --report" only.
func TestReportRerunHintDropsSummaryAndWrite(t *testing.T) {
	for _, tt := range []struct {
		name    string
		summary bool
		write   string
		without string
		opts    func(o *readOptions) // more flags
	}{
		{"report", false, "", "--report", nil},
		{"summary", true, "", "--summary and --report", nil},
		{"write", false, "out.pcapng", "--write and --report", nil},
		{"summary and write", true, "out.pcapng", "--summary and --write and --report", nil},
		// (JSON or Zeek lines are no transcript; --extract would write
		// the session's files again as copies.)
		{"json and extract", false, "", "--json and --extract and --report", func(o *readOptions) { o.JSON, o.ExtractDir = true, "files" }},
		{"zeek", false, "", "--format zeek and --report", func(o *readOptions) { o.Format = "zeek" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			report := func() *reportOutput {
				o := &readOptions{}
				o.Report, o.ReportSessions, o.Summary, o.Write = filepath.Join(t.TempDir(), "r.html"), 10, tt.summary, tt.write
				if tt.opts != nil {
					tt.opts(o)
				}
				return withReport(nil, o, nil).(*reportTee).rep
			}
			r := report()
			s, cs := bigTipSession(7, 150)
			feed(r, s, cs, nil, nil, nil)
			want := "the text output shows every line whole (the same command with --session 7 and without " + tt.without + ").</p>"
			if page := writeReportPage(t, r); !strings.Contains(page, want) {
				t.Errorf("the tooltips' note lacks %q", want)
			}
			r = report()
			r.fold = false
			for id := 1; id <= 3; id++ {
				harmSession(r, id, "")
			}
			r.sectionsBudget = r.order()[0].n
			want = "The text output shows one (the same command with --session N and without " + tt.without + ");"
			if page := harmPage(t, r, nil); !strings.Contains(page, want) {
				t.Errorf("the note of sections left out lacks %q", want)
			}
		})
	}
}
