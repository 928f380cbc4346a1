package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestReflectedSynAcksShown: a passive data connection whose SYNs the
// router looped back without masquerade (the server answered from its
// private address, the client reset the answers) reads so in the text
// line and carries the fact in its JSON record, not "no answer".
func TestReflectedSynAcksShown(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("192.168.1.20:51100"), Server: netip.MustParseAddrPort("192.168.1.5:21")}
	d := &track.DataConn{ID: 1, Session: s, Passive: true, Announced: netip.MustParseAddrPort("203.0.113.7:40000"),
		Client: netip.MustParseAddrPort("192.168.1.20:51101"), Server: netip.MustParseAddrPort("203.0.113.7:40000"),
		Outcome: track.OutcomeUnanswered, SYNs: 3, FirstSYN: t0, LastSYN: t0.Add(3 * time.Second),
		Reflected: &track.Reflection{From: netip.MustParseAddrPort("192.168.1.5:40000"), SynAcks: 3, Resets: 3, First: t0.Add(time.Millisecond)}}
	if got, want := outcomeDetail(d), "answered from 192.168.1.5:40000 instead (3 SYN-ACKs, 3 reset by the client)"; !strings.Contains(got, want) || strings.Contains(got, "no answer") {
		t.Errorf("text %q, want %q", got, want)
	}
	var buf bytes.Buffer
	o := newJSONOutput(bufio.NewWriter(&buf), false)
	o.Data(s, d)
	if err := o.w.Flush(); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Reflected struct {
			From    string `json:"from"`
			SynAcks int    `json:"syn_acks"`
			Resets  int    `json:"resets"`
		} `json:"reflected"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	if r := rec.Reflected; r.From != "192.168.1.5:40000" || r.SynAcks != 3 || r.Resets != 3 {
		t.Errorf("reflected %+v in %s", r, buf.Bytes())
	}
}
