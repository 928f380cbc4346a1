package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestQuickAbandonBehindNATNamesRefusalInFront guards what a capture on
// a backend behind a load balancer says of the endpoints its client never
// reached (the real lb-split-backend-a.pcap: the balancer sent the
// client's SYNs to the other backend, whose RSTs the client got within a
// millisecond). Clients connect before they send the transfer command,
// so a quick new PASV or QUIT there is also what a SYN refused in front
// of the server looks like: the findings said "it chose not to use this
// endpoint" and "nothing to change", leaving the backend's admin nothing
// to look at.
func TestQuickAbandonBehindNATNamesRefusalInFront(t *testing.T) {
	const file = "../../pcaps/real/lb-split-backend-a.pcap"
	rec, _ := run(t, file, policy.Policy{})
	var fallback, quit bool
	for _, f := range findingsOf(rec, CodeDataNotAttempted) {
		if f.Severity != SeverityInfo {
			t.Errorf("%s data-not-attempted: %s", f.Severity, f.Message)
		}
		switch {
		case strings.Contains(f.Message, "10.99.1.1:40084 and asked for another endpoint with PASV"):
			fallback = true
			if !strings.Contains(f.Message, "a load balancer that sends the port to another host") || !strings.Contains(f.Advice, "capture on the client's side") {
				t.Errorf("quick PASV after PASV behind the NAT, refusal in front not named:\n%s\n%s", f.Message, f.Advice)
			}
		case strings.Contains(f.Message, "sent QUIT"):
			quit = true
			if strings.Contains(f.Message, "so it chose not to use this endpoint") || !strings.Contains(f.Message, "either it chose not to use this endpoint, or a firewall, NAT or load balancer") ||
				!strings.HasPrefix(f.Advice, "Nothing to change if the client did not need") {
				t.Errorf("quick QUIT behind the NAT read as certain:\n%s\n%s", f.Message, f.Advice)
			}
		}
	}
	if !fallback || !quit {
		t.Errorf("want the PASV-after-PASV and the QUIT findings, got fallback %v, quit %v", fallback, quit)
	}
}
