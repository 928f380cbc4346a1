package decode

import (
	"strings"
	"testing"
)

// A gapStep is one step of a scripted control connection: bytes one side
// sends (captured or lost), or a capture that begins mid-stream.
type gapStep struct {
	lost   bool // the bytes were sent but are missing from the capture
	server bool
	text   string
	run    func(v *conv) // a step of its own kind, instead of the above
}

func cli(s string) gapStep       { return gapStep{text: s} }
func srv(s string) gapStep       { return gapStep{server: true, text: s} }
func lostCli(s string) gapStep   { return gapStep{lost: true, text: s} }
func lostSrv(s string) gapStep   { return gapStep{lost: true, server: true, text: s} }
func (g gapStep) String() string { return g.text }

// play sends the steps on v: a lost step moves its side's sequence number
// past its bytes, unsent, so the peer's next ACK proves them lost.
func (v *conv) play(steps []gapStep) {
	for _, s := range steps {
		switch {
		case s.run != nil:
			s.run(v)
		case s.lost && s.server:
			v.sseq += uint32(len(s.text))
		case s.lost:
			v.cseq += uint32(len(s.text))
		case s.server:
			v.srv(s.text)
		default:
			v.cli(s.text)
		}
	}
}

// clientLines runs the script on a fresh decoder and returns every client
// line decode reported (a command as verb and argument, a junk line as
// it is) with whether it is marked secret. A lost step moves the side's
// sequence number past its bytes: the peer's next ACK proves them lost.
// With midstream the handshake is not captured.
func clientLines(t *testing.T, steps []gapStep, midstream bool) ([]string, []bool) {
	t.Helper()
	rec, d, v := openConv(t)
	if midstream {
		rec = &recorder{}
		d = New(rec, Options{})
		v = &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	}
	v.play(steps)
	d.Finish()
	var lines []string
	var secret []bool
	for _, e := range rec.control {
		switch {
		case e.Kind == ControlCommand:
			lines = append(lines, strings.TrimSpace(e.Command.Verb+" "+e.Command.Arg))
			secret = append(secret, e.Secret)
		case e.Kind == ControlJunk && e.FromClient:
			lines = append(lines, e.Line)
			secret = append(secret, e.Secret)
		}
	}
	return lines, secret
}

