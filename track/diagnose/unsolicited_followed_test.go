package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// runUnsolicited runs a capture through decode, track and the diagnosis,
// with RecentOnly as the JSON output and the live stream run it or not.
func runUnsolicited(t *testing.T, path string, p policy.Policy, recentOnly bool) (*injRecorder, track.Limits) {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer src.Close()
	rec := &injRecorder{}
	diag := New(p, rec, rec)
	trk := track.New(diag, track.Options{RecentOnly: recentOnly})
	diag.SetControlOnly(trk.ControlOnly)
	dec := decode.New(trk, decode.Options{})
	_ = dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	return rec, trk.Limits()
}

// unsolicitedData is what a test expects of a session's one data
// connection: its endpoint's port, outcome and transfer command.
type unsolicitedData struct {
	port    uint16
	outcome track.Outcome
	verb    string
}

// TestUnsolicitedEndpointFollowedWhenUsed: a 227/229 that answered no
// command in a session seen whole armed nothing since 9a1f9c2, so a
// client that connected to it all the same (the server answered a PASV
// the capture missed, a proxy answered for it) had its data connection
// vanish: "data: none", the transfer's 425 with no connection to blame.
// Its own client's SYN to exactly the endpoint (a 229's at the control
// address; a 227's naming another host, there) is that reply's data
// connection, tied to its transfer command, marked, and diagnosed as any
// (data-unanswered for SYNs nothing answered). Replies nobody used, one
// whose endpoint another host or the client after the wait connected to,
// one passed over for the client's own PASV, one repeating the endpoint
// the PASV just before announced (a later connection to it stays one to
// an endpoint taken), still arm nothing and draw no finding; past four a
// session keeps, the oldest is let go.
func TestUnsolicitedEndpointFollowedWhenUsed(t *testing.T) {
	const dir = "../../pcaps/synthetic/"
	var ranged policy.Policy
	if err := ranged.AddRanges("40000-41000"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file     string
		data     [][]unsolicitedData // per session, in order
		stand    int                 // data connections tied to a reply that answered no command
		findings []string            // the only data findings expected
	}{
		{"unsolicited-passive-used.pcap", [][]unsolicitedData{
			{{40100, track.OutcomeTransferred, "RETR"}},
			{{40101, track.OutcomeTransferred, "LIST"}},
			{{40102, track.OutcomeTransferred, "RETR"}},
			{{40103, track.OutcomeUnanswered, "RETR"}},
		}, 4, []string{CodeDataUnanswered}},
		{"unsolicited-passive-unused.pcap", [][]unsolicitedData{
			{{40200, track.OutcomeTransferred, "RETR"}},
			nil,
			nil,
			{{40204, track.OutcomeTransferred, "RETR"}},
			{{40205, track.OutcomeTransferred, "RETR"}},
		}, 0, nil},
		{"unsolicited-passive-bound.pcap", [][]unsolicitedData{
			{{40305, track.OutcomeTransferred, "RETR"}},
		}, 1, nil},
	} {
		for _, recentOnly := range []bool{false, true} {
			name := tc.file
			if recentOnly {
				name += "/recent"
			}
			t.Run(name, func(t *testing.T) {
				rec, lim := runUnsolicited(t, dir+tc.file, ranged, recentOnly)
				if len(rec.ended) != len(tc.data) {
					t.Fatalf("%d sessions, want %d", len(rec.ended), len(tc.data))
				}
				stand := 0
				for i, s := range rec.ended {
					if s.DataCount != len(tc.data[i]) {
						t.Errorf("session %d: %d data connections, want %d", s.ID, s.DataCount, len(tc.data[i]))
						continue
					}
					for j, want := range tc.data[i] {
						if j >= len(s.Data) {
							t.Errorf("session %d: data %d not kept", s.ID, j)
							break
						}
						dc := s.Data[j]
						if dc.Announced.Port() != want.port || dc.Outcome != want.outcome || dc.Command == nil || dc.Command.Verb != want.verb {
							t.Errorf("session %d data #%d: %s %v command %v; want port %d %v %s", s.ID, dc.ID, dc.Announced, dc.Outcome, dc.Command, want.port, want.outcome, want.verb)
						}
						if dc.Client.Addr() != s.Client.Addr() || dc.Server != dc.Announced {
							t.Errorf("session %d data #%d: %s -> %s, announced %s", s.ID, dc.ID, dc.Client, dc.Server, dc.Announced)
						}
						if a := dc.Announce; a != nil && a.Unseen {
							if r := a.Final(); r == nil || r.Num != dc.ArmedNum || r.Code != 227 && r.Code != 229 {
								t.Errorf("session %d data #%d: stand-in replies %+v", s.ID, dc.ID, a.Replies)
							}
							stand++
						}
					}
				}
				if stand != tc.stand {
					t.Errorf("%d data connections tied to an unsolicited reply, want %d", stand, tc.stand)
				}
				for _, f := range rec.findings {
					switch f.Code {
					case CodePortOutsideRange, CodePassivePrivilegedPort, CodeDataNotAttempted, CodeFTPBounce, CodeDataUnanswered, CodeServerDataError:
						if !contains(tc.findings, f.Code) && !(f.Code == CodeServerDataError && contains(tc.findings, CodeDataUnanswered)) {
							t.Errorf("finding %s: %s", f.Code, f.Message)
						}
					}
				}
				if want := len(tc.findings); want > 0 {
					n := 0
					for _, f := range rec.findings {
						if contains(tc.findings, f.Code) {
							n++
						}
					}
					if n != want {
						t.Errorf("%d of findings %v, want %d", n, tc.findings, want)
					}
				}
				if lim := lim.UnsolicitedNotKept; tc.file == "unsolicited-passive-bound.pcap" && lim != 2 || tc.file != "unsolicited-passive-bound.pcap" && lim != 0 {
					t.Errorf("UnsolicitedNotKept %d", lim)
				}
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestUnsolicitedEndpointReadsNoRangeNorRule: a connection tied to a
// passive reply that answered no command (one line, maybe injected or
// stray) was read as any announcement's: three unanswered SYNs to port
// 3306 made an error data-unanswered, "passive port announced 3306",
// and a change block opening 3300-3400; port 445 a passive-privileged-
// port blaming the server. It is shown, with both readings, as a
// warning; no passive port figure, rule, port-outside-range (with
// --pasv-range too) or passive-privileged-port is read from it.
func TestUnsolicitedEndpointReadsNoRangeNorRule(t *testing.T) {
	const path = "../../pcaps/synthetic/unsolicited-passive-injected.pcap"
	var ranged policy.Policy
	if err := ranged.AddRanges("40000-41000"); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]policy.Policy{"no range": {}, "pasv-range": ranged} {
		t.Run(name, func(t *testing.T) {
			rec, diag := runInjected(t, path, p)
			unanswered := 0
			for _, f := range rec.findings {
				switch f.Code {
				case CodeDataUnanswered:
					unanswered++
					if f.Severity > SeverityWarning || f.Data == nil || !f.Data.AfterUnsolicited() || !strings.Contains(f.Advice, "Open nothing") {
						t.Errorf("%s %s: %s / %s", f.Severity, f.Code, f.Message, f.Advice)
					}
				case CodePortOutsideRange, CodePassivePrivilegedPort, CodeFTPBounce:
					t.Errorf("finding %s: %s", f.Code, f.Message)
				}
			}
			if unanswered != 2 {
				t.Errorf("%d data-unanswered, want 2", unanswered)
			}
			for _, s := range diag.Summaries() {
				if s.PortsAnnounced.Count != 0 || s.OutsideRange != 0 || len(s.Rules) != 0 {
					t.Errorf("server %s: ports %+v, %d outside, rules %q", s.Server, s.PortsAnnounced, s.OutsideRange, s.Rules)
				}
				if !strings.Contains(s.Verdict, "open nothing") {
					t.Errorf("server %s verdict: %s", s.Server, s.Verdict)
				}
			}
		})
	}
}

// TestUnsolicitedEndpointNotTakenAcrossSessions: a client host with a
// cleartext session that got a 227 no command asked for and an FTPS
// session of another user, whose own PASV is inside TLS, connects to
// that endpoint for the FTPS session's transfer. The unsolicited reply
// was looked up by client address before the encrypted session's
// inference and took the connection into the cleartext session (the
// wrong user, its data-cleartext reading lost). It is the last resort:
// the connection is the FTPS session's, the reply follows nothing.
func TestUnsolicitedEndpointNotTakenAcrossSessions(t *testing.T) {
	for _, recentOnly := range []bool{false, true} {
		rec, _ := runUnsolicited(t, "../../pcaps/synthetic/unsolicited-passive-other-session.pcap", policy.Policy{}, recentOnly)
		if len(rec.ended) != 2 {
			t.Fatalf("%d sessions, want 2", len(rec.ended))
		}
		for _, s := range rec.ended {
			encrypted := s.WasEncrypted || s.Encrypted
			want := 0
			if encrypted {
				want = 1
			}
			if s.DataCount != want {
				t.Errorf("recent %v: session %d (user %q, encrypted %v): %d data connections, want %d", recentOnly, s.ID, s.User, encrypted, s.DataCount, want)
			}
			for _, dc := range s.Data {
				if dc.AfterUnsolicited() {
					t.Errorf("recent %v: session %d data #%d tied to the other session's unsolicited reply", recentOnly, s.ID, dc.ID)
				}
			}
		}
	}
}
