package main

import (
	"strconv"

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
	live      map[*track.Session]liveUID
	idleEnded map[int]string
	idleOrder []int
	// lastSess, lastFields: the live session head gave fields for last,
	// and them: a session's records come in runs (a command's, then its
	// data connection's), each found without the map. end forgets it.
	lastSess   *track.Session
	lastFields string
}

// liveUID is what a live session's records repeat: its uid, and the
// fields its command, data and event records write after their type
// (`,"session":ID,"session_uid":"UID"`), built once a session, not field
// by field on every record; uid is the end of fields.
type liveUID struct {
	uid    string
	fields string
}

// head returns the session and session_uid fields of a record about the
// live session s (liveUID.fields), kept for its later records.
func (u *sessionUIDs) head(observer string, s *track.Session) string {
	if s == u.lastSess {
		return u.lastFields
	}
	l, ok := u.live[s]
	if !ok {
		u.get(observer, s, true) // (a continuation's takes its part's uid)
		l = u.live[s]
	}
	u.lastSess, u.lastFields = s, l.fields
	return l.fields
}

// keep remembers s's uid and record fields until its end.
func (u *sessionUIDs) keep(s *track.Session, uid string) liveUID {
	var buf [64]byte
	b := append(buf[:0], `,"session":`...)
	b = strconv.AppendInt(b, int64(s.ID), 10)
	b = append(b, `,"session_uid":`...)
	b = appendJSONString(b, uid)
	l := liveUID{fields: string(b)}
	l.uid = l.fields[len(l.fields)-1-len(uid) : len(l.fields)-1]
	if l.uid != uid {
		l.uid = uid // (escaped: never for a uid zeekUID makes)
	}
	if u.live == nil {
		u.live = map[*track.Session]liveUID{}
	}
	u.live[s] = l
	return l
}

// get returns s's uid, kept for its later records when keep (the session
// is live: its end forgets it).
func (u *sessionUIDs) get(observer string, s *track.Session, keep bool) string {
	if l, ok := u.live[s]; ok {
		return l.uid
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
		return u.keep(s, uid).uid
	}
	return uid
}

// end forgets s, keeping its uid for a continuation when it was closed as
// idle; it returns s's uid.
func (u *sessionUIDs) end(observer string, s *track.Session) string {
	uid := u.get(observer, s, false)
	delete(u.live, s)
	if s == u.lastSess {
		u.lastSess, u.lastFields = nil, ""
	}
	if s.EndReason != track.EndIdle {
		return uid
	}
	keepIdleEnded(&u.idleEnded, &u.idleOrder, s.ID, uid)
	return uid
}
