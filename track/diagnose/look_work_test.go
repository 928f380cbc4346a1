package diagnose

import "testing"

// TestExternalLookFlatInSessions guards the cost of the looks a PORT
// naming a public address makes from a private client seen on its side
// of a NAT (seenAsHost: is the address another host of the capture?
// vantage: which side is the capture on?): each had walked every open
// session, and the first data connections of every session of the
// client, so k parallel sessions of m such PORTs cost k*k*m, and an
// attacker's capture of many parallel sessions took quadratic time. The
// work per PORT, counted in entries read, must not grow with the count
// of sessions. Counted, not timed: the count is the same on any machine.
func TestExternalLookFlatInSessions(t *testing.T) {
	const m = 8
	per := map[int]float64{}
	for _, k := range []int{8, 16, 32, 64, 128} {
		per[k] = float64(externalLookScene(t, k, m).lookReads()) / float64(k*m)
	}
	t.Logf("reads per PORT by sessions: %v", per)
	if per[128] > 1.25*per[8] || per[128] > maxReadsPerPORT {
		t.Errorf("reads per PORT grow with the sessions: %.1f with 8, %.1f with 128 (want at most %.1f and %d)", per[8], per[128], 1.25*per[8], maxReadsPerPORT)
	}
}

// TestExternalLookFlatInTransfers guards the look for the capture point
// (vantage) in one session whose every data connection the tracker
// keeps (the text transcript's): it had read every data connection of
// the session for each of its PORTs, m*m for m of them.
func TestExternalLookFlatInTransfers(t *testing.T) {
	per := map[int]float64{}
	for _, m := range []int{32, 64, 128, 256} {
		per[m] = float64(externalLookScene(t, 1, m).lookReads()) / float64(m)
	}
	t.Logf("reads per PORT by PORTs: %v", per)
	if per[256] > 1.25*per[32] || per[256] > maxReadsPerPORT {
		t.Errorf("reads per PORT grow with the session's PORTs: %.1f with 32, %.1f with 256 (want at most %.1f and %d)", per[32], per[256], 1.25*per[32], maxReadsPerPORT)
	}
}

// maxReadsPerPORT bounds the entries the looks for one PORT read.
const maxReadsPerPORT = 32
