package extract

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestMemoryPerClosedFile: a Dir kept the name and size of every file it
// closed, for Reclaim, which only live calls: reading a capture of 40,000
// sessions with --extract grew the live heap by 10 MB that nothing read
// again. A closed file costs nothing once written unless KeepClosed
// asked for it; with KeepClosed the entries are there for Reclaim.
func TestMemoryPerClosedFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 4,000 files")
	}
	const n = 4000
	arg := strings.Repeat("a-rather-long-file-name-", 3) // names as long as real ones
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("KeepClosed=%v", keep), func(t *testing.T) {
			d, _ := openDir(t, Limits{})
			if keep {
				d.KeepClosed()
			}
			// A first file settles the writer's buffers.
			write(t, d, Transfer{Session: 1, Data: 0, Verb: "RETR", Arg: arg}, "x")
			base := liveHeap()
			for i := 1; i <= n; i++ {
				write(t, d, Transfer{Session: 1, Data: i, Verb: "RETR", Arg: fmt.Sprint(arg, i)}, "x")
			}
			per := (int64(liveHeap()) - int64(base)) / n
			t.Logf("%d bytes per closed file (KeepClosed %v)", per, keep)
			if keep {
				// Not vacuous: the entries Reclaim needs are kept.
				if len(d.kept) != n+1 {
					t.Errorf("%d files kept for Reclaim, want %d", len(d.kept), n+1)
				}
				return
			}
			if per > 8 {
				t.Errorf("%d bytes per closed file stay on the heap, want none", per)
			}
			runtime.KeepAlive(d)
		})
	}
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
