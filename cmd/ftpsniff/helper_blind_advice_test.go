package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// TestHelperBlindPORTIsNotAdvisedAHelper guards the diagnosis of a PORT a
// simulated helper could not see (sent after TYPE I in one segment) that
// the server refused: the helper is attached, so neither the finding's
// fix nor the server's verdict may say to attach it; they say why it did
// not rewrite the address and how the client can send it whole. Without
// --helper, the advice to attach the helper stays.
func TestHelperBlindPORTIsNotAdvisedAHelper(t *testing.T) {
	path := writeNATCapture(t, natSession{client: netip.AddrPortFrom(natRouter, 33444), server: netip.MustParseAddrPort("198.51.100.2:21"),
		segs: []natLine{{true, "TYPE I\r\nPORT 10,77,2,2,160,48\r\n"}, {false, "200 Switching to Binary mode.\r\n"}, {false, "500 Illegal PORT command.\r\n"}}})
	for _, tc := range []struct {
		args    []string
		want    []string
		notWant []string
	}{
		{[]string{"--helper", "linux"},
			[]string{"error nat-mismatch", "the FTP helper is attached but cannot see it (not at the start of its segment)", "ftp:sync-mode on", "a NAT whose FTP helper could not see the PORT/EPRT"},
			[]string{"CT --helper", "ct helper set", "NAT without the FTP helper"}},
		{nil, []string{"error nat-mismatch", "attach the FTP conntrack helper", "NAT without the FTP helper"}, []string{"cannot see it"}},
	} {
		var out, errb bytes.Buffer
		args := append(append([]string{"read", "--color", "never", "-v"}, tc.args...), path)
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errb.String())
		}
		text := strings.Join(strings.Fields(out.String()), " ")
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%q lacks %q:\n%s", tc.args, w, out.String())
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(text, w) {
				t.Errorf("%q holds %q:\n%s", tc.args, w, out.String())
			}
		}
	}
}

// TestHelperBlindPORTRefusedAtTheClientSide is the same PORT seen from
// the client's side of the NAT: the server's refusal (active-refused)
// and its verdict say why the attached helper did not rewrite it.
func TestHelperBlindPORTRefusedAtTheClientSide(t *testing.T) {
	path := writeNATCapture(t, natSession{client: netip.AddrPortFrom(natInside, 33444), server: netip.MustParseAddrPort("198.51.100.2:21"),
		segs: []natLine{{true, "TYPE I\r\nPORT 10,77,2,2,160,48\r\n"}, {false, "200 Switching to Binary mode.\r\n"}, {false, "500 Illegal PORT command.\r\n"}}})
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", "-v", "--helper", "linux", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, w := range []string{"error active-refused", "the FTP helper is attached but cannot see it", "whose FTP helper could not see the PORT/EPRT"} {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, out.String())
		}
	}
	for _, w := range []string{"CT --helper", "ct helper set", "attach the FTP helper"} {
		if strings.Contains(text, w) {
			t.Errorf("holds %q:\n%s", w, out.String())
		}
	}
}
