package diagnose

import (
	"testing"
)

// TestVerdictNamesOtherErrorKinds guards a busy server's verdict (review
// rev-day2, ctl-then-pasvdrop.pcapng and ftps-tlsreset-pasvdrop.pcapng):
// once a passive data connection was dropped, the verdict was the drop's,
// and errors of another kind (control connections never answered, data
// connections reset at TLS), each of which leads its own capture's
// verdict alone, were in neither the verdict nor its change lines. Now a
// clause after the verdict names the error kinds it does not account for,
// with their counts; what the verdict or its also-clause says, and
// warnings, stay out of it.
func TestVerdictNamesOtherErrorKinds(t *testing.T) {
	const (
		dropped   = "passive data connections are dropped between client and server on port"
		ctlOther  = "; other errors: control-unanswered (2 findings): see those findings"
		ctlOpened = "; but 1 control connection never opened (see control-unanswered)"
	)
	tests := []struct {
		name  string
		steps []alsoStep
		want  []string
		never []string
	}{
		{"control drops, then a passive drop: both said", []alsoStep{alsoControlDrop, alsoControlDrop, alsoPassiveDrop},
			[]string{dropped + " 40012", ctlOther}, nil},
		{"control drops beside an active block", []alsoStep{alsoControlDrop, alsoActiveBlocked, alsoControlDrop},
			[]string{"active data connections from the server back to the client are blocked", ctlOther}, nil},
		// The verdict's own words account for them: no clause.
		{"a control drop beside transfers that worked", []alsoStep{alsoControlDrop, alsoPassiveOK},
			[]string{ctlOpened}, []string{"other errors"}},
		{"drops and RSTs: the also-clause names the RSTs", []alsoStep{alsoPassiveDrop, alsoPassiveRST},
			[]string{dropped + " 40010", "see data-refused"}, []string{"other errors"}},
		{"a passive drop alone", []alsoStep{alsoPassiveDrop, alsoPassiveOK},
			[]string{dropped + " 40010"}, []string{"other errors"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := summaryOf(t, alsoDay(tc.steps), "10.99.0.1:21")
			checkVerdict(t, s.Verdict, tc.want, tc.never)
		})
	}
}

// TestOtherErrorsClause guards the clause's bounds and order: the kinds
// the verdict does not cover, most findings first (then by name), at most
// maxOtherErrors named and the rest counted; covered kinds and kinds with
// no error finding stay out.
func TestOtherErrorsClause(t *testing.T) {
	tests := []struct {
		name    string
		errs    map[string]int
		covered []string
		want    string
	}{
		{"none", map[string]int{}, nil, ""},
		{"covered only", map[string]int{CodeDataUnanswered: 3}, []string{CodeDataUnanswered}, ""},
		{"zero count", map[string]int{CodeTLSReset: 0}, nil, ""},
		{"two, most first", map[string]int{CodeControlUnanswered: 4, CodeTLSReset: 3, CodeDataUnanswered: 9}, []string{CodeDataUnanswered},
			"; other errors: control-unanswered (4 findings), data-tls-reset (3): see those findings"},
		{"one finding", map[string]int{CodeDataSourceNAT: 1}, nil, "; other errors: data-source-nat (1 finding): see those findings"},
		{"ties by name", map[string]int{CodeTLSReset: 2, CodeControlRefused: 2}, nil,
			"; other errors: control-refused (2 findings), data-tls-reset (2): see those findings"},
		{"bounded", map[string]int{CodeControlUnanswered: 6, CodeControlRefused: 5, CodeControlUnreachable: 4, CodeTLSReset: 3, CodeControlUndelivered: 2, CodeControlIdle: 1}, nil,
			"; other errors: control-unanswered (6 findings), control-refused (5), control-unreachable (4), data-tls-reset (3), and 2 more kinds: see those findings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cov := map[string]bool{}
			for _, c := range tc.covered {
				cov[c] = true
			}
			a := &serverAcc{errs: tc.errs}
			if got := a.otherErrors(cov); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
