package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// splitRecords runs lines through a pointSplitter, in pieces of 7 bytes
// (lines written in pieces come out whole), and returns its items.
func splitRecords(t *testing.T, lines []string) (<-chan *pointItem, *pointSplitter) {
	t.Helper()
	items := make(chan *pointItem, len(lines)+1)
	sp := newPointSplitter(items, nil)
	all := strings.Join(lines, "\n") + "\n"
	for len(all) > 0 {
		n := min(7, len(all))
		if _, err := sp.Write([]byte(all[:n])); err != nil {
			t.Fatal(err)
		}
		all = all[n:]
	}
	sp.Close()
	return items, sp
}

// TestVantagePointRecordsKeepOrder guards how a point's own records are
// tied to the merged view: a session's records go out together when its
// merged session is written, a finding tied by the data record after it;
// a session no merged one took goes out as it is once the merge is done,
// before the server record (which names the findings overturned); the
// fields go before the observer.
func TestVantagePointRecordsKeepOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ap := netip.MustParseAddrPort
	ctl := &vantage.Control{Client: ap("10.0.0.2:4000"), Server: ap("10.0.0.1:21"), Start: t0, Last: t0.Add(5 * time.Second)}
	far := &vantage.Control{Client: ap("10.0.0.2:4000"), Server: ap("10.1.0.1:21"), Start: t0}
	client := &vantage.Data{Src: ap("10.0.0.2:5000"), Dst: ap("10.0.0.1:40000"), HaveISN: true, SYNs: 3, FirstSYN: t0.Add(time.Second)}
	server := &vantage.Data{Src: ap("10.0.0.2:5000"), Dst: ap("10.1.0.1:40000"), HaveISN: true, SYNs: 3, SYNACKs: 3, FirstSYN: t0.Add(time.Second)}
	s1 := &vantage.Session{ID: 1, Views: []*vantage.Control{ctl, far}, Order: []int{0, 1},
		Data: []*vantage.Path{{Views: []*vantage.Data{client, server}, Order: []int{0, 1}, Passive: true, Where: vantage.LostSYNACK, After: 1, Before: 0,
			Verdict: "lost on the way back"}}}
	in := []string{
		`{"type":"command","session":1,"index":1,"observer":"c"}`,
		`{"type":"finding","code":"data-unanswered","session":1,"data":1,"observer":"c"}`,
		`{"type":"command","session":2,"index":1,"observer":"c"}`,
		`{"type":"data","session":1,"id":1,"client":"10.0.0.2:5000","server":"10.0.0.1:40000","first_syn":"2026-01-01T00:00:01Z","observer":"c"}`,
		`{"type":"session","id":2,"client":"10.0.0.3:4000","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`,
		`{"type":"session","id":1,"client":"10.0.0.2:4000","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`,
		`{"type":"server","server":"10.0.0.1:21","observer":"c"}`,
	}
	items, _ := splitRecords(t, in)
	var out bytes.Buffer
	o := newPointRecords(&out, []string{"c", "s"}, 0, items)
	o.session(s1)
	if err := o.finish(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	order := []int{0, 1, 3, 5, 2, 4, 6} // session 1's, session 2's, the server's
	if len(got) != len(order) {
		t.Fatalf("%d lines out of %d:\n%s", len(got), len(in), out.String())
	}
	for k, line := range got {
		var m, want map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d: %v: %s", k+1, err, line)
		}
		if !strings.HasSuffix(line, `,"observer":"c"}`) {
			t.Errorf("line %d: observer not last: %s", k+1, line)
		}
		json.Unmarshal([]byte(in[order[k]]), &want)
		if m["type"] != want["type"] || m["session"] != want["session"] || m["id"] != want["id"] {
			t.Errorf("line %d out of order: %s", k+1, line)
		}
	}
	if !strings.Contains(got[1], `"superseded":"the receiver answered these SYNs: its SYN-ACKs were lost on the way back, after \"s\"; the merged view: syn-ack-lost: lost on the way back","vantage_path":{"session":1,"data":1,"where":"syn-ack-lost"}`) {
		t.Errorf("finding: %s", got[1])
	}
	if !strings.Contains(got[2], `"vantage_path":{"session":1,"data":1,"where":"syn-ack-lost"}`) || strings.Contains(got[2], "superseded") {
		t.Errorf("data: %s", got[2])
	}
	if got[4] != in[2] || got[5] != in[4] {
		t.Errorf("another session's records changed:\n%s\n%s", got[4], got[5])
	}
	if !strings.Contains(got[6], `"superseded":"this verdict rests on 1 finding that other points' captures overturn (data-unanswered of session 1, data 1)`) {
		t.Errorf("server: %s", got[6])
	}
	if o.untied != 0 {
		t.Errorf("%d untied", o.untied)
	}
}

