package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Benign shapes of a busy server that must raise no alarm
// (rev-benign's captures): a client that ACKed the 226 and sat idle,
// a client that cancelled a passive request at once, a client silent
// after a 250.

// idleAfterReply is a download seen on the server's side whose 226 the
// server sent after silent seconds of control silence, and after which
// the client sent nothing until the capture ended 60 s later; unacked is
// what the client left unacknowledged of the server's bytes at the close
// (track.Session.ServerUnacked: -1 not known).
func idleAfterReply(silent time.Duration, unacked int32) *track.Session {
	s := sess("198.18.0.5:50000", "10.0.0.1:21")
	s.ServerUnacked = unacked
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.1:40036", 227, "Entering Passive Mode (10,0,0,1,156,100).")
	syn(dc, "198.18.0.5:40001", "10.0.0.1:40036", 12, 1, 0)
	dc.SynAckTS, dc.Match, dc.Outcome = at(13), track.MatchExact, track.OutcomeTransferred
	end := at(15).Add(silent)
	dc.EndReason, dc.End = track.EndFIN, end.Add(-time.Millisecond)
	x := &track.Command{Index: len(s.Commands) + 1, TS: at(14), Num: 14, Verb: "RETR", Arg: "report.pdf", Status: track.StatusAnswered,
		Replies: []track.Reply{{Code: 150, Text: "Opening BINARY mode data connection.", TS: at(15), Num: 15},
			{Code: 226, Text: "Transfer complete.", TS: end, Num: 900}}}
	s.Commands = append(s.Commands, x)
	s.CommandCount = x.Index
	dc.Command, x.Transfer = x, []*track.DataConn{dc}
	s.End, s.EndReason = end.Add(60*time.Second), track.EndCaptureEnd
	return s
}

// TestFinalReplyAfterShortSilenceIsNoIdleLoss: a 226 the server sent
// after 10-40 s of control silence, the client silent after it, is no
// reply lost at a NAT: the client that got it and sat idle looks the same
// on the server's side (rev-benign's c-shortidle.pcap: every 226 ACKed),
// and no common NAT forgets an established connection that soon. Only a
// silence past the common NATs' idle timeouts (natIdleFloor) makes the
// loss the likelier reading, worded as one of two.
func TestFinalReplyAfterShortSilenceIsNoIdleLoss(t *testing.T) {
	for _, tc := range []struct {
		silent  time.Duration
		unacked int32
		want    bool
	}{
		{3 * time.Second, -1, false},
		{10 * time.Second, -1, false},
		{40 * time.Second, -1, false},
		{200 * time.Second, -1, false},
		{300 * time.Second, -1, true},
		{3 * time.Hour, -1, true},
		// The client acknowledged the 226: it got it, however long the
		// silence before (rev-benign's idle.pcap session 5).
		{3 * time.Hour, 0, false},
		// It never did: the reply lost, as the real server-side capture
		// control-idle-nat-server.pcap shows after 11 s.
		{10 * time.Second, 24, true},
	} {
		c, _ := feed(policy.Policy{}, idleAfterReply(tc.silent, tc.unacked))
		f := c.find(CodeControlIdle)
		if !tc.want {
			if f != nil {
				t.Errorf("silence %s: %s %s: %s", tc.silent, f.Severity, f.Code, f.Message)
			}
			continue
		}
		if f == nil {
			dumpFindings(t, c)
			t.Errorf("silence %s: no %s", tc.silent, CodeControlIdle)
			continue
		}
		if tc.unacked > 0 {
			if f.Severity != SeverityWarning || !strings.Contains(f.Message, "the client never acknowledged it (24 bytes") {
				t.Errorf("silence %s, %d unacknowledged: %s %s", tc.silent, tc.unacked, f.Severity, f.Message)
			}
			continue
		}
		if f.Severity != SeverityWarning || !strings.Contains(f.Message, "a client that acknowledged it got it and is only idle") ||
			!strings.Contains(f.Message, "The TCP segments after packet 900 tell which") {
			t.Errorf("silence %s: %s %s", tc.silent, f.Severity, f.Message)
		}
	}
}

