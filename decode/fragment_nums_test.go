package decode

import (
	"slices"
	"testing"
)

// fragRecorder records what a writer of chosen packets needs of
// fragments: the frames held (FragmentHeld) and, per segment of a
// rebuilt datagram, the frames it names (Segment.Fragments).
type fragRecorder struct {
	recorder
	held    []uint64
	rebuilt map[uint64][]uint64 // completing frame -> the other fragments
}

func (r *fragRecorder) FragmentHeld(num uint64) { r.held = append(r.held, num) }

func (r *fragRecorder) Segment(s *Segment) {
	r.recorder.Segment(s)
	if s.Fragments != nil {
		r.rebuilt[s.Num] = slices.Clone(s.Fragments)
	}
}

// TestSegmentNamesItsFragments: the segment of a datagram rebuilt from
// fragments names the frames of its other fragments, each reported held
// when it arrived, so read --write can write a chosen segment whole; an
// unfragmented segment names none.
func TestSegmentNamesItsFragments(t *testing.T) {
	for _, tc := range []struct {
		file string
		want map[uint64][]uint64
	}{
		// tshark: frames 13-15 are the IPv4 227's fragments, 50-51 the
		// IPv6 229's.
		{"fragments.pcap", map[uint64][]uint64{15: {13, 14}, 51: {50}}},
		// Outer headers fragmented, inner ones, and both: every fragment
		// held is named once.
		{"tunnels-fragmented.pcapng", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rec := &fragRecorder{rebuilt: map[uint64][]uint64{}}
			decodeFileTo(t, "../pcaps/synthetic/"+tc.file, Options{}, rec)
			for num, want := range tc.want {
				if got := rec.rebuilt[num]; !slices.Equal(got, want) {
					t.Errorf("frame %d's segment names fragments %v, want %v", num, got, want)
				}
			}
			if tc.want != nil && len(rec.rebuilt) != len(tc.want) {
				t.Errorf("segments naming fragments: %v, want %v", rec.rebuilt, tc.want)
			}
			var named []uint64
			for _, l := range rec.rebuilt {
				named = append(named, l...)
			}
			slices.Sort(named)
			if !slices.Equal(named, rec.held) {
				t.Errorf("held %v, named %v", rec.held, named)
			}
		})
	}
}
