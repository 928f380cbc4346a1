package track

import "testing"

// TestRFC775VerbOnlyWithoutRFC959Forms: Windows's ftp.exe sends XPWD,
// XMKD and XRMD where other clients send PWD, MKD and RMD; BSD ftp,
// tnftp and inetutils ftp send the X forms only after the RFC 959 ones
// were refused (a 500), so a session that sent PWD, MKD or RMD is no
// ftp.exe's, whichever came first (its active-mode advice had been
// netsh and "ftp.exe has no passive mode" for a Unix client).
func TestRFC775VerbOnlyWithoutRFC959Forms(t *testing.T) {
	for _, tc := range []struct {
		verbs []string
		want  string
	}{
		{[]string{"USER", "PASS", "XPWD", "PORT"}, "XPWD"},
		{[]string{"USER", "PASS", "xmkd"}, "XMKD"},
		{[]string{"USER", "PASS", "PWD", "XPWD", "PORT"}, ""},
		{[]string{"USER", "PASS", "XPWD", "MKD"}, ""},
		{[]string{"USER", "PASS", "CWD", "XPWD"}, "XPWD"},
		{[]string{"USER", "PASS", "PWD"}, ""},
	} {
		sess := &Session{}
		for i, v := range tc.verbs {
			sess.NoteCommand(&Command{Index: i + 1, Verb: v})
		}
		if got := sess.RFC775Verb(); got != tc.want {
			t.Errorf("%v: RFC775Verb %q, want %q", tc.verbs, got, tc.want)
		}
	}
}
