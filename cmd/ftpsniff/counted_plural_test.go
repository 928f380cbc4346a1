package main

import (
	"bytes"
	"regexp"
	"testing"
)

// TestCounted: a count writes its phrase in the number it takes.
func TestCounted(t *testing.T) {
	for _, c := range []struct {
		n    int64
		in   string
		want string
	}{
		{1, "control connection{s} closed as idle whose later bytes picked {it|them} up", "1 control connection closed as idle whose later bytes picked it up"},
		{2, "control connection{s} closed as idle whose later bytes picked {it|them} up", "2 control connections closed as idle whose later bytes picked them up"},
		{1, "stretch{es} of bytes", "1 stretch of bytes"},
		{3, "later cop{y|ies} that differ{s|}", "3 later copies that differ"},
		{1, "later cop{y|ies} that differ{s|}", "1 later copy that differs"},
		{0, "packet{s}", "0 packets"},
		{1, "no mark", "1 no mark"},
		{2, "open {brace", "2 open {brace"},
	} {
		if got := counted(c.n, c.in); got != c.want {
			t.Errorf("counted(%d, %q) = %q, want %q", c.n, c.in, got, c.want)
		}
	}
}

// TestNoSingularCountWithPluralNoun: the summary's notes said "1 control
// connections reset by a box between…", "1 RSTs on control connections…",
// "1 stretches of control bytes…", "1 later copies…", "1 IP fragments…":
// every count of one in the text output of these captures has its noun
// in the singular.
func TestNoSingularCountWithPluralNoun(t *testing.T) {
	bad := regexp.MustCompile(`(^|[ (])1 (control connections|RSTs|stretches|later copies|IP fragments|packets|frames|sessions|SYNs|bytes|connections|segments|times|ICMP errors|findings|lines)\b`)
	for _, name := range []string{
		"../../pcaps/synthetic/ctlrst-fw-rst-server-late-resent.pcap",
		"../../pcaps/synthetic/ctlrst-odd-rst-server-goes-on.pcap",
		"../../pcaps/synthetic/ctlrst-far-rst-client-goes-on.pcap",
		"../../pcaps/hostile/attack/inj_server_229.pcap",
		"../../pcaps/hostile/attack/inj_mid_port_conflict.pcap",
		"../../pcaps/hostile/attack/frag_AfirstThenB.pcap",
		"../../pcaps/hostile/attack/inj_before_fin.pcap",
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"read", "--color", "never", "-v", name}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
		}
		for _, m := range bad.FindAllString(stdout.String()+stderr.String(), -1) {
			t.Errorf("%s: %q", name, m)
		}
	}
}
