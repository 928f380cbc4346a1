package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// carveOptions are read's flags for writing sessions' packets to a file
// (issue 11).
type carveOptions struct {
	Write      string
	OnlyFailed bool
}

func (o *readOptions) registerCarve(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&o.Write, "write", "", "write the packets of the sessions shown (all, or those --session, --server, --client pick) to `FILE` as pcapng: control and data connections and the ICMP errors about them")
	f.BoolVar(&o.OnlyFailed, "only-failed", false, "with --write: write only the sessions that failed or raised a warning (reads the files twice)")
}

// validateCarve checks --write against the inputs: never one of them, and
// --only-failed, which needs each session's outcome before its first
// packet is written, only with files that can be read twice.
func (o *readOptions) validateCarve(files []string) error {
	if o.Write == "" {
		if o.OnlyFailed {
			return usageErrorf("--only-failed chooses what --write writes: give --write FILE")
		}
		return nil
	}
	if o.Write == "-" {
		return usageErrorf("--write needs a file name: standard output carries the analysis")
	}
	if fi, err := os.Stat(o.Write); err == nil {
		for _, name := range files {
			in, err := os.Stat(name)
			if name == "-" {
				// Standard input may be a file redirected in: writing
				// over it would destroy what is being read.
				in, err = os.Stdin.Stat()
			}
			if err == nil && os.SameFile(fi, in) {
				return usageErrorf("--write %s is one of the capture files read", o.Write)
			}
		}
		if fi.IsDir() {
			return usageErrorf("--write %s is a directory", o.Write)
		}
	}
	if o.OnlyFailed && readOnce(files) {
		return usageErrorf("--write with --only-failed reads the capture twice (a session's outcome is known at its end): give files, not standard input or a pipe")
	}
	return nil
}

// carving is read --write under way: the carver, and the writer for the
// pass that writes.
type carving struct {
	c      *carver
	w      *carveWriter
	inputs []string
	opened []bool // which inputs the first pass could open
	cur    int    // the input being read
	werr   error  // the first write error of the first pass
}

// startCarving prepares --write. A stream is read once, so the packets of
// the sessions chosen at their start are written as they go by; files are
// read twice, so every chosen session is written whole, from the first
// packet of each of its connections.
func startCarving(opts *readOptions, files []string) (*carving, error) {
	if opts.Write == "" {
		return nil, nil
	}
	onePass := readOnce(files)
	cv := &carving{c: newCarver(opts.sel, opts.OnlyFailed, opts.minSev, onePass), inputs: files, opened: make([]bool, len(files))}
	// Created now, so that a file that cannot be written is said before
	// the analysis, not after it.
	w, err := createCarveWriter(opts.Write, files)
	if err != nil {
		return nil, err
	}
	cv.w = w
	if onePass {
		cv.c.emit = func(h heldPacket) {
			if cv.werr == nil {
				cv.werr = w.write(cv.cur, h.data, h.ci, h.link)
			}
		}
	}
	return cv, nil
}

// source wraps input file's source for the first pass: each packet is
// attributed once the decoder is done with it, and written at once in
// one pass.
func (cv *carving) source(src capture.Source) *packetSource {
	file := cv.cur
	cv.c.file = file
	cv.opened[file] = true
	return &packetSource{Source: src, done: func(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
		if cv.c.onePass {
			cv.w.seen(file, ci, link)
		}
		if cv.c.endPacket(data, ci, link) && cv.c.onePass && cv.werr == nil {
			cv.werr = cv.w.write(file, data, ci, link)
		}
	}}
}

// readOnce tells whether the inputs can be read only once: a pipe, or
// standard input in any form (a file redirected in cannot be opened
// again by name).
func readOnce(files []string) bool {
	return anyStream(files) || slices.Contains(files, "-")
}

// abandon removes the file a carving created when no input could
// be read at all: an empty file would pass for a result.
func (cv *carving) abandon() {
	if cv.w != nil {
		cv.w.f.Close()
		os.Remove(cv.w.name)
	}
}

// finish writes the second pass (files) and closes the file; it says on
// notes what was written and what the bounds cost.
func (cv *carving) finish(opts *readOptions, notes io.Writer) error {
	if cv.werr != nil {
		cv.w.close()
		return cv.werr
	}
	sessions := 0
	if !cv.c.onePass {
		if err := cv.secondPass(opts); err != nil {
			cv.w.close()
			return err
		}
		sessions = len(cv.c.kept)
	} else {
		sessions = cv.c.chosenSessions
		cv.c.limits.FragmentsNotWritten += cv.c.frags.lost
	}
	if err := cv.w.close(); err != nil {
		return err
	}
	fmt.Fprintf(notes, "ftpsniff: wrote %d packets of %d %s to %s%s\n", cv.w.packets, sessions, "session"+plural(sessions), opts.Write, cv.c.limits.note())
	return nil
}

