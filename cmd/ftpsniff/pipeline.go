package main

import (
	"sync/atomic"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/decode/relay"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// pipeline is one analysis: decoder -> tracker -> diagnoser -> output.
// read and live differ only in where packets come from and how output is
// flushed.
type pipeline struct {
	out  output
	trk  *track.Tracker
	dec  *decode.Decoder
	diag *diagnose.Diagnoser
	opts *analysisOptions
	// worst counts findings per severity, for --fail-on.
	bySeverity [3]int
	// sel: the sessions shown (read's --session, --server, --client); nil
	// for all.
	sel *sessionSelector
	// files: what the capture-file readers met, over every file read.
	files capture.Stats
	ext   *extractor // --extract (extract.go)
	carve *carver    // read --write (carve.go)
	// carving: read --write's passes (carverun.go), nil without it.
	carving *carving
	// filter: read's packet filters, nil without them; the summary
	// says what they left out.
	filter *packetFilter
	// relay, when not nil, runs everything after the decoder on a
	// goroutine of its own (read --workers 2); sync waits for it.
	relay *relay.Relay
	// input: the capture file being read (read), whose recorded capture
	// filter the diagnosis reads (recordedFilter) on the relay's
	// goroutine too. ctl: what the summary says of a capture of the
	// control connections alone.
	input atomic.Pointer[inputSource]
	ctl   controlOnlyTotals
	// recorded, read: the latest recorded filter read, and its reading
	// (recordedFilter; the diagnosis's goroutine only, then finish).
	recorded capture.RecordedFilter
	read     diagnose.CaptureFilter
}

// inputSource boxes a capture source for pipeline.input.
type inputSource struct{ src capture.Source }

// controlOnlyTotals is what the summary says of a capture that held
// nothing but control connections' packets (track.Tracker.ControlOnly)
// and of the findings read while it did.
type controlOnlyTotals struct {
	// Input: the input read last held nothing else to its end.
	Input bool
	// Findings: findings whose reading rests on data connections
	// missing from it, that say so (diagnose.Finding.ControlOnly);
	// Filtered: those rewritten because the capture filter the file
	// records left the data connections out (Finding.CaptureFilter).
	Findings, Filtered int
	// Filter: what the file read last records of its capture filter.
	Filter diagnose.CaptureFilter
}

// any tells whether the summary has anything to say of it.
func (c controlOnlyTotals) any() bool {
	return c.Input || c.Findings > 0 || c.Filtered > 0
}

// recordedFilter is what the capture file being read records of its
// capture filter, for the diagnosis.
func (p *pipeline) recordedFilter() diagnose.CaptureFilter {
	in := p.input.Load()
	if in == nil {
		return diagnose.CaptureFilter{}
	}
	if f := capture.FilterOf(in.src); f != p.recorded {
		// (Read once per filter recorded, not per finding.)
		p.recorded, p.read = f, diagnose.ReadCaptureFilter(f.Interfaces, f.Unfiltered, f.Text, f.Mixed)
	}
	return p.read
}

// diagnosisOutput is an output that also shows findings and the
// per-server summaries.
type diagnosisOutput interface {
	Finding(f *diagnose.Finding)
	Policy(p policy.Policy)
	Servers(s []diagnose.ServerSummary)
}

func newPipelineWith(o *analysisOptions, out output, to track.Options) *pipeline {
	return newCarvingPipeline(o, out, to, nil, false)
}

// newCarvingPipeline is newPipelineWith with the carver c (nil for none)
// told of every packet's connections and every session. With relayed,
// tracking, diagnosis and output run on a goroutine of their own, fed by
// the decoder's (decode/relay); it is for neither carving nor extraction,
// which the decoder asks the tracker about packet by packet.
func newCarvingPipeline(o *analysisOptions, out output, to track.Options, c *carver, relayed bool) *pipeline {
	p := &pipeline{out: out, opts: o, carve: c}
	// Only the text transcript looks back at a session's history; JSON
	// and the live stream write each record as it happens, and the text
	// summary view looks back at data connections only.
	if !keepsTranscript(out) {
		to.RecentOnly = true
		to.KeepData = keepsData(out)
	} else if t := textOf(out); t != nil && t.sel != nil {
		// Only the sessions shown need their transcript: the others
		// leave the budget on all open transcripts to them.
		to.Transcript = t.sel.selects
	}
	to.PassiveRange = o.passiveRange
	var next track.Sink = out
	if c != nil {
		next = carveSink{Sink: out, c: c}
	}
	p.diag = diagnose.New(o.pol, next, p)
	p.diag.SetPacketFilter(o.userFilter)
	sink, wrap := p.helperHooks(p.diag) // --helper linux (helper.go)
	p.trk = track.New(p.withExtract(sink), to)
	h := wrap(p.trk)
	if c != nil {
		c.trk = p.trk
		h = &carveHandler{handlerForward: handlerForward{h}, c: c}
	}
	if relayed && c == nil && !o.wantPayload() {
		// The helper simulation parses control segments as the kernel
		// does, those of a connection to a port it is attached to from
		// its first packet, before decode knows it for FTP.
		ro := relay.Options{ControlPayload: o.Helper != ""}
		if o.Helper != "" {
			ro.PayloadOf = o.attached().readsPayload
		}
		p.relay = relay.New(h, ro)
		h = p.relay
	}
	p.dec = decode.New(h, o.decodeOptions())
	if d, ok := out.(diagnosisOutput); ok && (len(o.pol.Ranges) > 0 || o.pol.Server != nil || o.pol.PublicAddress.IsValid()) {
		d.Policy(o.pol)
	}
	return p
}

// sync returns once everything the decoder produced has been tracked and
// written: the output may then be flushed or changed from the caller's
// goroutine.
func (p *pipeline) sync() {
	if p.relay != nil {
		p.relay.Sync()
	}
}

// Finding implements diagnose.Reporter: count, then show.
func (p *pipeline) Finding(f *diagnose.Finding) {
	if p.carve != nil {
		p.carve.finding(f)
	}
	// --fail-on counts the findings of the sessions shown (--session,
	// --server, --client), as the output does.
	if int(f.Severity) < len(p.bySeverity) && (f.Session == nil || p.sel.selects(f.Session)) {
		p.bySeverity[f.Severity]++
	}
	if f.ControlOnly() {
		p.ctl.Findings++
	}
	if f.CaptureFilter() != "" {
		p.ctl.Filtered++
	}
	if d, ok := p.out.(diagnosisOutput); ok {
		d.Finding(f)
	}
}

// finish ends the analysis: everything pending becomes final, then the
// summaries, with the errors that cut inputs short. With --fail-on, a
// finding at or above it makes the error a findingsError (exit code 1).
func (p *pipeline) finish(inputErrs ...error) error {
	p.dec.Finish() // closes every control connection, then finishes the tracker
	if p.relay != nil {
		p.relay.Close() // Finish waited for the tracker; nothing is left to relay
	}
	p.finishExtract()
	if d, ok := p.out.(diagnosisOutput); ok {
		d.Servers(p.diag.Summaries())
	}
	if e, ok := p.out.(interface{ InputErrors([]error) }); ok && len(inputErrs) > 0 {
		e.InputErrors(inputErrs)
	}
	if p.input.Load() != nil {
		// (read only: live's capture holds what its own filter keeps.)
		p.ctl.Input = p.trk.ControlOnly()
		p.ctl.Filter = p.recordedFilter()
	}
	p.out.Summary(totals{Files: p.files, Decode: p.dec.Stats(), Links: p.dec.LinkStats(), Limits: p.trk.Limits(), Diagnosis: p.diag.Omitted(), Filtered: p.filter.left(), ControlOnly: p.ctl})
	if err := p.out.Flush(); err != nil {
		return err
	}
	return p.failOnError()
}

// failOnError is the findingsError --fail-on asks for (exit code 1), when a
// finding of the sessions shown is at or above its severity; nil otherwise.
func (p *pipeline) failOnError() error {
	if !p.opts.failSet {
		return nil
	}
	n := 0
	for sev := p.opts.failOn; int(sev) < len(p.bySeverity); sev++ {
		n += p.bySeverity[sev]
	}
	if n > 0 {
		return findingsError{n: n, level: p.opts.failOn.String()}
	}
	return nil
}

// passiveRange is the passive range the user gave for the server of s
// (--pasv-range, or its part of --server-config, as the diagnosis applies
// it: policy.Policy.For by the family its greeting names), nil when none:
// the tracker takes no connection to a port outside it for an encrypted
// session's inferred data connection (track.Options.PassiveRange).
func (o *analysisOptions) passiveRange(s *track.Session) policy.Ranges {
	kind := policy.ServerUnknown
	if len(s.Greeting) > 0 {
		kind = policy.KindFromGreeting(s.Greeting[0].Text)
	}
	q, _ := o.pol.For(s.Server, kind)
	return q.PassiveRanges()
}
