package main

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestACCTTailLabelledACCT: the tail of an ACCT whose first byte a
// capture gap took ("CCT acct-secret", masked) is counted as an ACCT in
// the metrics, not a PASS, and the zeek record does not take it for the
// session's password; a PASS's tail ("SS pw-secret") still is the
// password line. Both were labelled PASS.
func TestACCTTailLabelledACCT(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	newSession := func() *track.Session {
		return &track.Session{ID: 1, Client: netip.MustParseAddrPort("198.51.100.7:50000"), Server: netip.MustParseAddrPort("192.0.2.10:21"),
			Start: t0, EndReason: track.EndFIN, Midstream: true}
	}
	tail := func(verb, arg string) *track.Command {
		return &track.Command{Index: 1, TS: t0, Verb: verb, Arg: arg, Secret: true, Status: track.StatusAnswered,
			Replies: []track.Reply{{Code: 230, Text: "ok", TS: t0}}}
	}
	for _, tt := range []struct {
		verb, label string
		password    bool
	}{
		{"CCT", "ACCT", false},
		{"CT", "ACCT", false},
		{"T", "ACCT", false},
		{"SS", "PASS", true},
		{"ACCT", "ACCT", false},
	} {
		m := newMetrics(1)
		o := &metricsOutput{out: newJSONOutput(bufio.NewWriter(io.Discard), false), m: m}
		s := newSession()
		o.SessionStart(s)
		o.Command(s, tail(tt.verb, "secret"))
		o.SessionEnd(s)
		got := gathered(t, m.reg)
		for _, verb := range []string{"ACCT", "PASS"} {
			key := `ftpsniff_commands_total{command="` + verb + `"}`
			if want := verb == tt.label; (got[key] == 1) != want {
				t.Errorf("%s: %s = %v, want counted %v", tt.verb, key, got[key], want)
			}
		}

		var buf bytes.Buffer
		z := newZeekOutput(bufio.NewWriter(&buf), false, idOptions{})
		z.notes = io.Discard
		s = newSession()
		z.SessionStart(s)
		z.Command(s, tail(tt.verb, "secret"))
		z.SessionEnd(s)
		if err := z.Flush(); err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(buf.String(), `"password":`); has != tt.password {
			t.Errorf("%s: zeek record %s: password field %v, want %v", tt.verb, buf.String(), has, tt.password)
		}
		if strings.Contains(buf.String(), "secret") {
			t.Errorf("%s: zeek record shows the secret: %s", tt.verb, buf.String())
		}
	}
}
