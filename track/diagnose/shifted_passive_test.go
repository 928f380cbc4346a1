package diagnose

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestShiftedPassiveReplyFollowed: a PASV whose place another final reply
// took (shifted_blank: a 500 to the blank line sent before it;
// shifted_extra200: a second 200 to the TYPE before it), its 227 next.
// Read as an unsolicited 227 (9a1f9c2), the endpoint was not followed:
// the transfer to 10.0.0.1:40000 vanished and passive-refused said to
// turn passive mode on. The 227 is that PASV's: the data connection is
// the RETR's, transferred, and no passive-refused.
func TestShiftedPassiveReplyFollowed(t *testing.T) {
	const dir = "../../pcaps/hostile/attack/"
	for _, file := range []string{"shifted_blank.pcap", "shifted_extra200.pcap"} {
		t.Run(file, func(t *testing.T) {
			rec, _ := runInjected(t, dir+file, policy.Policy{})
			for _, f := range rec.findings {
				if f.Code == CodePassiveRefused {
					t.Errorf("finding %s: %s", f.Code, f.Message)
				}
			}
			for _, e := range rec.events {
				if e.Kind == track.EventUnsolicited {
					t.Errorf("unsolicited %d %q", e.Code, e.Text)
				}
			}
			if len(rec.ended) != 1 {
				t.Fatalf("%d sessions, want 1", len(rec.ended))
			}
			s := rec.ended[0]
			if n := s.DataOutcomes[track.OutcomeTransferred]; n != 1 || len(s.Data) != 1 || s.Data[0].Announced.Port() != 40000 {
				t.Fatalf("transferred %d, data %d, want the one to 10.0.0.1:40000", n, len(s.Data))
			}
			shifted := 0
			for _, c := range rec.commands {
				if c.Shifted() {
					shifted++
					if c.Final() == nil || c.Final().Code != 227 {
						t.Errorf("stand-in %s replies %+v", c.Verb, c.Replies)
					}
				}
				if c.Verb == "PASV" && !c.Shifted() && c.Refused {
					t.Errorf("PASV (packet %d) refused", c.Num)
				}
			}
			if shifted != 1 {
				t.Errorf("%d shifted stand-ins, want 1", shifted)
			}
		})
	}
}
