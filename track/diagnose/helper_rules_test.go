package diagnose

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestNftHelperTableMatchesOriginalPort guards the port the nft helper
// rule matches: the connection's original destination port (ct original
// proto-dst), which a router's DNAT to another port does not change
// before a priority-filter chain runs. "tcp dport 21" there sees the port
// after DNAT: on Linux 6.18, 10.99.1.1:21 DNATed to 10.99.2.2:2121 got
// no expectation with it, and one with ct original proto-dst 21.
func TestNftHelperTableMatchesOriginalPort(t *testing.T) {
	for _, out := range []bool{false, true} {
		s := nftHelperTable(2121, out)
		if !strings.Contains(s, `meta l4proto tcp ct original proto-dst 2121 ct helper set "ftp-std";`) || strings.Contains(s, "dport") {
			t.Errorf("outgoing=%v: %s", out, s)
		}
	}
}

// TestNftRelatedRuleLoadsOnAnyHost guards the RELATED accept: it loads in
// a network namespace with an empty ruleset (an "insert rule inet filter
// ..." does not: no such table), and says that it does not override a drop
// in another chain. Needs root, nft and unshare (CI has them), else
// skipped after the text checks.
func TestNftRelatedRuleLoadsOnAnyHost(t *testing.T) {
	for _, chain := range []string{"input", "forward"} {
		s := nftRelatedRule(chain)
		if !strings.Contains(s, "hook "+chain+" ") || !strings.Contains(s, "does not override a drop in another "+chain+" chain") {
			t.Errorf("%s: %s", chain, s)
		}
		if strings.Contains(s, "insert rule") {
			t.Errorf("%s: inserts into a table that may not exist: %s", chain, s)
		}
	}
	nft, err1 := exec.LookPath("nft")
	unshare, err2 := exec.LookPath("unshare")
	if err1 != nil || err2 != nil || os.Geteuid() != 0 {
		t.Skip("needs root, nft and unshare")
	}
	cmd := regexp.MustCompile(`^nft '([^']*)'`)
	for _, chain := range []string{"input", "forward"} {
		m := cmd.FindStringSubmatch(nftRelatedRule(chain))
		if m == nil {
			t.Fatalf("no nft command in %q", nftRelatedRule(chain))
		}
		// A fresh network namespace: no table at all.
		if out, err := exec.Command(unshare, "-n", nft, "-c", m[1]).CombinedOutput(); err != nil {
			t.Errorf("%s: nft -c in an empty namespace refuses %q (%v): %s", chain, m[1], err, out)
		}
		// And with the helper table in the same namespace: both load.
		both := strings.TrimPrefix(nftHelperTable(21, chain == "input"), "nft '")
		both = strings.TrimSuffix(both, "'") + "\n" + m[1] + "\n"
		c := exec.Command(unshare, "-n", nft, "-c", "-f", "-")
		c.Stdin = strings.NewReader(both)
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("%s: helper table and RELATED accept together refused (%v): %s\n%s", chain, err, out, both)
		}
	}
}
