package decode

import "time"

// idleCloseTimes holds, beside the tombstone ring and slot for slot, when
// the connection whose tombstone a slot holds was closed as idle (packet
// time, the TS of its ControlClose): a connection its later bytes pick up
// again says which close it continues (ControlEvent.Resumed). A slot's
// time is written with every tombstone marked resumable, which only an
// idle close leaves, and read only for such a tombstone, found by its
// key; so a slot the ring gave to another tombstone since is never read
// with the time of the one before. Being aligned with the ring, it needs
// no index and no expiry of its own. It is allocated at the first idle
// close: 24 bytes a slot, 96 KiB for the ring's 4,096.
type idleCloseTimes struct{ at []time.Time }

// set notes that k, whose tombstone was just added, was closed as idle at
// ts.
func (c *idleCloseTimes) set(tombs *tombstones, k ConnKey, ts time.Time) {
	_, i := tombs.slot(k)
	if i < 0 {
		return
	}
	if c.at == nil {
		c.at = make([]time.Time, len(tombs.ring))
	}
	c.at[i] = ts
}

// get returns when k, whose resumable tombstone the ring holds, was
// closed as idle.
func (c *idleCloseTimes) get(tombs *tombstones, k ConnKey) time.Time {
	_, i := tombs.slot(k)
	if i < 0 || c.at == nil {
		return time.Time{}
	}
	return c.at[i]
}
