package diagnose

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestControlEncryptedNoRuleWhenDataGotThrough guards control-encrypted
// against firewall advice for sessions whose hidden data connections got
// through: their trouble was TLS (PROT C to a server that requires
// protected data; a data connection that did not resume the control
// connection's TLS session), which no rule changes.
func TestControlEncryptedNoRuleWhenDataGotThrough(t *testing.T) {
	for _, c := range []string{"tls-required-clear.pcap", "ftps-reuse-required.pcap"} {
		rec, _ := run(t, filepath.Join(realDir, c), policy.Policy{})
		fs := findingsOf(rec, CodeControlEncrypted)
		if len(fs) == 0 {
			t.Fatalf("%s: no control-encrypted", c)
		}
		for _, f := range fs {
			for _, n := range []string{"nft ", "iptables", "fixed passive range"} {
				if strings.Contains(f.Advice, n) {
					t.Errorf("%s session %d: advice says %q though its data connections got through:\n%s", c, f.Session.ID, n, f.Advice)
				}
			}
		}
	}
}
