package track

import (
	"strings"
	"testing"
)

// TestPassiveRequestMatchesEqualFold: the fast comparison tells the
// passive requests EqualFold tells, in any spelling (a long s folds to S).
func TestPassiveRequestMatchesEqualFold(t *testing.T) {
	byFold := func(v string) bool {
		return strings.EqualFold(v, "PASV") || strings.EqualFold(v, "EPSV") || strings.EqualFold(v, "LPSV")
	}
	verbs := []string{"", "P", "PASV", "EPSV", "LPSV", "pasv", "Epsv", "lPsV", "PA\u017fV", "EP\u017fV", "PASV ", "PASVX",
		"USER", "PASS", "RETR", "STOR", "LIST", "TYPE", "PORT", "EPRT", "LPRT", "QUIT", "SPSV", "PSV", "XPASV",
		"P\u212aSV", "\u212aPSV", "PAS\u0000", "PAS\xff", "\xc5\xbf", "pAsV\x00"}
	for _, v := range verbs {
		if got, want := passiveRequest(v), byFold(v); got != want {
			t.Errorf("passiveRequest(%q) = %v, EqualFold says %v", v, got, want)
		}
	}
	// Every spelling of the three with ASCII case changed.
	for _, base := range []string{"PASV", "EPSV", "LPSV"} {
		for mask := range 16 {
			b := []byte(base)
			for i := range b {
				if mask&(1<<i) != 0 {
					b[i] += 'a' - 'A'
				}
			}
			if !passiveRequest(string(b)) {
				t.Errorf("passiveRequest(%q) = false", b)
			}
		}
	}
}
