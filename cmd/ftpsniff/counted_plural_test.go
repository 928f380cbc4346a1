package main

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
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

// TestReadingNotesOfOneAgree guards the summary's notes with every count
// at 1: they read "1 RST and ICMP errors answering a data SYN…", "1
// SYN-ACK … held in case a lost announcement showed just after them", "1
// announcement … let go before their 2 minutes", their plural words
// outside counted's marks. Each note of one has its noun, and what
// refers back to it, in the singular.
func TestReadingNotesOfOneAgree(t *testing.T) {
	var tot totals
	setCounts(reflect.ValueOf(&tot).Elem(), 1)
	notes := readingNotes(tot, true, 0)
	if len(notes) < 50 {
		t.Fatalf("only %d notes with every count at 1", len(notes))
	}
	bad := regexp.MustCompile(`^1 (\S+ )?(control connections|RSTs|SYN-ACKs|SYNs|announcements|segments|sessions|packets|frames|transfers|records|continuations|data connections|ICMP errors|answers)\b` +
		`|RST and ICMP errors|just after them|before their 2 minutes|of their session|their session already|with their findings|read from their fixed|between their hosts|\(their lines|misses them|could claim them|dropped, their commands|for their SYN|interval between them`)
	for _, n := range notes {
		if !strings.HasPrefix(n, "1 ") && !strings.Contains(n, " 1 ") {
			continue
		}
		if m := bad.FindString(n); m != "" {
			t.Errorf("%q in %q", m, n)
		}
	}
}

// setCounts sets every integer field of v (a struct, its nested structs
// too) to n.
func setCounts(v reflect.Value, n int64) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		switch f.Kind() {
		case reflect.Struct:
			setCounts(f, n)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f.SetInt(n)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.SetUint(uint64(n))
		}
	}
}
