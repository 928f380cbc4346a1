package track

import (
	"runtime"
	"testing"
)

// keptAnnouncementCost drives one open session of a transcript through
// n PASVs, each answered by a 227 nothing uses, and returns the live
// heap and what the transcript counted of TranscriptBytes, with the
// session still open.
func keptAnnouncementCost(t *testing.T, n int) (heap, counted int) {
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, Options{TranscriptBytes: 1 << 30, TranscriptBudget: 1 << 20, MaxTranscript: 1 << 20}), rec: rec, now: t0}
	cs := annSessions(s, 1)
	for k := range n {
		s.announce(cs[0], 2000+k%60000, false)
		rec.commands, rec.data = nil, nil // (the sink keeps nothing)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	counted = s.trk.transcriptBytes
	runtime.KeepAlive(s)
	return int(ms.HeapAlloc), counted
}

// TestTranscriptCountsWhatItHolds guards TranscriptBytes: what a kept
// command counts of it is at least what it holds. A kept PASV holds its
// 227 and the data record it announced (Command.Data), whatever the
// session keeps in Data (track/datakept.go lets the record go there).
// Before, the command counted 256 bytes and its reply 128 besides their
// text, and the record nothing: 1,000 sessions of 400 PASVs held 32-40
// MiB live in text output, its 8 MiB counted as 4.
func TestTranscriptCountsWhatItHolds(t *testing.T) {
	const few, many = 1000, 3000
	h1, c1 := keptAnnouncementCost(t, few)
	h2, c2 := keptAnnouncementCost(t, many)
	held, counted := (h2-h1)/(many-few), (c2-c1)/(many-few)
	t.Logf("a kept PASV and its 227 hold %d bytes, count %d", held, counted)
	if counted < held {
		t.Errorf("a kept PASV and its 227 hold %d bytes and count %d of TranscriptBytes", held, counted)
	}
}
