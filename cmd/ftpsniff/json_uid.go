package main

import (
	"slices"

	"github.com/ftpsniff/ftpsniff/track"
)

// sessionUIDs gives each session the uid --format zeek gives it
// (zeekUID: a hash of its start, number, addresses and observer), the
// `session_uid` of every JSON record about it: `session` restarts at 1
// every run, and `-o` appends runs to one file, so only the uid joins a
// session's records across runs (and with the zeek lines of the same
// session). Computed once per session and kept while it is live; a
// continuation of a session closed as idle keeps the uid of the part it
// continues, as in --format zeek, for at most maxZeekIdleEnded such parts.
type sessionUIDs struct {
	live      map[*track.Session]string
	idleEnded map[int]string
	idleOrder []int
}

// get returns s's uid, kept for its later records when keep (the session
// is live: its end forgets it).
func (u *sessionUIDs) get(observer string, s *track.Session, keep bool) string {
	if uid, ok := u.live[s]; ok {
		return uid
	}
	var uid string
	if r := s.Resumed; r != nil && r.From != 0 {
		uid = u.idleEnded[r.From]
		if keep {
			delete(u.idleEnded, r.From)
		}
	}
	if uid == "" {
		uid = zeekUID(observer, s)
	}
	if keep {
		if u.live == nil {
			u.live = map[*track.Session]string{}
		}
		u.live[s] = uid
	}
	return uid
}

// end forgets s, keeping its uid for a continuation when it was closed as
// idle; it returns s's uid.
func (u *sessionUIDs) end(observer string, s *track.Session) string {
	uid := u.get(observer, s, false)
	delete(u.live, s)
	if s.EndReason != track.EndIdle {
		return uid
	}
	if u.idleEnded == nil {
		u.idleEnded = map[int]string{}
	}
	if len(u.idleOrder) >= 2*maxZeekIdleEnded {
		// Drop the IDs picked up (or forgotten) since.
		u.idleOrder = slices.DeleteFunc(u.idleOrder, func(k int) bool {
			_, ok := u.idleEnded[k]
			return !ok
		})
	}
	for len(u.idleEnded) >= maxZeekIdleEnded && len(u.idleOrder) > 0 {
		delete(u.idleEnded, u.idleOrder[0])
		u.idleOrder = u.idleOrder[1:]
	}
	u.idleEnded[s.ID] = uid
	u.idleOrder = append(u.idleOrder, s.ID)
	return uid
}
