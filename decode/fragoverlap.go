package decode

// Overlaps within one datagram. A fragment whose bytes are all held
// already is a repeat when it carries them as they are held; when it
// carries them differently, the datagram has two versions (an attacker's
// overlapping fragments: which one the receiver takes is its own choice,
// first or last, and the capture cannot tell). As for a late fragment
// that differs from a datagram rebuilt (lateFragment), the datagram is
// rebuilt from the fragments that came first, the first differing copy
// is kept (its data only, counted with the fragments held) and, once the
// datagram completes, the packet it makes with the rest is decoded too,
// after it: a later copy of the segment it carries, counted as a
// conflict (Stats.FragmentConflicts; on a control connection, a
// ControlConflict). Further differing copies of the same datagram are
// counted and not decoded: one other version is enough to show the
// bytes are in doubt.

// sameAsHeld tells whether data, starting at start and covered whole by
// the pieces ps, repeats their bytes.
func sameAsHeld(ps []piece, start int, data []byte) bool {
	end := start + len(data)
	for _, p := range ps {
		lo, hi := max(p.start, start), min(p.end, end)
		if string(p.data[lo-p.start:hi-p.start]) != string(data[lo-start:hi-start]) {
			return false
		}
	}
	return true
}

// keepOtherCopy keeps f's data as the datagram's other version, unless it
// has one already: then the copy is only counted. It reports whether it
// kept it.
func (d *Decoder) keepOtherCopy(g *datagram, f *fragment) bool {
	if g.other.data != nil {
		d.stats.FragmentConflicts++
		return false
	}
	data := make([]byte, len(f.data))
	copy(data, f.data)
	g.other = piece{start: f.start, end: f.start + len(f.data), data: data}
	g.otherNum = d.num
	d.fragBytes += len(data)
	return true
}

// otherCopy returns the packet pkt, datagram g rebuilt, with g's other
// version of its bytes in place (a copy), or nil when it has none.
func (g *datagram) otherCopy(k fragKey, pkt []byte) []byte {
	if g.other.data == nil || pkt == nil {
		return nil
	}
	hdr := 20
	if k.v6 {
		hdr = 40
	}
	if hdr+g.other.end > len(pkt) {
		return nil
	}
	alt := make([]byte, len(pkt))
	copy(alt, pkt)
	copy(alt[hdr+g.other.start:], g.other.data)
	return alt
}
