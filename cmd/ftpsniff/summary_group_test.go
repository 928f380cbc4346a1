package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestCauseShapeMasksOccurrenceValues guards the key of the summary's
// groups: the session's own client address (v4, v6, bracketed with a
// port, IPv4-mapped) and clock times are not part of the cause; a longer
// address that starts with the client's, a network, and the server's
// address are.
func TestCauseShapeMasksOccurrenceValues(t *testing.T) {
	v4 := netip.MustParseAddr("10.0.0.1")
	v6 := netip.MustParseAddr("2001:db8::1")
	mapped := netip.AddrFrom16(v4.As16())
	for _, tc := range []struct {
		advice string
		client netip.Addr
		want   string
	}{
		{"grep -n 10.0.0.1, or 10.0.0.1:21 or ends 10.0.0.1.", v4, "grep -n <client>, or <client>:21 or ends <client>."},
		{"names 10.0.0.15 or 10.0.0.1.5 or 110.0.0.1 or 10.0.0.1/24", v4, "names 10.0.0.15 or 10.0.0.1.5 or 110.0.0.1 or <client>/24"},
		{"ip6 saddr 2001:db8::1 drop; [2001:db8::1]:21; 2001:db8::12; 2001:db8::1:5", v6, "ip6 saddr <client> drop; [<client>]:21; 2001:db8::12; 2001:db8::1:5"},
		{"grep ::ffff:10.0.0.1 and 10.0.0.1", mapped, "grep <client> and <client>"},
		{"a restart at 09:45:15 UTC, not 109:45:15 UTC nor 09:45:15 UTCX", v4, "a restart at <time>, not 109:45:15 UTC nor 09:45:15 UTCX"},
		{"set pasv_address=10.0.0.2 for 10.0.0.1 on port 40011", v4, "set pasv_address=10.0.0.2 for <client> on port #"},
	} {
		if got := causeShape(tc.advice, tc.client, policy.PortRange{}); got != tc.want {
			t.Errorf("causeShape(%q, %s)\n got %q\nwant %q", tc.advice, tc.client, got, tc.want)
		}
	}
	if got := clockTimes("at 09:45:15 UTC and 10:02:48 UTC, not 1:02:03 UTC"); strings.Join(got, "|") != "09:45:15 UTC|10:02:48 UTC" {
		t.Errorf("clockTimes: %q", got)
	}
}

// refusedCapture writes a capture where one control connection to
// 10.99.0.1:21 opens, then the server refuses the clients' control
// connections at the times given (each client's refusals a second or
// more apart), so that each finding's fix names its client and time.
func refusedCapture(t *testing.T, refusals []netip.Addr) string {
	t.Helper()
	c, path := newWireCap(t)
	srv := netip.MustParseAddrPort("10.99.0.1:21")
	ok := netip.MustParseAddrPort("10.50.0.1:40000")
	c.pkt(ok, srv, 1000, 0, "S", nil)
	c.pkt(srv, ok, 5000, 1001, "SA", nil)
	c.pkt(ok, srv, 1001, 5001, "A", nil)
	c.pkt(srv, ok, 5001, 1001, "PA", []byte("220 ready\r\n"))
	c.pkt(ok, srv, 1001, 5012, "A", nil)
	c.pkt(ok, srv, 1001, 5012, "PA", []byte("QUIT\r\n"))
	c.pkt(srv, ok, 5012, 1007, "PA", []byte("221 bye\r\n"))
	c.pkt(srv, ok, 5021, 1007, "FA", nil)
	c.pkt(ok, srv, 1007, 5022, "FA", nil)
	c.pkt(srv, ok, 5022, 1008, "A", nil)
	for i, cli := range refusals {
		c.ts = c.ts.Add(2 * time.Second)
		from := netip.AddrPortFrom(cli, uint16(41000+i))
		c.pkt(from, srv, 7000, 0, "S", nil)
		c.pkt(srv, from, 0, 7001, "RA", nil)
	}
	return path
}

// TestSummaryGroupsOneCauseOverClients guards the summary of a server
// that refused several clients for one cause: each client (and each
// second) got a block of its own, the fix naming that client's address
// and time, so ten refusals took six blocks. One block now counts them,
// its fix written with <client> and <time> and a line naming each.
func TestSummaryGroupsOneCauseOverClients(t *testing.T) {
	a, b, d := netip.MustParseAddr("10.96.0.5"), netip.MustParseAddr("10.97.0.5"), netip.MustParseAddr("10.98.0.5")
	path := refusedCapture(t, []netip.Addr{a, a, b, d})
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--summary", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// Words as wrapped to the width, joined.
	text := strings.Join(strings.Fields(out.String()), " ")
	if n := strings.Count(text, "error control-refused in"); n != 1 {
		t.Fatalf("%d control-refused blocks, want 1:\n%s", n, text)
	}
	for _, want := range []string{
		"error control-refused in 4 sessions from 3 clients",
		"a paused service at <time>, and on the firewall for a rule that names <client> (nft list ruleset | grep -n <client>,",
		"<client>: each of the 3 clients, 10.96.0.5, 10.97.0.5, 10.98.0.5",
		"<time>: the time each session's finding names, 09:00:02 UTC (session 2), 09:00:04 UTC (session 3), 09:00:06 UTC (session 4), 09:00:08 UTC (session 5)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q:\n%s", want, text)
		}
	}

	// The report's findings table: one row, the same fix.
	rep := filepath.Join(t.TempDir(), "r.html")
	out.Reset()
	if code := run([]string{"read", "--report", rep, path}, &out, &errb); code != 0 {
		t.Fatalf("report: exit %d: %s", code, errb.String())
	}
	html, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), `<td class="code">control-refused</td><td>4</td>`); n != 1 {
		t.Errorf("report: %d control-refused rows of 4, want 1", n)
	}
	if !strings.Contains(string(html), "grep -n &lt;client&gt;") || !strings.Contains(string(html), "&lt;client&gt;: each of the 3 clients, 10.96.0.5, 10.97.0.5, 10.98.0.5") {
		t.Errorf("report: the fix is not written for every client")
	}
}

// TestSummaryGroupOfOneOccurrenceKeepsItsFix guards the other side: a
// group whose occurrences named one client at one time keeps the fix as
// the finding wrote it, address and time, with no placeholder.
func TestSummaryGroupOfOneOccurrenceKeepsItsFix(t *testing.T) {
	path := refusedCapture(t, []netip.Addr{netip.MustParseAddr("10.96.0.5")})
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--summary", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	if !strings.Contains(text, "a paused service at 09:00:02 UTC, and on the firewall for a rule that names 10.96.0.5 (nft list ruleset | grep -n 10.96.0.5,") ||
		strings.Contains(text, "<client>") || strings.Contains(text, "<time>") {
		t.Errorf("the fix of one occurrence is not kept as written:\n%s", text)
	}
}

// TestTranscriptKeepsEachClientsFix guards the transcripts of the same
// capture: grouping by cause must not make a session's finding "as in
// session 2" when its fix names another client or time than session 2's.
func TestTranscriptKeepsEachClientsFix(t *testing.T) {
	path := refusedCapture(t, []netip.Addr{netip.MustParseAddr("10.96.0.5"), netip.MustParseAddr("10.97.0.5")})
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--full", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	if !strings.Contains(text, "grep -n 10.97.0.5,") || strings.Contains(text, "as in session 2") {
		t.Errorf("session 3's fix is not its own:\n%s", out.String())
	}
}
