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
