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

// moveBehind moves x, which must be on l, to just behind the last entry
// for which before holds (to the front if none does), looking from the
// back: a list kept in order of a time stays in order when x's time moved
// to one that may be older than the newest. It costs the entries passed.
func (l *lruList[P]) moveBehind(x P, before func(P) bool) {
	var zero P
	l.remove(x)
	at := l.tail
	for at != zero && !before(at) {
		at = at.lru().prev
	}
	if at == zero {
		// to the front
		lk := x.lru()
		lk.prev, lk.next = zero, l.head
		if l.head != zero {
			l.head.lru().prev = x
		} else {
			l.tail = x
		}
		l.head = x
		l.n++
		return
	}
	lk := x.lru()
	lk.prev, lk.next = at, at.lru().next
	if lk.next != zero {
		lk.next.lru().prev = x
	} else {
		l.tail = x
	}
	at.lru().next = x
	l.n++
}
