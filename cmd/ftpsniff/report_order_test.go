package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// ladderRowsOf are the labels of the arrows and bars of session id's
// ladder in page, in drawing order, each with the class of its line ("as",
// "al", "ab", ...; "bar" for a bar) and whether it ends in an X.
func ladderRowsOf(t *testing.T, page string, id int) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)aria-label="ladder diagram of session ` + strconv.Itoa(id) + `">(.*?)</svg>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no ladder of session %d", id)
	}
	var out []string
	for _, g := range regexp.MustCompile(`(?s)<g>(.*?)</g>`).FindAllStringSubmatch(m[1], -1) {
		cls := "bar"
		if l := regexp.MustCompile(`<line class="(\w+)"`).FindStringSubmatch(g[1]); l != nil {
			cls = l[1]
		}
		lbl := regexp.MustCompile(`(?s)<text class="lbl[^"]*"[^>]*>(.*?)</text>`).FindStringSubmatch(g[1])
		if lbl == nil {
			continue
		}
		text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(lbl[1], "")
		if strings.Contains(g[1], `class="x"`) {
			cls += "+x"
		}
		out = append(out, cls+" "+text)
	}
	return out
}

// TestLadderDrawsTheControlConnectionsOpening: a session whose control
// connection never opened had a ladder of lane headers and its finding
// only: its SYNs and the RST, ICMP error or silence that answered them
// were drawn nowhere (report.go drew commands and data connections). They
// are drawn between the control lanes with a data connection's marks.
func TestLadderDrawsTheControlConnectionsOpening(t *testing.T) {
	for _, tc := range []struct {
		capture string
		want    []string
	}{
		{"control-refused", []string{"as SYN", "ab RST: refused"}},
		{"control-drop", []string{"al+x SYN", "al+x SYN again: 7 SYNs over 7.122s, no answer"}},
		{"control-reject-icmp", []string{"as SYN", "ab ICMP type 3 code 13 (communication administratively prohibited) from 10.99.0.1"}},
		{"pasv-drop", []string{"ar 220 (vsFTPd 3.0.3)"}}, // opened: no row for its SYN
	} {
		t.Run(tc.capture, func(t *testing.T) {
			page, _, _ := runReport(t, "../../pcaps/real/"+tc.capture+".pcap")
			got := ladderRowsOf(t, page, 1)
			if len(got) < len(tc.want) {
				t.Fatalf("ladder rows %q, want %q first", got, tc.want)
			}
			for i, w := range tc.want {
				if got[i] != w {
					t.Errorf("row %d: %q, want %q (rows %q)", i, got[i], w, got)
				}
			}
		})
	}
}

// TestConnectRows: each way a control connection's opening can fail is
// drawn as the data connections' are; one that opened gets no row.
func TestConnectRows(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := netip.MustParseAddrPort("10.0.0.1:21")
	sess := func(c *decode.ConnectFailure) *track.Session {
		return &track.Session{Client: netip.MustParseAddrPort("10.0.0.2:5000"), Server: srv, Start: t0, Connect: c}
	}
	type want struct {
		style      arrowStyle
		from, to   lane
		text       string
		toMid      bool
		fromMid    bool
		noStamp    bool
		sinceStart time.Duration
	}
	for _, tc := range []struct {
		name string
		s    *track.Session
		want []want
	}{
		{"connected", sess(nil), nil},
		{"answer lost", sess(&decode.ConnectFailure{How: decode.ConnectAnswerLost, SYNs: 3, SynAcks: 2, LastSYN: t0.Add(3 * time.Second)}), []want{
			{style: styleSYN, from: laneClient, to: laneServer, text: "SYN"},
			{style: styleLost, from: laneServer, to: laneClient, text: "2 SYN-ACKs, never taken: lost on the way back", toMid: true, noStamp: true},
			{style: styleSYN, from: laneClient, to: laneServer, text: "SYN again: 3 SYNs over 3.000s", sinceStart: 3 * time.Second},
		}},
		{"unreachable from a router", sess(&decode.ConnectFailure{How: decode.ConnectUnreachable, SYNs: 1, AnswerTS: t0.Add(time.Millisecond),
			ICMP: decode.ICMPAnswer{From: netip.MustParseAddr("192.0.2.9"), Type: 3, Code: 1}}), []want{
			{style: styleLost, from: laneClient, to: laneServer, text: "SYN", toMid: true},
			{style: styleRefusal, from: laneServer, to: laneClient, text: "ICMP type 3 code 1 (host unreachable) from 192.0.2.9", fromMid: true, sinceStart: time.Millisecond},
		}},
		{"refused twice", sess(&decode.ConnectFailure{How: decode.ConnectRefused, SYNs: 2, Refusals: 2, LastSYN: t0.Add(time.Second), AnswerTS: t0.Add(time.Millisecond)}), []want{
			{style: styleSYN, from: laneClient, to: laneServer, text: "SYN"},
			{style: styleSYN, from: laneClient, to: laneServer, text: "SYN again: 2 SYNs over 1.000s", sinceStart: time.Second},
			{style: styleRefusal, from: laneServer, to: laneClient, text: "RST: refused (2 RSTs)", sinceStart: time.Millisecond},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := connectRows(tc.s)
			if len(rows) != len(tc.want) {
				t.Fatalf("%d rows, want %d: %+v", len(rows), len(tc.want), rows)
			}
			for i, w := range tc.want {
				r := rows[i]
				if r.style != w.style || r.from != w.from || r.to != w.to || r.text != w.text || r.toMid != w.toMid || r.fromMid != w.fromMid || r.noStamp != w.noStamp || !r.opening || !r.timed {
					t.Errorf("row %d: %+v, want %+v", i, r, w)
				}
				if d := r.ts.Sub(t0); d != w.sinceStart {
					t.Errorf("row %d at +%v, want +%v", i, d, w.sinceStart)
				}
			}
		})
	}
}

