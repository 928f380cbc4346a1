package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestSafeEscapesInvisible: the code points that render as nothing
// (Unicode's Default_Ignorable_Code_Point set: variation selectors,
// U+034F, the Hangul fillers, U+17B4/U+17B5...) and U+2800 braille
// blank are escaped in the text output and in JSON as format characters
// are: "root\ufe0f" must not read as root. Visible non-ASCII text is
// left alone. rev-output: invisible.pcap.
func TestSafeEscapesInvisible(t *testing.T) {
	for _, r := range []rune{0xfe00, 0xfe0f, 0xe0100, 0xe01ef, 0x034f, 0x115f, 0x1160, 0x3164, 0xffa0,
		0x2800, 0x17b4, 0x17b5, 0x180b, 0x180f, 0x2065, 0xfff0, 0xe0000, 0xe0fff, 0x200b, 0x202e, 0xad} {
		s := "root" + string(r)
		if got := safe(s); got == s || !strings.HasPrefix(got, `root\u`) && !strings.HasPrefix(got, `root\U`) {
			t.Errorf("safe(%+q) = %q, want it escaped", s, got)
		}
		if !needsJSONEscape(r) {
			t.Errorf("needsJSONEscape(%U) false", r)
		}
	}
	for _, s := range []string{"café", "naïve", "r\u0336oot", "日本語", "a\u00a0b", "Ελλάδα", "한글"} {
		if got := safe(s); got != s {
			t.Errorf("safe(%q) = %q, want it unchanged", s, got)
		}
	}
}

// TestReloginEchoMaskedInEveryOutput: a failed login retried, its USER
// and PASS segments lost in the capture, the server's refusal repeating
// the password: hidden in the text, the JSON and the HTML report, as on
// a first login. rev-output: gap-echo-retry.pcap.
func TestReloginEchoMaskedInEveryOutput(t *testing.T) {
	c, path := newWireCap(t)
	k := &wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.2:50000"), b: netip.MustParseAddrPort("10.0.0.1:21"), aseq: 1000, bseq: 5000}
	k.handshake()
	for _, s := range []struct {
		client bool
		lost   bool
		text   string
	}{
		{false, false, "220 ok"},
		{true, false, "USER w"},
		{false, false, "331 Password required for w."},
		{true, false, "PASS wrongpw"},
		{false, false, "530 Login incorrect: w/wrongpw"},
		{true, true, "USER w"},
		{false, false, "331 Password required for w."},
		{true, true, "PASS SECRETRETRY"},
		{false, false, "530 Login incorrect: w/SECRETRETRY"},
		{true, false, "QUIT"},
		{false, false, "221 Goodbye."},
	} {
		switch line := []byte(s.text + "\r\n"); {
		case s.lost:
			k.aseq += uint32(len(line))
		case s.client:
			k.fromA(line)
		default:
			k.fromB(line)
		}
	}
	k.closeFromB()
	report := filepath.Join(t.TempDir(), "r.html")
	for _, args := range [][]string{{"read", "--color", "never", "-v", path}, {"read", "--json", path}, {"read", "--report", report, path}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errb.String())
		}
		if strings.Contains(out.String(), "SECRETRETRY") || strings.Contains(out.String(), "wrongpw") {
			t.Errorf("%q shows the password:\n%s", args, out.String())
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("SECRETRETRY")) {
		t.Errorf("the report shows the password")
	}
}

