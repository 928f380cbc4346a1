package decode

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// dialectEvents runs a script on a fresh decoder (after the handshake;
// midstream: without it, the capture picked up with the server's first
// bytes) and returns its replies and client commands in the order the
// events came, replies as "CODE anomaly text", commands as "<- VERB".
func dialectEvents(t *testing.T, steps []gapStep) (order []string, replies []*ControlEvent) {
	t.Helper()
	rec, d, v := openConv(t)
	v.play(steps)
	d.Finish()
	for i := range rec.control {
		e := &rec.control[i]
		switch e.Kind {
		case ControlReply:
			order = append(order, strconv.Itoa(e.Reply.Code)+" "+e.Reply.Anomaly.String())
			replies = append(replies, e)
		case ControlCommand:
			order = append(order, "<- "+e.Command.Verb)
		case ControlJunk:
			order = append(order, "junk "+e.Line)
		}
	}
	return order, replies
}

// TestServerDialectReplies: servers whose replies break RFC 959's form in
// ways their clients accept. rev-dialects: bare-code-terminator-fail.pcap,
// broken-multiline.pcap sessions 2 and 5 (a multi-line reply ended by a
// bare code, "220\tready"), eol.pcap session 2 (every line ended by a CR
// alone): each reply answers its command, the 227's endpoint is read.
func TestServerDialectReplies(t *testing.T) {
	login := func(greet, r331, r230, r227 string) []gapStep {
		return []gapStep{srv(greet), cli("USER alice\r\n"), srv(r331), cli("PASS secret\r\n"), srv(r230),
			cli("PASV\r\n"), srv(r227), cli("QUIT\r\n"), srv("221 Bye\r\n")}
	}
	tests := []struct {
		name  string
		steps []gapStep
		want  []string
	}{
		{"bare code ends the multi-line replies", login("220-Welcome to example\r\n220\r\n", "331 Password required\r\n",
			"230-Hello alice\r\n230\r\n", "227 Entering Passive Mode (192,0,2,10,164,1)\r\n"),
			[]string{"220 loose-end", "<- USER", "331 none", "<- PASS", "230 loose-end", "<- PASV", "227 none", "<- QUIT", "221 none"}},
		{"code and TAB ends the greeting", login("220-Welcome\r\n220\tready\r\n", "331 Password required\r\n",
			"230 ok\r\n", "227 Entering Passive Mode (192,0,2,10,164,1)\r\n"),
			[]string{"220 loose-end", "<- USER", "331 none", "<- PASS", "230 none", "<- PASV", "227 none", "<- QUIT", "221 none"}},
		{"lines ended by a CR alone", []gapStep{srv("220-cr only server\r220 ready\r"), cli("USER alice\r\n"),
			srv("331 Password required for alice.\r"), cli("PASS secret\r\n"), srv("230 User logged in.\r"),
			cli("PASV\r\n"), srv("227 Entering Passive Mode (192,0,2,10,164,1)\r"), cli("QUIT\r\n"), srv("221 Bye\r")},
			[]string{"220 cr-line-end", "<- USER", "331 cr-line-end", "<- PASS", "230 cr-line-end", "<- PASV", "227 cr-line-end", "<- QUIT", "221 cr-line-end"}},
		{"a one-line greeting ended by a CR alone comes before the USER", []gapStep{srv("220 ready\r"), cli("USER alice\r\n"),
			srv("331 Password required for alice.\r"), cli("PASS secret\r\n"), srv("230 User logged in.\r"),
			cli("PASV\r\n"), srv("227 Entering Passive Mode (192,0,2,10,164,1)\r"), cli("QUIT\r\n"), srv("221 Bye\r")},
			[]string{"220 none", "<- USER", "331 cr-line-end", "<- PASS", "230 cr-line-end", "<- PASV", "227 cr-line-end", "<- QUIT", "221 cr-line-end"}},
		// What reads as before: CR LF and LF servers, a CR inside a line.
		{"CR LF server, a CR inside a reply", login("220 ok\r\n", "331 a\rb\r\n", "230 ok\r\n", "227 Entering Passive Mode (192,0,2,10,164,1)\r\n"),
			[]string{"220 none", "<- USER", "331 none", "<- PASS", "230 none", "<- PASV", "227 none", "<- QUIT", "221 none"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			order, replies := dialectEvents(t, tc.steps)
			if !slices.Equal(order, tc.want) {
				t.Fatalf("events\n%q\nwant\n%q", order, tc.want)
			}
			for _, e := range replies {
				if e.Reply.Code == 227 && (e.EndpointErr != nil || e.Endpoint.Addr.String() != "192.0.2.10:41985") {
					t.Errorf("227 endpoint %v, %v", e.Endpoint.Addr, e.EndpointErr)
				}
				if strings.ContainsRune(e.Reply.Text, '\r') != (strings.Contains(tc.name, "CR inside") && e.Reply.Code == 331) {
					t.Errorf("reply text %q", e.Reply.Text)
				}
			}
		})
	}
}

