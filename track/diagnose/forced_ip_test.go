package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestGreetingRefusalForForcedIP guards Pure-FTPd's "421 Illegal forced IP
// for passive connections", the greeting it answers every connection with
// when ForcePassiveIP (-P) names a host it cannot resolve
// (pcaps/real/pureftpd-forced-ip-invalid.pcap): a configuration error of
// the server's, not a refusal by its connection limit, which the verdict
// said before.
func TestGreetingRefusalForForcedIP(t *testing.T) {
	w := &wire{t: t, c: &collect{}, cli: ap("10.0.0.2:50000"), srv: ap("10.0.0.1:21"), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, track.Options{})
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	w.reply(421, "Illegal forced IP for passive connections")
	w.end()
	if fs := w.c.all(CodeSessionRefused); len(fs) != 0 {
		t.Errorf("session-refused: %s", fs[0].Message)
	}
	fs := w.c.all(CodeServerConfigError)
	if len(fs) != 1 {
		t.Fatalf("%d server-config-error findings, want 1", len(fs))
	}
	for _, want := range []string{"ForcePassiveIP", "-P", "every session"} {
		if !strings.Contains(fs[0].Message+fs[0].Advice, want) {
			t.Errorf("finding does not say %q: %s / %s", want, fs[0].Message, fs[0].Advice)
		}
	}
	if !strings.Contains(fs[0].Evidence, `"421 Illegal forced IP for passive connections"`) {
		t.Errorf("evidence %q does not quote the line", fs[0].Evidence)
	}
	sums := w.d.Summaries()
	if len(sums) != 1 || !strings.Contains(sums[0].Verdict, "configuration error") || strings.Contains(sums[0].Verdict, "limit") {
		t.Errorf("verdict %q", sums[0].Verdict)
	}
}