// TestLostReplyOnClientSideStays: on the client's side a 226 that never
// came after the data closed is still the loss (the lab's
// control-idle-nat-client.pcap: 11 s of silence, a 4 s conntrack
// timeout).
func TestLostReplyOnClientSideStays(t *testing.T) {
	s := idleAfterReply(11*time.Second, -1)
	x := s.Commands[len(s.Commands)-1]
	x.Replies, x.Status = x.Replies[:1], track.StatusNoReply
	c, _ := feed(policy.Policy{}, s)
	check(t, c, want{code: CodeControlIdle, severity: SeverityError, contains: []string{"never arrived"}})
}

// TestQuickCancelIsNotADroppedConnect: a client that sent ABOR or QUIT
// sooner after the 229 than a connect whose SYNs are dropped fails (its
// first SYN is sent again only after 1 s) did not wait for a data
// connection: its choice, an info with no rule, on either side of the
// capture (rev-benign's d-unused-srvside.pcap, d-unused.pcap). One that
// waited its connect timeout out still gets the firewall's rule.
func TestQuickCancelIsNotADroppedConnect(t *testing.T) {
	for _, tc := range []struct {
		name         string
		client       string
		verb         string
		after        int // ms after the 227
		severity     Severity
		rule, reason string
	}{
		{"server side, ABOR at once", "203.0.113.7:50000", "ABOR", 3, SeverityInfo, "", "ABOR 0.003s after the 229"},
		{"server side, QUIT at once", "203.0.113.7:50000", "QUIT", 201, SeverityInfo, "", "either it chose not to use this endpoint, or a firewall"},
		{"server side, QUIT after a connect timeout", "203.0.113.7:50000", "QUIT", 20000, SeverityError, "in the forward chain", "does not pass port 40010"},
		{"client side, ABOR at once", "10.7.0.2:50000", "ABOR", 3, SeverityInfo, "", "so it chose not to use this endpoint"},
		{"client side, QUIT after a connect timeout", "10.7.0.2:50000", "QUIT", 20000, SeverityWarning, "", "it gave up or closed the session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := "10.1.1.10:21"
			if !strings.HasPrefix(tc.client, "203.") {
				server = "198.51.100.70:21"
			}
			s := sess(tc.client, server)
			ann := ap(server).Addr().String() + ":40010"
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, ann, 229, "Entering Extended Passive Mode (|||40010|)")
			dc.Outcome = track.OutcomeNotAttempted
			x := cmd(s, 0, tc.verb, "", 225, "No transfer to ABOR.")
			x.TS = dc.Armed.Add(time.Duration(tc.after) * time.Millisecond)
			x.Num = 20
			x.Replies[0].TS, x.Replies[0].Num = x.TS.Add(time.Millisecond), 21
			s.CommandCount = x.Index
			s.End, s.EndReason = x.TS.Add(5*time.Millisecond), track.EndFIN
			c, d := feed(policy.Policy{Ranges: []policy.PortRange{{Lo: 40000, Hi: 40100}}}, s)
			check(t, c, want{code: CodeDataNotAttempted, severity: tc.severity, data: dc.ID, contains: []string{tc.reason}})
			f := c.find(CodeDataNotAttempted)
			rules := strings.Join(d.Summaries()[0].Rules, "\n")
			if tc.rule == "" && (strings.Contains(f.Advice, "nft ") || strings.Contains(rules, "nft ")) {
				t.Errorf("a rule for a client's own choice:\n%s\n%s", f.Advice, rules)
			}
			if tc.rule != "" && !strings.Contains(f.Advice, tc.rule) {
				t.Errorf("advice lacks %q:\n%s", tc.rule, f.Advice)
			}
		})
	}
}

