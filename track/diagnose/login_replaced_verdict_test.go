package diagnose

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestReplacedLoginNotEveryLoginRefused guards the server verdict of a
// session whose first login succeeded and whose later one (after REIN,
// or a USER taken while logged in) was refused: it is no session whose
// login was refused and never succeeded, so the verdict must not say
// that every login was refused and nothing was tried.
func TestReplacedLoginNotEveryLoginRefused(t *testing.T) {
	greet := []step2{{code: 220, text: "(vsFTPd 3.0.5)"}}
	refused := []step2{{line: "USER carol", code: 331, text: "Please specify the password."},
		{line: "PASS nope", code: 530, text: "Login incorrect."}}
	login := []step2{{line: "USER bob", code: 331, text: "Please specify the password."},
		{line: "PASS secret", code: 230, text: "Login successful."}}
	for _, tc := range []struct {
		name    string
		steps   []step2
		refused bool // the session's only login was refused
	}{
		{"after REIN", append(append(append([]step2{}, login...), step2{line: "REIN", code: 220, text: "ready"}), refused...), false},
		{"USER while logged in", append(append(append([]step2{}, login...), step2{line: "PWD", code: 257, text: `"/" is the current directory`}), refused...), false},
		{"only a refused login (control)", refused, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, o := range []track.Options{{}, {RecentOnly: true}} {
				_, d := multiSessionOpts(t, o, "203.0.113.10:21", session2{cli: "198.51.100.20:41000", greeting: greet, steps: tc.steps})
				v := oneVerdict(t, d)
				if tc.refused {
					containsAll(t, "verdict", v, []string{"every login was refused"}, nil)
				} else {
					containsAll(t, "verdict", v, nil, []string{"every login was refused", "no announcement or transfer was tried"})
				}
			}
		})
	}
}
