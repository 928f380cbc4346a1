package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestTranscriptSaysWhereCommandsWereLeftOut: commands the transcript
// bound left out are said where they were (a gap in the commands'
// numbers), and only those after the last kept one at the end; before,
// every one was said at the end, and a login whose PASS and 230 were
// left out read as never made.
func TestTranscriptSaysWhereCommandsWereLeftOut(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cmd := func(seq uint64, index int, verb string) *track.Command {
		return &track.Command{Seq: seq, Index: index, Verb: verb, TS: t0}
	}
	for _, tc := range []struct {
		name     string
		commands []*track.Command
		omitted  int
		want     []string // in this order
		not      []string
	}{
		{"gap in the middle and at the end",
			[]*track.Command{cmd(1, 1, "USER"), cmd(5, 4, "PORT"), cmd(6, 5, "RETR")}, 3,
			[]string{"<-- USER", "(2 commands not kept here: transcript limit)", "<-- PORT", "<-- RETR", "(1 more command not kept: transcript limit)"}, nil},
		{"first commands left out",
			[]*track.Command{cmd(3, 3, "QUIT")}, 2,
			[]string{"(2 commands not kept here: transcript limit)", "<-- QUIT"}, []string{"more command"}},
		{"nothing left out",
			[]*track.Command{cmd(1, 1, "USER"), cmd(2, 2, "QUIT")}, 0,
			[]string{"<-- USER", "<-- QUIT"}, []string{"not kept"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			bw := bufio.NewWriter(&buf)
			o := newTextOutput(bw, newPalette(false), false)
			s := &track.Session{ID: 1, Start: t0, End: t0, Commands: tc.commands, CommandsOmitted: tc.omitted, CommandCount: len(tc.commands) + tc.omitted}
			o.transcript(s)
			bw.Flush()
			text, at := buf.String(), 0
			for _, w := range tc.want {
				i := strings.Index(text[at:], w)
				if i < 0 {
					t.Fatalf("%q not after byte %d:\n%s", w, at, text)
				}
				at += i + len(w)
			}
			for _, n := range tc.not {
				if strings.Contains(text, n) {
					t.Errorf("says %q:\n%s", n, text)
				}
			}
		})
	}
}