// TestJSONGreetingIsTheGreeting: the client's USER and PASS lost in a
// capture gap, their replies (a 331, a 530 that repeats the password)
// come before its first command seen and are kept with the greeting:
// the session record's greeting is the 220, not the last of them, and
// a reply that repeats a password is never shown there. rev-output:
// gap-echo4.pcap session 1.
func TestJSONGreetingIsTheGreeting(t *testing.T) {
	c, path := newWireCap(t)
	k := &wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.2:50000"), b: netip.MustParseAddrPort("10.0.0.1:21"), aseq: 1000, bseq: 5000}
	k.handshake()
	k.fromB([]byte("220 Welcome\r\n"))
	k.aseq += uint32(len("USER w\r\n"))
	k.fromB([]byte("331 pw\r\n"))
	k.aseq += uint32(len("PASS SECRETWD\r\n"))
	k.fromB([]byte("530 Login incorrect: w/SECRETWD\r\n"))
	k.fromA([]byte("QUIT\r\n"))
	k.fromB([]byte("221 Goodbye.\r\n"))
	k.closeFromB()
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--json", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String(), "SECRETWD") {
		t.Errorf("JSON shows the password:\n%s", out.String())
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			Type     string `json:"type"`
			Greeting string `json:"greeting"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Type == "session" {
			found = true
			if r.Greeting != "Welcome" {
				t.Errorf("greeting %q, want Welcome", r.Greeting)
			}
		}
	}
	if !found {
		t.Fatal("no session record")
	}
}

// TestTextEscapesServerConfigName: the --server-config file name quoted
// in a server's verdict and rules reaches the terminal escaped, as in
// the JSON and the report. rev-output: --server-config
// "vs\x1b]0;T\a<b>.conf" on pasv-reject-icmp6.pcap.
func TestTextEscapesServerConfigName(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "vs\x1b]0;T\a.conf")
	if err := os.WriteFile(conf, []byte("pasv_enable=YES\npasv_min_port=50000\npasv_max_port=50010\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--server-config", conf, "../../pcaps/real/pasv-reject-icmp6.pcap"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `vs\x1b]0;T\a.conf sets`) {
		t.Errorf("the verdict does not quote the file name escaped:\n%s", out.String())
	}
	if strings.ContainsAny(out.String(), "\x1b\a") {
		t.Errorf("raw escape bytes in the text output:\n%q", out.String())
	}
}

// TestSessionHeaderCutsLongUser: a USER of thousands of bytes is cut in
// the session header as in its transcript line (shown), not printed
// whole. rev-output: hostile-text.pcap session 21.
func TestSessionHeaderCutsLongUser(t *testing.T) {
	c, path := newWireCap(t)
	k := &wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.2:50000"), b: netip.MustParseAddrPort("10.0.0.1:21"), aseq: 1000, bseq: 5000}
	k.handshake()
	user := strings.Repeat("u", 3000)
	k.fromB([]byte("220 ok\r\n"))
	k.fromA([]byte("USER " + user + "\r\n"))
	k.fromB([]byte("331 pw\r\n"))
	k.fromA([]byte("PASS x\r\n"))
	k.fromB([]byte("230 ok\r\n"))
	k.closeFromB()
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if len(l) > 2*maxShown {
			t.Errorf("line of %d bytes: %.80q…", len(l), l)
		}
	}
	if !strings.Contains(out.String(), "  user "+strings.Repeat("u", maxShown)+"… (2760 more bytes), logged in") {
		t.Errorf("header does not cut the user:\n%.400s", out.String())
	}
}

// TestJSONGreetingMasksEcho: a session's greeting that repeats a line
// taken for a password (its 220 lost, a refusal first) is masked in the
// session record, with no greeting_raw, unless --show-passwords.
func TestJSONGreetingMasksEcho(t *testing.T) {
	s := &track.Session{ID: 1, Greeting: []track.Reply{{Code: 530, Text: "Login incorrect: w/S3CR\xffET", Secret: true}}}
	for _, show := range []bool{false, true} {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		o := newJSONOutput(w, show)
		o.SessionEnd(s)
		if err := o.Flush(); err != nil {
			t.Fatal(err)
		}
		var r struct {
			Greeting    string  `json:"greeting"`
			GreetingRaw *string `json:"greeting_raw"`
		}
		if err := json.Unmarshal(b.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, b.String())
		}
		switch {
		case !show && (r.Greeting != mask || r.GreetingRaw != nil):
			t.Errorf("greeting %q, raw %v: want it masked, no raw", r.Greeting, r.GreetingRaw)
		case show && (!strings.HasPrefix(r.Greeting, "Login incorrect") || r.GreetingRaw == nil):
			t.Errorf("--show-passwords: greeting %q, raw %v: want it shown", r.Greeting, r.GreetingRaw)
		}
	}
}

// TestMidstreamRefusalMasked: a capture picked up mid-stream whose first
// server line is a 530 that repeats the password the client sent before
// the capture started: hidden in the text, the JSON and the report.
func TestMidstreamRefusalMasked(t *testing.T) {
	c, path := newWireCap(t)
	k := &wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.2:50000"), b: netip.MustParseAddrPort("10.0.0.1:21"), aseq: 1000, bseq: 5000}
	k.fromB([]byte("530 Login incorrect: w/SECRETMS\r\n")) // no handshake
	k.fromA([]byte("USER w\r\n"))
	k.fromB([]byte("331 pw\r\n"))
	k.fromA([]byte("QUIT\r\n"))
	k.fromB([]byte("221 bye\r\n"))
	k.closeFromB()
	report := filepath.Join(t.TempDir(), "r.html")
	for _, args := range [][]string{{"read", "--color", "never", path}, {"read", "--json", path}, {"read", "--report", report, path}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errb.String())
		}
		if strings.Contains(out.String(), "SECRETMS") {
			t.Errorf("%q shows the password:\n%s", args, out.String())
		}
	}
	if b, err := os.ReadFile(report); err != nil || bytes.Contains(b, []byte("SECRETMS")) {
		t.Errorf("the report shows the password (%v)", err)
	}
}

// TestEchoedPasswordMaskedInReportGreetingAndLimitEvidence guards two
// places a reply that repeats a password was written whole: the report's
// greeting row, when the capture lost the session's first client bytes
// so a 530 echo stood in the greeting's place, and the evidence of
// session-refused for a login refused for a connection limit.
func TestEchoedPasswordMaskedInReportGreetingAndLimitEvidence(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []struct {
			client, lost bool
			text         string
		}
	}{
		{"greeting lost, the 530 echo first", []struct {
			client, lost bool
			text         string
		}{
			{false, true, "220 ok"}, {true, true, "USER w"}, {false, true, "331 Password required for w."},
			{true, true, "PASS SECRETGL"}, {false, false, "530 Login incorrect: w/SECRETGL"}, {true, false, "QUIT"}, {false, false, "221 Goodbye."},
		}},
		{"login refused for the connection limit, echoing", []struct {
			client, lost bool
			text         string
		}{
			{false, false, "220 ProFTPD Server (Debian)"}, {true, false, "USER w"}, {false, false, "331 Password required for w"},
			{true, false, "PASS SECRETL9"}, {false, false, "530 Sorry, the maximum number of allowed clients (10) are already connected. (you sent SECRETL9)"},
			{true, false, "QUIT"}, {false, false, "221 Goodbye."},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			k := &wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.2:50000"), b: netip.MustParseAddrPort("10.0.0.1:21"), aseq: 1000, bseq: 5000}
			k.handshake()
			for _, s := range tc.lines {
				switch line := []byte(s.text + "\r\n"); {
				case s.lost && s.client:
					k.aseq += uint32(len(line))
				case s.lost:
					k.bseq += uint32(len(line))
				case s.client:
					k.fromA(line)
				default:
					k.fromB(line)
				}
			}
			k.closeFromB()
			report := filepath.Join(t.TempDir(), "r.html")
			for _, args := range [][]string{{"read", "--color", "never", "-v", path}, {"read", "--summary", "--color", "never", path}, {"read", "--json", path}, {"read", "--report", report, path}} {
				var out, errb bytes.Buffer
				if code := run(args, &out, &errb); code != 0 {
					t.Fatalf("%q: exit %d: %s", args, code, errb.String())
				}
				if args[1] == "--report" {
					b, err := os.ReadFile(report)
					if err != nil {
						t.Fatal(err)
					}
					out.Write(b)
				}
				if strings.Contains(out.String(), "SECRET") {
					t.Errorf("%q shows the password:\n%s", args, out.String())
				}
			}
		})
	}
}
