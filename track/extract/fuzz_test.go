package extract

import (
	"strings"
	"testing"
)

// FuzzSafeName checks the sanitiser's contract on any input: non-empty,
// not "." or "..", valid UTF-8, no separator, control, format or
// Windows-refused character, within MaxBaseBytes, not a device name, no
// leading dot/dash/space, idempotent; and the prefixed file name (with a
// counter) holds no separator either.
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{
		"", ".", "..", "...", "../../etc/passwd", "/etc/shadow", `C:\x`, "a\x00b",
		"\x1b[31mred\x1b[0m", "evil\u202Etxt.exe", strings.Repeat("é", 2000) + ".pdf",
		"CON", "con.txt", "nul .txt", "COM¹", "a\xff\xfeb", ".-x", "name. . .",
		"a\uff0fb", "x." + strings.Repeat("y", 15), "FILE: x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := SafeName(in)
		checkSafe(t, in, got)
		for _, tr := range []Transfer{
			{Session: 1, Data: 2, Verb: "RETR", Arg: in},
			{Session: 1, Data: 2, Verb: "LIST", Arg: in, Cwd: in},
			{Session: 1, Data: 2, Verb: "STOU", Replies: []string{in, "FILE: " + in}},
		} {
			base := baseName(tr)
			checkSafe(t, in, base)
			name := fileName(tr.Session, tr.Data, base, maxNameTries-1)
			if strings.ContainsAny(name, `/\`) || len(name) > 255 {
				t.Fatalf("file name %q for %q", name, in)
			}
		}
	})
}