// TestGreeting530Shown: a 530 the server sent before the client sent a
// byte (IIS refusing a client by its address) is its greeting: it repeats
// no password and is shown. A 530 after client bytes the capture lacks
// (the server acknowledged them, or a server gap hid its
// acknowledgements), or picked up mid-stream, may repeat a password the
// capture lost, and stays hidden, as does one that repeats the PASS.
// rev-dialects: greeting-530-oops.pcap.
func TestGreeting530Shown(t *testing.T) {
	const refusal = "530 Connection refused, unknown IP address.\r\n"
	tests := []struct {
		name   string
		steps  []gapStep
		hidden bool
	}{
		{"greeting", []gapStep{srv(refusal)}, false},
		{"greeting, then the client's USER", []gapStep{srv(refusal), cli("USER bob\r\n")}, false},
		{"client bytes lost before it", []gapStep{lostCli("USER bob\r\nPASS Hunter2\r\n"), srv("530 Login incorrect bob/Hunter2\r\n")}, true},
		{"server bytes lost before it", []gapStep{lostSrv("220 ok\r\n"), srv("530 Login incorrect bob/Hunter2\r\n")}, true},
		{"after a PASS it repeats", []gapStep{srv("220 ok\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS Hunter2\r\n"),
			srv("530 Login incorrect bob/Hunter2\r\n")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, replies := dialectEvents(t, tc.steps)
			var got []bool
			for _, e := range replies {
				if e.Reply.Code == 530 {
					got = append(got, e.SecretEcho)
				}
			}
			if len(got) != 1 || got[0] != tc.hidden {
				t.Errorf("530 hidden %v, want [%v]", got, tc.hidden)
			}
		})
	}
	// Picked up mid-stream: no SYN, the client's earlier bytes unknown.
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	v.srv("530 Login incorrect bob/Hunter2\r\n")
	v.cli("QUIT\r\n")
	d.Finish()
	for _, e := range rec.control {
		if e.Kind == ControlReply && e.Reply.Code == 530 && !e.SecretEcho {
			t.Errorf("mid-stream 530 shown: %q", e.Reply.Text)
		}
	}
}

// TestGreeting530WithoutACKHidden: a server segment with no ACK says
// nothing of what the server had received, so a 530 in it, the client's
// bytes lost from the capture, stays hidden: it may repeat a password.
// (The previous segment's acknowledgement stood for it and showed
// "530 Login incorrect: bob/Hunter2".)
func TestGreeting530WithoutACKHidden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		flags  TCPFlags
		hidden bool
	}{
		{"with ACK, nothing owed", FlagPSH | FlagACK, false},
		{"without ACK", FlagPSH, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.cseq += uint32(len("USER bob\r\nPASS Hunter2\r\n")) // sent, lost, never acknowledged in the capture
			const line = "530 Login incorrect: bob/Hunter2\r\n"
			ack := v.cseq
			if tc.flags.Has(FlagACK) {
				ack -= uint32(len("USER bob\r\nPASS Hunter2\r\n")) // acknowledges only the SYN
			}
			v.send(v.s, v.c, v.sseq, ack, tc.flags, line)
			v.sseq += uint32(len(line))
			d.Finish()
			n := 0
			for _, e := range rec.control {
				if e.Kind == ControlReply && e.Reply.Code == 530 {
					n++
					if e.SecretEcho != tc.hidden {
						t.Errorf("530 hidden %v, want %v", e.SecretEcho, tc.hidden)
					}
				}
			}
			if n != 1 {
				t.Fatalf("%d 530 replies, want 1", n)
			}
		})
	}
}
