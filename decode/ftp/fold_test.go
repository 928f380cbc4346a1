package ftp

import (
	"strings"
	"testing"
)

// TestContainsFoldAsEqualFoldOnASCIIWords guards the one helper that
// decode (a 227's "Passive") and track/policy (a greeting's server name)
// share: for a lower-case ASCII word it says what a scan with
// strings.EqualFold said, non-ASCII bytes (the Kelvin sign, a long s,
// bytes that are no UTF-8) included.
func TestContainsFoldAsEqualFoldOnASCIIWords(t *testing.T) {
	byEqualFold := func(s, word string) bool {
		for i := 0; i+len(word) <= len(s); i++ {
			if strings.EqualFold(s[i:i+len(word)], word) {
				return true
			}
		}
		return false
	}
	for _, s := range []string{"", "Entering Passive Mode", "ENTERING PASSIVE", "pasSIVE", "passiv", "(vsFTPd 3.0.3)", "\u212aelvin", "pa\u017fsive", "pas\xffsive", "\xff\xfe", "ProFTPD Server"} {
		for _, w := range []string{"passive", "vsftpd", "kelvin", "proftpd", "s", ""} {
			if got, want := ContainsFold(s, w), byEqualFold(s, w); got != want {
				t.Errorf("ContainsFold(%q, %q) = %v, EqualFold's scan %v", s, w, got, want)
			}
		}
	}
}