// TestEventShownWhereItsPacketCame: the tracker reported a capture gap
// (packet 32, +0.116) after the QUIT of packet 34 (+4.087), and the text
// transcript and the ladder printed it there, out of time order. Both
// place it by its packet, between the PASV and the QUIT, as the JSON
// records have it.
func TestEventShownWhereItsPacketCame(t *testing.T) {
	capFile := "../../pcaps/real/helper-split-227-client.pcap"
	out, stderr, code := readText(t, capFile)
	if code != 0 && code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pasv, gap, quit := strings.LastIndex(out, "<-- PASV"), strings.Index(out, "!! capture gap: 35 server bytes missing"), strings.Index(out, "<-- QUIT")
	if pasv < 0 || gap < 0 || quit < 0 || !(pasv < gap && gap < quit) {
		t.Errorf("the gap is not between the PASV and the QUIT (%d, %d, %d):\n%s", pasv, gap, quit, out)
	}
	page, _, _ := runReport(t, capFile)
	rows := ladderRowsOf(t, page, 1)
	at := func(prefix string) int {
		i := -1
		for k, r := range rows {
			if strings.HasPrefix(r, prefix) {
				i = k
			}
		}
		return i
	}
	lp, lg, lq := at("ac PASV"), at("bar capture gap"), at("ac QUIT")
	if lp < 0 || lg < 0 || lq < 0 || !(lp < lg && lg < lq) {
		t.Errorf("ladder: the gap is not between the PASV and the QUIT (%d, %d, %d): %q", lp, lg, lq, rows)
	}
}

