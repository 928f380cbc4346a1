package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// greetingCapture writes one control connection whose lines (c: client,
// s: server) follow the handshake in the order given.
func greetingCapture(t *testing.T, lines ...string) string {
	t.Helper()
	c, path := newWireCap(t)
	k := wireConn{c: c, a: netip.MustParseAddrPort("192.0.2.1:50001"), b: netip.MustParseAddrPort("192.0.2.10:21"), aseq: 1000, bseq: 5000}
	k.handshake()
	for _, l := range lines {
		p := []byte(l[2:] + "\r\n")
		if l[0] == 'c' {
			k.fromA(p)
		} else {
			k.fromB(p)
		}
	}
	return path
}

// TestTranscriptGreetingBeforePipelinedCommands: a client that sends its
// commands before the greeting arrives (zeek's fake-server-delays-all)
// has each command's reply shown under it; the greeting, which came
// before those replies, is shown first, not after the last command.
func TestTranscriptGreetingBeforePipelinedCommands(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string // in this order in the transcript
	}{
		{"every command before the greeting",
			[]string{"c:USER anonymous", "c:PASS a@b", "c:QUIT", "s:220 ready", "s:331 password", "s:230 in", "s:221 bye"},
			[]string{"--> 220 ready", "<-- USER anonymous", "--> 331 password", "<-- PASS", "--> 230 in", "<-- QUIT", "--> 221 bye"}},
		{"greeting between commands",
			[]string{"c:USER anonymous", "s:220 ready", "s:331 password", "c:PASS a@b", "s:230 in", "c:QUIT", "s:221 bye"},
			[]string{"--> 220 ready", "<-- USER anonymous", "--> 331 password", "<-- PASS", "--> 230 in", "<-- QUIT", "--> 221 bye"}},
		{"greeting first",
			[]string{"s:220 ready", "c:USER anonymous", "s:331 password", "c:PASS a@b", "s:230 in", "c:QUIT", "s:221 bye"},
			[]string{"--> 220 ready", "<-- USER anonymous", "--> 331 password", "<-- PASS", "--> 230 in", "<-- QUIT", "--> 221 bye"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"read", "--color", "never", greetingCapture(t, tc.lines...)}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			text := out.String()
			at := 0
			for _, w := range tc.want {
				i := strings.Index(text[at:], w)
				if i < 0 {
					t.Fatalf("%q not after byte %d of the transcript:\n%s", w, at, text)
				}
				at += i + len(w)
			}
		})
	}
}
