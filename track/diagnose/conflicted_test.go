package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestConflictedAnnouncementHedged: a finding about an announcement of
// which the capture held two different copies, neither proven by a data
// connection (track.Command.Unproven), says so, is never an error, and
// proposes no configuration change: the copy taken may be a forger's
// (rev-attacker a6 without its data connection). Once a connection
// proved the copy, or when the other copy announces the same endpoint,
// the finding stands as it was.
func TestConflictedAnnouncementHedged(t *testing.T) {
	other := netip.MustParseAddrPort("10.9.1.10:40051")
	tests := []struct {
		name   string
		lc     *track.LineConflict
		hedged bool
	}{
		{"no conflict", nil, false},
		{"unproven", &track.LineConflict{Other: other, OtherVia: ftp.ViaPASV, Num: 17}, true},
		{"the taken copy proven", &track.LineConflict{Other: other, OtherVia: ftp.ViaPASV, Num: 17, Proof: track.ProofTaken}, false},
		{"a reply conflict, no endpoint", &track.LineConflict{OtherCode: 150, Num: 17}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &track.Command{Verb: "PASV", Conflict: tc.lc}
			dc := &track.DataConn{Passive: true, Announce: c, Announced: netip.MustParseAddrPort("10.9.1.10:22")}
			f := &Finding{Code: CodePortOutsideRange, Severity: SeverityError, Data: dc, Packets: []uint64{16},
				Message: "The server announced passive port 22, outside the range 40000-40100 the firewall is meant to allow.",
				Advice:  "Keep the server inside the firewall range: pasv_min_port=40000 and pasv_max_port=40100 (then restart the server)."}
			got := hedgeConflicted(dc, []*Finding{f})[0]
			if msg := got.Message; hedgeConflicted(dc, []*Finding{got})[0].Message != msg {
				// (A finding hedged where it is made and again with every
				// data finding: passive-range-exhausted.)
				t.Errorf("hedged twice: %s", got.Message)
			}
			if !tc.hedged {
				if got.Severity != SeverityError || strings.Contains(got.Message, "copies") {
					t.Errorf("changed: %v %q", got.Severity, got.Message)
				}
				return
			}
			if got.Severity == SeverityError {
				t.Errorf("still an error")
			}
			for _, w := range []string{"Two different copies of this reply were captured", "(packet 17) announces 10.9.1.10:40051", "port 22", "real one: the server announced"} {
				if !strings.Contains(got.Message, w) {
					t.Errorf("message lacks %q: %s", w, got.Message)
				}
			}
			if strings.Contains(got.Advice, "pasv_") {
				t.Errorf("advice still changes the configuration: %s", got.Advice)
			}
			if len(got.Packets) != 2 || got.Packets[1] != 17 {
				t.Errorf("packets %v, want the later copy's added", got.Packets)
			}
		})
	}
}
