package decode

import "time"

// connList is a list of control connections (lru.go).
type connList = lruList[*controlConn]

func (cs *controlConn) lru() *lruLinks[*controlConn] { return &cs.links }

// Tombstones: what a closed control connection leaves behind, so that its
// late packets (a retransmitted FIN, the last ACK, an RST answering
// them) start no new session. A tombstone is a key and a time, in a ring
// of fixed size: the oldest is overwritten first, and one older than
// tombstoneTTL no longer counts.
const (
	tombstoneSlots = 4096
	tombstoneTTL   = 4 * time.Minute // twice the usual maximum segment lifetime
)

type tombstone struct {
	key ConnKey
	at  time.Time
}

type tombstones struct {
	ring  []tombstone
	next  int
	index map[ConnKey]int // key -> ring slot
}

func (t *tombstones) init(n int) {
	t.ring = make([]tombstone, n)
	t.index = make(map[ConnKey]int, n)
}

func (t *tombstones) add(k ConnKey, at time.Time) {
	slot := &t.ring[t.next]
	if i, ok := t.index[slot.key]; ok && i == t.next {
		delete(t.index, slot.key)
	}
	*slot = tombstone{key: k, at: at}
	t.index[k] = t.next
	t.next = (t.next + 1) % len(t.ring)
}

// has tells whether k closed less than tombstoneTTL before now.
func (t *tombstones) has(k ConnKey, now time.Time) bool {
	i, ok := t.index[k]
	if !ok {
		return false
	}
	if now.Sub(t.ring[i].at) > tombstoneTTL {
		delete(t.index, k)
		return false
	}
	return true
}

// touch renews k's time.
func (t *tombstones) touch(k ConnKey, now time.Time) {
	if i, ok := t.index[k]; ok {
		t.ring[i].at = now
	}
}

func (t *tombstones) drop(k ConnKey) {
	if i, ok := t.index[k]; ok {
		delete(t.index, k)
		t.ring[i] = tombstone{}
	}
}
