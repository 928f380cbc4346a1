package track

import (
	"net/netip"
	"testing"
)

// TestUnreadContradicts guards what the visible part of a cut or
// malformed 227/229 rules out for the client's SYN to the control
// server 10.0.0.1: only numbers certainly visible count (one the text
// ends in may be cut, unless another digit would put it out of range).
func TestUnreadContradicts(t *testing.T) {
	srv := netip.MustParseAddr("10.0.0.1")
	for _, tc := range []struct {
		code int
		text string
		port uint16
		want bool
	}{
		{227, "Entering Passive Mode (192", 8080, true},
		{227, "227 Entering Passive Mode (192", 8080, true},
		{227, "Entering Passive Mode (1", 8080, false},   // 1, 10..19, 100..199
		{227, "Entering Passive Mode (10,", 8080, false}, // the server's; no port yet
		{227, "Entering Passive Mode (10,0,0,2,", 40001, true},
		{227, "Entering Passive Mode (0,0,0,0,156,", 40001, false}, // "the control address"
		{227, "Entering Passive Mode (10,0,0,1,15", 40001, false},  // p1 may be 156
		{227, "Entering Passive Mode (10,0,0,1,157", 40001, true},  // 157 whole: 1570 > 255
		{227, "Entering Passive Mode (10,0,0,1,156,", 40001, false},
		{227, "Entering Passive Mode (10,0,0,1,156,", 40192, true},
		{227, "Entering Passive Mode (10,0,0,1,156)", 40191, false},  // p1 only
		{227, "Entering Passive Mode (10,0,0,1,156,6", 40001, false}, // p2 may be 65
		{227, "Entering Passive Mode (10,0,0,1,156,66,1)", 8080, false},
		{227, "Entering Passive Mode 10,0,0,1,156,65,", 40001, false},
		{227, "Entering Passive Mode", 8080, false},
		{229, "Entering Extended Passive Mode (|||40", 40001, false},
		{229, "Entering Extended Passive Mode (|||40", 8080, true},
		{229, "Entering Extended Passive Mode (|||40003)", 40001, true},
		{229, "Entering Extended Passive Mode (|||40003)", 40003, false},
		{229, "Entering Extended Passive Mode (||", 8080, false},
		{229, "Entering Extended Passive Mode (|1|10.0.0.2|40003|)", 8080, false},
		{228, "Entering Long Passive Mode (4,4,192", 8080, false},
		{0, "", 8080, false},
	} {
		if got := unreadContradicts(tc.code, tc.text, srv, tc.port); got != tc.want {
			t.Errorf("%d %q, SYN to port %d: contradicts %v; want %v", tc.code, tc.text, tc.port, got, tc.want)
		}
	}
}