// TestVantageMergedSessionByConnection guards which of a point's sessions
// a merged session's view takes: the point's own control connection
// (client, server) started while the view was open, the 4-tuple reused an
// hour later being another; one the point's analysis split at an idle
// close (continued later, while the view was open) is tied to it too,
// though it comes after the view's session was written.
func TestVantageMergedSessionByConnection(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := netip.MustParseAddrPort("10.0.0.1:21")
	cli := netip.MustParseAddrPort("10.0.0.2:30000")
	view := func(start time.Time, last time.Duration) *vantage.Control {
		return &vantage.Control{Client: cli, Server: srv, Start: start, Last: start.Add(last)}
	}
	sess := func(id int, start time.Time) string {
		return fmt.Sprintf(`{"type":"session","id":%d,"client":"%s","server":"%s","start":"%s","observer":"c"}`, id, cli, srv, start.Format(time.RFC3339Nano))
	}
	data := func(id int) string {
		return fmt.Sprintf(`{"type":"data","session":%d,"id":1,"client":"10.0.0.2:5000","server":"10.0.0.1:40000","first_syn":"2026-01-01T00:00:01Z","observer":"c"}`, id)
	}
	path := func() []*vantage.Path {
		d := &vantage.Data{Src: netip.MustParseAddrPort("10.0.0.2:5000"), Dst: netip.MustParseAddrPort("10.0.0.1:40000"), FirstSYN: t0.Add(time.Second)}
		return []*vantage.Path{{Views: []*vantage.Data{d, nil}, Order: []int{0}, Where: vantage.Delivered}}
	}
	// Point sessions in the order they close: the reuse an hour later
	// (id 3) closes before the continuation of the first (id 2).
	in := []string{
		data(1), sess(1, t0),
		data(3), sess(3, t0.Add(time.Hour)),
		data(2), sess(2, t0.Add(30*time.Minute)),
	}
	items, _ := splitRecords(t, in)
	var out bytes.Buffer
	o := newPointRecords(&out, []string{"c", "s"}, 0, items)
	first := &vantage.Session{ID: 7, Views: []*vantage.Control{view(t0, 50*time.Minute), nil}, Data: path()}
	reuse := &vantage.Session{ID: 8, Views: []*vantage.Control{view(t0.Add(time.Hour), time.Minute), nil}, Data: path()}
	o.session(first)
	o.session(reuse)
	if err := o.finish(); err != nil {
		t.Fatal(err)
	}
	tiedTo := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			Type    string `json:"type"`
			Session int    `json:"session"`
			Path    *struct {
				Session int `json:"session"`
			} `json:"vantage_path"`
		}
		json.Unmarshal([]byte(line), &r)
		if r.Type == "data" && r.Path != nil {
			tiedTo[fmt.Sprint(r.Session)] = fmt.Sprint(r.Path.Session)
		}
	}
	if want := map[string]string{"1": "7", "2": "7", "3": "8"}; fmt.Sprint(tiedTo) != fmt.Sprint(want) {
		t.Errorf("point sessions tied to merged sessions %v, want %v", tiedTo, want)
	}
}

// TestVantagePointRecordsBounded: what a point's records hold back is
// bounded and every limit hit counted (the vantage record's
// point_records_untied): a session whose records run past maxOpenRecords
// before its session record sends them on untied; sessions pulled ahead
// of the merged one looked for, past maxPendingRecords, go out untied.
func TestVantagePointRecordsBounded(t *testing.T) {
	long := strings.Repeat("x", 1000)
	var in []string
	n := maxOpenRecords/1000 + 100
	for k := range n {
		in = append(in, fmt.Sprintf(`{"type":"command","session":1,"index":%d,"arg":"%s","observer":"c"}`, k+1, long))
	}
	in = append(in, `{"type":"session","id":1,"client":"10.0.0.2:4000","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`)
	_, sp := splitRecords(t, in)
	if sp.untied == 0 || sp.untied >= n {
		t.Errorf("one session's %d records past the bound: %d untied", n, sp.untied)
	}

	// Sessions of other connections, then the one the merge looks for.
	in = nil
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := maxPendingRecords/1000 + 100
	for k := range m {
		in = append(in, fmt.Sprintf(`{"type":"command","session":%d,"index":1,"arg":"%s","observer":"c"}`, k+2, long),
			fmt.Sprintf(`{"type":"session","id":%d,"client":"10.0.0.3:%d","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`, k+2, 1000+k))
	}
	in = append(in, `{"type":"session","id":1,"client":"10.0.0.2:4000","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`)
	items, _ := splitRecords(t, in)
	var out bytes.Buffer
	o := newPointRecords(&out, []string{"c", "s"}, 0, items)
	o.session(&vantage.Session{ID: 1, Views: []*vantage.Control{{Client: netip.MustParseAddrPort("10.0.0.2:4000"), Server: netip.MustParseAddrPort("10.0.0.1:21"), Start: t0, Last: t0}, nil}})
	if o.pendingBytes > maxPendingRecords {
		t.Errorf("%d bytes pending", o.pendingBytes)
	}
	if o.untied == 0 {
		t.Error("no record counted untied past the bound")
	}
	if err := o.finish(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "\n"); got != len(in) {
		t.Errorf("%d records out of %d", got, len(in))
	}
}
