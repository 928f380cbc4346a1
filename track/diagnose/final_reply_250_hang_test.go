package diagnose

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestFinalReply250ThenHang guards the shapes in which a client that
// waits for a 226 ends after a transfer the server ended with 250: it
// says nothing more until the server's idle timeout closes the session
// (an unsolicited "421 Timeout.", or the server's FIN), or until its
// user stops it (a FIN without a QUIT), after a long silence; or it
// resets the connection without a QUIT. The reset is the warning (the
// hang of pcaps/synthetic/final-reply-250.pcap). The long silences are
// info: a user who left a finished client open, then closed it or let
// the server time it out, ends the session the same way, and a warning
// there failed --fail-on warning for every z/OS user who walked away
// (the reviewer's i1-zos-interactive-idle-421.pcap). A client that went
// on, a session still open at the capture's end, and a close without a
// QUIT seconds after the 250 (a script done, as Python's ftplib close()
// ends) are nothing. When only a client's reset counted as hung, the 421
// after 300 s silent (u1-250-hang-server-timeout.pcap) gave no finding.
func TestFinalReply250ThenHang(t *testing.T) {
	build := func(after time.Duration, end track.EndReason, clientClosed bool, closing int, quit bool) *track.Session {
		s := sess("10.0.0.5:43000", "10.0.0.1:21")
		dc := announce(s, 20, "PASV", ftp.ViaPASV, "10.0.0.1:40000", 227, "Entering Passive Mode (10,0,0,1,156,64).")
		x := &track.Command{Index: len(s.Commands) + 1, TS: at(22), Num: 22, Verb: "RETR", Arg: "a.txt", Status: track.StatusAnswered,
			Replies: []track.Reply{{Code: 150, Text: "Opening BINARY mode data connection.", TS: at(23), Num: 23},
				{Code: 250, Text: "Transfer complete.", TS: at(30), Num: 30}}}
		s.Commands = append(s.Commands, x)
		s.NoteCommand(x)
		syn(dc, "10.0.0.5:43001", "10.0.0.1:40000", 24, 1, 0)
		dc.SynAckTS, dc.Match, dc.Outcome = at(25), track.MatchExact, track.OutcomeTransferred
		dc.Command, x.Transfer = x, []*track.DataConn{dc}
		endAt := at(30).Add(after)
		if quit {
			cmd(s, 40, "QUIT", "", 221, "Goodbye.")
			endAt = at(42)
		}
		if closing != 0 {
			s.Events = append(s.Events, track.Event{Kind: track.EventUnsolicited, Seq: 1 << 20, TS: endAt, Num: 32, Code: closing, Text: "Timeout."})
		}
		s.CommandCount = len(s.Commands)
		s.End, s.EndReason, s.ClientClosed = endAt.Add(time.Millisecond), end, clientClosed
		return s
	}
	for _, tc := range []struct {
		name         string
		after        time.Duration
		end          track.EndReason
		clientClosed bool
		closing      int
		quit         bool
		severity     Severity
		want         string // in the finding's message; "" for no finding
	}{
		{"server's 421 after 300 s, capture ends", 300 * time.Second, track.EndCaptureEnd, false, 421, false, SeverityInfo, `until the server closed the session ("421 Timeout."`},
		{"server's 421 after 300 s, then FIN", 300 * time.Second, track.EndFIN, false, 421, false, SeverityInfo, "until the server's idle timeout, and so does one whose user left it open"},
		{"server's FIN after 300 s", 300 * time.Second, track.EndFIN, false, 0, false, SeverityInfo, "until the server closed the connection"},
		{"client's FIN without QUIT after 60 s", 60 * time.Second, track.EndFIN, true, 0, false, SeverityInfo, "closed the connection 60.001s later, without a QUIT"},
		{"client's RST after 20 s", 20 * time.Second, track.EndRST, true, 0, false, SeverityWarning, "reset the connection 20.001s later, without a QUIT"},
		{"client went on", 0, track.EndFIN, true, 0, true, 0, ""},
		{"open at the capture's end", 300 * time.Second, track.EndCaptureEnd, false, 0, false, 0, ""},
		{"client's FIN without QUIT after 2 s", 2 * time.Second, track.EndFIN, true, 0, false, 0, ""},
		{"server's 421 after 5 s", 5 * time.Second, track.EndFIN, false, 421, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(policy.Policy{}, build(tc.after, tc.end, tc.clientClosed, tc.closing, tc.quit))
			f := c.find(CodeUnusualFinalReply)
			switch {
			case tc.want == "" && f != nil:
				t.Errorf("%s %s", f.Severity, f.Message)
			case tc.want == "":
			case f == nil:
				t.Errorf("no unusual-final-reply")
			case f.Severity != tc.severity || !strings.Contains(f.Message, tc.want) || !strings.Contains(f.Advice, "accept 250"):
				t.Errorf("%s %s | %s; want %s saying %q", f.Severity, f.Message, f.Advice, tc.severity, tc.want)
			}
		})
	}
}