// TestGapNeverShowsPassword: a gap that hides the PASS verb (or part of
// it, or the 331 before it) never lets the password through unmasked,
// and the lines around it stay readable. The first group are the shapes
// an adversarial review found leaking (/tmp/adv/gen/s_pass.go); the
// second guard the bound on masking (a real command is not hidden).
func TestGapNeverShowsPassword(t *testing.T) {
	login := []gapStep{srv("220 hi\r\n"), cli("USER alice\r\n"), srv("331 Please specify the password.\r\n"), cli("PASS first1\r\n"), srv("230 Login successful.\r\n")}
	tests := []struct {
		name      string
		midstream bool
		steps     []gapStep
		password  string   // must appear in no line that is not secret ("" for none)
		dropped   bool     // the password line is dropped whole: no line is masked
		clear     []string // lines that must be reported and not secret
	}{
		// pass-pipelined-gap-P.pcap: the 331 comes after the line.
		{name: "pipelined USER and P lost", steps: []gapStep{
			srv("220 hi\r\n"), lostCli("USER bob\r\nP"), cli("ASS hunter3x\r\n"),
			srv("331 Please specify the password.\r\n"), srv("230 Login successful.\r\n"),
			cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"), cli("QUIT\r\n"), srv("221 Goodbye.\r\n"),
		}, password: "hunter3x", clear: []string{"SYST", "QUIT"}},
		// pass-gap-331-and-P.pcap
		{name: "331 and P lost", steps: []gapStep{
			srv("220 hi\r\n"), cli("USER carol\r\n"), lostSrv("331 Please specify the password.\r\n"),
			lostCli("P"), cli("ASS tr0ub4dor\r\n"), srv("230 Login successful.\r\n"),
			cli("PWD\r\n"), srv("257 \"/home/carol\"\r\n"),
		}, password: "tr0ub4dor", clear: []string{"USER carol", "PWD"}},
		// pass-gap-short-pw.pcap
		{name: "USER and PASS verb lost, short password", steps: []gapStep{
			srv("220 hi\r\n"), lostCli("USER dave\r\nPASS "), cli("zqxw\r\n"),
			srv("331 Please specify the password.\r\n"), srv("530 Login incorrect.\r\n"),
			cli("QUIT\r\n"), srv("221 Goodbye.\r\n"),
		}, password: "ZQXW", clear: []string{"QUIT"}},
		// pass-empty-line-then-gap.pcap
		{name: "empty line then P lost", steps: []gapStep{
			srv("220 hi\r\n"), cli("USER frank\r\n"), srv("331 Please specify the password.\r\n"),
			cli("\r\n"), lostCli("P"), cli("ASS emptyln5\r\n"), srv("230 Login successful.\r\n"),
			cli("QUIT\r\n"), srv("221 Goodbye.\r\n"),
		}, password: "emptyln5", clear: []string{"USER frank", "QUIT"}},
		{name: "empty line keeps the 331's mark", steps: []gapStep{
			srv("220 hi\r\n"), cli("USER frank\r\n"), srv("331 Please specify the password.\r\n"),
			cli("\r\n"), lostCli("PASS "), cli("list\r\n"), srv("230 Login successful.\r\n"),
			cli("QUIT\r\n"), srv("221 Goodbye.\r\n"),
		}, password: "LIST", clear: []string{"USER frank", "QUIT"}},
		{name: "lower case after the gap", steps: []gapStep{
			srv("220 hi\r\n"), lostCli("user bob\r\np"), cli("ass lower4x\r\n"),
			srv("331 Please specify the password.\r\n"), srv("230 Login successful.\r\n"),
			cli("syst\r\n"), srv("215 UNIX Type: L8\r\n"),
		}, password: "lower4x", clear: []string{"SYST"}},
		{name: "gap inside a pipelined password", steps: []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\nPASS hu"), lostCli("xy"), cli("nter\r\n"),
			srv("331 Please specify the password.\r\n"), srv("230 Login successful.\r\n"),
			cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"),
		}, password: "NTER", clear: []string{"USER bob", "SYST"}},
		{name: "password cut and dropped: next line not masked", steps: []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\n"), srv("331 Please specify the password.\r\n"),
			cli("PASS hunt"), lostCli("er"), cli("2x\r\n"), srv("230 Login successful.\r\n"),
			cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"),
		}, password: "hunt", dropped: true, clear: []string{"USER bob", "SYST"}},
		{name: "second login after 230, P lost", steps: append(append([]gapStep{}, login...),
			cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"), lostCli("USER bob\r\nP"), cli("ASS second9\r\n"),
			srv("331 Please specify the password.\r\n"), srv("230 Login successful.\r\n"),
			cli("PWD\r\n"), srv("257 \"/\"\r\n")),
			password: "second9", clear: []string{"USER alice", "SYST", "PWD"}},
		{name: "a server gap does not clear the client's mark", steps: []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\n"), lostCli("P"), cli("ASS "),
			lostSrv("331 Please specify the password.\r\n"), srv("230 Login successful.\r\n"),
			cli("srvgap6\r\n"), cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"),
		}, password: "srvgap6", clear: []string{"USER bob", "SYST"}},
		{name: "picked up mid-stream inside PASS", midstream: true, steps: []gapStep{
			cli("ASS pickup7\r\n"), srv("230 Login successful.\r\n"), cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"),
		}, password: "pickup7", clear: []string{"SYST"}},

		// The bound: after a gap a known command is shown, and once the
		// login is over an unknown one is too.
		{name: "known command after a gap during login", steps: []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\n"), lostCli("OPTS UTF8 ON\r\n"), cli("FEAT\r\n"),
			srv("331 Please specify the password.\r\n"), srv("211 End\r\n"),
			cli("PASS x\r\n"), srv("230 Login successful.\r\n"),
		}, clear: []string{"USER bob", "FEAT"}},
		{name: "unknown command after a gap once logged in", steps: append(append([]gapStep{}, login...),
			lostCli("NOOP\r\n"), cli("MFMT 20260101000000 file.bin\r\n"), srv("200 NOOP ok.\r\n"), srv("213 Modify=20260101000000; file.bin\r\n"),
			cli("QUIT\r\n"), srv("221 Goodbye.\r\n")),
			clear: []string{"USER alice", "MFMT 20260101000000 file.bin", "QUIT"}},
		{name: "REIN opens the login again", steps: append(append([]gapStep{}, login...),
			cli("REIN\r\n"), srv("220 Ready.\r\n"), lostCli("USER bob\r\nPASS "), cli("zqxw\r\n"),
			srv("331 Please specify the password.\r\n"), srv("530 Login incorrect.\r\n"), cli("QUIT\r\n")),
			password: "ZQXW", clear: []string{"USER alice", "REIN", "QUIT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines, secret := clientLines(t, tc.steps, tc.midstream)
			masked := 0
			for i, l := range lines {
				if secret[i] {
					masked++
					continue
				}
				if tc.password != "" && strings.Contains(strings.ToUpper(l), strings.ToUpper(tc.password)) {
					t.Errorf("password shown: line %q not secret (lines %q, secret %v)", l, lines, secret)
				}
			}
			if tc.password != "" && !tc.dropped && masked == 0 {
				t.Errorf("no line masked (lines %q)", lines)
			}
			for _, want := range tc.clear {
				found := false
				for i, l := range lines {
					if l == want {
						found = true
						if secret[i] {
							t.Errorf("%q masked: a real command hidden (lines %q, secret %v)", want, lines, secret)
						}
					}
				}
				if !found {
					t.Errorf("%q not reported (lines %q)", want, lines)
				}
			}
		})
	}
}

