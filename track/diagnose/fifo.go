package diagnose

// fifo is the keys of a bounded table in the order they were first seen,
// as a ring: push adds a key and, once the ring holds max, returns the
// key first seen longest ago, which the table then forgets. Constant
// time whatever the table's size.
type fifo[K any] struct {
	keys []K
	head int // the oldest key, once the ring is full
}

func (f *fifo[K]) push(k K, max int) (oldest K, full bool) {
	if len(f.keys) < max {
		f.keys = append(f.keys, k)
		return oldest, false
	}
	oldest = f.keys[f.head]
	f.keys[f.head] = k
	f.head = (f.head + 1) % max
	return oldest, true
}
