package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// injRecorder is recorder that also keeps the sessions' events, their
// commands and the sessions as they end.
type injRecorder struct {
	recorder
	events   []track.Event
	commands []*track.Command
	ended    []*track.Session
}

func (r *injRecorder) Event(s *track.Session, e *track.Event) { r.events = append(r.events, *e) }
func (r *injRecorder) Command(s *track.Session, c *track.Command) {
	r.commands = append(r.commands, c)
}
func (r *injRecorder) SessionEnd(s *track.Session) { r.ended = append(r.ended, s) }

func runInjected(t *testing.T, path string, p policy.Policy) (*injRecorder, *Diagnoser) {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer src.Close()
	rec := &injRecorder{}
	diag := New(p, rec, rec)
	trk := track.New(diag, track.Options{})
	diag.SetControlOnly(trk.ControlOnly)
	dec := decode.New(trk, decode.Options{})
	_ = dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	return rec, diag
}

// TestInjectedEndNotTaken: the reviewer's captures (rv-attack3,
// pcaps/hostile/attack/inject.py) of one injected packet steering the
// diagnosis:
//   - a PORT injected as the client's next bytes after QUIT/221, the
//     client's real FIN (inj_client_port_third) or RST (inj_end_port_rst,
//     the server's duplicate ACKs below it) at the very sequence number it
//     claimed: it was taken as the client's, "ftp-bounce ... still a
//     bounce attempt", the verdict a bounce, and the real FIN or RST
//     dropped (end: capture-end). Now the server's ACKs and the client's
//     own end show the bytes are not the client's: an unconfirmed event,
//     no finding, and the session ends by that FIN or RST;
//   - a 227 or 229 injected as the server's after the 221
//     (inj_before_fin, inj_server_229, inj_server_227_samettl), or while
//     the session idles (inj_idle_end: the client acknowledged it): taken
//     for the reply of a PASV "not in the capture", it gave
//     passive-privileged-port, data-not-attempted and, with a range,
//     port-outside-range with a change to the server's configuration. In
//     a session whose commands are all in the capture no PASV was sent:
//     an unsolicited reply, no announcement, no finding, no rule;
//   - a forged PORT mid-stream raced ahead of the real command
//     (inj_mid_port_conflict) stays a conflict, with no ftp-bounce;
//   - an RST forged as the server's at the exact sequence number while a
//     command waited for its slow reply (rst_slowcmd, and
//     rst_failedlogin_ttl50_3s with another TTL than the server's): decode
//     counted it not taken, yet closed the session at it after 2 s
//     (control-reset, "a firewall ended the session"), and the 530 that
//     came 3 s later was a second session's "reply to a command before
//     the capture started". Now it is one session, the 530 the PASS's.
func TestInjectedEndNotTaken(t *testing.T) {
	const dir = "../../pcaps/hostile/attack/"
	var ranged policy.Policy
	if err := ranged.AddRanges("40000-60000"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file        string
		pol         policy.Policy
		unconfirmed string // "client", "server": an unconfirmed event from that side; "" none
		unsolicited int    // the code of an unsolicited passive reply, 0 none
		conflict    bool
		end         track.EndReason
		noCodes     []string
	}{
		{"inj_client_port_third.pcap", policy.Policy{}, "client", 0, false, track.EndFIN, []string{CodeFTPBounce}},
		{"inj_end_port_rst.pcap", policy.Policy{}, "client", 0, false, track.EndRST, []string{CodeFTPBounce, CodeControlReset}},
		{"inj_before_fin.pcap", ranged, "server", 227, false, track.EndFIN, []string{CodePassivePrivilegedPort, CodeDataNotAttempted, CodePortOutsideRange}},
		{"inj_server_229.pcap", ranged, "server", 229, false, track.EndFIN, []string{CodePassivePrivilegedPort, CodeDataNotAttempted, CodePortOutsideRange}},
		{"inj_server_227_samettl.pcap", ranged, "server", 227, false, track.EndFIN, []string{CodePassivePrivilegedPort, CodeDataNotAttempted, CodePortOutsideRange}},
		{"inj_idle_end.pcap", ranged, "", 227, false, track.EndCaptureEnd, []string{CodePassivePrivilegedPort, CodePortOutsideRange}},
		{"inj_mid_port_conflict.pcap", policy.Policy{}, "", 0, true, track.EndFIN, []string{CodeFTPBounce}},
		{"rst_slowcmd.pcap", policy.Policy{}, "", 0, false, track.EndFIN, []string{CodeControlReset}},
		{"rst_failedlogin_ttl50_3s.pcap", policy.Policy{}, "", 0, false, track.EndFIN, []string{CodeControlReset}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rec, diag := runInjected(t, dir+tc.file, tc.pol)
			for _, f := range rec.findings {
				for _, code := range tc.noCodes {
					if f.Code == code {
						t.Errorf("finding %s: %s", f.Code, f.Message)
					}
				}
			}
			for _, s := range diag.Summaries() {
				if len(s.Rules) > 0 || strings.Contains(s.Verdict, "bounce") || strings.Contains(s.Verdict, "outside") {
					t.Errorf("server %s: verdict %q, rules %q", s.Server, s.Verdict, s.Rules)
				}
			}
			if len(rec.ended) != 1 {
				t.Fatalf("%d sessions, want 1", len(rec.ended))
			}
			s := rec.ended[0]
			if s.EndReason != tc.end {
				t.Errorf("end %v, want %v", s.EndReason, tc.end)
			}
			var unconfirmed, conflict bool
			unsolicited := 0
			for _, e := range rec.events {
				switch e.Kind {
				case track.EventUnconfirmed:
					if tc.unconfirmed == "" || e.FromClient != (tc.unconfirmed == "client") {
						t.Errorf("unconfirmed event: %+v", e)
					}
					unconfirmed = true
				case track.EventUnsolicited:
					unsolicited = e.Code
				case track.EventConflict:
					conflict = true
				}
			}
			if unconfirmed != (tc.unconfirmed != "") || unsolicited != tc.unsolicited || conflict != tc.conflict {
				t.Errorf("unconfirmed %v unsolicited %d conflict %v; want %q %d %v", unconfirmed, unsolicited, conflict, tc.unconfirmed, tc.unsolicited, tc.conflict)
			}
			for _, dc := range s.Data {
				if p := dc.Announced.Port(); p < 1024 {
					t.Errorf("data connection to %s announced", dc.Announced)
				}
			}
			for _, c := range rec.commands {
				if c.Verb == "PORT" && c.Unconfirmed() != (tc.unconfirmed == "client") {
					t.Errorf("PORT (packet %d) unconfirmed %v", c.Num, c.Unconfirmed())
				}
				if c.Verb == "PASS" && strings.HasPrefix(tc.file, "rst_failedlogin") && (len(c.Replies) == 0 || c.Replies[0].Code != 530) {
					t.Errorf("PASS replies %+v, want the 530", c.Replies)
				}
				if c.Verb == "LIST" && (len(c.Replies) == 0 || c.Replies[0].Code != 425) {
					t.Errorf("LIST replies %+v, want the 425", c.Replies)
				}
			}
		})
	}
}
