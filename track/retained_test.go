package track_test

import (
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// weakSink keeps a weak pointer to every session and data connection it
// is told of, and nothing that would keep them alive.
type weakSink struct {
	countSink
	sessions []weak.Pointer[track.Session]
	data     []weak.Pointer[track.DataConn]
}

func (e *weakSink) SessionEnd(s *track.Session) {
	e.countSink.SessionEnd(s)
	e.sessions = append(e.sessions, weak.Make(s))
}

func (e *weakSink) Data(s *track.Session, d *track.DataConn) {
	e.countSink.Data(s, d)
	e.data = append(e.data, weak.Make(d))
}

// TestEndedSessionsNotRetained guards "a closed session leaves nothing
// behind but a small tombstone": once the sink has a session's end and its
// data connections' records, no table of decode, track or the diagnosis
// may still point at them (a pointer to a DataConn keeps its Session and
// every command and reply alive). The taken-endpoint ring kept the
// DataConn that took each of its last 256 endpoints, reported or not:
// hundreds of whole sessions kept past their end.
func TestEndedSessionsNotRetained(t *testing.T) {
	for _, recentOnly := range []bool{true, false} {
		sink := &weakSink{}
		diag := diagnose.New(policy.Policy{}, sink, nil)
		trk := track.New(diag, track.Options{RecentOnly: recentOnly})
		w := &wire{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), buf: make([]byte, 0, 256)}
		w.d = decode.New(trk, decode.Options{})
		const total = 300
		for i := range total {
			w.now = w.now.Truncate(time.Second).Add(time.Second)
			w.session(i)
		}
		// A session's end reaches the sink at its close; keep reading so
		// that anything merely waiting for the next packet is let go too.
		w.now = w.now.Add(time.Second)
		w.session(total)
		runtime.GC()
		runtime.GC()
		alive := func(n int, get func(int) bool) (k int) {
			for i := range n {
				if get(i) {
					k++
				}
			}
			return k
		}
		ended := len(sink.sessions) - 1 // the last may still be followed
		if ended < total-1 {
			t.Fatalf("RecentOnly=%v: %d sessions ended, want %d", recentOnly, len(sink.sessions), total)
		}
		s := alive(ended, func(i int) bool { return sink.sessions[i].Value() != nil })
		d := alive(len(sink.data)-1, func(i int) bool { return sink.data[i].Value() != nil })
		if s > 0 || d > 0 {
			t.Errorf("RecentOnly=%v: after a GC, %d of %d ended sessions and %d of %d reported data connections are still referenced",
				recentOnly, s, ended, d, len(sink.data)-1)
		}
		runtime.KeepAlive(w)
		runtime.KeepAlive(trk)
	}
}

// TestNothingRetainedAfterFinish reads every capture in pcaps/ (and the
// shared corpus when present) through decode, track and the diagnosis and
// checks that, after Finish, none of them still points at a session or a
// data connection the sink was told of: every table releases what it
// owns when the session ends, whatever shape the traffic had.
func TestNothingRetainedAfterFinish(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every capture")
	}
	var files []string
	for _, root := range []string{"../pcaps", "../../shared/corpus"} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && captureName(p) {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Fatal("no captures found under ../pcaps")
	}
	for _, f := range files {
		for _, recentOnly := range []bool{true, false} {
			sink := &weakSink{}
			diag := diagnose.New(policy.Policy{}, sink, nil)
			trk := track.New(diag, track.Options{RecentOnly: recentOnly})
			dec := decode.New(trk, decode.Options{})
			src, err := capture.Open(f)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for {
				data, ci, link, err := src.Next()
				if err != nil {
					break
				}
				dec.Decode(data, ci, link)
			}
			src.Close()
			dec.Finish()
			runtime.GC()
			runtime.GC()
			var s, d int
			for _, p := range sink.sessions {
				if p.Value() != nil {
					s++
				}
			}
			for _, p := range sink.data {
				if p.Value() != nil {
					d++
				}
			}
			if s > 0 || d > 0 {
				t.Errorf("%s (RecentOnly=%v): after Finish, %d of %d sessions and %d of %d data connections are still referenced",
					f, recentOnly, s, len(sink.sessions), d, len(sink.data))
			}
			runtime.KeepAlive(dec)
			runtime.KeepAlive(trk)
			runtime.KeepAlive(diag)
		}
	}
}

func captureName(p string) bool {
	for _, ext := range []string{".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz", ".cap", ".trace"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}
