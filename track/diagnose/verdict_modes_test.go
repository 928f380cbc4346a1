package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestPORTFailureLeadsBesideAHelperRewritten227 guards the server's
// verdict of a review's double-NAT capture (double-nat-server-helper-server:
// the lab router's FTP helper rewrote the 227, the PASV download worked;
// ftplib's PORT, which the client's home NAT did not rewrite, got "500
// Illegal PORT command."). The PORT's error nat-mismatch sent the verdict
// to "the server announces 10.99.2.2 ...: need pasv_address", which breaks
// the helper, and the PORT failure went unnamed. The verdict names the
// active failure and keeps the passive side's caution, change lines and
// all.
func TestPORTFailureLeadsBesideAHelperRewritten227(t *testing.T) {
	_, d := realRun(t, "double-nat-server-helper-server.pcap", policy.Policy{})
	sum := serverSummary(t, d, "10.99.2.2:21")
	for _, w := range []string{"active-mode clients announce addresses the server cannot reach", "use passive mode", "pasv_address would stop the helper"} {
		if !strings.Contains(sum.Verdict, w) {
			t.Errorf("verdict lacks %q: %s", w, sum.Verdict)
		}
	}
	if strings.Contains(sum.Verdict, "which only works on its own network") {
		t.Errorf("verdict states the address as the fault: %s", sum.Verdict)
	}
	if len(sum.Rules) == 0 || !strings.HasPrefix(sum.Rules[0], "# only if a NAT forwards these clients and they receive the 227 unchanged") {
		t.Errorf("change lines without their condition: %q", sum.Rules)
	}
}

// TestNoPassiveAdviceWherePassiveWentUnused guards the verdicts of three
// review captures where the capture shows passive mode failing beside
// active mode (its endpoints never used, no data connection working), and
// the verdict said "use passive mode": double-nat-none-server (the PORT
// not rewritten, the 227's private address unreachable), and
// ipv6-router-reject-server and -drop-server (a router stops both). The
// verdict says both fail, and names the router whose ICMP errors it holds.
func TestNoPassiveAdviceWherePassiveWentUnused(t *testing.T) {
	for _, tc := range []struct {
		capture, server string
		want            []string
	}{
		{"double-nat-none-server.pcap", "10.99.2.2:21", []string{"active-mode clients announce addresses the server cannot reach", "passive mode is no sure way out either", "10.99.2.2"}},
		{"ipv6-router-reject-server.pcap", "[fd00:2::2]:21", []string{"data connections fail in both modes", "data-not-attempted", "fd00:2::1, which rejected the active ones"}},
		{"ipv6-router-drop-server.pcap", "[fd00:2::2]:21", []string{"data connections fail in both modes", "data-not-attempted", "a capture on the client's side shows where"}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			_, d := realRun(t, tc.capture, policy.Policy{})
			v := serverSummary(t, d, tc.server).Verdict
			if strings.Contains(v, "use passive mode") {
				t.Errorf("verdict offers passive mode: %s", v)
			}
			for _, w := range tc.want {
				if !strings.Contains(v, w) {
					t.Errorf("verdict lacks %q: %s", w, v)
				}
			}
		})
	}
}

// TestUnplacedCaptureDoesNotSayServerSide guards a capture whose point the
// wire does not tell (client-host-fw-idle-cut, the shape of a review's
// capture on the client's own interface: its own firewall dropped the 226
// and its copies). control-idle-timeout said "seen from the server's
// side" and control-undelivered that a capture on the client's side would
// confirm the copies do not arrive, where this one shows them arriving.
// Both say either reading, and so does the verdict.
func TestUnplacedCaptureDoesNotSayServerSide(t *testing.T) {
	rec, d := run(t, synthDir+"/client-host-fw-idle-cut.pcap", policy.Policy{})
	var idle, undelivered *Finding
	for _, f := range rec.findings {
		switch f.Code {
		case CodeControlIdle:
			idle = f
		case CodeControlUndelivered:
			undelivered = f
		}
	}
	if idle == nil || undelivered == nil {
		t.Fatalf("control-idle-timeout %v, control-undelivered %v", idle != nil, undelivered != nil)
	}
	if strings.Contains(idle.Message, "seen from the server's side") || !strings.Contains(idle.Message, "if on the client's own host, the 226 arrived") {
		t.Errorf("control-idle-timeout: %s", idle.Message)
	}
	if strings.Contains(undelivered.Message, "does not reach the client,") || !strings.Contains(undelivered.Advice, "if on the client's own host, they did arrive") {
		t.Errorf("control-undelivered: %s\nfix: %s", undelivered.Message, undelivered.Advice)
	}
	if v := serverSummary(t, d, "10.99.0.1:21").Verdict; !strings.Contains(v, "if this capture was taken on the client's host, its own firewall") {
		t.Errorf("verdict: %s", v)
	}
}
