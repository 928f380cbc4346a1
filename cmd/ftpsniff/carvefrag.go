package main

import (
	"bytes"
	"slices"
	"time"
)

// carvefrag.go: IP fragments for read --write. Only the packet that
// completes a datagram carries its segment, so only that packet says which
// connection (and session) the datagram belongs to; its other fragments
// went by before. The decoder says which packets it holds as fragments
// (decode.FragmentHandler) and which it rebuilt a segment from
// (decode.Segment.Fragments): the writing pass copies each held fragment
// here until its datagram completes, and writes the copies just before
// the completing packet when that one is written.

const (
	// maxHeldFragments and maxHeldFragmentBytes bound the copies kept at
	// once; heldFragmentAge is how long one waits for its datagram (the
	// decoder gives a datagram a minute of packet time).
	maxHeldFragments     = 1024
	maxHeldFragmentBytes = 8 << 20
	heldFragmentAge      = time.Minute
)

// heldFragment is the copy of one fragment, numbered num in the input
// numbered file (packet numbers start again in each input: a number alone
// would take another file's fragment, another host's bytes).
type heldFragment struct {
	file int
	num  uint64
	pkt  heldPacket
}

// fragmentHold keeps copies of the fragments of datagrams not yet
// complete, in packet order.
type fragmentHold struct {
	list  []heldFragment
	bytes int
	// lost counts fragments of written datagrams whose copy the bounds
	// had pushed out: the written file lacks them.
	lost int
}

// add keeps a copy of fragment num of input file, pushing out the oldest
// past the bounds.
func (h *fragmentHold) add(file int, num uint64, p heldPacket) {
	if len(p.data) > maxHeldFragmentBytes {
		return
	}
	for len(h.list) >= maxHeldFragments || h.bytes+len(p.data) > maxHeldFragmentBytes {
		h.bytes -= len(h.list[0].pkt.data)
		h.list = slices.Delete(h.list, 0, 1)
	}
	p.data = bytes.Clone(p.data)
	h.list = append(h.list, heldFragment{file: file, num: num, pkt: p})
	h.bytes += len(p.data)
}

// take removes the copies of the fragments nums of input file (a
// completed datagram's) and, when write is set, hands each to emit in
// packet order; one no longer held (or held from another input: a
// datagram whose fragments span two files) counts as lost.
func (h *fragmentHold) take(file int, nums []uint64, write bool, emit func(heldPacket)) {
	kept := h.list[:0]
	found := 0
	for _, f := range h.list {
		if f.file != file || !slices.Contains(nums, f.num) {
			kept = append(kept, f)
			continue
		}
		found++
		h.bytes -= len(f.pkt.data)
		if write {
			emit(f.pkt)
		}
	}
	clear(h.list[len(kept):])
	h.list = kept
	if write {
		h.lost += len(nums) - found
	}
}

// expire drops the copies of fragments older than heldFragmentAge at now:
// their datagram will not complete.
func (h *fragmentHold) expire(now time.Time) {
	kept := h.list[:0]
	for _, f := range h.list {
		if now.Sub(f.pkt.ci.Timestamp) <= heldFragmentAge {
			kept = append(kept, f)
		} else {
			h.bytes -= len(f.pkt.data)
		}
	}
	clear(h.list[len(kept):])
	h.list = kept
}