// note says what the carver's bounds cost, if anything.
func (l carveLimits) note() string {
	s := ""
	if l.EarlyPackets > 0 {
		s += fmt.Sprintf("; %d packet%s of their connections went by before they were recognised (standard input is read once)", l.EarlyPackets, plural(int(l.EarlyPackets)))
	}
	if l.FlowsNotFollowed > 0 {
		s += fmt.Sprintf("; %d connection%s not followed (%d at once): their packets are missing", l.FlowsNotFollowed, plural(int(l.FlowsNotFollowed)), maxCarveFlows)
	}
	if l.FirstSeenFull > 0 {
		s += fmt.Sprintf("; %d connection%s written from their recognition on (%d starts remembered at once)", l.FirstSeenFull, plural(int(l.FirstSeenFull)), maxFirstSeen)
	}
	if l.SpansDropped > 0 {
		s += fmt.Sprintf("; %d connection%s of chosen sessions not written (%d at most)", l.SpansDropped, plural(int(l.SpansDropped)), maxCarveSpans)
	}
	if l.FragmentsUnlisted > 0 {
		s += fmt.Sprintf("; %d IP fragment%s of written packets missing (beyond the %d named per datagram, or in the file before the one the datagram completed in)", l.FragmentsUnlisted, plural(int(l.FragmentsUnlisted)), decode.MaxFragmentNums)
	}
	if l.FragmentsNotWritten > 0 {
		s += fmt.Sprintf("; %d IP fragment%s of written packets missing (%d fragments or %d MB held at once)", l.FragmentsNotWritten, plural(int(l.FragmentsNotWritten)), maxHeldFragments, maxHeldFragmentBytes>>20)
	}
	return s
}

// spanIndex finds the spans of one connection in one input.
type spanIndex map[spanKey][]flowSpan

type spanKey struct {
	file int
	key  decode.ConnKey
}

func (cv *carving) index() spanIndex {
	idx := spanIndex{}
	for _, cs := range cv.c.kept {
		for _, sp := range cs.spans {
			k := spanKey{sp.file, sp.key}
			idx[k] = append(idx[k], sp)
		}
	}
	for k, l := range idx {
		slices.SortFunc(l, func(a, b flowSpan) int {
			switch {
			case a.first < b.first:
				return -1
			case a.first > b.first:
				return 1
			}
			return 0
		})
		idx[k] = l
	}
	return idx
}

func (idx spanIndex) holds(file int, key decode.ConnKey, num uint64) bool {
	for _, sp := range idx[spanKey{file, key}] {
		if num < sp.first {
			return false
		}
		if num <= sp.last {
			return true
		}
	}
	return false
}

// secondPass reads the files again, with the same packet filters, and
// writes the packets that fall in a kept span. Its decoder only numbers
// packets and names their connections, as the first pass's did.
func (cv *carving) secondPass(opts *readOptions) error {
	idx := cv.index()
	if len(idx) == 0 {
		// Nothing chosen: the file still gets the first input's interface.
		return cv.firstInterface(opts)
	}
	var werr error
	m := &spanMatcher{idx: idx, write: func(file int, h heldPacket) {
		if werr == nil {
			werr = cv.w.write(file, h.data, h.ci, h.link)
		}
	}}
	o := opts.decodeOptions()
	o.DataPayload = false
	dec := decode.New(m, o)
	for i, name := range cv.inputs {
		if !cv.opened[i] {
			continue
		}
		if len(cv.inputs) > 1 {
			dec.SetInput(name)
		}
		src, err := capture.Open(name)
		if err != nil {
			// main escapes the whole line: the name goes in as it is.
			return fmt.Errorf("--write: reading %s again: %w", name, err)
		}
		var in capture.Source = capture.Prefetch(src)
		if opts.filter != nil {
			in = &filteredSource{Source: in, f: opts.filter, dec: dec}
		}
		m.file = i
		ps := &packetSource{Source: in, done: func(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
			cv.w.seen(i, ci, link)
			m.endPacket(heldPacket{data: data, ci: ci, link: link})
		}}
		// An error here was reported by the first pass, which read
		// as far: what is before it is written.
		_ = dec.DecodeAll(ps)
		ps.flush()
		in.Close()
		if werr != nil {
			return werr
		}
	}
	dec.Finish() // (a frame the decoder held is decoded and written here)
	if werr != nil {
		return werr
	}
	cv.c.limits.FragmentsNotWritten += m.frags.lost
	cv.c.limits.FragmentsUnlisted += m.unlisted
	return nil
}

