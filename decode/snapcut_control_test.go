package decode

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// cutSrv sends line from the server as one segment of which the capture
// holds only the first keep bytes of payload (a snap length shorter than
// the packet: the frame's original length is the whole one), the
// sequence numbers moving on by the whole line, as on the wire. It
// returns the segment's packet number.
func (v *conv) cutSrv(line string, keep int, fl TCPFlags) uint64 {
	return v.cutSend(false, line, keep, fl)
}

func (v *conv) cutCli(line string, keep int, fl TCPFlags) uint64 {
	return v.cutSend(true, line, keep, fl)
}

func (v *conv) cutSend(client bool, line string, keep int, fl TCPFlags) uint64 {
	src, dst, seq, ack := v.s, v.c, v.sseq, v.cseq
	if client {
		src, dst, seq, ack = v.c, v.s, v.cseq, v.sseq
	}
	f := convFrame(v.t, src, dst, seq, ack, fl, []byte(line))
	n := len(f) - len(line) + keep
	v.ts = v.ts.Add(10 * time.Millisecond)
	v.d.Decode(f[:n], gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: n, Length: len(f)}, layers.LinkTypeEthernet)
	if client {
		v.cseq += uint32(len(line))
	} else {
		v.sseq += uint32(len(line))
	}
	return v.d.num
}

