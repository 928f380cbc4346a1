package main

import (
	"strings"
	"testing"
)

// TestLiveFindingAfterItsCommand: live's text stream prints a finding
// about a command after that command's line. The cleartext-login
// finding is made when PASS crosses, before PASS is answered and so
// before its line is written; it was printed at once, above the
// `<-- PASS` line it is about (rv-newcomer, fake.py on loopback).
func TestLiveFindingAfterItsCommand(t *testing.T) {
	data := readTestFile(t, "../../pcaps/synthetic/walkthrough.pcap")
	out := runOneOn(t, data, workerOpts(t, "text"))
	lines := strings.Split(out, "\n")
	pass, note := -1, -1
	for i, l := range lines {
		if pass < 0 && strings.Contains(l, "<-- PASS") {
			pass = i
		}
		if note < 0 && strings.Contains(l, "cleartext-login") {
			note = i
		}
	}
	if pass < 0 || note < 0 {
		t.Fatalf("no PASS line (%d) or cleartext-login finding (%d) in:\n%s", pass, note, out)
	}
	if note < pass {
		t.Errorf("the cleartext-login finding (line %d) comes before the PASS line it is about (line %d):\n%s", note+1, pass+1, strings.Join(lines[:min(len(lines), pass+3)], "\n"))
	}
}
