package ftp

import (
	"net/netip"
	"testing"
)

// TestLongFormBounds pins the two checks of LPRT/LPSV that no other test
// reached (mutation testing: each could be loosened unnoticed): a number
// of 256 is out of range, and the port length must be exactly 2.
func TestLongFormBounds(t *testing.T) {
	for _, tt := range []struct {
		arg  string
		want netip.AddrPort
		err  error
	}{
		{"4,4,10,0,0,1,2,0,21", netip.MustParseAddrPort("10.0.0.1:21"), nil},
		{"4,4,10,0,0,255,2,0,21", netip.MustParseAddrPort("10.0.0.255:21"), nil},
		{"4,4,10,0,0,256,2,0,21", netip.AddrPort{}, ErrNumberRange},
		{"4,4,10,0,0,1,2,256,21", netip.AddrPort{}, ErrNumberRange},
		{"4,4,10,0,0,1,1,0,21", netip.AddrPort{}, ErrSyntax},
		{"4,4,10,0,0,1,3,0,0,21", netip.AddrPort{}, ErrSyntax},
	} {
		got, err := ParseLPRT(tt.arg)
		if got != tt.want || err != tt.err {
			t.Errorf("ParseLPRT(%q) = %v, %v; want %v, %v", tt.arg, got, err, tt.want, tt.err)
		}
	}
}

// TestPASVParenthesizedNeedsTheWholeGroup: a parenthesized 227 counts as
// that form only when the six numbers fill the parentheses; trailing
// text inside them leaves the numbers found by the bare scan.
func TestPASVParenthesizedNeedsTheWholeGroup(t *testing.T) {
	for _, tt := range []struct {
		text string
		form Form
	}{
		{"227 Entering Passive Mode (10,0,0,1,4,1)", FormParenthesized},
		{"227 Entering Passive Mode ( 10,0,0,1,4,1 )", FormParenthesized},
		{"227 Entering Passive Mode (10,0,0,1,4,1x)", FormBare},
	} {
		n, form, err := PASVNumbers(tt.text)
		if err != nil || n != [6]int{10, 0, 0, 1, 4, 1} || form != tt.form {
			t.Errorf("PASVNumbers(%q) = %v, %v, %v; want the six numbers, %v", tt.text, n, form, err, tt.form)
		}
	}
}
