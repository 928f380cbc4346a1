package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// tiedData is what a test expects of one data connection of a session,
// found by its endpoint's port: its outcome, its transfer command ("" for
// none), whether it follows a reply that answered no command, and among
// how many sessions it was a guess (0: none).
type tiedData struct {
	port        uint16
	outcome     track.Outcome
	verb        string
	unsolicited bool
	among       uint8
}

// checkTied compares the sessions of a capture, by user, with want: the
// data connections each had (DataCount), and those it kept (a session
// with RecentOnly keeps its latest only).
func checkTied(t *testing.T, file string, want map[string][]tiedData) {
	t.Helper()
	for _, recentOnly := range []bool{false, true} {
		rec, _ := runUnsolicited(t, "../../pcaps/synthetic/"+file, policy.Policy{}, recentOnly)
		if len(rec.ended) != len(want) {
			t.Fatalf("%s: %d sessions, want %d", file, len(rec.ended), len(want))
		}
		for _, s := range rec.ended {
			exp, ok := want[s.User]
			if !ok {
				t.Errorf("%s recent %v: session %d user %q not expected", file, recentOnly, s.ID, s.User)
				continue
			}
			if s.DataCount != len(exp) {
				t.Errorf("%s recent %v: session %d (user %q): %d data connections, want %d", file, recentOnly, s.ID, s.User, s.DataCount, len(exp))
			}
			for _, dc := range s.Data {
				i := -1
				for j, w := range exp {
					if w.port == dc.Announced.Port() {
						i = j
					}
				}
				if i < 0 {
					t.Errorf("%s recent %v: session %d (user %q) data #%d to %s not expected", file, recentOnly, s.ID, s.User, dc.ID, dc.Announced)
					continue
				}
				w := exp[i]
				verb := ""
				if dc.Command != nil {
					verb = dc.Command.Verb
				}
				if dc.Outcome != w.outcome || verb != w.verb || dc.AfterUnsolicited() != w.unsolicited || dc.AmongRace != w.among {
					t.Errorf("%s recent %v: session %d (user %q) data #%d to %s: %v %q unsolicited %v among %d; want %v %q %v %d",
						file, recentOnly, s.ID, s.User, dc.ID, dc.Announced, dc.Outcome, verb, dc.AfterUnsolicited(), dc.AmongRace, w.outcome, w.verb, w.unsolicited, w.among)
				}
			}
		}
	}
}

// TestUnsolicitedEndpointNotHeldByIdleSession: the reply that answered no
// command is the last resort, not taken while another session of the
// client's address may own the connection (f4afcd3). A session picked up
// mid-stream (its commands not all seen) counted as one, though it waited
// for no data connection (NOOP only) and its own reading had passed the
// SYN over: nobody took the connection, alice's transfer read "data:
// none" and her reply "not followed". A session with no endpoint of its
// own that did not take the SYN keeps it from no reply whose exact
// endpoint it goes to. An FTPS session that spoke just before still may
// own it (its PASV inside TLS, its cleartext transfer slower than its
// inference waits): carol's reply takes nothing, as before; silent for
// minutes, it owns nothing, and erin's connection is hers.
func TestUnsolicitedEndpointNotHeldByIdleSession(t *testing.T) {
	checkTied(t, "unsolicited-passive-midstream-other.pcap", map[string][]tiedData{
		"alice": {{40501, track.OutcomeTransferred, "RETR", true, 0}},
		"":      nil, // bob, mid-stream: his login is before the capture
	})
	checkTied(t, "unsolicited-passive-ftps-other.pcap", map[string][]tiedData{
		"carol": nil,
		"":      nil, // dave, FTPS: his login is inside TLS
		"erin":  {{40602, track.OutcomeTransferred, "RETR", true, 0}},
	})
}

// TestUnsolicitedEndpointOfTwoSessions: two sessions of one client host
// each given a reply that answered no command. Each connection to its
// own session's endpoint is that session's. Both told the same endpoint,
// the first kept took the connection whichever session's transfer waited
// on it: frank's reply, older, took grace's RETR's connection, and her
// transfer had none. The session whose transfer command waits comes
// first, then the newer reply, a guess among both (settled by the 226 to
// the transfer it serves; one no transfer used stays a guess).
func TestUnsolicitedEndpointOfTwoSessions(t *testing.T) {
	checkTied(t, "unsolicited-passive-two-sessions.pcap", map[string][]tiedData{
		"frank": {
			{40701, track.OutcomeTransferred, "RETR", true, 0},
			{40704, track.OutcomeTransferred, "RETR", true, 0},
			{40705, track.OutcomeConnected, "", true, 2},
		},
		"grace": {
			{40702, track.OutcomeTransferred, "RETR", true, 0},
			{40703, track.OutcomeTransferred, "RETR", true, 0},
		},
	})
}

// TestUnsolicitedEndpointSynAckLostSaysAnswered: a connection to the
// endpoint of a reply that answered no command whose SYNs the server
// answered with SYN-ACKs the client never took read "got no answer" in
// its warning and in the server's verdict, though the capture shows the
// answers. It says they came and never reached the client's TCP, with
// both readings of the reply, and stays a warning that opens nothing.
// The RETR's 425, which came while the SYN-ACKs were still going
// unacknowledged, said the connection had reached the server and the
// network path works.
func TestUnsolicitedEndpointSynAckLostSaysAnswered(t *testing.T) {
	rec, diag := runInjected(t, "../../pcaps/synthetic/unsolicited-passive-synack-lost.pcap", policy.Policy{})
	n := 0
	for _, f := range rec.findings {
		if f.Code == CodeServerDataError && (strings.Contains(f.Message, "reached it") || strings.Contains(f.Advice, "path of the data connection works")) {
			// (The 425 came while the connection was pending, its
			// SYN-ACKs not yet known lost: not a connection made.)
			t.Errorf("server-data-error: %s / %s", f.Message, f.Advice)
		}
		if f.Code != CodeDataUnanswered {
			continue
		}
		n++
		if f.Data == nil || !f.Data.AfterUnsolicited() || !f.Data.SynAckLost {
			t.Fatalf("data-unanswered not of the unsolicited reply's connection with its SYN-ACKs lost: %+v", f.Data)
		}
		if strings.Contains(f.Message, "no answer") || !strings.Contains(f.Message, "answered by SYN-ACKs from 203.0.113.78") || !strings.Contains(f.Message, "injected") {
			t.Errorf("message: %s", f.Message)
		}
		if f.Severity > SeverityWarning || !strings.Contains(f.Advice, "Open nothing for port 40801") || strings.Contains(f.Advice, "nft ") || strings.Contains(f.Advice, "iptables") {
			t.Errorf("%s advice: %s", f.Severity, f.Advice)
		}
	}
	if n != 1 {
		t.Errorf("%d data-unanswered, want 1", n)
	}
	for _, s := range diag.Summaries() {
		if strings.Contains(s.Verdict, "no answer") || !strings.Contains(s.Verdict, "SYN-ACKs") || !strings.Contains(s.Verdict, "open nothing") || len(s.Rules) != 0 {
			t.Errorf("server %s verdict: %s; rules %q", s.Server, s.Verdict, s.Rules)
		}
	}
}
