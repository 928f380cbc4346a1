package diagnose

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestOneExampleRangePerServer guards a server whose passive range is
// not known, its failed ports far apart in two sessions (vsftpd with
// pasv_min_port above pasv_max_port picks any port), against two example
// ranges in one output: every finding and the server's change lines
// propose the same range.
func TestOneExampleRangePerServer(t *testing.T) {
	rec, diag := run(t, filepath.Join(realDir, "pasv-range-swapped-vsftpd.pcap"), policy.Policy{})
	var ex policy.PortRange
	n := 0
	for _, f := range rec.findings {
		if f.Example == (policy.PortRange{}) {
			continue
		}
		n++
		if ex == (policy.PortRange{}) {
			ex = f.Example
		} else if f.Example != ex {
			t.Errorf("session %d's %s names %v, another finding %v", f.Session.ID, f.Code, f.Example, ex)
		}
	}
	if n < 2 {
		t.Fatalf("%d findings name an example range, want 2 or more", n)
	}
	want := fmt.Sprintf("dport %d-%d", ex.Lo, ex.Hi)
	for _, sum := range diag.Summaries() {
		if rules := strings.Join(sum.Rules, "\n"); !strings.Contains(rules, want) {
			t.Errorf("the change lines do not open %v:\n%s", ex, rules)
		}
	}
}