// TestFinalReply250AfterOneTheClientWentOn guards the z/OS session in
// which every transfer ends with 250: LIST -> 250, the client goes on
// (TYPE I), RETR -> 250, then silence until the server's idle 421 (the
// reviewer's i1-zos-interactive-idle-421.pcap), its FIN, the client's
// FIN or its reset. The client took the first 250, so the last one is
// not what stopped it: no finding, whatever ended the session, and
// whatever the tracker kept of the commands (RecentOnly keeps only the
// latest: the LIST and the TYPE are gone by the session's end). A RETR
// the client sent before the LIST's 250 (pipelined) shows no such thing:
// the finding stays.
func TestFinalReply250AfterOneTheClientWentOn(t *testing.T) {
	type ending struct {
		name         string
		after        time.Duration
		end          track.EndReason
		clientClosed bool
		closing      int
	}
	build := func(e ending, pipelined bool) *track.Session {
		s := sess("10.0.0.5:43000", "10.0.0.1:21")
		// The order of arrival (Seq) of PASV, 227, the transfer
		// command, 125, 250: pipelined, the second PASV and the RETR
		// come before the LIST's 250.
		listSeq, retrSeq := [5]uint64{1, 2, 3, 4, 5}, [5]uint64{8, 9, 10, 11, 12}
		if pipelined {
			listSeq, retrSeq = [5]uint64{1, 2, 3, 4, 7}, [5]uint64{5, 8, 6, 9, 10}
		}
		xfer := func(num uint64, verb, arg string, port int, seq [5]uint64) *track.Command {
			ann := announce(s, num, "PASV", ftp.ViaPASV, "10.0.0.1:"+strconv.Itoa(port), 227, "Entering Passive Mode.")
			ann.Announce.Seq, ann.Announce.Replies[0].Seq = seq[0], seq[1]
			x := &track.Command{Index: len(s.Commands) + 1, Seq: seq[2], TS: at(int(num) + 2), Num: num + 2, Verb: verb, Arg: arg, Status: track.StatusAnswered,
				Replies: []track.Reply{{Seq: seq[3], Code: 125, Text: "Storing data set", TS: at(int(num) + 3), Num: num + 3},
					{Seq: seq[4], Code: 250, Text: "Transfer completed successfully.", TS: at(int(num) + 10), Num: num + 10}}}
			s.Commands = append(s.Commands, x)
			s.NoteCommand(x)
			syn(ann, "10.0.0.5:"+strconv.Itoa(port+3000), "10.0.0.1:"+strconv.Itoa(port), num+4, 1, 0)
			ann.SynAckTS, ann.Match, ann.Outcome = at(int(num)+5), track.MatchExact, track.OutcomeTransferred
			ann.Command, x.Transfer = x, []*track.DataConn{ann}
			return x
		}
		xfer(20, "LIST", "", 40000, listSeq)
		if !pipelined {
			ty := cmd(s, 40, "TYPE", "I", 200, "Representation type is Image")
			ty.Seq, ty.Replies[0].Seq = 6, 7
		}
		r := xfer(50, "RETR", "'USER.DATA'", 40001, retrSeq)
		last := r.Final()
		endAt := last.TS.Add(e.after)
		if e.closing != 0 {
			s.Events = append(s.Events, track.Event{Kind: track.EventUnsolicited, Seq: 20, TS: endAt, Num: 90, Code: e.closing, Text: "Timeout - connection closed"})
		}
		s.CommandCount = len(s.Commands)
		s.End, s.EndReason, s.ClientClosed = endAt.Add(time.Millisecond), e.end, e.clientClosed
		return s
	}
	// run feeds s as the tracker reports it; recentOnly drops every
	// command but the last before the session's end, as RecentOnly may.
	run := func(s *track.Session, recentOnly bool) *Finding {
		c := &collect{}
		d := New(policy.Policy{}, nil, c)
		d.SessionStart(s)
		for _, x := range s.Commands {
			d.Command(s, x)
		}
		for _, dc := range s.Data {
			dc.Done = true
			d.Data(s, dc)
		}
		if recentOnly {
			s.Commands = s.Commands[len(s.Commands)-1:]
		}
		d.SessionEnd(s)
		return c.find(CodeUnusualFinalReply)
	}
	for _, e := range []ending{
		{"server's 421 after 600 s, then FIN", 600 * time.Second, track.EndFIN, false, 421},
		{"server's FIN after 300 s", 300 * time.Second, track.EndFIN, false, 0},
		{"client's FIN without QUIT after 60 s", 60 * time.Second, track.EndFIN, true, 0},
		{"client's RST after 20 s", 20 * time.Second, track.EndRST, true, 0},
	} {
		for _, recentOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/RecentOnly=%v", e.name, recentOnly), func(t *testing.T) {
				if f := run(build(e, false), recentOnly); f != nil {
					t.Errorf("%s %s", f.Severity, f.Message)
				}
				f := run(build(e, true), recentOnly)
				want := SeverityInfo
				if e.end == track.EndRST {
					want = SeverityWarning
				}
				if f == nil || f.Severity != want {
					t.Errorf("RETR sent before the LIST's 250: %v, want %s", f, want)
				}
			})
		}
	}
}
