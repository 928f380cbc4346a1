package decode

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestResumedOpenNamesItsIdleClose: the ControlOpen of a control
// connection picked up again by its bytes after an idle close says so
// (ControlEvent.Resumed), naming the connection and the time of the
// close it continues; it is not counted as a connection opened. The
// Open of a connection that began (a new SYN on the 4-tuple) says
// nothing of the kind, and no other event does.
func TestResumedOpenNamesItsIdleClose(t *testing.T) {
	late := idleClose + 90*time.Second
	tests := []struct {
		name   string
		before func(sc *idleScene)
		// after runs once the connection has been silent for late; it
		// may let it idle out again.
		after func(sc *idleScene)
		want  []string
		// wantClosed: which idle close (1-based, of those reported) the
		// resumed Open names; 0: no Open is resumed.
		wantClosed  int
		wantConns   uint64 // Stats.ControlConns
		wantResumed uint64 // Stats.IdleResumed
	}{
		{"a late command",
			nil,
			func(sc *idleScene) { sc.ctl.cli("NOOP\r\n"); sc.ctl.srv("200 NOOP ok.\r\n") },
			[]string{"close idle", "open midstream resumed", "NOOP", "200 NOOP ok.", "close capture-end"}, 1, 1, 1},
		{"TLS bytes after AUTH TLS",
			func(sc *idleScene) { sc.ctl.cli("AUTH TLS\r\n"); sc.ctl.srv("234 Proceed with negotiation.\r\n") },
			func(sc *idleScene) { sc.ctl.srv("\x17\x03\x03\x00\x20" + strings.Repeat("\x8a\n", 16)) },
			[]string{"close idle", "open midstream encrypted resumed", "close capture-end"}, 1, 1, 1},
		// Picked up again by part of a line, then idle once more before
		// any event: nothing was reported of that pickup, so the Open
		// that comes names the close that was.
		{"idle again before its first event",
			nil,
			func(sc *idleScene) {
				sc.ctl.cli("NOO")
				last := sc.ctl.ts
				sc.tickTo(last.Add(late))
				at(sc.ctl, last.Add(late))
				sc.ctl.cli("STAT\r\n")
			},
			[]string{"close idle", "open midstream resumed", "STAT", "close capture-end"}, 1, 1, 2},
		{"a new connection on the 4-tuple",
			nil,
			func(sc *idleScene) {
				sc.ctl.cseq += 100000
				sc.ctl.sseq += 100000
				sc.ctl.handshake()
				sc.ctl.srv("220 ready\r\n")
			},
			[]string{"close idle", "open", "220 ready", "close capture-end"}, 0, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newIdleScene(t)
			if tt.before != nil {
				tt.before(sc)
			}
			last := sc.ctl.ts
			sc.tickTo(last.Add(late))
			at(sc.ctl, last.Add(late))
			tt.after(sc)
			sc.d.Finish()
			var story []string
			var idleCloses []time.Time
			var resumed []Resumption
			for _, e := range sc.rec.control {
				r, ok := e.Resumed()
				if ok {
					resumed = append(resumed, r)
					if e.Kind != ControlOpen {
						t.Errorf("a %d event says it is resumed", e.Kind)
					}
				}
				switch e.Kind {
				case ControlOpen:
					s := "open"
					for _, w := range []struct {
						is   bool
						word string
					}{{e.Midstream, " midstream"}, {e.Encrypts, " encrypted"}, {ok, " resumed"}} {
						if w.is {
							s += w.word
						}
					}
					story = append(story, s)
				case ControlCommand:
					story = append(story, e.Command.Verb)
				case ControlReply:
					story = append(story, fmt.Sprintf("%d %s", e.Reply.Code, e.Reply.Text))
				case ControlClose:
					story = append(story, "close "+closeName[e.Closed])
					if e.Closed == CloseIdle {
						idleCloses = append(idleCloses, e.TS)
					}
				}
			}
			if len(story) > len(tt.want) {
				story = story[len(story)-len(tt.want):]
			}
			if strings.Join(story, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", story, tt.want)
			}
			switch {
			case tt.wantClosed == 0 && len(resumed) > 0:
				t.Errorf("resumed Opens %v, want none", resumed)
			case tt.wantClosed > 0 && len(resumed) != 1:
				t.Errorf("%d resumed Opens, want 1", len(resumed))
			case tt.wantClosed > 0:
				r := resumed[0]
				if want := MakeConnKey(convClient, convServer); r.Key != want {
					t.Errorf("resumed key %v, want %v", r.Key, want)
				}
				if len(idleCloses) < tt.wantClosed || !r.Closed.Equal(idleCloses[tt.wantClosed-1]) {
					t.Errorf("the resumed Open names the close at %s; idle closes reported at %v", r.Closed, idleCloses)
				}
			}
			st := sc.d.Stats()
			if st.ControlConns != tt.wantConns || st.IdleResumed != tt.wantResumed {
				t.Errorf("ControlConns %d, IdleResumed %d; want %d, %d", st.ControlConns, st.IdleResumed, tt.wantConns, tt.wantResumed)
			}
		})
	}
}
