package decode

import (
	"testing"
	"time"
)

// parkedPair is a parser logged in, both splitters parked, for the
// park and take around each control segment (idleLineBufs).
func parkedPair(tb testing.TB, maxLine int, lines *[]string) *sessionParser {
	tb.Helper()
	var stats Stats
	var scratch ControlEvent
	p := new(sessionParser)
	p.init(convClient, convServer, parseFTP, maxLine, &stats, &scratch, func(e *ControlEvent) {
		if *lines != nil && e.Kind == ControlCommand {
			*lines = append(*lines, e.Command.Verb+" "+e.Command.Arg)
		}
	})
	p.syn = [2]bool{true, true}
	p.bytes(dirServer, []byte("220 hi\r\n"), 1, convT0)
	p.bytes(dirClient, []byte("USER bob\r\n"), 2, convT0)
	p.bytes(dirServer, []byte("331 pw\r\n"), 3, convT0)
	p.bytes(dirClient, []byte("PASS x\r\n"), 4, convT0)
	p.bytes(dirServer, []byte("230 ok\r\n"), 5, convT0)
	if !p.parked[dirClient] || !p.parked[dirServer] {
		tb.Fatalf("parked %v after whole lines", p.parked)
	}
	return p
}

// TestParkedSplittersAllocateNothing guards the pooling of line buffers
// between lines: a command, or a reply, each a segment of whole lines,
// takes a pooled buffer and hands it back without allocating, also with a
// line bound below the pooled buffer's size (--max-line 64), and a line
// split over two segments, which holds its buffer between them, reads
// whole.
func TestParkedSplittersAllocateNothing(t *testing.T) {
	for _, maxLine := range []int{0, 64} {
		var lines []string
		p := parkedPair(t, maxLine, &lines)
		cmd, reply := []byte("NOOP\r\n"), []byte("200 ok\r\n")
		lines = nil // (what the callback keeps allocates)
		if n := testing.AllocsPerRun(1000, func() { p.bytes(dirClient, cmd, 6, convT0) }); n != 0 {
			t.Errorf("max line %d: %.1f allocations a command", maxLine, n)
		}
		// A reply allocates its Reply and its text (ftp.ReplyReader);
		// nothing more for the buffer.
		if n := testing.AllocsPerRun(1000, func() { p.bytes(dirServer, reply, 7, convT0) }); n > 2 {
			t.Errorf("max line %d: %.1f allocations a reply", maxLine, n)
		}
		lines = []string{}
		p.bytes(dirClient, []byte("CWD /a/"), 8, convT0)
		if p.parked[dirClient] {
			t.Errorf("max line %d: parked inside a line", maxLine)
		}
		p.bytes(dirClient, []byte("b\r\n"), 9, convT0.Add(time.Millisecond))
		if len(lines) != 1 || lines[0] != "CWD /a/b" || !p.parked[dirClient] {
			t.Errorf("max line %d: lines %q, parked %v", maxLine, lines, p.parked[dirClient])
		}
	}
}

// BenchmarkParkTakeSplitter measures the take and park of a splitter's
// buffer around a control segment of whole lines (a command, then its
// reply), with the parse between.
func BenchmarkParkTakeSplitter(b *testing.B) {
	var none []string
	p := parkedPair(b, 0, &none)
	cmd, reply := []byte("NOOP\r\n"), []byte("200 ok\r\n")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.bytes(dirClient, cmd, 6, convT0)
		p.bytes(dirServer, reply, 7, convT0)
	}
}
