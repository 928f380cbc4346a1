package main

import "testing"

// TestEvidencePacketWord: a finding's evidence names its packets in the
// grammatical number of how many there are.
func TestEvidencePacketWord(t *testing.T) {
	o := &textOutput{width: 100}
	for _, tc := range []struct {
		packets []uint64
		want    string
	}{
		{[]uint64{29}, "a full handshake (packet 29)"},
		{[]uint64{29, 31}, "a full handshake (packets 29, 31)"},
		{nil, "a full handshake"},
	} {
		if got := o.evidenceText("a full handshake", tc.packets); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.packets, got, tc.want)
		}
	}
}