// firstInterface gives an empty result the interface of the first packet
// of the first input read.
func (cv *carving) firstInterface(opts *readOptions) error {
	for i, name := range cv.inputs {
		if !cv.opened[i] {
			continue
		}
		src, err := capture.Open(name)
		if err != nil {
			return nil
		}
		_, ci, link, err := src.Next()
		src.Close()
		if err == nil {
			cv.w.seen(i, ci, link)
		}
		return nil
	}
	return nil
}

// spanMatcher is the second pass's decode.Handler: it tells whether the
// packet being decoded carries a connection of a kept span, and keeps
// copies of fragments until their datagram shows whether it does
// (carvefrag.go).
type spanMatcher struct {
	idx   spanIndex
	file  int
	match bool
	// the current packet's fragments: held as one (its number), and the
	// fragments its segments name, to write with it or to drop
	fragHeld              bool
	fragHeldNum           uint64
	writeFrags, dropFrags []uint64
	frags                 fragmentHold
	unlisted              int // fragments of written datagrams decode did not list
	// the frame of a forward clock step the decoder decodes only with
	// the next packet (decode.HeldFrameHandler): frameNow when the packet
	// just decoded is it, then frame, its copy, until its events came
	frame     heldPacket
	frameFile int
	frameNum  uint64
	frameHeld bool
	frameNow  bool
	write     func(file int, h heldPacket)
}

// endPacket writes the packet just decoded if it carries a kept span's
// connection, after the datagram's other fragments; one the decoder holds
// is copied, to be decided when its events come (HeldFrameDecoded).
func (m *spanMatcher) endPacket(p heldPacket) {
	if m.frameNow {
		m.frameNow, m.frameHeld = false, true
		p.data = bytes.Clone(p.data)
		m.frame, m.frameFile = p, m.file
		return
	}
	m.decided(m.file, p)
}

// decided writes (or not) packet p of input file, whose events all came.
func (m *spanMatcher) decided(file int, p heldPacket) {
	if m.fragHeld {
		m.frags.add(file, m.fragHeldNum, p)
	}
	if len(m.dropFrags) > 0 || len(m.writeFrags) > 0 {
		// A datagram's other fragments go out just before it. (The
		// closure only then: nothing allocated for a packet of none.)
		emit := func(h heldPacket) { m.write(file, h) }
		m.frags.take(file, m.dropFrags, false, emit)
		m.frags.take(file, m.writeFrags, true, emit)
	}
	if m.match {
		m.write(file, p)
	}
	m.match, m.fragHeld = false, false
	m.writeFrags, m.dropFrags = m.writeFrags[:0], m.dropFrags[:0]
}

// FrameHeld implements decode.HeldFrameHandler.
func (m *spanMatcher) FrameHeld(num uint64) { m.frameNow, m.frameNum = true, num }

// HeldFrameDecoded implements decode.HeldFrameHandler: the held frame's
// events came (with the next packet's, at the next input or at the end),
// before any of the packet's that released it.
func (m *spanMatcher) HeldFrameDecoded(num uint64) {
	if !m.frameHeld || num != m.frameNum {
		return
	}
	m.frameHeld = false
	m.decided(m.frameFile, m.frame)
	m.frame = heldPacket{}
}

func (m *spanMatcher) Segment(s *decode.Segment) {
	m.matchFragments(m.idx.holds(m.file, decode.MakeConnKey(s.Src, s.Dst), s.Num), s.Fragments, s.FragmentsUnlisted)
}

// matchFragments notes whether the current packet carries a kept span's
// connection (in), and the other fragments of its datagram, to write or
// to drop.
func (m *spanMatcher) matchFragments(in bool, frags []uint64, unlisted int) {
	m.match = m.match || in
	if in {
		m.writeFrags = append(m.writeFrags, frags...)
		m.unlisted += unlisted
	} else {
		m.dropFrags = append(m.dropFrags, frags...)
	}
}

// FragmentHeld implements decode.FragmentHandler.
func (m *spanMatcher) FragmentHeld(num uint64) { m.fragHeld, m.fragHeldNum = true, num }

func (m *spanMatcher) Unreachable(u *decode.Unreachable) {
	m.matchFragments(m.idx.holds(m.file, decode.MakeConnKey(u.Src, u.Dst), u.Num), u.Fragments, u.FragmentsUnlisted)
}

func (m *spanMatcher) Control(*decode.ControlEvent) {}
func (m *spanMatcher) Tick(now time.Time)           { m.frags.expire(now) }
func (m *spanMatcher) Finish()                      {}
