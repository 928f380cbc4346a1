package decode

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// secretLines runs a login whose password line is sent as pass, and
// returns each client line decode reported with whether it is secret.
func secretLines(t *testing.T, pass string, lose int) map[string]bool {
	t.Helper()
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("331 Please specify the password.\r\n")
	if lose > 0 {
		// The segment with the first bytes of the line is not captured;
		// the server's ACK shows they were sent.
		v.cseq += uint32(lose)
		v.cli(pass[lose:])
	} else {
		v.cli(pass)
	}
	v.srv("230 Login successful.\r\n")
	v.cli("SYST\r\n")
	v.srv("215 UNIX Type: L8\r\n")
	d.Finish()
	got := map[string]bool{}
	for _, e := range rec.control {
		switch {
		case e.Kind == ControlCommand:
			got[strings.TrimSpace(e.Command.Verb+" "+e.Command.Arg)] = e.Secret
		case e.Kind == ControlJunk && e.FromClient:
			got[e.Line] = e.Secret
		}
	}
	return got
}

// TestPasswordLineIsSecret: whatever the line after a 331 looks like, and
// however a PASS is mangled, decode marks it secret so no output shows it;
// the lines around it are not.
func TestPasswordLineIsSecret(t *testing.T) {
	tests := []struct {
		name, pass string
		lose       int
		line       string // as decode reports it
	}{
		{"plain PASS", "PASS hunter2\r\n", 0, "PASS hunter2"},
		{"lower case", "pass hunter2\r\n", 0, "PASS hunter2"},
		{"first byte lost in a gap", "PASS hunter\r\n", 1, "ASS hunter"},
		{"tab after the verb", "PASS\tsecret\r\n", 0, "PASS\tsecret"},
		{"NUL before the verb", "\x00PASS secret\r\n", 0, "\x00PASS secret"},
		{"not a PASS at all", "hunter2\r\n", 0, "HUNTER2"}, // parsed as a verb: masked whole
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := secretLines(t, tc.pass, tc.lose)
			secret, ok := got[tc.line]
			if !ok {
				t.Fatalf("line %q not reported; got %v", tc.line, got)
			}
			if !secret {
				t.Errorf("%q not marked secret", tc.line)
			}
			if got["USER alice"] || got["SYST"] {
				t.Errorf("USER or SYST marked secret: %v", got)
			}
		})
	}
}

func TestLooksLikePass(t *testing.T) {
	for in, want := range map[string]bool{
		"PASS x": true, "pass": true, "PASS\tx": true, "\x00\x00PASS x": true, "\xff\xf4PASS x": true,
		// Padding longer than telnet residue: a password behind nine NULs
		// was printed as the line "not FTP: \x00...PASS SECRET".
		"\x00\x00\x00\x00\x00\x00\x00\x00\x00PASS x": true, strings.Repeat(" ", 300) + "pass": true,
		"PASSWORD x": false, "PAS x": false, "xPASS y": false, "": false, "USER PASS": false,
		// ACCT's account information is as secret.
		"ACCT\tx": true, "acct x": true, "ACCTS x": false,
	} {
		if got := looksLikePass([]byte(in)); got != want {
			t.Errorf("looksLikePass(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestRSTStormThenFINEndsByFIN: out-of-window RSTs end nothing, however
// many; the session's end is the FINs that follow, and the RSTs are
// counted.
func TestRSTStormThenFINEndsByFIN(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER a\r\n")
	v.srv("331 pw\r\n")
	for i := range 2000 {
		v.send(v.s, v.c, v.sseq+uint32(100000+i*7), 0, FlagRST, "")
	}
	v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
	d.Finish()
	var closes []CloseReason
	for _, e := range rec.control {
		if e.Kind == ControlClose {
			closes = append(closes, e.Closed)
		}
	}
	if len(closes) != 1 || closes[0] != CloseFIN {
		t.Errorf("closes %v, want one by FIN", closes)
	}
	if st := d.Stats(); st.RSTOutOfWindow != 2000 {
		t.Errorf("RSTOutOfWindow %d, want 2000", st.RSTOutOfWindow)
	}
}

// TestSynFloodStaysBounded: SYNs to port 21 from a million sources over
// an hour never hold more than the table's bound, and age out.
func TestSynFloodStaysBounded(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{MaxControlConns: 1000})
	v := &conv{t: t, d: d, ts: convT0}
	for i := range 20000 {
		src := netip.AddrPortFrom(convClient.Addr(), uint16(1024+i%60000))
		v.ts = v.ts.Add(180 * time.Millisecond) // an hour in all
		v.send(src, convServer, uint32(i), 0, FlagSYN, "")
		if n := d.ctl.conns.Len(); n > 1000 {
			t.Fatalf("%d connections held, bound 1000", n)
		}
	}
	if n := d.ctl.conns.Len(); n > 400 {
		t.Errorf("%d connections still held; those older than a minute should be gone", n)
	}
	if convClientount(rec, ControlOpen) != 0 {
		t.Error("a SYN alone opened a session")
	}
}

// TestReplyCutByGapStillDelivered: a 230- whose end is lost in a gap is
// delivered as the 230 it is (flagged unterminated) before the gap.
func TestReplyCutByGapStillDelivered(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER a\r\n")
	v.srv("331 pw\r\n")
	v.cli("PASS x\r\n")
	v.srv("230-Welcome\r\n")
	v.sseq += 500 // the rest of the banner and its last line are lost
	v.cli("PWD\r\n")
	v.srv("257 \"/\"\r\n")
	d.Finish()
	var kinds []string
	for _, e := range rec.control {
		switch e.Kind {
		case ControlReply:
			kinds = append(kinds, fmt.Sprint(e.Reply.Code))
		case ControlGap:
			kinds = append(kinds, "gap")
		}
	}
	if got := strings.Join(kinds, " "); got != "220 331 230 gap 257" {
		t.Errorf("replies and gaps %q, want %q", got, "220 331 230 gap 257")
	}
}

// TestCleartextAfterTLSIsParsed: a control connection that returns to
// clear text after TLS (CCC, or TLS closed by its alerts) is parsed again:
// the PASV and 227 after it are seen.
func TestCleartextAfterTLSIsParsed(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("AUTH TLS\r\n")
	v.srv("234 Proceed with negotiation.\r\n")
	v.cli("\x16\x03\x01\x00\x05hello")
	v.srv("\x16\x03\x03\x00\x05hello")
	v.cli("\x17\x03\x03\x00\x03CCC") // CCC inside TLS, its 200 too
	v.srv("\x17\x03\x03\x00\x03200")
	v.cli("PASV\r\n")
	v.srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
	d.Finish()
	var got []string
	for _, e := range rec.control {
		switch e.Kind {
		case ControlCleartext:
			got = append(got, "cleartext")
		case ControlCommand:
			got = append(got, e.Command.Verb)
		case ControlReply:
			got = append(got, fmt.Sprint(e.Reply.Code))
			if e.Reply.Code == 227 && e.Endpoint.Addr.Port() != 40000 {
				t.Errorf("227 endpoint %v", e.Endpoint.Addr)
			}
		}
	}
	if s := strings.Join(got, " "); s != "220 AUTH 234 cleartext PASV 227" {
		t.Errorf("events %q", s)
	}
	if looksLikeCleartext([]byte("\x16\x03\x01\x00\x05hello"), true) || looksLikeCleartext([]byte("\x17\x03\x03PASV\r\n"), true) {
		t.Error("TLS records taken for clear text")
	}
}
