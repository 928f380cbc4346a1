package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// recorder is a Reporter and a track.Sink that logs the order of calls, so
// tests can check findings come before the call they belong to.
type recorder struct {
	findings []*Finding
	log      []string
}

func (r *recorder) Finding(f *Finding) {
	r.findings = append(r.findings, f)
	id := 0
	if f.Data != nil {
		id = f.Data.ID
	}
	r.log = append(r.log, fmt.Sprintf("finding %s data=%d", f.Code, id))
}
func (r *recorder) SessionStart(s *track.Session) {
	r.log = append(r.log, fmt.Sprintf("start %d", s.ID))
}
func (r *recorder) Command(s *track.Session, c *track.Command) {
	r.log = append(r.log, fmt.Sprintf("command %d %s", s.ID, c.Verb))
}
func (r *recorder) Data(s *track.Session, dc *track.DataConn) {
	r.log = append(r.log, fmt.Sprintf("data %d", dc.ID))
}
func (r *recorder) Event(s *track.Session, e *track.Event) {}
func (r *recorder) SessionEnd(s *track.Session)            { r.log = append(r.log, fmt.Sprintf("end %d", s.ID)) }

// run feeds a capture through the real pipeline with the diagnoser.
func run(t testing.TB, path string, p policy.Policy) (*recorder, *Diagnoser) {
	t.Helper()
	src, err := capture.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer src.Close()
	rec := &recorder{}
	diag := New(p, rec, rec)
	trk := track.New(diag, track.Options{})
	diag.SetControlOnly(trk.ControlOnly) // as read does
	dec := decode.New(trk, decode.Options{})
	// Truncated or corrupt captures end early; what was read counts.
	_ = dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	return rec, diag
}

// render prints findings and summaries as text, for determinism checks and
// for reading.
func render(rec *recorder, diag *Diagnoser) string {
	var b strings.Builder
	for _, f := range rec.findings {
		id := 0
		if f.Data != nil {
			id = f.Data.ID
		}
		fmt.Fprintf(&b, "[%s] %s session=%d data=%d ts=%s packets=%v\n  evidence: %s\n  message: %s\n  advice: %s\n",
			f.Severity, f.Code, f.Session.ID, id, f.TS.UTC().Format("15:04:05.000000"), f.Packets, f.Evidence, f.Message, f.Advice)
	}
	for _, s := range diag.Summaries() {
		fmt.Fprintf(&b, "server %s: sessions=%d ports=%+v range=%s outside=%d outcomes=%v findings=%v\n  verdict: %s\n",
			s.Server, s.Sessions, s.PortsAnnounced, s.Range, s.OutsideRange, s.Outcomes, s.Findings, s.Verdict)
		for _, r := range s.Rules {
			fmt.Fprintf(&b, "  rule: %s\n", r)
		}
	}
	return b.String()
}