// TestEventPlaces: an event goes before the run of lines just before it
// whose packets came later, by number and time alike: into a command's
// block before the reply that came after it, before the next command;
// not over a line from an earlier input file (a lower number at a later
// time) nor over a command the capture did not hold (no number).
func TestEventPlaces(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	cmd := func(seq, num uint64, ms int, replies ...track.Reply) *track.Command {
		return &track.Command{Seq: seq, Num: num, TS: at(ms), Replies: replies}
	}
	reply := func(seq, num uint64, ms int) track.Reply { return track.Reply{Seq: seq, Num: num, TS: at(ms)} }
	gap := func(seq, num uint64, ms int) track.Event {
		return track.Event{Seq: seq, Num: num, TS: at(ms), Kind: track.EventGap}
	}
	unseen := cmd(2, 0, 40)
	unseen.Unseen = true
	for _, tc := range []struct {
		name string
		s    *track.Session
		want []eventPlace
	}{
		{"before the next command", &track.Session{Commands: []*track.Command{cmd(1, 31, 65), cmd(2, 34, 4087)}, Events: []track.Event{gap(3, 32, 116)}},
			[]eventPlace{{seq: 2, before: true, sub: 1}}},
		{"in the block, before the reply after it", &track.Session{Commands: []*track.Command{cmd(1, 10, 10, reply(2, 11, 11), reply(3, 14, 14))}, Events: []track.Event{gap(4, 12, 12)}},
			[]eventPlace{{seq: 3, before: true, sub: 2}}},
		{"two, in wire order", &track.Session{Commands: []*track.Command{cmd(1, 10, 10), cmd(2, 20, 20)}, Events: []track.Event{gap(3, 15, 15), gap(4, 12, 12)}},
			[]eventPlace{{seq: 2, before: true, sub: 2}, {seq: 2, before: true, sub: 1}}},
		{"in its place already", &track.Session{Commands: []*track.Command{cmd(1, 10, 10), cmd(3, 20, 20)}, Events: []track.Event{gap(2, 12, 12)}},
			[]eventPlace{{seq: 2}}},
		{"not over an earlier file's line", &track.Session{Commands: []*track.Command{cmd(1, 900, 10)}, Events: []track.Event{gap(2, 5, 20)}},
			[]eventPlace{{seq: 2}}},
		{"not over a command not in the capture", &track.Session{Commands: []*track.Command{cmd(1, 10, 10), unseen}, Events: []track.Event{gap(3, 12, 12)}},
			[]eventPlace{{seq: 3}}},
		{"no packet number", &track.Session{Commands: []*track.Command{cmd(1, 10, 10), cmd(2, 20, 20)}, Events: []track.Event{gap(3, 0, 12)}},
			[]eventPlace{{seq: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := eventPlaces(tc.s, nil, nil)
			if len(got) != len(tc.want) {
				t.Fatalf("%+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("event %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestSummaryListSaysFailedDataNotListed: a session past track's
// MaxDataPerSession keeps only its latest data connections, and the
// summary's list of failed sessions named those (#7969 to #8000 of 8000
// refused) as if they were all. It says how many earlier ones it cannot
// name.
func TestSummaryListSaysFailedDataNotListed(t *testing.T) {
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("10.0.0.2:5000"), Server: netip.MustParseAddrPort("10.0.0.1:21")}
	for id := 98; id <= 100; id++ {
		s.Data = append(s.Data, &track.DataConn{ID: id, Outcome: track.OutcomeRefused, Session: s})
	}
	s.Data = append(s.Data, &track.DataConn{ID: 101, Outcome: track.OutcomeTransferred, Session: s})
	s.DataCount = 101
	s.DataOutcomes[track.OutcomeRefused] = 100
	s.DataOutcomes[track.OutcomeTransferred] = 1
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	o := newTextOutput(w, newPalette(false), false)
	o.view, o.width = viewSummary, 400
	o.listSession(s, nil)
	o.writeFailedList()
	w.Flush()
	if !strings.Contains(b.String(), "data #98 refused") || !strings.Contains(b.String(), "data #100 refused") {
		t.Fatalf("the kept failed data connections are not listed:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "      … 97 earlier failed ones not listed: the session keeps its latest; --json lists all\n      data #98 refused") {
		t.Errorf("the list does not say that 97 failed data connections are not in it:\n%s", b.String())
	}
	// All held: nothing more to say.
	s.DataOutcomes[track.OutcomeRefused] = 3
	b.Reset()
	o = newTextOutput(w, newPalette(false), false)
	o.view, o.width = viewSummary, 400
	o.listSession(s, nil)
	o.writeFailedList()
	w.Flush()
	if strings.Contains(b.String(), "not listed") {
		t.Errorf("a session holding all its data connections says some are not listed:\n%s", b.String())
	}
}

// TestReportDiagnosisNotesAreNotLimits: the report's "limits hit" row
// showed the diagnosis's own counters (login_users_forgotten_for_spread
// on a day of routine sessions) with the warning mark of a bound of the
// capture's reading. They are a row of notes of their own, under the name
// the JSON summary gives them.
func TestReportDiagnosisNotesAreNotLimits(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	r := newReportOutput("x.html", 10, false, nil, nil)
	r.writeTotals(w, totals{Diagnosis: diagnose.Omitted{LoginSpreadUsersForgotten: 4}})
	w.Flush()
	page := b.String()
	if strings.Contains(page, "limits hit") {
		t.Errorf("a diagnosis note is shown as a limit hit:\n%s", page)
	}
	if !regexp.MustCompile(`<th>diagnosis notes</th><td><span class="dim">●</span> 4 times a user name with failed logins was pushed out`).MatchString(page) {
		t.Errorf("no diagnosis notes row:\n%s", page)
	}
	b.Reset()
	r.writeTotals(w, totals{Decode: decode.Stats{Truncated: 3}, Diagnosis: diagnose.Omitted{LoginSpreadUsersForgotten: 4}})
	w.Flush()
	if !regexp.MustCompile(`<th>limits hit</th><td><span class="warn">▲</span> 3 frames cut by the snap length`).MatchString(b.String()) {
		t.Errorf("a decoder bound is not a limit hit:\n%s", b.String())
	}
}

// TestReportFoldsSessionsOfOneShape: on a busy day most sessions do the
// same thing, and each got a ladder of its own until the page's places
// ran out, the sessions of other shapes left undrawn. Sessions that did
// what a drawn one did (its server, commands, replies, data outcomes and
// findings) are folded into its ladder, named under its heading and
// counted apart from those not drawn; a session that failed its login
// and nothing else is one line, not a ladder; a displaced section takes
// its folded sessions with it into the count of those not drawn.
func TestReportFoldsSessionsOfOneShape(t *testing.T) {
	r := newReportOutput(t.TempDir()+"/r.html", 2, false, nil, nil)
	r.fold = true
	for id, kind := range []string{"", "", "", "error", "error", "login", "login"} {
		harmSession(r, id+1, kind)
	}
	page := harmPage(t, r, map[string]int{"harm-error": 2})
	checkWellFormed(t, page)
	var sections []string
	for _, m := range regexp.MustCompile(`<section class="(session[^"]*)" id="s(\d+)"`).FindAllStringSubmatch(page, -1) {
		sections = append(sections, m[1]+" "+m[2])
	}
	if got, want := strings.Join(sections, ", "), "session 4, session line 6"; got != want {
		t.Errorf("sections %q, want %q", got, want)
	}
	for _, want := range []string{
		`<p>2 sessions drawn (and 2 more folded into them:`,
		`<a class="bad" href="#s4">4</a><span class="dim">×2</span>`,
		`<p class="fold"><b>×2</b>: also session <a id="s5"></a>5: at the same server`,
		`<p class="fold"><b>×2</b>: also session <a id="s7"></a>7: at the same server`,
		`session 6: 192.0.2.7:40000 → 192.0.2.10:21, login failed;`,
		`3 more sessions not drawn (--report-sessions 2, the most harmful first): 3 others.`,
		`<td class="code">harm-error</td><td>2</td><td><a href="#s4">4</a>, <a href="#s5">5</a></td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="s1"`) || strings.Contains(page, `id="s2"`) {
		t.Errorf("the displaced section's folded sessions are still named")
	}
}

// TestReportFoldsFromTheCommandLine: read --report folds: the two refused
// control connections of control-refused.pcap are one ladder, ×2.
func TestReportFoldsFromTheCommandLine(t *testing.T) {
	page, _, _ := runReport(t, "../../pcaps/real/control-refused.pcap")
	if n := strings.Count(page, `<section class="session"`); n != 1 {
		t.Errorf("%d sections, want 1", n)
	}
	if !strings.Contains(page, `<p class="fold"><b>×2</b>: also session <a id="s2"></a>2:`) {
		t.Errorf("session 2 is not folded into session 1's ladder")
	}
	if strings.Contains(page, "not drawn (--report-sessions") {
		t.Errorf("a folded session is counted as not drawn")
	}
}

// TestReportLoginLineKeepsItsFindings: a session drawn as a one-line
// failed login still shows its findings (the clear-text login's advice
// to change the password exposed), which its ladder used to hold.
func TestReportLoginLineKeepsItsFindings(t *testing.T) {
	page, _, _ := runReport(t, "../../pcaps/real/login-brute-force.pcap")
	i := strings.Index(page, `<section class="session line"`)
	if i < 0 {
		t.Fatal("no failed login drawn as a line")
	}
	line := page[i:]
	line = line[:strings.Index(line, "</section>")]
	for _, want := range []string{"INFO cleartext-login: A user name and its password crossed the network in clear text", "change the password that was exposed"} {
		if !strings.Contains(line, want) {
			t.Errorf("the login line lacks %q:\n%s", want, line)
		}
	}
}