// TestUnusualFinalReplyIdleIsNoHang: a client silent after a final reply
// RFC 959 does not list for a transfer (200 here) until the capture ended
// may be one waiting for a 226 or one whose user was done (rev-benign's
// e-endings.pcap: the reply ACKed, the user idle): an info that says both.
// A client that reset the connection without a QUIT after waiting is the
// hang (pcaps/synthetic/final-reply-250.pcap), a warning; for a 250, which
// RFC 959 lists beside 226, the hang is the only finding.
func TestUnusualFinalReplyIdleIsNoHang(t *testing.T) {
	for _, tc := range []struct {
		code     int
		end      track.EndReason
		client   bool
		want     bool
		severity Severity
		says     string
	}{
		{200, track.EndCaptureEnd, false, true, SeverityInfo, "the capture cannot tell which"},
		{200, track.EndIdle, false, true, SeverityInfo, "the capture cannot tell which"},
		{200, track.EndRST, true, true, SeverityWarning, "gives up waiting"},
		{250, track.EndCaptureEnd, false, false, 0, ""},
		{250, track.EndIdle, false, false, 0, ""},
		{250, track.EndRST, true, true, SeverityWarning, "gives up waiting for a 226"},
	} {
		s := idleAfterReply(time.Second, -1)
		x := s.Commands[len(s.Commands)-1]
		x.Replies[1].Code, x.Replies[1].Text = tc.code, "Transfer complete."
		s.EndReason, s.ClientClosed = tc.end, tc.client
		c, _ := feed(policy.Policy{}, s)
		f := c.find(CodeUnusualFinalReply)
		if !tc.want {
			if f != nil {
				t.Errorf("%d, %s: %s %s", tc.code, tc.end, f.Severity, f.Message)
			}
			continue
		}
		if f == nil {
			dumpFindings(t, c)
			t.Fatalf("%d, %s: no %s", tc.code, tc.end, CodeUnusualFinalReply)
		}
		if f.Severity != tc.severity || !strings.Contains(f.Message, tc.says) || tc.severity == SeverityInfo && strings.Contains(f.Message, "that never came") {
			t.Errorf("%d, %s: %s %s", tc.code, tc.end, f.Severity, f.Message)
		}
	}
}

// TestUnusedNotesNoVerdictBesideWorkingTransfers: a busy server whose
// clients cancelled or asked again now and then, beside data connections
// that worked, gets the verdict of what worked, not "N of M announced data
// endpoints were never used" over notes that each say nothing is to
// change (rev-benign's b-busy.pcap). With nothing that worked the notes
// are all there is, and the verdict points at them (a capture that does
// not see the data path: Zeek's cwd-navigation.pcap).
func TestUnusedNotesNoVerdictBesideWorkingTransfers(t *testing.T) {
	const srv = "198.51.100.10:21"
	cancel := func(id int) *track.Session {
		s := sess(fmt.Sprintf("203.0.113.%d:50000", id), srv)
		s.ID = id
		dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "198.51.100.10:40010", 229, "Entering Extended Passive Mode (|||40010|)")
		dc.Outcome = track.OutcomeNotAttempted
		x := cmd(s, 0, "ABOR", "", 225, "No transfer to ABOR.")
		x.TS, x.Num = dc.Armed.Add(3*time.Millisecond), 20
		x.Replies[0].TS, x.Replies[0].Num = x.TS.Add(time.Millisecond), 21
		s.CommandCount = x.Index
		s.End, s.EndReason = x.TS.Add(5*time.Millisecond), track.EndFIN
		return s
	}
	c, d := feed(policy.Policy{}, passiveConnSession(1, "203.0.113.50", srv, passiveAtServer), cancel(2))
	if f := c.find(CodeDataNotAttempted); f == nil || f.Severity != SeverityInfo {
		t.Fatalf("data-not-attempted: %v", f)
	}
	if v := serverSummary(t, d, srv).Verdict; strings.Contains(v, "were never used") || !strings.Contains(v, "worked") {
		t.Errorf("verdict beside a working transfer: %s", v)
	}
	_, d = feed(policy.Policy{}, cancel(2))
	if v := serverSummary(t, d, srv).Verdict; !strings.Contains(v, "were never used; see the data-not-attempted findings") {
		t.Errorf("verdict with nothing that worked: %s", v)
	}
}
