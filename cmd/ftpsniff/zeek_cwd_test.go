package main

import (
	"strings"
	"testing"
)

// TestZeekCwdBounded guards the zeek writer's working directory against a
// client that descends without end: each held line keeps its URL, so the
// directory past zeekMaxCwd is unknown (".") instead of growing every
// later line (600 CWDs of 4 KB names made 720 MB of output).
func TestZeekCwdBounded(t *testing.T) {
	cwd := "."
	name := strings.Repeat("d", 1000)
	for range 600 {
		cwd = zeekCwdAfter(cwd, "CWD", name, 250)
		if len(cwd) > zeekMaxCwd {
			t.Fatalf("working directory of %d bytes, bound %d", len(cwd), zeekMaxCwd)
		}
	}
	if got := zeekCwdAfter(".", "CWD", "di", 250); got != "./di" {
		t.Errorf("relative CWD from unknown: %q, want ./di", got)
	}
}

// TestZeekCwdUnknownAfterLostReply guards the URLs after a CWD whose reply
// the capture lacks (zeek/cwd-navigation.pcap: "CWD 2014" reply-lost): the
// directory is unknown from there, not the one before it, which every
// later file's URL would name wrongly.
func TestZeekCwdUnknownAfterLostReply(t *testing.T) {
	for _, tc := range []struct {
		verb, arg string
		code      int
		want      string
	}{
		{"CWD", "2014", 0, "."},
		{"CDUP", "", 0, "."},
		{"CWD", "2014", 250, "/pub/2014"},
		{"CWD", "2014", 550, "/pub"},
		{"PWD", "", 0, "/pub"},
	} {
		if got := zeekCwdAfter("/pub", tc.verb, tc.arg, tc.code); got != tc.want {
			t.Errorf("%s %s answered %d: %q, want %q", tc.verb, tc.arg, tc.code, got, tc.want)
		}
	}
}
