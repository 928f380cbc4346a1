package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestSpreadLimitNotesSayWhatTheyCount guards the notes of the bounds
// on login guessing spread over many addresses: nine names taking turns
// in eight slots were "11 user names whose failed logins the bound ...
// forgot", where only nine names existed (the count is of times a name
// was pushed out); and the memory of names already reported had no note
// when its bound pushed one out.
func TestSpreadLimitNotesSayWhatTheyCount(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	o := newTextOutput(w, newPalette(false), false)
	o.Summary(totals{Diagnosis: diagnose.Omitted{LoginSpreadUsersForgotten: 11, LoginSpreadReportsForgotten: 3}})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"11 times a user name with failed logins was pushed out", "3 user names reported or noted for password guessing spread over many addresses that the memory of 32 per server forgot"} {
		if !strings.Contains(unwrapped(out), want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "11 user names") {
		t.Errorf("evictions told as names:\n%s", out)
	}
}
