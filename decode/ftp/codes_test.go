package ftp

import "testing"

func TestValidReply(t *testing.T) {
	for _, tt := range []struct {
		verb string
		code int
		want bool
	}{
		{"PASV", 227, true},
		{"PASV", 229, false},
		{"PASV", 150, false},
		{"EPSV", 229, true},
		{"EPSV", 522, true},
		{"EPSV", 227, false},
		{"LPSV", 228, true},
		{"PORT", 200, true},
		{"PORT", 227, false},
		{"EPRT", 522, true},
		{"LPRT", 521, true},
		{"RETR", 150, true},
		{"RETR", 125, true},
		{"RETR", 110, true},
		{"RETR", 226, true},
		{"RETR", 426, true},
		{"RETR", 550, true},
		{"RETR", 227, false},
		{"LIST", 110, false},
		{"STOR", 553, true},
		{"STOR", 452, true},
		{"MLSD", 150, true},
		{"USER", 331, true},
		{"USER", 230, true},
		{"USER", 150, false},
		{"PASS", 230, true},
		{"PASS", 202, true},
		{"AUTH", 234, true},
		{"AUTH", 334, true},
		{"AUTH", 431, true},
		{"AUTH", 534, true},
		{"QUIT", 221, true},
		{"QUIT", 226, false},
		{"ABOR", 225, true},
		{"ABOR", 226, true},
		{"ABOR", 426, false}, // 426 answers the transfer, 226 the ABOR
		{"CDUP", 250, true},
		{"PWD", 257, true},
		{"MKD", 257, true},
		{"CWD", 257, false},
		{"FEAT", 211, true},
		{"SIZE", 213, true},
		{"MDTM", 213, true},
		{"REST", 350, true},
		{"RNFR", 350, true},
		{"REIN", 120, true},
		{"CONF", 632, true},
		{"NOOP", 150, false},
		{"XSHA256", 500, true}, // unknown verbs get the any-command codes
		{"XSHA256", 200, false},
		{Greeting, 220, true},
		{Greeting, 120, true},
		{Greeting, 421, true},
		{Greeting, 500, false},
		{Greeting, 230, false},
		{"NOOP", 99, false},
		{"NOOP", 700, false},
		{"NOOP", -1, false},
	} {
		if got := ValidReply(tt.verb, tt.code); got != tt.want {
			t.Errorf("ValidReply(%q, %d) = %v, want %v", tt.verb, tt.code, got, tt.want)
		}
	}
}

// 421/500/501/502/530 fit every command; 1yz fits only the verbs that take
// preliminary replies.
func TestValidReplyAnyCommandAndPreliminaries(t *testing.T) {
	for _, verb := range knownVerbList {
		for _, code := range []int{421, 500, 501, 502, 530} {
			if !ValidReply(verb, code) {
				t.Errorf("ValidReply(%q, %d) = false", verb, code)
			}
		}
		wantPrelim := IsTransfer(verb) || verb == "REIN"
		if HasPreliminary(verb) != wantPrelim {
			t.Errorf("HasPreliminary(%q) = %v", verb, HasPreliminary(verb))
		}
		for code := 100; code < 200; code++ {
			if ValidReply(verb, code) && !wantPrelim {
				t.Errorf("ValidReply(%q, %d) = true", verb, code)
			}
		}
		if _, ok := replyTable[verb]; !ok {
			t.Errorf("known verb %q has no reply table entry", verb)
		}
	}
}

func TestIsPreliminary(t *testing.T) {
	for code, want := range map[int]bool{99: false, 100: true, 150: true, 199: true, 200: false, 631: false} {
		if IsPreliminary(code) != want {
			t.Errorf("IsPreliminary(%d) = %v", code, !want)
		}
	}
}
