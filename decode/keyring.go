package decode

// keyRing remembers a value for each of the last n keys put (n given at
// the first put, when its storage is made): a bounded map whose oldest
// key leaves when a new one comes. A key put again keeps its slot and
// takes the new value; a key deleted and put again later takes a new
// slot, and the old slot, when reused, does not take it out.
type keyRing[V any] struct {
	m    map[ConnKey]keyRingEntry[V]
	keys []ConnKey
	next int
}

type keyRingEntry[V any] struct {
	slot int // its index in keys
	v    V
}

func (r *keyRing[V]) get(k ConnKey) (V, bool) {
	e, ok := r.m[k]
	return e.v, ok
}

func (r *keyRing[V]) put(k ConnKey, v V, n int) {
	if r.m == nil {
		r.m = make(map[ConnKey]keyRingEntry[V])
		r.keys = make([]ConnKey, n)
	}
	if e, ok := r.m[k]; ok {
		e.v = v
		r.m[k] = e
		return
	}
	i := r.next
	if old := r.keys[i]; old != (ConnKey{}) {
		if e, ok := r.m[old]; ok && e.slot == i {
			delete(r.m, old)
		}
	}
	r.keys[i] = k
	r.next = (i + 1) % len(r.keys)
	r.m[k] = keyRingEntry[V]{slot: i, v: v}
}

func (r *keyRing[V]) del(k ConnKey) { delete(r.m, k) }
