package decode

import (
	"strings"
	"testing"
)

// TestRefusalSharingPasswordHeadShown: a refusal whose last word only
// begins as the password does ("530 Login incorrect." for the password
// "Incoming#7": 4 bytes alike) is shown, as is one holding a word that
// shares 6 or 8 of its first bytes but goes on otherwise; a refusal that
// repeats the password cut short at its end ("530 Bad password Sunshi"
// for "Sunshine1"), with an ellipsis, or followed by punctuation, and
// one that repeats it whole, stay hidden. Only a 4-byte head of the
// password was kept, and "incorrect." was hidden with it.
func TestRefusalSharingPasswordHeadShown(t *testing.T) {
	tests := []struct {
		pw, reply string
		hidden    bool
	}{
		{"Incoming#7", "530 Login incorrect.", false},
		{"Incoming#7", "530 Login incorrect", false},
		{"Incoming#7", "530 Login incorrect...", false},
		{"Incorrigible1", "530 Login incorrect.", false}, // 6 bytes alike, not 8
		{"Sunshine1", "530 Bad password Sunshi", true},
		{"Sunshine1", "530 Bad password Sunsh", true},
		{"Sunshine1", "530 Bad password Suns", true},
		{"Sunshine1", "530 Bad password Sunshine1", true},
		{"Sunshine1", "530 Login incorrect: bob/SUNSHINE", true},
		{"Sunshine1", "530 Login incorrect: bob/Sunshin.", true},
		{"Sunshine1", "530 bad pw 'sunsh...'", true},
		{"Sunshine1", "530 Sunshade", false},
		{"Zq9SecretPw", "530 bad pw Zq9Secret...", true},
		{"Zq9SecretPw", "530 Login incorrect: bob/Zq9Sec", true},
		{"Password!2026", "530 Check your password", false}, // the reply's own word (refusalWordAt)
		{"Password!2026", "530 Check your password...", true},
		{"Password!2026", "530 Check your passport", false},
		{"Mississippi-River-Delta", "530 no: Mississippi-River-D...", true},
		{"Mississippi-River-Delta", "530 no: Mississauga", false}, // 7 bytes alike
	}
	login := []gapStep{srv("220 hi\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n")}
	for _, tt := range tests {
		_, replies := gapTranscript(t, append(append([]gapStep(nil), login...), cli("PASS "+tt.pw+"\r\n"), srv(tt.reply+"\r\n")))
		want := tt.reply[4:]
		if tt.hidden {
			want = "*" + want
		}
		if got := replies[len(replies)-1]; got != want {
			t.Errorf("password %q: reply %q, want %q", tt.pw, got, want)
		}
	}
}

// TestHeadEchoEveryCutHidden: a refusal that repeats any of a
// password's first bytes, from its first echoHeadLen, at its end, before
// an ellipsis or before punctuation, is taken for its echo.
func TestHeadEchoEveryCutHidden(t *testing.T) {
	for _, pw := range []string{"Incoming#7", "Sunshine1", "Zq9SecretPw", "correct-horse-battery-staple", "aaaaaaaaaaaaaaaa"} {
		var p sessionParser
		armEcho(&p, pw)
		n := int(p.echoLen)
		for l := echoHeadLen; l < len(pw); l++ {
			for _, form := range []string{"530 Login incorrect: bob/%s", "530 bad pw %s...", "530 bad pw (%s\u2026)", "530 no %s."} {
				text := strings.Replace(form, "%s", strings.ToUpper(pw[:l]), 1)
				if !headEchoIn(text, p.echoHead, p.echoPrefix, n) {
					t.Errorf("password %q: %q shown", pw, text)
				}
			}
		}
	}
}

