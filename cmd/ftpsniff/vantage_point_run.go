package main

// read --vantage --json analyses each point on its own beside the merge,
// in a goroutine per point whose records come to the merge's side grouped
// by session through a bounded channel: the merge writes each session's
// records at every point when it writes the session (pointRecords), so
// neither side holds the capture's records to the end.

import (
	"bytes"
)

// pointItemsQueued bounds the items a point's analysis may send ahead of
// the merge's side taking them: past it the analysis waits. Its analysis
// outruns the merge, so the queue stays full: at 32 it held about 200 KB
// of records a point; which items come, in what order, does not depend
// on it (pointRecords.take pulls them in the order sent).
const pointItemsQueued = 4

// pointSplitter is the writer a point's own analysis writes its JSON
// records to. It groups them by the point's session (a session's records,
// its session record last) and sends every group, and every record of no
// session, on out in the order complete. The records of the sessions
// open at once are bounded (maxOpenRecords): past it the oldest open
// session's records so far go out on their own, untied (counted).
type pointSplitter struct {
	out  chan<- *pointItem
	quit <-chan struct{} // closed: the merge's side stopped taking
	part []byte          // the start of a line not ended yet
	// open: the open sessions' groups by id, linked in the order opened
	// from oldest to newest (pointItem.older, newer): a session's close
	// finds its group by its id and unlinks it, no scan of the others.
	open           map[int]*pointItem
	oldest, newest *pointItem
	bytes          int // of the open sessions' records
	// tail: a server or summary record came; it and every record after
	// go out as such (written once the merge is done).
	tail   bool
	untied int
	// steps counts the links followed or changed in the open sessions'
	// order: the work TestPointSplitterClosesInLinearWork holds linear.
	steps int
}

func newPointSplitter(out chan<- *pointItem, quit <-chan struct{}) *pointSplitter {
	return &pointSplitter{out: out, quit: quit, open: map[int]*pointItem{}}
}

func (s *pointSplitter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.part = append(s.part, p...)
			break
		}
		line := append(s.part, p[:i+1]...) // a copy: p is the writer's
		s.part = nil
		p = p[i+1:]
		s.record(line)
	}
	return n, nil
}

// Close sends what is left (a session never closed, as it is) and ends
// the items.
func (s *pointSplitter) Close() error {
	if len(s.part) > 0 {
		s.record(s.part)
		s.part = nil
	}
	s.unclosed()
	close(s.out)
	return nil
}

func (s *pointSplitter) record(line []byte) {
	var h pointRecordHead
	if !readRecordHead(line, &h) {
		s.send(&pointItem{recs: []heldRecord{{line: line}}, bytes: len(line), tail: s.tail})
		return
	}
	if !s.tail && (h.Type == "server" || h.Type == "summary" || h.Type == "extraction") {
		s.unclosed()
		s.tail = true
	}
	switch {
	case s.tail:
		s.send(&pointItem{recs: []heldRecord{{line: line}}, bytes: len(line), tail: true, typ: h.Type, server: h.Server})
	case h.Type == "session":
		g := s.group(h.ID)
		s.bytes -= g.bytes
		s.unlink(g)
		delete(s.open, h.ID)
		g.recs = append(g.recs, heldRecord{line: line})
		g.bytes += len(line)
		g.session, g.id, g.server = true, h.ID, h.Server
		g.client, g.srvAddr, g.start = parseAddrPort(h.Client), parseAddrPort(h.Server), parseTS(h.Start)
		s.send(g)
	case h.Session > 0:
		g := s.group(h.Session)
		q := heldRecord{line: line}
		switch h.Type {
		case "data":
			q.data, q.code = h.ID, "data"
			if g.data == nil {
				g.data = map[int]heldData{}
			}
			g.data[h.ID] = heldData{client: parseAddrPort(h.Client), server: parseAddrPort(h.Server), firstSYN: parseTS(h.FirstSYN), armed: parseTS(h.Armed)}
		case "finding":
			q.data, q.code = h.Data, h.Code
		}
		g.recs = append(g.recs, q)
		g.bytes += len(line)
		s.bytes += len(line)
		for s.bytes > maxOpenRecords {
			s.spill()
		}
	default:
		s.send(&pointItem{recs: []heldRecord{{line: line}}, bytes: len(line), typ: h.Type})
	}
}

// group is the open session id's group, linked newest when new.
func (s *pointSplitter) group(id int) *pointItem {
	g := s.open[id]
	if g == nil {
		g = &pointItem{id: id}
		s.open[id] = g
		s.steps++
		if g.older = s.newest; g.older != nil {
			g.older.newer = g
		} else {
			s.oldest = g
		}
		s.newest = g
	}
	return g
}

// unlink takes the group g out of the open sessions' order.
func (s *pointSplitter) unlink(g *pointItem) {
	s.steps++
	if g.older != nil {
		g.older.newer = g.newer
	} else {
		s.oldest = g.newer
	}
	if g.newer != nil {
		g.newer.older = g.older
	} else {
		s.newest = g.older
	}
	g.older, g.newer = nil, nil
}

// spill sends the records so far of the oldest open session that holds
// some on their own, untied: the session's later records still group.
func (s *pointSplitter) spill() {
	for g := s.oldest; g != nil; g = g.newer {
		s.steps++
		if len(g.recs) == 0 {
			continue
		}
		s.untied += len(g.recs)
		s.bytes -= g.bytes
		s.send(&pointItem{recs: g.recs, bytes: g.bytes})
		g.recs, g.bytes = nil, 0
		return
	}
	s.bytes = 0
}

// unclosed sends the records of the sessions no session record closed,
// as they are, in the order the sessions opened.
func (s *pointSplitter) unclosed() {
	for g := s.oldest; g != nil; g = g.newer {
		s.steps++
		if len(g.recs) > 0 {
			s.send(&pointItem{recs: g.recs, bytes: g.bytes, tail: s.tail})
		}
	}
	s.open, s.oldest, s.newest, s.bytes = map[int]*pointItem{}, nil, nil, 0
}

func (s *pointSplitter) send(it *pointItem) {
	select {
	case s.out <- it:
	case <-s.quit:
	}
}

// pointRun is one point's own analysis (runRead) running beside the
// merge; its standard error is kept, to be written in the order of the
// points once it is done.
type pointRun struct {
	split  *pointSplitter
	stderr bytes.Buffer
	err    error
	done   chan struct{}
}

func startPointRun(one *readOptions, items chan<- *pointItem, quit <-chan struct{}) *pointRun {
	r := &pointRun{split: newPointSplitter(items, quit), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = runRead(one, r.split, &r.stderr)
		r.split.Close()
	}()
	return r
}
