package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// port21Only is `tcpdump -ddd 'tcp port 21'`: a --bpf-raw program that
// keeps the control connection and leaves every data connection out.
const port21Only = `20
40 0 0 12
21 0 6 34525
48 0 0 20
21 0 15 6
40 0 0 54
21 12 0 21
40 0 0 56
21 10 11 21
21 0 10 2048
48 0 0 23
21 0 8 6
40 0 0 20
69 6 0 8191
177 0 0 14
72 0 0 14
21 2 0 21
72 0 0 16
21 0 1 21
6 0 0 262144
6 0 0 0`

// TestUserFilterRemovedDataConnIsNoNetworkDrop guards the findings that
// rest on the absence of a data connection against a packet filter of the
// user's that left that connection out. pasv-drop.pcap holds 3 SYNs to
// 10.99.0.1:40011 that got no answer (error data-unanswered) and a second
// endpoint the client gave up on; read through a program keeping port 21
// only, both endpoints read as never tried, and the findings said "its
// SYNs did not reach this capture point", "the client's SYNs are dropped
// before this capture point" (the SYNs were in the file: the filter left
// them out), as warnings, and the verdict "2 of 2 announced data endpoints
// were never used". They must name the filter, be notes, and claim no
// drop. A built-in filter that keeps those connections (--host of the
// server the client connected to) changes nothing.
func TestUserFilterRemovedDataConnIsNoNetworkDrop(t *testing.T) {
	file := viewRealDir + "pasv-drop.pcap"
	if _, err := os.Stat(file); err != nil {
		t.Skipf("%s absent", file)
	}
	read := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if c := run(append(append([]string{"read", "--color", "never"}, args...), file), &stdout, &stderr); c != exitOK {
			t.Fatalf("%v: exit %d: %s", args, c, stderr.String())
		}
		return stdout.String()
	}
	// The capture does hold the SYNs the program leaves out.
	if out := read("--json"); !strings.Contains(out, `"code":"data-unanswered","severity":"error"`) {
		t.Fatalf("unfiltered, no data-unanswered error: the test proves nothing\n%s", out)
	}
	claims := []string{"capture point", "were never used", "are dropped", `"severity":"warning"`, "warning data-not-attempted", "error data-"}
	for _, tc := range []struct {
		name   string
		args   []string
		hedged bool
	}{
		{"--bpf-raw port 21, text", []string{"--bpf-raw", port21Only}, true},
		{"--bpf-raw port 21, JSON", []string{"--json", "--bpf-raw", port21Only}, true},
		{"--bpf-raw port 21, summary", []string{"--summary", "--bpf-raw", port21Only}, true},
		{"--bpf-raw port 21, two workers", []string{"--json", "--workers", "2", "--bpf-raw", port21Only}, true},
		{"--host of the server: keeps the data connections", []string{"--json", "--host", "10.99.0.1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := read(tc.args...)
			if !tc.hedged {
				if strings.Contains(out, "may have left") || !strings.Contains(out, `"code":"data-unanswered","severity":"error"`) {
					t.Errorf("a filter that keeps the data connections changed the findings:\n%s", out)
				}
				return
			}
			if !strings.Contains(out, "packet filter --bpf-raw") || !strings.Contains(out, "may have left") {
				t.Errorf("no finding or verdict names the filter that may have left the data connections out:\n%s", out)
			}
			if !strings.Contains(out, "tcp or icmp or icmp6") {
				t.Errorf("no filter that keeps the data connections is given:\n%s", out)
			}
			for _, c := range claims {
				if strings.Contains(out, c) {
					t.Errorf("claims %q though the filter removed the packets:\n%s", c, out)
				}
			}
		})
	}
}
