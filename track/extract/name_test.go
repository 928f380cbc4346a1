package extract

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestSafeNameHostile guards the sanitiser against names a peer controls.
func TestSafeNameHostile(t *testing.T) {
	long := strings.Repeat("a", 4000)
	longUTF8 := strings.Repeat("é", 2000) // 4,000 bytes of 2-byte runes
	tests := []struct {
		name, in, want string
	}{
		{"plain", "report.txt", "report.txt"},
		{"utf8 kept", "résumé.pdf", "résumé.pdf"},
		{"traversal", "../../etc/passwd", "passwd"},
		{"absolute", "/etc/shadow", "shadow"},
		{"windows absolute", `C:\x`, "x"},
		{"windows drive relative", "C:x", "C_x"},
		{"unc", `\\server\share\secret.doc`, "secret.doc"},
		{"mixed separators", `a/b\c/..\d.bin`, "d.bin"},
		{"trailing slash", "/pub/dir/", "dir"},
		{"only slashes", "///", "file"},
		{"empty", "", "file"},
		{"dot", ".", "file"},
		{"dotdot", "..", "file"},
		{"only dots", ".....", "file"},
		{"dot components", "../..", "file"},
		{"hidden file", ".bashrc", "bashrc"},
		{"option", "-rf", "rf"},
		{"long option", "--help=x", "help=x"},
		{"dots and dashes", ".-.-x", "x"},
		{"leading spaces", "   x", "x"},
		{"trailing dot", "name.", "name"},
		{"trailing dots and spaces", "name. . .", "name"},
		{"NUL", "a\x00b", "a_b"},
		{"only NUL", "\x00", "_"},
		{"newline", "a\r\nb", "a__b"},
		{"ESC sequence", "\x1b[31mred\x1b[0m.txt", "_[31mred_[0m.txt"},
		{"OSC title", "\x1b]0;pwned\x07.sh", "_]0;pwned_.sh"},
		{"DEL", "a\x7fb", "a_b"},
		{"C1 CSI", "a\u009b31mb", "a_31mb"},
		{"C1 NEL", "\u0085x", "_x"},
		{"bidi RLO", "evil\u202Etxt.exe", "evil_txt.exe"},
		{"bidi isolate", "a\u2066b\u2069", "a_b_"},
		{"arabic letter mark", "a\u061cb", "a_b"},
		{"zero width", "\u200bzero", "_zero"},
		{"BOM", "\ufeffx", "_x"},
		{"line separator", "x\u2028y", "x_y"},
		{"NBSP", "a\u00a0b", "a_b"},
		{"ideographic space", "a\u3000b", "a_b"},
		{"space kept", "annual report.pdf", "annual report.pdf"},
		{"fullwidth solidus", "..\uff0f..\uff0fetc", "_.._etc"},
		{"division slash", "a\u2215b", "a_b"},
		{"windows reserved chars", `a<b>c"d|e?f*g`, "a_b_c_d_e_f_g"},
		{"alternate data stream", "file.txt:evil", "file.txt_evil"},
		{"invalid utf8", "a\xff\xfeb", "a__b"},
		{"truncated rune", "ab\xc3", "ab_"},
		{"overlong encoding of slash", "a\xc0\xafb", "a__b"},
		{"surrogate half", "a\xed\xa0\x80b", "a___b"},
		{"replacement char", "a\ufffdb", "a_b"},
		{"private use", "a\ue000b", "a_b"},
		{"device CON", "CON", "_CON"},
		{"device lower with ext", "con.txt", "_con.txt"},
		{"device double ext", "LPT9.tar.gz", "_LPT9.tar.gz"},
		{"device trailing space", "nul .txt", "_nul .txt"},
		{"device superscript", "COM¹", "_COM¹"},
		{"device COM0", "com0.log", "_com0.log"},
		{"device CONOUT$", "conout$", "_conout$"},
		{"device in path", "/dev/AUX", "_AUX"},
		{"device after dots", "..PRN", "_PRN"},
		{"not a device COM10", "COM10", "COM10"},
		{"not a device CONSOLE", "CONSOLE.txt", "CONSOLE.txt"},
		{"not a device prefix", "CONx", "CONx"},
		{"long", long, strings.Repeat("a", MaxBaseBytes)},
		{"long with ext", long + ".txt", strings.Repeat("a", MaxBaseBytes-4) + ".txt"},
		{"long utf8 with ext", longUTF8 + ".pdf", strings.Repeat("é", (MaxBaseBytes-4)/2) + ".pdf"},
		{"long utf8 odd cut", "x" + longUTF8, "x" + strings.Repeat("é", (MaxBaseBytes-1)/2)},
		{"long ext not kept", "a." + strings.Repeat("b", 4000), "a." + strings.Repeat("b", MaxBaseBytes-2)},
		{"long cut ends on dot", strings.Repeat("a", MaxBaseBytes-1) + ". tail-without-ext-that-is-long", strings.Repeat("a", MaxBaseBytes-1)},
		{"long controls", strings.Repeat("\x1b", 4000), strings.Repeat("_", MaxBaseBytes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SafeName(tt.in)
			if got != tt.want {
				t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkSafe(t, tt.in, got)
		})
	}
}

// deviceRE is the Windows device name rule, written apart from isReserved
// so the tests do not check the code against itself.
var deviceRE = regexp.MustCompile(`(?i)^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|CLOCK\$|COM[0-9¹²³]|LPT[0-9¹²³]) *(\.|$)`)

// checkSafe asserts the sanitiser's contract on one result.
func checkSafe(t *testing.T, in, got string) {
	t.Helper()
	switch {
	case got == "", got == ".", got == "..":
		t.Fatalf("SafeName(%q) = %q", in, got)
	case !utf8.ValidString(got):
		t.Fatalf("SafeName(%q) = %q: invalid UTF-8", in, got)
	case len(got) > MaxBaseBytes:
		t.Fatalf("SafeName(%q) is %d bytes", in, len(got))
	case strings.ContainsAny(got, `/\`):
		t.Fatalf("SafeName(%q) = %q holds a separator", in, got)
	case strings.ContainsAny(got, `<>:"|?*`):
		t.Fatalf("SafeName(%q) = %q holds a character Windows refuses", in, got)
	case deviceRE.MatchString(got):
		t.Fatalf("SafeName(%q) = %q is a device name", in, got)
	case strings.IndexAny(got[:1], ".- ") == 0:
		t.Fatalf("SafeName(%q) = %q starts with a dot, dash or space", in, got)
	case strings.HasSuffix(got, ".") || strings.HasSuffix(got, " "):
		t.Fatalf("SafeName(%q) = %q ends with a dot or space", in, got)
	}
	for _, r := range got {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || unicode.Is(unicode.Cf, r) ||
			r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
			t.Fatalf("SafeName(%q) = %q holds %U", in, got, r)
		}
	}
	if again := SafeName(got); again != got {
		t.Fatalf("SafeName not idempotent: %q -> %q -> %q", in, got, again)
	}
}

// TestFileNames guards the local names: prefix, listings, STOU's name
// from the reply.
func TestFileNames(t *testing.T) {
	tests := []struct {
		name     string
		tr       Transfer
		want     string
		wantPath string
	}{
		{"retr", Transfer{Session: 12, Data: 3, Verb: "RETR", Arg: "/pub/report.txt", Cwd: "/"}, "s12-d3-report.txt", "/pub/report.txt"},
		{"stor traversal", Transfer{Session: 1, Data: 2, Verb: "STOR", Arg: "../../etc/passwd"}, "s1-d2-passwd", "../../etc/passwd"},
		{"appe", Transfer{Session: 1, Data: 2, Verb: "APPE", Arg: "log.txt"}, "s1-d2-log.txt", "log.txt"},
		{"retr without arg", Transfer{Session: 1, Data: 2, Verb: "RETR"}, "s1-d2-file", ""},
		{"no command (inferred)", Transfer{Session: 4, Data: 9}, "s4-d9-file", ""},
		{"owner unknown (a race)", Transfer{Session: 4, Data: 9, OwnerUnknown: true}, "s4-d9-owner-unknown", ""},
		{"lower-case verb", Transfer{Session: 1, Data: 2, Verb: "retr", Arg: "a.bin"}, "s1-d2-a.bin", "a.bin"},
		{"list cwd", Transfer{Session: 1, Data: 2, Verb: "LIST", Cwd: "/pub"}, "s1-d2-list-pub.txt", ""},
		{"list root", Transfer{Session: 1, Data: 2, Verb: "LIST", Arg: "-la", Cwd: "/"}, "s1-d2-list.txt", "-la"},
		{"list unknown cwd", Transfer{Session: 1, Data: 2, Verb: "MLSD"}, "s1-d2-mlsd.txt", ""},
		{"nlst options and path", Transfer{Session: 1, Data: 2, Verb: "NLST", Arg: "-l -a /home/../etc", Cwd: "/pub"}, "s1-d2-nlst-etc.txt", "-l -a /home/../etc"},
		{"list hostile", Transfer{Session: 1, Data: 2, Verb: "LIST", Arg: "../../\x1b]0;x"}, "s1-d2-list-_]0;x.txt", "../../\x1b]0;x"},
		{"list dots only", Transfer{Session: 1, Data: 2, Verb: "LIST", Arg: "..", Cwd: "/pub"}, "s1-d2-list.txt", ".."},
		{"list device dir", Transfer{Session: 1, Data: 2, Verb: "LIST", Arg: "CON"}, "s1-d2-list-_CON.txt", "CON"},
		{"stou rfc1123", Transfer{Session: 1, Data: 2, Verb: "STOU", Replies: []string{"FILE: /incoming/ftp12345"}}, "s1-d2-ftp12345", "/incoming/ftp12345"},
		{"stou 250", Transfer{Session: 1, Data: 2, Verb: "STOU", Replies: []string{"Opening BINARY mode data connection.", "Transfer complete (unique file name:/u/ftpA0001)."}}, "s1-d2-ftpA0001", "/u/ftpA0001"},
		{"stou lower-case marker", Transfer{Session: 1, Data: 2, Verb: "STOU", Replies: []string{"file: up.1"}}, "s1-d2-up.1", "up.1"},
		{"stou no name", Transfer{Session: 1, Data: 2, Verb: "STOU", Replies: []string{"Ok to send data."}}, "s1-d2-file", ""},
		{"stou hostile reply", Transfer{Session: 1, Data: 2, Verb: "STOU", Replies: []string{"FILE: ../../.ssh/authorized_keys"}}, "s1-d2-authorized_keys", "../../.ssh/authorized_keys"},
		{"stou with arg", Transfer{Session: 1, Data: 2, Verb: "STOU", Arg: "hint.txt", Replies: []string{"FILE: hint.txt.1"}}, "s1-d2-hint.txt", "hint.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fileName(tt.tr.Session, tt.tr.Data, baseName(tt.tr), 0); got != tt.want {
				t.Errorf("name = %q, want %q", got, tt.want)
			}
			if got := remotePath(tt.tr); got != tt.wantPath {
				t.Errorf("path = %q, want %q", got, tt.wantPath)
			}
		})
	}
}

// TestCounterSuffix guards where the counter goes.
func TestCounterSuffix(t *testing.T) {
	tests := []struct {
		base string
		n    int
		want string
	}{
		{"report.txt", 0, "s1-d2-report.txt"},
		{"report.txt", 1, "s1-d2-report-2.txt"},
		{"report.tar.gz", 2, "s1-d2-report.tar-3.gz"},
		{"data", 1, "s1-d2-data-2"},
		{strings.Repeat("a", MaxBaseBytes-4) + ".txt", 99, "s1-d2-" + strings.Repeat("a", MaxBaseBytes-4) + "-100.txt"},
	}
	for _, tt := range tests {
		if got := fileName(1, 2, tt.base, tt.n); got != tt.want {
			t.Errorf("fileName(%q, %d) = %q, want %q", tt.base, tt.n, got, tt.want)
		}
	}
}
