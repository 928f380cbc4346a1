package track_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/relay"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// traceSink writes down what the tracker and the diagnosis report, in
// order, with the values an output would print.
type traceSink struct{ b strings.Builder }

func (s *traceSink) SessionStart(x *track.Session) {
	fmt.Fprintf(&s.b, "start %d %v>%v\n", x.ID, x.Client, x.Server)
}
func (s *traceSink) Command(x *track.Session, c *track.Command) {
	fmt.Fprintf(&s.b, "cmd %d %d %q %q %v %d\n", x.ID, c.Index, c.Verb, c.Arg, c.Status, len(c.Replies))
}
func (s *traceSink) Event(x *track.Session, e *track.Event) {
	fmt.Fprintf(&s.b, "event %d %v\n", x.ID, e.Kind)
}
func (s *traceSink) Data(x *track.Session, d *track.DataConn) {
	v, seen := d.TLSHandshake()
	fmt.Fprintf(&s.b, "data %d %d %v %v %v %d %v %v %v\n", x.ID, d.ID, d.Via, d.Announced, d.Outcome, d.TotalBytes(), d.EndReason, seen, v.Content)
}
func (s *traceSink) SessionEnd(x *track.Session) {
	fmt.Fprintf(&s.b, "end %d %v %d\n", x.ID, x.EndReason, len(x.Data))
}
func (s *traceSink) Finding(f *diagnose.Finding) {
	fmt.Fprintf(&s.b, "finding %s %v %s\n", f.Code, f.Severity, f.Message)
}

// analyse runs in through decode, the tracker and the diagnosis, with the
// tracker behind a relay or not, and returns the trace.
func analyse(in []byte, relayed bool) string {
	sink := &traceSink{}
	trk := track.New(diagnose.New(policy.Policy{}, sink, sink), track.Options{RecentOnly: true})
	var h decode.Handler = trk
	var r *relay.Relay
	if relayed {
		r = relay.New(trk, relay.Options{})
		h = r
	}
	d := decode.New(h, decode.Options{ControlPorts: []uint16{21, 990, 2121}})
	decodeFrames(d, in)
	d.Finish()
	if r != nil {
		r.Close()
	}
	return sink.b.String()
}

// FuzzRelaySameAsDirect: whatever the frames, the tracker and the
// diagnosis behind a relay (read --workers 2) report exactly what they
// report called directly: the same records, findings and outcomes, in
// the same order. The input format is FuzzPipeline's.
func FuzzRelaySameAsDirect(f *testing.F) {
	var seed []byte
	w := &wire{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), buf: make([]byte, 0, 256), record: &seed}
	w.d = decode.New(track.New(&countSink{}, track.Options{}), decode.Options{})
	w.session(1)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, in []byte) {
		direct, relayed := analyse(in, false), analyse(in, true)
		if direct != relayed {
			t.Errorf("relayed trace differs:\n--- direct\n%s--- relayed\n%s", direct, relayed)
		}
	})
}