// TestHeadEchoInAllocationFree: the check runs on every reply while a
// secret is looked for, and allocates nothing.
func TestHeadEchoInAllocationFree(t *testing.T) {
	var p sessionParser
	armEcho(&p, "Sunshine1")
	text := strings.Repeat("/sunsh", 200) + " Sunshi.... 530 Login incorrect."
	if n := testing.AllocsPerRun(100, func() { headEchoSink = headEchoIn(text, p.echoHead, p.echoPrefix, int(p.echoLen)) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// headEchoSink keeps TestHeadEchoInAllocationFree's calls from being
// optimised away.
var headEchoSink bool

// TestRefusalRepeatingPasswordCutShortHidden: a refusal that repeats a
// password's first bytes anywhere in it, cut short where something that
// is no letter or digit follows them (punctuation, a space, a non-ASCII
// byte, the reply's end), is taken for its echo, whether or not more
// words follow and whatever ends the cut. Only the reply's last word and
// words before an ellipsis were looked at: "530 Login incorrect
// (pw=Zq9SecretPassw,user=bob)" showed 13 of the password's 19 bytes.
func TestRefusalRepeatingPasswordCutShortHidden(t *testing.T) {
	tests := []struct{ pw, reply string }{
		{"Zq9SecretPassword20", "530 Login incorrect (pw=Zq9SecretPassw,user=bob)"},
		{"Zq9SecretPassword20", "530 Login incorrect: bob/Zq9SecretP[truncated]"},
		{"Zq9SecretPassword20", "530 Login incorrect: bob/Zq9Se[truncated]"},
		{"Zq9SecretPassword20", "530 Login incorrect: bob/Zq9Secr~trunc"},
		{"Sunshine1", "530 Bad password Sunshi\u00bb"},
		{"Sunshine1", "530 Bad password \u00abSunshi\u00bb"},
		{"Sunshine1", "530 Bad password \u00abSunshi\u00bb rejected"},
		{"Sunshine1", "530 Bad password Sunshi (truncated)"},
		{"Zq9SecretPassword20", "530 Bad password: Zq9SecretPa (truncated)"},
		{"Zq9SecretPassword20", "530 bad pw Zq9SecretPa..(cut)"},
		{"Zq9SecretPassword20", "530 bad pw Zq9SecretPa_"},
		{"Zq9SecretPassword20", "530 bad pw=Zq9SecretPassw,user=bob"},
		{"Zq9SecretPassword20", "530 Login failed (Zq9SecretPassw)"},
		{"Zq9SecretPassword20", "530 Login failed [pw:Zq9SecretPassw] "},
		{"Zq9SecretPassword20", "530 Login failed: zq9secretpassword2 rejected"},
		{"Zq9SecretPassword20", "530 Login failed: Zq9SecretPassXY is not it"}, // its first 12 bytes
		{"Incoming#7", "530 Login failed: Incoming#x"},
		{"Abcd1", "530 bad pw Abcd."},
		{"Abcd1", "530 bad pw Abcd"},
	}
	login := []gapStep{srv("220 hi\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n")}
	for _, tt := range tests {
		_, replies := gapTranscript(t, append(append([]gapStep(nil), login...), cli("PASS "+tt.pw+"\r\n"), srv(tt.reply+"\r\n")))
		if got, want := replies[len(replies)-1], "*"+tt.reply[4:]; got != want {
			t.Errorf("password %q: reply %q, want %q", tt.pw, got, want)
		}
	}
}

// TestRefusalWordSharingPasswordHeadShown: a password that begins with
// a word a refusal says in its own voice ("Login2024": "530 Login
// incorrect.") no longer hides that refusal, which an admin needs to
// read; the same word repeated where an echo goes (after a '/', an '=',
// a quote, before an ellipsis or a truncation mark), and the whole
// password, stay hidden.
func TestRefusalWordSharingPasswordHeadShown(t *testing.T) {
	tests := []struct {
		pw, reply string
		hidden    bool
	}{
		{"Login2024", "530 Login incorrect.", false},
		{"Permission9", "530 Permission denied", false},
		{"Permission9", "530 Permission denied: account locked", false},
		{"Incorrect1", "530 Login incorrect.", false},
		{"Password!", "530 Password incorrect", false},
		{"Password!", "530 Wrong password.", false},
		{"Access123", "530 Access denied.", false},
		{"Denied!x", "530 Access denied", false},
		{"Denied", "530 Access denied", true}, // the whole password
		{"Login2024", "530 Login incorrect: bob/Login", true},
		{"Login2024", "530 bad pw=Login", true},
		{"Login2024", "530 bad pw 'Login'", true},
		{"Login2024", "530 bad pw Login...", true},
		{"Login2024", "530 bad pw Login[truncated]", true},
		{"Login2024", "530 bad pw Login2", true},
		{"Login2024", "530 Login2024 incorrect", true},
		{"Loginator7", "530 Loginat", true}, // not a refusal's word
		// An even word's mark is untested by the even-length fingerprints:
		// it may be the secret's next byte (a cut echo "Password!").
		{"Password!2024", "530 Password! rejected", true},
		{"Denied12", "530 Access denied.", true},
		{"Denied1", "530 Access denied.", false}, // one byte longer: the mark is no part of it (echoIn)
		// An odd word's mark (or space) is tested by the fingerprint one
		// byte longer: hidden when it is alike, the secret's next byte.
		{"Login!2024", "530 Bad password Login! ", true},
		{"Wrong!Horse7", "530 Wrong! rejected", true},
		{"Login 000", "530 bad pw Login 0.", true},
		{"Login 000", "530 bad pw Login ", true},
		{"Wrong2024", "530 Wrong! Try again.", false},
		{"Login2024", "530 Login: bad password", false},
		// An even word's space is tested with the byte after it: shown
		// when a word follows and the two are not the secret's.
		{"Access 2024", "530 bad pw Access ", true},
		{"Access 2024", "530 bad pw Access  (cut)", true},
		{"Access 2024", "530 Access denied", false},
	}
	login := []gapStep{srv("220 hi\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n")}
	for _, tt := range tests {
		_, replies := gapTranscript(t, append(append([]gapStep(nil), login...), cli("PASS "+tt.pw+"\r\n"), srv(tt.reply+"\r\n")))
		want := tt.reply[4:]
		if tt.hidden {
			want = "*" + want
		}
		if got := replies[len(replies)-1]; got != want {
			t.Errorf("password %q: reply %q, want %q", tt.pw, got, want)
		}
	}
}
