package main

import (
	"io"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// pipeline is one analysis: decoder -> tracker -> output. read and live
// differ only in where packets come from and how output is flushed.
type pipeline struct {
	out output
	trk *track.Tracker
	dec *decode.Decoder
}

func newPipeline(o *analysisOptions, stdout io.Writer) *pipeline {
	return newPipelineWith(o, newOutput(o, stdout), track.Options{})
}

func newPipelineWith(o *analysisOptions, out output, to track.Options) *pipeline {
	trk := track.New(out, to)
	return &pipeline{out: out, trk: trk, dec: decode.New(trk, o.decodeOptions())}
}

// finish ends the analysis: everything pending becomes final, then the
// summary.
func (p *pipeline) finish() error {
	p.dec.Finish()
	p.trk.Finish()
	p.out.Summary(p.dec.Stats(), p.trk.Limits())
	return p.out.Flush()
}
