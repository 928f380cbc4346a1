package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestCommandTextMasksSecrets pins how evidence quotes a command that
// carries a secret: PASS and a secret ACCT keep their verb, another line
// decode took for a password is hidden whole (its verb may be part of
// it), SITE PSWD keeps its first word only. No secret appears in any.
func TestCommandTextMasksSecrets(t *testing.T) {
	for _, tt := range []struct {
		c    track.Command
		want string
	}{
		{track.Command{Verb: "PASS", Arg: "hunter2", Secret: true}, "PASS ****"},
		{track.Command{Verb: "ACCT", Arg: "hunter2", Secret: true}, "ACCT ****"},
		{track.Command{Verb: "HUNTER2", Secret: true}, hiddenLine},
		{track.Command{Verb: "SITE", Arg: "PSWD hunter2 hunter3", SecretArg: true}, "SITE PSWD ****"},
		{track.Command{Verb: "ACCT", Arg: "billing"}, "ACCT billing"},
	} {
		got := commandText(&tt.c)
		if got != tt.want {
			t.Errorf("commandText(%s %s) = %q, want %q", tt.c.Verb, tt.c.Arg, got, tt.want)
		}
		if strings.Contains(got, "hunter") {
			t.Errorf("commandText(%s %s) = %q shows the secret", tt.c.Verb, tt.c.Arg, got)
		}
	}
}
