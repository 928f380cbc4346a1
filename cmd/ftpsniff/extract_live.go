package main

import "fmt"

// extractCounts is what the metrics export of --extract (nil without
// it). For live's capture loop, which runs the extractor.
func (p *pipeline) extractCounts() *extractCounters {
	x := p.ext
	if x == nil {
		return nil
	}
	c := &extractCounters{extractStats: x.st, Held: x.dir.Held()}
	c.Files = x.dir.Stats()
	// CreateFailed counts the folder's refusals too (a bound): the rest
	// are file-system errors.
	f := c.Files
	c.CreateErrors = max(x.st.CreateFailed-(f.RefusedOpen+f.RefusedFiles+f.RefusedFull+f.RefusedName), 0)
	c.Files.RefusedOpen += x.refusedOpen
	return c
}

// extractCounters: extractStats with what this run holds in the folder
// now (Held, against --extract-max-total) and the files not created for
// a file-system error.
type extractCounters struct {
	extractStats
	Held         int64
	CreateErrors int64
}

// reclaimEvery: with --extract, live looks for the files it wrote that
// were removed at most this many seconds apart, and only after a bound
// refused a file (extract.Dir.RefusedSince); SIGHUP asks for it at once.
const reclaimEvery = 60

// reclaimExtract gives back to the folder's bounds what was removed from
// it (extract.Dir.Reclaim).
func (p *pipeline) reclaimExtract() (files, bytes int64) {
	if p.ext == nil || p.ext.closed {
		return 0, 0
	}
	return p.ext.dir.Reclaim()
}

// extractReclaimer runs reclaimExtract once a second's housekeeping asks:
// on SIGHUP (asked), or every reclaimEvery seconds while a bound refuses
// files. It says what it gave back on stderr.
type extractReclaimer struct {
	seconds int
}

func (r *extractReclaimer) second(p *pipeline, asked bool, say func(string)) {
	if p.ext == nil || p.ext.closed {
		return
	}
	r.seconds++
	if !asked && (r.seconds < reclaimEvery || !p.ext.dir.RefusedSince()) {
		return
	}
	r.seconds = 0
	if files, bytes := p.reclaimExtract(); files > 0 || bytes > 0 {
		say(fmt.Sprintf("ftpsniff: --extract %s: %s gone from the folder: no longer counted against --extract-max-total", p.ext.dir.Path(),
			counted(int64(files), "file{s} ("+counted(int64(bytes), "byte{s}")+") written by this run {is|are}")))
	}
}