// fuzzPassword is the password of the login FuzzGapKeepsPasswordSecret
// cuts up: no tail of it looks like a command word (letters run at most
// two long), so only a line holding it whole can show it.
const fuzzPassword = "Zq9xW7kv"

// FuzzGapKeepsPasswordSecret: a login cut into segments at any places,
// the two directions interleaved in any order (pipelining, a late 331),
// any segments lost from the capture, the capture started at its SYN or
// mid-stream (variant bit 2): the password never appears in a client line
// decode does not mark secret.
func FuzzGapKeepsPasswordSecret(f *testing.F) {
	f.Add([]byte{0x40 | 7, 0x80 | 12}, uint8(0))                        // "USER alice\r\nP" lost, the 331 after
	f.Add([]byte{0x40 | 7, 11, 0xC0 | 31, 0xC0 | 1, 0x80}, uint8(1))    // the 331 and the P lost
	f.Add([]byte{0x40 | 7, 11, 0x40 | 31, 0x40 | 1, 1, 0x80}, uint8(2)) // an empty line, then the P lost
	f.Add([]byte{0x80 | 9, 3, 0x80 | 5}, uint8(0))                      // gaps in the USER and the PASS
	f.Add([]byte{0x80 | 11, 0xC0 | 7, 0x40 | 31}, uint8(4))             // picked up at the 331, the PASS after it
	f.Add([]byte{0x80 | 16, 0xC0 | 7, 0x40 | 31}, uint8(4))             // picked up inside the PASS, after its verb
	f.Fuzz(func(t *testing.T, cuts []byte, variant uint8) {
		pass := "PASS "
		if variant&1 != 0 {
			pass = "pass "
		}
		client := "USER alice\r\n" + pass + fuzzPassword + "\r\nSYST\r\nQUIT\r\n"
		if variant&2 != 0 {
			client = "USER alice\r\n\r\n" + pass + fuzzPassword + "\r\nSYST\r\nQUIT\r\n"
		}
		server := "220 hi\r\n331 Please specify the password.\r\n230 Login successful.\r\n215 UNIX Type: L8\r\n221 Goodbye.\r\n"
		var stats Stats
		var scratch ControlEvent
		var p sessionParser
		p.init(convClient, convServer, parseFTP, 0, &stats, &scratch, func(e *ControlEvent) {
			var line string
			switch {
			case e.Kind == ControlCommand:
				line = e.Command.Verb + " " + e.Command.Arg
			case e.Kind == ControlJunk && e.FromClient:
				line = e.Line
			}
			if !e.Secret && strings.Contains(strings.ToUpper(line), strings.ToUpper(fuzzPassword)) {
				t.Fatalf("password shown in %q (cuts %v, variant %d)", line, cuts, variant)
			}
		})
		p.syn = [2]bool{true, true}
		midstream := variant&4 != 0
		if midstream {
			// Picked up mid-stream: what a direction sent before its
			// first bytes captured is not there, and no gap says so.
			p.syn = [2]bool{}
		}
		// Each cut takes the next 1..32 bytes of one direction (bit 6:
		// the server's), lost from the capture when bit 7 is set.
		streams := [2]string{client, server}
		var seen [2]bool
		for i, c := range cuts {
			d := int(c>>6) & 1
			n := min(int(c&0x1F)+1, len(streams[d]))
			if n == 0 {
				continue
			}
			if c&0x80 != 0 && midstream && !seen[d] {
				// Before the capture started.
			} else if c&0x80 != 0 {
				p.gap(d, n, uint64(i), convT0)
			} else {
				seen[d] = true
				p.bytes(d, []byte(streams[d][:n]), uint64(i), convT0)
			}
			streams[d] = streams[d][n:]
		}
		for d, rest := range streams {
			if rest != "" {
				p.bytes(d, []byte(rest), uint64(len(cuts)), convT0)
			}
		}
		p.end(uint64(len(cuts)), convT0, false)
	})
}