// story renders what decode reported, one event a word: commands by
// verb (PORT with its endpoint or error), replies by code (227 with its
// endpoint or error), gaps as gap-c/gap-s and their size, each with its
// packet number where num is set.
func story(rec *recorder, num bool) string {
	var out []string
	for _, e := range rec.control {
		var s string
		switch e.Kind {
		case ControlCommand:
			s = e.Command.Verb
			if e.Secret {
				s = "SECRET"
			}
		case ControlReply:
			s = fmt.Sprint(e.Reply.Code)
		case ControlGap:
			s = "gap-s"
			if e.FromClient {
				s = "gap-c"
			}
			s += fmt.Sprint(e.Gap)
		case ControlJunk:
			s = "junk"
		default:
			continue
		}
		if e.Endpoint.Via != 0 {
			switch {
			case errors.Is(e.EndpointErr, ErrEndpointCut):
				s += "=cut"
			case e.EndpointErr != nil:
				s += "=bad"
			default:
				s += "=" + e.Endpoint.Addr.String()
			}
		}
		if num {
			s += fmt.Sprintf("@%d", e.Num)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// TestSnapCutControlLineEndsAtItsSegment guards where a control line the
// snap length cut ends: at the segment that was cut, followed by a gap of
// the bytes it lacks, stamped with that segment. Before, the reassembler
// stood at the captured end and the next segment of the same side
// reported the hole: a 227 cut at 0.09 s was completed 30 s later, after
// the data SYNs it announced (which then looked unannounced); a banner
// cut in its LF waited for the server's next segment, so the USER was
// paired with the 220 and the 331 with a command "lost in a gap"; a PASS
// line cut before its line end merged with the next command, which
// vanished in the masked line.
func TestSnapCutControlLineEndsAtItsSegment(t *testing.T) {
	t.Run("a 227 cut in its tail", func(t *testing.T) {
		rec, _, v := openConv(t)
		v.srv("220 hi\r\n")
		v.cli("PASV\r\n")
		line := "227 Entering Passive Mode (10,0,0,1,195,80).\r\n"
		cut := v.cutSrv(line, len(line)-4, FlagACK|FlagPSH)
		before := len(rec.control)
		v.ts = v.ts.Add(30 * time.Second)
		v.cli("QUIT\r\n")
		v.srv("221 bye\r\n")
		v.d.Finish()
		want := fmt.Sprintf("227=10.0.0.1:50000@%d gap-s4@%d", cut, cut)
		if got := story(&recorder{control: rec.control[:before]}, true); !strings.HasSuffix(got, want) {
			t.Errorf("by the cut segment: %q, want it to end with %q", got, want)
		}
		if got := story(rec, false); got != "220 PASV 227=10.0.0.1:50000 gap-s4 QUIT 221" {
			t.Errorf("got %q: a second gap, or the next reply lost", got)
		}
	})
	t.Run("a banner cut in its LF, then the login", func(t *testing.T) {
		rec, _, v := openConv(t)
		v.cutSrv("220 hello\r\n", len("220 hello\r"), FlagACK|FlagPSH)
		v.cli("USER bob\r\n")
		v.srv("331 pw\r\n")
		v.cli("PASS secret\r\n")
		v.srv("230 ok\r\n")
		v.d.Finish()
		if got, want := story(rec, false), "220 gap-s1 USER 331 SECRET 230"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	for _, early := range []bool{false, true} {
		name := "a PASS line cut, its reply, then PASV"
		if early {
			name = "a PASS line cut, then PASV before its reply"
		}
		t.Run(name, func(t *testing.T) {
			rec, _, v := openConv(t)
			v.srv("220 hello\r\n")
			v.cli("USER bob\r\n")
			v.srv("331 pw\r\n")
			v.cutCli("PASS secret\r\n", len("PASS sec"), FlagACK|FlagPSH)
			if early {
				v.cli("PASV\r\n")
				v.srv("230 ok\r\n")
			} else {
				v.srv("230 ok\r\n")
				v.cli("PASV\r\n")
			}
			v.srv("227 Entering Passive Mode (10,0,0,1,195,80).\r\n")
			v.d.Finish()
			// The password's head masked once, after the 5 bytes cut, then
			// the PASV, its own command.
			want := "220 USER 331 gap-c5 SECRET 230 PASV 227=10.0.0.1:50000"
			if early {
				want = "220 USER 331 gap-c5 SECRET PASV 230 227=10.0.0.1:50000"
			}
			if got := story(rec, false); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	t.Run("the last reply cut, with the FIN", func(t *testing.T) {
		rec, _, v := openConv(t)
		v.srv("220 hello\r\n")
		v.cli("QUIT\r\n")
		v.cutSrv("221 Goodbye.\r\n", len("221 Good"), FlagACK|FlagPSH|FlagFIN)
		v.sseq++
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		var closed *ControlEvent
		for i := range rec.control {
			if rec.control[i].Kind == ControlClose {
				closed = &rec.control[i]
			}
		}
		if closed == nil || closed.Closed != CloseFIN {
			t.Errorf("not closed by its FINs (the FIN after the cut bytes): %+v", closed)
		}
		if got, want := story(rec, false), "220 QUIT 221 gap-s6"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// TestEndpointCutInsideLastNumber guards the announcements a cut ends
// inside their last number: "(10,0,0,1,195,8" parses, to port 49928,
// where the server said 50000; it is ErrEndpointCut, as a cut EPSV is
// malformed. An endpoint whose closing ")" was captured is whole, and so
// is a last number one more digit would take past 255 ("195,80"). A
// PORT the gap cuts is delivered as the command its reply answers,
// with the same rule, instead of vanishing.
func TestEndpointCutInsideLastNumber(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client bool
		line   string
		keep   int
		want   string
	}{
		{"227 cut inside its port's last byte", false, "227 Entering Passive Mode (10,0,0,1,195,80).\r\n", len("227 Entering Passive Mode (10,0,0,1,195,8"), "227=cut"},
		{"227 cut after a last number that cannot go on", false, "227 Entering Passive Mode (10,0,0,1,195,80).\r\n", len("227 Entering Passive Mode (10,0,0,1,195,80"), "227=10.0.0.1:50000"},
		{"227 cut after its )", false, "227 Entering Passive Mode (10,0,0,1,195,80).\r\n", len("227 Entering Passive Mode (10,0,0,1,195,80)"), "227=10.0.0.1:50000"},
		{"227 without parentheses cut", false, "227 Entering Passive Mode 10,0,0,1,195,2\r\n", len("227 Entering Passive Mode 10,0,0,1,195,2"), "227=cut"},
		{"227 in parentheses, text after it cut", false, "227 Entering Passive Mode (10,0,0,1,195,80) 12\r\n", len("227 Entering Passive Mode (10,0,0,1,195,80) 1"), "227=10.0.0.1:50000"},
		{"229 cut", false, "229 Entering Extended Passive Mode (|||50000|)\r\n", len("229 Entering Extended Passive Mode (|||5000"), "229=bad"},
		{"PORT cut inside its last number", true, "PORT 10,0,0,2,156,65\r\n", len("PORT 10,0,0,2,156,6"), "PORT=cut"},
		{"PORT cut in its CR LF", true, "PORT 10,0,0,2,156,6\r\n", len("PORT 10,0,0,2,156,6\r"), "PORT=10.0.0.2:39942"},
		{"PORT cut in its line end, its last number whole", true, "PORT 10,0,0,2,156,65\r\n", len("PORT 10,0,0,2,156,65"), "PORT=10.0.0.2:40001"},
		{"LPRT cut", true, "LPRT 4,4,10,0,0,2,2,156,65\r\n", len("LPRT 4,4,10,0,0,2,2,156,6"), "LPRT=cut"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, v := openConv(t)
			v.srv("220 hi\r\n")
			if tc.client {
				v.cutCli(tc.line, tc.keep, FlagACK|FlagPSH)
				v.srv("200 ok\r\n")
				v.cli("RETR f\r\n")
			} else {
				v.cli("PASV\r\n")
				v.cutSrv(tc.line, tc.keep, FlagACK|FlagPSH)
				v.cli("RETR f\r\n")
			}
			v.d.Finish()
			got := story(rec, false)
			if !strings.Contains(" "+got+" ", " "+tc.want+" ") {
				t.Errorf("got %q, want %q in it", got, tc.want)
			}
		})
	}
}

// TestSnapCutTLSRecordMovesTheStream: a control connection followed from
// its headers (implicit FTPS) whose record the snap length cut stands
// after the whole record, as on the wire: the RST that follows it is at
// the stream's position and ends the session. Before, the stream stood
// at the captured end, and the RST was taken for one out of the window
// (the session ran on to the capture's end).
func TestSnapCutTLSRecordMovesTheStream(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: netip.MustParseAddrPort("192.0.2.10:990"), cseq: 1000, sseq: 5000, ts: convT0}
	v.handshake()
	v.cli("\x16\x03\x01\x00\x05hello")
	v.cutSrv("\x17\x03\x03\x00\x23"+strings.Repeat("x", 35), 12, FlagACK|FlagPSH)
	v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "")
	d.Finish()
	var closes []CloseReason
	for _, e := range rec.control {
		if e.Kind == ControlClose {
			closes = append(closes, e.Closed)
		}
	}
	if !slices.Equal(closes, []CloseReason{CloseRST}) {
		t.Errorf("closes %v; want [%v]", closes, CloseRST)
	}
}

// TestCommandCutBySnapLengthKept guards a client line whose start the
// capture holds and whose rest a snap length cut (tcpdump -s 128: a
// long path, or only its CRLF): after the login it is the command its
// reply answers, delivered at the cut with its argument's start and
// RestNotCaptured, not dropped with its line (which left its 550
// answering a command lost in a gap, and a transfer without its
// command). Lines of a login (USER, PASS) and SITE (its cut sub-command
// may be a password's: "SITE PS" of "SITE PSWD old new", whose 500
// echoed both), lines before the login's end and lines that are not a
// command's start are still dropped. The capture cannot tell a cut CRLF
// from cut text (TestLineCutTwoBytesShortNotTakenWhole).
func TestCommandCutBySnapLengthKept(t *testing.T) {
	const login = "220 USER 331 SECRET 230 "
	for _, tc := range []struct {
		name, line string
		keep       int
		loggedIn   bool
		want, arg  string
		rest       bool
	}{
		{"RETR with its path cut", "RETR /srv/ftp/exports/2026/missing_file_number_0.csv\r\n", 30, true, login + "RETR gap-c24 550 QUIT 221", "/srv/ftp/exports/2026/mis", true},
		{"RETR with only its CRLF cut", "RETR /srv/ftp/exports/2026/blocked.bin\r\n", 38, true, login + "RETR gap-c2 550 QUIT 221", "/srv/ftp/exports/2026/blocked.bin", true},
		{"a verb alone, its CRLF cut", "CDUP\r\n", 4, true, login + "CDUP gap-c2 550 QUIT 221", "", true},
		{"a verb alone, its CRLF and a byte cut", "CDUP x\r\n", 4, true, login + "CDUP gap-c4 550 QUIT 221", "", true},
		{"before the login's end: dropped", "RETR /srv/ftp/exports/2026/missing_file_number_0.csv\r\n", 30, false, "220 gap-c24 550 QUIT 221", "", false},
		{"USER cut in its name: dropped", "USER svc_backup_transfer@corp.example.com\r\n", 20, true, login + "gap-c23 550 QUIT 221", "", false},
		{"a PASS cut: dropped", "PASS hunter2-long-secret-words\r\n", 12, true, login + "gap-c20 550 QUIT 221", "", false},
		{"SITE with its sub-command cut: dropped", "SITE PSWD OldSecret9 NewSecret1\r\n", 7, true, login + "gap-c26 550 QUIT 221", "", false},
		{"not a verb: dropped", "XYZW something long here and more\r\n", 10, true, login + "gap-c25 550 QUIT 221", "", false},
		{"a verb cut inside itself: dropped", "RETR /srv/ftp/exports/2026/file.csv\r\n", 3, true, login + "gap-c34 550 QUIT 221", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, v := openConv(t)
			v.srv("220 hello\r\n")
			if tc.loggedIn {
				v.cli("USER bob\r\n")
				v.srv("331 pw\r\n")
				v.cli("PASS secret\r\n")
				v.srv("230 ok\r\n")
			}
			v.cutCli(tc.line, tc.keep, FlagACK|FlagPSH)
			v.srv("550 no.\r\n")
			v.cli("QUIT\r\n")
			v.srv("221 bye\r\n")
			v.d.Finish()
			if got := story(rec, false); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			for _, e := range rec.control {
				if e.Kind != ControlCommand || e.Secret {
					continue
				}
				switch e.Command.Verb {
				case "QUIT", "USER":
					if e.Command.Arg != "bob" && e.Command.Verb == "USER" {
						t.Errorf("a cut USER delivered: %+v", e.Command)
					}
					continue
				}
				if e.Command.Anomaly&ftp.CmdUnterminated != 0 {
					t.Errorf("%s marked unterminated: it was sent whole, the capture cut it", e.Command.Verb)
				}
				if e.RestNotCaptured != tc.rest {
					t.Errorf("RestNotCaptured %v, want %v", e.RestNotCaptured, tc.rest)
				}
				if e.Command.Arg != tc.arg {
					t.Errorf("arg %q, want %q", e.Command.Arg, tc.arg)
				}
			}
		})
	}
}
