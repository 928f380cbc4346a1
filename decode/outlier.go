package decode

import (
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Reading a file, the frame of a forward step held as a possible clock
// outlier (packet.go observe) is decoded only once the next packet judged
// it: a step confirmed, it is decoded as it came, before the next packet;
// one packet's time, it is decoded at the clock's time (the packet before
// it), so that its time enters no event, duration, idle time or end: a
// bit flipped in one timestamp made a session last 194 days. What the
// capture's end or the next input finds held is decoded as it came, the
// step still held (as before any packet judged it). Live decodes at once:
// its packets are stamped by the host's clock, whose steps the steady
// clock shows (liveclock.go), and a held frame would wait for the next
// packet. One frame is copied, reading a file, at each forward gap of
// more than clockOutlierStep: a quiet capture's, not a busy one's.
type heldFrame struct {
	data    []byte // a copy, its buffer reused
	ci      gopacket.CaptureInfo
	link    layers.LinkType
	num     uint64 // its packet number
	waiting bool
}

// hold keeps the frame that made the step just held (d.jumpHeld).
func (d *Decoder) hold(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	h := &d.held
	h.data = append(h.data[:0], data...)
	h.ci, h.link, h.num, h.waiting = ci, link, d.num, true
	if d.heldH != nil {
		d.heldH.FrameHeld(d.num)
	}
}

// judgeHeld decodes the held frame before the packet at ts, which judges
// it as observe does: further back than clockConfirmSlack before the
// step, the step was one packet's time (Stats.ClockOutliers), and the
// frame is decoded at the clock's time, the step dropped (the idle clock
// it would have moved was not); else as it came, the step held for
// observe to confirm.
func (d *Decoder) judgeHeld(ts time.Time) {
	if d.jumpHeld && ts.Before(d.jumpAt.Add(-clockConfirmSlack)) {
		d.jumpHeld = false
		d.stats.ClockOutliers++
		d.ctl.clock = d.clockSaved
		d.ctl.stepDone()
		d.held.ci.Timestamp = d.last
	}
	d.releaseHeld()
}

// releaseHeld decodes the held frame, if any, under its own number.
func (d *Decoder) releaseHeld() {
	h := &d.held
	if !h.waiting {
		return
	}
	h.waiting = false
	num := d.num
	d.num = h.num
	d.decodeFrame(h.data, h.ci, h.link)
	d.num = num
	if d.heldH != nil {
		d.heldH.HeldFrameDecoded(h.num)
	}
	if cap(h.data) > maxHeldKept {
		h.data = nil // (a jumbo frame's buffer is not kept for the next)
	}
}

// maxHeldKept: the held frame's buffer is kept for the next up to this.
const maxHeldKept = 16 << 10

// A packet stamped outside the times packet time can be is refused
// (Stats.TimeOutOfRange): from 2262 on, time.Duration (292 years) no
// longer holds its distance from 1970, and a span printed across it was
// "-2562047h-47m-16.-8s" (a pcapng offset of -2^63 seconds: year
// 292277026652, no RFC 3339 time); before year 1, no RFC 3339 time
// either. Year 1 is a pcapng simple packet block's, which has no time
// (the zero time and on). A pcap's seconds that wrap in 2106 come back
// in 1970, a step back (Stats.ClockStepsBack).
var (
	saneFrom  = time.Time{}.Unix()
	saneUntil = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

// saneTime tells whether ts is within the times packet time can be.
func saneTime(ts time.Time) bool {
	s := ts.Unix()
	return s >= saneFrom && s < saneUntil
}
