package decode

// lruLinks are the links an entry of an lruList carries in itself.
type lruLinks[P any] struct{ prev, next P }

// lruItem is a pointer to an entry that carries lruLinks.
type lruItem[P any] interface {
	comparable
	lru() *lruLinks[P]
}

// lruList is an intrusive doubly linked list, least recently seen first:
// expiry and eviction take from the front and stop at the first entry not
// due, so they cost what they remove. The control table and the payload
// table keep their connections in such lists. An entry is on one list at a
// time; the caller knows which.
type lruList[P lruItem[P]] struct {
	head, tail P
	n          int
}

func (l *lruList[P]) front() P { return l.head }

func (l *lruList[P]) pushBack(x P) {
	var zero P
	lk := x.lru()
	lk.prev, lk.next = l.tail, zero
	if l.tail != zero {
		l.tail.lru().next = x
	} else {
		l.head = x
	}
	l.tail = x
	l.n++
}

// remove unlinks x, which must be on l.
func (l *lruList[P]) remove(x P) {
	var zero P
	lk := x.lru()
	if lk.prev != zero {
		lk.prev.lru().next = lk.next
	} else {
		l.head = lk.next
	}
	if lk.next != zero {
		lk.next.lru().prev = lk.prev
	} else {
		l.tail = lk.prev
	}
	lk.prev, lk.next = zero, zero
	l.n--
}

// moveToBack marks x, which must be on l, as seen last.
func (l *lruList[P]) moveToBack(x P) {
	if l.tail != x {
		l.remove(x)
		l.pushBack(x)
	}
}
